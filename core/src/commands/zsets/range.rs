//! Ranges of a sorted set: by rank, by score (`(` for an open bound, `-inf`/`+inf`) and by lex
//! (`[a`, `(a`, `-`, `+`): ZRANGE and its older forms, ZRANGESTORE, ZCOUNT, ZLEXCOUNT and the
//! ZREMRANGEBY* commands, as Redis's `zrangeGenericCommand` and `zremrangeGenericCommand`.
//!
//! Every range becomes an interval of ranks (see [`ZSet::count_prefix`]), counted from the
//! highest score for the reverse forms, so each command is a lookup of two bounds then a walk.

use std::ops::Range;

use super::*;
use crate::keyspace::zset::score::parse_bound;
use crate::protocol::args::parse_int;

/// A score range (`zrangespec`).
#[derive(Clone, Copy, Debug)]
pub struct ScoreRange {
    min: f64,
    max: f64,
    minex: bool,
    maxex: bool,
}

impl ScoreRange {
    /// Reads `min` and `max` as `zslParseRange` does.
    pub fn parse(min: &[u8], max: &[u8]) -> Result<ScoreRange, &'static str> {
        let bound = |b: &[u8]| -> Option<(f64, bool)> {
            match b.first() {
                Some(b'(') => parse_bound(&b[1..]).map(|v| (v, true)),
                _ => parse_bound(b).map(|v| (v, false)),
            }
        };
        let ((min, minex), (max, maxex)) = bound(min).zip(bound(max)).ok_or(MIN_MAX_NOT_FLOAT)?;
        Ok(ScoreRange {
            min,
            max,
            minex,
            maxex,
        })
    }

    fn below_min(&self, s: f64) -> bool {
        if self.minex {
            s <= self.min
        } else {
            s < self.min
        }
    }

    fn within_max(&self, s: f64) -> bool {
        if self.maxex {
            s < self.max
        } else {
            s <= self.max
        }
    }

    /// The ranks of the members in range, from the lowest score.
    pub fn ranks(&self, z: &ZSet) -> Range<usize> {
        let start = z.count_prefix(|_, s| self.below_min(s));
        let end = z.count_prefix(|_, s| self.within_max(s));
        start..end.max(start)
    }
}

/// One end of a lex range.
#[derive(Clone, Copy, Debug)]
enum LexBound<'a> {
    /// `-`: below every string.
    Min,
    /// `+`: above every string.
    Max,
    /// `[x` (false) or `(x` (true).
    Item(&'a [u8], bool),
}

impl<'a> LexBound<'a> {
    fn parse(b: &'a [u8]) -> Option<LexBound<'a>> {
        match b.first()? {
            b'+' if b.len() == 1 => Some(LexBound::Max),
            b'-' if b.len() == 1 => Some(LexBound::Min),
            b'(' => Some(LexBound::Item(&b[1..], true)),
            b'[' => Some(LexBound::Item(&b[1..], false)),
            _ => None,
        }
    }
}

/// A lex range (`zlexrangespec`).
#[derive(Clone, Copy, Debug)]
pub struct LexRange<'a> {
    min: LexBound<'a>,
    max: LexBound<'a>,
}

impl<'a> LexRange<'a> {
    /// Reads `min` and `max` as `zslParseLexRange` does.
    pub fn parse(min: &'a [u8], max: &'a [u8]) -> Result<LexRange<'a>, &'static str> {
        match (LexBound::parse(min), LexBound::parse(max)) {
            (Some(min), Some(max)) => Ok(LexRange { min, max }),
            _ => Err(MIN_MAX_NOT_STRING),
        }
    }

    fn below_min(&self, m: &[u8]) -> bool {
        match self.min {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Item(x, true) => m <= x,
            LexBound::Item(x, false) => m < x,
        }
    }

    fn within_max(&self, m: &[u8]) -> bool {
        match self.max {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Item(x, true) => m < x,
            LexBound::Item(x, false) => m <= x,
        }
    }

