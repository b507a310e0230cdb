//! A rewrite's base as commands, for `aof-use-rdb-preamble no`: what Redis 7.0's rewrite writes
//! then (`rewriteAppendOnlyFileRio`). Each database starts with SELECT; each key is one SET, or
//! RPUSH / SADD / ZADD / HMSET commands of at most 64 items, then PEXPIREAT when it expires.
//!
//! The snapshot hands keys over as RDB records (see `tessera_core::keyspace::rdb_key`); they
//! are read back here and written out as commands.

use tessera_core::config::Config;
use tessera_core::keyspace::set::Member;
use tessera_core::keyspace::Value;
use tessera_core::protocol::args::encode_command;
use tessera_core::protocol::reply::format_double;

use crate::rdb::{Item, LoadError, RdbReader};

/// Items per command, as Redis's `AOF_REWRITE_ITEMS_PER_CMD`.
const ITEMS_PER_CMD: usize = 64;

/// Gathers the commands of a base file; the owner writes out what it takes.
pub struct RespWriter {
    buf: Vec<u8>,
    db: usize,
    config: Config,
}

impl RespWriter {
    /// A writer reading the snapshot's records with `config`'s settings.
    pub fn new(config: &Config) -> RespWriter {
        RespWriter {
            buf: Vec::with_capacity(1 << 16),
            db: 0,
            config: config.clone(),
        }
    }

    /// Starts database `db`.
    pub fn select_db(&mut self, db: usize) {
        self.db = db;
        let mut n = itoa::Buffer::new();
        command(&mut self.buf, &[b"SELECT", n.format(db).as_bytes()]);
    }

    /// Writes the commands that rebuild the keys of `records` (bare RDB key records).
    pub fn records(&mut self, records: &[u8]) -> Result<(), LoadError> {
        let mut reader = RdbReader::fragment(records, self.db, &self.config);
        while let Some(item) = reader.next_item()? {
            if let Item::Key(k) = item {
                write_key(&mut self.buf, &k.key, &k.value, k.expire_at);
            }
        }
        Ok(())
    }

    /// Bytes gathered and not yet taken.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Takes the bytes gathered so far.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }
}

/// Appends the commands that rebuild one key.
fn write_key(buf: &mut Vec<u8>, key: &[u8], value: &Value, expire_at: u64) {
    let mut n = itoa::Buffer::new();
    match value {
        Value::Str(b) => command(buf, &[b"SET", key, b]),
        Value::Int(i) => command(buf, &[b"SET", key, n.format(*i).as_bytes()]),
        Value::List(list) => {
            let mut items = list.iter().map(|v| v.as_bytes(&mut n).to_vec());
            batches(buf, b"RPUSH", key, list.len(), 1, |out| {
                out.extend(items.next());
            });
        }
        Value::Set(set) => {
            let mut members = set.iter().map(|m| match m {
                Member::Int(i) => n.format(i).as_bytes().to_vec(),
                Member::Bytes(b) => b.to_vec(),
            });
            batches(buf, b"SADD", key, set.len(), 1, |out| {
                out.extend(members.next());
            });
        }
        Value::ZSet(zset) => {
            let mut pairs = Vec::with_capacity(zset.len());
            zset.for_each(0..zset.len(), false, |m, score| {
                pairs.push((m.to_vec(), score))
            });
            let mut pairs = pairs.into_iter();
            batches(buf, b"ZADD", key, zset.len(), 2, |out| {
                if let Some((member, score)) = pairs.next() {
                    let mut text = [0u8; 64];
                    let len = format_double(score, &mut text);
                    out.push(text[..len].to_vec());
                    out.push(member);
                }
            });
        }
        Value::Hash(hash) => {
            let mut m = itoa::Buffer::new();
            let mut fields = hash
                .iter()
                .map(|(f, v)| (f.as_bytes(&mut n).to_vec(), v.as_bytes(&mut m).to_vec()));
            batches(buf, b"HMSET", key, hash.len(), 2, |out| {
                if let Some((f, v)) = fields.next() {
                    out.push(f);
                    out.push(v);
                }
            });
        }
    }
    if expire_at != 0 {
        command(buf, &[b"PEXPIREAT", key, n.format(expire_at).as_bytes()]);
    }
}

/// Writes `total` items as commands `name key item...` of at most [`ITEMS_PER_CMD`] items,
/// each item `width` arguments that `next` appends.
fn batches(
    buf: &mut Vec<u8>,
    name: &[u8],
    key: &[u8],
    total: usize,
    width: usize,
    mut next: impl FnMut(&mut Vec<Vec<u8>>),
) {
    let mut args: Vec<Vec<u8>> = Vec::with_capacity(ITEMS_PER_CMD * width);
    let mut left = total;
    while left > 0 {
        let count = left.min(ITEMS_PER_CMD);
        args.clear();
        for _ in 0..count {
            next(&mut args);
        }
        left -= count;
        let mut parts: Vec<&[u8]> = Vec::with_capacity(args.len() + 2);
        parts.push(name);
        parts.push(key);
        parts.extend(args.iter().map(Vec::as_slice));
        command(buf, &parts);
    }
}

/// Appends one command in RESP.
fn command(buf: &mut Vec<u8>, parts: &[&[u8]]) {
    encode_command(parts.iter().copied(), buf);
}
