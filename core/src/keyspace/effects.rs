//! What a write changed, as Redis commands: the records the append-only file (and, later,
//! replicas) receive.
//!
//! Most writes are recorded as the command that ran: replaying it on the same data gives the
//! same result. A handler whose command depends on the moment or on chance records what it did
//! instead (SPOP becomes SREM of the members it took, a relative expiry becomes PEXPIREAT at an
//! absolute time, INCRBYFLOAT becomes SET of the new value), so that a replay, later and
//! elsewhere, reaches exactly the same data.

use crate::protocol::args::encode_command;

/// The records of the command running now.
#[derive(Default)]
pub struct Effects {
    /// True while something keeps records (the AOF is on). When false, handlers skip building
    /// their replacement records and nothing is kept.
    pub wanted: bool,
    /// True once the running handler has recorded its own commands (or chosen to record
    /// nothing): its arguments are then not recorded.
    pub replaced: bool,
    /// The handler's own records, RESP-encoded, in the order they apply.
    pub buf: Vec<u8>,
}

impl Effects {
    /// Records `parts` as one command of the running call's effects, instead of the call's
    /// own arguments (call it once per command the effect needs).
    pub fn record(&mut self, parts: &[&[u8]]) {
        if !self.wanted {
            return;
        }
        self.replaced = true;
        encode_command(parts.iter().copied(), &mut self.buf);
    }

    /// Records nothing for the running call, even though it changed data that replay rebuilds
    /// by itself (e.g. a read that deleted an expired key).
    pub fn suppress(&mut self) {
        self.replaced = true;
    }

    /// Clears what the last call left, before the next one runs.
    pub fn reset(&mut self) {
        self.replaced = false;
        self.buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_only_when_wanted() {
        let mut e = Effects::default();
        e.record(&[b"SREM", b"s", b"a"]);
        assert!(!e.replaced);
        assert!(e.buf.is_empty());
        e.wanted = true;
        e.record(&[b"SREM", b"s", b"a"]);
        assert!(e.replaced);
        assert_eq!(e.buf, b"*3\r\n$4\r\nSREM\r\n$1\r\ns\r\n$1\r\na\r\n");
        e.reset();
        assert!(!e.replaced && e.buf.is_empty());
    }
}
