//! A hash value in Redis 7.0's two encodings: `listpack` while it is small, `hashtable` after.
//!
//! **listpack**: fields and values alternate in one [`Listpack`], byte for byte what Redis keeps,
//! so DUMP and RDB write the bytes as they are. Every operation is a linear scan, which is what
//! makes it small; a hash leaves it for good (until it is loaded again) on the write that makes
//! it hold more than `hash-max-listpack-entries` fields, or a field or value longer than
//! `hash-max-listpack-value` bytes.
//!
//! **hashtable**: an index map with chained buckets, built to take less memory per field than
//! Redis's dict while keeping every field operation O(1) and allowing O(1) random access:
//!
//! - the pairs live in a dense array of 40-byte entries (split into chunks of 1024, so the array
//!   never reallocates as a whole and never has more than one chunk of room to spare). An entry
//!   holds the field and value together ([`Pair`]: both inline when they add up to 30 bytes,
//!   else one exact heap block for the two), the field's 32-bit hash, and the index of the next
//!   entry of its bucket;
//! - the buckets are an array of 32-bit entry indexes, a power of two of them, at most one field
//!   per bucket on average (Redis's load factor), shrunk when under a tenth full. As Redis's
//!   dict, a resize moves the chains to the new array a few buckets at each write, so that no
//!   write pays for the whole table (a million fields would take tens of milliseconds);
//! - a removal moves the last entry into the hole (swap-remove), so the array stays dense and a
//!   uniform random field is one index away (HRANDFIELD);
//! - HSCAN walks buckets with Redis's reverse-binary cursor: the bucket of a field is the low
//!   bits of its hash, so a field present for the whole scan is returned at least once however
//!   the table grows or shrinks between calls (in the middle of a resize the cursor covers both
//!   arrays, as Redis's `dictScan`), and swap-remove never moves a field to another bucket.
//!
//! Per field that is 40 bytes for the entry and 4 to 8 for the bucket, against Redis's 24-byte
//! dictEntry, 8 to 16 for the bucket pointer and two sds allocations (their headers and
//! allocator size classes included).

use std::sync::OnceLock;

use super::dump::{
    read_len, read_plain_len, read_string, write_len, write_string, RdbLen, RdbObject, RdbString,
    RDB_TYPE_HASH, RDB_TYPE_HASH_LISTPACK, RDB_TYPE_HASH_ZIPLIST,
};
use super::listpack::{Listpack, LpValue};
use super::ziplist;
use crate::config::Config;

// ---------------------------------------------------------------------------------------------
// Pair: a field and its value in 32 bytes
// ---------------------------------------------------------------------------------------------

/// Most bytes a field and its value may take together to be kept inside the entry.
const PAIR_INLINE: usize = 30;

/// The value length of an inline pair: a byte that can only be 0..=30, which leaves the other
/// values of that byte free to tell [`Pair`]'s variants apart at no extra size.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)] // Made by transmute from a checked length, never by name.
#[rustfmt::skip]
enum InlineLen {
    L0, L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11, L12, L13, L14, L15, L16, L17, L18, L19,
    L20, L21, L22, L23, L24, L25, L26, L27, L28, L29, L30,
}

impl InlineLen {
    fn new(len: usize) -> InlineLen {
        assert!(len <= PAIR_INLINE);
        // SAFETY: InlineLen is repr(u8) with the contiguous values 0..=30, checked above.
        unsafe { std::mem::transmute::<u8, InlineLen>(len as u8) }
    }
}

/// A field and its value, stored together: inside the pair when they are short, else in one
/// heap block holding the field then the value.
#[derive(Clone)]
enum Pair {
    Inline {
        data: [u8; PAIR_INLINE],
        flen: u8,
        vlen: InlineLen,
    },
    Heap {
        data: Box<[u8]>,
        flen: usize,
    },
}

const _: () = assert!(std::mem::size_of::<Pair>() == 32);

impl Pair {
    fn new(field: &[u8], value: &[u8]) -> Pair {
        let total = field.len() + value.len();
        if total <= PAIR_INLINE {
            let mut data = [0u8; PAIR_INLINE];
            data[..field.len()].copy_from_slice(field);
            data[field.len()..total].copy_from_slice(value);
            Pair::Inline {
                data,
                flen: field.len() as u8,
                vlen: InlineLen::new(value.len()),
            }
        } else {
            let mut data = Vec::with_capacity(total);
            data.extend_from_slice(field);
            data.extend_from_slice(value);
            Pair::Heap {
                data: data.into_boxed_slice(),
                flen: field.len(),
            }
        }
    }

    fn field(&self) -> &[u8] {
        match self {
            Pair::Inline { data, flen, .. } => &data[..*flen as usize],
            Pair::Heap { data, flen } => &data[..*flen],
        }
    }

