//! The large sorted set encoding (OBJECT ENCODING `skiplist`): an order-statistic treap whose
//! nodes live in one arena, plus a hash index from member to node.
//!
//! Why not Redis's skiplist + dict: Redis spends a dict entry, a bucket pointer, a skiplist node
//! with its level array and a separate sds string on every member (about 120 bytes for a short
//! member). Here a member costs one 48-byte arena slot (the member inline up to 22 bytes, its
//! score, two child links, a subtree size and a heap priority) plus a 4-byte slot number in the
//! hash index: about 60 bytes. Links are 32-bit arena indexes, not pointers.
//!
//! Complexity is Redis's: member lookup O(1) through the index; insert, remove, rank, select and
//! range bounds O(log n) expected (the treap's priorities are the members' keyed hashes, which a
//! client cannot predict); a run of m elements is walked or cut out in O(log n + m) (a split and
//! a merge, as Redis's `zslDeleteRangeBy*`). Random members are drawn from the arena in O(1).
//!
//! Slots freed by removals are reused; when three quarters of the arena is free it is rebuilt
//! compactly (O(n), amortised over the removals that emptied it). ZSCAN's cursor is an arena
//! position, tagged with the number of rebuilds so that a cursor from before one starts over
//! (a member present throughout an iteration is always returned, as Redis guarantees).

use std::cmp::Ordering;
use std::sync::OnceLock;

use hashbrown::HashTable;

use crate::keyspace::bytes::Bytes;

/// The null link.
const NIL: u32 = u32::MAX;

/// Keys of the member hash, random per process.
fn hasher() -> &'static ahash::RandomState {
    static H: OnceLock<ahash::RandomState> = OnceLock::new();
    H.get_or_init(ahash::RandomState::new)
}

fn hash_of(member: &[u8]) -> u64 {
    hasher().hash_one(member)
}

/// One arena slot: a member, or a free slot (its score NaN, `left` the next free slot).
#[derive(Clone)]
struct Node {
    member: Bytes,
    score: f64,
    left: u32,
    right: u32,
    size: u32,
    prio: u32,
}

const _: () = assert!(std::mem::size_of::<Node>() == 48);

/// (score, member) order, as Redis's `zslInsert`: scores first, then the members' bytes.
fn cmp_key(score: f64, member: &[u8], n: &Node) -> Ordering {
    score
        .partial_cmp(&n.score)
        .unwrap_or(Ordering::Equal)
        .then_with(|| member.cmp(&n.member))
}

/// A large sorted set.
#[derive(Clone)]
pub struct Sorted {
    nodes: Vec<Node>,
    index: HashTable<u32>,
    root: u32,
    free: u32,
    len: usize,
    /// How many times the arena was rebuilt (ZSCAN's cursors carry it).
    epoch: u32,
}

impl Sorted {
    /// An empty set.
    pub fn new() -> Sorted {
        Sorted {
            nodes: Vec::new(),
            index: HashTable::new(),
            root: NIL,
            free: NIL,
            len: 0,
            epoch: 0,
        }
    }

    /// Builds a set from members already in (score, member) order, without duplicates: O(n).
    pub fn from_sorted<M: AsRef<[u8]>>(items: impl IntoIterator<Item = (M, f64)>) -> Sorted {
        let mut s = Sorted::new();
        let items = items.into_iter();
        s.nodes.reserve_exact(items.size_hint().0);
        for (m, score) in items {
            let m = m.as_ref();
            let id = s.alloc(m, score);
            s.index_insert(id, hash_of(m));
        }
        s.len = s.nodes.len();
        s.root = s.build((0..s.len as u32).collect());
        s
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.len
    }

    fn find(&self, member: &[u8]) -> Option<u32> {
        let nodes = &self.nodes;
        self.index
            .find(hash_of(member), |&id| {
                &nodes[id as usize].member[..] == member
            })
            .copied()
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.find(member).map(|id| self.nodes[id as usize].score)
    }

