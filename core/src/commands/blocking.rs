//! What every blocking command (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX,
//! BZMPOP) shares: its timeout argument, and how it asks to wait.
//!
//! A blocking handler tries once, as its non-blocking twin would. When there is nothing to
//! serve it writes the reply a timeout gives and calls [`wait_until`]; the io layer then keeps
//! the client waiting on the command's keys and runs the command again when one of them is
//! written, first-blocked first-served, as Redis does.

use super::flags::*;
use super::lists::{lmove_generic, mpop, parse_end, parse_mpop, pop_one};
use super::{cmd, keys, Command, Ctx, KeySpec, Run, Span};
use crate::errors;
use crate::keyspace::list::End;
use crate::keyspace::Value;
use crate::protocol::args::parse_float;
use crate::protocol::{Args, Reply};

/// The blocking list commands (the sorted-set ones live with their family).
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("blpop", -3, WRITE | BLOCKING, keys(1, -2, 1), Span::Single, Run::Shard(blpop), "list", "Remove and get the first element in a list, or block until one is available"),
    cmd("brpop", -3, WRITE | BLOCKING, keys(1, -2, 1), Span::Single, Run::Shard(brpop), "list", "Remove and get the last element in a list, or block until one is available"),
    cmd("brpoplpush", 4, WRITE | DENYOOM | BLOCKING, keys(1, 2, 1), Span::Single, Run::Shard(brpoplpush), "list", "Pop an element from a list, push it to another list and return it; or block until one is available"),
    cmd("blmove", 6, WRITE | DENYOOM | BLOCKING, keys(1, 2, 1), Span::Single, Run::Shard(blmove), "list", "Pop an element from a list, push it to another list and return it; or block until one is available"),
    cmd("blmpop", -5, WRITE | BLOCKING, KeySpec::Numkeys { at: 2, dest: false }, Span::Single, Run::Shard(blmpop), "list", "Pop elements from a list, or block until one is available"),
];

/// What a key holds, for a blocking pop.
enum Holds {
    /// Nothing, or an empty list: wait.
    Nothing,
    /// A list with elements.
    Elements,
    /// Another type.
    WrongType,
}

fn list_at(ctx: &mut Ctx<'_>, key: &[u8]) -> Holds {
    let now = ctx.now_ms;
    match ctx.db().get(key, now).map(|e| &e.value) {
        None => Holds::Nothing,
        Some(Value::List(l)) if l.is_empty() => Holds::Nothing,
        Some(Value::List(_)) => Holds::Elements,
        Some(_) => Holds::WrongType,
    }
}

/// BLPOP and BRPOP (Redis's `blockingPopGenericCommand` without a count): the first key in
/// order that holds elements gives one; a key of another type on the way is WRONGTYPE.
fn bpop(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>, end: End) {
    let deadline = match deadline(args.get(args.len() - 1), ctx.now_ms) {
        Ok(d) => d,
        Err(e) => return reply.error(e),
    };
    for i in 1..args.len() - 1 {
        let key = args.get(i);
        match list_at(ctx, key) {
            Holds::Nothing => {}
            Holds::WrongType => return reply.error(errors::WRONGTYPE),
            Holds::Elements => {
                if let Some(v) = pop_one(ctx, key, end) {
                    reply.array(2);
                    reply.bulk(key);
                    reply.bulk(&v);
                    return;
                }
            }
        }
    }
    reply.null_array();
    wait_until(ctx, deadline);
}

fn blpop(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    bpop(ctx, args, reply, End::Head);
}

fn brpop(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    bpop(ctx, args, reply, End::Tail);
}

/// BLMOVE's and BRPOPLPUSH's body: the source waits for an element; the destination is only
/// looked at once there is one.
fn bmove(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>, from: End, to: End) {
    let deadline = match deadline(args.get(args.len() - 1), ctx.now_ms) {
        Ok(d) => d,
        Err(e) => return reply.error(e),
    };
    let (src, dst) = (args.get(1), args.get(2));
    match list_at(ctx, src) {
        Holds::WrongType => reply.error(errors::WRONGTYPE),
        Holds::Elements => lmove_generic(ctx, src, dst, from, to, reply),
        Holds::Nothing => {
            reply.null();
            wait_until(ctx, deadline);
        }
    }
}

fn brpoplpush(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    bmove(ctx, args, reply, End::Tail, End::Head);
}

fn blmove(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let from = match parse_end(args.get(3)) {
        Ok(e) => e,
        Err(e) => return reply.error(e),
    };
    let to = match parse_end(args.get(4)) {
        Ok(e) => e,
        Err(e) => return reply.error(e),
    };
    bmove(ctx, args, reply, from, to);
}

