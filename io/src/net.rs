//! The network loop of one shard: its own io_uring drives accepts, multishot receives into
//! provided buffers, and one send per connection per batch of replies.
//!
//! The loop submits and reaps with GETEVENTS, handles every completion, parses and runs what
//! arrived, then yields to the shard's other tasks (messages, timers, transactions). When a few
//! rounds find nothing to do it sleeps, so an idle shard costs nothing: in its ring when the
//! ring has `DEFER_TASKRUN` (peers and other threads ring its eventfd, read in the ring; glommio's
//! timers wait at most [`RING_SLEEP_MAX`]), else through glommio, on an eventfd the ring signals.

use std::os::fd::{BorrowedFd, FromRawFd, RawFd};
use std::rc::Rc;
use std::sync::atomic::Ordering;

use glommio::io::BufferedFile;
use io_uring::{cqueue, opcode, types};

use crate::conn::Conn;
use crate::ring::{BufRing, Ring, RingMode};
use crate::shard::{now_ms, now_ns, Shard};

const KIND_ACCEPT: u64 = 0;
const KIND_RECV: u64 = 1;
const KIND_SEND: u64 = 2;
/// The shard's own operations, told apart by their index: the log's sync and the wake-up read.
const KIND_OWN: u64 = 3;
const OWN_AOF_SYNC: usize = 0;
const OWN_WAKE: usize = 1;
const BUFFER_GROUP: u16 = 0;
const RECV_BUFFERS: u16 = 1024;
const RECV_BUFFER_SIZE: usize = 16 * 1024;

fn user_data(kind: u64, idx: usize, generation: u32) -> u64 {
    (kind << 62) | ((generation as u64 & 0x3FFF_FFFF) << 32) | idx as u64
}

fn split_user_data(ud: u64) -> (u64, usize, u32) {
    (
        ud >> 62,
        (ud & 0xFFFF_FFFF) as usize,
        ((ud >> 32) & 0x3FFF_FFFF) as u32,
    )
}

/// The ring and the receive buffers, owned by the network loop. The ring is declared first so it
/// is dropped (unregistering the buffers) before the buffers are freed.
struct Io {
    ring: Ring,
    bufs: BufRing,
    events: Vec<(u64, i32, u32)>,
    parser: crate::pipeline::Parser,
    /// Where the ring's read of the shard's eventfd lands, while the loop sleeps in the ring.
    wake_buf: Box<u64>,
    /// True while that read is in flight.
    wake_armed: bool,
}

/// Empty turns before the loop sleeps.
const SPIN_IDLE: u32 = 4;
/// Empty turns before the loop sleeps while peers owe this shard replies.
const SPIN_AWAITING: u32 = 64;

