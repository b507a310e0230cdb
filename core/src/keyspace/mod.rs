//! A shard's data: its databases, and the counters INFO reports about them.

pub mod blob;
pub mod bytes;
pub mod db;
pub mod digest;
pub mod dump;
pub mod effects;
pub mod evict;
pub mod glob;
pub mod hash;
pub mod list;
pub mod listpack;
pub mod rdb_key;
pub mod set;
pub mod table;
pub mod value;
pub mod ziplist;
pub mod zset;

pub use bytes::Bytes;
pub use db::{Db, Entry, WatcherId};
pub use glob::glob_match;
pub use hash::Hash;
pub use list::List;
pub use set::Set;
pub use table::SegTable;
pub use value::Value;
pub use zset::ZSet;

/// Everything one shard stores: `databases` logical databases (SELECT's index).
pub struct Keyspace {
    /// The databases, indexed by SELECT's number.
    pub dbs: Vec<Db>,
    /// Lookups that found their key (INFO's keyspace_hits).
    pub hits: u64,
    /// Lookups that did not (INFO's keyspace_misses).
    pub misses: u64,
    /// Writes since the last save (INFO's rdb_changes_since_last_save).
    pub dirty: u64,
    /// Set by a blocking command (BLPOP...) that found nothing to serve: the Unix ms until
    /// which its client may wait (0: for ever). The handler has written the reply a timeout
    /// gives; the io layer takes this after the command and parks the client instead of
    /// sending that reply. Where no client can wait (MULTI, a transaction), the reply stands.
    pub block: Option<u64>,
    /// Keys evicted under `maxmemory` (INFO's evicted_keys).
    pub evicted_keys: u64,
    /// The best eviction candidates sampled so far.
    pub pool: evict::EvictionPool,
    /// Where random eviction looks next (the databases are taken in turn).
    pub next_evict_db: usize,
    /// The records of the running write (see [`effects`]).
    pub effects: effects::Effects,
}

impl Keyspace {
    /// Advances the LRU clock of every database to `now_ms` (cheap when the second is the same).
    pub fn set_clock(&mut self, now_ms: u64) {
        let secs = (now_ms / 1000) as u32;
        if self.dbs.first().is_some_and(|d| d.clock != secs) {
            for db in &mut self.dbs {
                db.clock = secs;
            }
        }
    }

    /// Sets what an access does to a key's LFU data, in every database.
    pub fn set_tracking(&mut self, tracking: evict::Tracking) {
        for db in &mut self.dbs {
            db.tracking = tracking;
        }
    }

    /// A keyspace of `databases` empty databases.
    pub fn new(databases: usize) -> Keyspace {
        Keyspace {
            dbs: (0..databases.max(1)).map(|_| Db::default()).collect(),
            hits: 0,
            misses: 0,
            dirty: 0,
            block: None,
            evicted_keys: 0,
            pool: Default::default(),
            next_evict_db: 0,
            effects: Default::default(),
        }
    }
}
