//! The hash family: HSET, HGET and their relatives, as Redis 7.0's `t_hash.c`.
//!
//! Every handler runs on the shard that owns its key and writes exactly one reply. Reads go
//! through [`Ctx::lookup_read`] (keyspace hits and misses, as Redis's `lookupKeyRead`). Writes
//! look first and change after: `Db::get_mut` tells the key's watchers it changed, so it is
//! called only once the command is sure to change the hash (a WRONGTYPE, an HSETNX on an
//! existing field, an HDEL that finds nothing or a failed HINCRBY leave WATCH alone, as in
//! Redis). The value's encoding (listpack or hashtable) is the [`Hash`]'s business: the
//! handlers hand it `hash-max-listpack-*` through the configuration.

use super::flags::*;
use super::{cmd, keys, Command, Ctx, Run, Span};
use crate::config::Config;
use crate::errors;
use crate::keyspace::hash::Rng;
use crate::keyspace::listpack::LpValue;
use crate::keyspace::{glob_match, Hash, Value};
use crate::long_double::{string2ld, LongDouble};
use crate::protocol::args::{parse_cursor, parse_int};
use crate::protocol::reader::parse_i64;
use crate::protocol::{Args, Reply};

/// The hash commands.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("hset", -4, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(hset), "hash", "Set the string value of a hash field"),
    cmd("hsetnx", 4, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(hsetnx), "hash", "Set the value of a hash field, only if the field does not exist"),
    cmd("hget", 3, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(hget), "hash", "Get the value of a hash field"),
    cmd("hmset", -4, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(hset), "hash", "Set multiple hash fields to multiple values"),
    cmd("hmget", -3, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(hmget), "hash", "Get the values of all the given hash fields"),
    cmd("hgetall", 2, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(hgetall), "hash", "Get all the fields and values in a hash"),
    cmd("hdel", -3, WRITE | FAST, keys(1, 1, 1), Span::Single, Run::Shard(hdel), "hash", "Delete one or more hash fields"),
    cmd("hexists", 3, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(hexists), "hash", "Determine if a hash field exists"),
    cmd("hlen", 2, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(hlen), "hash", "Get the number of fields in a hash"),
    cmd("hstrlen", 3, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(hstrlen), "hash", "Get the length of the value of a hash field"),
    cmd("hkeys", 2, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(hkeys), "hash", "Get all the fields in a hash"),
    cmd("hvals", 2, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(hvals), "hash", "Get all the values in a hash"),
    cmd("hincrby", 4, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(hincrby), "hash", "Increment the integer value of a hash field by the given number"),
    cmd("hincrbyfloat", 4, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(hincrbyfloat), "hash", "Increment the float value of a hash field by the given amount"),
    cmd("hrandfield", -2, READONLY | RANDOM, keys(1, 1, 1), Span::Single, Run::Shard(hrandfield), "hash", "Get one or multiple random fields from a hash"),
    cmd("hscan", -3, READONLY | RANDOM, keys(1, 1, 1), Span::Single, Run::Shard(hscan), "hash", "Incrementally iterate hash fields and associated values"),
];

/// HINCRBY on a value that is not an integer.
const HASH_NOT_INTEGER: &str = "ERR hash value is not an integer";
/// HINCRBYFLOAT on a value that is not a float.
const HASH_NOT_FLOAT: &str = "ERR hash value is not a float";
/// HINCRBYFLOAT by an infinite increment.
const INCR_NAN_OR_INF: &str = "ERR value is NaN or Infinity";
/// HRANDFIELD ... WITHVALUES with a count whose reply length would overflow.
const VALUE_OUT_OF_RANGE: &str = "ERR value is out of range";

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// Writes a listpack element as a bulk string.
fn bulk_lp(reply: &mut Reply<'_>, v: LpValue<'_>) {
    match v {
        LpValue::Str(s) => reply.bulk(s),
        LpValue::Int(n) => reply.bulk_int(n),
    }
}

