//! The small sorted set encoding (OBJECT ENCODING `listpack`): member, score, member, score...
//! in one listpack, ordered by (score, member), byte for byte what Redis 7.0's `t_zset.c`
//! keeps (`zzlInsertAt`: an integral score as an integer entry, any other as `%.17g` text).
//! Every operation is a linear walk, as in Redis: the set is small by construction.

use std::ops::Range;

use super::score::{stored_score, stored_text};
use crate::keyspace::listpack::{Listpack, LpValue};

/// The score an entry holds.
pub fn score_of(v: LpValue<'_>) -> f64 {
    match v {
        LpValue::Int(n) => n as f64,
        LpValue::Str(s) => stored_score(s),
    }
}

/// Calls `f` with the bytes of an entry (an integer entry is formatted).
pub fn with_bytes<R>(v: LpValue<'_>, f: impl FnOnce(&[u8]) -> R) -> R {
    let mut buf = itoa::Buffer::new();
    f(v.as_bytes(&mut buf))
}

/// Number of members.
pub fn len(lp: &Listpack) -> usize {
    lp.len() / 2
}

/// The member entry's offset and the score of `member`.
pub fn find(lp: &Listpack, member: &[u8]) -> Option<(usize, f64)> {
    let pos = lp.find(lp.first(), member, 1)?;
    let spos = lp.next(pos)?;
    Some((pos, score_of(lp.get(spos))))
}

/// Pairs as (member offset, score offset), first to last.
pub fn pairs(lp: &Listpack) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut at = lp.first();
    std::iter::from_fn(move || {
        let m = at?;
        let s = lp.next(m)?;
        at = lp.next(s);
        Some((m, s))
    })
}

/// The member offset of the pair of rank `r`.
pub fn seek(lp: &Listpack, r: usize) -> Option<usize> {
    lp.seek((2 * r) as isize)
}

/// Inserts a member that is not there, keeping the order (`zzlInsert`).
pub fn insert(lp: &mut Listpack, member: &[u8], score: f64) {
    let at = pairs(lp)
        .find(|&(m, s)| {
            let cur = score_of(lp.get(s));
            cur > score || (cur == score && with_bytes(lp.get(m), |b| b > member))
        })
        .map(|(m, _)| m)
        .unwrap_or(lp.end());
    let mut buf = [0u8; 64];
    let n = stored_text(score, &mut buf);
    lp.insert_many(at, &[member, &buf[..n]]);
}

/// Appends a pair at the end (the caller keeps the order).
pub fn push(lp: &mut Listpack, member: &[u8], score: f64) {
    let mut buf = [0u8; 64];
    let n = stored_text(score, &mut buf);
    lp.insert_many(lp.end(), &[member, &buf[..n]]);
}

/// The 0-based rank of `member`.
pub fn rank(lp: &Listpack, member: &[u8]) -> Option<usize> {
    pairs(lp).position(|(m, _)| lp.get(m).eq_bytes(member))
}

/// How many members, from the first, satisfy `before` (stops at the first that does not).
pub fn count_prefix(lp: &Listpack, before: impl Fn(&[u8], f64) -> bool) -> usize {
    pairs(lp)
        .take_while(|&(m, s)| with_bytes(lp.get(m), |b| before(b, score_of(lp.get(s)))))
        .count()
}

/// Calls `f` on the members of ranks `ranks` (counted from the end when `rev`), in that order.
pub fn for_each(lp: &Listpack, ranks: Range<usize>, rev: bool, mut f: impl FnMut(&[u8], f64)) {
    if ranks.is_empty() {
        return;
    }
    let first = if rev {
        lp.seek(-2 - 2 * ranks.start as isize)
    } else {
        seek(lp, ranks.start)
    };
    let mut at = first;
    for _ in ranks {
        let Some(m) = at else { return };
        let Some(s) = lp.next(m) else { return };
        with_bytes(lp.get(m), |b| f(b, score_of(lp.get(s))));
        at = if rev {
            lp.prev(m).and_then(|p| lp.prev(p))
        } else {
            lp.next(s)
        };
    }
}

/// Removes the members of ranks `ranks`.
pub fn remove_ranks(lp: &mut Listpack, ranks: Range<usize>) {
    if let Some(m) = seek(lp, ranks.start) {
        lp.remove_run(m, 2 * ranks.len());
    }
}

/// Moves the pair whose member entry is at `pos` to `score`'s place: one reallocation at most.
pub fn move_to(lp: &mut Listpack, pos: usize, member: &[u8], score: f64) {
    lp.remove_run_keeping_room(pos, 2);
    insert(lp, member, score);
    lp.shrink_to_fit();
}

/// Removes the pair whose member entry is at `pos`.
pub fn remove_at(lp: &mut Listpack, pos: usize) {
    lp.remove_run(pos, 2);
}

/// Every pair's member bytes and score's stored text, for ZSCAN (which replies the stored text).
pub fn for_each_raw(lp: &Listpack, mut f: impl FnMut(&[u8], &[u8])) {
    for (m, s) in pairs(lp) {
        with_bytes(lp.get(m), |mb| with_bytes(lp.get(s), |sb| f(mb, sb)));
    }
}
