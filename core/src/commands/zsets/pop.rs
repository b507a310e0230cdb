//! ZPOPMIN, ZPOPMAX, ZMPOP (Redis's `genericZpopCommand`), ZRANDMEMBER and ZSCAN.

use super::*;
use crate::commands::blocking;
use crate::keyspace::glob_match;
use crate::protocol::args::parse_cursor;
use crate::protocol::args::parse_int;

/// ZPOPMIN key [count]
pub fn zpopmin(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    zpop_command(ctx, args, reply, false);
}

/// ZPOPMAX key [count]
pub fn zpopmax(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    zpop_command(ctx, args, reply, true);
}

fn zpop_command(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>, max: bool) {
    if args.len() > 3 {
        return reply.error(errors::SYNTAX);
    }
    let count = match args.try_get(2).map(parse_int) {
        None => None,
        Some(Ok(n)) if n >= 0 => Some(n as u64),
        Some(_) => return reply.error(NOT_POSITIVE),
    };
    let key = args.get(1);
    match peek_zset(ctx, key) {
        Err(e) => return reply.error(e),
        Ok(None) => return reply.array(0),
        Ok(Some(_)) => {}
    }
    if count == Some(0) {
        return reply.array(0);
    }
    let popped = pop_n(ctx, key, count.unwrap_or(1), max);
    if count.is_some() {
        // RESP3 nests the pairs when a count was given.
        return members_reply(reply, &popped, true);
    }
    reply.array(popped.len() * 2);
    for (m, s) in &popped {
        reply.bulk(m);
        reply.double(*s);
    }
}

/// Pops up to `n` members from the zset at `key` (which exists), deleting it when emptied.
fn pop_n(ctx: &mut Ctx<'_>, key: &[u8], n: u64, max: bool) -> Vec<(Vec<u8>, f64)> {
    let mut out = Vec::new();
    if let Some(z) = zset_mut(ctx, key) {
        let take = n.min(z.len() as u64) as usize;
        let len = z.len();
        z.for_each(0..take, max, |m, s| out.push((m.to_vec(), s)));
        z.remove_ranks(if max { len - take..len } else { 0..take });
    }
    remove_if_empty(ctx, key);
    ctx.ks.dirty += out.len() as u64;
    out
}

/// ZMPOP's (and BZMPOP's) options, once read: the keys' index range, which end, how many.
struct Mpop {
    keys: std::ops::Range<usize>,
    max: bool,
    count: Option<u64>,
}

