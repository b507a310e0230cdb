//! `maxmemory` and eviction: the directives and INFO fields, Redis's OOM error under
//! noeviction (and for volatile policies once no key has an expiry), memory that stays at the
//! limit under every policy while four times as much is written, from connections on both
//! shards, and the keys each policy keeps: volatile-* never takes a key without a TTL,
//! volatile-ttl takes the soonest expiry first, allkeys-lru keeps the keys in use and
//! allkeys-lfu the keys used most. OBJECT FREQ follows accesses under an LFU policy.

mod common;

use common::*;
use std::thread;
use std::time::Duration;

const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";

/// Every value is this long, so a key costs a bit over 1 KiB on either server.
const VALUE_LEN: usize = 1000;

fn info_field(c: &mut redis::Connection, section: &str, name: &str) -> String {
    let info: String = q(c, &["INFO", section]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("INFO {section} has no {name}"))
        .trim()
        .to_string()
}

fn used_memory(c: &mut redis::Connection) -> u64 {
    info_field(c, "memory", "used_memory")
        .parse()
        .expect("used_memory")
}

fn evicted_keys(c: &mut redis::Connection) -> u64 {
    info_field(c, "stats", "evicted_keys")
        .parse()
        .expect("evicted_keys")
}

/// A server whose `maxmemory` is what it holds empty plus `room` bytes, under `policy`.
fn limited(policy: &str, room: u64) -> (Server, u64) {
    let server = Server::start(&[]);
    let mut c = server.client();
    let limit = used_memory(&mut c) + room;
    assert_ok(&mut c, &["CONFIG", "SET", "maxmemory", &limit.to_string()]);
    assert_ok(&mut c, &["CONFIG", "SET", "maxmemory-policy", policy]);
    (server, limit)
}

/// Sends `SET key value [EX ttl]` for every key in one pipeline on a fresh connection; returns
/// how many were refused with the OOM error. Any other error fails the test.
fn write(server: &Server, keys: &[String], ttl: Option<u64>) -> usize {
    let mut conn = server.raw_conn();
    let value = "v".repeat(VALUE_LEN);
    let ttl = ttl.map(|t| t.to_string());
    let mut refused = 0;
    for chunk in keys.chunks(200) {
        let mut bytes = Vec::new();
        for k in chunk {
            let mut args = vec!["SET", k.as_str(), value.as_str()];
            if let Some(t) = &ttl {
                args.extend(["EX", t.as_str()]);
            }
            bytes.extend(encode_str(&args));
        }
        conn.send(&bytes);
        for k in chunk {
            match conn.read() {
                Resp::Simple(s) if s == "OK" => {}
                Resp::Error(e) if e == OOM => refused += 1,
                other => panic!("SET {k}: {other:?}"),
            }
        }
    }
    refused
}

fn keys(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}:{i}")).collect()
}

fn present(c: &mut redis::Connection, keys: &[String]) -> usize {
    keys.iter()
        .filter(|k| q::<i64>(c, &["EXISTS", k.as_str()]) == 1)
        .count()
}

/// Used memory may pass the limit by what one write adds on each shard, no more.
fn assert_near_limit(c: &mut redis::Connection, limit: u64, what: &str) {
    let used = used_memory(c);
    assert!(
        used <= limit + 64 * 1024,
        "{what}: used_memory {used} is over maxmemory {limit} by {}",
        used - limit
    );
}

