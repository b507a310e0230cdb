//! The HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST, as Redis 7.0's
//! `hyperloglog.c`.
//!
//! A HyperLogLog is a string in Redis's own representation (see [`repr`]), so GET, SET, DUMP
//! and RESTORE move it unchanged and Redis reads what Tessera writes. Changes happen in place,
//! leave the string `raw`, and only when a register (or the cached cardinality) really changes
//! is the key touched, so watchers are told exactly when Redis would tell them.

#[path = "hyperloglog_repr.rs"]
pub mod repr;

use super::bitmaps::edit_bits;
use super::flags::*;
use super::{cmd, keys, Command, Ctx, KeySpec, Run, Span};
use crate::config::parse_memory;
use crate::errors;
use crate::keyspace::{Bytes, Value};
use crate::protocol::{Args, Reply};

/// A string key that does not hold a HyperLogLog.
pub const NOT_HLL: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";
/// A sparse HyperLogLog whose opcodes do not add up to its registers.
pub const INVALID_HLL: &str = "INVALIDOBJ Corrupted HLL object detected";
/// PFDEBUG on an absent key.
pub const PFDEBUG_NO_KEY: &str = "ERR The specified key does not exist";
/// PFDEBUG DECODE on a dense HyperLogLog.
pub const PFDEBUG_NOT_SPARSE: &str = "ERR HLL encoding is not sparse";

/// `hll-sparse-max-bytes` when the configuration does not say (Redis's default).
pub const DEFAULT_SPARSE_MAX_BYTES: u64 = 3000;

/// The HyperLogLog commands.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("pfadd", -2, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(pfadd), "hyperloglog", "Adds the specified elements to the specified HyperLogLog."),
    cmd("pfcount", -2, READONLY, keys(1, -1, 1), Span::Single, Run::Shard(pfcount), "hyperloglog", "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s)."),
    cmd("pfmerge", -2, WRITE | DENYOOM, keys(1, -1, 1), Span::Single, Run::Shard(pfmerge), "hyperloglog", "Merge N different HyperLogLogs into a single one."),
    cmd("pfdebug", 3, WRITE | DENYOOM | ADMIN, keys(2, 2, 1), Span::Single, Run::Shard(pfdebug), "hyperloglog", "Internal commands for debugging HyperLogLog values"),
    cmd("pfselftest", 1, ADMIN, KeySpec::None, Span::Single, Run::Shard(pfselftest), "hyperloglog", "An internal command for testing HyperLogLog values"),
];

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// `hll-sparse-max-bytes`: how large a sparse HyperLogLog may grow before it turns dense.
fn sparse_max_bytes(ctx: &Ctx<'_>) -> u64 {
    ctx.config
        .inert
        .iter()
        .find(|(name, _)| *name == "hll-sparse-max-bytes")
        .and_then(|(_, v)| parse_memory(v).ok())
        .unwrap_or(DEFAULT_SPARSE_MAX_BYTES)
}

/// What a lookup of a HyperLogLog key found.
enum Hll<'a> {
    /// No such key.
    Missing,
    /// A valid HyperLogLog's bytes, and whether the string is already `raw`.
    Found(&'a [u8], bool),
}

/// Looks `key` up (counting the lookup as a read when `count_lookup`) and checks it as Redis's
/// `isHLLObjectOrReply`: another type is WRONGTYPE, a string that is not a HyperLogLog is
/// [`NOT_HLL`].
fn lookup_hll<'a>(
    ctx: &'a mut Ctx<'_>,
    key: &[u8],
    count_lookup: bool,
) -> Result<Hll<'a>, &'static str> {
    let now = ctx.now_ms;
    let entry = if count_lookup {
        ctx.lookup_read(key)
    } else {
        ctx.db().get(key, now)
    };
    let Some(e) = entry else {
        return Ok(Hll::Missing);
    };
    match &e.value {
        Value::Str(b) if repr::is_valid(b) => Ok(Hll::Found(&b[..], e.value.encoding() == "raw")),
        Value::Str(_) | Value::Int(_) => Err(NOT_HLL),
        _ => Err(errors::WRONGTYPE),
    }
}

/// Changes the HyperLogLog at `key` (which must exist as a string) in place through `f`; the
/// string is left `raw`, as Redis's `dbUnshareStringValue` leaves it.
fn edit_hll<R>(ctx: &mut Ctx<'_>, key: &[u8], f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    edit_bits(ctx, key, 0, f)
}

