//! The hash commands of Redis 7.0: every command, option and error, the two encodings and the
//! writes that cross their thresholds, RESP3 reply shapes, DUMP/RESTORE in both directions, and
//! HSCAN's guarantee, with keys on both shards.

mod common;

use common::*;
use redis::Value;
use std::collections::{HashMap, HashSet};

fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

fn encoding(c: &mut redis::Connection, key: &str) -> String {
    q(c, &["OBJECT", "ENCODING", key])
}

/// HGETALL as a map (order ignored).
fn hgetall(c: &mut redis::Connection, key: &str) -> HashMap<String, String> {
    q(c, &["HGETALL", key])
}

/// Sets `n` fields `f0..` to `v0..` in one HSET.
fn fill(c: &mut redis::Connection, key: &str, n: usize) {
    let mut cmd = redis::cmd("HSET");
    cmd.arg(key);
    for i in 0..n {
        cmd.arg(format!("f{i}")).arg(format!("v{i}"));
    }
    let _: i64 = cmd.query(c).unwrap();
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

#[test]
fn set_get_and_delete_on_both_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (k0, k1) = key_pair("h");
    for k in [k0.as_str(), k1.as_str()] {
        assert_eq!(q::<i64>(&mut c, &["HSET", k, "a", "1", "b", "2"]), 2);
        assert_eq!(q::<i64>(&mut c, &["HSET", k, "a", "10", "c", "3"]), 1);
        assert_eq!(v(&mut c, &["HMSET", k, "d", "4", "e", ""]), Value::Okay);
        assert_eq!(q::<String>(&mut c, &["HGET", k, "a"]), "10");
        assert_eq!(v(&mut c, &["HGET", k, "zz"]), Value::Nil);
        assert_eq!(v(&mut c, &["HGET", k, "e"]), bulk(""));
        assert_eq!(q::<i64>(&mut c, &["HSETNX", k, "a", "x"]), 0);
        assert_eq!(q::<i64>(&mut c, &["HSETNX", k, "f", "6"]), 1);
        assert_eq!(
            v(&mut c, &["HMGET", k, "a", "zz", "f"]),
            Value::Array(vec![bulk("10"), Value::Nil, bulk("6")])
        );
        assert_eq!(q::<i64>(&mut c, &["HLEN", k]), 6);
        assert_eq!(q::<i64>(&mut c, &["HEXISTS", k, "a"]), 1);
        assert_eq!(q::<i64>(&mut c, &["HEXISTS", k, "zz"]), 0);
        assert_eq!(q::<i64>(&mut c, &["HSTRLEN", k, "a"]), 2);
        assert_eq!(q::<i64>(&mut c, &["HSTRLEN", k, "zz"]), 0);
        // A listpack answers in insertion order.
        assert_eq!(
            q::<Vec<String>>(&mut c, &["HKEYS", k]),
            ["a", "b", "c", "d", "e", "f"]
        );
        assert_eq!(
            q::<Vec<String>>(&mut c, &["HVALS", k]),
            ["10", "2", "3", "4", "", "6"]
        );
        assert_eq!(
            q::<Vec<String>>(&mut c, &["HGETALL", k]),
            ["a", "10", "b", "2", "c", "3", "d", "4", "e", "", "f", "6"]
        );
        assert_eq!(q::<String>(&mut c, &["TYPE", k]), "hash");
        assert_eq!(q::<i64>(&mut c, &["HDEL", k, "a", "zz", "a"]), 1);
        assert_eq!(q::<i64>(&mut c, &["HDEL", k, "zz"]), 0);
        assert_eq!(q::<i64>(&mut c, &["HDEL", k, "b", "c", "d", "e", "f"]), 5);
        assert_eq!(
            q::<i64>(&mut c, &["EXISTS", k]),
            0,
            "the last field takes the key"
        );
    }
    // Absent keys.
    assert_eq!(v(&mut c, &["HGET", "nokey", "a"]), Value::Nil);
    assert_eq!(
        v(&mut c, &["HMGET", "nokey", "a", "b"]),
        Value::Array(vec![Value::Nil, Value::Nil])
    );
    for cmd in ["HGETALL", "HKEYS", "HVALS"] {
        assert_eq!(v(&mut c, &[cmd, "nokey"]), Value::Array(vec![]), "{cmd}");
    }
    assert_eq!(q::<i64>(&mut c, &["HLEN", "nokey"]), 0);
    assert_eq!(q::<i64>(&mut c, &["HEXISTS", "nokey", "a"]), 0);
    assert_eq!(q::<i64>(&mut c, &["HSTRLEN", "nokey", "a"]), 0);
    assert_eq!(q::<i64>(&mut c, &["HDEL", "nokey", "a"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "nokey"]), 0);
    // Binary fields and values are kept byte for byte, integers as typed.
    let binary: Vec<u8> = (0..=255u8).collect();
    let _: i64 = redis::cmd("HSET")
        .arg("bin")
        .arg(&binary[..])
        .arg(&binary[..])
        .query(&mut c)
        .unwrap();
    let back: Vec<u8> = redis::cmd("HGET")
        .arg("bin")
        .arg(&binary[..])
        .query(&mut c)
        .unwrap();
    assert_eq!(back, binary);
    q::<i64>(
        &mut c,
        &[
            "HSET",
            "n",
            "a",
            "-0",
            "b",
            "007",
            "c",
            "-9223372036854775808",
            "d",
            "12",
        ],
    );
    assert_eq!(
        q::<Vec<String>>(&mut c, &["HVALS", "n"]),
        ["-0", "007", "-9223372036854775808", "12"]
    );
    assert_eq!(q::<i64>(&mut c, &["HSTRLEN", "n", "c"]), 20);
}

