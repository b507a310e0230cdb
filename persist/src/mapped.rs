//! Files read at start-up through a read-only memory map, so that loading a file does not
//! first copy all of it onto the heap: a 10 GB snapshot would otherwise need 10 GB of memory
//! besides the data it holds, for as long as the load lasts.
//!
//! The loaders walk a file from start to end, so the map asks the kernel to read ahead. The RDB
//! loader (snapshots, and the append-only folder's base file) hands back the pages it has read
//! with [`Mapped::release_before`]: the process never holds more than a window of the file,
//! whatever its size. The pages stay in the page cache; only this process's share of them goes.
//! The append-only files' replay keeps its file's pages mapped until the file is done: they
//! are the kernel's to drop under pressure (they read back from the file), never heap.
//!
//! The files are the server's own (its snapshot, its append-only folder). One shortened by
//! another process while it is being loaded would stop the load with SIGBUS, as for any
//! program that maps its files; nothing the server itself does shortens them before the load
//! is over.

use std::cell::Cell;
use std::fs::File;
use std::io;
use std::path::Path;

use memmap2::{Advice, Mmap};

/// How much of a file the loader keeps mapped behind its position before handing it back.
const RELEASE_EVERY: usize = 32 << 20;

/// A whole file, mapped read-only.
pub struct Mapped {
    /// None for an empty file (an empty mapping is not allowed).
    map: Option<Mmap>,
    /// Where the pages handed back so far end.
    released: Cell<usize>,
}

impl Mapped {
    /// Maps the file at `path`; None when there is no such file.
    pub fn open(path: &Path) -> io::Result<Option<Mapped>> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        if file.metadata()?.len() == 0 {
            return Ok(Some(Mapped {
                map: None,
                released: Cell::new(0),
            }));
        }
        // SAFETY: the map is read-only and private to this process; see the module's notes on
        // files shortened by others while they are loaded.
        let map = unsafe { Mmap::map(&file)? };
        // Only advice: a kernel that ignores it reads the file all the same.
        let _ = map.advise(Advice::Sequential);
        Ok(Some(Mapped {
            map: Some(map),
            released: Cell::new(0),
        }))
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }

    /// The reader has gone past `offset` for good: once that is [`RELEASE_EVERY`] beyond what
    /// was handed back before, the whole pages before it leave this process (reading them again
    /// would still work: they come back from the page cache).
    pub fn release_before(&self, offset: usize) {
        let Some(map) = &self.map else { return };
        let page = page_size();
        let end = (offset.min(map.len()) / page) * page;
        let start = self.released.get();
        if end < start + RELEASE_EVERY {
            return;
        }
        // SAFETY: the range is inside the map and whole pages; the map is read-only and
        // private, so dropping its pages loses nothing (they read back from the file).
        let _ = unsafe {
            map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
        };
        self.released.set(end);
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 {
        n as usize
    } else {
        4096
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_files_of_every_size() {
        let dir = std::env::temp_dir().join(format!("tessera-mapped-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(Mapped::open(&dir.join("absent")).unwrap().is_none());
        for len in [0usize, 1, 4095, 4096, 3 * RELEASE_EVERY + 5] {
            let path = dir.join(format!("f{len}"));
            let content: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &content).unwrap();
            let m = Mapped::open(&path).unwrap().unwrap();
            assert_eq!(m.bytes().len(), len);
            // Handing pages back never changes what the bytes read.
            let mut at = 0;
            while at < len {
                m.release_before(at);
                at += 1 << 20;
            }
            m.release_before(len);
            assert!(m.bytes() == &content[..]);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
