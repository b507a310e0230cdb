//! Hash slots, as Redis Cluster defines them: CRC16/XMODEM of the key, or of its `{hash tag}`.

/// Number of hash slots in the keyspace.
pub const SLOTS: u16 = 16384;

/// The part of `key` that is hashed: the text between the first `{` and the next `}` when it
/// is not empty, else the whole key. Keys that share a tag always live together.
pub fn hash_tag(key: &[u8]) -> &[u8] {
    if let Some(open) = key.iter().position(|&b| b == b'{') {
        if let Some(len) = key[open + 1..].iter().position(|&b| b == b'}') {
            if len > 0 {
                return &key[open + 1..open + 1 + len];
            }
        }
    }
    key
}

/// The hash slot of `key`.
pub fn key_slot(key: &[u8]) -> u16 {
    crc16::State::<crc16::XMODEM>::calculate(hash_tag(key)) & (SLOTS - 1)
}

/// Which of `shards` shards owns `slot`, when each owns a contiguous, nearly equal range.
pub fn slot_shard(slot: u16, shards: usize) -> usize {
    (slot as usize * shards) / SLOTS as usize
}

/// The first slot of each shard's range (shard `i` owns `[start(i), start(i+1))`).
pub fn shard_range(shard: usize, shards: usize) -> std::ops::Range<u16> {
    let start = (shard * SLOTS as usize).div_ceil(shards);
    let end = ((shard + 1) * SLOTS as usize).div_ceil(shards);
    start as u16..end as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_redis_cluster_slots() {
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"bar"), 5061);
        assert_eq!(
            key_slot(b"{user1000}.following"),
            key_slot(b"{user1000}.followers")
        );
        assert_eq!(key_slot(b"foo{}{bar}"), key_slot(b"foo{}{bar}"));
        assert_eq!(hash_tag(b"foo{}{bar}"), b"foo{}{bar}");
        assert_eq!(hash_tag(b"foo{{bar}}zap"), b"{bar");
    }

    #[test]
    fn ranges_agree_with_owner() {
        for shards in 1..=7 {
            for slot in 0..SLOTS {
                let owner = slot_shard(slot, shards);
                assert!(
                    shard_range(owner, shards).contains(&slot),
                    "{shards} {slot}"
                );
            }
        }
    }
}
