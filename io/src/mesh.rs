//! What shards say to each other over glommio's cross-core channels, and the per-peer outbox
//! that batches it: everything one shard has for another in one turn of its loop travels as one
//! message.
//!
//! The common messages, calls and their replies, are written one after another into one byte
//! buffer, each as a short header and its bytes: no allocation of their own on either side, and
//! as few bytes as can carry them. Moving bytes between cores is what a forwarded command costs
//! most (shrinking each message from 88 to 48 bytes took a third off the server's CPU time per
//! forwarded request); the stream form carries a GET and its reply in about a third of what a
//! message each, its bytes and its argument spans took. The rare messages (locks, node-wide
//! changes, reports) keep their own list, with a marker in the stream holding their place.

use std::ops::Range;

use tessera_core::config::Config;
use tessera_core::protocol::{Args, Protocol};

use crate::locks::{Footprint, TxId};

/// One command to run on another shard, as it comes out of a batch: its arguments are filled
/// into the span list given to [`Batch::next_item`], as spans of [`Batch::data`].
#[derive(Clone, Copy, Debug)]
pub struct Call {
    /// Where the reply goes on the calling shard (a connection's reply slot or a waiting task).
    pub token: u64,
    /// SELECT's index.
    pub db: u16,
    /// The client's protocol, so the reply is encoded as the client expects.
    pub proto: Protocol,
    /// Set when the call runs under a transaction that already holds its locks.
    pub tx: Option<TxId>,
}

/// One entry of a batch, in the order it was queued.
pub enum Item {
    /// A command to run; its arguments are in the span list.
    Call(Call),
    /// The encoded reply of a call, at `bytes` in [`Batch::data`].
    Reply {
        /// The call's token.
        token: u64,
        /// Where the reply's bytes lie.
        bytes: Range<usize>,
    },
    /// The next of the batch's other messages (see [`Batch::take_others`]).
    Other,
}