    fn index_insert(&mut self, id: u32, hash: u64) {
        let nodes = &self.nodes;
        self.index
            .insert_unique(hash, id, |&i| hash_of(&nodes[i as usize].member));
    }

    /// Takes a free slot (or grows the arena by a quarter, not the doubling of `Vec::push`, to
    /// keep the slack small) for a new member.
    fn alloc(&mut self, member: &[u8], score: f64) -> u32 {
        let node = Node {
            member: Bytes::new(member),
            score,
            left: NIL,
            right: NIL,
            size: 1,
            prio: (hash_of(member) >> 32) as u32,
        };
        if self.free != NIL {
            let id = self.free;
            self.free = self.nodes[id as usize].left;
            self.nodes[id as usize] = node;
            return id;
        }
        if self.nodes.len() == self.nodes.capacity() {
            self.nodes.reserve_exact((self.nodes.len() / 4).max(4));
        }
        self.nodes.push(node);
        (self.nodes.len() - 1) as u32
    }

    fn release(&mut self, id: u32) {
        let n = &mut self.nodes[id as usize];
        n.member = Bytes::new(b"");
        n.score = f64::NAN;
        n.left = self.free;
        self.free = id;
    }

    /// Adds a member that is not in the set.
    pub fn insert(&mut self, member: &[u8], score: f64) {
        let hash = hash_of(member);
        let id = self.alloc(member, score);
        self.index_insert(id, hash);
        self.root = self.insert_at(self.root, id);
        self.len += 1;
    }

    fn size(&self, t: u32) -> u32 {
        if t == NIL {
            0
        } else {
            self.nodes[t as usize].size
        }
    }

    fn update(&mut self, t: u32) {
        let n = &self.nodes[t as usize];
        let size = 1 + self.size(n.left) + self.size(n.right);
        self.nodes[t as usize].size = size;
    }

    fn insert_at(&mut self, t: u32, id: u32) -> u32 {
        if t == NIL {
            return id;
        }
        if self.nodes[id as usize].prio > self.nodes[t as usize].prio {
            let (l, r) = self.split_key(t, id);
            let n = &mut self.nodes[id as usize];
            n.left = l;
            n.right = r;
            self.update(id);
            return id;
        }
        let less = {
            let n = &self.nodes[id as usize];
            cmp_key(n.score, &n.member, &self.nodes[t as usize]) == Ordering::Less
        };
        if less {
            let l = self.insert_at(self.nodes[t as usize].left, id);
            self.nodes[t as usize].left = l;
        } else {
            let r = self.insert_at(self.nodes[t as usize].right, id);
            self.nodes[t as usize].right = r;
        }
        self.nodes[t as usize].size += 1;
        t
    }

    /// Splits `t` into the nodes ordered before node `id` and the others.
    fn split_key(&mut self, t: u32, id: u32) -> (u32, u32) {
        if t == NIL {
            return (NIL, NIL);
        }
        let before = {
            let n = &self.nodes[id as usize];
            cmp_key(n.score, &n.member, &self.nodes[t as usize]) == Ordering::Greater
        };
        if before {
            let (l, r) = self.split_key(self.nodes[t as usize].right, id);
            self.nodes[t as usize].right = l;
            self.update(t);
            (t, r)
        } else {
            let (l, r) = self.split_key(self.nodes[t as usize].left, id);
            self.nodes[t as usize].left = r;
            self.update(t);
            (l, t)
        }
    }

    /// Splits `t` into its first `k` nodes and the rest.
    fn split_rank(&mut self, t: u32, k: u32) -> (u32, u32) {
        if t == NIL {
            return (NIL, NIL);
        }
        let left = self.nodes[t as usize].left;
        let ls = self.size(left);
        if k <= ls {
            let (l, r) = self.split_rank(left, k);
            self.nodes[t as usize].left = r;
            self.update(t);
            (l, t)
        } else {
            let right = self.nodes[t as usize].right;
            let (l, r) = self.split_rank(right, k - ls - 1);
            self.nodes[t as usize].right = l;
            self.update(t);
            (t, r)
        }
    }

