//! The generic key commands of Redis 7.0: deletion and existence, expiry and its options,
//! iteration (KEYS, SCAN, RANDOMKEY) over both shards, databases, OBJECT, DUMP/RESTORE with
//! Redis's own payloads, and RENAME/COPY within one shard and across two.

mod common;

use common::*;
use redis::Value;
use std::collections::HashSet;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Sets `keys`, each to its own name.
fn set_all(c: &mut redis::Connection, keys: &[String]) {
    let mut pipe = redis::pipe();
    for k in keys {
        pipe.cmd("SET").arg(k).arg(k).ignore();
    }
    let _: () = pipe.query(c).unwrap();
}

/// Every key a full SCAN returns, with the options in `extra`, checking the cursor protocol.
fn scan_all(c: &mut redis::Connection, extra: &[&str]) -> Vec<String> {
    let mut cursor = "0".to_string();
    let mut out = Vec::new();
    for _ in 0..100_000 {
        let mut args = vec!["SCAN", cursor.as_str()];
        args.extend_from_slice(extra);
        let (next, keys): (String, Vec<String>) = q(c, &args);
        out.extend(keys);
        if next == "0" {
            return out;
        }
        cursor = next;
    }
    panic!("SCAN did not finish");
}

#[test]
fn del_unlink_exists_touch_across_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let keys = alternating_keys("d", 6);
    set_all(&mut c, &keys);
    let k: Vec<&str> = keys.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        q::<i64>(&mut c, &["EXISTS", k[0], k[1], "missing", k[0]]),
        3,
        "a key named twice counts twice"
    );
    assert_eq!(q::<i64>(&mut c, &["TOUCH", k[0], k[1], "missing"]), 2);
    assert_eq!(q::<i64>(&mut c, &["DEL", k[0], k[1], "missing"]), 2);
    assert_eq!(q::<i64>(&mut c, &["DEL", k[0], k[1]]), 0);
    assert_eq!(q::<i64>(&mut c, &["UNLINK", k[2], k[3], k[2]]), 2);
    assert_eq!(
        q::<i64>(&mut c, &["EXISTS", k[0], k[1], k[2], k[3], k[4], k[5]]),
        2
    );
    assert_eq!(q::<i64>(&mut c, &["DEL", k[4]]), 1);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 1);
    for name in ["del", "unlink", "exists", "touch"] {
        assert_eq!(
            err(&mut c, &[name]),
            format!("ERR wrong number of arguments for '{name}' command")
        );
    }
}

#[test]
fn type_command() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_ok(&mut c, &["SET", "s", "v"]);
    assert_eq!(
        v(&mut c, &["TYPE", "s"]),
        Value::SimpleString("string".into())
    );
    assert_eq!(
        v(&mut c, &["TYPE", "missing"]),
        Value::SimpleString("none".into())
    );
    assert_eq!(
        err(&mut c, &["TYPE"]),
        "ERR wrong number of arguments for 'type' command"
    );
}

