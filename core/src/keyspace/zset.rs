//! The sorted set value: members ordered by (score, member), in one of Redis's two encodings.
//!
//! - `listpack` ([`packed`]): while the set has at most `zset-max-listpack-entries` members of
//!   at most `zset-max-listpack-value` bytes, all of it in one listpack, Redis's exact bytes.
//! - `skiplist` ([`sorted`]): past either threshold, an order-statistic treap in an arena with a
//!   hash index (OBJECT ENCODING still answers `skiplist`, the name clients know).
//!
//! A set moves to `skiplist` on the write that crosses a threshold and never back, except when
//! it is loaded (RESTORE, RDB, a value gathered from another shard), where the encoding is
//! chosen for its size as Redis's `rdbLoadObject` does.
//!
//! Ranges are given as rank intervals: the commands turn score and lex bounds into ranks with
//! [`ZSet::count_prefix`], then walk, copy or cut the interval.

mod packed;
mod rdb;
pub mod score;
mod sorted;

use std::ops::Range;

use super::listpack::Listpack;
use crate::config::Config;
use sorted::Sorted;

/// The encoding thresholds of the configuration, as one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `zset-max-listpack-entries`.
    pub max_entries: usize,
    /// `zset-max-listpack-value`.
    pub max_value: usize,
}

impl Limits {
    /// The thresholds `config` sets.
    pub fn of(config: &Config) -> Limits {
        Limits {
            max_entries: usize::try_from(config.zset_max_listpack_entries).unwrap_or(usize::MAX),
            max_value: usize::try_from(config.zset_max_listpack_value).unwrap_or(usize::MAX),
        }
    }
}

/// A sorted set value: 16 bytes, so that a [`super::Value`] holds it without a box (a small
/// one is then one exact allocation, its listpack's entries, besides its key's slot).
#[derive(Clone, Debug, PartialEq)]
pub struct ZSet(Repr);

const _: () = assert!(std::mem::size_of::<ZSet>() == 16);

#[derive(Clone, Debug, PartialEq)]
enum Repr {
    Packed(Listpack),
    Sorted(Box<Sorted>),
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::new()
    }
}

impl ZSet {
    /// RDB object types this value is written as and read from.
    pub const RDB_TYPES: &'static [u8] = rdb::TYPES;

    /// An empty set, packed (ZADD and ZRANGESTORE start so; the first insert may convert it).
    pub fn new() -> ZSet {
        ZSet(Repr::Packed(Listpack::new()))
    }

    /// A set of `items`, which are in (score, member) order without duplicates, encoded as
    /// Redis encodes the result of ZUNIONSTORE and its kin (`zsetConvertToListpackIfNeeded`).
    pub fn from_sorted(items: Vec<(Vec<u8>, f64)>, limits: Limits) -> ZSet {
        let longest = items.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
        let total = items
            .iter()
            .map(|(m, _)| m.len())
            .fold(0usize, usize::saturating_add);
        if items.len() <= limits.max_entries
            && longest <= limits.max_value
            && Listpack::new().safe_to_add(total)
        {
            let mut lp = Listpack::new();
            for (m, s) in &items {
                packed::push(&mut lp, m, *s);
            }
            ZSet(Repr::Packed(lp))
        } else {
            ZSet(Repr::Sorted(Box::new(Sorted::from_sorted(items))))
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Packed(lp) => packed::len(lp),
            Repr::Sorted(s) => s.len(),
        }
    }

