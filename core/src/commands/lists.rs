//! The list family: LPUSH, LPOP, LRANGE and their relatives, as Redis 7.0's `t_list.c`.
//!
//! Every handler runs on the shard that owns its key(s) and writes exactly one reply. Read
//! commands look keys up through [`Ctx::lookup_read`] (keyspace hits and misses); write commands
//! look first without telling anyone and take the key for writing (`Db::get_mut`, which tells
//! WATCH) only once they know they will change it, as Redis signals a key only when it changes.
//! A list left empty is deleted: Redis never keeps an empty list.
//!
//! The blocking pops (BLPOP, BLMOVE, BLMPOP...) reuse the public helpers: [`parse_end`],
//! [`parse_mpop`], [`pop_one`], [`pop_range`], [`mpop`] and [`lmove_generic`].

use super::flags::*;
use super::{cmd, keys, Command, Ctx, KeySpec, Run, Span};
use crate::errors;
use crate::keyspace::list::{End, Needle};
use crate::keyspace::listpack::LpValue;
use crate::keyspace::{Entry, List, Value};
use crate::protocol::args::parse_int;
use crate::protocol::{Args, Reply};

/// LPOS with `RANK 0`.
pub const RANK_ZERO: &str = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
/// LPOS with a `COUNT` that is negative or not a number.
pub const COUNT_NEGATIVE: &str = "ERR COUNT can't be negative";
/// LPOS with a `MAXLEN` that is negative or not a number.
pub const MAXLEN_NEGATIVE: &str = "ERR MAXLEN can't be negative";
/// LSET past either end of the list.
pub const INDEX_OUT_OF_RANGE: &str = "ERR index out of range";
/// LPOP and RPOP with a count that is negative or not a number.
pub const MUST_BE_POSITIVE: &str = "ERR value is out of range, must be positive";
/// LMPOP (and BLMPOP) with a `numkeys` under 1 or not a number.
pub const NUMKEYS_NOT_POSITIVE: &str = "ERR numkeys should be greater than 0";
/// LMPOP (and BLMPOP) with a `COUNT` under 1 or not a number.
pub const COUNT_NOT_POSITIVE: &str = "ERR count should be greater than 0";

/// The list commands.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("lpush", -3, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(lpush), "list", "Prepend one or multiple elements to a list"),
    cmd("rpush", -3, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(rpush), "list", "Append one or multiple elements to a list"),
    cmd("lpushx", -3, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(lpushx), "list", "Prepend an element to a list, only if the list exists"),
    cmd("rpushx", -3, WRITE | DENYOOM | FAST, keys(1, 1, 1), Span::Single, Run::Shard(rpushx), "list", "Append an element to a list, only if the list exists"),
    cmd("linsert", 5, WRITE | DENYOOM, keys(1, 1, 1), Span::Single, Run::Shard(linsert), "list", "Insert an element before or after another element in a list"),
    cmd("lindex", 3, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(lindex), "list", "Get an element from a list by its index"),
    cmd("lset", 4, WRITE | DENYOOM, keys(1, 1, 1), Span::Single, Run::Shard(lset), "list", "Set the value of an element in a list by its index"),
    cmd("llen", 2, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(llen), "list", "Get the length of a list"),
    cmd("lrange", 4, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(lrange), "list", "Get a range of elements from a list"),
    cmd("ltrim", 4, WRITE, keys(1, 1, 1), Span::Single, Run::Shard(ltrim), "list", "Trim a list to the specified range"),
    cmd("lrem", 4, WRITE, keys(1, 1, 1), Span::Single, Run::Shard(lrem), "list", "Remove elements from a list"),
    cmd("lpop", -2, WRITE | FAST, keys(1, 1, 1), Span::Single, Run::Shard(lpop), "list", "Remove and get the first elements in a list"),
    cmd("rpop", -2, WRITE | FAST, keys(1, 1, 1), Span::Single, Run::Shard(rpop), "list", "Remove and get the last elements in a list"),
    cmd("lpos", -3, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(lpos), "list", "Return the index of matching elements on a list"),
    cmd("rpoplpush", 3, WRITE | DENYOOM, keys(1, 2, 1), Span::Single, Run::Shard(rpoplpush), "list", "Remove the last element in a list, prepend it to another list and return it"),
    cmd("lmove", 5, WRITE | DENYOOM, keys(1, 2, 1), Span::Single, Run::Shard(lmove), "list", "Pop an element from a list, push it to another list and return it"),
    cmd("lmpop", -4, WRITE, KeySpec::Numkeys { at: 1, dest: false }, Span::Single, Run::Shard(lmpop), "list", "Pop elements from a list"),
];

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// What a lookup of a list key found: nothing, the list, or WRONGTYPE.
type Found<'a> = Result<Option<&'a List>, &'static str>;

