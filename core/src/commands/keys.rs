//! The generic key family: what works on a key whatever it holds (DEL, EXISTS, TYPE, RENAME,
//! COPY, MOVE, expiry, OBJECT, DUMP/RESTORE) and on a whole database (KEYS, SCAN, RANDOMKEY,
//! DBSIZE, FLUSHDB, FLUSHALL, SWAPDB), as Redis's `db.c`, `expire.c` and `object.c` have them.
//!
//! Multi-shard commands run here as their per-shard parts (see [`Span`]): DEL counts the keys it
//! was given on this shard, KEYS lists this shard's matches, SCAN walks this shard's table.
//! RENAME and COPY do the whole job when both keys live here; across shards the coordinator
//! takes the source with `__takettl` (or reads it with `__dumpttl`) and recreates it on the
//! target's shard with `RESTORE ... ABSTTL`.

use super::flags::*;
use super::{cmd, keys, Command, Ctx, KeySpec, Run, Span};
use crate::config::Config;
use crate::errors;
use crate::keyspace::dump::{dump_value, restore_value};
use crate::keyspace::{glob_match, Entry};
use crate::protocol::args::parse_int;
use crate::protocol::{Args, Reply};

/// The generic key commands.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("del", -2, WRITE, keys(1, -1, 1), Span::SumInts, Run::Shard(del), "generic", "Delete a key"),
    cmd("unlink", -2, WRITE | FAST, keys(1, -1, 1), Span::SumInts, Run::Shard(del), "generic", "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking."),
    cmd("exists", -2, READONLY | FAST, keys(1, -1, 1), Span::SumInts, Run::Shard(exists), "generic", "Determine if a key exists"),
    cmd("touch", -2, READONLY | FAST, keys(1, -1, 1), Span::SumInts, Run::Shard(exists), "generic", "Alters the last access time of a key(s). Returns the number of existing keys specified."),
    cmd("type", 2, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(type_), "generic", "Determine the type stored at key"),
    cmd("rename", 3, WRITE, keys(1, 2, 1), Span::Rename { nx: false }, Run::Shard(rename), "generic", "Rename a key"),
    cmd("renamenx", 3, WRITE | FAST, keys(1, 2, 1), Span::Rename { nx: true }, Run::Shard(renamenx), "generic", "Rename a key, only if the new key does not exist"),
    cmd("copy", -3, WRITE | DENYOOM, keys(1, 2, 1), Span::Copy, Run::Shard(copy), "generic", "Copy a key"),
    cmd("move", 3, WRITE | FAST, keys(1, 1, 1), Span::Single, Run::Shard(move_), "generic", "Move a key to another database"),
    cmd("expire", -3, WRITE | FAST, keys(1, 1, 1), Span::Single, Run::Shard(expire), "generic", "Set a key's time to live in seconds"),
    cmd("pexpire", -3, WRITE | FAST, keys(1, 1, 1), Span::Single, Run::Shard(pexpire), "generic", "Set a key's time to live in milliseconds"),
    cmd("expireat", -3, WRITE | FAST, keys(1, 1, 1), Span::Single, Run::Shard(expireat), "generic", "Set the expiration for a key as a UNIX timestamp"),
    cmd("pexpireat", -3, WRITE | FAST, keys(1, 1, 1), Span::Single, Run::Shard(pexpireat), "generic", "Set the expiration for a key as a UNIX timestamp specified in milliseconds"),
    cmd("ttl", 2, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(ttl), "generic", "Get the time to live for a key in seconds"),
    cmd("pttl", 2, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(pttl), "generic", "Get the time to live for a key in milliseconds"),
    cmd("expiretime", 2, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(expiretime), "generic", "Get the expiration Unix timestamp for a key"),
    cmd("pexpiretime", 2, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(pexpiretime), "generic", "Get the expiration Unix timestamp for a key in milliseconds"),
    cmd("persist", 2, WRITE | FAST, keys(1, 1, 1), Span::Single, Run::Shard(persist), "generic", "Remove the expiration from a key"),
    cmd("keys", 2, READONLY | RANDOM, KeySpec::None, Span::AllConcat, Run::Shard(keys_), "generic", "Find all keys matching the given pattern"),
    cmd("scan", -2, READONLY | RANDOM, KeySpec::None, Span::Scan, Run::Shard(scan), "generic", "Incrementally iterate the keys space"),
    cmd("randomkey", 1, READONLY | RANDOM, KeySpec::None, Span::AllAny, Run::Shard(randomkey), "generic", "Return a random key from the keyspace"),
    cmd("dbsize", 1, READONLY | FAST, KeySpec::None, Span::AllSum, Run::Shard(dbsize), "server", "Return the number of keys in the selected database"),
    cmd("flushdb", -1, WRITE, KeySpec::None, Span::AllFirst, Run::Shard(flushdb), "server", "Remove all keys from the current database"),
    cmd("flushall", -1, WRITE, KeySpec::None, Span::AllFirst, Run::Shard(flushall), "server", "Remove all keys from all databases"),
    cmd("swapdb", 3, WRITE | FAST, KeySpec::None, Span::AllFirst, Run::Shard(swapdb), "server", "Swaps two Redis databases"),
    cmd("object", -2, READONLY, keys(2, 2, 1), Span::Single, Run::Shard(object), "generic", "A container for object introspection commands"),
    cmd("dump", 2, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(dump), "generic", "Return a serialized version of the value stored at the specified key."),
    cmd("restore", -4, WRITE | DENYOOM, keys(1, 1, 1), Span::Single, Run::Shard(restore), "generic", "Create a key using the provided serialized value, previously obtained using DUMP."),
    cmd("__dumpttl", 2, READONLY | INTERNAL, keys(1, 1, 1), Span::Single, Run::Shard(dumpttl), "generic", "Internal: a key's DUMP payload and absolute expiry, for RENAME and COPY across shards."),
    cmd("__debugobject", 2, READONLY | INTERNAL, keys(1, 1, 1), Span::Single, Run::Shard(debug_object), "server", "Internal: DEBUG OBJECT on the key's shard."),
    cmd("__takettl", 2, WRITE | INTERNAL, keys(1, 1, 1), Span::Single, Run::Shard(takettl), "generic", "Internal: as __dumpttl, and deletes the key."),
];

/// The shard's LRU clock in seconds, what [`Entry::access`] holds (OBJECT IDLETIME).
fn lru_clock(now_ms: u64) -> u32 {
    (now_ms / 1000) as u32
}

/// The value of a directive Tessera only remembers (`maxmemory-policy`...), empty if unknown.
fn inert<'a>(config: &'a Config, name: &str) -> &'a str {
    config
        .inert
        .iter()
        .find(|(k, _)| *k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// True under `allkeys-lfu` or `volatile-lfu`: access frequency replaces idle time.
fn lfu_policy(config: &Config) -> bool {
    inert(config, "maxmemory-policy")
        .to_ascii_lowercase()
        .contains("lfu")
}

/// Parses an argument as Redis's `getIntFromObjectOrReply`: a 64-bit integer that must also fit
/// 32 bits, with Redis's two different errors.
fn parse_i32(bytes: &[u8]) -> Result<i64, &'static str> {
    let n = parse_int(bytes)?;
    if i32::try_from(n).is_err() {
        return Err(errors::INT_OUT_OF_RANGE);
    }
    Ok(n)
}