    /// Joins two treaps, every node of `a` ordered before every node of `b`.
    fn merge(&mut self, a: u32, b: u32) -> u32 {
        if a == NIL {
            return b;
        }
        if b == NIL {
            return a;
        }
        if self.nodes[a as usize].prio >= self.nodes[b as usize].prio {
            let r = self.merge(self.nodes[a as usize].right, b);
            self.nodes[a as usize].right = r;
            self.update(a);
            a
        } else {
            let l = self.merge(a, self.nodes[b as usize].left);
            self.nodes[b as usize].left = l;
            self.update(b);
            b
        }
    }

    /// Builds a treap of the nodes `ids` (in order): the Cartesian tree of their priorities, O(n).
    fn build(&mut self, ids: Vec<u32>) -> u32 {
        let mut stack: Vec<u32> = Vec::new();
        for id in ids {
            let mut last = NIL;
            while let Some(&top) = stack.last() {
                if self.nodes[top as usize].prio >= self.nodes[id as usize].prio {
                    break;
                }
                last = top;
                stack.pop();
            }
            self.nodes[id as usize].left = last;
            self.nodes[id as usize].right = NIL;
            if let Some(&top) = stack.last() {
                self.nodes[top as usize].right = id;
            }
            stack.push(id);
        }
        let root = stack.first().copied().unwrap_or(NIL);
        self.fix_sizes(root);
        root
    }

    /// Recomputes subtree sizes below `root` (post-order, without recursion).
    fn fix_sizes(&mut self, root: u32) {
        if root == NIL {
            return;
        }
        let mut order = Vec::with_capacity(self.len);
        let mut stack = vec![root];
        while let Some(t) = stack.pop() {
            order.push(t);
            let n = &self.nodes[t as usize];
            for c in [n.left, n.right] {
                if c != NIL {
                    stack.push(c);
                }
            }
        }
        for &t in order.iter().rev() {
            self.update(t);
        }
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let hash = hash_of(member);
        let nodes = &self.nodes;
        let entry = self
            .index
            .find_entry(hash, |&id| &nodes[id as usize].member[..] == member)
            .ok()?;
        let (id, _) = entry.remove();
        let score = self.nodes[id as usize].score;
        self.root = self.delete_at(self.root, score, member);
        self.release(id);
        self.len -= 1;
        self.maybe_compact();
        Some(score)
    }

    /// Unlinks the node of (score, member), which is in the treap `t`: one descent, then its
    /// children merged in its place.
    fn delete_at(&mut self, t: u32, score: f64, member: &[u8]) -> u32 {
        if t == NIL {
            return NIL;
        }
        let ord = cmp_key(score, member, &self.nodes[t as usize]);
        let n = &self.nodes[t as usize];
        let (left, right) = (n.left, n.right);
        match ord {
            Ordering::Equal => return self.merge(left, right),
            Ordering::Less => {
                let l = self.delete_at(left, score, member);
                self.nodes[t as usize].left = l;
            }
            Ordering::Greater => {
                let r = self.delete_at(right, score, member);
                self.nodes[t as usize].right = r;
            }
        }
        self.update(t);
        t
    }

    /// Removes the members of ranks `ranks`; calls `gone` with each (in order). O(log n + m).
    pub fn remove_ranks(
        &mut self,
        ranks: std::ops::Range<usize>,
        mut gone: impl FnMut(&[u8], f64),
    ) {
        let end = ranks.end.min(self.len);
        if ranks.start >= end {
            return;
        }
        let (l, rest) = self.split_rank(self.root, ranks.start as u32);
        let (mid, r) = self.split_rank(rest, (end - ranks.start) as u32);
        self.root = self.merge(l, r);
        let mut ids = Vec::with_capacity(end - ranks.start);
        self.collect(mid, &mut ids);
        for id in ids {
            let n = &self.nodes[id as usize];
            gone(&n.member, n.score);
            let hash = hash_of(&n.member);
            if let Ok(e) = self.index.find_entry(hash, |&x| x == id) {
                e.remove();
            }
            self.release(id);
        }
        self.len -= end - ranks.start;
        self.maybe_compact();
    }