#[test]
fn arity_and_type_errors() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_ok(&mut c, &["SET", "s", "x"]);
    q::<i64>(&mut c, &["HSET", "h", "a", "1"]);
    for args in [
        &["HSET", "h"][..],
        &["HSET", "h", "a"],
        &["HSET", "h", "a", "1", "b"],
        &["HMSET", "h", "a"],
        &["HMSET", "h", "a", "1", "b"],
        &["HSETNX", "h", "a"],
        &["HGET", "h"],
        &["HMGET", "h"],
        &["HGETALL"],
        &["HGETALL", "h", "x"],
        &["HDEL", "h"],
        &["HEXISTS", "h"],
        &["HLEN", "h", "x"],
        &["HSTRLEN", "h"],
        &["HKEYS"],
        &["HVALS", "h", "x"],
        &["HINCRBY", "h", "a"],
        &["HINCRBYFLOAT", "h", "a"],
        &["HRANDFIELD"],
        &["HSCAN", "h"],
    ] {
        let name = args[0].to_ascii_lowercase();
        assert_eq!(
            err(&mut c, args),
            format!("ERR wrong number of arguments for '{name}' command"),
            "{args:?}"
        );
    }
    for args in [
        &["HSET", "s", "a", "1"][..],
        &["HMSET", "s", "a", "1"],
        &["HSETNX", "s", "a", "1"],
        &["HGET", "s", "a"],
        &["HMGET", "s", "a"],
        &["HGETALL", "s"],
        &["HDEL", "s", "a"],
        &["HEXISTS", "s", "a"],
        &["HLEN", "s"],
        &["HSTRLEN", "s", "a"],
        &["HKEYS", "s"],
        &["HVALS", "s"],
        &["HINCRBY", "s", "a", "1"],
        &["HINCRBYFLOAT", "s", "a", "1"],
        &["HRANDFIELD", "s"],
        &["HRANDFIELD", "s", "0"],
        &["HSCAN", "s", "0"],
    ] {
        assert_eq!(err(&mut c, args), WRONGTYPE, "{args:?}");
    }
    // And the other way round.
    assert_eq!(err(&mut c, &["GET", "h"]), WRONGTYPE);
    assert_eq!(err(&mut c, &["INCR", "h"]), WRONGTYPE);
    assert_eq!(err(&mut c, &["APPEND", "h", "x"]), WRONGTYPE);
    assert_eq!(q::<String>(&mut c, &["GET", "s"]), "x");
}

