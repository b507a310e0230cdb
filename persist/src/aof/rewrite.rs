//! The files of a rewrite: the next generation is created and listed before the shards switch
//! to it; once the image is complete it becomes the base, and the older files go.

use std::fs::{File, OpenOptions};
use std::os::fd::OwnedFd;

use tessera_core::config::Config;

use super::manifest::{base_name, manifest_name, Manifest};
use super::{folder, sync_dir, write_manifest};

/// The new generation of a rewrite: its number, the base file's name, and one new empty
/// incremental file per shard, already listed in the manifest after the current ones.
pub struct Started {
    /// The generation's number.
    pub seq: u64,
    /// The base file's name.
    pub base: String,
    /// The shards' new files, in shard order.
    pub logs: Vec<OwnedFd>,
}

/// Reads the manifest in `config`'s append-only folder (an empty one when there is none).
fn read_manifest(config: &Config) -> Result<Manifest, String> {
    let path = folder(config).join(manifest_name(&config.appendfilename));
    match std::fs::read_to_string(&path) {
        Ok(text) => Manifest::parse(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
        Err(e) => Err(format!("Can't read {}: {e}", path.display())),
    }
}

/// Creates the next generation's files for `shards` shards and lists them.
pub fn begin(config: &Config, shards: usize) -> Result<Started, String> {
    let dir = folder(config);
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("Can't create the append-only folder {}: {e}", dir.display()))?;
    let mut manifest = read_manifest(config)?;
    let gen = manifest.add_generation(&config.appendfilename, shards);
    let mut logs = Vec::with_capacity(shards);
    for incr in &gen {
        let path = dir.join(&incr.name);
        let file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(&path)
            .map_err(|e| format!("Can't create {}: {e}", path.display()))?;
        // Appends only: reopen in append mode so every write lands at the end.
        drop(file);
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| format!("Can't open {}: {e}", path.display()))?;
        logs.push(OwnedFd::from(file));
    }
    sync_dir(&dir);
    let seq = gen.first().map_or(1, |i| i.seq);
    write_manifest(&manifest, &dir.join(manifest_name(&config.appendfilename)))?;
    Ok(Started {
        seq,
        base: base_name(&config.appendfilename, seq, config.aof_use_rdb_preamble),
        logs,
    })
}

/// Ends the rewrite of generation `seq`: with its base complete (`ok`), the manifest keeps
/// only that base and the generations from `seq` on, and the files no longer listed are
/// removed. Returns the base file's size.
pub fn finish(config: &Config, seq: u64, base: &str, ok: bool) -> Result<u64, String> {
    if !ok {
        return Ok(0);
    }
    let dir = folder(config);
    let old = read_manifest(config)?;
    let mut new = Manifest {
        base: Some((base.to_string(), seq)),
        incrs: old.incrs.iter().filter(|i| i.seq >= seq).cloned().collect(),
    };
    new.incrs.sort_by_key(|i| (i.seq, i.shard));
    write_manifest(&new, &dir.join(manifest_name(&config.appendfilename)))?;
    let keep = |name: &str| {
        new.base.as_ref().is_some_and(|b| b.0 == name) || new.incrs.iter().any(|i| i.name == name)
    };
    let mut gone: Vec<String> = old.incrs.iter().map(|i| i.name.clone()).collect();
    gone.extend(old.base.map(|b| b.0));
    for name in gone.iter().filter(|n| !keep(n)) {
        let _ = std::fs::remove_file(dir.join(name));
    }
    sync_dir(&dir);
    let size = File::open(dir.join(base))
        .and_then(|f| f.metadata())
        .map_or(0, |m| m.len());
    Ok(size)
}
