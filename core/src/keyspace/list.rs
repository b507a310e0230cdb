//! A list value, kept as Redis 7.0 keeps every list: a quicklist, a sequence of packed nodes,
//! each node a [`Listpack`] holding Redis's exact bytes.
//!
//! Why this shape: elements cost what they cost in Redis (the listpack entry, 2 to 3 bytes more
//! than the element for short ones), a node costs 16 bytes in a `VecDeque` where Redis spends a
//! 32-byte `quicklistNode`, and the work of each command matches Redis's: a push or pop at
//! either end touches one node (O(1) amortized), an index is reached by counting whole nodes
//! from the nearer end and then walking one node (LINDEX, LSET: O(nodes + node size)).
//!
//! Node sizes follow `list-max-listpack-size` with Redis's own rules (`_quicklistNodeAllowInsert`,
//! `_quicklistNodeAllowMerge`, the split and merge of `_quicklistInsert`, the range deletes of
//! `quicklistDelRange`), so that a list built by the same commands has the same nodes as in
//! Redis and DUMP writes the same bytes. Two departures, both about memory: LREM merges a node
//! it left under a quarter of the limit into a neighbour when the two fit in one node (Redis
//! keeps the tiny node), and a node's spare capacity is handed back once it stops growing.

use std::collections::VecDeque;

use super::dump::{
    read_plain_len, read_string, write_len, write_string, RdbObject, RDB_TYPE_LIST,
    RDB_TYPE_LIST_QUICKLIST, RDB_TYPE_LIST_QUICKLIST_2, RDB_TYPE_LIST_ZIPLIST,
};
use super::listpack::{Listpack, LpValue};
use super::ziplist;
use crate::config::Config;
use crate::protocol::reader::parse_i64;

/// Byte limits of a node for `list-max-listpack-size` -1 to -5 (Redis's `optimization_level`).
const OPTIMIZATION_LEVEL: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// Most bytes a node may hold when the limit is a count of elements (`SIZE_SAFETY_LIMIT`).
const SIZE_SAFETY_LIMIT: usize = 8192;
/// What Redis adds to an element's length to guess what it adds to a node.
const SIZE_ESTIMATE_OVERHEAD: usize = 8;
/// What Redis takes off two nodes' sizes to guess the size of their merge.
const MERGE_SAVING: usize = 11;
/// Elements this long or longer get a node of their own that RDB writes as Redis's "plain"
/// node (`packed_threshold`).
const PACKED_THRESHOLD: usize = 1 << 30;
/// Size from which an end node being pushed to keeps room to grow into (see [`List::push`]).
const RESERVE_FROM: usize = 512;
/// Largest count of elements a node may be limited to (Redis's `FILL_MAX`).
const FILL_MAX: i64 = (1 << 15) - 1;
/// RDB container of a node holding one element as it is.
const CONTAINER_PLAIN: u64 = 1;
/// RDB container of a node holding a listpack.
const CONTAINER_PACKED: u64 = 2;

/// Which end of a list a command works at (LEFT and RIGHT in the commands).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The first element's end (LEFT, Redis's `LIST_HEAD`).
    Head,
    /// The last element's end (RIGHT, Redis's `LIST_TAIL`).
    Tail,
}

/// A list value.
#[derive(Clone, Debug)]
pub struct List {
    /// The packed nodes, first to last; none is ever empty.
    nodes: VecDeque<Listpack>,
    /// The number of elements (the sum of the nodes' counts) in the low [`LEN_BITS`] bits, and
    /// `list-max-listpack-size` when the list was made (Redis keeps it in the quicklist) in the
    /// high 16: one word, so that a list's header takes 40 bytes, a 48-byte allocation where
    /// 48 bytes would take 64.
    meta: u64,
}

const _: () = assert!(std::mem::size_of::<List>() == 40);

/// Bits of [`List::meta`] that count elements (no list comes near 2^48 elements).
const LEN_BITS: u32 = 48;
/// The element count's bits in [`List::meta`].
const LEN_MASK: u64 = (1 << LEN_BITS) - 1;

impl Default for List {
    fn default() -> Self {
        List::new(-2)
    }
}

/// Compares contents, whatever the nodes: two lists with the same elements are equal.
impl PartialEq for List {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| same(&a, &b))
    }
}

/// True when two stored elements are the same bytes (a listpack from an RDB file may keep a
/// number as text where another keeps it as an integer).
fn same(a: &LpValue<'_>, b: &LpValue<'_>) -> bool {
    match (a, b) {
        (LpValue::Int(x), LpValue::Int(y)) => x == y,
        (LpValue::Str(x), LpValue::Str(y)) => x == y,
        _ => a.to_vec() == b.to_vec(),
    }
}

/// An element searched for (LINSERT's pivot, LREM's and LPOS's element), compared with stored
/// elements as Redis's `lpCompare` does, without formatting every stored integer.
pub struct Needle<'a> {
    bytes: &'a [u8],
    int: Option<i64>,
}

