//! A thin epoll wrapper: one per load thread, level-triggered, a token per connection.
//!
//! `epoll_pwait2` takes a nanosecond timeout, which the open loop needs to wake for a request
//! due in 50µs without spinning.

use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

/// Readiness of one connection, as the loop needs it.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    /// The token the connection was registered with.
    pub token: usize,
    /// Bytes (or end of stream) to read.
    pub readable: bool,
    /// Room to write what is pending.
    pub writable: bool,
}

/// One epoll instance and its event buffer.
pub struct Poller {
    fd: RawFd,
    events: Vec<libc::epoll_event>,
}

impl Poller {
    /// Creates the instance; `capacity` events are returned per wait at most.
    pub fn new(capacity: usize) -> io::Result<Poller> {
        // SAFETY: plain syscall, no pointers.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Poller {
            fd,
            events: vec![libc::epoll_event { events: 0, u64: 0 }; capacity.max(1)],
        })
    }

    /// Watches `fd` for reading, and for writing too when `write`.
    pub fn add(&self, fd: RawFd, token: usize, write: bool) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, token, write)
    }

    /// Changes whether `fd` is watched for writing.
    pub fn modify(&self, fd: RawFd, token: usize, write: bool) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, token, write)
    }

    /// Stops watching `fd`.
    pub fn delete(&self, fd: RawFd) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_DEL, fd, 0, false)
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, token: usize, write: bool) -> io::Result<()> {
        let mut flags = libc::EPOLLIN | libc::EPOLLRDHUP;
        if write {
            flags |= libc::EPOLLOUT;
        }
        let mut event = libc::epoll_event {
            events: flags as u32,
            u64: token as u64,
        };
        // SAFETY: `event` is a valid epoll_event for the duration of the call.
        if unsafe { libc::epoll_ctl(self.fd, op, fd, &mut event) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Waits up to `timeout` (forever with `None`) and appends the ready connections to `out`.
    pub fn wait(&mut self, timeout: Option<Duration>, out: &mut Vec<Event>) -> io::Result<()> {
        let spec = timeout.map(|t| libc::timespec {
            tv_sec: t.as_secs().min(i64::MAX as u64) as libc::time_t,
            tv_nsec: t.subsec_nanos() as libc::c_long,
        });
        let spec_ptr = spec
            .as_ref()
            .map_or(std::ptr::null(), |s| s as *const libc::timespec);
        // SAFETY: the buffer holds `events.len()` entries; the timespec outlives the call.
        let n = unsafe {
            libc::epoll_pwait2(
                self.fd,
                self.events.as_mut_ptr(),
                self.events.len() as libc::c_int,
                spec_ptr,
                std::ptr::null(),
            )
        };
        if n < 0 {
            let err = io::Error::last_os_error();
            return if err.kind() == io::ErrorKind::Interrupted {
                Ok(())
            } else {
                Err(err)
            };
        }
        for event in &self.events[..n as usize] {
            let flags = event.events as libc::c_int;
            out.push(Event {
                token: event.u64 as usize,
                readable: flags
                    & (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR)
                    != 0,
                writable: flags & libc::EPOLLOUT != 0,
            });
        }
        Ok(())
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        // SAFETY: the fd is ours and closed once.
        unsafe { libc::close(self.fd) };
    }
}
