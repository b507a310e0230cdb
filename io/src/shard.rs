//! A shard: one core's keyspace, connections, locks and mailboxes, and how it runs a command.
//!
//! All of it lives in one `Rc<RefCell<Shard>>` per executor thread; the network loop, the
//! message handlers, the timers and transaction tasks borrow it in turn, never across an await.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use hashbrown::HashMap;
use tessera_core::commands::{self, flags, Command, Ctx, Run};
use tessera_core::config::Config;
use tessera_core::keyspace::Keyspace;
use tessera_core::protocol::{self, Args, Parsed, Protocol, ReaderLimits, Reply};
use tessera_core::slot;

use crate::conn::Conn;
use crate::local::{Notify, OneshotSender};
use crate::locks::{Footprint, Locks, TxId};
use crate::mesh::{Batch, Call, Msg, TASK_TOKEN};

/// What every shard of the node shares: counters and flags, all lock-free.
pub struct Node {
    /// Number of shards.
    pub shards: usize,
    /// Connected clients, all shards together (for `maxclients`).
    pub clients: AtomicUsize,
    /// The next CLIENT ID.
    pub next_client_id: AtomicU64,
    /// Unix ms when the node started.
    pub start_ms: u64,
    /// Set when the node is shutting down.
    pub shutdown: AtomicBool,
    /// The TCP port it serves.
    pub port: u16,
    /// The CPU each shard is pinned to.
    pub cpus: Vec<usize>,
    /// The path of the executable, for INFO.
    pub executable: String,
    /// The ring set-up each shard got (for INFO), as text.
    pub ring_mode: std::sync::OnceLock<String>,
    /// Each shard's ring eventfd: writing to it wakes the shard from any thread.
    pub wake_fds: Vec<std::sync::atomic::AtomicI32>,
    /// Per shard: its network loop sleeps in its ring, so a peer that hands it a batch must
    /// write its eventfd (see `net::sleep_in_ring`).
    pub ring_sleeping: Vec<AtomicBool>,
    /// Shards whose network loop is accepting.
    pub ready: AtomicUsize,
    /// Per shard: over its share of `maxmemory` with nothing it may evict, so writes for
    /// it are refused (see `evict`).
    pub full: Vec<AtomicBool>,
    /// Per shard: the allocator counter its thread adds to (see `memory::my_slot`), so that
    /// any shard can tell the memory no shard holds (the main thread's, say) from the shards'.
    pub mem_slots: Vec<AtomicUsize>,
    /// When the last save succeeded (LASTSAVE), Unix seconds; the start-up time until then.
    pub last_save_secs: AtomicU64,
    /// Set while start-up loads the data: commands that need it get `-LOADING`.
    pub loading: AtomicBool,
    /// Shards still inserting what start-up loaded.
    pub loading_shards: AtomicUsize,
    /// What start-up loaded, one slot per shard, taken by each shard's timer.
    pub preload: std::sync::Mutex<Vec<Option<crate::persistence::ShardPreload>>>,
    /// Set by SIGTERM or SIGINT: shard 0 shuts the node down (see `shutdown::on_signal`).
    pub terminate: AtomicBool,
    /// Set while a SAVE or BGSAVE runs (one at a time).
    pub saving: AtomicBool,
    /// When the save in progress started, Unix ms; 0 when none runs.
    pub save_started_ms: AtomicU64,
    /// How long the last save took, in seconds; -1 before the first.
    pub last_save_duration_secs: std::sync::atomic::AtomicI64,
    /// Saves that succeeded since start-up (INFO's `rdb_saves`).
    pub rdb_saves: AtomicU64,
    /// What the start-up load found: keys loaded, and keys dropped as expired.
    pub last_load: (AtomicU64, AtomicU64),
    /// When the last save was tried, Unix seconds (a failed one is retried after a delay).
    pub last_save_try_secs: AtomicU64,
    /// When a shard last read a blocking command, Unix ms: until a while after, sleeping shards
    /// note how late they wake (see `wakeup`).
    pub blocking_seen_ms: AtomicU64,
    /// A BGSAVE waits to start (it was given inside EXEC, or while another save ran).
    pub save_scheduled: AtomicBool,
    /// Per shard: its writes since the last save, as its timer last saw them (the save
    /// rules look at their sum).
    pub dirty: Vec<AtomicU64>,
    /// Whether the last save succeeded (INFO's `rdb_last_bgsave_status`).
    pub last_save_ok: AtomicBool,
    /// Per shard: its append-only file's size, as its timer last saw it.
    pub aof_sizes: Vec<AtomicU64>,
    /// Per shard: the errno of its append-only file's failing writes; 0 when they succeed.
    /// While one is set, writes are refused everywhere (MISCONF), as Redis refuses them.
    pub aof_errors: Vec<std::sync::atomic::AtomicI32>,
    /// The rewrites' state (see `rewrite`).
    pub aof: crate::rewrite::RewriteState,
    /// Set for the ceiling server: every command gets a fixed reply and nothing is stored.
    pub fixed: Option<crate::ceiling::FixedReplies>,
}