#[test]
fn expire_family_and_ttl() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(q::<i64>(&mut c, &["TTL", "missing"]), -2);
    assert_eq!(q::<i64>(&mut c, &["PTTL", "missing"]), -2);
    assert_eq!(q::<i64>(&mut c, &["EXPIRETIME", "missing"]), -2);
    assert_eq!(q::<i64>(&mut c, &["PEXPIRETIME", "missing"]), -2);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "missing", "10"]), 0);
    assert_eq!(q::<i64>(&mut c, &["PERSIST", "missing"]), 0);
    assert_ok(&mut c, &["SET", "k", "v"]);
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]), -1);
    assert_eq!(q::<i64>(&mut c, &["PTTL", "k"]), -1);
    assert_eq!(q::<i64>(&mut c, &["EXPIRETIME", "k"]), -1);
    assert_eq!(q::<i64>(&mut c, &["PEXPIRETIME", "k"]), -1);
    assert_eq!(q::<i64>(&mut c, &["PERSIST", "k"]), 0);

    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "100"]), 1);
    assert!((99..=100).contains(&q::<i64>(&mut c, &["TTL", "k"])));
    assert_eq!(q::<i64>(&mut c, &["PEXPIRE", "k", "50000"]), 1);
    let pttl: i64 = q(&mut c, &["PTTL", "k"]);
    assert!((48_000..=50_000).contains(&pttl), "{pttl}");
    let at = now_secs() + 1000;
    assert_eq!(q::<i64>(&mut c, &["EXPIREAT", "k", &at.to_string()]), 1);
    assert_eq!(q::<u64>(&mut c, &["EXPIRETIME", "k"]), at);
    assert_eq!(q::<u64>(&mut c, &["PEXPIRETIME", "k"]), at * 1000);
    let pat = at * 1000 + 555;
    assert_eq!(q::<i64>(&mut c, &["PEXPIREAT", "k", &pat.to_string()]), 1);
    assert_eq!(q::<u64>(&mut c, &["PEXPIRETIME", "k"]), pat);
    assert_eq!(
        q::<u64>(&mut c, &["EXPIRETIME", "k"]),
        at + 1,
        "EXPIRETIME rounds to the nearest second"
    );
    assert_eq!(q::<i64>(&mut c, &["PERSIST", "k"]), 1);
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]), -1);

    // A time not in the future deletes the key at once.
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "-1"]), 1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "k"]), 0);
    assert_ok(&mut c, &["SET", "k", "v"]);
    assert_eq!(q::<i64>(&mut c, &["EXPIREAT", "k", "1"]), 1);
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]), -2);
    assert_ok(&mut c, &["SET", "k", "v"]);
    assert_eq!(q::<i64>(&mut c, &["PEXPIRE", "k", "0"]), 1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "k"]), 0);

    // Lazy expiry on access.
    assert_ok(&mut c, &["SET", "short", "v"]);
    assert_eq!(q::<i64>(&mut c, &["PEXPIRE", "short", "30"]), 1);
    thread::sleep(Duration::from_millis(80));
    assert_eq!(v(&mut c, &["GET", "short"]), Value::Nil);
    assert_eq!(q::<i64>(&mut c, &["TTL", "short"]), -2);

    assert_ok(&mut c, &["SET", "k", "v"]);
    assert_eq!(
        err(&mut c, &["EXPIRE", "k", "abc"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        err(&mut c, &["EXPIRE", "k", "9223372036854775807"]),
        "ERR invalid expire time in 'expire' command"
    );
    assert_eq!(
        err(&mut c, &["PEXPIRE", "k", "9223372036854775807"]),
        "ERR invalid expire time in 'pexpire' command"
    );
    assert_eq!(
        err(&mut c, &["EXPIREAT", "k", "9223372036854775807"]),
        "ERR invalid expire time in 'expireat' command"
    );
    assert_eq!(
        err(&mut c, &["EXPIRE", "k"]),
        "ERR wrong number of arguments for 'expire' command"
    );
    assert_eq!(
        err(&mut c, &["TTL"]),
        "ERR wrong number of arguments for 'ttl' command"
    );
    assert_eq!(
        q::<i64>(&mut c, &["TTL", "k"]),
        -1,
        "refused EXPIREs change nothing"
    );
}

#[test]
fn expire_options_nx_xx_gt_lt() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_ok(&mut c, &["SET", "k", "v"]);
    // Without a TTL: XX and GT refuse (no TTL counts as infinite), NX and LT set.
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "100", "XX"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "100", "GT"]), 0);
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]), -1);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "100", "NX"]), 1);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "200", "NX"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "50", "GT"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "200", "GT"]), 1);
    assert!(q::<i64>(&mut c, &["TTL", "k"]) > 150);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "300", "LT"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "10", "LT"]), 1);
    assert!(q::<i64>(&mut c, &["TTL", "k"]) <= 10);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "20", "XX"]), 1);
    assert_eq!(q::<i64>(&mut c, &["PEXPIRE", "k", "5000", "lt"]), 1);
    let at = (now_secs() + 1000).to_string();
    assert_eq!(q::<i64>(&mut c, &["EXPIREAT", "k", &at, "GT"]), 1);
    assert_eq!(q::<i64>(&mut c, &["PEXPIREAT", "k", "1", "NX"]), 0);
    assert_eq!(q::<i64>(&mut c, &["PERSIST", "k"]), 1);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "10", "LT"]), 1);

    let nx = "ERR NX and XX, GT or LT options at the same time are not compatible";
    assert_eq!(err(&mut c, &["EXPIRE", "k", "10", "NX", "XX"]), nx);
    assert_eq!(err(&mut c, &["EXPIRE", "k", "10", "NX", "GT"]), nx);
    assert_eq!(err(&mut c, &["PEXPIRE", "k", "10", "LT", "NX"]), nx);
    assert_eq!(
        err(&mut c, &["EXPIRE", "k", "10", "GT", "LT"]),
        "ERR GT and LT options at the same time are not compatible"
    );
    assert_eq!(
        err(&mut c, &["EXPIRE", "k", "10", "FOO"]),
        "ERR Unsupported option FOO"
    );
}

#[test]
fn active_expiry_removes_untouched_keys_on_every_shard() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let keys = alternating_keys("exp", 200);
    let mut pipe = redis::pipe();
    for k in &keys {
        pipe.cmd("SET").arg(k).arg("v").arg("PX").arg(50).ignore();
    }
    pipe.cmd("SET").arg("keeper").arg("v").ignore();
    let _: () = pipe.query(&mut c).unwrap();
    // DBSIZE does not touch keys, so only the active cycle can bring it down.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let n: i64 = q(&mut c, &["DBSIZE"]);
        if n == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "{n} keys left after 10 s");
        thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(q::<String>(&mut c, &["GET", "keeper"]), "v");
}

