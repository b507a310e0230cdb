//! Eviction under `maxmemory`: the policies, the access data each key carries (Redis's LRU
//! clock and its logarithmic LFU counter), and Redis's sampled approximation of the key to drop.
//!
//! Why sampled: an exact LRU or LFU order costs a list or heap node per key and work on every
//! read. Redis instead keeps a few bits per key and, when memory is short, samples
//! `maxmemory-samples` keys per database into a small pool of the best candidates seen so far,
//! and evicts the best of the pool. This module does the same over one shard's keys; the shard
//! decides when memory is short (the io layer owns the allocator's counters).

use super::db::{Db, Entry};
use super::Keyspace;

/// `maxmemory-policy`: what to drop once memory is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Policy {
    /// Refuse writes that would need memory (Redis's default).
    #[default]
    NoEviction,
    /// Least recently used among all keys.
    AllKeysLru,
    /// Least frequently used among all keys.
    AllKeysLfu,
    /// Any key.
    AllKeysRandom,
    /// Least recently used among keys with an expiry.
    VolatileLru,
    /// Least frequently used among keys with an expiry.
    VolatileLfu,
    /// Any key with an expiry.
    VolatileRandom,
    /// The key with an expiry that comes soonest.
    VolatileTtl,
}

/// The policies in the order Redis's CONFIG SET error lists them.
const POLICIES: [(Policy, &str); 8] = [
    (Policy::VolatileLru, "volatile-lru"),
    (Policy::VolatileLfu, "volatile-lfu"),
    (Policy::VolatileRandom, "volatile-random"),
    (Policy::VolatileTtl, "volatile-ttl"),
    (Policy::AllKeysLru, "allkeys-lru"),
    (Policy::AllKeysLfu, "allkeys-lfu"),
    (Policy::AllKeysRandom, "allkeys-random"),
    (Policy::NoEviction, "noeviction"),
];

impl Policy {
    /// Reads a policy name as redis.conf spells it (any case).
    pub fn parse(name: &str) -> Result<Policy, String> {
        POLICIES
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(p, _)| *p)
            .ok_or_else(|| {
                let names: Vec<&str> = POLICIES.iter().map(|(_, n)| *n).collect();
                format!(
                    "argument(s) must be one of the following: {}",
                    names.join(", ")
                )
            })
    }

    /// The name CONFIG GET and INFO show.
    pub fn name(self) -> &'static str {
        POLICIES
            .iter()
            .find(|(p, _)| *p == self)
            .map_or("noeviction", |(_, n)| n)
    }

    /// True when keys carry an access frequency instead of an idle time.
    pub fn is_lfu(self) -> bool {
        matches!(self, Policy::AllKeysLfu | Policy::VolatileLfu)
    }

    /// True when keys carry an idle time that ranks them (OBJECT REFCOUNT stops sharing).
    pub fn is_lru(self) -> bool {
        matches!(self, Policy::AllKeysLru | Policy::VolatileLru)
    }

    /// True when only keys with an expiry may go.
    pub fn volatile_only(self) -> bool {
        matches!(
            self,
            Policy::VolatileLru
                | Policy::VolatileLfu
                | Policy::VolatileRandom
                | Policy::VolatileTtl
        )
    }

    fn random(self) -> bool {
        matches!(self, Policy::AllKeysRandom | Policy::VolatileRandom)
    }
}

/// Redis's `LFU_INIT_VAL`: the counter of a key just created, so that a new key is not the
/// first to go.
pub const LFU_INIT_VAL: u8 = 5;

/// What each access does to a key's access data: Redis keeps a frequency under the LFU
/// policies and only an idle time otherwise.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tracking {
    /// Update the LFU counter on access.
    pub lfu: bool,
    /// `lfu-log-factor`: how many hits it takes to grow the counter (logarithmically).
    pub log_factor: u32,
    /// `lfu-decay-time`: minutes of idleness that take one from the counter (0: never).
    pub decay_time: u32,
}

/// The minute clock of the LFU data: Unix minutes modulo 2^16, as Redis's `LFUGetTimeInMinutes`.
pub fn lfu_minutes(now_secs: u32) -> u32 {
    (now_secs / 60) & 0xFFFF
}