/// Work that waits for locks: run when granted.
pub enum Deferred {
    /// A command of a client, local (`from` is this shard) or remote.
    Cmd {
        /// The shard that asked.
        from: usize,
        /// Where the reply goes.
        token: u64,
        /// SELECT's index.
        db: u16,
        /// The client's protocol.
        proto: Protocol,
        /// The command, RESP-encoded.
        args: Vec<u8>,
    },
    /// A remote transaction's lock request: tell it it holds them.
    Grant {
        /// The coordinator's shard.
        from: usize,
        /// Its token.
        token: u64,
    },
    /// A local transaction's lock request.
    LocalGrant(OneshotSender<Vec<u8>>),
}

/// Counters for INFO stats.
#[derive(Default, Clone, Copy)]
pub struct Stats {
    /// Commands run on this shard.
    pub commands: u64,
    /// Connections accepted.
    pub connections: u64,
    /// Connections refused by `maxclients`.
    pub rejected: u64,
    /// Bytes received.
    pub net_in: u64,
    /// Bytes sent.
    pub net_out: u64,
}

/// One shard's state.
pub struct Shard {
    /// This shard's index.
    pub id: usize,
    /// What all shards share.
    pub node: Arc<Node>,
    /// The data.
    pub ks: Keyspace,
    /// This shard's copy of the configuration.
    pub config: Config,
    /// Intent locks of multi-shard operations.
    pub locks: Locks<Deferred>,
    /// Connections by slot index; None for free slots.
    pub conns: Vec<Option<Conn>>,
    /// Free connection slots.
    pub free: Vec<u32>,
    /// Messages to each peer, sent as one batch per turn.
    pub outbox: Vec<Batch>,
    /// Per peer, an emptied batch it sent, to carry the next batch back to it.
    pub spare_batches: Vec<Option<Batch>>,
    /// Connections with replies to send.
    pub to_send: Vec<u32>,
    /// Connections unparked with input left to parse.
    pub resume: Vec<u32>,
    /// Connections to close.
    pub to_close: Vec<u32>,
    /// Wakes the network loop.
    pub notify: Notify,
    /// Tasks waiting for a reply or a grant, by token.
    pub waiting: HashMap<u64, OneshotSender<Vec<u8>>>,
    next_token: u64,
    next_tx: u64,
    rng: u64,
    /// INFO stats.
    pub stats: Stats,
    /// CLIENT PAUSE: until this Unix ms; and whether only writes are paused.
    pub pause: (u64, bool),
    /// Cached reader limits from the configuration.
    pub limits: ReaderLimits,
    /// Unix ms, read once per turn of the loop and per batch of messages (Redis also reads the
    /// clock once per command call, not per key).
    pub clock: u64,
    /// Unix ns when this turn of the loop read its sockets: the stamp a blocking command read
    /// in it carries, so that clients blocked through different shards line up in the order
    /// their commands came (see `blocking`).
    pub read_ns: u64,
    /// Set for the first turn after the network loop slept (see `wakeup`).
    pub slept: Option<crate::wakeup::Slept>,
    /// This shard thread's wait-for-CPU count (see `wakeup`).
    pub run_delay: crate::wakeup::RunDelay,
    /// Batches waiting to leave, per peer, each with the size this shard's log must have made
    /// durable first (see `aof`): a peer's channel was full, or replies wait for a sync.
    pub stalled: Vec<VecDeque<(u64, Batch)>>,
    /// This shard's append-only log, when `appendonly` is on.
    pub aof: Option<crate::aof::AofLog>,
    /// The transaction whose part runs now (its records are framed, see `aof`).
    pub running_tx: Option<TxId>,
    /// Connections whose replies wait for the log to be durable up to a size.
    pub aof_held: Vec<(u64, u32)>,
    /// Replies to writes run here for other shards' clients (and transactions' parts), each
    /// with how far the log must be safe before it leaves: (size, shard, token, reply). They
    /// join the batches only then, so that a log that cannot be written holds them and not
    /// the replies to reads (see `net::flush_outbox`).
    pub write_replies: Vec<(u64, usize, u64, Vec<u8>)>,
    /// Calls sent to peers whose replies have not come back yet.
    pub awaiting_peers: usize,
    /// The most this shard's thread may hold under `maxmemory` (see `evict`).
    pub mem_target: isize,
    /// Clients waiting in blocking commands on this shard's keys.
    pub waiters: crate::blocking::Waiters,
    /// Writes that wait for the other shards' sockets before serving blocked clients.
    pub barrier: crate::barrier::Barrier,
    /// Reused by commands from peers: their reply is built here, then copied into the batch.
    pub(crate) reply_scratch: Vec<u8>,
    /// Reused spans of commands from peers.
    internal_spans: Vec<std::ops::Range<usize>>,
    /// The argument spans of the call a peer's batch is running, reused.
    pub(crate) call_spans: Vec<std::ops::Range<usize>>,
    /// The keys of the calls in the batch being handled, warmed ahead of them.
    pub(crate) call_keys: crate::prefetch::CallKeys,
}