#[test]
fn directives_and_info_fields_read_as_redis() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let get =
        |c: &mut redis::Connection, name: &str| -> Vec<String> { q(c, &["CONFIG", "GET", name]) };
    assert_eq!(get(&mut c, "maxmemory"), ["maxmemory", "0"]);
    assert_eq!(
        get(&mut c, "maxmemory-policy"),
        ["maxmemory-policy", "noeviction"]
    );
    assert_eq!(get(&mut c, "maxmemory-samples"), ["maxmemory-samples", "5"]);
    assert_eq!(get(&mut c, "lfu-log-factor"), ["lfu-log-factor", "10"]);
    assert_eq!(get(&mut c, "lfu-decay-time"), ["lfu-decay-time", "1"]);
    assert_eq!(info_field(&mut c, "memory", "maxmemory"), "0");
    assert_eq!(
        info_field(&mut c, "memory", "maxmemory_policy"),
        "noeviction"
    );
    assert_eq!(info_field(&mut c, "stats", "evicted_keys"), "0");

    assert_ok(&mut c, &["CONFIG", "SET", "maxmemory", "10MB"]);
    assert_ok(
        &mut c,
        &["CONFIG", "SET", "maxmemory-policy", "ALLKEYS-LRU"],
    );
    assert_eq!(get(&mut c, "maxmemory"), ["maxmemory", "10485760"]);
    assert_eq!(
        get(&mut c, "maxmemory-policy"),
        ["maxmemory-policy", "allkeys-lru"]
    );
    assert_eq!(info_field(&mut c, "memory", "maxmemory"), "10485760");
    assert_eq!(info_field(&mut c, "memory", "maxmemory_human"), "10.00M");
    assert_eq!(
        info_field(&mut c, "memory", "maxmemory_policy"),
        "allkeys-lru"
    );

    assert_eq!(
        err(&mut c, &["CONFIG", "SET", "maxmemory-policy", "lru"]),
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"
    );
    assert_eq!(
        err(&mut c, &["CONFIG", "SET", "maxmemory-samples", "0"]),
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory-samples') - argument must be between 1 and 2147483647 inclusive"
    );
    assert_eq!(
        err(&mut c, &["CONFIG", "SET", "maxmemory", "lots"]),
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"
    );
    assert_eq!(
        err(&mut c, &["CONFIG", "SET", "maxmemory-eviction-tenacity", "101"]),
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory-eviction-tenacity') - argument must be between 0 and 100 inclusive"
    );
}

