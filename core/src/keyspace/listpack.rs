//! Redis's listpack: a sequence of strings and integers packed in one allocation, byte for byte
//! the format Redis 7.0 keeps small hashes, sorted sets and list nodes in, and writes to RDB
//! files and DUMP payloads. Keeping the same entries makes those payloads a copy, not a
//! conversion, and costs no more memory than Redis.
//!
//! Layout: a 6-byte header (total bytes, u32 LE; element count, u16 LE, 65535 when unknown), the
//! entries, then the end byte 0xFF. Each entry is its encoding and data, then its own length
//! written backwards ("backlen") so the list can be walked from either end. A string that is
//! the canonical decimal form of a 64-bit integer is stored as that integer in the fewest bytes.
//!
//! In memory only the entries are on the heap, in a block of exactly their size (a [`Blob`]);
//! the header's two fields live beside the pointer and the end byte is implied. That saves
//! seven bytes per listpack, which for a small hash is often the difference of one allocator
//! size class. [`Listpack::to_bytes`] and [`Listpack::from_bytes`] convert to and from the
//! serialized form.
//!
//! Positions are byte offsets of entries from the first one: [`Listpack::first`],
//! [`Listpack::next`], [`Listpack::prev`] and [`Listpack::last`] walk them, [`Listpack::get`]
//! reads one, [`Listpack::end`] is the offset past the last. An offset is valid until the
//! listpack changes.

use super::blob::Blob;
use crate::protocol::reader::parse_i64;

const HEADER: usize = 6;
const END: u8 = 0xFF;
/// The count field's value when the count does not fit in it.
const COUNT_UNKNOWN: u16 = u16::MAX;

/// One element as stored: Redis keeps integer-looking strings as integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpValue<'a> {
    /// A string.
    Str(&'a [u8]),
    /// An integer (the element was its decimal form).
    Int(i64),
}

impl<'a> LpValue<'a> {
    /// The element's bytes, formatting an integer into `buf`.
    pub fn as_bytes<'b>(&self, buf: &'b mut itoa::Buffer) -> &'b [u8]
    where
        'a: 'b,
    {
        match *self {
            LpValue::Str(s) => s,
            LpValue::Int(n) => buf.format(n).as_bytes(),
        }
    }

    /// The element as an owned byte vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut buf = itoa::Buffer::new();
        self.as_bytes(&mut buf).to_vec()
    }

    /// True when the element's bytes are `s`.
    pub fn eq_bytes(&self, s: &[u8]) -> bool {
        match *self {
            LpValue::Str(v) => v == s,
            LpValue::Int(n) => {
                let mut buf = itoa::Buffer::new();
                buf.format(n).as_bytes() == s
            }
        }
    }
}

/// How an element will be stored.
enum Encoded<'a> {
    Int(i64),
    Str(&'a [u8]),
}

fn classify(s: &[u8]) -> Encoded<'_> {
    if !s.is_empty() && s.len() <= 20 {
        if let Some(n) = parse_i64(s) {
            // Only the canonical form round-trips: "007" or "+1" stay strings.
            let mut buf = itoa::Buffer::new();
            if buf.format(n).as_bytes() == s {
                return Encoded::Int(n);
            }
        }
    }
    Encoded::Str(s)
}

/// One element, encoded: the encoding byte(s) (and an integer's data), then a string's data,
/// then the backlen. Built on the stack, written straight into the listpack.
struct Enc<'a> {
    head: [u8; 9],
    head_len: u8,
    data: &'a [u8],
}