/// Stores a new HyperLogLog under `key`.
fn store_new(ctx: &mut Ctx<'_>, key: &[u8], mut bytes: Vec<u8>) {
    crate::keyspace::value::mark_raw(&mut bytes);
    ctx.db().set(key, Value::Str(Bytes::from_vec(bytes)), 0);
}

// ---------------------------------------------------------------------------------------------
// PFADD
// ---------------------------------------------------------------------------------------------

/// PFADD key [element ...]: 1 when the key was created or a register changed, else 0.
fn pfadd(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let key = args.get(1);
    let max_bytes = sparse_max_bytes(ctx);
    let elements = || (2..args.len()).map(|i| args.get(i));
    // Whether some element raises a register (or meets a corrupt sparse form), and whether
    // the string must turn `raw` anyway.
    let (changes, raw) = match lookup_hll(ctx, key, false) {
        Err(e) => return reply.error(e),
        Ok(Hll::Missing) => return pfadd_new(ctx, key, elements(), max_bytes, reply),
        Ok(Hll::Found(bytes, raw)) => (
            elements().any(|e| {
                let (index, count) = repr::pattern(e);
                repr::get_register(bytes, index).map_or(true, |r| count > r)
            }),
            raw,
        ),
    };
    if !changes {
        if !raw {
            edit_hll(ctx, key, |_| ());
        }
        return reply.int(0);
    }
    let added = edit_hll(ctx, key, |hll| {
        let mut updated = 0u64;
        for e in elements() {
            updated += u64::from(repr::add(hll, e, max_bytes)?);
        }
        if updated > 0 {
            repr::invalidate_cache(hll);
        }
        Ok::<u64, repr::Corrupt>(updated)
    });
    match added {
        Err(_) => reply.error(INVALID_HLL),
        Ok(updated) => {
            ctx.ks.dirty += updated;
            reply.int(i64::from(updated > 0));
        }
    }
}

/// PFADD on an absent key: a new sparse HyperLogLog with the elements, its cache stale as
/// Redis leaves it; the creation counts as a change besides each register raised.
fn pfadd_new<'e>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    elements: impl Iterator<Item = &'e [u8]>,
    max_bytes: u64,
    reply: &mut Reply<'_>,
) {
    let mut hll = repr::new_sparse();
    let mut updated = 1;
    for e in elements {
        // A new HyperLogLog is never corrupt.
        updated += u64::from(repr::add(&mut hll, e, max_bytes).unwrap_or(false));
    }
    repr::invalidate_cache(&mut hll);
    store_new(ctx, key, hll);
    ctx.ks.dirty += updated;
    reply.int(1);
}

// ---------------------------------------------------------------------------------------------
// PFCOUNT
// ---------------------------------------------------------------------------------------------

/// PFCOUNT key [key ...]: the estimated cardinality of one HyperLogLog (cached in it), or of
/// the union of several (computed without changing any).
fn pfcount(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    if args.len() == 2 {
        return pfcount_one(ctx, args.get(1), reply);
    }
    let mut max = vec![0u8; repr::REGISTERS];
    match merge_all(ctx, args, 1, &mut max) {
        Ok(_) => reply.int(repr::estimate(&repr::raw_histogram(&max)) as i64),
        Err(e) => reply.error(e),
    }
}

/// What PFCOUNT of one key found in it.
enum Count {
    /// The cached count was valid.
    Cached(u64),
    /// The count was computed and must be cached.
    Computed(u64),
}

/// PFCOUNT of one key: the cached count, or a fresh one that is then cached in the header (a
/// change of the key, as in Redis).
fn pfcount_one(ctx: &mut Ctx<'_>, key: &[u8], reply: &mut Reply<'_>) {
    let (count, raw) = match lookup_hll(ctx, key, true) {
        Err(e) => return reply.error(e),
        Ok(Hll::Missing) => return reply.int(0),
        Ok(Hll::Found(bytes, raw)) => match repr::cached_card(bytes) {
            Some(card) => (Count::Cached(card), raw),
            None => match repr::histogram(bytes) {
                Ok(h) => (Count::Computed(repr::estimate(&h)), raw),
                Err(_) => return reply.error(INVALID_HLL),
            },
        },
    };
    match count {
        Count::Cached(card) => {
            if !raw {
                edit_hll(ctx, key, |_| ());
            }
            reply.int(card as i64);
        }
        Count::Computed(card) => {
            edit_hll(ctx, key, |hll| repr::set_cached_card(hll, card));
            ctx.ks.dirty += 1;
            reply.int(card as i64);
        }
    }
}