    fn value(&self) -> &[u8] {
        match self {
            Pair::Inline { data, flen, vlen } => {
                &data[*flen as usize..*flen as usize + *vlen as usize]
            }
            Pair::Heap { data, flen } => &data[*flen..],
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Table: the `hashtable` encoding
// ---------------------------------------------------------------------------------------------

/// A link to no entry (an empty bucket, the end of a chain). Links hold an entry's index plus
/// one, so that a fresh bucket array is all zeros: a large one then comes from `calloc`, whose
/// pages the system hands over already zeroed and only when touched.
const NIL: u32 = 0;
/// Entries per chunk, as a power of two.
const CHUNK_BITS: u32 = 10;
const CHUNK: usize = 1 << CHUNK_BITS;
/// Fewest buckets a table has (Redis's `DICT_HT_INITIAL_SIZE`).
const MIN_BUCKETS: usize = 4;
/// Old buckets a write moves while the table is resized (Redis moves one per operation).
const MOVES_PER_WRITE: usize = 2;

#[derive(Clone)]
struct Entry {
    pair: Pair,
    /// The field's hash ([`hash_field`]); its low bits name the bucket.
    hash: u32,
    /// The next entry of the same bucket (a link: index + 1), or [`NIL`].
    next: u32,
}

const _: () = assert!(std::mem::size_of::<Entry>() == 40);

/// The hash of a field: ahash with a per-process random key, so that nobody can choose fields
/// that collide.
fn hash_field(field: &[u8]) -> u32 {
    static HASHER: OnceLock<ahash::RandomState> = OnceLock::new();
    HASHER.get_or_init(ahash::RandomState::new).hash_one(field) as u32
}

/// Redis's reverse-binary cursor step over a table of `mask + 1` buckets.
fn next_cursor(cursor: u64, mask: u64) -> u64 {
    (cursor | !mask)
        .reverse_bits()
        .wrapping_add(1)
        .reverse_bits()
}

/// A bucket array of `n` empty buckets.
fn empty_buckets(n: usize) -> Box<[u32]> {
    vec![NIL; n].into_boxed_slice()
}

/// Where a link lives: a bucket of the current array, of the old one, or an entry's `next`.
#[derive(Clone, Copy)]
enum Link {
    Bucket(usize),
    OldBucket(usize),
    Next(u32),
}

#[derive(Clone)]
struct Table {
    /// Entry `i` is `chunks[i / CHUNK][i % CHUNK]`. Every chunk before the last used one is
    /// full; one empty chunk may follow the used ones, kept against a grow-shrink seesaw.
    chunks: Vec<Vec<Entry>>,
    len: usize,
    /// The heads of the buckets' chains; a power of two of them.
    buckets: Box<[u32]>,
    /// While the table is resized, as Redis's dict is, a little at each write (so that no write
    /// pays for the whole table): the previous bucket array, whose chains move to `buckets`
    /// one bucket at a time. Empty otherwise.
    old: Box<[u32]>,
    /// Old buckets below this one have moved (they are empty).
    moved: usize,
}

impl Table {
    fn with_capacity(n: usize) -> Table {
        Table {
            chunks: vec![Vec::with_capacity(n.clamp(1, CHUNK))],
            len: 0,
            buckets: empty_buckets(n.max(MIN_BUCKETS).next_power_of_two()),
            old: empty_buckets(0),
            moved: 0,
        }
    }

    fn mask(&self) -> usize {
        self.buckets.len() - 1
    }

    fn resizing(&self) -> bool {
        !self.old.is_empty()
    }

    fn entry(&self, i: u32) -> &Entry {
        let i = i as usize;
        &self.chunks[i >> CHUNK_BITS][i & (CHUNK - 1)]
    }

    fn entry_mut(&mut self, i: u32) -> &mut Entry {
        let i = i as usize;
        &mut self.chunks[i >> CHUNK_BITS][i & (CHUNK - 1)]
    }

    fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.chunks.iter().flatten()
    }

    /// The bucket that holds the fields of hash `hash`: in the old array while their old bucket
    /// has not moved yet, else in the current one.
    fn home(&self, hash: u32) -> Link {
        if self.resizing() {
            let b = hash as usize & (self.old.len() - 1);
            if b >= self.moved {
                return Link::OldBucket(b);
            }
        }
        Link::Bucket(hash as usize & self.mask())
    }

    fn read(&self, link: Link) -> u32 {
        match link {
            Link::Bucket(b) => self.buckets[b],
            Link::OldBucket(b) => self.old[b],
            Link::Next(i) => self.entry(i).next,
        }
    }

    fn write(&mut self, link: Link, to: u32) {
        match link {
            Link::Bucket(b) => self.buckets[b] = to,
            Link::OldBucket(b) => self.old[b] = to,
            Link::Next(i) => self.entry_mut(i).next = to,
        }
    }

    /// The index of `field`, whose hash is `hash`.
    fn find(&self, field: &[u8], hash: u32) -> Option<u32> {
        let mut link = self.read(self.home(hash));
        while link != NIL {
            let e = self.entry(link - 1);
            if e.hash == hash && e.pair.field() == field {
                return Some(link - 1);
            }
            link = e.next;
        }
        None
    }

    fn get(&self, field: &[u8]) -> Option<&[u8]> {
        self.find(field, hash_field(field))
            .map(|i| self.entry(i).pair.value())
    }

    /// Sets `field` to `value`; true when the field is new.
    fn set(&mut self, field: &[u8], value: &[u8]) -> bool {
        let hash = hash_field(field);
        match self.find(field, hash) {
            Some(i) => {
                self.entry_mut(i).pair = Pair::new(field, value);
                false
            }
            None => {
                self.push_new(Pair::new(field, value), hash);
                true
            }
        }
    }

    /// Adds a field known to be absent.
    fn push_new(&mut self, pair: Pair, hash: u32) {
        assert!(
            self.len < NIL.wrapping_sub(1) as usize,
            "a hash of fewer than 2^32 - 1 fields"
        );
        let link = (self.len + 1) as u32;
        let home = self.home(hash);
        let entry = Entry {
            pair,
            hash,
            next: self.read(home),
        };
        let c = self.len >> CHUNK_BITS;
        if c == self.chunks.len() {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        let chunk = &mut self.chunks[c];
        if chunk.len() == chunk.capacity() {
            // The first chunk grows by doubling up to a full chunk; later ones start full size.
            let want = (chunk.capacity() * 2).clamp(4, CHUNK);
            chunk.reserve_exact(want - chunk.len());
        }
        chunk.push(entry);
        self.write(home, link);
        self.len += 1;
        self.after_write();
    }

    /// Removes `field`; true when it was there.
    fn remove(&mut self, field: &[u8]) -> bool {
        match self.find(field, hash_field(field)) {
            Some(i) => {
                self.remove_at(i);
                true
            }
            None => false,
        }
    }

    /// Removes entry `idx`: the last entry moves into its place.
    fn remove_at(&mut self, idx: u32) {
        let next = self.entry(idx).next;
        self.repoint(idx, next);
        let last = (self.len - 1) as u32;
        if idx != last {
            self.repoint(last, idx + 1);
        }
        let moved = self.chunks[last as usize >> CHUNK_BITS]
            .pop()
            .expect("the last entry");
        self.len -= 1;
        if idx != last {
            *self.entry_mut(idx) = moved;
        }
        self.trim_chunks();
        self.after_write();
    }

    /// Makes the link that points at entry `from` (its bucket's head, or the entry before it in
    /// the chain) hold `to`.
    fn repoint(&mut self, from: u32, to: u32) {
        let mut link = self.home(self.entry(from).hash);
        loop {
            let at = self.read(link);
            debug_assert!(at != NIL, "entry {from} is not in its chain");
            if at == from + 1 {
                return self.write(link, to);
            }
            link = Link::Next(at - 1);
        }
    }

    /// Frees chunks no longer needed: at most one empty chunk stays after the used ones, and
    /// only while the last used one is at least half full; a lone first chunk gives back room
    /// when it is mostly empty.
    fn trim_chunks(&mut self) {
        let used = self.len.div_ceil(CHUNK).max(1);
        let fill = self.len % CHUNK;
        let keep = if fill == 0 || fill >= CHUNK / 2 {
            used + 1
        } else {
            used
        };
        self.chunks.truncate(keep);
        if self.chunks.len() == 1 {
            let c = &mut self.chunks[0];
            if c.capacity() > 16 && c.len() * 4 < c.capacity() {
                c.shrink_to(c.capacity() / 2);
            }
        }
    }

    /// Moves on a resize in progress, or starts one when the table is more than full (to twice
    /// the buckets) or under a tenth full (to the fewest that hold it), as Redis's dict.
    fn after_write(&mut self) {
        if self.resizing() {
            self.move_buckets(MOVES_PER_WRITE);
            // Writes outran the moves (a shrink, then many adds): finish at once.
            if self.len > 2 * self.buckets.len() {
                self.move_buckets(usize::MAX);
            }
            return;
        }
        let size = self.buckets.len();
        let new_size = if self.len > size {
            size * 2
        } else if size > MIN_BUCKETS && self.len * 10 < size {
            self.len.max(MIN_BUCKETS).next_power_of_two()
        } else {
            return;
        };
        self.old = std::mem::replace(&mut self.buckets, empty_buckets(new_size));
        self.moved = 0;
    }

    /// Moves up to `n` old buckets' chains into the current array (looking at no more than ten
    /// empty buckets per bucket moved, as Redis's `dictRehash`); ends the resize when the last
    /// one has moved.
    fn move_buckets(&mut self, n: usize) {
        let mut empty_visits = n.saturating_mul(10);
        let mut left = n;
        let mask = self.mask();
        while left > 0 && self.moved < self.old.len() {
            let mut link = std::mem::replace(&mut self.old[self.moved], NIL);
            if link == NIL {
                self.moved += 1;
                empty_visits -= 1;
                if empty_visits == 0 {
                    break;
                }
                continue;
            }
            while link != NIL {
                let b = self.entry(link - 1).hash as usize & mask;
                let head = self.buckets[b];
                let e = self.entry_mut(link - 1);
                let next = std::mem::replace(&mut e.next, head);
                self.buckets[b] = link;
                link = next;
            }
            self.moved += 1;
            left -= 1;
        }
        if self.moved == self.old.len() {
            self.old = empty_buckets(0);
            self.moved = 0;
        }
    }

    /// Hands the entries of the chain starting at `link` to `f`.
    fn walk<'a>(&'a self, mut link: u32, f: &mut impl FnMut(&'a Entry)) {
        while link != NIL {
            let e = self.entry(link - 1);
            f(e);
            link = e.next;
        }
    }

    /// Redis's `dictScan`: hands the entries of the bucket `cursor` names to `f` (while the
    /// table is resized: that bucket of the smaller array and every bucket of the larger one
    /// it expands to); returns the next cursor (0 when the walk is over).
    fn scan_bucket<'a>(&'a self, cursor: u64, f: &mut impl FnMut(&'a Entry)) -> u64 {
        if !self.resizing() {
            let mask = self.mask() as u64;
            self.walk(self.buckets[(cursor & mask) as usize], f);
            return next_cursor(cursor, mask);
        }
        let (small, large) = if self.old.len() < self.buckets.len() {
            (&self.old, &self.buckets)
        } else {
            (&self.buckets, &self.old)
        };
        let (m0, m1) = ((small.len() - 1) as u64, (large.len() - 1) as u64);
        let mut v = cursor;
        self.walk(small[(v & m0) as usize], f);
        loop {
            self.walk(large[(v & m1) as usize], f);
            v = next_cursor(v, m1);
            if v & (m0 ^ m1) == 0 {
                return v;
            }
        }
    }

    /// Bytes the table holds beyond the field and value bytes kept out of line: entries
    /// reserved, buckets and the chunk directory (for memory reports and tests).
    fn overhead_bytes(&self) -> usize {
        self.chunks.iter().map(|c| c.capacity()).sum::<usize>() * std::mem::size_of::<Entry>()
            + (self.buckets.len() + self.old.len()) * 4
            + self.chunks.capacity() * std::mem::size_of::<Vec<Entry>>()
    }

    #[cfg(test)]
    fn check(&self) {
        let mut seen = 0;
        for (array, old) in [(&self.buckets, false), (&self.old, true)] {
            for b in 0..array.len() {
                let mut link = array[b];
                while link != NIL {
                    let e = self.entry(link - 1);
                    assert_eq!(e.hash as usize & (array.len() - 1), b);
                    assert_eq!(e.hash, hash_field(e.pair.field()));
                    let home = match self.home(e.hash) {
                        Link::OldBucket(h) => (h, true),
                        Link::Bucket(h) => (h, false),
                        Link::Next(_) => unreachable!(),
                    };
                    assert_eq!(home, (b, old));
                    seen += 1;
                    link = e.next;
                }
            }
        }
        assert_eq!(seen, self.len);
        assert_eq!(self.iter().count(), self.len);
        assert!(self.len <= 2 * self.buckets.len());
    }
}

// ---------------------------------------------------------------------------------------------
// Hash
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
enum Repr {
    Packed(Listpack),
    Table(Box<Table>),
}

/// A hash value: 16 bytes, so that a [`super::Value`] holds it without a box (a small hash is
/// then one allocation, its listpack's entries, besides its key's slot).
#[derive(Clone)]
pub struct Hash {
    repr: Repr,
}

const _: () = assert!(std::mem::size_of::<Hash>() == 16);

impl Default for Hash {
    fn default() -> Self {
        Hash::new()
    }
}

impl std::fmt::Debug for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in self.iter() {
            m.entry(
                &String::from_utf8_lossy(&k.to_vec()),
                &String::from_utf8_lossy(&v.to_vec()),
            );
        }
        m.finish()
    }
}

/// Two hashes are equal when they hold the same fields with the same values, whatever their
/// encodings and orders.
impl PartialEq for Hash {
    fn eq(&self, other: &Hash) -> bool {
        self.len() == other.len()
            && self.iter().all(|(f, v)| {
                let mut b = itoa::Buffer::new();
                let mut c = itoa::Buffer::new();
                other
                    .get(f.as_bytes(&mut b))
                    .is_some_and(|o| o.as_bytes(&mut c) == v.as_bytes(&mut itoa::Buffer::new()))
            })
    }
}

/// A small fast random generator (xorshift64*) for HRANDFIELD's draws.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (any value).
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15 | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
}

