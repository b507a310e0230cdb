//! RESP in and out: how fast one shard turns received bytes into command arguments, and how fast
//! it encodes the replies it sends back.
//!
//! Every request a client sends goes through `parse_request` and every answer through `Reply`, on
//! the shard's single thread, so their cost per command bounds the throughput of a core. Parsing
//! is measured for a SET with a 32-byte value, a GET, a pipeline of 16 GETs (what
//! `redis-benchmark -P 16` sends) and an inline command; encoding for the reply shapes the common
//! commands produce, in RESP2 and RESP3.

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use tessera_core::protocol::{parse_request, Parsed, Protocol, ReaderLimits, Reply};

/// Encodes `argv` as a multibulk request, as every client library does.
fn multibulk(argv: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", argv.len()).into_bytes();
    for a in argv {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Parses every request in `input` and returns how many there were; panics on anything but
/// whole commands (the inputs here are always complete and valid).
fn parse_all(
    input: &[u8],
    spans: &mut Vec<std::ops::Range<usize>>,
    scratch: &mut Vec<u8>,
    limits: &ReaderLimits,
) -> usize {
    let mut at = 0;
    let mut commands = 0;
    while at < input.len() {
        match parse_request(&input[at..], spans, scratch, limits) {
            Ok(Parsed::Command { consumed, .. }) => {
                black_box(&spans[..]);
                at += consumed;
                commands += 1;
            }
            other => panic!("unexpected parse result {other:?}"),
        }
    }
    commands
}

fn parse(c: &mut Criterion) {
    let value = [b'x'; 32];
    let set = multibulk(&[b"SET", b"key:00000042", &value]);
    let get = multibulk(&[b"GET", b"key:00000042"]);
    let pipeline: Vec<u8> = (0..16)
        .flat_map(|i| multibulk(&[b"GET", format!("key:{i:08}").as_bytes()]))
        .collect();
    let inline = b"SET key:00000042 \"hello world\"\r\n".to_vec();

    let limits = ReaderLimits::default();
    let mut spans = Vec::with_capacity(16);
    let mut scratch = Vec::with_capacity(256);
    let mut group = c.benchmark_group("parse");
    for (name, input) in [("set_32b", &set), ("get", &get), ("inline_set", &inline)] {
        assert_eq!(parse_all(input, &mut spans, &mut scratch, &limits), 1);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| parse_all(black_box(input), &mut spans, &mut scratch, &limits))
        });
    }
    assert_eq!(parse_all(&pipeline, &mut spans, &mut scratch, &limits), 16);
    // Elements here are commands: the throughput line reads as commands parsed per second.
    group.throughput(Throughput::Elements(16));
    group.bench_function("pipeline_16_get", |b| {
        b.iter(|| parse_all(black_box(&pipeline), &mut spans, &mut scratch, &limits))
    });
    group.finish();
}

/// One reply shape: its name and how to write it.
type Encoder = (&'static str, fn(&mut Reply<'_>));

fn encode(c: &mut Criterion) {
    const VALUE: &[u8; 32] = b"0123456789abcdef0123456789abcdef";
    let shapes: [Encoder; 5] = [
        ("ok", |r| r.ok()),
        ("bulk_32b", |r| r.bulk(black_box(VALUE))),
        ("int", |r| r.int(black_box(1_234_567))),
        ("array_10_bulks", |r| {
            r.array(10);
            for _ in 0..10 {
                r.bulk(black_box(VALUE));
            }
        }),
        ("double", |r| r.double(black_box(1.234_567_890_123_456_7))),
    ];
    let mut out = Vec::with_capacity(4096);
    let mut group = c.benchmark_group("reply");
    for proto in [Protocol::Resp2, Protocol::Resp3] {
        let dialect = match proto {
            Protocol::Resp2 => "resp2",
            Protocol::Resp3 => "resp3",
        };
        for (name, write) in shapes {
            out.clear();
            write(&mut Reply::new(&mut out, proto));
            group.throughput(Throughput::Bytes(out.len() as u64));
            group.bench_function(BenchmarkId::new(name, dialect), |b| {
                b.iter(|| {
                    out.clear();
                    write(&mut Reply::new(&mut out, proto));
                    black_box(out.len())
                })
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = parse, encode
}
criterion_main!(benches);
