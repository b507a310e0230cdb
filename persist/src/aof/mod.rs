//! The append-only files: Redis 7's multi-part layout (a manifest, a base file, incremental
//! files) with one incremental file per shard, and recovery from them at start-up.
//!
//! Layout, in `dir`/`appenddirname`:
//! - `<appendfilename>.manifest` lists the files (see [`manifest`]);
//! - `<appendfilename>.<seq>.base.rdb`: the image a rewrite took (an RDB file, the hybrid
//!   format's preamble), absent until the first rewrite; with `aof-use-rdb-preamble no`,
//!   `<appendfilename>.<seq>.base.aof`, the same image as commands (see [`resp_base`]);
//! - `<appendfilename>.<seq>.incr.aof` (one shard) or `<appendfilename>.<seq>.shard<k>.incr.aof`:
//!   what shard `k` wrote since, RESP commands with SELECTs and transaction frames (see
//!   `tessera-io`'s `aof`).
//!
//! Each shard's file only ever holds records of the keys that shard owned, so recovery replays
//! each file on a keyspace of its own (a FLUSHALL in one shard's file empties only that shard's
//! keys) and then hands the keys to the shards that own them now, however many there are.

pub mod manifest;
pub mod replay;
pub mod resp_base;
pub mod rewrite;

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use hashbrown::HashMap;
use tessera_core::config::Config;
use tessera_core::keyspace::{Entry, Keyspace};
use tessera_core::slot::{key_slot, slot_shard};

use manifest::{manifest_name, Manifest};

/// One key as recovery hands it over: (database, key, entry).
pub type LoadedKey = (usize, Box<[u8]>, Entry);

/// What recovery from the append-only files produced.
pub struct Recovered {
    /// Every key, by the shard that owns it now: (database, key, entry).
    pub shards: Vec<Vec<LoadedKey>>,
    /// Each shard's open incremental file and its size, to append to.
    pub logs: Vec<(OwnedFd, u64)>,
    /// Keys loaded.
    pub keys: u64,
    /// Records replayed.
    pub records: u64,
    /// The base file's size; 0 without one.
    pub base_size: u64,
}

/// The append-only folder of `config` (relative to `dir`, the working directory).
pub fn folder(config: &Config) -> PathBuf {
    PathBuf::from(&config.appenddirname)
}

/// Loads the append-only files (if any), then opens one incremental file per shard to append
/// to, starting a new generation (and rewriting the manifest) when the newest was written by
/// another number of shards. `log` receives what Redis would log.
pub fn recover(
    config: &Config,
    shards: usize,
    now_ms: u64,
    log: &dyn Fn(&str),
) -> Result<Recovered, String> {
    let clock = (now_ms / 1000) as u32;
    let dir = folder(config);
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("Can't create the append-only folder {}: {e}", dir.display()))?;
    let manifest_path = dir.join(manifest_name(&config.appendfilename));
    let mut manifest = match std::fs::read_to_string(&manifest_path) {
        Ok(text) => {
            Manifest::parse(&text).map_err(|e| format!("{}: {e}", manifest_path.display()))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
        Err(e) => return Err(format!("Can't read {}: {e}", manifest_path.display())),
    };
    let mut parts: Vec<Keyspace> = vec![Keyspace::new(config.databases)];
    let mut split_for = 1usize;
    let mut base_size = 0u64;
    if let Some((name, _)) = &manifest.base {
        let path = dir.join(name);
        let file = crate::mapped::Mapped::open(&path)
            .and_then(|f| f.ok_or_else(|| std::io::ErrorKind::NotFound.into()))
            .map_err(|e| format!("Can't read {}: {e}", path.display()))?;
        let bytes = file.bytes();
        base_size = bytes.len() as u64;
        if bytes.starts_with(b"REDIS") {
            // Keys whose time has passed stay until the records after the image are applied:
            // those were made on data that still held them (see `replay::replay`).
            crate::rdb_file::load_rdb(&file, &path, config, |r| {
                let mut entry = Entry::new(r.value);
                entry.expire_at = r.expire_at;
                entry.access = clock;
                if let Some(db) = parts[0].dbs.get_mut(r.db) {
                    db.set_entry(&r.key, entry);
                }
            })?;
        } else {
            let none = HashMap::new();
            let done = replay::replay(&mut parts[0], config, bytes, &none)
                .map_err(|e| format!("{} at offset {}: {}", path.display(), e.offset, e.message))?;
            if done.torn {
                return Err(format!("{}: the base file is truncated", path.display()));
            }
        }
        log(&format!("DB loaded from base file {name}"));
    }
    // Mapped, not read: a file's pages are the kernel's to drop and read again, not heap.
    // A generation just started and not yet written has no file and holds nothing.
    let mut files: Vec<(manifest::Incr, Option<crate::mapped::Mapped>)> = Vec::new();
    for incr in &manifest.incrs {
        let path = dir.join(&incr.name);
        let file = crate::mapped::Mapped::open(&path)
            .map_err(|e| format!("Can't read {}: {e}", path.display()))?;
        files.push((incr.clone(), file));
    }
    let mut counts = HashMap::new();
    for (_, file) in &files {
        replay::count_parts(bytes_of(file.as_ref()), &mut counts);
    }
    let mut records = 0u64;
    for (incr, file) in &files {
        let bytes = bytes_of(file.as_ref());
        if incr.shards != split_for {
            parts = resplit(parts, incr.shards, config.databases);
            split_for = incr.shards;
        }
        let path = dir.join(&incr.name);
        let done = replay::replay(&mut parts[incr.shard], config, bytes, &counts)
            .map_err(|e| {
                format!(
                    "{} at offset {}: {}. Make a backup of the file, then fix it (cut it at that offset)",
                    path.display(),
                    e.offset,
                    e.message
                )
            })?;
        records += done.records;
        if done.dropped_frames > 0 {
            log(&format!(
                "{}: {} transaction part(s) dropped: another shard's part never reached its file",
                incr.name, done.dropped_frames
            ));
        }
        if done.torn {
            log(&format!(
                "!!! Warning: short read while loading the AOF file {}!!!",
                incr.name
            ));
            if !config.aof_load_truncated {
                return Err(format!(
                    "Unexpected end of file reading the append only file {} at offset {}. You can: 1) Make a backup of your AOF file, then cut it at that offset. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.",
                    path.display(),
                    done.good_len
                ));
            }
            log(&format!(
                "AOF {} loaded anyway because aof-load-truncated is enabled (the torn tail from offset {} is removed)",
                incr.name, done.good_len
            ));
            OpenOptions::new()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_len(done.good_len))
                .map_err(|e| format!("Can't truncate {}: {e}", path.display()))?;
        }
    }
    if split_for != shards {
        parts = resplit(parts, shards, config.databases);
    }
    let logs = open_logs(config, &dir, &mut manifest, &manifest_path, shards)?;
    let mut keys = 0u64;
    let shards_keys: Vec<Vec<LoadedKey>> = parts
        .into_iter()
        .map(|mut ks| {
            let mut v = Vec::new();
            for (db, d) in ks.dbs.iter_mut().enumerate() {
                for (k, mut e) in d.drain() {
                    if e.expire_at != 0 && e.expire_at <= now_ms {
                        continue;
                    }
                    // A replay's clock stood still: the keys start their idle time now.
                    e.access = clock;
                    e.freq = tessera_core::keyspace::evict::lfu_new(clock);
                    v.push((db, k, e));
                }
            }
            keys += v.len() as u64;
            v
        })
        .collect();
    Ok(Recovered {
        shards: shards_keys,
        logs,
        keys,
        records,
        base_size,
    })
}