    /// The ranks of the members in range, from the lowest score (members compared as bytes;
    /// meaningful when every score is the same, as Redis documents). A packed set is walked
    /// exactly as Redis walks its listpack (`zzlFirstInLexRange` forward, `zzlLastInLexRange`
    /// backward), so that even sets of mixed scores answer alike; a large one is searched.
    pub fn ranks(&self, z: &ZSet, rev: bool) -> Range<usize> {
        if z.encoding() == "listpack" {
            return self.packed_ranks(&z.to_vec(), rev);
        }
        if !self.may_hold(z) {
            return 0..0;
        }
        let len = z.len();
        // As the skiplist walks: from the first member past the bound, while in range.
        if rev {
            let last = z.count_prefix(|m, _| self.within_max(m));
            let run = z.run_while(len - last, true, |m, _| !self.below_min(m));
            last - run..last
        } else {
            let start = z.count_prefix(|m, _| self.below_min(m));
            start..start + z.run_while(start, false, |m, _| self.within_max(m))
        }
    }

    /// The number of members in range, as ZLEXCOUNT counts them: the distance between the
    /// first and the last member in range.
    pub fn count(&self, z: &ZSet) -> usize {
        if z.encoding() == "listpack" {
            return self.ranks(z, false).len();
        }
        if !self.may_hold(z) {
            return 0;
        }
        let start = z.count_prefix(|m, _| self.below_min(m));
        let end = z.count_prefix(|m, _| self.within_max(m));
        end.saturating_sub(start)
    }

    /// `zslIsInLexRange`: false when the range is empty by itself, when the last member is
    /// below it or the first above it.
    fn may_hold(&self, z: &ZSet) -> bool {
        let edge = |rank: usize| {
            let mut out = Vec::new();
            z.for_each(rank..rank + 1, false, |m, _| out = m.to_vec());
            out
        };
        let len = z.len();
        len > 0
            && !self.always_empty()
            && !self.below_min(&edge(len - 1))
            && self.within_max(&edge(0))
    }

    /// `zslIsInLexRange`'s first test: a range that can hold nothing.
    fn always_empty(&self) -> bool {
        let rank = |b: &LexBound<'_>| match b {
            LexBound::Min => 0,
            LexBound::Item(..) => 1,
            LexBound::Max => 2,
        };
        let cmp = match (self.min, self.max) {
            (LexBound::Item(a, _), LexBound::Item(b, _)) => a.cmp(b),
            (a, b) => rank(&a).cmp(&rank(&b)),
        };
        let exclusive = |b: &LexBound<'_>| !matches!(b, LexBound::Item(_, false));
        cmp.is_gt() || (cmp.is_eq() && (exclusive(&self.min) || exclusive(&self.max)))
    }

    fn packed_ranks(&self, items: &[(Vec<u8>, f64)], rev: bool) -> Range<usize> {
        let n = items.len();
        let gte_min = |m: &[u8]| !self.below_min(m);
        if self.always_empty()
            || n == 0
            || !gte_min(&items[n - 1].0)
            || !self.within_max(&items[0].0)
        {
            return 0..0;
        }
        if rev {
            let Some(j) = items.iter().rposition(|(m, _)| self.within_max(m)) else {
                return 0..0;
            };
            let run = items[..=j]
                .iter()
                .rev()
                .take_while(|(m, _)| gte_min(m))
                .count();
            return j + 1 - run..j + 1;
        }
        let Some(i) = items.iter().position(|(m, _)| gte_min(m)) else {
            return 0..0;
        };
        let run = items[i..]
            .iter()
            .take_while(|(m, _)| self.within_max(m))
            .count();
        i..i + run
    }
}

/// Which ranks a range command names, counted from the lowest score.
enum Spec<'a> {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange<'a>),
}

/// The range kind a ZRANGE-like command asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Auto,
    Rank,
    Score,
    Lex,
}

/// The options of one ZRANGE-like call.
struct RangeCall<'a> {
    spec: Spec<'a>,
    rev: bool,
    withscores: bool,
    offset: i64,
    limit: i64,
}