    /// The ids of the treap `t`, in order.
    fn collect(&self, t: u32, out: &mut Vec<u32>) {
        let mut stack = Vec::new();
        let mut cur = t;
        while cur != NIL || !stack.is_empty() {
            while cur != NIL {
                stack.push(cur);
                cur = self.nodes[cur as usize].left;
            }
            if let Some(top) = stack.pop() {
                out.push(top);
                cur = self.nodes[top as usize].right;
            }
        }
    }

    /// Rebuilds the arena and index compactly once three quarters of the arena is free.
    fn maybe_compact(&mut self) {
        if self.nodes.len() >= 64 && self.len * 4 < self.nodes.len() {
            self.compact();
        }
    }

    fn compact(&mut self) {
        let mut ids = Vec::with_capacity(self.len);
        self.collect(self.root, &mut ids);
        let mut old = std::mem::take(&mut self.nodes);
        let items = ids.iter().map(|&id| {
            let n = &mut old[id as usize];
            (std::mem::replace(&mut n.member, Bytes::new(b"")), n.score)
        });
        let epoch = self.epoch.wrapping_add(1);
        *self = Sorted::from_owned(items.collect());
        self.epoch = epoch;
    }

    /// [`Sorted::from_sorted`] taking the members over.
    fn from_owned(items: Vec<(Bytes, f64)>) -> Sorted {
        let mut s = Sorted::new();
        s.nodes.reserve_exact(items.len());
        s.index.reserve(items.len(), |_| 0);
        for (member, score) in items {
            let hash = hash_of(&member);
            s.nodes.push(Node {
                member,
                score,
                left: NIL,
                right: NIL,
                size: 1,
                prio: (hash >> 32) as u32,
            });
            let id = (s.nodes.len() - 1) as u32;
            s.index_insert(id, hash);
        }
        s.len = s.nodes.len();
        s.root = s.build((0..s.len as u32).collect());
        s
    }

    /// The rank of the position (score, member) has or would have: how many members order before it.
    fn rank_of_key(&self, score: f64, member: &[u8]) -> usize {
        self.count_while(|n| cmp_key(score, member, n) == Ordering::Greater)
    }

    /// The number of members, from the first, for which `before` holds, `before` being true for
    /// a prefix of the order (a score or lex bound). O(log n).
    fn count_while(&self, before: impl Fn(&Node) -> bool) -> usize {
        let mut t = self.root;
        let mut count = 0usize;
        while t != NIL {
            let n = &self.nodes[t as usize];
            if before(n) {
                count += self.size(n.left) as usize + 1;
                t = n.right;
            } else {
                t = n.left;
            }
        }
        count
    }

    /// [`Sorted::count_while`] with the predicate over (member, score).
    pub fn count_prefix(&self, before: impl Fn(&[u8], f64) -> bool) -> usize {
        self.count_while(|n| before(&n.member, n.score))
    }