/// Iterator over a hash's (field, value) pairs.
pub struct Iter<'a>(IterRepr<'a>);

enum IterRepr<'a> {
    Packed(super::listpack::Iter<'a>),
    Table(std::iter::Flatten<std::slice::Iter<'a, Vec<Entry>>>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (LpValue<'a>, LpValue<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Packed(it) => {
                let f = it.next()?;
                let v = it.next()?;
                Some((f, v))
            }
            IterRepr::Table(it) => it
                .next()
                .map(|e| (LpValue::Str(e.pair.field()), LpValue::Str(e.pair.value()))),
        }
    }
}

/// The bytes of a listpack element, formatting an integer into `buf`.
fn lp_bytes<'a>(v: &LpValue<'a>, buf: &'a mut itoa::Buffer) -> &'a [u8] {
    v.as_bytes(buf)
}

fn too_long(len: usize, config: &Config) -> bool {
    len as u64 > config.hash_max_listpack_value
}

impl Hash {
    /// RDB object types this value is written as and read from.
    pub const RDB_TYPES: &'static [u8] =
        &[RDB_TYPE_HASH, RDB_TYPE_HASH_ZIPLIST, RDB_TYPE_HASH_LISTPACK];

    /// An empty hash, packed.
    pub fn new() -> Hash {
        Hash {
            repr: Repr::Packed(Listpack::new()),
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Packed(lp) => lp.len() / 2,
            Repr::Table(t) => t.len,
        }
    }

