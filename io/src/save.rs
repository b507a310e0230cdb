//! SAVE and BGSAVE: one image of every shard at one point in time, written through the
//! persistence layer.
//!
//! The shard that runs the command takes a shared lock on every shard for a moment (no write
//! runs anywhere meanwhile, multi-shard ones included, so the image holds each of them whole or
//! not at all) while each starts its image; then it asks each shard in turn for its keys,
//! database by database, in chunks that shard encoded, while every shard goes on serving reads
//! and writes (a write to a key not yet written out writes its segment first).

use std::sync::atomic::Ordering;

use tessera_core::commands::{self, flags, Command, NodeCmd, Run};
use tessera_core::errors;
use tessera_core::protocol::args::encode_command;
use tessera_core::protocol::{scan, Args};

use crate::dispatch::{park_for, reply_now};
use crate::log;
use crate::persistence;
use crate::shard::{current, now_ms, Node, Shard};
use crate::txn::{call_free, call_under, freeze_all, thaw_all};

/// Why a save failed, for the log.
pub(crate) type SaveError = String;

/// Takes a snapshot of the node into the RDB file. On success the writes it holds no longer
/// count as changes since the last save, and LASTSAVE moves.
///
/// Every shard starts its image while all of them hold off writes for that moment only, so
/// the image is one point in time of the whole node (a multi-shard write is in it whole or not
/// at all); then the shards go on serving while their keys are written out.
pub(crate) async fn snapshot() -> Result<(), SaveError> {
    let Some(layer) = persistence::get() else {
        return Err("this server has no persistence layer".into());
    };
    let (config, node) = {
        let shard = current();
        let sh = shard.borrow();
        (sh.config.clone(), sh.node.clone())
    };
    let started = now_ms();
    node.save_started_ms.store(started, Ordering::Release);
    let result = image((layer.open_snapshot)(&config), None).await;
    node.save_started_ms.store(0, Ordering::Release);
    let took = (now_ms().saturating_sub(started) / 1000) as i64;
    node.last_save_duration_secs.store(took, Ordering::Release);
    let sizes = result?;
    node.rdb_saves.fetch_add(1, Ordering::AcqRel);
    for (s, counts) in sizes.iter().enumerate() {
        let count = counts[config.databases * 2];
        call_free(s, 0, command(&["__rdbsaved", &count.to_string()])).await;
    }
    node.last_save_secs
        .store(now_ms() / 1000, Ordering::Release);
    Ok(())
}

/// Takes one image of every shard into the file `sink` opens; returns each shard's counts
/// (keys and expiries per database, then its writes so far). With `logs`, each shard also
/// switches its append-only log to its new file at the image's point in time (a rewrite).
pub(crate) async fn image(
    sink: persistence::IoFuture<'static, Box<dyn persistence::SnapshotSink>>,
    logs: Option<Vec<std::os::fd::OwnedFd>>,
) -> Result<Vec<Vec<u64>>, SaveError> {
    let (shards, config) = {
        let shard = current();
        let sh = shard.borrow();
        (sh.shards(), sh.config.clone())
    };
    let tx = freeze_all().await;
    let mut sizes = Vec::with_capacity(shards);
    for s in 0..shards {
        let reply = call_under(s, 0, command(&["__rdbbegin"]), tx).await;
        sizes.push(scan::array_items(&reply).and_then(|items| {
            items
                .iter()
                .map(|i| scan::reply_int(i).map(|n| n.max(0) as u64))
                .collect::<Option<Vec<u64>>>()
        }));
    }
    if let Some(logs) = logs {
        for (s, fd) in logs.into_iter().enumerate() {
            use std::os::fd::IntoRawFd;
            // The descriptor travels by number: the shard takes it over.
            let fd = fd.into_raw_fd().to_string();
            call_under(s, 0, command(&["__aofswitch", &fd]), tx).await;
        }
    }
    thaw_all(tx);
    let sizes: Option<Vec<Vec<u64>>> = sizes
        .into_iter()
        .map(|c| c.filter(|c| c.len() == config.databases * 2 + 1))
        .collect();
    let result = match sizes {
        Some(sizes) => write_image(sink, &config, &sizes).await.map(|()| sizes),
        None => Err("a shard could not start its snapshot".into()),
    };
    for s in 0..shards {
        call_free(s, 0, command(&["__rdbend"])).await;
    }
    result
}

