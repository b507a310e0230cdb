//! Command execution on one shard's table: GET (hit and miss), SET over existing keys, INCR and
//! MGET of 10 keys, on a keyspace preloaded with 100,000 keys (`key:%08d`, 32-byte values).
//!
//! This is the work a shard does for a command once its arguments are parsed and it has found
//! that it owns the key: look the command up, run its handler over the table, write the reply.
//! It is called exactly as the shard calls it (`lookup`, `Run::Shard`, a `Ctx` over the
//! keyspace), with arguments from a pool of pre-built requests on random keys so that the table
//! is probed all over, as under real load. The reply buffer is reused, so the numbers are the
//! command's own cost, not the output's allocation.

mod common;

use std::hint::black_box;
use std::ops::Range;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tessera_core::commands::{lookup, Ctx, Run, ShardFn};
use tessera_core::config::Config;
use tessera_core::keyspace::Keyspace;
use tessera_core::protocol::{Args, Protocol, Reply};

/// Keys preloaded as `key:%08d`.
const KEYS: u32 = 100_000;
/// Integer keys preloaded as `counter:%04d`, for INCR.
const COUNTERS: u32 = 1_000;
/// Pre-built requests per benchmark, cycled through (a power of two).
const POOL: usize = 8192;
/// The clock of every call, Unix milliseconds.
const NOW: u64 = 1_700_000_000_000;

/// One command's arguments laid out as the reader leaves them: bytes and spans into them.
struct Request {
    base: Vec<u8>,
    spans: Vec<Range<usize>>,
}

impl Request {
    fn new(argv: &[&[u8]]) -> Request {
        let mut base = Vec::new();
        let mut spans = Vec::with_capacity(argv.len());
        for a in argv {
            let start = base.len();
            base.extend_from_slice(a);
            spans.push(start..base.len());
        }
        Request { base, spans }
    }
}

/// A shard's table and configuration, with a reply buffer that is reused for every call.
struct Shard {
    ks: Keyspace,
    config: Config,
    out: Vec<u8>,
}

impl Shard {
    /// Runs `handler` on `req` and returns the reply's length. The reply buffer is cleared
    /// first, so after a call it holds exactly that call's reply.
    fn call(&mut self, handler: ShardFn, req: &Request) -> usize {
        self.out.clear();
        let mut reply = Reply::new(&mut self.out, Protocol::Resp2);
        let mut ctx = Ctx {
            ks: &mut self.ks,
            db: 0,
            now_ms: NOW,
            config: &self.config,
            rand: 0,
            shard: (0, 1),
        };
        handler(&mut ctx, &Args::new(&req.base, &req.spans), &mut reply);
        self.out.len()
    }

    /// Runs one command given as words, checking that it is a shard command with the right
    /// arity (setup and sanity checks only).
    fn run(&mut self, argv: &[&[u8]]) -> &[u8] {
        let req = Request::new(argv);
        let handler = handler(argv[0], argv.len());
        self.call(handler, &req);
        &self.out
    }
}

/// The shard handler of command `name`, checked for `argc` arguments.
fn handler(name: &[u8], argc: usize) -> ShardFn {
    let command = lookup(name).expect("a known command");
    assert!(
        command.arity_ok(argc),
        "{} with {argc} arguments",
        command.name
    );
    let Run::Shard(handler) = command.run else {
        panic!("{} is not a shard command", command.name)
    };
    handler
}

fn key(i: u32) -> Vec<u8> {
    format!("key:{i:08}").into_bytes()
}

/// A keyspace holding `key:00000000..key:00099999` with 32-byte values and `COUNTERS` integer
/// counters, filled through SET itself.
fn preloaded() -> Shard {
    let config = Config::default();
    let mut shard = Shard {
        ks: Keyspace::new(config.databases),
        config,
        out: Vec::with_capacity(4096),
    };
    shard.ks.set_clock(NOW);
    let value = [b'v'; 32];
    for i in 0..KEYS {
        assert_eq!(shard.run(&[b"SET", &key(i), &value]), b"+OK\r\n");
    }
    for i in 0..COUNTERS {
        let counter = format!("counter:{i:04}");
        assert_eq!(shard.run(&[b"SET", counter.as_bytes(), b"0"]), b"+OK\r\n");
    }
    shard
}

/// `POOL` requests made by `make` from random numbers.
fn pool(rng: &mut StdRng, mut make: impl FnMut(&mut StdRng) -> Request) -> Vec<Request> {
    (0..POOL).map(|_| make(rng)).collect()
}

/// Benchmarks `name` over `requests`, one request per iteration, cycling through the pool.
fn bench(
    group: &mut BenchmarkGroup<'_, WallTime>,
    shard: &mut Shard,
    name: &str,
    requests: &[Request],
) {
    let first = &requests[0];
    let handler = handler(&first.base[first.spans[0].clone()], first.spans.len());
    let mut i = 0;
    group.bench_function(name, |b| {
        b.iter(|| {
            let req = &requests[i];
            i = (i + 1) & (POOL - 1);
            black_box(shard.call(handler, black_box(req)))
        })
    });
}

fn commands(c: &mut Criterion) {
    let mut shard = preloaded();
    let mut rng = StdRng::seed_from_u64(42);
    let value = [b'w'; 32];

    let get_hit = pool(&mut rng, |r| {
        Request::new(&[b"GET", &key(r.gen_range(0..KEYS))])
    });
    let get_miss = pool(&mut rng, |r| {
        let missing = format!("missing:{:08}", r.gen_range(0..KEYS));
        Request::new(&[b"GET", missing.as_bytes()])
    });
    let set = pool(&mut rng, |r| {
        Request::new(&[b"SET", &key(r.gen_range(0..KEYS)), &value])
    });
    let incr = pool(&mut rng, |r| {
        let counter = format!("counter:{:04}", r.gen_range(0..COUNTERS));
        Request::new(&[b"INCR", counter.as_bytes()])
    });
    let mget = pool(&mut rng, |r| {
        let keys: Vec<Vec<u8>> = (0..10).map(|_| key(r.gen_range(0..KEYS))).collect();
        let mut argv: Vec<&[u8]> = vec![b"MGET"];
        argv.extend(keys.iter().map(|k| k.as_slice()));
        Request::new(&argv)
    });

    // The replies are what Redis answers: a 32-byte bulk, a null, OK, an integer, 10 bulks.
    let get = handler(b"GET", 2);
    shard.call(get, &get_hit[0]);
    assert!(shard.out.starts_with(b"$32\r\n"), "GET hit");
    shard.call(get, &get_miss[0]);
    assert_eq!(shard.out, b"$-1\r\n", "GET miss");
    shard.call(handler(b"MGET", 11), &mget[0]);
    assert!(shard.out.starts_with(b"*10\r\n$32\r\n"), "MGET");

    // One element is one command (MGET's ten keys included): throughput reads as commands/s.
    let mut group = c.benchmark_group("command");
    group.throughput(Throughput::Elements(1));
    bench(&mut group, &mut shard, "get_hit", &get_hit);
    bench(&mut group, &mut shard, "get_miss", &get_miss);
    bench(&mut group, &mut shard, "set_overwrite_32b", &set);
    bench(&mut group, &mut shard, "incr", &incr);
    bench(&mut group, &mut shard, "mget_10", &mget);
    group.finish();
    // The writes left what they should: 32-byte values, integer counters.
    assert_eq!(
        shard.run(&[b"GET", &key(0)]).len(),
        b"$32\r\n\r\n".len() + 32
    );
    assert!(shard.run(&[b"INCR", b"counter:0000"]).starts_with(b":"));
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = commands
}
criterion_main!(benches);