/// Redis's loop over PFCOUNT's and PFMERGE's keys from argument `from` on: each present key
/// must hold a HyperLogLog, whose registers raise `max`'s. True when one of them is dense.
fn merge_all(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    from: usize,
    max: &mut [u8],
) -> Result<bool, &'static str> {
    let mut dense = false;
    for i in from..args.len() {
        match lookup_hll(ctx, args.get(i), true)? {
            Hll::Missing => {}
            Hll::Found(bytes, _) => {
                dense |= bytes[4] == repr::DENSE;
                repr::merge_into(max, bytes).map_err(|_| INVALID_HLL)?;
            }
        }
    }
    Ok(dense)
}

// ---------------------------------------------------------------------------------------------
// PFMERGE
// ---------------------------------------------------------------------------------------------

/// PFMERGE destkey [sourcekey ...]: the destination (itself one of the sources) becomes the
/// union of the HyperLogLogs; it turns dense when a source is.
fn pfmerge(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let mut max = vec![0u8; repr::REGISTERS];
    let use_dense = match merge_all(ctx, args, 1, &mut max) {
        Ok(d) => d,
        Err(e) => return reply.error(e),
    };
    let key = args.get(1);
    let now = ctx.now_ms;
    if ctx.db().get(key, now).is_none() {
        store_new(ctx, key, repr::new_sparse());
    }
    let max_bytes = sparse_max_bytes(ctx);
    let merged = edit_hll(ctx, key, |hll| {
        if use_dense {
            repr::promote(hll)?;
        }
        for (i, &v) in max.iter().enumerate() {
            if v != 0 {
                // As Redis, a register the sparse form cannot take is skipped.
                let _ = repr::set_register(hll, i, v, max_bytes);
            }
        }
        repr::invalidate_cache(hll);
        Ok::<(), repr::Corrupt>(())
    });
    match merged {
        Ok(()) => {
            ctx.ks.dirty += 1;
            reply.ok();
        }
        Err(_) => reply.error(INVALID_HLL),
    }
}

// ---------------------------------------------------------------------------------------------
// PFDEBUG and PFSELFTEST
// ---------------------------------------------------------------------------------------------

/// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key: Redis's window into the representation. GETREG
/// and TODENSE turn a sparse HyperLogLog dense.
fn pfdebug(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let key = args.get(2);
    let (encoding, raw) = match lookup_hll(ctx, key, false) {
        Err(e) => return reply.error(e),
        Ok(Hll::Missing) => return reply.error(PFDEBUG_NO_KEY),
        Ok(Hll::Found(bytes, raw)) => (bytes[4], raw),
    };
    if !raw {
        edit_hll(ctx, key, |_| ());
    }
    let sub = args.get(1).to_ascii_lowercase();
    match sub.as_slice() {
        b"getreg" => pfdebug_getreg(ctx, key, encoding, reply),
        b"decode" if encoding != repr::SPARSE => reply.error(PFDEBUG_NOT_SPARSE),
        b"decode" => {
            let now = ctx.now_ms;
            let text = match ctx.db().get(key, now).map(|e| &e.value) {
                Some(Value::Str(b)) => repr::decode(b),
                _ => Err(repr::Corrupt),
            };
            match text {
                Ok(t) => reply.bulk(t.as_bytes()),
                Err(_) => reply.error(INVALID_HLL),
            }
        }
        b"encoding" => reply.simple(if encoding == repr::DENSE {
            "dense"
        } else {
            "sparse"
        }),
        b"todense" => match to_dense(ctx, key, encoding) {
            Ok(converted) => reply.int(i64::from(converted)),
            Err(e) => reply.error(e),
        },
        _ => reply.error(&format!(
            "ERR Unknown PFDEBUG subcommand '{}'",
            String::from_utf8_lossy(args.get(1))
        )),
    }
}

