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
use crate::keyspace::dump::{dump_value, restore_value_for};
use crate::keyspace::evict::{lfu_counter, lfu_minutes, lfu_new};
use crate::keyspace::{glob_match, Entry, Value};
use crate::protocol::args::{parse_cursor, parse_int};
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
    cmd("__markraw", 2, WRITE | INTERNAL, keys(1, 1, 1), Span::Single, Run::Shard(markraw), "generic", "Internal: the string at key reports the raw encoding, as the one it was moved from did."),
];

/// The shard's LRU clock in seconds, what [`Entry::access`] holds (OBJECT IDLETIME).
fn lru_clock(now_ms: u64) -> u32 {
    (now_ms / 1000) as u32
}

/// True under `allkeys-lfu` or `volatile-lfu`: access frequency replaces idle time.
fn lfu_policy(config: &Config) -> bool {
    config.maxmemory_policy.is_lfu()
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
        freq: lfu_new(lru_clock(now)),
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
/// Recorded as Redis 7.0 propagates it: `PEXPIREAT key ms [flags]` at the absolute time, or
/// `DEL key` when it deleted the key.
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
        ctx.propagate(&[b"DEL", args.get(1)]);
    } else {
        ctx.db().set_expire(args.get(1), when as u64, now);
        if ctx.propagating() {
            // As Redis: the time made absolute, the condition flags kept.
            let mut buf = itoa::Buffer::new();
            let mut parts: Vec<&[u8]> = (0..args.len()).map(|i| args.get(i)).collect();
            parts[0] = b"PEXPIREAT";
            parts[2] = buf.format(when).as_bytes();
            ctx.propagate(&parts);
        }
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
        .filter(|s| !s.value().is_expired(now) && (all || glob_match(pattern, s.key(), false)))
        .map(|s| s.key())
        .collect();
    reply.bulks(found.into_iter());
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
        if pattern.is_some_and(|p| !glob_match(p, slot.key(), false)) {
            return;
        }
        if slot.value().is_expired(now) {
            expired.push(slot.key().into());
        } else if type_name
            .is_none_or(|t| t.eq_ignore_ascii_case(slot.value().value.type_name().as_bytes()))
        {
            found.push(slot.key().into());
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
        reply.help(OBJECT_HELP);
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
            let decay = config.tracking().decay_time;
            reply.int(lfu_counter(entry.freq, lru_clock(now), decay) as i64)
        }
    }
}

/// OBJECT REFCOUNT: Redis shares the integers 0..10000 (reported as `INT_MAX` references)
/// unless an LRU or LFU eviction policy with a memory limit forbids sharing.
fn refcount(config: &Config, value: &crate::keyspace::Value) -> i64 {
    let policy = config.maxmemory_policy;
    let sharing = config.maxmemory == 0 || !(policy.is_lru() || policy.is_lfu());
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
/// creates nothing (and REPLACE still deletes the old key: recorded as `DEL key`). A relative
/// TTL is recorded as the absolute time with ABSTTL, as Redis 7.0 propagates it.
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
    let value = match restore_value_for(args.get(3), ctx.config) {
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
            ctx.propagate(&[b"DEL", key]);
        }
        return reply.ok();
    }
    let clock = lru_clock(now);
    let freq = match freq {
        Some(f) if lfu_policy(ctx.config) => (lfu_minutes(clock) << 8) | f as u32,
        _ => lfu_new(clock),
    };
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
            freq,
        },
    );
    ctx.ks.dirty += 1;
    if ttl != 0 && !absttl && ctx.propagating() {
        let mut buf = itoa::Buffer::new();
        let mut parts: Vec<&[u8]> = (0..args.len()).map(|i| args.get(i)).collect();
        parts[2] = buf.format(expire_at).as_bytes();
        parts.push(b"ABSTTL");
        ctx.propagate(&parts);
    }
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

/// `__takettl key`: as `__dumpttl`, and the key is deleted (recorded as `DEL key`, a command
/// any Redis reads).
fn takettl(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let now = ctx.now_ms;
    match ctx.db().remove(args.get(1), now) {
        Some(e) => {
            ctx.ks.dirty += 1;
            ctx.propagate(&[b"DEL", args.get(1)]);
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
    reply.array(3);
    reply.bulk(&dump_value(&entry.value));
    reply.int(i64::try_from(entry.expire_at).unwrap_or(i64::MAX));
    // RESTORE makes a short string `embstr`; the mover marks it `raw` again when it was.
    reply.int(i64::from(entry.value.encoding() == "raw"));
}

/// `__markraw key`: a string moved from another shard reports `raw` as it did there (Redis
/// moves the object itself). The data is unchanged: nothing to record.
fn markraw(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let now = ctx.now_ms;
    if let Some(Value::Str(bytes)) = ctx.db().get_mut(args.get(1), now).map(|e| &mut e.value) {
        bytes.edit(crate::keyspace::value::mark_raw);
    }
    ctx.ks.effects.suppress();
    reply.ok();
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