#[test]
fn keys_with_patterns_across_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (a, b) = key_pair("pat");
    set_all(&mut c, &[a.clone(), b.clone()]);
    set_all(
        &mut c,
        &[
            "hello".into(),
            "hallo".into(),
            "hxllo".into(),
            "hllo".into(),
            "heeeello".into(),
        ],
    );
    let mut all: Vec<String> = q(&mut c, &["KEYS", "*"]);
    all.sort();
    let mut want = vec![
        a.clone(),
        b.clone(),
        "hallo".into(),
        "heeeello".into(),
        "hello".into(),
        "hllo".into(),
        "hxllo".into(),
    ];
    want.sort();
    assert_eq!(all, want);
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        sorted(q(&mut c, &["KEYS", "h?llo"])),
        ["hallo", "hello", "hxllo"]
    );
    assert_eq!(
        sorted(q(&mut c, &["KEYS", "h*llo"])),
        ["hallo", "heeeello", "hello", "hllo", "hxllo"]
    );
    assert_eq!(sorted(q(&mut c, &["KEYS", "h[ae]llo"])), ["hallo", "hello"]);
    assert_eq!(sorted(q(&mut c, &["KEYS", "h[^e]llo"])), ["hallo", "hxllo"]);
    assert_eq!(sorted(q(&mut c, &["KEYS", "h[a-b]llo"])), ["hallo"]);
    assert_eq!(sorted(q(&mut c, &["KEYS", "pat:*"])), sorted(vec![a, b]));
    assert_eq!(
        q::<Vec<String>>(&mut c, &["KEYS", "nothing*"]),
        Vec::<String>::new()
    );
    assert_eq!(
        err(&mut c, &["KEYS"]),
        "ERR wrong number of arguments for 'keys' command"
    );
}

#[test]
fn scan_match_count_type_covers_both_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let keys = alternating_keys("scan", 300);
    set_all(&mut c, &keys);
    let want: HashSet<String> = keys.iter().cloned().collect();
    let got: HashSet<String> = scan_all(&mut c, &[]).into_iter().collect();
    assert_eq!(got, want);
    let got: HashSet<String> = scan_all(&mut c, &["COUNT", "7"]).into_iter().collect();
    assert_eq!(got, want);
    let got: HashSet<String> = scan_all(&mut c, &["COUNT", "1000"]).into_iter().collect();
    assert_eq!(got, want);
    let got: HashSet<String> = scan_all(&mut c, &["MATCH", "scan:1*", "COUNT", "20"])
        .into_iter()
        .collect();
    let want_1: HashSet<String> = keys
        .iter()
        .filter(|k| k.starts_with("scan:1"))
        .cloned()
        .collect();
    assert_eq!(got, want_1);
    assert!(
        want_1.iter().any(|k| key_shard(k, 2) == 0) && want_1.iter().any(|k| key_shard(k, 2) == 1)
    );
    let got: HashSet<String> = scan_all(&mut c, &["TYPE", "string", "COUNT", "50"])
        .into_iter()
        .collect();
    assert_eq!(got, want);
    assert!(scan_all(&mut c, &["TYPE", "list"]).is_empty());
    assert!(scan_all(&mut c, &["MATCH", "nothing*"]).is_empty());
    // Lower-case options, in any order.
    let got: HashSet<String> = scan_all(&mut c, &["count", "30", "match", "scan:*"])
        .into_iter()
        .collect();
    assert_eq!(got, want);

    assert_eq!(err(&mut c, &["SCAN", "abc"]), "ERR invalid cursor");
    assert_eq!(
        err(&mut c, &["SCAN", "0", "COUNT", "0"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&mut c, &["SCAN", "0", "COUNT", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(err(&mut c, &["SCAN", "0", "MATCH"]), "ERR syntax error");
    assert_eq!(
        err(&mut c, &["SCAN", "0", "FOO", "bar"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&mut c, &["SCAN"]),
        "ERR wrong number of arguments for 'scan' command"
    );
}

#[test]
fn scan_returns_every_key_present_throughout_while_the_table_grows() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let keys = alternating_keys("stable", 500);
    set_all(&mut c, &keys);
    let mut seen = HashSet::new();
    let mut cursor = "0".to_string();
    let mut round = 0;
    for _ in 0..100_000 {
        let (next, got): (String, Vec<String>) = q(&mut c, &["SCAN", &cursor, "COUNT", "25"]);
        seen.extend(got);
        // Grow both shards between the first calls, so that segments split under the cursor
        // (a few rounds only: a table that keeps growing faster than SCAN walks it never ends).
        if round < 10 {
            let more: Vec<String> = (0..400).map(|i| format!("grow:{round}:{i}")).collect();
            set_all(&mut c, &more);
            round += 1;
        }
        if next == "0" {
            break;
        }
        cursor = next;
    }
    for k in &keys {
        assert!(seen.contains(k), "SCAN missed {k}");
    }
}

#[test]
fn randomkey_and_dbsize() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(v(&mut c, &["RANDOMKEY"]), Value::Nil);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 0);
    // A single key on shard 1: RANDOMKEY must find it whatever shard it asks first.
    let one = key_on_shard("rk", 1, 2);
    assert_ok(&mut c, &["SET", &one, "v"]);
    for _ in 0..10 {
        assert_eq!(q::<String>(&mut c, &["RANDOMKEY"]), one);
    }
    let keys = alternating_keys("rand", 20);
    set_all(&mut c, &keys);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 21);
    let mut seen = HashSet::new();
    for _ in 0..200 {
        let k: String = q(&mut c, &["RANDOMKEY"]);
        assert!(k == one || keys.contains(&k), "{k}");
        seen.insert(k);
    }
    assert!(seen.len() > 1, "RANDOMKEY always answered the same key");
    assert_eq!(
        err(&mut c, &["DBSIZE", "x"]),
        "ERR wrong number of arguments for 'dbsize' command"
    );
}

