//! SORT and SORT_RO, as Redis 7.0's `sort.c`: sort a list, set or sorted set by its elements or
//! by the values other keys hold (`BY pattern`), fetch other keys' values for each element
//! (`GET pattern`), and reply the result or store it as a list (`STORE`).
//!
//! The handler reads every key through the keyspace it is given. When no pattern names other
//! keys it runs on the source's shard like any command (or over keys gathered by the transaction
//! layer when the STORE destination lives elsewhere). When a pattern does ([`uses_patterns`]),
//! the transaction layer locks every shard, copies the source and each key the patterns name
//! ([`pattern_keys`]) into a scratch keyspace, runs this same handler there, and writes the
//! destination back to its shard.

use std::cmp::Ordering;

use super::flags::*;
use super::{cmd, Command, Ctx, KeySpec, Run, Span};
use crate::errors;
use crate::keyspace::zset::score::strtod;
use crate::keyspace::{Db, List, Value};
use crate::protocol::args::parse_int;
use crate::protocol::{Args, Reply};

/// The sort commands.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("sort", -2, WRITE | DENYOOM, KeySpec::Sort, Span::Sort, Run::Shard(sort), "generic", "Sort the elements in a list, set or sorted set"),
    cmd("sort_ro", -2, READONLY, KeySpec::SortRo, Span::Sort, Run::Shard(sort_ro), "generic", "Sort the elements in a list, set or sorted set. Read-only variant of SORT."),
];

/// The options of one call, as `sortCommandGeneric` parses them.
struct Options<'a> {
    desc: bool,
    alpha: bool,
    limit: (i64, i64),
    store: Option<&'a [u8]>,
    by: Option<&'a [u8]>,
    dontsort: bool,
    gets: Vec<&'a [u8]>,
}

