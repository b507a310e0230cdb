//! A byte buffer for the packed encodings (listpacks, intsets): one heap block of exactly its
//! length unless asked for room, described in 16 bytes with a 16-bit word left for the owner's
//! own header (a listpack's element count, an intset's integer width).
//!
//! Why: a packed collection is most of what a small hash, set or sorted set costs. A `Vec` takes
//! 24 bytes and keeps the room its doubling left; a boxed value takes one more allocation. Redis
//! reallocates its listpacks and intsets to the byte on every write, so a `Vec` loses to it on
//! small collections. A [`Blob`] is exact by default (every edit reallocates to the new length,
//! which the allocator does in place most of the time), keeps room only when its owner reserves
//! some (a list node being pushed to, see [`Blob::reserve`]), and is small enough that the
//! collection fits in a [`super::Value`] without a box.

use std::alloc::{alloc, dealloc, handle_alloc_error, realloc, Layout};
use std::ptr::NonNull;

/// Most room a blob keeps beyond its length (the field is 16 bits).
const MAX_SPARE: usize = u16::MAX as usize;

/// Bytes in one exact heap block (no block when empty), plus a word for the owner.
pub struct Blob {
    ptr: NonNull<u8>,
    len: u32,
    /// Room reserved after the bytes; the block is `len + spare` bytes.
    spare: u16,
    word: u16,
}

const _: () = assert!(std::mem::size_of::<Blob>() == 16);

// SAFETY: a blob owns its block exclusively, as a Vec<u8> does.
unsafe impl Send for Blob {}
// SAFETY: shared access only reads.
unsafe impl Sync for Blob {}

fn layout(size: usize) -> Layout {
    Layout::from_size_align(size, 1).expect("a blob under isize::MAX bytes")
}

/// A length as the 32-bit field holds it. Listpacks and intsets are limited to 4 GiB by their
/// own formats, which keep their size in 32 bits.
fn len32(n: usize) -> u32 {
    u32::try_from(n).expect("a packed encoding under 4 GiB")
}

impl Blob {
    /// An empty blob (no allocation) whose owner word is `word`.
    pub const fn new(word: u16) -> Blob {
        Blob {
            ptr: NonNull::dangling(),
            len: 0,
            spare: 0,
            word,
        }
    }

    /// A blob holding a copy of `bytes`, in a block of exactly their size.
    pub fn from_slice(bytes: &[u8], word: u16) -> Blob {
        let mut b = Blob::new(word);
        b.splice(0, 0, bytes.len()).copy_from_slice(bytes);
        b
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `len` initialised bytes live at `ptr` (a dangling pointer when 0).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len as usize) }
    }

    /// The bytes, to change them in place.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as `as_slice`, with exclusive access.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len as usize) }
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True when there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Size of the heap block: the bytes and the room reserved after them.
    pub fn capacity(&self) -> usize {
        self.len as usize + self.spare as usize
    }

    /// The owner's word.
    pub fn word(&self) -> u16 {
        self.word
    }

    /// Sets the owner's word.
    pub fn set_word(&mut self, word: u16) {
        self.word = word;
    }

    /// Moves the block from `old` bytes to `new` bytes (0: no block); only the pointer
    /// changes, the caller sets the length and the room.
    fn move_block(&mut self, old: usize, new: usize) {
        if old == new {
            return;
        }
        // SAFETY: the block was allocated with layout(old) (none when old is 0); sizes are
        // non-zero where alloc and realloc are called.
        unsafe {
            let p = if new == 0 {
                dealloc(self.ptr.as_ptr(), layout(old));
                NonNull::dangling().as_ptr()
            } else if old == 0 {
                alloc(layout(new))
            } else {
                realloc(self.ptr.as_ptr(), layout(old), new)
            };
            if p.is_null() {
                handle_alloc_error(layout(new));
            }
            self.ptr = NonNull::new_unchecked(p);
        }
    }

    /// Moves the block to `cap` bytes: the length, plus at most [`MAX_SPARE`] of room.
    fn set_capacity(&mut self, cap: usize) {
        let len = self.len as usize;
        debug_assert!(cap >= len && cap - len <= MAX_SPARE);
        self.move_block(self.capacity(), cap);
        self.spare = (cap - len) as u16;
    }

    /// Makes sure `extra` more bytes fit without a new block: the room grows by the length (at
    /// most [`MAX_SPARE`]), so that a blob grown a little at a time moves O(log n) times.
    pub fn reserve(&mut self, extra: usize) {
        if self.spare as usize >= extra {
            return;
        }
        if extra > MAX_SPARE {
            // Too much to note as room: the edit that follows makes the block exact anyway.
            return;
        }
        let room = extra.max(self.len as usize).min(MAX_SPARE);
        self.set_capacity(len32(self.len as usize + room) as usize);
    }

    /// Gives back the room after the bytes.
    pub fn shrink_to_fit(&mut self) {
        self.set_capacity(self.len as usize);
    }

    /// Replaces the `remove` bytes at `at` by `insert` bytes and returns those, for the caller
    /// to fill (they hold stale bytes until then). The block becomes exactly the new length,
    /// unless room was reserved: then it shrinks only when the room would pass 16 bits.
    pub fn splice(&mut self, at: usize, remove: usize, insert: usize) -> &mut [u8] {
        self.splice_inner(at, remove, insert, false)
    }

    /// [`Blob::splice`] that keeps the bytes it frees as room (at most [`MAX_SPARE`]), for an
    /// edit in several steps that ends with [`Blob::shrink_to_fit`]: one reallocation at most.
    pub fn splice_keeping_room(&mut self, at: usize, remove: usize, insert: usize) -> &mut [u8] {
        self.splice_inner(at, remove, insert, true)
    }

    fn splice_inner(&mut self, at: usize, remove: usize, insert: usize, keep: bool) -> &mut [u8] {
        let old_len = self.len as usize;
        assert!(at + remove <= old_len, "a splice inside the blob");
        let new_len = old_len - remove + insert;
        let tail = old_len - at - remove;
        let mut cap = self.capacity();
        if new_len > cap {
            self.move_block(cap, len32(new_len) as usize);
            cap = new_len;
        }
        // SAFETY: the block holds max(old_len, new_len) bytes; the tail moves inside it.
        unsafe {
            let p = self.ptr.as_ptr();
            std::ptr::copy(p.add(at + remove), p.add(at + insert), tail);
        }
        self.len = new_len as u32;
        let spare = cap - new_len;
        if spare > MAX_SPARE || (spare > 0 && self.spare == 0 && !keep) {
            // The blob was exact (or the room would overflow its field): it stays exact.
            self.move_block(cap, new_len);
            self.spare = 0;
        } else {
            self.spare = spare as u16;
        }
        // SAFETY: `at + insert <= new_len` bytes are inside the block.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr().add(at), insert) }
    }

    /// Keeps the first `len` bytes.
    pub fn truncate(&mut self, len: usize) {
        if len < self.len as usize {
            let n = self.len as usize - len;
            self.splice(len, n, 0);
        }
    }
}