#[test]
fn hincrby_and_hincrbyfloat() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (k0, k1) = key_pair("incr");
    for k in [k0.as_str(), k1.as_str()] {
        assert_eq!(q::<i64>(&mut c, &["HINCRBY", k, "n", "5"]), 5);
        assert_eq!(q::<i64>(&mut c, &["HINCRBY", k, "n", "-7"]), -2);
        assert_eq!(q::<String>(&mut c, &["HINCRBYFLOAT", k, "f", "1.5"]), "1.5");
        assert_eq!(q::<String>(&mut c, &["HINCRBYFLOAT", k, "f", "0.1"]), "1.6");
        assert_eq!(q::<String>(&mut c, &["HINCRBYFLOAT", k, "f", "-1.6"]), "0");
        assert_eq!(q::<String>(&mut c, &["HINCRBYFLOAT", k, "n", "2"]), "0");
        assert_eq!(
            q::<String>(&mut c, &["HINCRBYFLOAT", k, "n", "1e3"]),
            "1000"
        );
        assert_eq!(
            q::<String>(&mut c, &["HINCRBYFLOAT", k, "g", "5.0e-1"]),
            "0.5"
        );
        assert_eq!(q::<String>(&mut c, &["HGET", k, "f"]), "0");
        assert_eq!(q::<i64>(&mut c, &["HINCRBY", k, "n", "1"]), 1001);
    }
    q::<i64>(
        &mut c,
        &[
            "HSET",
            "h",
            "str",
            "abc",
            "max",
            "9223372036854775807",
            "min",
            "-9223372036854775808",
            "lz",
            "007",
            "sp",
            " 1",
            "fl",
            "1.5",
            "inf",
            "inf",
        ],
    );
    let not_int = "ERR value is not an integer or out of range";
    let not_float = "ERR value is not a valid float";
    for (args, want) in [
        (&["HINCRBY", "h", "n", "x"][..], not_int),
        (&["HINCRBY", "h", "n", "1.5"], not_int),
        (&["HINCRBY", "h", "n", ""], not_int),
        (&["HINCRBY", "h", "n", "9223372036854775808"], not_int),
        (
            &["HINCRBY", "h", "str", "1"],
            "ERR hash value is not an integer",
        ),
        (
            &["HINCRBY", "h", "lz", "1"],
            "ERR hash value is not an integer",
        ),
        (
            &["HINCRBY", "h", "sp", "1"],
            "ERR hash value is not an integer",
        ),
        (
            &["HINCRBY", "h", "fl", "1"],
            "ERR hash value is not an integer",
        ),
        (
            &["HINCRBY", "h", "max", "1"],
            "ERR increment or decrement would overflow",
        ),
        (
            &["HINCRBY", "h", "min", "-1"],
            "ERR increment or decrement would overflow",
        ),
        (&["HINCRBYFLOAT", "h", "n", "abc"], not_float),
        (&["HINCRBYFLOAT", "h", "n", ""], not_float),
        (&["HINCRBYFLOAT", "h", "n", "nan"], not_float),
        (
            &["HINCRBYFLOAT", "h", "n", "inf"],
            "ERR value is NaN or Infinity",
        ),
        (
            &["HINCRBYFLOAT", "h", "n", "-inf"],
            "ERR value is NaN or Infinity",
        ),
        (
            &["HINCRBYFLOAT", "h", "str", "1"],
            "ERR hash value is not a float",
        ),
        (
            &["HINCRBYFLOAT", "h", "sp", "1"],
            "ERR hash value is not a float",
        ),
        (
            &["HINCRBYFLOAT", "h", "inf", "1"],
            "ERR increment would produce NaN or Infinity",
        ),
        // The increment is read before the key: no WRONGTYPE for a bad increment.
        (&["HINCRBY", "nokey", "n", "x"], not_int),
        (
            &["HINCRBYFLOAT", "nokey", "n", "inf"],
            "ERR value is NaN or Infinity",
        ),
    ] {
        assert_eq!(err(&mut c, args), want, "{args:?}");
    }
    assert_eq!(
        q::<i64>(&mut c, &["EXISTS", "nokey"]),
        0,
        "failed calls create nothing"
    );
    assert_eq!(q::<i64>(&mut c, &["HEXISTS", "h", "n"]), 0);
    assert_eq!(
        q::<i64>(&mut c, &["HINCRBY", "h", "max", "-1"]),
        i64::MAX - 1
    );
    assert_eq!(
        q::<i64>(&mut c, &["HINCRBY", "h", "min", "1"]),
        i64::MIN + 1
    );
    assert_eq!(
        q::<i64>(&mut c, &["HINCRBY", "h", "max", "0"]),
        i64::MAX - 1
    );
    // Integers add exactly, past 2^53 too.
    assert_eq!(
        q::<String>(&mut c, &["HINCRBYFLOAT", "h", "max", "1"]),
        "9223372036854775807"
    );
    assert_eq!(
        q::<String>(&mut c, &["HINCRBYFLOAT", "h", "max", "1"]),
        "9223372036854775808"
    );
    assert_eq!(
        err(&mut c, &["HINCRBY", "h", "max", "1"]),
        "ERR hash value is not an integer"
    );
    assert_eq!(
        q::<String>(&mut c, &["HINCRBYFLOAT", "h", "fl", "-0.5"]),
        "1"
    );
    assert_eq!(q::<i64>(&mut c, &["HINCRBY", "h", "fl", "1"]), 2);
    // The TTL of the key is kept.
    assert_ok(&mut c, &["SET", "tmp", "x"]);
    q::<i64>(&mut c, &["EXPIRE", "h", "100"]);
    q::<i64>(&mut c, &["HINCRBY", "h", "fl", "1"]);
    q::<String>(&mut c, &["HINCRBYFLOAT", "h", "fl", "1"]);
    q::<i64>(&mut c, &["HSET", "h", "x", "1"]);
    q::<i64>(&mut c, &["HDEL", "h", "x"]);
    assert!(q::<i64>(&mut c, &["TTL", "h"]) > 90);
}

