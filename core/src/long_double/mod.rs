//! Redis's `long double`, modelled exactly in software: the x86 80-bit extended format (a 64-bit
//! significand with an explicit integer bit, a 15-bit exponent, subnormals), with the three
//! operations INCRBYFLOAT and HINCRBYFLOAT use: reading a string as `string2ld` does (glibc's
//! `strtold`, correctly rounded), adding two values (rounded to nearest, ties to even), and
//! printing as `ld2string(..., LD_STR_HUMAN)` does (glibc's `%.17Lf`, trailing zeros dropped).
//!
//! Redis 7.0 on x86_64 replies with whatever those produce, binary rounding errors included
//! (`SET k 5000`, `INCRBYFLOAT k 10.6` answers `5010.60000000000000009`), so Tessera computes
//! the same bits rather than an approximation in `f64`. Every step is exact big-integer
//! arithmetic followed by one rounding; this is not a hot path, and clarity wins over speed.

mod format;
mod parse;
#[cfg(test)]
mod tests;

use num_bigint::BigUint;
use std::cmp::Ordering;

pub use parse::string2ld;

/// Bits in the significand (x87 keeps the integer bit explicit, so all 64 are stored).
const MANTISSA_BITS: u64 = 64;

/// The weight (a power of two) of the significand's lowest bit in the smallest numbers: the
/// smallest normal is 2^-16382, whose 64-bit significand's last bit weighs 2^-16445, and the
/// subnormals below it share that weight.
const MIN_EXP: i64 = -16445;

/// The weight of the significand's lowest bit in the largest numbers (just below 2^16384).
const MAX_EXP: i64 = 16320;

/// An x86 extended-precision value: finite, or infinite (what `strtold` reads from `inf` or
/// `infinity`; no operation here produces one, and none reads NaN).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongDouble(Repr);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Repr {
    /// `(-1)^negative × mantissa × 2^exponent`, normalised: either `mantissa >= 2^63` and
    /// `exponent` in `MIN_EXP..=MAX_EXP`, or `mantissa < 2^63` (a subnormal, or zero) and
    /// `exponent == MIN_EXP`. So each value has one representation (but for the sign of zero).
    Finite {
        negative: bool,
        mantissa: u64,
        exponent: i64,
    },
    Infinite {
        negative: bool,
    },
}

impl LongDouble {
    /// Positive zero: the value of a missing key or field.
    pub const ZERO: LongDouble = LongDouble::zero(false);

    const fn zero(negative: bool) -> LongDouble {
        LongDouble(Repr::Finite {
            negative,
            mantissa: 0,
            exponent: MIN_EXP,
        })
    }

    /// An integer, exactly (every `i64` fits a 64-bit significand): an integer-encoded value,
    /// which Redis converts with a plain `(long double)` cast.
    pub fn from_i64(n: i64) -> LongDouble {
        let magnitude = n.unsigned_abs();
        if magnitude == 0 {
            return LongDouble::ZERO;
        }
        let shift = magnitude.leading_zeros();
        LongDouble(Repr::Finite {
            negative: n < 0,
            mantissa: magnitude << shift,
            exponent: -i64::from(shift),
        })
    }

    /// Whether this is an infinity (`HINCRBYFLOAT` refuses such an increment up front).
    pub fn is_infinite(self) -> bool {
        matches!(self.0, Repr::Infinite { .. })
    }

    /// `self + other` as the x87 adds two long doubles (the exact sum rounded to nearest, ties
    /// to even), or `None` where the result is NaN or infinite, which Redis refuses ("increment
    /// would produce NaN or Infinity"): an infinite operand, or a sum past the largest value.
    pub fn checked_add(self, other: LongDouble) -> Option<LongDouble> {
        let (
            Repr::Finite {
                negative: na,
                mantissa: ma,
                exponent: ea,
            },
            Repr::Finite {
                negative: nb,
                mantissa: mb,
                exponent: eb,
            },
        ) = (self.0, other.0)
        else {
            return None;
        };
        // Both on the grid of the finer one, where their sum is an exact integer.
        let low = ea.min(eb);
        let a = BigUint::from(ma) << (ea - low) as usize;
        let b = BigUint::from(mb) << (eb - low) as usize;
        let (negative, sum) = if na == nb {
            (na, a + b)
        } else {
            match a.cmp(&b) {
                Ordering::Greater => (na, a - b),
                Ordering::Less => (nb, b - a),
                // x + (-x) is +0 when rounding to nearest.
                Ordering::Equal => (false, BigUint::default()),
            }
        };
        round(negative, &sum, &BigUint::from(1u8), low)
    }
}

/// `±num / den × 2^scale` (with `den > 0`) rounded to the nearest long double, ties to even,
/// with subnormals below the normal range; `None` where it rounds past the largest finite
/// value (`strtold`'s overflow, the x87's infinity). A non-zero value too small for even the
/// smallest subnormal comes back as zero; the caller tells that apart when it must.
fn round(negative: bool, num: &BigUint, den: &BigUint, scale: i64) -> Option<LongDouble> {
    if num.bits() == 0 {
        return Some(LongDouble::zero(negative));
    }
    // num / den lies in (2^(bits(num) - bits(den) - 1), 2^(bits(num) - bits(den) + 1)), so with
    // this exponent the quotient lies in [2^63, 2^65): at most one step up puts it in 64 bits.
    let mut exponent = num.bits() as i64 - den.bits() as i64 + scale - MANTISSA_BITS as i64;
    exponent = exponent.max(MIN_EXP);
    let (mut q, mut r, mut d) = scaled_div(num, den, scale - exponent);
    if q.bits() > MANTISSA_BITS {
        exponent += 1;
        (q, r, d) = scaled_div(num, den, scale - exponent);
    }
    let round_up = match (r << 1usize).cmp(&d) {
        Ordering::Greater => true,
        Ordering::Equal => q.bit(0),
        Ordering::Less => false,
    };
    if round_up {
        q += 1u8;
        if q.bits() > MANTISSA_BITS {
            q >>= 1usize;
            exponent += 1;
        }
    }
    if exponent > MAX_EXP {
        return None;
    }
    let mantissa = q.iter_u64_digits().next().unwrap_or(0);
    Some(LongDouble(Repr::Finite {
        negative,
        mantissa,
        exponent,
    }))
}

/// `floor(num × 2^shift / den)`, the remainder and the divisor it is a remainder of (the shift
/// goes to the numerator or the denominator, whichever keeps both integers).
fn scaled_div(num: &BigUint, den: &BigUint, shift: i64) -> (BigUint, BigUint, BigUint) {
    let (n, d) = if shift >= 0 {
        (num << shift as usize, den.clone())
    } else {
        (num.clone(), den << shift.unsigned_abs() as usize)
    };
    let q = &n / &d;
    let r = n - &q * &d;
    (q, r, d)
}