/// A message between shards.
pub enum Msg {
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
    /// A barrier round (see `barrier`): answer with `BarrierAck` once every command this shard's
    /// sockets hold has been read and forwarded.
    Barrier {
        /// The sender's round.
        round: u64,
    },
    /// The answer to `Barrier`: everything this shard read before it has been sent ahead of it.
    BarrierAck {
        /// The round answered.
        round: u64,
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

/// Most bytes a batch keeps room for between turns.
const MOST_BYTES: usize = 64 * 1024;
/// Most other messages a batch keeps room for between turns.
const MOST_OTHERS: usize = 64;

/// Entry tags in a batch's bytes.
const TAG_CALL: u8 = 1;
const TAG_REPLY: u8 = 2;
const TAG_OTHER: u8 = 3;
/// Call flags.
const FLAG_RESP3: u8 = 1;
const FLAG_TX: u8 = 2;

/// Everything a shard sends to one peer in one turn.
#[derive(Default)]
pub struct Batch {
    /// Calls and replies, encoded one after another, and a one-byte marker for each other
    /// message, so that all keep their order.
    data: Vec<u8>,
    /// The other messages, in order.
    others: Vec<Msg>,
    /// The heap blocks the other messages own (lock footprints), in bytes.
    others_heap: usize,
    /// How many calls the batch holds.
    calls: usize,
}

impl Batch {
    /// An empty batch with room for about as much as `last` held, so a steady stream of
    /// batches does not regrow its buffers every turn; after a burst, no more than a steady
    /// stream needs (an idle shard should not keep a burst's worth of memory reserved).
    pub fn like(last: &Batch) -> Batch {
        Batch {
            data: Vec::with_capacity(last.data.len().min(MOST_BYTES)),
            others: Vec::with_capacity(last.others.len().min(MOST_OTHERS)),
            others_heap: 0,
            calls: 0,
        }
    }

    /// The batch emptied, to be filled again, unless it holds more room than a steady stream
    /// needs (see [`Batch::like`]).
    pub fn recycle(mut self) -> Option<Batch> {
        if self.data.capacity() > MOST_BYTES || self.others.capacity() > MOST_OTHERS {
            return None;
        }
        self.data.clear();
        self.others.clear();
        self.others_heap = 0;
        self.calls = 0;
        Some(self)
    }

    /// The bytes the batch's entries fill so far (its buffers may have more room reserved).
    pub fn filled_bytes(&self) -> usize {
        self.data.len() + self.others.len() * std::mem::size_of::<Msg>()
    }

    /// True when there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// How many calls the batch holds.
    pub fn calls(&self) -> usize {
        self.calls
    }

    /// The encoded calls and replies: what the spans of [`Batch::next_item`] index.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Queues a command: its arguments are copied, each behind its length.
    pub fn push_call(&mut self, call: Call, args: &Args<'_>) {
        let flags = if call.proto == Protocol::Resp3 {
            FLAG_RESP3
        } else {
            0
        } | if call.tx.is_some() { FLAG_TX } else { 0 };
        let data = &mut self.data;
        data.reserve(24 + args.iter().map(|a| a.len() + 2).sum::<usize>());
        data.push(TAG_CALL);
        data.push(flags);
        data.extend_from_slice(&call.db.to_le_bytes());
        data.extend_from_slice(&call.token.to_le_bytes());
        if let Some(tx) = call.tx {
            data.extend_from_slice(&tx.to_le_bytes());
        }
        put_len(data, args.len());
        for arg in args.iter() {
            put_len(data, arg.len());
            data.extend_from_slice(arg);
        }
        self.calls += 1;
    }

    /// Queues the reply to call `token`.
    pub fn push_reply(&mut self, token: u64, bytes: &[u8]) {
        let data = &mut self.data;
        data.reserve(bytes.len() + 14);
        data.push(TAG_REPLY);
        data.extend_from_slice(&token.to_le_bytes());
        put_len(data, bytes.len());
        data.extend_from_slice(bytes);
    }

    /// Queues any other message.
    pub fn push_other(&mut self, msg: Msg) {
        if let Msg::Lock { footprint, .. } = &msg {
            self.others_heap +=
                crate::memory::box_bytes(&**footprint) + crate::memory::vec_bytes(&footprint.keys);
        }
        self.data.push(TAG_OTHER);
        self.others.push(msg);
    }

    /// Takes the other messages out, in order, for [`Item::Other`] to name; give the emptied
    /// list back with [`Batch::put_others`] so its room is reused.
    pub fn take_others(&mut self) -> Vec<Msg> {
        std::mem::take(&mut self.others)
    }

    /// Gives back the list [`Batch::take_others`] took, emptied.
    pub fn put_others(&mut self, mut others: Vec<Msg>) {
        others.clear();
        self.others = others;
    }

    /// The entry at `*pos` (start at 0), moving `*pos` past it; None at the end. A call's
    /// arguments replace the contents of `spans`.
    pub fn next_item(&self, pos: &mut usize, spans: &mut Vec<Range<usize>>) -> Option<Item> {
        let data = &self.data[..];
        let mut at = *pos;
        let tag = *data.get(at)?;
        at += 1;
        let item = match tag {
            TAG_CALL => {
                let flags = *data.get(at)?;
                let db = u16::from_le_bytes(data.get(at + 1..at + 3)?.try_into().ok()?);
                let token = u64::from_le_bytes(data.get(at + 3..at + 11)?.try_into().ok()?);
                at += 11;
                let tx = if flags & FLAG_TX != 0 {
                    let tx = u64::from_le_bytes(data.get(at..at + 8)?.try_into().ok()?);
                    at += 8;
                    Some(tx)
                } else {
                    None
                };
                let argc = get_len(data, &mut at)?;
                spans.clear();
                for _ in 0..argc {
                    let len = get_len(data, &mut at)?;
                    let end = at.checked_add(len).filter(|&e| e <= data.len())?;
                    spans.push(at..end);
                    at = end;
                }
                let proto = if flags & FLAG_RESP3 != 0 {
                    Protocol::Resp3
                } else {
                    Protocol::Resp2
                };
                Item::Call(Call {
                    token,
                    db,
                    proto,
                    tx,
                })
            }
            TAG_REPLY => {
                let token = u64::from_le_bytes(data.get(at..at + 8)?.try_into().ok()?);
                at += 8;
                let len = get_len(data, &mut at)?;
                let end = at.checked_add(len).filter(|&e| e <= data.len())?;
                let bytes = at..end;
                at = end;
                Item::Reply { token, bytes }
            }
            TAG_OTHER => Item::Other,
            _ => return None,
        };
        *pos = at;
        Some(item)
    }

    /// The heap blocks this batch owns, in bytes: what moves to the receiving shard's count
    /// of memory with it (see `memory::hand_over`). Lock footprints are counted; the rare
    /// administrative messages (CONFIG SET, CLIENT KILL, reports) are not.
    pub fn heap_bytes(&self) -> usize {
        crate::memory::vec_bytes(&self.data)
            + crate::memory::vec_bytes(&self.others)
            + self.others_heap
    }
}

/// Appends a length: seven bits a byte, low bits first (one byte below 128).
fn put_len(data: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        data.push(n as u8 | 0x80);
        n >>= 7;
    }
    data.push(n as u8);
}

/// Reads a length [`put_len`] wrote at `*at`, moving `*at` past it.
fn get_len(data: &[u8], at: &mut usize) -> Option<usize> {
    let mut n = 0usize;
    let mut shift = 0;
    loop {
        let b = *data.get(*at)?;
        *at += 1;
        n |= ((b & 0x7F) as usize).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some(n);
        }
        shift += 7;
        if shift >= usize::BITS {
            return None;
        }
    }
}