/// A database index given by a client, checked against the configured number of databases.
fn db_index(ctx: &Ctx<'_>, bytes: &[u8]) -> Result<usize, &'static str> {
    let n = parse_i32(bytes)?;
    usize::try_from(n)
        .ok()
        .filter(|&i| i < ctx.ks.dbs.len())
        .ok_or(errors::DB_INDEX)
}

// ---------------------------------------------------------------------------------------------
// DEL, EXISTS, TYPE
// ---------------------------------------------------------------------------------------------

/// DEL and UNLINK: how many of the given keys existed (and are now gone).
fn del(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let now = ctx.now_ms;
    let n = (1..args.len())
        .filter(|&i| ctx.db().remove(args.get(i), now).is_some())
        .count();
    ctx.ks.dirty += n as u64;
    reply.int(n as i64);
}

/// EXISTS and TOUCH: how many of the given keys exist, a key named twice counting twice.
fn exists(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let n = (1..args.len())
        .filter(|&i| ctx.lookup_read(args.get(i)).is_some())
        .count();
    reply.int(n as i64);
}

fn type_(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let name = ctx
        .lookup_read(args.get(1))
        .map_or("none", |e| e.value.type_name());
    reply.simple(name);
}

// ---------------------------------------------------------------------------------------------
// RENAME, RENAMENX, COPY, MOVE
// ---------------------------------------------------------------------------------------------

fn rename(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    rename_generic(ctx, args, reply, false);
}

fn renamenx(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    rename_generic(ctx, args, reply, true);
}

/// RENAME with both keys on this shard (`renameGenericCommand`): the entry moves whole, its
/// expiry and access time with it. A missing source is an error even when both names are equal.
fn rename_generic(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>, nx: bool) {
    let (src, dst) = (args.get(1), args.get(2));
    let now = ctx.now_ms;
    if !ctx.db().contains(src, now) {
        reply.error(errors::NO_SUCH_KEY);
        return;
    }
    if src == dst {
        if nx {
            reply.int(0);
        } else {
            reply.ok();
        }
        return;
    }
    if nx && ctx.db().contains(dst, now) {
        reply.int(0);
        return;
    }
    if let Some(entry) = ctx.db().remove(src, now) {
        ctx.db().set_entry(dst, entry);
    }
    ctx.ks.dirty += 1;
    if nx {
        reply.int(1);
    } else {
        reply.ok();
    }
}

/// COPY source destination [DB n] [REPLACE] (`copyCommand`): the copy keeps the expiry and
/// starts a fresh access time.
/// COPY's options: the target database and REPLACE, or the error Redis answers. Shared with
/// the cross-shard COPY so both refuse the same calls.
pub fn copy_options(
    args: &Args<'_>,
    db: usize,
    databases: usize,
) -> Result<(usize, bool), &'static str> {
    let mut dst_db = db;
    let mut replace = false;
    let mut i = 3;
    while i < args.len() {
        if args.is(i, "replace") {
            replace = true;
        } else if args.is(i, "db") && i + 1 < args.len() {
            let n = parse_i32(args.get(i + 1))?;
            dst_db = usize::try_from(n)
                .ok()
                .filter(|&d| d < databases)
                .ok_or(errors::DB_INDEX)?;
            i += 1;
        } else {
            return Err(errors::SYNTAX);
        }
        i += 1;
    }
    if dst_db == db && args.get(1) == args.get(2) {
        return Err(errors::SAME_OBJECT);
    }
    Ok((dst_db, replace))
}

fn copy(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let (src, dst) = (args.get(1), args.get(2));
    let (dst_db, replace) = match copy_options(args, ctx.db, ctx.ks.dbs.len()) {
        Ok(o) => o,
        Err(e) => return reply.error(e),
    };
    let now = ctx.now_ms;
    let Some(source) = ctx.lookup_read(src) else {
        return reply.int(0);
    };
    let entry = Entry {
        value: source.value.clone(),
        expire_at: source.expire_at,
        access: lru_clock(now),
    };
    let target = &mut ctx.ks.dbs[dst_db];
    if target.contains(dst, now) && !replace {
        return reply.int(0);
    }
    target.set_entry(dst, entry);
    ctx.ks.dirty += 1;
    reply.int(1);
}

/// MOVE key db (`moveCommand`): 0 when the key is missing here or present there.
fn move_(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let key = args.get(1);
    let dst_db = match db_index(ctx, args.get(2)) {
        Ok(db) => db,
        Err(e) => return reply.error(e),
    };
    if dst_db == ctx.db {
        return reply.error(errors::SAME_OBJECT);
    }
    let now = ctx.now_ms;
    if !ctx.db().contains(key, now) || ctx.ks.dbs[dst_db].contains(key, now) {
        return reply.int(0);
    }
    if let Some(entry) = ctx.db().remove(key, now) {
        ctx.ks.dbs[dst_db].set_entry(key, entry);
    }
    ctx.ks.dirty += 1;
    reply.int(1);
}

// ---------------------------------------------------------------------------------------------
// Expiry
// ---------------------------------------------------------------------------------------------

fn expire(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let now = ctx.now_ms as i64;
    expire_generic(ctx, args, reply, now, true, "expire");
}

fn pexpire(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let now = ctx.now_ms as i64;
    expire_generic(ctx, args, reply, now, false, "pexpire");
}

fn expireat(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    expire_generic(ctx, args, reply, 0, true, "expireat");
}

fn pexpireat(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    expire_generic(ctx, args, reply, 0, false, "pexpireat");
}

/// EXPIRE's condition flags.
#[derive(Default)]
struct ExpireFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

/// Reads NX XX GT LT after the time (`parseExtendedExpireArgumentsOrReply`): options are checked
/// before the time itself, as Redis does.
fn expire_flags(args: &Args<'_>) -> Result<ExpireFlags, String> {
    let mut f = ExpireFlags::default();
    for i in 3..args.len() {
        if args.is(i, "nx") {
            f.nx = true;
        } else if args.is(i, "xx") {
            f.xx = true;
        } else if args.is(i, "gt") {
            f.gt = true;
        } else if args.is(i, "lt") {
            f.lt = true;
        } else {
            return Err(errors::unsupported_option(args.get(i)));
        }
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        return Err(errors::EXPIRE_NX_AND_OTHERS.into());
    }
    if f.gt && f.lt {
        return Err(errors::EXPIRE_GT_AND_LT.into());
    }
    Ok(f)
}

/// EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT (`expireGenericCommand`). `basetime` is what the
/// given time is relative to (now, or 0 for the absolute forms). A time already past deletes
/// the key. A key without expiry counts as expiring never: GT never beats it, LT always does.
fn expire_generic(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    reply: &mut Reply<'_>,
    basetime: i64,
    seconds: bool,
    name: &str,
) {
    let flags = match expire_flags(args) {
        Ok(f) => f,
        Err(e) => return reply.error(&e),
    };
    let mut when = match args.int(2) {
        Ok(n) => n,
        Err(e) => return reply.error(e),
    };
    if seconds {
        match when.checked_mul(1000) {
            Some(ms) => when = ms,
            None => return reply.error(&errors::invalid_expire_time(name)),
        }
    }
    let Some(when) = when.checked_add(basetime) else {
        return reply.error(&errors::invalid_expire_time(name));
    };
    let now = ctx.now_ms;
    let Some(entry) = ctx.db().get(args.get(1), now) else {
        return reply.int(0);
    };
    let current = if entry.expire_at == 0 {
        None
    } else {
        Some(entry.expire_at as i64)
    };
    let refused = (flags.nx && current.is_some())
        || (flags.xx && current.is_none())
        || (flags.gt && current.is_none_or(|c| when <= c))
        || (flags.lt && current.is_some_and(|c| when >= c));
    if refused {
        return reply.int(0);
    }
    if when <= now as i64 {
        ctx.db().remove(args.get(1), now);
    } else {
        ctx.db().set_expire(args.get(1), when as u64, now);
    }
    ctx.ks.dirty += 1;
    reply.int(1);
}

fn ttl(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    ttl_generic(ctx, args, reply, false, false);
}

fn pttl(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    ttl_generic(ctx, args, reply, true, false);
}

fn expiretime(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    ttl_generic(ctx, args, reply, false, true);
}

fn pexpiretime(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    ttl_generic(ctx, args, reply, true, true);
}

/// TTL, PTTL, EXPIRETIME, PEXPIRETIME (`ttlGenericCommand`): -2 for a missing key, -1 without
/// expiry; seconds are rounded to the nearest.
fn ttl_generic(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    reply: &mut Reply<'_>,
    ms: bool,
    absolute: bool,
) {
    let now = ctx.now_ms;
    let Some(entry) = ctx.lookup_read(args.get(1)) else {
        return reply.int(-2);
    };
    if entry.expire_at == 0 {
        return reply.int(-1);
    }
    let t = if absolute {
        entry.expire_at
    } else {
        entry.expire_at.saturating_sub(now)
    };
    let t = i64::try_from(t).unwrap_or(i64::MAX);
    reply.int(if ms {
        t
    } else {
        ((i128::from(t) + 500) / 1000) as i64
    });
}

fn persist(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let now = ctx.now_ms;
    let volatile = ctx
        .db()
        .get(args.get(1), now)
        .is_some_and(|e| e.expire_at != 0);
    if volatile {
        ctx.db().set_expire(args.get(1), 0, now);
        ctx.ks.dirty += 1;
    }
    reply.int(i64::from(volatile));
}

