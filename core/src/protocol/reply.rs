//! The reply writer: encodes replies straight into a connection's send buffer, in RESP2 or RESP3.
//!
//! Handlers never build reply values; they call these methods, and the bytes land where the
//! socket will read them. The protocol version decides how nulls, maps, sets and doubles look.

use std::io::Write;

/// Which reply dialect a client asked for with `HELLO`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Protocol {
    /// RESP2, every client's default.
    #[default]
    Resp2,
    /// RESP3, with maps, sets, doubles and a distinct null.
    Resp3,
}

/// Appends replies to a byte buffer in the client's protocol.
pub struct Reply<'a> {
    out: &'a mut Vec<u8>,
    proto: Protocol,
}

impl<'a> Reply<'a> {
    /// Starts writing replies for a client that speaks `proto` at the end of `out`.
    pub fn new(out: &'a mut Vec<u8>, proto: Protocol) -> Self {
        Reply { out, proto }
    }

    /// The dialect replies are written in.
    pub fn protocol(&self) -> Protocol {
        self.proto
    }

    /// True when the client speaks RESP3.
    pub fn is_resp3(&self) -> bool {
        self.proto == Protocol::Resp3
    }

    /// Bytes written so far (handlers use it to undo a partial reply).
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// True when nothing has been written to the buffer.
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// Drops what was written after `len`.
    pub fn truncate(&mut self, len: usize) {
        self.out.truncate(len);
    }

    /// Bytes already encoded (a merged multi-shard reply, a cached reply).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// `+OK`.
    pub fn ok(&mut self) {
        self.out.extend_from_slice(b"+OK\r\n");
    }

