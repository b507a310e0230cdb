//! The sorted set family, as Redis 7.0's `t_zset.c`: ZADD and its relatives here, ranges in
//! [`range`], the multi-key operations in [`setops`], pops, random members and ZSCAN in
//! [`pop`].
//!
//! Reads go through `Ctx::lookup_read` (keyspace hits and misses as `lookupKeyRead`). Writes
//! first work out what would change on a shared borrow, and take the key for writing (which
//! tells its watchers) only when something does, as Redis's `signalModifiedKey` is only called
//! for real changes. A set left empty is deleted.

mod pop;
mod range;
mod setops;

use hashbrown::HashMap;

use super::flags::*;
use super::{cmd, keys, Command, Ctx, KeySpec, Run, Span};
use crate::errors;
use crate::keyspace::zset::score::parse_score;
use crate::keyspace::zset::Limits;
use crate::keyspace::{Entry, Value, ZSet};
use crate::protocol::{Args, Reply};

/// ZADD with both NX and XX.
pub const XX_AND_NX: &str = "ERR XX and NX options at the same time are not compatible";
/// ZADD with GT, LT and NX mixed.
pub const GT_LT_NX: &str = "ERR GT, LT, and/or NX options at the same time are not compatible";
/// ZADD INCR with more than one pair.
pub const INCR_ONE_PAIR: &str = "ERR INCR option supports a single increment-element pair";
/// ZADD INCR or ZINCRBY whose result would be NaN (`inf` plus `-inf`).
pub const SCORE_NAN: &str = "ERR resulting score is not a number (NaN)";
/// A score range bound that is not a number.
pub const MIN_MAX_NOT_FLOAT: &str = "ERR min or max is not a float";
/// A lex range bound that does not start with `(` or `[` and is not `-` or `+`.
pub const MIN_MAX_NOT_STRING: &str = "ERR min or max not valid string range item";
/// ZRANGE's LIMIT without BYSCORE or BYLEX.
pub const LIMIT_NEEDS_BY: &str =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
/// ZRANGE's WITHSCORES with BYLEX.
pub const WITHSCORES_BYLEX: &str =
    "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
/// A WEIGHTS value that is not a number.
pub const WEIGHT_NOT_FLOAT: &str = "ERR weight value is not a float";
/// ZINTERCARD's LIMIT that is negative or not a number.
pub const LIMIT_NEGATIVE: &str = "ERR LIMIT can't be negative";
/// ZPOPMIN/ZPOPMAX's count that is negative or not a number.
pub const NOT_POSITIVE: &str = "ERR value is out of range, must be positive";
/// ZMPOP's numkeys below 1.
pub const NUMKEYS_POSITIVE: &str = "ERR numkeys should be greater than 0";
/// ZMPOP's COUNT below 1.
pub const COUNT_POSITIVE: &str = "ERR count should be greater than 0";
/// ZRANDMEMBER with a negative count too large to answer.
pub const RANDMEMBER_TOO_MANY: &str = "ERR value is out of range";
/// ZRANDMEMBER's count of `i64::MIN`, whose negation overflows.
pub const RANDMEMBER_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

