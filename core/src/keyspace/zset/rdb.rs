//! Sorted sets in RDB files and DUMP payloads, as Redis 7.0 writes and reads them.
//!
//! Written: a packed set as `RDB_TYPE_ZSET_LISTPACK` (the listpack's bytes as one RDB string), a
//! large one as `RDB_TYPE_ZSET_2` (the count, then member and little-endian binary double for
//! each member from the highest score down, as `rdbSaveObject` walks its skiplist from the
//! tail). Read: those two, `RDB_TYPE_ZSET` (scores as length-prefixed text, RDB < 8) and
//! `RDB_TYPE_ZSET_ZIPLIST` (Redis before 7.0).
//!
//! A loaded listpack stays packed unless it has more members than `zset-max-listpack-entries`;
//! loaded pairs are packed when both thresholds allow, as `rdbLoadObject` decides. Malformed
//! data (a NaN score, a member twice, an odd listpack, an empty set) is refused.

use hashbrown::HashSet;

use super::{packed, Limits, Repr, Sorted, ZSet};
use crate::config::Config;
use crate::keyspace::dump::{
    read_len, read_string, take, take_byte, write_len, write_string, RdbLen, RdbObject,
    RDB_TYPE_ZSET, RDB_TYPE_ZSET_2, RDB_TYPE_ZSET_LISTPACK, RDB_TYPE_ZSET_ZIPLIST,
};
use crate::keyspace::listpack::Listpack;
use crate::keyspace::ziplist;

/// The RDB object types a sorted set is read from.
pub const TYPES: &[u8] = &[
    RDB_TYPE_ZSET,
    RDB_TYPE_ZSET_2,
    RDB_TYPE_ZSET_ZIPLIST,
    RDB_TYPE_ZSET_LISTPACK,
];

impl RdbObject for ZSet {
    fn write_rdb(&self, out: &mut Vec<u8>, compress: bool) {
        match &self.0 {
            Repr::Packed(lp) => {
                out.push(RDB_TYPE_ZSET_LISTPACK);
                write_string(out, &lp.to_bytes(), compress);
            }
            Repr::Sorted(s) => {
                out.push(RDB_TYPE_ZSET_2);
                write_len(out, s.len() as u64);
                for (m, score) in s.iter_from(0, true) {
                    write_string(out, m, compress);
                    out.extend_from_slice(&score.to_le_bytes());
                }
            }
        }
    }

    fn read_rdb(rdb_type: u8, input: &mut &[u8], config: &Config) -> Option<Self> {
        let limits = Limits::of(config);
        match rdb_type {
            RDB_TYPE_ZSET_LISTPACK => {
                let bytes = read_string(input)?.into_bytes();
                from_listpack(Listpack::from_bytes(bytes)?, limits)
            }
            RDB_TYPE_ZSET_ZIPLIST => {
                let bytes = read_string(input)?.into_bytes();
                from_listpack(ziplist::to_listpack(&bytes)?, limits)
            }
            RDB_TYPE_ZSET_2 | RDB_TYPE_ZSET => read_pairs(rdb_type, input, limits),
            _ => None,
        }
    }
}

/// A loaded listpack as a set: checked, then converted when it has too many members.
fn from_listpack(lp: Listpack, limits: Limits) -> Option<ZSet> {
    if !lp.len().is_multiple_of(2) || lp.is_empty() {
        return None;
    }
    let mut seen = HashSet::new();
    for (m, s) in packed::pairs(&lp) {
        if packed::score_of(lp.get(s)).is_nan() || !seen.insert(lp.get(m).to_vec()) {
            return None;
        }
    }
    let mut z = ZSet(Repr::Packed(lp));
    if z.len() > limits.max_entries {
        z.convert();
    }
    Some(z)
}

/// `RDB_TYPE_ZSET_2` and `RDB_TYPE_ZSET`: a count, then (member, score) pairs in any order.
fn read_pairs(rdb_type: u8, input: &mut &[u8], limits: Limits) -> Option<ZSet> {
    let RdbLen::Len(n) = read_len(input)? else {
        return None;
    };
    if n == 0 {
        return None;
    }
    let mut items = Vec::with_capacity(n.min(1 << 16) as usize);
    let mut seen = HashSet::with_capacity(n.min(1 << 16) as usize);
    for _ in 0..n {
        let member = read_string(input)?.into_bytes();
        let score = if rdb_type == RDB_TYPE_ZSET_2 {
            f64::from_le_bytes(take(input, 8)?.try_into().ok()?)
        } else {
            read_text_double(input)?
        };
        if score.is_nan() || !seen.insert(member.clone()) {
            return None;
        }
        items.push((member, score));
    }
    sort_items(&mut items);
    Some(ZSet::from_sorted(items, limits))
}

/// Orders pairs by (score, member).
pub(super) fn sort_items(items: &mut [(Vec<u8>, f64)]) {
    items.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
}

/// `rdbLoadDoubleValue`: a length byte (253 NaN, 254 +inf, 255 -inf), then that much text.
fn read_text_double(input: &mut &[u8]) -> Option<f64> {
    match take_byte(input)? {
        255 => Some(f64::NEG_INFINITY),
        254 => Some(f64::INFINITY),
        253 => Some(f64::NAN),
        len => {
            let text = take(input, len as usize)?;
            let p = super::score::strtod(text);
            (p.used > 0).then_some(p.value)
        }
    }
}

impl ZSet {
    /// The large encoding of this set's members, sorted and checked (used when converting).
    pub(super) fn sorted_copy(&self) -> Sorted {
        let mut items = self.to_vec();
        sort_items(&mut items);
        Sorted::from_sorted(items)
    }
}
