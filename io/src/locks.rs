//! A shard's intent locks: which keys multi-shard transactions hold or wait for, so that no
//! other command ever sees one of them half done.
//!
//! Keys are locked by fingerprint (a hash of database and key): shared for reads, exclusive for
//! writes; a whole-shard lock serves commands that concern every key (FLUSHALL, DBSIZE, KEYS).
//! Requests are granted in arrival order: one that conflicts with a held lock, or with a request
//! that arrived before it, waits. Transactions ask shards in ascending shard order, so no two of
//! them can wait for each other. A shard with no lock held and none waiting (the usual case)
//! answers every check without hashing anything.

use std::collections::VecDeque;

use hashbrown::HashMap;

/// Names one transaction in the node: its coordinator shard in the top bits, then a counter.
pub type TxId = u64;

/// What one operation locks on one shard.
#[derive(Clone, Debug, Default)]
pub struct Footprint {
    /// Key fingerprints and whether each is exclusive.
    pub keys: Vec<(u64, bool)>,
    /// A lock on the whole shard: Some(true) exclusive, Some(false) shared.
    pub whole: Option<bool>,
}

impl Footprint {
    /// True when it may write: an exclusive lock on a key or on the whole shard.
    pub fn exclusive(&self) -> bool {
        self.whole == Some(true) || self.keys.iter().any(|k| k.1)
    }

    /// True when the two footprints cannot run at the same time.
    pub fn conflicts(&self, other: &Footprint) -> bool {
        match (self.whole, other.whole) {
            (Some(true), _) | (_, Some(true)) => return true,
            (Some(false), _) => return other.keys.iter().any(|k| k.1),
            (_, Some(false)) => return self.keys.iter().any(|k| k.1),
            _ => {}
        }
        self.keys
            .iter()
            .any(|a| other.keys.iter().any(|b| a.0 == b.0 && (a.1 || b.1)))
    }
}

#[derive(Default, Clone, Copy)]
struct Held {
    shared: u32,
    exclusive: u32,
}

/// A request waiting for its locks, with what to do once granted.
pub struct Waiting<W> {
    /// What it will lock.
    pub footprint: Footprint,
    /// The transaction that holds the locks once granted; None for a single command, which runs
    /// at once when granted and holds nothing afterwards.
    pub tx: Option<TxId>,
    /// What the shard does on grant.
    pub work: W,
}

/// The lock table of one shard. `W` is the shard's deferred work type.
pub struct Locks<W> {
    held: HashMap<u64, Held>,
    whole_shared: u32,
    whole_exclusive: u32,
    granted: HashMap<TxId, Footprint>,
    waiting: VecDeque<Waiting<W>>,
}

impl<W> Default for Locks<W> {
    fn default() -> Self {
        Locks {
            held: HashMap::new(),
            whole_shared: 0,
            whole_exclusive: 0,
            granted: HashMap::new(),
            waiting: VecDeque::new(),
        }
    }
}

impl<W> Locks<W> {
    /// True when nothing is held or waiting: every command may run at once.
    pub fn idle(&self) -> bool {
        self.granted.is_empty() && self.waiting.is_empty()
    }

    fn conflicts_held(&self, fp: &Footprint) -> bool {
        if self.whole_exclusive > 0 {
            return true;
        }
        match fp.whole {
            Some(true) => return !self.granted.is_empty(),
            Some(false) => {
                return self.held.values().any(|h| h.exclusive > 0);
            }
            None => {}
        }
        fp.keys.iter().any(|(k, excl)| {
            if *excl && self.whole_shared > 0 {
                return true;
            }
            self.held
                .get(k)
                .is_some_and(|h| h.exclusive > 0 || (*excl && h.shared > 0))
        })
    }

    /// True when an operation with this footprint must wait (a held lock or an earlier waiter
    /// conflicts with it).
    pub fn must_wait(&self, fp: &Footprint) -> bool {
        if self.idle() {
            return false;
        }
        self.conflicts_held(fp) || self.waiting.iter().any(|w| w.footprint.conflicts(fp))
    }

