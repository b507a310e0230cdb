//! A shard's append-only log: the records of its writes, in the order they ran, written to the
//! shard's own file before their replies leave.
//!
//! Each shard keeps one file (the layout and the manifest are `tessera-persist`'s). A write's
//! records (its `keyspace::effects`, or its arguments) are appended to a buffer as it runs; at
//! the end of each turn of the network loop the buffer goes to the file in one write, before any
//! reply of that turn is sent and before any batch leaves for a peer. With `appendfsync always`
//! the replies of a turn then wait, held, for an fdatasync that covers their records (the
//! requests that arrive meanwhile share the next one: group commit). With `everysec` the loop
//! syncs once a second on its ring, off the request path.
//!
//! Records are RESP commands, as Redis writes them, with a SELECT whenever the database
//! changes. The parts of a transaction are kept aside while it runs and written as one frame
//! when it releases this shard: `MULTI`, the records, `EXEC`, preceded by
//! `__txpart <id> <parts>` when the transaction wrote on several shards, so that recovery
//! applies it only if every shard's part reached its file.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use hashbrown::HashMap;
use tessera_core::config::Fsync;
use tessera_core::protocol::args::encode_command;

use tessera_core::protocol::Args;
use tessera_fault::Point;

use crate::locks::TxId;

/// `MULTI`, as a record.
const MULTI: &[u8] = b"*1\r\n$5\r\nMULTI\r\n";
/// `EXEC`, as a record.
const EXEC: &[u8] = b"*1\r\n$4\r\nEXEC\r\n";

/// The records of a transaction while it holds this shard.
#[derive(Default)]
struct TxRecords {
    bytes: Vec<u8>,
    db: Option<usize>,
}

/// Numbers the logs the process opens (see [`AofLog::serial`]).
static NEXT_SERIAL: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// One shard's log.
pub struct AofLog {
    file: OwnedFd,
    /// Tells this log's syncs on the ring from those of a log it replaced: the completion of
    /// a sync started before a rewrite switched files is not about the new file.
    pub serial: u32,
    /// When the file is synced.
    pub fsync: Fsync,
    /// Records not written to the file yet.
    buf: Vec<u8>,
    /// The database the file's last record was written in (a SELECT precedes a change).
    db: Option<usize>,
    /// Bytes this shard's logs took since start-up (counted on across a rewrite's switch to
    /// new files, so that what waits for a size keeps waiting for the right records).
    pub written: u64,
    /// Of `written`, the bytes known to be on disk.
    pub synced: u64,
    /// Bytes in the current file.
    pub file_size: u64,
    /// The size an fdatasync in flight will have made durable.
    pub syncing: Option<u64>,
    /// When the last sync was started, Unix ms.
    pub last_sync_ms: u64,
    txs: HashMap<TxId, TxRecords>,
    /// Where the records of an EXEC that runs inline began in `buf`.
    group: Option<usize>,
    /// Names this run of the process in transaction ids, which must not repeat in the file.
    run: u64,
    /// Why the last write to the file failed (an errno); None when it succeeded.
    pub error: Option<i32>,
    /// Why the last sync of the file failed (an errno); None when it succeeded.
    sync_error: Option<i32>,
}

