//! A shard's own io_uring, created on the shard's thread with flags that keep completions from
//! interrupting the core (`DEFER_TASKRUN`, else `COOP_TASKRUN | TASKRUN_FLAG`), and the
//! provided-buffer ring that multishot receives read into.
//!
//! glommio's own rings lack those flags and cost a kernel interrupt per completion, so sockets
//! go through this ring while glommio keeps running tasks, timers and channels.

use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU16, Ordering};

use io_uring::{squeue, types, IoUring};

/// How the ring was set up, for the start-up log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RingMode {
    /// `SINGLE_ISSUER | DEFER_TASKRUN`: completions are posted only when this thread asks, in
    /// batches. A sleeping shard must sleep in this ring ([`Ring::wait`]): see [`Ring::new`].
    DeferTaskrun,
    /// `COOP_TASKRUN | TASKRUN_FLAG`: completions run as task work when this thread enters the
    /// kernel, without interrupting it.
    CoopTaskrun,
    /// No task-run flags at all (old kernels).
    Plain,
}

/// The ring and its submission bookkeeping.
pub struct Ring {
    uring: IoUring,
    /// How the kernel accepted the ring.
    pub mode: RingMode,
    unsubmitted: u32,
    /// The kernel raises `IORING_SQ_TASKRUN` when completions wait to be posted.
    taskrun_flag: bool,
}

const IORING_ENTER_GETEVENTS: u32 = 1;

impl Ring {
    /// Creates a ring of `entries` submission slots, with the best flags the kernel accepts.
    ///
    /// `DEFER_TASKRUN` first: the kernel runs a completion's work only when this thread enters
    /// the ring, many at a time, where `COOP_TASKRUN` runs it at every return to user space.
    /// Such a ring has one catch, measured on Linux 6.18: the eventfd it signals when work
    /// arrives for a thread that sleeps elsewhere is signalled only after an RCU grace period
    /// (about 20 ms), and a poll of the ring's own descriptor never fires. A sleeping shard
    /// therefore sleeps in this ring itself ([`Ring::wait`]), which wakes at once.
    /// `TESSERA_COOP_TASKRUN=1` selects `COOP_TASKRUN`, for comparison.
    pub fn new(entries: u32) -> io::Result<Ring> {
        let cq = entries * 8;
        let coop_asked = std::env::var("TESSERA_COOP_TASKRUN").is_ok_and(|v| v == "1");
        if !coop_asked {
            for flagged in [true, false] {
                let mut builder = IoUring::builder();
                builder.setup_single_issuer().setup_defer_taskrun();
                if flagged {
                    builder.setup_taskrun_flag();
                }
                if let Ok(uring) = builder.setup_cqsize(cq).build(entries) {
                    return Ok(Ring::with(uring, RingMode::DeferTaskrun, flagged));
                }
            }
        }
        if let Ok(uring) = IoUring::builder()
            .setup_coop_taskrun()
            .setup_taskrun_flag()
            .setup_cqsize(cq)
            .build(entries)
        {
            return Ok(Ring::with(uring, RingMode::CoopTaskrun, true));
        }
        let uring = IoUring::builder().setup_cqsize(cq).build(entries)?;
        Ok(Ring::with(uring, RingMode::Plain, false))
    }

    fn with(uring: IoUring, mode: RingMode, taskrun_flag: bool) -> Ring {
        Ring {
            uring,
            mode,
            unsubmitted: 0,
            taskrun_flag,
        }
    }

    /// Queues one operation, submitting what is queued first when the queue is full.
    pub fn push(&mut self, entry: &squeue::Entry) {
        loop {
            // SAFETY: every entry's buffers are owned by connection state that outlives the
            // operation (see `net`), and file descriptors stay open until it completes.
            let pushed = unsafe { self.uring.submission().push(entry) };
            if pushed.is_ok() {
                self.unsubmitted += 1;
                return;
            }
            let _ = self.enter();
        }
    }

    /// Submits what is queued and lets the kernel post the completions that are ready
    /// (`GETEVENTS`: with `DEFER_TASKRUN` nothing is posted without it). Never waits.
    pub fn enter(&mut self) -> io::Result<usize> {
        let n = self.unsubmitted;
        self.unsubmitted = 0;
        // SAFETY: plain io_uring_enter without a signal mask argument.
        unsafe {
            self.uring
                .submitter()
                .enter::<libc::sigset_t>(n, 0, IORING_ENTER_GETEVENTS, None)
        }
    }

    /// As [`Ring::enter`], but only when the kernel has something to do: operations to submit,
    /// completions waiting to be posted (`IORING_SQ_TASKRUN`, which `TASKRUN_FLAG` has the
    /// kernel raise) or an overflowed completion queue. A loop that turns often with little to
    /// do each time (a shard waiting for its peers' replies) then makes no system call on the
    /// turns that find nothing; those calls were a third of the cost of a command served by
    /// another shard. Without the flag it always enters.
    pub fn enter_if_needed(&mut self) -> io::Result<usize> {
        if self.unsubmitted == 0 && self.taskrun_flag {
            let sq = self.uring.submission();
            if !sq.taskrun() && !sq.cq_overflow() {
                return Ok(0);
            }
        }
        self.enter()
    }

    /// As [`Ring::enter`], again while the kernel says more completions wait to be posted (it
    /// posts a bounded number per entry): afterwards every receive that had data when this
    /// was called is in the completion queue. For barrier rounds (see `barrier`).
    pub fn catch_up(&mut self) {
        for _ in 0..16 {
            let _ = self.enter();
            if !self.taskrun_flag || !self.uring.submission().taskrun() {
                return;
            }
        }
    }

