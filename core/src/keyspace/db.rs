//! One logical database (SELECT's index) of one shard: its keys, their expiry, their watchers.

use hashbrown::HashMap;

use super::evict::{lfu_new, lfu_touch, Tracking, LFU_INIT_VAL};
use super::table::{Lookup, SegTable, Slot};
use super::value::Value;

/// What the table stores for a key besides the key itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The value.
    pub value: Value,
    /// Absolute expiry in Unix milliseconds; 0 when the key does not expire.
    pub expire_at: u64,
    /// Last access, in seconds of the shard's LRU clock (OBJECT IDLETIME).
    pub access: u32,
    /// The LFU data, as Redis's: the minute of the last access (16 bits) then a logarithmic
    /// access counter (8 bits); see [`super::evict`].
    pub freq: u32,
}

impl Entry {
    /// A fresh entry without expiry.
    pub fn new(value: Value) -> Entry {
        Entry {
            value,
            expire_at: 0,
            access: 0,
            freq: LFU_INIT_VAL as u32,
        }
    }

    /// Starts loading the bytes of a value kept outside the entry (a string longer than fits
    /// inline), once the entry itself is in cache or on its way.
    pub fn prefetch_value(&self) {
        self.value.prefetch();
    }

    /// True when the key's time has passed at `now_ms`.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.expire_at != 0 && self.expire_at <= now_ms
    }
}

/// A token naming one WATCH of one client, unique in the node.
pub type WatcherId = u64;

/// One database of a shard.
#[derive(Default)]
pub struct Db {
    table: SegTable<Entry>,
    volatile: usize,
    watched: HashMap<Box<[u8]>, Vec<WatcherId>>,
    /// Watchers whose keys changed since they started watching (EXEC must fail for them).
    pub dirty_watchers: hashbrown::HashSet<WatcherId>,
    /// Where the expiry sweep resumes (a segment index).
    sweep_segment: usize,
    /// Keys removed because their time passed (INFO's expired_keys).
    pub expired_keys: u64,
    /// True while something keeps a log of writes: each key removed because its time passed
    /// is then named in `expired_now`, so the log can record its removal (as Redis records a
    /// DEL), and a replay, which expires nothing, reaches the same data.
    pub log_expired: bool,
    /// Keys removed because their time passed, not yet taken by the log.
    pub expired_now: Vec<Box<[u8]>>,
    /// The LRU clock (Unix seconds) stamped on keys as they are read or written.
    pub clock: u32,
    /// What an access does to a key's LFU data.
    pub tracking: Tracking,
    /// Feeds the LFU counter's coin flips (xorshift).
    rng: u64,
}

impl Db {
    /// Takes every key out (start-up moves keys between shards' keyspaces this way).
    pub fn drain(&mut self) -> Vec<(Box<[u8]>, Entry)> {
        let keys: Vec<Box<[u8]>> = self.table.iter().map(|s| s.key().into()).collect();
        let out = keys
            .into_iter()
            .filter_map(|k| {
                let e = self.table.remove(&k)?;
                Some((k, e))
            })
            .collect();
        self.volatile = 0;
        out
    }

