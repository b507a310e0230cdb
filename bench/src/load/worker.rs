//! One load thread: its clients, their connections, and the epoll loop that keeps each client's
//! pipeline full (closed loop) or sends each request at its intended time (open loop).
//!
//! Per readable connection the loop does one read, takes every complete reply off it (stamping
//! all with the time the read returned), refills that client's pipeline and writes once. A
//! request's latency runs from its send time (its intended time with `--rate`) to that read.

use std::io;
use std::os::fd::AsRawFd;
use std::sync::Barrier;
use std::time::Duration;

use tessera_core::slot::key_slot;

use super::args::{Config, Stop};
use super::clock::Clock;
use super::cluster::{parse_redirect, Redirect, SlotMap};
use super::conn::{Conn, InFlight, Reply};
use super::keys::{KeyPicker, KeySet};
use super::poller::{Event, Poller};
use super::request::{Command, Encoder};
use super::setup;
use super::stats::Stats;

/// With requests in flight and no event for this long, the server is considered gone.
const STALL: Duration = Duration::from_secs(30);
/// Longest single wait, so deadlines and stalls are noticed.
const MAX_WAIT: Duration = Duration::from_secs(1);
/// Pipeline depth of the preload phase at least (it is not measured, only needs to be quick).
const PRELOAD_DEPTH: usize = 32;

/// What `run` hands a worker for each client.
#[derive(Debug)]
pub struct ClientSetup {
    /// Its open connections: one, or one per master (indexed by node) with `--cluster`.
    pub streams: Vec<(std::net::TcpStream, String)>,
    /// The keys it may use.
    pub keys: KeySet,
    /// Its index among all clients of all threads, which spreads start points and send times.
    pub index: u64,
    /// Seed of its key choices.
    pub seed: u64,
}

/// What a worker counted.
#[derive(Debug)]
pub struct WorkerResult {
    /// The measured phase.
    pub stats: Stats,
    /// The preload phase (errors only: it is not timed).
    pub preload: Stats,
    /// Length of the measured phase, in seconds, drain included.
    pub seconds: f64,
}

/// One client: a key picker, a position in the SET:GET cycle, and its connections.
struct Client {
    keys: KeySet,
    picker: KeyPicker,
    cycle: u32,
    sent: u64,
    outstanding: usize,
    next_due: u64,
    index: u64,
    /// Connection (index in `Worker::conns`) per cluster node; one entry otherwise.
    conns: Vec<Option<usize>>,
    dead: bool,
}

/// The phase being driven.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// SET keys `next..=last`, unmeasured.
    Preload { next: u64, last: u64 },
    /// The measured run; `deadline` with `--test-time`.
    Measure { deadline: Option<u64> },
}

/// One load thread's state.
pub struct Worker<'a> {
    config: &'a Config,
    encoder: &'a Encoder,
    clock: Clock,
    poller: Poller,
    conns: Vec<Option<Conn>>,
    clients: Vec<Client>,
    slots: Option<SlotMap>,
    stats: Stats,
    preload: Stats,
    phase: Phase,
    /// Nanoseconds between a client's intended send times, with `--rate`.
    interval: Option<u64>,
    events: Vec<Event>,
    dirty: Vec<usize>,
    key: Vec<u8>,
}

