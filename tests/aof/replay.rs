//! What a restart replays: what each command really did (random picks, float sums, restored
//! values, absolute expiry times, expiries and evictions, databases), on every shard.

use std::thread;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::support::*;

#[test]
fn random_picks_float_sums_and_restored_values_replay_to_what_was_served() {
    let dir = Dir::new("effects");
    let server = start(&dir, &[]);
    let mut c = server.client();
    let members: Vec<String> = (0..40).map(|i| format!("m{i}")).collect();
    for key in ["pop:a", "pop:b", "pop:c"] {
        let mut sadd = redis::cmd("SADD");
        sadd.arg(key).arg(&members);
        sadd.query::<()>(&mut c).unwrap();
    }
    let _: String = q(&mut c, &["SPOP", "pop:a"]);
    let _: Vec<String> = q(&mut c, &["SPOP", "pop:b", "7"]);
    let _: Vec<String> = q(&mut c, &["SPOP", "pop:c", "100"]);
    let _: i64 = q(&mut c, &["SADD", "pop:small", "x", "y", "z"]);
    let _: Vec<String> = q(&mut c, &["SPOP", "pop:small", "2"]);

    assert_ok(&mut c, &["SET", "float", "10.5"]);
    assert_eq!(
        q::<String>(&mut c, &["INCRBYFLOAT", "float", "0.1"]),
        "10.6"
    );
    // (Redis's long double makes this 5010.60000000000000009: the replay must give what was
    // served, whatever it is.)
    let sum: String = q(&mut c, &["INCRBYFLOAT", "float", "5.0e3"]);
    assert_eq!(q::<String>(&mut c, &["INCRBYFLOAT", "newfloat", "3"]), "3");
    let _: i64 = q(&mut c, &["HSET", "hash", "x", "1.5", "y", "keep"]);
    assert_eq!(
        q::<String>(&mut c, &["HINCRBYFLOAT", "hash", "x", "0.25"]),
        "1.75"
    );
    assert_eq!(
        q::<String>(&mut c, &["HINCRBYFLOAT", "hash", "z", "-2.5e-1"]),
        "-0.25"
    );

    let _: i64 = q(&mut c, &["RPUSH", "src:list", "a", "b", "c"]);
    let _: i64 = q(&mut c, &["ZADD", "src:zset", "1.5", "one", "-2", "two"]);
    let list: Vec<u8> = redis::cmd("DUMP").arg("src:list").query(&mut c).unwrap();
    let zset: Vec<u8> = redis::cmd("DUMP").arg("src:zset").query(&mut c).unwrap();
    let restore =
        |c: &mut redis::Connection, key: &str, ttl: u64, payload: &[u8], opts: &[&str]| {
            let mut cmd = redis::cmd("RESTORE");
            cmd.arg(key).arg(ttl).arg(payload).arg(opts);
            assert_eq!(cmd.query::<String>(c).unwrap(), "OK", "RESTORE {key}");
        };
    restore(&mut c, "restored:list", 0, &list, &[]);
    restore(&mut c, "restored:ttl", 100_000, &zset, &[]);
    let at = q::<i64>(&mut c, &["PEXPIRETIME", "restored:ttl"]) as u64 + 5_000;
    restore(&mut c, "restored:abs", at, &list, &["ABSTTL"]);
    assert_ok(&mut c, &["SET", "restored:replaced", "string"]);
    restore(&mut c, "restored:replaced", 0, &zset, &["REPLACE"]);

    let sets: Vec<Vec<String>> = ["pop:a", "pop:b", "pop:c", "pop:small"]
        .iter()
        .map(|k| q(&mut c, &["SMEMBERS", k]))
        .collect();
    assert_eq!(
        sets.iter().map(Vec::len).collect::<Vec<_>>(),
        [39, 33, 0, 1]
    );
    let server = restart_same(server, &dir, &[]);
    let mut c = server.client();
    assert_eq!(q::<String>(&mut c, &["GET", "float"]), sum);
    assert_eq!(q::<String>(&mut c, &["HGET", "hash", "x"]), "1.75");
    assert_eq!(
        q::<Vec<String>>(&mut c, &["ZRANGE", "restored:ttl", "0", "-1"]),
        ["two", "one"]
    );
    assert_eq!(
        q::<i64>(&mut c, &["PEXPIRETIME", "restored:abs"]),
        at as i64
    );
    assert_eq!(q::<String>(&mut c, &["TYPE", "restored:replaced"]), "zset");
}