impl<'a> Needle<'a> {
    /// The element `bytes`; its integer form is worked out once.
    pub fn new(bytes: &'a [u8]) -> Needle<'a> {
        Needle {
            bytes,
            int: canonical_int(bytes),
        }
    }

    /// True when the stored element `v` is this element's bytes.
    pub fn matches(&self, v: &LpValue<'_>) -> bool {
        match *v {
            LpValue::Str(s) => s == self.bytes,
            LpValue::Int(n) => self.int == Some(n),
        }
    }
}

/// The integer that `bytes` are the canonical decimal form of (what a listpack stores as an
/// integer).
fn canonical_int(bytes: &[u8]) -> Option<i64> {
    let n = parse_i64(bytes)?;
    let mut buf = itoa::Buffer::new();
    (buf.format(n).as_bytes() == bytes).then_some(n)
}

// ---------------------------------------------------------------------------------------------
// Node rules (quicklist.c)
// ---------------------------------------------------------------------------------------------

/// `list-max-listpack-size` as Redis's `quicklistSetFill` clamps it.
fn clamp_fill(fill: i64) -> i16 {
    fill.clamp(-5, FILL_MAX) as i16
}

/// True when a node of `sz` bytes is within a byte limit (negative `fill` only).
fn meets_byte_limit(sz: usize, fill: i16) -> bool {
    fill < 0
        && OPTIMIZATION_LEVEL
            .get((-fill - 1) as usize)
            .is_some_and(|&l| sz <= l)
}

/// True for a node Redis keeps "plain": one element too big to pack.
fn is_plain(node: &Listpack) -> bool {
    node.byte_len() > PACKED_THRESHOLD
        && node.len() == 1
        && node.first().is_some_and(|p| match node.get(p) {
            LpValue::Str(s) => s.len() >= PACKED_THRESHOLD,
            LpValue::Int(_) => false,
        })
}

/// Whether an element of `sz` bytes may join `node` (`_quicklistNodeAllowInsert`).
fn allow_insert(node: &Listpack, fill: i16, sz: usize) -> bool {
    if sz >= PACKED_THRESHOLD || is_plain(node) {
        return false;
    }
    let new_sz = node.byte_len() + sz + SIZE_ESTIMATE_OVERHEAD;
    if meets_byte_limit(new_sz, fill) {
        true
    } else if new_sz > SIZE_SAFETY_LIMIT {
        false
    } else {
        (node.len() as i64) < i64::from(fill)
    }
}

/// Whether two neighbouring nodes may become one (`_quicklistNodeAllowMerge`).
fn allow_merge(a: &Listpack, b: &Listpack, fill: i16) -> bool {
    if is_plain(a) || is_plain(b) {
        return false;
    }
    let merged = (a.byte_len() + b.byte_len()).saturating_sub(MERGE_SAVING);
    if meets_byte_limit(merged, fill) {
        true
    } else if merged > SIZE_SAFETY_LIMIT {
        false
    } else {
        ((a.len() + b.len()) as i64) <= i64::from(fill)
    }
}

/// True for a node under a quarter of its limit: LREM merges such a node into a neighbour.
fn is_sparse(node: &Listpack, fill: i16) -> bool {
    if fill < 0 {
        let limit = OPTIMIZATION_LEVEL[((-fill - 1) as usize).min(4)];
        node.byte_len() * 4 <= limit
    } else {
        node.len() * 4 <= fill as usize
    }
}

/// Gives back the room a node reserved while it was pushed to (see [`List::push`]): a node that
/// stopped growing keeps only what it holds, as Redis's, reallocated to the byte.
fn compact(node: &mut Listpack) {
    node.shrink_to_fit();
}

/// A node holding `v` alone.
fn single(v: &[u8]) -> Listpack {
    let mut lp = Listpack::new();
    lp.push_back(v);
    lp
}

/// Offset of element `i` in `lp`, walking from the nearer end; `i == len` gives the end's.
fn offset_of(lp: &Listpack, i: usize) -> usize {
    let n = lp.len();
    let found = if i >= n {
        None
    } else if i <= n / 2 {
        lp.seek(i as isize)
    } else {
        lp.seek(i as isize - n as isize)
    };
    found.unwrap_or(lp.end())
}

/// A listpack whose entries are the runs `parts`, in order (the bytes Redis's `lpMerge` and
/// `lpDeleteRange` produce). The runs are whole entries of valid listpacks, so they make one
/// (`from_entries` checks them all the same, and nothing unchecked is ever kept).
fn packed(parts: &[&[u8]]) -> Listpack {
    Listpack::from_entries(parts).unwrap_or_default()
}

/// Splits a node before its element `at`: the elements before it, and the rest.
fn split(node: &Listpack, at: usize) -> (Listpack, Listpack) {
    let cut = offset_of(node, at);
    let all = node.entries();
    (packed(&[&all[..cut]]), packed(&[&all[cut..]]))
}

// ---------------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------------

impl List {
    /// RDB object types this value is written as and read from.
    pub const RDB_TYPES: &'static [u8] = &[
        RDB_TYPE_LIST,
        RDB_TYPE_LIST_ZIPLIST,
        RDB_TYPE_LIST_QUICKLIST,
        RDB_TYPE_LIST_QUICKLIST_2,
    ];

    /// An empty list whose nodes follow `list-max-listpack-size` = `fill` (the caller stores it
    /// only once it holds something: an empty list is never stored).
    pub fn new(fill: i64) -> List {
        List {
            nodes: VecDeque::new(),
            meta: u64::from(clamp_fill(fill) as u16) << LEN_BITS,
        }
    }