    /// The 0-based rank of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let score = self.score(member)?;
        Some(self.rank_of_key(score, member))
    }

    /// The path from the root to rank `r` as an in-order stack (the nodes still to visit,
    /// forward when `rev` is false, backward otherwise).
    fn stack_at(&self, r: usize, rev: bool) -> Vec<u32> {
        let mut stack = Vec::new();
        let mut t = self.root;
        let mut r = r as u32;
        while t != NIL {
            let n = &self.nodes[t as usize];
            let (near, far) = if rev {
                (n.right, n.left)
            } else {
                (n.left, n.right)
            };
            let ns = self.size(near);
            if r < ns {
                stack.push(t);
                t = near;
            } else if r == ns {
                stack.push(t);
                break;
            } else {
                r -= ns + 1;
                t = far;
            }
        }
        stack
    }

    /// Members from rank `from` on (counted from the end when `rev`), in that direction.
    pub fn iter_from(&self, from: usize, rev: bool) -> Iter<'_> {
        Iter {
            set: self,
            stack: self.stack_at(from, rev),
            rev,
        }
    }

    /// The member at rank `r`.
    #[cfg(test)]
    pub fn get(&self, r: usize) -> Option<(&[u8], f64)> {
        self.iter_from(r, false).next()
    }

    /// A member drawn uniformly from `rand` (and the values after it), or None when empty: a
    /// random arena slot, drawn again while free (three quarters at most are).
    pub fn random(&self, mut rand: impl FnMut() -> u64) -> Option<(&[u8], f64)> {
        if self.len == 0 {
            return None;
        }
        loop {
            let id = (rand() % self.nodes.len() as u64) as usize;
            let n = &self.nodes[id];
            if !n.score.is_nan() {
                return Some((&n.member, n.score));
            }
        }
    }

    /// ZSCAN: visits the members of about `count` arena slots from `cursor`; returns the next
    /// cursor (0 at the end). A cursor from before a rebuild of the arena starts over.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8], f64)) -> u64 {
        let mut pos = if (cursor >> 32) as u32 == self.epoch {
            (cursor & 0xffff_ffff) as usize
        } else {
            0
        };
        let mut seen = 0;
        let mut looked = 0;
        while pos < self.nodes.len() && seen < count && looked < count.saturating_mul(10) {
            let n = &self.nodes[pos];
            if !n.score.is_nan() {
                visit(&n.member, n.score);
                seen += 1;
            }
            looked += 1;
            pos += 1;
        }
        if pos >= self.nodes.len() {
            0
        } else {
            ((self.epoch as u64) << 32) | pos as u64
        }
    }

    /// Bytes this set holds on the heap (arena, index, long members), for MEMORY USAGE-like
    /// accounting and tests.
    pub fn heap_bytes(&self) -> usize {
        let long: usize = self
            .nodes
            .iter()
            .filter(|n| n.member.capacity() > crate::keyspace::bytes::INLINE_MAX)
            .map(|n| n.member.capacity())
            .sum();
        self.nodes.capacity() * std::mem::size_of::<Node>() + self.index.capacity() * 5 + long
    }

    #[cfg(test)]
    fn check(&self) {
        let mut ids = Vec::new();
        self.collect(self.root, &mut ids);
        assert_eq!(ids.len(), self.len);
        assert_eq!(self.index.len(), self.len);
        for w in ids.windows(2) {
            let (a, b) = (&self.nodes[w[0] as usize], &self.nodes[w[1] as usize]);
            assert_eq!(cmp_key(a.score, &a.member, b), Ordering::Less);
        }
        for &id in &ids {
            let n = &self.nodes[id as usize];
            assert_eq!(n.size, 1 + self.size(n.left) + self.size(n.right));
            for c in [n.left, n.right] {
                if c != NIL {
                    assert!(self.nodes[c as usize].prio <= n.prio);
                }
            }
            assert_eq!(self.find(&n.member), Some(id));
        }
    }
}

/// In-order walk from a rank, forward or backward.
pub struct Iter<'a> {
    set: &'a Sorted,
    stack: Vec<u32>,
    rev: bool,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        let nodes = &self.set.nodes;
        let t = self.stack.pop()?;
        let n = &nodes[t as usize];
        let mut c = if self.rev { n.left } else { n.right };
        while c != NIL {
            self.stack.push(c);
            let m = &nodes[c as usize];
            c = if self.rev { m.right } else { m.left };
        }
        Some((&n.member, n.score))
    }
}

impl PartialEq for Sorted {
    fn eq(&self, other: &Sorted) -> bool {
        self.len == other.len
            && self
                .iter_from(0, false)
                .zip(other.iter_from(0, false))
                .all(|(a, b)| a.0 == b.0 && a.1.to_bits() == b.1.to_bits())
    }
}

impl std::fmt::Debug for Sorted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.iter_from(0, false)
                    .map(|(m, s)| (String::from_utf8_lossy(m).into_owned(), s)),
            )
            .finish()
    }
}

#[cfg(test)]
#[path = "sorted_tests.rs"]
mod tests;