fn as_list(entry: Option<&Entry>) -> Found<'_> {
    match entry.map(|e| &e.value) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// The list at `key` for a read command (`lookupKeyRead`: counts a hit or a miss).
fn read_list<'a>(ctx: &'a mut Ctx<'_>, key: &[u8]) -> Found<'a> {
    as_list(ctx.lookup_read(key))
}

/// The list at `key` as a write command first sees it (`lookupKeyWrite`: no hit or miss
/// counted, and nobody told: nothing has changed yet).
fn peek_list<'a>(ctx: &'a mut Ctx<'_>, key: &[u8]) -> Found<'a> {
    let now = ctx.now_ms;
    as_list(ctx.db().get(key, now))
}

/// Changes the list at `key` through `change` (the key's watchers are told) and deletes the
/// key when the list is left empty. None when `key` holds no list.
fn with_list<R>(ctx: &mut Ctx<'_>, key: &[u8], change: impl FnOnce(&mut List) -> R) -> Option<R> {
    let now = ctx.now_ms;
    let db = ctx.db();
    let Some(Entry {
        value: Value::List(list),
        ..
    }) = db.get_mut(key, now)
    else {
        return None;
    };
    let out = change(list);
    if list.is_empty() {
        db.remove(key, now);
    }
    Some(out)
}

/// Writes a stored element as a bulk string.
fn reply_value(reply: &mut Reply<'_>, v: LpValue<'_>) {
    match v {
        LpValue::Str(s) => reply.bulk(s),
        LpValue::Int(n) => reply.bulk_int(n),
    }
}

/// Writes elements as an array of bulk strings.
fn reply_values<'a>(reply: &mut Reply<'_>, items: impl ExactSizeIterator<Item = LpValue<'a>>) {
    reply.array(items.len());
    for v in items {
        reply_value(reply, v);
    }
}

/// LRANGE's and LTRIM's index rules: `start` and `end` (negative: from the tail, inclusive)
/// as the first position and the number of elements, or None for an empty range.
fn range_of(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    let llen = len as i64;
    let start = if start < 0 { llen + start } else { start }.max(0);
    let end = if end < 0 { llen + end } else { end };
    if start > end || start >= llen {
        return None;
    }
    let end = end.min(llen - 1);
    Some((start as usize, (end - start + 1) as usize))
}

/// LEFT or RIGHT (any case) as a list end (`getListPositionFromObjectOrReply`); anything else
/// is a syntax error.
pub fn parse_end(arg: &[u8]) -> Result<End, &'static str> {
    if arg.eq_ignore_ascii_case(b"left") {
        Ok(End::Head)
    } else if arg.eq_ignore_ascii_case(b"right") {
        Ok(End::Tail)
    } else {
        Err(errors::SYNTAX)
    }
}

/// Pushes `v` at `end` of the list at `key`, making the list when the key is absent (the caller
/// has checked the key holds no other type).
fn push_value(ctx: &mut Ctx<'_>, key: &[u8], end: End, v: &[u8]) -> usize {
    if let Some(len) = with_list(ctx, key, |l| {
        l.push(end, v);
        l.len()
    }) {
        return len;
    }
    let mut list = List::new(ctx.config.list_max_listpack_size);
    list.push(end, v);
    ctx.db().set(key, Value::List(Box::new(list)), 0);
    1
}

// ---------------------------------------------------------------------------------------------
// Pops and moves, shared with the blocking commands
// ---------------------------------------------------------------------------------------------

