//! Scores as Redis reads and writes them: C's `strtod` (which Redis's parsers are built on),
//! Redis's `string2d` for score arguments, and the text a packed sorted set stores a score as.
//!
//! Why not Rust's `f64::from_str`: Redis accepts what `strtod` accepts (hexadecimal floats,
//! `infinity`, leading spaces in ranges, the empty string as 0 in ranges) and refuses what it
//! flags as out of range, and every reply must match.

use crate::protocol::reply::format_double;

/// What `strtod` made of the start of a string.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Parsed {
    /// The value (0 when nothing was read).
    pub value: f64,
    /// Bytes read, leading spaces included; 0 when no number was found.
    pub used: usize,
    /// `errno == ERANGE`: the text overflows, or underflows to zero.
    pub erange: bool,
}

fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn starts_with_ci(s: &[u8], word: &[u8]) -> bool {
    s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word)
}

/// C's `strtod` over `s`: the longest prefix that is a number.
pub fn strtod(s: &[u8]) -> Parsed {
    let none = Parsed {
        value: 0.0,
        used: 0,
        erange: false,
    };
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let neg = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-') | Some(b'+')) {
        i += 1;
    }
    let rest = &s[i..];
    let sign = if neg { -1.0 } else { 1.0 };
    let special = |value: f64, len: usize| Parsed {
        value,
        used: i + len,
        erange: false,
    };
    if starts_with_ci(rest, b"infinity") {
        return special(sign * f64::INFINITY, 8);
    }
    if starts_with_ci(rest, b"inf") {
        return special(sign * f64::INFINITY, 3);
    }
    if starts_with_ci(rest, b"nan") {
        return special(f64::NAN, nan_len(rest));
    }
    let parsed = if starts_with_ci(rest, b"0x") {
        hex(rest).or_else(|| decimal(rest))
    } else {
        decimal(rest)
    };
    match parsed {
        Some((value, len, erange)) => Parsed {
            value: sign * value,
            used: i + len,
            erange,
        },
        None => none,
    }
}

/// `nan` optionally followed by `(chars)`.
fn nan_len(rest: &[u8]) -> usize {
    if rest.get(3) == Some(&b'(') {
        if let Some(close) = rest[4..].iter().position(|&b| b == b')') {
            if rest[4..4 + close]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
            {
                return 4 + close + 1;
            }
        }
    }
    3
}

fn digits(s: &[u8], from: usize, hex: bool) -> usize {
    let mut j = from;
    while j < s.len()
        && (if hex {
            s[j].is_ascii_hexdigit()
        } else {
            s[j].is_ascii_digit()
        })
    {
        j += 1;
    }
    j
}

/// An unsigned decimal number at the start of `s`: (value, length, erange).
fn decimal(s: &[u8]) -> Option<(f64, usize, bool)> {
    let int_end = digits(s, 0, false);
    let mut end = int_end;
    let mut frac_end = int_end;
    if s.get(int_end) == Some(&b'.') {
        frac_end = digits(s, int_end + 1, false);
        end = frac_end;
    }
    let mantissa_digits = int_end + frac_end.saturating_sub(int_end + 1);
    if mantissa_digits == 0 {
        return None;
    }
    if matches!(s.get(end), Some(b'e') | Some(b'E')) {
        let mut k = end + 1;
        if matches!(s.get(k), Some(b'-') | Some(b'+')) {
            k += 1;
        }
        let exp_end = digits(s, k, false);
        if exp_end > k {
            end = exp_end;
        }
    }
    let text = std::str::from_utf8(&s[..end]).ok()?;
    let value: f64 = text.parse().ok()?;
    let nonzero = s[..frac_end].iter().any(|b| (b'1'..=b'9').contains(b));
    let erange = value.is_infinite() || (value == 0.0 && nonzero);
    Some((value, end, erange))
}

/// A hexadecimal float (`0x1.8p3`) at the start of `s`, `0x` included.
fn hex(s: &[u8]) -> Option<(f64, usize, bool)> {
    let int_end = digits(s, 2, true);
    let mut end = int_end;
    let mut frac_end = int_end;
    if s.get(int_end) == Some(&b'.') {
        frac_end = digits(s, int_end + 1, true);
        end = frac_end;
    }
    let count = (int_end - 2) + frac_end.saturating_sub(int_end + 1);
    if count == 0 {
        return None;
    }
    let mut value = 0.0f64;
    let mut exp: i64 = 0;
    for (k, &b) in s[2..frac_end].iter().enumerate() {
        if b == b'.' {
            continue;
        }
        let d = (b as char).to_digit(16).unwrap_or(0) as f64;
        value = value * 16.0 + d;
        if 2 + k > int_end {
            exp -= 4;
        }
    }
    if matches!(s.get(end), Some(b'p') | Some(b'P')) {
        let mut k = end + 1;
        let neg = s.get(k) == Some(&b'-');
        if matches!(s.get(k), Some(b'-') | Some(b'+')) {
            k += 1;
        }
        let exp_end = digits(s, k, false);
        if exp_end > k {
            let e: i64 = std::str::from_utf8(&s[k..exp_end])
                .ok()
                .and_then(|t| t.parse().ok())
                .unwrap_or(100_000);
            exp += if neg { -e } else { e };
            end = exp_end;
        }
    }
    let value = value * 2f64.powi(exp.clamp(-100_000, 100_000) as i32);
    let erange = value.is_infinite()
        || (value == 0.0 && s[2..frac_end].iter().any(|&b| b != b'0' && b != b'.'));
    Some((value, end, erange))
}