    /// A list of `items` in order.
    pub fn from_items<'a>(fill: i64, items: impl IntoIterator<Item = &'a [u8]>) -> List {
        let mut list = List::new(fill);
        for item in items {
            list.push(End::Tail, item);
        }
        list
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        (self.meta & LEN_MASK) as usize
    }

    /// True when it holds nothing (an empty collection is never stored).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records a new element count.
    fn set_len(&mut self, len: usize) {
        self.meta = (self.meta & !LEN_MASK) | (len as u64 & LEN_MASK);
    }

    /// The node size limit the list was made with (`list-max-listpack-size`).
    fn fill(&self) -> i16 {
        (self.meta >> LEN_BITS) as u16 as i16
    }

    /// The name OBJECT ENCODING answers: Redis 7.0 keeps every list as a quicklist.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Number of nodes (tests and memory reports look at it).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Element count of each node, first to last (tests compare layouts with Redis's).
    pub fn node_sizes(&self) -> Vec<usize> {
        self.nodes.iter().map(|n| n.len()).collect()
    }

    /// Adds `v` at `end` (LPUSH, RPUSH): into the end node when Redis's rules let it in, else
    /// into a new node.
    pub fn push(&mut self, end: End, v: &[u8]) {
        let fill = self.fill();
        let node = match end {
            End::Head => self.nodes.front_mut(),
            End::Tail => self.nodes.back_mut(),
        };
        match node {
            Some(n) if allow_insert(n, fill, v.len()) => {
                // An end node is pushed to again and again: past a few hundred bytes (where
                // reallocating to the byte, as Redis does, starts to cost copies) it keeps
                // room, given back by `compact` once it stops growing. Every other edit, and
                // every edit of a small node, is exact.
                if n.byte_len() >= RESERVE_FROM {
                    n.reserve(Listpack::entry_size(v));
                }
                match end {
                    End::Head => n.push_front(v),
                    End::Tail => n.push_back(v),
                }
            }
            other => {
                if let Some(n) = other {
                    compact(n);
                }
                // Most lists are one node: room for exactly one the first time.
                if self.nodes.capacity() == 0 {
                    self.nodes.reserve_exact(1);
                }
                match end {
                    End::Head => self.nodes.push_front(single(v)),
                    End::Tail => self.nodes.push_back(single(v)),
                }
            }
        }
        self.set_len(self.len() + 1);
    }

    /// The element at `end`, without removing it.
    pub fn peek(&self, end: End) -> Option<LpValue<'_>> {
        match end {
            End::Head => self.nodes.front().and_then(|n| n.first().map(|p| n.get(p))),
            End::Tail => self.nodes.back().and_then(|n| n.last().map(|p| n.get(p))),
        }
    }

    /// Removes and returns the element at `end` (LPOP, RPOP, LMOVE's source).
    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        let v = self.peek(end)?.to_vec();
        self.drop_end(end, 1);
        Some(v)
    }

    /// Removes `n` elements (all when fewer) from `end`: whole nodes go at once, and one node
    /// at most loses part of its elements (`quicklistDelRange` from an end).
    pub fn drop_end(&mut self, end: End, n: usize) {
        let mut n = n.min(self.len());
        self.set_len(self.len() - n);
        while n > 0 {
            let node = match end {
                End::Head => self.nodes.front_mut(),
                End::Tail => self.nodes.back_mut(),
            };
            let Some(node) = node else { break };
            let count = node.len();
            if n >= count {
                match end {
                    End::Head => self.nodes.pop_front(),
                    End::Tail => self.nodes.pop_back(),
                };
                n -= count;
                continue;
            }
            let from = match end {
                End::Head => node.first(),
                End::Tail => node.seek(-(n as isize)),
            };
            if let Some(p) = from {
                node.remove_run(p, n);
            }
            n = 0;
        }
        self.shrink_nodes();
    }

    /// Hands back the node table's room once most of it is unused.
    fn shrink_nodes(&mut self) {
        let (len, cap) = (self.nodes.len(), self.nodes.capacity());
        if cap > 8 && len * 4 < cap {
            self.nodes.shrink_to(len * 2);
        }
    }

    /// `index` (negative: from the end, -1 is the last) as a position from the head, when it
    /// is inside the list.
    pub fn index(&self, index: i64) -> Option<usize> {
        let i = if index < 0 {
            (self.len() as i64).checked_add(index)?
        } else {
            index
        };
        usize::try_from(i).ok().filter(|&i| i < self.len())
    }

    /// The node holding element `i` (< len) and the element's place in it: whole nodes are
    /// counted from the nearer end, as Redis's `quicklistGetIteratorAtIdx` does.
    fn locate(&self, i: usize) -> Option<(usize, usize)> {
        if i >= self.len() {
            return None;
        }
        let mut acc = 0;
        if i <= (self.len() - 1) / 2 {
            for (ni, n) in self.nodes.iter().enumerate() {
                let c = n.len();
                if acc + c > i {
                    return Some((ni, i - acc));
                }
                acc += c;
            }
        } else {
            let back = self.len() - 1 - i;
            for (ni, n) in self.nodes.iter().enumerate().rev() {
                let c = n.len();
                if acc + c > back {
                    return Some((ni, c - 1 - (back - acc)));
                }
                acc += c;
            }
        }
        None
    }

    /// The element at position `i` from the head (LINDEX).
    pub fn get(&self, i: usize) -> Option<LpValue<'_>> {
        let (ni, off) = self.locate(i)?;
        let node = &self.nodes[ni];
        let p = offset_of(node, off);
        (p < node.end()).then(|| node.get(p))
    }

    /// Replaces the element at position `i` (LSET); false when there is none. Like Redis, the
    /// node takes the new element whatever its size; an element too big to pack goes to a
    /// node of its own.
    pub fn set(&mut self, i: usize, v: &[u8]) -> bool {
        let Some((ni, off)) = self.locate(i) else {
            return false;
        };
        if v.len() >= PACKED_THRESHOLD || is_plain(&self.nodes[ni]) {
            // Redis's `quicklistReplaceEntry`: insert after, then delete the old element.
            self.insert(i, v, true);
            self.remove_at(i);
            return true;
        }
        let node = &mut self.nodes[ni];
        let p = offset_of(node, off);
        node.replace(p, v);
        compact(node);
        true
    }

    /// Removes the element at position `i`.
    fn remove_at(&mut self, i: usize) {
        let Some((ni, off)) = self.locate(i) else {
            return;
        };
        let node = &mut self.nodes[ni];
        let p = offset_of(node, off);
        node.remove(p);
        if node.is_empty() {
            self.nodes.remove(ni);
        }
        self.set_len(self.len() - 1);
    }

    /// Every element, first to last.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_at(0, false)
    }

    /// The elements from position `i` towards the tail, or towards the head when `rev`.
    pub fn iter_at(&self, i: usize, rev: bool) -> Iter<'_> {
        let Some((node, off)) = self.locate(i) else {
            return Iter {
                nodes: &self.nodes,
                node: 0,
                pos: None,
                left: 0,
                rev,
            };
        };
        Iter {
            nodes: &self.nodes,
            node,
            pos: Some(offset_of(&self.nodes[node], off)),
            left: if rev { i + 1 } else { self.len() - i },
            rev,
        }
    }

    /// Position of the first element equal to `needle`, from the head (or the tail, `rev`).
    pub fn position(&self, needle: &Needle<'_>, rev: bool) -> Option<usize> {
        let start = if rev { self.len().checked_sub(1)? } else { 0 };
        let found = self.iter_at(start, rev).position(|v| needle.matches(&v))?;
        Some(if rev { start - found } else { found })
    }

    /// Inserts `v` before (or `after`) the element at position `i`, as Redis's
    /// `_quicklistInsert`: into the node when it has room, else at the head of the next node
    /// or the tail of the previous one, else in a new node; in the middle of a full node, the
    /// node splits and the pieces merge with their neighbours where they fit.
    pub fn insert(&mut self, i: usize, v: &[u8], after: bool) {
        let Some((ni, off)) = self.locate(i) else {
            return;
        };
        let (fill, sz) = (self.fill(), v.len());
        let count = self.nodes[ni].len();
        let full = !allow_insert(&self.nodes[ni], fill, sz);
        let at_tail = after && off + 1 == count;
        let at_head = !after && off == 0;
        let avail_next = at_tail
            && self
                .nodes
                .get(ni + 1)
                .is_some_and(|n| allow_insert(n, fill, sz));
        let avail_prev = at_head && ni > 0 && allow_insert(&self.nodes[ni - 1], fill, sz);
        self.set_len(self.len() + 1);
        let at = if after { off + 1 } else { off };
        if sz >= PACKED_THRESHOLD {
            return self.insert_alone(ni, at, v, at_tail || at_head);
        }
        if !full {
            let node = &mut self.nodes[ni];
            let p = offset_of(node, at);
            node.insert_at(p, v);
            compact(node);
        } else if avail_next {
            self.nodes[ni + 1].push_front(v);
        } else if avail_prev {
            self.nodes[ni - 1].push_back(v);
        } else if at_tail || at_head {
            self.nodes.insert(ni + after as usize, single(v));
        } else {
            self.split_insert(ni, at, v, after);
        }
    }

    /// Puts an element too big to pack in a node of its own at place `at` of node `ni`,
    /// splitting the node unless `at_edge`.
    fn insert_alone(&mut self, ni: usize, at: usize, v: &[u8], at_edge: bool) {
        let count = self.nodes[ni].len();
        if at_edge || is_plain(&self.nodes[ni]) {
            let to = if at >= count { ni + 1 } else { ni };
            self.nodes.insert(to, single(v));
            return;
        }
        let (left, right) = split(&self.nodes[ni], at);
        self.nodes[ni] = left;
        self.nodes.insert(ni + 1, single(v));
        self.nodes.insert(ni + 2, right);
    }

    /// Splits full node `ni` at place `at`, `v` joining the piece on the side of the new
    /// element (Redis's `_quicklistSplitNode`), then merges around the node.
    fn split_insert(&mut self, ni: usize, at: usize, v: &[u8], after: bool) {
        let node = &self.nodes[ni];
        let all = node.entries();
        let cut = offset_of(node, at);
        let e = single(v);
        let (left, right) = if after {
            (packed(&[&all[..cut]]), packed(&[e.entries(), &all[cut..]]))
        } else {
            (packed(&[&all[..cut], e.entries()]), packed(&[&all[cut..]]))
        };
        self.nodes[ni] = left;
        self.nodes.insert(ni + 1, right);
        // The node Redis split is the one that kept its place: the left piece after, the
        // right one before.
        self.merge_around(ni + !after as usize);
    }

    /// Redis's `_quicklistMergeNodes`: merges the two nodes before `center`, the two after it,
    /// then `center` with the node before and the result with the node after, where allowed.
    fn merge_around(&mut self, mut center: usize) {
        let fill = self.fill();
        let ok = |nodes: &VecDeque<Listpack>, a: usize| {
            a + 1 < nodes.len() && allow_merge(&nodes[a], &nodes[a + 1], fill)
        };
        if center >= 2 && ok(&self.nodes, center - 2) {
            self.merge(center - 2);
            center -= 1;
        }
        if ok(&self.nodes, center + 1) {
            self.merge(center + 1);
        }
        let target = if center >= 1 && ok(&self.nodes, center - 1) {
            self.merge(center - 1);
            center - 1
        } else {
            center
        };
        if ok(&self.nodes, target) {
            self.merge(target);
        }
    }

    /// Merges node `a + 1` into node `a` (the bytes of Redis's `lpMerge`).
    fn merge(&mut self, a: usize) {
        let (x, y) = (&self.nodes[a], &self.nodes[a + 1]);
        let merged = packed(&[x.entries(), y.entries()]);
        self.nodes[a] = merged;
        self.nodes.remove(a + 1);
    }

    /// Removes elements equal to `needle` (LREM): `count` > 0 the first `count` from the head,
    /// < 0 the first `-count` from the tail, 0 all of them. Returns how many went. Nodes left
    /// empty go; a node left under a quarter of the limit merges into the neighbour already
    /// walked when both fit in one node.
    pub fn remove_matches(&mut self, needle: &Needle<'_>, count: i64) -> usize {
        let limit = match count {
            0 => usize::MAX,
            c => usize::try_from(c.unsigned_abs()).unwrap_or(usize::MAX),
        };
        let rev = count < 0;
        let fill = self.fill();
        let old = std::mem::take(&mut self.nodes);
        let mut kept: VecDeque<Listpack> = VecDeque::with_capacity(old.len());
        let mut removed = 0;
        let walk: Box<dyn Iterator<Item = Listpack>> = if rev {
            Box::new(old.into_iter().rev())
        } else {
            Box::new(old.into_iter())
        };
        for mut node in walk {
            let gone = if removed < limit {
                remove_in_node(&mut node, needle, limit - removed, rev)
            } else {
                0
            };
            removed += gone;
            if node.is_empty() {
                continue;
            }
            if gone > 0 {
                compact(&mut node);
                let walked = if rev {
                    kept.front_mut()
                } else {
                    kept.back_mut()
                };
                if let Some(w) = walked {
                    if (is_sparse(&node, fill) || is_sparse(w, fill)) && allow_merge(w, &node, fill)
                    {
                        let (a, b) = if rev { (&node, &*w) } else { (&*w, &node) };
                        let merged = packed(&[a.entries(), b.entries()]);
                        *w = merged;
                        continue;
                    }
                }
            }
            if rev {
                kept.push_front(node);
            } else {
                kept.push_back(node);
            }
        }
        self.nodes = kept;
        self.set_len(self.len() - removed);
        self.shrink_nodes();
        removed
    }

    /// Removes the elements before position `start` and after position `end` (LTRIM, with
    /// indexes already inside the list).
    pub fn keep_range(&mut self, start: usize, end: usize) {
        let tail = self.len().saturating_sub(end + 1);
        self.drop_end(End::Head, start);
        self.drop_end(End::Tail, tail);
    }
}