    /// True when it holds nothing (an empty collection is never stored).
    pub fn is_empty(&self) -> bool {
        match &self.repr {
            Repr::Packed(lp) => lp.is_empty(),
            Repr::Table(t) => t.len == 0,
        }
    }

    /// The name OBJECT ENCODING answers.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Packed(_) => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    /// True while the hash is a listpack.
    pub fn is_packed(&self) -> bool {
        matches!(self.repr, Repr::Packed(_))
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<LpValue<'_>> {
        match &self.repr {
            Repr::Packed(lp) => {
                let at = lp.find(lp.first(), field, 1)?;
                lp.next(at).map(|v| lp.get(v))
            }
            Repr::Table(t) => t.get(field).map(LpValue::Str),
        }
    }

    /// True when `field` is there.
    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Redis's `hashTypeTryConversion`: turns a packed hash into a table before a write when any
    /// of the strings it will store is longer than `hash-max-listpack-value`.
    /// It also leaves the listpack when the strings together would grow it past
    /// [`super::listpack::SAFETY_SIZE`].
    pub fn convert_for<'a>(&mut self, items: impl IntoIterator<Item = &'a [u8]>, config: &Config) {
        let Repr::Packed(lp) = &self.repr else { return };
        let mut sum = 0usize;
        for s in items {
            if too_long(s.len(), config) {
                self.convert_to_table();
                return;
            }
            sum = sum.saturating_add(s.len());
        }
        if !lp.safe_to_add(sum) {
            self.convert_to_table();
        }
    }

    /// Sets `field` to `value` (Redis's `hashTypeSet`), leaving the listpack first when either is
    /// too long for it, or after when the hash now has too many fields. True when the field is
    /// new.
    pub fn set(&mut self, field: &[u8], value: &[u8], config: &Config) -> bool {
        if let Repr::Packed(lp) = &self.repr {
            if too_long(field.len(), config)
                || too_long(value.len(), config)
                || !lp.safe_to_add(field.len() + value.len())
            {
                self.convert_to_table();
            }
        }
        match &mut self.repr {
            Repr::Packed(lp) => {
                if let Some(at) = lp.find(lp.first(), field, 1) {
                    let v = lp.next(at).expect("a value after each field");
                    lp.replace(v, value);
                    return false;
                }
                lp.insert_many(lp.end(), &[field, value]);
                if (lp.len() / 2) as u64 > config.hash_max_listpack_entries {
                    self.convert_to_table();
                }
                true
            }
            Repr::Table(t) => t.set(field, value),
        }
    }

    /// Removes `field`; true when it was there.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Packed(lp) => match lp.find(lp.first(), field, 1) {
                Some(at) => {
                    lp.remove_run(at, 2);
                    true
                }
                None => false,
            },
            Repr::Table(t) => t.remove(field),
        }
    }

    /// Every (field, value) pair: listpack order, or the table's (insertion order, but for the
    /// last field taking the place of a removed one).
    pub fn iter(&self) -> Iter<'_> {
        match &self.repr {
            Repr::Packed(lp) => Iter(IterRepr::Packed(lp.iter())),
            Repr::Table(t) => Iter(IterRepr::Table(t.chunks.iter().flatten())),
        }
    }

    /// Leaves the listpack encoding for the table (never the other way but on load).
    fn convert_to_table(&mut self) {
        let Repr::Packed(lp) = &self.repr else {
            return;
        };
        let mut t = Table::with_capacity(lp.len() / 2);
        for (f, v) in self.iter() {
            let (mut b1, mut b2) = (itoa::Buffer::new(), itoa::Buffer::new());
            let (f, v) = (lp_bytes(&f, &mut b1), lp_bytes(&v, &mut b2));
            t.push_new(Pair::new(f, v), hash_field(f));
        }
        self.repr = Repr::Table(Box::new(t));
    }

    /// HSCAN's step (Redis's `scanGenericCommand` over a hash): a listpack hands over every pair
    /// and the walk is over (cursor 0); a table walks buckets from `cursor` until `count`
    /// strings (fields and values both count, as in Redis) were found or `count * 10` more
    /// buckets were visited, and returns where to go on.
    pub fn scan<'a>(
        &'a self,
        cursor: u64,
        count: usize,
        mut f: impl FnMut(LpValue<'a>, LpValue<'a>),
    ) -> u64 {
        match &self.repr {
            Repr::Packed(_) => {
                for (k, v) in self.iter() {
                    f(k, v);
                }
                0
            }
            Repr::Table(t) => {
                let found = std::cell::Cell::new(0usize);
                let mut emit = |e: &'a Entry| {
                    found.set(found.get() + 2);
                    f(LpValue::Str(e.pair.field()), LpValue::Str(e.pair.value()));
                };
                let mut cursor = cursor;
                let mut budget = count.saturating_mul(10);
                loop {
                    cursor = t.scan_bucket(cursor, &mut emit);
                    if cursor == 0 || budget == 0 {
                        break;
                    }
                    budget -= 1;
                    if found.get() >= count {
                        break;
                    }
                }
                cursor
            }
        }
    }

    /// `count` pairs drawn at random, each independently (HRANDFIELD with a negative count).
    pub fn random_pairs<'a>(
        &'a self,
        count: usize,
        rng: &mut Rng,
        mut f: impl FnMut(LpValue<'a>, LpValue<'a>),
    ) {
        match &self.repr {
            Repr::Packed(lp) => {
                let fields = packed_fields(lp);
                if fields.is_empty() {
                    return;
                }
                for _ in 0..count {
                    let at = fields[rng.below(fields.len())];
                    let v = lp.next(at).expect("a value after each field");
                    f(lp.get(at), lp.get(v));
                }
            }
            Repr::Table(t) => {
                if t.len == 0 {
                    return;
                }
                for _ in 0..count {
                    let e = t.entry(rng.below(t.len) as u32);
                    f(LpValue::Str(e.pair.field()), LpValue::Str(e.pair.value()));
                }
            }
        }
    }

    /// `count` distinct pairs drawn at random (`count` below the length; HRANDFIELD with a
    /// positive count). A listpack answers in its own order, as Redis's; a table in random order.
    pub fn random_distinct<'a>(
        &'a self,
        count: usize,
        rng: &mut Rng,
        mut f: impl FnMut(LpValue<'a>, LpValue<'a>),
    ) {
        let len = self.len();
        let count = count.min(len);
        match &self.repr {
            Repr::Packed(_) => {
                // Selection sampling: each pair is taken with probability needed / left.
                let mut needed = count;
                for (left, (k, v)) in (1..=len).rev().zip(self.iter()) {
                    if needed == 0 {
                        break;
                    }
                    if rng.below(left) < needed {
                        f(k, v);
                        needed -= 1;
                    }
                }
            }
            Repr::Table(t) => {
                let mut emit = |i: usize| {
                    let e = t.entry(i as u32);
                    f(LpValue::Str(e.pair.field()), LpValue::Str(e.pair.value()));
                };
                if count * 3 > len {
                    // Many of them: a partial shuffle of every index.
                    let mut idx: Vec<u32> = (0..len as u32).collect();
                    for i in 0..count {
                        let j = i + rng.below(len - i);
                        idx.swap(i, j);
                        emit(idx[i] as usize);
                    }
                } else {
                    // Few of them: draw until that many distinct ones came out.
                    let mut seen = hashbrown::HashSet::with_capacity(count);
                    while seen.len() < count {
                        let i = rng.below(len);
                        if seen.insert(i) {
                            emit(i);
                        }
                    }
                }
            }
        }
    }

    /// Bytes of memory the hash's structure takes beyond `size_of::<Hash>()`, not counting the
    /// out-of-line field and value blocks of a table (for memory reports and tests).
    pub fn structure_bytes(&self) -> usize {
        match &self.repr {
            Repr::Packed(lp) => lp.capacity(),
            Repr::Table(t) => std::mem::size_of::<Table>() + t.overhead_bytes(),
        }
    }

    /// Builds a hash from loaded pairs, in the encoding Redis picks when it loads one: a listpack
    /// when there are at most `hash-max-listpack-entries` pairs and no string is longer than
    /// `hash-max-listpack-value`. None when a field repeats.
    fn from_loaded(pairs: Vec<(Vec<u8>, Vec<u8>)>, config: &Config) -> Option<Hash> {
        let packed = pairs.len() as u64 <= config.hash_max_listpack_entries
            && pairs
                .iter()
                .all(|(f, v)| !too_long(f.len(), config) && !too_long(v.len(), config));
        let mut t = Table::with_capacity(pairs.len());
        for (f, v) in &pairs {
            if !t.set(f, v) {
                return None;
            }
        }
        if !packed {
            return Some(Hash {
                repr: Repr::Table(Box::new(t)),
            });
        }
        let lp = Listpack::from_items(pairs.iter().flat_map(|(f, v)| [&f[..], &v[..]]));
        Some(Hash {
            repr: Repr::Packed(lp),
        })
    }

    /// Adopts a loaded listpack of field/value pairs (RDB_TYPE_HASH_LISTPACK, or a converted
    /// ziplist): as Redis, it stays packed unless it holds more than `hash-max-listpack-entries`
    /// pairs. None when it is empty, has an odd number of elements or a field twice.
    fn from_loaded_listpack(lp: Listpack, config: &Config) -> Option<Hash> {
        let n = lp.len();
        if n == 0 || n % 2 == 1 {
            return None;
        }
        let mut hash = Hash {
            repr: Repr::Packed(lp),
        };
        // Duplicate fields: a table refuses them as it is built.
        let mut t = Table::with_capacity(n / 2);
        for (f, v) in hash.iter() {
            let (mut b1, mut b2) = (itoa::Buffer::new(), itoa::Buffer::new());
            if !t.set(lp_bytes(&f, &mut b1), lp_bytes(&v, &mut b2)) {
                return None;
            }
        }
        if (n / 2) as u64 > config.hash_max_listpack_entries {
            hash.repr = Repr::Table(Box::new(t));
        }
        Some(hash)
    }

    #[cfg(test)]
    fn check(&self) {
        if let Repr::Table(t) = &self.repr {
            t.check();
        }
    }
}