#[test]
fn flushdb_and_flushall() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let keys = alternating_keys("fl", 10);
    set_all(&mut c, &keys);
    assert_ok(&mut c, &["SELECT", "1"]);
    set_all(&mut c, &keys);
    assert_ok(&mut c, &["FLUSHDB"]);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 0);
    assert_ok(&mut c, &["SELECT", "0"]);
    assert_eq!(
        q::<i64>(&mut c, &["DBSIZE"]),
        10,
        "FLUSHDB flushes only the selected database"
    );
    assert_ok(&mut c, &["FLUSHDB", "ASYNC"]);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 0);
    set_all(&mut c, &keys);
    assert_ok(&mut c, &["FLUSHDB", "SYNC"]);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 0);

    set_all(&mut c, &keys);
    assert_ok(&mut c, &["SELECT", "2"]);
    set_all(&mut c, &keys);
    assert_ok(&mut c, &["FLUSHALL"]);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 0);
    assert_ok(&mut c, &["SELECT", "0"]);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 0);
    set_all(&mut c, &keys);
    assert_ok(&mut c, &["FLUSHALL", "ASYNC"]);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 0);
    set_all(&mut c, &keys);
    assert_ok(&mut c, &["FLUSHALL", "sync"]);
    assert_eq!(v(&mut c, &["GET", &keys[1]]), Value::Nil);
    assert_eq!(err(&mut c, &["FLUSHALL", "FOO"]), "ERR syntax error");
    assert_eq!(err(&mut c, &["FLUSHDB", "FOO"]), "ERR syntax error");
}

#[test]
fn select_swapdb_move() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_ok(&mut c, &["SET", "k", "zero"]);
    assert_ok(&mut c, &["SELECT", "1"]);
    assert_eq!(v(&mut c, &["GET", "k"]), Value::Nil);
    assert_ok(&mut c, &["SET", "k", "one"]);
    assert_ok(&mut c, &["SELECT", "15"]);
    assert_eq!(
        err(&mut c, &["SELECT", "16"]),
        "ERR DB index is out of range"
    );
    assert_eq!(
        err(&mut c, &["SELECT", "-1"]),
        "ERR DB index is out of range"
    );
    assert_eq!(
        err(&mut c, &["SELECT", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_ok(&mut c, &["SELECT", "0"]);
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "zero");

    // SWAPDB swaps the whole contents, on every shard, and other clients see it.
    let (a, b) = key_pair("sw");
    assert_ok(&mut c, &["MSET", &a, "a0", &b, "b0"]);
    let mut other = server.client();
    assert_ok(&mut other, &["SELECT", "1"]);
    assert_ok(&mut c, &["SWAPDB", "0", "1"]);
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "one");
    assert_eq!(q::<i64>(&mut c, &["EXISTS", &a, &b]), 0);
    assert_eq!(
        q::<Vec<String>>(&mut other, &["MGET", "k", &a, &b]),
        ["zero", "a0", "b0"]
    );
    assert_ok(&mut c, &["SWAPDB", "1", "0"]);
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "zero");
    assert_ok(&mut c, &["SWAPDB", "3", "3"]);
    assert_eq!(
        err(&mut c, &["SWAPDB", "0", "16"]),
        "ERR DB index is out of range"
    );
    assert_eq!(
        err(&mut c, &["SWAPDB", "x", "0"]),
        "ERR invalid first DB index"
    );
    assert_eq!(
        err(&mut c, &["SWAPDB", "0", "x"]),
        "ERR invalid second DB index"
    );

    // MOVE to another database, keeping the TTL; refused when the target has the key.
    assert_ok(&mut c, &["SET", "m", "v", "EX", "100"]);
    assert_eq!(q::<i64>(&mut c, &["MOVE", "m", "2"]), 1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "m"]), 0);
    assert_eq!(q::<i64>(&mut c, &["MOVE", "m", "2"]), 0);
    assert_ok(&mut c, &["SELECT", "2"]);
    assert_eq!(q::<String>(&mut c, &["GET", "m"]), "v");
    assert!(q::<i64>(&mut c, &["TTL", "m"]) > 0);
    assert_eq!(q::<i64>(&mut c, &["MOVE", "k", "0"]), 0, "missing key");
    assert_ok(&mut c, &["SET", "k", "two"]);
    assert_eq!(q::<i64>(&mut c, &["MOVE", "k", "0"]), 0, "target exists");
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "two");
    assert_eq!(
        err(&mut c, &["MOVE", "k", "2"]),
        "ERR source and destination objects are the same"
    );
    assert_eq!(
        err(&mut c, &["MOVE", "k", "16"]),
        "ERR DB index is out of range"
    );
    assert_eq!(
        err(&mut c, &["MOVE", "k", "x"]),
        "ERR value is not an integer or out of range"
    );
}