#[test]
fn encodings_change_at_the_thresholds() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (k0, k1) = key_pair("enc");
    for k in [k0.as_str(), k1.as_str()] {
        // 512 fields (hash-max-listpack-entries) stay packed; the 513th converts.
        fill(&mut c, k, 512);
        assert_eq!(encoding(&mut c, k), "listpack");
        q::<i64>(&mut c, &["HSET", k, "f0", "changed"]);
        assert_eq!(encoding(&mut c, k), "listpack");
        q::<i64>(&mut c, &["HSET", k, "f512", "v512"]);
        assert_eq!(encoding(&mut c, k), "hashtable");
        assert_eq!(q::<i64>(&mut c, &["HLEN", k]), 513);
        // Never back, even when small.
        let mut del = redis::cmd("HDEL");
        del.arg(k);
        for i in 1..513 {
            del.arg(format!("f{i}"));
        }
        assert_eq!(del.query::<i64>(&mut c).unwrap(), 512);
        assert_eq!(encoding(&mut c, k), "hashtable");
        assert_eq!(
            hgetall(&mut c, k),
            HashMap::from([("f0".into(), "changed".into())])
        );
    }
    // One HSET of more than 512 pairs.
    fill(&mut c, "many", 600);
    assert_eq!(encoding(&mut c, "many"), "hashtable");
    assert_eq!(q::<i64>(&mut c, &["HLEN", "many"]), 600);

    // Values and fields of 64 bytes (hash-max-listpack-value) fit; 65 do not.
    let (b64, b65) = ("x".repeat(64), "x".repeat(65));
    for (args, want) in [
        (vec!["HSET", "v64", "f", b64.as_str()], "listpack"),
        (vec!["HSET", "v65", "f", b65.as_str()], "hashtable"),
        (vec!["HSET", "f64", b64.as_str(), "v"], "listpack"),
        (vec!["HSET", "f65", b65.as_str(), "v"], "hashtable"),
        (vec!["HSETNX", "nx65", "f", b65.as_str()], "hashtable"),
        (vec!["HINCRBY", "incr65", b65.as_str(), "1"], "hashtable"),
        (vec!["HINCRBY", "incr64", b64.as_str(), "1"], "listpack"),
        (
            vec!["HINCRBYFLOAT", "fl65", b65.as_str(), "1.5"],
            "hashtable",
        ),
    ] {
        let key = args[1];
        let _: Value = q(&mut c, &args);
        assert_eq!(encoding(&mut c, key), want, "{key}");
    }
    // A long value on an existing packed hash converts it, and it stays converted.
    q::<i64>(&mut c, &["HSET", "grow", "a", "1"]);
    q::<i64>(&mut c, &["HSET", "grow", "b", &b65]);
    assert_eq!(encoding(&mut c, "grow"), "hashtable");
    q::<i64>(&mut c, &["HDEL", "grow", "b"]);
    assert_eq!(encoding(&mut c, "grow"), "hashtable");
    // HSETNX on an existing field stores nothing, so converts nothing.
    q::<i64>(&mut c, &["HSET", "keep", "a", "1"]);
    assert_eq!(q::<i64>(&mut c, &["HSETNX", "keep", "a", &b65]), 0);
    assert_eq!(encoding(&mut c, "keep"), "listpack");
    // A float result longer than the limit.
    q::<i64>(&mut c, &["HSET", "flbig", "x", "1"]);
    q::<String>(&mut c, &["HINCRBYFLOAT", "flbig", "x", "1e70"]);
    assert_eq!(encoding(&mut c, "flbig"), "hashtable");

    // The thresholds are live configuration.
    assert_ok(&mut c, &["CONFIG", "SET", "hash-max-listpack-entries", "2"]);
    assert_ok(&mut c, &["CONFIG", "SET", "hash-max-listpack-value", "3"]);
    q::<i64>(&mut c, &["HSET", "cfg", "a", "1", "b", "2"]);
    assert_eq!(encoding(&mut c, "cfg"), "listpack");
    q::<i64>(&mut c, &["HSET", "cfg", "c", "3"]);
    assert_eq!(encoding(&mut c, "cfg"), "hashtable");
    q::<i64>(&mut c, &["HSET", "cfg2", "abc", "123"]);
    assert_eq!(encoding(&mut c, "cfg2"), "listpack");
    q::<i64>(&mut c, &["HSET", "cfg2", "abcd", "1"]);
    assert_eq!(encoding(&mut c, "cfg2"), "hashtable");
    assert_ok(&mut c, &["CONFIG", "SET", "hash-max-listpack-entries", "0"]);
    q::<i64>(&mut c, &["HSET", "zero", "a", "1"]);
    assert_eq!(encoding(&mut c, "zero"), "hashtable");
    // The old names are aliases.
    assert_ok(
        &mut c,
        &["CONFIG", "SET", "hash-max-ziplist-entries", "128"],
    );
    assert_eq!(
        q::<Vec<String>>(&mut c, &["CONFIG", "GET", "hash-max-listpack-entries"]),
        ["hash-max-listpack-entries", "128"]
    );
}

