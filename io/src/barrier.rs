//! Barrier rounds: before a write serves clients blocked on its keys, every other shard reads
//! what its sockets already hold and forwards it, so that what other clients sent before the
//! write reaches this shard before the write runs.
//!
//! Why: Redis reads every socket on one thread, in the order the bytes arrived, so a command a
//! client sent before another client's push runs before it. Here a connection lives on one
//! shard and forwards commands for another shard's keys as messages: a push read on the key's
//! shard runs at once, while a BRPOPLPUSH or an EXEC sent a moment earlier through another
//! shard may still be unread in that shard's socket, or on its way. Where nobody waits on the
//! pushed key the difference cannot be seen (the later command finds the element as Redis's
//! would have); where someone waits, it decides who is served, and whether an EXEC watching
//! the served client's destination still runs. Redis's own list tests send such pairs.
//!
//! How: such a write is held (a local client's connection is parked on it; a peer's later
//! messages wait behind it, in order) and `Barrier { round }` goes to every peer. A peer
//! answers after its next look at its ring: it reaps what its sockets received, runs or
//! forwards every complete command (a blocking command, and an EXEC on one other shard, leave
//! within that very turn), and only then queues `BarrierAck`, which the channel delivers after
//! those commands. Once every peer has answered and this shard has looked at its own sockets
//! once more, the held work runs, in the order it came. Blocking commands that arrived meanwhile
//! took their place in their key's line by the stamp of the turn that read them (see
//! `blocking`), so the write serves them in the order their clients sent them.
//!
//! Cost: nothing unless a write touches a key someone waits on (the write path tests whether
//! any client waits on this shard at all, a field it already read); then one round trip to
//! every peer, during which every other key goes on being served.
//!
//! Limits. What a round guarantees: a command whose bytes were in any socket when this shard read
//! the write runs (or, blocking, takes its place) before the write, unless its connection still
//! waits on an earlier command of its own. What it cannot give: the order between two blocking
//! commands read by different shards, which is the order of their stamps, the time each shard
//! looked at its socket (less the measured wait for its CPU after a sleep, see `wakeup`); it
//! differs from the order the bytes arrived when one shard looked later than the other by more than
//! the time between the two sends (a shard busy with a long command, or woken late by the kernel).
//! Later writes to a waited-on key wait behind a held one, but commands that only read it do not:
//! one sent after the write through another connection may run first and see the key as it was. A
//! transaction over several shards, or a blocking command whose keys span shards, starts in a task
//! after the turn that read it, so a round does not wait for it; a write inside a transaction
//! serves waiters without a round.

use std::collections::VecDeque;

use tessera_core::commands::{flags, Command};
use tessera_core::protocol::{Args, Protocol};

use crate::dispatch::{encoded, park_for, Flow};
use crate::locks::TxId;
use crate::mesh::{Call, Msg};
use crate::shard::{parse_internal, Shard};

/// One shard's barrier rounds and the work that waits for them.
#[derive(Default)]
pub struct Barrier {
    /// Rounds this shard started.
    started: u64,
    /// Rounds that ended (every peer answered and this shard looked at its sockets after).
    done: u64,
    /// Peers that still owe an answer to the round in flight, a bit each.
    owed: u128,
    /// Work that waits, in the order it came.
    held: VecDeque<Held>,
    /// Peers whose messages wait behind one of theirs held here, a bit each.
    held_peers: u128,
    /// Rounds of other shards this shard answers after its next look at its sockets.
    acks: Vec<(usize, u64)>,
    /// Set while held work runs: it is not held again.
    releasing: bool,
}

/// Work held until round `round` ends (0: none, it only keeps its place behind others).
struct Held {
    round: u64,
    work: Work,
}

enum Work {
    /// A command to run as `Shard::run_call` runs it.
    Call {
        from: usize,
        token: u64,
        db: usize,
        proto: Protocol,
        tx: Option<TxId>,
        bytes: Vec<u8>,
    },
    /// A later message of a held peer.
    Msg { from: usize, msg: Msg },
}

impl Barrier {
    /// True when messages from peer `from` wait behind one of its writes held here.
    #[inline]
    pub fn holds(&self, from: usize) -> bool {
        self.held_peers != 0 && self.held_peers & (1u128 << from) != 0
    }

    /// True when this shard owes other shards an answer after its next look at its sockets:
    /// the network loop then looks for sure (see `net::reap`).
    pub fn owes_acks(&self) -> bool {
        !self.acks.is_empty()
    }

    fn in_flight(&self) -> bool {
        self.done < self.started
    }
}

/// Whether a held peer's message waits behind its held write: everything but the answers to
/// this shard's own requests (replies never wait) and the rounds' own messages.
pub fn holdable(msg: &Msg) -> bool {
    !matches!(
        msg,
        Msg::Granted { .. } | Msg::Barrier { .. } | Msg::BarrierAck { .. } | Msg::Shutdown
    )
}

/// Whether a command about to run here (outside a transaction) must wait for a barrier round:
/// it writes a key that a client waits on here, so it would serve that client now.
pub fn must_hold(sh: &Shard, cmd: &Command, args: &Args<'_>, db: usize) -> bool {
    sh.node.shards > 1
        && !sh.barrier.releasing
        && !sh.waiters.is_empty()
        && cmd.has(flags::WRITE)
        && !cmd.has(flags::BLOCKING)
        && cmd
            .keys
            .key_indexes(args)
            .any(|i| sh.waiters.waits_on(db, args.get(i)))
}