/// A string changed in place reports `raw`; moved by RENAME, MOVE or COPY to a key of the other
/// shard it still does, as in Redis, where the object itself moves (or is duplicated as raw).
#[test]
fn the_raw_encoding_moves_with_the_key_across_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let k = alternating_keys("raw", 6);
    assert_ok(&mut c, &["SET", &k[0], "x"]);
    assert_eq!(q::<i64>(&mut c, &["APPEND", &k[0], "y"]), 2);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", &k[0]]), "raw");
    assert_ok(&mut c, &["RENAME", &k[0], &k[1]]);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", &k[1]]), "raw");
    assert_eq!(q::<i64>(&mut c, &["COPY", &k[1], &k[2]]), 1);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", &k[2]]), "raw");
    assert_eq!(q::<i64>(&mut c, &["RENAMENX", &k[2], &k[3]]), 1);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", &k[3]]), "raw");
    assert_eq!(q::<String>(&mut c, &["GET", &k[3]]), "xy");
    // A short string never changed in place stays `embstr` wherever it goes.
    assert_ok(&mut c, &["SET", &k[4], "plain"]);
    assert_ok(&mut c, &["RENAME", &k[4], &k[5]]);
    assert_eq!(
        q::<String>(&mut c, &["OBJECT", "ENCODING", &k[5]]),
        "embstr"
    );
    assert_eq!(q::<i64>(&mut c, &["MOVE", &k[3], "1"]), 1);
    assert_ok(&mut c, &["SELECT", "1"]);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", &k[3]]), "raw");
}

#[test]
fn object_subcommands() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_ok(&mut c, &["SET", "int", "12345"]);
    assert_ok(&mut c, &["SET", "short", "hello"]);
    assert_ok(&mut c, &["SET", "edge", &"x".repeat(44)]);
    assert_ok(&mut c, &["SET", "long", &"x".repeat(45)]);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "int"]), "int");
    assert_eq!(
        q::<String>(&mut c, &["OBJECT", "ENCODING", "short"]),
        "embstr"
    );
    assert_eq!(
        q::<String>(&mut c, &["OBJECT", "ENCODING", "edge"]),
        "embstr"
    );
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "long"]), "raw");
    assert_eq!(q::<String>(&mut c, &["object", "encoding", "long"]), "raw");
    assert_eq!(v(&mut c, &["OBJECT", "ENCODING", "missing"]), Value::Nil);
    assert_eq!(q::<i64>(&mut c, &["OBJECT", "REFCOUNT", "long"]), 1);
    assert_eq!(v(&mut c, &["OBJECT", "REFCOUNT", "missing"]), Value::Nil);
    let idle: i64 = q(&mut c, &["OBJECT", "IDLETIME", "long"]);
    assert!((0..=2).contains(&idle), "{idle}");
    assert_eq!(v(&mut c, &["OBJECT", "IDLETIME", "missing"]), Value::Nil);
    // FREQ needs an LFU policy; the default is noeviction.
    assert_eq!(
        err(&mut c, &["OBJECT", "FREQ", "long"]),
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
    );
    let help: Vec<String> = q(&mut c, &["OBJECT", "HELP"]);
    assert!(help[0].starts_with("OBJECT <subcommand>"), "{help:?}");
    assert_eq!(
        err(&mut c, &["OBJECT", "FOO", "long"]),
        "ERR unknown subcommand 'FOO'. Try OBJECT HELP."
    );
    assert_eq!(
        err(&mut c, &["OBJECT", "ENCODING"]),
        "ERR wrong number of arguments for 'object|encoding' command"
    );
    assert_eq!(
        err(&mut c, &["OBJECT"]),
        "ERR wrong number of arguments for 'object' command"
    );
}

/// DUMP payloads produced by redis-server 7.0.15 (RDB version 10).
const REDIS_DUMP_HELLO_WORLD: &str = "000b68656c6c6f20776f726c640a000bfc49b9a6c7a034";
const REDIS_DUMP_INT_12345: &str = "00c139300a009d94ea2793fc08b9";
/// 100 times "a", LZF-compressed.
const REDIS_DUMP_100_A: &str = "00c3094064016161e057000161610a00e8a3b507b06df271";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn restore(
    c: &mut redis::Connection,
    key: &str,
    ttl: &str,
    payload: &[u8],
    extra: &[&str],
) -> redis::RedisResult<Value> {
    let mut cmd = redis::cmd("RESTORE");
    cmd.arg(key).arg(ttl).arg(payload);
    for e in extra {
        cmd.arg(*e);
    }
    cmd.query(c)
}

#[test]
fn dump_restore_round_trip_across_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (a, b) = key_pair("dump");
    let values = [
        "hello world".to_string(),
        "12345".into(),
        "-7".into(),
        "a".repeat(100),
        "xyz".repeat(3000),
        String::new(),
    ];
    for value in &values {
        assert_ok(&mut c, &["SET", &a, value]);
        let payload: Vec<u8> = q(&mut c, &["DUMP", &a]);
        assert_eq!(
            restore(&mut c, &b, "0", &payload, &["REPLACE"]).unwrap(),
            Value::Okay
        );
        assert_eq!(&q::<String>(&mut c, &["GET", &b]), value);
        assert_eq!(q::<i64>(&mut c, &["TTL", &b]), -1);
    }
    assert_eq!(v(&mut c, &["DUMP", "missing"]), Value::Nil);
}

