//! What the node asks of the persistence layer. `tessera-io` decides when a snapshot is taken
//! and gathers every shard's keys at one point in time; where the bytes go and in what file
//! format is the binary's choice (it plugs in `tessera-persist`), given here at start-up.

use std::sync::atomic::Ordering;
use std::sync::OnceLock;

use tessera_core::config::Config;
use tessera_core::keyspace::Entry;

/// A future of the persistence layer, run on the shard that asked.
pub type IoFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<T>> + 'a>>;

/// Receives one snapshot of the node, database by database, in the order of an RDB file. Its
/// futures run on the shard's executor, so the shard serves on while the bytes are written.
pub trait SnapshotSink {
    /// Starts database `db`, which holds `keys` keys of which `expires` have an expiry.
    fn database(&mut self, db: usize, keys: u64, expires: u64) -> IoFuture<'_, ()>;
    /// Keys of the current database, as `tessera_core::keyspace::rdb_key` encodes them.
    fn keys(&mut self, bytes: Vec<u8>) -> IoFuture<'_, ()>;
    /// Ends the snapshot: once this resolves to Ok, the file is complete and durable.
    fn finish(self: Box<Self>) -> IoFuture<'static, ()>;
}

/// The persistence layer's entry points.
pub struct Persistence {
    /// Starts a snapshot to `config`'s `dir`/`dbfilename`.
    pub open_snapshot: fn(&Config) -> IoFuture<'static, Box<dyn SnapshotSink>>,
    /// Starts a rewrite of the append-only files for a node of that many shards: creates the
    /// next generation's files (one per shard) and lists them in the manifest after the
    /// current ones, so that what the shards append from now on is found at start-up.
    pub begin_rewrite: fn(&Config, usize) -> Result<RewriteStart, String>,
    /// Starts the image a rewrite takes, as the base file it names.
    pub open_base: fn(&Config, &str) -> IoFuture<'static, Box<dyn SnapshotSink>>,
    /// Ends a rewrite: when the base file is complete (`ok`), the manifest names it and the
    /// new generation only, and the older files go. Returns the base file's size.
    pub finish_rewrite: fn(&Config, &RewriteStart, bool) -> Result<u64, String>,
}

/// A rewrite's new files.
pub struct RewriteStart {
    /// The new generation's number.
    pub seq: u64,
    /// The base file's name.
    pub base: String,
    /// Each shard's new incremental file, empty.
    pub logs: Vec<std::os::fd::OwnedFd>,
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
    /// The shard's append-only file, open to append to, and its size (`appendonly yes`).
    pub log: Option<(std::os::fd::OwnedFd, u64)>,
}

/// What start-up loaded.
#[derive(Default)]
pub struct Preload {
    /// The keys, per shard.
    pub shards: Vec<ShardPreload>,
    /// Keys loaded (INFO's `rdb_last_load_keys_loaded`).
    pub loaded: u64,
    /// Keys dropped because their time had passed (`rdb_last_load_keys_expired`).
    pub expired: u64,
    /// The append-only base file's size (a rewrite is due when the files grew past it).
    pub aof_base_size: u64,
}

/// Reads what start-up loads (the RDB file), given the number of shards; runs while the node
/// already answers, with `-LOADING` for commands that need the data.
pub type Loader = Box<dyn FnOnce(usize) -> Result<Preload, String> + Send>;

/// Keys a shard inserts between two looks at its connections while it loads.
const INSERT_CHUNK: usize = 4096;

/// Inserts this shard's loaded keys, a chunk at a time so that its connections keep getting
/// their `-LOADING` answers, then counts the shard as loaded; the node serves once every
/// shard has.
pub(crate) async fn insert(loaded: ShardPreload) {
    // glommio may run a new task at once; let the spawner release the shard first.
    glommio::executor().yield_now().await;
    let shard = crate::shard::current();
    crate::memory::take_over(loaded.bytes);
    let mut keys = loaded.keys.into_iter();
    if let Some((fd, size)) = loaded.log {
        let mut sh = shard.borrow_mut();
        let (fsync, run) = (sh.config.appendfsync, sh.node.start_ms);
        sh.aof = Some(crate::aof::AofLog::new(fd, size, fsync, run, 0));
        for db in &mut sh.ks.dbs {
            db.log_expired = true;
        }
    }
    loop {
        {
            let mut sh = shard.borrow_mut();
            let mut n = 0;
            for (db, key, entry) in keys.by_ref() {
                if let Some(db) = sh.ks.dbs.get_mut(db) {
                    db.set_entry(&key, entry);
                }
                n += 1;
                if n == INSERT_CHUNK {
                    break;
                }
            }
            if n < INSERT_CHUNK {
                let node = sh.node.clone();
                if node.loading_shards.fetch_sub(1, Ordering::AcqRel) == 1 {
                    node.loading.store(false, Ordering::Release);
                }
                return;
            }
        }
        glommio::executor().yield_now().await;
    }
}
