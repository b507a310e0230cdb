//! Prefetching for batches of commands: the keys a batch will read are looked up ahead, so their
//! cache misses are in flight together instead of stalling each command in turn.
//!
//! A lookup misses up to three times on a large keyspace: the segment's bucket, the entry it
//! points to, and a value that lives outside its entry. Commands run one after another, so
//! without help those misses queue up: on this kind of machine they were a third of the time
//! of a pipelined GET. Here the keys are hashed first, then prefetched in tight loops (buckets
//! and entries, then values), where the CPU overlaps the loads of many keys.

use tessera_core::commands::{self, Command};
use tessera_core::keyspace::{Entry, Keyspace};
use tessera_core::protocol::{self, Args, Parsed};
use tessera_core::slot;

use crate::mesh::{Batch, Msg};
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

    /// Adds the keys of one command that `owned` says live here.
    fn add(
        &mut self,
        ks: &Keyspace,
        db: usize,
        cmd: &Command,
        args: &Args<'_>,
        owned: impl Fn(&[u8]) -> bool,
    ) {
        let Some(table) = ks.dbs.get(db) else {
            return;
        };
        for k in cmd.keys.key_indexes(args) {
            let key = args.get(k);
            if self.full() {
                return;
            }
            if owned(key) {
                self.hashes[self.count] = (db, table.hash(key));
                self.count += 1;
            }
        }
    }

    /// Starts loading every key's bucket and entry, then the values outside their entries.
    fn warm(&self, ks: &Keyspace) {
        let mut entries: [Option<&Entry>; AHEAD] = [None; AHEAD];
        for (entry, &(db, h)) in entries.iter_mut().zip(&self.hashes[..self.count]) {
            *entry = ks.dbs[db].prefetch(h);
        }
        for entry in entries[..self.count].iter().flatten() {
            entry.prefetch_value();
        }
    }
}

/// When `buf` holds several commands of connection `idx` (a pipeline), warms the keys they name
/// that this shard owns. A buffer with a single command is left alone: nothing to overlap.
pub fn pipeline(
    sh: &Shard,
    idx: usize,
    buf: &[u8],
    spans: &mut Vec<std::ops::Range<usize>>,
    scratch: &mut Vec<u8>,
) {
    let Some(db) = sh.conns[idx].as_ref().map(|c| c.db) else {
        return;
    };
    if sh.ks.dbs.get(db).is_none_or(|d| d.len() < MIN_KEYS) {
        return;
    }
    let shards = sh.node.shards;
    let owned = |key: &[u8]| shards == 1 || slot::slot_shard(slot::key_slot(key), shards) == sh.id;
    let mut keys = Keys::new();
    let mut pos = 0;
    while pos < buf.len() && !keys.full() {
        let Ok(Parsed::Command {
            consumed,
            source: protocol::ArgSource::Input,
        }) = protocol::parse_request(&buf[pos..], spans, scratch, &sh.limits)
        else {
            break;
        };
        if pos == 0 && consumed == buf.len() {
            return;
        }
        let args = Args::new(&buf[pos..pos + consumed], spans);
        if let Some(cmd) = (!args.is_empty())
            .then(|| commands::lookup(args.get(0)))
            .flatten()
        {
            keys.add(&sh.ks, db, cmd, &args, owned);
        }
        pos += consumed;
    }
    keys.warm(&sh.ks);
}

/// The keys of the commands a peer sent in a batch (they live here: that is why they came),
/// warmed a window at a time as the calls run: a batch holds up to hundreds of calls, far more
/// than one window.
#[derive(Default)]
pub struct CallKeys {
    hashes: Vec<(usize, u64)>,
    warmed: usize,
    run: usize,
}

impl CallKeys {
    /// Hashes the keys of every call in `batch` and warms the first window.
    pub fn start(&mut self, sh: &Shard, batch: &Batch) {
        self.hashes.clear();
        self.warmed = 0;
        self.run = 0;
        if batch.msgs.len() < 2 || sh.ks.dbs.iter().all(|d| d.len() < MIN_KEYS) {
            return;
        }
        for msg in &batch.msgs {
            let Msg::Call(call) = msg else { continue };
            let (bytes, spans) = batch.call_args(call);
            if spans.is_empty() {
                continue;
            }
            let args = Args::new(bytes, spans);
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
