//! Tessera's I/O layer: one pinned glommio executor per core, each with its own io_uring for
//! sockets, its shard of the keyspace, and channels to every other shard.
//!
//! `start` builds the node: listeners (SO_REUSEPORT, one per shard and address), executors
//! pinned to the CPUs the process may use, the mesh of channels between them, and in each one
//! the network loop, the message handlers and the timers.

#![warn(missing_docs)]

pub mod admin;
pub mod aof;
pub mod barrier;
pub mod blocking;
mod blocking_client;
mod calls;
pub mod ceiling;
pub mod client_cmd;
pub mod conn;
mod debug_cmd;
pub mod dispatch;
pub mod evict;
pub mod info;
pub mod local;
pub mod locks;
pub mod log;
pub mod memory;
pub mod mesh;
pub mod multi;
pub mod net;
pub mod persistence;
mod pipeline;
pub mod prefetch;
mod rewrite;
pub mod ring;
mod save;
pub mod server_cmds;
pub mod session;
pub mod shard;
mod shutdown;
pub mod signals;
mod sort_txn;
pub mod timers;
pub mod txn;
pub mod wakeup;
pub mod watch;

use std::cell::RefCell;
use std::os::fd::{IntoRawFd, RawFd};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use glommio::channels::shared_channel::{
    self, ConnectedReceiver, ConnectedSender, SharedReceiver, SharedSender,
};
use glommio::{LocalExecutorBuilder, Placement};
use tessera_core::config::Config;

use crate::mesh::Batch;
use crate::shard::{Node, Shard};

/// The CPUs this process may run on, in order (its affinity mask).
pub fn allowed_cpus() -> Vec<usize> {
    // SAFETY: sched_getaffinity fills the set we pass.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let ok =
        unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) }
            == 0;
    if !ok {
        return (0..std::thread::available_parallelism().map_or(1, |n| n.get())).collect();
    }
    (0..libc::CPU_SETSIZE as usize)
        .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
        .collect()
}

/// Creates the listening sockets: for each shard, one per bind address, all on the same port
/// (SO_REUSEPORT lets the kernel spread connections over the shards). Port 0 picks a free port
/// once and uses it for all. Returns the sockets per shard and the port.
pub fn listeners(config: &Config, shards: usize) -> std::io::Result<(Vec<Vec<RawFd>>, u16)> {
    use socket2::{Domain, Protocol, SockAddr, Socket, Type};
    let mut port = config.port;
    let mut per_shard = vec![Vec::new(); shards];
    for addr in &config.bind {
        let addr = addr.trim_start_matches('-');
        let ip: std::net::IpAddr = addr.parse().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("bad bind address {addr}"),
            )
        })?;
        if port != 0 {
            // SO_REUSEPORT would let a second server share the port unnoticed: probe first
            // without it, so a port in use fails as it does for Redis.
            let sa = std::net::SocketAddr::new(ip, port);
            let probe = Socket::new(Domain::for_address(sa), Type::STREAM, Some(Protocol::TCP))?;
            probe.set_reuse_address(true)?;
            if sa.is_ipv6() {
                probe.set_only_v6(true)?;
            }
            probe.bind(&SockAddr::from(sa)).map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("Could not create server TCP listening socket {addr}:{port}: {e}"),
                )
            })?;
        }
        for fds in per_shard.iter_mut() {
            let sa = std::net::SocketAddr::new(ip, port);
            let sock = Socket::new(Domain::for_address(sa), Type::STREAM, Some(Protocol::TCP))?;
            sock.set_reuse_address(true)?;
            sock.set_reuse_port(true)?;
            if sa.is_ipv6() {
                sock.set_only_v6(true)?;
            }
            sock.bind(&SockAddr::from(sa))?;
            sock.listen(511)?;
            if port == 0 {
                port = sock.local_addr()?.as_socket().map_or(0, |a| a.port());
            }
            fds.push(sock.into_raw_fd());
        }
    }
    Ok((per_shard, port))
}

/// This shard's ends of the channels to every peer, by peer index.
pub type Peers = Vec<Option<ConnectedSender<Batch>>>;

/// This shard's receiving ends, by peer index: read by a task that waits on each (for a shard
/// asleep) and polled by the network loop every turn (for a shard busy with its sockets, whose
/// executor would notice the task's wake-up only at its next preemption).
pub type Inboxes = Vec<Option<Rc<ConnectedReceiver<Batch>>>>;