/// Runs the shard's network loop until the node shuts down.
pub async fn run(
    shard: Rc<std::cell::RefCell<Shard>>,
    listeners: Vec<RawFd>,
    senders: Rc<crate::Peers>,
    inboxes: Rc<crate::Inboxes>,
) {
    let ring = match Ring::new(2048) {
        Ok(r) => r,
        Err(e) => {
            crate::log::warn(&format!(
                "shard {}: cannot create io_uring: {e}",
                shard.borrow().id
            ));
            std::process::exit(1);
        }
    };
    let bufs = BufRing::new(RECV_BUFFERS, RECV_BUFFER_SIZE);
    // SAFETY: `bufs` lives in `io` beside the ring and is dropped after it.
    if let Err(e) = unsafe { ring.register_buffers(&bufs, BUFFER_GROUP) } {
        crate::log::warn(&format!("cannot register receive buffers: {e}"));
        std::process::exit(1);
    }
    {
        let sh = shard.borrow();
        let mode = format!("{:?}", ring.mode);
        if sh.id == 0 {
            if ring.mode == crate::ring::RingMode::Plain {
                crate::log::warn(&format!(
                    "the kernel refused io_uring DEFER_TASKRUN and COOP_TASKRUN; running with {mode}"
                ));
            }
            let _ = sh.node.ring_mode.set(mode);
        }
    }
    // SAFETY: a fresh eventfd, owned by the glommio file from here on.
    let efd: RawFd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
    // A ring with DEFER_TASKRUN signals it too late to be of use (see `Ring::new`); the loop
    // reads it in the ring instead, as a doorbell for peers and other threads.
    let register = ring.mode != RingMode::DeferTaskrun;
    if efd < 0 || (register && ring.register_eventfd(efd).is_err()) {
        crate::log::warn("cannot register the ring's eventfd");
        std::process::exit(1);
    }
    // SAFETY: efd is a valid descriptor nobody else owns.
    let efile = Rc::new(unsafe { BufferedFile::from_raw_fd(efd) });
    let mut io = Io {
        ring,
        bufs,
        events: Vec::with_capacity(256),
        parser: Default::default(),
        wake_buf: Box::new(0),
        wake_armed: false,
    };
    io.ring.set_eventfd_enabled(false);
    shard.borrow().node.wake_fds[shard.borrow().id].store(efd, Ordering::Release);
    for (i, &fd) in listeners.iter().enumerate() {
        io.ring.push(
            &opcode::AcceptMulti::new(types::Fd(fd))
                .build()
                .user_data(user_data(KIND_ACCEPT, i, 0)),
        );
    }
    let _ = io.ring.enter();
    crate::log::verbose(&format!("shard {}: accepting", shard.borrow().id));
    shard.borrow().node.ready.fetch_add(1, Ordering::AcqRel);
    let notify = shard.borrow().notify.clone();
    let mut idle_rounds = 0u32;
    loop {
        let worked = reap(&shard, &mut io, &listeners, &senders, &inboxes);
        if shard.borrow().node.shutdown.load(Ordering::Acquire) {
            drain_and_close(&shard, &mut io, &listeners).await;
            break;
        }
        if worked || notify.take() {
            idle_rounds = 0;
            glommio::executor().yield_now().await;
            continue;
        }
        idle_rounds += 1;
        // Replies owed by peers come back within a turn of theirs: waiting for them awake is
        // cheaper than a sleep and a wake-up per round trip.
        let spin = if shard.borrow().awaiting_peers > 0 {
            SPIN_AWAITING
        } else {
            SPIN_IDLE
        };
        // While a snapshot is written on this shard its task keeps glommio busy, and glommio
        // would look at the eventfd a sleeping loop waits on only between its own ticks: stay
        // awake and look at the ring every turn instead.
        if idle_rounds < spin || shard.borrow().node.saving.load(Ordering::Acquire) {
            glommio::executor().yield_now().await;
            continue;
        }
        if io.ring.mode == RingMode::DeferTaskrun {
            sleep_in_ring(&shard, &mut io, efd, &listeners, &senders, &inboxes);
            idle_rounds = 0;
            continue;
        }
        // Going to sleep: let the ring signal the eventfd, then look once more so no wake-up
        // between the last look and the sleep is lost.
        io.ring.set_eventfd_enabled(true);
        let worked = reap(&shard, &mut io, &listeners, &senders, &inboxes);
        if !worked && !notify.take() {
            // One read, awaited to completion: the ring, a notification or the periodic kick
            // (timers.rs) writes the eventfd.
            notify.sleep_on(efd);
            if !notify.take() {
                let before = going_to_sleep(&shard);
                let _ = efile.read_at(0, 8).await;
                shard.borrow_mut().slept = before;
            }
            notify.awake();
        }
        io.ring.set_eventfd_enabled(false);
        idle_rounds = 0;
    }
    drop(efile);
}

/// The longest a shard sleeps in its ring. What glommio alone would wake it for (its timers:
/// the periodic work, blocking commands' timeouts) waits at most this long.
const RING_SLEEP_MAX: std::time::Duration = std::time::Duration::from_millis(10);