impl Drop for Blob {
    fn drop(&mut self) {
        let cap = self.capacity();
        if cap > 0 {
            // SAFETY: the block was allocated with layout(cap).
            unsafe { dealloc(self.ptr.as_ptr(), layout(cap)) };
        }
    }
}

/// A copy is exact, whatever room the original kept.
impl Clone for Blob {
    fn clone(&self) -> Blob {
        Blob::from_slice(self.as_slice(), self.word)
    }
}

/// Equal bytes and word; the room does not count.
impl PartialEq for Blob {
    fn eq(&self, other: &Blob) -> bool {
        self.word == other.word && self.as_slice() == other.as_slice()
    }
}

impl Eq for Blob {}

impl std::fmt::Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blob")
            .field("bytes", &self.as_slice())
            .field("capacity", &self.capacity())
            .field("word", &self.word)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_the_block_exact() {
        let mut b = Blob::new(7);
        assert_eq!((b.len(), b.capacity(), b.word()), (0, 0, 7));
        b.splice(0, 0, 3).copy_from_slice(b"abc");
        b.splice(3, 0, 2).copy_from_slice(b"de");
        b.splice(0, 0, 1).copy_from_slice(b"_");
        assert_eq!(b.as_slice(), b"_abcde");
        assert_eq!(b.capacity(), 6);
        b.splice(1, 3, 1).copy_from_slice(b"X");
        assert_eq!(b.as_slice(), b"_Xde");
        assert_eq!(b.capacity(), 4);
        b.truncate(1);
        assert_eq!((b.as_slice(), b.capacity()), (&b"_"[..], 1));
        b.truncate(0);
        assert_eq!((b.len(), b.capacity()), (0, 0));
        // A move in two steps: the bytes removed stay as room for the insert, then go back.
        let mut m = Blob::from_slice(b"abcdef", 0);
        m.splice_keeping_room(1, 2, 0);
        assert_eq!((m.as_slice(), m.capacity()), (&b"adef"[..], 6));
        m.splice(4, 0, 1).copy_from_slice(b"g");
        assert_eq!((m.as_slice(), m.capacity()), (&b"adefg"[..], 6));
        m.shrink_to_fit();
        assert_eq!(m.capacity(), 5);
        let c = Blob::from_slice(b"xyz", 7);
        assert_eq!(c.clone(), c);
        assert_ne!(c, Blob::from_slice(b"xyz", 8));
    }

    #[test]
    fn reserved_room_is_kept_until_given_back() {
        let mut b = Blob::new(0);
        for i in 0..1000u32 {
            b.reserve(4);
            let at = b.len();
            b.splice(at, 0, 4).copy_from_slice(&i.to_le_bytes());
        }
        assert_eq!(b.len(), 4000);
        assert!(
            b.capacity() >= 4000 && b.capacity() <= 8000,
            "{}",
            b.capacity()
        );
        // Removing keeps the room; giving it back makes the block exact.
        b.splice(0, 4, 0);
        assert!(b.capacity() > b.len());
        assert_eq!(&b.as_slice()[..4], &1u32.to_le_bytes());
        b.shrink_to_fit();
        assert_eq!(b.capacity(), 3996);
        assert_eq!(b.clone().capacity(), 3996);
        // Room is at most 16 bits' worth.
        let mut big = Blob::from_slice(&vec![1u8; 200_000], 0);
        assert_eq!(big.capacity(), 200_000);
        big.reserve(10);
        assert_eq!(big.capacity(), 200_000 + MAX_SPARE);
        big.reserve(100_000);
        let at = big.len();
        big.splice(at, 0, 100_000).fill(2);
        assert_eq!(big.capacity(), 300_000);
    }
}
