//! The string family: GET, SET and their relatives, as Redis 7.0's `t_string.c`.
//!
//! Every handler runs on the shard that owns its key(s) and writes exactly one reply. Reads go
//! through [`lookup_read`] (which counts keyspace hits and misses as Redis's `lookupKeyRead`);
//! writes reach the table through `Db::set`/`Db::get_mut`, so watchers of a key are told only
//! when the key really changes.

use super::flags::*;
use super::{cmd, keys, Command, Ctx, Run, Span};
use crate::errors;
use crate::keyspace::{Bytes, Value};
use crate::long_double::{string2ld, LongDouble};
use crate::protocol::args::parse_int;
use crate::protocol::{Args, Reply};

/// The string commands.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("get", 2, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(get), "string", "Get the value of a key"),
    cmd("set", -3, WRITE | DENYOOM, keys(1, 1, 1), Span::Single, Run::Shard(set), "string", "Set the string value of a key"),
    cmd("setnx", 3, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(setnx), "string", "Set the value of a key, only if the key does not exist"),
    cmd("setex", 4, WRITE | DENYOOM, keys(1, 1, 1), Span::Single, Run::Shard(setex), "string", "Set the value and expiration of a key"),
    cmd("psetex", 4, WRITE | DENYOOM, keys(1, 1, 1), Span::Single, Run::Shard(psetex), "string", "Set the value and expiration in milliseconds of a key"),
    cmd("mget", -2, READONLY | FAST, keys(1, -1, 1), Span::Gather, Run::Shard(mget), "string", "Get the values of all the given keys"),
    cmd("mset", -3, WRITE | DENYOOM, keys(1, -1, 2), Span::Pairs, Run::Shard(mset), "string", "Set multiple keys to multiple values"),
    cmd("msetnx", -3, WRITE | DENYOOM, keys(1, -1, 2), Span::PairsIfNoneExist, Run::Shard(msetnx), "string", "Set multiple keys to multiple values, only if none of the keys exist"),
    cmd("getset", 3, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(getset), "string", "Set the string value of a key and return its old value"),
    cmd("getdel", 2, WRITE | FAST, keys(1, 1, 1), Span::Single, Run::Shard(getdel), "string", "Get the value of a key and delete the key"),
    cmd("getex", -2, WRITE | FAST, keys(1, 1, 1), Span::Single, Run::Shard(getex), "string", "Get the value of a key and optionally set its expiration"),
    cmd("append", 3, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(append), "string", "Append a value to a key"),
    cmd("strlen", 2, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(strlen), "string", "Get the length of the value stored in a key"),
    cmd("incr", 2, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(incr), "string", "Increment the integer value of a key by one"),
    cmd("decr", 2, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(decr), "string", "Decrement the integer value of a key by one"),
    cmd("incrby", 3, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(incrby), "string", "Increment the integer value of a key by the given amount"),
    cmd("decrby", 3, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(decrby), "string", "Decrement the integer value of a key by the given number"),
    cmd("incrbyfloat", 3, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(incrbyfloat), "string", "Increment the float value of a key by the given amount"),
    cmd("getrange", 4, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(getrange), "string", "Get a substring of the string stored at a key"),
    cmd("setrange", 4, WRITE | DENYOOM, keys(1, 1, 1), Span::Single, Run::Shard(setrange), "string", "Overwrite part of a string at key starting at the specified offset"),
    cmd("substr", 4, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(getrange), "string", "Get a substring of the string stored at a key"),
    cmd("lcs", -3, READONLY, keys(1, 2, 1), Span::Single, Run::Shard(lcs), "string", "Find longest common substring"),
];

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// What a read of a string key found.
enum Found {
    /// No such key.
    Missing,
    /// The key holds something other than a string.
    WrongType,
    /// The key holds a string.
    Str,
}

