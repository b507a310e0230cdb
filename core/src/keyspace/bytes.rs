//! A string value's bytes, kept compact: up to 22 bytes inside the value itself, longer ones in
//! one heap block described by a pointer and two 32-bit lengths.
//!
//! Why: most cached values are short (ids, counters, flags, small JSON). Keeping them inline
//! saves an allocation and its header per key, and the whole `Value` stays 24 bytes, the size of
//! a `Vec` alone. Changing a string in place (APPEND, SETRANGE) goes through a `Vec`, so the
//! growth policy is the standard one, and a string with spare room (Redis's `raw` encoding)
//! keeps it.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;

/// Longest string kept inline.
pub const INLINE_MAX: usize = 22;

/// An inline string's length: a byte that can only be 0..=22, which leaves the other values of
/// that byte free to tell `Bytes`'s and `Value`'s variants apart at no extra size.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)] // Made by transmute from a checked length, never by name.
#[rustfmt::skip]
enum InlineLen {
    L0, L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11, L12, L13, L14, L15, L16, L17, L18, L19,
    L20, L21, L22,
}

impl InlineLen {
    fn new(len: usize) -> InlineLen {
        assert!(len <= INLINE_MAX);
        // SAFETY: InlineLen is repr(u8) with the contiguous values 0..=22, checked above.
        unsafe { std::mem::transmute::<u8, InlineLen>(len as u8) }
    }
}

enum Repr {
    Inline {
        data: [u8; INLINE_MAX],
        len: InlineLen,
    },
    /// The parts of a `Vec<u8>` whose length and capacity fit 32 bits.
    Heap {
        ptr: NonNull<u8>,
        len: u32,
        cap: u32,
    },
    /// Anything larger (4 GiB and up); boxed so that the variant fits beside the others.
    #[allow(clippy::box_collection)]
    Huge(Box<Vec<u8>>),
}

/// A string value's bytes.
pub struct Bytes(Repr);

// SAFETY: `Heap` owns its block exclusively, as the Vec it came from did.
unsafe impl Send for Bytes {}
// SAFETY: shared access only reads.
unsafe impl Sync for Bytes {}

impl Bytes {
    /// A copy of `bytes`, with no spare room (Redis's `embstr` when short enough).
    pub fn new(bytes: &[u8]) -> Bytes {
        if bytes.len() <= INLINE_MAX {
            let mut data = [0u8; INLINE_MAX];
            data[..bytes.len()].copy_from_slice(bytes);
            Bytes(Repr::Inline {
                data,
                len: InlineLen::new(bytes.len()),
            })
        } else {
            Bytes::from_vec(bytes.to_vec())
        }
    }

    /// Takes a vector over. A short one without spare room goes inline; one with spare room
    /// keeps it, and so its `raw` encoding.
    pub fn from_vec(v: Vec<u8>) -> Bytes {
        if v.len() <= INLINE_MAX && v.capacity() == v.len() {
            return Bytes::new(&v);
        }
        match (u32::try_from(v.len()), u32::try_from(v.capacity())) {
            (Ok(len), Ok(cap)) => {
                let mut v = ManuallyDrop::new(v);
                // A vector with capacity > 0 has a real allocation, so the pointer is non-null.
                let ptr = NonNull::new(v.as_mut_ptr()).expect("a Vec's pointer is never null");
                Bytes(Repr::Heap { ptr, len, cap })
            }
            _ => Bytes(Repr::Huge(Box::new(v))),
        }
    }

    /// The bytes as an owned vector.
    pub fn into_vec(self) -> Vec<u8> {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used again nor dropped; its parts move into the vector.
        unsafe { this.take_vec() }
    }

    /// Moves the contents out as a vector, leaving `self` in an unspecified state.
    ///
    /// # Safety
    /// `self` must be overwritten or forgotten afterwards, never used or dropped as it is.
    unsafe fn take_vec(&mut self) -> Vec<u8> {
        match &mut self.0 {
            Repr::Inline { data, len } => data[..*len as usize].to_vec(),
            // SAFETY: the parts came from a Vec<u8> of this allocator (`from_vec`).
            Repr::Heap { ptr, len, cap } => unsafe {
                Vec::from_raw_parts(ptr.as_ptr(), *len as usize, *cap as usize)
            },
            // SAFETY: read out once; the caller never drops the original.
            Repr::Huge(b) => unsafe { std::ptr::read(&**b as *const Vec<u8>) },
        }
    }