/// The hash at `key` for a read (counted as a keyspace hit or miss): Ok(None) when absent,
/// Err(()) when the key holds another type.
fn read_hash<'a>(ctx: &'a mut Ctx<'_>, key: &[u8]) -> Result<Option<&'a Hash>, ()> {
    match ctx.lookup_read(key) {
        None => Ok(None),
        Some(e) => match &e.value {
            Value::Hash(h) => Ok(Some(h)),
            _ => Err(()),
        },
    }
}

/// Looks at the hash at `key` before a write (Redis's `lookupKeyWrite`: no hit or miss is
/// counted, an expired key is removed): `f` of it, Ok(None) when absent, Err(()) when the key
/// holds another type.
fn peek_hash<R>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    f: impl FnOnce(&Hash) -> R,
) -> Result<Option<R>, ()> {
    let now = ctx.now_ms;
    match ctx.db().get(key, now) {
        None => Ok(None),
        Some(e) => match &e.value {
            Value::Hash(h) => Ok(Some(f(h))),
            _ => Err(()),
        },
    }
}

/// Changes the hash at `key` through `edit`, creating it when absent (Redis's
/// `hashTypeLookupWriteOrCreate`; the caller has checked the key holds no other type). A hash
/// left empty is removed with its key. None when the key holds another type after all.
fn write_hash<R>(ctx: &mut Ctx<'_>, key: &[u8], edit: impl FnOnce(&mut Hash) -> R) -> Option<R> {
    let now = ctx.now_ms;
    let db = ctx.db();
    let Some(e) = db.get_mut(key, now) else {
        let mut h = Hash::new();
        let r = edit(&mut h);
        if !h.is_empty() {
            db.set(key, Value::Hash(h), 0);
        }
        return Some(r);
    };
    let Value::Hash(h) = &mut e.value else {
        return None;
    };
    let r = edit(h);
    if h.is_empty() {
        db.remove(key, now);
    }
    Some(r)
}

// ---------------------------------------------------------------------------------------------
// HSET, HMSET, HSETNX
// ---------------------------------------------------------------------------------------------

/// HSET key field value [field value ...]: the number of fields added. HMSET: `+OK`.
fn hset(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let hmset = args.is(0, "hmset");
    if args.len() % 2 == 1 {
        return reply.error(&errors::wrong_arity(if hmset { "hmset" } else { "hset" }));
    }
    let key = args.get(1);
    if peek_hash(ctx, key, |_| ()).is_err() {
        return reply.error(errors::WRONGTYPE);
    }
    let config: &Config = ctx.config;
    let added = write_hash(ctx, key, |h| {
        h.convert_for(args.iter().skip(2), config);
        (2..args.len())
            .step_by(2)
            .filter(|&i| h.set(args.get(i), args.get(i + 1), config))
            .count()
    });
    let Some(added) = added else {
        return reply.error(errors::WRONGTYPE);
    };
    ctx.ks.dirty += (args.len() as u64 - 2) / 2;
    if hmset {
        reply.ok();
    } else {
        reply.int(added as i64);
    }
}

/// HSETNX key field value: 1 when the field was set, 0 when it existed.
fn hsetnx(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let (key, field, value) = (args.get(1), args.get(2), args.get(3));
    match peek_hash(ctx, key, |h| h.contains(field)) {
        Err(()) => return reply.error(errors::WRONGTYPE),
        Ok(Some(true)) => return reply.int(0),
        Ok(_) => {}
    }
    let config: &Config = ctx.config;
    write_hash(ctx, key, |h| {
        h.convert_for([field, value], config);
        h.set(field, value, config);
    });
    ctx.ks.dirty += 1;
    reply.int(1);
}

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

/// HGET key field: the value, or null.
fn hget(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    match read_hash(ctx, args.get(1)) {
        Err(()) => reply.error(errors::WRONGTYPE),
        Ok(h) => match h.and_then(|h| h.get(args.get(2))) {
            Some(v) => bulk_lp(reply, v),
            None => reply.null(),
        },
    }
}

