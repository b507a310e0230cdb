//! The bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO, as
//! Redis 7.0's `bitops.c`.
//!
//! A bitmap is an ordinary string: bit 0 is the most significant bit of the first byte, and a
//! string grows zero-filled when a bit past its end is written. Writes change the string in
//! place (as APPEND and SETRANGE do) and leave it `raw`, as Redis's `dbUnshareStringValue`
//! does; a write that changes nothing does not touch the key, so watchers are not told.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::flags::*;
use super::{cmd, keys, Command, Ctx, Run, Span};
use crate::errors;
use crate::keyspace::value::mark_raw;
use crate::keyspace::{Bytes, Value};
use crate::protocol::args::parse_int;
use crate::protocol::{Args, Reply};

/// A bit offset that is not an integer, negative, or past `proto-max-bulk-len` bytes.
pub const BIT_OFFSET: &str = "ERR bit offset is not an integer or out of range";
/// SETBIT's value is neither 0 nor 1.
pub const BIT_VALUE: &str = "ERR bit is not an integer or out of range";
/// BITPOS's bit is neither 0 nor 1.
pub const BIT_ARGUMENT: &str = "ERR The bit argument must be 1 or 0.";
/// BITOP NOT with more than one source.
pub const BITOP_NOT_SINGLE: &str = "ERR BITOP NOT must be called with a single source key.";
/// A BITFIELD type that is not `i1`..`i64` or `u1`..`u63`.
pub const BITFIELD_TYPE: &str =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
/// BITFIELD's OVERFLOW with a word other than WRAP, SAT or FAIL.
pub const BITFIELD_OVERFLOW: &str = "ERR Invalid OVERFLOW type specified";
/// BITFIELD_RO given SET or INCRBY.
pub const BITFIELD_RO_GET_ONLY: &str = "ERR BITFIELD_RO only supports the GET subcommand";

/// The bitmap commands.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("setbit", 4, WRITE | DENYOOM, keys(1, 1, 1), Span::Single, Run::Shard(setbit), "bitmap", "Sets or clears the bit at offset in the string value stored at key"),
    cmd("getbit", 3, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(getbit), "bitmap", "Returns the bit value at offset in the string value stored at key"),
    cmd("bitcount", -2, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(bitcount), "bitmap", "Count set bits in a string"),
    cmd("bitpos", -3, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(bitpos), "bitmap", "Find first bit set or clear in a string"),
    cmd("bitop", -4, WRITE | DENYOOM, keys(2, -1, 1), Span::Single, Run::Shard(bitop), "bitmap", "Perform bitwise operations between strings"),
    cmd("bitfield", -2, WRITE | DENYOOM, keys(1, 1, 1), Span::Single, Run::Shard(bitfield), "bitmap", "Perform arbitrary bitfield integer operations on strings"),
    cmd("bitfield_ro", -2, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(bitfield_ro), "bitmap", "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD"),
];

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// Redis's `getBitOffsetFromArgument`: a bit offset, refused when negative or when its byte
/// would lie past `max_bytes` (`proto-max-bulk-len`). With `hash_bits` (BITFIELD), `#N` means
/// N times the field's width.
fn bit_offset(arg: &[u8], hash_bits: Option<u32>, max_bytes: u64) -> Result<u64, &'static str> {
    let (digits, mul) = match (arg.first(), hash_bits) {
        (Some(b'#'), Some(bits)) => (&arg[1..], i64::from(bits)),
        _ => (arg, 1),
    };
    let n = parse_int(digits).map_err(|_| BIT_OFFSET)?.wrapping_mul(mul);
    if n < 0 || (n as u64 >> 3) >= max_bytes {
        return Err(BIT_OFFSET);
    }
    Ok(n as u64)
}