fn parse<'a>(args: &Args<'a>, readonly: bool) -> Result<Options<'a>, &'static str> {
    let mut o = Options {
        desc: false,
        alpha: false,
        limit: (0, -1),
        store: None,
        by: None,
        dontsort: false,
        gets: Vec::new(),
    };
    let mut j = 2;
    while j < args.len() {
        let left = args.len() - j - 1;
        if args.is(j, "asc") {
            o.desc = false;
        } else if args.is(j, "desc") {
            o.desc = true;
        } else if args.is(j, "alpha") {
            o.alpha = true;
        } else if args.is(j, "limit") && left >= 2 {
            o.limit = (parse_int(args.get(j + 1))?, parse_int(args.get(j + 2))?);
            j += 2;
        } else if !readonly && args.is(j, "store") && left >= 1 {
            o.store = Some(args.get(j + 1));
            j += 1;
        } else if args.is(j, "by") && left >= 1 {
            let pattern = args.get(j + 1);
            o.by = Some(pattern);
            // No '*': nothing to sort by (a dontsort that a later BY does not undo).
            if !pattern.contains(&b'*') {
                o.dontsort = true;
            }
            j += 1;
        } else if args.is(j, "get") && left >= 1 {
            o.gets.push(args.get(j + 1));
            j += 1;
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    Ok(o)
}

/// True when a BY or GET pattern of the call may name other keys (it holds a `*`): such a call
/// must see every shard. Conservative: any `by`/`get` word followed by a `*` argument counts.
pub fn uses_patterns(args: &Args<'_>) -> bool {
    (2..args.len().saturating_sub(1))
        .any(|i| (args.is(i, "by") || args.is(i, "get")) && args.get(i + 1).contains(&b'*'))
}

/// The key a pattern names for `element` and the hash field after `->`, as Redis's
/// `lookupKeyByPattern` builds them; None for `#` or a pattern without `*`.
fn substitute(pattern: &[u8], element: &[u8]) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    if pattern == b"#" {
        return None;
    }
    let star = pattern.iter().position(|&b| b == b'*')?;
    let after = &pattern[star + 1..];
    let arrow = after
        .windows(2)
        .position(|w| w == b"->")
        .filter(|&p| p + 2 < after.len());
    let (post, field) = match arrow {
        Some(p) => (&after[..p], Some(after[p + 2..].to_vec())),
        None => (after, None),
    };
    let mut key = Vec::with_capacity(pattern.len() + element.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(element);
    key.extend_from_slice(post);
    Some((key, field))
}

/// The value `pattern` yields for `element`: the element itself for `#`, a string key's value,
/// a hash field's value, or None (missing key or field, wrong type, no `*`).
fn lookup(ctx: &mut Ctx<'_>, pattern: &[u8], element: &[u8]) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(element.to_vec());
    }
    let (key, field) = substitute(pattern, element)?;
    let entry = ctx.lookup_read(&key)?;
    match (&entry.value, field) {
        (Value::Hash(h), Some(f)) => h.get(&f).map(|v| v.to_vec()),
        (v, None) => v.to_bytes(),
        _ => None,
    }
}

/// The elements of the value at `key` (empty when missing), or WRONGTYPE.
fn elements(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<(Vec<Vec<u8>>, Kind), &'static str> {
    let Some(entry) = ctx.lookup_read(key) else {
        return Ok((Vec::new(), Kind::List));
    };
    Ok(match &entry.value {
        Value::List(l) => (l.iter().map(|v| v.to_vec()).collect(), Kind::List),
        Value::Set(s) => (s.iter().map(|m| m.to_vec()).collect(), Kind::Set),
        Value::ZSet(z) => {
            let mut v = Vec::with_capacity(z.len());
            z.for_each(0..z.len(), false, |m, _| v.push(m.to_vec()));
            (v, Kind::ZSet)
        }
        _ => return Err(errors::WRONGTYPE),
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    List,
    Set,
    ZSet,
}

/// Every key the BY and GET patterns name for the elements of the source, for the transaction
/// layer to copy next to it. `db` holds the source (and whatever was gathered already).
pub fn pattern_keys(db: &Db, now_ms: u64, args: &Args<'_>) -> Vec<Vec<u8>> {
    let Ok(o) = parse(args, false) else {
        return Vec::new();
    };
    let elems: Vec<Vec<u8>> = match db.peek(args.get(1), now_ms).map(|e| &e.value) {
        Some(Value::List(l)) => l.iter().map(|v| v.to_vec()).collect(),
        Some(Value::Set(s)) => s.iter().map(|m| m.to_vec()).collect(),
        Some(Value::ZSet(z)) => z.to_vec().into_iter().map(|(m, _)| m).collect(),
        _ => return Vec::new(),
    };
    let patterns: Vec<&[u8]> = o.by.into_iter().chain(o.gets.iter().copied()).collect();
    let mut keys: Vec<Vec<u8>> = elems
        .iter()
        .flat_map(|e| patterns.iter().filter_map(|p| substitute(p, e)))
        .map(|(k, _)| k)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// One element with what it sorts by.
struct Item {
    obj: Vec<u8>,
    score: f64,
    cmp: Option<Vec<u8>>,
}

fn sort(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    generic(ctx, args, false, reply)
}

fn sort_ro(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    generic(ctx, args, true, reply)
}

fn generic(ctx: &mut Ctx<'_>, args: &Args<'_>, readonly: bool, reply: &mut Reply<'_>) {
    let mut o = match parse(args, readonly) {
        Ok(o) => o,
        Err(e) => return reply.error(e),
    };
    let (elems, kind) = match elements(ctx, args.get(1)) {
        Ok(v) => v,
        Err(e) => return reply.error(e),
    };
    // A set has no order of its own: stored unsorted, it is sorted ALPHA so replicas agree.
    if o.dontsort && kind == Kind::Set && o.store.is_some() {
        o.dontsort = false;
        o.alpha = true;
        o.by = None;
    }
    let len = elems.len() as i64;
    let start = o.limit.0.max(0);
    let mut end = if o.limit.1 < 0 {
        len - 1
    } else {
        start.saturating_add(o.limit.1 - 1)
    };
    let mut start = start;
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    end = end.min(len - 1);
    let mut items: Vec<Item> = elems
        .into_iter()
        .map(|obj| Item {
            obj,
            score: 0.0,
            cmp: None,
        })
        .collect();
    if o.dontsort {
        // Lists and sorted sets keep their own order; DESC walks it from the other end.
        if o.desc && kind != Kind::Set {
            items.reverse();
        }
    } else {
        let mut bad = false;
        for it in items.iter_mut() {
            let by = match o.by {
                Some(p) => match lookup(ctx, p, &it.obj) {
                    Some(v) => v,
                    None => continue,
                },
                None => it.obj.clone(),
            };
            if o.alpha {
                if o.by.is_some() {
                    it.cmp = Some(by);
                }
            } else {
                let p = strtod(&by);
                if p.used != by.len() || p.erange || p.value.is_nan() {
                    bad = true;
                }
                it.score = p.value;
            }
        }
        if bad {
            return reply.error("ERR One or more scores can't be converted into double");
        }
        let (alpha, by_pattern, desc) = (o.alpha, o.by.is_some(), o.desc);
        items.sort_by(|a, b| {
            let c = compare(a, b, alpha, by_pattern);
            if desc {
                c.reverse()
            } else {
                c
            }
        });
    }
    let range: &[Item] = if end >= start {
        &items[start as usize..=end as usize]
    } else {
        &[]
    };
    match o.store {
        None => {
            let per = o.gets.len().max(1);
            reply.array(range.len() * per);
            for it in range {
                if o.gets.is_empty() {
                    reply.bulk(&it.obj);
                }
                for g in &o.gets {
                    match lookup(ctx, g, &it.obj) {
                        Some(v) => reply.bulk(&v),
                        None => reply.null(),
                    }
                }
            }
        }
        Some(dst) => {
            let mut out: Vec<Vec<u8>> = Vec::new();
            for it in range {
                if o.gets.is_empty() {
                    out.push(it.obj.clone());
                }
                for g in &o.gets {
                    out.push(lookup(ctx, g, &it.obj).unwrap_or_default());
                }
            }
            let n = out.len();
            let now = ctx.now_ms;
            if n > 0 {
                let list = List::from_items(
                    ctx.config.list_max_listpack_size,
                    out.iter().map(|v| v.as_slice()),
                );
                ctx.db().set(dst, Value::List(Box::new(list)), 0);
                ctx.ks.dirty += n as u64;
            } else if ctx.db().remove(dst, now).is_some() {
                ctx.ks.dirty += 1;
            }
            reply.int(n as i64);
        }
    }
}

/// Redis's `sortCompare` before DESC: numeric by score then by bytes; ALPHA by the BY values
/// (a missing one first) or by the elements.
fn compare(a: &Item, b: &Item, alpha: bool, by_pattern: bool) -> Ordering {
    if !alpha {
        return a
            .score
            .partial_cmp(&b.score)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.obj.cmp(&b.obj));
    }
    if by_pattern {
        return match (&a.cmp, &b.cmp) {
            (Some(x), Some(y)) => x.cmp(y),
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
        };
    }
    a.obj.cmp(&b.obj)
}

/// The keys of a SORT call, as Redis's `sortGetKeys`: the source, and the argument after the
/// last STORE (options with arguments are skipped as Redis skips them).
pub fn sort_key_indexes(args: &Args<'_>) -> Vec<usize> {
    let mut keys = vec![1];
    let mut store = None;
    let mut i = 2;
    while i < args.len() {
        if args.is(i, "limit") {
            i += 2;
        } else if args.is(i, "get") || args.is(i, "by") {
            i += 1;
        } else if args.is(i, "store") && i + 1 < args.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    keys.extend(store);
    keys
}