/// Offsets of the fields of a packed hash.
fn packed_fields(lp: &Listpack) -> Vec<usize> {
    let mut out = Vec::with_capacity(lp.len() / 2);
    let mut pos = lp.first();
    while let Some(p) = pos {
        out.push(p);
        pos = lp.next(p).and_then(|v| lp.next(v));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// RDB
// ---------------------------------------------------------------------------------------------

impl RdbObject for Hash {
    fn write_rdb(&self, out: &mut Vec<u8>, compress: bool) {
        match &self.repr {
            Repr::Packed(lp) => {
                out.push(RDB_TYPE_HASH_LISTPACK);
                write_string(out, &lp.to_bytes(), compress);
            }
            Repr::Table(t) => {
                out.push(RDB_TYPE_HASH);
                write_len(out, t.len as u64);
                for e in t.iter() {
                    write_string(out, e.pair.field(), compress);
                    write_string(out, e.pair.value(), compress);
                }
            }
        }
    }

    fn read_rdb(rdb_type: u8, input: &mut &[u8], config: &Config) -> Option<Self> {
        match rdb_type {
            RDB_TYPE_HASH => {
                let n = usize::try_from(read_plain_len(input)?).ok()?;
                if n == 0 {
                    return None;
                }
                // Each pair takes at least two bytes: never reserve more than the input holds.
                let mut pairs = Vec::with_capacity(n.min(input.len() / 2));
                for _ in 0..n {
                    let f = read_string(input)?.into_bytes();
                    let v = read_string(input)?.into_bytes();
                    pairs.push((f, v));
                }
                Hash::from_loaded(pairs, config)
            }
            RDB_TYPE_HASH_LISTPACK => {
                let bytes = read_blob(input)?;
                Hash::from_loaded_listpack(Listpack::from_bytes(bytes)?, config)
            }
            RDB_TYPE_HASH_ZIPLIST => {
                let lp = ziplist::to_listpack(&read_blob(input)?)?;
                Hash::from_loaded_listpack(lp, config)
            }
            _ => None,
        }
    }
}

/// A string holding an encoded blob (a listpack, a ziplist): never an int encoding.
fn read_blob(input: &mut &[u8]) -> Option<Vec<u8>> {
    let mut peek = *input;
    if let RdbLen::Encoded(e) = read_len(&mut peek)? {
        // Only LZF (3) can hold a blob; 0..=2 are integers.
        if e != 3 {
            return None;
        }
    }
    match read_string(input)? {
        RdbString::Bytes(b) => Some(b),
        RdbString::Int(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::dump::{dump_value, restore_value_for};
    use super::super::Value;
    use super::*;
    use std::collections::HashMap;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Whatever `hash-max-listpack-value` allows, a listpack never grows past Redis's 1 GiB
    /// safety size: a write that would take it there converts the hash first. (The strings
    /// are zeroed allocations the kernel maps lazily: their size costs no memory.)
    #[test]
    fn a_listpack_never_grows_past_the_safety_size() {
        let config = config(128, u64::MAX);
        let mut h = Hash::new();
        h.set(b"f", b"v", &config);
        let fits = vec![0u8; 1 << 20];
        h.convert_for([&b"g"[..], &fits[..]], &config);
        assert!(h.is_packed());
        let big = vec![0u8; super::super::listpack::SAFETY_SIZE];
        h.convert_for([&b"g"[..], &big[..]], &config);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.get(b"f").map(|v| v.to_vec()), Some(b"v".to_vec()));
    }

    fn config(entries: u64, value: u64) -> Config {
        Config {
            hash_max_listpack_entries: entries,
            hash_max_listpack_value: value,
            ..Config::default()
        }
    }

    fn pairs(h: &Hash) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut v: Vec<_> = h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
        v.sort();
        v
    }

    fn get(h: &Hash, f: &str) -> Option<Vec<u8>> {
        h.get(f.as_bytes()).map(|v| v.to_vec())
    }

    #[test]
    fn pairs_are_inline_up_to_thirty_bytes() {
        assert_eq!(std::mem::size_of::<Hash>(), 16);
        for total in 0..=40usize {
            for flen in [0, total / 2, total] {
                let field = vec![b'f'; flen];
                let value = vec![b'v'; total - flen];
                let p = Pair::new(&field, &value);
                assert_eq!(matches!(p, Pair::Inline { .. }), total <= PAIR_INLINE);
                assert_eq!(p.field(), &field[..]);
                assert_eq!(p.value(), &value[..]);
                let c = p.clone();
                assert_eq!((c.field(), c.value()), (&field[..], &value[..]));
            }
        }
    }

    #[test]
    fn packed_until_a_threshold_is_crossed() {
        let c = config(4, 8);
        let mut h = Hash::new();
        assert!(h.set(b"a", b"1", &c));
        assert!(!h.set(b"a", b"2", &c));
        for f in ["b", "c", "d"] {
            h.set(f.as_bytes(), b"x", &c);
        }
        assert_eq!((h.encoding(), h.len()), ("listpack", 4));
        assert_eq!(get(&h, "a").unwrap(), b"2");
        h.set(b"e", b"x", &c);
        assert_eq!((h.encoding(), h.len()), ("hashtable", 5));
        // Never back, even when small again.
        for f in ["a", "b", "c", "d"] {
            assert!(h.remove(f.as_bytes()));
        }
        assert!(!h.remove(b"a"));
        assert_eq!((h.encoding(), h.len()), ("hashtable", 1));
        h.check();

        // A value or a field longer than the limit.
        let mut h = Hash::new();
        h.set(b"f", b"12345678", &c);
        assert!(h.is_packed());
        h.set(b"f", b"123456789", &c);
        assert!(!h.is_packed());
        let mut h = Hash::new();
        h.set(b"123456789", b"v", &c);
        assert!(!h.is_packed());
        // hashTypeTryConversion looks at every string before a write.
        let mut h = Hash::new();
        h.convert_for([&b"f"[..], b"v"], &c);
        assert!(h.is_packed());
        h.convert_for([&b"f"[..], b"123456789"], &c);
        assert!(!h.is_packed());
        // No field at all fits a listpack limited to 0 entries.
        let mut h = Hash::new();
        h.set(b"a", b"b", &config(0, 64));
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn packed_values_keep_integers_as_redis() {
        let c = Config::default();
        let mut h = Hash::new();
        h.set(b"f1", b"v1", &c);
        h.set(b"f2", b"123", &c);
        assert_eq!(get(&h, "f2").unwrap(), b"123");
        assert!(matches!(h.get(b"f2"), Some(LpValue::Int(123))));
        // The DUMP payload of `HSET h f1 v1 f2 123` in Redis 7.0.15.
        let payload = hex("10151500000004008266310382763103826632037b01ff0a004ac585b69f9c1e83");
        let value = Value::Hash(h);
        assert_eq!(dump_value(&value), payload);
        assert_eq!(restore_value_for(&payload, &c).unwrap(), value);
    }

    /// A table and a model map stay in step through random writes; the table's chains, chunks
    /// and bucket counts stay consistent.
    #[test]
    fn table_matches_a_model() {
        let c = config(0, 64);
        let mut h = Hash::new();
        let mut model: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
        let mut rng = Rng::new(7);
        for step in 0..60_000u32 {
            // Grow for a while, then shrink, then grow again.
            let phase = step / 15_000;
            let key_space = [3000, 3000, 200, 5000][phase as usize];
            let k = format!("field:{}", rng.below(key_space)).into_bytes();
            let insert = match phase {
                2 => rng.below(10) == 0,
                _ => rng.below(10) < 7,
            };
            if insert {
                let v = if rng.below(4) == 0 {
                    vec![b'x'; 40 + rng.below(40)]
                } else {
                    format!("{step}").into_bytes()
                };
                assert_eq!(h.set(&k, &v, &c), model.insert(k.clone(), v).is_none());
            } else {
                assert_eq!(h.remove(&k), model.remove(&k).is_some());
            }
            if step % 97 == 0 {
                h.check();
                assert_eq!(h.len(), model.len());
                for (k, v) in &model {
                    assert_eq!(h.get(k).unwrap().to_vec(), *v);
                }
            }
        }
        let mut want: Vec<_> = model.into_iter().collect();
        want.sort();
        assert_eq!(pairs(&h), want);
    }

    #[test]
    fn removing_everything_gives_memory_back() {
        let c = config(0, 64);
        let mut h = Hash::new();
        for i in 0..5000 {
            h.set(format!("f{i}").as_bytes(), b"v", &c);
        }
        let Repr::Table(t) = &h.repr else { panic!() };
        assert_eq!(t.chunks.len(), 5);
        assert_eq!(t.buckets.len(), 8192);
        for i in 0..4990 {
            assert!(h.remove(format!("f{i}").as_bytes()));
        }
        h.check();
        let Repr::Table(t) = &h.repr else { panic!() };
        assert_eq!(t.chunks.len(), 1);
        assert!(t.chunks[0].capacity() <= 64, "{}", t.chunks[0].capacity());
        assert_eq!(t.buckets.len(), 16);
        assert_eq!(h.len(), 10);
    }

    /// Redis's SCAN guarantee: a field present from the first call to the last is returned,
    /// whatever was added or removed in between (the table grows and shrinks under the cursor).
    #[test]
    fn scan_returns_every_field_present_throughout() {
        let c = config(0, 64);
        // (fields added per call, fields removed per call, COUNT): growing, shrinking, both.
        for (add, remove, count) in [(4, 0, 20), (0, 12, 10), (2, 3, 1), (3, 3, 50)] {
            let mut h = Hash::new();
            for i in 0..2000 {
                h.set(format!("stay{i}").as_bytes(), b"v", &c);
            }
            for i in 0..3000 {
                h.set(format!("go{i}").as_bytes(), b"v", &c);
            }
            let mut seen = std::collections::HashSet::new();
            let mut cursor = 0;
            let (mut gone, mut round, mut resizing) = (0, 0, 0);
            loop {
                cursor = h.scan(cursor, count, |f, _| {
                    seen.insert(f.to_vec());
                });
                if cursor == 0 {
                    break;
                }
                if let Repr::Table(t) = &h.repr {
                    resizing += t.resizing() as usize;
                }
                round += 1;
                for _ in 0..remove {
                    h.remove(format!("go{}", gone % 3000).as_bytes());
                    gone += 1;
                }
                for j in 0..add {
                    h.set(format!("new{round}-{j}").as_bytes(), b"v", &c);
                }
            }
            h.check();
            assert!(resizing > 0, "the table resized under the scan");
            for i in 0..2000 {
                assert!(seen.contains(format!("stay{i}").as_bytes()), "stay{i}");
            }
        }
    }

    #[test]
    fn scan_of_a_listpack_is_one_call() {
        let c = Config::default();
        let mut h = Hash::new();
        for i in 0..100 {
            h.set(format!("f{i}").as_bytes(), b"v", &c);
        }
        let mut n = 0;
        assert_eq!(h.scan(12345, 1, |_, _| n += 1), 0);
        assert_eq!(n, 100);
    }

    #[test]
    fn table_scan_counts_strings_as_redis() {
        // COUNT counts fields and values, so COUNT 2 stops after the first non-empty bucket.
        let c = config(0, 64);
        let mut h = Hash::new();
        for i in 0..1000 {
            h.set(format!("f{i}").as_bytes(), b"v", &c);
        }
        let mut n = 0;
        let next = h.scan(0, 2, |_, _| n += 1);
        assert!(next != 0 && (1..=12).contains(&n), "{n}");
    }

    #[test]
    fn random_draws() {
        let c = Config::default();
        for entries in [512u64, 0] {
            let c = Config {
                hash_max_listpack_entries: entries,
                ..c.clone()
            };
            let mut h = Hash::new();
            for i in 0..50 {
                h.set(format!("f{i}").as_bytes(), format!("{i}").as_bytes(), &c);
            }
            let mut rng = Rng::new(1);
            let mut hits = HashMap::new();
            h.random_pairs(50_000, &mut rng, |f, v| {
                let f = f.to_vec();
                assert_eq!(f[1..], v.to_vec()[..]);
                *hits.entry(f).or_insert(0) += 1;
            });
            assert_eq!(hits.len(), 50);
            assert!(hits.values().all(|&n| (700..1300).contains(&n)), "{hits:?}");
            for count in [1, 10, 16, 17, 30, 49] {
                let mut got = Vec::new();
                h.random_distinct(count, &mut rng, |f, _| got.push(f.to_vec()));
                let distinct: std::collections::HashSet<_> = got.iter().collect();
                assert_eq!((got.len(), distinct.len()), (count, count));
            }
        }
    }

    fn payload(body: &[u8]) -> Vec<u8> {
        let mut p = body.to_vec();
        p.extend_from_slice(&10u16.to_le_bytes());
        let crc = super::super::dump::crc64(0, &p);
        p.extend_from_slice(&crc.to_le_bytes());
        p
    }

    #[test]
    fn rdb_matches_redis() {
        let c = Config::default();
        // Redis 7.0.15: `HSET ht field value` under hash-max-listpack-entries 0 (a table, type
        // 4), `HSET lz f <100 a>` (a table with an LZF value) and a listpack big enough to be
        // compressed.
        let ht = hex("0401056669656c640576616c75650a00b8c1f9a156f9aba9");
        let lz = hex("04010166c3094064016161e057000161610a00e7053bb57ecc3f3d");
        let lp2 = hex("10c31e406b0a6b0000000400816602bc61e03200073d8167029e616263e01202011fff0a00e1511287d5dc72a9");
        // A table written back by a server whose thresholds it fits comes back packed.
        let v = restore_value_for(&ht, &c).unwrap();
        let Value::Hash(h) = &v else { panic!() };
        assert_eq!(h.encoding(), "listpack");
        assert_eq!(get(h, "field").unwrap(), b"value");
        let v = restore_value_for(&ht, &config(0, 64)).unwrap();
        assert_eq!(dump_value(&v), ht);
        let v = restore_value_for(&lz, &c).unwrap();
        let Value::Hash(h) = &v else { panic!() };
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(get(h, "f").unwrap(), vec![b'a'; 100]);
        assert_eq!(dump_value(&v), lz);
        let v = restore_value_for(&lp2, &c).unwrap();
        let Value::Hash(h) = &v else { panic!() };
        assert_eq!(h.encoding(), "listpack");
        assert_eq!(get(h, "f").unwrap(), vec![b'a'; 60]);
        assert_eq!(dump_value(&v), lp2);
        // A listpack stays one whatever the value limit; only the entry limit counts.
        let v = restore_value_for(&lp2, &config(512, 1)).unwrap();
        assert_eq!(v, restore_value_for(&lp2, &c).unwrap());
        let Value::Hash(h) = &v else { panic!() };
        assert_eq!(h.encoding(), "listpack");
        let Value::Hash(h) = restore_value_for(&lp2, &config(1, 64)).unwrap() else {
            panic!()
        };
        assert_eq!(h.encoding(), "hashtable");
        h.check();
    }

    #[test]
    fn rdb_refuses_what_redis_refuses() {
        let c = Config::default();
        let bad = |body: &[u8]| restore_value_for(&payload(body), &c).is_err();
        // Empty hashes, in both encodings.
        assert!(bad(b"\x04\x00"));
        assert!(bad(&[&[16u8, 7][..], &Listpack::new().to_bytes()].concat()));
        // A field twice.
        assert!(bad(b"\x04\x02\x01a\x011\x01a\x012"));
        let dup = Listpack::from_items([&b"a"[..], b"1", b"a", b"2"]);
        let mut body = vec![16u8, dup.byte_len() as u8];
        body.extend_from_slice(&dup.to_bytes());
        assert!(bad(&body));
        // An odd number of elements.
        let odd = Listpack::from_items([&b"a"[..], b"1", b"b"]);
        let mut body = vec![16u8, odd.byte_len() as u8];
        body.extend_from_slice(&odd.to_bytes());
        assert!(bad(&body));
        // Cut short; a listpack given as an integer.
        assert!(bad(b"\x04\x02\x01a\x011"));
        assert!(bad(b"\x10\xc0\x05"));
        // The same, well formed, is fine.
        let ok = Listpack::from_items([&b"a"[..], b"1", b"b", b"2"]);
        let mut body = vec![16u8, ok.byte_len() as u8];
        body.extend_from_slice(&ok.to_bytes());
        assert!(!bad(&body));
        assert!(!bad(b"\x04\x02\x01a\x011\x01b\x012"));
    }

    /// A ziplist (Redis before 7.0) built by hand: every entry encoding, and a previous-entry
    /// length that needs the 5-byte form.
    #[test]
    fn ziplists_are_read() {
        let long = vec![b'L'; 300];
        let mut entries: Vec<Vec<u8>> = Vec::new();
        let mut push = |enc: &[u8], data: &[u8], prev: usize| -> usize {
            let mut e = Vec::new();
            if prev < 254 {
                e.push(prev as u8);
            } else {
                e.push(0xFE);
                e.extend_from_slice(&(prev as u32).to_le_bytes());
            }
            e.extend_from_slice(enc);
            e.extend_from_slice(data);
            let n = e.len();
            entries.push(e);
            n
        };
        let mut prev = 0;
        prev = push(&[0x02], b"f1", prev); // 6-bit string
        prev = push(&[0xF5], b"", prev); // immediate 4
        prev = push(&[0x41, 0x2C], &long, prev); // 14-bit string
        prev = push(&[0xFE], &[0x85], prev); // int8 -123
        prev = push(&[0x02], b"f3", prev);
        prev = push(&[0xC0], &(-3000i16).to_le_bytes(), prev); // int16
        prev = push(&[0x02], b"f4", prev);
        prev = push(&[0xF0], &[0x40, 0x42, 0x0F], prev); // int24 1000000
        prev = push(&[0x02], b"f5", prev);
        prev = push(&[0xD0], &(-70000i32).to_le_bytes(), prev); // int32
        prev = push(&[0x02], b"f6", prev);
        let last = push(&[0xE0], &i64::MIN.to_le_bytes(), prev); // int64
        let body: Vec<u8> = entries.concat();
        let mut zl = Vec::new();
        zl.extend_from_slice(&((body.len() + 11) as u32).to_le_bytes());
        zl.extend_from_slice(&((10 + body.len() - last) as u32).to_le_bytes());
        zl.extend_from_slice(&12u16.to_le_bytes());
        zl.extend_from_slice(&body);
        zl.push(0xFF);
        let mut items: Vec<Vec<u8>> = Vec::new();
        ziplist::for_each(&zl, |v| items.push(v.to_vec())).unwrap();
        assert_eq!(items[0], b"f1");
        assert_eq!(items[1], b"4");
        assert_eq!(items[2], long);
        assert_eq!(items[3], b"-123");
        assert_eq!(items[5], b"-3000");
        assert_eq!(items[7], b"1000000");
        assert_eq!(items[9], b"-70000");
        assert_eq!(items[11], i64::MIN.to_string().as_bytes());
        let mut rdb = vec![RDB_TYPE_HASH_ZIPLIST];
        write_string(&mut rdb, &zl, false);
        let Value::Hash(h) = restore_value_for(&payload(&rdb), &Config::default()).unwrap() else {
            panic!()
        };
        assert_eq!((h.len(), h.encoding()), (6, "listpack"));
        assert_eq!(get(&h, "f4").unwrap(), b"1000000");
        // Cut anywhere, it is refused.
        for cut in 0..zl.len() {
            assert!(ziplist::for_each(&zl[..cut], |_| {}).is_none(), "cut {cut}");
        }
    }

    /// Memory per field of a large table: entries, buckets and chunk slack, against Redis's
    /// 24-byte dictEntry, 8 to 16 bytes of bucket and two sds allocations (for the strings here,
    /// 16 bytes each in jemalloc: 64 to 72 bytes a field).
    #[test]
    fn a_large_table_is_smaller_than_redis_dict() {
        let c = Config::default();
        let mut h = Hash::new();
        let n = 200_000;
        for i in 0..n {
            h.set(
                format!("field:{i}").as_bytes(),
                format!("value:{i}").as_bytes(),
                &c,
            );
        }
        let per_field = h.structure_bytes() as f64 / n as f64;
        assert!(per_field < 48.5, "{per_field}");
    }
}
