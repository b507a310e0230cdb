//! The set family, as Redis 7.0's `t_set.c`: SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER,
//! SCARD, SPOP, SRANDMEMBER, SMOVE, the algebra (SINTER, SINTERCARD, SUNION, SDIFF and their
//! STORE forms) and SSCAN.
//!
//! Every handler runs on the shard that owns its keys and writes exactly one reply. Reads go
//! through [`Ctx::lookup_read`] where Redis uses `lookupKeyRead` (so hits and misses count as
//! in Redis); writes look the key up quietly first and take it with `Db::get_mut` only when
//! something will change, so watchers of a key are told only about real changes, as Redis's
//! `signalModifiedKey` calls are. Multi-key reads whose keys live on several shards run over
//! copies gathered by the transaction layer; multi-key writes need their keys on one shard
//! (hash tags).
//!
//! Replies follow Redis 7.0 in RESP3 too: SMEMBERS, SINTER, SUNION, SDIFF and SPOP with a count
//! answer sets (`~`), SRANDMEMBER with a count an array.

use super::flags::*;
use super::{cmd, keys, Command, Ctx, KeySpec, Run, Span};
use crate::errors;
use crate::keyspace::glob_match;
use crate::keyspace::set::{Member, OwnedMember, Rng};
use crate::keyspace::{Set, Value};
use crate::protocol::args::{parse_cursor, parse_int};
use crate::protocol::{Args, Reply};

/// The set commands.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("sadd", -3, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(sadd), "set", "Add one or more members to a set"),
    cmd("srem", -3, WRITE | FAST, keys(1, 1, 1), Span::Single, Run::Shard(srem), "set", "Remove one or more members from a set"),
    cmd("smembers", 2, READONLY | RANDOM, keys(1, 1, 1), Span::Single, Run::Shard(smembers), "set", "Get all the members in a set"),
    cmd("sismember", 3, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(sismember), "set", "Determine if a given value is a member of a set"),
    cmd("smismember", -3, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(smismember), "set", "Returns the membership associated with the given elements for a set"),
    cmd("scard", 2, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(scard), "set", "Get the number of members in a set"),
    cmd("spop", -2, WRITE | FAST | RANDOM, keys(1, 1, 1), Span::Single, Run::Shard(spop), "set", "Remove and return one or multiple random members from a set"),
    cmd("srandmember", -2, READONLY | RANDOM, keys(1, 1, 1), Span::Single, Run::Shard(srandmember), "set", "Get one or multiple random members from a set"),
    cmd("smove", 4, WRITE | FAST, keys(1, 2, 1), Span::Single, Run::Shard(smove), "set", "Move a member from one set to another"),
    cmd("sinter", -2, READONLY | RANDOM, keys(1, -1, 1), Span::Single, Run::Shard(sinter), "set", "Intersect multiple sets"),
    cmd("sintercard", -3, READONLY, KeySpec::Numkeys { at: 1, dest: false }, Span::Single, Run::Shard(sintercard), "set", "Intersect multiple sets and return the cardinality of the result"),
    cmd("sinterstore", -3, WRITE | DENYOOM, keys(1, -1, 1), Span::Single, Run::Shard(sinterstore), "set", "Intersect multiple sets and store the resulting set in a key"),
    cmd("sunion", -2, READONLY | RANDOM, keys(1, -1, 1), Span::Single, Run::Shard(sunion), "set", "Add multiple sets"),
    cmd("sunionstore", -3, WRITE | DENYOOM, keys(1, -1, 1), Span::Single, Run::Shard(sunionstore), "set", "Add multiple sets and store the resulting set in a key"),
    cmd("sdiff", -2, READONLY | RANDOM, keys(1, -1, 1), Span::Single, Run::Shard(sdiff), "set", "Subtract multiple sets"),
    cmd("sdiffstore", -3, WRITE | DENYOOM, keys(1, -1, 1), Span::Single, Run::Shard(sdiffstore), "set", "Subtract multiple sets and store the resulting set in a key"),
    cmd("sscan", -3, READONLY | RANDOM, keys(1, 1, 1), Span::Single, Run::Shard(sscan), "set", "Incrementally iterate Set elements"),
];