/// BLMPOP timeout numkeys key... LEFT|RIGHT [COUNT n]: its options first, then the timeout.
fn blmpop(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let m = match parse_mpop(args, 2) {
        Ok(m) => m,
        Err(e) => return reply.error(e),
    };
    let deadline = match deadline(args.get(1), ctx.now_ms) {
        Ok(d) => d,
        Err(e) => return reply.error(e),
    };
    let keys = || (m.first_key..m.first_key + m.numkeys).map(|i| args.get(i));
    for key in keys() {
        match list_at(ctx, key) {
            Holds::Nothing => {}
            Holds::WrongType => return reply.error(errors::WRONGTYPE),
            Holds::Elements => return mpop(ctx, keys(), m.end, m.count, reply),
        }
    }
    reply.null_array();
    wait_until(ctx, deadline);
}

/// The timeout is not a number.
pub const TIMEOUT_NOT_FLOAT: &str = "ERR timeout is not a float or out of range";
/// The timeout is below zero.
pub const TIMEOUT_NEGATIVE: &str = "ERR timeout is negative";

/// Reads a timeout in seconds (a float since Redis 6) as Redis's `getTimeoutFromObjectOrReply`:
/// the Unix ms deadline, or 0 for "wait for ever".
pub fn deadline(arg: &[u8], now_ms: u64) -> Result<u64, &'static str> {
    let secs = long_double(arg).ok_or(TIMEOUT_NOT_FLOAT)?;
    let ms = (secs * 1000.0).ceil();
    // Redis converts to a 64-bit integer; what does not fit (inf, 1e30) comes out negative.
    if ms.is_nan() || ms < 0.0 || ms >= i64::MAX as f64 {
        return Err(TIMEOUT_NEGATIVE);
    }
    if ms == 0.0 {
        return Ok(0);
    }
    // A deadline past the end of time waits for ever, as it does in Redis 7.0.
    Ok(now_ms.saturating_add(ms as u64).min(i64::MAX as u64))
}

/// Reads a number as Redis's `strtold` does, as far as a timeout can tell: beyond a double's
/// range but within a long double's (1e309, 1e-400) it is still a number, and hexadecimal
/// integers (0x10) are numbers.
fn long_double(arg: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(arg).ok()?;
    let exponent = |t: &str| -> i64 {
        t.rsplit_once(['e', 'E'])
            .and_then(|(_, e)| e.parse().ok())
            .unwrap_or(0)
    };
    if let Some(v) = parse_float(arg) {
        // Too small for a double, not for a long double: a positive timeout all the same.
        let digits = text.split(['e', 'E']).next().unwrap_or("");
        if v == 0.0 && digits.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
            return (exponent(text) >= -4950).then_some(f64::MIN_POSITIVE);
        }
        return Some(v);
    }
    let (sign, rest) = match text.strip_prefix('-') {
        Some(r) => (-1.0, r),
        None => (1.0, text.strip_prefix('+').unwrap_or(text)),
    };
    if let Some(hex) = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok().map(|n| sign * n as f64);
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_infinite() && exponent(text).abs() <= 4932 => Some(v),
        _ => None,
    }
}

/// Where a blocking command's timeout is: the last argument (BLPOP, BLMOVE, BZPOPMIN...) or
/// the first (BLMPOP, BZMPOP).
pub fn timeout_index(name: &str, argc: usize) -> usize {
    match name {
        "blmpop" | "bzmpop" => 1,
        _ => argc - 1,
    }
}

