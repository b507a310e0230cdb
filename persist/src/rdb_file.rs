//! RDB files on disk: written whole or not at all, read back key by key.

use std::path::{Path, PathBuf};

use futures_lite::AsyncWriteExt;
use glommio::io::{
    BufferedFile, DmaFile, DmaStreamWriter, DmaStreamWriterBuilder, StreamWriter,
    StreamWriterBuilder,
};
use tessera_core::config::Config;
use tessera_fault::Point;

use crate::aof::resp_base::RespWriter;
use crate::mapped::Mapped;
use crate::rdb::{Item, KeyRecord, LoadError, RdbReader, RdbWriter};

/// Bytes gathered before one write to the file. Each write's copy and submission runs on the
/// shard between two of its turns: at 1 MiB they held the shard 0.5-1 ms, some forty times a
/// second during back-to-back snapshots (p99 2.1-2.9x the p99 without a snapshot, in
/// `bench/snapshot.sh`); at 128 KiB none took 0.5 ms.
const FLUSH_AT: usize = 128 << 10;

/// Where the bytes go: O_DIRECT through the shard's ring where the file system allows it, else
/// the page cache (tmpfs, say), still through the ring. The shard serves on while they go.
enum Out {
    Direct(DmaStreamWriter),
    Cached(StreamWriter),
}

impl Out {
    async fn create(path: &Path) -> std::io::Result<Out> {
        match DmaFile::create(path).await {
            Ok(file) => Ok(Out::Direct(
                DmaStreamWriterBuilder::new(file)
                    .with_buffer_size(FLUSH_AT)
                    .with_write_behind(4)
                    .build(),
            )),
            Err(_) => {
                let file = BufferedFile::create(path).await?;
                Ok(Out::Cached(StreamWriterBuilder::new(file).build()))
            }
        }
    }

    async fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        tessera_fault::check(Point::RdbWrite)?;
        match self {
            Out::Direct(w) => w.write_all(bytes).await,
            Out::Cached(w) => w.write_all(bytes).await,
        }
    }

    /// Syncs the data and closes the file.
    async fn close(self) -> std::io::Result<()> {
        match self {
            Out::Direct(mut w) => w.close().await?,
            Out::Cached(mut w) => {
                w.flush().await?;
                w.close().await?
            }
        }
        tessera_fault::check(Point::RdbFsync)
    }
}

/// An RDB file being written. The bytes go to `temp-<pid>.rdb` beside the target, which is
/// synced and renamed over the target only once complete (Redis's way): a crash or an error
/// in the middle leaves the previous file whole. It runs on a shard's executor: every write is
/// awaited, never blocking the shard.
pub struct RdbFile {
    writer: Encoder,
    out: Option<Out>,
    temp: PathBuf,
    target: PathBuf,
}

/// What the file holds: an RDB image, or (an append-only base without the RDB preamble) the
/// commands that rebuild it.
enum Encoder {
    Rdb(RdbWriter),
    Resp(Box<RespWriter>),
}

impl Encoder {
    fn buffered(&self) -> usize {
        match self {
            Encoder::Rdb(w) => w.buffered(),
            Encoder::Resp(w) => w.buffered(),
        }
    }

    fn take(&mut self) -> Vec<u8> {
        match self {
            Encoder::Rdb(w) => w.take(),
            Encoder::Resp(w) => w.take(),
        }
    }
}

impl RdbFile {
    /// Starts `dir`/`name` with `config`'s compression and checksum, and the auxiliary fields
    /// Redis writes (`used_mem`: the memory in use, for `used-mem`).
    pub async fn create(
        dir: &Path,
        name: &str,
        config: &Config,
        used_mem: u64,
    ) -> std::io::Result<RdbFile> {
        Self::create_as(dir, name, config, used_mem, false).await
    }