    fn take(&mut self, tx: TxId, fp: Footprint) {
        match fp.whole {
            Some(true) => self.whole_exclusive += 1,
            Some(false) => self.whole_shared += 1,
            None => {}
        }
        for &(k, excl) in &fp.keys {
            let h = self.held.entry(k).or_default();
            if excl {
                h.exclusive += 1;
            } else {
                h.shared += 1;
            }
        }
        self.granted.insert(tx, fp);
    }

    /// Grants the locks of `tx` now if nothing conflicts; else queues `work` to run on grant.
    /// Returns the work back when granted at once.
    pub fn acquire(&mut self, tx: TxId, fp: Footprint, work: W) -> Option<W> {
        if self.must_wait(&fp) {
            self.waiting.push_back(Waiting {
                footprint: fp,
                tx: Some(tx),
                work,
            });
            None
        } else {
            self.take(tx, fp);
            Some(work)
        }
    }

    /// Queues a single command that must wait; it is handed back by [`Locks::release`] when its
    /// turn comes.
    pub fn defer(&mut self, fp: Footprint, work: W) {
        self.waiting.push_back(Waiting {
            footprint: fp,
            tx: None,
            work,
        });
    }

    /// Releases the locks of `tx` and returns, in order, the waiting work that may now go on
    /// (transactions among it hold their locks from now on).
    pub fn release(&mut self, tx: TxId) -> Vec<W> {
        if let Some(fp) = self.granted.remove(&tx) {
            match fp.whole {
                Some(true) => self.whole_exclusive -= 1,
                Some(false) => self.whole_shared -= 1,
                None => {}
            }
            for (k, excl) in fp.keys {
                if let Some(h) = self.held.get_mut(&k) {
                    if excl {
                        h.exclusive -= 1;
                    } else {
                        h.shared -= 1;
                    }
                    if h.exclusive == 0 && h.shared == 0 {
                        self.held.remove(&k);
                    }
                }
            }
        }
        self.pump()
    }

    fn pump(&mut self) -> Vec<W> {
        let mut ready = Vec::new();
        let mut still: VecDeque<Waiting<W>> = VecDeque::new();
        while let Some(w) = self.waiting.pop_front() {
            let blocked = self.conflicts_held(&w.footprint)
                || still.iter().any(|s| s.footprint.conflicts(&w.footprint));
            if blocked {
                still.push_back(w);
            } else {
                if let Some(tx) = w.tx {
                    self.take(tx, w.footprint);
                }
                ready.push(w.work);
            }
        }
        self.waiting = still;
        ready
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(keys: &[(u64, bool)]) -> Footprint {
        Footprint {
            keys: keys.to_vec(),
            whole: None,
        }
    }

    #[test]
    fn conflicting_requests_wait_in_order() {
        let mut l: Locks<&str> = Locks::default();
        assert_eq!(l.acquire(1, fp(&[(10, true)]), "t1"), Some("t1"));
        assert!(l.must_wait(&fp(&[(10, false)])));
        assert!(!l.must_wait(&fp(&[(11, true)])));
        assert_eq!(l.acquire(2, fp(&[(10, true)]), "t2"), None);
        l.defer(fp(&[(10, false)]), "read");
        assert_eq!(l.release(1), vec!["t2"]);
        assert_eq!(l.release(2), vec!["read"]);
        assert!(l.idle());
    }

    #[test]
    fn shared_locks_coexist_and_whole_shard_excludes() {
        let mut l: Locks<u8> = Locks::default();
        assert!(l.acquire(1, fp(&[(1, false)]), 0).is_some());
        assert!(l.acquire(2, fp(&[(1, false)]), 0).is_some());
        let whole = Footprint {
            keys: vec![],
            whole: Some(true),
        };
        assert!(l.acquire(3, whole, 7).is_none());
        assert!(l.release(1).is_empty());
        assert_eq!(l.release(2), vec![7]);
    }
}