/// Redis's `string2d`: the whole argument is a number (no space before it, nothing after it),
/// not NaN, and neither overflows nor underflows to zero. What ZADD, ZINCRBY and WEIGHTS accept.
pub fn parse_score(s: &[u8]) -> Option<f64> {
    if s.is_empty() || is_c_space(s[0]) {
        return None;
    }
    let p = strtod(s);
    let out_of_range = p.erange && (p.value.is_infinite() || p.value == 0.0);
    if p.used != s.len() || out_of_range || p.value.is_nan() {
        return None;
    }
    Some(p.value)
}

/// A range bound as `zslParseRange` reads it: `strtod` over the C string (so leading spaces are
/// fine, the empty string is 0, and the text ends at a NUL byte), not NaN. Overflow gives ±inf.
pub fn parse_bound(s: &[u8]) -> Option<f64> {
    let p = strtod(s);
    let ended = p.used == s.len() || s[p.used] == 0;
    (ended && !p.value.is_nan()).then_some(p.value)
}

/// A score stored as text in a listpack, read as `zzlStrtod` does (at most 127 bytes, the
/// longest number at their start, 0 when there is none).
pub fn stored_score(s: &[u8]) -> f64 {
    strtod(&s[..s.len().min(127)]).value
}

/// Redis's `double2ll`: the score as an integer when it is one exactly, within ±2^62.
pub fn as_integer(score: f64) -> Option<i64> {
    let limit = (i64::MAX / 2) as f64;
    if !(-limit..=limit).contains(&score) {
        return None;
    }
    let n = score as i64;
    (n as f64 == score).then_some(n)
}

/// The bytes a packed sorted set stores `score` as (`zzlInsertAt`): an integer when the score
/// is one, otherwise `%.17g` (`inf`, `-inf` for the infinities).
pub fn stored_text(score: f64, buf: &mut [u8; 64]) -> usize {
    match as_integer(score) {
        Some(n) => {
            let mut ib = itoa::Buffer::new();
            let t = ib.format(n).as_bytes();
            buf[..t.len()].copy_from_slice(t);
            t.len()
        }
        None => format_double(score, buf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_parse_as_redis_string2d() {
        assert_eq!(parse_score(b"1.5"), Some(1.5));
        assert_eq!(parse_score(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_score(b"+INF"), Some(f64::INFINITY));
        assert_eq!(parse_score(b"Infinity"), Some(f64::INFINITY));
        assert_eq!(parse_score(b"0x10"), Some(16.0));
        assert_eq!(parse_score(b"0x1.8p1"), Some(3.0));
        assert_eq!(parse_score(b"1e-310"), Some(1e-310));
        assert_eq!(parse_score(b".5"), Some(0.5));
        assert_eq!(parse_score(b"5."), Some(5.0));
        for bad in [
            &b""[..],
            b" 1",
            b"1 ",
            b"nan",
            b"1e400",
            b"1e-400",
            b"abc",
            b"1e",
            b".",
            b"-",
            b"0x",
            b"1.5x",
        ] {
            assert_eq!(parse_score(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn bounds_parse_as_redis_strtod() {
        assert_eq!(parse_bound(b""), Some(0.0));
        assert_eq!(parse_bound(b" 1"), Some(1.0));
        assert_eq!(parse_bound(b"1e400"), Some(f64::INFINITY));
        assert_eq!(parse_bound(b"-1e400"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_bound(b"2\0junk"), Some(2.0));
        assert_eq!(parse_bound(b"1 "), None);
        assert_eq!(parse_bound(b"nan"), None);
        assert_eq!(parse_bound(b"x"), None);
    }

    #[test]
    fn stored_text_matches_zzl_insert_at() {
        let text = |d: f64| {
            let mut b = [0u8; 64];
            let n = stored_text(d, &mut b);
            String::from_utf8(b[..n].to_vec()).unwrap()
        };
        assert_eq!(text(3.0), "3");
        assert_eq!(text(-0.0), "0");
        assert_eq!(text(1.5), "1.5");
        assert_eq!(text(0.1), "0.10000000000000001");
        assert_eq!(text(f64::INFINITY), "inf");
        assert_eq!(text(f64::NEG_INFINITY), "-inf");
        assert_eq!(text(4611686018427387904.0), "4611686018427387904");
        assert_eq!(text(1e19), "1e+19");
        assert_eq!(stored_score(b"0.10000000000000001"), 0.1);
        assert_eq!(stored_score(b"garbage"), 0.0);
        assert_eq!(stored_score(b"-inf"), f64::NEG_INFINITY);
    }
}
