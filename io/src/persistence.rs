//! What the node asks of the persistence layer. `tessera-io` decides when a snapshot is taken
//! and gathers every shard's keys at one point in time; where the bytes go and in what file
//! format is the binary's choice (it plugs in `tessera-persist`), given here at start-up.

use std::sync::OnceLock;

use tessera_core::config::Config;
use tessera_core::keyspace::Entry;

/// Receives one snapshot of the node, database by database, in the order of an RDB file.
pub trait SnapshotSink {
    /// Starts database `db`, which holds `keys` keys of which `expires` have an expiry.
    fn database(&mut self, db: usize, keys: u64, expires: u64) -> std::io::Result<()>;
    /// Keys of the current database, as `tessera_core::keyspace::rdb_key` encodes them.
    fn keys(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    /// Ends the snapshot: once this returns Ok, the file is complete and durable.
    fn finish(self: Box<Self>) -> std::io::Result<()>;
}

/// The persistence layer's entry points.
pub struct Persistence {
    /// Starts a snapshot to `config`'s `dir`/`dbfilename`.
    pub open_snapshot: fn(&Config) -> std::io::Result<Box<dyn SnapshotSink>>,
}

static PERSISTENCE: OnceLock<Persistence> = OnceLock::new();

/// Installs the persistence layer (once, before the node starts).
pub fn install(p: Persistence) {
    let _ = PERSISTENCE.set(p);
}

/// The installed persistence layer; None when the node runs without one (the ceiling server).
pub(crate) fn get() -> Option<&'static Persistence> {
    PERSISTENCE.get()
}

/// Keys loaded for one shard before the node serves.
#[derive(Default)]
pub struct ShardPreload {
    /// (database, key, entry).
    pub keys: Vec<(usize, Vec<u8>, Entry)>,
    /// What building them allocated on the loading thread: the shard takes it over (see
    /// `memory::hand_over`), so that its share of `maxmemory` counts its keys.
    pub bytes: usize,
}

/// Keys loaded before the node serves, per shard.
pub type Preload = Vec<ShardPreload>;
