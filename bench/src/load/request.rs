//! Request bytes: SET and GET written straight into a connection's output buffer.
//!
//! Everything that does not depend on the key (the command header, the key prefix, the SET
//! value with its length line) is built once; per request only the key's digits (zero-padded
//! from a constant when `--key-digits` asks for it) and its length are written, so sending costs
//! no allocation once the buffer has grown to its working size.

/// Zeros to pad key numbers with; `--key-digits` is capped at its length.
const ZEROS: [u8; MAX_KEY_DIGITS] = [b'0'; MAX_KEY_DIGITS];

/// The widest `--key-digits`.
pub const MAX_KEY_DIGITS: usize = 64;

/// The two commands the generator measures, also the index of their statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `SET key value`.
    Set = 0,
    /// `GET key`.
    Get = 1,
}

impl Command {
    /// Both, in report order.
    pub const ALL: [Command; 2] = [Command::Set, Command::Get];

    /// The name as the report prints it.
    pub fn name(self) -> &'static str {
        match self {
            Command::Set => "SET",
            Command::Get => "GET",
        }
    }
}

/// The prebuilt pieces of every request of a run.
#[derive(Debug, Clone)]
pub struct Encoder {
    prefix: Vec<u8>,
    /// Minimum width of the key number, zero-padded on the left (0: plain decimal).
    digits: usize,
    /// `$<size>\r\n<value>\r\n`, the tail of every SET.
    set_tail: Vec<u8>,
}

impl Encoder {
    /// Prepares the pieces for keys `prefix<number>` and values of `data_size` bytes.
    pub fn new(prefix: &str, data_size: usize) -> Encoder {
        let mut set_tail = Vec::with_capacity(data_size + 16);
        set_tail.push(b'$');
        set_tail.extend_from_slice(itoa::Buffer::new().format(data_size).as_bytes());
        set_tail.extend_from_slice(b"\r\n");
        // Printable and not all one byte, so a value looks like data in a capture.
        set_tail.extend((0..data_size).map(|i| b'a' + (i % 26) as u8));
        set_tail.extend_from_slice(b"\r\n");
        Encoder {
            prefix: prefix.as_bytes().to_vec(),
            digits: 0,
            set_tail,
        }
    }

    /// Zero-pads key numbers to at least `digits` digits (`key:00000042` with 8); 0 keeps them
    /// plain. Widths above [`MAX_KEY_DIGITS`] are capped.
    pub fn key_digits(mut self, digits: usize) -> Encoder {
        self.digits = digits.min(MAX_KEY_DIGITS);
        self
    }

    /// Zeros that go before a number of `len` digits.
    #[inline]
    fn padding(&self, len: usize) -> &'static [u8] {
        &ZEROS[..self.digits.saturating_sub(len)]
    }

    /// Appends the request `command` for key number `key` to `out`.
    #[inline]
    pub fn encode(&self, command: Command, key: u64, out: &mut Vec<u8>) {
        out.extend_from_slice(match command {
            Command::Set => b"*3\r\n$3\r\nSET\r\n",
            Command::Get => b"*2\r\n$3\r\nGET\r\n",
        });
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(key).as_bytes();
        let padding = self.padding(digits.len());
        let mut len = itoa::Buffer::new();
        out.push(b'$');
        out.extend_from_slice(
            len.format(self.prefix.len() + padding.len() + digits.len())
                .as_bytes(),
        );
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.prefix);
        out.extend_from_slice(padding);
        out.extend_from_slice(digits);
        out.extend_from_slice(b"\r\n");
        if command == Command::Set {
            out.extend_from_slice(&self.set_tail);
        }
    }

    /// Writes key number `key` as the server sees it into `out` (cleared first), for computing
    /// its hash slot.
    pub fn key(&self, key: u64, out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(&self.prefix);
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(key).as_bytes();
        out.extend_from_slice(self.padding(digits.len()));
        out.extend_from_slice(digits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_resp_arrays() {
        let encoder = Encoder::new("key:", 3);
        let mut out = Vec::new();
        encoder.encode(Command::Get, 42, &mut out);
        assert_eq!(out, b"*2\r\n$3\r\nGET\r\n$6\r\nkey:42\r\n");
        out.clear();
        encoder.encode(Command::Set, 7, &mut out);
        assert_eq!(out, b"*3\r\n$3\r\nSET\r\n$5\r\nkey:7\r\n$3\r\nabc\r\n");
        let mut key = Vec::new();
        encoder.key(1234, &mut key);
        assert_eq!(key, b"key:1234");
    }

    #[test]
    fn pads_key_numbers() {
        let encoder = Encoder::new("key:", 3).key_digits(8);
        let mut out = Vec::new();
        encoder.encode(Command::Get, 42, &mut out);
        assert_eq!(out, b"*2\r\n$3\r\nGET\r\n$12\r\nkey:00000042\r\n");
        out.clear();
        encoder.encode(Command::Set, 123_456_789, &mut out);
        assert_eq!(
            out,
            b"*3\r\n$3\r\nSET\r\n$13\r\nkey:123456789\r\n$3\r\nabc\r\n"
        );
        let mut key = Vec::new();
        encoder.key(0, &mut key);
        assert_eq!(key, b"key:00000000");
    }
}