impl<'a> Enc<'a> {
    fn new(s: &'a [u8]) -> Enc<'a> {
        let mut head = [0u8; 9];
        let (head_len, data): (usize, &[u8]) = match classify(s) {
            Encoded::Int(n) => (encode_int(&mut head, n), &[]),
            Encoded::Str(s) => {
                let len = s.len();
                let n = if len < 64 {
                    head[0] = 0x80 | len as u8;
                    1
                } else if len < 4096 {
                    head[0] = 0xE0 | (len >> 8) as u8;
                    head[1] = len as u8;
                    2
                } else {
                    head[0] = 0xF0;
                    head[1..5].copy_from_slice(&(len as u32).to_le_bytes());
                    5
                };
                (n, s)
            }
        };
        Enc {
            head,
            head_len: head_len as u8,
            data,
        }
    }

    /// Encoding and data, without the backlen.
    fn body_len(&self) -> usize {
        self.head_len as usize + self.data.len()
    }

    /// The whole entry's size.
    fn len(&self) -> usize {
        self.body_len() + backlen_size(self.body_len())
    }

    /// Writes the entry into `out` (exactly [`Enc::len`] bytes).
    fn write(&self, out: &mut [u8]) {
        let h = self.head_len as usize;
        out[..h].copy_from_slice(&self.head[..h]);
        out[h..h + self.data.len()].copy_from_slice(self.data);
        write_backlen(&mut out[self.body_len()..], self.body_len());
    }
}

/// Writes the encoding of `n` in the fewest bytes into `out`; returns the bytes used.
fn encode_int(out: &mut [u8; 9], n: i64) -> usize {
    if (0..=127).contains(&n) {
        out[0] = n as u8;
        1
    } else if (-4096..=4095).contains(&n) {
        let u = (n as u64) & 0x1FFF;
        out[0] = 0xC0 | (u >> 8) as u8;
        out[1] = u as u8;
        2
    } else if i16::try_from(n).is_ok() {
        out[0] = 0xF1;
        out[1..3].copy_from_slice(&(n as i16).to_le_bytes());
        3
    } else if (-8_388_608..=8_388_607).contains(&n) {
        out[0] = 0xF2;
        out[1..4].copy_from_slice(&(n as i32).to_le_bytes()[..3]);
        4
    } else if i32::try_from(n).is_ok() {
        out[0] = 0xF3;
        out[1..5].copy_from_slice(&(n as i32).to_le_bytes());
        5
    } else {
        out[0] = 0xF4;
        out[1..9].copy_from_slice(&n.to_le_bytes());
        9
    }
}

/// Writes `len` as a backlen into `out` (exactly `backlen_size(len)` bytes): 7 bits a byte,
/// most significant first, every byte but the first flagged with 0x80 (read from the end, the
/// flag says "more bytes before this one").
fn write_backlen(out: &mut [u8], len: usize) {
    let n = backlen_size(len);
    for (i, b) in out[..n].iter_mut().enumerate() {
        // Byte i holds bits 7 * (n - 1 - i) and up.
        let group = ((len >> (7 * (n - 1 - i))) & 127) as u8;
        *b = if i == 0 { group } else { group | 128 };
    }
}

/// Size of an entry's encoding+data, from its first byte(s); None when malformed.
fn entry_body_len(b: &[u8]) -> Option<usize> {
    let first = *b.first()?;
    let len = if first & 0x80 == 0 {
        1
    } else if first & 0xC0 == 0x80 {
        1 + (first & 0x3F) as usize
    } else if first & 0xE0 == 0xC0 {
        2
    } else if first & 0xF0 == 0xE0 {
        2 + ((((first & 0x0F) as usize) << 8) | *b.get(1)? as usize)
    } else {
        match first {
            0xF0 => {
                let raw: [u8; 4] = b.get(1..5)?.try_into().ok()?;
                5 + u32::from_le_bytes(raw) as usize
            }
            0xF1 => 3,
            0xF2 => 4,
            0xF3 => 5,
            0xF4 => 9,
            _ => return None,
        }
    };
    Some(len)
}

/// Bytes a backlen of `len` takes.
fn backlen_size(len: usize) -> usize {
    match len {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

/// Decodes the element whose encoding starts `b`. The listpack was validated, so the bytes are
/// there.
fn decode(b: &[u8]) -> LpValue<'_> {
    let first = b[0];
    if first & 0x80 == 0 {
        return LpValue::Int(first as i64);
    }
    if first & 0xC0 == 0x80 {
        let len = (first & 0x3F) as usize;
        return LpValue::Str(&b[1..1 + len]);
    }
    if first & 0xE0 == 0xC0 {
        let u = (((first & 0x1F) as i64) << 8) | b[1] as i64;
        // Sign-extend 13 bits.
        return LpValue::Int((u << 51) >> 51);
    }
    if first & 0xF0 == 0xE0 {
        let len = (((first & 0x0F) as usize) << 8) | b[1] as usize;
        return LpValue::Str(&b[2..2 + len]);
    }
    match first {
        0xF0 => {
            let len = u32::from_le_bytes([b[1], b[2], b[3], b[4]]) as usize;
            LpValue::Str(&b[5..5 + len])
        }
        0xF1 => LpValue::Int(i16::from_le_bytes([b[1], b[2]]) as i64),
        0xF2 => {
            let u = i32::from_le_bytes([0, b[1], b[2], b[3]]);
            LpValue::Int((u >> 8) as i64)
        }
        0xF3 => LpValue::Int(i32::from_le_bytes([b[1], b[2], b[3], b[4]]) as i64),
        _ => {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(&b[1..9]);
            LpValue::Int(i64::from_le_bytes(raw))
        }
    }
}

/// A listpack, owning its entries. The header and the end byte are not stored: the length and
/// the count live in the [`Blob`] that holds the entries, and [`Listpack::to_bytes`] puts them
/// back for RDB files and DUMP payloads.
#[derive(Clone, PartialEq, Eq)]
pub struct Listpack {
    /// The entries; the blob's word is the header's count field (COUNT_UNKNOWN past 65534).
    entries: Blob,
}

const _: () = assert!(std::mem::size_of::<Listpack>() == 16);

impl std::fmt::Debug for Listpack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.iter()
                    .map(|v| String::from_utf8_lossy(&v.to_vec()).into_owned()),
            )
            .finish()
    }
}