/// SPOP's count below zero (`getPositiveLongFromObjectOrReply`), or not an integer.
const NOT_POSITIVE: &str = "ERR value is out of range, must be positive";
/// SRANDMEMBER's count of `LONG_MIN`, the one integer it cannot negate.
const SRANDMEMBER_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
/// SINTERCARD's numkeys below 1, or not an integer.
const NUMKEYS_NOT_POSITIVE: &str = "ERR numkeys should be greater than 0";
/// SINTERCARD's numkeys past the arguments.
const NUMKEYS_TOO_MANY: &str = "ERR Number of keys can't be greater than number of args";
/// SINTERCARD's LIMIT below zero, or not an integer.
const LIMIT_NEGATIVE: &str = "ERR LIMIT can't be negative";

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// The set a value holds; Err for another type.
fn as_set(value: &Value) -> Result<&Set, ()> {
    match value {
        Value::Set(s) => Ok(s),
        _ => Err(()),
    }
}

/// What a quiet lookup (Redis's `lookupKeyWrite`) of a key found.
enum Found<T> {
    Missing,
    WrongType,
    Set(T),
}

/// Looks `key` up without counting a hit or a miss (an expired key goes) and reads `f` from
/// its set.
fn peek_set<T>(ctx: &mut Ctx<'_>, key: &[u8], f: impl FnOnce(&Set) -> T) -> Found<T> {
    let now = ctx.now_ms;
    match ctx.db().get(key, now) {
        None => Found::Missing,
        Some(e) => match as_set(&e.value) {
            Ok(s) => Found::Set(f(s)),
            Err(()) => Found::WrongType,
        },
    }
}

/// Changes the set at `key` (which exists and is a set) through `f`, telling its watchers;
/// the key goes when the set is left empty. Returns what `f` returned.
fn edit_set<T>(ctx: &mut Ctx<'_>, key: &[u8], f: impl FnOnce(&mut Set) -> T) -> Option<T> {
    let now = ctx.now_ms;
    let db = ctx.db();
    let (out, empty) = match db.get_mut(key, now).map(|e| &mut e.value) {
        Some(Value::Set(s)) => {
            let out = f(s);
            (out, s.is_empty())
        }
        _ => return None,
    };
    if empty {
        db.remove(key, now);
    }
    Some(out)
}

fn reply_member(reply: &mut Reply<'_>, m: Member<'_>) {
    match m {
        Member::Int(n) => reply.bulk_int(n),
        Member::Bytes(b) => reply.bulk(b),
    }
}

/// A set reply (`~` in RESP3, an array in RESP2) of `members`.
fn reply_members<'a>(reply: &mut Reply<'_>, members: impl ExactSizeIterator<Item = Member<'a>>) {
    reply.set(members.len());
    for m in members {
        reply_member(reply, m);
    }
}

/// Looks every key up as Redis's `lookupKeyRead` (each a hit or a miss; expired keys go) and
/// checks that each is a set or missing. Err when one holds another type.
fn check_sets<'k>(ctx: &mut Ctx<'_>, keys: impl Iterator<Item = &'k [u8]>) -> Result<(), ()> {
    let mut wrong = false;
    for key in keys {
        if let Some(e) = ctx.lookup_read(key) {
            wrong |= as_set(&e.value).is_err();
        }
    }
    if wrong {
        Err(())
    } else {
        Ok(())
    }
}

