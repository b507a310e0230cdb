//! One cross-core round trip, the way Tessera moves a command to the shard that owns its key and
//! brings the reply back.
//!
//! Two glommio executors pinned to two CPUs stand for two shards, joined by a pair of bounded
//! `shared_channel`s made before the executors start and connected inside them, as `tessera-io`
//! does. Shard 0 sends a batch of calls (a GET each), shard 1 answers each with a reply, and
//! shard 0 waits for the answer before the next send: a ping-pong. Every command on a key
//! another shard owns pays this once, so it is the floor of a remote command's latency; the batch of 16 shows how much of it batching per peer per loop turn amortizes.
//!
//! The executors live for the whole bench: shard 0 takes its orders (how many round trips) from
//! the bench thread, runs them, and reports the time measured inside the executor. When only one
//! CPU is allowed both executors share it, and the bench says so.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use glommio::channels::shared_channel::{
    self, ConnectedReceiver, ConnectedSender, SharedReceiver, SharedSender,
};
use glommio::{ExecutorJoinHandle, LocalExecutorBuilder, Placement};
use tessera_core::protocol::{Args, Protocol};
use tessera_io::mesh::{Batch, Call, Item};

/// Channel capacity, in batches, as Tessera makes its mesh.
const CAPACITY: usize = 4096;
/// Round trips shard 0 makes before it starts the clock of each measurement.
const WARM_UP: usize = 64;

/// A request from the bench thread to shard 0: `iters` round trips of `batch` messages each.
struct Order {
    iters: u64,
    batch: usize,
}

/// Two pinned shards connected both ways, and shard 0's line to the bench thread.
struct Pair {
    orders: Option<mpsc::Sender<Order>>,
    results: mpsc::Receiver<Duration>,
    shards: Vec<ExecutorJoinHandle<()>>,
}

/// An executor configured as Tessera configures its shards.
fn shard_builder(cpu: usize, id: usize) -> LocalExecutorBuilder {
    LocalExecutorBuilder::new(Placement::Fixed(cpu))
        .name(&format!("bench-shard-{id}"))
        .io_memory(1 << 20)
        .preempt_timer(Duration::from_millis(10))
}

/// Connects one shard's ends, both at once (each waits for the other shard), with a ticker that
/// keeps the reactor looking meanwhile: `tessera_io`'s `connect_peers` for a single peer.
async fn connect(
    out: SharedSender<Batch>,
    inbox: SharedReceiver<Batch>,
) -> (ConnectedSender<Batch>, ConnectedReceiver<Batch>) {
    let ticker = glommio::spawn_local(async {
        loop {
            glommio::timer::sleep(Duration::from_millis(5)).await;
        }
    });
    let out = glommio::spawn_local(out.connect());
    let inbox = glommio::spawn_local(inbox.connect());
    let connected = (out.await, inbox.await);
    drop(ticker);
    connected
}

/// A batch of `batch` GETs, encoded as a shard encodes forwarded commands: the messages, and
/// their bytes in the batch's one buffer.
fn calls(batch: usize) -> Batch {
    let mut calls = Batch::default();
    let bytes = b"GETkey:00000042";
    let spans = [0..3, 3..15];
    for token in 0..batch as u64 {
        let call = Call {
            token,
            db: 0,
            proto: Protocol::Resp2,
            tx: None,
        };
        calls.push_call(call, &Args::new(bytes, &spans));
    }
    calls
}

/// How many replies a batch holds.
fn replies_in(batch: &Batch) -> usize {
    let (mut pos, mut spans, mut n) = (0, Vec::new(), 0);
    while let Some(item) = batch.next_item(&mut pos, &mut spans) {
        n += usize::from(matches!(item, Item::Reply { .. }));
    }
    n
}

/// Sends one batch of `batch` calls and waits for the batch of replies.
async fn round_trip(out: &ConnectedSender<Batch>, inbox: &ConnectedReceiver<Batch>, batch: usize) {
    if out.try_send(calls(batch)).is_err() {
        panic!("shard 1 is gone or its channel is full");
    }
    let replies = inbox.recv().await.expect("shard 1 answers");
    assert_eq!(replies_in(&replies), batch);
}