    /// As [`RdbFile::create`]; `aof_base` marks the image as an append-only file's base (the
    /// `aof-base` field Redis writes in its hybrid files).
    pub async fn create_as(
        dir: &Path,
        name: &str,
        config: &Config,
        used_mem: u64,
        aof_base: bool,
    ) -> std::io::Result<RdbFile> {
        let temp = dir.join(format!("temp-{}.rdb", std::process::id()));
        let out = Out::create(&temp).await?;
        let mut writer = RdbWriter::new(config.rdbcompression, config.rdbchecksum);
        let ctime = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        writer.standard_aux(ctime, used_mem, aof_base);
        Ok(RdbFile {
            writer: Encoder::Rdb(writer),
            out: Some(out),
            temp,
            target: dir.join(name),
        })
    }

    /// Starts `dir`/`name` as an append-only base of commands (`aof-use-rdb-preamble no`):
    /// the same snapshot, written as Redis's rewrite writes it without the preamble.
    pub async fn create_commands(
        dir: &Path,
        name: &str,
        config: &Config,
    ) -> std::io::Result<RdbFile> {
        let temp = dir.join(format!("temp-rewriteaof-{}.aof", std::process::id()));
        let out = Out::create(&temp).await?;
        Ok(RdbFile {
            writer: Encoder::Resp(Box::new(RespWriter::new(config))),
            out: Some(out),
            temp,
            target: dir.join(name),
        })
    }

    /// Starts database `db` (`keys` keys, `expires` of them with an expiry).
    pub async fn database(&mut self, db: usize, keys: u64, expires: u64) -> std::io::Result<()> {
        match &mut self.writer {
            Encoder::Rdb(w) => w.select_db(db, keys, expires),
            Encoder::Resp(w) => w.select_db(db),
        }
        self.flush_if_full().await
    }

    /// Appends keys encoded by a `KeyEncoder`.
    pub async fn keys(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match &mut self.writer {
            Encoder::Rdb(w) => w.encoded(bytes),
            Encoder::Resp(w) => w.records(bytes).map_err(std::io::Error::other)?,
        }
        self.flush_if_full().await
    }

    /// Ends the file, syncs it and puts it in place of the target.
    pub async fn finish(mut self) -> std::io::Result<()> {
        let tail =
            match std::mem::replace(&mut self.writer, Encoder::Rdb(RdbWriter::new(false, false))) {
                Encoder::Rdb(w) => w.finish(),
                Encoder::Resp(mut w) => w.take(),
            };
        let mut out = self.out.take().ok_or_else(closed)?;
        out.write_all(&tail).await?;
        out.close().await?;
        tessera_fault::check(Point::RdbRename)?;
        // On the ring, as the writes were: the shard serves on while the disk works.
        glommio::io::rename(&self.temp, &self.target)
            .await
            .map_err(std::io::Error::from)?;
        // The rename itself is durable once the directory is synced: in glommio's thread for
        // blocking work, since a directory's fsync can take milliseconds the shard must not lose.
        let dir = match self.target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        glommio::executor()
            .spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
            .await?;
        self.temp.clear();
        Ok(())
    }

    async fn flush_if_full(&mut self) -> std::io::Result<()> {
        if self.writer.buffered() >= FLUSH_AT {
            let bytes = self.writer.take();
            self.out
                .as_mut()
                .ok_or_else(closed)?
                .write_all(&bytes)
                .await?;
        }
        Ok(())
    }
}

fn closed() -> std::io::Error {
    std::io::Error::other("the file is closed")
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

/// The file at `path`, mapped for reading (see [`Mapped`]); None when there is none.
pub fn read_file(path: &Path) -> Result<Option<Mapped>, String> {
    Mapped::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Reads an RDB `file` (from `path`, for messages), handing every key to `each` in file order;
/// the pages read are handed back as the load goes. An error names the file and the offset
/// where it went wrong: a load stops there, it never skips what it cannot read.
pub fn load_rdb(
    file: &Mapped,
    path: &Path,
    config: &Config,
    mut each: impl FnMut(KeyRecord),
) -> Result<LoadSummary, String> {
    let named = |e: LoadError| format!("{}: {e}", path.display());
    let mut reader = RdbReader::new(file.bytes(), config).map_err(named)?;
    let mut summary = LoadSummary::default();
    while let Some(item) = reader.next_item().map_err(named)? {
        file.release_before(reader.offset());
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