/// The sets at `keys` (None for a missing key), after [`check_sets`].
fn sets_of<'c, 'k>(ctx: &'c Ctx<'_>, keys: impl Iterator<Item = &'k [u8]>) -> Vec<Option<&'c Set>> {
    let db = &ctx.ks.dbs[ctx.db];
    let now = ctx.now_ms;
    keys.map(|k| db.peek(k, now).and_then(|e| as_set(&e.value).ok()))
        .collect()
}

/// Stores `result` at `dst` as Redis's `setKey` (the old value and its TTL go), or deletes
/// `dst` when the result is empty; replies the result's size.
fn store(ctx: &mut Ctx<'_>, dst: &[u8], result: Set, reply: &mut Reply<'_>) {
    let n = result.len();
    let now = ctx.now_ms;
    if n > 0 {
        ctx.db().set(dst, Value::Set(result), 0);
        ctx.ks.dirty += 1;
    } else if ctx.db().remove(dst, now).is_some() {
        ctx.ks.dirty += 1;
    }
    reply.int(n as i64);
}

// ---------------------------------------------------------------------------------------------
// SADD, SREM, SMOVE
// ---------------------------------------------------------------------------------------------

/// SADD key member [member ...]: how many members were new.
fn sadd(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let key = args.get(1);
    let members = || (2..args.len()).map(|i| args.get(i));
    let limit = ctx.config.set_max_intset_entries;
    match peek_set(ctx, key, |s| members().any(|m| !s.contains(m))) {
        Found::WrongType => return reply.error(errors::WRONGTYPE),
        Found::Set(false) => return reply.int(0),
        Found::Set(true) => {}
        Found::Missing => {
            let mut set = Set::new();
            let added = members().filter(|m| set.add(m, limit)).count();
            ctx.db().set(key, Value::Set(set), 0);
            ctx.ks.dirty += added as u64;
            return reply.int(added as i64);
        }
    }
    let added = edit_set(ctx, key, |s| members().filter(|m| s.add(m, limit)).count()).unwrap_or(0);
    ctx.ks.dirty += added as u64;
    reply.int(added as i64);
}

/// SREM key member [member ...]: how many members were there. The key goes with its last
/// member.
fn srem(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let key = args.get(1);
    let members = || (2..args.len()).map(|i| args.get(i));
    match peek_set(ctx, key, |s| members().any(|m| s.contains(m))) {
        Found::WrongType => return reply.error(errors::WRONGTYPE),
        Found::Missing | Found::Set(false) => return reply.int(0),
        Found::Set(true) => {}
    }
    let removed = edit_set(ctx, key, |s| members().filter(|m| s.remove(m)).count()).unwrap_or(0);
    ctx.ks.dirty += removed as u64;
    reply.int(removed as i64);
}

/// SMOVE source destination member (`smoveCommand`): 1 when moved (or, with source and
/// destination the same key, when it is a member), else 0. A missing source answers 0 before
/// any type is checked; then either key holding another type is WRONGTYPE.
fn smove(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let (src, dst, member) = (args.get(1), args.get(2), args.get(3));
    let limit = ctx.config.set_max_intset_entries;
    let in_src = match peek_set(ctx, src, |s| s.contains(member)) {
        Found::Missing => return reply.int(0),
        Found::WrongType => return reply.error(errors::WRONGTYPE),
        Found::Set(has) => has,
    };
    let in_dst = match peek_set(ctx, dst, |s| s.contains(member)) {
        Found::WrongType => return reply.error(errors::WRONGTYPE),
        Found::Missing => None,
        Found::Set(has) => Some(has),
    };
    if src == dst {
        return reply.int(i64::from(in_src));
    }
    if !in_src {
        return reply.int(0);
    }
    edit_set(ctx, src, |s| s.remove(member));
    ctx.ks.dirty += 1;
    match in_dst {
        None => {
            let mut set = Set::new();
            set.add(member, limit);
            ctx.db().set(dst, Value::Set(set), 0);
            ctx.ks.dirty += 1;
        }
        Some(false) => {
            edit_set(ctx, dst, |s| s.add(member, limit));
            ctx.ks.dirty += 1;
        }
        Some(true) => {}
    }
    reply.int(1);
}

// ---------------------------------------------------------------------------------------------
// Reads of one set
// ---------------------------------------------------------------------------------------------

/// SMEMBERS key: every member, as a set reply (an empty one for a missing key).
fn smembers(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    match ctx.lookup_read(args.get(1)).map(|e| as_set(&e.value)) {
        None => reply.set(0),
        Some(Err(())) => reply.error(errors::WRONGTYPE),
        Some(Ok(s)) => reply_members(reply, s.iter()),
    }
}

/// SISMEMBER key member: 1 or 0.
fn sismember(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let member = args.get(2);
    match ctx.lookup_read(args.get(1)).map(|e| as_set(&e.value)) {
        None => reply.int(0),
        Some(Err(())) => reply.error(errors::WRONGTYPE),
        Some(Ok(s)) => reply.int(i64::from(s.contains(member))),
    }
}

/// SMISMEMBER key member [member ...]: 1 or 0 for each member (all 0 for a missing key).
fn smismember(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let set = match ctx.lookup_read(args.get(1)).map(|e| as_set(&e.value)) {
        Some(Err(())) => return reply.error(errors::WRONGTYPE),
        Some(Ok(s)) => Some(s),
        None => None,
    };
    reply.array(args.len() - 2);
    for i in 2..args.len() {
        reply.int(i64::from(set.is_some_and(|s| s.contains(args.get(i)))));
    }
}

/// SCARD key: the number of members (0 for a missing key).
fn scard(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    match ctx.lookup_read(args.get(1)).map(|e| as_set(&e.value)) {
        None => reply.int(0),
        Some(Err(())) => reply.error(errors::WRONGTYPE),
        Some(Ok(s)) => reply.int(s.len() as i64),
    }
}

// ---------------------------------------------------------------------------------------------
// SPOP, SRANDMEMBER
// ---------------------------------------------------------------------------------------------

/// How many members one SREM record of SPOP's effect names at most (Redis 7.2's batch; 7.0
/// records one SREM per member, the same effect in more commands).
const SPOP_BATCH: usize = 1024;

/// Records the members SPOP took from `key` as Redis 7.0 propagates them: SREM commands of at
/// most [`SPOP_BATCH`] members each, so that a replay takes the same members.
fn propagate_srem(ctx: &mut Ctx<'_>, key: &[u8], popped: &[OwnedMember]) {
    if !ctx.propagating() {
        return;
    }
    let texts: Vec<std::borrow::Cow<'_, [u8]>> = popped
        .iter()
        .map(|m| match m {
            OwnedMember::Int(n) => itoa::Buffer::new().format(*n).as_bytes().to_vec().into(),
            OwnedMember::Bytes(b) => (&**b).into(),
        })
        .collect();
    for chunk in texts.chunks(SPOP_BATCH) {
        let mut parts: Vec<&[u8]> = Vec::with_capacity(chunk.len() + 2);
        parts.push(b"SREM");
        parts.push(key);
        parts.extend(chunk.iter().map(|m| &**m));
        ctx.propagate(&parts);
    }
}

/// SPOP key [count] (`spopCommand`, `spopWithCountCommand`). Without a count: a random member
/// removed, or null. With one: a set reply of that many members removed (all of them, and the
/// key, when the count reaches the size). The count is checked before the key. Recorded as
/// SREM of the members taken, or DEL when the whole set went.
fn spop(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    if args.len() > 3 {
        return reply.error(errors::SYNTAX);
    }
    let key = args.get(1);
    let mut rng = Rng::new(ctx.rand);
    if args.len() == 2 {
        match peek_set(ctx, key, |_| ()) {
            Found::Missing => return reply.null(),
            Found::WrongType => return reply.error(errors::WRONGTYPE),
            Found::Set(()) => {}
        }
        if let Some(Some(m)) = edit_set(ctx, key, |s| s.pop_random(&mut rng)) {
            reply_member(reply, m.as_member());
            propagate_srem(ctx, key, std::slice::from_ref(&m));
        }
        ctx.ks.dirty += 1;
        return;
    }
    let count = match parse_int(args.get(2)) {
        Ok(n) if n >= 0 => n as u64,
        _ => return reply.error(NOT_POSITIVE),
    };
    let size = match peek_set(ctx, key, |s| s.len() as u64) {
        Found::Missing => return reply.set(0),
        Found::WrongType => return reply.error(errors::WRONGTYPE),
        Found::Set(n) => n,
    };
    if count == 0 {
        return reply.set(0);
    }
    if count >= size {
        // The whole set: Redis answers it as SUNION would, then deletes the key.
        let now = ctx.now_ms;
        if let Some(entry) = ctx.db().remove(key, now) {
            if let Value::Set(s) = entry.value {
                reply_members(reply, s.iter());
            }
        }
        ctx.ks.dirty += size;
        ctx.propagate(&[b"DEL", key]);
        return;
    }
    let limit = ctx.config.set_max_intset_entries;
    let popped: Vec<OwnedMember> =
        edit_set(ctx, key, |s| s.pop_many(count as usize, &mut rng, limit)).unwrap_or_default();
    ctx.ks.dirty += popped.len() as u64;
    propagate_srem(ctx, key, &popped);
    reply_members(reply, popped.iter().map(OwnedMember::as_member));
}

/// SRANDMEMBER key [count] (`srandmemberCommand`, `srandmemberWithCountCommand`). Without a
/// count: a random member, or null. With a positive count: that many different members (the
/// whole set when it has no more); with a negative one, that many draws, repeats allowed. Both
/// answer arrays, even in RESP3.
fn srandmember(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    if args.len() > 3 {
        return reply.error(errors::SYNTAX);
    }
    let mut rng = Rng::new(ctx.rand);
    if args.len() == 2 {
        match ctx.lookup_read(args.get(1)).map(|e| as_set(&e.value)) {
            None => reply.null(),
            Some(Err(())) => reply.error(errors::WRONGTYPE),
            Some(Ok(s)) => match s.random(&mut rng) {
                Some(m) => reply_member(reply, m),
                None => reply.null(),
            },
        }
        return;
    }
    let (count, unique) = match parse_int(args.get(2)) {
        Err(e) => return reply.error(e),
        Ok(i64::MIN) => return reply.error(SRANDMEMBER_RANGE),
        Ok(n) => (n.unsigned_abs(), n >= 0),
    };
    let set = match ctx.lookup_read(args.get(1)).map(|e| as_set(&e.value)) {
        None => return reply.array(0),
        Some(Err(())) => return reply.error(errors::WRONGTYPE),
        Some(Ok(s)) => s,
    };
    if count == 0 {
        return reply.array(0);
    }
    let size = set.len() as u64;
    if !unique || count == 1 {
        reply.array(count as usize);
        for _ in 0..count {
            if let Some(m) = set.random(&mut rng) {
                reply_member(reply, m);
            }
        }
        return;
    }
    if count >= size {
        reply.array(size as usize);
        set.iter().for_each(|m| reply_member(reply, m));
        return;
    }
    let sample = set.sample(count as usize, &mut rng);
    reply.array(sample.len());
    for m in sample {
        reply_member(reply, m);
    }
}

// ---------------------------------------------------------------------------------------------
// SINTER, SINTERCARD, SINTERSTORE
// ---------------------------------------------------------------------------------------------

/// What an intersection produces.
enum InterOut {
    /// The members, for a set reply.
    Reply,
    /// Only how many (SINTERCARD), up to a limit (0: none).
    Count(u64),
    /// A set to store.
    Store,
}

/// `sinterGenericCommand`: every key is looked up and type-checked first; a missing key makes
/// the result empty. The smallest set is walked and each member looked up in the others.
fn sinter_generic(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    keys: std::ops::Range<usize>,
    dst: Option<&[u8]>,
    out: InterOut,
    reply: &mut Reply<'_>,
) {
    if check_sets(ctx, keys.clone().map(|i| args.get(i))).is_err() {
        return reply.error(errors::WRONGTYPE);
    }
    let limit = ctx.config.set_max_intset_entries;
    let result = {
        let sets = sets_of(ctx, keys.map(|i| args.get(i)));
        // A missing key is an empty set: the intersection is empty.
        let mut sets: Vec<&Set> = sets
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .unwrap_or_default();
        sets.sort_by_key(|s| s.len());
        let (first, rest) = match sets.split_first() {
            Some((f, r)) => (Some(*f), r),
            None => (None, &[][..]),
        };
        let common = first
            .into_iter()
            .flat_map(|f| f.iter())
            .filter(|&m| rest.iter().all(|s| s.contains_member(m)));
        match out {
            InterOut::Count(max) => {
                let n = if max == 0 {
                    common.count()
                } else {
                    common
                        .take(usize::try_from(max).unwrap_or(usize::MAX))
                        .count()
                };
                return reply.int(n as i64);
            }
            InterOut::Reply => {
                let members: Vec<Member<'_>> = common.collect();
                return reply_members(reply, members.into_iter());
            }
            InterOut::Store => {
                let mut result = Set::new();
                for m in common {
                    result.add_member(m, limit);
                }
                result
            }
        }
    };
    if let Some(dst) = dst {
        store(ctx, dst, result, reply);
    }
}

/// SINTER key [key ...]
fn sinter(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    sinter_generic(ctx, args, 1..args.len(), None, InterOut::Reply, reply);
}

/// SINTERSTORE destination key [key ...]: the size of the result, stored at the destination
/// (which goes when the result is empty).
fn sinterstore(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let dst = args.get(1);
    sinter_generic(ctx, args, 2..args.len(), Some(dst), InterOut::Store, reply);
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit] (`sinterCardCommand`): the size of the
/// intersection, counting no further than the limit. Options are checked before the keys;
/// the last LIMIT wins.
fn sintercard(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let numkeys = match parse_int(args.get(1)) {
        Ok(n) if n >= 1 => n as u64,
        _ => return reply.error(NUMKEYS_NOT_POSITIVE),
    };
    if numkeys > (args.len() - 2) as u64 {
        return reply.error(NUMKEYS_TOO_MANY);
    }
    let end = 2 + numkeys as usize;
    let mut limit = 0u64;
    let mut i = end;
    while i < args.len() {
        if args.is(i, "limit") && i + 1 < args.len() {
            match parse_int(args.get(i + 1)) {
                Ok(n) if n >= 0 => limit = n as u64,
                _ => return reply.error(LIMIT_NEGATIVE),
            }
            i += 2;
        } else {
            return reply.error(errors::SYNTAX);
        }
    }
    sinter_generic(ctx, args, 2..end, None, InterOut::Count(limit), reply);
}

// ---------------------------------------------------------------------------------------------
// SUNION, SDIFF and their STORE forms
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Diff,
}

