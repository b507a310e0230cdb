//! Redis's DUMP/RESTORE payload, and the RDB encodings it is built from.
//!
//! A payload is what `rdbSaveObject` writes for one value (an RDB object type byte, then the
//! value in RDB encoding), followed by the RDB version (2 bytes, little endian) and a CRC64 of
//! everything before it (8 bytes, little endian). The pieces (lengths, strings, LZF, CRC64) are
//! public so that RDB persistence writes the same bytes Redis writes and reads what Redis reads.
//!
//! Each collection type writes and reads its own RDB objects ([`RdbObject`]); an object type no
//! Tessera type reads (a stream, a module value) is refused as "Bad data format".

use std::cell::RefCell;

use super::bytes::Bytes;
use super::value::Value;
use super::{Hash, List, Set, ZSet};
use crate::config::Config;
use crate::errors;

/// The RDB version Redis 7.0 writes; RESTORE accepts payloads of this version or older.
pub const RDB_VERSION: u16 = 10;

/// RDB object type of a string.
pub const RDB_TYPE_STRING: u8 = 0;
/// A list as a linked list of strings (RDB versions before quicklists).
pub const RDB_TYPE_LIST: u8 = 1;
/// A set as a count and its members.
pub const RDB_TYPE_SET: u8 = 2;
/// A sorted set with scores as strings (RDB versions before 8).
pub const RDB_TYPE_ZSET: u8 = 3;
/// A hash as a count and its field/value pairs.
pub const RDB_TYPE_HASH: u8 = 4;
/// A sorted set with binary double scores.
pub const RDB_TYPE_ZSET_2: u8 = 5;
/// A hash as a zipmap (Redis 2.x).
pub const RDB_TYPE_HASH_ZIPMAP: u8 = 9;
/// A list as one ziplist (Redis before 3.2).
pub const RDB_TYPE_LIST_ZIPLIST: u8 = 10;
/// A set of integers as an intset.
pub const RDB_TYPE_SET_INTSET: u8 = 11;
/// A sorted set as a ziplist (Redis before 7.0).
pub const RDB_TYPE_ZSET_ZIPLIST: u8 = 12;
/// A hash as a ziplist (Redis before 7.0).
pub const RDB_TYPE_HASH_ZIPLIST: u8 = 13;
/// A list as a quicklist of ziplists (Redis 3.2 to 6.2).
pub const RDB_TYPE_LIST_QUICKLIST: u8 = 14;
/// A stream (not a Tessera type yet).
pub const RDB_TYPE_STREAM_LISTPACKS: u8 = 15;
/// A hash as a listpack (Redis 7.0).
pub const RDB_TYPE_HASH_LISTPACK: u8 = 16;
/// A sorted set as a listpack (Redis 7.0).
pub const RDB_TYPE_ZSET_LISTPACK: u8 = 17;
/// A list as a quicklist of listpacks (Redis 7.0).
pub const RDB_TYPE_LIST_QUICKLIST_2: u8 = 18;
/// A stream, version 2 (not a Tessera type yet).
pub const RDB_TYPE_STREAM_LISTPACKS_2: u8 = 19;

/// First byte of a 32-bit length (big endian follows).
const RDB_32BITLEN: u8 = 0x80;
/// First byte of a 64-bit length (big endian follows).
const RDB_64BITLEN: u8 = 0x81;
/// Special string encodings: the low six bits of a first byte whose top bits are `11`.
const RDB_ENC_INT8: u8 = 0;
const RDB_ENC_INT16: u8 = 1;
const RDB_ENC_INT32: u8 = 2;
const RDB_ENC_LZF: u8 = 3;

// ---------------------------------------------------------------------------------------------
// CRC64
// ---------------------------------------------------------------------------------------------

/// Jones polynomial (0xad93d23594c935a9), bit-reflected, as Redis's `crc64.c`.
const CRC64_POLY_REFLECTED: u64 = 0x95ac_9329_ac4b_c9b5;

/// Slicing-by-8 tables: `[0]` is the byte-at-a-time table, `[k]` advances `k` more zero bytes.
static CRC64_TABLES: [[u64; 256]; 8] = crc64_tables();

