//! The request reader: finds complete commands in received bytes without copying them.
//!
//! A connection hands the reader whatever bytes it has; the reader answers with the spans of one
//! command's arguments inside those bytes, "need more bytes", or a protocol error worded as Redis
//! words it. Multibulk (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline (`GET k\r\n`) requests are both
//! understood. Declared lengths are checked against the limits before anything is allocated.

use std::ops::Range;

/// Longest inline request or length line Redis accepts (`PROTO_INLINE_MAX_SIZE`).
pub const INLINE_MAX: usize = 64 * 1024;

/// Limits a reader enforces, taken from the configuration (`proto-max-bulk-len`).
#[derive(Clone, Copy, Debug)]
pub struct ReaderLimits {
    /// Largest bulk string a client may declare, in bytes.
    pub max_bulk_len: usize,
    /// Largest number of arguments a client may declare in one request.
    pub max_multibulk_len: usize,
}

impl ReaderLimits {
    /// No limit but the protocol's own: for commands one shard sends another, which were
    /// checked when the client sent them.
    pub fn internal() -> Self {
        ReaderLimits {
            max_bulk_len: usize::MAX,
            max_multibulk_len: i32::MAX as usize,
        }
    }
}

impl Default for ReaderLimits {
    fn default() -> Self {
        ReaderLimits {
            max_bulk_len: 512 * 1024 * 1024,
            max_multibulk_len: i32::MAX as usize,
        }
    }
}

/// Where a command's arguments live: in the received bytes themselves (multibulk), or in the
/// reader's scratch buffer (inline requests, whose quotes and escapes must be undone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgSource {
    /// Spans index the input buffer.
    Input,
    /// Spans index the scratch buffer given to [`parse_request`].
    Scratch,
}

/// The outcome of one call to [`parse_request`] that found no error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A whole command: `consumed` bytes of the input were used; its spans are in the span vector.
    /// A command with no arguments (an empty inline line, `*0`) has empty spans and gets no reply.
    Command {
        /// Bytes of input the command used.
        consumed: usize,
        /// Where its spans point.
        source: ArgSource,
    },
    /// The input ends inside a command; at least `needed` bytes in all are required before it can
    /// be complete (a hint that lets the caller avoid re-parsing too early).
    Incomplete {
        /// Total input length at which parsing is worth trying again.
        needed: usize,
    },
}

/// A malformed request. The text is the reply Redis sends before closing the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolError(pub String);

impl ProtocolError {
    fn new(msg: &str) -> Self {
        ProtocolError(format!("ERR Protocol error: {msg}"))
    }
}

/// Parses the first request in `input`, writing its argument spans into `spans`.
///
/// `scratch` receives the unescaped arguments of an inline request; it is cleared first.
pub fn parse_request(
    input: &[u8],
    spans: &mut Vec<Range<usize>>,
    scratch: &mut Vec<u8>,
    limits: &ReaderLimits,
) -> Result<Parsed, ProtocolError> {
    spans.clear();
    match input.first() {
        None => Ok(Parsed::Incomplete { needed: 1 }),
        Some(b'*') => parse_multibulk(input, spans, limits),
        Some(_) => parse_inline(input, spans, scratch),
    }
}

/// Finds `\r\n` at or after `from`, returning the index of `\r`.
fn find_crlf(input: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(pos) = memchr(b'\r', &input[at..]) {
        let cr = at + pos;
        if cr + 1 < input.len() {
            if input[cr + 1] == b'\n' {
                return Some(cr);
            }
            at = cr + 1;
        } else {
            return None;
        }
    }
    None
}