/// Reads a ZRANGE-like call whose source key is argument `src` (`zrangeGenericCommand`'s
/// steps 1 and 2): the options, their conflicts, then the range.
fn parse_call<'a>(
    args: &Args<'a>,
    src: usize,
    store: bool,
    mut kind: Kind,
    mut rev: Option<bool>,
) -> Result<RangeCall<'a>, &'static str> {
    let (mut withscores, mut offset, mut limit) = (false, 0i64, -1i64);
    let mut j = src + 3;
    while j < args.len() {
        let left = args.len() - j - 1;
        if !store && args.is(j, "withscores") {
            withscores = true;
        } else if args.is(j, "limit") && left >= 2 {
            offset = parse_int(args.get(j + 1))?;
            limit = parse_int(args.get(j + 2))?;
            j += 2;
        } else if rev.is_none() && args.is(j, "rev") {
            rev = Some(true);
        } else if kind == Kind::Auto && args.is(j, "bylex") {
            kind = Kind::Lex;
        } else if kind == Kind::Auto && args.is(j, "byscore") {
            kind = Kind::Score;
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    let rev = rev.unwrap_or(false);
    if kind == Kind::Auto {
        kind = Kind::Rank;
    }
    if limit != -1 && kind == Kind::Rank {
        return Err(LIMIT_NEEDS_BY);
    }
    if withscores && kind == Kind::Lex {
        return Err(WITHSCORES_BYLEX);
    }
    let (mut lo, mut hi) = (args.get(src + 1), args.get(src + 2));
    if rev && kind != Kind::Rank {
        std::mem::swap(&mut lo, &mut hi);
    }
    let spec = match kind {
        Kind::Score => Spec::Score(ScoreRange::parse(lo, hi)?),
        Kind::Lex => Spec::Lex(LexRange::parse(lo, hi)?),
        _ => Spec::Rank(parse_int(lo)?, parse_int(hi)?),
    };
    Ok(RangeCall {
        spec,
        rev,
        withscores,
        offset,
        limit,
    })
}

/// Redis's rank sanitizing (negative counts from the end, clamped): the ranks, empty when the
/// range is.
fn rank_range(start: i64, end: i64, len: usize) -> Range<usize> {
    let len = len as i64;
    let start = if start < 0 {
        (start + len).max(0)
    } else {
        start
    };
    let end = if end < 0 { end + len } else { end };
    if start > end || start >= len {
        return 0..0;
    }
    start as usize..(end.min(len - 1) + 1) as usize
}

/// The ranks a call selects, counted in its direction, LIMIT applied.
fn select(call: &RangeCall<'_>, z: &ZSet) -> Range<usize> {
    let len = z.len();
    let ranks = match &call.spec {
        Spec::Rank(s, e) => return rank_range(*s, *e, len),
        Spec::Score(r) => r.ranks(z),
        Spec::Lex(r) => r.ranks(z, call.rev),
    };
    let ranks = if call.rev {
        len - ranks.end..len - ranks.start
    } else {
        ranks
    };
    // A negative offset walks off the end, as in Redis; a negative limit means all.
    if call.offset < 0 || (call.offset > 0 && call.offset as u64 >= len as u64) {
        return 0..0;
    }
    let start = ranks
        .start
        .saturating_add(call.offset as usize)
        .min(ranks.end);
    let end = if call.limit < 0 {
        ranks.end
    } else {
        start.saturating_add(call.limit as usize).min(ranks.end)
    };
    start..end
}

/// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
pub fn zrange(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    range_to_client(ctx, args, reply, Kind::Auto, None);
}

/// ZREVRANGE key start stop [WITHSCORES]
pub fn zrevrange(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    range_to_client(ctx, args, reply, Kind::Rank, Some(true));
}

/// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
pub fn zrangebyscore(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    range_to_client(ctx, args, reply, Kind::Score, Some(false));
}

/// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
pub fn zrevrangebyscore(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    range_to_client(ctx, args, reply, Kind::Score, Some(true));
}

/// ZRANGEBYLEX key min max [LIMIT offset count]
pub fn zrangebylex(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    range_to_client(ctx, args, reply, Kind::Lex, Some(false));
}

/// ZREVRANGEBYLEX key max min [LIMIT offset count]
pub fn zrevrangebylex(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    range_to_client(ctx, args, reply, Kind::Lex, Some(true));
}

fn range_to_client(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    reply: &mut Reply<'_>,
    kind: Kind,
    rev: Option<bool>,
) {
    let call = match parse_call(args, 1, false, kind, rev) {
        Ok(c) => c,
        Err(e) => return reply.error(e),
    };
    let z = match read_zset(ctx, args.get(1)) {
        Err(e) => return reply.error(e),
        Ok(None) => return reply.array(0),
        Ok(Some(z)) => z,
    };
    let ranks = select(&call, z);
    open_members(reply, ranks.len(), call.withscores);
    z.for_each(ranks, call.rev, |m, s| {
        member_reply(reply, m, s, call.withscores)
    });
}

/// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
pub fn zrangestore(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let call = match parse_call(args, 2, true, Kind::Auto, None) {
        Ok(c) => c,
        Err(e) => return reply.error(e),
    };
    let limits = Limits::of(ctx.config);
    let mut items = Vec::new();
    match read_zset(ctx, args.get(2)) {
        Err(e) => return reply.error(e),
        Ok(None) => {}
        Ok(Some(z)) => {
            let ranks = select(&call, z);
            z.for_each(ranks, call.rev, |m, s| items.push((m.to_vec(), s)));
        }
    }
    if call.rev {
        items.reverse();
    }
    // Redis adds the members one by one to a packed set; the encoding that ends up with is
    // the one `from_sorted` picks for the same members.
    store_result(ctx, args.get(1), ZSet::from_sorted(items, limits), reply);
}

/// ZCOUNT key min max
pub fn zcount(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let range = match ScoreRange::parse(args.get(2), args.get(3)) {
        Ok(r) => r,
        Err(e) => return reply.error(e),
    };
    match read_zset(ctx, args.get(1)) {
        Err(e) => reply.error(e),
        Ok(z) => reply.int(z.map_or(0, |z| range.ranks(z).len()) as i64),
    }
}

/// ZLEXCOUNT key min max
pub fn zlexcount(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let range = match LexRange::parse(args.get(2), args.get(3)) {
        Ok(r) => r,
        Err(e) => return reply.error(e),
    };
    match read_zset(ctx, args.get(1)) {
        Err(e) => reply.error(e),
        Ok(z) => reply.int(z.map_or(0, |z| range.count(z)) as i64),
    }
}

/// ZREMRANGEBYRANK key start stop
pub fn zremrangebyrank(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let (start, end) = match (parse_int(args.get(2)), parse_int(args.get(3))) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return reply.error(e),
    };
    remove_range(ctx, args.get(1), &Spec::Rank(start, end), reply);
}

/// ZREMRANGEBYSCORE key min max
pub fn zremrangebyscore(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    match ScoreRange::parse(args.get(2), args.get(3)) {
        Ok(r) => remove_range(ctx, args.get(1), &Spec::Score(r), reply),
        Err(e) => reply.error(e),
    }
}

/// ZREMRANGEBYLEX key min max
pub fn zremrangebylex(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    match LexRange::parse(args.get(2), args.get(3)) {
        Ok(r) => remove_range(ctx, args.get(1), &Spec::Lex(r), reply),
        Err(e) => reply.error(e),
    }
}

fn remove_range(ctx: &mut Ctx<'_>, key: &[u8], spec: &Spec<'_>, reply: &mut Reply<'_>) {
    let ranks = match peek_zset(ctx, key) {
        Err(e) => return reply.error(e),
        Ok(None) => 0..0,
        Ok(Some(z)) => match spec {
            Spec::Rank(s, e) => rank_range(*s, *e, z.len()),
            Spec::Score(r) => r.ranks(z),
            Spec::Lex(r) => r.ranks(z, false),
        },
    };
    if ranks.is_empty() {
        return reply.int(0);
    }
    let removed = zset_mut(ctx, key).map_or(0, |z| z.remove_ranks(ranks));
    remove_if_empty(ctx, key);
    ctx.ks.dirty += removed as u64;
    reply.int(removed as i64);
}
