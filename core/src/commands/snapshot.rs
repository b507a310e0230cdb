//! The shard side of SAVE: a shard encodes its own keys in RDB form, a run of segments at a
//! time, and hands the bytes to the shard writing the file (`tessera-io` drives the walk while
//! every shard holds off writes, so the walk sees each key once).

use super::flags::*;
use super::{cmd, Command, Ctx, KeySpec, Run, Span};
use crate::keyspace::evict::{lfu_counter, Policy};
use crate::keyspace::rdb_key::{KeyEncoder, KeyHint};
use crate::keyspace::Entry;
use crate::protocol::{Args, Reply};

/// The internal commands of a save.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("__rdbsizes", 1, READONLY | INTERNAL, KeySpec::None, Span::Single, Run::Shard(sizes), "server", "Internal: each database's key and expiry counts, then the writes since the last save."),
    cmd("__rdbchunk", 2, READONLY | INTERNAL, KeySpec::None, Span::Single, Run::Shard(chunk), "server", "Internal: the keys of the next segments of the selected database, in RDB form."),
    cmd("__rdbsaved", 2, WRITE | INTERNAL, KeySpec::None, Span::Single, Run::Shard(saved), "server", "Internal: a save holding this shard's writes up to the given count succeeded."),
];

/// Keys a chunk holds at least (fewer at the end): enough to make each trip between shards
/// worth it, few enough to keep the bytes in flight small.
const CHUNK_KEYS: usize = 1024;

/// `__rdbsizes`: an array of 2 x databases + 1 integers: keys and keys with an expiry for each
/// database, then the shard's count of writes (`rdb_changes_since_last_save`).
fn sizes(ctx: &mut Ctx<'_>, _args: &Args<'_>, reply: &mut Reply<'_>) {
    reply.array(ctx.ks.dbs.len() * 2 + 1);
    for db in &ctx.ks.dbs {
        reply.int(db.len() as i64);
        reply.int(db.volatile_len() as i64);
    }
    reply.int(ctx.ks.dirty as i64);
}

/// `__rdbchunk segment`: a bulk string of the next segment to ask for (8 bytes, little endian;
/// all ones when the database is done), the number of keys (8 bytes), then the keys as an RDB
/// file holds them. Keys whose time has passed are left out, as a load would drop them.
fn chunk(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let Some(segment) = std::str::from_utf8(args.get(1))
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
    else {
        return reply.error(crate::errors::SYNTAX);
    };
    let now = ctx.now_ms;
    let clock = (now / 1000) as u32;
    let policy = ctx.config.maxmemory_policy;
    let decay = ctx.config.tracking().decay_time;
    let mut encoder = KeyEncoder::new(ctx.config.rdbcompression);
    let mut out = vec![0u8; 16];
    let mut keys = 0u64;
    let db = &ctx.ks.dbs[ctx.db];
    let next = db.table().visit_segments(segment, CHUNK_KEYS, |slot| {
        let entry: &Entry = slot.value();
        if entry.is_expired(now) {
            return;
        }
        let hint = hint(entry, policy, clock, decay);
        encoder.key(&mut out, slot.key(), &entry.value, entry.expire_at, hint);
        keys += 1;
    });
    out[..8].copy_from_slice(&next.map_or(u64::MAX, |n| n as u64).to_le_bytes());
    out[8..16].copy_from_slice(&keys.to_le_bytes());
    reply.bulk(&out);
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
    reply.ok();
}