// ---------------------------------------------------------------------------------------------
// Whole-database commands
// ---------------------------------------------------------------------------------------------

/// KEYS pattern: this shard's matching keys. Expired keys are skipped, not removed (as Redis).
fn keys_(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let pattern = args.get(1);
    let all = pattern == b"*";
    let now = ctx.now_ms;
    let found: Vec<&[u8]> = ctx
        .db()
        .table()
        .iter()
        .filter(|s| !s.value.is_expired(now) && (all || glob_match(pattern, &s.key, false)))
        .map(|s| &*s.key)
        .collect();
    reply.bulks(found.into_iter());
}

/// Reads a cursor as C's `strtoul` does for Redis: an optional sign, then decimal digits (the
/// empty string is 0, a minus wraps); leading spaces and anything after the digits are refused.
fn parse_cursor(bytes: &[u8]) -> Option<u64> {
    let (neg, digits) = match bytes.first() {
        None => return Some(0),
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        Some(_) => (false, bytes),
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(if neg { n.wrapping_neg() } else { n })
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] over this shard's table for the
/// selected database. The cursor is the table's own ([`crate::keyspace::SegTable::scan`]); the
/// I/O layer adds the shard's bits. Expired keys met on the way are removed, as Redis does.
fn scan(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let Some(cursor) = parse_cursor(args.get(1)) else {
        return reply.error(errors::INVALID_CURSOR);
    };
    let mut count = 10usize;
    let mut pattern: Option<&[u8]> = None;
    let mut type_name: Option<&[u8]> = None;
    let mut i = 2;
    while i < args.len() {
        if i + 1 >= args.len() {
            return reply.error(errors::SYNTAX);
        }
        let value = args.get(i + 1);
        if args.is(i, "count") {
            match parse_int(value) {
                Ok(n) if n < 1 => return reply.error(errors::SYNTAX),
                Ok(n) => count = usize::try_from(n).unwrap_or(usize::MAX),
                Err(e) => return reply.error(e),
            }
        } else if args.is(i, "match") {
            pattern = (value != b"*").then_some(value);
        } else if args.is(i, "type") {
            type_name = Some(value);
        } else {
            return reply.error(errors::SYNTAX);
        }
        i += 2;
    }
    let now = ctx.now_ms;
    let mut found: Vec<Box<[u8]>> = Vec::new();
    let mut expired: Vec<Box<[u8]>> = Vec::new();
    let next = ctx.db().table().scan(cursor, count, |slot| {
        if pattern.is_some_and(|p| !glob_match(p, &slot.key, false)) {
            return;
        }
        if slot.value.is_expired(now) {
            expired.push(slot.key.clone());
        } else if type_name
            .is_none_or(|t| t.eq_ignore_ascii_case(slot.value.value.type_name().as_bytes()))
        {
            found.push(slot.key.clone());
        }
    });
    for key in expired {
        ctx.db().get(&key, now);
    }
    reply.array(2);
    reply.bulk(itoa::Buffer::new().format(next).as_bytes());
    reply.bulks(found.iter());
}

/// RANDOMKEY: a key of this shard, or null when it has none. Expired keys drawn are removed
/// and the draw goes on, as Redis's `dbRandomKey`.
fn randomkey(ctx: &mut Ctx<'_>, _args: &Args<'_>, reply: &mut Reply<'_>) {
    let (now, rand) = (ctx.now_ms, ctx.rand);
    loop {
        let db = ctx.db();
        let Some(key) = db.random_key(rand, now) else {
            return reply.null();
        };
        if db.peek(key, now).is_some() {
            return reply.bulk(key);
        }
        let key: Box<[u8]> = key.into();
        db.get(&key, now); // removes it: each turn shrinks the table, so this ends
    }
}

fn dbsize(ctx: &mut Ctx<'_>, _args: &Args<'_>, reply: &mut Reply<'_>) {
    let n = ctx.db().len();
    reply.int(n as i64);
}

/// FLUSHDB and FLUSHALL's `[ASYNC|SYNC]` (`getFlushCommandFlags`); both free at once here.
fn flush_mode_ok(args: &Args<'_>) -> bool {
    args.len() == 1 || (args.len() == 2 && (args.is(1, "sync") || args.is(1, "async")))
}

fn flushdb(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    if !flush_mode_ok(args) {
        return reply.error(errors::SYNTAX);
    }
    let removed = ctx.db().len() as u64;
    ctx.db().clear();
    ctx.ks.dirty += removed + 1;
    reply.ok();
}

fn flushall(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    if !flush_mode_ok(args) {
        return reply.error(errors::SYNTAX);
    }
    let mut removed = 0;
    for db in &mut ctx.ks.dbs {
        removed += db.len() as u64;
        db.clear();
    }
    ctx.ks.dirty += removed + 1;
    reply.ok();
}

/// SWAPDB index1 index2 (`swapdbCommand`): this shard's part of the swap.
fn swapdb(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let Ok(a) = parse_i32(args.get(1)) else {
        return reply.error(errors::INVALID_FIRST_DB);
    };
    let Ok(b) = parse_i32(args.get(2)) else {
        return reply.error(errors::INVALID_SECOND_DB);
    };
    let dbs = ctx.ks.dbs.len();
    let (Ok(a), Ok(b)) = (usize::try_from(a), usize::try_from(b)) else {
        return reply.error(errors::DB_INDEX);
    };
    if a >= dbs || b >= dbs {
        return reply.error(errors::DB_INDEX);
    }
    if a != b {
        let (lo, hi) = (a.min(b), a.max(b));
        let (head, tail) = ctx.ks.dbs.split_at_mut(hi);
        head[lo].swap_contents(&mut tail[0]);
    }
    ctx.ks.dirty += 1;
    reply.ok();
}

// ---------------------------------------------------------------------------------------------
// OBJECT
// ---------------------------------------------------------------------------------------------

const OBJECT_HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

/// Redis's `LFU_INIT_VAL`: the counter of a key just created.
const LFU_INIT_VAL: u64 = 5;

/// OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT key, OBJECT HELP (`objectCommand`). The subcommands
/// keep Redis's own arity errors (`object|encoding`). A missing key answers null.
fn object(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let sub = args.get(1).to_ascii_lowercase();
    let sub = std::str::from_utf8(&sub).unwrap_or("");
    let argc = match sub {
        "help" => 2,
        "encoding" | "freq" | "idletime" | "refcount" => 3,
        _ => return reply.error(&errors::unknown_subcommand(args.get(1), "object")),
    };
    if args.len() != argc {
        return reply.error(&errors::wrong_arity(&format!("object|{sub}")));
    }
    if sub == "help" {
        reply.array(OBJECT_HELP.len());
        OBJECT_HELP.iter().for_each(|line| reply.simple(line));
        return;
    }
    let now = ctx.now_ms;
    let lfu = lfu_policy(ctx.config);
    let config = ctx.config;
    // OBJECT looks without touching, as Redis's LOOKUP_NOTOUCH: the idle time stays.
    let db = ctx.db;
    let Some(entry) = ctx.ks.dbs[db].peek(args.get(2), now) else {
        ctx.ks.misses += 1;
        return reply.null();
    };
    ctx.ks.hits += 1;
    let idle = u64::from(lru_clock(now).saturating_sub(entry.access));
    match sub {
        "encoding" => reply.bulk(entry.value.encoding().as_bytes()),
        "refcount" => reply.int(refcount(config, &entry.value)),
        "idletime" if lfu => reply.error(errors::LFU_SELECTED),
        "idletime" => reply.int(idle as i64),
        _ if !lfu => reply.error(errors::LFU_NOT_SELECTED),
        _ => {
            // No access counter is kept: report a key's initial counter, decayed by one for
            // every `lfu-decay-time` minutes of idleness, as Redis's LFUDecrAndReturn would.
            let decay: u64 = inert(config, "lfu-decay-time").parse().unwrap_or(1);
            let periods = (idle / 60).checked_div(decay).unwrap_or(0);
            reply.int(LFU_INIT_VAL.saturating_sub(periods) as i64);
        }
    }
}

/// OBJECT REFCOUNT: Redis shares the integers 0..10000 (reported as `INT_MAX` references)
/// unless an LRU or LFU eviction policy with a memory limit forbids sharing.
fn refcount(config: &Config, value: &crate::keyspace::Value) -> i64 {
    let policy = inert(config, "maxmemory-policy").to_ascii_lowercase();
    let limited = crate::config::parse_memory(inert(config, "maxmemory")).unwrap_or(0) != 0;
    let sharing = !limited || !(policy.contains("lru") || policy.contains("lfu"));
    match value {
        crate::keyspace::Value::Int(n) if sharing && (0..10_000).contains(n) => i64::from(i32::MAX),
        _ => 1,
    }
}

// ---------------------------------------------------------------------------------------------
// DUMP, RESTORE and the cross-shard helpers
// ---------------------------------------------------------------------------------------------

fn dump(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    match ctx.lookup_read(args.get(1)) {
        Some(e) => reply.bulk(&dump_value(&e.value)),
        None => reply.null(),
    }
}

/// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f] (`restoreCommand`), with its
/// order of checks: options, then BUSYKEY, then the TTL, then the payload. A TTL already past
/// creates nothing (and REPLACE still deletes the old key).
fn restore(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq): (Option<i64>, Option<i64>) = (None, None);
    let mut i = 4;
    while i < args.len() {
        let has_value = i + 1 < args.len();
        if args.is(i, "replace") {
            replace = true;
        } else if args.is(i, "absttl") {
            absttl = true;
        } else if args.is(i, "idletime") && has_value && freq.is_none() {
            match parse_int(args.get(i + 1)) {
                Ok(n) if n < 0 => return reply.error(errors::INVALID_IDLETIME),
                Ok(n) => idle = Some(n),
                Err(e) => return reply.error(e),
            }
            i += 1;
        } else if args.is(i, "freq") && has_value && idle.is_none() {
            match parse_int(args.get(i + 1)) {
                Ok(n) if !(0..=255).contains(&n) => return reply.error(errors::INVALID_FREQ),
                Ok(n) => freq = Some(n),
                Err(e) => return reply.error(e),
            }
            i += 1;
        } else {
            return reply.error(errors::SYNTAX);
        }
        i += 1;
    }
    let key = args.get(1);
    let now = ctx.now_ms;
    if !replace && ctx.db().contains(key, now) {
        return reply.error(errors::BUSYKEY);
    }
    let ttl = match args.int(2) {
        Ok(t) if t < 0 => return reply.error(errors::INVALID_TTL),
        Ok(t) => t,
        Err(e) => return reply.error(e),
    };
    let value = match restore_value(args.get(3)) {
        Ok(v) => v,
        Err(e) => return reply.error(e),
    };
    let deleted = replace && ctx.db().remove(key, now).is_some();
    // Redis adds the relative TTL to the clock unchecked; an overflow lands in the past.
    let expire_at = if ttl != 0 && !absttl {
        ttl.wrapping_add(now as i64)
    } else {
        ttl
    };
    if expire_at != 0 && expire_at <= now as i64 {
        if deleted {
            ctx.ks.dirty += 1;
        }
        return reply.ok();
    }
    // FREQ is accepted but not kept: Tessera has no access counters.
    let _ = freq;
    let clock = lru_clock(now);
    let access = match idle {
        Some(s) if !lfu_policy(ctx.config) => {
            clock.saturating_sub(u32::try_from(s).unwrap_or(u32::MAX))
        }
        _ => clock,
    };
    ctx.db().set_entry(
        key,
        Entry {
            value,
            expire_at: expire_at as u64,
            access,
        },
    );
    ctx.ks.dirty += 1;
    reply.ok();
}

