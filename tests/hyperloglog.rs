//! The HyperLogLog commands of Redis 7.0 over the wire. The stored bytes are Redis's own: the
//! expected GET replies and counts below are what redis-server 7.0.15 answers to the same
//! PFADD sequences, so the same tests pass against it (`TESSERA_TEST_SERVER=redis`).

mod common;

use common::*;

/// FNV-1a over `bytes`: a short fingerprint of a dense HyperLogLog to compare with Redis's.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The bytes stored at `key`.
fn get_bytes(c: &mut redis::Connection, key: &str) -> Vec<u8> {
    redis::cmd("GET").arg(key).query(c).expect("GET")
}

/// Stores raw bytes at `key`.
fn set_bytes(c: &mut redis::Connection, key: &str, bytes: &[u8]) {
    let _: () = redis::cmd("SET").arg(key).arg(bytes).query(c).expect("SET");
}

/// PFADD of `prefix0`..`prefix{n-1}` in one call.
fn add_range(c: &mut redis::Connection, key: &str, prefix: &str, n: usize) -> i64 {
    let mut cmd = redis::cmd("PFADD");
    cmd.arg(key);
    for i in 0..n {
        cmd.arg(format!("{prefix}{i}"));
    }
    cmd.query(c).expect("PFADD")
}

#[test]
fn sparse_representation_is_byte_for_byte_redis() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(q::<i64>(&mut c, &["PFADD", "h", "a", "b", "c"]), 1);
    assert_eq!(
        get_bytes(&mut c, "h"),
        hex("48594c4c01000000000000000000008060f38050b1844bfb80425a")
    );
    assert_eq!(q::<i64>(&mut c, &["PFADD", "h", "a", "c"]), 0);
    assert_eq!(q::<i64>(&mut c, &["PFCOUNT", "h"]), 3);
    // The count is cached in the header.
    assert_eq!(
        get_bytes(&mut c, "h"),
        hex("48594c4c01000000030000000000000060f38050b1844bfb80425a")
    );
    assert_eq!(
        q::<String>(&mut c, &["PFDEBUG", "DECODE", "h"]),
        "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"
    );
    assert_eq!(q::<i64>(&mut c, &["PFADD", "empty"]), 1);
    assert_eq!(
        get_bytes(&mut c, "empty"),
        hex("48594c4c0100000000000000000000807fff")
    );
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "empty"]), "raw");
    assert_eq!(add_range(&mut c, "s", "e", 200), 1);
    let s = get_bytes(&mut c, "s");
    assert_eq!((s.len(), fnv(&s)), (513, 17390745028106376253));
    assert_eq!(q::<i64>(&mut c, &["PFCOUNT", "s"]), 200);
    assert_eq!(fnv(&get_bytes(&mut c, "s")), 14925504464021016533);
    assert_eq!(q::<String>(&mut c, &["PFDEBUG", "ENCODING", "s"]), "sparse");
}

#[test]
fn dense_representation_is_byte_for_byte_redis() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(add_range(&mut c, "d", "e", 5000), 1);
    let d = get_bytes(&mut c, "d");
    assert_eq!((d.len(), fnv(&d)), (12304, 0x8052_4675_3a1c_dada));
    assert_eq!(q::<i64>(&mut c, &["PFCOUNT", "d"]), 4968);
    assert_eq!(fnv(&get_bytes(&mut c, "d")), 0x9219_c5a2_921d_b657);
    assert_eq!(q::<String>(&mut c, &["PFDEBUG", "ENCODING", "d"]), "dense");
    assert_eq!(add_range(&mut c, "big", "x", 100_000), 1);
    assert_eq!(q::<i64>(&mut c, &["PFCOUNT", "big"]), 100_903);
    // What GET hands out, SET hands back: the copy counts the same.
    let big = get_bytes(&mut c, "big");
    set_bytes(&mut c, "copy", &big);
    assert_eq!(q::<i64>(&mut c, &["PFCOUNT", "copy"]), 100_903);
    assert_eq!(q::<i64>(&mut c, &["PFADD", "copy", "x1"]), 0);
}

#[test]
fn union_counts_and_merges_across_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (s0, s1) = key_pair("sparse");
    let (d0, d1) = key_pair("dense");
    add_range(&mut c, &s0, "e", 200);
    add_range(&mut c, &d1, "e", 5000);
    assert_eq!(q::<i64>(&mut c, &["PFADD", &s1, "a", "b", "c"]), 1);
    let before = (get_bytes(&mut c, &s0), get_bytes(&mut c, &d1));
    assert_eq!(q::<i64>(&mut c, &["PFCOUNT", &s0, &d1]), 4968);
    assert_eq!(q::<i64>(&mut c, &["PFCOUNT", &s0, &s1, "nokey"]), 203);
    // Counting a union changes none of the keys, not even their cached counts.
    assert_eq!((get_bytes(&mut c, &s0), get_bytes(&mut c, &d1)), before);
    // Sparse sources into a destination on the other shard.
    assert_ok(&mut c, &["PFMERGE", &d0, &s0, &s1]);
    assert_eq!(q::<String>(&mut c, &["PFDEBUG", "ENCODING", &d0]), "sparse");
    let m = get_bytes(&mut c, &d0);
    assert_eq!((m.len(), fnv(&m)), (519, 0xcf43_2ad3_7cbb_c3c7));
    // A dense source makes the destination dense.
    assert_eq!(q::<i64>(&mut c, &["DEL", &d0]), 1);
    assert_ok(&mut c, &["PFMERGE", &d0, &s0, &d1]);
    assert_eq!(fnv(&get_bytes(&mut c, &d0)), 0x8052_4675_3a1c_dada);
    assert_eq!(q::<i64>(&mut c, &["PFCOUNT", &d0]), 4968);
    // The destination is one of the sources too.
    assert_ok(&mut c, &["PFMERGE", &s1, &s0]);
    assert_eq!(q::<i64>(&mut c, &["PFCOUNT", &s1]), 203);
    assert_ok(&mut c, &["PFMERGE", "fresh"]);
    assert_eq!(q::<i64>(&mut c, &["PFCOUNT", "fresh"]), 0);
}