/// Marks tokens that name a waiting task rather than a connection's reply slot.
pub const TASK_TOKEN: u64 = 1 << 63;

#[cfg(test)]
mod tests {
    use super::*;

    fn call(token: u64, db: u16, proto: Protocol, tx: Option<TxId>) -> Call {
        Call {
            token,
            db,
            proto,
            tx,
        }
    }

    /// Calls, replies and other messages come out of a batch as they went in, in order, with
    /// arguments of every length class (empty, one length byte, several).
    #[test]
    fn entries_come_out_as_they_went_in() {
        let long = vec![b'x'; 300];
        let huge = vec![b'y'; 70_000];
        let bytes = [b"SET".as_slice(), b"k", &long, b"", &huge].concat();
        let mut spans = Vec::new();
        let mut at = 0;
        for len in [3, 1, long.len(), 0, huge.len()] {
            spans.push(at..at + len);
            at += len;
        }
        let mut batch = Batch::default();
        batch.push_call(
            call(7, 3, Protocol::Resp3, Some(1 << 50)),
            &Args::new(&bytes, &spans),
        );
        batch.push_other(Msg::Granted { token: 9 });
        batch.push_reply(u64::MAX, b"$3\r\nabc\r\n");
        batch.push_call(
            call(8, 0, Protocol::Resp2, None),
            &Args::new(b"PING", std::slice::from_ref(&(0..4))),
        );
        batch.push_reply(1, b"");
        assert_eq!(batch.calls(), 2);

        let mut others = batch.take_others().into_iter();
        let (mut pos, mut got) = (0, Vec::new());
        let mut seen = Vec::new();
        while let Some(item) = batch.next_item(&mut pos, &mut got) {
            match item {
                Item::Call(c) => {
                    let args = Args::new(batch.data(), &got);
                    let argv: Vec<Vec<u8>> = args.iter().map(|a| a.to_vec()).collect();
                    seen.push(format!(
                        "call {} {} {:?} {:?} {}",
                        c.token,
                        c.db,
                        c.proto,
                        c.tx,
                        argv.len()
                    ));
                    if c.token == 7 {
                        assert_eq!(
                            argv,
                            vec![
                                b"SET".to_vec(),
                                b"k".to_vec(),
                                long.clone(),
                                Vec::new(),
                                huge.clone()
                            ]
                        );
                    } else {
                        assert_eq!(argv, vec![b"PING".to_vec()]);
                    }
                }
                Item::Reply { token, bytes } => {
                    seen.push(format!("reply {token} {:?}", &batch.data()[bytes]));
                }
                Item::Other => match others.next() {
                    Some(Msg::Granted { token }) => seen.push(format!("granted {token}")),
                    _ => panic!("the other message is missing"),
                },
            }
        }
        assert_eq!(pos, batch.data().len());
        assert_eq!(
            seen,
            vec![
                format!("call 7 3 Resp3 Some({}) 5", 1u64 << 50),
                "granted 9".to_string(),
                format!("reply {} {:?}", u64::MAX, b"$3\r\nabc\r\n"),
                "call 8 0 Resp2 None 1".to_string(),
                format!("reply 1 {:?}", b""),
            ]
        );
    }

    /// A truncated batch ends the walk instead of reading past its bytes.
    #[test]
    fn a_cut_batch_stops_cleanly() {
        let mut batch = Batch::default();
        batch.push_call(
            call(1, 0, Protocol::Resp2, None),
            &Args::new(b"GETkey", &[0..3, 3..6]),
        );
        let full = batch.data.len();
        for cut in 0..full {
            batch.data.truncate(cut);
            let (mut pos, mut spans) = (0, Vec::new());
            assert!(
                batch.next_item(&mut pos, &mut spans).is_none(),
                "cut at {cut}"
            );
            batch = Batch::default();
            batch.push_call(
                call(1, 0, Protocol::Resp2, None),
                &Args::new(b"GETkey", &[0..3, 3..6]),
            );
        }
    }
}