#[test]
fn expiry_times_stay_absolute_across_a_restart() {
    let dir = Dir::new("ttl");
    let server = start(&dir, &[]);
    let mut c = server.client();
    let set_at = Instant::now();
    assert_ok(&mut c, &["SET", "ttl:set-ex", "v", "EX", "100"]);
    assert_ok(&mut c, &["SETEX", "ttl:setex", "100", "v"]);
    assert_ok(&mut c, &["SET", "ttl:expire", "v"]);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "ttl:expire", "100"]), 1);
    assert_ok(&mut c, &["SET", "ttl:px", "v", "PX", "100000"]);
    assert_ok(&mut c, &["SET", "ttl:keep", "v", "EX", "100"]);
    assert_ok(&mut c, &["SET", "ttl:keep", "w", "KEEPTTL"]);
    let _: i64 = q(&mut c, &["RPUSH", "ttl:list", "a"]);
    assert_eq!(q::<i64>(&mut c, &["PEXPIRE", "ttl:list", "100000"]), 1);
    let none: Option<String> = q(&mut c, &["GETEX", "ttl:missing", "EX", "100"]);
    assert_eq!(none, None);
    assert_ok(&mut c, &["SET", "ttl:getex", "v"]);
    let _: String = q(&mut c, &["GETEX", "ttl:getex", "EX", "100"]);
    assert_ok(&mut c, &["SET", "ttl:persisted", "v", "EX", "100"]);
    assert_eq!(q::<i64>(&mut c, &["PERSIST", "ttl:persisted"]), 1);
    assert_ok(&mut c, &["SET", "ttl:gone", "v", "PX", "200"]);
    let timed = [
        "ttl:set-ex",
        "ttl:setex",
        "ttl:expire",
        "ttl:px",
        "ttl:keep",
        "ttl:list",
        "ttl:getex",
    ];
    // Every expiry was set between `set_at` and `set_done`.
    let set_done = Instant::now();
    thread::sleep(Duration::from_millis(1500));
    let server = restart_same(server, &dir, &[]);
    let mut c = server.client();
    for key in timed {
        let pttl: i64 = q(&mut c, &["PTTL", key]);
        let since_start = set_at.elapsed().as_millis() as i64;
        let since_done = set_done.elapsed().as_millis() as i64;
        assert!(
            pttl <= 100_000 - since_done + 5 && pttl > 100_000 - since_start - 5_000,
            "{key}: PTTL {pttl} after a restart {since_done}-{since_start} ms after it was set to 100 s"
        );
    }
    assert_eq!(q::<i64>(&mut c, &["PTTL", "ttl:persisted"]), -1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "ttl:gone"]), 0);
}

#[test]
fn a_key_that_expired_and_was_made_again_comes_back_as_made_again() {
    let dir = Dir::new("expired");
    let server = start(&dir, &[]);
    let mut c = server.client();
    let keys = alternating_keys("again", 6);
    for k in &keys {
        assert_ok(&mut c, &["SET", k, "1", "PX", "300"]);
    }
    thread::sleep(Duration::from_millis(500));
    let _: i64 = q(&mut c, &["RPUSH", &keys[0], "x"]);
    let _: i64 = q(&mut c, &["RPUSH", &keys[1], "x"]);
    let _: i64 = q(&mut c, &["HSET", &keys[2], "f", "v"]);
    let _: i64 = q(&mut c, &["SADD", &keys[3], "m"]);
    assert_eq!(q::<i64>(&mut c, &["INCR", &keys[4]]), 1);
    let server = restart_same(server, &dir, &[]);
    let mut c = server.client();
    for k in &keys[..2] {
        assert_eq!(q::<Vec<String>>(&mut c, &["LRANGE", k, "0", "-1"]), ["x"]);
    }
    for k in &keys[..5] {
        assert_eq!(q::<i64>(&mut c, &["PTTL", k]), -1, "{k}");
    }
    assert_eq!(q::<i64>(&mut c, &["EXISTS", &keys[5]]), 0);
}