/// The common header number, read in the same pass that finds its end: a plain decimal of at
/// most 18 digits right before `\r\n`, at `from`. Returns it and the index of its `\r`; None
/// for anything else (a sign, a leading zero, more digits, a stray byte, the end of the input),
/// which the general path then reads and judges.
#[inline]
fn small_decimal(input: &[u8], from: usize) -> Option<(i64, usize)> {
    let digits = input.get(from..)?;
    let ends_at = |i: usize| digits.get(i) == Some(&b'\r') && digits.get(i + 1) == Some(&b'\n');
    let first = *digits.first()?;
    if first == b'0' {
        return ends_at(1).then_some((0, from + 1));
    }
    if !first.is_ascii_digit() {
        return None;
    }
    let mut n = i64::from(first - b'0');
    let mut i = 1;
    while i < digits.len() {
        let b = digits[i];
        if !b.is_ascii_digit() || i == 18 {
            return ends_at(i).then_some((n, from + i));
        }
        n = n * 10 + i64::from(b - b'0');
        i += 1;
    }
    None
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// Parses a decimal integer as Redis's `string2ll` does: an optional minus sign, digits only.
pub fn parse_i64(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || bytes.len() > 20 {
        return None;
    }
    let (neg, digits) = match bytes[0] {
        b'-' => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() || (digits[0] == b'0' && (digits.len() > 1 || neg)) {
        return None;
    }
    let mut value: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    if neg {
        if value > i64::MAX as u64 + 1 {
            None
        } else {
            Some((value as i64).wrapping_neg())
        }
    } else if value > i64::MAX as u64 {
        None
    } else {
        Some(value as i64)
    }
}

/// The number of the header line whose type byte (`*` or `$`) is at `at`, and the index of
/// the line's `\r`; None while the line is incomplete. A line longer than Redis allows is
/// refused with `too_big`, one that is not a plain decimal with `invalid`.
fn header_number(
    input: &[u8],
    at: usize,
    too_big: &str,
    invalid: &str,
) -> Result<Option<(i64, usize)>, ProtocolError> {
    if let Some(found) = small_decimal(input, at + 1) {
        return Ok(Some(found));
    }
    let Some(cr) = find_crlf(input, at + 1) else {
        if input.len() - at > INLINE_MAX {
            return Err(ProtocolError::new(too_big));
        }
        return Ok(None);
    };
    if cr - at > INLINE_MAX {
        return Err(ProtocolError::new(too_big));
    }
    match parse_i64(&input[at + 1..cr]) {
        Some(n) => Ok(Some((n, cr))),
        None => Err(ProtocolError::new(invalid)),
    }
}

fn parse_multibulk(
    input: &[u8],
    spans: &mut Vec<Range<usize>>,
    limits: &ReaderLimits,
) -> Result<Parsed, ProtocolError> {
    let Some((count, cr)) = header_number(
        input,
        0,
        "too big mbulk count string",
        "invalid multibulk length",
    )?
    else {
        return Ok(Parsed::Incomplete {
            needed: input.len() + 1,
        });
    };
    if count > limits.max_multibulk_len as i64 || count > i32::MAX as i64 {
        return Err(ProtocolError::new("invalid multibulk length"));
    }
    let mut at = cr + 2;
    if count <= 0 {
        return Ok(Parsed::Command {
            consumed: at,
            source: ArgSource::Input,
        });
    }
    // Reserve what the input can hold at most, never what the client merely declared.
    spans.reserve((count as usize).min(input.len() / 4 + 1));
    for _ in 0..count {
        if at >= input.len() {
            return Ok(Parsed::Incomplete { needed: at + 1 });
        }
        if input[at] != b'$' {
            let got = input[at] as char;
            return Err(ProtocolError(format!(
                "ERR Protocol error: expected '$', got '{got}'"
            )));
        }
        let Some((len, cr)) = header_number(
            input,
            at,
            "too big bulk count string",
            "invalid bulk length",
        )?
        else {
            return Ok(Parsed::Incomplete {
                needed: input.len() + 1,
            });
        };
        if len < 0 || len as u64 > limits.max_bulk_len as u64 {
            return Err(ProtocolError::new("invalid bulk length"));
        }
        let len = len as usize;
        let start = cr + 2;
        let end = start + len;
        if end + 2 > input.len() {
            return Ok(Parsed::Incomplete { needed: end + 2 });
        }
        spans.push(start..end);
        at = end + 2;
    }
    Ok(Parsed::Command {
        consumed: at,
        source: ArgSource::Input,
    })
}

fn parse_inline(
    input: &[u8],
    spans: &mut Vec<Range<usize>>,
    scratch: &mut Vec<u8>,
) -> Result<Parsed, ProtocolError> {
    let Some(newline) = memchr(b'\n', input) else {
        if input.len() > INLINE_MAX {
            return Err(ProtocolError::new("too big inline request"));
        }
        return Ok(Parsed::Incomplete {
            needed: input.len() + 1,
        });
    };
    if newline > INLINE_MAX {
        return Err(ProtocolError::new("too big inline request"));
    }
    let mut line = &input[..newline];
    if line.last() == Some(&b'\r') {
        line = &line[..line.len() - 1];
    }
    scratch.clear();
    if !split_args(line, spans, scratch) {
        return Err(ProtocolError::new("unbalanced quotes in request"));
    }
    Ok(Parsed::Command {
        consumed: newline + 1,
        source: ArgSource::Scratch,
    })
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

/// Splits an inline line into arguments as Redis's `sdssplitargs` does (quotes and escapes).
/// Returns false on unbalanced quotes.
pub fn split_args(line: &[u8], spans: &mut Vec<Range<usize>>, out: &mut Vec<u8>) -> bool {
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= n {
            return true;
        }
        let start = out.len();
        let mut in_double = false;
        let mut in_single = false;
        loop {
            if in_double {
                if i >= n {
                    return false;
                }
                let c = line[i];
                if c == b'\\'
                    && i + 3 < n
                    && line[i + 1] == b'x'
                    && is_hex(line[i + 2])
                    && is_hex(line[i + 3])
                {
                    out.push(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3]));
                    i += 3;
                } else if c == b'\\' && i + 1 < n {
                    i += 1;
                    out.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    });
                } else if c == b'"' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return false;
                    }
                    i += 1;
                    break;
                } else {
                    out.push(c);
                }
            } else if in_single {
                if i >= n {
                    return false;
                }
                let c = line[i];
                if c == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    i += 1;
                    out.push(b'\'');
                } else if c == b'\'' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return false;
                    }
                    i += 1;
                    break;
                } else {
                    out.push(c);
                }
            } else {
                if i >= n {
                    break;
                }
                match line[i] {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        i += 1;
                        break;
                    }
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    c => out.push(c),
                }
            }
            i += 1;
        }
        spans.push(start..out.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn args(input: &[u8]) -> Result<(Vec<Vec<u8>>, usize), ProtocolError> {
        let mut spans = Vec::new();
        let mut scratch = Vec::new();
        match parse_request(input, &mut spans, &mut scratch, &ReaderLimits::default())? {
            Parsed::Command { consumed, source } => {
                let base = if source == ArgSource::Input {
                    input
                } else {
                    &scratch[..]
                };
                Ok((
                    spans.iter().map(|s| base[s.clone()].to_vec()).collect(),
                    consumed,
                ))
            }
            Parsed::Incomplete { .. } => Ok((vec![], 0)),
        }
    }

    #[test]
    fn multibulk_command() {
        let (a, used) = args(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nrest").unwrap();
        assert_eq!(a, vec![b"GET".to_vec(), b"k".to_vec()]);
        assert_eq!(used, 20);
    }

    #[test]
    fn incomplete_multibulk_asks_for_more() {
        let mut spans = Vec::new();
        let mut s = Vec::new();
        let r = parse_request(
            b"*2\r\n$3\r\nGET\r\n$5\r\nab",
            &mut spans,
            &mut s,
            &ReaderLimits::default(),
        );
        assert_eq!(r, Ok(Parsed::Incomplete { needed: 24 }));
    }

    #[test]
    fn inline_with_quotes() {
        let (a, _) = args(b"SET \"a b\" 'c\\'d' \"\\x41\\n\"\r\n").unwrap();
        assert_eq!(
            a,
            vec![
                b"SET".to_vec(),
                b"a b".to_vec(),
                b"c'd".to_vec(),
                b"A\n".to_vec()
            ]
        );
    }

    #[test]
    fn errors_are_worded_as_redis() {
        assert_eq!(
            args(b"*x\r\n").unwrap_err().0,
            "ERR Protocol error: invalid multibulk length"
        );
        assert_eq!(
            args(b"*1\r\n+x\r\n").unwrap_err().0,
            "ERR Protocol error: expected '$', got '+'"
        );
        assert_eq!(
            args(b"*1\r\n$-5\r\n").unwrap_err().0,
            "ERR Protocol error: invalid bulk length"
        );
        assert_eq!(
            args(b"SET \"a\r\n").unwrap_err().0,
            "ERR Protocol error: unbalanced quotes in request"
        );
    }

    #[test]
    fn header_numbers_read_fast_mean_what_the_general_path_reads() {
        for n in [0i64, 1, 9, 10, 99, 512, 999_999_999_999_999_999] {
            assert_eq!(
                small_decimal(format!("{n}\r\n").as_bytes(), 0),
                Some((n, n.to_string().len()))
            );
        }
        // Left to the general path, which accepts or refuses them as Redis does.
        for text in [
            "00\r\n", "01\r\n", "-1\r\n", "+1\r\n", "1\r", "1", "1\rx\n", "1 \r\n", "",
        ] {
            assert_eq!(small_decimal(text.as_bytes(), 0), None, "{text:?}");
        }
        assert_eq!(small_decimal(b"1000000000000000000\r\n", 0), None);
        assert_eq!(
            args(b"*02\r\n").unwrap_err().0,
            "ERR Protocol error: invalid multibulk length"
        );
        assert_eq!(
            args(b"*1\r\n$01\r\nx\r\n").unwrap_err().0,
            "ERR Protocol error: invalid bulk length"
        );
        assert_eq!(args(b"*-1\r\n").unwrap().1, 5);
        assert_eq!(args(b"*0\r\n").unwrap().1, 4);
        let (a, _) = args(b"*1\r\n$0\r\n\r\n").unwrap();
        assert_eq!(a, vec![Vec::<u8>::new()]);
        assert_eq!(
            args(b"*1\r\n$1000000000000000000\r\n").unwrap_err().0,
            "ERR Protocol error: invalid bulk length"
        );
    }

    proptest! {
        /// Any header text parses to the same outcome as reading it with `parse_i64` alone.
        #[test]
        fn fast_headers_agree_with_the_general_reader(text in "[-+0-9\r\n x]{0,22}") {
            let bytes = text.as_bytes();
            if let Some((n, cr)) = small_decimal(bytes, 0) {
                prop_assert_eq!(&bytes[cr..cr + 2], b"\r\n");
                prop_assert_eq!(parse_i64(&bytes[..cr]), Some(n));
                prop_assert_eq!(find_crlf(bytes, 0), Some(cr));
            }
        }
    }

    #[test]
    fn bulk_over_limit_is_refused_before_data() {
        let limits = ReaderLimits {
            max_bulk_len: 10,
            ..Default::default()
        };
        let mut spans = Vec::new();
        let mut s = Vec::new();
        let r = parse_request(b"*1\r\n$11\r\n", &mut spans, &mut s, &limits);
        assert_eq!(r.unwrap_err().0, "ERR Protocol error: invalid bulk length");
    }

    #[test]
    fn huge_declared_count_allocates_nothing_big() {
        let mut spans = Vec::new();
        let mut s = Vec::new();
        let r = parse_request(
            b"*2000000000\r\n",
            &mut spans,
            &mut s,
            &ReaderLimits::default(),
        );
        assert!(matches!(r, Ok(Parsed::Incomplete { .. })));
        assert!(spans.capacity() < 1000);
    }

    #[test]
    fn integers_parse_as_redis() {
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b"01"), None);
        assert_eq!(parse_i64(b"+1"), None);
        assert_eq!(parse_i64(b"-0"), None);
        assert_eq!(parse_i64(b"0"), Some(0));
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(input in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut spans = Vec::new();
            let mut s = Vec::new();
            let limits = ReaderLimits { max_bulk_len: 64, max_multibulk_len: 64 };
            let mut rest = &input[..];
            while let Ok(Parsed::Command { consumed, .. }) = parse_request(rest, &mut spans, &mut s, &limits) {
                prop_assert!(consumed > 0 && consumed <= rest.len());
                rest = &rest[consumed..];
            }
        }

        #[test]
        fn never_panics_on_resp_like_bytes(parts in proptest::collection::vec(
            prop_oneof![Just(b"*".to_vec()), Just(b"$".to_vec()), Just(b"\r\n".to_vec()),
                        Just(b"-1".to_vec()), Just(b"3".to_vec()), Just(b"\"".to_vec()),
                        Just(b"'".to_vec()), Just(b"\\x4".to_vec()), proptest::collection::vec(any::<u8>(), 0..4)], 0..64)) {
            let input: Vec<u8> = parts.concat();
            let mut spans = Vec::new();
            let mut s = Vec::new();
            let limits = ReaderLimits::default();
            let mut rest = &input[..];
            while let Ok(Parsed::Command { consumed, .. }) = parse_request(rest, &mut spans, &mut s, &limits) {
                prop_assert!(consumed > 0 && consumed <= rest.len());
                rest = &rest[consumed..];
            }
        }
    }
}