thread_local! {
    static SHARD: RefCell<Option<Rc<RefCell<Shard>>>> = const { RefCell::new(None) };
}

/// The shard of the current thread.
pub fn current() -> Rc<RefCell<Shard>> {
    SHARD.with(|s| s.borrow().clone().expect("no shard on this thread"))
}

/// Makes `shard` the current thread's shard.
pub fn install(shard: Rc<RefCell<Shard>>) {
    SHARD.with(|s| *s.borrow_mut() = Some(shard));
}

/// Unix time in milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Unix time in nanoseconds: the network loop reads it once per turn, for both the
/// millisecond clock and the stamp of the commands it reads (see `blocking`).
pub fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Runs a shard command's handler over `ks`, writing its reply to `out`.
#[allow(clippy::too_many_arguments)]
fn run_handler(
    ks: &mut Keyspace,
    config: &Config,
    now_ms: u64,
    rand: u64,
    shard: (usize, usize),
    cmd: &'static Command,
    db: usize,
    proto: Protocol,
    args: &Args<'_>,
    out: &mut Vec<u8>,
) {
    let mut reply = Reply::new(out, proto);
    let Run::Shard(handler) = cmd.run else {
        reply.error("ERR command cannot run on a shard");
        return;
    };
    let db = db.min(ks.dbs.len() - 1);
    let mut ctx = Ctx {
        ks,
        db,
        now_ms,
        config,
        rand,
        shard,
    };
    handler(&mut ctx, args, &mut reply);
}

/// The argument spans of a RESP command one shard sent another (always multibulk, never empty).
pub fn parse_internal(bytes: &[u8]) -> Option<Vec<std::ops::Range<usize>>> {
    let mut spans = Vec::new();
    parse_internal_into(bytes, &mut spans).then_some(spans)
}

/// As `parse_internal`, into a reused vector of spans; false when the bytes are not one command.
pub fn parse_internal_into(bytes: &[u8], spans: &mut Vec<std::ops::Range<usize>>) -> bool {
    // Internal commands are RESP arrays of bulk strings, which never need the scratch buffer.
    let mut scratch = Vec::new();
    matches!(
        protocol::parse_request(bytes, spans, &mut scratch, &ReaderLimits::internal()),
        Ok(Parsed::Command {
            source: protocol::ArgSource::Input,
            ..
        }) if !spans.is_empty()
    )
}

/// Fingerprint of a key for the lock table.
pub fn fingerprint(db: usize, key: &[u8]) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = ahash::RandomState::with_seeds(1, 2, 3, 4).build_hasher();
    h.write_usize(db);
    h.write(key);
    h.finish()
}

