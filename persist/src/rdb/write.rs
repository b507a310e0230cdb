//! Writing an RDB file: [`RdbWriter`] frames it around keys that
//! [`tessera_core::keyspace::rdb_key::KeyEncoder`]s encoded.

use tessera_core::keyspace::dump::{crc64, write_len, write_string};

use super::{opcode, RDB_VERSION};

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