    /// Number of keys, including expired ones not yet removed (as DBSIZE counts in Redis).
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when the database holds no key.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Number of keys with an expiry (INFO keyspace's `expires`).
    pub fn volatile_len(&self) -> usize {
        self.volatile
    }

    /// The table itself, for walks (SCAN, KEYS, snapshots).
    pub fn table(&self) -> &SegTable<Entry> {
        &self.table
    }

    /// Starts a snapshot of this database that lets writes go on (see
    /// [`SegTable::begin_snapshot`]); `encode` writes one key.
    pub fn begin_snapshot(&mut self, encode: super::table::SnapEncode<Entry>) {
        self.table.begin_snapshot(encode);
    }

    /// Writes at least `min` more keys into the snapshot; true once every key is written.
    pub fn snapshot_step(&mut self, min: usize) -> bool {
        self.table.snapshot_step(min)
    }

    /// The snapshot's bytes written since the last call.
    pub fn take_snapshot_bytes(&mut self) -> Vec<u8> {
        self.table.take_snapshot_bytes()
    }

    /// Ends the snapshot.
    pub fn end_snapshot(&mut self) {
        self.table.end_snapshot();
    }

    /// Looks a key up for reading; an expired key is removed and reads as absent.
    pub fn get(&mut self, key: &[u8], now_ms: u64) -> Option<&Entry> {
        self.get_mut_quiet(key, now_ms, false).map(|e| &*e)
    }

    /// The hash of `key` in this database's table, for [`Db::prefetch`].
    pub fn hash(&self, key: &[u8]) -> u64 {
        self.table.hash(key)
    }

    /// Starts loading the bucket of the key with hash `h` (see [`SegTable::prefetch`]);
    /// [`Db::prefetch_entry`] of what it returns starts loading the entry behind it.
    pub fn prefetch(&self, h: u64) -> Option<&crate::keyspace::table::Slot<Entry>> {
        self.table.prefetch(h)
    }

    /// Starts loading the entry behind a bucket [`Db::prefetch`] returned; returns the entry,
    /// for [`Entry::prefetch_value`].
    pub fn prefetch_entry(slot: &crate::keyspace::table::Slot<Entry>) -> &Entry {
        slot.prefetch();
        slot.value()
    }

    /// Looks a key up without removing it when expired (it reads as absent all the same).
    pub fn peek(&self, key: &[u8], now_ms: u64) -> Option<&Entry> {
        self.table
            .get(key)
            .map(|s| s.value())
            .filter(|e| !e.is_expired(now_ms))
    }

    /// Looks a key up to change it: watchers of the key are told it changed.
    pub fn get_mut(&mut self, key: &[u8], now_ms: u64) -> Option<&mut Entry> {
        self.signal(key);
        self.get_mut_quiet(key, now_ms, true)
    }

    /// The entry of `key` with its access noted; `write` when the caller changes more than
    /// the access data (a read does not: a snapshot in progress needs nothing from it).
    fn get_mut_quiet(&mut self, key: &[u8], now_ms: u64, write: bool) -> Option<&mut Entry> {
        // The fields are borrowed apart: the entry found is returned while an expired one's
        // removal is counted in the others.
        let Db {
            table,
            volatile,
            watched,
            dirty_watchers,
            expired_keys,
            log_expired,
            expired_now,
            clock,
            tracking,
            rng,
            ..
        } = self;
        match table.get_mut_unless(key, write, |e| e.is_expired(now_ms)) {
            Lookup::Absent => None,
            Lookup::Removed(_) => {
                signal_watchers(watched, dirty_watchers, key);
                *volatile -= 1;
                *expired_keys += 1;
                if *log_expired {
                    expired_now.push(key.into());
                }
                None
            }
            Lookup::Live(slot) => {
                let e = slot.value_mut();
                e.access = *clock;
                if tracking.lfu {
                    let rand = xorshift(rng);
                    e.freq = lfu_touch(e.freq, *clock, *tracking, rand);
                }
                Some(e)
            }
        }
    }

    /// True when the key exists (and has not expired).
    pub fn contains(&mut self, key: &[u8], now_ms: u64) -> bool {
        self.get(key, now_ms).is_some()
    }

    /// Sets a key's value and expiry (0: none), replacing whatever it held.
    pub fn set(&mut self, key: &[u8], value: Value, expire_at: u64) {
        let access = self.clock;
        self.set_entry(
            key,
            Entry {
                value,
                expire_at,
                access,
                freq: lfu_new(access),
            },
        );
    }

    /// Stores a whole entry under `key`, replacing whatever it held. A key that existed keeps
    /// its access frequency, as Redis's `dbSetValue` does under LFU: a new value is not a new
    /// key.
    pub fn set_entry(&mut self, key: &[u8], entry: Entry) {
        self.signal(key);
        let volatile = entry.expire_at != 0;
        let keep_freq = |old: &Entry, new: &mut Entry| new.freq = old.freq;
        if let Some(old) = self.table.insert_with(key, entry, keep_freq) {
            if old.expire_at != 0 {
                self.volatile -= 1;
            }
        }
        if volatile {
            self.volatile += 1;
        }
    }

    /// Replaces a key's value, keeping its expiry when it exists and has not expired.
    pub fn set_keep_ttl(&mut self, key: &[u8], value: Value, now_ms: u64) {
        match self.get_mut(key, now_ms) {
            Some(e) => e.value = value,
            None => self.set(key, value, 0),
        }
    }

    /// Removes a key; returns its entry when it existed (and had not expired).
    pub fn remove(&mut self, key: &[u8], now_ms: u64) -> Option<Entry> {
        let entry = self.table.remove(key)?;
        self.signal(key);
        if entry.expire_at != 0 {
            self.volatile -= 1;
        }
        if entry.is_expired(now_ms) {
            self.expired_keys += 1;
            if self.log_expired {
                self.expired_now.push(key.into());
            }
            None
        } else {
            Some(entry)
        }
    }

    /// Changes a key's expiry (0 removes it). Returns false when the key does not exist.
    pub fn set_expire(&mut self, key: &[u8], expire_at: u64, now_ms: u64) -> bool {
        let Some(e) = self.get_mut(key, now_ms) else {
            return false;
        };
        let was = e.expire_at != 0;
        e.expire_at = expire_at;
        match (was, expire_at != 0) {
            (false, true) => self.volatile += 1,
            (true, false) => self.volatile -= 1,
            _ => {}
        }
        true
    }

    /// Removes every key (watchers of existing keys are told).
    pub fn clear(&mut self) {
        if !self.watched.is_empty() {
            let keys: Vec<Box<[u8]>> = self.watched.keys().cloned().collect();
            for k in keys {
                if self.table.get(&k).is_some() {
                    self.signal(&k);
                }
            }
        }
        self.table.clear();
        self.volatile = 0;
        self.sweep_segment = 0;
    }

    /// Swaps the contents of two databases; watchers stay with their database.
    pub fn swap_contents(&mut self, other: &mut Db) {
        // A snapshot in progress writes both databases as they were, and each image stays
        // with its database number.
        self.table.snapshot_flush();
        other.table.snapshot_flush();
        std::mem::swap(&mut self.table, &mut other.table);
        self.table.swap_snapshots(&mut other.table);
        std::mem::swap(&mut self.volatile, &mut other.volatile);
        self.signal_all();
        other.signal_all();
    }

    fn signal_all(&mut self) {
        for watchers in self.watched.values() {
            self.dirty_watchers.extend(watchers.iter().copied());
        }
    }

    /// Tells the watchers of `key` that it changed.
    pub fn signal(&mut self, key: &[u8]) {
        signal_watchers(&self.watched, &mut self.dirty_watchers, key);
    }

    /// Starts watching `key` for `watcher`. An already expired key counts as absent.
    pub fn watch(&mut self, key: &[u8], watcher: WatcherId) {
        let list = self.watched.entry(key.into()).or_default();
        if !list.contains(&watcher) {
            list.push(watcher);
        }
    }

    /// Stops every watch of `watcher` in this database.
    pub fn unwatch(&mut self, watcher: WatcherId) {
        self.watched.retain(|_, list| {
            list.retain(|&w| w != watcher);
            !list.is_empty()
        });
        self.dirty_watchers.remove(&watcher);
    }

    /// Removes expired keys from a few segments, as Redis's active expire cycle does; returns how
    /// many keys were removed. Stops after `budget` entries were looked at.
    pub fn sweep_expired(
        &mut self,
        now_ms: u64,
        budget: usize,
        mut on_expire: impl FnMut(&[u8]),
    ) -> usize {
        if self.volatile == 0 {
            return 0;
        }
        let segments = self.table.segment_count();
        let mut looked = 0;
        let mut removed_keys: Vec<Box<[u8]>> = Vec::new();
        let mut removed = 0;
        for _ in 0..segments {
            if looked >= budget {
                break;
            }
            let seg = self.sweep_segment % segments;
            self.sweep_segment = (seg + 1) % segments;
            // The keys are named for the watchers, and for the log of writes.
            let watched = !self.watched.is_empty() || self.log_expired;
            removed += self.table_retain(seg, |s: &mut Slot<Entry>| {
                looked += 1;
                if s.value().is_expired(now_ms) {
                    on_expire(s.key());
                    if watched {
                        removed_keys.push(s.key().into());
                    }
                    false
                } else {
                    true
                }
            });
        }
        for k in removed_keys {
            if !self.watched.is_empty() {
                self.signal(&k);
            }
            if self.log_expired {
                self.expired_now.push(k);
            }
        }
        self.volatile -= removed;
        self.expired_keys += removed as u64;
        removed
    }

    fn table_retain(&mut self, seg: usize, keep: impl FnMut(&mut Slot<Entry>) -> bool) -> usize {
        self.table.retain_segment(seg, keep)
    }

    /// A random key that has not expired, from `rand`.
    pub fn random_key(&self, rand: u64, now_ms: u64) -> Option<&[u8]> {
        for attempt in 0..100u64 {
            let r = rand.wrapping_add(attempt.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let slot = self.table.random(r)?;
            if !slot.value().is_expired(now_ms) || attempt == 99 {
                return Some(slot.key());
            }
        }
        None
    }
}

/// Tells the watchers of `key`, if any, that it changed.
fn signal_watchers(
    watched: &HashMap<Box<[u8]>, Vec<WatcherId>>,
    dirty: &mut hashbrown::HashSet<WatcherId>,
    key: &[u8],
) {
    if watched.is_empty() {
        return;
    }
    if let Some(w) = watched.get(key) {
        dirty.extend(w.iter().copied());
    }
}

/// A fresh random number for the LFU counter from the state `rng` (xorshift, seeded on first
/// use).
fn xorshift(rng: &mut u64) -> u64 {
    let mut x = *rng;
    if x == 0 {
        x = 0x9e37_79b9_7f4a_7c15;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *rng = x;
    x
}
