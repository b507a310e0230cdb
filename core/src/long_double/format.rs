//! Printing a long double as Redis 7.0's `ld2string(..., LD_STR_HUMAN)` does: glibc's
//! `%.17Lf` (every integer digit, 17 decimals, the exact binary value rounded to nearest with
//! ties to even), then the trailing zeros after the point dropped, then a trailing point, and
//! `-0` written `0`.

use num_bigint::BigUint;
use std::cmp::Ordering;

use super::{LongDouble, Repr};

/// The decimals `%.17Lf` prints.
const DECIMALS: usize = 17;

impl LongDouble {
    /// The reply (and the stored value) of INCRBYFLOAT and HINCRBYFLOAT: `ld2string` in its
    /// human-friendly mode, so `5010.60000000000000009`, `0.1`, `3000`, `100000000000000000000`.
    pub fn to_human_string(self) -> String {
        let (negative, mantissa, exponent) = match self.0 {
            Repr::Finite {
                negative,
                mantissa,
                exponent,
            } => (negative, mantissa, exponent),
            // As `ld2string`, which spells infinities itself rather than trust printf.
            Repr::Infinite { negative: true } => return "-inf".to_string(),
            Repr::Infinite { negative: false } => return "inf".to_string(),
        };
        let mut text = fixed(negative, mantissa, exponent);
        if let Some(end) = text.bytes().rposition(|c| c != b'0') {
            let end = if text.as_bytes()[end] == b'.' {
                end
            } else {
                end + 1
            };
            text.truncate(end);
        }
        if text == "-0" {
            text = "0".to_string();
        }
        text
    }
}

/// `printf("%.17Lf", ±mantissa × 2^exponent)`: the value times 10^17, rounded to an integer
/// (to nearest, ties to even), written with a point before its last 17 digits. A negative value
/// keeps its sign even when it rounds to zero, as glibc's does.
fn fixed(negative: bool, mantissa: u64, exponent: i64) -> String {
    let scaled = BigUint::from(mantissa) * BigUint::from(10u8).pow(DECIMALS as u32);
    let units = if exponent >= 0 {
        scaled << exponent as usize
    } else {
        let shift = exponent.unsigned_abs() as usize;
        let quotient = &scaled >> shift;
        let remainder = scaled - (&quotient << shift);
        let half = BigUint::from(1u8) << (shift - 1);
        let up = match remainder.cmp(&half) {
            Ordering::Greater => true,
            Ordering::Equal => quotient.bit(0),
            Ordering::Less => false,
        };
        if up {
            quotient + 1u8
        } else {
            quotient
        }
    };
    let digits = format!("{units:0>width$}", width = DECIMALS + 1);
    let (whole, fraction) = digits.split_at(digits.len() - DECIMALS);
    format!("{}{whole}.{fraction}", if negative { "-" } else { "" })
}