/// Writes every shard's image, database by database, given each shard's sizes.
async fn write_image(
    sink: persistence::IoFuture<'static, Box<dyn persistence::SnapshotSink>>,
    config: &tessera_core::config::Config,
    sizes: &[Vec<u64>],
) -> Result<(), SaveError> {
    let mut sink = sink
        .await
        .map_err(|e| format!("cannot open the file: {e}"))?;
    let write_err = |e: std::io::Error| format!("write error saving DB on disk: {e}");
    for db in 0..config.databases {
        let keys: u64 = sizes.iter().map(|c| c[2 * db]).sum();
        let expires: u64 = sizes.iter().map(|c| c[2 * db + 1]).sum();
        if keys == 0 {
            continue;
        }
        sink.database(db, keys, expires).await.map_err(write_err)?;
        for s in 0..sizes.len() {
            loop {
                let reply = call_free(s, db, command(&["__rdbchunk"])).await;
                let body = bulk_body(&reply)
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| format!("shard {s} gave no keys for db {db}"))?;
                let done = body[0] == 1;
                sink.keys(body[1..].to_vec()).await.map_err(write_err)?;
                // A chunk of this shard's own keys was encoded inline: let its connections
                // have their turn before the next one, so the image never holds them up long.
                glommio::executor().yield_now().await;
                if done {
                    break;
                }
            }
        }
    }
    sink.finish().await.map_err(write_err)
}

pub(crate) fn command(parts: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_command(parts.iter().map(|p| p.as_bytes()), &mut out);
    out
}

/// The bytes of a bulk string reply.
fn bulk_body(reply: &[u8]) -> Option<&[u8]> {
    if reply.first() != Some(&b'$') {
        return None;
    }
    let line = reply.windows(2).position(|w| w == b"\r\n")?;
    let len: usize = std::str::from_utf8(&reply[1..line]).ok()?.parse().ok()?;
    reply.get(line + 2..line + 2 + len)
}

/// SAVE: answers OK once the file is written, or `-ERR` (the reason goes to the log, as Redis
/// does); refused while another save runs.
pub(crate) fn save(sh: &mut Shard, idx: usize) {
    if sh.node.saving.swap(true, Ordering::AcqRel) {
        return reply_now(sh, idx, |r| r.error(IN_PROGRESS));
    }
    park_for(sh, idx, async move {
        let ok = finish(snapshot().await, "DB saved on disk", false);
        if ok {
            b"+OK\r\n".to_vec()
        } else {
            b"-ERR\r\n".to_vec()
        }
    });
}

/// BGSAVE [SCHEDULE]: starts a save in the background and answers at once.
pub(crate) fn bgsave(sh: &mut Shard, idx: usize, args: &Args<'_>) {
    if args.len() > 2 || (args.len() == 2 && !args.is(1, "schedule")) {
        return reply_now(sh, idx, |r| r.error(errors::SYNTAX));
    }
    if sh.node.saving.swap(true, Ordering::AcqRel) {
        return reply_now(sh, idx, |r| r.error(IN_PROGRESS));
    }
    start_background(&sh.node);
    reply_now(sh, idx, |r| r.simple("Background saving started"));
}

const IN_PROGRESS: &str = "ERR Background save already in progress";

/// Records how a save ended and logs it; true when it succeeded. As in Redis, any success
/// clears a failed status, but only a failed background save sets it (a failed SAVE is
/// answered with an error instead).
fn finish(result: Result<(), SaveError>, success: &str, background: bool) -> bool {
    let node = current().borrow().node.clone();
    node.saving.store(false, Ordering::Release);
    if result.is_ok() || background {
        node.last_save_ok.store(result.is_ok(), Ordering::Release);
    }
    match result {
        Ok(()) => {
            log::notice(success);
            true
        }
        Err(e) => {
            log::warn(&format!("Failed saving the DB: {e}"));
            false
        }
    }
}