/// HMGET key field [field ...]: an array of the values, null for absent fields (all of them
/// for an absent key).
fn hmget(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let h = match read_hash(ctx, args.get(1)) {
        Err(()) => return reply.error(errors::WRONGTYPE),
        Ok(h) => h,
    };
    reply.array(args.len() - 2);
    for i in 2..args.len() {
        match h.and_then(|h| h.get(args.get(i))) {
            Some(v) => bulk_lp(reply, v),
            None => reply.null(),
        }
    }
}

/// HGETALL, HKEYS and HVALS (Redis's `genericHgetallCommand`): every field, value, or both (a
/// map then, in RESP3).
fn getall(ctx: &mut Ctx<'_>, args: &Args<'_>, fields: bool, values: bool, reply: &mut Reply<'_>) {
    let both = fields && values;
    let h = match read_hash(ctx, args.get(1)) {
        Err(()) => return reply.error(errors::WRONGTYPE),
        Ok(None) if both => return reply.map(0),
        Ok(None) => return reply.array(0),
        Ok(Some(h)) => h,
    };
    if both {
        reply.map(h.len());
    } else {
        reply.array(h.len());
    }
    for (f, v) in h.iter() {
        if fields {
            bulk_lp(reply, f);
        }
        if values {
            bulk_lp(reply, v);
        }
    }
}

/// HGETALL key
fn hgetall(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    getall(ctx, args, true, true, reply);
}

/// HKEYS key
fn hkeys(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    getall(ctx, args, true, false, reply);
}

/// HVALS key
fn hvals(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    getall(ctx, args, false, true, reply);
}

/// HEXISTS key field: 1 or 0.
fn hexists(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    match read_hash(ctx, args.get(1)) {
        Err(()) => reply.error(errors::WRONGTYPE),
        Ok(h) => reply.int(h.is_some_and(|h| h.contains(args.get(2))) as i64),
    }
}

/// HLEN key: the number of fields (0 for an absent key).
fn hlen(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    match read_hash(ctx, args.get(1)) {
        Err(()) => reply.error(errors::WRONGTYPE),
        Ok(h) => reply.int(h.map_or(0, |h| h.len()) as i64),
    }
}