impl<'a> Worker<'a> {
    /// Registers the clients' connections with a new epoll instance.
    pub fn new(
        config: &'a Config,
        encoder: &'a Encoder,
        clock: Clock,
        slots: Option<SlotMap>,
        setups: Vec<ClientSetup>,
    ) -> io::Result<Worker<'a>> {
        let pipeline = config.args.pipeline as usize;
        let mut worker = Worker {
            config,
            encoder,
            clock,
            poller: Poller::new(256)?,
            conns: Vec::new(),
            clients: Vec::new(),
            slots,
            stats: Stats::new(),
            preload: Stats::new(),
            phase: Phase::Measure { deadline: None },
            interval: config
                .args
                .rate
                .map(|rate| (config.total_clients() as f64 * 1e9 / rate).max(1.0) as u64),
            events: Vec::with_capacity(256),
            dirty: Vec::new(),
            key: Vec::new(),
        };
        for setup in setups {
            let client = worker.clients.len();
            let mut conns = Vec::new();
            for (stream, addr) in setup.streams {
                conns.push(Some(worker.register(stream, addr, client, pipeline)?));
            }
            let len = setup.keys.len();
            let start = setup.index.wrapping_mul(len) / config.total_clients().max(1);
            worker.clients.push(Client {
                picker: KeyPicker::new(
                    config.args.key_pattern,
                    len,
                    start,
                    config.args.key_stddev,
                    setup.seed,
                ),
                keys: setup.keys,
                cycle: 0,
                sent: 0,
                outstanding: 0,
                next_due: 0,
                index: setup.index,
                conns,
                dead: false,
            });
        }
        Ok(worker)
    }

    /// Runs the optional preload of `preload` (a range of key numbers), waits for every thread
    /// at `barrier` twice (preload done; measuring starts), then runs the measured phase.
    pub fn run(mut self, preload: Option<(u64, u64)>, barrier: &Barrier) -> WorkerResult {
        if let Some((first, last)) = preload {
            if first <= last {
                self.phase = Phase::Preload { next: first, last };
                self.drive();
            }
        }
        barrier.wait();
        barrier.wait();
        let start = self.clock.now();
        let deadline = match self.config.stop {
            Stop::Time(duration) => Some(start + Clock::span(duration)),
            Stop::Requests(_) => None,
        };
        self.phase = Phase::Measure { deadline };
        let total = self.config.total_clients().max(1);
        for client in &mut self.clients {
            client.sent = 0;
            if let Some(interval) = self.interval {
                client.next_due = start + interval * (client.index % total) / total;
            }
        }
        self.drive();
        let seconds = (self.clock.now() - start) as f64 / 1e9;
        WorkerResult {
            stats: self.stats,
            preload: self.preload,
            seconds,
        }
    }

    /// Drives the current phase until nothing more is to be sent and nothing is in flight.
    fn drive(&mut self) {
        let now = self.clock.now();
        for client in 0..self.clients.len() {
            self.refill(client, now);
        }
        self.flush_dirty();
        let mut last_event = now;
        let mut events = std::mem::take(&mut self.events);
        loop {
            let now = self.clock.now();
            if self.finished(now) {
                break;
            }
            events.clear();
            if let Err(e) = self.poller.wait(Some(self.timeout(now)), &mut events) {
                self.abandon(&format!("epoll: {e}"));
                break;
            }
            let now = self.clock.now();
            if events.is_empty() {
                if now - last_event > Clock::span(STALL) && self.outstanding() > 0 {
                    self.abandon(&format!("no reply for {}s", STALL.as_secs()));
                }
            } else {
                last_event = now;
            }
            for event in &events {
                self.handle(*event);
            }
            if self.interval.is_some() {
                let now = self.clock.now();
                for client in 0..self.clients.len() {
                    self.refill(client, now);
                }
                self.flush_dirty();
            }
        }
        self.events = events;
    }

    /// Whether the phase is over: nothing in flight and nothing left to send.
    fn finished(&self, now: u64) -> bool {
        if self.outstanding() > 0 {
            return false;
        }
        match self.phase {
            Phase::Preload { next, last } => next > last || self.clients.iter().all(|c| c.dead),
            Phase::Measure { deadline } => self.clients.iter().all(|client| {
                client.dead
                    || match self.config.stop {
                        Stop::Requests(n) => client.sent >= n,
                        Stop::Time(_) => {
                            let due = if self.interval.is_some() {
                                client.next_due
                            } else {
                                now
                            };
                            deadline.is_some_and(|d| due >= d)
                        }
                    }
            }),
        }
    }

    /// Requests in flight over all clients.
    fn outstanding(&self) -> usize {
        self.clients.iter().map(|c| c.outstanding).sum()
    }

    /// How long the next wait may last: until the earliest intended send time in the open
    /// loop, else until the deadline, never more than [`MAX_WAIT`].
    fn timeout(&self, now: u64) -> Duration {
        let mut until = now + Clock::span(MAX_WAIT);
        if let Phase::Measure {
            deadline: Some(deadline),
        } = self.phase
        {
            until = until.min(deadline.max(now));
        }
        if self.interval.is_some() && matches!(self.phase, Phase::Measure { .. }) {
            let depth = self.depth();
            for client in &self.clients {
                if !client.dead && client.outstanding < depth {
                    until = until.min(client.next_due.max(now));
                }
            }
        }
        Duration::from_nanos(until - now)
    }

    /// Requests a client may have in flight in this phase.
    fn depth(&self) -> usize {
        let pipeline = self.config.args.pipeline as usize;
        match self.phase {
            Phase::Preload { .. } => pipeline.max(PRELOAD_DEPTH),
            Phase::Measure { .. } => pipeline,
        }
    }

    /// One connection's readiness: write what is pending, read and complete replies, refill.
    fn handle(&mut self, event: Event) {
        let id = event.token;
        if event.writable {
            self.flush(id);
        }
        if !event.readable {
            return;
        }
        let Some(conn) = self.conns.get_mut(id).and_then(Option::as_mut) else {
            return;
        };
        match conn.fill() {
            Ok(0) => return self.fail(id, "the server closed the connection".into()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => return self.fail(id, format!("read: {e}")),
        }
        let client = conn.client;
        let arrived = self.clock.now();
        while let Some(conn) = self.conns.get_mut(id).and_then(Option::as_mut) {
            match conn.next_reply() {
                Ok(Some(reply)) => self.complete(id, reply, arrived),
                Ok(None) => break,
                Err(e) => {
                    self.fail(id, e.to_string());
                    break;
                }
            }
        }
        let now = self.clock.now();
        self.refill(client, now);
        self.flush_dirty();
    }

    /// Accounts one reply of connection `id` to its oldest request.
    fn complete(&mut self, id: usize, reply: Reply, arrived: u64) {
        let Some(conn) = self.conns.get_mut(id).and_then(Option::as_mut) else {
            return;
        };
        let Some(request) = conn.inflight.pop_front() else {
            return self.fail(id, "a reply came for no request".into());
        };
        let client = conn.client;
        self.clients[client].outstanding -= 1;
        let error = match reply {
            Reply::Value => None,
            Reply::Error(range) => Some(String::from_utf8_lossy(conn.bytes(range)).into_owned()),
        };
        // In cluster mode a MOVED corrects the slot map and the request goes again, an ASK sends
        // it once to the importing node; either way it keeps its send time, so the redirection
        // is part of its latency.
        let redirect = match (&error, &self.slots) {
            (Some(message), Some(_)) if !request.asking => parse_redirect(message.as_bytes()),
            _ => None,
        };
        let stats = if request.measured {
            &mut self.stats
        } else {
            &mut self.preload
        };
        match (error, redirect) {
            (None, _) if request.measured && !request.asking => {
                stats.record(request.command, arrived.saturating_sub(request.sent));
            }
            (None, _) => {}
            (Some(message), None) => {
                stats.errors += 1;
                stats.note(message);
            }
            (Some(_), Some(Redirect::Moved { slot, addr })) => {
                stats.moved += 1;
                if let Some(slots) = self.slots.as_mut() {
                    slots.assign(slot, &addr);
                }
                self.send(client, request);
            }
            (Some(_), Some(Redirect::Ask { addr, .. })) => {
                stats.asks += 1;
                let node = self.slots.as_mut().map_or(0, |s| s.node_index(&addr));
                self.send_asking(client, node, request);
            }
        }
    }

    /// Sends requests for `client` until its pipeline is full or nothing more is due.
    fn refill(&mut self, client: usize, now: u64) {
        let depth = self.depth();
        while !self.clients[client].dead && self.clients[client].outstanding < depth {
            let Some(request) = self.next_request(client, now) else {
                break;
            };
            self.send(client, request);
        }
    }

    /// The next request `client` should send at `now`, if any.
    fn next_request(&mut self, client: usize, now: u64) -> Option<InFlight> {
        let ratio = self.config.args.ratio;
        let c = &mut self.clients[client];
        match &mut self.phase {
            Phase::Preload { next, last } => {
                if *next > *last {
                    return None;
                }
                let key = *next;
                *next += 1;
                Some(InFlight {
                    sent: now,
                    key,
                    command: Command::Set,
                    measured: false,
                    asking: false,
                })
            }
            Phase::Measure { deadline } => {
                if let Stop::Requests(n) = self.config.stop {
                    if c.sent >= n {
                        return None;
                    }
                }
                let sent = match self.interval {
                    Some(_) if c.next_due > now => return None,
                    Some(_) => c.next_due,
                    None => now,
                };
                if deadline.is_some_and(|d| sent >= d) {
                    return None;
                }
                if let Some(interval) = self.interval {
                    c.next_due += interval;
                }
                c.sent += 1;
                let command = if c.cycle < ratio.set {
                    Command::Set
                } else {
                    Command::Get
                };
                c.cycle = (c.cycle + 1) % (ratio.set + ratio.get);
                let key = c.keys.key(c.picker.next_rank());
                Some(InFlight {
                    sent,
                    key,
                    command,
                    measured: true,
                    asking: false,
                })
            }
        }
    }

    /// Encodes `request` on the connection its key routes to.
    fn send(&mut self, client: usize, request: InFlight) {
        match self.route(client, request.key) {
            Ok(id) => self.enqueue(id, client, request),
            Err(message) => self.unsendable(request, message),
        }
    }

    /// Sends `request` to `node` behind an ASKING, for an ASK redirection.
    fn send_asking(&mut self, client: usize, node: usize, request: InFlight) {
        match self.connection(client, node) {
            Ok(id) => {
                if let Some(conn) = self.conns.get_mut(id).and_then(Option::as_mut) {
                    conn.out().extend_from_slice(b"*1\r\n$6\r\nASKING\r\n");
                }
                let asking = InFlight {
                    asking: true,
                    ..request
                };
                self.enqueue(id, client, asking);
                self.enqueue(id, client, request);
            }
            Err(message) => self.unsendable(request, message),
        }
    }

    /// Appends `request` to connection `id`'s output (an ASKING marker is already encoded).
    fn enqueue(&mut self, id: usize, client: usize, request: InFlight) {
        let Some(conn) = self.conns.get_mut(id).and_then(Option::as_mut) else {
            return;
        };
        if !request.asking {
            self.encoder
                .encode(request.command, request.key, conn.out());
        }
        conn.inflight.push_back(request);
        self.clients[client].outstanding += 1;
        if self.dirty.last() != Some(&id) {
            self.dirty.push(id);
        }
    }

    /// Counts a request that could not be sent at all.
    fn unsendable(&mut self, request: InFlight, message: String) {
        let stats = if request.measured {
            &mut self.stats
        } else {
            &mut self.preload
        };
        stats.errors += 1;
        stats.note(message);
    }

    /// The connection of `client` that serves `key`: its only one, or in cluster mode the one
    /// to the master of the key's slot.
    fn route(&mut self, client: usize, key: u64) -> Result<usize, String> {
        let Some(slots) = &self.slots else {
            return self.clients[client].conns[0].ok_or_else(|| "connection lost".into());
        };
        self.encoder.key(key, &mut self.key);
        let slot = key_slot(&self.key);
        let node = slots
            .node_of(slot)
            .ok_or_else(|| format!("no master serves slot {slot}"))?;
        self.connection(client, node)
    }

    /// The connection of `client` to cluster node `node`, opened on first use (a node that
    /// appeared in a redirection after start-up).
    fn connection(&mut self, client: usize, node: usize) -> Result<usize, String> {
        let c = &mut self.clients[client];
        if c.conns.len() <= node {
            c.conns.resize(node + 1, None);
        }
        if let Some(id) = c.conns[node] {
            return Ok(id);
        }
        if c.dead {
            return Err("connection lost".into());
        }
        let addr = self
            .slots
            .as_ref()
            .and_then(|s| s.nodes().get(node).cloned())
            .ok_or_else(|| format!("no cluster node {node}"))?;
        let opened = setup::open(&addr, self.config.args.resp == 3, false).inspect_err(|_| {
            self.clients[client].dead = true;
        })?;
        let pipeline = self.config.args.pipeline as usize;
        let id = self
            .register(opened.stream, addr.clone(), client, pipeline)
            .map_err(|e| format!("{addr}: {e}"))?;
        self.clients[client].conns[node] = Some(id);
        Ok(id)
    }

    /// Adds a connection to the poller and the table; returns its id.
    fn register(
        &mut self,
        stream: std::net::TcpStream,
        addr: String,
        client: usize,
        pipeline: usize,
    ) -> io::Result<usize> {
        let conn = Conn::new(stream, addr, client, pipeline)?;
        let id = self.conns.len();
        self.poller.add(conn.stream.as_raw_fd(), id, false)?;
        self.conns.push(Some(conn));
        Ok(id)
    }

    /// Writes every connection that got new requests.
    fn flush_dirty(&mut self) {
        let mut dirty = std::mem::take(&mut self.dirty);
        for &id in &dirty {
            self.flush(id);
        }
        dirty.clear();
        self.dirty = dirty;
    }

    /// Writes connection `id`'s pending output, watching for writability while some remains.
    fn flush(&mut self, id: usize) {
        let Some(conn) = self.conns.get_mut(id).and_then(Option::as_mut) else {
            return;
        };
        if !conn.has_output() && !conn.watching_write {
            return;
        }
        let result = conn.flush().and_then(|done| {
            if done == conn.watching_write {
                conn.watching_write = !done;
                self.poller.modify(conn.stream.as_raw_fd(), id, !done)?;
            }
            Ok(())
        });
        if let Err(e) = result {
            self.fail(id, format!("write: {e}"));
        }
    }

    /// Drops connection `id`: its requests are unanswered and its client stops.
    fn fail(&mut self, id: usize, why: String) {
        let Some(conn) = self.conns.get_mut(id).and_then(Option::take) else {
            return;
        };
        let _ = self.poller.delete(conn.stream.as_raw_fd());
        let client = &mut self.clients[conn.client];
        client.dead = true;
        client.outstanding -= conn.inflight.len();
        for slot in client.conns.iter_mut() {
            if *slot == Some(id) {
                *slot = None;
            }
        }
        let measured = conn.inflight.iter().filter(|r| r.measured).count() as u64;
        self.stats.unanswered += measured;
        self.preload.unanswered += conn.inflight.len() as u64 - measured;
        let message = format!(
            "{}: {why} ({} requests unanswered)",
            conn.addr,
            conn.inflight.len()
        );
        match self.phase {
            Phase::Preload { .. } => self.preload.note(message),
            Phase::Measure { .. } => self.stats.note(message),
        }
    }

    /// Gives up on every connection with requests in flight.
    fn abandon(&mut self, why: &str) {
        for id in 0..self.conns.len() {
            if self.conns[id]
                .as_ref()
                .is_some_and(|c| !c.inflight.is_empty())
            {
                self.fail(id, why.to_string());
            }
        }
        for client in &mut self.clients {
            client.dead = true;
        }
    }
}