/// What a read of a string key found: nothing, another type, or the string's bytes (an
/// `int`-encoded one in its decimal form).
fn read_string<'a>(
    ctx: &'a mut Ctx<'_>,
    key: &[u8],
    count_lookup: bool,
) -> Result<Option<Cow<'a, [u8]>>, &'static str> {
    let now = ctx.now_ms;
    let entry = if count_lookup {
        ctx.lookup_read(key)
    } else {
        ctx.db().get(key, now)
    };
    match entry.map(|e| &e.value) {
        None => Ok(None),
        Some(Value::Str(b)) => Ok(Some(Cow::Borrowed(&b[..]))),
        Some(Value::Int(n)) => Ok(Some(Cow::Owned(n.to_string().into_bytes()))),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// True when the string at `key` is already `raw` (changed in place before), so a write that
/// changes nothing has nothing to do to it either.
fn is_raw(ctx: &mut Ctx<'_>, key: &[u8]) -> bool {
    let now = ctx.now_ms;
    ctx.db()
        .get(key, now)
        .is_some_and(|e| e.value.encoding() == "raw")
}

/// Redis's `lookupStringForBitCommand` followed by the change itself: the string at `key`
/// (which the caller has checked is a string or absent), created or zero-padded to at least
/// `len` bytes and made `raw`, is handed to `f`.
pub(crate) fn edit_bits<R>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    len: usize,
    f: impl FnOnce(&mut Vec<u8>) -> R,
) -> R {
    let now = ctx.now_ms;
    let grow = |bytes: &mut Vec<u8>| {
        if bytes.len() < len {
            // Room for one more byte too, so the string is `raw` without a second copy.
            bytes.reserve(len + 1 - bytes.len());
            bytes.resize(len, 0);
        }
        mark_raw(bytes);
    };
    let mut bytes = Vec::new();
    match ctx.db().get_mut(key, now) {
        Some(e) => {
            if let Value::Int(n) = e.value {
                e.value = Value::Str(Bytes::from_vec(n.to_string().into_bytes()));
            }
            if let Value::Str(b) = &mut e.value {
                return b.edit(|bytes| {
                    grow(bytes);
                    f(bytes)
                });
            }
            // Another type: never the case once the caller checked; the value stays as it is.
            grow(&mut bytes);
            f(&mut bytes)
        }
        None => {
            grow(&mut bytes);
            let result = f(&mut bytes);
            ctx.db().set(key, Value::Str(Bytes::from_vec(bytes)), 0);
            result
        }
    }
}

/// Redis's `start end [BYTE|BIT]` range over a string of `len` bytes, once parsed: negative
/// indexes count from the end and both ends are clamped. Returns the byte range and, in BIT
/// mode, the masks of the bits of the first and last byte that lie outside the range (Redis's
/// `first_byte_neg_mask` and `last_byte_neg_mask`); None when the range is empty.
fn clamp_range(
    mut start: i64,
    mut end: i64,
    len: usize,
    bit: bool,
) -> Option<(usize, usize, u8, u8)> {
    let total = if bit { (len as i64) << 3 } else { len as i64 };
    if start < 0 {
        start = start.saturating_add(total);
    }
    if end < 0 {
        end = end.saturating_add(total);
    }
    let start = start.max(0);
    let end = end.max(0).min(total - 1);
    if start > end {
        return None;
    }
    if !bit {
        return Some((start as usize, end as usize, 0, 0));
    }
    let first_mask = !((1u16 << (8 - (start & 7))) - 1) as u8;
    let last_mask = ((1u16 << (7 - (end & 7))) - 1) as u8;
    Some((
        (start >> 3) as usize,
        (end >> 3) as usize,
        first_mask,
        last_mask,
    ))
}

/// Reads BYTE or BIT (any case); anything else is a syntax error.
fn range_unit(arg: &[u8]) -> Result<bool, &'static str> {
    if arg.eq_ignore_ascii_case(b"bit") {
        Ok(true)
    } else if arg.eq_ignore_ascii_case(b"byte") {
        Ok(false)
    } else {
        Err(errors::SYNTAX)
    }
}

/// The number of set bits in `bytes`.
fn popcount(bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    let mut n: u64 = chunks
        .by_ref()
        .map(|c| u64::from(u64::from_ne_bytes(c.try_into().unwrap_or([0; 8])).count_ones()))
        .sum();
    n += chunks
        .remainder()
        .iter()
        .map(|b| u64::from(b.count_ones()))
        .sum::<u64>();
    n
}

/// Redis's `redisBitpos`: the position of the first bit equal to `bit` in `bytes`. Past the end
/// the string reads as zeros, so a search for 0 always finds one (at `8 * len` at worst); a
/// search for 1 that finds none answers -1.
fn first_bit(bytes: &[u8], bit: bool) -> i64 {
    let skip = if bit { 0 } else { 0xff };
    match bytes.iter().position(|&b| b != skip) {
        Some(i) => {
            let b = if bit { bytes[i] } else { !bytes[i] };
            (i as i64) * 8 + i64::from(b.leading_zeros())
        }
        None if bit => -1,
        None => bytes.len() as i64 * 8,
    }
}