impl AofLog {
    /// A log appending to `file`, which holds `size` bytes already; its count of bytes
    /// written starts at `start`.
    pub fn new(file: OwnedFd, size: u64, fsync: Fsync, run: u64, start: u64) -> AofLog {
        AofLog {
            file,
            serial: NEXT_SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed) & 0x3FFF_FFFF,
            fsync,
            buf: Vec::with_capacity(64 * 1024),
            db: None,
            written: start,
            synced: start,
            file_size: size,
            syncing: None,
            last_sync_ms: 0,
            txs: HashMap::new(),
            group: None,
            run,
            error: None,
            sync_error: None,
        }
    }

    /// The file's descriptor (for the ring's fdatasync).
    pub fn fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }

    /// True when records wait to be written.
    pub fn unwritten(&self) -> bool {
        !self.buf.is_empty()
    }

    /// The size the file will have once every buffered record is written.
    pub fn pending_end(&self) -> u64 {
        self.written + self.buf.len() as u64
    }

    /// How far the file is safe enough for a reply to leave: written (`everysec`, `no`: the
    /// record has left the process) or synced (`always`: it is on disk).
    pub fn safe(&self) -> u64 {
        if self.fsync == Fsync::Always {
            self.synced
        } else {
            self.written
        }
    }

    /// Appends one write's records, made in database `db`, under transaction `tx` if any.
    /// `records` is either RESP commands already (`encoded`) or the arguments to encode.
    pub fn record(&mut self, db: usize, tx: Option<TxId>, records: Records<'_>) {
        let (out, last_db) = match tx {
            Some(tx) => {
                let t = self.txs.entry(tx).or_default();
                (&mut t.bytes, &mut t.db)
            }
            None => (&mut self.buf, &mut self.db),
        };
        if *last_db != Some(db) {
            let mut n = itoa::Buffer::new();
            encode_command([&b"SELECT"[..], n.format(db).as_bytes()].into_iter(), out);
            *last_db = Some(db);
        }
        match records {
            Records::Encoded(bytes) => out.extend_from_slice(bytes),
            Records::Args(args) => encode_command(args.iter(), out),
        }
    }

    /// Starts an EXEC that runs inline on this shard: its records are framed as one.
    pub fn begin_group(&mut self) {
        self.group = Some(self.buf.len());
    }

    /// Ends an inline EXEC: if it recorded anything, it is wrapped in MULTI and EXEC.
    pub fn end_group(&mut self) {
        let Some(mark) = self.group.take() else {
            return;
        };
        if self.buf.len() > mark {
            self.buf.splice(mark..mark, MULTI.iter().copied());
            self.buf.extend_from_slice(EXEC);
        }
    }

    /// Transaction `tx` released this shard: its records become one frame of the log. `parts`
    /// is the number of shards it wrote on, each of which writes a frame (possibly empty); with
    /// one part an empty frame is left out.
    pub fn end_tx(&mut self, tx: TxId, parts: u32) {
        let t = self.txs.remove(&tx).unwrap_or_default();
        if parts <= 1 && t.bytes.is_empty() {
            return;
        }
        if parts > 1 {
            let id = format!("{:x}-{tx:x}", self.run);
            let mut n = itoa::Buffer::new();
            encode_command(
                [&b"__txpart"[..], id.as_bytes(), n.format(parts).as_bytes()].into_iter(),
                &mut self.buf,
            );
        }
        self.buf.extend_from_slice(MULTI);
        self.buf.extend_from_slice(&t.bytes);
        self.buf.extend_from_slice(EXEC);
        if t.db.is_some() {
            self.db = t.db;
        }
    }

    /// Writes every buffered record to the file (a blocking write to the page cache, which
    /// returns in microseconds). On failure the records stay buffered and `error` says why.
    pub fn write_out(&mut self) -> bool {
        let mut done = 0;
        while done < self.buf.len() {
            let rest = &self.buf[done..];
            let fd = self.file.as_raw_fd();
            let wrote = tessera_fault::check(Point::AofWrite).and_then(|()| {
                // SAFETY: `rest` is a valid buffer; the descriptor is open while `self` lives.
                let n = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len().min(1 << 30)) };
                usize::try_from(n).map_err(|_| std::io::Error::last_os_error())
            });
            let err = match wrote {
                Ok(n) => {
                    done += n;
                    continue;
                }
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(err) => err,
            };
            self.buf.drain(..done);
            self.written += done as u64;
            self.file_size += done as u64;
            if self.error.is_none() {
                crate::log::warn(&format!("Error writing to the AOF file: {err}"));
            }
            self.error = Some(err.raw_os_error().unwrap_or(libc::EIO));
            return false;
        }
        self.written += done as u64;
        self.file_size += done as u64;
        self.buf.clear();
        if self.buf.capacity() > 16 << 20 {
            self.buf = Vec::with_capacity(64 * 1024);
        }
        if self.error.take().is_some() {
            crate::log::warn("AOF write error looks solved. Tessera can write again.");
        }
        true
    }

    /// Writes and syncs what is left, for a log about to be closed (a rewrite switched files,
    /// the append-only file was turned off, the server stops). True when all of it is on disk.
    pub fn close_out(&mut self) -> bool {
        if !self.write_out() {
            return false;
        }
        let synced = tessera_fault::check(Point::AofFsync).and_then(|()| {
            // SAFETY: the descriptor is open while `self` lives.
            match unsafe { libc::fdatasync(self.file.as_raw_fd()) } {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
        if let Err(err) = synced {
            crate::log::warn(&format!("Error syncing the AOF file: {err}"));
            return false;
        }
        self.synced = self.written;
        true
    }

    /// The errno that makes writes refused (MISCONF) and INFO report
    /// `aof_last_write_status:err`: the last write's failure, else the last sync's, as Redis 7.0
    /// refuses writes after a failed background fsync until one succeeds.
    pub fn failing(&self) -> Option<i32> {
        self.error.or(self.sync_error)
    }

    /// A sync of the file (under `everysec` or `no`) failed with `err`: writes are refused
    /// until one succeeds (the next one starts within a second).
    pub fn sync_failed(&mut self, err: &std::io::Error) {
        if self.sync_error.is_none() {
            crate::log::warn(&format!("Fail to fsync the AOF file: {err}"));
        }
        self.sync_error = Some(err.raw_os_error().unwrap_or(libc::EIO));
    }

    /// A sync of the file made the first `upto` bytes written since start-up durable.
    pub fn sync_succeeded(&mut self, upto: u64) {
        self.synced = self.synced.max(upto);
        if self.sync_error.take().is_some() {
            crate::log::warn("AOF fsync error looks solved. Tessera can write again.");
        }
    }

    /// True when a sync should start now: under `always` when something is unsynced, under
    /// `everysec` once a second.
    pub fn sync_due(&self, now_ms: u64) -> bool {
        if self.syncing.is_some() || self.synced >= self.written {
            return false;
        }
        match self.fsync {
            Fsync::Always => true,
            Fsync::Everysec => now_ms.saturating_sub(self.last_sync_ms) >= 1000,
            Fsync::No => false,
        }
    }
}

/// A write's records as handed to [`AofLog::record`].
pub enum Records<'a> {
    /// RESP commands, ready to append.
    Encoded(&'a [u8]),
    /// The command's own arguments.
    Args(&'a tessera_core::protocol::Args<'a>),
}

/// The shard's side of its log: what each command and each background removal records, and
/// the replies that wait for it.
impl crate::shard::Shard {
    /// Appends what the command that just ran changed to the shard's log: the records its
    /// handler made, or else its arguments when it changed anything.
    pub(crate) fn log_effects(&mut self, changed: bool, db: usize, args: &Args<'_>) {
        self.log_expired(self.running_tx);
        let Some(aof) = self.aof.as_mut() else {
            return;
        };
        let effects = &mut self.ks.effects;
        let db = db.min(self.ks.dbs.len() - 1);
        if effects.replaced {
            if !effects.buf.is_empty() {
                aof.record(db, self.running_tx, Records::Encoded(&effects.buf));
            }
        } else if changed {
            aof.record(db, self.running_tx, Records::Args(args));
        }
        effects.reset();
        effects.wanted = false;
    }
    /// Writes the log's buffered records; publishes a failure (or its end) to the node.
    pub fn aof_write(&mut self) {
        let Some(aof) = self.aof.as_mut() else {
            return;
        };
        if aof.unwritten() {
            aof.write_out();
        }
        let errno = aof.failing().unwrap_or(0);
        self.node.aof_errors[self.id].store(errno, std::sync::atomic::Ordering::Release);
    }
    /// Sends the replies to writes whose records the log now holds safely (all of them once
    /// the log is off).
    pub fn release_write_replies(&mut self) {
        if self.write_replies.is_empty() {
            return;
        }
        let safe = self.aof.as_ref().map_or(u64::MAX, |a| a.safe());
        let held = std::mem::take(&mut self.write_replies);
        for (need, from, token, bytes) in held {
            if need <= safe {
                self.reply_to(from, token, &bytes);
            } else {
                self.write_replies.push((need, from, token, bytes));
            }
        }
    }
    /// Records what a shard did by itself (eviction, say) in its log, as `parts`.
    pub fn log_command(&mut self, db: usize, parts: &[&[u8]]) {
        if let Some(aof) = self.aof.as_mut() {
            let args_bytes = {
                let mut v = Vec::new();
                tessera_core::protocol::args::encode_command(parts.iter().copied(), &mut v);
                v
            };
            aof.record(db, None, Records::Encoded(&args_bytes));
        }
    }
    /// Records the removal of every key that expired since the last look, as `DEL`s in the
    /// log (under `tx`, when a transaction's part runs).
    pub(crate) fn log_expired(&mut self, tx: Option<TxId>) {
        let Some(aof) = self.aof.as_mut() else {
            return;
        };
        for (i, db) in self.ks.dbs.iter_mut().enumerate() {
            for key in db.expired_now.drain(..) {
                let mut rec = Vec::new();
                tessera_core::protocol::args::encode_command(
                    [&b"DEL"[..], &key].into_iter(),
                    &mut rec,
                );
                aof.record(i, tx, Records::Encoded(&rec));
            }
        }
    }
}