    /// True when it holds nothing (an empty collection is never stored).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING answers.
    pub fn encoding(&self) -> &'static str {
        match &self.0 {
            Repr::Packed(_) => "listpack",
            Repr::Sorted(_) => "skiplist",
        }
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.0 {
            Repr::Packed(lp) => packed::find(lp, member).map(|(_, s)| s),
            Repr::Sorted(s) => s.score(member),
        }
    }

    /// Adds a member that is not in the set. A packed set that would cross a threshold turns
    /// into the large encoding first (`zsetAdd`).
    pub fn insert(&mut self, member: &[u8], score: f64, limits: Limits) {
        if let Repr::Packed(lp) = &self.0 {
            if packed::len(lp) + 1 > limits.max_entries
                || member.len() > limits.max_value
                || !lp.safe_to_add(member.len())
            {
                self.convert();
            }
        }
        match &mut self.0 {
            Repr::Packed(lp) => packed::insert(lp, member, score),
            Repr::Sorted(s) => {
                s.insert(member, score);
            }
        }
    }

    /// Moves a member that is in the set to a new score.
    pub fn update(&mut self, member: &[u8], score: f64) {
        match &mut self.0 {
            Repr::Packed(lp) => {
                if let Some((pos, _)) = packed::find(lp, member) {
                    packed::move_to(lp, pos, member, score);
                }
            }
            Repr::Sorted(s) => {
                if s.remove(member).is_some() {
                    s.insert(member, score);
                }
            }
        }
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match &mut self.0 {
            Repr::Packed(lp) => {
                let (pos, score) = packed::find(lp, member)?;
                packed::remove_at(lp, pos);
                Some(score)
            }
            Repr::Sorted(s) => s.remove(member),
        }
    }

    /// The 0-based rank of `member`, from the lowest score.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match &self.0 {
            Repr::Packed(lp) => packed::rank(lp, member),
            Repr::Sorted(s) => s.rank(member),
        }
    }

    /// How many members, from the first, satisfy `before`, which holds for a prefix of the
    /// order (a member below a score or lex bound). O(log n) in the large encoding.
    pub fn count_prefix(&self, before: impl Fn(&[u8], f64) -> bool) -> usize {
        match &self.0 {
            Repr::Packed(lp) => packed::count_prefix(lp, before),
            Repr::Sorted(s) => s.count_prefix(before),
        }
    }

    /// Calls `f` with the members of ranks `ranks`, ranks counted from the highest score when
    /// `rev`, in that direction.
    pub fn for_each(&self, ranks: Range<usize>, rev: bool, mut f: impl FnMut(&[u8], f64)) {
        let ranks = ranks.start..ranks.end.min(self.len());
        if ranks.is_empty() {
            return;
        }
        match &self.0 {
            Repr::Packed(lp) => packed::for_each(lp, ranks, rev, f),
            Repr::Sorted(s) => {
                for (m, sc) in s.iter_from(ranks.start, rev).take(ranks.len()) {
                    f(m, sc);
                }
            }
        }
    }

    /// How many members, from rank `from` (counted from the highest score when `rev`) on in
    /// that direction, satisfy `pred` before one does not: O(log n + the run).
    pub fn run_while(&self, from: usize, rev: bool, pred: impl Fn(&[u8], f64) -> bool) -> usize {
        match &self.0 {
            Repr::Packed(lp) => {
                let mut run = 0;
                let mut going = true;
                packed::for_each(lp, from..packed::len(lp), rev, |m, s| {
                    going = going && pred(m, s);
                    run += usize::from(going);
                });
                run
            }
            Repr::Sorted(s) => s
                .iter_from(from, rev)
                .take_while(|&(m, sc)| pred(m, sc))
                .count(),
        }
    }

    /// Every member and score, lowest first.
    pub fn to_vec(&self) -> Vec<(Vec<u8>, f64)> {
        let mut out = Vec::with_capacity(self.len());
        self.for_each(0..self.len(), false, |m, s| out.push((m.to_vec(), s)));
        out
    }

    /// Removes the members of ranks `ranks` (from the lowest score); returns how many.
    pub fn remove_ranks(&mut self, ranks: Range<usize>) -> usize {
        let ranks = ranks.start..ranks.end.min(self.len());
        if ranks.is_empty() {
            return 0;
        }
        match &mut self.0 {
            Repr::Packed(lp) => packed::remove_ranks(lp, ranks.clone()),
            Repr::Sorted(s) => s.remove_ranks(ranks.clone(), |_, _| {}),
        }
        ranks.len()
    }

    /// Removes and returns the member with the lowest score, or the highest with `max`.
    pub fn pop(&mut self, max: bool) -> Option<(Vec<u8>, f64)> {
        let mut out = None;
        let len = self.len();
        self.for_each(0..1, max, |m, s| out = Some((m.to_vec(), s)));
        let rank = if max { len.checked_sub(1)? } else { 0 };
        self.remove_ranks(rank..rank + 1);
        out
    }

    /// A member drawn uniformly with the generator `rand`.
    pub fn random(&self, mut rand: impl FnMut() -> u64) -> Option<(Vec<u8>, f64)> {
        match &self.0 {
            Repr::Packed(lp) => {
                let n = packed::len(lp);
                if n == 0 {
                    return None;
                }
                let r = (rand() % n as u64) as usize;
                let mut out = None;
                packed::for_each(lp, r..r + 1, false, |m, s| out = Some((m.to_vec(), s)));
                out
            }
            Repr::Sorted(s) => s.random(rand).map(|(m, sc)| (m.to_vec(), sc)),
        }
    }

    /// ZSCAN from `cursor`, about `count` members: `visit` gets each member and its score's
    /// text as Redis replies it (a packed set's stored text, `%.17g` otherwise). A packed set is
    /// returned whole with cursor 0, as Redis does. Returns the next cursor.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8], &[u8])) -> u64 {
        match &self.0 {
            Repr::Packed(lp) => {
                packed::for_each_raw(lp, visit);
                0
            }
            Repr::Sorted(s) => s.scan(cursor, count, |m, sc| {
                let mut buf = [0u8; 64];
                let n = crate::protocol::reply::format_double(sc, &mut buf);
                visit(m, &buf[..n]);
            }),
        }
    }

    /// Turns a packed set into the large encoding.
    fn convert(&mut self) {
        if let Repr::Packed(_) = &self.0 {
            self.0 = Repr::Sorted(Box::new(self.sorted_copy()));
        }
    }

    /// Heap bytes of the set's structures (tests and memory reports).
    pub fn heap_bytes(&self) -> usize {
        match &self.0 {
            Repr::Packed(lp) => lp.capacity(),
            Repr::Sorted(s) => s.heap_bytes(),
        }
    }
}

#[cfg(test)]
#[path = "zset/zset_tests.rs"]
mod tests;
