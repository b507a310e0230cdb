//! Keys by owning shard, for `--shard-keys local|remote` (workload D: the cost of crossing
//! cores, measured by sending only keys that do, or only keys that do not).
//!
//! The server tells each connection which shard serves it (`shard=N` in CLIENT INFO) and how
//! many shards there are (`threads:N` in INFO server). A key's owner is computed exactly as the
//! server does, from its hash slot, so the lists built here are the server's own partition.

use std::sync::Arc;

use tessera_core::slot::{key_slot, slot_shard};

use super::args::ShardKeys;
use super::keys::KeySet;
use super::request::Encoder;

/// The shard a connection is served by, from its CLIENT INFO line; `None` when the server does
/// not say (Redis, or anything that is not Tessera).
pub fn client_shard(client_info: &str) -> Option<usize> {
    client_info
        .split_ascii_whitespace()
        .find_map(|field| field.strip_prefix("shard="))
        .and_then(|n| n.parse().ok())
}

/// The number of shards, from INFO server: its `threads:` line, or 1 when absent.
pub fn info_shards(info: &str) -> usize {
    info.lines()
        .find_map(|line| line.trim().strip_prefix("threads:"))
        .and_then(|n| n.trim().parse().ok())
        .filter(|&n: &usize| n >= 1)
        .unwrap_or(1)
}

/// For each shard, the sorted key numbers of the range that it owns.
#[derive(Debug, Clone)]
pub struct ShardTable {
    owned: Vec<Arc<[u64]>>,
}

impl ShardTable {
    /// Partitions `min..=max` among `shards` shards.
    pub fn build(encoder: &Encoder, min: u64, max: u64, shards: usize) -> ShardTable {
        let mut owned: Vec<Vec<u64>> = vec![Vec::new(); shards.max(1)];
        let mut key = Vec::new();
        for number in min..=max {
            encoder.key(number, &mut key);
            owned[slot_shard(key_slot(&key), shards.max(1))].push(number);
        }
        ShardTable {
            owned: owned.into_iter().map(Arc::from).collect(),
        }
    }

    /// Number of shards the table partitions among.
    pub fn shards(&self) -> usize {
        self.owned.len()
    }

    /// The keys a connection served by `shard` may use under `mode`, or why there are none.
    pub fn keys_for(&self, shard: usize, mode: ShardKeys) -> Result<KeySet, String> {
        if shard >= self.owned.len() {
            return Err(format!(
                "the server put a connection on shard {shard}, but reports only {} shards",
                self.owned.len()
            ));
        }
        let parts: Vec<Arc<[u64]>> = match mode {
            ShardKeys::Local | ShardKeys::Any => vec![self.owned[shard].clone()],
            ShardKeys::Remote => (0..self.owned.len())
                .filter(|&s| s != shard)
                .map(|s| self.owned[s].clone())
                .collect(),
        };
        KeySet::lists(parts).ok_or_else(|| match mode {
            ShardKeys::Remote if self.owned.len() == 1 => {
                "--shard-keys remote: the server has a single shard, so no key is remote".into()
            }
            _ => {
                format!(
                "--shard-keys {}: no key of the range belongs {} shard {shard}; widen the range",
                if mode == ShardKeys::Remote { "remote" } else { "local" },
                if mode == ShardKeys::Remote { "outside" } else { "to" },
            )
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_server_reports() {
        let line = "id=3 addr=127.0.0.1:5 laddr=x fd=9 name= resp=2 shard=1\n";
        assert_eq!(client_shard(line), Some(1));
        assert_eq!(client_shard("id=3 addr=127.0.0.1:5 resp=2\n"), None);
        assert_eq!(
            info_shards("# Server\r\nredis_version:7.0.15\r\nthreads:4\r\n"),
            4
        );
        assert_eq!(info_shards("# Server\r\nredis_version:7.0.15\r\n"), 1);
    }

    #[test]
    fn local_and_remote_partition_the_range() {
        let encoder = Encoder::new("key:", 8);
        let table = ShardTable::build(&encoder, 0, 999, 3);
        let mut key = Vec::new();
        let mut total = 0;
        for shard in 0..3 {
            let local = table.keys_for(shard, ShardKeys::Local).expect("keys");
            let remote = table.keys_for(shard, ShardKeys::Remote).expect("keys");
            assert_eq!(local.len() + remote.len(), 1000);
            total += local.len();
            for rank in 0..local.len() {
                encoder.key(local.key(rank), &mut key);
                assert_eq!(slot_shard(key_slot(&key), 3), shard);
            }
            for rank in 0..remote.len() {
                encoder.key(remote.key(rank), &mut key);
                assert_ne!(slot_shard(key_slot(&key), 3), shard);
            }
        }
        assert_eq!(total, 1000);
    }

    #[test]
    fn a_single_shard_has_no_remote_keys() {
        let table = ShardTable::build(&Encoder::new("key:", 1), 0, 9, 1);
        assert_eq!(table.keys_for(0, ShardKeys::Local).expect("keys").len(), 10);
        assert!(table.keys_for(0, ShardKeys::Remote).is_err());
        assert!(table.keys_for(1, ShardKeys::Local).is_err());
    }
}