const fn crc64_tables() -> [[u64; 256]; 8] {
    let mut t = [[0u64; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u64;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ CRC64_POLY_REFLECTED
            } else {
                c >> 1
            };
            bit += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

/// Continues the CRC64 `crc` (0 to start) over `data`: Redis's `crc64(crc, data, len)`, the
/// checksum of DUMP payloads and RDB files. `crc64(0, b"123456789") == 0xe9c6d914c4b8d9ca`.
pub fn crc64(mut crc: u64, data: &[u8]) -> u64 {
    let t = &CRC64_TABLES;
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let c = crc ^ u64::from_le_bytes(word);
        crc = t[7][(c & 0xff) as usize]
            ^ t[6][((c >> 8) & 0xff) as usize]
            ^ t[5][((c >> 16) & 0xff) as usize]
            ^ t[4][((c >> 24) & 0xff) as usize]
            ^ t[3][((c >> 32) & 0xff) as usize]
            ^ t[2][((c >> 40) & 0xff) as usize]
            ^ t[1][((c >> 48) & 0xff) as usize]
            ^ t[0][(c >> 56) as usize];
    }
    for &b in chunks.remainder() {
        crc = t[0][((crc ^ u64::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

// ---------------------------------------------------------------------------------------------
// Lengths
// ---------------------------------------------------------------------------------------------

/// Appends an RDB length (`rdbSaveLen`): 6 bits in one byte, 14 bits in two, else a marker byte
/// and 32 or 64 bits big endian.
pub fn write_len(out: &mut Vec<u8>, len: u64) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.push(0x40 | (len >> 8) as u8);
        out.push(len as u8);
    } else if len <= u64::from(u32::MAX) {
        out.push(RDB_32BITLEN);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(RDB_64BITLEN);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// What a length field holds: a length, or (top bits `11`) the kind of a specially encoded
/// string that follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RdbLen {
    /// A plain length.
    Len(u64),
    /// A special string encoding (`RDB_ENC_INT8`... `RDB_ENC_LZF`), in the low six bits.
    Encoded(u8),
}

/// Takes `n` bytes from the front of `input`; None when fewer are left.
pub fn take<'a>(input: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if input.len() < n {
        return None;
    }
    let (head, rest) = input.split_at(n);
    *input = rest;
    Some(head)
}

/// Takes one byte from the front of `input`.
pub fn take_byte(input: &mut &[u8]) -> Option<u8> {
    take(input, 1).map(|b| b[0])
}

/// Reads an RDB length field (`rdbLoadLenByRef`); None when cut short or unknown.
pub fn read_len(input: &mut &[u8]) -> Option<RdbLen> {
    let first = take_byte(input)?;
    match first >> 6 {
        0 => Some(RdbLen::Len(u64::from(first & 0x3f))),
        1 => {
            let second = take_byte(input)?;
            Some(RdbLen::Len(
                u64::from(first & 0x3f) << 8 | u64::from(second),
            ))
        }
        3 => Some(RdbLen::Encoded(first & 0x3f)),
        _ => match first {
            RDB_32BITLEN => {
                let b = take(input, 4)?;
                Some(RdbLen::Len(u64::from(u32::from_be_bytes([
                    b[0], b[1], b[2], b[3],
                ]))))
            }
            RDB_64BITLEN => {
                let b = take(input, 8)?;
                let mut word = [0u8; 8];
                word.copy_from_slice(b);
                Some(RdbLen::Len(u64::from_be_bytes(word)))
            }
            _ => None,
        },
    }
}

/// Reads a length that must be a plain length (element counts, LZF sizes).
pub fn read_plain_len(input: &mut &[u8]) -> Option<u64> {
    match read_len(input)? {
        RdbLen::Len(n) => Some(n),
        RdbLen::Encoded(_) => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------------------------

/// Appends `n` as an int-encoded string when it fits 32 bits (`rdbEncodeInteger`); false when
/// it does not (nothing is written then).
fn write_encoded_int(out: &mut Vec<u8>, n: i64) -> bool {
    if let Ok(v) = i8::try_from(n) {
        out.extend_from_slice(&[0xc0 | RDB_ENC_INT8, v as u8]);
    } else if let Ok(v) = i16::try_from(n) {
        out.push(0xc0 | RDB_ENC_INT16);
        out.extend_from_slice(&v.to_le_bytes());
    } else if let Ok(v) = i32::try_from(n) {
        out.push(0xc0 | RDB_ENC_INT32);
        out.extend_from_slice(&v.to_le_bytes());
    } else {
        return false;
    }
    true
}

/// The integer `bytes` spell when they are exactly its canonical decimal form (what Redis's
/// `rdbTryIntegerEncoding` checks by printing the number back).
fn canonical_int(bytes: &[u8]) -> Option<i64> {
    let n = crate::protocol::reader::parse_i64(bytes)?;
    let mut buf = itoa::Buffer::new();
    (buf.format(n).as_bytes() == bytes).then_some(n)
}

/// Appends an integer string (`rdbSaveLongLongAsStringObject`): int-encoded when it fits 32
/// bits, else its decimal form as a plain string.
pub fn write_int_string(out: &mut Vec<u8>, n: i64) {
    if !write_encoded_int(out, n) {
        let mut buf = itoa::Buffer::new();
        let s = buf.format(n).as_bytes();
        write_len(out, s.len() as u64);
        out.extend_from_slice(s);
    }
}

/// Appends a string (`rdbSaveRawString`): short decimal integers int-encoded, strings over 20
/// bytes LZF-compressed when `compress` is set and it saves at least 4 bytes, else the length
/// and the bytes.
pub fn write_string(out: &mut Vec<u8>, bytes: &[u8], compress: bool) {
    if bytes.len() <= 11 {
        if let Some(n) = canonical_int(bytes) {
            if write_encoded_int(out, n) {
                return;
            }
        }
    }
    if compress && bytes.len() > 20 {
        // Redis asks for at least four bytes of gain (`rdbSaveLzfStringObject`).
        if let Some(packed) = lzf_compress(bytes, bytes.len() - 4) {
            out.push(0xc0 | RDB_ENC_LZF);
            write_len(out, packed.len() as u64);
            write_len(out, bytes.len() as u64);
            out.extend_from_slice(&packed);
            return;
        }
    }
    write_len(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// A string as stored: an integer from an int encoding, or bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RdbString {
    /// An int-encoded string.
    Int(i64),
    /// Plain or LZF-compressed bytes.
    Bytes(Vec<u8>),
}

impl RdbString {
    /// The string's bytes (an integer in decimal).
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            RdbString::Int(n) => itoa::Buffer::new().format(n).as_bytes().to_vec(),
            RdbString::Bytes(b) => b,
        }
    }

    /// The string as a value, encoded as Redis's `tryObjectEncoding` would (`int` when it can).
    pub fn into_value(self) -> Value {
        match self {
            RdbString::Int(n) => Value::Int(n),
            RdbString::Bytes(b) if b.len() <= 20 => Value::string(&b),
            RdbString::Bytes(b) => Value::Str(Bytes::from_vec(b)),
        }
    }
}

/// A vector of exactly `len` bytes of capacity, or None when that much memory is refused.
fn try_vec(len: usize) -> Option<Vec<u8>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).ok()?;
    Some(v)
}

/// Reads a string in any of its RDB encodings (`rdbGenericLoadStringObject`); None when the
/// input is cut short or malformed. Never allocates more than the input can justify.
pub fn read_string(input: &mut &[u8]) -> Option<RdbString> {
    match read_len(input)? {
        RdbLen::Len(len) => {
            let len = usize::try_from(len).ok()?;
            let bytes = take(input, len)?;
            let mut v = try_vec(len)?;
            v.extend_from_slice(bytes);
            Some(RdbString::Bytes(v))
        }
        RdbLen::Encoded(RDB_ENC_INT8) => Some(RdbString::Int(i64::from(take_byte(input)? as i8))),
        RdbLen::Encoded(RDB_ENC_INT16) => {
            let b = take(input, 2)?;
            Some(RdbString::Int(i64::from(i16::from_le_bytes([b[0], b[1]]))))
        }
        RdbLen::Encoded(RDB_ENC_INT32) => {
            let b = take(input, 4)?;
            Some(RdbString::Int(i64::from(i32::from_le_bytes([
                b[0], b[1], b[2], b[3],
            ]))))
        }
        RdbLen::Encoded(RDB_ENC_LZF) => {
            let clen = usize::try_from(read_plain_len(input)?).ok()?;
            let len = usize::try_from(read_plain_len(input)?).ok()?;
            let packed = take(input, clen)?;
            lzf_decompress(packed, len).map(RdbString::Bytes)
        }
        RdbLen::Encoded(_) => None,
    }
}

// ---------------------------------------------------------------------------------------------
// LZF (liblzf 3.6 as Redis builds it: HLOG 16, VERY_FAST, no ULTRA_FAST)
// ---------------------------------------------------------------------------------------------

const LZF_HLOG: u32 = 16;
const LZF_HSIZE: usize = 1 << LZF_HLOG;
const LZF_MAX_LIT: usize = 1 << 5;
const LZF_MAX_OFF: usize = 1 << 13;
const LZF_MAX_REF: usize = (1 << 8) + (1 << 3);

fn lzf_idx(h: u32) -> usize {
    ((h >> (3 * 8 - LZF_HLOG)).wrapping_sub(h.wrapping_mul(5)) as usize) & (LZF_HSIZE - 1)
}

/// liblzf's hash table of positions, kept per thread: a slot is current only when its
/// generation is this call's, which saves clearing 64K slots for every string.
struct LzfTable {
    generation: u32,
    slots: Vec<(u32, usize)>,
}

thread_local! {
    static LZF_TABLE: RefCell<LzfTable> = const { RefCell::new(LzfTable { generation: 0, slots: Vec::new() }) };
}

/// Compresses `input` as Redis's `lzf_compress` does (same bytes out), into at most `max_out`
/// bytes; None when the result would not fit (or the input is empty).
pub fn lzf_compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    if input.is_empty() || max_out == 0 || input.len() > u32::MAX as usize {
        return None;
    }
    LZF_TABLE.with(|table| {
        let mut table = table.borrow_mut();
        if table.slots.is_empty() {
            table.slots = vec![(0, 0); LZF_HSIZE];
        }
        table.generation = table.generation.wrapping_add(1);
        if table.generation == 0 {
            table.slots.iter_mut().for_each(|s| *s = (0, 0));
            table.generation = 1;
        }
        let generation = table.generation;
        lzf_compress_with(input, max_out, generation, &mut table.slots)
    })
}

fn lzf_compress_with(
    input: &[u8],
    out_end: usize,
    gen: u32,
    htab: &mut [(u32, usize)],
) -> Option<Vec<u8>> {
    let in_len = input.len();
    let mut out = vec![0u8; out_end];
    // Reads a slot and stores `pos` in it; 0 (never a valid reference) for a stale slot.
    let mut swap = |slot: usize, pos: usize| -> usize {
        let (g, old) = std::mem::replace(&mut htab[slot], (gen, pos));
        if g == gen {
            old
        } else {
            0
        }
    };
    let mut ip = 0usize;
    let mut op = 1usize; // start run
    let mut lit = 0usize;
    let mut hval: u32 = if in_len >= 2 {
        u32::from(input[0]) << 8 | u32::from(input[1])
    } else {
        0
    };
    while ip + 2 < in_len {
        hval = hval << 8 | u32::from(input[ip + 2]);
        let r = swap(lzf_idx(hval), ip);
        let matched = r > 0
            && r < ip
            && ip - r - 1 < LZF_MAX_OFF
            && ip + 4 < in_len
            && input[r] == input[ip]
            && input[r + 1] == input[ip + 1]
            && input[r + 2] == input[ip + 2];
        if matched {
            let off = ip - r - 1;
            let mut len = 2usize;
            let maxlen = (in_len - ip - len).min(LZF_MAX_REF);
            // liblzf stops the run before this test and Redis gives it one spare byte for that
            // write (after 32 literals `op` may already be `out_end + 1`): testing first gives
            // the same output without writing past the buffer.
            let undone = if lit == 0 { op - 1 } else { op }; // undo run if length is zero
            if undone + 3 + 1 >= out_end {
                return None;
            }
            out[op - lit - 1] = (lit as u8).wrapping_sub(1); // stop run
            op = undone;
            // liblzf's unrolled loop first compares 16 bytes without looking at `maxlen`, and
            // its final step always advances once: both are kept so the output is the same.
            'scan: {
                if maxlen > 16 {
                    for _ in 0..16 {
                        len += 1;
                        if input[r + len] != input[ip + len] {
                            break 'scan;
                        }
                    }
                }
                loop {
                    len += 1;
                    if !(len < maxlen && input[r + len] == input[ip + len]) {
                        break;
                    }
                }
            }
            len -= 2; // len is now #octets - 1
            ip += 1;
            if len < 7 {
                out[op] = ((off >> 8) + (len << 5)) as u8;
                op += 1;
            } else {
                out[op] = ((off >> 8) + (7 << 5)) as u8;
                out[op + 1] = (len - 7) as u8;
                op += 2;
            }
            out[op] = off as u8;
            op += 1;
            lit = 0;
            op += 1; // start run
            ip += len + 1;
            if ip >= in_len - 2 {
                break;
            }
            ip -= 2;
            hval = u32::from(input[ip]) << 8 | u32::from(input[ip + 1]);
            hval = hval << 8 | u32::from(input[ip + 2]);
            swap(lzf_idx(hval), ip);
            ip += 1;
            hval = hval << 8 | u32::from(input[ip + 2]);
            swap(lzf_idx(hval), ip);
            ip += 1;
        } else {
            if op >= out_end {
                return None;
            }
            lit += 1;
            out[op] = input[ip];
            op += 1;
            ip += 1;
            if lit == LZF_MAX_LIT {
                out[op - lit - 1] = (lit - 1) as u8; // stop run
                lit = 0;
                op += 1; // start run
            }
        }
    }
    if op + 3 > out_end {
        return None;
    }
    while ip < in_len {
        lit += 1;
        out[op] = input[ip];
        op += 1;
        ip += 1;
        if lit == LZF_MAX_LIT {
            out[op - lit - 1] = (lit - 1) as u8;
            lit = 0;
            op += 1;
        }
    }
    out[op - lit - 1] = (lit as u8).wrapping_sub(1); // end run
    if lit == 0 {
        op -= 1;
    }
    out.truncate(op);
    Some(out)
}