/// Hex of a DUMP payload.
fn dump(c: &mut redis::Connection, key: &str) -> Vec<u8> {
    redis::cmd("DUMP").arg(key).query(c).unwrap()
}

fn restore(c: &mut redis::Connection, key: &str, payload: &[u8]) {
    let r: Value = redis::cmd("RESTORE")
        .arg(key)
        .arg(0)
        .arg(payload)
        .arg("REPLACE")
        .query(c)
        .unwrap();
    assert_eq!(r, Value::Okay);
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn dump_and_restore_both_ways() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (k0, k1) = key_pair("dump");
    // Redis 7.0.15's payload for `HSET h f1 v1 f2 123`: a listpack, byte for byte.
    let redis_small = unhex("10151500000004008266310382763103826632037b01ff0a004ac585b69f9c1e83");
    q::<i64>(&mut c, &["HSET", &k0, "f1", "v1", "f2", "123"]);
    assert_eq!(dump(&mut c, &k0), redis_small);
    restore(&mut c, &k1, &redis_small);
    assert_eq!(encoding(&mut c, &k1), "listpack");
    assert_eq!(
        q::<Vec<String>>(&mut c, &["HGETALL", &k1]),
        ["f1", "v1", "f2", "123"]
    );
    // Redis 7.0.15's payload of a table (`HSET ht field value` under
    // hash-max-listpack-entries 0): it fits the thresholds, so it comes back packed.
    let redis_table = unhex("0401056669656c640576616c75650a00b8c1f9a156f9aba9");
    restore(&mut c, &k0, &redis_table);
    assert_eq!(encoding(&mut c, &k0), "listpack");
    assert_eq!(q::<String>(&mut c, &["HGET", &k0, "field"]), "value");

    // A table written by us, read back under each set of thresholds.
    fill(&mut c, "big", 600);
    let big = dump(&mut c, "big");
    assert_eq!(big[0], 4, "RDB_TYPE_HASH");
    let want = hgetall(&mut c, "big");
    restore(&mut c, &k1, &big);
    assert_eq!(
        (encoding(&mut c, &k1), hgetall(&mut c, &k1)),
        ("hashtable".into(), want.clone())
    );
    assert_ok(
        &mut c,
        &["CONFIG", "SET", "hash-max-listpack-entries", "1000"],
    );
    restore(&mut c, &k1, &big);
    assert_eq!(
        (encoding(&mut c, &k1), hgetall(&mut c, &k1)),
        ("listpack".into(), want.clone())
    );
    // ... and a value too long for the listpack keeps it a table.
    assert_ok(&mut c, &["CONFIG", "SET", "hash-max-listpack-value", "2"]);
    restore(&mut c, &k1, &big);
    assert_eq!(encoding(&mut c, &k1), "hashtable");

    // A listpack read back converts only when it has too many entries (as Redis: its value
    // lengths are not looked at).
    assert_ok(
        &mut c,
        &["CONFIG", "SET", "hash-max-listpack-entries", "512"],
    );
    assert_ok(&mut c, &["CONFIG", "SET", "hash-max-listpack-value", "64"]);
    fill(&mut c, "small", 10);
    let small = dump(&mut c, "small");
    assert_eq!(small[0], 16, "RDB_TYPE_HASH_LISTPACK");
    assert_ok(&mut c, &["CONFIG", "SET", "hash-max-listpack-value", "1"]);
    restore(&mut c, &k0, &small);
    assert_eq!(encoding(&mut c, &k0), "listpack");
    assert_ok(&mut c, &["CONFIG", "SET", "hash-max-listpack-entries", "9"]);
    restore(&mut c, &k0, &small);
    assert_eq!(encoding(&mut c, &k0), "hashtable");
    assert_eq!(hgetall(&mut c, &k0), hgetall(&mut c, "small"));

    // Bad payloads.
    let mut bad = small.clone();
    let n = bad.len();
    bad[n - 1] ^= 1;
    assert_eq!(
        err(&mut c, &["RESTORE", "x", "0", "nope"]),
        "ERR DUMP payload version or checksum are wrong"
    );
    let r = redis::cmd("RESTORE")
        .arg("x")
        .arg(0)
        .arg(&bad[..])
        .query::<Value>(&mut c);
    assert!(r.is_err());
}

