//! ZUNION, ZINTER, ZDIFF, their *STORE forms and ZINTERCARD: Redis's
//! `zunionInterDiffGenericCommand`.
//!
//! Inputs are sorted sets or plain sets (every member scoring 1, as Redis); an absent key is an
//! empty set.
//!
//! As in Redis, union and intersection visit the inputs from the smallest to the largest (a
//! stable order, so the sums of equal-sized inputs add up in the same order as Redis's), a sum
//! of `inf` and `-inf` counts as 0, and the result is sorted by (score, member).

use super::*;
use crate::keyspace::zset::score::parse_score;
use crate::protocol::args::parse_int;

/// Which operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

/// How scores of a member found in several inputs combine.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    /// `zunionInterAggregate`.
    fn apply(self, target: &mut f64, val: f64) {
        match self {
            Aggregate::Sum => {
                *target += val;
                if target.is_nan() {
                    *target = 0.0;
                }
            }
            Aggregate::Min => *target = if val < *target { val } else { *target },
            Aggregate::Max => *target = if val > *target { val } else { *target },
        }
    }
}

/// One call's shape.
struct Call {
    op: Op,
    /// Index of numkeys.
    at: usize,
    store: bool,
    card: bool,
}

/// The options after the keys.
struct Options {
    weights: Vec<f64>,
    aggregate: Aggregate,
    withscores: bool,
    limit: u64,
}

/// ZUNION numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
pub fn zunion(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    run(
        ctx,
        args,
        reply,
        Call {
            op: Op::Union,
            at: 1,
            store: false,
            card: false,
        },
    );
}

/// ZINTER numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
pub fn zinter(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    run(
        ctx,
        args,
        reply,
        Call {
            op: Op::Inter,
            at: 1,
            store: false,
            card: false,
        },
    );
}

/// ZDIFF numkeys key [key ...] [WITHSCORES]
pub fn zdiff(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    run(
        ctx,
        args,
        reply,
        Call {
            op: Op::Diff,
            at: 1,
            store: false,
            card: false,
        },
    );
}

/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn zintercard(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    run(
        ctx,
        args,
        reply,
        Call {
            op: Op::Inter,
            at: 1,
            store: false,
            card: true,
        },
    );
}

/// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX]
pub fn zunionstore(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    run(
        ctx,
        args,
        reply,
        Call {
            op: Op::Union,
            at: 2,
            store: true,
            card: false,
        },
    );
}

/// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX]
pub fn zinterstore(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    run(
        ctx,
        args,
        reply,
        Call {
            op: Op::Inter,
            at: 2,
            store: true,
            card: false,
        },
    );
}

/// ZDIFFSTORE destination numkeys key [key ...]
pub fn zdiffstore(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    run(
        ctx,
        args,
        reply,
        Call {
            op: Op::Diff,
            at: 2,
            store: true,
            card: false,
        },
    );
}

/// The command's name as errors spell it.
fn name(args: &Args<'_>) -> String {
    String::from_utf8_lossy(args.get(0)).to_ascii_lowercase()
}

fn run(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>, call: Call) {
    let setnum = match parse_int(args.get(call.at)) {
        Ok(n) => n,
        Err(e) => return reply.error(e),
    };
    if setnum < 1 {
        let msg = format!(
            "ERR at least 1 input key is needed for '{}' command",
            name(args)
        );
        return reply.error(&msg);
    }
    let first = call.at + 1;
    if setnum as u64 > (args.len() - first) as u64 {
        return reply.error(errors::SYNTAX);
    }
    let keys = first..first + setnum as usize;
    for i in keys.clone() {
        if let Err(e) = read_input(ctx, args.get(i)) {
            return reply.error(e);
        }
    }
    let opts = match parse_options(args, keys.end, setnum as usize, &call) {
        Ok(o) => o,
        Err(e) => return reply.error(e),
    };
    let now = ctx.now_ms;
    let limits = Limits::of(ctx.config);
    let db = &ctx.ks.dbs[ctx.db];
    let as_zsets: Vec<Option<ZSet>> = keys
        .clone()
        .map(|i| set_as_zset(db.peek(args.get(i), now), limits))
        .collect();
    let sources: Vec<Option<&ZSet>> = keys
        .zip(&as_zsets)
        .map(|(i, converted)| {
            converted
                .as_ref()
                .or_else(|| source(db.peek(args.get(i), now)))
        })
        .collect();
    if call.card {
        let n = intercard(&sources, opts.limit);
        return reply.int(n as i64);
    }
    let items = compute(call.op, &sources, &opts);
    if call.store {
        let z = ZSet::from_sorted(items, Limits::of(ctx.config));
        return store_result(ctx, args.get(1), z, reply);
    }
    members_reply(reply, &items, opts.withscores);
}