/// Decompresses LZF data that must expand to exactly `len` bytes (`lzf_decompress`, with
/// Redis's check of the length); None when it is malformed or expands to anything else.
pub fn lzf_decompress(input: &[u8], len: usize) -> Option<Vec<u8>> {
    // One byte of input yields at most 88 bytes of output (a 3-byte reference of 264 bytes):
    // refuse a larger claim before allocating for it.
    if len > input.len().saturating_mul(88) {
        return None;
    }
    let mut out = try_vec(len)?;
    let mut ip = 0usize;
    while ip < input.len() {
        let ctrl = usize::from(input[ip]);
        ip += 1;
        if ctrl < 1 << 5 {
            let run = ctrl + 1;
            if out.len() + run > len || ip + run > input.len() {
                return None;
            }
            out.extend_from_slice(&input[ip..ip + run]);
            ip += run;
        } else {
            let mut n = ctrl >> 5;
            let mut back = (ctrl & 0x1f) << 8;
            if ip >= input.len() {
                return None;
            }
            if n == 7 {
                n += usize::from(input[ip]);
                ip += 1;
                if ip >= input.len() {
                    return None;
                }
            }
            back += usize::from(input[ip]) + 1;
            ip += 1;
            n += 2;
            if out.len() + n > len || back > out.len() {
                return None;
            }
            let start = out.len() - back;
            for i in 0..n {
                let b = out[start + i];
                out.push(b);
            }
        }
    }
    (out.len() == len).then_some(out)
}