#[test]
fn rename_and_copy_across_shards_keep_the_hash() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (k0, k1) = key_pair("mv");
    fill(&mut c, &k0, 600);
    let want = hgetall(&mut c, &k0);
    assert_eq!(q::<i64>(&mut c, &["COPY", &k0, &k1]), 1);
    assert_eq!(hgetall(&mut c, &k1), want);
    assert_eq!(encoding(&mut c, &k1), "hashtable");
    assert_ok(&mut c, &["RENAME", &k0, "{mv}:moved"]);
    assert_eq!(hgetall(&mut c, "{mv}:moved"), want);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", &k0]), 0);
    q::<i64>(&mut c, &["HSET", &k0, "a", "1"]);
    assert_ok(&mut c, &["RENAME", &k0, &k1]);
    assert_eq!(q::<Vec<String>>(&mut c, &["HGETALL", &k1]), ["a", "1"]);
    assert_eq!(encoding(&mut c, &k1), "listpack");
}

#[test]
fn resp3_reply_shapes() {
    let server = Server::start(&[]);
    let mut r = server.raw_conn();
    r.cmd(&["HELLO", "3"]);
    assert_eq!(r.cmd(&["HSET", "h", "a", "1", "b", "2"]), Resp::Int(2));
    assert_eq!(
        r.cmd(&["HGETALL", "h"]),
        Resp::Map(vec![
            (Resp::bulk("a"), Resp::bulk("1")),
            (Resp::bulk("b"), Resp::bulk("2"))
        ])
    );
    assert_eq!(r.cmd(&["HGETALL", "nokey"]), Resp::Map(vec![]));
    assert_eq!(r.cmd(&["HKEYS", "h"]), Resp::bulks(&["a", "b"]));
    assert_eq!(r.cmd(&["HGET", "h", "zz"]), Resp::Null);
    assert_eq!(
        r.cmd(&["HMGET", "h", "a", "zz"]),
        Resp::Array(Some(vec![Resp::bulk("1"), Resp::Null]))
    );
    assert_eq!(r.cmd(&["HRANDFIELD", "nokey"]), Resp::Null);
    assert_eq!(
        r.cmd(&["HRANDFIELD", "nokey", "3"]),
        Resp::Array(Some(vec![]))
    );
    assert_eq!(
        r.cmd(&["HRANDFIELD", "h", "5", "WITHVALUES"]),
        Resp::Array(Some(vec![
            Resp::bulks(&["a", "1"]),
            Resp::bulks(&["b", "2"])
        ]))
    );
    let draws = r.cmd(&["HRANDFIELD", "h", "-5", "WITHVALUES"]).items();
    assert_eq!(draws.len(), 5);
    for pair in draws {
        let p = pair.items();
        assert_eq!(p.len(), 2);
        assert!(p == Resp::bulks(&["a", "1"]).items() || p == Resp::bulks(&["b", "2"]).items());
    }
    assert_eq!(
        r.cmd(&["HSCAN", "h", "0"]),
        Resp::Array(Some(vec![
            Resp::bulk("0"),
            Resp::bulks(&["a", "1", "b", "2"])
        ]))
    );
    assert_eq!(r.cmd(&["HINCRBYFLOAT", "h", "a", "0.5"]), Resp::bulk("1.5"));
    // RESP2: WITHVALUES is flat.
    let mut c = server.client();
    assert_eq!(
        q::<Vec<String>>(&mut c, &["HRANDFIELD", "h", "5", "WITHVALUES"]),
        ["a", "1.5", "b", "2"]
    );
}