/// The access data of a key created at `now_secs`: counter `LFU_INIT_VAL`, stamped now.
pub fn lfu_new(now_secs: u32) -> u32 {
    (lfu_minutes(now_secs) << 8) | LFU_INIT_VAL as u32
}

/// A key's LFU counter after the decay its idleness earned (Redis's `LFUDecrAndReturn`).
pub fn lfu_counter(freq: u32, now_secs: u32, decay_time: u32) -> u8 {
    let stamped = freq >> 8;
    let counter = (freq & 0xFF) as u8;
    let now = lfu_minutes(now_secs);
    let elapsed = if now >= stamped {
        now - stamped
    } else {
        0xFFFF - stamped + now
    };
    let periods = elapsed.checked_div(decay_time).unwrap_or(0);
    counter.saturating_sub(periods.min(255) as u8)
}

/// The access data after one more access: decayed, then grown with probability
/// 1 / ((counter - LFU_INIT_VAL) * log_factor + 1), as Redis's `updateLFU`. `rand` is any
/// random 64-bit number.
pub fn lfu_touch(freq: u32, now_secs: u32, tracking: Tracking, rand: u64) -> u32 {
    let mut counter = lfu_counter(freq, now_secs, tracking.decay_time);
    if counter < 255 {
        let base = counter.saturating_sub(LFU_INIT_VAL) as f64;
        let p = 1.0 / (base * tracking.log_factor as f64 + 1.0);
        let r = (rand >> 11) as f64 / (1u64 << 53) as f64;
        if r < p {
            counter += 1;
        }
    }
    (lfu_minutes(now_secs) << 8) | counter as u32
}

/// Candidates kept between evictions, as Redis's `EVPOOL_SIZE`.
const POOL_SIZE: usize = 16;

/// One candidate: its rank (higher goes first), where it lives, and its key.
struct Candidate {
    score: u64,
    db: usize,
    /// The address of the entry sampled: a key sampled twice is the same entry, found without
    /// comparing keys. (An address reused by a later entry only costs that entry a place.)
    entry: usize,
    /// Reused by the next candidate when this one drops out (Redis keeps the pool's key buffers
    /// too).
    key: Vec<u8>,
}

/// The best candidates sampled so far, in ascending order of score (Redis's eviction pool).
#[derive(Default)]
pub struct EvictionPool {
    entries: Vec<Candidate>,
}

impl EvictionPool {
    /// Offers a sampled key, `entry` being its entry's address; it stays if the pool has room
    /// or it ranks above the worst.
    fn offer(&mut self, score: u64, db: usize, entry: &Entry, key: &[u8]) {
        let entry = entry as *const Entry as usize;
        let at = self.entries.partition_point(|c| c.score < score);
        let full = self.entries.len() == POOL_SIZE;
        if full && at == 0 {
            return;
        }
        if self.entries.iter().any(|c| c.entry == entry && c.db == db) {
            return;
        }
        let (mut candidate, at) = if full {
            (self.entries.remove(0), at - 1)
        } else {
            let key = Vec::with_capacity(key.len());
            let c = Candidate {
                score,
                db,
                entry,
                key,
            };
            (c, at)
        };
        candidate.score = score;
        candidate.db = db;
        candidate.entry = entry;
        candidate.key.clear();
        candidate.key.extend_from_slice(key);
        self.entries.insert(at, candidate);
    }