/// Why connection `idx`'s command must be refused (MISCONF), if it must: the last background
/// save failed (with `stop-writes-on-bgsave-error` on and save rules set), or writes to the
/// append-only file fail; and the command writes (an EXEC of writes too) or is PING, as Redis
/// 7.0 refuses them.
pub(crate) fn refusal(sh: &Shard, idx: usize, cmd: &'static Command) -> Option<String> {
    // Reads, the common case, are never refused: no shared state is read for them.
    if !cmd.has(flags::WRITE) && !matches!(cmd.run, Run::Node(NodeCmd::Ping | NodeCmd::Exec)) {
        return None;
    }
    let rdb_failed = !sh.node.last_save_ok.load(Ordering::Acquire)
        && sh.config.stop_writes_on_bgsave_error
        && !sh.config.save.is_empty();
    let aof_errno = sh
        .node
        .aof_errors
        .iter()
        .map(|e| e.load(Ordering::Acquire))
        .find(|&e| e != 0);
    if !rdb_failed && aof_errno.is_none() {
        return None;
    }
    let writes = cmd.has(flags::WRITE)
        || matches!(cmd.run, Run::Node(NodeCmd::Ping))
        || matches!(cmd.run, Run::Node(NodeCmd::Exec))
            && sh.conns[idx].as_ref().is_some_and(|c| {
                c.multi.as_ref().is_some_and(|q| {
                    q.iter().any(|queued| {
                        crate::shard::parse_internal(&queued.args)
                            .and_then(|spans| {
                                commands::lookup(Args::new(&queued.args, &spans).get(0))
                            })
                            .is_some_and(|c| c.has(flags::WRITE))
                    })
                })
            });
    if !writes {
        return None;
    }
    if rdb_failed {
        return Some(errors::MISCONF.to_string());
    }
    let err = std::io::Error::from_raw_os_error(aof_errno.unwrap_or(libc::EIO)).to_string();
    let err = err.split(" (os error").next().unwrap_or_default();
    Some(format!("MISCONF Errors writing to the AOF file: {err}"))
}

/// Seconds a failed automatic save waits before the next try (`CONFIG_BGSAVE_RETRY_DELAY`).
const RETRY_DELAY_SECS: u64 = 5;

/// The `save` rules, checked once a second on shard 0 (Redis's `serverCron`): starts a
/// background save when one rule's time and changes are both reached.
pub(crate) fn cron(sh: &mut Shard) {
    let node = sh.node.clone();
    if node.saving.load(Ordering::Acquire) {
        return;
    }
    if node.save_scheduled.load(Ordering::Acquire) && !node.saving.swap(true, Ordering::AcqRel) {
        node.save_scheduled.store(false, Ordering::Release);
        start_background(&node);
        return;
    }
    if sh.config.save.is_empty() {
        return;
    }
    let now = now_ms() / 1000;
    let last = node.last_save_secs.load(Ordering::Acquire);
    let tried = node.last_save_try_secs.load(Ordering::Acquire);
    if !node.last_save_ok.load(Ordering::Acquire) && now.saturating_sub(tried) <= RETRY_DELAY_SECS {
        return;
    }
    let dirty: u64 = node.dirty.iter().map(|d| d.load(Ordering::Acquire)).sum();
    let due = sh
        .config
        .save
        .iter()
        .find(|&&(secs, changes)| dirty >= changes && now.saturating_sub(last) > secs);
    let Some(&(secs, _)) = due else {
        return;
    };
    if node.saving.swap(true, Ordering::AcqRel) {
        return;
    }
    log::notice(&format!("{dirty} changes in {secs} seconds. Saving..."));
    start_background(&node);
}

/// Runs a save in a task of its own (the caller set `saving`).
fn start_background(node: &Node) {
    node.last_save_try_secs
        .store(now_ms() / 1000, Ordering::Release);
    log::notice("Background saving started");
    glommio::spawn_local(async move {
        // glommio may run a new task at once; let the spawner release the shard first.
        glommio::executor().yield_now().await;
        finish(
            snapshot().await,
            "Background saving terminated with success",
            true,
        );
    })
    .detach();
}
