//! Redis's listpack: a sequence of strings and integers packed in one allocation, byte for byte
//! the format Redis 7.0 keeps small hashes, sorted sets and list nodes in, and writes to RDB
//! files and DUMP payloads. Keeping the same bytes makes those payloads a copy, not a
//! conversion, and costs no more memory than Redis.
//!
//! Layout: a 6-byte header (total bytes, u32 LE; element count, u16 LE, 65535 when unknown), the
//! entries, then the end byte 0xFF. Each entry is its encoding and data, then its own length
//! written backwards ("backlen") so the list can be walked from either end. A string that is
//! the canonical decimal form of a 64-bit integer is stored as that integer in the fewest bytes.
//!
//! Positions are byte offsets of entries: [`Listpack::first`], [`Listpack::next`],
//! [`Listpack::prev`] and [`Listpack::last`] walk them, [`Listpack::get`] reads one. An offset is
//! valid until the listpack changes.

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

/// Appends the encoding and data of `s` (no backlen).
fn encode_entry(out: &mut Vec<u8>, s: &[u8]) {
    match classify(s) {
        Encoded::Int(n) => encode_int(out, n),
        Encoded::Str(s) => {
            let len = s.len();
            if len < 64 {
                out.push(0x80 | len as u8);
            } else if len < 4096 {
                out.push(0xE0 | (len >> 8) as u8);
                out.push(len as u8);
            } else {
                out.push(0xF0);
                out.extend_from_slice(&(len as u32).to_le_bytes());
            }
            out.extend_from_slice(s);
        }
    }
}

fn encode_int(out: &mut Vec<u8>, n: i64) {
    if (0..=127).contains(&n) {
        out.push(n as u8);
    } else if (-4096..=4095).contains(&n) {
        let u = (n as u64) & 0x1FFF;
        out.push(0xC0 | (u >> 8) as u8);
        out.push(u as u8);
    } else if i16::try_from(n).is_ok() {
        out.push(0xF1);
        out.extend_from_slice(&(n as i16).to_le_bytes());
    } else if (-8_388_608..=8_388_607).contains(&n) {
        out.push(0xF2);
        out.extend_from_slice(&(n as i32).to_le_bytes()[..3]);
    } else if i32::try_from(n).is_ok() {
        out.push(0xF3);
        out.extend_from_slice(&(n as i32).to_le_bytes());
    } else {
        out.push(0xF4);
        out.extend_from_slice(&n.to_le_bytes());
    }
}

/// Appends `len` as a backlen: 7 bits a byte, most significant first, every byte but the first
/// flagged with 0x80 (read from the end, the flag says "more bytes before this one").
fn encode_backlen(out: &mut Vec<u8>, len: usize) {
    let mut groups = [0u8; 5];
    let mut n = 0;
    let mut l = len;
    loop {
        groups[n] = (l & 127) as u8;
        n += 1;
        l >>= 7;
        if l == 0 {
            break;
        }
    }
    for i in (0..n).rev() {
        out.push(if i == n - 1 {
            groups[i]
        } else {
            groups[i] | 128
        });
    }
}

/// Encoding, data and backlen of `s`, ready to be spliced in.
fn entry_bytes(s: &[u8]) -> Vec<u8> {
    let mut e = Vec::with_capacity(s.len() + 7);
    encode_entry(&mut e, s);
    let len = e.len();
    encode_backlen(&mut e, len);
    e
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

/// A listpack, owning its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Listpack {
    bytes: Vec<u8>,
}

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

impl Listpack {
    /// An empty listpack.
    pub fn new() -> Listpack {
        let mut bytes = Vec::with_capacity(HEADER + 1);
        bytes.extend_from_slice(&((HEADER + 1) as u32).to_le_bytes());
        bytes.extend_from_slice(&0u16.to_le_bytes());
        bytes.push(END);
        Listpack { bytes }
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
        let mut pos = HEADER;
        let mut count = 0usize;
        while bytes[pos] != END {
            let body = entry_body_len(&bytes[pos..])?;
            let back = backlen_size(body);
            let end = pos.checked_add(body)?.checked_add(back)?;
            if end >= bytes.len() {
                return None;
            }
            // The backlen must say the same length, read from the end.
            if read_backlen(&bytes[..end])? != body {
                return None;
            }
            pos = end;
            count += 1;
        }
        if pos != bytes.len() - 1 || (declared != COUNT_UNKNOWN && declared as usize != count) {
            return None;
        }
        let mut lp = Listpack { bytes };
        lp.set_count(count);
        Some(lp)
    }