/// [`first_bit`] over a BITPOS range whose first and last bytes have bits outside it (the
/// set bits of `first_mask` and `last_mask`), which never match. The edge bytes are looked at
/// alone so that the range is never copied.
fn first_bit_masked(bytes: &[u8], bit: bool, first_mask: u8, last_mask: u8) -> i64 {
    let n = bytes.len();
    let hide = |b: u8, mask: u8| if bit { b & !mask } else { b | mask };
    let edge = |i: usize| {
        let mut b = bytes[i];
        if i == 0 {
            b = hide(b, first_mask);
        }
        if i == n - 1 {
            b = hide(b, last_mask);
        }
        first_bit(&[b], bit)
    };
    let found = |p: i64, len: usize| p != -1 && p != len as i64 * 8;
    let first = edge(0);
    if found(first, 1) {
        return first;
    }
    if n > 2 {
        let p = first_bit(&bytes[1..n - 1], bit);
        if found(p, n - 2) {
            return 8 + p;
        }
    }
    if n > 1 {
        let p = edge(n - 1);
        if found(p, 1) {
            return (n as i64 - 1) * 8 + p;
        }
    }
    if bit {
        -1
    } else {
        n as i64 * 8
    }
}

// ---------------------------------------------------------------------------------------------
// SETBIT and GETBIT
// ---------------------------------------------------------------------------------------------

/// SETBIT key offset value: the bit's old value. The string grows zero-filled as needed.
fn setbit(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let offset = match bit_offset(args.get(2), None, ctx.config.proto_max_bulk_len) {
        Ok(o) => o,
        Err(e) => return reply.error(e),
    };
    let on = match parse_int(args.get(3)) {
        Ok(v @ (0 | 1)) => v == 1,
        _ => return reply.error(BIT_VALUE),
    };
    let key = args.get(1);
    let byte = (offset >> 3) as usize;
    let mask = 1u8 << (7 - (offset & 7));
    // The old bit, when the string already reaches it.
    let old = match read_string(ctx, key, false) {
        Err(e) => return reply.error(e),
        Ok(s) => s.and_then(|s| s.get(byte).map(|b| b & mask != 0)),
    };
    let was = old == Some(true);
    if old == Some(on) {
        // Nothing changes; Redis still leaves the string `raw`.
        if !is_raw(ctx, key) {
            edit_bits(ctx, key, 0, |_| ());
        }
        return reply.int(was as i64);
    }
    edit_bits(ctx, key, byte + 1, |bytes| {
        if on {
            bytes[byte] |= mask;
        } else {
            bytes[byte] &= !mask;
        }
    });
    ctx.ks.dirty += 1;
    reply.int(was as i64);
}