/// Removes up to `limit` elements equal to `needle` from one node, walking from its head (or
/// its tail, `rev`); returns how many went.
fn remove_in_node(node: &mut Listpack, needle: &Needle<'_>, limit: usize, rev: bool) -> usize {
    let mut removed = 0;
    let mut pos = if rev { node.last() } else { node.first() };
    while let Some(p) = pos {
        if removed == limit {
            break;
        }
        let hit = needle.matches(&node.get(p));
        if rev {
            // Entries before `p` keep their offsets when `p` goes.
            pos = node.prev(p);
            if hit {
                node.remove(p);
            }
        } else if hit {
            pos = node.remove(p);
        } else {
            pos = node.next(p);
        }
        removed += hit as usize;
    }
    removed
}

/// A walk over a list's elements, towards the tail or towards the head.
pub struct Iter<'a> {
    nodes: &'a VecDeque<Listpack>,
    node: usize,
    pos: Option<usize>,
    left: usize,
    rev: bool,
}

impl<'a> Iterator for Iter<'a> {
    type Item = LpValue<'a>;

    fn next(&mut self) -> Option<LpValue<'a>> {
        if self.left == 0 {
            return None;
        }
        let node = self.nodes.get(self.node)?;
        let p = self.pos?;
        let v = node.get(p);
        self.left -= 1;
        self.pos = if self.rev { node.prev(p) } else { node.next(p) };
        if self.pos.is_none() && self.left > 0 {
            if self.rev {
                self.node = self.node.wrapping_sub(1);
                self.pos = self.nodes.get(self.node).and_then(|n| n.last());
            } else {
                self.node += 1;
                self.pos = self.nodes.get(self.node).and_then(|n| n.first());
            }
        }
        Some(v)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

// ---------------------------------------------------------------------------------------------
// RDB
// ---------------------------------------------------------------------------------------------

impl RdbObject for List {
    /// `RDB_TYPE_LIST_QUICKLIST_2`: the node count, then each node's container and bytes, as
    /// Redis 7.0's `rdbSaveObject` writes them.
    fn write_rdb(&self, out: &mut Vec<u8>, compress: bool) {
        out.push(RDB_TYPE_LIST_QUICKLIST_2);
        write_len(out, self.nodes.len() as u64);
        for node in &self.nodes {
            match node.first().filter(|_| is_plain(node)) {
                Some(p) => {
                    write_len(out, CONTAINER_PLAIN);
                    let mut buf = itoa::Buffer::new();
                    write_string(out, node.get(p).as_bytes(&mut buf), compress);
                }
                None => {
                    write_len(out, CONTAINER_PACKED);
                    write_string(out, &node.to_bytes(), compress);
                }
            }
        }
    }