    /// Builds a listpack of `items`, in order.
    pub fn from_items<'a>(items: impl IntoIterator<Item = &'a [u8]>) -> Listpack {
        let mut lp = Listpack::new();
        for item in items {
            lp.push_back(item);
        }
        lp
    }

    /// The bytes, as Redis stores and serializes them.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Size in bytes (what `list-max-listpack-size`'s byte limits and Redis's
    /// `*-max-listpack-value` checks measure).
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        let declared = u16::from_le_bytes([self.bytes[4], self.bytes[5]]);
        if declared != COUNT_UNKNOWN {
            return declared as usize;
        }
        self.iter().count()
    }

    /// True when it holds no element.
    pub fn is_empty(&self) -> bool {
        self.bytes[HEADER] == END
    }

    /// Offset of the first element.
    pub fn first(&self) -> Option<usize> {
        (self.bytes[HEADER] != END).then_some(HEADER)
    }

    /// Offset of the last element.
    pub fn last(&self) -> Option<usize> {
        self.prev(self.bytes.len() - 1)
    }

    /// Offset of the element after the one at `pos`.
    pub fn next(&self, pos: usize) -> Option<usize> {
        let next = pos + self.entry_len(pos);
        (self.bytes[next] != END).then_some(next)
    }

    /// Offset of the element before `pos` (`pos` may be the end byte's offset).
    pub fn prev(&self, pos: usize) -> Option<usize> {
        if pos <= HEADER {
            return None;
        }
        let body = read_backlen(&self.bytes[..pos]).unwrap_or(0);
        Some(pos - body - backlen_size(body))
    }

    /// The element at `pos`.
    pub fn get(&self, pos: usize) -> LpValue<'_> {
        decode(&self.bytes[pos..])
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
        let at = self.bytes.len() - 1;
        self.splice(at, 0, &entry_bytes(s), 1);
    }

    /// Prepends an element.
    pub fn push_front(&mut self, s: &[u8]) {
        self.splice(HEADER, 0, &entry_bytes(s), 1);
    }

    /// Inserts an element before the one at `pos` (or at the end, given the end's offset:
    /// `byte_len() - 1`). Returns the new element's offset.
    pub fn insert_at(&mut self, pos: usize, s: &[u8]) -> usize {
        self.splice(pos, 0, &entry_bytes(s), 1);
        pos
    }

    /// Replaces the element at `pos`. Returns its offset (unchanged).
    pub fn replace(&mut self, pos: usize, s: &[u8]) -> usize {
        let old = self.entry_len(pos);
        self.splice(pos, old, &entry_bytes(s), 0);
        pos
    }

    /// Removes the element at `pos`; returns the offset of the element that followed it.
    pub fn remove(&mut self, pos: usize) -> Option<usize> {
        self.remove_run(pos, 1)
    }

    /// Removes up to `n` elements starting at `pos`; returns the offset of the element after
    /// them.
    pub fn remove_run(&mut self, pos: usize, n: usize) -> Option<usize> {
        let mut end = pos;
        let mut removed = 0;
        while removed < n && self.bytes[end] != END {
            end += self.entry_len(end);
            removed += 1;
        }
        self.splice(pos, end - pos, &[], -(removed as isize));
        (self.bytes[pos] != END).then_some(pos)
    }

    /// Full size of the entry at `pos`: encoding, data and backlen.
    fn entry_len(&self, pos: usize) -> usize {
        let body = entry_body_len(&self.bytes[pos..]).unwrap_or(1);
        body + backlen_size(body)
    }

    fn splice(&mut self, at: usize, remove: usize, insert: &[u8], delta: isize) {
        self.bytes.splice(at..at + remove, insert.iter().copied());
        let total = self.bytes.len() as u32;
        self.bytes[..4].copy_from_slice(&total.to_le_bytes());
        let declared = u16::from_le_bytes([self.bytes[4], self.bytes[5]]);
        let count = if declared == COUNT_UNKNOWN {
            self.iter().count()
        } else {
            (declared as isize + delta) as usize
        };
        self.set_count(count);
        if self.bytes.capacity() > 2 * self.bytes.len() + 64 {
            self.bytes.shrink_to_fit();
        }
    }

    fn set_count(&mut self, count: usize) {
        let field = if count < COUNT_UNKNOWN as usize {
            count as u16
        } else {
            COUNT_UNKNOWN
        };
        self.bytes[4..6].copy_from_slice(&field.to_le_bytes());
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
            lp.as_bytes(),
            &hex("1900000005008161020101dfff02c3e8028568656c6c6f06ff")[..]
        );
        let hash = Listpack::from_items([&b"f1"[..], b"v1", b"f2", b"123"].iter().copied());
        assert_eq!(
            hash.as_bytes(),
            &hex("1500000004008266310382763103826632037b01ff")[..]
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
        let again = Listpack::from_bytes(lp.as_bytes().to_vec()).unwrap();
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
        assert!(Listpack::from_bytes(lp.as_bytes().to_vec()).is_some());
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
        let bytes = good.as_bytes().to_vec();
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
        let mut bad_backlen = bytes;
        bad_backlen[HEADER + 4] = 9;
        assert!(Listpack::from_bytes(bad_backlen).is_none());
    }
}
