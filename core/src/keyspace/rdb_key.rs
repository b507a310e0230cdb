//! One key as an RDB file holds it (`rdbSaveKeyValuePair`): what SAVE and a full
//! resynchronisation write for every key. Each shard encodes its own keys where they live, so
//! only finished bytes travel between cores; the file's framing is `tessera-persist`'s.

use super::dump::{write_len, write_string, write_value};
use super::value::Value;

/// Opcode before a key's expiry, Unix milliseconds.
pub const OPCODE_EXPIRETIME_MS: u8 = 252;
/// Opcode before a key's LRU idle time, in seconds.
pub const OPCODE_IDLE: u8 = 248;
/// Opcode before a key's LFU counter.
pub const OPCODE_FREQ: u8 = 249;

/// What Redis writes before a key besides its expiry, as `maxmemory-policy` asks: LRU policies
/// keep the idle time, LFU policies the access counter, so eviction picks up where it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyHint {
    /// Nothing (a policy that is neither LRU nor LFU).
    None,
    /// The key's idle time, in seconds.
    Idle(u64),
    /// The key's LFU counter (already decayed to now).
    Freq(u8),
}

/// Encodes keys in RDB form. Each shard keeps one, so its keys are encoded where they live and
/// the bytes cross to the writer in large chunks; it holds a buffer reused from key to key.
#[derive(Debug, Default)]
pub struct KeyEncoder {
    compress: bool,
    scratch: Vec<u8>,
}

impl KeyEncoder {
    /// An encoder; `compress` is `rdbcompression` (LZF for strings over 20 bytes).
    pub fn new(compress: bool) -> KeyEncoder {
        KeyEncoder {
            compress,
            scratch: Vec::new(),
        }
    }

    /// Appends one key to `out` as `rdbSaveKeyValuePair` does: the expiry (`expire_at`, Unix
    /// ms, 0 for none), the hint, then the object type, the key and the value.
    pub fn key(
        &mut self,
        out: &mut Vec<u8>,
        key: &[u8],
        value: &Value,
        expire_at: u64,
        hint: KeyHint,
    ) {
        if expire_at != 0 {
            out.push(OPCODE_EXPIRETIME_MS);
            out.extend_from_slice(&expire_at.to_le_bytes());
        }
        match hint {
            KeyHint::None => {}
            KeyHint::Idle(secs) => {
                out.push(OPCODE_IDLE);
                write_len(out, secs);
            }
            KeyHint::Freq(counter) => out.extend_from_slice(&[OPCODE_FREQ, counter]),
        }
        // A value is written as its type byte then its body; the key goes between the two.
        self.scratch.clear();
        write_value(&mut self.scratch, value, self.compress);
        let Some((&rdb_type, body)) = self.scratch.split_first() else {
            return;
        };
        out.push(rdb_type);
        write_string(out, key, self.compress);
        out.extend_from_slice(body);
    }
}