/// What a command locks on one shard: its keys there (exclusive when it writes).
pub fn footprint_of(
    cmd: &Command,
    args: &Args<'_>,
    db: usize,
    shard: Option<(usize, usize)>,
) -> Footprint {
    let excl = cmd.has(flags::WRITE);
    let keys = cmd
        .keys
        .key_indexes(args)
        .map(|i| args.get(i))
        .filter(|k| shard.is_none_or(|(s, n)| slot::slot_shard(slot::key_slot(k), n) == s))
        .map(|k| (fingerprint(db, k), excl))
        .collect();
    Footprint { keys, whole: None }
}

impl Shard {
    /// A shard with empty data.
    pub fn new(id: usize, node: Arc<Node>, config: Config) -> Shard {
        let peers = node.shards;
        let limits = ReaderLimits {
            max_bulk_len: config.proto_max_bulk_len as usize,
            max_multibulk_len: i32::MAX as usize,
        };
        node.mem_slots[id].store(crate::memory::my_slot(), Ordering::Relaxed);
        let mut ks = Keyspace::new(config.databases);
        ks.set_tracking(config.tracking());
        Shard {
            id,
            ks,
            config,
            locks: Locks::default(),
            conns: Vec::new(),
            free: Vec::new(),
            outbox: (0..peers).map(|_| Batch::default()).collect(),
            spare_batches: (0..peers).map(|_| None).collect(),
            to_send: Vec::new(),
            resume: Vec::new(),
            to_close: Vec::new(),
            notify: Notify::default(),
            waiting: HashMap::new(),
            next_token: 0,
            next_tx: 0,
            rng: 0x9e37_79b9_7f4a_7c15
                ^ (id as u64 + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9)
                ^ now_ms(),
            stats: Stats::default(),
            pause: (0, false),
            limits,
            clock: now_ms(),
            read_ns: now_ns(),
            slept: None,
            run_delay: crate::wakeup::RunDelay::open(),
            stalled: (0..peers).map(|_| VecDeque::new()).collect(),
            aof: None,
            running_tx: None,
            aof_held: Vec::new(),
            write_replies: Vec::new(),
            awaiting_peers: 0,
            waiters: Default::default(),
            barrier: Default::default(),
            mem_target: isize::MAX,
            reply_scratch: Vec::new(),
            internal_spans: Vec::new(),
            call_spans: Vec::new(),
            call_keys: Default::default(),
            node,
        }
    }

    /// Number of shards in the node.
    pub fn shards(&self) -> usize {
        self.node.shards
    }

    /// The shard that owns `key`.
    pub fn owner(&self, key: &[u8]) -> usize {
        if self.node.shards == 1 {
            return 0;
        }
        slot::slot_shard(slot::key_slot(key), self.node.shards)
    }

    /// A fresh random number (xorshift).
    pub fn random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    /// When what this turn read arrived, as near as the shard can tell (see `wakeup`): the
    /// stamp of a blocking command.
    pub fn arrival_stamp(&self) -> u64 {
        crate::wakeup::arrival(self.read_ns, self.slept, &self.run_delay)
    }

    /// A new token for a task that waits for a reply; the reply is handed to `tx`.
    pub fn register_task(&mut self, tx: OneshotSender<Vec<u8>>) -> u64 {
        self.next_token += 1;
        let token = TASK_TOKEN | self.next_token;
        self.waiting.insert(token, tx);
        token
    }

    /// A new transaction id, unique in the node.
    pub fn new_tx(&mut self) -> TxId {
        self.next_tx += 1;
        ((self.id as u64) << 48) | self.next_tx
    }

    /// Queues a message for a peer; it leaves with the next flush.
    pub fn send(&mut self, to: usize, msg: Msg) {
        self.outbox[to].push_other(msg);
        self.notify.notify();
    }

    /// Queues a command for a peer, its RESP bytes copied into the batch.
    pub fn send_call(
        &mut self,
        to: usize,
        token: u64,
        db: usize,
        proto: Protocol,
        tx: Option<TxId>,
        args: &[u8],
    ) {
        let mut spans = std::mem::take(&mut self.internal_spans);
        if !parse_internal_into(args, &mut spans) {
            // Never made by this code; the receiver answers it with an error.
            spans.clear();
        }
        self.send_args(to, token, db, proto, tx, &Args::new(args, &spans));
        self.internal_spans = spans;
    }