/// `__dumpttl key`: [DUMP payload, absolute expiry in ms or 0], or a null array when missing.
fn dumpttl(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let now = ctx.now_ms;
    match ctx.db().get(args.get(1), now) {
        Some(e) => reply_dumpttl(e, reply),
        None => reply.null_array(),
    }
}

/// `__takettl key`: as `__dumpttl`, and the key is deleted.
fn takettl(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let now = ctx.now_ms;
    match ctx.db().remove(args.get(1), now) {
        Some(e) => {
            ctx.ks.dirty += 1;
            reply_dumpttl(&e, reply);
        }
        None => reply.null_array(),
    }
}

/// `__debugobject key`: DEBUG OBJECT's line, on the shard that owns the key.
fn debug_object(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let now = ctx.now_ms;
    let db = ctx.db;
    let Some(e) = ctx.ks.dbs[db].peek(args.get(1), now) else {
        return reply.error(errors::NO_SUCH_KEY);
    };
    // The payload minus its type byte and its 10-byte footer is the RDB encoding of the value.
    let serialized = dump_value(&e.value).len().saturating_sub(11);
    let idle = lru_clock(now).saturating_sub(e.access);
    reply.simple(&format!(
        "Value at:{:p} refcount:1 encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
        e as *const Entry,
        e.value.encoding(),
        serialized,
        e.access & 0xFF_FFFF,
        idle
    ));
}