/// GETBIT key offset: 0 past the end of the string or for an absent key.
fn getbit(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let offset = match bit_offset(args.get(2), None, ctx.config.proto_max_bulk_len) {
        Ok(o) => o,
        Err(e) => return reply.error(e),
    };
    let byte = (offset >> 3) as usize;
    let mask = 1u8 << (7 - (offset & 7));
    match read_string(ctx, args.get(1), true) {
        Err(e) => reply.error(e),
        Ok(s) => {
            let set = s.and_then(|s| s.get(byte).map(|b| b & mask != 0));
            reply.int(set.unwrap_or(false) as i64);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// BITCOUNT and BITPOS
// ---------------------------------------------------------------------------------------------

/// BITCOUNT key [start end [BYTE|BIT]]: the set bits of the string, or of a range of it.
///
/// As Redis 7.0, an absent key answers 0 before the range is even read, and a range with both
/// ends negative and reversed answers 0 before its unit is.
fn bitcount(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let s = match read_string(ctx, args.get(1), true) {
        Err(e) => return reply.error(e),
        Ok(None) => return reply.int(0),
        Ok(Some(s)) => s,
    };
    let range = match args.len() {
        2 => clamp_range(0, -1, s.len(), false),
        4 | 5 => {
            let (start, end) = match (parse_int(args.get(2)), parse_int(args.get(3))) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) | (_, Err(e)) => return reply.error(e),
            };
            if start < 0 && end < 0 && start > end {
                return reply.int(0);
            }
            let bit = match args.try_get(4).map(range_unit) {
                Some(Err(e)) => return reply.error(e),
                Some(Ok(bit)) => bit,
                None => false,
            };
            clamp_range(start, end, s.len(), bit)
        }
        _ => return reply.error(errors::SYNTAX),
    };
    let Some((start, end, first_mask, last_mask)) = range else {
        return reply.int(0);
    };
    let mut count = popcount(&s[start..=end]);
    count -= u64::from((s[start] & first_mask).count_ones());
    count -= u64::from((s[end] & last_mask).count_ones());
    reply.int(count as i64);
}

/// BITPOS key bit [start [end [BYTE|BIT]]]: the position of the first bit equal to `bit`.
///
/// An absent key is an endless run of zeros. Without an explicit end the string counts as
/// followed by zeros, so a search for 0 in a string of ones answers the bit just past it; with
/// an end, such a search answers -1.
fn bitpos(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let bit = match parse_int(args.get(2)) {
        Ok(b @ (0 | 1)) => b == 1,
        Ok(_) => return reply.error(BIT_ARGUMENT),
        Err(e) => return reply.error(e),
    };
    let s = match read_string(ctx, args.get(1), true) {
        Err(e) => return reply.error(e),
        Ok(None) => return reply.int(if bit { -1 } else { 0 }),
        Ok(Some(s)) => s,
    };
    let (range, end_given) = match args.len() {
        3 => (clamp_range(0, -1, s.len(), false), false),
        4..=6 => match bitpos_range(args, s.len()) {
            Ok(r) => r,
            Err(e) => return reply.error(e),
        },
        _ => return reply.error(errors::SYNTAX),
    };
    let Some((start, end, first_mask, last_mask)) = range else {
        return reply.int(-1);
    };
    let bytes = &s[start..=end];
    let pos = first_bit_masked(bytes, bit, first_mask, last_mask);
    if end_given && !bit && pos == bytes.len() as i64 * 8 {
        return reply.int(-1);
    }
    reply.int(if pos == -1 {
        -1
    } else {
        pos + (start as i64) * 8
    });
}

/// BITPOS's `start [end [BYTE|BIT]]`, read in Redis's order (start, unit, end): the clamped
/// range, and whether an end was given.
#[allow(clippy::type_complexity)]
fn bitpos_range(
    args: &Args<'_>,
    len: usize,
) -> Result<(Option<(usize, usize, u8, u8)>, bool), &'static str> {
    let start = parse_int(args.get(3))?;
    let bit = match args.try_get(5) {
        Some(unit) => range_unit(unit)?,
        None => false,
    };
    match args.try_get(4) {
        Some(end) => Ok((clamp_range(start, parse_int(end)?, len, bit), true)),
        None => Ok((clamp_range(start, -1, len, bit), false)),
    }
}

// ---------------------------------------------------------------------------------------------
// BITOP
// ---------------------------------------------------------------------------------------------

/// The bitwise operation BITOP applies.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// BITOP AND|OR|XOR|NOT destkey key [key ...]: stores the operation over the sources (absent
/// ones are empty strings, shorter ones are zero-padded) and answers its length. An empty
/// result deletes the destination.
fn bitop(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let op = match args.get(1).to_ascii_lowercase().as_slice() {
        b"and" => BitOp::And,
        b"or" => BitOp::Or,
        b"xor" => BitOp::Xor,
        b"not" => BitOp::Not,
        _ => return reply.error(errors::SYNTAX),
    };
    if op == BitOp::Not && args.len() != 4 {
        return reply.error(BITOP_NOT_SINGLE);
    }
    // Each source is looked up once as Redis does (counting hits and misses, expiring).
    for i in 3..args.len() {
        if let Err(e) = read_string(ctx, args.get(i), true) {
            return reply.error(e);
        }
    }
    let result = {
        let db = &ctx.ks.dbs[ctx.db];
        let sources: Vec<Cow<'_, [u8]>> = (3..args.len())
            .map(
                |i| match db.peek(args.get(i), ctx.now_ms).map(|e| &e.value) {
                    Some(Value::Str(b)) => Cow::Borrowed(&b[..]),
                    Some(Value::Int(n)) => Cow::Owned(n.to_string().into_bytes()),
                    _ => Cow::Borrowed(&[][..]),
                },
            )
            .collect();
        bitop_apply(op, &sources)
    };
    let dest = args.get(2);
    let len = result.len();
    let now = ctx.now_ms;
    if len > 0 {
        ctx.db().set(dest, Value::Str(Bytes::from_vec(result)), 0);
        ctx.ks.dirty += 1;
    } else if ctx.db().remove(dest, now).is_some() {
        ctx.ks.dirty += 1;
    }
    reply.int(len as i64);
}