/// Pops one element from `end` of the list at `key`, deleting the key when it empties (LPOP,
/// RPOP, and BLPOP once the key has an element). None when `key` holds no list.
pub fn pop_one(ctx: &mut Ctx<'_>, key: &[u8], end: End) -> Option<Vec<u8>> {
    let v = with_list(ctx, key, |l| l.pop(end)).flatten()?;
    ctx.ks.dirty += 1;
    Some(v)
}

/// Pops up to `count` elements from `end` of the list at `key` and replies them as an array,
/// in the order they left (Redis's `addListRangeReply` then `listTypeDelRange`); the key goes
/// when the list empties. Replies an empty array when `key` holds no list. Returns how many
/// elements went.
pub fn pop_range(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    end: End,
    count: usize,
    reply: &mut Reply<'_>,
) -> usize {
    let popped = with_list(ctx, key, |l| {
        let n = count.min(l.len());
        let from = match end {
            End::Head => 0,
            End::Tail => l.len() - 1,
        };
        reply_values(reply, l.iter_at(from, end == End::Tail).take(n));
        l.drop_end(end, n);
        n
    });
    let Some(n) = popped else {
        reply.array(0);
        return 0;
    };
    ctx.ks.dirty += n as u64;
    n
}

/// LMPOP's (and BLMPOP's) options, once read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MpopArgs {
    /// Index of the first key.
    pub first_key: usize,
    /// Number of keys.
    pub numkeys: usize,
    /// Which end to pop from.
    pub end: End,
    /// Most elements to pop (1 without COUNT).
    pub count: usize,
}

/// Reads `numkeys key [key ...] LEFT|RIGHT [COUNT count]` with `numkeys` at argument
/// `numkeys_at` (1 for LMPOP, 2 for BLMPOP), as Redis's `lmpopGenericCommand`, errors included.
pub fn parse_mpop(args: &Args<'_>, numkeys_at: usize) -> Result<MpopArgs, &'static str> {
    let numkeys = match parse_int(args.get(numkeys_at)) {
        Ok(n) if n >= 1 => n as u64,
        _ => return Err(NUMKEYS_NOT_POSITIVE),
    };
    let where_at = (numkeys_at as u64)
        .checked_add(numkeys)
        .and_then(|w| w.checked_add(1))
        .filter(|&w| w < args.len() as u64)
        .ok_or(errors::SYNTAX)? as usize;
    let end = parse_end(args.get(where_at))?;
    let mut count = None;
    let mut j = where_at + 1;
    while j < args.len() {
        if count.is_none() && args.is(j, "count") && j + 1 < args.len() {
            match parse_int(args.get(j + 1)) {
                Ok(n) if n >= 1 => count = Some(n as usize),
                _ => return Err(COUNT_NOT_POSITIVE),
            }
            j += 2;
        } else {
            return Err(errors::SYNTAX);
        }
    }
    Ok(MpopArgs {
        first_key: numkeys_at + 1,
        numkeys: numkeys as usize,
        end,
        count: count.unwrap_or(1),
    })
}

/// Pops from the first of `keys` that holds a non-empty list and replies `[key, [elements]]`
/// (Redis's `mpopGenericCommand`); a key of another type before it is WRONGTYPE; no list at
/// all is a null array.
pub fn mpop<'k>(
    ctx: &mut Ctx<'_>,
    keys: impl IntoIterator<Item = &'k [u8]>,
    end: End,
    count: usize,
    reply: &mut Reply<'_>,
) {
    for key in keys {
        match peek_list(ctx, key) {
            Err(e) => return reply.error(e),
            Ok(Some(l)) if !l.is_empty() => {}
            Ok(_) => continue,
        }
        reply.array(2);
        reply.bulk(key);
        pop_range(ctx, key, end, count, reply);
        return;
    }
    reply.null_array();
}