/// The sorted set commands.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("zadd", -4, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(zadd), "sorted-set", "Add one or more members to a sorted set, or update its score if it already exists"),
    cmd("zincrby", 4, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(zincrby), "sorted-set", "Increment the score of a member in a sorted set"),
    cmd("zrem", -3, WRITE | FAST, keys(1, 1, 1), Span::Single, Run::Shard(zrem), "sorted-set", "Remove one or more members from a sorted set"),
    cmd("zcard", 2, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(zcard), "sorted-set", "Get the number of members in a sorted set"),
    cmd("zscore", 3, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(zscore), "sorted-set", "Get the score associated with the given member in a sorted set"),
    cmd("zmscore", -3, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(zmscore), "sorted-set", "Get the score associated with the given members in a sorted set"),
    cmd("zrank", 3, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(zrank), "sorted-set", "Determine the index of a member in a sorted set"),
    cmd("zrevrank", 3, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(zrevrank), "sorted-set", "Determine the index of a member in a sorted set, with scores ordered from high to low"),
    cmd("zcount", 4, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(range::zcount), "sorted-set", "Count the members in a sorted set with scores within the given values"),
    cmd("zlexcount", 4, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(range::zlexcount), "sorted-set", "Count the number of members in a sorted set between a given lexicographical range"),
    cmd("zrange", -4, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(range::zrange), "sorted-set", "Return a range of members in a sorted set"),
    cmd("zrangestore", -5, WRITE | DENYOOM, keys(1, 2, 1), Span::Single, Run::Shard(range::zrangestore), "sorted-set", "Store a range of members from sorted set into another key"),
    cmd("zrevrange", -4, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(range::zrevrange), "sorted-set", "Return a range of members in a sorted set, by index, with scores ordered from high to low"),
    cmd("zrangebyscore", -4, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(range::zrangebyscore), "sorted-set", "Return a range of members in a sorted set, by score"),
    cmd("zrevrangebyscore", -4, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(range::zrevrangebyscore), "sorted-set", "Return a range of members in a sorted set, by score, with scores ordered from high to low"),
    cmd("zrangebylex", -4, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(range::zrangebylex), "sorted-set", "Return a range of members in a sorted set, by lexicographical range"),
    cmd("zrevrangebylex", -4, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(range::zrevrangebylex), "sorted-set", "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings"),
    cmd("zremrangebyrank", 4, WRITE, keys(1, 1, 1), Span::Single, Run::Shard(range::zremrangebyrank), "sorted-set", "Remove all members in a sorted set within the given indexes"),
    cmd("zremrangebyscore", 4, WRITE, keys(1, 1, 1), Span::Single, Run::Shard(range::zremrangebyscore), "sorted-set", "Remove all members in a sorted set within the given scores"),
    cmd("zremrangebylex", 4, WRITE, keys(1, 1, 1), Span::Single, Run::Shard(range::zremrangebylex), "sorted-set", "Remove all members in a sorted set between the given lexicographical range"),
    cmd("zpopmin", -2, WRITE | FAST, keys(1, 1, 1), Span::Single, Run::Shard(pop::zpopmin), "sorted-set", "Remove and return members with the lowest scores in a sorted set"),
    cmd("zpopmax", -2, WRITE | FAST, keys(1, 1, 1), Span::Single, Run::Shard(pop::zpopmax), "sorted-set", "Remove and return members with the highest scores in a sorted set"),
    cmd("zmpop", -4, WRITE, KeySpec::Numkeys { at: 1, dest: false }, Span::Single, Run::Shard(pop::zmpop), "sorted-set", "Remove and return members with scores in a sorted set"),
    cmd("bzpopmin", -3, WRITE | FAST | BLOCKING, keys(1, -2, 1), Span::Single, Run::Shard(pop::bzpopmin), "sorted-set", "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available"),
    cmd("bzpopmax", -3, WRITE | FAST | BLOCKING, keys(1, -2, 1), Span::Single, Run::Shard(pop::bzpopmax), "sorted-set", "Remove and return the member with the highest score from one or more sorted sets, or block until one is available"),
    cmd("bzmpop", -5, WRITE | BLOCKING, KeySpec::Numkeys { at: 2, dest: false }, Span::Single, Run::Shard(pop::bzmpop), "sorted-set", "Remove and return members with scores in a sorted set or block until one is available"),
    cmd("zrandmember", -2, READONLY | RANDOM, keys(1, 1, 1), Span::Single, Run::Shard(pop::zrandmember), "sorted-set", "Get one or multiple random elements from a sorted set"),
    cmd("zscan", -3, READONLY | RANDOM, keys(1, 1, 1), Span::Single, Run::Shard(pop::zscan), "sorted-set", "Incrementally iterate sorted sets elements and associated scores"),
    cmd("zunion", -3, READONLY, KeySpec::Numkeys { at: 1, dest: false }, Span::Single, Run::Shard(setops::zunion), "sorted-set", "Add multiple sorted sets"),
    cmd("zinter", -3, READONLY, KeySpec::Numkeys { at: 1, dest: false }, Span::Single, Run::Shard(setops::zinter), "sorted-set", "Intersect multiple sorted sets"),
    cmd("zdiff", -3, READONLY, KeySpec::Numkeys { at: 1, dest: false }, Span::Single, Run::Shard(setops::zdiff), "sorted-set", "Subtract multiple sorted sets"),
    cmd("zintercard", -3, READONLY, KeySpec::Numkeys { at: 1, dest: false }, Span::Single, Run::Shard(setops::zintercard), "sorted-set", "Intersect multiple sorted sets and return the cardinality of the result"),
    cmd("zunionstore", -4, WRITE | DENYOOM, KeySpec::Numkeys { at: 2, dest: true }, Span::Single, Run::Shard(setops::zunionstore), "sorted-set", "Add multiple sorted sets and store the resulting sorted set in a new key"),
    cmd("zinterstore", -4, WRITE | DENYOOM, KeySpec::Numkeys { at: 2, dest: true }, Span::Single, Run::Shard(setops::zinterstore), "sorted-set", "Intersect multiple sorted sets and store the resulting sorted set in a new key"),
    cmd("zdiffstore", -4, WRITE | DENYOOM, KeySpec::Numkeys { at: 2, dest: true }, Span::Single, Run::Shard(setops::zdiffstore), "sorted-set", "Subtract multiple sorted sets and store the resulting sorted set in a new key"),
];

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// The sorted set at `key` for a read (counted as a keyspace hit or miss): None when absent,
/// WRONGTYPE when the key holds something else.
fn read_zset<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<&'c ZSet>, &'static str> {
    match ctx.lookup_read(key) {
        None => Ok(None),
        Some(Entry {
            value: Value::ZSet(z),
            ..
        }) => Ok(Some(z)),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// The sorted set at `key` for a write (not counted, as Redis's `lookupKeyWrite`), shared: the
/// caller takes it mutably with [`zset_mut`] once it knows something changes.
fn peek_zset<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<&'c ZSet>, &'static str> {
    let now = ctx.now_ms;
    match ctx.db().get(key, now) {
        None => Ok(None),
        Some(Entry {
            value: Value::ZSet(z),
            ..
        }) => Ok(Some(z)),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// The sorted set at `key`, to change it (its watchers are told).
fn zset_mut<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Option<&'c mut ZSet> {
    let now = ctx.now_ms;
    match ctx.db().get_mut(key, now) {
        Some(Entry {
            value: Value::ZSet(z),
            ..
        }) => Some(z),
        _ => None,
    }
}

/// Deletes `key` when the sorted set it holds became empty.
fn remove_if_empty(ctx: &mut Ctx<'_>, key: &[u8]) {
    let now = ctx.now_ms;
    if zset_mut(ctx, key).is_some_and(|z| z.is_empty()) {
        ctx.db().remove(key, now);
    }
}

/// Stores `z` at `key` for the *STORE commands (replacing any value and its TTL), or deletes
/// `key` when `z` is empty; replies the new size and counts the change as Redis does.
fn store_result(ctx: &mut Ctx<'_>, key: &[u8], z: ZSet, reply: &mut Reply<'_>) {
    let now = ctx.now_ms;
    if z.is_empty() {
        if ctx.db().remove(key, now).is_some() {
            ctx.ks.dirty += 1;
        }
        return reply.int(0);
    }
    let n = z.len();
    ctx.db().set(key, Value::ZSet(z), 0);
    ctx.ks.dirty += 1;
    reply.int(n as i64);
}

/// Opens the reply for `n` members, with their scores or not: RESP2 flattens (member, score)
/// pairs into one array, RESP3 nests them (never a map: order matters).
fn open_members(reply: &mut Reply<'_>, n: usize, withscores: bool) {
    if withscores && !reply.is_resp3() {
        reply.array(n * 2);
    } else {
        reply.array(n);
    }
}

/// One member of a reply opened by [`open_members`].
fn member_reply(reply: &mut Reply<'_>, member: &[u8], score: f64, withscores: bool) {
    if withscores && reply.is_resp3() {
        reply.array(2);
    }
    reply.bulk(member);
    if withscores {
        reply.double(score);
    }
}

/// Members and scores as one reply.
fn members_reply(reply: &mut Reply<'_>, items: &[(Vec<u8>, f64)], withscores: bool) {
    open_members(reply, items.len(), withscores);
    for (m, s) in items {
        member_reply(reply, m, *s, withscores);
    }
}

// ---------------------------------------------------------------------------------------------
// ZADD, ZINCRBY
// ---------------------------------------------------------------------------------------------

/// ZADD's flags.
#[derive(Default, Clone, Copy)]
struct ZaddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

/// What ZADD does to one member.
enum Change<'a> {
    Add(&'a [u8], f64),
    Update(&'a [u8], f64),
}

/// What a ZADD call does, worked out before anything changes.
struct Plan<'a> {
    changes: Vec<Change<'a>>,
    added: usize,
    updated: usize,
    processed: usize,
    /// The score of the last pair processed (ZADD INCR's reply).
    score: f64,
}

/// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
fn zadd(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let mut f = ZaddFlags::default();
    let mut at = 2;
    while at < args.len() {
        let flag = match () {
            _ if args.is(at, "nx") => &mut f.nx,
            _ if args.is(at, "xx") => &mut f.xx,
            _ if args.is(at, "ch") => &mut f.ch,
            _ if args.is(at, "incr") => &mut f.incr,
            _ if args.is(at, "gt") => &mut f.gt,
            _ if args.is(at, "lt") => &mut f.lt,
            _ => break,
        };
        *flag = true;
        at += 1;
    }
    let n = args.len() - at;
    if n == 0 || !n.is_multiple_of(2) {
        return reply.error(errors::SYNTAX);
    }
    if f.nx && f.xx {
        return reply.error(XX_AND_NX);
    }
    if (f.gt || f.lt) && f.nx || (f.gt && f.lt) {
        return reply.error(GT_LT_NX);
    }
    if f.incr && n > 2 {
        return reply.error(INCR_ONE_PAIR);
    }
    let mut pairs = Vec::with_capacity(n / 2);
    for i in (at..args.len()).step_by(2) {
        let Some(score) = parse_score(args.get(i)) else {
            return reply.error(errors::NOT_FLOAT);
        };
        pairs.push((score, args.get(i + 1)));
    }
    zadd_generic(ctx, args.get(1), &pairs, f, reply);
}

/// ZINCRBY key increment member
fn zincrby(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let Some(score) = parse_score(args.get(2)) else {
        return reply.error(errors::NOT_FLOAT);
    };
    let f = ZaddFlags {
        incr: true,
        ..ZaddFlags::default()
    };
    zadd_generic(ctx, args.get(1), &[(score, args.get(3))], f, reply);
}

/// Redis's `zaddGenericCommand` once the arguments are read.
fn zadd_generic(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    pairs: &[(f64, &[u8])],
    f: ZaddFlags,
    reply: &mut Reply<'_>,
) {
    let current = match peek_zset(ctx, key) {
        Ok(z) => z,
        Err(e) => return reply.error(e),
    };
    let exists = current.is_some();
    if !exists && f.xx {
        return zadd_reply(reply, f, None, 0);
    }
    let Some(plan) = plan_zadd(current, pairs, f) else {
        return reply.error(SCORE_NAN);
    };
    if !plan.changes.is_empty() {
        let limits = Limits::of(ctx.config);
        if exists {
            if let Some(z) = zset_mut(ctx, key) {
                apply(z, &plan.changes, limits);
            }
        } else {
            let mut z = ZSet::new();
            apply(&mut z, &plan.changes, limits);
            ctx.db().set(key, Value::ZSet(z), 0);
        }
        ctx.ks.dirty += (plan.added + plan.updated) as u64;
    }
    let count = if f.ch {
        plan.added + plan.updated
    } else {
        plan.added
    };
    let score = (plan.processed > 0).then_some(plan.score);
    zadd_reply(reply, f, score, count);
}

fn zadd_reply(reply: &mut Reply<'_>, f: ZaddFlags, score: Option<f64>, count: usize) {
    if f.incr {
        match score {
            Some(s) => reply.double(s),
            None => reply.null(),
        }
    } else {
        reply.int(count as i64);
    }
}

/// Works out each pair's effect as `zsetAdd` would (a member given twice sees its first
/// change). None when an increment makes NaN.
fn plan_zadd<'a>(
    current: Option<&ZSet>,
    pairs: &[(f64, &'a [u8])],
    f: ZaddFlags,
) -> Option<Plan<'a>> {
    let mut plan = Plan {
        changes: Vec::with_capacity(pairs.len()),
        added: 0,
        updated: 0,
        processed: 0,
        score: 0.0,
    };
    let mut touched: HashMap<&[u8], f64> = HashMap::new();
    for &(score, member) in pairs {
        let cur = touched
            .get(member)
            .copied()
            .or_else(|| current.and_then(|z| z.score(member)));
        let Some(cur) = cur else {
            if !f.xx {
                plan.changes.push(Change::Add(member, score));
                touched.insert(member, score);
                plan.added += 1;
                plan.processed += 1;
                plan.score = score;
            }
            continue;
        };
        if f.nx {
            continue;
        }
        let new = if f.incr { score + cur } else { score };
        if new.is_nan() {
            return None;
        }
        if (f.lt && new >= cur) || (f.gt && new <= cur) {
            continue;
        }
        plan.processed += 1;
        plan.score = new;
        if new != cur {
            plan.changes.push(Change::Update(member, new));
            touched.insert(member, new);
            plan.updated += 1;
        }
    }
    Some(plan)
}

fn apply(z: &mut ZSet, changes: &[Change<'_>], limits: Limits) {
    for c in changes {
        match *c {
            Change::Add(m, s) => z.insert(m, s, limits),
            Change::Update(m, s) => z.update(m, s),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK
// ---------------------------------------------------------------------------------------------

/// ZREM key member [member ...]: how many members were removed.
fn zrem(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let key = args.get(1);
    let any = match peek_zset(ctx, key) {
        Err(e) => return reply.error(e),
        Ok(None) => false,
        Ok(Some(z)) => args.iter().skip(2).any(|m| z.score(m).is_some()),
    };
    if !any {
        return reply.int(0);
    }
    let mut removed = 0;
    if let Some(z) = zset_mut(ctx, key) {
        for m in args.iter().skip(2) {
            removed += usize::from(z.remove(m).is_some());
        }
    }
    remove_if_empty(ctx, key);
    ctx.ks.dirty += removed as u64;
    reply.int(removed as i64);
}

/// ZCARD key
fn zcard(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    match read_zset(ctx, args.get(1)) {
        Err(e) => reply.error(e),
        Ok(z) => reply.int(z.map_or(0, |z| z.len()) as i64),
    }
}

/// ZSCORE key member: a double (a bulk string in RESP2), or null.
fn zscore(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    match read_zset(ctx, args.get(1)) {
        Err(e) => reply.error(e),
        Ok(z) => match z.and_then(|z| z.score(args.get(2))) {
            Some(s) => reply.double(s),
            None => reply.null(),
        },
    }
}

/// ZMSCORE key member [member ...]: one double or null per member (an absent key is empty).
fn zmscore(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    match read_zset(ctx, args.get(1)) {
        Err(e) => reply.error(e),
        Ok(z) => {
            reply.array(args.len() - 2);
            for m in args.iter().skip(2) {
                match z.and_then(|z| z.score(m)) {
                    Some(s) => reply.double(s),
                    None => reply.null(),
                }
            }
        }
    }
}

/// ZRANK key member
fn zrank(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    rank_generic(ctx, args, reply, false);
}

/// ZREVRANK key member
fn zrevrank(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    rank_generic(ctx, args, reply, true);
}

fn rank_generic(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>, rev: bool) {
    match read_zset(ctx, args.get(1)) {
        Err(e) => reply.error(e),
        Ok(None) => reply.null(),
        Ok(Some(z)) => match z.rank(args.get(2)) {
            Some(r) if rev => reply.int((z.len() - 1 - r) as i64),
            Some(r) => reply.int(r as i64),
            None => reply.null(),
        },
    }
}

#[cfg(test)]
#[path = "zsets_tests.rs"]
mod tests;