/// `sunionDiffGenericCommand`: every key is type-checked first (missing keys are empty sets);
/// the result is built as a new set (so it takes the encoding its members call for) and
/// answered as a set reply, or stored.
fn sunion_diff_generic(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    keys: std::ops::Range<usize>,
    dst: Option<&[u8]>,
    op: SetOp,
    reply: &mut Reply<'_>,
) {
    if check_sets(ctx, keys.clone().map(|i| args.get(i))).is_err() {
        return reply.error(errors::WRONGTYPE);
    }
    let limit = ctx.config.set_max_intset_entries;
    let result = {
        let sets = sets_of(ctx, keys.map(|i| args.get(i)));
        let mut result = Set::new();
        match op {
            SetOp::Union => {
                for s in sets.iter().flatten() {
                    for m in s.iter() {
                        result.add_member(m, limit);
                    }
                }
            }
            SetOp::Diff => {
                if let Some(first) = sets[0] {
                    let others: Vec<&Set> = sets[1..].iter().flatten().copied().collect();
                    // Redis's choice between its two algorithms: walking the first set and
                    // probing the others (favoured by half), or copying the first set and
                    // removing every member of the others.
                    let one = (first.len() as u64 * (others.len() as u64 + 1)) / 2;
                    let two =
                        first.len() as u64 + others.iter().map(|s| s.len() as u64).sum::<u64>();
                    if one <= two {
                        for m in first.iter() {
                            if !others.iter().any(|s| s.contains_member(m)) {
                                result.add_member(m, limit);
                            }
                        }
                    } else {
                        for m in first.iter() {
                            result.add_member(m, limit);
                        }
                        'sets: for s in &others {
                            for m in s.iter() {
                                result.remove_member(m);
                                if result.is_empty() {
                                    break 'sets;
                                }
                            }
                        }
                    }
                }
            }
        }
        result
    };
    match dst {
        Some(dst) => store(ctx, dst, result, reply),
        None => reply_members(reply, result.iter()),
    }
}

