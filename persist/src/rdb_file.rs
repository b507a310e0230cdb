//! RDB files on disk: written whole or not at all, read back key by key.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use tessera_core::config::Config;

use crate::rdb::{Item, KeyRecord, LoadError, RdbReader, RdbWriter};

/// Bytes gathered before one write to the file.
const FLUSH_AT: usize = 1 << 20;

/// An RDB file being written. The bytes go to `temp-<pid>.rdb` beside the target, which is
/// synced and renamed over the target only once complete (Redis's way): a crash or an error
/// in the middle leaves the previous file whole.
pub struct RdbFile {
    writer: RdbWriter,
    file: File,
    temp: PathBuf,
    target: PathBuf,
}

impl RdbFile {
    /// Starts `dir`/`name` with `config`'s compression and checksum, and the auxiliary fields
    /// Redis writes (`used_mem`: the memory in use, for `used-mem`).
    pub fn create(
        dir: &Path,
        name: &str,
        config: &Config,
        used_mem: u64,
    ) -> std::io::Result<RdbFile> {
        let temp = dir.join(format!("temp-{}.rdb", std::process::id()));
        let file = File::create(&temp)?;
        let mut writer = RdbWriter::new(config.rdbcompression, config.rdbchecksum);
        let ctime = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        writer.standard_aux(ctime, used_mem, false);
        Ok(RdbFile {
            writer,
            file,
            temp,
            target: dir.join(name),
        })
    }

    /// Starts database `db` (`keys` keys, `expires` of them with an expiry).
    pub fn database(&mut self, db: usize, keys: u64, expires: u64) -> std::io::Result<()> {
        self.writer.select_db(db, keys, expires);
        self.flush_if_full()
    }

    /// Appends keys encoded by a `KeyEncoder`.
    pub fn keys(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.writer.encoded(bytes);
        self.flush_if_full()
    }

    /// Ends the file, syncs it and puts it in place of the target; returns its size.
    pub fn finish(mut self) -> std::io::Result<u64> {
        let tail = std::mem::replace(&mut self.writer, RdbWriter::new(false, false)).finish();
        self.file.write_all(&tail)?;
        self.file.sync_all()?;
        let size = self.file.metadata()?.len();
        std::fs::rename(&self.temp, &self.target)?;
        // The rename itself is durable once the directory is synced.
        if let Some(dir) = self.target.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            File::open(dir)?.sync_all()?;
        }
        self.temp.clear();
        Ok(size)
    }

    fn flush_if_full(&mut self) -> std::io::Result<()> {
        if self.writer.buffered() >= FLUSH_AT {
            self.file.write_all(&self.writer.take())?;
        }
        Ok(())
    }
}

impl Drop for RdbFile {
    /// A file abandoned before `finish` is removed, as Redis removes its temp file on error.
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// What a load found besides the keys.
#[derive(Debug, Default)]
pub struct LoadSummary {
    /// The `redis-ver` field: which server wrote the file.
    pub redis_ver: Option<String>,
    /// The `ctime` field: when it was written, Unix seconds.
    pub ctime: Option<i64>,
    /// The `used-mem` field: the writer's memory then.
    pub used_mem: Option<u64>,
    /// Keys read (expired ones included).
    pub keys: u64,
}

/// The bytes of the file at `path`; None when there is none.
pub fn read_file(path: &Path) -> Result<Option<Vec<u8>>, String> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Reads an RDB file's `bytes` (from `path`, for messages), handing every key to `each` in file
/// order. An error names the file and the offset where it went wrong: a load stops there,
/// it never skips what it cannot read.
pub fn load_rdb(
    bytes: &[u8],
    path: &Path,
    config: &Config,
    mut each: impl FnMut(KeyRecord),
) -> Result<LoadSummary, String> {
    let named = |e: LoadError| format!("{}: {e}", path.display());
    let mut reader = RdbReader::new(bytes, config).map_err(named)?;
    let mut summary = LoadSummary::default();
    while let Some(item) = reader.next_item().map_err(named)? {
        match item {
            Item::Aux { name, value } => {
                let text = String::from_utf8_lossy(&value).into_owned();
                match name.as_slice() {
                    b"redis-ver" => summary.redis_ver = Some(text),
                    b"ctime" => summary.ctime = text.parse().ok(),
                    b"used-mem" => summary.used_mem = text.parse().ok(),
                    _ => {}
                }
            }
            Item::Key(record) => {
                summary.keys += 1;
                each(record);
            }
        }
    }
    Ok(summary)
}