#[test]
fn noeviction_refuses_writes_once_full_but_serves_reads_and_deletes() {
    let (server, limit) = limited("noeviction", 3 << 20);
    let mut c = server.client();
    // Write until every shard is full: the refusals come in a row at the end.
    let all = keys("fill", 8000);
    let refused = write(&server, &all, None);
    assert!(refused > 1000, "only {refused} of 8000 writes were refused");
    assert_near_limit(&mut c, limit, "noeviction");
    assert_eq!(evicted_keys(&mut c), 0);
    let fresh = alternating_keys("fresh", 2);
    // Reads and deletes go on.
    let kept: Vec<&String> = all
        .iter()
        .filter(|k| q::<i64>(&mut c, &["EXISTS", k.as_str()]) == 1)
        .collect();
    assert_eq!(kept.len(), 8000 - refused);
    let got: Option<String> = q(&mut c, &["GET", kept[0]]);
    assert_eq!(got.map(|v| v.len()), Some(VALUE_LEN));
    // Well over the limit, every shard refuses. Inside MULTI even a read is refused (queueing
    // takes memory) and EXEC aborts; an EXEC of writes queued before is refused whole.
    let roomy = (limit + (10 << 20)).to_string();
    assert_ok(&mut c, &["CONFIG", "SET", "maxmemory", &roomy]);
    let mut tx = server.raw_conn();
    assert_eq!(tx.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(
        tx.cmd(&["SET", &fresh[0], "x"]),
        Resp::Simple("QUEUED".into())
    );
    let lower = used_memory(&mut c) - (1 << 20);
    assert_ok(&mut c, &["CONFIG", "SET", "maxmemory", &lower.to_string()]);
    assert_eq!(
        tx.cmd(&["EXEC"]),
        Resp::Error(format!("EXECABORT Transaction discarded because of: {OOM}"))
    );
    assert_eq!(tx.cmd(&["GET", &fresh[0]]), Resp::Bulk(None), "EXEC ran");
    for k in &fresh {
        assert_eq!(err(&mut c, &["SET", k, "x"]), OOM, "SET {k}");
        assert_eq!(err(&mut c, &["LPUSH", k, "x"]), OOM, "LPUSH {k}");
        assert_eq!(tx.cmd(&["MULTI"]), Resp::ok());
        assert_eq!(tx.cmd(&["GET", k]), Resp::Error(OOM.into()));
        assert!(
            matches!(tx.cmd(&["EXEC"]), Resp::Error(e) if e.starts_with("EXECABORT")),
            "EXEC after a refused command"
        );
    }
    assert_eq!(q::<i64>(&mut c, &["DEL", kept[0]]), 1);
    // Deleting makes room again.
    assert_ok(&mut c, &["FLUSHALL"]);
    thread::sleep(Duration::from_millis(300));
    for k in &fresh {
        assert_ok(&mut c, &["SET", k, "x"]);
    }
}

/// Writes four times the limit under `policy`, from two connections (on either shard), half
/// of it with a TTL when `volatile`; nothing is refused and memory stays at the limit.
fn fills_to_the_limit_and_stays(policy: &str, volatile: bool) {
    let (server, limit) = limited(policy, 4 << 20);
    let mut c = server.client();
    let all = keys("k", 16_000);
    let (a, b) = all.split_at(8000);
    let ttl = volatile.then_some(100_000);
    let refused = thread::scope(|s| {
        let h = s.spawn(|| write(&server, a, ttl));
        write(&server, b, ttl) + h.join().expect("writer")
    });
    assert_eq!(refused, 0, "{policy}: writes were refused");
    assert_near_limit(&mut c, limit, policy);
    // The timer may still evict in between: read the counter on both sides of DBSIZE.
    let evicted = evicted_keys(&mut c);
    let size: u64 = q(&mut c, &["DBSIZE"]);
    let evicted_after = evicted_keys(&mut c);
    assert!(
        size + evicted <= 16_000 && 16_000 <= size + evicted_after,
        "{policy}: DBSIZE {size}, evicted {evicted} then {evicted_after}: keys lost or made up"
    );
    assert!(
        size > 2000,
        "{policy}: only {size} keys stayed within 4 MiB"
    );
    assert_ok(&mut c, &["CONFIG", "RESETSTAT"]);
    assert_eq!(evicted_keys(&mut c), 0);
}

#[test]
fn allkeys_lru_stays_at_the_limit() {
    fills_to_the_limit_and_stays("allkeys-lru", false);
}

#[test]
fn allkeys_lfu_stays_at_the_limit() {
    fills_to_the_limit_and_stays("allkeys-lfu", false);
}

#[test]
fn allkeys_random_stays_at_the_limit() {
    fills_to_the_limit_and_stays("allkeys-random", false);
}

#[test]
fn volatile_policies_stay_at_the_limit_with_expiring_keys() {
    for policy in [
        "volatile-lru",
        "volatile-lfu",
        "volatile-random",
        "volatile-ttl",
    ] {
        fills_to_the_limit_and_stays(policy, true);
    }
}

#[test]
fn writes_across_shards_stay_at_the_limit() {
    let (server, limit) = limited("allkeys-random", 3 << 20);
    let mut c = server.client();
    let value = "v".repeat(VALUE_LEN);
    // MSETs of keys of both shards run as transactions: each shard stores and evicts its own.
    let all = alternating_keys("pair", 12_000);
    for chunk in all.chunks(20) {
        let mut mset = redis::cmd("MSET");
        for k in chunk {
            mset.arg(k).arg(&value);
        }
        let _: () = mset.query(&mut c).expect("MSET across shards");
    }
    assert_near_limit(&mut c, limit, "MSET");
    let size: u64 = q(&mut c, &["DBSIZE"]);
    assert!(size > 1000 && size < 4000, "DBSIZE {size}");
    assert!(evicted_keys(&mut c) > 8000);
    // Reads of the other shard's keys go on too.
    let mut reads = 0;
    for k in all.iter().rev().take(50) {
        let got: Option<String> = q(&mut c, &["GET", k.as_str()]);
        reads += usize::from(got.is_some());
    }
    assert!(reads > 0);
}

#[test]
fn volatile_policies_never_evict_a_key_without_a_ttl() {
    for policy in [
        "volatile-lru",
        "volatile-lfu",
        "volatile-random",
        "volatile-ttl",
    ] {
        let (server, limit) = limited(policy, 3 << 20);
        let mut c = server.client();
        let lasting = keys("lasting", 1000);
        assert_eq!(write(&server, &lasting, None), 0);
        let passing = keys("passing", 6000);
        assert_eq!(write(&server, &passing, Some(100_000)), 0, "{policy}");
        assert!(evicted_keys(&mut c) > 2000, "{policy}: too few evictions");
        assert_eq!(
            present(&mut c, &lasting),
            1000,
            "{policy}: a key without TTL went"
        );
        assert_near_limit(&mut c, limit, policy);
        // Keys without a TTL fill what is left; then nothing may go, and writes are refused.
        let more = keys("more", 6000);
        let refused = write(&server, &more, None);
        assert!(refused > 1000, "{policy}: only {refused} writes refused");
        assert_eq!(
            present(&mut c, &lasting),
            1000,
            "{policy}: a key without TTL went"
        );
        assert_eq!(q::<i64>(&mut c, &["EXISTS", "passing:5999"]), 0, "{policy}");
        assert_near_limit(&mut c, limit, policy);
    }
}

#[test]
fn volatile_ttl_evicts_the_soonest_expiry_first() {
    let (server, _) = limited("volatile-ttl", 3 << 20);
    let mut c = server.client();
    let soon = keys("soon", 2000);
    assert_eq!(write(&server, &soon, Some(10_000)), 0);
    let late = keys("late", 1500);
    assert_eq!(write(&server, &late, Some(1_000_000)), 0);
    let evicted = evicted_keys(&mut c);
    assert!(evicted > 200, "only {evicted} keys evicted");
    let late_left = present(&mut c, &late);
    assert!(
        late_left >= 1425,
        "{} of the keys expiring late went, of {evicted} evicted",
        1500 - late_left
    );
}

#[test]
fn allkeys_lru_keeps_the_keys_in_use() {
    let (server, _) = limited("allkeys-lru", 4 << 20);
    let mut c = server.client();
    let old = keys("old", 2500);
    assert_eq!(write(&server, &old, None), 0);
    assert_eq!(evicted_keys(&mut c), 0, "the first keys should fit");
    // The LRU clock counts seconds, as Redis's.
    thread::sleep(Duration::from_millis(1100));
    let hot = &old[..300];
    let new = keys("new", 2000);
    for batch in new.chunks(100) {
        for k in hot {
            let _: Option<String> = q(&mut c, &["GET", k.as_str()]);
        }
        assert_eq!(write(&server, batch, None), 0);
    }
    assert!(evicted_keys(&mut c) > 300);
    let hot_left = present(&mut c, hot);
    assert!(
        hot_left >= 285,
        "only {hot_left} of the 300 keys in use stayed"
    );
}

#[test]
fn allkeys_lfu_keeps_the_keys_used_most() {
    let (server, _) = limited("allkeys-lfu", 4 << 20);
    let mut c = server.client();
    let old = keys("old", 2500);
    assert_eq!(write(&server, &old, None), 0);
    assert_eq!(evicted_keys(&mut c), 0, "the first keys should fit");
    let hot = &old[..300];
    for _ in 0..30 {
        for k in hot {
            let _: Option<String> = q(&mut c, &["GET", k.as_str()]);
        }
    }
    let freq: i64 = q(&mut c, &["OBJECT", "FREQ", hot[0].as_str()]);
    assert!(freq > 5, "OBJECT FREQ is {freq} after 30 reads");
    let cold_freq: i64 = q(&mut c, &["OBJECT", "FREQ", old[2499].as_str()]);
    // A key never read keeps the initial counter, less one if a minute began meanwhile.
    assert!(
        (4..=5).contains(&cold_freq),
        "OBJECT FREQ of a key never read: {cold_freq}"
    );
    assert_eq!(write(&server, &keys("new", 2000), None), 0);
    assert!(evicted_keys(&mut c) > 500);
    let hot_left = present(&mut c, hot);
    assert!(
        hot_left >= 285,
        "only {hot_left} of the 300 keys used most stayed"
    );
}

#[test]
fn object_freq_and_idletime_answer_by_policy() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_ok(&mut c, &["SET", "k", "v"]);
    assert_eq!(
        err(&mut c, &["OBJECT", "FREQ", "k"]),
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
    );
    assert_ok(
        &mut c,
        &["CONFIG", "SET", "maxmemory-policy", "volatile-lfu"],
    );
    assert_eq!(
        err(&mut c, &["OBJECT", "IDLETIME", "k"]),
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
    );
    // RESTORE ... FREQ sets the counter under an LFU policy.
    let payload = q::<Vec<u8>>(&mut c, &["DUMP", "k"]);
    let mut restore = redis::cmd("RESTORE");
    restore.arg("r").arg(0).arg(payload).arg("FREQ").arg(100);
    let _: () = restore.query(&mut c).expect("RESTORE FREQ");
    assert_eq!(q::<i64>(&mut c, &["OBJECT", "FREQ", "r"]), 100);
    // With lfu-log-factor 0 every access counts.
    assert_ok(&mut c, &["CONFIG", "SET", "lfu-log-factor", "0"]);
    assert_ok(&mut c, &["SET", "n", "v"]);
    for _ in 0..20 {
        let _: String = q(&mut c, &["GET", "n"]);
    }
    assert_eq!(q::<i64>(&mut c, &["OBJECT", "FREQ", "n"]), 25);
}