// ---------------------------------------------------------------------------------------------
// Objects and payloads
// ---------------------------------------------------------------------------------------------

/// A collection that RDB files and DUMP payloads carry: each type writes the encodings Redis
/// 7.0 writes for it and reads every encoding Redis 7.0 (and older versions, where it can) may
/// have written.
pub trait RdbObject: Sized {
    /// Appends the RDB object type byte, then the value (`rdbSaveObjectType`, `rdbSaveObject`).
    fn write_rdb(&self, out: &mut Vec<u8>, compress: bool);

    /// Reads the value of an object of type `rdb_type` (its type byte already taken), in the
    /// encoding `config`'s thresholds choose for its size, as Redis does when it loads a value
    /// (a small hash written as a hashtable comes back packed). None when the data is malformed.
    fn read_rdb(rdb_type: u8, input: &mut &[u8], config: &Config) -> Option<Self>;
}

/// Appends a value as RDB does: its object type byte, then the value (`rdbSaveObjectType` and
/// `rdbSaveObject`).
pub fn write_value(out: &mut Vec<u8>, value: &Value, compress: bool) {
    match value {
        Value::Str(b) => {
            out.push(RDB_TYPE_STRING);
            write_string(out, b, compress);
        }
        Value::Int(n) => {
            out.push(RDB_TYPE_STRING);
            write_int_string(out, *n);
        }
        Value::List(l) => l.write_rdb(out, compress),
        Value::Hash(h) => h.write_rdb(out, compress),
        Value::Set(s) => s.write_rdb(out, compress),
        Value::ZSet(z) => z.write_rdb(out, compress),
    }
}