/// Connects this shard's ends of its channels. Every connection waits for the other end's
/// shard, so all of them are made at once; a ticker keeps the reactor looking meanwhile, so a
/// peer's connection is noticed even if no wake-up announces it.
async fn connect_peers(
    outs: Vec<Option<SharedSender<Batch>>>,
    ins: Vec<Option<SharedReceiver<Batch>>>,
) -> (Peers, Vec<Option<ConnectedReceiver<Batch>>>) {
    let ticker = glommio::spawn_local(async {
        loop {
            glommio::timer::sleep(std::time::Duration::from_millis(5)).await;
        }
    });
    let outs: Vec<_> = outs
        .into_iter()
        .map(|o| o.map(|tx| glommio::spawn_local(tx.connect())))
        .collect();
    let ins: Vec<_> = ins
        .into_iter()
        .map(|i| i.map(|rx| glommio::spawn_local(rx.connect())))
        .collect();
    let mut senders = Vec::new();
    for o in outs {
        senders.push(match o {
            Some(task) => Some(task.await),
            None => None,
        });
    }
    let mut receivers = Vec::new();
    for i in ins {
        receivers.push(match i {
            Some(task) => Some(task.await),
            None => None,
        });
    }
    drop(ticker);
    (senders, receivers)
}

/// Runs the node until SHUTDOWN or a signal; returns when every shard has stopped. With a
/// `loader`, the node answers `-LOADING` until the keys it reads are in place, and stops with
/// its error when it fails.
pub fn start(
    config: Config,
    threads: usize,
    stop: Arc<AtomicBool>,
    loader: Option<persistence::Loader>,
) -> std::io::Result<()> {
    serve(config, threads, stop, None, loader)
}

/// Wakes every shard from any thread (each looks at the node's flags when it wakes).
fn wake_all(node: &Node) {
    for fd in node.wake_fds.iter() {
        let fd = fd.load(Ordering::Acquire);
        if fd >= 0 {
            let one: u64 = 1;
            // SAFETY: writing 8 bytes to an eventfd owned by a running shard.
            unsafe { libc::write(fd, &one as *const u64 as *const libc::c_void, 8) };
        }
    }
}

/// How many shards a node started with `threads` runs (0: one per CPU it may use).
pub fn shard_count(threads: usize) -> usize {
    if threads == 0 {
        allowed_cpus().len().max(1)
    } else {
        threads
    }
}