impl Default for Listpack {
    fn default() -> Self {
        Self::new()
    }
}

/// The count field for `count` elements.
fn count_field(count: usize) -> u16 {
    if count < COUNT_UNKNOWN as usize {
        count as u16
    } else {
        COUNT_UNKNOWN
    }
}

/// Checks that `entries` is a run of well-formed entries (each encoding's length inside the
/// bytes, each backlen saying the same length); returns how many there are.
fn check_entries(entries: &[u8]) -> Option<usize> {
    let mut pos = 0;
    let mut count = 0usize;
    while pos < entries.len() {
        let body = entry_body_len(&entries[pos..])?;
        let end = pos.checked_add(body)?.checked_add(backlen_size(body))?;
        if end > entries.len() || read_backlen(&entries[pos + body..end])? != body {
            return None;
        }
        pos = end;
        count += 1;
    }
    Some(count)
}

/// Redis's `LISTPACK_MAX_SAFETY_SIZE`: the most a hash's or sorted set's listpack may grow to,
/// whatever the `*-max-listpack-value` thresholds allow, far below the 4 GiB its 32-bit size
/// field could describe.
pub const SAFETY_SIZE: usize = 1 << 30;

impl Listpack {
    /// An empty listpack (it allocates nothing).
    pub const fn new() -> Listpack {
        Listpack {
            entries: Blob::new(0),
        }
    }