/// Sleeps in the ring (see [`Ring::new`] on why not through glommio): until a completion
/// arrives, a peer or another thread writes the shard's eventfd (a read of it is kept in the
/// ring), or [`RING_SLEEP_MAX`] passes.
///
/// Peers write the eventfd after handing this shard a batch if they see it asleep
/// (`Node::ring_sleeping`); the flag is set before the last look at the channels, so a batch
/// is either seen by that look or announced by its sender.
fn sleep_in_ring(
    shard: &Rc<std::cell::RefCell<Shard>>,
    io: &mut Io,
    efd: RawFd,
    listeners: &[RawFd],
    senders: &crate::Peers,
    inboxes: &crate::Inboxes,
) {
    if !io.wake_armed {
        io.ring.push(
            &opcode::Read::new(types::Fd(efd), &mut *io.wake_buf as *mut u64 as *mut u8, 8)
                .build()
                .user_data(user_data(KIND_OWN, OWN_WAKE, 0)),
        );
        io.wake_armed = true;
    }
    let (id, node, notify) = {
        let sh = shard.borrow();
        (sh.id, sh.node.clone(), sh.notify.clone())
    };
    node.ring_sleeping[id].store(true, Ordering::Relaxed);
    std::sync::atomic::fence(Ordering::SeqCst);
    let worked = reap(shard, io, listeners, senders, inboxes);
    let woken = crate::local::take_woken_task();
    if !worked && !woken && !notify.take() && !node.shutdown.load(Ordering::Acquire) {
        let before = going_to_sleep(shard);
        let _ = io.ring.wait(RING_SLEEP_MAX);
        shard.borrow_mut().slept = before;
    }
    node.ring_sleeping[id].store(false, Ordering::Relaxed);
}

/// What the first turn after a sleep needs to tell when its input arrived (see `wakeup`):
/// only while blocking commands are in use.
fn going_to_sleep(shard: &Rc<std::cell::RefCell<Shard>>) -> Option<crate::wakeup::Slept> {
    let sh = shard.borrow();
    let seen = sh.node.blocking_seen_ms.load(Ordering::Relaxed);
    if sh.clock.saturating_sub(seen) > crate::wakeup::KEEP_MS {
        return None;
    }
    let run_delay = sh.run_delay.read()?;
    Some(crate::wakeup::Slept {
        since_ns: now_ns(),
        run_delay,
    })
}

/// Submits and reaps the ring, takes one turn and sends the peers their batches. True when the
/// turn found anything to do.
fn reap(
    shard: &Rc<std::cell::RefCell<Shard>>,
    io: &mut Io,
    listeners: &[RawFd],
    senders: &crate::Peers,
    inboxes: &crate::Inboxes,
) -> bool {
    let _ = io.ring.enter_if_needed();
    let mut sh = shard.borrow_mut();
    let mut worked = false;
    for (peer, rx) in inboxes.iter().enumerate() {
        let Some(rx) = rx else { continue };
        while let Some(batch) = rx.try_recv() {
            sh.handle_batch(peer, batch);
            worked = true;
        }
    }
    if sh.barrier.owes_acks() {
        // A peer's barrier round: what the sockets received up to now is read in this turn,
        // before the answer leaves (see `barrier`).
        io.ring.catch_up();
    }
    worked |= turn(&mut sh, io, listeners);
    sh.slept = None;
    worked |= crate::barrier::after_turn(&mut sh);
    crate::blocking::serve(&mut sh);
    aof_flush(&mut sh, io);
    flush_outbox(&mut sh, senders);
    worked
}