#[test]
fn restore_payloads_made_by_redis() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (a, b) = key_pair("rp");
    let hello = unhex(REDIS_DUMP_HELLO_WORLD);
    assert_eq!(restore(&mut c, &a, "0", &hello, &[]).unwrap(), Value::Okay);
    assert_eq!(q::<String>(&mut c, &["GET", &a]), "hello world");
    assert_eq!(
        restore(&mut c, &b, "0", &unhex(REDIS_DUMP_INT_12345), &[]).unwrap(),
        Value::Okay
    );
    assert_eq!(q::<i64>(&mut c, &["INCR", &b]), 12346);
    assert_eq!(
        restore(&mut c, "lzf", "0", &unhex(REDIS_DUMP_100_A), &[]).unwrap(),
        Value::Okay
    );
    assert_eq!(q::<String>(&mut c, &["GET", "lzf"]), "a".repeat(100));
    // DUMP of the same values gives Redis's bytes back (the compressed one may differ).
    assert_ok(&mut c, &["SET", &a, "hello world"]);
    assert_eq!(q::<Vec<u8>>(&mut c, &["DUMP", &a]), hello);
    assert_ok(&mut c, &["SET", &b, "12345"]);
    assert_eq!(
        q::<Vec<u8>>(&mut c, &["DUMP", &b]),
        unhex(REDIS_DUMP_INT_12345)
    );
}

/// 32 distinct bytes, then 5 bytes seen before: liblzf's output reaches its bound just as the
/// match is found. DUMP of it, by redis-server 7.0.15 (stored uncompressed).
const LZF_BOUND_VALUE: &str = "abcdefghijklmnopqrstuvwxyzABCDEFbcdef";
const REDIS_DUMP_LZF_BOUND: &str =
    "00256162636465666768696a6b6c6d6e6f707172737475767778797a41424344454662636465660a0052557ef1ffda319b";

#[test]
fn dump_of_a_value_whose_compression_ends_at_the_bound() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (a, b) = key_pair("lzfbound");
    assert_ok(&mut c, &["SET", &a, LZF_BOUND_VALUE]);
    let payload: Vec<u8> = q(&mut c, &["DUMP", &a]);
    assert_eq!(payload, unhex(REDIS_DUMP_LZF_BOUND));
    assert_eq!(
        restore(&mut c, &b, "0", &payload, &[]).unwrap(),
        Value::Okay
    );
    assert_eq!(q::<String>(&mut c, &["GET", &b]), LZF_BOUND_VALUE);
    // A hash holding it, copied to the other shard (serialized on the way).
    let (h, h2) = key_pair("lzfboundhash");
    assert_eq!(q::<i64>(&mut c, &["HSET", &h, "f", LZF_BOUND_VALUE]), 1);
    assert_eq!(q::<i64>(&mut c, &["COPY", &h, &h2]), 1);
    assert_eq!(q::<String>(&mut c, &["HGET", &h2, "f"]), LZF_BOUND_VALUE);
    assert_eq!(q::<String>(&mut c, &["PING"]), "PONG");
}

#[test]
fn restore_options_and_errors() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let payload = unhex(REDIS_DUMP_HELLO_WORLD);
    let e = |r: redis::RedisResult<Value>| error_text(&r.unwrap_err());
    assert_eq!(
        restore(&mut c, "k", "0", &payload, &[]).unwrap(),
        Value::Okay
    );
    assert_eq!(
        e(restore(&mut c, "k", "0", &payload, &[])),
        "BUSYKEY Target key name already exists."
    );
    assert_eq!(
        restore(&mut c, "k", "5000", &payload, &["REPLACE"]).unwrap(),
        Value::Okay
    );
    let pttl: i64 = q(&mut c, &["PTTL", "k"]);
    assert!((4000..=5000).contains(&pttl), "{pttl}");
    let at = ((now_secs() + 1000) * 1000).to_string();
    assert_eq!(
        restore(&mut c, "k", &at, &payload, &["REPLACE", "ABSTTL"]).unwrap(),
        Value::Okay
    );
    assert_eq!(q::<String>(&mut c, &["PEXPIRETIME", "k"]), at);
    // An absolute TTL in the past restores nothing.
    assert_eq!(
        restore(&mut c, "gone", "1", &payload, &["ABSTTL"]).unwrap(),
        Value::Okay
    );
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "gone"]), 0);
    assert_eq!(
        restore(&mut c, "idle", "0", &payload, &["IDLETIME", "1000"]).unwrap(),
        Value::Okay
    );
    assert!(q::<i64>(&mut c, &["OBJECT", "IDLETIME", "idle"]) >= 1000);
    assert_eq!(
        e(restore(&mut c, "x", "-1", &payload, &[])),
        "ERR Invalid TTL value, must be >= 0"
    );
    assert_eq!(
        e(restore(&mut c, "x", "a", &payload, &[])),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        e(restore(&mut c, "x", "0", &payload, &["IDLETIME", "-1"])),
        "ERR Invalid IDLETIME value, must be >= 0"
    );
    assert_eq!(
        e(restore(
            &mut c,
            "x",
            "0",
            &payload,
            &["IDLETIME", "1", "FREQ", "1"]
        )),
        "ERR syntax error"
    );
    assert_eq!(
        e(restore(&mut c, "x", "0", &payload, &["FOO"])),
        "ERR syntax error"
    );
    assert_eq!(
        e(restore(&mut c, "x", "0", b"bad", &[])),
        "ERR DUMP payload version or checksum are wrong"
    );
    let mut corrupt = payload.clone();
    corrupt[3] ^= 1;
    assert_eq!(
        e(restore(&mut c, "x", "0", &corrupt, &[])),
        "ERR DUMP payload version or checksum are wrong"
    );
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "x"]), 0);
}