    /// Adopts bytes read from an RDB file or a DUMP payload, after checking every entry (so
    /// that no later read can go out of bounds). None when they are not a well-formed listpack.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<Listpack> {
        if bytes.len() < HEADER + 1 || *bytes.last()? != END {
            return None;
        }
        let total = u32::from_le_bytes(bytes[..4].try_into().ok()?) as usize;
        if total != bytes.len() {
            return None;
        }
        let declared = u16::from_le_bytes([bytes[4], bytes[5]]);
        let entries = &bytes[HEADER..bytes.len() - 1];
        // An end byte where an entry should start is refused there (no encoding begins 0xFF).
        let count = check_entries(entries)?;
        if declared != COUNT_UNKNOWN && declared as usize != count {
            return None;
        }
        Some(Listpack {
            entries: Blob::from_slice(entries, count_field(count)),
        })
    }

    /// A listpack whose entries are the runs `parts`, in order (whole entries of other
    /// listpacks, as Redis's `lpMerge` and range deletes join them). None when they are not
    /// well-formed entries.
    pub fn from_entries(parts: &[&[u8]]) -> Option<Listpack> {
        let total = parts.iter().map(|p| p.len()).sum();
        let mut entries = Blob::new(0);
        let mut at = 0;
        let out = entries.splice(0, 0, total);
        for p in parts {
            out[at..at + p.len()].copy_from_slice(p);
            at += p.len();
        }
        let count = check_entries(entries.as_slice())?;
        entries.set_word(count_field(count));
        Some(Listpack { entries })
    }

    /// Builds a listpack of `items`, in order.
    pub fn from_items<'a>(items: impl IntoIterator<Item = &'a [u8]>) -> Listpack {
        let mut lp = Listpack::new();
        for item in items {
            lp.push_back(item);
        }
        lp
    }

    /// The bytes as Redis stores and serializes them: header, entries, end byte.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.byte_len());
        out.extend_from_slice(&(self.byte_len() as u32).to_le_bytes());
        out.extend_from_slice(&self.entries.word().to_le_bytes());
        out.extend_from_slice(self.entries.as_slice());
        out.push(END);
        out
    }

    /// The entries, without header and end byte (offsets index them).
    pub fn entries(&self) -> &[u8] {
        self.entries.as_slice()
    }

    /// Size in bytes as Redis counts it, header and end byte included (what
    /// `list-max-listpack-size`'s byte limits measure).
    pub fn byte_len(&self) -> usize {
        HEADER + self.entries.len() + 1
    }

    /// Redis's `lpSafeToAdd`: true while `add` more bytes keep the listpack within
    /// [`SAFETY_SIZE`]. The owners of hashes and sorted sets convert to their large encoding
    /// before a write that would not.
    pub fn safe_to_add(&self, add: usize) -> bool {
        self.byte_len().saturating_add(add) <= SAFETY_SIZE
    }

    /// Size of the heap block holding the entries (room reserved included).
    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        let declared = self.entries.word();
        if declared != COUNT_UNKNOWN {
            return declared as usize;
        }
        self.iter().count()
    }

    /// True when it holds no element.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The offset just past the last element: where [`Listpack::insert_at`] appends.
    pub fn end(&self) -> usize {
        self.entries.len()
    }

    /// Offset of the first element.
    pub fn first(&self) -> Option<usize> {
        (!self.is_empty()).then_some(0)
    }

    /// Offset of the last element.
    pub fn last(&self) -> Option<usize> {
        self.prev(self.end())
    }

    /// Offset of the element after the one at `pos`.
    pub fn next(&self, pos: usize) -> Option<usize> {
        let next = pos + self.entry_len(pos);
        (next < self.end()).then_some(next)
    }

    /// Offset of the element before `pos` (`pos` may be [`Listpack::end`]).
    pub fn prev(&self, pos: usize) -> Option<usize> {
        if pos == 0 {
            return None;
        }
        let body = read_backlen(&self.entries()[..pos]).unwrap_or(0);
        Some(pos - body - backlen_size(body))
    }

    /// The element at `pos`.
    pub fn get(&self, pos: usize) -> LpValue<'_> {
        decode(&self.entries()[pos..])
    }

    /// Offset of element `index`; negative counts from the end (-1 is the last).
    pub fn seek(&self, index: isize) -> Option<usize> {
        if index >= 0 {
            let mut pos = self.first()?;
            for _ in 0..index {
                pos = self.next(pos)?;
            }
            Some(pos)
        } else {
            let mut pos = self.last()?;
            for _ in 0..(-(index + 1)) {
                pos = self.prev(pos)?;
            }
            Some(pos)
        }
    }

    /// Every element, first to last.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            lp: self,
            pos: self.first(),
        }
    }

    /// Offset of the first element equal to `needle` at or after `from`, looking at every
    /// `skip + 1`-th element (skip 1 finds hash fields among field/value pairs).
    pub fn find(&self, from: Option<usize>, needle: &[u8], skip: usize) -> Option<usize> {
        let mut pos = from;
        while let Some(p) = pos {
            if self.get(p).eq_bytes(needle) {
                return Some(p);
            }
            pos = self.next(p);
            for _ in 0..skip {
                pos = pos.and_then(|q| self.next(q));
            }
        }
        None
    }

    /// Appends an element.
    pub fn push_back(&mut self, s: &[u8]) {
        self.insert_at(self.end(), s);
    }

    /// Prepends an element.
    pub fn push_front(&mut self, s: &[u8]) {
        self.insert_at(0, s);
    }

    /// Inserts an element before the one at `pos` (or at the end, given [`Listpack::end`]).
    /// Returns the new element's offset.
    pub fn insert_at(&mut self, pos: usize, s: &[u8]) -> usize {
        self.insert_many(pos, &[s]);
        pos
    }

    /// Inserts `items`, in order, before the element at `pos` (or at the end, given
    /// [`Listpack::end`]): one reallocation for all of them (a hash's field and value, a
    /// sorted set's member and score).
    pub fn insert_many(&mut self, pos: usize, items: &[&[u8]]) {
        let mut encs = [const { None }; 2];
        if items.len() > encs.len() {
            for (i, s) in items.iter().enumerate() {
                let at = self.nth_after(pos, i);
                self.insert_many(at, &[s]);
            }
            return;
        }
        let mut total = 0;
        for (slot, s) in encs.iter_mut().zip(items) {
            let e = Enc::new(s);
            total += e.len();
            *slot = Some(e);
        }
        let gap = self.entries.splice(pos, 0, total);
        let mut at = 0;
        for e in encs.iter().flatten() {
            e.write(&mut gap[at..at + e.len()]);
            at += e.len();
        }
        self.count_changed(items.len() as isize);
    }

    /// The offset `i` elements after `pos` (the end when there are fewer).
    fn nth_after(&self, pos: usize, i: usize) -> usize {
        let mut at = pos;
        for _ in 0..i {
            at = self.next(at).unwrap_or(self.end());
        }
        at
    }

    /// Replaces the element at `pos`. Returns its offset (unchanged).
    pub fn replace(&mut self, pos: usize, s: &[u8]) -> usize {
        let old = self.entry_len(pos);
        let e = Enc::new(s);
        let gap = self.entries.splice(pos, old, e.len());
        e.write(gap);
        pos
    }

    /// Removes the element at `pos`; returns the offset of the element that followed it.
    pub fn remove(&mut self, pos: usize) -> Option<usize> {
        self.remove_run(pos, 1)
    }

    /// Removes up to `n` elements starting at `pos`; returns the offset of the element after
    /// them.
    pub fn remove_run(&mut self, pos: usize, n: usize) -> Option<usize> {
        self.remove_run_inner(pos, n, false)
    }

    /// [`Listpack::remove_run`] for the first step of a move (a sorted set's member going to
    /// its new score): the bytes freed stay as room for the insert that follows, and the caller
    /// ends with [`Listpack::shrink_to_fit`], so that the block is reallocated once at most
    /// instead of shrunk, then grown again.
    pub fn remove_run_keeping_room(&mut self, pos: usize, n: usize) {
        self.remove_run_inner(pos, n, true);
    }

    fn remove_run_inner(&mut self, pos: usize, n: usize, keep_room: bool) -> Option<usize> {
        let mut end = pos;
        let mut removed = 0;
        while removed < n && end < self.end() {
            end += self.entry_len(end);
            removed += 1;
        }
        if keep_room {
            self.entries.splice_keeping_room(pos, end - pos, 0);
        } else {
            self.entries.splice(pos, end - pos, 0);
        }
        self.count_changed(-(removed as isize));
        (pos < self.end()).then_some(pos)
    }

    /// Makes room for `extra` more bytes of entries, growing by the size so far, so that a
    /// listpack pushed to again and again (a list's end node) moves rarely. Every other edit
    /// keeps the block exact, as Redis's `lpInsert` reallocates to the byte.
    pub fn reserve(&mut self, extra: usize) {
        self.entries.reserve(extra);
    }

    /// Gives back the room [`Listpack::reserve`] made (a node that stopped growing).
    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
    }

    /// Bytes the entry for `s` takes (what a push adds).
    pub fn entry_size(s: &[u8]) -> usize {
        Enc::new(s).len()
    }

    /// Full size of the entry at `pos`: encoding, data and backlen.
    fn entry_len(&self, pos: usize) -> usize {
        let body = entry_body_len(&self.entries()[pos..]).unwrap_or(1);
        body + backlen_size(body)
    }

    /// Updates the count field after `delta` elements came or went.
    fn count_changed(&mut self, delta: isize) {
        let declared = self.entries.word();
        let count = if declared == COUNT_UNKNOWN {
            self.iter().count()
        } else {
            (declared as isize + delta) as usize
        };
        self.entries.set_word(count_field(count));
    }
}