#[test]
fn hrandfield_counts_and_errors() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (k0, k1) = key_pair("rand");
    fill(&mut c, &k0, 20);
    fill(&mut c, &k1, 1000);
    assert_eq!(encoding(&mut c, &k1), "hashtable");
    for k in [k0.as_str(), k1.as_str()] {
        let size = q::<usize>(&mut c, &["HLEN", k]);
        let one: String = q(&mut c, &["HRANDFIELD", k]);
        assert_eq!(q::<i64>(&mut c, &["HEXISTS", k, &one]), 1);
        for count in [1usize, 5, 19, 20, 300, 999, 1000, 5000] {
            let got: Vec<String> = q(&mut c, &["HRANDFIELD", k, &count.to_string()]);
            let distinct: HashSet<&String> = got.iter().collect();
            assert_eq!(got.len(), count.min(size), "{k} {count}");
            assert_eq!(distinct.len(), got.len(), "{k} {count}: distinct");
            let pairs: Vec<String> =
                q(&mut c, &["HRANDFIELD", k, &count.to_string(), "WITHVALUES"]);
            assert_eq!(pairs.len(), 2 * count.min(size));
            for p in pairs.chunks(2) {
                assert_eq!(p[0][1..], p[1][1..], "a field with its own value");
            }
        }
        // Negative: that many draws, with repeats; every field comes out sometimes.
        let draws: Vec<String> = q(&mut c, &["HRANDFIELD", k, "-20000"]);
        assert_eq!(draws.len(), 20000);
        let distinct: HashSet<&String> = draws.iter().collect();
        assert_eq!(distinct.len(), size.min(1000));
        let pairs: Vec<String> = q(&mut c, &["HRANDFIELD", k, "-7", "WITHVALUES"]);
        assert_eq!(pairs.len(), 14);
        assert_eq!(v(&mut c, &["HRANDFIELD", k, "0"]), Value::Array(vec![]));
        assert_eq!(
            v(&mut c, &["HRANDFIELD", k, "0", "WITHVALUES"]),
            Value::Array(vec![])
        );
    }
    assert_eq!(v(&mut c, &["HRANDFIELD", "nokey"]), Value::Nil);
    assert_eq!(
        v(&mut c, &["HRANDFIELD", "nokey", "5"]),
        Value::Array(vec![])
    );
    assert_eq!(
        v(&mut c, &["HRANDFIELD", "nokey", "-5", "WITHVALUES"]),
        Value::Array(vec![])
    );
    let not_int = "ERR value is not an integer or out of range";
    for (args, want) in [
        (&["HRANDFIELD", &k0, "1.5"][..], not_int),
        (&["HRANDFIELD", "nokey", "x"], not_int),
        (&["HRANDFIELD", &k0, "1", "withvalue"], "ERR syntax error"),
        (&["HRANDFIELD", &k0, "1", "WITHVALUES", "x"], "ERR syntax error"),
        (&["HRANDFIELD", "nokey", "1", "foo"], "ERR syntax error"),
        (
            &["HRANDFIELD", &k0, "-9223372036854775808"],
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ),
        (&["HRANDFIELD", &k0, "-9223372036854775807", "WITHVALUES"], "ERR value is out of range"),
        (&["HRANDFIELD", &k0, "4611686018427387904", "WITHVALUES"], "ERR value is out of range"),
    ] {
        assert_eq!(err(&mut c, args), want, "{args:?}");
    }
    if !is_redis() {
        // Redis would try to build a reply of 2^62 draws; Tessera refuses one that could not
        // fit in proto-max-bulk-len.
        assert_eq!(
            err(
                &mut c,
                &["HRANDFIELD", &k0, "-4611686018427387903", "WITHVALUES"]
            ),
            "ERR value is out of range"
        );
    }
}

/// Every field and value a full HSCAN returns, checking the cursor protocol; `between` runs
/// between calls.
fn hscan_all(
    c: &mut redis::Connection,
    key: &str,
    extra: &[&str],
    mut between: impl FnMut(&mut redis::Connection),
) -> (Vec<(String, String)>, usize) {
    let mut cursor = "0".to_string();
    let mut out = Vec::new();
    for calls in 1..100_000 {
        let mut args = vec!["HSCAN", key, cursor.as_str()];
        args.extend_from_slice(extra);
        let (next, items): (String, Vec<String>) = q(c, &args);
        assert_eq!(items.len() % 2, 0);
        out.extend(items.chunks(2).map(|p| (p[0].clone(), p[1].clone())));
        if next == "0" {
            return (out, calls);
        }
        cursor = next;
        between(c);
    }
    panic!("HSCAN did not finish");
}