    /// Reads what Redis's `rdbLoadObject` reads for a list: a quicklist of listpacks (kept
    /// node for node), a quicklist of ziplists (each node converted), one ziplist, or a plain
    /// list of strings (pushed one by one). An empty list is refused, as Redis does.
    fn read_rdb(rdb_type: u8, input: &mut &[u8], config: &Config) -> Option<Self> {
        let mut list = List::new(config.list_max_listpack_size);
        match rdb_type {
            RDB_TYPE_LIST_QUICKLIST_2 | RDB_TYPE_LIST_QUICKLIST => {
                read_quicklist(&mut list, rdb_type, input)?
            }
            RDB_TYPE_LIST_ZIPLIST => {
                let zl = read_string(input)?.into_bytes();
                ziplist::for_each(&zl, |v| list.push(End::Tail, v))?;
            }
            RDB_TYPE_LIST => {
                let n = read_plain_len(input)?;
                for _ in 0..n {
                    let v = read_string(input)?.into_bytes();
                    list.push(End::Tail, &v);
                }
            }
            _ => return None,
        }
        (!list.is_empty()).then_some(list)
    }
}

/// Reads the nodes of a quicklist object into `list`; None when malformed.
fn read_quicklist(list: &mut List, rdb_type: u8, input: &mut &[u8]) -> Option<()> {
    let n = read_plain_len(input)?;
    for _ in 0..n {
        let container = if rdb_type == RDB_TYPE_LIST_QUICKLIST_2 {
            read_plain_len(input)?
        } else {
            CONTAINER_PACKED
        };
        let data = read_string(input)?.into_bytes();
        if data.is_empty() {
            return None;
        }
        let node = match (container, rdb_type) {
            (CONTAINER_PLAIN, _) => single(&data),
            (CONTAINER_PACKED, RDB_TYPE_LIST_QUICKLIST_2) => Listpack::from_bytes(data)?,
            (CONTAINER_PACKED, _) => ziplist::to_listpack(&data)?,
            _ => return None,
        };
        // Redis skips empty nodes silently.
        if !node.is_empty() {
            if list.nodes.capacity() == 0 && n == 1 {
                list.nodes.reserve_exact(1);
            }
            list.set_len(list.len() + node.len());
            list.nodes.push_back(node);
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyspace::dump::{crc64, dump_value, restore_value, restore_value_for};
    use crate::keyspace::Value;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn items(l: &List) -> Vec<Vec<u8>> {
        l.iter().map(|v| v.to_vec()).collect()
    }

    /// Every node non-empty, counts adding up, and both walks agreeing.
    fn check_shape(l: &List) {
        assert!(l.nodes.iter().all(|n| !n.is_empty()));
        assert_eq!(l.nodes.iter().map(|n| n.len()).sum::<usize>(), l.len());
        let mut back: Vec<Vec<u8>> = match l.len() {
            0 => Vec::new(),
            n => l.iter_at(n - 1, true).map(|v| v.to_vec()).collect(),
        };
        back.reverse();
        assert_eq!(back, items(l));
    }

    fn value(l: List) -> Value {
        Value::List(Box::new(l))
    }

    fn restored(payload: &[u8]) -> List {
        match restore_value(payload).unwrap() {
            Value::List(l) => *l,
            other => panic!("not a list: {other:?}"),
        }
    }

    fn payload(body: &[u8]) -> Vec<u8> {
        let mut p = body.to_vec();
        p.extend_from_slice(&9u16.to_le_bytes());
        let crc = crc64(0, &p);
        p.extend_from_slice(&crc.to_le_bytes());
        p
    }

    /// The elements of Redis's layout tests: `e0042` padded with `x` to `pad` bytes.
    fn el(i: usize, pad: usize) -> Vec<u8> {
        let mut s = format!("e{i:04}").into_bytes();
        s.resize(pad.max(s.len()), b'x');
        s
    }

    #[test]
    fn nodes_fill_as_in_redis() {
        // Node sizes Redis 7.0.15 reports (DUMP) for the same RPUSHes.
        let ones = List::from_items(-2, std::iter::repeat_n(&b"1"[..], 5000));
        assert_eq!(ones.node_sizes(), vec![4089, 911]);
        let x300 = vec![b'x'; 300];
        let l = List::from_items(-2, std::iter::repeat_n(&x300[..], 100));
        assert_eq!(l.node_sizes(), vec![26, 26, 26, 22]);
        let x100 = [b'x'; 100];
        let l = List::from_items(-2, std::iter::repeat_n(&x100[..], 100));
        assert_eq!(l.node_sizes(), vec![79, 21]);
        let big = vec![b'x'; 9000];
        let l = List::from_items(-2, std::iter::repeat_n(&big[..], 3));
        assert_eq!(l.node_sizes(), vec![1, 1, 1]);
        // Positive fill counts elements; 0 puts each element alone.
        let l = List::from_items(5, std::iter::repeat_n(&b"a"[..], 12));
        assert_eq!(l.node_sizes(), vec![5, 5, 2]);
        let l = List::from_items(0, std::iter::repeat_n(&b"a"[..], 3));
        assert_eq!(l.node_sizes(), vec![1, 1, 1]);
        // Pushing at the head fills head nodes the same way.
        let mut l = List::new(5);
        for i in 0..12 {
            l.push(End::Head, &el(i, 1));
        }
        assert_eq!(l.node_sizes(), vec![2, 5, 5]);
        assert_eq!(l.get(0).unwrap().to_vec(), el(11, 1));
        check_shape(&l);
    }

    #[test]
    fn dump_matches_redis_byte_for_byte() {
        let l = List::from_items(-2, [&b"a"[..], b"1", b"-1", b"1000", b"hello"]);
        let simple =
            hex("120102191900000005008161020101dfff02c3e8028568656c6c6f06ff0a00e2c52ed03d9a2277");
        assert_eq!(dump_value(&value(l.clone())), simple);
        assert_eq!(restored(&simple), l);
        let ones = List::from_items(-2, std::iter::repeat_n(&b"1"[..], 5000));
        let ones_dump = hex("120202c340685ff906f91f0000f90f01e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0f7000101ff02c320472506250700008f0301e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0e3000101ff0a003bed8252c0f834fd");
        assert_eq!(dump_value(&value(ones.clone())), ones_dump);
        let back = restored(&ones_dump);
        assert_eq!(back.node_sizes(), vec![4089, 911]);
        assert_eq!(back, ones);
        let big = vec![b'x'; 9000];
        let l = List::from_items(-2, [&b"a"[..], &big, b"b"]);
        let big_dump = hex("1203020a0a0000000100816102ff02c3407a633607362300000100f02820060078e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e00e000246adff020a0a0000000100816202ff0a0053c90674ab2be619");
        assert_eq!(dump_value(&value(l.clone())), big_dump);
        assert_eq!(restored(&big_dump), l);
        // Every integer width, and numbers that stay strings.
        let mixed: Vec<&[u8]> = [
            "0",
            "127",
            "128",
            "-1",
            "-4096",
            "4095",
            "4096",
            "-4097",
            "32767",
            "-32768",
            "32768",
            "8388607",
            "-8388608",
            "8388608",
            "2147483647",
            "-2147483648",
            "2147483648",
            "9223372036854775807",
            "-9223372036854775808",
            "007",
            "+1",
            "-0",
            "1.5",
            "",
        ]
        .iter()
        .map(|s| s.as_bytes())
        .collect();
        let l = List::from_items(-2, mixed.iter().copied());
        let mixed_dump = hex("120102c34074407a1c7a000000180000017f01c08002dfff02d00002cfff02f1001003f1ffef2003157f03f1008003f200800004f2ffff7f04f200008004f32004030005f3ff20100005200b03008005f440052003020009f420154000017f09401340001680098330303704822b3103822d300383312e35048001ff0a003b4517022e2674e7");
        assert_eq!(dump_value(&value(l.clone())), mixed_dump);
        assert_eq!(items(&restored(&mixed_dump)), mixed);
        // 300 LPUSHes: one node; Redis's payload is 1242 bytes, so framed.
        let mut l = List::new(-2);
        for i in 0..300 {
            l.push(End::Head, format!("e{i}").as_bytes());
        }
        let d = dump_value(&value(l));
        assert_eq!(d.len(), 1242);
        assert_eq!(
            d[..24],
            hex("120102c344c846a10ba10600002c01846532393905400500")[..]
        );
        assert_eq!(d[d.len() - 10..], hex("0a0027ff148e5dc0dda4")[..]);
    }

    #[test]
    fn restore_reads_every_list_encoding() {
        // RDB_TYPE_LIST: strings, one int-encoded.
        let l = restored(&payload(b"\x01\x03\x01a\xc0\x05\x03xyz"));
        assert_eq!(
            items(&l),
            vec![b"a".to_vec(), b"5".to_vec(), b"xyz".to_vec()]
        );
        assert_eq!(l.node_sizes(), vec![3]);
        // A quicklist of ziplists (Redis 6), from Redis's own test suite, less its corruption.
        let zl = b"\x0E\x01\x13\x13\x00\x00\x00\x0E\x00\x00\x00\x02\x00\x00\x02\x61\x00\x04\x02\x62\x00\xFF";
        let l = restored(&payload(zl));
        assert_eq!(items(&l), vec![b"a\0".to_vec(), b"b\0".to_vec()]);
        // Redis 7.0.15 dumps it back as one listpack node.
        assert_eq!(
            dump_value(&value(l)),
            hex(
                "1201020f0f0000000200826100038262000 3ff0a00ec455791e4604abb"
                    .replace(' ', "")
                    .as_str()
            )
        );
        // One ziplist (Redis before 3.2) with integers of every ziplist encoding.
        let mut body = vec![0u8; 10];
        let entries: [&[u8]; 7] = [
            b"\xf1",             // 0 (immediate)
            b"\xfd",             // 12
            b"\xfe\x85",         // int8 -123
            b"\xc0\x39\x30",     // int16 12345
            b"\xf0\x00\x00\x80", // int24 -8388608
            b"\xd0\xff\xff\xff\x7f",
            b"\xe0\x00\x00\x00\x00\x00\x00\x00\x80",
        ];
        let mut prev = 0;
        let mut last = 10;
        for e in entries {
            last = body.len();
            body.push(prev as u8);
            body.extend_from_slice(e);
            prev = e.len() + 1;
        }
        body.push(0xff);
        let total = body.len() as u32;
        body[..4].copy_from_slice(&total.to_le_bytes());
        body[4..8].copy_from_slice(&(last as u32).to_le_bytes());
        body[8..10].copy_from_slice(&7u16.to_le_bytes());
        let mut rdb = vec![RDB_TYPE_LIST_ZIPLIST, body.len() as u8];
        rdb.extend_from_slice(&body);
        let want: Vec<Vec<u8>> = [
            "0",
            "12",
            "-123",
            "12345",
            "-8388608",
            "2147483647",
            "-9223372036854775808",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        assert_eq!(items(&restored(&payload(&rdb))), want);
        // A plain node, and an empty listpack node (skipped), as Redis reads them.
        let l = restored(&payload(
            b"\x12\x02\x02\x07\x07\x00\x00\x00\x00\x00\xff\x01\x03abc",
        ));
        assert_eq!(items(&l), vec![b"abc".to_vec()]);
    }

    #[test]
    fn restore_refuses_what_redis_refuses() {
        for body in [
            // The ziplist tests of Redis's corrupt-dump suite: wrong count, wrong back links.
            &b"\x0E\x01\x13\x13\x00\x00\x00\x0E\x00\x00\x00\x03\x00\x00\x02\x61\x00\x04\x02\x62\x00\xFF"[..],
            b"\x0E\x01\x13\x13\x00\x00\x00\x0E\x00\x00\x00\x02\x00\x00\x02\x61\x00\x0E\x02\x62\x00\xFF",
            b"\x0E\x01\x13\x13\x00\x00\x00\x0E\x00\x00\x00\x02\x00\x00\x02\x61\x00\x02\x02\x62\x00\xFF",
            b"\x0E\x01\x80\x00\x00\x00\x10\x41\x41\x41\x41\x41\x41\x41\x41\x02\x00\x00\x80\x41\x41\x41\x41",
            b"\x0A\x80\x00\x00\x00\x10\x41\x41\x41\x41\x41\x41\x41\x41\x02\x00\x00\x80\x41\x41\x41\x41",
            // Empty lists, an empty node only, an unknown container, an empty plain node.
            b"\x01\x00",
            b"\x12\x00",
            b"\x12\x01\x02\x07\x07\x00\x00\x00\x00\x00\xff",
            b"\x12\x01\x03\x03abc",
            b"\x12\x01\x01\x00",
            // A listpack whose count is wrong, and one cut short.
            b"\x12\x01\x02\x09\x09\x00\x00\x00\x02\x00\x01\x01\xff",
            b"\x12\x01\x02\x09\x09\x00\x00\x00\x01\x00\x01\x01",
        ] {
            assert!(restore_value(&payload(body)).is_err(), "{body:?}");
        }
    }

    #[test]
    fn loaded_lists_use_the_configured_fill() {
        let config = Config {
            list_max_listpack_size: 2,
            ..Config::default()
        };
        let v = restore_value_for(&payload(b"\x01\x03\x01a\x01b\x01c"), &config).unwrap();
        let Value::List(l) = v else { panic!() };
        assert_eq!(l.node_sizes(), vec![2, 1]);
    }

    #[test]
    fn inserts_split_and_merge_as_redis() {
        // Node sizes Redis 7.0.15 reports after each LINSERT.
        let mut l = List::from_items(
            -2,
            (0..200)
                .map(|i| el(i, 100))
                .collect::<Vec<_>>()
                .iter()
                .map(|v| &v[..]),
        );
        assert_eq!(l.node_sizes(), vec![79, 79, 42]);
        let pivot = |l: &List, i: usize| l.position(&Needle::new(&el(i, 100)), false).unwrap();
        // The element is 100 bytes, but for the last one (1 byte: it fits a full node).
        let steps: [(usize, bool, usize, &[usize]); 5] = [
            (40, false, 100, &[41, 39, 79, 42]),
            (78, true, 100, &[41, 40, 79, 42]),
            (0, false, 100, &[42, 40, 79, 42]),
            (199, true, 100, &[42, 40, 79, 43]),
            (100, true, 1, &[42, 40, 80, 43]),
        ];
        for (i, after, size, want) in steps {
            let at = pivot(&l, i);
            l.insert(at, &vec![b'y'; size], after);
            assert_eq!(l.node_sizes(), want, "after {i}");
            check_shape(&l);
        }
        let mut l = List::from_items(
            5,
            (0..20)
                .map(|i| el(i, 1))
                .collect::<Vec<_>>()
                .iter()
                .map(|v| &v[..]),
        );
        let steps: [(usize, bool, &[usize]); 5] = [
            (2, false, &[3, 3, 5, 5, 5]),
            (12, true, &[3, 3, 5, 3, 3, 5]),
            (4, true, &[3, 4, 5, 3, 3, 5]),
            (5, false, &[3, 5, 5, 3, 3, 5]),
            (10, false, &[3, 5, 5, 4, 3, 5]),
        ];
        for (i, after, want) in steps {
            let at = l.position(&Needle::new(&el(i, 1)), false).unwrap();
            l.insert(at, b"n", after);
            assert_eq!(l.node_sizes(), want, "after {i}");
        }
        assert_eq!(l.remove_matches(&Needle::new(&el(7, 1)), 0), 1);
        assert_eq!(l.node_sizes(), vec![3, 5, 4, 4, 3, 5]);
        let at = l.position(&Needle::new(&el(9, 1)), false).unwrap();
        l.insert(at, b"g", true);
        assert_eq!(l.node_sizes(), vec![3, 5, 5, 4, 3, 5]);
        check_shape(&l);
    }

    #[test]
    fn index_get_set_and_iterate() {
        let items_in: Vec<Vec<u8>> = (0..1000).map(|i| el(i, 30)).collect();
        let mut l = List::from_items(-1, items_in.iter().map(|v| &v[..]));
        assert!(l.node_count() > 5);
        for i in [0usize, 1, 136, 137, 499, 500, 998, 999] {
            assert_eq!(l.get(i).unwrap().to_vec(), items_in[i]);
        }
        assert!(l.get(1000).is_none());
        assert_eq!(l.index(-1), Some(999));
        assert_eq!(l.index(-1000), Some(0));
        assert_eq!(l.index(-1001), None);
        assert_eq!(l.index(1000), None);
        assert_eq!(l.index(i64::MIN), None);
        let tail: Vec<Vec<u8>> = l.iter_at(995, false).map(|v| v.to_vec()).collect();
        assert_eq!(tail, items_in[995..]);
        let head_rev: Vec<Vec<u8>> = l.iter_at(3, true).map(|v| v.to_vec()).collect();
        assert_eq!(head_rev, vec![el(3, 30), el(2, 30), el(1, 30), el(0, 30)]);
        assert!(l.set(500, b"12345"));
        assert_eq!(l.get(500), Some(LpValue::Int(12345)));
        assert!(!l.set(1000, b"x"));
        // LSET keeps the element in its node whatever its size, as Redis does.
        let nodes = l.node_sizes();
        assert!(l.set(0, &[b'y'; 20_000]));
        assert_eq!(l.node_sizes(), nodes);
        check_shape(&l);
    }

    #[test]
    fn pops_and_range_deletes_work_node_by_node() {
        let items_in: Vec<Vec<u8>> = (0..100).map(|i| el(i, 1)).collect();
        let mut l = List::from_items(10, items_in.iter().map(|v| &v[..]));
        assert_eq!(l.pop(End::Head), Some(el(0, 1)));
        assert_eq!(l.pop(End::Tail), Some(el(99, 1)));
        assert_eq!(l.peek(End::Head), Some(LpValue::Str(&el(1, 1))));
        l.drop_end(End::Head, 25);
        l.drop_end(End::Tail, 13);
        assert_eq!(items(&l), items_in[26..86]);
        assert_eq!(l.node_sizes(), vec![4, 10, 10, 10, 10, 10, 6]);
        l.keep_range(5, 9);
        assert_eq!(items(&l), items_in[31..36]);
        l.drop_end(End::Tail, 100);
        assert!(l.is_empty() && l.node_count() == 0 && l.pop(End::Head).is_none());
    }

    #[test]
    fn lrem_merges_nodes_it_thins() {
        // 20 nodes of 10; removing 9 of every 10 leaves 20 single elements, merged back.
        let items_in: Vec<Vec<u8>> = (0..200)
            .map(|i| if i % 10 == 0 { el(i, 1) } else { b"x".to_vec() })
            .collect();
        for count in [0, -1000, 1000] {
            let mut l = List::from_items(10, items_in.iter().map(|v| &v[..]));
            assert_eq!(l.remove_matches(&Needle::new(b"x"), count), 180);
            assert_eq!(l.node_sizes(), vec![10, 10], "count {count}");
            let kept: Vec<Vec<u8>> = (0..200).step_by(10).map(|i| el(i, 1)).collect();
            assert_eq!(items(&l), kept);
        }
        // Counts: the first two from the head, the first two from the tail.
        let mut l = List::from_items(3, [&b"a"[..], b"x", b"b", b"x", b"c", b"x", b"d"]);
        assert_eq!(l.remove_matches(&Needle::new(b"x"), 2), 2);
        assert_eq!(
            items(&l),
            [b"a", b"b", b"c", b"x", b"d"].map(|s| s.to_vec())
        );
        let mut l = List::from_items(3, [&b"a"[..], b"x", b"b", b"x", b"c", b"x", b"d"]);
        assert_eq!(l.remove_matches(&Needle::new(b"x"), -2), 2);
        assert_eq!(
            items(&l),
            [b"a", b"x", b"b", b"c", b"d"].map(|s| s.to_vec())
        );
        check_shape(&l);
        // Numbers match as numbers, whatever their encoding.
        let mut l = List::from_items(-2, [&b"10"[..], b"010", b"10", b"-0"]);
        assert_eq!(l.remove_matches(&Needle::new(b"10"), 0), 2);
        assert_eq!(items(&l), [&b"010"[..], b"-0"].map(|s| s.to_vec()));
    }

    #[test]
    fn equality_is_about_contents() {
        let a = List::from_items(2, [&b"a"[..], b"b", b"c"]);
        let b = List::from_items(-2, [&b"a"[..], b"b", b"c"]);
        assert_ne!(a.node_sizes(), b.node_sizes());
        assert_eq!(a, b);
        assert_ne!(a, List::from_items(2, [&b"a"[..], b"b"]));
        assert_ne!(a, List::from_items(2, [&b"a"[..], b"b", b"d"]));
    }

    /// One step of the model test.
    #[derive(Clone, Debug)]
    enum Op {
        Push(bool, u8),
        Pop(bool),
        Insert(u16, bool, u8),
        Set(u16, u8),
        Rem(i8, u8),
        Trim(u16, u16),
        Drop(bool, u8),
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            4 => (any::<bool>(), any::<u8>()).prop_map(|(h, v)| Op::Push(h, v)),
            1 => any::<bool>().prop_map(Op::Pop),
            2 => (any::<u16>(), any::<bool>(), any::<u8>()).prop_map(|(i, a, v)| Op::Insert(i, a, v)),
            1 => (any::<u16>(), any::<u8>()).prop_map(|(i, v)| Op::Set(i, v)),
            1 => (any::<i8>(), any::<u8>()).prop_map(|(c, v)| Op::Rem(c, v)),
            1 => (any::<u16>(), any::<u16>()).prop_map(|(a, b)| Op::Trim(a, b)),
            1 => (any::<bool>(), any::<u8>()).prop_map(|(h, n)| Op::Drop(h, n)),
        ]
    }

    /// An element for value `v`: small numbers, short strings, and now and then a long one.
    fn element(v: u8) -> Vec<u8> {
        match v % 8 {
            0..=3 => (v % 16).to_string().into_bytes(),
            4..=6 => vec![b'a' + v % 4; 1 + (v as usize % 3)],
            _ => vec![b'z'; 200 + v as usize * 10],
        }
    }

    fn apply(l: &mut List, m: &mut VecDeque<Vec<u8>>, op: Op) {
        let end = |head: bool| if head { End::Head } else { End::Tail };
        match op {
            Op::Push(h, v) => {
                l.push(end(h), &element(v));
                if h {
                    m.push_front(element(v))
                } else {
                    m.push_back(element(v))
                }
            }
            Op::Pop(h) => {
                let want = if h { m.pop_front() } else { m.pop_back() };
                assert_eq!(l.pop(end(h)), want);
            }
            Op::Insert(i, after, v) if !m.is_empty() => {
                let i = i as usize % m.len();
                l.insert(i, &element(v), after);
                m.insert(i + after as usize, element(v));
            }
            Op::Set(i, v) if !m.is_empty() => {
                let i = i as usize % m.len();
                assert!(l.set(i, &element(v)));
                m[i] = element(v);
            }
            Op::Rem(c, v) => {
                let e = element(v);
                let n = l.remove_matches(&Needle::new(&e), c as i64);
                let limit = if c == 0 {
                    usize::MAX
                } else {
                    c.unsigned_abs() as usize
                };
                let mut idx: Vec<usize> = (0..m.len()).filter(|&i| m[i] == e).collect();
                if c < 0 {
                    idx.reverse();
                }
                idx.truncate(limit);
                idx.sort_unstable();
                for i in idx.iter().rev() {
                    m.remove(*i);
                }
                assert_eq!(n, idx.len());
            }
            Op::Trim(a, b) if !m.is_empty() => {
                let (a, b) = (a as usize % m.len(), b as usize % m.len());
                let (a, b) = (a.min(b), a.max(b));
                l.keep_range(a, b);
                m.truncate(b + 1);
                m.drain(..a);
            }
            Op::Drop(h, n) => {
                l.drop_end(end(h), n as usize);
                for _ in 0..n {
                    if h {
                        m.pop_front()
                    } else {
                        m.pop_back()
                    };
                }
            }
            _ => {}
        }
    }

    proptest::proptest! {
        #[test]
        fn behaves_as_a_deque(fill in proptest::sample::select(vec![-5i64, -1, 0, 1, 3, 8]),
                              ops in proptest::collection::vec(op(), 1..120)) {
            let mut l = List::new(fill);
            let mut m = VecDeque::new();
            for op in ops {
                apply(&mut l, &mut m, op);
                proptest::prop_assert_eq!(l.len(), m.len());
            }
            check_shape(&l);
            proptest::prop_assert_eq!(items(&l), Vec::from(m.clone()));
            for (i, want) in m.iter().enumerate() {
                proptest::prop_assert_eq!(l.get(i).unwrap().to_vec(), want.clone());
            }
            if !l.is_empty() {
                let back = restored(&dump_value(&value(l.clone())));
                proptest::prop_assert_eq!(back.node_sizes(), l.node_sizes());
                proptest::prop_assert_eq!(items(&back), Vec::from(m));
            }
        }

        #[test]
        fn garbage_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80),
                                ty in proptest::sample::select(vec![1u8, 10, 14, 18])) {
            let mut rdb = vec![ty];
            rdb.extend_from_slice(&body);
            let _ = restore_value(&payload(&rdb));
        }
    }
}
