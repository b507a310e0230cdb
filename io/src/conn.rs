//! One client connection's state: what it sent and has not been parsed, the replies waiting to
//! leave in request order, and the session (database, protocol, name, MULTI, WATCH).

use std::collections::VecDeque;
use std::os::fd::RawFd;

use tessera_core::protocol::Protocol;

/// A command queued by MULTI, kept as its RESP encoding.
pub struct Queued {
    /// The command, RESP-encoded.
    pub args: Vec<u8>,
}

/// CLIENT REPLY's modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyMode {
    /// Every reply is sent.
    On,
    /// No reply is sent.
    Off,
    /// The next command's reply is skipped.
    Skip,
    /// Skipping the reply of the command being run now.
    SkipThis,
}

/// A connected client.
pub struct Conn {
    /// The socket.
    pub fd: RawFd,
    /// Bumped each time the slot is reused, so stale completions and replies are recognised.
    pub generation: u32,
    /// CLIENT ID: unique in the node, increasing.
    pub id: u64,
    /// Peer address, `ip:port`.
    pub addr: String,
    /// Local address, `ip:port`.
    pub laddr: String,
    /// CLIENT SETNAME.
    pub name: Vec<u8>,
    /// SELECT's index.
    pub db: usize,
    /// HELLO's protocol.
    pub proto: Protocol,
    /// True once AUTH succeeded (or when no password is set).
    pub authed: bool,
    /// Received bytes not parsed yet (only a partial command, or input held while parked).
    pub input: Vec<u8>,
    /// Replies ready to send.
    pub out: Vec<u8>,
    /// The buffer the kernel is sending from; untouched until its completion.
    pub sending: Vec<u8>,
    /// How much of `sending` went out.
    pub sent: usize,
    /// A send is in flight.
    pub send_inflight: bool,
    /// Replies of commands that run elsewhere, in request order; `None` until they arrive.
    /// The flag says the reply is to be dropped (CLIENT REPLY OFF or SKIP when it was asked).
    pub pending: VecDeque<(bool, Option<Vec<u8>>)>,
    /// Sequence number of `pending[0]`.
    pub pending_base: u32,
    /// True while a multi-shard command of this client runs: its later commands wait.
    pub parked: bool,
    /// True while its replies wait for the shard's log (see `aof`): its later commands wait.
    pub aof_wait: bool,
    /// How far the shard's log must be written for this client's last write run here.
    pub aof_need: u64,
    /// Close once the replies are sent (QUIT, protocol error, CLIENT KILL).
    pub closing: bool,
    /// The receive is armed (multishot).
    pub recv_armed: bool,
    /// Operations in flight in the ring; the slot is freed when this drops to zero after close.
    pub inflight: u32,
    /// MULTI's queue; None outside MULTI.
    pub multi: Option<Vec<Queued>>,
    /// A command was refused while queueing: EXEC answers EXECABORT.
    pub multi_failed: bool,
    /// WATCH is active: its id and the shards holding its keys (a bit per shard).
    pub watch_shards: u128,
    /// CLIENT REPLY's mode.
    pub reply_mode: ReplyMode,
    /// Unix ms of creation and of the last command.
    pub created_ms: u64,
    /// Unix ms of the last command, for `timeout` and CLIENT LIST's idle.
    pub last_ms: u64,
    /// Name of the last command, for CLIENT LIST's cmd.
    pub last_cmd: &'static str,
    /// CLIENT NO-EVICT.
    pub no_evict: bool,
    /// Set by CLIENT PAUSE handling: the connection waits for the pause to end.
    pub paused: bool,
    /// While in a blocking command: the shards holding its waiters (a bit per shard) and
    /// their reply token.
    pub blocked_on: Option<(u128, u64)>,
}

