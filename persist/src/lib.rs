//! Tessera's persistence, in Redis's own formats so that files move between the two: RDB
//! snapshots ([`rdb`] the format, [`rdb_file`] the files) today; the append-only file and
//! recovery build on them.
//!
//! The formats do no I/O: they turn keys into bytes and bytes back into keys. The file layer
//! decides where the bytes go and makes each file appear whole or not at all.

pub mod aof;
pub mod mapped;
pub mod rdb;
pub mod rdb_file;
