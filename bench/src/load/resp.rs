//! The hot-path reply scanner: finds where one reply ends and whether it is an error, without
//! building anything.
//!
//! The generator never looks inside a successful reply, so measuring one costs a walk over its
//! headers. The scan is restartable: on a partial reply it answers "incomplete" and the caller
//! scans again from the same start once more bytes arrived, so a reply split across reads never
//! stalls the connection. Every RESP2 and RESP3 type is understood, nested to any depth.

use std::fmt;
use std::ops::Range;

/// Largest bulk length accepted; anything above is a corrupt stream, not a reply to wait for.
const MAX_BULK: i64 = 512 * 1024 * 1024;
/// Largest aggregate length accepted, for the same reason.
const MAX_ITEMS: i64 = 1 << 32;

/// What the caller needs to know about one complete top-level frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A reply that is not an error.
    Value,
    /// An error reply (`-` or `!`); the range is the message inside the buffer.
    Error(Range<usize>),
    /// An out-of-band RESP3 push (`>`): not the answer to any request.
    Push,
    /// A RESP3 attribute (`|`): metadata that precedes the reply it annotates.
    Attribute,
}

/// One complete frame at the start of the scanned buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Bytes the frame occupies.
    pub len: usize,
    /// What it is.
    pub kind: Kind,
}

/// The bytes are not RESP: the connection cannot be trusted any further.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub String);

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "protocol error: {}", self.0)
    }
}

/// Scans the frame at the start of `buf`: `Ok(None)` when it is not complete yet.
pub fn scan(buf: &[u8]) -> Result<Option<Frame>, ProtocolError> {
    let mut pos = 0;
    let mut remaining: u64 = 1;
    let mut kind = Kind::Value;
    while remaining > 0 {
        let Some(&tag) = buf.get(pos) else {
            return Ok(None);
        };
        let Some(eol) = find_crlf(buf, pos + 1)? else {
            return Ok(None);
        };
        let header = &buf[pos + 1..eol];
        let top = pos == 0;
        let next = eol + 2;
        remaining -= 1;
        match tag {
            b'+' | b':' | b',' | b'#' | b'(' | b'_' => pos = next,
            b'-' => {
                if top {
                    kind = Kind::Error(pos + 1..eol);
                }
                pos = next;
            }
            b'$' | b'=' | b'!' => {
                let len = int(header)?;
                if len == -1 && tag == b'$' {
                    pos = next;
                    continue;
                }
                if !(0..=MAX_BULK).contains(&len) {
                    return Err(bad(tag, header));
                }
                let end = next + len as usize;
                if buf.len() < end + 2 {
                    return Ok(None);
                }
                if &buf[end..end + 2] != b"\r\n" {
                    return Err(ProtocolError(format!(
                        "bulk of {len} bytes not followed by CRLF"
                    )));
                }
                if top && tag == b'!' {
                    kind = Kind::Error(next..end);
                }
                pos = end + 2;
            }
            b'*' | b'~' | b'>' | b'%' | b'|' => {
                let count = int(header)?;
                if count == -1 && tag == b'*' {
                    pos = next;
                    continue;
                }
                if !(0..=MAX_ITEMS).contains(&count) {
                    return Err(bad(tag, header));
                }
                let count = count as u64;
                remaining += match tag {
                    b'%' => 2 * count,
                    // An attribute is not an element: at the top it is a frame of its own (the
                    // caller skips it), inside an aggregate the annotated element still follows.
                    b'|' if top => 2 * count,
                    b'|' => 2 * count + 1,
                    _ => count,
                };
                if top && tag == b'>' {
                    kind = Kind::Push;
                } else if top && tag == b'|' {
                    kind = Kind::Attribute;
                }
                pos = next;
            }
            _ => {
                return Err(ProtocolError(format!(
                    "unexpected type byte {:?}",
                    tag as char
                )))
            }
        }
    }
    Ok(Some(Frame { len: pos, kind }))
}

