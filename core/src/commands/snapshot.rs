//! The shard side of SAVE and BGSAVE: a shard writes its own keys in RDB form while it goes on
//! serving (see `SegTable::begin_snapshot`), and hands the bytes, chunk by chunk, to the shard
//! writing the file. `tessera-io` starts every shard's snapshot at one point in time.

use super::flags::*;
use super::{cmd, Command, Ctx, KeySpec, Run, Span};
use crate::keyspace::evict::{lfu_counter, Policy};
use crate::keyspace::rdb_key::{KeyEncoder, KeyHint};
use crate::keyspace::table::Slot;
use crate::keyspace::Entry;
use crate::protocol::{Args, Reply};

/// The internal commands of a save.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("__rdbbegin", 1, READONLY | INTERNAL, KeySpec::None, Span::Single, Run::Shard(begin), "server", "Internal: starts this shard's snapshot; answers each database's key and expiry counts, then the writes since the last save."),
    cmd("__rdbchunk", 1, READONLY | INTERNAL, KeySpec::None, Span::Single, Run::Shard(chunk), "server", "Internal: the next keys of the selected database's snapshot, in RDB form."),
    cmd("__rdbend", 1, READONLY | INTERNAL, KeySpec::None, Span::Single, Run::Shard(end), "server", "Internal: ends this shard's snapshot."),
    cmd("__rdbsaved", 2, WRITE | INTERNAL, KeySpec::None, Span::Single, Run::Shard(saved), "server", "Internal: a save holding this shard's writes up to the given count succeeded."),
];

/// Keys a chunk holds (fewer at the end): the shard serves its clients between two chunks, so
/// a chunk must take little time (64 keys: some 50 µs), yet be worth a trip between shards.
/// With 1M keys at 40k requests/s, chunks of one whole segment (about 1,200 keys) kept p99 at
/// 200-300 ms during a BGSAVE; 128 keys, 6.9 ms back to back; 32 keys, 6.4 ms.
const CHUNK_KEYS: usize = 64;

/// `__rdbbegin`: starts a snapshot of every database of the shard, as they are now. Answers
/// an array of 2 x databases + 1 integers: keys and keys with an expiry for each database,
/// then the shard's count of writes (`rdb_changes_since_last_save`).
fn begin(ctx: &mut Ctx<'_>, _args: &Args<'_>, reply: &mut Reply<'_>) {
    let start = ctx.now_ms;
    let clock = (start / 1000) as u32;
    let policy = ctx.config.maxmemory_policy;
    let decay = ctx.config.tracking().decay_time;
    let compress = ctx.config.rdbcompression;
    reply.array(ctx.ks.dbs.len() * 2 + 1);
    for db in &mut ctx.ks.dbs {
        reply.int(db.len() as i64);
        reply.int(db.volatile_len() as i64);
        let mut encoder = KeyEncoder::new(compress);
        db.begin_snapshot(Box::new(move |out: &mut Vec<u8>, slot: &Slot<Entry>| {
            let entry = slot.value();
            // The image is of the start: a key whose time had passed then is not in it.
            if entry.is_expired(start) {
                return;
            }
            let hint = hint(entry, policy, clock, decay);
            encoder.key(out, slot.key(), &entry.value, entry.expire_at, hint);
        }));
    }
    reply.int(ctx.ks.dirty as i64);
}

/// `__rdbchunk`: a bulk string of one byte (1 when the selected database's image is complete
/// with this chunk, else 0), then keys as an RDB file holds them.
fn chunk(ctx: &mut Ctx<'_>, _args: &Args<'_>, reply: &mut Reply<'_>) {
    let db = ctx.db();
    let done = db.snapshot_step(CHUNK_KEYS);
    let mut out = vec![u8::from(done)];
    out.extend_from_slice(&db.take_snapshot_bytes());
    reply.bulk(&out);
}

/// `__rdbend`: ends the shard's snapshot, complete or given up.
fn end(ctx: &mut Ctx<'_>, _args: &Args<'_>, reply: &mut Reply<'_>) {
    for db in &mut ctx.ks.dbs {
        db.end_snapshot();
    }
    reply.ok();
}

/// What Redis writes before a key under `policy` (`rdbSaveKeyValuePair`).
fn hint(entry: &Entry, policy: Policy, clock: u32, decay: u32) -> KeyHint {
    if policy.is_lru() {
        KeyHint::Idle(u64::from(clock.saturating_sub(entry.access)))
    } else if policy.is_lfu() {
        KeyHint::Freq(lfu_counter(entry.freq, clock, decay))
    } else {
        KeyHint::None
    }
}

/// `__rdbsaved count`: the save holds this shard's first `count` writes, which no longer count
/// as changes since the last save (Redis's `server.dirty -= dirty_before_save`).
fn saved(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let count = std::str::from_utf8(args.get(1))
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0);
    ctx.ks.dirty = ctx.ks.dirty.saturating_sub(count);
    // The counter moved, the data did not: nothing to record.
    ctx.ks.effects.suppress();
    reply.ok();
}
