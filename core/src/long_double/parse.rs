//! Reading a long double as Redis 7.0's `string2ld` does: glibc's `strtold` over the whole
//! string, refusing what `strtold` would not consume entirely, leading white space, NaN, and the
//! results it flags with ERANGE as an overflow (infinite) or an underflow to zero.
//!
//! The syntax is C's: an optional sign, then `inf` or `infinity` (any case; accepted, so that
//! the sum is refused later as infinite), `nan` (refused), a decimal number (digits with an
//! optional point, at least one digit, an optional `e` exponent) or a hexadecimal one (`0x`,
//! hex digits with an optional point, an optional binary `p` exponent: `0x1p3` is 8). The
//! value is the exact one the digits denote, rounded once to the nearest long double.

use num_bigint::BigUint;

use super::{round, LongDouble, Repr, MAX_EXP, MIN_EXP};

/// Redis's `MAX_LONG_DOUBLE_CHARS`: `string2ld` copies the string into a buffer this large
/// and refuses one that does not fit with its terminating NUL.
const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

/// Exponents are read up to this magnitude: anything past it under- or overflows whatever the
/// (at most 5119) digits before it, and it keeps the arithmetic on exponents far from `i64`'s
/// limits.
const EXPONENT_CAP: i64 = 1 << 40;

/// The string as a long double, or `None` where Redis answers "value is not a valid float".
pub fn string2ld(bytes: &[u8]) -> Option<LongDouble> {
    if bytes.is_empty() || bytes.len() >= MAX_LONG_DOUBLE_CHARS || is_c_space(bytes[0]) {
        return None;
    }
    let (negative, body) = match bytes[0] {
        b'+' => (false, &bytes[1..]),
        b'-' => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return Some(LongDouble(Repr::Infinite { negative }));
    }
    // Where the hexadecimal form fails, `strtold` reads the leading "0" alone and leaves the
    // rest, which `string2ld` refuses: so no fallback to the decimal form.
    match body {
        [b'0', b'x' | b'X', rest @ ..] => hexadecimal(negative, rest),
        _ => decimal(negative, body),
    }
}

/// `isspace` in the C locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The digits of a number (their values, most significant first), how many of them follow the
/// point, and the exponent after the marker (`e` or `p`), or `None` unless the whole of
/// `body` is such a number.
fn scan(body: &[u8], radix: u32, marker: u8) -> Option<(Vec<u8>, i64, i64)> {
    let mut digits = Vec::with_capacity(body.len());
    let (mut after_point, mut seen_point) = (0i64, false);
    let mut i = 0;
    while let Some(&c) = body.get(i) {
        match (c as char).to_digit(radix) {
            Some(d) => {
                digits.push(d as u8);
                after_point += i64::from(seen_point);
            }
            None if c == b'.' && !seen_point => seen_point = true,
            None => break,
        }
        i += 1;
    }
    if digits.is_empty() {
        return None;
    }
    let exponent = match body.get(i) {
        None => 0,
        Some(&c) if c.to_ascii_lowercase() == marker => scan_exponent(&body[i + 1..])?,
        Some(_) => return None,
    };
    Some((digits, after_point, exponent))
}

/// A signed decimal exponent that is the whole of `bytes`, its magnitude capped at
/// [`EXPONENT_CAP`].
fn scan_exponent(bytes: &[u8]) -> Option<i64> {
    let (negative, digits) = match bytes.first() {
        Some(b'+') => (false, &bytes[1..]),
        Some(b'-') => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let magnitude = digits.iter().fold(0i64, |e, &c| {
        (e * 10 + i64::from(c - b'0')).min(EXPONENT_CAP)
    });
    Some(if negative { -magnitude } else { magnitude })
}

/// The digits without leading zeros (and, where `trailing`, without trailing zeros, counted
/// in the second value).
fn significant(digits: &[u8], trailing: bool) -> (&[u8], i64) {
    let start = digits.iter().position(|&d| d != 0).unwrap_or(digits.len());
    let digits = &digits[start..];
    let end = if trailing {
        digits.iter().rposition(|&d| d != 0).map_or(0, |p| p + 1)
    } else {
        digits.len()
    };
    (&digits[..end], (digits.len() - end) as i64)
}

/// A decimal number: `digits × 10^(exponent - after_point)`, rounded once.
fn decimal(negative: bool, body: &[u8]) -> Option<LongDouble> {
    let (digits, after_point, exponent) = scan(body, 10, b'e')?;
    let (digits, zeros) = significant(&digits, true);
    if digits.is_empty() {
        return Some(LongDouble::zero(negative));
    }
    let power = exponent - after_point + zeros;
    let count = digits.len() as i64;
    // The value lies in [10^(count + power - 1), 10^(count + power)). The largest long double
    // is about 1.19e4932 (so 10^4933 overflows); half the smallest subnormal about 1.8e-4951.
    let magnitude = count + power;
    if !(-4951..=4933).contains(&magnitude) {
        return None;
    }
    let mantissa = BigUint::from_radix_be(digits, 10)?;
    let ten = BigUint::from(10u8);
    let (num, den) = if power >= 0 {
        (mantissa * ten.pow(power as u32), BigUint::from(1u8))
    } else {
        (mantissa, ten.pow(power.unsigned_abs() as u32))
    };
    nonzero(round(negative, &num, &den, 0)?)
}

/// A hexadecimal number (after its `0x`): `digits × 2^(exponent - 4 × after_point)`, rounded
/// once.
fn hexadecimal(negative: bool, body: &[u8]) -> Option<LongDouble> {
    let (digits, after_point, exponent) = scan(body, 16, b'p')?;
    let (digits, _) = significant(&digits, false);
    if digits.is_empty() {
        return Some(LongDouble::zero(negative));
    }
    let mantissa = BigUint::from_radix_be(digits, 16)?;
    let scale = exponent - 4 * after_point;
    // The value lies in [2^(bits + scale - 1), 2^(bits + scale)).
    let bits = mantissa.bits() as i64;
    // Past 2^16384 overflows; below 2^-16446, half the smallest subnormal, underflows.
    let magnitude = bits + scale;
    if !(MIN_EXP - 1..=MAX_EXP + 64).contains(&magnitude) {
        return None;
    }
    nonzero(round(negative, &mantissa, &BigUint::from(1u8), scale)?)
}

/// A non-zero number that rounded to zero is `strtold`'s underflow, which Redis refuses.
fn nonzero(value: LongDouble) -> Option<LongDouble> {
    match value.0 {
        Repr::Finite { mantissa: 0, .. } => None,
        _ => Some(value),
    }
}