/// Runs the node, or with `fixed` the ceiling server (the same network path answering from
/// constants), until SHUTDOWN or a signal.
pub fn serve(
    config: Config,
    threads: usize,
    stop: Arc<AtomicBool>,
    fixed: Option<ceiling::FixedReplies>,
    loader: Option<persistence::Loader>,
) -> std::io::Result<()> {
    let cpus = allowed_cpus();
    let shards = shard_count(threads);
    let (listen, port) = listeners(&config, shards)?;
    let node = Arc::new(Node {
        shards,
        clients: AtomicUsize::new(0),
        next_client_id: AtomicU64::new(1),
        start_ms: shard::now_ms(),
        shutdown: AtomicBool::new(false),
        port,
        cpus: (0..shards).map(|i| cpus[i % cpus.len().max(1)]).collect(),
        executable: std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        ring_mode: std::sync::OnceLock::new(),
        wake_fds: (0..shards).map(|_| AtomicI32::new(-1)).collect(),
        ring_sleeping: (0..shards).map(|_| AtomicBool::new(false)).collect(),
        ready: AtomicUsize::new(0),
        full: (0..shards).map(|_| AtomicBool::new(false)).collect(),
        mem_slots: (0..shards).map(|_| AtomicUsize::new(usize::MAX)).collect(),
        loading: AtomicBool::new(loader.is_some()),
        loading_shards: AtomicUsize::new(shards),
        preload: std::sync::Mutex::new(Vec::new()),
        last_save_secs: AtomicU64::new(shard::now_ms() / 1000),
        saving: AtomicBool::new(false),
        terminate: AtomicBool::new(false),
        last_save_try_secs: AtomicU64::new(0),
        blocking_seen_ms: AtomicU64::new(0),
        save_started_ms: AtomicU64::new(0),
        last_save_duration_secs: std::sync::atomic::AtomicI64::new(-1),
        rdb_saves: AtomicU64::new(0),
        last_load: (AtomicU64::new(0), AtomicU64::new(0)),
        dirty: (0..shards).map(|_| AtomicU64::new(0)).collect(),
        aof_sizes: (0..shards).map(|_| AtomicU64::new(0)).collect(),
        aof_errors: (0..shards)
            .map(|_| std::sync::atomic::AtomicI32::new(0))
            .collect(),
        aof: Default::default(),
        last_save_ok: AtomicBool::new(true),
        save_scheduled: AtomicBool::new(false),
        fixed,
    });
    log::notice(&format!(
        "Tessera {} (Redis {} compatible) starting: port {port}, {shards} shard(s) on cpus {:?}, pid {}",
        tessera_core::VERSION,
        tessera_core::REDIS_VERSION,
        node.cpus,
        std::process::id()
    ));
    // One bounded channel for each ordered pair of shards, made here and handed out before the
    // executors start (glommio's own mesh handshake could hang start-up).
    let mut outs: Vec<Vec<Option<SharedSender<Batch>>>> = (0..shards)
        .map(|_| (0..shards).map(|_| None).collect())
        .collect();
    let mut ins: Vec<Vec<Option<SharedReceiver<Batch>>>> = (0..shards)
        .map(|_| (0..shards).map(|_| None).collect())
        .collect();
    for from in 0..shards {
        for to in 0..shards {
            if from != to {
                let (tx, rx) = shared_channel::new_bounded(4096);
                outs[from][to] = Some(tx);
                ins[to][from] = Some(rx);
            }
        }
    }
    let mut handles = Vec::new();
    for (id, ((fds, outs), ins)) in listen.into_iter().zip(outs).zip(ins).enumerate() {
        let node = node.clone();
        let config = config.clone();
        let cpu = node.cpus[id];
        let builder = LocalExecutorBuilder::new(Placement::Fixed(cpu))
            .name(&format!("shard-{id}"))
            .io_memory(1 << 20)
            // glommio looks at its own ring (the snapshot's file writes) only when its queue
            // runs dry or this timer fires; while a snapshot runs the queue never runs dry (the
            // network loop keeps turning), so the file's writes complete at this pace.
            .preempt_timer(std::time::Duration::from_millis(1));
        let handle = builder
            .spawn(move || async move {
                let (senders, receivers) = connect_peers(outs, ins).await;
                log::verbose(&format!("shard {id}: connected to its peers"));
                let senders = Rc::new(senders);
                let inboxes: Rc<Inboxes> =
                    Rc::new(receivers.into_iter().map(|r| r.map(Rc::new)).collect());
                let shard = Rc::new(RefCell::new(Shard::new(id, node, config)));
                shard::install(shard.clone());
                for (peer, rx) in inboxes.iter().enumerate() {
                    let Some(rx) = rx.clone() else { continue };
                    let senders = senders.clone();
                    glommio::spawn_local(async move {
                        while let Some(batch) = rx.recv().await {
                            let shard = shard::current();
                            let mut sh = shard.borrow_mut();
                            sh.handle_batch(peer, batch);
                            net::flush_outbox(&mut sh, &senders);
                        }
                    })
                    .detach();
                }
                glommio::spawn_local(timers::run()).detach();
                net::run(shard, fds, senders, inboxes).await;
            })
            .map_err(|e| std::io::Error::other(format!("cannot start shard {id}: {e}")))?;
        handles.push(handle);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while node.ready.load(Ordering::Acquire) < shards && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let started = node.ready.load(Ordering::Acquire) == shards;
    if !started {
        log::warn("Not every shard started within 10 seconds");
    }
    if let Some(loader) = loader {
        match loader(shards) {
            Ok(preload) => {
                node.last_load.0.store(preload.loaded, Ordering::Release);
                node.last_load.1.store(preload.expired, Ordering::Release);
                node.aof
                    .base_size
                    .store(preload.aof_base_size, Ordering::Release);
                if let Ok(mut slots) = node.preload.lock() {
                    *slots = preload.shards.into_iter().map(Some).collect();
                }
            }
            Err(e) => {
                log::warn(&format!("Fatal error loading the DB: {e}. Exiting."));
                node.shutdown.store(true, Ordering::Release);
                wake_all(&node);
                for h in handles {
                    let _ = h.join();
                }
                return Err(std::io::Error::other(e));
            }
        }
    }
    // As Redis: ready once the data is loaded (meanwhile clients are told LOADING).
    if started {
        log::notice("Ready to accept connections tcp");
    }
    // Signals: a watcher thread turns SIGTERM/SIGINT into a shutdown of every shard.
    {
        let node = node.clone();
        std::thread::spawn(move || loop {
            if stop.load(Ordering::Acquire) {
                // Shard 0 runs the shutdown (a final save first, when one is due).
                node.terminate.store(true, Ordering::Release);
                wake_all(&node);
                return;
            }
            if node.shutdown.load(Ordering::Acquire) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        });
    }
    for h in handles {
        let _ = h.join();
    }
    log::notice("Tessera is now ready to exit, bye bye...");
    Ok(())
}