#[test]
fn hll_sparse_max_bytes_decides_when_to_turn_dense() {
    let server = Server::start(&[]);
    let mut c = server.client();
    add_range(&mut c, "a", "e", 300);
    assert_eq!(q::<String>(&mut c, &["PFDEBUG", "ENCODING", "a"]), "sparse");
    assert_ok(&mut c, &["CONFIG", "SET", "hll-sparse-max-bytes", "100"]);
    add_range(&mut c, "b", "e", 300);
    assert_eq!(q::<String>(&mut c, &["PFDEBUG", "ENCODING", "b"]), "dense");
    // Both count the same, and the dense one holds what the sparse one does.
    assert_eq!(
        q::<i64>(&mut c, &["PFCOUNT", "a"]),
        q::<i64>(&mut c, &["PFCOUNT", "b"])
    );
    assert_eq!(q::<i64>(&mut c, &["PFDEBUG", "TODENSE", "a"]), 1);
    assert_eq!(q::<i64>(&mut c, &["PFDEBUG", "TODENSE", "a"]), 0);
    assert_eq!(get_bytes(&mut c, "a"), get_bytes(&mut c, "b"));
}

#[test]
fn errors_as_redis() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let not_hll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
    assert_ok(&mut c, &["SET", "s", "not an hll"]);
    assert_ok(&mut c, &["SET", "n", "42"]);
    assert_eq!(q::<i64>(&mut c, &["PFADD", "ok", "x"]), 1);
    for key in ["s", "n"] {
        assert_eq!(err(&mut c, &["PFADD", key, "a"]), not_hll);
        assert_eq!(err(&mut c, &["PFCOUNT", key]), not_hll);
        assert_eq!(err(&mut c, &["PFCOUNT", "ok", key]), not_hll);
        assert_eq!(err(&mut c, &["PFMERGE", "ok", key]), not_hll);
        assert_eq!(err(&mut c, &["PFDEBUG", "GETREG", key]), not_hll);
    }
    assert_eq!(q::<String>(&mut c, &["GET", "s"]), "not an hll");
    // A sparse form whose runs stop one register short.
    let invalid = "INVALIDOBJ Corrupted HLL object detected";
    set_bytes(&mut c, "bad", &hex("48594c4c0100000000000000000000807ffe"));
    assert_eq!(err(&mut c, &["PFCOUNT", "bad"]), invalid);
    assert_eq!(err(&mut c, &["PFCOUNT", "bad", "ok"]), invalid);
    assert_eq!(err(&mut c, &["PFMERGE", "ok", "bad"]), invalid);
    assert_eq!(err(&mut c, &["PFDEBUG", "TODENSE", "bad"]), invalid);
    assert_eq!(
        err(&mut c, &["PFDEBUG", "ENCODING", "nokey"]),
        "ERR The specified key does not exist"
    );
    assert_eq!(
        err(&mut c, &["PFDEBUG", "SHOW", "ok"]),
        "ERR Unknown PFDEBUG subcommand 'SHOW'"
    );
    assert_eq!(
        err(&mut c, &["PFDEBUG", "DECODE", "ok", "extra"]),
        "ERR wrong number of arguments for 'pfdebug' command"
    );
    assert_eq!(
        err(&mut c, &["PFADD"]),
        "ERR wrong number of arguments for 'pfadd' command"
    );
    assert_eq!(q::<i64>(&mut c, &["PFDEBUG", "TODENSE", "ok"]), 1);
    assert_eq!(
        err(&mut c, &["PFDEBUG", "DECODE", "ok"]),
        "ERR HLL encoding is not sparse"
    );
}

#[test]
fn only_real_changes_abort_a_watch() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    assert_eq!(c.cmd(&["PFADD", "h", "a", "b"]), Resp::Int(1));
    assert_eq!(c.cmd(&["PFCOUNT", "h"]), Resp::Int(2));
    // Adding what is there, or reading a cached count, changes nothing.
    assert_eq!(c.cmd(&["WATCH", "h"]), Resp::ok());
    assert_eq!(c.cmd(&["PFADD", "h", "a"]), Resp::Int(0));
    assert_eq!(c.cmd(&["PFCOUNT", "h"]), Resp::Int(2));
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["PFCOUNT", "h"]), Resp::Simple("QUEUED".into()));
    assert_eq!(c.cmd(&["EXEC"]), Resp::Array(Some(vec![Resp::Int(2)])));
    // A new element changes the key.
    assert_eq!(c.cmd(&["WATCH", "h"]), Resp::ok());
    assert_eq!(c.cmd(&["PFADD", "h", "c"]), Resp::Int(1));
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["PFCOUNT", "h"]), Resp::Simple("QUEUED".into()));
    assert_eq!(c.cmd(&["EXEC"]), Resp::Array(None));
    // So does counting after it: the count is written into the key.
    assert_eq!(c.cmd(&["PFADD", "h", "d"]), Resp::Int(1));
    assert_eq!(c.cmd(&["WATCH", "h"]), Resp::ok());
    assert_eq!(c.cmd(&["PFCOUNT", "h"]), Resp::Int(4));
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["PFCOUNT", "h"]), Resp::Simple("QUEUED".into()));
    assert_eq!(c.cmd(&["EXEC"]), Resp::Array(None));
}