fn reply_dumpttl(entry: &Entry, reply: &mut Reply<'_>) {
    reply.array(2);
    reply.bulk(&dump_value(&entry.value));
    reply.int(i64::try_from(entry.expire_at).unwrap_or(i64::MAX));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::lookup;
    use crate::keyspace::{Keyspace, Value};
    use crate::protocol::reader::split_args;
    use crate::protocol::scan::reply_len;
    use crate::protocol::Protocol;

    /// The time every test starts at (Unix ms).
    const T0: u64 = 1_700_000_000_000;

    /// One shard: a keyspace, a configuration, a selected database and a clock.
    struct Shard {
        ks: Keyspace,
        config: Config,
        db: usize,
        now: u64,
        rand: u64,
    }

    impl Shard {
        fn new() -> Shard {
            Shard {
                ks: Keyspace::new(16),
                config: Config::default(),
                db: 0,
                now: T0,
                rand: 42,
            }
        }

        /// Runs one command given as arguments; returns the reply's bytes, checking that
        /// exactly one reply was written.
        fn call(&mut self, argv: &[&[u8]]) -> Vec<u8> {
            let mut base = Vec::new();
            let mut spans = Vec::new();
            for a in argv {
                let start = base.len();
                base.extend_from_slice(a);
                spans.push(start..base.len());
            }
            let args = Args::new(&base, &spans);
            let command = lookup(args.get(0)).expect("known command");
            let mut out = Vec::new();
            let mut reply = Reply::new(&mut out, Protocol::Resp2);
            if !command.arity_ok(args.len()) {
                reply.error(&errors::wrong_arity(command.name));
            } else if let Run::Shard(f) = command.run {
                let mut ctx = Ctx {
                    ks: &mut self.ks,
                    db: self.db,
                    now_ms: self.now,
                    config: &self.config,
                    rand: self.rand,
                    shard: (0, 1),
                };
                f(&mut ctx, &args, &mut reply);
            }
            assert_eq!(
                reply_len(&out),
                Some(out.len()),
                "one reply: {:?}",
                String::from_utf8_lossy(&out)
            );
            out
        }

        /// Runs a command line (redis-cli quoting) and returns the reply as text.
        fn run(&mut self, line: &str) -> String {
            let mut spans = Vec::new();
            let mut buf = Vec::new();
            assert!(split_args(line.as_bytes(), &mut spans, &mut buf));
            let argv: Vec<&[u8]> = spans.iter().map(|s| &buf[s.clone()]).collect();
            String::from_utf8_lossy(&self.call(&argv)).into_owned()
        }

        /// Stores a string directly in database `db`, expiring at `expire_at` (0: never).
        fn put_in(&mut self, db: usize, key: &str, value: &str, expire_at: u64) {
            self.ks.dbs[db].set(key.as_bytes(), Value::string(value.as_bytes()), expire_at);
        }

        fn put(&mut self, key: &str, value: &str) {
            self.put_in(self.db, key, value, 0);
        }

        fn get(&mut self, key: &str) -> Option<Vec<u8>> {
            let now = self.now;
            self.ks.dbs[self.db]
                .get(key.as_bytes(), now)
                .and_then(|e| e.value.to_bytes())
        }
    }

    fn bulk(s: &str) -> String {
        format!("${}\r\n{s}\r\n", s.len())
    }

    fn err(msg: &str) -> String {
        format!("-{msg}\r\n")
    }

    /// The elements of an array reply of bulk strings, sorted.
    fn sorted_bulks(reply: &str) -> Vec<String> {
        let items = crate::protocol::scan::array_items(reply.as_bytes()).expect("array");
        let mut v: Vec<String> = items
            .iter()
            .map(|b| {
                let s = String::from_utf8_lossy(b);
                s.split("\r\n").nth(1).unwrap_or("").to_string()
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn del_unlink_exists_touch_count_their_keys() {
        let mut s = Shard::new();
        s.put("a", "1");
        s.put("b", "2");
        s.put("c", "3");
        s.put_in(0, "old", "x", T0 - 1);
        assert_eq!(s.run("EXISTS a a b nope old"), ":3\r\n");
        assert_eq!(s.run("TOUCH a nope c"), ":2\r\n");
        assert_eq!(s.run("DEL a b nope old"), ":2\r\n");
        assert_eq!(s.ks.dirty, 2);
        assert_eq!(s.run("UNLINK c c"), ":1\r\n");
        assert_eq!(s.run("EXISTS a b c"), ":0\r\n");
        assert_eq!(
            s.run("DEL"),
            err("ERR wrong number of arguments for 'del' command")
        );
    }

    #[test]
    fn reads_count_hits_and_misses() {
        let mut s = Shard::new();
        s.put("a", "1");
        for line in [
            "EXISTS a b",
            "TOUCH a b",
            "TYPE a",
            "TYPE b",
            "TTL a",
            "PTTL b",
            "OBJECT ENCODING a",
            "DUMP b",
            "COPY a c",
            "COPY b c",
        ] {
            s.run(line);
        }
        assert_eq!((s.ks.hits, s.ks.misses), (6, 6));
        for line in [
            "RENAME a d",
            "PERSIST d",
            "EXPIRE d 100",
            "MOVE d 1",
            "SCAN 0",
            "KEYS *",
            "RANDOMKEY",
        ] {
            s.run(line);
        }
        assert_eq!((s.ks.hits, s.ks.misses), (6, 6));
    }

    #[test]
    fn type_names_or_none() {
        let mut s = Shard::new();
        s.put("a", "1");
        s.put("b", "hello");
        assert_eq!(s.run("TYPE a"), "+string\r\n");
        assert_eq!(s.run("TYPE b"), "+string\r\n");
        assert_eq!(s.run("TYPE nope"), "+none\r\n");
    }

    #[test]
    fn rename_moves_value_and_expiry() {
        let mut s = Shard::new();
        assert_eq!(s.run("RENAME nope x"), err("ERR no such key"));
        assert_eq!(s.run("RENAMENX nope x"), err("ERR no such key"));
        assert_eq!(s.run("RENAME nope nope"), err("ERR no such key"));
        s.put_in(0, "a", "va", T0 + 10_000);
        s.put("b", "vb");
        assert_eq!(s.run("RENAME a a"), "+OK\r\n");
        assert_eq!(s.run("RENAMENX a a"), ":0\r\n");
        assert_eq!(s.run("RENAMENX a b"), ":0\r\n");
        assert_eq!(s.run("RENAME a b"), "+OK\r\n");
        assert_eq!(s.get("a"), None);
        assert_eq!(s.get("b").as_deref(), Some(&b"va"[..]));
        assert_eq!(s.run("PTTL b"), ":10000\r\n");
        assert_eq!(s.run("RENAMENX b c"), ":1\r\n");
        assert_eq!(s.run("PTTL c"), ":10000\r\n");
        assert_eq!(s.ks.dbs[0].volatile_len(), 1);
        assert_eq!(s.ks.dirty, 2);
    }

    #[test]
    fn copy_with_db_and_replace() {
        let mut s = Shard::new();
        s.put_in(0, "a", "va", T0 + 5000);
        s.put("b", "vb");
        assert_eq!(s.run("COPY nope x"), ":0\r\n");
        assert_eq!(s.run("COPY a b"), ":0\r\n");
        assert_eq!(s.run("COPY a b REPLACE"), ":1\r\n");
        assert_eq!(s.get("b").as_deref(), Some(&b"va"[..]));
        assert_eq!(s.run("PTTL b"), ":5000\r\n");
        assert_eq!(
            s.run("COPY a a"),
            err("ERR source and destination objects are the same")
        );
        assert_eq!(
            s.run("COPY a a DB 0"),
            err("ERR source and destination objects are the same")
        );
        assert_eq!(s.run("COPY a a db 3"), ":1\r\n");
        assert_eq!(
            s.ks.dbs[3].peek(b"a", T0).map(|e| e.expire_at),
            Some(T0 + 5000)
        );
        assert_eq!(s.run("COPY a a DB 3"), ":0\r\n");
        assert_eq!(s.run("COPY a a DB 3 replace"), ":1\r\n");
        assert_eq!(s.run("COPY a b DB 16"), err("ERR DB index is out of range"));
        assert_eq!(s.run("COPY a b DB -1"), err("ERR DB index is out of range"));
        assert_eq!(s.run("COPY a b DB x"), err(errors::NOT_INTEGER));
        assert_eq!(
            s.run("COPY a b DB 99999999999"),
            err(errors::INT_OUT_OF_RANGE)
        );
        assert_eq!(s.run("COPY a b DB"), err("ERR syntax error"));
        assert_eq!(s.run("COPY a b foo"), err("ERR syntax error"));
        assert_eq!(s.get("a").as_deref(), Some(&b"va"[..]));
        assert_eq!(s.ks.dirty, 3);
    }

    #[test]
    fn move_between_databases() {
        let mut s = Shard::new();
        s.put_in(0, "k", "v", T0 + 1000);
        assert_eq!(
            s.run("MOVE k 0"),
            err("ERR source and destination objects are the same")
        );
        assert_eq!(s.run("MOVE k 16"), err("ERR DB index is out of range"));
        assert_eq!(s.run("MOVE k -1"), err("ERR DB index is out of range"));
        assert_eq!(s.run("MOVE k abc"), err(errors::NOT_INTEGER));
        assert_eq!(s.run("MOVE k 99999999999"), err(errors::INT_OUT_OF_RANGE));
        assert_eq!(s.run("MOVE nope 1"), ":0\r\n");
        assert_eq!(s.run("MOVE k 1"), ":1\r\n");
        assert_eq!(s.get("k"), None);
        assert_eq!(
            s.ks.dbs[1].peek(b"k", T0).map(|e| e.expire_at),
            Some(T0 + 1000)
        );
        s.put("k", "again");
        assert_eq!(s.run("MOVE k 1"), ":0\r\n");
        assert_eq!(s.get("k").as_deref(), Some(&b"again"[..]));
    }

    #[test]
    fn expire_family_sets_and_deletes() {
        let mut s = Shard::new();
        assert_eq!(s.run("EXPIRE nope 10"), ":0\r\n");
        s.put("k", "v");
        assert_eq!(s.run("EXPIRE k 100"), ":1\r\n");
        assert_eq!(s.run("TTL k"), ":100\r\n");
        assert_eq!(s.run("PEXPIRE k 1500"), ":1\r\n");
        assert_eq!(s.run("TTL k"), ":2\r\n");
        assert_eq!(s.run("PEXPIRE k 1499"), ":1\r\n");
        assert_eq!(s.run("TTL k"), ":1\r\n");
        assert_eq!(s.run("PTTL k"), ":1499\r\n");
        let at = T0 / 1000 + 50;
        assert_eq!(s.run(&format!("EXPIREAT k {at}")), ":1\r\n");
        assert_eq!(s.run("EXPIRETIME k"), format!(":{at}\r\n"));
        assert_eq!(s.run("PEXPIRETIME k"), format!(":{}\r\n", at * 1000));
        assert_eq!(s.run(&format!("PEXPIREAT k {}", T0 + 1234)), ":1\r\n");
        assert_eq!(s.run("PTTL k"), ":1234\r\n");
        assert_eq!(
            s.run("EXPIRETIME k"),
            format!(":{}\r\n", (T0 + 1234 + 500) / 1000)
        );
        // Time passes: the key is gone.
        s.now = T0 + 1234;
        assert_eq!(s.run("TTL k"), ":-2\r\n");
        assert_eq!(s.ks.dbs[0].expired_keys, 1);
        // A time in the past deletes at once and answers 1.
        s.put("k", "v");
        assert_eq!(s.run("EXPIRE k -1"), ":1\r\n");
        assert_eq!(s.get("k"), None);
        s.put("k", "v");
        assert_eq!(s.run("PEXPIREAT k 1"), ":1\r\n");
        assert_eq!(s.get("k"), None);
        s.put("k", "v");
        assert_eq!(s.run("EXPIRE k 0"), ":1\r\n");
        assert_eq!(s.get("k"), None);
        assert_eq!(s.ks.dirty, 8);
    }

    #[test]
    fn expire_conditions() {
        let mut s = Shard::new();
        s.put("k", "v");
        // No expiry: GT fails (never is the longest), LT and NX succeed, XX fails.
        assert_eq!(s.run("EXPIRE k 100 XX"), ":0\r\n");
        assert_eq!(s.run("EXPIRE k 100 gt"), ":0\r\n");
        assert_eq!(s.run("EXPIRE k 100 LT"), ":1\r\n");
        assert_eq!(s.run("EXPIRE k 200 NX"), ":0\r\n");
        assert_eq!(s.run("EXPIRE k 200 XX"), ":1\r\n");
        assert_eq!(s.run("EXPIRE k 100 GT"), ":0\r\n");
        assert_eq!(s.run("EXPIRE k 200 GT"), ":0\r\n");
        assert_eq!(s.run("EXPIRE k 300 XX GT"), ":1\r\n");
        assert_eq!(s.run("EXPIRE k 300 LT"), ":0\r\n");
        assert_eq!(s.run("EXPIRE k 100 lt"), ":1\r\n");
        assert_eq!(s.run("TTL k"), ":100\r\n");
        assert_eq!(s.run("PERSIST k"), ":1\r\n");
        assert_eq!(s.run("EXPIRE k 10 NX NX"), ":1\r\n");
        assert_eq!(s.run("EXPIRE nope 10 XX"), ":0\r\n");
    }

    #[test]
    fn expire_errors() {
        let mut s = Shard::new();
        s.put("k", "v");
        assert_eq!(s.run("EXPIRE k 10 foo"), err("ERR Unsupported option foo"));
        assert_eq!(
            s.run("EXPIRE k 10 nx xx"),
            err(errors::EXPIRE_NX_AND_OTHERS)
        );
        assert_eq!(
            s.run("EXPIRE k 10 nx gt"),
            err(errors::EXPIRE_NX_AND_OTHERS)
        );
        assert_eq!(
            s.run("EXPIRE k 10 lt nx"),
            err(errors::EXPIRE_NX_AND_OTHERS)
        );
        assert_eq!(s.run("EXPIRE k 10 gt lt"), err(errors::EXPIRE_GT_AND_LT));
        // Options are checked before the time.
        assert_eq!(s.run("EXPIRE k x nx xx"), err(errors::EXPIRE_NX_AND_OTHERS));
        assert_eq!(s.run("EXPIRE k abc"), err(errors::NOT_INTEGER));
        assert_eq!(
            s.run("EXPIRE k 9223372036854775807"),
            err("ERR invalid expire time in 'expire' command")
        );
        assert_eq!(
            s.run("EXPIRE k -9223372036854775807"),
            err("ERR invalid expire time in 'expire' command")
        );
        assert_eq!(
            s.run("PEXPIRE k 9223372036854775807"),
            err("ERR invalid expire time in 'pexpire' command")
        );
        assert_eq!(
            s.run("EXPIREAT k 9223372036854775807"),
            err("ERR invalid expire time in 'expireat' command")
        );
        assert_eq!(s.run("PEXPIREAT k 9223372036854775807"), ":1\r\n");
        assert_eq!(s.run("PEXPIRETIME k"), ":9223372036854775807\r\n");
        assert_eq!(s.run("EXPIRETIME k"), ":9223372036854776\r\n");
        assert_eq!(
            s.run("EXPIRE k"),
            err("ERR wrong number of arguments for 'expire' command")
        );
    }

    #[test]
    fn ttl_family_and_persist() {
        let mut s = Shard::new();
        for c in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
            assert_eq!(s.run(&format!("{c} nope")), ":-2\r\n");
        }
        s.put("k", "v");
        for c in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
            assert_eq!(s.run(&format!("{c} k")), ":-1\r\n");
        }
        assert_eq!(s.run("PERSIST k"), ":0\r\n");
        assert_eq!(s.run("PERSIST nope"), ":0\r\n");
        assert_eq!(s.run("PEXPIRE k 2500"), ":1\r\n");
        assert_eq!(s.run("TTL k"), ":3\r\n");
        assert_eq!(s.run("PERSIST k"), ":1\r\n");
        assert_eq!(s.run("TTL k"), ":-1\r\n");
        assert_eq!(s.ks.dbs[0].volatile_len(), 0);
        assert_eq!(s.ks.dirty, 2);
    }

    #[test]
    fn keys_matches_and_skips_expired() {
        let mut s = Shard::new();
        for k in ["hello", "hallo", "hxllo", "world"] {
            s.put(k, "v");
        }
        s.put_in(0, "hillo", "v", T0 - 1);
        s.put_in(1, "other", "v", 0);
        assert_eq!(
            sorted_bulks(&s.run("KEYS *")),
            ["hallo", "hello", "hxllo", "world"]
        );
        assert_eq!(sorted_bulks(&s.run("KEYS h[ae]llo")), ["hallo", "hello"]);
        assert_eq!(
            sorted_bulks(&s.run("KEYS h?llo")),
            ["hallo", "hello", "hxllo"]
        );
        assert_eq!(s.run("KEYS nothing*"), "*0\r\n");
        s.db = 1;
        assert_eq!(s.run("KEYS *"), "*1\r\n$5\r\nother\r\n");
    }

    /// Runs SCAN to the end with `opts`, returning every key seen (sorted, deduplicated).
    fn scan_all(s: &mut Shard, opts: &str) -> Vec<String> {
        let mut cursor = "0".to_string();
        let mut seen = Vec::new();
        for _ in 0..10_000 {
            let r = s.run(&format!("SCAN {cursor} {opts}"));
            let items = crate::protocol::scan::array_items(r.as_bytes()).expect("array");
            assert_eq!(items.len(), 2);
            cursor = String::from_utf8_lossy(items[0])
                .split("\r\n")
                .nth(1)
                .unwrap()
                .to_string();
            seen.extend(sorted_bulks(&String::from_utf8_lossy(items[1])));
            if cursor == "0" {
                seen.sort();
                seen.dedup();
                return seen;
            }
        }
        panic!("SCAN never finished");
    }

    #[test]
    fn scan_walks_every_key() {
        let mut s = Shard::new();
        for i in 0..500 {
            s.put(&format!("key:{i}"), "v");
        }
        s.put("other", "v");
        let all = scan_all(&mut s, "");
        assert_eq!(all.len(), 501);
        assert_eq!(scan_all(&mut s, "COUNT 7").len(), 501);
        assert_eq!(scan_all(&mut s, "MATCH * COUNT 1000").len(), 501);
        assert_eq!(scan_all(&mut s, "match key:1?").len(), 10);
        assert_eq!(scan_all(&mut s, "MATCH oth* count 3"), ["other"]);
        assert_eq!(scan_all(&mut s, "TYPE string").len(), 501);
        assert_eq!(scan_all(&mut s, "TYPE STRING MATCH other"), ["other"]);
        assert!(scan_all(&mut s, "TYPE hash").is_empty());
        // One call with a large COUNT sees everything and ends.
        let r = s.run("SCAN 0 COUNT 10000");
        assert!(r.starts_with("*2\r\n$1\r\n0\r\n*501\r\n"), "{r}");
    }

    #[test]
    fn scan_removes_expired_keys_it_meets() {
        let mut s = Shard::new();
        s.put("live", "v");
        s.put_in(0, "dead", "v", T0 - 1);
        assert_eq!(s.run("SCAN 0"), "*2\r\n$1\r\n0\r\n*1\r\n$4\r\nlive\r\n");
        assert_eq!(s.ks.dbs[0].len(), 1);
        assert_eq!(s.ks.dbs[0].expired_keys, 1);
    }

    #[test]
    fn scan_errors_and_cursors() {
        let mut s = Shard::new();
        s.put("k", "v");
        assert_eq!(s.run("SCAN abc"), err("ERR invalid cursor"));
        assert_eq!(
            s.run("SCAN 18446744073709551616"),
            err("ERR invalid cursor")
        );
        assert_eq!(s.run("SCAN \" 0\""), err("ERR invalid cursor"));
        assert_eq!(s.run("SCAN 0x"), err("ERR invalid cursor"));
        assert_eq!(s.run("SCAN +"), err("ERR invalid cursor"));
        assert_eq!(s.run("SCAN 0 COUNT 0"), err("ERR syntax error"));
        assert_eq!(s.run("SCAN 0 COUNT -1"), err("ERR syntax error"));
        assert_eq!(s.run("SCAN 0 COUNT x"), err(errors::NOT_INTEGER));
        assert_eq!(s.run("SCAN 0 MATCH"), err("ERR syntax error"));
        assert_eq!(s.run("SCAN 0 FOO bar"), err("ERR syntax error"));
        // strtoul's forms: an empty cursor, a sign.
        for c in ["\"\"", "+0", "0"] {
            assert_eq!(
                s.run(&format!("SCAN {c}")),
                "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n"
            );
        }
        assert!(s.run("SCAN -1").starts_with("*2\r\n"));
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
    }

    #[test]
    fn randomkey_picks_live_keys() {
        let mut s = Shard::new();
        assert_eq!(s.run("RANDOMKEY"), "$-1\r\n");
        s.put_in(0, "dead1", "v", T0 - 1);
        s.put_in(0, "dead2", "v", T0 - 1);
        assert_eq!(s.run("RANDOMKEY"), "$-1\r\n");
        assert_eq!(s.ks.dbs[0].len(), 0);
        s.put("only", "v");
        assert_eq!(s.run("RANDOMKEY"), bulk("only"));
        for i in 0..50 {
            s.put(&format!("k{i}"), "v");
        }
        for r in 0..20 {
            s.rand = r * 7919;
            let got = s.run("RANDOMKEY");
            assert!(got.starts_with('$') && !got.starts_with("$-1"), "{got}");
        }
    }

    #[test]
    fn dbsize_flushdb_flushall() {
        let mut s = Shard::new();
        assert_eq!(s.run("DBSIZE"), ":0\r\n");
        s.put("a", "1");
        s.put("b", "1");
        s.put_in(2, "c", "1", 0);
        assert_eq!(s.run("DBSIZE"), ":2\r\n");
        assert_eq!(s.run("FLUSHDB x"), err("ERR syntax error"));
        assert_eq!(s.run("FLUSHDB sync x"), err("ERR syntax error"));
        assert_eq!(s.run("FLUSHALL foo"), err("ERR syntax error"));
        assert_eq!(s.run("FLUSHDB ASYNC"), "+OK\r\n");
        assert_eq!(s.run("DBSIZE"), ":0\r\n");
        assert_eq!(s.ks.dbs[2].len(), 1);
        s.put("a", "1");
        assert_eq!(s.run("FLUSHDB"), "+OK\r\n");
        assert_eq!(s.run("FLUSHALL sync"), "+OK\r\n");
        assert_eq!(s.ks.dbs[2].len(), 0);
        s.put("a", "1");
        assert_eq!(s.run("FLUSHALL"), "+OK\r\n");
        assert_eq!(s.run("FLUSHALL async"), "+OK\r\n");
        assert!(s.ks.dbs.iter().all(|d| d.is_empty()));
    }

    #[test]
    fn swapdb_swaps_contents() {
        let mut s = Shard::new();
        s.put_in(0, "zero", "0", T0 + 1000);
        s.put_in(1, "one", "1", 0);
        assert_eq!(s.run("SWAPDB x 1"), err("ERR invalid first DB index"));
        assert_eq!(s.run("SWAPDB 0 x"), err("ERR invalid second DB index"));
        assert_eq!(
            s.run("SWAPDB 99999999999 1"),
            err("ERR invalid first DB index")
        );
        assert_eq!(
            s.run("SWAPDB 0 -99999999999"),
            err("ERR invalid second DB index")
        );
        assert_eq!(s.run("SWAPDB 0 16"), err("ERR DB index is out of range"));
        assert_eq!(s.run("SWAPDB -1 0"), err("ERR DB index is out of range"));
        assert_eq!(s.run("SWAPDB 0 0"), "+OK\r\n");
        assert_eq!(s.run("SWAPDB 1 0"), "+OK\r\n");
        assert_eq!(s.run("KEYS *"), "*1\r\n$3\r\none\r\n");
        assert_eq!(s.ks.dbs[1].volatile_len(), 1);
        assert_eq!(s.ks.dbs[0].volatile_len(), 0);
        s.db = 1;
        assert_eq!(s.run("PTTL zero"), ":1000\r\n");
    }

    #[test]
    fn object_subcommands() {
        let mut s = Shard::new();
        s.put("int", "100");
        s.put("big", "123456");
        s.put("emb", "hello");
        s.put("raw", &"x".repeat(45));
        assert_eq!(s.run("OBJECT ENCODING int"), bulk("int"));
        assert_eq!(s.run("object encoding emb"), bulk("embstr"));
        assert_eq!(s.run("OBJECT ENCODING raw"), bulk("raw"));
        assert_eq!(s.run("OBJECT ENCODING nope"), "$-1\r\n");
        assert_eq!(s.run("OBJECT REFCOUNT int"), ":2147483647\r\n");
        assert_eq!(s.run("OBJECT REFCOUNT big"), ":1\r\n");
        assert_eq!(s.run("OBJECT REFCOUNT emb"), ":1\r\n");
        assert_eq!(s.run("OBJECT REFCOUNT nope"), "$-1\r\n");
        s.ks.dbs[0].set_entry(
            b"seen",
            Entry {
                value: Value::string(b"v"),
                expire_at: 0,
                access: lru_clock(T0),
            },
        );
        s.now = T0 + 42_500;
        assert_eq!(s.run("OBJECT IDLETIME seen"), ":42\r\n");
        assert_eq!(s.run("OBJECT IDLETIME nope"), "$-1\r\n");
        assert_eq!(s.run("OBJECT FREQ seen"), err(errors::LFU_NOT_SELECTED));
        assert_eq!(s.run("OBJECT FREQ nope"), "$-1\r\n");
        s.config.apply("maxmemory-policy", "allkeys-lfu").unwrap();
        assert_eq!(s.run("OBJECT IDLETIME seen"), err(errors::LFU_SELECTED));
        assert_eq!(s.run("OBJECT FREQ seen"), ":5\r\n");
        s.now = T0 + 120_000;
        assert_eq!(s.run("OBJECT FREQ seen"), ":3\r\n");
        s.config.apply("maxmemory", "100mb").unwrap();
        assert_eq!(s.run("OBJECT REFCOUNT int"), ":1\r\n");
    }

    #[test]
    fn object_help_and_errors() {
        let mut s = Shard::new();
        let help = s.run("OBJECT HELP");
        assert!(
            help.starts_with(
                "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
            ),
            "{help}"
        );
        assert!(help.ends_with("+HELP\r\n+    Prints this help.\r\n"));
        assert_eq!(
            s.run("OBJECT help x"),
            err("ERR wrong number of arguments for 'object|help' command")
        );
        assert_eq!(
            s.run("OBJECT ENCODING"),
            err("ERR wrong number of arguments for 'object|encoding' command")
        );
        assert_eq!(
            s.run("OBJECT Freq a b"),
            err("ERR wrong number of arguments for 'object|freq' command")
        );
        assert_eq!(
            s.run("OBJECT idletime"),
            err("ERR wrong number of arguments for 'object|idletime' command")
        );
        assert_eq!(
            s.run("OBJECT REFCOUNT"),
            err("ERR wrong number of arguments for 'object|refcount' command")
        );
        assert_eq!(
            s.run("OBJECT foo"),
            err("ERR unknown subcommand 'foo'. Try OBJECT HELP.")
        );
        assert_eq!(
            s.run("OBJECT"),
            err("ERR wrong number of arguments for 'object' command")
        );
    }

    /// Redis 7.0.15's DUMP of the string "12345".
    const DUMP_12345: &[u8] = b"\x00\xc1\x39\x30\x0a\x00\x9d\x94\xea\x27\x93\xfc\x08\xb9";

    #[test]
    fn dump_and_restore() {
        let mut s = Shard::new();
        assert_eq!(s.run("DUMP nope"), "$-1\r\n");
        s.put("n", "12345");
        let mut expected = format!("${}\r\n", DUMP_12345.len()).into_bytes();
        expected.extend_from_slice(DUMP_12345);
        expected.extend_from_slice(b"\r\n");
        assert_eq!(s.call(&[b"DUMP", b"n"]), expected);

        assert_eq!(
            s.call(&[b"RESTORE", b"n", b"0", DUMP_12345]),
            err(errors::BUSYKEY).into_bytes()
        );
        assert_eq!(s.call(&[b"RESTORE", b"m", b"0", DUMP_12345]), b"+OK\r\n");
        assert_eq!(s.get("m").as_deref(), Some(&b"12345"[..]));
        assert_eq!(s.run("OBJECT ENCODING m"), bulk("int"));
        assert_eq!(s.run("TTL m"), ":-1\r\n");
        assert_eq!(
            s.call(&[b"RESTORE", b"m", b"5000", DUMP_12345, b"REPLACE"]),
            b"+OK\r\n"
        );
        assert_eq!(s.run("PTTL m"), ":5000\r\n");
        let at = (T0 + 7000).to_string();
        assert_eq!(
            s.call(&[b"RESTORE", b"a", at.as_bytes(), DUMP_12345, b"ABSTTL"]),
            b"+OK\r\n"
        );
        assert_eq!(s.run("PTTL a"), ":7000\r\n");
        // A past absolute TTL creates nothing; with REPLACE it still deletes the old key.
        assert_eq!(
            s.call(&[b"RESTORE", b"p", b"1000", DUMP_12345, b"absttl"]),
            b"+OK\r\n"
        );
        assert_eq!(s.run("EXISTS p"), ":0\r\n");
        assert_eq!(
            s.call(&[b"RESTORE", b"a", b"1000", DUMP_12345, b"ABSTTL", b"REPLACE"]),
            b"+OK\r\n"
        );
        assert_eq!(s.run("EXISTS a"), ":0\r\n");
        // A relative TTL that overflows lands in the past, as in Redis.
        assert_eq!(
            s.call(&[b"RESTORE", b"o", b"9223372036854775807", DUMP_12345]),
            b"+OK\r\n"
        );
        assert_eq!(s.run("EXISTS o"), ":0\r\n");
        assert_eq!(s.ks.dirty, 4);
    }

    #[test]
    fn restored_strings_get_redis_encodings() {
        let mut s = Shard::new();
        // Redis 7.0.15's DUMP of 'a' x 30 (LZF-compressed); it restores as embstr there.
        let a30 = b"\x00\xc3\x09\x1e\x01\x61\x61\xe0\x11\x00\x01\x61\x61\x0a\x00\x45\x73\x7c\xbb\x2b\x64\x7b\xbb";
        assert_eq!(s.call(&[b"RESTORE", b"a", b"0", a30]), b"+OK\r\n");
        assert_eq!(s.get("a"), Some(vec![b'a'; 30]));
        assert_eq!(s.run("OBJECT ENCODING a"), bulk("embstr"));
        s.put("x", &"x".repeat(45));
        let dumped = s.call(&[b"DUMP", b"x"]);
        let start = dumped.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
        let payload = dumped[start..dumped.len() - 2].to_vec();
        assert_eq!(s.call(&[b"RESTORE", b"y", b"0", &payload]), b"+OK\r\n");
        assert_eq!(s.run("OBJECT ENCODING y"), bulk("raw"));
        assert_eq!(s.get("y"), Some(vec![b'x'; 45]));
    }

    #[test]
    fn restore_options_and_errors() {
        let mut s = Shard::new();
        s.put("k", "v");
        let p = DUMP_12345;
        assert_eq!(
            s.call(&[b"RESTORE", b"i", b"0", p, b"IDLETIME", b"100"]),
            b"+OK\r\n"
        );
        assert_eq!(s.run("OBJECT IDLETIME i"), ":100\r\n");
        assert_eq!(
            s.call(&[b"RESTORE", b"f", b"0", p, b"FREQ", b"100"]),
            b"+OK\r\n"
        );
        assert_eq!(
            s.call(&[b"RESTORE", b"f", b"0", p, b"REPLACE", b"REPLACE", b"ABSTTL"]),
            b"+OK\r\n"
        );
        let e = |m: &str| err(m).into_bytes();
        assert_eq!(
            s.call(&[b"RESTORE", b"x", b"-1", p]),
            e(errors::INVALID_TTL)
        );
        assert_eq!(
            s.call(&[b"RESTORE", b"x", b"abc", p]),
            e(errors::NOT_INTEGER)
        );
        assert_eq!(
            s.call(&[b"RESTORE", b"x", b"0", b"garbage"]),
            e(errors::BAD_DUMP_PAYLOAD)
        );
        // The key check comes first, then the TTL, then the payload.
        assert_eq!(
            s.call(&[b"RESTORE", b"k", b"-1", b"garbage"]),
            e(errors::BUSYKEY)
        );
        assert_eq!(
            s.call(&[b"RESTORE", b"x", b"-1", b"garbage"]),
            e(errors::INVALID_TTL)
        );
        assert_eq!(
            s.call(&[b"RESTORE", b"x", b"0", p, b"IDLETIME", b"-1"]),
            e(errors::INVALID_IDLETIME)
        );
        assert_eq!(
            s.call(&[b"RESTORE", b"x", b"0", p, b"IDLETIME", b"x"]),
            e(errors::NOT_INTEGER)
        );
        assert_eq!(
            s.call(&[b"RESTORE", b"x", b"0", p, b"FREQ", b"256"]),
            e(errors::INVALID_FREQ)
        );
        assert_eq!(
            s.call(&[b"RESTORE", b"x", b"0", p, b"FREQ", b"-1"]),
            e(errors::INVALID_FREQ)
        );
        assert_eq!(
            s.call(&[b"RESTORE", b"x", b"0", p, b"FREQ", b"x"]),
            e(errors::NOT_INTEGER)
        );
        assert_eq!(
            s.call(&[b"RESTORE", b"x", b"0", p, b"IDLETIME", b"1", b"FREQ", b"2"]),
            e(errors::SYNTAX)
        );
        assert_eq!(
            s.call(&[b"RESTORE", b"x", b"0", p, b"IDLETIME"]),
            e(errors::SYNTAX)
        );
        assert_eq!(
            s.call(&[b"RESTORE", b"x", b"0", p, b"foo"]),
            e(errors::SYNTAX)
        );
        // Right checksum, unknown object type.
        let mut bad = vec![0x05u8, 0x01, b'a', 0x0a, 0x00];
        let crc = crate::keyspace::dump::crc64(0, &bad);
        bad.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(
            s.call(&[b"RESTORE", b"x", b"0", &bad]),
            e(errors::BAD_DATA_FORMAT)
        );
        assert_eq!(s.run("EXISTS x"), ":0\r\n");
        assert_eq!(
            s.run("RESTORE x 0"),
            err("ERR wrong number of arguments for 'restore' command")
        );
    }

    #[test]
    fn internal_dump_and_take_carry_the_expiry() {
        let mut a = Shard::new();
        let mut b = Shard::new();
        for name in ["__dumpttl", "__takettl"] {
            assert!(lookup(name.as_bytes()).unwrap().has(INTERNAL));
        }
        assert_eq!(a.run("__DUMPTTL nope"), "*-1\r\n");
        assert_eq!(a.run("__takettl nope"), "*-1\r\n");
        a.put("plain", "12345");
        let mut expected = format!("*2\r\n${}\r\n", DUMP_12345.len()).into_bytes();
        expected.extend_from_slice(DUMP_12345);
        expected.extend_from_slice(b"\r\n:0\r\n");
        assert_eq!(a.call(&[b"__dumpttl", b"plain"]), expected);
        assert_eq!(a.run("EXISTS plain"), ":1\r\n");

        a.put_in(0, "src", &"payload ".repeat(20), T0 + 9000);
        let taken = a.call(&[b"__takettl", b"src"]);
        assert_eq!(a.run("EXISTS src"), ":0\r\n");
        assert_eq!(a.ks.dirty, 1);
        // The coordinator recreates it on the target's shard with RESTORE ... ABSTTL.
        let items = crate::protocol::scan::array_items(&taken).unwrap();
        let payload_reply = items[0];
        let header_end = payload_reply.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
        let payload = &payload_reply[header_end..payload_reply.len() - 2];
        let at = crate::protocol::scan::reply_int(items[1]).unwrap();
        assert_eq!(at as u64, T0 + 9000);
        let at = at.to_string();
        assert_eq!(
            b.call(&[
                b"RESTORE",
                b"dst",
                at.as_bytes(),
                payload,
                b"ABSTTL",
                b"REPLACE"
            ]),
            b"+OK\r\n"
        );
        assert_eq!(b.get("dst"), Some("payload ".repeat(20).into_bytes()));
        assert_eq!(b.run("PTTL dst"), ":9000\r\n");
    }
}