/// SUNION key [key ...]
fn sunion(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    sunion_diff_generic(ctx, args, 1..args.len(), None, SetOp::Union, reply);
}

/// SUNIONSTORE destination key [key ...]
fn sunionstore(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let dst = args.get(1);
    sunion_diff_generic(ctx, args, 2..args.len(), Some(dst), SetOp::Union, reply);
}

/// SDIFF key [key ...]: the members of the first set that no other set has.
fn sdiff(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    sunion_diff_generic(ctx, args, 1..args.len(), None, SetOp::Diff, reply);
}

/// SDIFFSTORE destination key [key ...]
fn sdiffstore(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let dst = args.get(1);
    sunion_diff_generic(ctx, args, 2..args.len(), Some(dst), SetOp::Diff, reply);
}

// ---------------------------------------------------------------------------------------------
// SSCAN
// ---------------------------------------------------------------------------------------------

/// SSCAN key cursor [MATCH pattern] [COUNT count] (`sscanCommand`, `scanGenericCommand`): the
/// cursor is checked first, then the key (missing: an empty scan), then the options. An intset
/// answers whole with cursor 0; a hashtable about COUNT members a call (see
/// [`Set::scan`] for the guarantee). MATCH filters after the walk, as in Redis.
fn sscan(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let Some(cursor) = parse_cursor(args.get(2)) else {
        return reply.error(errors::INVALID_CURSOR);
    };
    let set = match ctx.lookup_read(args.get(1)).map(|e| as_set(&e.value)) {
        None => {
            reply.array(2);
            reply.bulk(b"0");
            return reply.array(0);
        }
        Some(Err(())) => return reply.error(errors::WRONGTYPE),
        Some(Ok(s)) => s,
    };
    let mut count = 10usize;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 3;
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
        } else {
            return reply.error(errors::SYNTAX);
        }
        i += 2;
    }
    let mut found: Vec<Member<'_>> = Vec::new();
    let next = set.scan(cursor, count, |m| {
        if pattern.is_none_or(|p| m.with_bytes(|b| glob_match(p, b, false))) {
            found.push(m);
        }
    });
    reply.array(2);
    reply.bulk(itoa::Buffer::new().format(next).as_bytes());
    reply.array(found.len());
    for m in found {
        reply_member(reply, m);
    }
}

#[cfg(test)]
#[path = "sets_tests.rs"]
mod tests;
