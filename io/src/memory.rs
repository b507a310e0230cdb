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

/// The system allocator, counted.
pub struct Counting;

// SAFETY: every call is forwarded to the system allocator unchanged; only counters change.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            add(usable(p));
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(-usable(ptr));
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            add(usable(p));
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let before = usable(ptr);
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            add(usable(p) - before);
        }
        p
    }
}
/// Bytes allocated through [`Counting`] and not freed, all threads together; 0 when the binary
/// does not use it as its global allocator.
pub fn used_memory() -> usize {
    let sum: isize = COUNTERS.iter().map(|c| c.0.load(Ordering::Relaxed)).sum();
    sum.max(0) as usize
}