/// LMOVE's body once the ends are read (RPOPLPUSH, and BLMOVE once the source has an element):
/// pops from `from` of `src`, pushes at `to` of `dst` (made when absent), and replies the
/// element; null when `src` holds nothing. With `src` = `dst` the list rotates in place.
pub fn lmove_generic(
    ctx: &mut Ctx<'_>,
    src: &[u8],
    dst: &[u8],
    from: End,
    to: End,
    reply: &mut Reply<'_>,
) {
    match peek_list(ctx, src) {
        Err(e) => return reply.error(e),
        Ok(Some(l)) if !l.is_empty() => {}
        Ok(_) => return reply.null(),
    }
    if let Err(e) = peek_list(ctx, dst) {
        return reply.error(e);
    }
    let moved = if src == dst {
        with_list(ctx, src, |l| {
            let v = l.pop(from)?;
            l.push(to, &v);
            Some(v)
        })
        .flatten()
    } else {
        with_list(ctx, src, |l| l.pop(from)).flatten().inspect(|v| {
            push_value(ctx, dst, to, v);
        })
    };
    match moved {
        Some(v) => {
            ctx.ks.dirty += 1;
            reply.bulk(&v);
        }
        None => reply.null(),
    }
}

// ---------------------------------------------------------------------------------------------
// Pushes
// ---------------------------------------------------------------------------------------------

/// LPUSH key element [element ...]
fn lpush(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    push_generic(ctx, args, End::Head, false, reply);
}

/// RPUSH key element [element ...]
fn rpush(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    push_generic(ctx, args, End::Tail, false, reply);
}

/// LPUSHX key element [element ...]
fn lpushx(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    push_generic(ctx, args, End::Head, true, reply);
}

/// RPUSHX key element [element ...]
fn rpushx(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    push_generic(ctx, args, End::Tail, true, reply);
}

/// Redis's `pushGenericCommand`: pushes every element in turn at `end` (LPUSH a b c leaves
/// c b a), making the list unless `existing_only`; replies the new length (0 when
/// `existing_only` and the key is absent).
fn push_generic(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    end: End,
    existing_only: bool,
    reply: &mut Reply<'_>,
) {
    let key = args.get(1);
    let elements = (2..args.len()).map(|i| args.get(i));
    let len = match peek_list(ctx, key) {
        Err(e) => return reply.error(e),
        Ok(None) if existing_only => return reply.int(0),
        Ok(None) => {
            let mut list = List::new(ctx.config.list_max_listpack_size);
            elements.for_each(|v| list.push(end, v));
            let len = list.len();
            ctx.db().set(key, Value::List(Box::new(list)), 0);
            len
        }
        Ok(Some(_)) => with_list(ctx, key, |l| {
            elements.for_each(|v| l.push(end, v));
            l.len()
        })
        .unwrap_or(0),
    };
    ctx.ks.dirty += args.len() as u64 - 2;
    reply.int(len as i64);
}

/// LINSERT key BEFORE|AFTER pivot element: the new length, -1 when the pivot is not there, 0
/// when the key is absent.
fn linsert(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let after = if args.is(2, "after") {
        true
    } else if args.is(2, "before") {
        false
    } else {
        return reply.error(errors::SYNTAX);
    };
    let key = args.get(1);
    let at = match peek_list(ctx, key) {
        Err(e) => return reply.error(e),
        Ok(None) => return reply.int(0),
        Ok(Some(l)) => l.position(&Needle::new(args.get(3)), false),
    };
    let Some(at) = at else {
        return reply.int(-1);
    };
    let len = with_list(ctx, key, |l| {
        l.insert(at, args.get(4), after);
        l.len()
    });
    ctx.ks.dirty += 1;
    reply.int(len.unwrap_or(0) as i64);
}

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

/// LLEN key
fn llen(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    match read_list(ctx, args.get(1)) {
        Err(e) => reply.error(e),
        Ok(l) => reply.int(l.map_or(0, |l| l.len()) as i64),
    }
}

/// LINDEX key index: the element, or null past either end. The key is looked up before the
/// index is read, as in Redis.
fn lindex(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let list = match read_list(ctx, args.get(1)) {
        Err(e) => return reply.error(e),
        Ok(None) => return reply.null(),
        Ok(Some(l)) => l,
    };
    let index = match parse_int(args.get(2)) {
        Ok(i) => i,
        Err(e) => return reply.error(e),
    };
    match list.index(index).and_then(|i| list.get(i)) {
        Some(v) => reply_value(reply, v),
        None => reply.null(),
    }
}

