//! The set type, in Redis 7.0's two encodings.
//!
//! - `intset`: while every member is an integer (in the strict form of Redis's `string2ll`) and
//!   there are at most `set-max-intset-entries` of them, the set is Redis's intset byte for byte:
//!   a header (the width of each integer, 2, 4 or 8 bytes, as a u32 LE; the count as a u32 LE)
//!   followed by the integers, sorted, little endian, all of one width. The width grows when an
//!   integer needs it and never shrinks. RDB files and DUMP payloads carry this blob as it is
//!   (`RDB_TYPE_SET_INTSET`), so the bytes match Redis's.
//! - `hashtable`: any other set. Redis spends a 24-byte `dictEntry`, a bucket pointer and an sds
//!   per member; here the members sit in one vector of [`Bytes`] (24 bytes each, strings of up
//!   to 22 bytes inline) and a hashbrown table of 4-byte positions into it finds them (one
//!   control byte and four bytes per bucket). Removal swaps the last member into the hole, so
//!   the vector stays dense, and a random member is one random position: O(1) SADD, SREM,
//!   SISMEMBER, SPOP and SRANDMEMBER, every member equally likely.
//!
//! A set converts from `intset` to `hashtable` when a member that is not an integer arrives or
//! the count passes `set-max-intset-entries`; it never goes back on its own. Two paths choose the
//! encoding afresh, as in Redis: loading (RESTORE, RDB), which picks `intset` whenever the
//! members fit, and SPOP with a count large enough for Redis to rebuild the set from the members
//! it keeps (see [`Set::pop_many`]).
//!
//! SSCAN over the `hashtable` encoding walks the vector from its end towards position 0; the
//! cursor is the number of positions still to visit. Members only ever move to lower positions
//! (a removal moves the last member into the hole), so a member present for a whole iteration is
//! always at a position not yet visited or already returned: it is returned at least once.

use std::sync::OnceLock;

use hashbrown::hash_table::Entry as TableEntry;
use hashbrown::HashTable;

use super::blob::Blob;
use super::bytes::Bytes;
use super::dump::{self, RdbObject, RdbString, RDB_TYPE_SET, RDB_TYPE_SET_INTSET};
use crate::config::Config;
use crate::protocol::reader::parse_i64;

// ---------------------------------------------------------------------------------------------
// Members and randomness
// ---------------------------------------------------------------------------------------------

/// A member as a set holds it: an integer of an intset, or bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member<'a> {
    /// An intset's integer (its decimal form is the member).
    Int(i64),
    /// The member's bytes.
    Bytes(&'a [u8]),
}

impl Member<'_> {
    /// Calls `f` with the member's bytes (an integer in decimal).
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match *self {
            Member::Int(n) => f(itoa::Buffer::new().format(n).as_bytes()),
            Member::Bytes(b) => f(b),
        }
    }

    /// The member's bytes as an owned vector.
    pub fn to_vec(&self) -> Vec<u8> {
        self.with_bytes(|b| b.to_vec())
    }

    /// The integer this member is, when it is one in Redis's strict sense (`string2ll`).
    fn as_int(&self) -> Option<i64> {
        match *self {
            Member::Int(n) => Some(n),
            Member::Bytes(b) => parse_i64(b),
        }
    }
}

/// A member taken out of a set (SPOP).
#[derive(Clone, Debug, PartialEq)]
pub enum OwnedMember {
    /// An intset's integer.
    Int(i64),
    /// The member's bytes.
    Bytes(Bytes),
}

impl OwnedMember {
    /// The member, borrowed.
    pub fn as_member(&self) -> Member<'_> {
        match self {
            OwnedMember::Int(n) => Member::Int(*n),
            OwnedMember::Bytes(b) => Member::Bytes(b),
        }
    }
}