/// Turns the HyperLogLog at `key` dense when it is sparse; true when it was.
fn to_dense(ctx: &mut Ctx<'_>, key: &[u8], encoding: u8) -> Result<bool, &'static str> {
    if encoding != repr::SPARSE {
        return Ok(false);
    }
    edit_hll(ctx, key, repr::promote).map_err(|_| INVALID_HLL)?;
    ctx.ks.dirty += 1;
    Ok(true)
}

/// PFDEBUG GETREG key: every register, after turning the HyperLogLog dense.
fn pfdebug_getreg(ctx: &mut Ctx<'_>, key: &[u8], encoding: u8, reply: &mut Reply<'_>) {
    if let Err(e) = to_dense(ctx, key, encoding) {
        return reply.error(e);
    }
    let now = ctx.now_ms;
    let Some(Value::Str(b)) = ctx.db().get(key, now).map(|e| &e.value) else {
        return reply.error(INVALID_HLL);
    };
    let regs = &b[repr::HDR_SIZE..];
    reply.array(repr::REGISTERS);
    for i in 0..repr::REGISTERS {
        reply.int(i64::from(repr::dense_get(regs, i)));
    }
}

/// PFSELFTEST: Redis's self-test of the representation (registers read back what was written;
/// sparse and dense agree, and the estimate stays within bounds, up to ten million elements).
fn pfselftest(ctx: &mut Ctx<'_>, _args: &Args<'_>, reply: &mut Reply<'_>) {
    match selftest(ctx.rand, sparse_max_bytes(ctx), 1000, 10_000_000) {
        Ok(()) => reply.ok(),
        Err(e) => reply.error(&e),
    }
}

/// The checks of PFSELFTEST (`cycles` rounds of random registers, then `elements` elements);
/// the error reply on failure.
fn selftest(seed: u64, max_bytes: u64, cycles: u32, elements: u64) -> Result<(), String> {
    let mut rng = seed | 1;
    let mut next = move || {
        // xorshift64*: any spread of values does.
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut regs = vec![0u8; repr::DENSE_SIZE - repr::HDR_SIZE];
    let mut expect = vec![0u8; repr::REGISTERS];
    for _ in 0..cycles {
        for (i, e) in expect.iter_mut().enumerate() {
            *e = (next() & 63) as u8;
            repr::dense_set(&mut regs, i, *e);
        }
        for (i, &e) in expect.iter().enumerate() {
            let got = repr::dense_get(&regs, i);
            if got != e {
                return Err(format!(
                    "TESTFAILED Register {i} should be {e} but is {got}"
                ));
            }
        }
    }
    selftest_estimates(next(), max_bytes, elements)
}

/// PFSELFTEST's second part: the same elements into a dense and a sparse HyperLogLog.
fn selftest_estimates(seed: u64, max_bytes: u64, elements: u64) -> Result<(), String> {
    let mut dense = repr::sparse_to_dense(&repr::new_sparse()).map_err(|_| "TESTFAILED")?;
    let mut sparse = repr::new_sparse();
    let relerr = 1.04 / (repr::REGISTERS as f64).sqrt();
    let mut checkpoint: u64 = 1;
    for j in 1..=elements {
        let ele = (j ^ seed).to_ne_bytes();
        let _ = repr::add(&mut dense, &ele, max_bytes);
        let _ = repr::add(&mut sparse, &ele, max_bytes);
        if j != checkpoint {
            continue;
        }
        if j < max_bytes / 2 && sparse[4] != repr::SPARSE {
            return Err("TESTFAILED sparse encoding not used".into());
        }
        let count = |h: &[u8]| repr::histogram(h).map(|h| repr::estimate(&h)).ok();
        let card = count(&dense);
        if card != count(&sparse) {
            return Err("TESTFAILED dense/sparse disagree".into());
        }
        let card = card.unwrap_or(0);
        let mut maxerr = (relerr * 6.0 * checkpoint as f64).ceil() as u64;
        if j == 10 {
            maxerr = 1;
        }
        let abserr = checkpoint.abs_diff(card);
        if abserr > maxerr {
            return Err(format!(
                "TESTFAILED Too big error. card:{checkpoint} abserr:{abserr}"
            ));
        }
        checkpoint *= 10;
    }
    Ok(())
}

#[cfg(test)]
#[path = "hyperloglog_tests.rs"]
mod tests;