    /// As [`Shard::send_call`], for a command already parsed: the peer runs it without
    /// parsing it again.
    pub fn send_args(
        &mut self,
        to: usize,
        token: u64,
        db: usize,
        proto: Protocol,
        tx: Option<TxId>,
        args: &Args<'_>,
    ) {
        let call = Call {
            token,
            db: db as u16,
            proto,
            tx,
        };
        self.outbox[to].push_call(call, args);
        self.awaiting_peers += 1;
        self.notify.notify();
    }

    /// Queues a reply for a peer, its bytes copied into the batch.
    pub fn send_reply(&mut self, to: usize, token: u64, bytes: &[u8]) {
        self.outbox[to].push_reply(token, bytes);
        self.notify.notify();
    }

    /// Runs one command of the core table on this shard and appends its reply to `out`.
    /// The caller has checked locks (or holds them).
    pub fn execute(&mut self, db: usize, proto: Protocol, args: &Args<'_>, out: &mut Vec<u8>) {
        // The shard-to-shard commands are all named `__...`: one test keeps them off the path
        // of every other command.
        if args.get(0).starts_with(b"__") {
            if crate::multi::internal_exec(self, db, proto, args, out) {
                return;
            }
            let mut reply = Reply::new(out, proto);
            if crate::watch::internal(self, db, args, &mut reply)
                || crate::rewrite::internal(self, args, &mut reply)
            {
                return;
            }
        }
        let mut reply = Reply::new(out, proto);
        let Some(cmd) = commands::lookup(args.get(0)) else {
            let rest: Vec<&[u8]> = args.iter().skip(1).collect();
            reply.error(&tessera_core::errors::unknown_command(args.get(0), &rest));
            return;
        };
        self.run_command(cmd, db, proto, args, out);
    }

    /// Runs a command already looked up in the table; appends its reply to `out`.
    pub fn run_command(
        &mut self,
        cmd: &'static Command,
        db: usize,
        proto: Protocol,
        args: &Args<'_>,
        out: &mut Vec<u8>,
    ) {
        self.stats.commands += 1;
        self.ks.set_clock(self.clock);
        if self.config.maxmemory != 0 {
            // As Redis before every command: make room first (a write is refused, if need be,
            // where the client is, see `evict::refuses`).
            crate::evict::make_room(self);
        }
        self.ks.block = None;
        let dirty = self.ks.dirty;
        let logging = self.aof.is_some();
        if logging {
            self.ks.effects.reset();
            self.ks.effects.wanted = true;
        }
        let rand = self.random();
        let place = (self.id, self.node.shards);
        run_handler(
            &mut self.ks,
            &self.config,
            self.clock,
            rand,
            place,
            cmd,
            db,
            proto,
            args,
            out,
        );
        let changed = self.ks.dirty != dirty && self.ks.block.is_none();
        if logging {
            self.log_effects(changed, db, args);
        }
        // Only a command that changed something (and did not itself wait) can serve a waiter.
        if changed {
            crate::blocking::note_write(self, cmd, args, db);
        }
    }

    /// Runs a command over another keyspace than the shard's own (a scratch copy), with this
    /// shard's configuration and clock.
    pub fn run_on(
        &mut self,
        ks: &mut Keyspace,
        cmd: &'static Command,
        db: usize,
        proto: Protocol,
        args: &Args<'_>,
        out: &mut Vec<u8>,
    ) {
        let rand = self.random();
        let place = (self.id, self.node.shards);
        run_handler(
            ks,
            &self.config,
            self.clock,
            rand,
            place,
            cmd,
            db,
            proto,
            args,
            out,
        );
    }

    /// Runs a RESP-encoded command (from a peer or a transaction) and returns its reply.
    pub fn execute_resp(&mut self, db: usize, proto: Protocol, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.execute_resp_into(db, proto, bytes, &mut out);
        out
    }

    /// Runs a RESP-encoded command and appends its reply to `out`.
    pub fn execute_resp_into(
        &mut self,
        db: usize,
        proto: Protocol,
        bytes: &[u8],
        out: &mut Vec<u8>,
    ) {
        let mut spans = std::mem::take(&mut self.internal_spans);
        if parse_internal_into(bytes, &mut spans) {
            self.execute(db, proto, &Args::new(bytes, &spans), out);
        } else {
            Reply::new(out, proto).error("ERR malformed internal command");
        }
        self.internal_spans = spans;
    }