/// A small, fast generator (splitmix64) for the random choices of one command, seeded from the
/// call's random number.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0), each about equally likely.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// `k` distinct positions out of `0..n` (`k` <= `n`), chosen uniformly, in random order.
fn distinct_positions(n: usize, k: usize, rng: &mut Rng) -> Vec<usize> {
    if k.saturating_mul(3) > n {
        // Dense: a partial Fisher-Yates shuffle of every position.
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..k {
            let j = i + rng.below(n - i);
            all.swap(i, j);
        }
        all.truncate(k);
        all
    } else {
        // Sparse: draw until `k` different positions came up.
        let mut seen = hashbrown::HashSet::with_capacity(k);
        let mut out = Vec::with_capacity(k);
        while out.len() < k {
            let p = rng.below(n);
            if seen.insert(p) {
                out.push(p);
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// intset
// ---------------------------------------------------------------------------------------------

/// Size of an intset's header: the width and the count, u32 LE each.
const INTSET_HEADER: usize = 8;

/// The width (2, 4 or 8 bytes) Redis's `_intsetValueEncoding` picks for `v`.
fn int_width(v: i64) -> usize {
    if i64::from(i16::MIN) <= v && v <= i64::from(i16::MAX) {
        2
    } else if i64::from(i32::MIN) <= v && v <= i64::from(i32::MAX) {
        4
    } else {
        8
    }
}

/// Redis's intset: sorted integers of one width, all little endian. The header (width and
/// count) is not stored: the width is the blob's word and the count follows from the length;
/// [`IntSet::to_blob`] writes Redis's layout for RDB files and DUMP payloads.
#[derive(Clone, PartialEq)]
struct IntSet {
    ints: Blob,
}

/// Most integers an intset holds: its bytes must fit the blob's 32-bit length.
const INTSET_MAX: usize = u32::MAX as usize / 8;

impl IntSet {
    fn new() -> IntSet {
        IntSet { ints: Blob::new(2) }
    }

    /// An intset from Redis's blob, checked as Redis's `intsetValidateIntegrity` does in its
    /// deep mode (a known width, a length that matches the count, integers strictly ascending)
    /// and not empty. None when it is not one.
    fn from_blob(blob: &[u8]) -> Option<IntSet> {
        if blob.len() < INTSET_HEADER {
            return None;
        }
        let width = u32::from_le_bytes(blob[..4].try_into().ok()?) as usize;
        if !matches!(width, 2 | 4 | 8) {
            return None;
        }
        let count = u32::from_le_bytes(blob[4..8].try_into().ok()?) as usize;
        if count == 0 || count.checked_mul(width)?.checked_add(INTSET_HEADER)? != blob.len() {
            return None;
        }
        let set = IntSet {
            ints: Blob::from_slice(&blob[INTSET_HEADER..], width as u16),
        };
        let ascending = (1..count).all(|i| set.get(i - 1) < set.get(i));
        ascending.then_some(set)
    }

    /// Redis's blob: width and count (u32 LE each), then the integers.
    fn to_blob(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(INTSET_HEADER + self.ints.len());
        out.extend_from_slice(&(self.width() as u32).to_le_bytes());
        out.extend_from_slice(&(self.len() as u32).to_le_bytes());
        out.extend_from_slice(self.ints.as_slice());
        out
    }

    fn width(&self) -> usize {
        self.ints.word() as usize
    }

    fn len(&self) -> usize {
        self.ints.len() / self.width()
    }

    /// Bytes of the heap block (for memory tests).
    #[cfg(test)]
    fn capacity(&self) -> usize {
        self.ints.capacity()
    }

    /// The integer at position `i` (< len).
    fn get(&self, i: usize) -> i64 {
        let w = self.width();
        let at = i * w;
        let b = &self.ints.as_slice()[at..at + w];
        match w {
            2 => i64::from(i16::from_le_bytes([b[0], b[1]])),
            4 => i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            _ => i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        }
    }

    /// Where `v` is (Ok) or would go (Err), as Redis's `intsetSearch`.
    fn search(&self, v: i64) -> Result<usize, usize> {
        let n = self.len();
        if n == 0 {
            return Err(0);
        }
        if v > self.get(n - 1) {
            return Err(n);
        }
        if v < self.get(0) {
            return Err(0);
        }
        let (mut lo, mut hi) = (0usize, n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let m = self.get(mid);
            if m == v {
                return Ok(mid);
            }
            if m < v {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Err(lo)
    }

    fn contains(&self, v: i64) -> bool {
        int_width(v) <= self.width() && self.search(v).is_ok()
    }

    /// Adds `v`; false when it was there (`intsetAdd`).
    fn insert(&mut self, v: i64) -> bool {
        let w = self.width();
        if int_width(v) > w {
            self.upgrade_and_add(v);
            return true;
        }
        let Err(pos) = self.search(v) else {
            return false;
        };
        self.ints
            .splice(pos * w, 0, w)
            .copy_from_slice(&v.to_le_bytes()[..w]);
        true
    }

    /// `intsetUpgradeAndAdd`: every integer takes `v`'s wider width, and `v` (beyond every
    /// other, being too large for the old width) goes first or last.
    fn upgrade_and_add(&mut self, v: i64) {
        let n = self.len();
        let w = int_width(v);
        let mut ints = Blob::new(w as u16);
        let out = ints.splice(0, 0, (n + 1) * w);
        let first = usize::from(v < 0);
        for i in 0..n {
            let at = (i + first) * w;
            out[at..at + w].copy_from_slice(&self.get(i).to_le_bytes()[..w]);
        }
        let at = if v < 0 { 0 } else { n * w };
        out[at..at + w].copy_from_slice(&v.to_le_bytes()[..w]);
        self.ints = ints;
    }

    /// Removes `v`; false when it was not there (`intsetRemove`). The width stays.
    fn remove(&mut self, v: i64) -> bool {
        if int_width(v) > self.width() {
            return false;
        }
        let Ok(pos) = self.search(v) else {
            return false;
        };
        let w = self.width();
        self.ints.splice(pos * w, w, 0);
        true
    }

    /// Removes the integers at the positions marked in `gone` (one flag per position); the
    /// width stays, as when Redis removes them one by one.
    fn remove_marked(&mut self, gone: &[bool]) {
        let w = self.width();
        let mut write = 0;
        let bytes = self.ints.as_mut_slice();
        for (i, &g) in gone.iter().enumerate() {
            if !g {
                bytes.copy_within(i * w..(i + 1) * w, write);
                write += w;
            }
        }
        self.ints.truncate(write);
    }

    fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
}

// ---------------------------------------------------------------------------------------------
// hashtable
// ---------------------------------------------------------------------------------------------

/// The hash of a member: ahash, seeded once per process at random (members come from clients).
fn hash_of(member: &[u8]) -> u64 {
    static STATE: OnceLock<ahash::RandomState> = OnceLock::new();
    STATE.get_or_init(ahash::RandomState::new).hash_one(member)
}

/// The members in a dense vector, and a table of their positions keyed by their hash.
#[derive(Clone, Default)]
struct Table {
    members: Vec<Bytes>,
    index: HashTable<u32>,
}

impl Table {
    fn with_capacity(n: usize) -> Table {
        Table {
            members: Vec::with_capacity(n),
            index: HashTable::with_capacity(n),
        }
    }

    fn len(&self) -> usize {
        self.members.len()
    }

    fn position(&self, m: &[u8]) -> Option<usize> {
        let members = &self.members;
        self.index
            .find(hash_of(m), |&i| &*members[i as usize] == m)
            .map(|&i| i as usize)
    }

    fn contains(&self, m: &[u8]) -> bool {
        self.position(m).is_some()
    }

    /// Adds `m`; false when it was there.
    fn insert(&mut self, m: &[u8]) -> bool {
        let at = self.members.len();
        assert!(
            at < u32::MAX as usize,
            "a set holds at most 2^32 - 1 members"
        );
        let members = &self.members;
        match self.index.entry(
            hash_of(m),
            |&i| &*members[i as usize] == m,
            |&i| hash_of(&members[i as usize]),
        ) {
            TableEntry::Occupied(_) => return false,
            TableEntry::Vacant(v) => {
                v.insert(at as u32);
            }
        }
        self.members.push(Bytes::new(m));
        true
    }

    /// Removes `m`; its bytes when it was there.
    fn remove(&mut self, m: &[u8]) -> Option<Bytes> {
        let members = &self.members;
        let entry = self
            .index
            .find_entry(hash_of(m), |&i| &*members[i as usize] == m)
            .ok()?;
        let (i, _) = entry.remove();
        Some(self.take(i as usize))
    }

    /// Removes the member at position `i`.
    fn remove_at(&mut self, i: usize) -> Bytes {
        let h = hash_of(&self.members[i]);
        if let Ok(entry) = self.index.find_entry(h, |&j| j as usize == i) {
            entry.remove();
        }
        self.take(i)
    }

    /// Takes the member at `i` out of the vector (its index entry is already gone): the last
    /// member moves into its place.
    fn take(&mut self, i: usize) -> Bytes {
        let last = self.members.len() - 1;
        if i != last {
            let h = hash_of(&self.members[last]);
            if let Some(slot) = self.index.find_mut(h, |&j| j as usize == last) {
                *slot = i as u32;
            }
        }
        let gone = self.members.swap_remove(i);
        self.shrink();
        gone
    }

    /// Gives memory back once three quarters of it is unused (as Redis resizes its dicts).
    fn shrink(&mut self) {
        let len = self.members.len();
        if self.members.capacity() > 16 && len * 4 < self.members.capacity() {
            self.members.shrink_to(len * 2);
            let members = &self.members;
            self.index
                .shrink_to(len * 2, |&i| hash_of(&members[i as usize]));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The set
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
enum Repr {
    Ints(IntSet),
    Table(Box<Table>),
}

/// A set value: 16 bytes, so that a [`super::Value`] holds it without a box (a small intset is
/// then one exact allocation besides its key's slot).
#[derive(Clone)]
pub struct Set {
    repr: Repr,
}

const _: () = assert!(std::mem::size_of::<Set>() == 16);

impl Default for Set {
    fn default() -> Set {
        Set::new()
    }
}

impl std::fmt::Debug for Set {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.encoding())?;
        let mut list = f.debug_list();
        for m in self.iter() {
            match m {
                Member::Int(n) => list.entry(&n),
                Member::Bytes(b) => list.entry(&String::from_utf8_lossy(b)),
            };
        }
        list.finish()
    }
}

/// Two sets are equal when they have the same encoding and the same members (in any order).
impl PartialEq for Set {
    fn eq(&self, other: &Set) -> bool {
        match (&self.repr, &other.repr) {
            (Repr::Ints(a), Repr::Ints(b)) => a.len() == b.len() && a.iter().eq(b.iter()),
            (Repr::Table(a), Repr::Table(b)) => {
                a.len() == b.len() && a.members.iter().all(|m| b.contains(m))
            }
            _ => false,
        }
    }
}

impl Set {
    /// RDB object types this value is written as and read from.
    pub const RDB_TYPES: &'static [u8] = &[RDB_TYPE_SET, RDB_TYPE_SET_INTSET];

    /// An empty set, encoded as an intset (Redis's `createIntsetObject`): the first member
    /// added decides whether it stays one, as `setTypeCreate` does.
    pub fn new() -> Set {
        Set {
            repr: Repr::Ints(IntSet::new()),
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Ints(s) => s.len(),
            Repr::Table(t) => t.len(),
        }
    }

    /// True when it holds nothing (an empty set is never stored).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING answers.
    pub fn encoding(&self) -> &'static str {
        match self.repr {
            Repr::Ints(_) => "intset",
            Repr::Table(_) => "hashtable",
        }
    }

    /// The intset's blob as Redis lays it out (header and integers), when the set is one.
    pub fn intset_blob(&self) -> Option<Vec<u8>> {
        match &self.repr {
            Repr::Ints(s) => Some(s.to_blob()),
            Repr::Table(_) => None,
        }
    }

    /// True when `member` is in the set.
    pub fn contains(&self, member: &[u8]) -> bool {
        self.contains_member(Member::Bytes(member))
    }

    /// True when `member` is in the set.
    pub fn contains_member(&self, member: Member<'_>) -> bool {
        match &self.repr {
            Repr::Ints(s) => member.as_int().is_some_and(|v| s.contains(v)),
            Repr::Table(t) => member.with_bytes(|b| t.contains(b)),
        }
    }

    /// Adds `member`; false when it was already there. An intset becomes a hashtable when the
    /// member is not an integer or the count passes `max_intset` (Redis's `setTypeAdd`).
    pub fn add(&mut self, member: &[u8], max_intset: u64) -> bool {
        self.add_member(Member::Bytes(member), max_intset)
    }

    /// [`Set::add`] for a member of another set.
    pub fn add_member(&mut self, member: Member<'_>, max_intset: u64) -> bool {
        if let Repr::Ints(s) = &mut self.repr {
            match member.as_int() {
                Some(v) => {
                    if !s.insert(v) {
                        return false;
                    }
                    let n = s.len();
                    if n as u64 > max_intset || n >= INTSET_MAX {
                        self.convert_to_table(n);
                    }
                    return true;
                }
                None => {
                    let n = s.len() + 1;
                    self.convert_to_table(n);
                }
            }
        }
        match &mut self.repr {
            Repr::Table(t) => member.with_bytes(|b| t.insert(b)),
            Repr::Ints(_) => unreachable!("converted above"),
        }
    }

    /// Removes `member`; false when it was not there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        self.remove_member(Member::Bytes(member))
    }

    /// [`Set::remove`] for a member of another set.
    pub fn remove_member(&mut self, member: Member<'_>) -> bool {
        match &mut self.repr {
            Repr::Ints(s) => member.as_int().is_some_and(|v| s.remove(v)),
            Repr::Table(t) => member.with_bytes(|b| t.remove(b).is_some()),
        }
    }

    /// Converts an intset to a hashtable with room for `capacity` members (`setTypeConvert`).
    fn convert_to_table(&mut self, capacity: usize) {
        if let Repr::Ints(s) = &self.repr {
            let mut t = Table::with_capacity(capacity.max(s.len()));
            let mut buf = itoa::Buffer::new();
            for v in s.iter() {
                t.insert(buf.format(v).as_bytes());
            }
            self.repr = Repr::Table(Box::new(t));
        }
    }

    /// The member at position `i` (< len) in iteration order.
    pub fn get(&self, i: usize) -> Member<'_> {
        match &self.repr {
            Repr::Ints(s) => Member::Int(s.get(i)),
            Repr::Table(t) => Member::Bytes(&t.members[i]),
        }
    }

    /// Every member: an intset's in ascending order, a hashtable's in its own order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Member<'_>> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }

    /// A member chosen at random, each equally likely; None when empty.
    pub fn random(&self, rng: &mut Rng) -> Option<Member<'_>> {
        let n = self.len();
        (n > 0).then(|| self.get(rng.below(n)))
    }

    /// Removes a member chosen at random and returns it; None when empty.
    pub fn pop_random(&mut self, rng: &mut Rng) -> Option<OwnedMember> {
        let n = self.len();
        if n == 0 {
            return None;
        }
        let i = rng.below(n);
        Some(match &mut self.repr {
            Repr::Ints(s) => {
                let v = s.get(i);
                s.remove(v);
                OwnedMember::Int(v)
            }
            Repr::Table(t) => OwnedMember::Bytes(t.remove_at(i)),
        })
    }

    /// `count` different members chosen at random (`count` < len), in random order: the
    /// sample SRANDMEMBER with a positive count answers.
    pub fn sample(&self, count: usize, rng: &mut Rng) -> Vec<Member<'_>> {
        distinct_positions(self.len(), count.min(self.len()), rng)
            .into_iter()
            .map(|i| self.get(i))
            .collect()
    }

    /// Removes `count` members chosen at random (0 < `count` < len) and returns them, as SPOP
    /// with a count does. Redis either pops them one by one, or, when few would be left
    /// (`left * 5 <= count`), builds a new set from the members it keeps: that new set takes
    /// whichever encoding its members call for, so a hashtable whose kept members are all
    /// integers comes back as an intset, and an intset's width is chosen afresh. Both cases
    /// are kept here, with the same outcome for the encoding; the members chosen are uniform.
    pub fn pop_many(&mut self, count: usize, rng: &mut Rng, max_intset: u64) -> Vec<OwnedMember> {
        let size = self.len();
        debug_assert!(count > 0 && count < size);
        let left = size - count;
        if left.saturating_mul(5) > count {
            return match &mut self.repr {
                Repr::Ints(s) => {
                    let chosen = distinct_positions(size, count, rng);
                    let mut gone = vec![false; size];
                    let out = chosen
                        .into_iter()
                        .map(|i| {
                            gone[i] = true;
                            OwnedMember::Int(s.get(i))
                        })
                        .collect();
                    s.remove_marked(&gone);
                    out
                }
                Repr::Table(t) => (0..count)
                    .map(|_| {
                        let i = rng.below(t.len());
                        OwnedMember::Bytes(t.remove_at(i))
                    })
                    .collect(),
            };
        }
        // Few are left: choose those instead.
        let kept = distinct_positions(size, left, rng);
        let mut keep = vec![false; size];
        for &i in &kept {
            keep[i] = true;
        }
        let all_ints = kept.iter().all(|&i| self.get(i).as_int().is_some());
        let rebuild = (all_ints && left as u64 <= max_intset) || matches!(self.repr, Repr::Ints(_));
        if rebuild {
            let mut fresh = Set::new();
            for &i in &kept {
                fresh.add_member(self.get(i), max_intset);
            }
            let old = std::mem::replace(self, fresh);
            return (0..size)
                .filter(|&i| !keep[i])
                .map(|i| match old.get(i) {
                    Member::Int(v) => OwnedMember::Int(v),
                    Member::Bytes(b) => OwnedMember::Bytes(Bytes::new(b)),
                })
                .collect();
        }
        // A hashtable stays one: pop in place (from the top down, so that each position is
        // still the member it was when chosen), which keeps SSCAN's guarantee.
        let Repr::Table(t) = &mut self.repr else {
            unreachable!("intsets are rebuilt");
        };
        (0..size)
            .rev()
            .filter(|&i| !keep[i])
            .map(|i| OwnedMember::Bytes(t.remove_at(i)))
            .collect()
    }

    /// Visits about `count` members from `cursor` (0 starts), calling `visit` for each, and
    /// returns the next cursor, 0 once done. An intset is visited whole in one call, as Redis
    /// does; a hashtable from the top position down (see the module's notes).
    pub fn scan<'a>(&'a self, cursor: u64, count: usize, mut visit: impl FnMut(Member<'a>)) -> u64 {
        match &self.repr {
            Repr::Ints(s) => {
                s.iter().for_each(|v| visit(Member::Int(v)));
                0
            }
            Repr::Table(t) => {
                let len = t.len();
                let top = if cursor == 0 {
                    len
                } else {
                    usize::try_from(cursor).map_or(len, |c| c.min(len))
                };
                let stop = top.saturating_sub(count.max(1));
                for i in (stop..top).rev() {
                    visit(Member::Bytes(&t.members[i]));
                }
                stop as u64
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// RDB
// ---------------------------------------------------------------------------------------------

impl RdbObject for Set {
    /// An intset as `RDB_TYPE_SET_INTSET` (its blob as one string), a hashtable as
    /// `RDB_TYPE_SET` (the count, then each member as a string), as `rdbSaveObject`.
    fn write_rdb(&self, out: &mut Vec<u8>, compress: bool) {
        match &self.repr {
            Repr::Ints(s) => {
                out.push(RDB_TYPE_SET_INTSET);
                dump::write_string(out, &s.to_blob(), compress);
            }
            Repr::Table(t) => {
                out.push(RDB_TYPE_SET);
                dump::write_len(out, t.len() as u64);
                for m in &t.members {
                    dump::write_string(out, m, compress);
                }
            }
        }
    }

    /// As `rdbLoadObject`: an intset is checked (deeply, so that a malformed one is refused
    /// rather than kept) and becomes a hashtable when it holds more than `set-max-intset-entries`;
    /// a plain set becomes an intset when its members are integers and few enough. An empty set
    /// or a member seen twice is malformed.
    fn read_rdb(rdb_type: u8, input: &mut &[u8], config: &Config) -> Option<Self> {
        let max_intset = config.set_max_intset_entries;
        match rdb_type {
            RDB_TYPE_SET_INTSET => {
                let blob = dump::read_string(input)?.into_bytes();
                let ints = IntSet::from_blob(&blob)?;
                let n = ints.len();
                let mut set = Set {
                    repr: Repr::Ints(ints),
                };
                if n as u64 > max_intset {
                    set.convert_to_table(n);
                }
                Some(set)
            }
            RDB_TYPE_SET => {
                let n = usize::try_from(dump::read_plain_len(input)?).ok()?;
                if n == 0 {
                    return None;
                }
                let mut set = if n as u64 > max_intset {
                    // Each member takes at least one byte: never reserve beyond the input.
                    Set {
                        repr: Repr::Table(Box::new(Table::with_capacity(n.min(input.len())))),
                    }
                } else {
                    Set::new()
                };
                for _ in 0..n {
                    let added = match dump::read_string(input)? {
                        RdbString::Int(v) => set.add_member(Member::Int(v), max_intset),
                        RdbString::Bytes(b) => set.add(&b, max_intset),
                    };
                    if !added {
                        return None;
                    }
                }
                Some(set)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(s: &Set) -> Vec<i64> {
        s.iter()
            .map(|m| match m {
                Member::Int(v) => v,
                Member::Bytes(b) => parse_i64(b).unwrap(),
            })
            .collect()
    }

    fn sorted_members(s: &Set) -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> = s.iter().map(|m| m.to_vec()).collect();
        v.sort();
        v
    }

    #[test]
    fn intset_keeps_redis_layout_and_widths() {
        let mut s = Set::new();
        assert_eq!(s.intset_blob().unwrap(), b"\x02\0\0\0\0\0\0\0");
        for v in [3, 1, 2] {
            assert!(s.add(v.to_string().as_bytes(), 512));
        }
        assert!(!s.add(b"2", 512));
        assert_eq!(
            s.intset_blob().unwrap(),
            b"\x02\0\0\0\x03\0\0\0\x01\0\x02\0\x03\0"
        );
        // A value past 16 bits widens everything to 32; a negative one goes first.
        assert!(s.add(b"-70000", 512));
        assert_eq!(ints(&s), vec![-70000, 1, 2, 3]);
        assert_eq!(&s.intset_blob().unwrap()[..8], b"\x04\0\0\0\x04\0\0\0");
        assert!(s.add(b"9223372036854775807", 512));
        assert!(s.add(b"-9223372036854775808", 512));
        assert_eq!(ints(&s), vec![i64::MIN, -70000, 1, 2, 3, i64::MAX]);
        assert_eq!(s.intset_blob().unwrap()[0], 8);
        // Removing never narrows.
        assert!(s.remove(b"9223372036854775807"));
        assert!(s.remove(b"-9223372036854775808"));
        assert!(!s.remove(b"-9223372036854775808"));
        assert!(!s.remove(b"abc"));
        assert_eq!(s.intset_blob().unwrap()[0], 8);
        assert_eq!(s.encoding(), "intset");
        // The integers alone are on the heap, in a block of exactly their size.
        let Repr::Ints(is) = &s.repr else { panic!() };
        assert_eq!(is.capacity(), 4 * 8);
        assert!(s.contains(b"-70000"));
        assert!(!s.contains(b"70000"));
        assert!(!s.contains(b"99999999999"));
        // Not integers in the strict sense: these go to a hashtable.
        for m in ["01", "+1", "-0", " 1", "1.0"] {
            let mut t = Set::new();
            t.add(b"5", 512);
            assert!(t.add(m.as_bytes(), 512));
            assert_eq!(t.encoding(), "hashtable", "{m}");
            assert!(t.contains(m.as_bytes()) && t.contains(b"5"));
        }
    }

    #[test]
    fn converts_past_the_limit_and_never_back() {
        let mut s = Set::new();
        for v in 0..4 {
            s.add(v.to_string().as_bytes(), 4);
        }
        assert_eq!(s.encoding(), "intset");
        s.add(b"4", 4);
        assert_eq!(s.encoding(), "hashtable");
        s.remove(b"4");
        s.remove(b"3");
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains(b"0") && s.contains_member(Member::Int(2)));
        // A limit of 0: even one integer is a hashtable.
        let mut z = Set::new();
        z.add(b"1", 0);
        assert_eq!(z.encoding(), "hashtable");
    }

    #[test]
    fn table_swap_remove_keeps_the_index_right() {
        let mut s = Set::new();
        s.add(b"x", 512);
        for i in 0..1000 {
            assert!(s.add(format!("m{i}").as_bytes(), 512));
        }
        assert_eq!(s.len(), 1001);
        for i in (0..1000).step_by(3) {
            assert!(s.remove(format!("m{i}").as_bytes()));
            assert!(!s.remove(format!("m{i}").as_bytes()));
        }
        for i in 0..1000 {
            assert_eq!(s.contains(format!("m{i}").as_bytes()), i % 3 != 0, "{i}");
        }
        let mut rng = Rng::new(7);
        while s.len() > 1 {
            let m = s.pop_random(&mut rng).unwrap();
            assert!(!s.contains_member(m.as_member()));
        }
        assert_eq!(s.len(), 1);
        let left = s.get(0).to_vec();
        assert!(s.contains(&left));
    }

    #[test]
    fn random_members_reach_everyone() {
        let mut s = Set::new();
        for m in ["a", "b", "c", "d", "e"] {
            s.add(m.as_bytes(), 512);
        }
        let mut rng = Rng::new(1);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            seen.insert(s.random(&mut rng).unwrap().to_vec());
        }
        assert_eq!(seen.len(), 5);
        let sample = s.sample(3, &mut rng);
        let distinct: std::collections::HashSet<_> = sample.iter().map(|m| m.to_vec()).collect();
        assert_eq!(distinct.len(), 3);
    }

    #[test]
    fn pop_many_rebuilds_as_redis_does() {
        // Few left: a hashtable whose kept members are integers becomes an intset.
        let mut rng = Rng::new(3);
        for seed in 0..20 {
            let mut s = Set::new();
            for m in ["a", "1", "2", "3", "4", "5", "6"] {
                s.add(m.as_bytes(), 512);
            }
            let mut r = Rng::new(seed);
            let popped = s.pop_many(6, &mut r, 512);
            assert_eq!(popped.len(), 6);
            assert_eq!(s.len(), 1);
            let expected = if s.get(0).as_int().is_some() {
                "intset"
            } else {
                "hashtable"
            };
            assert_eq!(s.encoding(), expected);
        }
        // Many left: popped one by one, the encoding stays.
        let mut s = Set::new();
        for i in 0..100 {
            s.add(i.to_string().as_bytes(), 512);
        }
        s.add(b"70000", 512);
        let popped = s.pop_many(10, &mut rng, 512);
        assert_eq!(popped.len(), 10);
        assert_eq!(s.len(), 91);
        for p in &popped {
            assert!(!s.contains_member(p.as_member()));
        }
        // An intset rebuilt from small kept values narrows to 16 bits.
        let mut s = Set::new();
        for m in ["1", "2", "3", "4", "5", "100000"] {
            s.add(m.as_bytes(), 512);
        }
        loop {
            let mut t = s.clone();
            let popped = t.pop_many(5, &mut rng, 512);
            assert_eq!(popped.len(), 5);
            if t.get(0) != Member::Int(100000) {
                assert_eq!(t.intset_blob().unwrap()[0], 2);
                break;
            }
            assert_eq!(t.intset_blob().unwrap()[0], 4);
        }
        // A hashtable of strings popped deep stays a hashtable, members all accounted for.
        let mut s = Set::new();
        for i in 0..50 {
            s.add(format!("s{i}").as_bytes(), 512);
        }
        let before = sorted_members(&s);
        let popped = s.pop_many(45, &mut rng, 512);
        assert_eq!(s.encoding(), "hashtable");
        let mut all: Vec<Vec<u8>> = popped.iter().map(|p| p.as_member().to_vec()).collect();
        all.extend(s.iter().map(|m| m.to_vec()));
        all.sort();
        assert_eq!(all, before);
    }

    #[test]
    fn scan_returns_every_stable_member_despite_removals() {
        let mut s = Set::new();
        s.add(b"k", 512);
        for i in 0..500 {
            s.add(format!("m{i}").as_bytes(), 512);
        }
        // Members removed and added while the scan goes on; m0..m99 stay throughout.
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut round = 0;
        loop {
            cursor = s.scan(cursor, 7, |m| {
                seen.insert(m.to_vec());
            });
            round += 1;
            if round < 60 {
                s.remove(format!("m{}", 100 + round * 3).as_bytes());
                s.add(format!("new{round}").as_bytes(), 512);
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..100 {
            assert!(seen.contains(format!("m{i}").as_bytes()), "m{i}");
        }
        // An intset answers whole, cursor 0, whatever the cursor.
        let mut t = Set::new();
        t.add(b"1", 512);
        t.add(b"2", 512);
        let mut n = 0;
        assert_eq!(t.scan(12345, 1, |_| n += 1), 0);
        assert_eq!(n, 2);
    }

    #[test]
    fn rdb_round_trips_and_picks_encodings() {
        let config = Config::default();
        let mut s = Set::new();
        for v in [5, -3, 100000, 70000, -70000] {
            s.add(v.to_string().as_bytes(), 512);
        }
        let mut out = Vec::new();
        s.write_rdb(&mut out, true);
        // Redis 7.0.15's DUMP of SADD i 5 -3 100000 70000 -70000, less its footer.
        let mut expected = vec![0x0b, 0x1c];
        expected.extend_from_slice(b"\x04\0\0\0\x05\0\0\0");
        for v in [-70000i32, -3, 5, 70000, 100000] {
            expected.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(out, expected);
        let mut input = &out[1..];
        let back = Set::read_rdb(out[0], &mut input, &config).unwrap();
        assert_eq!(back, s);
        assert!(input.is_empty());
        // With a lower limit the same payload loads as a hashtable.
        let small = Config {
            set_max_intset_entries: 4,
            ..Config::default()
        };
        let mut input = &out[1..];
        let back = Set::read_rdb(out[0], &mut input, &small).unwrap();
        assert_eq!(back.encoding(), "hashtable");
        assert_eq!(sorted_members(&back), sorted_members(&s));
        // A hashtable of integers comes back as an intset when it fits.
        let mut h = Set::new();
        for v in 0..10 {
            h.add(v.to_string().as_bytes(), 5);
        }
        assert_eq!(h.encoding(), "hashtable");
        let mut out = Vec::new();
        h.write_rdb(&mut out, true);
        assert_eq!(out[0], RDB_TYPE_SET);
        let mut input = &out[1..];
        let back = Set::read_rdb(out[0], &mut input, &config).unwrap();
        assert_eq!(back.encoding(), "intset");
        assert_eq!(ints(&back), (0..10).collect::<Vec<_>>());
        // Malformed: empty, duplicates, unsorted, bad width, short.
        let bad: [&[u8]; 6] = [
            b"\x00",
            b"\x02\x01a\x01a",
            b"\x02\xc0\x01\xc0\x01",
            b"\x03\x02\x01a",
            b"\x02\x02\x01a",
            b"\x02\x81\xff\xff\xff\xff\xff\xff\xff\xff",
        ];
        for body in bad {
            let mut input = body;
            assert!(
                Set::read_rdb(RDB_TYPE_SET, &mut input, &config).is_none(),
                "{body:?}"
            );
        }
        let intsets: [&[u8]; 5] = [
            b"\x02\0\0\0\0\0\0\0",
            b"\x02\0\0\0\x02\0\0\0\x02\0\x01\0",
            b"\x02\0\0\0\x02\0\0\0\x01\0\x01\0",
            b"\x03\0\0\0\x01\0\0\0\x01\0\0",
            b"\x02\0\0\0\x03\0\0\0\x01\0\x02\0",
        ];
        for blob in intsets {
            let mut body = vec![blob.len() as u8];
            body.extend_from_slice(blob);
            let mut input = &body[..];
            assert!(
                Set::read_rdb(RDB_TYPE_SET_INTSET, &mut input, &config).is_none(),
                "{blob:?}"
            );
        }
        // A wider width than needed is kept as it is.
        let blob = b"\x08\0\0\0\x01\0\0\0\x07\0\0\0\0\0\0\0";
        let mut body = vec![blob.len() as u8];
        body.extend_from_slice(blob);
        let mut input = &body[..];
        let s = Set::read_rdb(RDB_TYPE_SET_INTSET, &mut input, &config).unwrap();
        assert_eq!(s.intset_blob().unwrap(), blob);
    }

    /// A member from a small alphabet: integers (some wide, some not canonical) and words.
    fn member_of(code: u16) -> Vec<u8> {
        match code % 6 {
            0 => (i64::from(code) - 300).to_string().into_bytes(),
            1 => (i64::from(code) * 1_000_003).to_string().into_bytes(),
            2 => (-(i64::from(code) << 40)).to_string().into_bytes(),
            3 => format!("0{code}").into_bytes(),
            _ => format!("w{}", code % 97).into_bytes(),
        }
    }

    proptest::proptest! {
        #[test]
        fn behaves_as_a_set(
            ops in proptest::collection::vec((0u8..4, 0u16..400), 0..300),
            limit in 0u64..40,
            seed in proptest::prelude::any::<u64>(),
        ) {
            let mut s = Set::new();
            let mut model: std::collections::HashSet<Vec<u8>> = Default::default();
            let mut rng = Rng::new(seed);
            for (op, code) in ops {
                let m = member_of(code);
                match op {
                    0 | 1 => proptest::prop_assert_eq!(s.add(&m, limit), model.insert(m.clone())),
                    2 => proptest::prop_assert_eq!(s.remove(&m), model.remove(&m)),
                    _ => {
                        if let Some(p) = s.pop_random(&mut rng) {
                            proptest::prop_assert!(model.remove(&p.as_member().to_vec()));
                        }
                    }
                }
                proptest::prop_assert_eq!(s.len(), model.len());
                proptest::prop_assert_eq!(s.contains(&m), model.contains(&m));
                let all_ints = model.iter().all(|m| parse_i64(m).is_some());
                if s.encoding() == "intset" {
                    proptest::prop_assert!(all_ints && model.len() as u64 <= limit);
                }
            }
            let mut got: Vec<Vec<u8>> = s.iter().map(|m| m.to_vec()).collect();
            got.sort();
            let mut want: Vec<Vec<u8>> = model.iter().cloned().collect();
            want.sort();
            proptest::prop_assert_eq!(&got, &want);
            // RDB round trip, and a bulk pop that leaves the rest intact.
            if !s.is_empty() {
                let mut out = Vec::new();
                s.write_rdb(&mut out, true);
                let config = Config { set_max_intset_entries: limit, ..Config::default() };
                let mut input = &out[1..];
                let back = Set::read_rdb(out[0], &mut input, &config).unwrap();
                proptest::prop_assert!(input.is_empty());
                let mut again: Vec<Vec<u8>> = back.iter().map(|m| m.to_vec()).collect();
                again.sort();
                proptest::prop_assert_eq!(&again, &want);
                let ints_fit = want.iter().all(|m| parse_i64(m).is_some()) && want.len() as u64 <= limit;
                proptest::prop_assert_eq!(back.encoding() == "intset", ints_fit);
                if s.len() > 1 {
                    let count = 1 + rng.below(s.len() - 1);
                    let popped = s.pop_many(count, &mut rng, limit);
                    proptest::prop_assert_eq!(popped.len(), count);
                    let mut all: Vec<Vec<u8>> = popped.iter().map(|p| p.as_member().to_vec()).collect();
                    all.extend(s.iter().map(|m| m.to_vec()));
                    all.sort();
                    proptest::prop_assert_eq!(&all, &want);
                }
            }
        }
    }
}
