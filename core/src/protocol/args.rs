//! A borrowed view of one command's arguments, and the argument parsers every command shares.

use std::ops::Range;

use crate::errors;

/// One command's arguments as slices of the bytes they were received in: no copy, no allocation.
#[derive(Clone, Copy)]
pub struct Args<'a> {
    base: &'a [u8],
    spans: &'a [Range<usize>],
}

impl<'a> Args<'a> {
    /// Arguments found at `spans` inside `base` (what the reader produced).
    pub fn new(base: &'a [u8], spans: &'a [Range<usize>]) -> Self {
        Args { base, spans }
    }

    /// Where each argument lies in the bytes given to [`Args::new`]: a command forwarded to
    /// another shard travels with them, so it is not parsed again there.
    pub fn spans(&self) -> &'a [Range<usize>] {
        self.spans
    }

    /// Number of arguments, the command name included.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True for a command with no arguments at all (an empty inline line).
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Argument `i` (0 is the command name). Panics when out of range: arity is checked first.
    pub fn get(&self, i: usize) -> &'a [u8] {
        &self.base[self.spans[i].clone()]
    }

    /// The arguments from `from` on, as a command of their own (COMMAND GETKEYS's inner command).
    pub fn tail(&self, from: usize) -> Args<'a> {
        Args {
            base: self.base,
            spans: &self.spans[from.min(self.spans.len())..],
        }
    }

    /// Argument `i` when present.
    pub fn try_get(&self, i: usize) -> Option<&'a [u8]> {
        self.spans.get(i).map(|s| &self.base[s.clone()])
    }

    /// All arguments in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + '_ {
        self.spans.iter().map(move |s| &self.base[s.clone()])
    }

    /// True when argument `i` equals `word` ignoring ASCII case (option names).
    pub fn is(&self, i: usize, word: &str) -> bool {
        self.try_get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(word.as_bytes()))
    }

    /// Argument `i` as an integer, or Redis's "not an integer" error.
    pub fn int(&self, i: usize) -> Result<i64, &'static str> {
        parse_int(self.get(i))
    }

    /// Argument `i` as a double, or Redis's "not a valid float" error.
    pub fn float(&self, i: usize) -> Result<f64, &'static str> {
        parse_float(self.get(i)).ok_or(errors::NOT_FLOAT)
    }

    /// Encodes these arguments as a RESP multibulk request (to forward them to another shard).
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        encode_command(self.iter(), out);
    }
}

/// Arguments given as separate strings, laid end to end in one buffer with their spans, as
/// [`Args::new`] takes them: how tests and replays run a command they hold as a list.
#[cfg(test)]
pub(crate) fn joined<A: AsRef<[u8]>>(argv: &[A]) -> (Vec<u8>, Vec<Range<usize>>) {
    let mut base = Vec::new();
    let mut spans = Vec::with_capacity(argv.len());
    for a in argv {
        let start = base.len();
        base.extend_from_slice(a.as_ref());
        spans.push(start..base.len());
    }
    (base, spans)
}

/// Encodes arguments as a RESP multibulk request.
pub fn encode_command<'b>(args: impl ExactSizeIterator<Item = &'b [u8]>, out: &mut Vec<u8>) {
    let mut num = itoa::Buffer::new();
    out.push(b'*');
    out.extend_from_slice(num.format(args.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in args {
        out.push(b'$');
        out.extend_from_slice(num.format(a.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// Parses an integer argument as Redis does, or its "not an integer" error.
pub fn parse_int(bytes: &[u8]) -> Result<i64, &'static str> {
    crate::protocol::reader::parse_i64(bytes).ok_or(errors::NOT_INTEGER)
}

/// Parses a float argument as Redis's `strtold` use does: decimal or exponent form, `inf`,
/// `-inf`, `+inf`; no spaces, no NaN.
pub fn parse_float(bytes: &[u8]) -> Option<f64> {
    if bytes.is_empty() || bytes.len() > 5000 {
        return None;
    }
    let s = std::str::from_utf8(bytes).ok()?;
    if s.starts_with(|c: char| c.is_whitespace()) || s.ends_with(|c: char| c.is_whitespace()) {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let v = match lower.as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => f64::INFINITY,
        "-inf" | "-infinity" => f64::NEG_INFINITY,
        _ => {
            if lower.contains("inf") || lower.contains("nan") || lower.starts_with("0x") {
                return None;
            }
            let v = s.parse::<f64>().ok()?;
            // strtold reports overflow (ERANGE): Redis refuses such text.
            if v.is_infinite() {
                return None;
            }
            v
        }
    };
    if v.is_nan() {
        None
    } else {
        Some(v)
    }
}

/// Reads a cursor as C's `strtoul` does for Redis: an optional sign, then decimal digits (the
/// empty string is 0, a minus wraps); leading spaces and anything after the digits are refused.
pub fn parse_cursor(bytes: &[u8]) -> Option<u64> {
    let (neg, digits) = match bytes.first() {
        None => return Some(0),
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        Some(_) => (false, bytes),
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(if neg { n.wrapping_neg() } else { n })
}