/// The bytes of `op` over `sources`, as long as the longest source, `raw` as Redis's result.
fn bitop_apply(op: BitOp, sources: &[Cow<'_, [u8]>]) -> Vec<u8> {
    let maxlen = sources.iter().map(|s| s.len()).max().unwrap_or(0);
    if maxlen == 0 {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(maxlen + 1);
    out.extend_from_slice(&sources[0]);
    out.resize(maxlen, 0);
    if op == BitOp::Not {
        out.iter_mut().for_each(|b| *b = !*b);
        return out;
    }
    for src in &sources[1..] {
        for (i, o) in out.iter_mut().enumerate() {
            let b = src.get(i).copied().unwrap_or(0);
            match op {
                BitOp::And => *o &= b,
                BitOp::Or => *o |= b,
                BitOp::Xor | BitOp::Not => *o ^= b,
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// BITFIELD
// ---------------------------------------------------------------------------------------------

/// What BITFIELD does when a SET or INCRBY goes past the field's range.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Overflow {
    /// Wrap around, as two's complement arithmetic does.
    Wrap,
    /// Saturate at the field's minimum or maximum.
    Sat,
    /// Refuse the operation: its reply is null and nothing is written.
    Fail,
}

/// One BITFIELD operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldOpKind {
    Get,
    Set,
    IncrBy,
}

/// One parsed BITFIELD operation, with the OVERFLOW in force when it was given.
struct FieldOp {
    kind: FieldOpKind,
    offset: u64,
    bits: u32,
    signed: bool,
    /// SET's value or INCRBY's increment.
    value: i64,
    overflow: Overflow,
}

/// Redis's `getBitfieldTypeFromArgument`: `i1`..`i64` or `u1`..`u63` as (signed, bits). The
/// width is read up to the first zero byte, as Redis's `strlen` does.
fn field_type(arg: &[u8]) -> Result<(bool, u32), &'static str> {
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(BITFIELD_TYPE),
    };
    let digits = &arg[1..];
    let digits = &digits[..digits.iter().position(|&b| b == 0).unwrap_or(digits.len())];
    match parse_int(digits) {
        Ok(n) if n >= 1 && (n <= 63 || (signed && n == 64)) => Ok((signed, n as u32)),
        _ => Err(BITFIELD_TYPE),
    }
}

/// Reads BITFIELD's operations from argument 2 on, in Redis's order, stopping at the first
/// error.
fn parse_field_ops(args: &Args<'_>, max_bytes: u64) -> Result<Vec<FieldOp>, &'static str> {
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut j = 2;
    while j < args.len() {
        let remaining = args.len() - j - 1;
        let kind = if args.is(j, "get") && remaining >= 2 {
            FieldOpKind::Get
        } else if args.is(j, "set") && remaining >= 3 {
            FieldOpKind::Set
        } else if args.is(j, "incrby") && remaining >= 3 {
            FieldOpKind::IncrBy
        } else if args.is(j, "overflow") && remaining >= 1 {
            overflow = match args.get(j + 1).to_ascii_lowercase().as_slice() {
                b"wrap" => Overflow::Wrap,
                b"sat" => Overflow::Sat,
                b"fail" => Overflow::Fail,
                _ => return Err(BITFIELD_OVERFLOW),
            };
            j += 2;
            continue;
        } else {
            return Err(errors::SYNTAX);
        };
        let (signed, bits) = field_type(args.get(j + 1))?;
        let offset = bit_offset(args.get(j + 2), Some(bits), max_bytes)?;
        let value = match kind {
            FieldOpKind::Get => 0,
            _ => parse_int(args.get(j + 3))?,
        };
        ops.push(FieldOp {
            kind,
            offset,
            bits,
            signed,
            value,
            overflow,
        });
        j += if kind == FieldOpKind::Get { 3 } else { 4 };
    }
    Ok(ops)
}

/// The bitmap as BITFIELD's operations see it while they run: the stored bytes with the
/// operations' writes laid over them, so that nothing is stored (and no watcher told) when no
/// operation changes a value.
struct Overlay<'a> {
    base: &'a [u8],
    written: BTreeMap<u64, u8>,
}

impl Overlay<'_> {
    fn byte(&self, i: u64) -> u8 {
        match self.written.get(&i) {
            Some(&b) => b,
            None => usize::try_from(i)
                .ok()
                .and_then(|i| self.base.get(i))
                .copied()
                .unwrap_or(0),
        }
    }

    /// Redis's `getUnsignedBitfield`: `bits` bits from bit `offset`, most significant first.
    fn get_unsigned(&self, offset: u64, bits: u32) -> u64 {
        (0..u64::from(bits)).fold(0u64, |v, j| {
            let at = offset + j;
            let bit = (self.byte(at >> 3) >> (7 - (at & 7))) & 1;
            (v << 1) | u64::from(bit)
        })
    }

    /// Redis's `getSignedBitfield`: as [`Overlay::get_unsigned`], the sign bit extended.
    fn get_signed(&self, offset: u64, bits: u32) -> i64 {
        let v = self.get_unsigned(offset, bits) as i64;
        if bits < 64 && v & (1i64 << (bits - 1)) != 0 {
            v | (-1i64 << bits)
        } else {
            v
        }
    }

    /// Redis's `setUnsignedBitfield`: the low `bits` bits of `value` at bit `offset`.
    fn set(&mut self, offset: u64, bits: u32, value: u64) {
        for j in 0..u64::from(bits) {
            let at = offset + j;
            let bit = (value >> (u64::from(bits) - 1 - j)) & 1;
            let shift = 7 - (at & 7);
            let b = (self.byte(at >> 3) & !(1 << shift)) | ((bit as u8) << shift);
            self.written.insert(at >> 3, b);
        }
    }
}

/// Redis's `checkUnsignedBitfieldOverflow`: None when `value + incr` fits `bits` unsigned
/// bits; otherwise what to store instead under WRAP (the sum, wrapped) or SAT (the bound
/// passed).
fn unsigned_overflow(value: u64, incr: i64, bits: u32, overflow: Overflow) -> Option<u64> {
    let max = (1u64 << bits) - 1;
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = value.wrapping_neg() as i64;
    let wrapped = value.wrapping_add(incr as u64) & max;
    let saturated = if value > max || (incr > 0 && incr > max_incr) {
        max
    } else if incr < 0 && incr < min_incr {
        0
    } else {
        return None;
    };
    Some(if overflow == Overflow::Sat {
        saturated
    } else {
        wrapped
    })
}

/// Redis's `checkSignedBitfieldOverflow`: as [`unsigned_overflow`] for `bits` signed bits,
/// wrapping in two's complement.
fn signed_overflow(value: i64, incr: i64, bits: u32, overflow: Overflow) -> Option<i64> {
    let max = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let narrow = bits != 64;
    let saturated = if value > max
        || (narrow && incr > max_incr)
        || (value >= 0 && incr > 0 && incr > max_incr)
    {
        max
    } else if value < min
        || (narrow && incr < min_incr)
        || (value < 0 && incr < 0 && incr < min_incr)
    {
        min
    } else {
        return None;
    };
    if overflow == Overflow::Sat {
        return Some(saturated);
    }
    let mut wrapped = (value as u64).wrapping_add(incr as u64);
    if narrow {
        let mask = u64::MAX << bits;
        if wrapped & (1u64 << (bits - 1)) != 0 {
            wrapped |= mask;
        } else {
            wrapped &= !mask;
        }
    }
    Some(wrapped as i64)
}

/// Runs one SET or INCRBY over the overlay: its reply (None when OVERFLOW FAIL refused it) and
/// whether the stored value changed. SET answers the old value, INCRBY the new one.
fn run_field_write(view: &mut Overlay<'_>, op: &FieldOp) -> (Option<i64>, bool) {
    let incr = op.kind == FieldOpKind::IncrBy;
    let refuse = op.overflow == Overflow::Fail;
    if op.signed {
        let old = view.get_signed(op.offset, op.bits);
        let checked = if incr {
            signed_overflow(old, op.value, op.bits, op.overflow)
        } else {
            signed_overflow(op.value, 0, op.bits, op.overflow)
        };
        if checked.is_some() && refuse {
            return (None, false);
        }
        let new = checked.unwrap_or(if incr {
            old.wrapping_add(op.value)
        } else {
            op.value
        });
        view.set(op.offset, op.bits, new as u64);
        (Some(if incr { new } else { old }), old != new)
    } else {
        let old = view.get_unsigned(op.offset, op.bits);
        let checked = if incr {
            unsigned_overflow(old, op.value, op.bits, op.overflow)
        } else {
            unsigned_overflow(op.value as u64, 0, op.bits, op.overflow)
        };
        if checked.is_some() && refuse {
            return (None, false);
        }
        let new = checked.unwrap_or(if incr {
            old.wrapping_add(op.value as u64)
        } else {
            op.value as u64
        });
        view.set(op.offset, op.bits, new);
        (Some(if incr { new as i64 } else { old as i64 }), old != new)
    }
}

/// BITFIELD key [GET type offset | SET type offset value | INCRBY type offset increment |
/// OVERFLOW WRAP|SAT|FAIL]...
fn bitfield(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    bitfield_generic(ctx, args, false, reply);
}

/// BITFIELD_RO key [GET type offset]...: BITFIELD restricted to GET, so it can run where only
/// reads are allowed.
fn bitfield_ro(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    bitfield_generic(ctx, args, true, reply);
}

/// Redis's `bitfieldGeneric`. Every operation runs in order over an overlay of the stored
/// string; when any of them writes, the string is then created or grown (as Redis's
/// `lookupStringForBitCommand` does, even if every write failed) and the writes are stored.
fn bitfield_generic(ctx: &mut Ctx<'_>, args: &Args<'_>, read_only: bool, reply: &mut Reply<'_>) {
    let ops = match parse_field_ops(args, ctx.config.proto_max_bulk_len) {
        Ok(ops) => ops,
        Err(e) => return reply.error(e),
    };
    // The length the string needs for the farthest write; None when nothing writes.
    let needed = ops
        .iter()
        .filter(|o| o.kind != FieldOpKind::Get)
        .map(|o| ((o.offset + u64::from(o.bits) - 1) >> 3) as usize + 1)
        .max();
    if needed.is_some() && read_only {
        return reply.error(BITFIELD_RO_GET_ONLY);
    }
    let key = args.get(1);
    let (written, grows, changes) = {
        let base = match read_string(ctx, key, needed.is_none()) {
            Ok(s) => s,
            Err(e) => return reply.error(e),
        };
        // A new or longer string counts every write that is not refused as a change.
        let grows = needed.is_some_and(|n| base.as_ref().is_none_or(|b| b.len() < n));
        let mut view = Overlay {
            base: base.as_deref().unwrap_or(&[]),
            written: BTreeMap::new(),
        };
        reply.array(ops.len());
        let mut changes = 0u64;
        for op in &ops {
            changes += u64::from(run_field_op(&mut view, op, grows, reply));
        }
        (view.written, grows, changes)
    };
    let Some(len) = needed else {
        return;
    };
    if changes == 0 && !grows && is_raw(ctx, key) {
        return;
    }
    edit_bits(ctx, key, len, |bytes| {
        for (&i, &b) in &written {
            bytes[i as usize] = b;
        }
    });
    ctx.ks.dirty += changes;
}

/// Runs one BITFIELD operation over the overlay and writes its reply; true when it counts as
/// a change (a write not refused that changed the value, or any such write on a string that
/// grows).
fn run_field_op(view: &mut Overlay<'_>, op: &FieldOp, grows: bool, reply: &mut Reply<'_>) -> bool {
    if op.kind == FieldOpKind::Get {
        let v = if op.signed {
            view.get_signed(op.offset, op.bits)
        } else {
            view.get_unsigned(op.offset, op.bits) as i64
        };
        reply.int(v);
        return false;
    }
    match run_field_write(view, op) {
        (Some(v), changed) => {
            reply.int(v);
            changed || grows
        }
        (None, _) => {
            reply.null();
            false
        }
    }
}

#[cfg(test)]
#[path = "bitmaps_tests.rs"]
pub(crate) mod tests;