#[test]
fn databases_flushes_swaps_and_moves_replay_on_every_shard() {
    let dir = Dir::new("dbs");
    let server = start(&dir, &[]);
    let mut c = server.client();
    let keys = alternating_keys("k", 8);
    for db in 0..4 {
        assert_ok(&mut c, &["SELECT", &db.to_string()]);
        for k in &keys {
            assert_ok(&mut c, &["SET", k, &format!("db{db}")]);
        }
    }
    assert_ok(&mut c, &["SELECT", "1"]);
    assert_ok(&mut c, &["FLUSHDB"]);
    assert_ok(&mut c, &["SWAPDB", "2", "3"]);
    assert_ok(&mut c, &["SELECT", "2"]);
    assert_ok(&mut c, &["SET", &keys[0], "written in 2 after the swap"]);
    assert_ok(&mut c, &["SELECT", "0"]);
    assert_eq!(q::<i64>(&mut c, &["MOVE", &keys[0], "5"]), 1);
    assert_eq!(q::<i64>(&mut c, &["MOVE", &keys[1], "5"]), 1);
    let server = restart_same(server, &dir, &[]);
    let mut c = server.client();
    let dbsize = |c: &mut redis::Connection, db: &str| {
        assert_ok(c, &["SELECT", db]);
        q::<i64>(c, &["DBSIZE"])
    };
    assert_eq!(dbsize(&mut c, "0"), 6);
    assert_eq!(dbsize(&mut c, "1"), 0);
    assert_eq!(dbsize(&mut c, "5"), 2);
    assert_ok(&mut c, &["SELECT", "2"]);
    assert_eq!(q::<String>(&mut c, &["GET", &keys[1]]), "db3");
    assert_ok(&mut c, &["SELECT", "3"]);
    assert_eq!(q::<String>(&mut c, &["GET", &keys[1]]), "db2");

    // FLUSHALL empties every database of every shard; what comes after stays.
    assert_ok(&mut c, &["FLUSHALL"]);
    for db in ["0", "7"] {
        assert_ok(&mut c, &["SELECT", db]);
        for k in &keys[..4] {
            assert_ok(&mut c, &["SET", k, &format!("after, in {db}")]);
        }
    }
    let server = restart_same(server, &dir, &[]);
    let mut c = server.client();
    assert_eq!(contents(&mut c).len(), 8);
}

#[test]
fn evicted_keys_stay_gone_after_a_restart() {
    let dir = Dir::new("evicted");
    let server = start(&dir, &[]);
    let mut c = server.client();
    let used: u64 = {
        let info: String = q(&mut c, &["INFO", "memory"]);
        info.lines()
            .find_map(|l| l.strip_prefix("used_memory:"))
            .and_then(|v| v.trim().parse().ok())
            .expect("used_memory")
    };
    let limit = (used + 512 * 1024).to_string();
    assert_ok(
        &mut c,
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
    );
    assert_ok(&mut c, &["CONFIG", "SET", "maxmemory", &limit]);
    let value = "v".repeat(1000);
    let keys: Vec<String> = (0..2000).map(|i| format!("evict:{i}")).collect();
    for chunk in keys.chunks(100) {
        let mut p = redis::pipe();
        for k in chunk {
            p.cmd("SET").arg(k).arg(&value).ignore();
        }
        p.query::<()>(&mut c).unwrap();
    }
    // No more evictions (a read may evict too, over the limit): what is left is what stays.
    assert_ok(&mut c, &["CONFIG", "SET", "maxmemory", "0"]);
    let left: i64 = q(&mut c, &["DBSIZE"]);
    assert!(
        left > 0 && left < 1500,
        "{left} of 2000 keys left under a 512 KiB limit"
    );
    // The restarted server has no limit either (it was set at run time): it would keep every
    // key the files bring back.
    let server = restart_same(server, &dir, &[]);
    let mut c = server.client();
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), left);
}
