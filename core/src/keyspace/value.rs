//! What a key holds, and how OBJECT ENCODING names it.

use super::bytes::Bytes;
use super::{Hash, List, Set, ZSet};

/// A key's value, 24 bytes in the table's slot whatever its type. A hash, a set and a sorted
/// set are 16 bytes each and sit here directly: a small one is then a single allocation (its
/// listpack or intset, exactly sized), as Redis spends one robj and one listpack. A list keeps
/// its quicklist header in a box.
///
/// A copy keeps the encoding, as Redis's `dupStringObject` does: a `raw` string (one with spare
/// room, see [`Value::encoding`]) stays `raw`.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string kept as bytes (Redis's `embstr` or `raw` encodings).
    Str(Bytes),
    /// A string that is the decimal form of a 64-bit integer (Redis's `int` encoding).
    Int(i64),
    /// A list (`quicklist`).
    List(Box<List>),
    /// A hash (`listpack` or `hashtable`).
    Hash(Hash),
    /// A set (`intset` or `hashtable`).
    Set(Set),
    /// A sorted set (`listpack` or `skiplist`).
    ZSet(ZSet),
}

const _: () = assert!(std::mem::size_of::<Value>() == 24);

/// Longest string Redis stores as `embstr`.
pub const EMBSTR_MAX: usize = 44;

/// Makes a string report the `raw` encoding, as Redis's strings do once changed in place
/// (APPEND, SETRANGE): `raw` is a string with spare room.
pub fn mark_raw(bytes: &mut Vec<u8>) {
    if bytes.capacity() == bytes.len() {
        bytes.reserve(1);
    }
}

impl Value {
    /// A string value, encoded as Redis's `tryObjectEncoding` would: integers as `int`.
    pub fn string(bytes: &[u8]) -> Value {
        if bytes.len() <= 20 {
            if let Some(n) = crate::protocol::reader::parse_i64(bytes) {
                return Value::Int(n);
            }
        }
        Value::Str(Bytes::new(bytes))
    }

    /// Starts loading the value's bytes when they live outside the value (see
    /// [`Bytes::prefetch`]).
    pub fn prefetch(&self) {
        if let Value::Str(b) = self {
            b.prefetch();
        }
    }

    /// The name TYPE answers.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) | Value::Int(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
        }
    }

    /// The name OBJECT ENCODING answers.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Str(b) if b.len() <= EMBSTR_MAX && b.capacity() == b.len() => "embstr",
            Value::Str(_) => "raw",
            Value::List(l) => l.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::Set(s) => s.encoding(),
            Value::ZSet(z) => z.encoding(),
        }
    }

    /// True for either string encoding.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::Str(_) | Value::Int(_))
    }

    /// The string's bytes, formatting an integer into `buf` when needed. None for other types.
    pub fn as_bytes<'a>(&'a self, buf: &'a mut itoa::Buffer) -> Option<&'a [u8]> {
        match self {
            Value::Str(b) => Some(&b[..]),
            Value::Int(n) => Some(buf.format(*n).as_bytes()),
            _ => None,
        }
    }

    /// The string's bytes as an owned vector (for commands that change them in place).
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        let mut buf = itoa::Buffer::new();
        self.as_bytes(&mut buf).map(|b| b.to_vec())
    }
}
