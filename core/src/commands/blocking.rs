//! What every blocking command (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX,
//! BZMPOP) shares: its timeout argument, and how it asks to wait.
//!
//! A blocking handler tries once, as its non-blocking twin would. When there is nothing to
//! serve it writes the reply a timeout gives and calls [`wait_until`]; the io layer then keeps
//! the client waiting on the command's keys and runs the command again when one of them is
//! written, first-blocked first-served, as Redis does.

use super::Ctx;
use crate::protocol::args::parse_float;
use crate::protocol::Args;

/// The timeout is not a number.
pub const TIMEOUT_NOT_FLOAT: &str = "ERR timeout is not a float or out of range";
/// The timeout is below zero.
pub const TIMEOUT_NEGATIVE: &str = "ERR timeout is negative";

/// Reads a timeout in seconds (a float since Redis 6) as Redis's `getTimeoutFromObjectOrReply`:
/// the Unix ms deadline, or 0 for "wait for ever".
pub fn deadline(arg: &[u8], now_ms: u64) -> Result<u64, &'static str> {
    let secs = parse_float(arg).ok_or(TIMEOUT_NOT_FLOAT)?;
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
        let now = 1_700_000_000_000;
        let late = i64::MAX as u64 - 5;
        assert_eq!(deadline(b"9223372036854", late), Ok(i64::MAX as u64));
        assert_eq!(deadline(b"9e15", now), Ok(now + 9_000_000_000_000_000_000));
        assert_eq!(deadline(b"-0", 1000), Ok(0));
    }
}
