//! One non-blocking connection: its output buffer, its input buffer, and the requests it has
//! in flight, oldest first (RESP replies come back in request order).

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::ops::Range;

use super::request::Command;
use super::resp::{scan, Kind, ProtocolError};

/// Starting size of the input buffer; it grows when one reply is larger.
const READ_BUF: usize = 64 * 1024;
/// Below this much free room at the end, the unread bytes are moved to the front first.
const MIN_ROOM: usize = 16 * 1024;

/// A request sent and not yet answered: enough to time it and, after a MOVED, to send it again.
#[derive(Debug, Clone, Copy)]
pub struct InFlight {
    /// When it was sent, or meant to be sent in the open loop (clock nanoseconds).
    pub sent: u64,
    /// Its key number.
    pub key: u64,
    /// What it was.
    pub command: Command,
    /// Whether it is measured (preload requests are not).
    pub measured: bool,
    /// An ASKING sent ahead of an ASK-redirected request: its reply is checked, not counted.
    pub asking: bool,
}

/// A reply taken off the input buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Anything but an error.
    Value,
    /// An error; the range indexes [`Conn::bytes`] until the next read.
    Error(Range<usize>),
}

/// A connection of one client to one server.
#[derive(Debug)]
pub struct Conn {
    /// The socket, non-blocking.
    pub stream: TcpStream,
    /// Where it goes, for messages.
    pub addr: String,
    /// The client it belongs to, an index in the worker's list.
    pub client: usize,
    /// The requests sent on it, oldest first.
    pub inflight: VecDeque<InFlight>,
    /// Whether the poller also waits for it to be writable (output is pending).
    pub watching_write: bool,
    out: Vec<u8>,
    out_pos: usize,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
}

impl Conn {
    /// Wraps a connected stream, making it non-blocking.
    pub fn new(
        stream: TcpStream,
        addr: String,
        client: usize,
        pipeline: usize,
    ) -> io::Result<Conn> {
        stream.set_nonblocking(true)?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            addr,
            client,
            inflight: VecDeque::with_capacity(pipeline),
            watching_write: false,
            out: Vec::with_capacity(4096),
            out_pos: 0,
            input: vec![0; READ_BUF],
            in_start: 0,
            in_end: 0,
        })
    }

    /// The output buffer, for encoding requests into.
    #[inline]
    pub fn out(&mut self) -> &mut Vec<u8> {
        &mut self.out
    }

    /// Whether output is waiting to be written.
    pub fn has_output(&self) -> bool {
        self.out_pos < self.out.len()
    }

    /// Writes as much pending output as the socket takes; `Ok(true)` when all of it went.
    pub fn flush(&mut self) -> io::Result<bool> {
        while self.out_pos < self.out.len() {
            match (&self.stream).write(&self.out[self.out_pos..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.out_pos += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.out.clear();
        self.out_pos = 0;
        Ok(true)
    }

    /// One read into the input buffer: `Ok(0)` means the server closed the connection,
    /// `WouldBlock` that nothing was there after all.
    pub fn fill(&mut self) -> io::Result<usize> {
        if self.in_start == self.in_end {
            self.in_start = 0;
            self.in_end = 0;
        } else if self.input.len() - self.in_end < MIN_ROOM {
            self.input.copy_within(self.in_start..self.in_end, 0);
            self.in_end -= self.in_start;
            self.in_start = 0;
            if self.input.len() - self.in_end < MIN_ROOM {
                // One reply is bigger than the buffer: make room for it.
                self.input.resize(self.input.len() * 2, 0);
            }
        }
        loop {
            match (&self.stream).read(&mut self.input[self.in_end..]) {
                Ok(n) => {
                    self.in_end += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Takes the next complete reply off the input, skipping RESP3 pushes and attributes;
    /// `Ok(None)` when the rest has not arrived yet.
    #[inline]
    pub fn next_reply(&mut self) -> Result<Option<Reply>, ProtocolError> {
        loop {
            let Some(frame) = scan(&self.input[self.in_start..self.in_end])? else {
                return Ok(None);
            };
            let base = self.in_start;
            self.in_start += frame.len;
            match frame.kind {
                Kind::Value => return Ok(Some(Reply::Value)),
                Kind::Error(range) => {
                    return Ok(Some(Reply::Error(base + range.start..base + range.end)))
                }
                Kind::Push | Kind::Attribute => {}
            }
        }
    }

    /// Input bytes by the range of a [`Reply::Error`].
    pub fn bytes(&self, range: Range<usize>) -> &[u8] {
        self.input.get(range).unwrap_or_default()
    }
}