    /// Submits what is queued and sleeps until a completion arrives or `timeout` passes.
    pub fn wait(&mut self, timeout: std::time::Duration) -> io::Result<usize> {
        self.unsubmitted = 0;
        let ts = types::Timespec::from(timeout);
        let args = types::SubmitArgs::new().timespec(&ts);
        match self.uring.submitter().submit_with_args(1, &args) {
            Err(e)
                if e.raw_os_error() == Some(libc::ETIME)
                    || e.raw_os_error() == Some(libc::EINTR) =>
            {
                Ok(0)
            }
            other => other,
        }
    }

    /// True when operations are queued but not submitted.
    pub fn has_unsubmitted(&self) -> bool {
        self.unsubmitted > 0
    }

    /// Takes every posted completion as (user_data, result, flags), calling `f` for each.
    pub fn drain(&mut self, mut f: impl FnMut(u64, i32, u32)) -> usize {
        let mut n = 0;
        let mut cq = self.uring.completion();
        cq.sync();
        for cqe in &mut cq {
            n += 1;
            f(cqe.user_data(), cqe.result(), cqe.flags());
        }
        n
    }

    /// Registers an eventfd that the kernel signals when this ring has work for us.
    pub fn register_eventfd(&self, fd: RawFd) -> io::Result<()> {
        self.uring.submitter().register_eventfd(fd)
    }

    /// Stops or resumes eventfd signals (`IORING_CQ_EVENTFD_DISABLED`), so a busy loop is not
    /// woken needlessly.
    pub fn set_eventfd_enabled(&mut self, enabled: bool) {
        let cq = self.uring.completion();
        if enabled {
            cq.enable_eventfd();
        } else {
            cq.disable_eventfd();
        }
    }

    /// Registers a provided-buffer ring.
    ///
    /// # Safety
    /// `bufs` must outlive the ring (both live in the same shard state and are dropped together,
    /// ring first).
    pub unsafe fn register_buffers(&self, bufs: &BufRing, group: u16) -> io::Result<()> {
        // SAFETY: the caller keeps `bufs` alive as long as the ring.
        unsafe {
            self.uring.submitter().register_buf_ring_with_flags(
                bufs.ring_addr() as u64,
                bufs.count,
                group,
                0,
            )
        }
    }
}

/// A provided-buffer ring: `count` page-aligned buffers of `size` bytes that the kernel fills
/// with received data; each goes back to the ring as soon as its bytes are parsed.
///
/// The buffers are mapped straight from the kernel, not taken from the allocator: like a
/// socket's own buffers they are the network's memory, not the dataset's, so `used_memory`
/// (and with it `maxmemory`) does not count them, as Redis does not count socket buffers.
pub struct BufRing {
    ring: *mut types::BufRingEntry,
    data: *mut u8,
    map_len: usize,
    /// Number of buffers (a power of two).
    pub count: u16,
    /// Bytes per buffer.
    pub size: usize,
    tail: u16,
}

impl BufRing {
    /// Allocates `count` buffers of `size` bytes and hands all of them to the ring.
    pub fn new(count: u16, size: usize) -> BufRing {
        assert!(count.is_power_of_two() && count <= 32768);
        let ring_len = count as usize * std::mem::size_of::<types::BufRingEntry>();
        let ring_len = ring_len.next_multiple_of(4096);
        let map_len = ring_len + count as usize * size;
        // SAFETY: an anonymous private mapping, owned by this value until Drop unmaps it.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert!(
            base != libc::MAP_FAILED,
            "out of memory for receive buffers"
        );
        let ring = base as *mut types::BufRingEntry;
        // SAFETY: the data buffers follow the (page-aligned) ring entries in the mapping.
        let data = unsafe { (base as *mut u8).add(ring_len) };
        let mut bufs = BufRing {
            ring,
            data,
            map_len,
            count,
            size,
            tail: 0,
        };
        for bid in 0..count {
            bufs.add(bid);
        }
        bufs.publish();
        bufs
    }

    fn ring_addr(&self) -> *const types::BufRingEntry {
        self.ring
    }

    fn add(&mut self, bid: u16) {
        let idx = (self.tail & (self.count - 1)) as usize;
        // SAFETY: idx < count, inside the ring allocation.
        let entry = unsafe { &mut *self.ring.add(idx) };
        // SAFETY: bid < count, so the buffer lies inside the data allocation.
        entry.set_addr(unsafe { self.data.add(bid as usize * self.size) } as u64);
        entry.set_len(self.size as u32);
        entry.set_bid(bid);
        self.tail = self.tail.wrapping_add(1);
    }

    fn publish(&self) {
        // SAFETY: the tail field lives inside the first entry, as the kernel's ABI defines.
        let tail = unsafe { &*(types::BufRingEntry::tail(self.ring) as *const AtomicU16) };
        tail.store(self.tail, Ordering::Release);
    }

    /// The first `len` bytes of buffer `bid`, as the kernel filled them.
    pub fn get(&self, bid: u16, len: usize) -> &[u8] {
        let bid = (bid & (self.count - 1)) as usize;
        // SAFETY: bid < count and len <= size: inside the data allocation; the kernel wrote it
        // before posting the completion that named it, and will not touch it until recycled.
        unsafe { std::slice::from_raw_parts(self.data.add(bid * self.size), len.min(self.size)) }
    }

    /// Gives buffer `bid` back to the kernel.
    pub fn recycle(&mut self, bid: u16) {
        self.add(bid & (self.count - 1));
        self.publish();
    }
}

impl Drop for BufRing {
    fn drop(&mut self) {
        // SAFETY: mapped in `new` with this length; nothing points into it any more.
        unsafe {
            libc::munmap(self.ring as *mut libc::c_void, self.map_len);
        }
    }
}
