//! Key choice: a pattern draws a rank, a key set turns the rank into a key number.
//!
//! Splitting the two lets the shard-constrained modes reuse every pattern: with
//! `--shard-keys any` the set is the whole range, with `local`/`remote` it is the list of keys a
//! shard owns (or the others own), and "sequential" or "gaussian" then apply to that list.

use std::sync::Arc;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};

use super::args::KeyPattern;

/// The keys a client may use, in rank order.
#[derive(Debug, Clone)]
pub enum KeySet {
    /// `min..min+len`.
    Range {
        /// First key number.
        min: u64,
        /// Number of keys.
        len: u64,
    },
    /// The concatenation of sorted lists (one per shard), so "remote" needs no copy of the keys
    /// of every other shard per shard.
    Lists {
        /// The lists, each sorted.
        parts: Vec<Arc<[u64]>>,
        /// Rank of each part's first key; `starts[i]` is the sum of the earlier lengths.
        starts: Vec<u64>,
        /// Total number of keys.
        len: u64,
    },
}

impl KeySet {
    /// A set made of `parts` in order; `None` when they hold no key.
    pub fn lists(parts: Vec<Arc<[u64]>>) -> Option<KeySet> {
        let mut starts = Vec::with_capacity(parts.len());
        let mut len = 0u64;
        for part in &parts {
            starts.push(len);
            len += part.len() as u64;
        }
        (len > 0).then_some(KeySet::Lists { parts, starts, len })
    }

    /// Number of keys.
    pub fn len(&self) -> u64 {
        match self {
            KeySet::Range { len, .. } | KeySet::Lists { len, .. } => *len,
        }
    }

    /// Whether the set has no key (never, for the sets a client is given).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key number at `rank` (which must be below [`KeySet::len`]).
    #[inline]
    pub fn key(&self, rank: u64) -> u64 {
        match self {
            KeySet::Range { min, .. } => min + rank,
            KeySet::Lists { parts, starts, .. } => {
                let part = starts.partition_point(|&s| s <= rank) - 1;
                parts[part][(rank - starts[part]) as usize]
            }
        }
    }
}

/// Draws ranks in `0..len` following a pattern; one per client, so no locking and each client's
/// sequence is its own.
#[derive(Debug)]
pub struct KeyPicker {
    pattern: KeyPattern,
    len: u64,
    next: u64,
    normal: Option<Normal<f64>>,
    rng: SmallRng,
}

impl KeyPicker {
    /// A picker over `0..len`; `start` is where a sequential walk begins (spread clients over
    /// the range so they do not all touch the same key), `stddev` the gaussian's spread in ranks
    /// (default `len / 6`).
    pub fn new(pattern: KeyPattern, len: u64, start: u64, stddev: Option<f64>, seed: u64) -> Self {
        let normal = (pattern == KeyPattern::Gaussian).then(|| {
            let mean = (len - 1) as f64 / 2.0;
            let sd = stddev.unwrap_or(len as f64 / 6.0).max(f64::MIN_POSITIVE);
            Normal::new(mean, sd).unwrap_or_else(|_| {
                Normal::new(mean, 1.0).expect("a unit standard deviation is valid")
            })
        });
        KeyPicker {
            pattern,
            len,
            next: start % len.max(1),
            normal,
            rng: SmallRng::seed_from_u64(seed),
        }
    }

    /// The next rank.
    #[inline]
    pub fn next_rank(&mut self) -> u64 {
        match self.pattern {
            KeyPattern::Uniform => self.rng.gen_range(0..self.len),
            KeyPattern::Sequential => {
                let rank = self.next;
                self.next = if rank + 1 >= self.len { 0 } else { rank + 1 };
                rank
            }
            KeyPattern::Gaussian => self.gaussian(),
        }
    }

    /// A normal draw rounded to a rank; draws outside the range are redrawn (a few times, then
    /// clamped), so the tails do not pile up on the first and last key.
    fn gaussian(&mut self) -> u64 {
        let Some(normal) = self.normal else {
            return 0;
        };
        let top = (self.len - 1) as f64;
        let mut x = 0.0;
        for _ in 0..8 {
            x = normal.sample(&mut self.rng).round();
            if (0.0..=top).contains(&x) {
                break;
            }
        }
        x.clamp(0.0, top) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws(pattern: KeyPattern, len: u64) -> Vec<u64> {
        let mut picker = KeyPicker::new(pattern, len, 3, None, 7);
        (0..20_000).map(|_| picker.next_rank()).collect()
    }

    #[test]
    fn every_pattern_stays_in_range() {
        for pattern in [
            KeyPattern::Uniform,
            KeyPattern::Sequential,
            KeyPattern::Gaussian,
        ] {
            for len in [1, 2, 10, 1000] {
                assert!(draws(pattern, len).iter().all(|&r| r < len), "{pattern:?}");
            }
        }
        let set = KeySet::Range { min: 100, len: 11 };
        let mut picker = KeyPicker::new(KeyPattern::Uniform, set.len(), 0, None, 1);
        for _ in 0..1000 {
            let key = set.key(picker.next_rank());
            assert!((100..=110).contains(&key));
        }
    }

    #[test]
    fn sequential_walks_and_wraps() {
        assert_eq!(
            &draws(KeyPattern::Sequential, 5)[..7],
            &[3, 4, 0, 1, 2, 3, 4]
        );
    }

    #[test]
    fn gaussian_is_centred() {
        let ranks = draws(KeyPattern::Gaussian, 1001);
        let mean = ranks.iter().sum::<u64>() as f64 / ranks.len() as f64;
        assert!((mean - 500.0).abs() < 10.0, "mean {mean}");
        let near = ranks.iter().filter(|&&r| (333..=667).contains(&r)).count();
        // About 68% of a normal lies within one standard deviation (len / 6) of the mean.
        assert!(near > ranks.len() * 6 / 10, "{near}");
    }

    #[test]
    fn uniform_covers_the_range() {
        let ranks = draws(KeyPattern::Uniform, 10);
        assert!((0..10).all(|k| ranks.contains(&k)));
    }

    #[test]
    fn lists_concatenate() {
        let set = KeySet::lists(vec![
            Arc::from(vec![1, 5]),
            Arc::from(vec![]),
            Arc::from(vec![9]),
        ])
        .expect("not empty");
        assert_eq!(set.len(), 3);
        assert_eq!(
            (0..3).map(|r| set.key(r)).collect::<Vec<_>>(),
            vec![1, 5, 9]
        );
        assert!(KeySet::lists(vec![Arc::from(vec![])]).is_none());
    }
}