    /// Hands a reply to whoever waits for `token` on this shard: a task, or a connection's slot.
    pub fn deliver(&mut self, token: u64, bytes: &[u8]) {
        if token & TASK_TOKEN != 0 {
            if let Some(tx) = self.waiting.remove(&token) {
                tx.send(bytes.to_vec());
            }
            return;
        }
        let idx = (token & 0xF_FFFF) as usize;
        let generation = ((token >> 20) & 0xFFF) as u32;
        let seq = ((token >> 32) & 0x7FFF_FFFF) as u32;
        if let Some(Some(conn)) = self.conns.get_mut(idx) {
            if conn.generation & 0xFFF == generation && conn.fill_slot(seq, bytes) {
                self.to_send.push(idx as u32);
                self.notify.notify();
            }
        }
    }

    /// The token naming reply slot `seq` of connection `idx`.
    pub fn conn_token(&self, idx: usize, seq: u32) -> u64 {
        let generation = self.conns[idx].as_ref().map_or(0, |c| c.generation) as u64 & 0xFFF;
        // 31 bits of sequence: the top bit marks task tokens.
        (((seq & 0x7FFF_FFFF) as u64) << 32) | (generation << 20) | (idx as u64 & 0xF_FFFF)
    }

    /// The bytes of the messages waiting to leave for peers: they are on their way to another
    /// shard and count against neither's share of `maxmemory` (room reserved for more does).
    pub fn outbox_bytes(&self) -> usize {
        let queued = self.outbox.iter().map(Batch::filled_bytes).sum::<usize>();
        let stalled = self
            .stalled
            .iter()
            .flatten()
            .map(|(_, b)| b.heap_bytes())
            .sum::<usize>();
        queued + stalled
    }

    /// Every parked-by-pause connection gets another chance.
    pub fn resume_all(&mut self) {
        for (i, c) in self.conns.iter_mut().enumerate() {
            if let Some(c) = c {
                if c.paused {
                    c.paused = false;
                    self.resume.push(i as u32);
                }
            }
        }
        self.notify.notify();
    }

    /// Makes a node-wide change on this shard.
    pub fn apply_change(&mut self, change: crate::mesh::NodeChange) {
        match change {
            crate::mesh::NodeChange::Config(config) => self.adopt_config(*config),
            crate::mesh::NodeChange::Pause {
                until_ms,
                write_only,
            } => {
                self.pause = (until_ms, write_only);
                if until_ms == 0 {
                    self.resume_all();
                }
            }
            crate::mesh::NodeChange::ResetStats => self.reset_stats(),
        }
    }

    /// Zeroes the counters INFO reports (CONFIG RESETSTAT).
    pub fn reset_stats(&mut self) {
        self.stats = Stats::default();
        self.ks.hits = 0;
        self.ks.misses = 0;
        for db in &mut self.ks.dbs {
            db.expired_keys = 0;
        }
        self.ks.evicted_keys = 0;
    }

    /// Takes a new configuration from CONFIG SET.
    pub fn adopt_config(&mut self, config: Config) {
        self.limits.max_bulk_len = config.proto_max_bulk_len as usize;
        if let Some(aof) = self.aof.as_mut() {
            aof.fsync = config.appendfsync;
            if !config.appendonly {
                // Turned off: what was logged is written and synced, then the file is closed.
                aof.close_out();
                self.aof = None;
                self.node.aof_errors[self.id].store(0, Ordering::Release);
                for db in &mut self.ks.dbs {
                    db.log_expired = false;
                    db.expired_now.clear();
                }
            }
        }
        let policy = self.config.maxmemory_policy;
        self.config = config;
        crate::evict::adopt(self, policy);
    }

    /// Runs the active expiry cycle: removes expired keys a few segments at a time.
    pub fn expire_cycle(&mut self) {
        let now = now_ms();
        for db in &mut self.ks.dbs {
            // Like Redis's cycle: keep going while a large share of what was looked at expired.
            for _ in 0..16 {
                let removed = db.sweep_expired(now, 2000, |_| {});
                if removed < 200 {
                    break;
                }
            }
        }
        self.log_expired(None);
    }
}