/// Checks an input's type (a sorted set, a set, or nothing), counting the lookup as a read.
fn read_input(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<(), &'static str> {
    match ctx.lookup_read(key).map(|e| &e.value) {
        None | Some(Value::ZSet(_)) | Some(Value::Set(_)) => Ok(()),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// A plain set input as a sorted set whose members all score 1 (Redis reads sets so).
fn set_as_zset(entry: Option<&Entry>, limits: Limits) -> Option<ZSet> {
    let Some(Value::Set(set)) = entry.map(|e| &e.value) else {
        return None;
    };
    let mut items: Vec<(Vec<u8>, f64)> = set.iter().map(|m| (m.to_vec(), 1.0)).collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    Some(ZSet::from_sorted(items, limits))
}

/// An input's members, from what the key holds (its type was checked already).
fn source(entry: Option<&Entry>) -> Option<&ZSet> {
    match entry.map(|e| &e.value) {
        Some(Value::ZSet(z)) => Some(z),
        _ => None,
    }
}

fn parse_options(
    args: &Args<'_>,
    mut j: usize,
    setnum: usize,
    call: &Call,
) -> Result<Options, &'static str> {
    let mut o = Options {
        weights: vec![1.0; setnum],
        aggregate: Aggregate::Sum,
        withscores: false,
        limit: 0,
    };
    let weighted = call.op != Op::Diff && !call.card;
    while j < args.len() {
        let remaining = args.len() - j;
        if weighted && remaining > setnum && args.is(j, "weights") {
            for (k, w) in o.weights.iter_mut().enumerate() {
                *w = parse_score(args.get(j + 1 + k)).ok_or(WEIGHT_NOT_FLOAT)?;
            }
            j += 1 + setnum;
        } else if weighted && remaining >= 2 && args.is(j, "aggregate") {
            o.aggregate = match args.get(j + 1) {
                a if a.eq_ignore_ascii_case(b"sum") => Aggregate::Sum,
                a if a.eq_ignore_ascii_case(b"min") => Aggregate::Min,
                a if a.eq_ignore_ascii_case(b"max") => Aggregate::Max,
                _ => return Err(errors::SYNTAX),
            };
            j += 2;
        } else if !call.store && !call.card && args.is(j, "withscores") {
            o.withscores = true;
            j += 1;
        } else if call.card && remaining >= 2 && args.is(j, "limit") {
            o.limit = match parse_int(args.get(j + 1)) {
                Ok(n) if n >= 0 => n as u64,
                _ => return Err(LIMIT_NEGATIVE),
            };
            j += 2;
        } else {
            return Err(errors::SYNTAX);
        }
    }
    Ok(o)
}

fn len_of(z: Option<&ZSet>) -> usize {
    z.map_or(0, |z| z.len())
}

/// The inputs with their weights, smallest first (a stable sort, as glibc's `qsort` is for
/// inputs of equal size).
fn by_size<'a>(sources: &[Option<&'a ZSet>], weights: &[f64]) -> Vec<(Option<&'a ZSet>, f64)> {
    let mut v: Vec<(Option<&ZSet>, f64)> = sources
        .iter()
        .copied()
        .zip(weights.iter().copied())
        .collect();
    v.sort_by_key(|(z, _)| len_of(*z));
    v
}

/// The result, sorted by (score, member).
fn compute(op: Op, sources: &[Option<&ZSet>], o: &Options) -> Vec<(Vec<u8>, f64)> {
    let mut items = match op {
        Op::Union => union(&by_size(sources, &o.weights), o.aggregate),
        Op::Inter => inter(&by_size(sources, &o.weights), o.aggregate, usize::MAX),
        Op::Diff => diff(sources),
    };
    items.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    items
}

/// A weighted score, NaN (0 times infinity) counting as 0.
fn weighted(score: f64, weight: f64) -> f64 {
    let s = score * weight;
    if s.is_nan() {
        0.0
    } else {
        s
    }
}

fn union(srcs: &[(Option<&ZSet>, f64)], agg: Aggregate) -> Vec<(Vec<u8>, f64)> {
    let mut acc: HashMap<Vec<u8>, f64> = HashMap::new();
    for &(z, w) in srcs {
        let Some(z) = z else { continue };
        z.for_each(0..z.len(), true, |m, s| {
            let v = weighted(s, w);
            match acc.get_mut(m) {
                Some(t) => agg.apply(t, v),
                None => {
                    acc.insert(m.to_vec(), v);
                }
            }
        });
    }
    acc.into_iter().collect()
}

/// Members of the smallest input found in every other, at most `limit` of them.
fn inter(srcs: &[(Option<&ZSet>, f64)], agg: Aggregate, limit: usize) -> Vec<(Vec<u8>, f64)> {
    let mut out = Vec::new();
    let Some(&(Some(first), w0)) = srcs.first() else {
        return out;
    };
    first.for_each(0..first.len(), true, |m, s| {
        if out.len() >= limit {
            return;
        }
        let mut score = weighted(s, w0);
        for &(z, w) in &srcs[1..] {
            match z.and_then(|z| z.score(m)) {
                Some(v) => agg.apply(&mut score, v * w),
                None => return,
            }
        }
        out.push((m.to_vec(), score));
    });
    out
}

fn diff(sources: &[Option<&ZSet>]) -> Vec<(Vec<u8>, f64)> {
    let mut out = Vec::new();
    let Some(Some(first)) = sources.first() else {
        return out;
    };
    first.for_each(0..first.len(), false, |m, s| {
        if !sources[1..]
            .iter()
            .any(|z| z.is_some_and(|z| z.score(m).is_some()))
        {
            out.push((m.to_vec(), s));
        }
    });
    out
}

/// ZINTERCARD: the size of the intersection, counting stops at `limit` (0: no limit).
fn intercard(sources: &[Option<&ZSet>], limit: u64) -> usize {
    let limit = if limit == 0 {
        usize::MAX
    } else {
        usize::try_from(limit).unwrap_or(usize::MAX)
    };
    let ones = vec![1.0; sources.len()];
    inter(&by_size(sources, &ones), Aggregate::Sum, limit).len()
}
