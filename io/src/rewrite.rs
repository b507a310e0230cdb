//! BGREWRITEAOF: the append-only files start again from an image of the node.
//!
//! At one point in time (every shard frozen for a moment, as for BGSAVE) each shard starts its
//! image and switches its log to a new, empty file of the next generation, which the manifest
//! already lists; the shards then serve on while the image is written as the new base (an RDB
//! preamble, the hybrid format). Once the base is complete the manifest names it and the new
//! generation only, and the older files go. A failure leaves the manifest listing the old
//! files and the new ones after them: nothing written is ever outside what start-up reads.

use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use tessera_core::protocol::{Args, Reply};

use crate::dispatch::reply_now;
use crate::log;
use crate::persistence;
use crate::shard::{current, now_ms, Node, Shard};

/// What INFO and the cron know of rewrites.
#[derive(Default)]
pub struct RewriteState {
    /// A rewrite runs.
    pub running: AtomicBool,
    /// A rewrite waits for a save to end.
    pub scheduled: AtomicBool,
    /// Rewrites that succeeded.
    pub done: AtomicU64,
    /// The last one failed.
    pub last_failed: AtomicBool,
    /// Failures in a row.
    pub failures: AtomicU64,
    /// When the running one started, Unix ms.
    pub started_ms: AtomicU64,
    /// How long the last one took, seconds; -1 before the first.
    pub last_secs: AtomicI64,
    /// The base file's size after the last rewrite (growth is measured from it).
    pub base_size: AtomicU64,
}

/// Runs `__aofswitch <fd>` if `args` is it: the shard's log moves to the new file (a rewrite's
/// next generation), its older records written and synced first.
pub(crate) fn internal(sh: &mut Shard, args: &Args<'_>, reply: &mut Reply<'_>) -> bool {
    if args.get(0) != b"__aofswitch" {
        return false;
    }
    let Some(fd) = args
        .try_get(1)
        .and_then(|a| std::str::from_utf8(a).ok()?.parse::<i32>().ok())
        .filter(|&fd| fd >= 0)
    else {
        reply.error("ERR bad descriptor");
        return true;
    };
    // SAFETY: the rewrite handed this descriptor over to this shard and no longer uses it.
    let file = unsafe { OwnedFd::from_raw_fd(fd) };
    let start = match sh.aof.as_mut() {
        Some(old) => {
            old.close_out();
            old.written
        }
        None => 0,
    };
    if sh.config.appendonly {
        let (fsync, run) = (sh.config.appendfsync, sh.node.start_ms);
        sh.aof = Some(crate::aof::AofLog::new(file, 0, fsync, run, start));
        for db in &mut sh.ks.dbs {
            db.log_expired = true;
        }
    }
    reply.ok();
    true
}

/// BGREWRITEAOF: starts a rewrite, or schedules one behind a running save.
pub(crate) fn bgrewriteaof(sh: &mut Shard, idx: usize) {
    let node = sh.node.clone();
    if node.aof.running.load(Ordering::Acquire) {
        return reply_now(sh, idx, |r| {
            r.error("ERR Background append only file rewriting already in progress")
        });
    }
    if node.saving.swap(true, Ordering::AcqRel) {
        node.aof.scheduled.store(true, Ordering::Release);
        return reply_now(sh, idx, |r| {
            r.simple("Background append only file rewriting scheduled")
        });
    }
    start(&node);
    reply_now(sh, idx, |r| {
        r.simple("Background append only file rewriting started")
    });
}

/// Starts a rewrite now, or once the running save or rewrite ends.
pub(crate) fn request(node: &Node) {
    if node.saving.swap(true, Ordering::AcqRel) {
        node.aof.scheduled.store(true, Ordering::Release);
    } else {
        start(node);
    }
}

/// Starts a rewrite when one is scheduled or the file grew past `auto-aof-rewrite-percentage`
/// of its size after the last rewrite (and past `auto-aof-rewrite-min-size`). Shard 0, once
/// a second.
pub(crate) fn cron(sh: &mut Shard) {
    let node = sh.node.clone();
    if node.saving.load(Ordering::Acquire) || node.aof.running.load(Ordering::Acquire) {
        return;
    }
    let scheduled = node.aof.scheduled.load(Ordering::Acquire);
    let config = &sh.config;
    let grown = config.appendonly && config.auto_aof_rewrite_percentage > 0 && {
        let base = node.aof.base_size.load(Ordering::Acquire);
        let size = base
            + node
                .aof_sizes
                .iter()
                .map(|s| s.load(Ordering::Acquire))
                .sum::<u64>();
        let growth = (size.saturating_sub(base)) * 100 / base.max(1);
        size >= config.auto_aof_rewrite_min_size && growth >= config.auto_aof_rewrite_percentage
    };
    if (!scheduled && !grown) || node.saving.swap(true, Ordering::AcqRel) {
        return;
    }
    if grown && !scheduled {
        log::notice("Starting automatic rewriting of AOF");
    }
    start(&node);
}

/// Runs a rewrite in a task of its own (the caller set `saving`).
pub(crate) fn start(node: &Node) {
    node.aof.scheduled.store(false, Ordering::Release);
    node.aof.running.store(true, Ordering::Release);
    node.aof.started_ms.store(now_ms(), Ordering::Release);
    log::notice("Background append only file rewriting started");
    glommio::spawn_local(async move {
        // glommio may run a new task at once; let the spawner release the shard first.
        glommio::executor().yield_now().await;
        let result = rewrite().await;
        let node = current().borrow().node.clone();
        let started = node.aof.started_ms.swap(0, Ordering::AcqRel);
        let took = (now_ms().saturating_sub(started) / 1000) as i64;
        node.aof.last_secs.store(took, Ordering::Release);
        node.aof
            .last_failed
            .store(result.is_err(), Ordering::Release);
        match result {
            Ok(()) => {
                node.aof.done.fetch_add(1, Ordering::AcqRel);
                node.aof.failures.store(0, Ordering::Release);
                log::notice("Background AOF rewrite finished successfully");
            }
            Err(e) => {
                node.aof.failures.fetch_add(1, Ordering::AcqRel);
                log::warn(&format!("Background AOF rewrite failed: {e}"));
            }
        }
        node.aof.running.store(false, Ordering::Release);
        node.saving.store(false, Ordering::Release);
    })
    .detach();
}

/// The rewrite itself.
async fn rewrite() -> Result<(), String> {
    let Some(layer) = persistence::get() else {
        return Err("this server has no persistence layer".into());
    };
    let (config, shards, node) = {
        let shard = current();
        let sh = shard.borrow();
        (sh.config.clone(), sh.shards(), sh.node.clone())
    };
    // The manifest's writes and the folder's syncs block: they run in glommio's thread for
    // blocking work, so the shard serves on meanwhile.
    let (begin, finish) = (layer.begin_rewrite, layer.finish_rewrite);
    let cfg = config.clone();
    let mut started = glommio::executor()
        .spawn_blocking(move || begin(&cfg, shards))
        .await?;
    let logs = std::mem::take(&mut started.logs);
    let sink = (layer.open_base)(&config, &started.base);
    let result = crate::save::image(sink, Some(logs)).await;
    let (cfg, ok) = (config.clone(), result.is_ok());
    let base = glommio::executor()
        .spawn_blocking(move || finish(&cfg, &started, ok))
        .await?;
    result?;
    node.aof.base_size.store(base, Ordering::Release);
    Ok(())
}
