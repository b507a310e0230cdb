//! Memory accounting: a global allocator that counts the bytes the process has allocated, so
//! INFO's `used_memory` is what the allocator holds for us, as in Redis, not an estimate.
//! Each block counts at its usable size (`malloc_usable_size`), the size class the allocator
//! really gave, as Redis counts jemalloc's size classes with `zmalloc_size`.
//!
//! Each thread adds to its own cache-line-sized counter (no contention between shards); a
//! reader sums them. Memory freed by another thread than the one that allocated it (replies
//! that crossed cores) is subtracted there: only the sum means anything.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

const SLOTS: usize = 64;

#[repr(align(64))]
struct Slot(AtomicIsize);

#[allow(clippy::declare_interior_mutable_const)]
const ZERO: Slot = Slot(AtomicIsize::new(0));
static COUNTERS: [Slot; SLOTS] = [ZERO; SLOTS];
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static MY_SLOT: Cell<usize> = const { Cell::new(usize::MAX) };
}

fn add(delta: isize) {
    let slot = MY_SLOT
        .try_with(|s| {
            let mut i = s.get();
            if i == usize::MAX {
                i = NEXT_SLOT.fetch_add(1, Ordering::Relaxed) % SLOTS;
                s.set(i);
            }
            i
        })
        // During thread teardown the thread-local is gone: any slot keeps the sum right.
        .unwrap_or(0);
    COUNTERS[slot].0.fetch_add(delta, Ordering::Relaxed);
}

/// The bytes the allocator really reserved for the block at `p` (its size class).
fn usable(p: *mut u8) -> isize {
    // SAFETY: `p` is a live block from the system allocator (malloc and friends).
    unsafe { libc::malloc_usable_size(p as *mut libc::c_void) as isize }
}

/// Blocks under this size, at the alignment malloc gives anyway, are counted from their size
/// alone (see [`glibc_size_class`]); they are never mmapped (glibc's threshold is 128 KiB or more).
const SIZE_CLASS_MAX: usize = 64 * 1024;

/// What glibc's malloc reserves for a request of `size` bytes, as `malloc_usable_size` reports
/// it: the chunk (the request and an 8-byte header, rounded up to 16, at least 32) less its
/// header. Why: `malloc_usable_size` reads the header in front of the block, a cache miss when
/// a cold block is freed (a fifth of an eviction's time).
const fn glibc_size_class(size: usize) -> isize {
    let chunk = (size + 8 + 15) & !15;
    (if chunk < 32 { 32 } else { chunk }) as isize - 8
}

/// What the block at `p`, of `size` bytes at `align`, counts for: the same on allocation and
/// release, so the counters never drift.
fn counted(p: *mut u8, size: usize, align: usize) -> isize {
    if cfg!(all(target_os = "linux", target_env = "gnu")) && size < SIZE_CLASS_MAX && align <= 16 {
        return glibc_size_class(size);
    }
    usable(p)
}

/// The system allocator, counted.
pub struct Counting;

// SAFETY: every call is forwarded to the system allocator unchanged; only counters change.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            add(counted(p, layout.size(), layout.align()));
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(-counted(ptr, layout.size(), layout.align()));
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            add(counted(p, layout.size(), layout.align()));
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let before = counted(ptr, layout.size(), layout.align());
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            add(counted(p, new_size, layout.align()) - before);
        }
        p
    }
}
/// Bytes allocated through [`Counting`] and not freed, all threads together; 0 when the binary
/// does not use it as its global allocator.
pub fn used_memory() -> usize {
    let used = NEXT_SLOT.load(Ordering::Relaxed).min(SLOTS);
    let sum: isize = COUNTERS[..used]
        .iter()
        .map(|c| c.0.load(Ordering::Relaxed))
        .sum();
    sum.max(0) as usize
}

/// The counter the calling thread adds to (it takes one on its first allocation).
pub fn my_slot() -> usize {
    add(0);
    MY_SLOT.try_with(|s| s.get()).unwrap_or(0)
}

/// What the threads whose counters are not in `mine` hold: the node's memory outside its
/// shards (the main thread's, say), exact at any moment, unlike a difference of figures
/// read at different times.
pub fn used_outside(mine: &[usize]) -> isize {
    let used = NEXT_SLOT.load(Ordering::Relaxed).min(SLOTS);
    (0..used)
        .filter(|i| !mine.contains(i))
        .map(|i| COUNTERS[i].0.load(Ordering::Relaxed))
        .sum()
}

/// What the calling thread holds: what it allocated, less what it freed, plus what was handed
/// over to it (see [`hand_over`]). A shard's share of `maxmemory` is measured with this; it
/// reads one counter of the thread's own cache line.
pub fn thread_used() -> isize {
    let slot = MY_SLOT.try_with(|s| s.get()).unwrap_or(usize::MAX);
    if slot == usize::MAX {
        return 0;
    }
    COUNTERS[slot].0.load(Ordering::Relaxed)
}

/// The sender's half of moving memory to another thread (a batch of messages between shards):
/// the blocks will be freed there, so they leave this thread's count now and join the
/// receiver's with [`take_over`] when it is about to free them (in between they are in
/// flight, and `used_memory` leaves them out). Without it, every message would stay counted
/// on the thread that made it and be subtracted from the one that frees it, and per-thread
/// figures would drift apart for ever (their sum stays right either way).
pub fn hand_over(bytes: usize) {
    add(-(bytes as isize));
}

/// The receiver's half of [`hand_over`].
pub fn take_over(bytes: usize) {
    add(bytes as isize);
}

/// What the buffer of `v` counts for (see [`Counting`]): 0 when it has none.
pub fn vec_bytes<T>(v: &Vec<T>) -> usize {
    let size = v.capacity() * std::mem::size_of::<T>();
    if size == 0 {
        return 0;
    }
    counted(v.as_ptr() as *mut u8, size, std::mem::align_of::<T>()) as usize
}

/// What the block of a box holding `b` counts for (see [`Counting`]).
pub fn box_bytes<T>(b: &T) -> usize {
    let size = std::mem::size_of::<T>();
    if size == 0 {
        return 0;
    }
    counted(b as *const T as *mut u8, size, std::mem::align_of::<T>()) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The size classes computed are glibc's: a fresh block is at least that large, and larger
    /// only when malloc handed over a whole free chunk rather than split off a sliver too
    /// small to keep (under 32 bytes).
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn size_classes_are_glibcs() {
        for size in (1..2048).chain((2048..SIZE_CLASS_MAX).step_by(97)) {
            // SAFETY: a plain malloc and free of a block this test alone holds.
            let got = unsafe {
                let p = libc::malloc(size);
                assert!(!p.is_null());
                let got = libc::malloc_usable_size(p) as isize;
                libc::free(p);
                got
            };
            let class = glibc_size_class(size);
            assert!(
                class >= size as isize && got >= class && got < class + 32,
                "{size} bytes: glibc {got}, computed {class}"
            );
        }
    }
}
