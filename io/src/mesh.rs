//! What shards say to each other over glommio's cross-core channels, and the per-peer outbox
//! that batches it: everything one shard has for another in one turn of its loop travels as one
//! message. The bytes of the batch's commands and replies share one buffer, so a command that
//! crosses cores costs no allocation of its own, on either side.

use std::num::NonZeroU64;
use std::ops::Range;

use tessera_core::config::Config;
use tessera_core::protocol::Protocol;

use crate::locks::{Footprint, TxId};

/// One command to run on another shard.
pub struct Call {
    /// Where the reply goes on the calling shard (a connection's reply slot or a waiting task).
    pub token: u64,
    /// SELECT's index.
    pub db: u16,
    /// The client's protocol, so the reply is encoded as the client expects.
    pub proto: Protocol,
    /// Set when the call runs under a transaction that already holds its locks (transaction
    /// ids are never 0, so the option costs no room: see [`Call::tx`]).
    pub tx: Option<NonZeroU64>,
    /// The command, RESP-encoded, in the batch's bytes.
    pub args: Span,
    /// Where its arguments lie in those bytes: the sender parsed it already, so the receiver
    /// does not parse it again (see [`Batch::call_args`]).
    pub argv: ArgvSpan,
}

impl Call {
    /// The transaction the call runs under, if any.
    pub fn tx(&self) -> Option<TxId> {
        self.tx.map(NonZeroU64::get)
    }
}

/// A call's argument spans in its batch's `argv`: `count` spans from `first`, each relative to
/// the call's own bytes.
#[derive(Clone, Copy, Debug)]
pub struct ArgvSpan {
    first: u32,
    count: u32,
}

/// A message between shards.
pub enum Msg {
    /// Run a command.
    Call(Call),
    /// The encoded reply of a call.
    Reply {
        /// The call's token.
        token: u64,
        /// The reply bytes, in the batch's bytes.
        bytes: Span,
    },
    /// Take locks for a transaction; answer `Granted` once held.
    Lock {
        /// The transaction.
        tx: TxId,
        /// What to lock (boxed: calls and replies, the common messages, stay small).
        footprint: Box<Footprint>,
        /// Where `Granted` goes.
        token: u64,
    },
    /// The locks asked for with this token are held.
    Granted {
        /// The token of the `Lock` request.
        token: u64,
    },
    /// Release a transaction's locks.
    Unlock {
        /// The transaction.
        tx: TxId,
    },
    /// A transaction is done on this shard: write its records as one frame of the log (see
    /// `aof`), then answer `+OK` to `token` once the frame is safe.
    TxEnd {
        /// The transaction.
        tx: TxId,
        /// The shards it may have written on.
        parts: u32,
        /// Where the acknowledgement goes.
        token: u64,
    },
    /// Apply a node-wide change, then answer `+OK` to `token`.
    Change {
        /// Where the acknowledgement goes.
        token: u64,
        /// What changes.
        change: NodeChange,
    },
    /// Close a client by id (CLIENT KILL); the reply says how many were closed.
    Kill {
        /// Where the count goes.
        token: u64,
        /// What to match (boxed: calls and replies, the common messages, stay small).
        filter: Box<crate::client_cmd::KillFilter>,
    },
    /// Describe this shard's clients and counters (CLIENT LIST, INFO).
    Report {
        /// Where the report goes.
        token: u64,
        /// Which report.
        kind: crate::admin::ReportKind,
    },
    /// Take away the blocked-command waiter answering `token` (its client left, or CLIENT
    /// UNBLOCK).
    Unwait {
        /// The waiter's reply token.
        token: u64,
        /// Why, and so what it is told.
        how: crate::blocking::Unwait,
    },
    /// CLIENT UNBLOCK: unblock client `id` if it lives on this shard; the reply is 1 or 0.
    Unblock {
        /// Where the answer goes.
        token: u64,
        /// The client's id.
        id: u64,
        /// TIMEOUT or ERROR.
        how: crate::blocking::Unwait,
    },
    /// Stop serving: the node is shutting down.
    Shutdown,
}

/// A change every shard must make before the client that asked for it hears OK, so that its
/// next command, on any connection and any shard, sees it.
#[derive(Clone)]
pub enum NodeChange {
    /// CONFIG SET.
    Config(Box<Config>),
    /// CLIENT PAUSE / UNPAUSE: until this Unix ms (0: unpause), writes only or all.
    Pause {
        /// Unix ms when the pause ends; 0 unpauses.
        until_ms: u64,
        /// Only write commands are paused.
        write_only: bool,
    },
    /// CONFIG RESETSTAT.
    ResetStats,
}