/// Writes the log's buffered records and syncs them when a sync is due.
fn aof_flush(sh: &mut Shard, io: &mut Io) {
    sh.aof_write();
    let Some(aof) = sh.aof.as_mut() else {
        release_held(sh);
        return;
    };
    if aof.sync_due(sh.clock) {
        aof.syncing = Some(aof.written);
        aof.last_sync_ms = sh.clock;
        if aof.fsync == tessera_core::config::Fsync::Always {
            // As Redis: the shard waits for the disk. The requests that arrive meanwhile are
            // read together afterwards and share the next sync (group commit); other shards
            // go on. (A sync on the ring instead, with the loop serving on, measured slower:
            // the loop slept through its completion.)
            // SAFETY: the descriptor is open while the log lives.
            let res = unsafe { libc::fdatasync(aof.fd()) };
            let res = if res < 0 {
                -std::io::Error::last_os_error()
                    .raw_os_error()
                    .unwrap_or(libc::EIO)
            } else {
                0
            };
            on_aof_synced(sh, res);
            return;
        }
        io.ring.push(
            &opcode::Fsync::new(types::Fd(aof.fd()))
                .flags(types::FsyncFlags::DATASYNC)
                .build()
                .user_data(user_data(KIND_OWN, OWN_AOF_SYNC, aof.serial)),
        );
    }
    release_held(sh);
}

/// True when `serial` names the shard's log as it is now (see `AofLog::serial`).
fn current_log(sh: &Shard, serial: u32) -> bool {
    sh.aof.as_ref().is_some_and(|a| a.serial == serial)
}

/// A sync of the log finished.
fn on_aof_synced(sh: &mut Shard, res: i32) {
    let Some(aof) = sh.aof.as_mut() else {
        return;
    };
    let target = aof.syncing.take();
    let res = tessera_fault::hit(tessera_fault::Point::AofFsync).map_or(res, |errno| -errno);
    if res < 0 {
        let err = std::io::Error::from_raw_os_error(-res);
        if aof.fsync == tessera_core::config::Fsync::Always {
            // As Redis: a write that cannot be made durable must never be acknowledged.
            crate::log::warn(&format!(
                "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {err}. Exiting..."
            ));
            std::process::exit(1);
        }
        aof.sync_failed(&err);
    } else if let Some(t) = target {
        aof.sync_succeeded(t);
    }
    release_held(sh);
}

/// Lets the replies go whose records the log now holds safely.
fn release_held(sh: &mut Shard) {
    sh.release_write_replies();
    if sh.aof_held.is_empty() {
        return;
    }
    let safe = sh.aof.as_ref().map_or(u64::MAX, |a| a.safe());
    let mut i = 0;
    while i < sh.aof_held.len() {
        let (target, idx) = sh.aof_held[i];
        if target > safe {
            i += 1;
            continue;
        }
        sh.aof_held.swap_remove(i);
        if let Some(conn) = sh.conns.get_mut(idx as usize).and_then(|c| c.as_mut()) {
            conn.aof_wait = false;
            sh.to_send.push(idx);
            sh.resume.push(idx);
        }
    }
}

/// Sends every peer its batch; a full channel keeps the batch for a later turn, in order.
///
/// A batch may carry replies to writes run here: it leaves only once their records are safe in
/// this shard's log (written, or synced under `appendfsync always`).
pub fn flush_outbox(sh: &mut Shard, senders: &crate::Peers) {
    sh.aof_write();
    sh.release_write_replies();
    // While the log cannot be written, only the replies to the writes it holds wait (in
    // `write_replies`): reads go on, as Redis serves them.
    let (seal, safe, failing) = match sh.aof.as_ref() {
        Some(aof) => (aof.pending_end(), aof.safe(), aof.error.is_some()),
        None => (0, u64::MAX, false),
    };
    if seal > safe && sh.aof.as_ref().is_some_and(|a| a.error.is_none()) {
        // The network loop starts the sync these batches wait for.
        sh.notify.notify();
    }
    for peer in 0..sh.outbox.len() {
        if peer == sh.id {
            continue;
        }
        if !sh.outbox[peer].is_empty() {
            let next = sh.spare_batches[peer]
                .take()
                .unwrap_or_else(|| crate::mesh::Batch::like(&sh.outbox[peer]));
            let batch = std::mem::replace(&mut sh.outbox[peer], next);
            // Replies to writes joined the batch only once safe: while the log cannot be
            // written, nothing else in it need wait.
            sh.stalled[peer].push_back((if failing { 0 } else { seal }, batch));
        }
        while let Some((target, batch)) = sh.stalled[peer].pop_front() {
            if target > safe {
                sh.stalled[peer].push_front((target, batch));
                break;
            }
            let Some(sender) = senders.get(peer).and_then(|s| s.as_ref()) else {
                break;
            };
            let bytes = batch.heap_bytes();
            if let Err(err) = sender.try_send(batch) {
                let glommio::GlommioError::WouldBlock(glommio::ResourceType::Channel(batch)) = err
                else {
                    // The peer is gone: the node is shutting down.
                    break;
                };
                sh.stalled[peer].push_front((target, batch));
                sh.notify.notify();
                break;
            }
            crate::memory::hand_over(bytes);
            // The peer may sleep in its ring, where glommio's wake-up does not reach it.
            std::sync::atomic::fence(Ordering::SeqCst);
            if sh.node.ring_sleeping[peer].load(Ordering::Relaxed) {
                crate::local::write_eventfd(sh.node.wake_fds[peer].load(Ordering::Acquire));
            }
        }
    }
}

