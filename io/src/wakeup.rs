//! How late a sleeping shard woke: the stamp of the commands it reads first after a sleep.
//!
//! A shard that sleeps is woken by the first bytes to arrive, but it may then wait for its CPU,
//! for as long as another thread keeps it (on a small machine, often the very client that sent
//! those bytes). Its clock would say the bytes came when it finally looked; the kernel counts
//! that wait (the second field of `/proc/thread-self/schedstat`, the time spent runnable but
//! not running), so the arrival is the time it looked less the wait since it went to sleep.
//! Blocking commands use it to take their place in line (see `blocking`). The count is read
//! (a `pread` of a few hundred nanoseconds) when a shard goes to sleep, and again when a
//! blocking command is read in the first turn after; only within [`KEEP_MS`] of the last
//! blocking command anywhere, so a node that serves none never reads it, and a busy shard,
//! which does not sleep, never does.

use std::fs::File;
use std::os::unix::fs::FileExt;

/// How long after the last blocking command sleeping shards keep noting how late they wake.
pub const KEEP_MS: u64 = 60_000;

/// This thread's count of time spent waiting for a CPU.
pub struct RunDelay {
    file: Option<File>,
}

impl RunDelay {
    /// Opens the count of the calling thread (None where the kernel does not keep it).
    pub fn open() -> RunDelay {
        RunDelay {
            file: File::open("/proc/thread-self/schedstat").ok(),
        }
    }

    /// Nanoseconds this thread has waited for a CPU since it started.
    pub fn read(&self) -> Option<u64> {
        let file = self.file.as_ref()?;
        let mut buf = [0u8; 96];
        let n = file.read_at(&mut buf, 0).ok()?;
        let text = std::str::from_utf8(&buf[..n]).ok()?;
        text.split_whitespace().nth(1)?.parse().ok()
    }
}

/// A shard's last sleep, kept for the first turn after it.
#[derive(Clone, Copy, Debug)]
pub struct Slept {
    /// When it went to sleep (Unix ns).
    pub since_ns: u64,
    /// Its wait-for-CPU count then.
    pub run_delay: u64,
}

/// The arrival time of what the turn at `read_ns` read: `read_ns`, less the time the shard
/// waited for its CPU since it went to sleep when this is the first turn after a sleep.
pub fn arrival(read_ns: u64, slept: Option<Slept>, delay: &RunDelay) -> u64 {
    let Some(slept) = slept else {
        return read_ns;
    };
    let Some(now) = delay.read() else {
        return read_ns;
    };
    read_ns
        .saturating_sub(now.saturating_sub(slept.run_delay))
        .max(slept.since_ns)
}
