//! Tessera's persistence, in Redis's own formats so that files move between the two: RDB
//! snapshots ([`rdb`]) today; the append-only file and recovery build on them.
//!
//! Like `tessera-core`, the formats here do no I/O: they turn a shard's keys into bytes and
//! bytes back into keys, and the layer above decides where the bytes go and when.

pub mod rdb;