#[test]
fn rename_on_one_shard_and_across_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (a, b) = key_pair("ren");
    let pairs = [
        ("{t}src".to_string(), "{t}dst".to_string()),
        (a.clone(), b.clone()),
        (b, a),
    ];
    for (src, dst) in &pairs {
        assert_ok(&mut c, &["SET", src, "v", "EX", "100"]);
        assert_ok(&mut c, &["RENAME", src, dst]);
        assert_eq!(q::<i64>(&mut c, &["EXISTS", src]), 0);
        assert_eq!(q::<String>(&mut c, &["GET", dst]), "v");
        assert!(q::<i64>(&mut c, &["TTL", dst]) > 0, "RENAME keeps the TTL");
        // Onto an existing key: replaced, and its TTL goes with it.
        assert_ok(&mut c, &["SET", src, "w"]);
        assert_ok(&mut c, &["RENAME", src, dst]);
        assert_eq!(q::<String>(&mut c, &["GET", dst]), "w");
        assert_eq!(q::<i64>(&mut c, &["TTL", dst]), -1);
        // RENAMENX refuses an existing destination.
        assert_ok(&mut c, &["SET", src, "x"]);
        assert_eq!(q::<i64>(&mut c, &["RENAMENX", src, dst]), 0);
        assert_eq!(q::<Vec<String>>(&mut c, &["MGET", src, dst]), ["x", "w"]);
        assert_eq!(q::<i64>(&mut c, &["DEL", dst]), 1);
        assert_eq!(q::<i64>(&mut c, &["RENAMENX", src, dst]), 1);
        assert_eq!(q::<String>(&mut c, &["GET", dst]), "x");
        assert_eq!(q::<i64>(&mut c, &["DEL", dst]), 1);
        assert_eq!(err(&mut c, &["RENAME", src, dst]), "ERR no such key");
        assert_eq!(err(&mut c, &["RENAMENX", src, dst]), "ERR no such key");
    }
    assert_ok(&mut c, &["SET", "same", "v"]);
    assert_ok(&mut c, &["RENAME", "same", "same"]);
    assert_eq!(q::<i64>(&mut c, &["RENAMENX", "same", "same"]), 0);
    assert_eq!(q::<String>(&mut c, &["GET", "same"]), "v");
    assert_eq!(
        err(&mut c, &["RENAME", "same"]),
        "ERR wrong number of arguments for 'rename' command"
    );
}