impl Pair {
    /// Starts shard 0 on `cpus[0]` and shard 1 on `cpus[1]`.
    fn start(cpus: [usize; 2]) -> Pair {
        let (to_1, from_0) = shared_channel::new_bounded::<Batch>(CAPACITY);
        let (to_0, from_1) = shared_channel::new_bounded::<Batch>(CAPACITY);
        let (orders, order_rx) = mpsc::channel::<Order>();
        let (result_tx, results) = mpsc::channel::<Duration>();

        // Shard 1 answers every call with a reply, as a shard answers a forwarded command,
        // until shard 0 hangs up.
        let responder = shard_builder(cpus[1], 1)
            .spawn(move || async move {
                let (out, inbox) = connect(to_0, from_0).await;
                while let Some(batch) = inbox.recv().await {
                    let mut replies = Batch::like(&batch);
                    let (mut pos, mut spans) = (0, Vec::new());
                    while let Some(item) = batch.next_item(&mut pos, &mut spans) {
                        let Item::Call(call) = item else {
                            panic!("shard 0 sends only calls")
                        };
                        replies.push_reply(call.token, b"+OK\r\n");
                    }
                    if out.try_send(replies).is_err() {
                        break;
                    }
                }
            })
            .expect("start shard 1");

        // Shard 0 runs the ping-pongs the bench thread orders, timing each inside the executor.
        // Between orders it looks for the next one every millisecond (outside any measurement).
        let caller = shard_builder(cpus[0], 0)
            .spawn(move || async move {
                let (out, inbox) = connect(to_1, from_1).await;
                loop {
                    let order = match order_rx.try_recv() {
                        Ok(order) => order,
                        Err(mpsc::TryRecvError::Empty) => {
                            glommio::timer::sleep(Duration::from_millis(1)).await;
                            continue;
                        }
                        Err(mpsc::TryRecvError::Disconnected) => break,
                    };
                    for _ in 0..WARM_UP {
                        round_trip(&out, &inbox, order.batch).await;
                    }
                    let start = Instant::now();
                    for _ in 0..order.iters {
                        round_trip(&out, &inbox, order.batch).await;
                    }
                    if result_tx.send(start.elapsed()).is_err() {
                        break;
                    }
                }
                // Dropping `out` here tells shard 1 to stop.
            })
            .expect("start shard 0");

        Pair {
            orders: Some(orders),
            results,
            shards: vec![caller, responder],
        }
    }

    /// Time shard 0 took for `iters` round trips of `batch` messages each.
    fn measure(&self, iters: u64, batch: usize) -> Duration {
        let orders = self.orders.as_ref().expect("shards running");
        orders
            .send(Order { iters, batch })
            .expect("shard 0 running");
        self.results.recv().expect("shard 0 reports")
    }

    /// Stops both shards and waits for their threads.
    fn stop(mut self) {
        self.orders = None;
        for shard in self.shards.drain(..) {
            shard.join().expect("shard stops cleanly");
        }
    }
}

fn crosscore(c: &mut Criterion) {
    let allowed = tessera_io::allowed_cpus();
    let (cpus, placement) = match allowed[..] {
        [a, b, ..] => ([a, b], "cross_cpu"),
        [a] => ([a, a], "same_cpu"),
        [] => ([0, 0], "same_cpu"),
    };
    if placement == "same_cpu" {
        println!(
            "crosscore: only one CPU allowed ({allowed:?}); both shards run on cpu {}, so these \
             numbers include thread switches, not a cross-core hop",
            cpus[0]
        );
    } else {
        println!(
            "crosscore: shard 0 on cpu {}, shard 1 on cpu {}",
            cpus[0], cpus[1]
        );
    }

    let pair = Pair::start(cpus);
    let mut group = c.benchmark_group("round_trip");
    for batch in [1usize, 16] {
        // One element is one message each way: throughput reads as messages per second.
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_function(BenchmarkId::new(placement, format!("batch_{batch}")), |b| {
            b.iter_custom(|iters| pair.measure(iters, batch))
        });
    }
    group.finish();
    pair.stop();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = crosscore
}
criterion_main!(benches);