    /// Forgets every candidate (after FLUSHALL, SWAPDB, a policy change).
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// How a sampled key ranks under `policy` (higher goes first), as Redis's
/// `evictionPoolPopulate`: idle milliseconds, 255 minus the LFU counter, or the time left
/// turned upside down.
fn score(policy: Policy, e: &Entry, now_secs: u32, decay_time: u32) -> u64 {
    match policy {
        Policy::AllKeysLfu | Policy::VolatileLfu => {
            255 - lfu_counter(e.freq, now_secs, decay_time) as u64
        }
        Policy::VolatileTtl => u64::MAX - e.expire_at,
        _ => now_secs.wrapping_sub(e.access) as u64 * 1000,
    }
}

/// How many entries a sample of `n` may look at in `d`: two segments' worth, or, when only keys
/// with an expiry count and they are sparse, enough to find `n` of them four times over on average
/// (the keys themselves carry their expiry; there is no separate index of them to sample).
fn budget(d: &Db, n: usize, volatile: bool) -> usize {
    let base = 2 * super::table::SEGMENT_MAX;
    if !volatile {
        return base;
    }
    let wanted = (n * d.len() / d.volatile_len().max(1)).saturating_mul(4);
    wanted.clamp(base, d.len().max(base))
}

/// What one eviction needs to know besides the keyspace.
#[derive(Clone, Copy, Debug)]
pub struct EvictParams {
    /// The policy.
    pub policy: Policy,
    /// `maxmemory-samples`: keys sampled per database per round.
    pub samples: usize,
    /// `lfu-decay-time`, to rank LFU counters as they are now.
    pub decay_time: u32,
}

impl Keyspace {
    /// Evicts one key as `params.policy` chooses; returns the database it was in, or None when
    /// the policy finds nothing it may evict (noeviction, or no key with an expiry under a
    /// volatile policy). Watchers of the key are told, as for any deletion. `rand` is any
    /// random number.
    pub fn evict_one(&mut self, params: EvictParams, now_ms: u64, rand: u64) -> Option<usize> {
        self.evict_one_key(params, now_ms, rand).map(|(db, _)| db)
    }

    /// As [`Keyspace::evict_one`], naming the key evicted too (the log records its removal).
    pub fn evict_one_key(
        &mut self,
        params: EvictParams,
        now_ms: u64,
        rand: u64,
    ) -> Option<(usize, Box<[u8]>)> {
        if params.policy == Policy::NoEviction {
            return None;
        }
        let volatile = params.policy.volatile_only();
        let has = |d: &Db| {
            if volatile {
                d.volatile_len() > 0
            } else {
                !d.is_empty()
            }
        };
        if !self.dbs.iter().any(has) {
            return None;
        }
        let (db, key) = if params.policy.random() {
            self.random_victim(volatile, rand)?
        } else {
            self.pooled_victim(params, now_ms, rand)?
        };
        self.dbs[db].remove(&key, now_ms);
        self.evicted_keys += 1;
        Some((db, key))
    }

    /// A random key (with an expiry under volatile-random), the databases taken in turn.
    fn random_victim(&mut self, volatile: bool, rand: u64) -> Option<(usize, Box<[u8]>)> {
        let n = self.dbs.len();
        for i in 0..n * 4 {
            let rand = rand.rotate_left(i as u32 * 13);
            let db = (self.next_evict_db + i) % n;
            let d = &self.dbs[db];
            let mut found = None;
            d.table().sample(
                rand,
                1,
                budget(d, 1, volatile),
                |s| !volatile || s.value().expire_at != 0,
                |s| found = Some(s.key().into()),
            );
            if let Some(key) = found {
                self.next_evict_db = (db + 1) % n;
                return Some((db, key));
            }
        }
        None
    }

    /// The best key of the pool once every database has added its samples.
    fn pooled_victim(
        &mut self,
        params: EvictParams,
        now_ms: u64,
        rand: u64,
    ) -> Option<(usize, Box<[u8]>)> {
        let volatile = params.policy.volatile_only();
        let now_secs = (now_ms / 1000) as u32;
        // A few rounds: a pool emptied by keys deleted since they were sampled refills.
        for round in 0..8u64 {
            let r = rand.wrapping_add(round.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            for (i, d) in self.dbs.iter().enumerate() {
                if (volatile && d.volatile_len() == 0) || d.is_empty() {
                    continue;
                }
                let pool = &mut self.pool;
                d.table().sample(
                    r.rotate_left(i as u32 * 7),
                    params.samples,
                    budget(d, params.samples, volatile),
                    |s| !volatile || s.value().expire_at != 0,
                    |s| {
                        pool.offer(
                            score(params.policy, s.value(), now_secs, params.decay_time),
                            i,
                            s.value(),
                            s.key(),
                        )
                    },
                );
            }
            while let Some(best) = self.pool.entries.pop() {
                let alive = self.dbs[best.db]
                    .table()
                    .get(&best.key)
                    .is_some_and(|s| !volatile || s.value().expire_at != 0);
                if alive {
                    return Some((best.db, best.key.into_boxed_slice()));
                }
            }
        }
        None
    }
}

#[cfg(test)]
#[path = "evict_tests.rs"]
mod tests;