/// Index of the `\r` of the first CRLF at or after `from`; an `\n` without `\r` is an error.
pub(crate) fn find_crlf(buf: &[u8], from: usize) -> Result<Option<usize>, ProtocolError> {
    let Some(rest) = buf.get(from..) else {
        return Ok(None);
    };
    match rest.iter().position(|&b| b == b'\n') {
        None => Ok(None),
        Some(0) => Err(ProtocolError("bare LF in a header".into())),
        Some(i) if rest[i - 1] == b'\r' => Ok(Some(from + i - 1)),
        Some(_) => Err(ProtocolError("LF without CR in a header".into())),
    }
}

/// Parses a header's decimal integer (`-1` included); hand-rolled because it runs per reply.
pub(crate) fn int(text: &[u8]) -> Result<i64, ProtocolError> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 18 {
        return Err(bad_int(text));
    }
    let mut value: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return Err(bad_int(text));
        }
        value = value * 10 + i64::from(b - b'0');
    }
    Ok(if negative { -value } else { value })
}

fn bad_int(text: &[u8]) -> ProtocolError {
    ProtocolError(format!("bad length {:?}", String::from_utf8_lossy(text)))
}

fn bad(tag: u8, header: &[u8]) -> ProtocolError {
    ProtocolError(format!(
        "bad length in {}{}",
        tag as char,
        String::from_utf8_lossy(header)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every prefix of `wire` is incomplete, and the whole of it is one frame of `kind`.
    fn whole(wire: &[u8], kind: Kind) {
        for cut in 0..wire.len() {
            assert_eq!(
                scan(&wire[..cut]),
                Ok(None),
                "prefix {:?}",
                String::from_utf8_lossy(&wire[..cut])
            );
        }
        let mut extended = wire.to_vec();
        extended.extend_from_slice(b"+next\r\n");
        assert_eq!(
            scan(&extended),
            Ok(Some(Frame {
                len: wire.len(),
                kind
            })),
            "{:?}",
            String::from_utf8_lossy(wire)
        );
    }

    #[test]
    fn resp2_types() {
        whole(b"+OK\r\n", Kind::Value);
        whole(b":1234\r\n", Kind::Value);
        whole(b"$5\r\nhello\r\n", Kind::Value);
        whole(b"$0\r\n\r\n", Kind::Value);
        whole(b"$-1\r\n", Kind::Value);
        whole(b"*-1\r\n", Kind::Value);
        whole(b"*0\r\n", Kind::Value);
        whole(b"*2\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n", Kind::Value);
        whole(b"-ERR unknown command\r\n", Kind::Error(1..20));
    }

    #[test]
    fn resp3_types() {
        whole(b"_\r\n", Kind::Value);
        whole(b",3.14\r\n", Kind::Value);
        whole(b"#t\r\n", Kind::Value);
        whole(
            b"(3492890328409238509324850943850943825024385\r\n",
            Kind::Value,
        );
        whole(b"=15\r\ntxt:Some string\r\n", Kind::Value);
        whole(b"%2\r\n+a\r\n:1\r\n+b\r\n*1\r\n_\r\n", Kind::Value);
        whole(b"~2\r\n+a\r\n+b\r\n", Kind::Value);
        whole(b"!8\r\nSYNTAX x\r\n", Kind::Error(4..12));
        whole(b">2\r\n+message\r\n+hi\r\n", Kind::Push);
        whole(b"|1\r\n+ttl\r\n:3\r\n", Kind::Attribute);
        // An attribute inside an aggregate annotates the element after it.
        whole(b"*1\r\n|1\r\n+a\r\n+b\r\n:7\r\n", Kind::Value);
    }

    #[test]
    fn errors_inside_aggregates_are_values() {
        whole(b"*1\r\n-ERR x\r\n", Kind::Value);
    }

    #[test]
    fn corrupt_streams_are_errors() {
        assert!(scan(b"?1\r\n").is_err());
        assert!(scan(b"$x\r\n").is_err());
        assert!(scan(b"$-2\r\n").is_err());
        assert!(scan(b"$3\r\nabcde\r\n").is_err());
        assert!(scan(b"+OK\n").is_err());
        assert!(scan(b"*99999999999\r\n").is_err());
    }

    #[test]
    fn back_to_back_frames() {
        let wire = b"+OK\r\n$3\r\nabc\r\n";
        let first = scan(wire).unwrap().unwrap();
        assert_eq!(first.len, 5);
        let second = scan(&wire[first.len..]).unwrap().unwrap();
        assert_eq!(second.len, 9);
    }
}
