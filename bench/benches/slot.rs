//! Hash slots: the cost of `key_slot`, CRC16/XMODEM of a key or of its `{hash tag}`.
//!
//! Every keyed command computes the slot of its key (or keys) to find the shard that owns it
//! before anything else happens, so this runs once per key on the connection's shard for every
//! request. Measured for short keys, keys with a hash tag (whose tag is found first) and a
//! 100-byte key.

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tessera_core::slot::key_slot;

fn slots(c: &mut Criterion) {
    let long: Vec<u8> = (0..100).map(|i| b'a' + (i % 26) as u8).collect();
    let keys: [(&str, &[u8]); 5] = [
        ("short_3b", b"foo"),
        ("short_12b", b"key:00000042"),
        ("tag_short", b"{user1000}.following"),
        ("tag_late_brace", b"session:2024-01-01:{user1000}"),
        ("long_100b", &long),
    ];
    let mut group = c.benchmark_group("key_slot");
    for (name, key) in keys {
        group.throughput(Throughput::Bytes(key.len() as u64));
        group.bench_function(name, |b| b.iter(|| key_slot(black_box(key))));
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = slots
}
criterion_main!(benches);
