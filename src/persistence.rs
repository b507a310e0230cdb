//! The node's persistence, wired: `tessera-io` takes snapshots, `tessera-persist` writes and
//! reads the files. At start-up the RDB file (`dir`/`dbfilename`) is read and its keys split
//! between the shards that will own them.

use std::path::Path;
use std::time::Instant;

use tessera_core::config::Config;
use tessera_core::keyspace::evict::lfu_minutes;
use tessera_core::keyspace::rdb_key::KeyHint;
use tessera_core::keyspace::Entry;
use tessera_core::slot::{key_slot, slot_shard};
use tessera_io::persistence::{
    IoFuture, Persistence, Preload, RewriteStart, ShardPreload, SnapshotSink,
};
use tessera_io::{log, memory};
use tessera_persist::rdb::KeyRecord;
use tessera_persist::rdb_file::{load_rdb, read_file, RdbFile};

/// Installs the persistence layer in the node.
pub fn install() {
    tessera_io::persistence::install(Persistence {
        open_snapshot: |config| {
            let config = config.clone();
            Box::pin(async move {
                let used = memory::used_memory() as u64;
                let file =
                    RdbFile::create(Path::new("."), &config.dbfilename, &config, used).await?;
                Ok(Box::new(Snapshot(file)) as Box<dyn SnapshotSink>)
            })
        },
        begin_rewrite: |config, shards| {
            let started = tessera_persist::aof::rewrite::begin(config, shards)?;
            Ok(RewriteStart {
                seq: started.seq,
                base: started.base,
                logs: started.logs,
            })
        },
        open_base: |config, name| {
            let config = config.clone();
            let name = name.to_string();
            Box::pin(async move {
                let used = memory::used_memory() as u64;
                let dir = tessera_persist::aof::folder(&config);
                let file = if config.aof_use_rdb_preamble {
                    RdbFile::create_as(&dir, &name, &config, used, true).await?
                } else {
                    RdbFile::create_commands(&dir, &name, &config).await?
                };
                Ok(Box::new(Snapshot(file)) as Box<dyn SnapshotSink>)
            })
        },
        finish_rewrite: |config, started, ok| {
            tessera_persist::aof::rewrite::finish(config, started.seq, &started.base, ok)
        },
    });
}

/// An RDB file receiving a snapshot (the process runs in `dir`).
struct Snapshot(RdbFile);

impl SnapshotSink for Snapshot {
    fn database(&mut self, db: usize, keys: u64, expires: u64) -> IoFuture<'_, ()> {
        Box::pin(self.0.database(db, keys, expires))
    }

    fn keys(&mut self, bytes: Vec<u8>) -> IoFuture<'_, ()> {
        Box::pin(async move { self.0.keys(&bytes).await })
    }

    fn finish(self: Box<Self>) -> IoFuture<'static, ()> {
        Box::pin(self.0.finish())
    }
}

/// What start-up loads: with `appendonly yes` the append-only files (which it opens to
/// append to, creating them when there are none), else the RDB file when there is one.
pub fn loader(config: &Config) -> Option<tessera_io::persistence::Loader> {
    if config.appendonly {
        let config = config.clone();
        return Some(Box::new(move |shards| load_aof(&config, shards)));
    }
    if !Path::new(&config.dbfilename).exists() {
        return None;
    }
    let config = config.clone();
    Some(Box::new(move |shards| load(&config, shards)))
}

/// Replays the append-only files into one list of keys per shard, and opens each shard's file.
fn load_aof(config: &Config, shards: usize) -> Result<Preload, String> {
    let started = Instant::now();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let before = memory::thread_used();
    let recovered =
        tessera_persist::aof::recover(config, shards, now_ms, &|line| log::notice(line))?;
    let allocated = (memory::thread_used() - before).max(0) as usize;
    let total = recovered.keys.max(1) as usize;
    let mut preload = Preload::default();
    let mut logs = recovered.logs.into_iter();
    for keys in recovered.shards {
        // What replay allocated is shared out by keys: each shard's `maxmemory` share counts
        // about what its keys take.
        let bytes = allocated / total * keys.len();
        memory::hand_over(bytes);
        preload.shards.push(ShardPreload {
            keys: keys
                .into_iter()
                .map(|(db, k, e)| (db, k.into_vec(), e))
                .collect(),
            bytes,
            log: logs.next(),
        });
    }
    log::notice(&format!(
        "Done loading AOF, keys loaded: {}, records replayed: {}.",
        recovered.keys, recovered.records
    ));
    log::notice(&format!(
        "DB loaded from append only file: {:.3} seconds",
        started.elapsed().as_secs_f64()
    ));
    preload.loaded = recovered.keys;
    preload.aof_base_size = recovered.base_size;
    Ok(preload)
}

/// Reads the RDB file, if there is one, into one list of keys per shard. Keys whose time has
/// passed are dropped, as Redis drops them when a master loads.
pub fn load(config: &Config, shards: usize) -> Result<Preload, String> {
    let mut preload = Preload {
        shards: (0..shards).map(|_| ShardPreload::default()).collect(),
        ..Preload::default()
    };
    let path = Path::new(&config.dbfilename);
    let Some(file) = read_file(path)? else {
        return Ok(preload);
    };
    let started = Instant::now();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let clock = (now_ms / 1000) as u32;
    let (mut loaded, mut expired) = (0u64, 0u64);
    // Each key's allocations are counted for the shard that will own it: the counter moves
    // between two keys only by what reading the next one allocated.
    let mut mark = memory::thread_used();
    let summary = load_rdb(&file, path, config, |record: KeyRecord| {
        if record.expire_at != 0 && record.expire_at <= now_ms {
            expired += 1;
            return;
        }
        let shard = slot_shard(key_slot(&record.key), shards);
        let mut entry = Entry::new(record.value);
        entry.expire_at = record.expire_at;
        entry.access = clock;
        entry.freq = tessera_core::keyspace::evict::lfu_new(clock);
        match record.hint {
            KeyHint::Idle(secs) => {
                entry.access = clock.saturating_sub(u32::try_from(secs).unwrap_or(u32::MAX));
            }
            KeyHint::Freq(counter) => entry.freq = (lfu_minutes(clock) << 8) | u32::from(counter),
            KeyHint::None => {}
        }
        let target = &mut preload.shards[shard];
        target.keys.push((record.db, record.key, entry));
        let now = memory::thread_used();
        target.bytes += (now - mark).max(0) as usize;
        mark = now;
        loaded += 1;
    })?;
    for shard in &preload.shards {
        memory::hand_over(shard.bytes);
    }
    log::notice(&format!(
        "Loading RDB produced by version {}",
        summary.redis_ver.as_deref().unwrap_or("unknown")
    ));
    if let Some(ctime) = summary.ctime {
        log::notice(&format!(
            "RDB age {} seconds",
            (now_ms / 1000) as i64 - ctime
        ));
    }
    log::notice(&format!(
        "Done loading RDB, keys loaded: {loaded}, keys expired: {expired}."
    ));
    log::notice(&format!(
        "DB loaded from disk: {:.3} seconds",
        started.elapsed().as_secs_f64()
    ));
    preload.loaded = loaded;
    preload.expired = expired;
    Ok(preload)
}