/// Reads the backlen that ends `b` (the bytes up to an entry's end); None when malformed.
fn read_backlen(b: &[u8]) -> Option<usize> {
    let mut val = 0usize;
    let mut shift = 0;
    let mut i = b.len();
    for _ in 0..5 {
        i = i.checked_sub(1)?;
        let byte = b[i];
        val |= ((byte & 127) as usize) << shift;
        if byte & 128 == 0 {
            return Some(val);
        }
        shift += 7;
    }
    None
}

/// Iterator over a listpack's elements.
pub struct Iter<'a> {
    lp: &'a Listpack,
    pos: Option<usize>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = LpValue<'a>;

    fn next(&mut self) -> Option<LpValue<'a>> {
        let pos = self.pos?;
        self.pos = self.lp.next(pos);
        Some(self.lp.get(pos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_to_add_stops_at_the_safety_size() {
        let mut lp = Listpack::new();
        assert!(lp.safe_to_add(SAFETY_SIZE - lp.byte_len()));
        assert!(!lp.safe_to_add(SAFETY_SIZE - lp.byte_len() + 1));
        assert!(!lp.safe_to_add(usize::MAX));
        lp.push_back(b"abc");
        assert!(lp.safe_to_add(SAFETY_SIZE - lp.byte_len()));
        assert!(!lp.safe_to_add(SAFETY_SIZE - lp.byte_len() + 1));
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn items(lp: &Listpack) -> Vec<Vec<u8>> {
        lp.iter().map(|v| v.to_vec()).collect()
    }

    #[test]
    fn bytes_match_redis() {
        // The listpack inside `RPUSH l a 1 -1 1000 hello` (Redis 7.0.15, DUMP of the list's
        // single quicklist node), and the one of `HSET h f1 v1 f2 123`.
        let lp = Listpack::from_items([&b"a"[..], b"1", b"-1", b"1000", b"hello"].iter().copied());
        assert_eq!(
            lp.to_bytes(),
            hex("1900000005008161020101dfff02c3e8028568656c6c6f06ff")
        );
        let hash = Listpack::from_items([&b"f1"[..], b"v1", b"f2", b"123"].iter().copied());
        assert_eq!(
            hash.to_bytes(),
            hex("1500000004008266310382763103826632037b01ff")
        );
    }

    #[test]
    fn every_integer_width_round_trips() {
        let values: Vec<String> = [
            0i64,
            127,
            128,
            -1,
            -4096,
            4095,
            4096,
            -4097,
            32767,
            -32768,
            32768,
            8_388_607,
            -8_388_608,
            8_388_608,
            i32::MAX as i64,
            i32::MIN as i64,
            i32::MAX as i64 + 1,
            i64::MAX,
            i64::MIN,
        ]
        .iter()
        .map(|n| n.to_string())
        .collect();
        let lp = Listpack::from_items(values.iter().map(|s| s.as_bytes()));
        assert_eq!(lp.len(), values.len());
        for (v, want) in lp.iter().zip(&values) {
            assert!(matches!(v, LpValue::Int(_)), "{want}");
            assert_eq!(v.to_vec(), want.as_bytes());
        }
        let again = Listpack::from_bytes(lp.to_bytes()).unwrap();
        assert_eq!(again, lp);
    }

    #[test]
    fn non_canonical_numbers_stay_strings() {
        let lp = Listpack::from_items([&b"007"[..], b"+1", b"-0", b"1.5", b""].iter().copied());
        for v in lp.iter() {
            assert!(matches!(v, LpValue::Str(_)));
        }
        assert_eq!(items(&lp)[0], b"007");
    }

    #[test]
    fn string_length_classes_and_walks_both_ways() {
        let sizes = [0usize, 1, 63, 64, 127, 128, 4095, 4096, 20000];
        let strings: Vec<Vec<u8>> = sizes.iter().map(|&n| vec![b'x'; n]).collect();
        let lp = Listpack::from_items(strings.iter().map(|s| &s[..]));
        assert_eq!(items(&lp), strings);
        let mut back = Vec::new();
        let mut pos = lp.last();
        while let Some(p) = pos {
            back.push(lp.get(p).to_vec());
            pos = lp.prev(p);
        }
        back.reverse();
        assert_eq!(back, strings);
        assert!(Listpack::from_bytes(lp.to_bytes()).is_some());
    }

    #[test]
    fn edits_keep_header_and_order() {
        let mut lp = Listpack::new();
        assert!(lp.is_empty() && lp.first().is_none() && lp.last().is_none());
        lp.push_back(b"b");
        lp.push_front(b"a");
        lp.push_back(b"d");
        let d = lp.seek(-1).unwrap();
        lp.insert_at(d, b"c");
        assert_eq!(
            items(&lp),
            vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec(), b"d".to_vec()]
        );
        let b = lp.seek(1).unwrap();
        lp.replace(b, &[b'B'; 100]);
        assert_eq!(lp.get(lp.seek(1).unwrap()).to_vec(), vec![b'B'; 100]);
        let next = lp.remove(lp.seek(1).unwrap()).unwrap();
        assert_eq!(lp.get(next).to_vec(), b"c");
        assert_eq!(lp.len(), 3);
        lp.remove_run(lp.first().unwrap(), 10);
        assert!(lp.is_empty());
        assert_eq!(lp, Listpack::new());
    }

    #[test]
    fn the_block_is_exact_and_long_backlens_match_redis() {
        let mut lp = Listpack::new();
        assert_eq!((lp.capacity(), lp.byte_len()), (0, 7));
        lp.insert_many(0, &[b"field", b"value"]);
        lp.insert_many(lp.end(), &[b"f2", b"12345"]);
        lp.insert_many(0, &[b"a", b"b", b"c"]);
        assert_eq!(lp.len(), 7);
        assert_eq!(lp.capacity(), lp.entries().len());
        assert_eq!(
            items(&lp),
            ["a", "b", "c", "field", "value", "f2", "12345"].map(|s| s.as_bytes().to_vec())
        );
        lp.remove_run(lp.seek(1).unwrap(), 2);
        lp.replace(0, b"a much longer first element");
        assert_eq!(lp.capacity(), lp.entries().len());
        // Body lengths at the edges of each backlen size, 16383 taking three bytes as in Redis's
        // lpEncodeBacklen.
        for body in [127usize, 128, 16382, 16383, 16384] {
            let head = if body < 4101 { 2 } else { 5 };
            let s = vec![b'x'; body - head];
            let one = Listpack::from_items([&s[..]]);
            assert_eq!(one.entries().len(), body + backlen_size(body));
            assert_eq!(Listpack::from_bytes(one.to_bytes()), Some(one.clone()));
            assert_eq!(one.get(one.last().unwrap()).to_vec(), s);
        }
        let big = Listpack::from_items([&vec![b'x'; 16378][..]]);
        assert_eq!(&big.entries()[big.end() - 3..], &[0, 0xFF, 0xFF]);
    }

    #[test]
    fn entries_join_and_reserved_room_goes_back() {
        let a = Listpack::from_items([&b"1"[..], b"two"]);
        let b = Listpack::from_items([&b"three"[..]]);
        let joined = Listpack::from_entries(&[a.entries(), b.entries()]).unwrap();
        assert_eq!(joined, Listpack::from_items([&b"1"[..], b"two", b"three"]));
        assert!(Listpack::from_entries(&[&a.entries()[1..]]).is_none());
        assert_eq!(Listpack::from_entries(&[]), Some(Listpack::new()));
        let mut lp = Listpack::new();
        for i in 0..100 {
            lp.reserve(Listpack::entry_size(b"element"));
            lp.push_back(format!("element{i}").as_bytes());
        }
        assert!(lp.capacity() > lp.entries().len());
        lp.shrink_to_fit();
        assert_eq!(lp.capacity(), lp.entries().len());
        assert_eq!(lp.len(), 100);
    }

    #[test]
    fn find_skips_values() {
        let lp = Listpack::from_items([&b"f1"[..], b"f2", b"f2", b"v2"].iter().copied());
        // As a hash: fields at even positions. "f2" as a field is the third element.
        let at = lp.find(lp.first(), b"f2", 1).unwrap();
        assert_eq!(at, lp.seek(2).unwrap());
        assert!(lp.find(lp.first(), b"v2", 1).is_none());
        assert_eq!(lp.find(lp.first(), b"v2", 0), lp.seek(3));
    }

    #[test]
    fn malformed_bytes_are_refused() {
        let good = Listpack::from_items([&b"abc"[..], b"12"].iter().copied());
        let bytes = good.to_bytes();
        assert!(Listpack::from_bytes(bytes.clone()).is_some());
        for cut in 0..bytes.len() {
            assert!(
                Listpack::from_bytes(bytes[..cut].to_vec()).is_none(),
                "cut {cut}"
            );
        }
        let mut wrong_count = bytes.clone();
        wrong_count[4] = 5;
        assert!(Listpack::from_bytes(wrong_count).is_none());
        let mut wrong_len = bytes.clone();
        wrong_len[HEADER] = 0x85; // a 5-byte string where 3 are
        assert!(Listpack::from_bytes(wrong_len).is_none());
        let mut bad_backlen = bytes.clone();
        bad_backlen[HEADER + 4] = 9;
        assert!(Listpack::from_bytes(bad_backlen).is_none());
        let mut early_end = bytes;
        early_end[HEADER + 5] = END;
        let total = early_end.len() as u32;
        early_end[..4].copy_from_slice(&total.to_le_bytes());
        assert!(Listpack::from_bytes(early_end).is_none());
    }
}