/// One turn: handle completions, resume connections, submit sends. True when anything happened.
fn turn(sh: &mut Shard, io: &mut Io, listeners: &[RawFd]) -> bool {
    // One clock read: the millisecond clock, and the stamp of the commands read in this turn.
    let ns = now_ns();
    sh.clock = ns / 1_000_000;
    sh.read_ns = ns;
    let mut events = std::mem::take(&mut io.events);
    events.clear();
    io.ring
        .drain(|ud, res, flags| events.push((ud, res, flags)));
    let mut worked = !events.is_empty();
    for &(ud, res, flags) in &events {
        let (kind, idx, generation) = split_user_data(ud);
        match kind {
            KIND_ACCEPT => on_accept(
                sh,
                io,
                listeners.get(idx).copied().unwrap_or(-1),
                idx,
                res,
                flags,
            ),
            KIND_RECV => on_recv(sh, io, idx, generation, res, flags),
            KIND_SEND => on_send(sh, io, idx, generation, res),
            KIND_OWN if idx == OWN_AOF_SYNC && current_log(sh, generation) => {
                on_aof_synced(sh, res)
            }
            // A log closed since (a rewrite's switch) was synced whole when it closed.
            KIND_OWN if idx == OWN_AOF_SYNC => {}
            KIND_OWN => io.wake_armed = false,
            _ => {}
        }
    }
    io.events = events;
    while let Some(idx) = sh.resume.pop() {
        worked = true;
        process_buffered(sh, io, idx as usize);
    }
    while let Some(idx) = sh.to_close.pop() {
        worked = true;
        begin_close(sh, io, idx as usize);
    }
    // The records of this turn's writes go to the log before any of its replies.
    aof_flush(sh, io);
    let mut to_send = std::mem::take(&mut sh.to_send);
    worked |= !to_send.is_empty();
    for idx in to_send.drain(..) {
        start_send(sh, io, idx as usize);
    }
    sh.to_send = to_send;
    worked
}