/// Redis's `getGenericCommand`: replies the string at `key`, a null when absent, or WRONGTYPE.
/// GET, GETSET, GETDEL and SET ... GET all start with it.
fn reply_string(ctx: &mut Ctx<'_>, key: &[u8], reply: &mut Reply<'_>) -> Found {
    let Some(e) = ctx.lookup_read(key) else {
        reply.null();
        return Found::Missing;
    };
    let mut buf = itoa::Buffer::new();
    match e.value.as_bytes(&mut buf) {
        Some(b) => {
            reply.bulk(b);
            Found::Str
        }
        None => {
            reply.error(errors::WRONGTYPE);
            Found::WrongType
        }
    }
}

/// Which expiry option a SET or GETEX call gave.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExpireKind {
    /// `EX seconds`: relative seconds.
    Ex,
    /// `PX milliseconds`: relative milliseconds.
    Px,
    /// `EXAT unix-seconds`: absolute seconds.
    ExAt,
    /// `PXAT unix-milliseconds`: absolute milliseconds.
    PxAt,
}

impl ExpireKind {
    fn in_seconds(self) -> bool {
        matches!(self, ExpireKind::Ex | ExpireKind::ExAt)
    }

    fn is_relative(self) -> bool {
        matches!(self, ExpireKind::Ex | ExpireKind::Px)
    }
}

/// Options of SET (`NX XX GET KEEPTTL` and the expiries) or GETEX (the expiries and `PERSIST`).
#[derive(Default)]
struct StringOpts {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    /// The expiry option and the index of its argument.
    expire: Option<(ExpireKind, usize)>,
}

/// Redis's `parseExtendedStringArgumentsOrReply`: reads the options from argument `from` on,
/// for SET (`is_set`) or GETEX. The same option twice is accepted (the last expiry wins);
/// options that contradict each other, or one that the command does not know, are a syntax
/// error.
fn parse_string_opts(
    args: &Args<'_>,
    from: usize,
    is_set: bool,
) -> Result<StringOpts, &'static str> {
    let mut o = StringOpts::default();
    let mut j = from;
    while j < args.len() {
        let opt = args.get(j);
        let has_next = j + 1 < args.len();
        // Another expiry than `kind` was already given.
        let other_expire = |kind: ExpireKind| o.expire.is_some_and(|(k, _)| k != kind);
        let word = |w: &str| opt.eq_ignore_ascii_case(w.as_bytes());
        let kind = if word("ex") {
            Some(ExpireKind::Ex)
        } else if word("px") {
            Some(ExpireKind::Px)
        } else if word("exat") {
            Some(ExpireKind::ExAt)
        } else if word("pxat") {
            Some(ExpireKind::PxAt)
        } else {
            None
        };
        if let Some(kind) = kind {
            if o.keepttl || o.persist || other_expire(kind) || !has_next {
                return Err(errors::SYNTAX);
            }
            o.expire = Some((kind, j + 1));
            j += 2;
            continue;
        }
        if is_set && word("nx") && !o.xx {
            o.nx = true;
        } else if is_set && word("xx") && !o.nx {
            o.xx = true;
        } else if is_set && word("get") {
            o.get = true;
        } else if is_set && word("keepttl") && o.expire.is_none() {
            o.keepttl = true;
        } else if !is_set && word("persist") && o.expire.is_none() {
            o.persist = true;
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    Ok(o)
}

/// Redis's `getExpireMillisecondsOrReply`: the absolute expiry in Unix milliseconds that `arg`
/// gives for `kind`. Not an integer: "not an integer"; not positive, or overflowing once turned
/// into milliseconds or made absolute: `invalid` (the command's "invalid expire time").
fn expire_at_ms(
    arg: &[u8],
    kind: ExpireKind,
    now_ms: u64,
    invalid: &'static str,
) -> Result<u64, &'static str> {
    let n = parse_int(arg)?;
    if n <= 0 || (kind.in_seconds() && n > i64::MAX / 1000) {
        return Err(invalid);
    }
    let mut ms = if kind.in_seconds() { n * 1000 } else { n };
    if kind.is_relative() {
        ms = ms
            .checked_add(i64::try_from(now_ms).map_err(|_| invalid)?)
            .ok_or(invalid)?;
    }
    Ok(ms as u64)
}

