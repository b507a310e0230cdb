//! Prefetching for batches of commands: the keys a batch will read are looked up ahead, so their
//! cache misses are in flight together instead of stalling each command in turn.
//!
//! A lookup misses up to three times on a large keyspace: the segment's bucket, the entry it
//! points to, and a value that lives outside its entry. Commands run one after another, so
//! without help those misses queue up: on this kind of machine they were a third of the time
//! of a pipelined GET. Here the keys are hashed first, then prefetched in tight loops (buckets
//! and entries, then values), where the CPU overlaps the loads of many keys.

use tessera_core::commands;
use tessera_core::keyspace::table::Slot;
use tessera_core::keyspace::{Db, Entry, Keyspace};
use tessera_core::protocol::Args;
use tessera_core::slot;

use crate::mesh::{Batch, Item};
use crate::shard::Shard;

/// Most keys warmed at once.
const AHEAD: usize = 64;

/// Databases smaller than this stay in the CPU's caches anyway: looking ahead would only parse
/// every command twice.
const MIN_KEYS: usize = 8192;

/// Keys to warm: (database, hash) pairs.
struct Keys {
    hashes: [(usize, u64); AHEAD],
    count: usize,
}

impl Keys {
    fn new() -> Keys {
        Keys {
            hashes: [(0, 0); AHEAD],
            count: 0,
        }
    }

    fn full(&self) -> bool {
        self.count == AHEAD
    }

    /// Adds a key's hash.
    fn push(&mut self, db: usize, h: u64) {
        self.hashes[self.count] = (db, h);
        self.count += 1;
    }

    /// Starts loading every key's bucket, then every entry, then the values outside their
    /// entries: each pass reads what the one before started loading, by then arrived or on its
    /// way, so the misses of all the keys overlap.
    fn warm(&self, ks: &Keyspace) {
        let mut slots: [Option<&Slot<Entry>>; AHEAD] = [None; AHEAD];
        for (slot, &(db, h)) in slots.iter_mut().zip(&self.hashes[..self.count]) {
            *slot = ks.dbs[db].prefetch(h);
        }
        let mut entries: [Option<&Entry>; AHEAD] = [None; AHEAD];
        for (entry, slot) in entries.iter_mut().zip(&slots[..self.count]) {
            *entry = slot.map(Db::prefetch_entry);
        }
        for entry in entries[..self.count].iter().flatten() {
            entry.prefetch_value();
        }
    }
}

/// True when connection `idx`'s database is large enough for warming its pipelines' keys to
/// pay (see [`MIN_KEYS`]).
pub fn worth_warming(sh: &Shard, idx: usize) -> bool {
    sh.conns[idx]
        .as_ref()
        .and_then(|c| sh.ks.dbs.get(c.db))
        .is_some_and(|d| d.len() >= MIN_KEYS)
}

/// Warms the keys that a window of parsed commands of connection `idx` names and this shard
/// owns, before they run.
pub fn warm_commands<'a>(
    sh: &Shard,
    idx: usize,
    commands: impl Iterator<Item = (Args<'a>, &'static commands::Command)>,
) {
    let Some(db) = sh.conns[idx].as_ref().map(|c| c.db) else {
        return;
    };
    let shards = sh.node.shards;
    let owned = |key: &[u8]| shards == 1 || slot::slot_shard(slot::key_slot(key), shards) == sh.id;
    let Some(table) = sh.ks.dbs.get(db) else {
        return;
    };
    let mut keys = Keys::new();
    // A pipeline that names one key again and again warms it once.
    let mut last: Option<&[u8]> = None;
    for (args, cmd) in commands {
        for k in cmd.keys.key_indexes(&args) {
            let key = args.get(k);
            if keys.full() {
                break;
            }
            if last != Some(key) && owned(key) {
                keys.push(db, table.hash(key));
            }
            last = Some(key);
        }
    }
    keys.warm(&sh.ks);
}

/// The keys of the commands a peer sent in a batch (they live here: that is why they came),
/// warmed a window at a time as the calls run: a batch holds up to hundreds of calls, far more
/// than one window.
#[derive(Default)]
pub struct CallKeys {
    hashes: Vec<(usize, u64)>,
    spans: Vec<std::ops::Range<usize>>,
    warmed: usize,
    run: usize,
}

impl CallKeys {
    /// Hashes the keys of every call in `batch` and warms the first window.
    pub fn start(&mut self, sh: &Shard, batch: &Batch) {
        self.hashes.clear();
        self.warmed = 0;
        self.run = 0;
        if batch.calls() < 2 || sh.ks.dbs.iter().all(|d| d.len() < MIN_KEYS) {
            return;
        }
        let mut spans = std::mem::take(&mut self.spans);
        let mut pos = 0;
        while let Some(item) = batch.next_item(&mut pos, &mut spans) {
            let Item::Call(call) = item else { continue };
            let args = Args::new(batch.data(), &spans);
            if args.is_empty() {
                continue;
            }
            let (Some(cmd), Some(table)) = (
                commands::lookup(args.get(0)),
                sh.ks.dbs.get(call.db as usize),
            ) else {
                continue;
            };
            for k in cmd.keys.key_indexes(&args) {
                self.hashes
                    .push((call.db as usize, table.hash(args.get(k))));
            }
        }
        self.spans = spans;
        self.warm_next(&sh.ks, AHEAD);
    }

    /// A call is about to run: keeps the warmed keys half a window to a window ahead of it.
    pub fn next_call(&mut self, ks: &Keyspace) {
        self.run += 1;
        if self.run.is_multiple_of(AHEAD / 2) {
            self.warm_next(ks, AHEAD / 2);
        }
    }

    fn warm_next(&mut self, ks: &Keyspace, n: usize) {
        let end = (self.warmed + n).min(self.hashes.len());
        if self.warmed >= end {
            return;
        }
        let mut keys = Keys::new();
        for &h in &self.hashes[self.warmed..end] {
            keys.hashes[keys.count] = h;
            keys.count += 1;
        }
        keys.warm(ks);
        self.warmed = end;
    }
}