fn on_accept(sh: &mut Shard, io: &mut Io, listener: RawFd, which: usize, res: i32, flags: u32) {
    if !cqueue::more(flags) && !sh.node.shutdown.load(Ordering::Acquire) && listener >= 0 {
        io.ring.push(
            &opcode::AcceptMulti::new(types::Fd(listener))
                .build()
                .user_data(user_data(KIND_ACCEPT, which, 0)),
        );
    }
    if res < 0 {
        return;
    }
    let fd = res as RawFd;
    let clients = sh.node.clients.fetch_add(1, Ordering::AcqRel) + 1;
    // Reply tokens address at most 2^20 connection slots per shard.
    let slots_full = sh.free.is_empty() && sh.conns.len() >= 1 << 20;
    if clients as u64 > sh.config.maxclients || slots_full {
        sh.node.clients.fetch_sub(1, Ordering::AcqRel);
        sh.stats.rejected += 1;
        let msg = b"-ERR max number of clients reached\r\n";
        // SAFETY: fd is the socket just accepted, owned here; a short best-effort write.
        unsafe {
            libc::write(fd, msg.as_ptr() as *const libc::c_void, msg.len());
            libc::close(fd);
        }
        return;
    }
    sh.stats.connections += 1;
    // SAFETY: fd stays open for the duration of this borrow.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    let sock = socket2::SockRef::from(&borrowed);
    let _ = sock.set_tcp_nodelay(true);
    let addr = sock
        .peer_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .map(|a| a.to_string())
        .unwrap_or_default();
    let laddr = sock
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .map(|a| a.to_string())
        .unwrap_or_default();
    let id = sh.node.next_client_id.fetch_add(1, Ordering::AcqRel);
    let authed = sh.config.requirepass.is_empty();
    let mut conn = Conn::new(fd, id, addr, laddr, authed, now_ms());
    let idx = match sh.free.pop() {
        Some(i) => i as usize,
        None => {
            sh.conns.push(None);
            sh.conns.len() - 1
        }
    };
    if let Some(prev) = sh.conns[idx].take() {
        conn.generation = prev.generation.wrapping_add(1);
    }
    sh.conns[idx] = Some(conn);
    arm_recv(sh, io, idx);
}

fn arm_recv(sh: &mut Shard, io: &mut Io, idx: usize) {
    let Some(conn) = sh.conns[idx].as_mut() else {
        return;
    };
    if conn.recv_armed || conn.closing {
        return;
    }
    conn.recv_armed = true;
    conn.inflight += 1;
    let entry = opcode::RecvMulti::new(types::Fd(conn.fd), BUFFER_GROUP)
        .build()
        .user_data(user_data(KIND_RECV, idx, conn.generation));
    io.ring.push(&entry);
}

fn live_conn(sh: &mut Shard, idx: usize, generation: u32) -> Option<&mut Conn> {
    sh.conns
        .get_mut(idx)?
        .as_mut()
        .filter(|c| c.generation & 0x3FFF_FFFF == generation)
}

fn on_recv(sh: &mut Shard, io: &mut Io, idx: usize, generation: u32, res: i32, flags: u32) {
    let more = cqueue::more(flags);
    let bid = cqueue::buffer_select(flags);
    let Some(conn) = live_conn(sh, idx, generation) else {
        if let Some(b) = bid {
            io.bufs.recycle(b);
        }
        return;
    };
    if !more {
        conn.recv_armed = false;
        conn.inflight -= 1;
    }
    let dead = conn.closing;
    if res <= 0 || dead {
        if let Some(b) = bid {
            io.bufs.recycle(b);
        }
        if res == -libc::ENOBUFS && !dead {
            arm_recv(sh, io, idx);
        } else if res <= 0 && res != -libc::ENOBUFS {
            begin_close(sh, io, idx);
        } else {
            maybe_finish_close(sh, idx);
        }
        return;
    }
    let Some(b) = bid else { return };
    let len = res as usize;
    let data = io.bufs.get(b, len);
    // Parse straight from the provided buffer when nothing is held back for this client.
    let direct = conn.input.is_empty() && !conn.parked && !conn.paused && !conn.aof_wait;
    if !direct {
        conn.input.extend_from_slice(data);
    }
    sh.stats.net_in += len as u64;
    if direct {
        let mut parser = std::mem::take(&mut io.parser);
        // SAFETY-free copy of the slice pointer: `data` borrows `io.bufs`, which the parser does
        // not touch.
        let data: &[u8] = unsafe { std::slice::from_raw_parts(data.as_ptr(), data.len()) };
        let used = crate::pipeline::run(sh, idx, data, &mut parser);
        io.parser = parser;
        if used < data.len() {
            if let Some(conn) = sh.conns[idx].as_mut() {
                conn.input.extend_from_slice(&data[used..]);
            }
        }
    }
    io.bufs.recycle(b);
    if !direct {
        process_buffered(sh, io, idx);
    }
    check_query_limit(sh, io, idx);
    if !more {
        arm_recv(sh, io, idx);
    }
}