/// Reads `numkeys key [key ...] MIN|MAX [COUNT count]` with `numkeys` at `numkeys_at` (1 for
/// ZMPOP, 2 for BZMPOP), errors as Redis words them.
fn parse_mpop(args: &Args<'_>, numkeys_at: usize) -> Result<Mpop, &'static str> {
    let numkeys = match parse_int(args.get(numkeys_at)) {
        Ok(n) if n >= 1 => n as u64,
        _ => return Err(NUMKEYS_POSITIVE),
    };
    let where_at = (numkeys_at as u64 + 1).saturating_add(numkeys);
    if where_at >= args.len() as u64 {
        return Err(errors::SYNTAX);
    }
    let where_at = where_at as usize;
    let max = if args.is(where_at, "max") {
        true
    } else if args.is(where_at, "min") {
        false
    } else {
        return Err(errors::SYNTAX);
    };
    let mut count: Option<u64> = None;
    let mut j = where_at + 1;
    while j < args.len() {
        if count.is_none() && args.is(j, "count") && j + 1 < args.len() {
            match parse_int(args.get(j + 1)) {
                Ok(n) if n >= 1 => count = Some(n as u64),
                _ => return Err(COUNT_POSITIVE),
            }
            j += 2;
        } else {
            return Err(errors::SYNTAX);
        }
    }
    Ok(Mpop {
        keys: numkeys_at + 1..where_at,
        max,
        count,
    })
}

/// Pops from the first key of `m` holding a sorted set and replies `[key, [[member, score]...]]`;
/// false (nothing written) when none does.
fn serve_mpop(ctx: &mut Ctx<'_>, args: &Args<'_>, m: &Mpop, reply: &mut Reply<'_>) -> bool {
    for i in m.keys.clone() {
        let key = args.get(i);
        match peek_zset(ctx, key) {
            Err(e) => {
                reply.error(e);
                return true;
            }
            Ok(None) => continue,
            Ok(Some(_)) => {}
        }
        let popped = pop_n(ctx, key, m.count.unwrap_or(1), m.max);
        reply.array(2);
        reply.bulk(key);
        reply.array(popped.len());
        for (m, s) in &popped {
            reply.array(2);
            reply.bulk(m);
            reply.double(*s);
        }
        return true;
    }
    false
}

/// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: pops from the first non-empty key.
pub fn zmpop(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let m = match parse_mpop(args, 1) {
        Ok(m) => m,
        Err(e) => return reply.error(e),
    };
    if !serve_mpop(ctx, args, &m, reply) {
        reply.null_array();
    }
}

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: ZMPOP, or wait for a member.
pub fn bzmpop(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let m = match parse_mpop(args, 2) {
        Ok(m) => m,
        Err(e) => return reply.error(e),
    };
    let deadline = match blocking::deadline(args.get(1), ctx.now_ms) {
        Ok(d) => d,
        Err(e) => return reply.error(e),
    };
    if !serve_mpop(ctx, args, &m, reply) {
        reply.null_array();
        blocking::wait_until(ctx, deadline);
    }
}

/// BZPOPMIN key [key ...] timeout
pub fn bzpopmin(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    bzpop(ctx, args, reply, false);
}

/// BZPOPMAX key [key ...] timeout
pub fn bzpopmax(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    bzpop(ctx, args, reply, true);
}

/// The first key in order holding members gives one: `[key, member, score]`.
fn bzpop(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>, max: bool) {
    let deadline = match blocking::deadline(args.get(args.len() - 1), ctx.now_ms) {
        Ok(d) => d,
        Err(e) => return reply.error(e),
    };
    for i in 1..args.len() - 1 {
        let key = args.get(i);
        match peek_zset(ctx, key) {
            Err(e) => return reply.error(e),
            Ok(None) => continue,
            Ok(Some(_)) => {}
        }
        if let Some((m, s)) = pop_n(ctx, key, 1, max).into_iter().next() {
            reply.array(3);
            reply.bulk(key);
            reply.bulk(&m);
            reply.double(s);
            return;
        }
    }
    reply.null_array();
    blocking::wait_until(ctx, deadline);
}

/// A splitmix64 generator seeded from the call's random number, for draws of many members.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The most members ZRANDMEMBER with a negative count answers: more would be a reply of
/// gigabytes, which Redis 7.0 builds until memory runs out (later versions refuse such counts
/// with the same "out of range" error).
const RANDMEMBER_MAX: u64 = 1 << 24;

/// ZRANDMEMBER key [count [WITHSCORES]]
pub fn zrandmember(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let mut rng = Rng(ctx.rand);
    if args.len() == 2 {
        return match read_zset(ctx, args.get(1)) {
            Err(e) => reply.error(e),
            Ok(None) => reply.null(),
            Ok(Some(z)) => match z.random(|| rng.next()) {
                Some((m, _)) => reply.bulk(&m),
                None => reply.null(),
            },
        };
    }
    let count = match parse_int(args.get(2)) {
        Ok(i64::MIN) => return reply.error(RANDMEMBER_RANGE),
        Ok(n) => n,
        Err(e) => return reply.error(e),
    };
    if args.len() > 4 || (args.len() == 4 && !args.is(3, "withscores")) {
        return reply.error(errors::SYNTAX);
    }
    let withscores = args.len() == 4;
    let z = match read_zset(ctx, args.get(1)) {
        Err(e) => return reply.error(e),
        Ok(None) => return reply.array(0),
        Ok(Some(z)) => z,
    };
    if count == 0 {
        return reply.array(0);
    }
    if count < 0 {
        let n = count.unsigned_abs();
        if n > RANDMEMBER_MAX {
            return reply.error(RANDMEMBER_TOO_MANY);
        }
        open_members(reply, n as usize, withscores);
        for _ in 0..n {
            if let Some((m, s)) = z.random(|| rng.next()) {
                member_reply(reply, &m, s, withscores);
            }
        }
        return;
    }
    let picked = distinct_members(z, count as u64, &mut rng);
    members_reply(reply, &picked, withscores);
}

/// `count` distinct members in random order, or the whole set (highest score first, as Redis
/// walks it) when it has no more than `count`.
fn distinct_members(z: &ZSet, count: u64, rng: &mut Rng) -> Vec<(Vec<u8>, f64)> {
    let size = z.len();
    if count >= size as u64 {
        let mut all = Vec::with_capacity(size);
        z.for_each(0..size, true, |m, s| all.push((m.to_vec(), s)));
        return all;
    }
    let count = count as usize;
    if count * 3 > size {
        // Close to the whole set: shuffle it partially (Fisher-Yates), keep the first `count`.
        let mut all = z.to_vec();
        for i in 0..count {
            let j = i + (rng.next() % (size - i) as u64) as usize;
            all.swap(i, j);
        }
        all.truncate(count);
        return all;
    }
    let mut seen: hashbrown::HashSet<Vec<u8>> = hashbrown::HashSet::with_capacity(count);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        if let Some((m, s)) = z.random(|| rng.next()) {
            if seen.insert(m.clone()) {
                out.push((m, s));
            }
        }
    }
    out
}

/// ZSCAN key cursor [MATCH pattern] [COUNT count]
pub fn zscan(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let Some(cursor) = parse_cursor(args.get(2)) else {
        return reply.error(errors::INVALID_CURSOR);
    };
    let z = match read_zset(ctx, args.get(1)) {
        Err(e) => return reply.error(e),
        Ok(None) => {
            reply.array(2);
            reply.bulk(b"0");
            return reply.array(0);
        }
        Ok(Some(z)) => z,
    };
    let mut count = 10usize;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 3;
    while i < args.len() {
        if i + 1 >= args.len() {
            return reply.error(errors::SYNTAX);
        }
        if args.is(i, "count") {
            match parse_int(args.get(i + 1)) {
                Ok(n) if n < 1 => return reply.error(errors::SYNTAX),
                Ok(n) => count = usize::try_from(n).unwrap_or(usize::MAX),
                Err(e) => return reply.error(e),
            }
        } else if args.is(i, "match") {
            pattern = Some(args.get(i + 1)).filter(|p| *p != b"*");
        } else {
            return reply.error(errors::SYNTAX);
        }
        i += 2;
    }
    let mut found: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let next = z.scan(cursor, count, |m, s| {
        if pattern.is_none_or(|p| glob_match(p, m, false)) {
            found.push((m.to_vec(), s.to_vec()));
        }
    });
    reply.array(2);
    reply.bulk(itoa::Buffer::new().format(next).as_bytes());
    reply.array(found.len() * 2);
    for (m, s) in &found {
        reply.bulk(m);
        reply.bulk(s);
    }
}