#[test]
fn copy_on_one_shard_and_across_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (a, b) = key_pair("copy");
    let pairs = [
        ("{t}src".to_string(), "{t}dst".to_string()),
        (a.clone(), b.clone()),
        (b, a),
    ];
    for (src, dst) in &pairs {
        assert_ok(&mut c, &["SET", src, "v", "EX", "100"]);
        assert_eq!(q::<i64>(&mut c, &["COPY", src, dst]), 1);
        assert_eq!(q::<Vec<String>>(&mut c, &["MGET", src, dst]), ["v", "v"]);
        assert!(q::<i64>(&mut c, &["TTL", dst]) > 0, "COPY keeps the TTL");
        // The copy is independent of its source.
        assert_eq!(q::<i64>(&mut c, &["APPEND", dst, "2"]), 2);
        assert_eq!(q::<String>(&mut c, &["GET", src]), "v");
        assert_eq!(
            q::<i64>(&mut c, &["COPY", src, dst]),
            0,
            "destination exists"
        );
        assert_eq!(q::<String>(&mut c, &["GET", dst]), "v2");
        assert_eq!(q::<i64>(&mut c, &["COPY", src, dst, "REPLACE"]), 1);
        assert_eq!(q::<String>(&mut c, &["GET", dst]), "v");
        assert_eq!(q::<i64>(&mut c, &["COPY", "missing", dst]), 0);
        assert_eq!(q::<i64>(&mut c, &["DEL", src, dst]), 2);
    }
    // Into another database.
    assert_ok(&mut c, &["SET", "k", "v"]);
    assert_eq!(q::<i64>(&mut c, &["COPY", "k", "k", "DB", "1"]), 1);
    assert_eq!(q::<i64>(&mut c, &["COPY", "k", "k", "DB", "1"]), 0);
    assert_eq!(
        q::<i64>(&mut c, &["COPY", "k", "k2", "DB", "1", "REPLACE"]),
        1
    );
    assert_ok(&mut c, &["SELECT", "1"]);
    assert_eq!(q::<Vec<String>>(&mut c, &["MGET", "k", "k2"]), ["v", "v"]);
    assert_eq!(
        err(&mut c, &["COPY", "k", "k"]),
        "ERR source and destination objects are the same"
    );
    assert_eq!(
        err(&mut c, &["COPY", "k", "k", "DB", "1"]),
        "ERR source and destination objects are the same"
    );
    assert_eq!(
        err(&mut c, &["COPY", "k", "x", "DB", "16"]),
        "ERR DB index is out of range"
    );
    assert_eq!(
        err(&mut c, &["COPY", "k", "x", "DB", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(err(&mut c, &["COPY", "k", "x", "FOO"]), "ERR syntax error");
    assert_eq!(
        err(&mut c, &["COPY", "k"]),
        "ERR wrong number of arguments for 'copy' command"
    );
}

#[test]
fn scan_type_finds_each_data_type_on_both_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    // Five kinds over keys alternating between the shards: each kind lands on both.
    let keys = alternating_keys("typed", 20);
    let kinds = ["string", "list", "hash", "set", "zset"];
    for (i, k) in keys.iter().enumerate() {
        match kinds[i % kinds.len()] {
            "list" => assert_eq!(q::<i64>(&mut c, &["RPUSH", k, "a"]), 1),
            "hash" => assert_eq!(q::<i64>(&mut c, &["HSET", k, "f", "v"]), 1),
            "set" => assert_eq!(q::<i64>(&mut c, &["SADD", k, "m"]), 1),
            "zset" => assert_eq!(q::<i64>(&mut c, &["ZADD", k, "1", "m"]), 1),
            _ => assert_ok(&mut c, &["SET", k, "v"]),
        }
    }
    for kind in ["string", "list", "hash", "set", "zset"] {
        let want: HashSet<String> = keys
            .iter()
            .enumerate()
            .filter(|(i, _)| kinds[i % kinds.len()] == kind)
            .map(|(_, k)| k.clone())
            .collect();
        assert!(
            want.iter().any(|k| key_shard(k, 2) == 0) && want.iter().any(|k| key_shard(k, 2) == 1),
            "{kind}: the keys should sit on both shards"
        );
        for count in ["1", "100"] {
            let got: HashSet<String> = scan_all(&mut c, &["TYPE", kind, "COUNT", count])
                .into_iter()
                .collect();
            assert_eq!(got, want, "SCAN TYPE {kind} COUNT {count}");
        }
        let upper = kind.to_uppercase();
        let got: HashSet<String> = scan_all(&mut c, &["TYPE", &upper]).into_iter().collect();
        assert_eq!(got, want, "SCAN TYPE {upper}");
    }
    assert!(scan_all(&mut c, &["TYPE", "stream"]).is_empty());
}

/// A pattern of many stars against a long key answers at once (Redis 7.0 gives up on longer
/// matches for the earlier stars once the rest of the pattern matched nowhere), instead of
/// trying every split and stalling the shard.
#[test]
fn keys_with_many_stars_does_not_stall() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_ok(&mut c, &["SET", &"a".repeat(40), "1"]);
    let started = Instant::now();
    let keys: Vec<String> = q(
        &mut c,
        &["KEYS", "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"],
    );
    assert!(keys.is_empty());
    let found: Vec<String> = q(&mut c, &["KEYS", "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a"]);
    assert_eq!(found, vec!["a".repeat(40)]);
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// MEMORY USAGE: a positive estimate that grows with the value, null for a missing key, and
/// Redis's errors for a bad SAMPLES, an extra argument, a missing key argument and an unknown
/// subcommand.
#[test]
fn memory_usage_estimates_and_errors() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_ok(&mut c, &["SET", "small", "hello"]);
    assert_ok(&mut c, &["SET", "big", &"x".repeat(10_000)]);
    assert_eq!(q::<i64>(&mut c, &["RPUSH", "list", "a", "b", "c"]), 3);
    let small: i64 = q(&mut c, &["MEMORY", "USAGE", "small"]);
    let big: i64 = q(&mut c, &["MEMORY", "USAGE", "big", "SAMPLES", "0"]);
    let list: i64 = q(&mut c, &["MEMORY", "USAGE", "list", "samples", "5"]);
    assert!(small > 0 && list > 0);
    assert!(big > 10_000 && big < 12_000, "{big}");
    assert_eq!(v(&mut c, &["MEMORY", "USAGE", "missing"]), Value::Nil);
    assert_eq!(
        err(&mut c, &["MEMORY", "USAGE", "small", "SAMPLES", "-1"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&mut c, &["MEMORY", "USAGE", "small", "SAMPLES", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        err(&mut c, &["MEMORY", "USAGE", "small", "foo"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&mut c, &["MEMORY", "USAGE"]),
        "ERR wrong number of arguments for 'memory|usage' command"
    );
    assert_eq!(
        err(&mut c, &["MEMORY", "foo"]),
        "ERR unknown subcommand 'foo'. Try MEMORY HELP."
    );
    assert_ok(&mut c, &["MEMORY", "PURGE"]);
}