/// Redis's `setGenericCommand`, the body of SET, SETNX, SETEX and PSETEX once the options are
/// read and the expiry (`expire_at`, 0 for none) is known. `int_replies` answers `:1`/`:0` as
/// SETNX does instead of `+OK`/null. True when the key was set; one set with an expiry is
/// recorded as `SET key value PXAT ms`, the absolute time, as Redis 7.0 propagates it.
fn set_generic(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    val: &[u8],
    opts: &StringOpts,
    expire_at: u64,
    int_replies: bool,
    reply: &mut Reply<'_>,
) -> bool {
    let now = ctx.now_ms;
    let found = if opts.get {
        match reply_string(ctx, key, reply) {
            Found::WrongType => return false,
            Found::Missing => false,
            Found::Str => true,
        }
    } else if opts.nx || opts.xx {
        ctx.db().contains(key, now)
    } else {
        false
    };
    if (opts.nx && found) || (opts.xx && !found) {
        if !opts.get {
            if int_replies {
                reply.int(0);
            } else {
                reply.null();
            }
        }
        return false;
    }
    let value = Value::string(val);
    if opts.keepttl {
        ctx.db().set_keep_ttl(key, value, now);
    } else {
        ctx.db().set(key, value, expire_at);
    }
    ctx.ks.dirty += 1;
    if expire_at != 0 && ctx.propagating() {
        let mut buf = itoa::Buffer::new();
        ctx.propagate(&[b"SET", key, val, b"PXAT", buf.format(expire_at).as_bytes()]);
    }
    if !opts.get {
        if int_replies {
            reply.int(1);
        } else {
            reply.ok();
        }
    }
    true
}

/// A new string of `len` zero bytes with spare room, so OBJECT ENCODING says `raw` as Redis
/// does for strings built by SETRANGE and APPEND.
fn zeroed_raw(len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len + 1);
    v.resize(len, 0);
    v
}