/// Holds a command for shard `from` until the next round ends, and starts that round unless
/// one is in flight (the one after it then covers this command).
pub fn hold_call(
    sh: &mut Shard,
    from: usize,
    token: u64,
    db: usize,
    proto: Protocol,
    args: &Args<'_>,
) {
    let round = sh.barrier.started + 1;
    let mut bytes = Vec::new();
    args.encode_into(&mut bytes);
    let work = Work::Call {
        from,
        token,
        db,
        proto,
        tx: None,
        bytes,
    };
    push(sh, from, Held { round, work });
    if !sh.barrier.in_flight() {
        start_round(sh);
    }
}

/// Holds a write of connection `idx` of this shard: the connection is parked until it ran.
pub fn hold_local(sh: &mut Shard, idx: usize, args: &Args<'_>, raw: Option<&[u8]>) -> Flow {
    let Some(conn) = sh.conns[idx].as_ref() else {
        return Flow::Hold;
    };
    let (db, proto) = (conn.db, conn.proto);
    let (tx, rx) = crate::local::oneshot();
    let token = sh.register_task(tx);
    let me = sh.id;
    let bytes = encoded(args, raw);
    let spans = parse_internal(&bytes).unwrap_or_default();
    hold_call(sh, me, token, db, proto, &Args::new(&bytes, &spans));
    park_for(sh, idx, rx);
    Flow::Hold
}

/// Keeps a call of a held peer in its place; a write of its own to a key someone waits on
/// also waits for a round.
pub fn hold_peer_call(sh: &mut Shard, from: usize, call: &Call, args: &Args<'_>) {
    let db = call.db as usize;
    let needs_round = call.tx.is_none()
        && !args.is_empty()
        && tessera_core::commands::lookup(args.get(0))
            .is_some_and(|cmd| must_hold(sh, cmd, args, db));
    let round = if needs_round {
        sh.barrier.started + 1
    } else {
        0
    };
    let mut bytes = Vec::new();
    args.encode_into(&mut bytes);
    let work = Work::Call {
        from,
        token: call.token,
        db,
        proto: call.proto,
        tx: call.tx,
        bytes,
    };
    push(sh, from, Held { round, work });
    if needs_round && !sh.barrier.in_flight() {
        start_round(sh);
    }
}

/// Keeps any other message of a held peer in its place.
pub fn hold_msg(sh: &mut Shard, from: usize, msg: Msg) {
    push(
        sh,
        from,
        Held {
            round: 0,
            work: Work::Msg { from, msg },
        },
    );
}

fn push(sh: &mut Shard, from: usize, held: Held) {
    if from != sh.id {
        sh.barrier.held_peers |= 1u128 << from;
    }
    sh.barrier.held.push_back(held);
}

/// Asks every peer to look at its sockets and answer.
fn start_round(sh: &mut Shard) {
    sh.barrier.started += 1;
    let round = sh.barrier.started;
    let mut owed = 0u128;
    for peer in 0..sh.shards() {
        if peer == sh.id {
            continue;
        }
        owed |= 1u128 << peer;
        sh.awaiting_peers += 1;
        sh.send(peer, Msg::Barrier { round });
    }
    sh.barrier.owed = owed;
}

/// Peer `from` started a round: it is answered after this shard's next look at its sockets.
pub fn on_barrier(sh: &mut Shard, from: usize, round: u64) {
    sh.barrier.acks.push((from, round));
    sh.notify.notify();
}

/// Peer `from` answered round `round`.
pub fn on_ack(sh: &mut Shard, from: usize, round: u64) {
    sh.awaiting_peers = sh.awaiting_peers.saturating_sub(1);
    if round == sh.barrier.started {
        sh.barrier.owed &= !(1u128 << from);
        sh.notify.notify();
    }
}

/// After a turn of the network loop looked at the sockets: answers the peers' rounds (behind
/// whatever that turn forwarded to them) and, when every peer answered this shard's round,
/// runs what waited for it. True when it did anything.
pub fn after_turn(sh: &mut Shard) -> bool {
    let mut worked = false;
    for (peer, round) in std::mem::take(&mut sh.barrier.acks) {
        sh.send(peer, Msg::BarrierAck { round });
        worked = true;
    }
    if sh.barrier.in_flight() && sh.barrier.owed == 0 {
        sh.barrier.done = sh.barrier.started;
        release(sh);
        worked = true;
    }
    worked
}

/// Runs the held work whose round ended, in order, up to the first that waits for a later
/// round; that one's round starts now.
fn release(sh: &mut Shard) {
    sh.barrier.releasing = true;
    while sh
        .barrier
        .held
        .front()
        .is_some_and(|h| h.round <= sh.barrier.done)
    {
        let Some(held) = sh.barrier.held.pop_front() else {
            break;
        };
        match held.work {
            Work::Call {
                from,
                token,
                db,
                proto,
                tx,
                bytes,
            } => sh.run_call_resp(from, token, db, proto, tx, &bytes),
            Work::Msg { from, msg } => sh.handle_msg(from, msg),
        }
    }
    sh.barrier.releasing = false;
    let me = sh.id;
    sh.barrier.held_peers = sh
        .barrier
        .held
        .iter()
        .map(|h| match h.work {
            Work::Call { from, .. } | Work::Msg { from, .. } => from,
        })
        .filter(|&from| from != me)
        .fold(0u128, |bits, from| bits | 1u128 << from);
    if !sh.barrier.held.is_empty() {
        start_round(sh);
    }
}