/// HSTRLEN key field: the length of the value (0 when absent).
fn hstrlen(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    match read_hash(ctx, args.get(1)) {
        Err(()) => reply.error(errors::WRONGTYPE),
        Ok(h) => {
            let mut buf = itoa::Buffer::new();
            let len = h
                .and_then(|h| h.get(args.get(2)))
                .map_or(0, |v| v.as_bytes(&mut buf).len());
            reply.int(len as i64);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HDEL
// ---------------------------------------------------------------------------------------------

/// HDEL key field [field ...]: the number of fields removed; the key goes with its last field.
fn hdel(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let key = args.get(1);
    let fields = || (2..args.len()).map(|i| args.get(i));
    match peek_hash(ctx, key, |h| fields().any(|f| h.contains(f))) {
        Err(()) => return reply.error(errors::WRONGTYPE),
        Ok(None) | Ok(Some(false)) => return reply.int(0),
        Ok(Some(true)) => {}
    }
    let removed = write_hash(ctx, key, |h| fields().filter(|f| h.remove(f)).count()).unwrap_or(0);
    ctx.ks.dirty += removed as u64;
    reply.int(removed as i64);
}

// ---------------------------------------------------------------------------------------------
// HINCRBY, HINCRBYFLOAT
// ---------------------------------------------------------------------------------------------

/// HINCRBY key field increment: the new value. A missing field counts as 0.
fn hincrby(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let (key, field) = (args.get(1), args.get(2));
    let incr = match parse_int(args.get(3)) {
        Ok(n) => n,
        Err(e) => return reply.error(e),
    };
    let current = peek_hash(ctx, key, |h| match h.get(field) {
        None => Ok(0),
        Some(LpValue::Int(n)) => Ok(n),
        Some(LpValue::Str(s)) => parse_i64(s).ok_or(HASH_NOT_INTEGER),
    });
    let current = match current {
        Err(()) => return reply.error(errors::WRONGTYPE),
        Ok(None) => 0,
        Ok(Some(Ok(n))) => n,
        Ok(Some(Err(e))) => return reply.error(e),
    };
    let Some(new) = current.checked_add(incr) else {
        return reply.error(errors::OVERFLOW);
    };
    let config: &Config = ctx.config;
    let mut buf = itoa::Buffer::new();
    let text = buf.format(new).as_bytes();
    write_hash(ctx, key, |h| h.set(field, text, config));
    ctx.ks.dirty += 1;
    reply.int(new);
}

/// HINCRBYFLOAT key field increment: the new value as a bulk string, stored as that string.
/// The arithmetic is INCRBYFLOAT's, Redis's `long double` (see [`crate::long_double`]).
/// Recorded as `HSET key field value`, as Redis 7.0 propagates it.
fn hincrbyfloat(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let (key, field) = (args.get(1), args.get(2));
    let Some(incr) = string2ld(args.get(3)) else {
        return reply.error(errors::NOT_FLOAT);
    };
    if incr.is_infinite() {
        return reply.error(INCR_NAN_OR_INF);
    }
    let current = peek_hash(ctx, key, |h| match h.get(field) {
        None => Ok(LongDouble::ZERO),
        Some(LpValue::Int(n)) => Ok(LongDouble::from_i64(n)),
        Some(LpValue::Str(s)) => string2ld(s).ok_or(HASH_NOT_FLOAT),
    });
    let current = match current {
        Err(()) => return reply.error(errors::WRONGTYPE),
        Ok(None) => LongDouble::ZERO,
        Ok(Some(Ok(c))) => c,
        Ok(Some(Err(e))) => return reply.error(e),
    };
    let Some(sum) = current.checked_add(incr) else {
        return reply.error(errors::NAN_OR_INF);
    };
    let text = sum.to_human_string();
    let config: &Config = ctx.config;
    write_hash(ctx, key, |h| h.set(field, text.as_bytes(), config));
    ctx.ks.dirty += 1;
    ctx.propagate(&[b"HSET", key, field, text.as_bytes()]);
    reply.bulk(text.as_bytes());
}

// ---------------------------------------------------------------------------------------------
// HRANDFIELD
// ---------------------------------------------------------------------------------------------

/// HRANDFIELD key [count [WITHVALUES]] (Redis's `hrandfieldCommand`). Without a count: one
/// field, or null. A positive count: that many distinct fields (the whole hash when it has
/// fewer); a negative one: that many draws, repeats allowed. WITHVALUES adds each value, flat
/// in RESP2 and as [field, value] pairs in RESP3.
fn hrandfield(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let mut rng = Rng::new(ctx.rand);
    if args.len() == 2 {
        match read_hash(ctx, args.get(1)) {
            Err(()) => reply.error(errors::WRONGTYPE),
            Ok(None) => reply.null(),
            Ok(Some(h)) => {
                let mut picked = false;
                h.random_pairs(1, &mut rng, |f, _| {
                    bulk_lp(reply, f);
                    picked = true;
                });
                if !picked {
                    reply.null();
                }
            }
        }
        return;
    }
    let l = match parse_int(args.get(2)) {
        Ok(i64::MIN) => {
            return reply.error(&format!(
                "ERR value is out of range, value must between {} and {}",
                -i64::MAX,
                i64::MAX
            ))
        }
        Ok(n) => n,
        Err(e) => return reply.error(e),
    };
    if args.len() > 4 || (args.len() == 4 && !args.is(3, "withvalues")) {
        return reply.error(errors::SYNTAX);
    }
    let withvalues = args.len() == 4;
    if withvalues && !(-i64::MAX / 2..=i64::MAX / 2).contains(&l) {
        return reply.error(VALUE_OUT_OF_RANGE);
    }
    let max_reply = ctx.config.proto_max_bulk_len;
    let resp3 = reply.is_resp3();
    let h = match read_hash(ctx, args.get(1)) {
        Err(()) => return reply.error(errors::WRONGTYPE),
        Ok(None) => return reply.array(0),
        Ok(Some(h)) => h,
    };
    let count = l.unsigned_abs();
    if count == 0 {
        return reply.array(0);
    }
    let header = |reply: &mut Reply<'_>, n: u64| {
        if withvalues && !resp3 {
            reply.array(n as usize * 2);
        } else {
            reply.array(n as usize);
        }
    };
    let write = |reply: &mut Reply<'_>, f: LpValue<'_>, v: LpValue<'_>| {
        if withvalues && resp3 {
            reply.array(2);
        }
        bulk_lp(reply, f);
        if withvalues {
            bulk_lp(reply, v);
        }
    };
    if l < 0 || count == 1 {
        // Draws with repeats. Redis would build whatever reply is asked for; a reply that cannot
        // be smaller than `proto-max-bulk-len` (6 bytes at least per string) is refused here
        // rather than allowed to exhaust memory.
        let strings = count.saturating_mul(1 + withvalues as u64);
        if strings.saturating_mul(6) > max_reply {
            return reply.error(VALUE_OUT_OF_RANGE);
        }
        header(reply, count);
        h.random_pairs(count as usize, &mut rng, |f, v| write(reply, f, v));
        return;
    }
    let size = h.len() as u64;
    header(reply, count.min(size));
    if count >= size {
        for (f, v) in h.iter() {
            write(reply, f, v);
        }
    } else {
        h.random_distinct(count as usize, &mut rng, |f, v| write(reply, f, v));
    }
}

// ---------------------------------------------------------------------------------------------
// HSCAN
// ---------------------------------------------------------------------------------------------

/// HSCAN key cursor [MATCH pattern] [COUNT count] (Redis's `hscanCommand` and
/// `scanGenericCommand`): the next cursor and a flat array of fields and values. A listpack
/// answers everything at once with cursor 0; a table walks its buckets (see [`Hash::scan`]).
/// MATCH filters on fields, after COUNT's work is done. The cursor is read first, then the key,
/// and only then the options (an absent key answers an empty scan whatever they say).
fn hscan(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let Some(cursor) = parse_cursor(args.get(2)) else {
        return reply.error(errors::INVALID_CURSOR);
    };
    let h = match read_hash(ctx, args.get(1)) {
        Err(()) => return reply.error(errors::WRONGTYPE),
        Ok(None) => {
            reply.array(2);
            reply.bulk(b"0");
            return reply.array(0);
        }
        Ok(Some(h)) => h,
    };
    let mut count = 10usize;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 3;
    while i < args.len() {
        if args.is(i, "count") && i + 1 < args.len() {
            match parse_int(args.get(i + 1)) {
                Ok(n) if n < 1 => return reply.error(errors::SYNTAX),
                Ok(n) => count = usize::try_from(n).unwrap_or(usize::MAX),
                Err(e) => return reply.error(e),
            }
        } else if args.is(i, "match") && i + 1 < args.len() {
            let p = args.get(i + 1);
            pattern = (p != b"*").then_some(p);
        } else {
            return reply.error(errors::SYNTAX);
        }
        i += 2;
    }
    let mut found: Vec<(LpValue<'_>, LpValue<'_>)> = Vec::new();
    let next = h.scan(cursor, count, |f, v| {
        let keep = pattern.is_none_or(|p| {
            let mut buf = itoa::Buffer::new();
            glob_match(p, f.as_bytes(&mut buf), false)
        });
        if keep {
            found.push((f, v));
        }
    });
    reply.array(2);
    reply.bulk(itoa::Buffer::new().format(next).as_bytes());
    reply.array(found.len() * 2);
    for (f, v) in found {
        bulk_lp(reply, f);
        bulk_lp(reply, v);
    }
}

#[cfg(test)]
#[path = "hashes_tests.rs"]
mod tests;