fn check_query_limit(sh: &mut Shard, io: &mut Io, idx: usize) {
    let limit = sh.config.client_query_buffer_limit as usize;
    if let Some(conn) = sh.conns[idx].as_ref() {
        if conn.input.len() > limit && !conn.closing {
            crate::log::warn(&format!(
                "Closing client that reached max query buffer length: id={} addr={}",
                conn.id, conn.addr
            ));
            begin_close(sh, io, idx);
        }
    }
}

/// Parses what a connection holds back (after unparking or when input arrived in pieces).
fn process_buffered(sh: &mut Shard, io: &mut Io, idx: usize) {
    let Some(conn) = sh.conns.get_mut(idx).and_then(|c| c.as_mut()) else {
        return;
    };
    if conn.parked || conn.paused || conn.aof_wait || conn.closing || conn.input.is_empty() {
        return;
    }
    let input = std::mem::take(&mut conn.input);
    let mut parser = std::mem::take(&mut io.parser);
    let used = crate::pipeline::run(sh, idx, &input, &mut parser);
    io.parser = parser;
    if let Some(conn) = sh.conns[idx].as_mut() {
        let mut rest = input;
        rest.drain(..used);
        // Input that arrived while parsing (none: single-threaded) is kept after the rest.
        rest.extend_from_slice(&conn.input);
        conn.input = rest;
        if conn.input.capacity() > 1 << 20 && conn.input.len() < 1 << 16 {
            conn.input.shrink_to(1 << 16);
        }
    }
}

fn start_send(sh: &mut Shard, io: &mut Io, idx: usize) {
    let Some(conn) = sh.conns.get_mut(idx).and_then(|c| c.as_mut()) else {
        return;
    };
    if conn.send_inflight || conn.aof_wait {
        return;
    }
    if let Some(aof) = &sh.aof {
        // Replies leave only after the records of the writes before them are safe (while the
        // log cannot be written, only the replies of this client's own writes wait).
        let need = if aof.error.is_some() {
            conn.aof_need
        } else {
            aof.pending_end()
        };
        if aof.safe() < need && !conn.out.is_empty() {
            conn.aof_wait = true;
            sh.aof_held.push((need, idx as u32));
            return;
        }
    }
    if conn.out.is_empty() {
        if conn.closing {
            begin_close(sh, io, idx);
        }
        return;
    }
    std::mem::swap(&mut conn.out, &mut conn.sending);
    conn.sent = 0;
    submit_send(io, idx, conn);
}

fn submit_send(io: &mut Io, idx: usize, conn: &mut Conn) {
    conn.send_inflight = true;
    conn.inflight += 1;
    let rest = &conn.sending[conn.sent..];
    let entry = opcode::Send::new(
        types::Fd(conn.fd),
        rest.as_ptr(),
        rest.len().min(u32::MAX as usize) as u32,
    )
    .flags(libc::MSG_NOSIGNAL)
    .build()
    .user_data(user_data(KIND_SEND, idx, conn.generation));
    io.ring.push(&entry);
}

fn on_send(sh: &mut Shard, io: &mut Io, idx: usize, generation: u32, res: i32) {
    let Some(conn) = live_conn(sh, idx, generation) else {
        return;
    };
    conn.inflight -= 1;
    conn.send_inflight = false;
    if res < 0 {
        // The peer is gone: nothing more can be sent.
        conn.sending.clear();
        conn.out.clear();
        begin_close(sh, io, idx);
        return;
    }
    sh.stats.net_out += res as u64;
    let Some(conn) = sh.conns[idx].as_mut() else {
        return;
    };
    conn.sent += res as usize;
    if conn.sent < conn.sending.len() {
        submit_send(io, idx, conn);
        return;
    }
    conn.sending.clear();
    if conn.sending.capacity() > 1 << 20 {
        conn.sending = Vec::with_capacity(4096);
    }
    if !conn.out.is_empty() {
        start_send(sh, io, idx);
    } else if conn.closing {
        begin_close(sh, io, idx);
    }
}