/// LRANGE key start stop
fn lrange(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let (start, end) = match (parse_int(args.get(2)), parse_int(args.get(3))) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return reply.error(e),
    };
    let list = match read_list(ctx, args.get(1)) {
        Err(e) => return reply.error(e),
        Ok(None) => return reply.array(0),
        Ok(Some(l)) => l,
    };
    match range_of(list.len(), start, end) {
        Some((from, n)) => reply_values(reply, list.iter_at(from, false).take(n)),
        None => reply.array(0),
    }
}

/// What LPOS was asked.
struct LposOpts {
    rank: i64,
    /// -1 when COUNT was not given (the reply is then one index or null).
    count: i64,
    maxlen: i64,
}

/// Reads LPOS's options (`RANK`, `COUNT`, `MAXLEN`, any order, the last one wins).
fn lpos_opts(args: &Args<'_>) -> Result<LposOpts, &'static str> {
    let mut o = LposOpts {
        rank: 1,
        count: -1,
        maxlen: 0,
    };
    let mut j = 3;
    while j < args.len() {
        let more = j + 1 < args.len();
        let non_negative = |err| match parse_int(args.get(j + 1)) {
            Ok(n) if n >= 0 => Ok(n),
            _ => Err(err),
        };
        if args.is(j, "rank") && more {
            o.rank = parse_int(args.get(j + 1))?;
            if o.rank == 0 {
                return Err(RANK_ZERO);
            }
        } else if args.is(j, "count") && more {
            o.count = non_negative(COUNT_NEGATIVE)?;
        } else if args.is(j, "maxlen") && more {
            o.maxlen = non_negative(MAXLEN_NEGATIVE)?;
        } else {
            return Err(errors::SYNTAX);
        }
        j += 2;
    }
    Ok(o)
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]: the position of the
/// `rank`-th match (from the tail when negative), or with COUNT an array of up to `count`
/// positions (0: all); MAXLEN bounds how many elements are looked at.
fn lpos(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let o = match lpos_opts(args) {
        Ok(o) => o,
        Err(e) => return reply.error(e),
    };
    let with_count = o.count != -1;
    let list = match read_list(ctx, args.get(1)) {
        Err(e) => return reply.error(e),
        Ok(None) if with_count => return reply.array(0),
        Ok(None) => return reply.null(),
        Ok(Some(l)) => l,
    };
    // Redis negates the rank in a `long`: the smallest one stays negative (and so matches
    // from the first hit on); the arithmetic below wraps as it does there.
    let rev = o.rank < 0;
    let rank = if rev { o.rank.wrapping_neg() } else { o.rank };
    let needle = Needle::new(args.get(2));
    let len = list.len();
    let start = if rev { len.saturating_sub(1) } else { 0 };
    let mut matches: i64 = 0;
    let mut found = Vec::new();
    for (index, v) in list.iter_at(start, rev).enumerate() {
        if o.maxlen != 0 && index as i64 >= o.maxlen {
            break;
        }
        if !needle.matches(&v) {
            continue;
        }
        matches += 1;
        if matches < rank {
            continue;
        }
        found.push(if rev { len - 1 - index } else { index } as i64);
        let enough = o.count != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= o.count;
        if !with_count || enough {
            break;
        }
    }
    if with_count {
        reply.array(found.len());
        found.into_iter().for_each(|i| reply.int(i));
    } else {
        match found.first() {
            Some(&i) => reply.int(i),
            None => reply.null(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Changes in place
// ---------------------------------------------------------------------------------------------

/// LSET key index element
fn lset(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let key = args.get(1);
    let at = match peek_list(ctx, key) {
        Err(e) => return reply.error(e),
        Ok(None) => return reply.error(errors::NO_SUCH_KEY),
        Ok(Some(l)) => match parse_int(args.get(2)) {
            Ok(i) => l.index(i),
            Err(e) => return reply.error(e),
        },
    };
    let Some(at) = at else {
        return reply.error(INDEX_OUT_OF_RANGE);
    };
    with_list(ctx, key, |l| l.set(at, args.get(3)));
    ctx.ks.dirty += 1;
    reply.ok();
}

/// LTRIM key start stop: keeps the range (the key goes when nothing is left). Like Redis, the
/// key counts as changed even when nothing was trimmed.
fn ltrim(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let (start, end) = match (parse_int(args.get(2)), parse_int(args.get(3))) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return reply.error(e),
    };
    let key = args.get(1);
    match peek_list(ctx, key) {
        Err(e) => return reply.error(e),
        Ok(None) => return reply.ok(),
        Ok(Some(_)) => {}
    }
    let removed = with_list(ctx, key, |l| {
        let before = l.len();
        match range_of(before, start, end) {
            Some((from, n)) => l.keep_range(from, from + n - 1),
            None => l.drop_end(End::Head, before),
        }
        before - l.len()
    });
    ctx.ks.dirty += removed.unwrap_or(0) as u64;
    reply.ok();
}

/// LREM key count element: removes `count` matches from the head (negative: from the tail;
/// 0: all) and replies how many went.
fn lrem(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let count = match parse_int(args.get(2)) {
        Ok(c) => c,
        Err(e) => return reply.error(e),
    };
    let key = args.get(1);
    let needle = Needle::new(args.get(3));
    match peek_list(ctx, key) {
        Err(e) => return reply.error(e),
        Ok(None) => return reply.int(0),
        // Nothing to remove: the key is not touched (WATCH does not fire).
        Ok(Some(l)) if l.position(&needle, count < 0).is_none() => return reply.int(0),
        Ok(Some(_)) => {}
    }
    let removed = with_list(ctx, key, |l| l.remove_matches(&needle, count)).unwrap_or(0);
    ctx.ks.dirty += removed as u64;
    reply.int(removed as i64);
}

// ---------------------------------------------------------------------------------------------
// Pops and moves
// ---------------------------------------------------------------------------------------------

/// LPOP key [count]
fn lpop(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    pop_generic(ctx, args, End::Head, "lpop", reply);
}

/// RPOP key [count]
fn rpop(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    pop_generic(ctx, args, End::Tail, "rpop", reply);
}

/// Redis's `popGenericCommand`: without a count, one element or null; with one, an array of
/// up to `count` elements, a null array when the key is absent, an empty array for 0.
fn pop_generic(ctx: &mut Ctx<'_>, args: &Args<'_>, end: End, name: &str, reply: &mut Reply<'_>) {
    if args.len() > 3 {
        return reply.error(&errors::wrong_arity(name));
    }
    let count = match args.try_get(2).map(parse_int) {
        None => None,
        Some(Ok(n)) if n >= 0 => Some(n as usize),
        Some(_) => return reply.error(MUST_BE_POSITIVE),
    };
    let key = args.get(1);
    match peek_list(ctx, key) {
        Err(e) => return reply.error(e),
        Ok(None) if count.is_some() => return reply.null_array(),
        Ok(None) => return reply.null(),
        Ok(Some(_)) => {}
    }
    match count {
        Some(0) => reply.array(0),
        Some(n) => {
            pop_range(ctx, key, end, n, reply);
        }
        None => match pop_one(ctx, key, end) {
            Some(v) => reply.bulk(&v),
            None => reply.null(),
        },
    }
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
fn lmove(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let (from, to) = match (parse_end(args.get(3)), parse_end(args.get(4))) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => return reply.error(e),
    };
    lmove_generic(ctx, args.get(1), args.get(2), from, to, reply);
}

/// RPOPLPUSH source destination: LMOVE source destination RIGHT LEFT.
fn rpoplpush(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    lmove_generic(ctx, args.get(1), args.get(2), End::Tail, End::Head, reply);
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
fn lmpop(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let m = match parse_mpop(args, 1) {
        Ok(m) => m,
        Err(e) => return reply.error(e),
    };
    let keys = (m.first_key..m.first_key + m.numkeys).map(|i| args.get(i));
    mpop(ctx, keys, m.end, m.count, reply);
}

#[cfg(test)]
#[path = "lists_tests.rs"]
mod tests;