/// Reads a value written by [`write_value`]: its type byte, then the value, encoded as `config`
/// says. None when the type is unknown here or the data malformed.
pub fn read_value(input: &mut &[u8], config: &Config) -> Option<Value> {
    let rdb_type = take_byte(input)?;
    read_value_of(rdb_type, input, config)
}

/// Reads the body of an object whose type byte was already taken (an RDB file puts the key
/// between the two). None when the type is unknown here or the data malformed.
pub fn read_value_of(rdb_type: u8, input: &mut &[u8], config: &Config) -> Option<Value> {
    if rdb_type == RDB_TYPE_STRING {
        return read_string(input).map(RdbString::into_value);
    }
    if List::RDB_TYPES.contains(&rdb_type) {
        return List::read_rdb(rdb_type, input, config).map(|v| Value::List(Box::new(v)));
    }
    if Hash::RDB_TYPES.contains(&rdb_type) {
        return Hash::read_rdb(rdb_type, input, config).map(Value::Hash);
    }
    if Set::RDB_TYPES.contains(&rdb_type) {
        return Set::read_rdb(rdb_type, input, config).map(Value::Set);
    }
    if ZSet::RDB_TYPES.contains(&rdb_type) {
        return ZSet::read_rdb(rdb_type, input, config).map(Value::ZSet);
    }
    None
}