/// The bytes of a mapped file, none for a file that is not there.
fn bytes_of(file: Option<&crate::mapped::Mapped>) -> &[u8] {
    file.map_or(&[], |m| m.bytes())
}

/// Moves every key of `parts` to a keyspace per shard of `n`.
fn resplit(parts: Vec<Keyspace>, n: usize, databases: usize) -> Vec<Keyspace> {
    let mut out: Vec<Keyspace> = (0..n).map(|_| Keyspace::new(databases)).collect();
    for mut ks in parts {
        for (db, d) in ks.dbs.iter_mut().enumerate() {
            for (k, e) in d.drain() {
                let s = if n == 1 {
                    0
                } else {
                    slot_shard(key_slot(&k), n)
                };
                out[s].dbs[db].set_entry(&k, e);
            }
        }
    }
    out
}

/// Opens the newest generation's files when `shards` shards wrote it, or starts a new one.
fn open_logs(
    config: &Config,
    dir: &Path,
    manifest: &mut Manifest,
    manifest_path: &Path,
    shards: usize,
) -> Result<Vec<(OwnedFd, u64)>, String> {
    let names: Vec<String> = match manifest.current(shards) {
        Some(gen) => gen.iter().map(|i| i.name.clone()).collect(),
        None => {
            let gen = manifest.add_generation(&config.appendfilename, shards);
            gen.into_iter().map(|i| i.name).collect()
        }
    };
    let mut logs = Vec::new();
    for name in &names {
        let path = dir.join(name);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("Can't open the append-only file {}: {e}", path.display()))?;
        let size = file
            .metadata()
            .map_err(|e| format!("Can't read {}: {e}", path.display()))?
            .len();
        logs.push((OwnedFd::from(file), size));
    }
    sync_dir(dir);
    write_manifest(manifest, manifest_path)?;
    Ok(logs)
}

/// Replaces the manifest whole: a temporary file, synced, renamed over it, the folder synced.
pub fn write_manifest(manifest: &Manifest, path: &Path) -> Result<(), String> {
    let tmp = path.with_extension("manifest.tmp");
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(manifest.render().as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    };
    write().map_err(|e| format!("Can't write {}: {e}", path.display()))?;
    if let Some(dir) = path.parent() {
        sync_dir(dir);
    }
    Ok(())
}

/// Makes a folder's entries (a new or renamed file) durable.
pub(crate) fn sync_dir(dir: &Path) {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
