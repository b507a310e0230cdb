//! Redis's RDB file, version 10 (Redis 7.0): what SAVE writes and what a start-up loads.
//!
//! A file is the magic `REDIS0010`, auxiliary fields (`redis-ver`, `ctime`...), then for each
//! database that holds keys its number (`SELECTDB`), its sizes (`RESIZEDB`) and its keys, each
//! with an optional absolute expiry and LRU idle time or LFU counter before it; then `EOF` and
//! a CRC64 of everything before the checksum (zero when `rdbchecksum` is off). Values use the
//! encodings of DUMP payloads ([`tessera_core::keyspace::dump`]), so a file is the same bytes
//! Redis writes for the same data and Redis's files load here, older versions' ziplists
//! included.
//!
//! [`RdbWriter`] frames a file and [`KeyEncoder`] (in `tessera-core`, beside DUMP's encodings)
//! encodes keys, separately, so that each shard encodes its own keys where they live and the
//! writer only concatenates. [`RdbReader`]
//! walks a whole file in memory, one key at a time.

mod read;
mod write;

pub use read::{Item, KeyRecord, LoadError, RdbReader};
pub use tessera_core::keyspace::rdb_key::{KeyEncoder, KeyHint};
pub use write::RdbWriter;

/// The version written, and the newest read.
pub const RDB_VERSION: u16 = tessera_core::keyspace::dump::RDB_VERSION;

/// Opcodes that stand where an object type would, in the order of Redis's `rdb.h`.
pub(crate) mod opcode {
    /// A functions library (Redis 7.0 GA).
    pub const FUNCTION2: u8 = 245;
    /// A functions library (Redis 7.0 release candidates).
    pub const FUNCTION_PRE_GA: u8 = 246;
    /// Data of a module, not tied to a key.
    pub const MODULE_AUX: u8 = 247;
    /// The next key's LRU idle time, in seconds.
    pub const IDLE: u8 = tessera_core::keyspace::rdb_key::OPCODE_IDLE;
    /// The next key's LFU counter.
    pub const FREQ: u8 = tessera_core::keyspace::rdb_key::OPCODE_FREQ;
    /// An auxiliary field: a name and a value.
    pub const AUX: u8 = 250;
    /// The sizes of the current database (keys, keys with an expiry).
    pub const RESIZEDB: u8 = 251;
    /// The next key's expiry, Unix milliseconds.
    pub const EXPIRETIME_MS: u8 = tessera_core::keyspace::rdb_key::OPCODE_EXPIRETIME_MS;
    /// The next key's expiry, Unix seconds (files before version 3... still read).
    pub const EXPIRETIME: u8 = 253;
    /// The database the following keys belong to.
    pub const SELECTDB: u8 = 254;
    /// The end of the data; the checksum follows.
    pub const EOF: u8 = 255;
}

/// Object types Tessera has no type for, with the name TYPE gives them in Redis.
pub(crate) fn foreign_type_name(rdb_type: u8) -> Option<&'static str> {
    match rdb_type {
        6 | 7 => Some("module"),
        15 | 19 | 21 => Some("stream"),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
