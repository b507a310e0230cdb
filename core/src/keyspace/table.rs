//! A shard's hash table: a directory of bounded segments (extendible hashing, the idea of
//! Dragonfly's Dashtable) built from hashbrown with ahash.
//!
//! Why segments: a single hashbrown table doubles and rehashes everything at once, a stall that
//! grows with the shard. Here a full segment splits in two by the next bit of the hash, so the
//! largest pause is one segment's worth of moves, whatever the size of the shard. The directory
//! is indexed by the top bits of the hash, which makes the order of segments the order of hash
//! values: SCAN walks keys in hash order, so its cursor (a position in hash space) stays valid
//! while segments split under it, and a snapshot can walk segment by segment while writes go on.

use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::marker::PhantomData;
use std::mem::{align_of, size_of};
use std::ptr::NonNull;

use hashbrown::HashTable;

/// Most entries a segment holds before it splits.
pub const SEGMENT_MAX: usize = 1792;

/// Bits of the hash that SCAN cursors keep (the low bits are dropped so that a shard index can
/// share the 64-bit cursor).
pub const CURSOR_BITS: u32 = 54;

/// The hash a segment's hashbrown table sees. The segment is chosen by the top bits of the
/// key's hash, and hashbrown takes its 7-bit tags from the top bits too: handed on unchanged,
/// every key of a deep segment would carry the same tag, and each probe would compare keys one
/// by one. A multiply by an odd constant mixes every bit into the top ones and keeps the low
/// ones (the bucket index) as uniform as they were.
#[inline]
fn probe(hash: u64) -> u64 {
    hash.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// An entry's key and value as stored: one allocation holding the value, then the key's length
/// (LEB128) and bytes, so that the table itself keeps one pointer per key.
///
/// Why: a table of (key, value) pairs pays its empty buckets at the full width of a pair, and a
/// boxed key is one more allocation with its own header. A short key and a small value cost one
/// allocation and an 8-byte bucket instead (Redis spends a dict entry, an sds and a robj).
pub struct Slot<V> {
    ptr: NonNull<V>,
    owns: PhantomData<V>,
}

// SAFETY: a slot owns its allocation exclusively, as a Box<V> would.
unsafe impl<V: Send> Send for Slot<V> {}
// SAFETY: shared access only reads, as through &Box<V>.
unsafe impl<V: Sync> Sync for Slot<V> {}

impl<V> Slot<V> {
    /// A slot holding `value` for `key`.
    pub fn new(key: &[u8], value: V) -> Slot<V> {
        let mut len = [0u8; 10];
        let n = write_varint(key.len() as u64, &mut len);
        let layout = Self::layout(n + key.len());
        // SAFETY: the layout is non-zero in size (the key's length takes at least one byte);
        // the value is written at offset 0 (aligned for V), the length and key after it,
        // all inside the allocation.
        unsafe {
            let p = alloc(layout);
            if p.is_null() {
                handle_alloc_error(layout);
            }
            std::ptr::write(p as *mut V, value);
            let tail = p.add(size_of::<V>());
            std::ptr::copy_nonoverlapping(len.as_ptr(), tail, n);
            std::ptr::copy_nonoverlapping(key.as_ptr(), tail.add(n), key.len());
            Slot {
                ptr: NonNull::new_unchecked(p as *mut V),
                owns: PhantomData,
            }
        }
    }

    fn layout(tail: usize) -> Layout {
        Layout::from_size_align(size_of::<V>() + tail, align_of::<V>())
            .expect("a key shorter than isize::MAX bytes")
    }

    /// The key's length and where its bytes start, after the value.
    fn key_parts(&self) -> (usize, *const u8) {
        // SAFETY: the allocation holds a varint then that many key bytes after the value.
        unsafe {
            let tail = (self.ptr.as_ptr() as *const u8).add(size_of::<V>());
            let (len, n) = read_varint(tail);
            (len, tail.add(n))
        }
    }

    /// The key's bytes.
    pub fn key(&self) -> &[u8] {
        let (len, start) = self.key_parts();
        // SAFETY: `len` bytes of key follow the length, inside the allocation.
        unsafe { std::slice::from_raw_parts(start, len) }
    }

    /// The value.
    pub fn value(&self) -> &V {
        // SAFETY: a live slot holds an initialised V at offset 0.
        unsafe { self.ptr.as_ref() }
    }

    /// The value, to change it in place.
    pub fn value_mut(&mut self) -> &mut V {
        // SAFETY: as `value`, with exclusive access through &mut self.
        unsafe { self.ptr.as_mut() }
    }

    /// Asks the CPU to start loading the slot's first cache line (value and key) now, so that a
    /// lookup soon after does not wait for memory.
    pub fn prefetch(&self) {
        prefetch_line(self.ptr.as_ptr() as *const u8);
    }

    /// Frees the slot and hands its value back.
    pub fn into_value(self) -> V {
        let this = std::mem::ManuallyDrop::new(self);
        let layout = this.own_layout();
        // SAFETY: the value is moved out exactly once, then the memory freed without dropping
        // it again (ManuallyDrop keeps Drop from running).
        unsafe {
            let value = std::ptr::read(this.ptr.as_ptr());
            dealloc(this.ptr.as_ptr() as *mut u8, layout);
            value
        }
    }

    fn own_layout(&self) -> Layout {
        let (len, start) = self.key_parts();
        let tail = start as usize - (self.ptr.as_ptr() as usize + size_of::<V>()) + len;
        Self::layout(tail)
    }
}

impl<V> Drop for Slot<V> {
    fn drop(&mut self) {
        let layout = self.own_layout();
        // SAFETY: the slot owns an initialised V and the allocation of `layout`.
        unsafe {
            std::ptr::drop_in_place(self.ptr.as_ptr());
            dealloc(self.ptr.as_ptr() as *mut u8, layout);
        }
    }
}

/// Writes `n` as LEB128 into `out`; returns the bytes used.
fn write_varint(mut n: u64, out: &mut [u8; 10]) -> usize {
    let mut i = 0;
    while n >= 0x80 {
        out[i] = (n as u8) | 0x80;
        n >>= 7;
        i += 1;
    }
    out[i] = n as u8;
    i + 1
}

/// Reads a LEB128 number at `p`; returns it and the bytes it took.
///
/// # Safety
/// `p` must point at a complete LEB128 number written by `write_varint`.
unsafe fn read_varint(p: *const u8) -> (usize, usize) {
    let mut n = 0usize;
    let mut i = 0;
    loop {
        // SAFETY: the caller guarantees the number is complete.
        let b = unsafe { *p.add(i) };
        n |= ((b & 0x7f) as usize) << (7 * i);
        i += 1;
        if b < 0x80 {
            return (n, i);
        }
    }
}

struct Segment<V> {
    depth: u32,
    table: HashTable<Slot<V>>,
    /// Not yet written by the snapshot in progress: its keys are written before the first
    /// change to any of them (see [`SegTable::begin_snapshot`]).
    snap_pending: bool,
}

/// Writes one entry into a snapshot's bytes.
pub type SnapEncode<V> = Box<dyn FnMut(&mut Vec<u8>, &Slot<V>)>;

/// A snapshot in progress over one table.
pub struct SnapState<V> {
    /// Bytes encoded and not yet taken.
    out: Vec<u8>,
    encode: SnapEncode<V>,
    /// Where the walk looks for the next pending segment.
    next: usize,
    /// Keys of pending segments the walk must pass over: written ahead of it because a change
    /// came first, or added since the start.
    done: hashbrown::HashSet<Box<[u8]>>,
    /// The segment the walk is inside, if any: the walk writes a segment a slice at a time,
    /// so that no step holds the shard long.
    walking: Option<usize>,
    /// The hashes of that segment's keys the walk has still to write, in the order it takes
    /// them (`order`), and as a set (`left`: a change to one of them writes it first and takes
    /// it out).
    order: Vec<u64>,
    left: hashbrown::HashSet<u64>,
}

/// What [`SegTable::get_mut_unless`] found.
pub enum Lookup<'a, V> {
    /// The key, to read or change.
    Live(&'a mut Slot<V>),
    /// The key was stale and is gone; its value.
    Removed(V),
    /// No such key.
    Absent,
}

/// The segmented table. Keys are byte strings; values are whatever the keyspace stores.
pub struct SegTable<V> {
    dir: Vec<u32>,
    global_depth: u32,
    segments: Vec<Segment<V>>,
    len: usize,
    hasher: ahash::RandomState,
    snap: Option<Box<SnapState<V>>>,
}

impl<V> Default for SegTable<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V> SegTable<V> {
    /// An empty table with one segment.
    pub fn new() -> Self {
        SegTable {
            dir: vec![0],
            global_depth: 0,
            segments: vec![Segment {
                depth: 0,
                table: HashTable::new(),
                snap_pending: false,
            }],
            len: 0,
            snap: None,
            hasher: ahash::RandomState::with_seeds(
                0x5e55_e7a0,
                0x7e55_e7a1,
                0x9e37_79b9_7f4a_7c15,
                0xc2b2_ae3d_27d4_eb4f,
            ),
        }
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the table holds no key.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of segments (for INFO and tests of growth).
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// The hash this table uses for `key`.
    pub fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    fn segment_of(&self, hash: u64) -> usize {
        let idx = if self.global_depth == 0 {
            0
        } else {
            (hash >> (64 - self.global_depth)) as usize
        };
        self.dir[idx] as usize
    }

    /// The entry for `key`.
    pub fn get(&self, key: &[u8]) -> Option<&Slot<V>> {
        let h = self.hash(key);
        self.segments[self.segment_of(h)]
            .table
            .find(probe(h), |s| s.key() == key)
    }

    /// Starts loading the bucket a lookup of the key with hash `h` (from [`SegTable::hash`])
    /// will read: the segment's control bytes are read now, the bucket is only prefetched.
    /// Returns the bucket's slot, whose entry [`Slot::prefetch`] loads next, once the bucket
    /// has had time to arrive: called in passes over the keys of a pipeline (all buckets, then
    /// all entries), the loads of many keys are in flight at once instead of each key's misses
    /// queueing one after another.
    pub fn prefetch(&self, h: u64) -> Option<&Slot<V>> {
        let slot = self.segments[self.segment_of(h)]
            .table
            .iter_hash(probe(h))
            .next()?;
        prefetch_line(slot as *const Slot<V> as *const u8);
        Some(slot)
    }

    /// The entry for `key`, to change its value.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Slot<V>> {
        let h = self.hash(key);
        let seg = self.segment_of(h);
        self.before_write_key(seg, h, key);
        self.segments[seg]
            .table
            .find_mut(probe(h), |s| s.key() == key)
    }

    /// The entry for `key`, for a change a snapshot need not see before it happens (the access
    /// data a read updates).
    pub fn get_mut_untracked(&mut self, key: &[u8]) -> Option<&mut Slot<V>> {
        let h = self.hash(key);
        let seg = self.segment_of(h);
        self.segments[seg]
            .table
            .find_mut(probe(h), |s| s.key() == key)
    }

    /// The entry for `key` in one probe, unless `stale(value)` holds (an expired key): then the
    /// key is removed and its value handed back. `tracked`: the caller may change the value, so
    /// a snapshot in progress must see it first (see [`SegTable::get_mut`]).
    pub fn get_mut_unless(
        &mut self,
        key: &[u8],
        tracked: bool,
        stale: impl FnOnce(&V) -> bool,
    ) -> Lookup<'_, V> {
        let h = self.hash(key);
        let seg = self.segment_of(h);
        if self.snap.is_some() {
            return self.get_mut_unless_in_snapshot(h, seg, key, tracked, stale);
        }
        match self.segments[seg]
            .table
            .find_entry(probe(h), |s| s.key() == key)
        {
            Err(_) => Lookup::Absent,
            Ok(entry) if stale(entry.get().value()) => {
                self.len -= 1;
                Lookup::Removed(entry.remove().0.into_value())
            }
            Ok(entry) => Lookup::Live(entry.into_mut()),
        }
    }

    /// [`SegTable::get_mut_unless`] while a snapshot runs: a removal or a change is shown to
    /// the snapshot first.
    fn get_mut_unless_in_snapshot(
        &mut self,
        h: u64,
        seg: usize,
        key: &[u8],
        tracked: bool,
        stale: impl FnOnce(&V) -> bool,
    ) -> Lookup<'_, V> {
        let is_stale = match self.segments[seg].table.find(probe(h), |s| s.key() == key) {
            None => return Lookup::Absent,
            Some(slot) => stale(slot.value()),
        };
        if is_stale {
            return self.remove(key).map_or(Lookup::Absent, Lookup::Removed);
        }
        if tracked {
            self.before_write_key(seg, h, key);
        }
        self.segments[seg]
            .table
            .find_mut(probe(h), |s| s.key() == key)
            .map_or(Lookup::Absent, Lookup::Live)
    }

    /// Inserts or replaces `key`, returning the value it replaced.
    pub fn insert(&mut self, key: &[u8], value: V) -> Option<V> {
        self.insert_with(key, value, |_, _| {})
    }

    /// As [`SegTable::insert`]; when the key exists, `carry(old, new)` first moves what should
    /// survive the replacement from the old value to the new one, in the same lookup.
    pub fn insert_with(
        &mut self,
        key: &[u8],
        mut value: V,
        carry: impl FnOnce(&V, &mut V),
    ) -> Option<V> {
        let h = self.hash(key);
        let seg = self.segment_of(h);
        self.before_write_key(seg, h, key);
        if let Some(slot) = self.segments[seg]
            .table
            .find_mut(probe(h), |s| s.key() == key)
        {
            carry(slot.value(), &mut value);
            return Some(std::mem::replace(slot.value_mut(), value));
        }
        self.insert_new(h, key, value);
        None
    }

    /// Inserts a key known to be absent; returns its slot.
    pub fn insert_new(&mut self, hash: u64, key: &[u8], value: V) -> &mut Slot<V> {
        let mut seg = self.segment_of(hash);
        if self.segments[seg].table.len() >= SEGMENT_MAX {
            // A pending segment is written whole before its keys move.
            self.before_write(seg);
            self.split(seg);
            seg = self.segment_of(hash);
        }
        self.before_write_key(seg, hash, key);
        self.len += 1;
        let hasher = &self.hasher;
        self.segments[seg]
            .table
            .insert_unique(probe(hash), Slot::new(key, value), |s| {
                probe(hasher.hash_one(s.key()))
            })
            .into_mut()
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<V> {
        let h = self.hash(key);
        let seg = self.segment_of(h);
        self.before_write_key(seg, h, key);
        match self.segments[seg]
            .table
            .find_entry(probe(h), |s| s.key() == key)
        {
            Ok(entry) => {
                self.len -= 1;
                Some(entry.remove().0.into_value())
            }
            Err(_) => None,
        }
    }

    fn split(&mut self, seg: usize) {
        let depth = self.segments[seg].depth;
        if depth == self.global_depth {
            let mut dir = Vec::with_capacity(self.dir.len() * 2);
            for &s in &self.dir {
                dir.push(s);
                dir.push(s);
            }
            self.dir = dir;
            self.global_depth += 1;
        }
        let bit = 63 - depth;
        let old = std::mem::take(&mut self.segments[seg].table);
        let hasher = &self.hasher;
        let mut low = HashTable::with_capacity(old.len() / 2 + 1);
        let mut high = HashTable::with_capacity(old.len() / 2 + 1);
        for slot in old {
            let h = hasher.hash_one(slot.key());
            let target = if (h >> bit) & 1 == 1 {
                &mut high
            } else {
                &mut low
            };
            target.insert_unique(probe(h), slot, |s| probe(hasher.hash_one(s.key())));
        }
        let new_index = self.segments.len() as u32;
        // A segment splits only once its snapshot (if any) has written it.
        self.segments[seg] = Segment {
            depth: depth + 1,
            table: low,
            snap_pending: false,
        };
        self.segments.push(Segment {
            depth: depth + 1,
            table: high,
            snap_pending: false,
        });
        // Directory entries pointing to `seg` form one aligned run; its upper half moves.
        let run = 1usize << (self.global_depth - depth);
        let first = self
            .dir
            .iter()
            .position(|&s| s as usize == seg)
            .unwrap_or(0);
        for d in &mut self.dir[first + run / 2..first + run] {
            *d = new_index;
        }
    }

    /// Removes every key (a snapshot in progress writes them first, and goes on).
    pub fn clear(&mut self) {
        self.snapshot_flush();
        let snap = self.snap.take();
        *self = SegTable {
            hasher: self.hasher.clone(),
            ..SegTable::new()
        };
        self.snap = snap;
    }

    /// Visits every entry.
    pub fn iter(&self) -> impl Iterator<Item = &Slot<V>> {
        self.segments.iter().flat_map(|s| s.table.iter())
    }

    /// Keeps only the entries of segment `seg` for which `keep` is true; for sweeps that walk
    /// one segment at a time (expiry). Returns how many were removed.
    pub fn retain_segment(
        &mut self,
        seg: usize,
        mut keep: impl FnMut(&mut Slot<V>) -> bool,
    ) -> usize {
        if seg >= self.segments.len() {
            return 0;
        }
        self.before_write(seg);
        let segment = &mut self.segments[seg];
        let before = segment.table.len();
        segment.table.retain(|s| keep(s));
        let removed = before - segment.table.len();
        self.len -= removed;
        removed
    }

    /// Visits up to about `count` keys in hash order starting at `cursor` (0 starts), calling
    /// `visit` for each; returns the next cursor, 0 once every key was visited.
    ///
    /// Every key present from the first call to the last is visited at least once, however the
    /// table grows in between, because the order is that of hash values, not of memory.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&Slot<V>)) -> u64 {
        let shift = 64 - CURSOR_BITS;
        let limit = 1u64 << CURSOR_BITS;
        let mut pos = cursor & (limit - 1);
        let mut visited = 0usize;
        let mut batch: Vec<(u64, &Slot<V>)> = Vec::new();
        loop {
            let h = pos << shift;
            let seg = &self.segments[self.segment_of(h)];
            batch.clear();
            batch.extend(seg.table.iter().filter_map(|s| {
                let p = self.hasher.hash_one(s.key()) >> shift;
                (p >= pos).then_some((p, s))
            }));
            batch.sort_unstable_by_key(|(p, _)| *p);
            let mut i = 0;
            while i < batch.len() {
                let p = batch[i].0;
                // Never stop between two keys of the same cursor position.
                while i < batch.len() && batch[i].0 == p {
                    visit(batch[i].1);
                    visited += 1;
                    i += 1;
                }
                if visited >= count && i < batch.len() {
                    return p + 1;
                }
            }
            let span_bits = 64 - seg.depth;
            let seg_start = if seg.depth == 0 {
                0
            } else {
                (h >> span_bits) << span_bits
            };
            let seg_end = seg_start as u128 + (1u128 << span_bits);
            if seg_end >= 1u128 << 64 {
                return 0;
            }
            pos = (seg_end as u64) >> shift;
            if visited >= count {
                return pos;
            }
        }
    }

    /// Visits up to `n` entries that pass `keep`, taken in a row from a random place (Redis's
    /// `dictGetSomeKeys`): the order of a segment is that of hashes, so a run of neighbours is
    /// as good a sample as scattered picks and far cheaper. Looks at `budget` entries at most
    /// (the whole table once at most), so a rare `keep` may visit fewer than `n`.
    pub fn sample(
        &self,
        rand: u64,
        n: usize,
        budget: usize,
        mut keep: impl FnMut(&Slot<V>) -> bool,
        mut visit: impl FnMut(&Slot<V>),
    ) {
        if self.len == 0 || n == 0 {
            return;
        }
        let segments = self.segments.len();
        let first = (rand as usize) % segments;
        let first_buckets = self.segments[first].table.num_buckets();
        let start = ((rand >> 24) as usize) % first_buckets.max(1);
        let mut budget = budget;
        let mut taken = 0;
        // The entries picked are visited in batches, each prefetched when picked: their
        // cache misses overlap instead of following one another.
        let mut picked: [Option<&Slot<V>>; SAMPLE_BATCH] = [None; SAMPLE_BATCH];
        let mut held = 0;
        // Buckets are reached by index, so the starting point costs nothing: the first segment
        // from `start` on, the others whole, then the first one's beginning.
        'walk: for i in 0..=segments {
            let seg = &self.segments[(first + i) % segments].table;
            let (from, to) = match i {
                0 => (start, seg.num_buckets()),
                _ if i == segments => (0, start),
                _ => (0, seg.num_buckets()),
            };
            for s in (from..to).filter_map(|b| seg.get_bucket(b)) {
                if budget == 0 {
                    break 'walk;
                }
                budget -= 1;
                if keep(s) {
                    s.prefetch();
                    picked[held] = Some(s);
                    held += 1;
                    taken += 1;
                    if taken == n {
                        break 'walk;
                    }
                    if held == SAMPLE_BATCH {
                        picked.iter().copied().flatten().for_each(&mut visit);
                        held = 0;
                    }
                }
            }
        }
        picked[..held].iter().copied().flatten().for_each(visit);
    }

    /// A key chosen at random (about uniformly), from `rand` (any random 64-bit number): the
    /// first key at or after a random bucket of a random segment, as Redis's
    /// `dictGetRandomKey` takes the first of a random chain.
    pub fn random(&self, rand: u64) -> Option<&Slot<V>> {
        if self.len == 0 {
            return None;
        }
        let start = (rand as usize) % self.segments.len();
        for i in 0..self.segments.len() {
            let seg = &self.segments[(start + i) % self.segments.len()].table;
            if seg.is_empty() {
                continue;
            }
            let buckets = seg.num_buckets();
            let from = ((rand >> 20) as usize) % buckets;
            return (from..buckets)
                .chain(0..from)
                .find_map(|b| seg.get_bucket(b));
        }
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Snapshots that let writes go on
// ---------------------------------------------------------------------------------------------

/// A point-in-time image of the table while it keeps changing, without a copy of it: from
/// [`SegTable::begin_snapshot`] every segment is pending; the walk ([`SegTable::snapshot_step`])
/// writes pending segments in turn, a slice of keys at a time, and a change to a key not yet
/// written first writes that key, as it was (a change to many keys at once, or a segment's
/// split, first writes the whole segment). Every key present at the start is written once, with
/// its value at the start. The bytes wait in the table until taken; what they cost beyond the
/// data is the keys written ahead of the walk because a write came first, and their names.
impl<V> SegTable<V> {
    /// Starts a snapshot whose entries `encode` writes.
    pub fn begin_snapshot(&mut self, encode: SnapEncode<V>) {
        for seg in &mut self.segments {
            seg.snap_pending = true;
        }
        self.snap = Some(Box::new(SnapState {
            out: Vec::new(),
            encode,
            next: 0,
            done: hashbrown::HashSet::new(),
            walking: None,
            order: Vec::new(),
            left: hashbrown::HashSet::new(),
        }));
    }

    /// True while a snapshot is in progress.
    pub fn in_snapshot(&self) -> bool {
        self.snap.is_some()
    }

    /// Writes about `max` entries of pending segments (a segment's keys in slices); true once
    /// none is left.
    pub fn snapshot_step(&mut self, max: usize) -> bool {
        let hasher = self.hasher.clone();
        let Some(snap) = self.snap.as_mut() else {
            return true;
        };
        let mut written = 0;
        loop {
            if let Some(seg) = snap.walking {
                let segment = &mut self.segments[seg];
                while written < max {
                    let Some(h) = snap.order.pop() else {
                        break;
                    };
                    if snap.left.remove(&h) {
                        written += write_hash(snap, segment, &hasher, h);
                    }
                }
                if !snap.order.is_empty() {
                    return false;
                }
                segment.snap_pending = false;
                snap.walking = None;
                snap.left.clear();
                snap.next = seg + 1;
                if written >= max {
                    return snap.next >= self.segments.len();
                }
            }
            // The next pending segment: walked a slice at a time when its keys' hashes are
            // all distinct (they almost always are), else written whole now.
            while snap.next < self.segments.len() && !self.segments[snap.next].snap_pending {
                snap.next += 1;
            }
            if snap.next >= self.segments.len() {
                // Segments split off behind the walk were written before they split.
                return true;
            }
            let seg = snap.next;
            let segment = &mut self.segments[seg];
            snap.order.clear();
            snap.left.clear();
            let mut distinct = true;
            for slot in segment.table.iter() {
                let h = hasher.hash_one(slot.key());
                distinct &= snap.left.insert(h);
                snap.order.push(h);
            }
            if distinct {
                snap.walking = Some(seg);
            } else {
                snap.order.clear();
                snap.left.clear();
                written += write_segment(snap, segment);
                snap.next = seg + 1;
            }
            if written >= max {
                return snap.next >= self.segments.len() && snap.walking.is_none();
            }
        }
    }

    /// Writes every pending segment now (before the whole table changes at once).
    pub fn snapshot_flush(&mut self) {
        while !self.snapshot_step(usize::MAX) {}
    }

    /// The bytes written since the last call.
    pub fn take_snapshot_bytes(&mut self) -> Vec<u8> {
        self.snap
            .as_mut()
            .map(|s| std::mem::take(&mut s.out))
            .unwrap_or_default()
    }

    /// Ends the snapshot (done or given up).
    pub fn end_snapshot(&mut self) {
        self.snap = None;
        for seg in &mut self.segments {
            seg.snap_pending = false;
        }
    }

    /// Exchanges the snapshots in progress of two tables (SWAPDB moves the data; the image of
    /// each database stays with its number).
    pub fn swap_snapshots(&mut self, other: &mut SegTable<V>) {
        std::mem::swap(&mut self.snap, &mut other.snap);
    }

    /// Writes segment `seg` into the snapshot first if it is still pending (before a change to
    /// many of its keys at once).
    #[inline]
    fn before_write(&mut self, seg: usize) {
        let hasher = &self.hasher;
        if let Some(snap) = self.snap.as_mut() {
            let segment = &mut self.segments[seg];
            if snap.walking == Some(seg) {
                // The rest of the segment the walk is inside.
                while let Some(h) = snap.order.pop() {
                    if snap.left.remove(&h) {
                        write_hash(snap, segment, hasher, h);
                    }
                }
                segment.snap_pending = false;
                snap.walking = None;
                snap.next = seg + 1;
            } else if segment.snap_pending {
                write_segment(snap, segment);
            }
        }
    }

    /// Before a change to `key` (hash `h`) in segment `seg`: if the segment is still pending,
    /// the key alone is written now, as it is (or, absent, noted as added since the start), and
    /// the walk passes over it later. One key's cost, not a segment's, lands on the write.
    #[inline]
    fn before_write_key(&mut self, seg: usize, h: u64, key: &[u8]) {
        let Some(snap) = self.snap.as_mut() else {
            return;
        };
        let segment = &self.segments[seg];
        if !segment.snap_pending {
            return;
        }
        if snap.walking == Some(seg) {
            // Inside the walk's segment: a key still to be written is written now; one
            // already written, or added since, needs nothing.
            if snap.left.remove(&h) {
                write_hash(snap, segment, &self.hasher, h);
            }
            return;
        }
        if snap.done.contains(key) {
            return;
        }
        if let Some(slot) = segment.table.find(probe(h), |s| s.key() == key) {
            (snap.encode)(&mut snap.out, slot);
        }
        snap.done.insert(key.into());
    }
}

/// Writes the key of `segment` whose hash is `h` (unless written ahead of the walk); returns
/// how many keys it wrote.
fn write_hash<V>(
    snap: &mut SnapState<V>,
    segment: &Segment<V>,
    hasher: &ahash::RandomState,
    h: u64,
) -> usize {
    let mut n = 0;
    for slot in segment.table.iter_hash(probe(h)) {
        if hasher.hash_one(slot.key()) == h
            && (snap.done.is_empty() || !snap.done.contains(slot.key()))
        {
            (snap.encode)(&mut snap.out, slot);
            n += 1;
        }
    }
    n
}

/// Writes a pending segment's keys (those not written ahead of the walk) into the snapshot;
/// returns how many it looked at.
fn write_segment<V>(snap: &mut SnapState<V>, segment: &mut Segment<V>) -> usize {
    if snap.done.is_empty() {
        for slot in segment.table.iter() {
            (snap.encode)(&mut snap.out, slot);
        }
    } else {
        for slot in segment.table.iter() {
            if !snap.done.remove(slot.key()) {
                (snap.encode)(&mut snap.out, slot);
            }
        }
    }
    segment.snap_pending = false;
    segment.table.len()
}

/// Asks the CPU to start loading the cache line at `p`: only a hint, it never faults.
/// Entries [`SegTable::sample`] picks before it visits them.
const SAMPLE_BATCH: usize = 16;

fn prefetch_line(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint; it never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn grows_by_splitting_segments() {
        let mut t = SegTable::new();
        for i in 0..20_000u32 {
            t.insert(format!("key:{i}").as_bytes(), i);
        }
        assert_eq!(t.len(), 20_000);
        assert!(t.segment_count() > 8);
        for i in 0..20_000u32 {
            assert_eq!(
                t.get(format!("key:{i}").as_bytes()).map(|s| *s.value()),
                Some(i)
            );
        }
        assert_eq!(t.remove(b"key:5"), Some(5));
        assert_eq!(t.len(), 19_999);
    }

    #[test]
    fn scan_visits_every_key_even_while_growing() {
        let mut t = SegTable::new();
        for i in 0..3000u32 {
            t.insert(format!("a:{i}").as_bytes(), i);
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut extra = 0u32;
        loop {
            cursor = t.scan(cursor, 10, |s| {
                seen.insert(s.key().to_vec());
            });
            for _ in 0..20 {
                t.insert(format!("b:{extra}").as_bytes(), extra);
                extra += 1;
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..3000u32 {
            assert!(seen.contains(format!("a:{i}").as_bytes()), "missed a:{i}");
        }
    }

    #[test]
    fn a_snapshot_holds_the_start_while_the_table_changes_and_grows() {
        let mut t: SegTable<u64> = SegTable::new();
        for i in 0..5000u64 {
            t.insert(format!("k:{i}").as_bytes(), i);
        }
        let start: std::collections::HashMap<Vec<u8>, u64> =
            t.iter().map(|s| (s.key().to_vec(), *s.value())).collect();
        t.begin_snapshot(Box::new(|out: &mut Vec<u8>, slot: &Slot<u64>| {
            out.extend_from_slice(slot.key());
            out.push(b'=');
            out.extend_from_slice(slot.value().to_string().as_bytes());
            out.push(b'\n');
        }));
        let mut image = Vec::new();
        let mut round = 0u64;
        loop {
            // Writes between steps: changes, removals, and enough new keys to split segments.
            for i in (round * 97..5000).step_by(13) {
                if let Some(slot) = t.get_mut(format!("k:{i}").as_bytes()) {
                    *slot.value_mut() += 1_000_000;
                }
                t.remove(format!("k:{}", i + 1).as_bytes());
                if i % 2 == 0 {
                    // Back again, with another value: the image keeps the first.
                    t.insert(format!("k:{}", i + 1).as_bytes(), 42);
                }
                // A read's access data is no change the image must see first.
                let _ = t.get_mut_untracked(format!("k:{}", i + 3).as_bytes());
            }
            for i in 0..3000u64 {
                t.insert(format!("new:{round}:{i}").as_bytes(), i);
            }
            round += 1;
            let done = t.snapshot_step(200);
            image.extend(t.take_snapshot_bytes());
            if done {
                break;
            }
        }
        t.end_snapshot();
        let text = String::from_utf8(image).unwrap();
        let mut got = std::collections::HashMap::new();
        for line in text.lines() {
            let (k, v) = line.split_once('=').unwrap();
            assert!(
                got.insert(k.as_bytes().to_vec(), v.parse::<u64>().unwrap())
                    .is_none(),
                "{k} twice"
            );
        }
        assert_eq!(got, start);
        assert!(
            t.segment_count() > 2,
            "the table should have grown meanwhile"
        );
    }
}