/// DUMP's payload for `value`: the RDB object, the RDB version and the CRC64.
pub fn dump_value(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, value, true);
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// True when a payload's footer checks out: an RDB version RESTORE understands and a CRC64 that
/// matches (`verifyDumpPayload`).
pub fn verify_payload(payload: &[u8]) -> bool {
    if payload.len() < 10 {
        return false;
    }
    let footer = &payload[payload.len() - 10..];
    if u16::from_le_bytes([footer[0], footer[1]]) > RDB_VERSION {
        return false;
    }
    let mut crc = [0u8; 8];
    crc.copy_from_slice(&footer[2..]);
    crc64(0, &payload[..payload.len() - 8]) == u64::from_le_bytes(crc)
}

/// The value a DUMP payload holds. Errors are RESTORE's replies: a bad footer gives "DUMP
/// payload version or checksum are wrong", anything unreadable "Bad data format".
pub fn restore_value(payload: &[u8]) -> Result<Value, &'static str> {
    restore_value_for(payload, &Config::default())
}

/// [`restore_value`], with the value encoded as `config`'s thresholds say (RESTORE's case).
pub fn restore_value_for(payload: &[u8], config: &Config) -> Result<Value, &'static str> {
    if !verify_payload(payload) {
        return Err(errors::BAD_DUMP_PAYLOAD);
    }
    // As Redis, the object is read from the whole payload: bytes after it (the footer
    // included) are not looked at.
    let mut input = payload;
    read_value(&mut input, config).ok_or(errors::BAD_DATA_FORMAT)
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

    /// The generator used to make the test strings given to Redis (a classic LCG).
    fn lcg_bytes(seed: u64, n: usize, map: impl Fn(u64) -> u8) -> Vec<u8> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = (x * 1_103_515_245 + 12345) % (1 << 31);
                map(x >> 16)
            })
            .collect()
    }

    /// (value, `redis-cli --no-raw DUMP` of it from Redis 7.0.15, as hex).
    fn redis_vectors() -> Vec<(Vec<u8>, &'static str)> {
        let digits: Vec<u8> = (0..100).map(|i| b'0' + (i % 10) as u8).collect();
        let len64: Vec<u8> = (0..64).map(|i| 65 + (i * 7 % 26) as u8).collect();
        let alnum = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let incompressible = lcg_bytes(12345, 100, |v| alnum[(v % 62) as usize]);
        vec![
            (b"hello".to_vec(), "000568656c6c6f0a006372df766534200a"),
            (b"12345".to_vec(), "00c139300a009d94ea2793fc08b9"),
            (b"-1".to_vec(), "00c0ff0a000c937e2485089dc5"),
            (b"-300".to_vec(), "00c1d4fe0a00c6c48623febede2e"),
            (b"100000".to_vec(), "00c2a08601000a00f12403506f2fa674"),
            (b"10000000000".to_vec(), "000b31303030303030303030300a0095c10e7b88a056c0"),
            (b"".to_vec(), "00000a005d9b5c400f7fa2da"),
            (b"007".to_vec(), "00033030370a007258e27b4c69bad9"),
            (b"-9223372036854775808".to_vec(), "00142d393232333337323033363835343737353830380a00ede2b956eb709e81"),
            (digits, "00c31240640a3031323334353637383930e04e090138390a00ba7dfcf5acebbc03"),
            (vec![b'a'; 200], "00c30940c8016161e0bb000161610a001f99f72e01b20de3"),
            (len64, "00c32240401a41484f56434a5158454c535a474e5542495057444b5259464d5441e01a1901535a0a001cb42b1f16313baf"),
            (b"abcdefghij".repeat(30), "00c315412c0a6162636465666768696a61e0ff09e10e0d01696a0a0038ca025adaf54090"),
            (incompressible, "0040645147746142785a676f765552594856454857316b48426a713361594354536c7775314753446659724b62444b68554e4d3376753331684c34476f4d7649544678505930796e43537a6f69677a4a675663716c76754c6c3247766d6d736c306364367558570a006e67abcaa0055e31"),
        ]
    }

    #[test]
    fn crc64_check_value() {
        assert_eq!(crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        // Slicing and byte-at-a-time agree at every split.
        let data: Vec<u8> = (0..100u8).collect();
        for split in 0..data.len() {
            assert_eq!(
                crc64(crc64(0, &data[..split]), &data[split..]),
                crc64(0, &data)
            );
        }
    }

    #[test]
    fn dump_matches_redis_byte_for_byte() {
        for (bytes, expected) in redis_vectors() {
            let value = Value::string(&bytes);
            assert_eq!(
                dump_value(&value),
                hex(expected),
                "dump of {:?}",
                String::from_utf8_lossy(&bytes)
            );
            // A raw-encoded string with the same bytes dumps the same way.
            assert_eq!(dump_value(&Value::Str(Bytes::new(&bytes))), hex(expected));
        }
    }

    #[test]
    fn restore_accepts_redis_payloads() {
        for (bytes, payload) in redis_vectors() {
            let value = restore_value(&hex(payload)).unwrap();
            assert_eq!(value.to_bytes().unwrap(), bytes);
            assert_eq!(value, Value::string(&bytes));
        }
    }

    #[test]
    fn long_strings_match_redis() {
        // 20000 LCG bytes: a 32-bit length, incompressible. Redis: 20016 bytes, ending so.
        let big = lcg_bytes(1, 20000, |v| (v & 0xff) as u8);
        let d = dump_value(&Value::Str(Bytes::new(&big)));
        assert_eq!(d.len(), 20016);
        assert_eq!(d[..8], hex("008000004e20c67e")[..]);
        assert_eq!(d[d.len() - 12..], hex("2f7c0a002db2f8fb9e47e5cf")[..]);
        assert_eq!(restore_value(&d).unwrap(), Value::Str(Bytes::from_vec(big)));
        // Text with many repeats: Redis's payload is 2567 bytes with this CRC (its last 8).
        let text: Vec<u8> = (0..300)
            .flat_map(|i| format!("key:{i},value:{};", i * i).into_bytes())
            .collect();
        let d = dump_value(&Value::Str(Bytes::new(&text)));
        assert_eq!(d.len(), 2567);
        assert_eq!(d[..20], hex("00c349f756700e6b65793a302c76616c75653a30")[..]);
        assert_eq!(d[d.len() - 10..], hex("0a00bc7ae025c81dc683")[..]);
        assert_eq!(restore_value(&d).unwrap().to_bytes().unwrap(), text);
    }

    fn payload(body: &[u8], version: u16) -> Vec<u8> {
        let mut p = body.to_vec();
        p.extend_from_slice(&version.to_le_bytes());
        let crc = crc64(0, &p);
        p.extend_from_slice(&crc.to_le_bytes());
        p
    }

    #[test]
    fn restore_checks_footer_and_data() {
        let ok = payload(b"\x00\x05hello", 10);
        assert_eq!(restore_value(&ok), Ok(Value::string(b"hello")));
        // Older versions are fine, newer ones are not.
        assert_eq!(
            restore_value(&payload(b"\x00\x05hello", 9)),
            Ok(Value::string(b"hello"))
        );
        assert_eq!(
            restore_value(&payload(b"\x00\x05hello", 0)),
            Ok(Value::string(b"hello"))
        );
        assert_eq!(
            restore_value(&payload(b"\x00\x05hello", 11)),
            Err(errors::BAD_DUMP_PAYLOAD)
        );
        let mut bad_crc = ok.clone();
        let last = bad_crc.len() - 1;
        bad_crc[last] ^= 1;
        assert_eq!(restore_value(&bad_crc), Err(errors::BAD_DUMP_PAYLOAD));
        assert_eq!(restore_value(b"x"), Err(errors::BAD_DUMP_PAYLOAD));
        assert_eq!(restore_value(b""), Err(errors::BAD_DUMP_PAYLOAD));
        // What Redis 7.0.15 answers for these (checked against it).
        assert_eq!(
            restore_value(&payload(b"\x00\x05helloxyz", 10)),
            Ok(Value::string(b"hello"))
        );
        assert_eq!(
            restore_value(&payload(b"\x00\x06hello", 10)),
            Ok(Value::string(b"hello\n"))
        );
        assert_eq!(
            restore_value(&payload(b"\x00\x03123", 10)),
            Ok(Value::Int(123))
        );
        assert_eq!(
            restore_value(&payload(b"\x00\xc0\x05", 10)),
            Ok(Value::Int(5))
        );
        assert_eq!(
            restore_value(&payload(b"\x00\x80\x00\x00\x00\x05hello", 10)),
            Ok(Value::string(b"hello"))
        );
        assert_eq!(
            restore_value(&payload(b"\x00\x81\0\0\0\0\0\0\0\x05hello", 10)),
            Ok(Value::string(b"hello"))
        );
        assert_eq!(
            restore_value(&payload(b"\x00\xc3\x00\x00", 10)),
            Ok(Value::string(b""))
        );
        assert_eq!(
            restore_value(&payload(b"\x00\xc3\x02\x01\x00a", 10)),
            Ok(Value::string(b"a"))
        );
        for body in [
            &b"\x05\x05hello"[..],
            b"\x40\x05hello",
            b"",
            b"\x00\xc4ab",
            b"\x00\xc3\x02\x05\x00a",
            b"\x00\xc3\x02\x05\x01ab",
            b"\x00\xc3\x00\x05",
            b"\x00\xc3\x03\x01\x02abc",
            b"\x00\x81\xff\xff\xff\xff\xff\xff\xff\xffhello",
            b"\x00\xc3\x01\x81\x00\x00\x00\x10\x00\x00\x00\x00\x00",
            b"\x00\x82",
        ] {
            assert_eq!(
                restore_value(&payload(body, 10)),
                Err(errors::BAD_DATA_FORMAT),
                "{body:?}"
            );
        }
    }

    #[test]
    fn lengths_round_trip() {
        for n in [
            0u64,
            63,
            64,
            16383,
            16384,
            u32::MAX as u64,
            u32::MAX as u64 + 1,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            write_len(&mut out, n);
            let mut input = &out[..];
            assert_eq!(read_len(&mut input), Some(RdbLen::Len(n)));
            assert!(input.is_empty());
        }
        let mut input = &[0xc3u8][..];
        assert_eq!(read_len(&mut input), Some(RdbLen::Encoded(RDB_ENC_LZF)));
    }

    #[test]
    fn strings_round_trip_with_and_without_compression() {
        let mut samples: Vec<Vec<u8>> = vec![
            b"0".to_vec(),
            b"-0".to_vec(),
            b"+1".to_vec(),
            b"2147483648".to_vec(),
            b"-2147483648".to_vec(),
        ];
        samples.push(lcg_bytes(3, 5000, |v| b"abcd"[(v % 4) as usize]));
        samples.push(lcg_bytes(4, 70000, |v| (v % 7) as u8));
        samples.push(vec![0u8; 100_000]);
        for s in samples {
            for compress in [true, false] {
                let mut out = Vec::new();
                write_string(&mut out, &s, compress);
                let mut input = &out[..];
                assert_eq!(read_string(&mut input).unwrap().into_bytes(), s);
                assert!(input.is_empty());
            }
        }
        // Canonical integers only are int-encoded.
        let mut out = Vec::new();
        write_string(&mut out, b"-0", true);
        assert_eq!(out, b"\x02-0");
        let mut out = Vec::new();
        write_int_string(&mut out, i64::MAX);
        assert_eq!(out, b"\x139223372036854775807");
    }

    proptest::proptest! {
        #[test]
        fn any_string_round_trips(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let restored = restore_value(&dump_value(&Value::Str(Bytes::new(&bytes)))).unwrap();
            proptest::prop_assert_eq!(restored.to_bytes().unwrap(), bytes);
        }

        #[test]
        fn lzf_fits_any_bound_or_refuses(
            bytes in proptest::collection::vec(0u8..4, 1..200),
            slack in 0usize..40,
        ) {
            // A small alphabet gives matches at every place, bounds below and above the input's
            // length end the output at every place.
            let max_out = (bytes.len() + 8).saturating_sub(slack).max(1);
            if let Some(packed) = lzf_compress(&bytes, max_out) {
                proptest::prop_assert!(packed.len() <= max_out);
                proptest::prop_assert_eq!(lzf_decompress(&packed, bytes.len()).unwrap(), bytes);
            }
        }

        #[test]
        fn garbage_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let _ = restore_value(&payload(&body, 10));
            let mut with_type = vec![0u8];
            with_type.extend_from_slice(&body);
            let _ = restore_value(&payload(&with_type, 10));
            let _ = lzf_decompress(&body, 100);
        }
    }

    #[test]
    fn lzf_refuses_what_does_not_fit() {
        assert_eq!(lzf_compress(b"", 10), None);
        assert_eq!(lzf_compress(b"abcdefghijklmnopqrstuvwxyz", 22), None);
        // 32 literals fill the output to its bound, then a match follows: refused, no overrun.
        assert_eq!(
            lzf_compress(b"abcdefghijklmnopqrstuvwxyzABCDEFbcdef", 33),
            None
        );
        // The same at every length of literal run, repeated part and bound.
        for n in 1..=70u8 {
            let head: Vec<u8> = (0..n).collect();
            for from in 1..n.min(6) {
                for rep in 3..=6 {
                    let Some(again) = head.get(usize::from(from)..usize::from(from) + rep) else {
                        continue;
                    };
                    let input = [&head[..], again].concat();
                    for max_out in 1..=input.len() + 2 {
                        if let Some(packed) = lzf_compress(&input, max_out) {
                            assert!(packed.len() <= max_out);
                            assert_eq!(lzf_decompress(&packed, input.len()).unwrap(), input);
                        }
                    }
                }
            }
        }
        let packed = lzf_compress(&[b'x'; 1000], 996).unwrap();
        assert_eq!(lzf_decompress(&packed, 1000).unwrap(), vec![b'x'; 1000]);
        assert_eq!(lzf_decompress(&packed, 999), None);
        assert_eq!(lzf_decompress(&packed, usize::MAX), None);
        assert_eq!(lzf_decompress(&[0xe0], 10), None);
        assert_eq!(lzf_decompress(&[0x20, 0x00], 3), None);
    }
}