impl Conn {
    /// A new connection on `fd`.
    pub fn new(fd: RawFd, id: u64, addr: String, laddr: String, authed: bool, now_ms: u64) -> Conn {
        Conn {
            fd,
            generation: 0,
            id,
            addr,
            laddr,
            name: Vec::new(),
            db: 0,
            proto: Protocol::Resp2,
            authed,
            input: Vec::new(),
            out: Vec::with_capacity(512),
            sending: Vec::with_capacity(512),
            sent: 0,
            send_inflight: false,
            pending: VecDeque::new(),
            pending_base: 0,
            parked: false,
            aof_wait: false,
            aof_need: 0,
            closing: false,
            recv_armed: false,
            inflight: 0,
            multi: None,
            multi_failed: false,
            watch_shards: 0,
            reply_mode: ReplyMode::On,
            created_ms: now_ms,
            last_ms: now_ms,
            last_cmd: "NULL",
            no_evict: false,
            paused: false,
            blocked_on: None,
        }
    }

    /// Reserves the reply slot of a command that runs elsewhere; returns its sequence number.
    pub fn reserve_slot(&mut self) -> u32 {
        let seq = self.pending_base.wrapping_add(self.pending.len() as u32);
        let muted = matches!(self.reply_mode, ReplyMode::Off | ReplyMode::SkipThis);
        self.pending.push_back((muted, None));
        seq
    }

    /// Fills a reserved slot and moves every reply that is now in order to `out`.
    /// Returns true when `out` gained bytes.
    pub fn fill_slot(&mut self, seq: u32, bytes: &[u8]) -> bool {
        // Tokens carry 31 bits of the sequence number.
        let idx = (seq.wrapping_sub(self.pending_base) & 0x7FFF_FFFF) as usize;
        let mut moved = false;
        if idx == 0 {
            // The reply everyone waits for: straight to the output, with no copy kept.
            if let Some((muted, _)) = self.pending.pop_front() {
                if !muted {
                    self.out.extend_from_slice(bytes);
                }
                self.pending_base = self.pending_base.wrapping_add(1);
                moved = true;
            }
        } else if let Some(slot) = self.pending.get_mut(idx) {
            slot.1 = Some(bytes.to_vec());
        }
        while let Some((_, Some(_))) = self.pending.front() {
            if let Some((muted, Some(b))) = self.pending.pop_front() {
                if !muted {
                    self.out.extend_from_slice(&b);
                }
            }
            self.pending_base = self.pending_base.wrapping_add(1);
            moved = true;
        }
        moved
    }

    /// Where an immediate reply goes: straight to `out` when nothing is pending before it,
    /// else into a new slot. Returns the slot when one was needed.
    pub fn immediate_target(&mut self) -> Option<u32> {
        if self.pending.is_empty() {
            None
        } else {
            Some(self.reserve_slot())
        }
    }

    /// True when replies are queued to send and no send is in flight.
    pub fn wants_send(&self) -> bool {
        !self.send_inflight && !self.out.is_empty()
    }

    /// Bytes buffered for this client (CLIENT LIST's omem and the output limit).
    pub fn output_bytes(&self) -> usize {
        self.out.len() + self.sending.len().saturating_sub(self.sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_leave_in_request_order() {
        let mut c = Conn::new(-1, 1, String::new(), String::new(), true, 0);
        let first = c.reserve_slot();
        let second = c.reserve_slot();
        assert!(
            !c.fill_slot(second, b"+2\r\n"),
            "the second waits for the first"
        );
        assert!(c.out.is_empty());
        assert!(c.fill_slot(first, b"+1\r\n"));
        assert_eq!(c.out, b"+1\r\n+2\r\n");
        assert_eq!(c.immediate_target(), None);
    }

    #[test]
    fn muted_slots_are_dropped() {
        let mut c = Conn::new(-1, 1, String::new(), String::new(), true, 0);
        c.reply_mode = ReplyMode::Off;
        let s = c.reserve_slot();
        c.reply_mode = ReplyMode::On;
        let t = c.reserve_slot();
        c.fill_slot(t, b"+t\r\n");
        c.fill_slot(s, b"+s\r\n");
        assert_eq!(c.out, b"+t\r\n");
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut c = Conn::new(-1, 1, String::new(), String::new(), true, 0);
        c.pending_base = u32::MAX;
        let a = c.reserve_slot();
        let b = c.reserve_slot();
        c.fill_slot(b & 0x7FFF_FFFF, b"+b\r\n");
        c.fill_slot(a & 0x7FFF_FFFF, b"+a\r\n");
        assert_eq!(c.out, b"+a\r\n+b\r\n");
    }
}
