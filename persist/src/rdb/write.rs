//! Writing an RDB file: [`RdbWriter`] frames it, [`KeyEncoder`] encodes keys.

use tessera_core::keyspace::dump::{crc64, write_len, write_string, write_value};
use tessera_core::keyspace::Value;

use super::{opcode, RDB_VERSION};

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
            out.push(opcode::EXPIRETIME_MS);
            out.extend_from_slice(&expire_at.to_le_bytes());
        }
        match hint {
            KeyHint::None => {}
            KeyHint::Idle(secs) => {
                out.push(opcode::IDLE);
                write_len(out, secs);
            }
            KeyHint::Freq(counter) => out.extend_from_slice(&[opcode::FREQ, counter]),
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

/// Frames an RDB file: the header, auxiliary fields, database sections, the end and the
/// checksum. Bytes accumulate until [`RdbWriter::take`] hands them to the caller (who writes
/// them out), so a file of any size streams through a bounded buffer; the checksum runs over
/// every byte handed out.
#[derive(Debug)]
pub struct RdbWriter {
    buf: Vec<u8>,
    crc: u64,
    checksum: bool,
    compress: bool,
}

impl RdbWriter {
    /// A file with the header written; `compress` is `rdbcompression`, `checksum` is
    /// `rdbchecksum` (off, the file ends in eight zero bytes, as Redis writes it).
    pub fn new(compress: bool, checksum: bool) -> RdbWriter {
        let mut buf = Vec::with_capacity(64 * 1024);
        buf.extend_from_slice(format!("REDIS{RDB_VERSION:04}").as_bytes());
        RdbWriter {
            buf,
            crc: 0,
            checksum,
            compress,
        }
    }

    /// Appends an auxiliary field (`rdbSaveAuxField`).
    pub fn aux(&mut self, name: &str, value: &[u8]) {
        self.buf.push(opcode::AUX);
        write_string(&mut self.buf, name.as_bytes(), self.compress);
        write_string(&mut self.buf, value, self.compress);
    }

    /// Appends an auxiliary field holding a number, as Redis writes them (int-encoded).
    pub fn aux_int(&mut self, name: &str, value: i64) {
        self.aux(name, itoa::Buffer::new().format(value).as_bytes());
    }

    /// The fields Redis 7.0 writes in every file (`rdbSaveInfoAuxFields`), given the time of
    /// the save (Unix seconds) and the memory in use.
    pub fn standard_aux(&mut self, ctime: i64, used_mem: u64, aof_base: bool) {
        self.aux("redis-ver", b"7.0.15");
        self.aux_int("redis-bits", 64);
        self.aux_int("ctime", ctime);
        self.aux_int("used-mem", i64::try_from(used_mem).unwrap_or(i64::MAX));
        self.aux_int("aof-base", i64::from(aof_base));
    }

    /// Starts database `db`, which holds `keys` keys of which `expires` have an expiry.
    pub fn select_db(&mut self, db: usize, keys: u64, expires: u64) {
        self.buf.push(opcode::SELECTDB);
        write_len(&mut self.buf, db as u64);
        self.buf.push(opcode::RESIZEDB);
        write_len(&mut self.buf, keys);
        write_len(&mut self.buf, expires);
    }

    /// Appends keys a [`KeyEncoder`] wrote.
    pub fn encoded(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes written and not yet taken.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Hands out the bytes written so far.
    pub fn take(&mut self) -> Vec<u8> {
        self.sum();
        std::mem::take(&mut self.buf)
    }

    /// Ends the file and hands out its last bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(opcode::EOF);
        self.sum();
        let crc = if self.checksum { self.crc } else { 0 };
        self.buf.extend_from_slice(&crc.to_le_bytes());
        self.buf
    }

    fn sum(&mut self) {
        if self.checksum {
            self.crc = crc64(self.crc, &self.buf);
        }
    }
}