/// Starts closing a connection: the socket is shut down so pending operations finish, and the
/// slot is freed once none is in flight.
fn begin_close(sh: &mut Shard, io: &mut Io, idx: usize) {
    let Some(conn) = sh.conns.get_mut(idx).and_then(|c| c.as_mut()) else {
        return;
    };
    if conn.fd < 0 {
        return;
    }
    conn.closing = true;
    // A client waiting in a blocking command stops waiting: its waiters are taken away, and
    // the parked task ends.
    if let Some((shards, token)) = conn.blocked_on.take() {
        crate::blocking::unwait_everywhere(sh, shards, token, crate::blocking::Unwait::Drop);
    }
    let Some(conn) = sh.conns.get_mut(idx).and_then(|c| c.as_mut()) else {
        return;
    };
    // Let the last replies (an error, QUIT's OK) leave first; the send's completion comes back
    // here.
    if conn.send_inflight {
        return;
    }
    if !conn.out.is_empty() && !conn.parked {
        start_send(sh, io, idx);
        return;
    }
    // SAFETY: fd is this connection's open socket.
    unsafe { libc::shutdown(conn.fd, libc::SHUT_RDWR) };
    maybe_finish_close(sh, idx);
}

fn maybe_finish_close(sh: &mut Shard, idx: usize) {
    let Some(conn) = sh.conns.get_mut(idx).and_then(|c| c.as_mut()) else {
        return;
    };
    if !conn.closing || conn.inflight > 0 || conn.parked {
        return;
    }
    // SAFETY: no operation references the socket any more.
    unsafe { libc::shutdown(conn.fd, libc::SHUT_RDWR) };
    unsafe { libc::close(conn.fd) };
    let watch_shards = conn.watch_shards;
    let id = conn.id;
    conn.generation = conn.generation.wrapping_add(1);
    conn.fd = -1;
    sh.node.clients.fetch_sub(1, Ordering::AcqRel);
    sh.free.push(idx as u32);
    // Keep the slot's generation so the next user of the slot differs from this one.
    let generation = conn.generation;
    let mut husk = Conn::new(-1, 0, String::new(), String::new(), false, 0);
    husk.generation = generation;
    husk.closing = true;
    sh.conns[idx] = Some(husk);
    if watch_shards != 0 {
        crate::dispatch::unwatch_everywhere(sh, id, watch_shards);
    }
}

/// Shutdown: stop accepting, let replies in flight leave (briefly), then close every client.
async fn drain_and_close(shard: &Rc<std::cell::RefCell<Shard>>, io: &mut Io, listeners: &[RawFd]) {
    for &fd in listeners {
        // SAFETY: the listening sockets belong to this shard.
        unsafe { libc::close(fd) };
    }
    for _ in 0..100 {
        let _ = io.ring.enter();
        let busy = {
            let mut sh = shard.borrow_mut();
            turn(&mut sh, io, &[]);
            sh.conns
                .iter()
                .flatten()
                .any(|c| c.fd >= 0 && (c.send_inflight || !c.out.is_empty()))
        };
        if !busy {
            break;
        }
        glommio::timer::sleep(std::time::Duration::from_millis(2)).await;
    }
    close_all(&mut shard.borrow_mut(), io);
    let _ = io.ring.enter();
    // As Redis on shutdown: what the log holds is written and synced.
    if let Some(aof) = shard.borrow_mut().aof.as_mut() {
        aof.close_out();
    }
}

fn close_all(sh: &mut Shard, io: &mut Io) {
    for idx in 0..sh.conns.len() {
        let open = sh.conns[idx].as_ref().is_some_and(|c| c.fd >= 0);
        if open {
            begin_close(sh, io, idx);
        }
    }
}
