//! `maxmemory` on a node of shards: each shard holds its share of the limit, measures what it
//! holds with its own allocator counter, evicts from its own keys as the policy says, and
//! tells the others through one flag when it is full (cannot evict and is over its share),
//! so a connection on any shard refuses a write for it with Redis's OOM error before routing.
//!
//! Why per shard: a shard owns its keys and its thread's allocations, so it can keep its share
//! with no coordination at all; the slots spread keys evenly, so equal shares are fair shares.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tessera_core::commands::{flags, Command, NodeCmd, Run};
use tessera_core::keyspace::evict::{EvictParams, Policy};
use tessera_core::protocol::Args;

use crate::shard::Shard;

/// What one command may spend evicting before it goes on regardless (Redis's
/// `evictionTimeLimitUs`): 50 µs per point of tenacity up to 10, then 15% more per point; 100
/// is no limit. The rest is left to the shard's timer.
fn time_limit(tenacity: u64) -> Option<Duration> {
    match tenacity {
        0..=10 => Some(Duration::from_micros(50 * tenacity)),
        11..=99 => Some(Duration::from_micros(
            (500.0 * 1.15f64.powi(tenacity as i32 - 10)) as u64,
        )),
        _ => None,
    }
}

/// This shard's part of `maxmemory`: an equal share of what the shards may hold once the
/// memory outside them (threads that are not shards) is taken off.
fn share(sh: &Shard) -> isize {
    let mine: Vec<usize> = sh
        .node
        .mem_slots
        .iter()
        .map(|s| s.load(Ordering::Relaxed))
        .collect();
    let outside = crate::memory::used_outside(&mine).max(0);
    let limit = sh.config.maxmemory.min(isize::MAX as u64) as isize;
    (limit - outside) / sh.shards() as isize
}

/// Evicts from this shard's keys until it holds no more than its share, or the policy finds
/// nothing more to evict (false: the shard is full), or the time limit passes (true: the timer
/// goes on with it). Sets this shard's flag for the others. Cheap when under the share: one
/// read of the thread's own counter.
pub fn make_room(sh: &mut Shard) -> bool {
    if sh.mem_target == isize::MAX && sh.config.maxmemory != 0 {
        sh.mem_target = share(sh);
    }
    make_room_below(sh, sh.mem_target)
}

fn make_room_below(sh: &mut Shard, target: isize) -> bool {
    if sh.config.maxmemory == 0 || crate::memory::thread_used() <= target {
        set_full(sh, false);
        return true;
    }
    let params = EvictParams {
        policy: sh.config.maxmemory_policy,
        samples: sh.config.maxmemory_samples.clamp(1, 64) as usize,
        decay_time: sh.config.tracking().decay_time,
    };
    // Messages waiting to leave for other shards are theirs, not this shard's data.
    let target = target.saturating_add(sh.outbox_bytes() as isize);
    if crate::memory::thread_used() <= target {
        set_full(sh, false);
        return true;
    }
    let limit = time_limit(sh.config.maxmemory_eviction_tenacity);
    let start = Instant::now();
    let now = sh.clock;
    let mut freed = 0u64;
    while crate::memory::thread_used() > target {
        let rand = sh.random();
        let Some((db, key)) = sh.ks.evict_one_key(params, now, rand) else {
            set_full(sh, true);
            return false;
        };
        // As Redis: an evicted key's removal is a write of the log, or it would come back.
        sh.log_command(db, &[b"DEL", &key]);
        freed += 1;
        if freed.is_multiple_of(16) && limit.is_some_and(|l| start.elapsed() > l) {
            break;
        }
    }
    set_full(sh, false);
    true
}

fn set_full(sh: &Shard, full: bool) {
    let flag = &sh.node.full[sh.id];
    if flag.load(Ordering::Relaxed) != full {
        flag.store(full, Ordering::Relaxed);
    }
}

/// The shard timer's part: works out this shard's share again (what lies outside the shards
/// changes), and goes on with evictions a command left unfinished.
pub fn background(sh: &mut Shard) {
    if sh.config.maxmemory == 0 {
        sh.mem_target = isize::MAX;
        set_full(sh, false);
        return;
    }
    sh.mem_target = share(sh);
    make_room(sh);
}

/// True when connection `idx`'s command must be refused with the OOM error: it may need
/// memory (a `denyoom` command, an EXEC of such commands, or anything queued inside MULTI)
/// and a shard it needs is full.
pub fn refuses(sh: &mut Shard, idx: usize, cmd: &'static Command, args: &Args<'_>) -> bool {
    if sh.config.maxmemory == 0 {
        return false;
    }
    let Some(conn) = sh.conns[idx].as_ref() else {
        return false;
    };
    let queueing = conn.multi.is_some() && !cmd.has(flags::NO_MULTI);
    if queueing {
        // Queued commands are held here, whatever they touch later.
        return !make_room(sh);
    }
    let exec_writes = matches!(cmd.run, Run::Node(NodeCmd::Exec))
        && conn.multi.as_ref().is_some_and(|q| {
            q.iter().any(|c| {
                crate::shard::parse_internal(&c.args)
                    .and_then(|spans| {
                        tessera_core::commands::lookup(Args::new(&c.args, &spans).get(0))
                    })
                    .is_some_and(|c| c.has(flags::DENYOOM))
            })
        });
    if !cmd.has(flags::DENYOOM) && !exec_writes {
        return false;
    }
    let local_full = !make_room(sh);
    let target = match cmd.run {
        Run::Shard(_) => crate::dispatch::single_owner(sh, cmd, args),
        Run::Node(_) => None,
    };
    match target {
        Some(t) if t == sh.id => local_full,
        Some(t) => sh.node.full[t].load(Ordering::Relaxed),
        None => local_full || sh.node.full.iter().any(|f| f.load(Ordering::Relaxed)),
    }
}

/// True when this shard, asked by another to run a call of command `cmd`, must refuse it with
/// the OOM error: it may need memory and this shard is full. The asking shard checked this
/// shard's flag, but a batch of writes routed before the flag was raised lands here.
pub fn refuses_here(sh: &mut Shard, cmd: Option<&Command>) -> bool {
    if make_room(sh) {
        return false;
    }
    cmd.is_some_and(|c| c.has(flags::DENYOOM))
}

/// Forgets eviction state a new configuration makes stale, and sets what accesses record.
pub fn adopt(sh: &mut Shard, old_policy: Policy) {
    sh.mem_target = isize::MAX;
    if sh.config.maxmemory_policy != old_policy {
        sh.ks.pool.clear();
    }
    let tracking = sh.config.tracking();
    sh.ks.set_tracking(tracking);
}