    /// Changes the bytes through a vector (APPEND, SETRANGE); spare room stays.
    pub fn edit<R>(&mut self, f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
        let mut v = std::mem::replace(self, Bytes::new(b"")).into_vec();
        let result = f(&mut v);
        *self = Bytes::from_vec(v);
        result
    }

    /// Asks the CPU to start loading the first bytes of a string kept on the heap; a short
    /// string is already where its value is.
    pub fn prefetch(&self) {
        let p = match &self.0 {
            Repr::Inline { .. } => return,
            Repr::Heap { ptr, .. } => ptr.as_ptr() as *const u8,
            Repr::Huge(v) => v.as_ptr(),
        };
        #[cfg(target_arch = "x86_64")]
        // SAFETY: prefetching is a hint; it never faults, whatever the address.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8);
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = p;
    }

    /// Bytes reserved, spare room included (a short string reports its length).
    pub fn capacity(&self) -> usize {
        match &self.0 {
            Repr::Inline { len, .. } => *len as usize,
            Repr::Heap { cap, .. } => *cap as usize,
            Repr::Huge(v) => v.capacity(),
        }
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { data, len } => &data[..*len as usize],
            // SAFETY: `len` initialised bytes live at `ptr` while self does.
            Repr::Heap { ptr, len, .. } => unsafe {
                std::slice::from_raw_parts(ptr.as_ptr(), *len as usize)
            },
            Repr::Huge(v) => v,
        }
    }
}

impl std::ops::DerefMut for Bytes {
    fn deref_mut(&mut self) -> &mut [u8] {
        match &mut self.0 {
            Repr::Inline { data, len } => &mut data[..*len as usize],
            // SAFETY: as in deref, with exclusive access.
            Repr::Heap { ptr, len, .. } => unsafe {
                std::slice::from_raw_parts_mut(ptr.as_ptr(), *len as usize)
            },
            Repr::Huge(v) => v,
        }
    }
}

impl Drop for Bytes {
    fn drop(&mut self) {
        if let Repr::Heap { ptr, len, cap } = self.0 {
            // SAFETY: the parts came from a Vec<u8>, rebuilt once to free it.
            drop(unsafe { Vec::from_raw_parts(ptr.as_ptr(), len as usize, cap as usize) });
        }
    }
}

/// A copy keeps spare room when the original had some (a `raw` string stays `raw`).
impl Clone for Bytes {
    fn clone(&self) -> Bytes {
        if self.capacity() > self.len() {
            let mut v = Vec::with_capacity(self.len() + 1);
            v.extend_from_slice(self);
            Bytes::from_vec(v)
        } else {
            Bytes::new(self)
        }
    }
}

impl PartialEq for Bytes {
    fn eq(&self, other: &Bytes) -> bool {
        **self == **other
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_strings_are_inline_and_the_value_stays_small() {
        assert_eq!(std::mem::size_of::<Bytes>(), 24);
        assert_eq!(std::mem::size_of::<crate::keyspace::Value>(), 24);
        for n in 0..=INLINE_MAX {
            let b = Bytes::new(&vec![7u8; n]);
            assert!(matches!(b.0, Repr::Inline { .. }));
            assert_eq!(&*b, &vec![7u8; n][..]);
        }
        assert!(matches!(Bytes::new(&[1; 23]).0, Repr::Heap { .. }));
    }

    #[test]
    fn edits_keep_spare_room_and_clones_keep_it_too() {
        let mut b = Bytes::new(b"abc");
        b.edit(|v| {
            v.reserve(10);
            v.extend_from_slice(b"def")
        });
        assert_eq!(&*b, b"abcdef");
        assert!(b.capacity() > b.len());
        let c = b.clone();
        assert_eq!(c, b);
        assert!(c.capacity() > c.len());
        let long = Bytes::from_vec(vec![9u8; 1000]);
        assert_eq!(long.capacity(), 1000);
        assert_eq!(long.clone().into_vec(), vec![9u8; 1000]);
        let mut m = Bytes::new(b"hello");
        m[0] = b'j';
        assert_eq!(&*m, b"jello");
    }
}
