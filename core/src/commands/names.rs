//! Finding a command by its name, on every call: one pass over the name's bytes folded to lower
//! case, a probe in a fixed open-addressing table, one case-insensitive comparison.
//!
//! A general hash map would first copy the name into a lowercase buffer, hash it with a keyed
//! hasher and compare through `memcmp`; for names of three to eight bytes that was a few percent
//! of a pipelined GET's whole cost.

use std::sync::OnceLock;

use super::Command;

/// Slots in the table: a power of two, at least four times the number of commands, so a probe
/// rarely passes more than one slot.
const SLOTS: usize = 2048;

/// Longest name a command has; anything longer is unknown without a probe.
pub const MAX_NAME: usize = 32;

/// The commands by name.
struct NameIndex {
    slots: Box<[Option<&'static Command>; SLOTS]>,
}

/// The slot a name starts its probe at. Letters fold to lower case (`| 0x20`); other bytes
/// fold somewhere harmless, as the final comparison is exact.
#[inline]
fn home(name: &[u8]) -> usize {
    let mut h: u64 = name.len() as u64;
    for &b in name {
        h = (h ^ u64::from(b | 0x20)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - SLOTS.trailing_zeros())) as usize
}

/// True when `name` is `lower` (a command's lowercase name) in any case.
#[inline]
fn same_name(lower: &str, name: &[u8]) -> bool {
    lower.len() == name.len()
        && lower
            .bytes()
            .zip(name)
            .all(|(l, &b)| l == b.to_ascii_lowercase())
}

fn index() -> &'static NameIndex {
    static INDEX: OnceLock<NameIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut slots = Box::new([None; SLOTS]);
        let mut count = 0;
        for cmd in super::all() {
            assert!(
                cmd.name.len() <= MAX_NAME,
                "command name too long: {}",
                cmd.name
            );
            let mut i = home(cmd.name.as_bytes());
            while slots[i].is_some() {
                i = (i + 1) % SLOTS;
            }
            slots[i] = Some(cmd);
            count += 1;
        }
        assert!(
            count * 4 <= SLOTS,
            "the command index is too full: {count} commands"
        );
        NameIndex { slots }
    })
}

/// Finds a command by name, ignoring case.
#[inline]
pub fn find(name: &[u8]) -> Option<&'static Command> {
    if name.len() > MAX_NAME {
        return None;
    }
    let slots = &index().slots;
    let mut i = home(name);
    loop {
        match slots[i] {
            None => return None,
            Some(cmd) if same_name(cmd.name, name) => return Some(cmd),
            Some(_) => i = (i + 1) % SLOTS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_found_in_any_case() {
        for cmd in super::super::all() {
            let upper = cmd.name.to_ascii_uppercase();
            assert!(std::ptr::eq(find(cmd.name.as_bytes()).unwrap(), cmd));
            assert!(std::ptr::eq(find(upper.as_bytes()).unwrap(), cmd));
        }
    }

    #[test]
    fn near_names_are_unknown() {
        for name in [
            &b""[..],
            b"ge",
            b"gett",
            b"g\x45t\x00",
            b"\x7f\x7fdumpttl",
            b"GET ",
            &[b'a'; 40],
        ] {
            assert!(find(name).is_none(), "{name:?}");
        }
        // Folding for the hash maps `@` onto `` ` ``, and `_` onto DEL; the comparison does not.
        assert!(find(b"g@t").is_none());
        assert!(find(b"GeT").is_some());
    }
}