#[test]
fn hscan_cursor_options_and_guarantee() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (k0, k1) = key_pair("scan");
    fill(&mut c, &k0, 100);
    fill(&mut c, &k1, 2000);
    // A listpack answers in one call, whatever COUNT says.
    let (all, calls) = hscan_all(&mut c, &k0, &["COUNT", "1"], |_| {});
    assert_eq!((all.len(), calls), (100, 1));
    assert_eq!(all[0], ("f0".to_string(), "v0".to_string()));
    let (m, _) = hscan_all(&mut c, &k0, &["MATCH", "f1?"], |_| {});
    assert_eq!(m.len(), 10);
    // A table takes several calls; MATCH filters on fields.
    let (all, calls) = hscan_all(&mut c, &k1, &[], |_| {});
    let fields: HashSet<String> = all.iter().map(|p| p.0.clone()).collect();
    assert_eq!(fields.len(), 2000);
    assert!(calls > 20, "{calls}");
    for (f, v) in &all {
        assert_eq!(f[1..], v[1..]);
    }
    let (m, _) = hscan_all(&mut c, &k1, &["MATCH", "f1*", "COUNT", "100"], |_| {});
    let m: HashSet<String> = m.into_iter().map(|p| p.0).collect();
    assert_eq!(m.len(), 1111);
    // Fields present for the whole scan come back at least once, while others come and go and
    // the table grows and shrinks.
    let mut round = 0;
    let (seen, _) = hscan_all(&mut c, &k1, &["COUNT", "20"], |c| {
        round += 1;
        let _: i64 = redis::cmd("HSET")
            .arg(&k1)
            .arg(format!("new{round}a"))
            .arg("x")
            .arg(format!("new{round}b"))
            .arg("y")
            .arg(format!("new{round}c"))
            .arg("z")
            .query(c)
            .unwrap();
        let _: i64 = redis::cmd("HDEL")
            .arg(&k1)
            .arg(format!("f{}", 1000 + round))
            .query(c)
            .unwrap();
    });
    let seen: HashSet<String> = seen.into_iter().map(|p| p.0).collect();
    for i in 0..1000 {
        assert!(seen.contains(&format!("f{i}")), "f{i}");
    }
    // Options and errors, in Redis's order: cursor, key, then options.
    assert_eq!(
        v(&mut c, &["HSCAN", "nokey", "0", "bogus"]),
        Value::Array(vec![bulk("0"), Value::Array(vec![])])
    );
    assert_eq!(
        err(&mut c, &["HSCAN", "nokey", "abc"]),
        "ERR invalid cursor"
    );
    assert_eq!(err(&mut c, &["HSCAN", &k0, "1.0"]), "ERR invalid cursor");
    assert_eq!(
        err(&mut c, &["HSCAN", &k0, "18446744073709551616"]),
        "ERR invalid cursor"
    );
    for args in [
        &["HSCAN", &k0, "0", "TYPE", "hash"][..],
        &["HSCAN", &k0, "0", "COUNT", "0"],
        &["HSCAN", &k0, "0", "COUNT"],
        &["HSCAN", &k0, "0", "MATCH"],
        &["HSCAN", &k0, "0", "bogus", "1"],
    ] {
        assert_eq!(err(&mut c, args), "ERR syntax error", "{args:?}");
    }
    assert_eq!(
        err(&mut c, &["HSCAN", &k0, "0", "COUNT", "x"]),
        "ERR value is not an integer or out of range"
    );
    // Cursors as strtoul reads them.
    let (next, items): (String, Vec<String>) = q(&mut c, &["HSCAN", &k0, "-1", "COUNT", "1"]);
    assert_eq!((next.as_str(), items.len()), ("0", 200));
}

#[test]
fn watch_sees_only_real_changes() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let mut other = server.client();
    q::<i64>(&mut c, &["HSET", "w", "a", "1"]);
    // Writes that change nothing do not abort the transaction.
    assert_ok(&mut c, &["WATCH", "w"]);
    assert_eq!(q::<i64>(&mut other, &["HSETNX", "w", "a", "2"]), 0);
    assert_eq!(q::<i64>(&mut other, &["HDEL", "w", "zz"]), 0);
    assert_ok(&mut c, &["MULTI"]);
    assert_eq!(
        v(&mut c, &["HGET", "w", "a"]),
        Value::SimpleString("QUEUED".into())
    );
    assert_eq!(v(&mut c, &["EXEC"]), Value::Array(vec![bulk("1")]));
    // A real change does.
    assert_ok(&mut c, &["WATCH", "w"]);
    assert_eq!(q::<i64>(&mut other, &["HINCRBY", "w", "a", "1"]), 2);
    assert_ok(&mut c, &["MULTI"]);
    assert_eq!(
        v(&mut c, &["HGET", "w", "a"]),
        Value::SimpleString("QUEUED".into())
    );
    assert_eq!(v(&mut c, &["EXEC"]), Value::Nil);
}