    /// A simple string; must not contain CR or LF.
    pub fn simple(&mut self, s: &str) {
        self.out.push(b'+');
        self.out.extend_from_slice(s.as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    /// An error reply. `msg` starts with the error code (`ERR`, `WRONGTYPE`...); newlines are
    /// replaced by spaces as Redis does, so a reply can never be split.
    pub fn error(&mut self, msg: &str) {
        self.out.push(b'-');
        for &b in msg.as_bytes() {
            self.out
                .push(if b == b'\r' || b == b'\n' { b' ' } else { b });
        }
        self.out.extend_from_slice(b"\r\n");
    }

    /// An integer.
    pub fn int(&mut self, n: i64) {
        self.out.push(b':');
        self.number(n);
        self.out.extend_from_slice(b"\r\n");
    }

    fn number(&mut self, n: i64) {
        let mut buf = itoa::Buffer::new();
        self.out.extend_from_slice(buf.format(n).as_bytes());
    }

    fn header(&mut self, tag: u8, n: usize) {
        self.out.push(tag);
        let mut buf = itoa::Buffer::new();
        self.out.extend_from_slice(buf.format(n).as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    /// A bulk string.
    pub fn bulk(&mut self, bytes: &[u8]) {
        self.header(b'$', bytes.len());
        self.out.extend_from_slice(bytes);
        self.out.extend_from_slice(b"\r\n");
    }

    /// A bulk string holding an integer's decimal form.
    pub fn bulk_int(&mut self, n: i64) {
        let mut buf = itoa::Buffer::new();
        let s = buf.format(n);
        self.bulk(s.as_bytes());
    }

    /// A bulk string, or null when absent.
    pub fn bulk_or_null(&mut self, bytes: Option<&[u8]>) {
        match bytes {
            Some(b) => self.bulk(b),
            None => self.null(),
        }
    }

    /// The null bulk string (`$-1` in RESP2, `_` in RESP3).
    pub fn null(&mut self) {
        match self.proto {
            Protocol::Resp2 => self.out.extend_from_slice(b"$-1\r\n"),
            Protocol::Resp3 => self.out.extend_from_slice(b"_\r\n"),
        }
    }

    /// The null array (`*-1` in RESP2, `_` in RESP3).
    pub fn null_array(&mut self) {
        match self.proto {
            Protocol::Resp2 => self.out.extend_from_slice(b"*-1\r\n"),
            Protocol::Resp3 => self.out.extend_from_slice(b"_\r\n"),
        }
    }

    /// Opens an array of `n` elements; the caller writes them next.
    pub fn array(&mut self, n: usize) {
        self.header(b'*', n);
    }

    /// Opens a map of `n` key/value pairs (a flat array of `2n` in RESP2).
    pub fn map(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header(b'*', n * 2),
            Protocol::Resp3 => self.header(b'%', n),
        }
    }

    /// Opens a set of `n` elements (an array in RESP2).
    pub fn set(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header(b'*', n),
            Protocol::Resp3 => self.header(b'~', n),
        }
    }

    /// Opens a push message of `n` elements (an array in RESP2).
    pub fn push(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header(b'*', n),
            Protocol::Resp3 => self.header(b'>', n),
        }
    }

    /// A double: a bulk string in RESP2, `,` in RESP3, formatted as Redis formats doubles.
    pub fn double(&mut self, d: f64) {
        let mut buf = [0u8; 64];
        let len = format_double(d, &mut buf);
        match self.proto {
            Protocol::Resp2 => self.bulk(&buf[..len]),
            Protocol::Resp3 => {
                self.out.push(b',');
                self.out.extend_from_slice(&buf[..len]);
                self.out.extend_from_slice(b"\r\n");
            }
        }
    }

    /// A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2.
    pub fn boolean(&mut self, b: bool) {
        match self.proto {
            Protocol::Resp2 => self.int(b as i64),
            Protocol::Resp3 => self
                .out
                .extend_from_slice(if b { b"#t\r\n" } else { b"#f\r\n" }),
        }
    }

    /// Verbatim text (`=` with a `txt:` prefix in RESP3, a bulk string in RESP2), as INFO replies.
    pub fn verbatim(&mut self, text: &[u8]) {
        match self.proto {
            Protocol::Resp2 => self.bulk(text),
            Protocol::Resp3 => {
                self.header(b'=', text.len() + 4);
                self.out.extend_from_slice(b"txt:");
                self.out.extend_from_slice(text);
                self.out.extend_from_slice(b"\r\n");
            }
        }
    }

    /// An array of bulk strings.
    pub fn bulks<I, B>(&mut self, items: I)
    where
        I: ExactSizeIterator<Item = B>,
        B: AsRef<[u8]>,
    {
        self.array(items.len());
        for item in items {
            self.bulk(item.as_ref());
        }
    }

    /// A HELP reply: an array of simple-string lines.
    pub fn help(&mut self, lines: &[&str]) {
        self.array(lines.len());
        for line in lines {
            self.simple(line);
        }
    }

    /// Writes formatted text as a bulk string (INFO, CLIENT LIST).
    pub fn bulk_fmt(&mut self, args: std::fmt::Arguments<'_>) {
        let mut tmp = Vec::with_capacity(64);
        let _ = tmp.write_fmt(args);
        self.bulk(&tmp);
    }
}

/// Formats a double as Redis 7.0 does in replies (`%.17g`, with `inf`/`-inf`), into `buf`.
/// Returns the length written.
pub fn format_double(d: f64, buf: &mut [u8; 64]) -> usize {
    let text = if d.is_infinite() {
        if d > 0.0 {
            "inf".to_string()
        } else {
            "-inf".to_string()
        }
    } else if d.is_nan() {
        "nan".to_string()
    } else {
        format_g17(d)
    };
    let n = text.len().min(64);
    buf[..n].copy_from_slice(&text.as_bytes()[..n]);
    n
}

/// C's `%.17g` for a finite double.
fn format_g17(d: f64) -> String {
    if d == 0.0 {
        return if d.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{d:.16e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..17).contains(&exp) {
        let mantissa = trim_fraction(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (16 - exp).max(0) as usize;
        trim_fraction(&format!("{d:.decimals$}")).to_string()
    }
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(d: f64) -> String {
        let mut b = [0u8; 64];
        let n = format_double(d, &mut b);
        String::from_utf8(b[..n].to_vec()).unwrap()
    }

    #[test]
    fn doubles_look_like_redis() {
        assert_eq!(fmt(1.5), "1.5");
        assert_eq!(fmt(3.0), "3");
        assert_eq!(fmt(f64::INFINITY), "inf");
        assert_eq!(fmt(-f64::INFINITY), "-inf");
        assert_eq!(fmt(1e20), "1e+20");
        assert_eq!(fmt(1.5e-7), "1.4999999999999999e-07");
        assert_eq!(fmt(0.1), "0.10000000000000001");
        assert_eq!(fmt(-2.5), "-2.5");
        assert_eq!(fmt(123456789.0), "123456789");
    }

    #[test]
    fn nulls_follow_protocol() {
        let mut v = Vec::new();
        Reply::new(&mut v, Protocol::Resp2).null();
        Reply::new(&mut v, Protocol::Resp3).null();
        assert_eq!(v, b"$-1\r\n_\r\n");
    }

    #[test]
    fn maps_flatten_in_resp2() {
        let mut v = Vec::new();
        Reply::new(&mut v, Protocol::Resp2).map(2);
        Reply::new(&mut v, Protocol::Resp3).map(2);
        assert_eq!(v, b"*4\r\n%2\r\n");
    }
}