/// Most messages a batch keeps room for between turns.
const MOST_MSGS: usize = 1024;
/// Most bytes a batch keeps room for between turns.
const MOST_BYTES: usize = 64 * 1024;

/// Where a message's bytes sit in its batch's buffer.
#[derive(Clone, Copy, Debug)]
pub struct Span {
    start: usize,
    len: usize,
}

/// Everything a shard sends to one peer in one turn: the messages, and one buffer for the
/// bytes of their commands and replies.
#[derive(Default)]
pub struct Batch {
    /// The messages, in order.
    pub msgs: Vec<Msg>,
    /// The bytes the messages' spans point into.
    pub data: Vec<u8>,
    /// The argument spans of the batch's calls.
    pub argv: Vec<Range<usize>>,
}

impl Batch {
    /// An empty batch with room for about as much as `last` held, so a steady stream of
    /// batches does not regrow its buffers every turn; after a burst, no more than a steady
    /// stream needs (an idle shard should not keep a burst's worth of memory reserved).
    pub fn like(last: &Batch) -> Batch {
        Batch {
            msgs: Vec::with_capacity(last.msgs.len().min(MOST_MSGS)),
            data: Vec::with_capacity(last.data.len().min(MOST_BYTES)),
            argv: Vec::with_capacity(last.argv.len().min(MOST_MSGS * 4)),
        }
    }

    /// The batch emptied, to be filled again, unless it holds more room than a steady stream
    /// needs (see [`Batch::like`]).
    pub fn recycle(mut self) -> Option<Batch> {
        if self.msgs.capacity() > MOST_MSGS
            || self.data.capacity() > MOST_BYTES
            || self.argv.capacity() > MOST_MSGS * 4
        {
            return None;
        }
        self.msgs.clear();
        self.data.clear();
        self.argv.clear();
        Some(self)
    }

    /// The bytes the batch's messages fill so far (its buffers may have more room reserved).
    pub fn filled_bytes(&self) -> usize {
        self.msgs.len() * std::mem::size_of::<Msg>()
            + self.data.len()
            + self.argv.len() * std::mem::size_of::<Range<usize>>()
    }

    /// True when there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.msgs.is_empty()
    }

    /// Copies `bytes` into the batch's buffer.
    pub fn push_bytes(&mut self, bytes: &[u8]) -> Span {
        let start = self.data.len();
        self.data.extend_from_slice(bytes);
        Span {
            start,
            len: bytes.len(),
        }
    }

    /// Copies a command and its argument spans (relative to `bytes`) into the batch.
    pub fn push_call_args(&mut self, bytes: &[u8], spans: &[Range<usize>]) -> (Span, ArgvSpan) {
        let argv = ArgvSpan {
            first: self.argv.len() as u32,
            count: spans.len() as u32,
        };
        self.argv.extend_from_slice(spans);
        (self.push_bytes(bytes), argv)
    }

    /// A call's command bytes and its arguments' spans within them.
    pub fn call_args(&self, call: &Call) -> (&[u8], &[Range<usize>]) {
        let first = call.argv.first as usize;
        (
            self.bytes(call.args),
            &self.argv[first..first + call.argv.count as usize],
        )
    }

    /// The heap blocks this batch owns, in bytes: what moves to the receiving shard's count
    /// of memory with it (see `memory::hand_over`). Lock footprints are counted; the rare
    /// administrative messages (CONFIG SET, CLIENT KILL, reports) are not.
    pub fn heap_bytes(&self) -> usize {
        let block = |cap: usize, p: *const u8| crate::memory::block_size((cap > 0).then_some(p));
        let mut n = block(self.msgs.capacity(), self.msgs.as_ptr() as *const u8)
            + block(self.data.capacity(), self.data.as_ptr())
            + block(self.argv.capacity(), self.argv.as_ptr() as *const u8);
        for m in &self.msgs {
            if let Msg::Lock { footprint, .. } = m {
                n += block(
                    std::mem::size_of::<Footprint>(),
                    &**footprint as *const Footprint as *const u8,
                ) + block(
                    footprint.keys.capacity(),
                    footprint.keys.as_ptr() as *const u8,
                );
            }
        }
        n
    }

    /// The bytes of a span of this batch.
    pub fn bytes(&self, span: Span) -> &[u8] {
        &self.data[span.start..span.start + span.len]
    }
}

/// Marks tokens that name a waiting task rather than a connection's reply slot.
pub const TASK_TOKEN: u64 = 1 << 63;