/// The deadline of a blocking call, read from its arguments.
pub fn call_deadline(args: &Args<'_>, now_ms: u64) -> Result<u64, &'static str> {
    let name = String::from_utf8_lossy(args.get(0)).to_ascii_lowercase();
    let i = timeout_index(&name, args.len());
    deadline(args.try_get(i).unwrap_or_default(), now_ms)
}

/// What a client waiting on several keys runs once `key` was written: Redis 7.0 serves such a
/// client from the key that became ready (`serveClientsBlockedOnListKey` and its sorted-set
/// twin), wherever that key sits among the command's keys, so the command is narrowed to that
/// key alone. BLMOVE and BRPOPLPUSH wait on their source only: they come back whole. None when
/// `args` is no blocking pop or `key` is none of its keys.
pub fn narrowed_to<'a>(args: &Args<'a>, key: &'a [u8]) -> Option<Vec<&'a [u8]>> {
    let name = String::from_utf8_lossy(args.try_get(0)?).to_ascii_lowercase();
    match name.as_str() {
        "blmove" | "brpoplpush" => (args.try_get(1)? == key).then(|| args.iter().collect()),
        "blpop" | "brpop" | "bzpopmin" | "bzpopmax" => {
            let last = args.len().checked_sub(1)?;
            (1..last)
                .any(|i| args.get(i) == key)
                .then(|| vec![args.get(0), key, args.get(last)])
        }
        "blmpop" | "bzmpop" => {
            let numkeys: usize = std::str::from_utf8(args.try_get(2)?).ok()?.parse().ok()?;
            let rest = 3usize.checked_add(numkeys)?;
            if rest > args.len() || !(3..rest).any(|i| args.get(i) == key) {
                return None;
            }
            let mut narrowed = vec![args.get(0), args.get(1), b"1".as_slice(), key];
            narrowed.extend((rest..args.len()).map(|i| args.get(i)));
            Some(narrowed)
        }
        _ => None,
    }
}

/// Asks the io layer to keep the client waiting until `deadline` (0: for ever). The handler
/// has already written the timeout's reply.
pub fn wait_until(ctx: &mut Ctx<'_>, deadline: u64) {
    ctx.ks.block = Some(deadline);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_read_as_redis_reads_them() {
        assert_eq!(deadline(b"0", 1000), Ok(0));
        assert_eq!(deadline(b"1", 1000), Ok(2000));
        assert_eq!(deadline(b"0.1", 1000), Ok(1100));
        assert_eq!(deadline(b"0.0001", 1000), Ok(1001));
        assert_eq!(deadline(b"-1", 1000), Err(TIMEOUT_NEGATIVE));
        assert_eq!(deadline(b"abc", 1000), Err(TIMEOUT_NOT_FLOAT));
        assert_eq!(deadline(b"inf", 1000), Err(TIMEOUT_NEGATIVE));
        assert_eq!(deadline(b"1e30", 1000), Err(TIMEOUT_NEGATIVE));
        assert_eq!(deadline(b"1e400", 1000), Err(TIMEOUT_NEGATIVE));
        assert_eq!(deadline(b"1e5000", 1000), Err(TIMEOUT_NOT_FLOAT));
        assert_eq!(deadline(b"-0x1", 1000), Err(TIMEOUT_NEGATIVE));
        assert_eq!(deadline(b"0x2", 1000), Ok(3000));
        assert_eq!(deadline(b"1e-400", 1000), Ok(1001));
        let now = 1_700_000_000_000;
        let late = i64::MAX as u64 - 5;
        assert_eq!(deadline(b"9223372036854", late), Ok(i64::MAX as u64));
        assert_eq!(deadline(b"9e15", now), Ok(now + 9_000_000_000_000_000_000));
        assert_eq!(deadline(b"-0", 1000), Ok(0));
    }

    fn narrowed(words: &[&str], key: &str) -> Option<Vec<String>> {
        let bytes: Vec<u8> = words.concat().into_bytes();
        let mut spans = Vec::new();
        let mut at = 0;
        for w in words {
            spans.push(at..at + w.len());
            at += w.len();
        }
        let args = Args::new(&bytes, &spans);
        narrowed_to(&args, key.as_bytes()).map(|v| {
            v.iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
    }

    #[test]
    fn a_pop_is_narrowed_to_the_key_that_became_ready() {
        let some = |w: &[&str]| Some(w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            narrowed(&["BLPOP", "a", "b", "0"], "b"),
            some(&["BLPOP", "b", "0"])
        );
        assert_eq!(
            narrowed(&["bzpopmax", "a", "b", "1.5"], "a"),
            some(&["bzpopmax", "a", "1.5"])
        );
        assert_eq!(
            narrowed(
                &["BLMPOP", "0", "3", "a", "b", "c", "RIGHT", "COUNT", "2"],
                "c"
            ),
            some(&["BLMPOP", "0", "1", "c", "RIGHT", "COUNT", "2"])
        );
        assert_eq!(
            narrowed(&["BZMPOP", "1", "2", "a", "b", "MIN"], "a"),
            some(&["BZMPOP", "1", "1", "a", "MIN"])
        );
        let mv = ["BLMOVE", "a", "b", "LEFT", "RIGHT", "0"];
        assert_eq!(narrowed(&mv, "a"), some(&mv));
        assert_eq!(narrowed(&mv, "b"), None);
        assert_eq!(narrowed(&["BLPOP", "a", "0"], "0"), None);
        assert_eq!(narrowed(&["BLMPOP", "0", "9", "a", "LEFT"], "a"), None);
        assert_eq!(narrowed(&["LPOP", "a"], "a"), None);
    }
}