/// Changes a string value in place through `edit` (an `int`-encoded one becomes bytes first);
/// None when the value is not a string.
fn edit_string<R>(value: &mut Value, edit: impl FnOnce(&mut Vec<u8>) -> R) -> Option<R> {
    if let Value::Int(n) = *value {
        let mut buf = itoa::Buffer::new();
        let digits = buf.format(n).as_bytes();
        let mut v = Vec::with_capacity(digits.len() + 1);
        v.extend_from_slice(digits);
        *value = Value::Str(Bytes::from_vec(v));
    }
    match value {
        Value::Str(b) => Some(b.edit(edit)),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// GET, SET and friends
// ---------------------------------------------------------------------------------------------

/// GET key
fn get(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    reply_string(ctx, args.get(1), reply);
}

/// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]. SETEX and
/// PSETEX are recorded as SET with PXAT too.
fn set(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let opts = match parse_string_opts(args, 3, true) {
        Ok(o) => o,
        Err(e) => return reply.error(e),
    };
    let mut expire_at = 0;
    if let Some((kind, i)) = opts.expire {
        match expire_at_ms(args.get(i), kind, ctx.now_ms, errors::INVALID_EXPIRE) {
            Ok(at) => expire_at = at,
            Err(e) => return reply.error(e),
        }
    }
    let done = set_generic(
        ctx,
        args.get(1),
        args.get(2),
        &opts,
        expire_at,
        false,
        reply,
    );
    // Without an expiry (rewritten above), Redis 7.0 propagates SET without its GET options.
    if done && opts.get && expire_at == 0 && ctx.propagating() {
        let kept: Vec<&[u8]> = (0..args.len())
            .filter(|&i| i < 3 || !args.is(i, "get"))
            .map(|i| args.get(i))
            .collect();
        ctx.propagate(&kept);
    }
}

/// SETNX key value
fn setnx(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let opts = StringOpts {
        nx: true,
        ..StringOpts::default()
    };
    set_generic(ctx, args.get(1), args.get(2), &opts, 0, true, reply);
}

/// SETEX key seconds value
fn setex(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    set_with_expire(
        ctx,
        args,
        ExpireKind::Ex,
        errors::INVALID_EXPIRE_SETEX,
        reply,
    );
}

/// PSETEX key milliseconds value
fn psetex(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    set_with_expire(
        ctx,
        args,
        ExpireKind::Px,
        errors::INVALID_EXPIRE_PSETEX,
        reply,
    );
}

fn set_with_expire(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    kind: ExpireKind,
    invalid: &'static str,
    reply: &mut Reply<'_>,
) {
    match expire_at_ms(args.get(2), kind, ctx.now_ms, invalid) {
        Ok(at) => {
            set_generic(
                ctx,
                args.get(1),
                args.get(3),
                &StringOpts::default(),
                at,
                false,
                reply,
            );
        }
        Err(e) => reply.error(e),
    }
}

/// MGET key [key ...]: an array with each key's string, null for absent keys and other types.
/// Across shards each shard answers for its own keys (`Span::Gather`).
fn mget(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    reply.array(args.len() - 1);
    for i in 1..args.len() {
        let mut buf = itoa::Buffer::new();
        let bytes = ctx
            .lookup_read(args.get(i))
            .and_then(|e| e.value.as_bytes(&mut buf));
        reply.bulk_or_null(bytes);
    }
}

/// MSET key value [key value ...]. Across shards each shard sets its own pairs (`Span::Pairs`).
fn mset(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    if (args.len() - 1) % 2 == 1 {
        return reply.error(&errors::wrong_arity("mset"));
    }
    set_pairs(ctx, args);
    reply.ok();
}

/// MSETNX key value [key value ...]: sets every pair only when none of the keys exists. This
/// is the whole command when all keys share this shard; across shards the transaction layer
/// checks with EXISTS and sets with MSET (`Span::PairsIfNoneExist`).
fn msetnx(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    if (args.len() - 1) % 2 == 1 {
        return reply.error(&errors::wrong_arity("msetnx"));
    }
    let now = ctx.now_ms;
    if (1..args.len())
        .step_by(2)
        .any(|i| ctx.db().contains(args.get(i), now))
    {
        return reply.int(0);
    }
    set_pairs(ctx, args);
    reply.int(1);
}

fn set_pairs(ctx: &mut Ctx<'_>, args: &Args<'_>) {
    for i in (1..args.len()).step_by(2) {
        ctx.db().set(args.get(i), Value::string(args.get(i + 1)), 0);
    }
    ctx.ks.dirty += (args.len() as u64 - 1) / 2;
}

/// GETSET key value: the old string (or null); the key's time to live is dropped.
fn getset(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    if let Found::WrongType = reply_string(ctx, args.get(1), reply) {
        return;
    }
    ctx.db().set(args.get(1), Value::string(args.get(2)), 0);
    ctx.ks.dirty += 1;
}

/// GETDEL key
fn getdel(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    if let Found::Str = reply_string(ctx, args.get(1), reply) {
        let now = ctx.now_ms;
        if ctx.db().remove(args.get(1), now).is_some() {
            ctx.ks.dirty += 1;
        }
    }
}

/// GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST]. Recorded as Redis 7.0 propagates
/// it: `PEXPIREAT key ms`, `PERSIST key`, or `DEL key` when an absolute time already past
/// deleted the key.
fn getex(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let opts = match parse_string_opts(args, 2, false) {
        Ok(o) => o,
        Err(e) => return reply.error(e),
    };
    let key = args.get(1);
    let now = ctx.now_ms;
    // Redis looks the key up before it reads the expiry: a missing key answers null whatever
    // the expiry says.
    let had_ttl = match ctx.lookup_read(key) {
        None => return reply.null(),
        Some(e) if !e.value.is_string() => return reply.error(errors::WRONGTYPE),
        Some(e) => e.expire_at != 0,
    };
    let mut expire_at = 0;
    if let Some((kind, i)) = opts.expire {
        match expire_at_ms(args.get(i), kind, now, errors::INVALID_EXPIRE_GETEX) {
            Ok(at) => expire_at = at,
            Err(e) => return reply.error(e),
        }
    }
    {
        let mut buf = itoa::Buffer::new();
        let db = &ctx.ks.dbs[ctx.db];
        reply.bulk_or_null(db.peek(key, now).and_then(|e| e.value.as_bytes(&mut buf)));
    }
    match opts.expire {
        // An absolute time already past deletes the key.
        Some((kind, _)) if !kind.is_relative() && expire_at <= now => {
            ctx.db().remove(key, now);
            ctx.ks.dirty += 1;
            ctx.propagate(&[b"DEL", key]);
        }
        Some(_) => {
            ctx.db().set_expire(key, expire_at, now);
            ctx.ks.dirty += 1;
            if ctx.propagating() {
                let mut buf = itoa::Buffer::new();
                ctx.propagate(&[b"PEXPIREAT", key, buf.format(expire_at).as_bytes()]);
            }
        }
        None if opts.persist && had_ttl => {
            ctx.db().set_expire(key, 0, now);
            ctx.ks.dirty += 1;
            ctx.propagate(&[b"PERSIST", key]);
        }
        None => {}
    }
}

// ---------------------------------------------------------------------------------------------
// APPEND, STRLEN, GETRANGE, SETRANGE
// ---------------------------------------------------------------------------------------------

/// APPEND key value: the length after appending. The string grows in place.
fn append(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let (key, add) = (args.get(1), args.get(2));
    let now = ctx.now_ms;
    let old_len = match ctx.db().get(key, now) {
        None => {
            ctx.db().set(key, Value::string(add), 0);
            ctx.ks.dirty += 1;
            return reply.int(add.len() as i64);
        }
        Some(e) => {
            let mut buf = itoa::Buffer::new();
            match e.value.as_bytes(&mut buf) {
                Some(b) => b.len(),
                None => return reply.error(errors::WRONGTYPE),
            }
        }
    };
    if (old_len + add.len()) as u64 > ctx.config.proto_max_bulk_len {
        return reply.error(errors::STRING_TOO_LONG);
    }
    let Some(len) = ctx.db().get_mut(key, now).and_then(|e| {
        edit_string(&mut e.value, |bytes| {
            // Keep spare room as sds does: OBJECT ENCODING then says `raw`, as in Redis.
            bytes.reserve(add.len() + 1);
            bytes.extend_from_slice(add);
            bytes.len()
        })
    }) else {
        return reply.error(errors::WRONGTYPE);
    };
    ctx.ks.dirty += 1;
    reply.int(len as i64);
}

/// STRLEN key
fn strlen(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let Some(e) = ctx.lookup_read(args.get(1)) else {
        return reply.int(0);
    };
    let mut buf = itoa::Buffer::new();
    match e.value.as_bytes(&mut buf) {
        Some(b) => reply.int(b.len() as i64),
        None => reply.error(errors::WRONGTYPE),
    }
}

/// GETRANGE key start end (and SUBSTR, its old name): the bytes from `start` to `end`
/// inclusive, negative indexes counting from the end; an empty string when out of range.
fn getrange(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let (mut start, mut end) = match (parse_int(args.get(2)), parse_int(args.get(3))) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return reply.error(e),
    };
    let Some(e) = ctx.lookup_read(args.get(1)) else {
        return reply.bulk(b"");
    };
    let mut buf = itoa::Buffer::new();
    let Some(s) = e.value.as_bytes(&mut buf) else {
        return reply.error(errors::WRONGTYPE);
    };
    if start < 0 && end < 0 && start > end {
        return reply.bulk(b"");
    }
    let len = s.len() as i64;
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    let start = start.max(0);
    let end = end.max(0).min(len - 1);
    if start > end {
        reply.bulk(b"");
    } else {
        reply.bulk(&s[start as usize..=end as usize]);
    }
}

/// SETRANGE key offset value: overwrites from `offset`, padding with zero bytes; the length
/// after the change.
fn setrange(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let key = args.get(1);
    let value = args.get(3);
    let offset = match parse_int(args.get(2)) {
        Ok(n) if n < 0 => return reply.error(errors::OFFSET_OUT_OF_RANGE),
        Ok(n) => n as u64,
        Err(e) => return reply.error(e),
    };
    let too_long = offset.saturating_add(value.len() as u64) > ctx.config.proto_max_bulk_len;
    let now = ctx.now_ms;
    let old_len = match ctx.db().get(key, now) {
        None if value.is_empty() => return reply.int(0),
        None if too_long => return reply.error(errors::STRING_TOO_LONG),
        None => {
            let offset = offset as usize;
            let mut bytes = zeroed_raw(offset + value.len());
            bytes[offset..].copy_from_slice(value);
            ctx.db().set(key, Value::Str(Bytes::from_vec(bytes)), 0);
            ctx.ks.dirty += 1;
            return reply.int((offset + value.len()) as i64);
        }
        Some(e) => {
            let mut buf = itoa::Buffer::new();
            match e.value.as_bytes(&mut buf) {
                Some(b) => b.len(),
                None => return reply.error(errors::WRONGTYPE),
            }
        }
    };
    if value.is_empty() {
        return reply.int(old_len as i64);
    }
    if too_long {
        return reply.error(errors::STRING_TOO_LONG);
    }
    let offset = offset as usize;
    let end = offset + value.len();
    let Some(len) = ctx.db().get_mut(key, now).and_then(|e| {
        edit_string(&mut e.value, |bytes| {
            if bytes.len() < end {
                bytes.resize(end, 0);
            }
            bytes[offset..end].copy_from_slice(value);
            crate::keyspace::value::mark_raw(bytes);
            bytes.len()
        })
    }) else {
        return reply.error(errors::WRONGTYPE);
    };
    ctx.ks.dirty += 1;
    reply.int(len as i64);
}

// ---------------------------------------------------------------------------------------------
// INCR and friends
// ---------------------------------------------------------------------------------------------

/// INCR key
fn incr(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    incr_by(ctx, args.get(1), 1, reply);
}

/// DECR key
fn decr(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    incr_by(ctx, args.get(1), -1, reply);
}

/// INCRBY key increment
fn incrby(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    match parse_int(args.get(2)) {
        Ok(n) => incr_by(ctx, args.get(1), n, reply),
        Err(e) => reply.error(e),
    }
}

/// DECRBY key decrement
fn decrby(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    match parse_int(args.get(2)) {
        Ok(i64::MIN) => reply.error(errors::DECREMENT_OVERFLOW),
        Ok(n) => incr_by(ctx, args.get(1), -n, reply),
        Err(e) => reply.error(e),
    }
}

/// Redis's `incrDecrCommand`: adds `by` to the integer at `key` (0 when absent), keeping the
/// key's time to live.
fn incr_by(ctx: &mut Ctx<'_>, key: &[u8], by: i64, reply: &mut Reply<'_>) {
    let now = ctx.now_ms;
    let current = match ctx.db().get(key, now) {
        None => None,
        Some(e) => match &e.value {
            Value::Int(n) => Some(*n),
            Value::Str(b) => match parse_int(b) {
                Ok(n) => Some(n),
                Err(e) => return reply.error(e),
            },
            #[allow(unreachable_patterns)]
            _ => return reply.error(errors::WRONGTYPE),
        },
    };
    let Some(new) = current.unwrap_or(0).checked_add(by) else {
        return reply.error(errors::OVERFLOW);
    };
    match current {
        Some(_) => {
            if let Some(e) = ctx.db().get_mut(key, now) {
                e.value = Value::Int(new);
            }
        }
        None => ctx.db().set(key, Value::Int(new), 0),
    }
    ctx.ks.dirty += 1;
    reply.int(new);
}

/// INCRBYFLOAT key increment: the new value as a bulk string, stored as that same string.
/// The arithmetic is Redis's `long double` (see [`crate::long_double`]), digit for digit; the
/// string is not integer-encoded, even when it reads as one. Recorded as `SET key value
/// KEEPTTL`, as Redis 7.0 propagates it.
fn incrbyfloat(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let key = args.get(1);
    let now = ctx.now_ms;
    let (current, exists) = match ctx.db().get(key, now) {
        None => (Some(LongDouble::ZERO), false),
        Some(e) => match &e.value {
            Value::Int(n) => (Some(LongDouble::from_i64(*n)), true),
            Value::Str(b) => (string2ld(b), true),
            #[allow(unreachable_patterns)]
            _ => return reply.error(errors::WRONGTYPE),
        },
    };
    let (Some(current), Some(incr)) = (current, string2ld(args.get(2))) else {
        return reply.error(errors::NOT_FLOAT);
    };
    let Some(sum) = current.checked_add(incr) else {
        return reply.error(errors::NAN_OR_INF);
    };
    let text = sum.to_human_string();
    // As Redis's `createStringObjectFromLongDouble`: `embstr` or `raw`, never `int`.
    let value = Value::Str(Bytes::new(text.as_bytes()));
    if exists {
        ctx.db().set_keep_ttl(key, value, now);
    } else {
        ctx.db().set(key, value, 0);
    }
    ctx.ks.dirty += 1;
    ctx.propagate(&[b"SET", key, text.as_bytes(), b"KEEPTTL"]);
    reply.bulk(text.as_bytes());
}

// ---------------------------------------------------------------------------------------------
// LCS
// ---------------------------------------------------------------------------------------------

/// One run of matching bytes: `a[a_start..=a_end]` equals `b[b_start..=b_end]`.
struct LcsMatch {
    a: (u32, u32),
    b: (u32, u32),
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest common subsequence
/// of two strings (absent keys are empty strings), its length, or the matching ranges.
///
/// The vanilla dynamic programming table, as Redis: (|a|+1)·(|b|+1) cells of 4 bytes, refused
/// when that exceeds `proto-max-bulk-len`.
fn lcs(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let (ka, kb) = (args.get(1), args.get(2));
    let a_is_string = ctx.lookup_read(ka).map(|e| e.value.is_string());
    let b_is_string = ctx.lookup_read(kb).map(|e| e.value.is_string());
    if a_is_string == Some(false) || b_is_string == Some(false) {
        return reply.error(errors::LCS_WRONGTYPE);
    }

    let (mut getlen, mut getidx, mut withmatchlen, mut minmatchlen) = (false, false, false, 0i64);
    let mut j = 3;
    while j < args.len() {
        if args.is(j, "idx") {
            getidx = true;
        } else if args.is(j, "len") {
            getlen = true;
        } else if args.is(j, "withmatchlen") {
            withmatchlen = true;
        } else if args.is(j, "minmatchlen") && j + 1 < args.len() {
            match parse_int(args.get(j + 1)) {
                Ok(n) => minmatchlen = n.max(0),
                Err(e) => return reply.error(e),
            }
            j += 1;
        } else {
            return reply.error(errors::SYNTAX);
        }
        j += 1;
    }
    if getidx && getlen {
        return reply.error(errors::LCS_LEN_AND_IDX);
    }

    let now = ctx.now_ms;
    let db = &ctx.ks.dbs[ctx.db];
    let (mut abuf, mut bbuf) = (itoa::Buffer::new(), itoa::Buffer::new());
    let a: &[u8] = db
        .peek(ka, now)
        .and_then(|e| e.value.as_bytes(&mut abuf))
        .unwrap_or(b"");
    let b: &[u8] = db
        .peek(kb, now)
        .and_then(|e| e.value.as_bytes(&mut bbuf))
        .unwrap_or(b"");
    if a.len() >= u32::MAX as usize - 1 || b.len() >= u32::MAX as usize - 1 {
        return reply.error("ERR String too long for LCS");
    }
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen as u64 + 1) * (blen as u64 + 1);
    if cells.saturating_mul(4) > ctx.config.proto_max_bulk_len {
        return reply.error(errors::LCS_TOO_BIG);
    }
    let mut dp: Vec<u32> = Vec::new();
    if dp.try_reserve_exact(cells as usize).is_err() {
        return reply.error(errors::LCS_NO_MEMORY);
    }
    dp.resize(cells as usize, 0);
    let w = blen + 1;
    for i in 1..=alen {
        for k in 1..=blen {
            dp[i * w + k] = if a[i - 1] == b[k - 1] {
                dp[(i - 1) * w + k - 1] + 1
            } else {
                dp[(i - 1) * w + k].max(dp[i * w + k - 1])
            };
        }
    }
    let total = dp[alen * w + blen];

    // Walk back from the end, collecting the subsequence (backwards) and the ranges of
    // contiguous matches, as Redis does.
    let computelcs = getidx || !getlen;
    let mut result = vec![0u8; if computelcs { total as usize } else { 0 }];
    let mut matches: Vec<LcsMatch> = Vec::new();
    let mut idx = total as usize;
    let (mut i, mut k) = (alen, blen);
    // The current range, when one is open: (a_start, a_end, b_start, b_end).
    let mut range: Option<(usize, usize, usize, usize)> = None;
    while computelcs && i > 0 && k > 0 {
        let mut emit = false;
        if a[i - 1] == b[k - 1] {
            result[idx - 1] = a[i - 1];
            match &mut range {
                None => range = Some((i - 1, i - 1, k - 1, k - 1)),
                Some((a_start, _, b_start, _)) if *a_start == i && *b_start == k => {
                    *a_start -= 1;
                    *b_start -= 1;
                }
                Some(_) => emit = true,
            }
            if range.is_some_and(|(a_start, _, b_start, _)| a_start == 0 || b_start == 0) {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            k -= 1;
        } else {
            if dp[(i - 1) * w + k] > dp[i * w + k - 1] {
                i -= 1;
            } else {
                k -= 1;
            }
            if range.is_some() {
                emit = true;
            }
        }
        if emit {
            if let Some((a_start, a_end, b_start, b_end)) = range.take() {
                let len = (a_end - a_start + 1) as i64;
                if minmatchlen == 0 || len >= minmatchlen {
                    matches.push(LcsMatch {
                        a: (a_start as u32, a_end as u32),
                        b: (b_start as u32, b_end as u32),
                    });
                }
            }
        }
    }

    if getidx {
        reply.map(2);
        reply.bulk(b"matches");
        reply.array(matches.len());
        for m in &matches {
            reply.array(2 + withmatchlen as usize);
            reply.array(2);
            reply.int(m.a.0 as i64);
            reply.int(m.a.1 as i64);
            reply.array(2);
            reply.int(m.b.0 as i64);
            reply.int(m.b.1 as i64);
            if withmatchlen {
                reply.int((m.a.1 - m.a.0 + 1) as i64);
            }
        }
        reply.bulk(b"len");
        reply.int(total as i64);
    } else if getlen {
        reply.int(total as i64);
    } else {
        reply.bulk(&result);
    }
}

#[cfg(test)]
#[path = "strings_tests.rs"]
mod tests;
