//! Unit tests of the keys family: each command line runs on a fresh keyspace and its reply
//! bytes are compared with what Redis 7.0 answers.

use super::*;
use crate::commands::lookup;
use crate::keyspace::{Keyspace, Value};
use crate::protocol::reader::split_args;
use crate::protocol::scan::reply_len;
use crate::protocol::Protocol;

/// The time every test starts at (Unix ms).
const T0: u64 = 1_700_000_000_000;

/// One shard: a keyspace, a configuration, a selected database and a clock.
struct Shard {
    ks: Keyspace,
    config: Config,
    db: usize,
    now: u64,
    rand: u64,
}

impl Shard {
    fn new() -> Shard {
        Shard {
            ks: Keyspace::new(16),
            config: Config::default(),
            db: 0,
            now: T0,
            rand: 42,
        }
    }

    /// Runs one command given as arguments; returns the reply's bytes, checking that
    /// exactly one reply was written.
    fn call(&mut self, argv: &[&[u8]]) -> Vec<u8> {
        let (base, spans) = crate::protocol::args::joined(argv);
        let args = Args::new(&base, &spans);
        let command = lookup(args.get(0)).expect("known command");
        let mut out = Vec::new();
        let mut reply = Reply::new(&mut out, Protocol::Resp2);
        if !command.arity_ok(args.len()) {
            reply.error(&errors::wrong_arity(command.name));
        } else if let Run::Shard(f) = command.run {
            let mut ctx = Ctx {
                ks: &mut self.ks,
                db: self.db,
                now_ms: self.now,
                config: &self.config,
                rand: self.rand,
                shard: (0, 1),
            };
            f(&mut ctx, &args, &mut reply);
        }
        assert_eq!(
            reply_len(&out),
            Some(out.len()),
            "one reply: {:?}",
            String::from_utf8_lossy(&out)
        );
        out
    }

    /// Runs a command line (redis-cli quoting) and returns the reply as text.
    fn run(&mut self, line: &str) -> String {
        let mut spans = Vec::new();
        let mut buf = Vec::new();
        assert!(split_args(line.as_bytes(), &mut spans, &mut buf));
        let argv: Vec<&[u8]> = spans.iter().map(|s| &buf[s.clone()]).collect();
        String::from_utf8_lossy(&self.call(&argv)).into_owned()
    }

    /// Stores a string directly in database `db`, expiring at `expire_at` (0: never).
    fn put_in(&mut self, db: usize, key: &str, value: &str, expire_at: u64) {
        self.ks.dbs[db].set(key.as_bytes(), Value::string(value.as_bytes()), expire_at);
    }

    fn put(&mut self, key: &str, value: &str) {
        self.put_in(self.db, key, value, 0);
    }

    fn get(&mut self, key: &str) -> Option<Vec<u8>> {
        let now = self.now;
        self.ks.dbs[self.db]
            .get(key.as_bytes(), now)
            .and_then(|e| e.value.to_bytes())
    }
}

fn bulk(s: &str) -> String {
    format!("${}\r\n{s}\r\n", s.len())
}

fn err(msg: &str) -> String {
    format!("-{msg}\r\n")
}

/// The elements of an array reply of bulk strings, sorted.
fn sorted_bulks(reply: &str) -> Vec<String> {
    let items = crate::protocol::scan::array_items(reply.as_bytes()).expect("array");
    let mut v: Vec<String> = items
        .iter()
        .map(|b| {
            let s = String::from_utf8_lossy(b);
            s.split("\r\n").nth(1).unwrap_or("").to_string()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn del_unlink_exists_touch_count_their_keys() {
    let mut s = Shard::new();
    s.put("a", "1");
    s.put("b", "2");
    s.put("c", "3");
    s.put_in(0, "old", "x", T0 - 1);
    assert_eq!(s.run("EXISTS a a b nope old"), ":3\r\n");
    assert_eq!(s.run("TOUCH a nope c"), ":2\r\n");
    assert_eq!(s.run("DEL a b nope old"), ":2\r\n");
    assert_eq!(s.ks.dirty, 2);
    assert_eq!(s.run("UNLINK c c"), ":1\r\n");
    assert_eq!(s.run("EXISTS a b c"), ":0\r\n");
    assert_eq!(
        s.run("DEL"),
        err("ERR wrong number of arguments for 'del' command")
    );
}

#[test]
fn reads_count_hits_and_misses() {
    let mut s = Shard::new();
    s.put("a", "1");
    for line in [
        "EXISTS a b",
        "TOUCH a b",
        "TYPE a",
        "TYPE b",
        "TTL a",
        "PTTL b",
        "OBJECT ENCODING a",
        "DUMP b",
        "COPY a c",
        "COPY b c",
    ] {
        s.run(line);
    }
    assert_eq!((s.ks.hits, s.ks.misses), (6, 6));
    for line in [
        "RENAME a d",
        "PERSIST d",
        "EXPIRE d 100",
        "MOVE d 1",
        "SCAN 0",
        "KEYS *",
        "RANDOMKEY",
    ] {
        s.run(line);
    }
    assert_eq!((s.ks.hits, s.ks.misses), (6, 6));
}

#[test]
fn type_names_or_none() {
    let mut s = Shard::new();
    s.put("a", "1");
    s.put("b", "hello");
    assert_eq!(s.run("TYPE a"), "+string\r\n");
    assert_eq!(s.run("TYPE b"), "+string\r\n");
    assert_eq!(s.run("TYPE nope"), "+none\r\n");
}

#[test]
fn rename_moves_value_and_expiry() {
    let mut s = Shard::new();
    assert_eq!(s.run("RENAME nope x"), err("ERR no such key"));
    assert_eq!(s.run("RENAMENX nope x"), err("ERR no such key"));
    assert_eq!(s.run("RENAME nope nope"), err("ERR no such key"));
    s.put_in(0, "a", "va", T0 + 10_000);
    s.put("b", "vb");
    assert_eq!(s.run("RENAME a a"), "+OK\r\n");
    assert_eq!(s.run("RENAMENX a a"), ":0\r\n");
    assert_eq!(s.run("RENAMENX a b"), ":0\r\n");
    assert_eq!(s.run("RENAME a b"), "+OK\r\n");
    assert_eq!(s.get("a"), None);
    assert_eq!(s.get("b").as_deref(), Some(&b"va"[..]));
    assert_eq!(s.run("PTTL b"), ":10000\r\n");
    assert_eq!(s.run("RENAMENX b c"), ":1\r\n");
    assert_eq!(s.run("PTTL c"), ":10000\r\n");
    assert_eq!(s.ks.dbs[0].volatile_len(), 1);
    assert_eq!(s.ks.dirty, 2);
}

#[test]
fn copy_with_db_and_replace() {
    let mut s = Shard::new();
    s.put_in(0, "a", "va", T0 + 5000);
    s.put("b", "vb");
    assert_eq!(s.run("COPY nope x"), ":0\r\n");
    assert_eq!(s.run("COPY a b"), ":0\r\n");
    assert_eq!(s.run("COPY a b REPLACE"), ":1\r\n");
    assert_eq!(s.get("b").as_deref(), Some(&b"va"[..]));
    assert_eq!(s.run("PTTL b"), ":5000\r\n");
    assert_eq!(
        s.run("COPY a a"),
        err("ERR source and destination objects are the same")
    );
    assert_eq!(
        s.run("COPY a a DB 0"),
        err("ERR source and destination objects are the same")
    );
    assert_eq!(s.run("COPY a a db 3"), ":1\r\n");
    assert_eq!(
        s.ks.dbs[3].peek(b"a", T0).map(|e| e.expire_at),
        Some(T0 + 5000)
    );
    assert_eq!(s.run("COPY a a DB 3"), ":0\r\n");
    assert_eq!(s.run("COPY a a DB 3 replace"), ":1\r\n");
    assert_eq!(s.run("COPY a b DB 16"), err("ERR DB index is out of range"));
    assert_eq!(s.run("COPY a b DB -1"), err("ERR DB index is out of range"));
    assert_eq!(s.run("COPY a b DB x"), err(errors::NOT_INTEGER));
    assert_eq!(
        s.run("COPY a b DB 99999999999"),
        err(errors::INT_OUT_OF_RANGE)
    );
    assert_eq!(s.run("COPY a b DB"), err("ERR syntax error"));
    assert_eq!(s.run("COPY a b foo"), err("ERR syntax error"));
    assert_eq!(s.get("a").as_deref(), Some(&b"va"[..]));
    assert_eq!(s.ks.dirty, 3);
}

#[test]
fn move_between_databases() {
    let mut s = Shard::new();
    s.put_in(0, "k", "v", T0 + 1000);
    assert_eq!(
        s.run("MOVE k 0"),
        err("ERR source and destination objects are the same")
    );
    assert_eq!(s.run("MOVE k 16"), err("ERR DB index is out of range"));
    assert_eq!(s.run("MOVE k -1"), err("ERR DB index is out of range"));
    assert_eq!(s.run("MOVE k abc"), err(errors::NOT_INTEGER));
    assert_eq!(s.run("MOVE k 99999999999"), err(errors::INT_OUT_OF_RANGE));
    assert_eq!(s.run("MOVE nope 1"), ":0\r\n");
    assert_eq!(s.run("MOVE k 1"), ":1\r\n");
    assert_eq!(s.get("k"), None);
    assert_eq!(
        s.ks.dbs[1].peek(b"k", T0).map(|e| e.expire_at),
        Some(T0 + 1000)
    );
    s.put("k", "again");
    assert_eq!(s.run("MOVE k 1"), ":0\r\n");
    assert_eq!(s.get("k").as_deref(), Some(&b"again"[..]));
}

#[test]
fn expire_family_sets_and_deletes() {
    let mut s = Shard::new();
    assert_eq!(s.run("EXPIRE nope 10"), ":0\r\n");
    s.put("k", "v");
    assert_eq!(s.run("EXPIRE k 100"), ":1\r\n");
    assert_eq!(s.run("TTL k"), ":100\r\n");
    assert_eq!(s.run("PEXPIRE k 1500"), ":1\r\n");
    assert_eq!(s.run("TTL k"), ":2\r\n");
    assert_eq!(s.run("PEXPIRE k 1499"), ":1\r\n");
    assert_eq!(s.run("TTL k"), ":1\r\n");
    assert_eq!(s.run("PTTL k"), ":1499\r\n");
    let at = T0 / 1000 + 50;
    assert_eq!(s.run(&format!("EXPIREAT k {at}")), ":1\r\n");
    assert_eq!(s.run("EXPIRETIME k"), format!(":{at}\r\n"));
    assert_eq!(s.run("PEXPIRETIME k"), format!(":{}\r\n", at * 1000));
    assert_eq!(s.run(&format!("PEXPIREAT k {}", T0 + 1234)), ":1\r\n");
    assert_eq!(s.run("PTTL k"), ":1234\r\n");
    assert_eq!(
        s.run("EXPIRETIME k"),
        format!(":{}\r\n", (T0 + 1234 + 500) / 1000)
    );
    // Time passes: the key is gone.
    s.now = T0 + 1234;
    assert_eq!(s.run("TTL k"), ":-2\r\n");
    assert_eq!(s.ks.dbs[0].expired_keys, 1);
    // A time in the past deletes at once and answers 1.
    s.put("k", "v");
    assert_eq!(s.run("EXPIRE k -1"), ":1\r\n");
    assert_eq!(s.get("k"), None);
    s.put("k", "v");
    assert_eq!(s.run("PEXPIREAT k 1"), ":1\r\n");
    assert_eq!(s.get("k"), None);
    s.put("k", "v");
    assert_eq!(s.run("EXPIRE k 0"), ":1\r\n");
    assert_eq!(s.get("k"), None);
    assert_eq!(s.ks.dirty, 8);
}

#[test]
fn expire_conditions() {
    let mut s = Shard::new();
    s.put("k", "v");
    // No expiry: GT fails (never is the longest), LT and NX succeed, XX fails.
    assert_eq!(s.run("EXPIRE k 100 XX"), ":0\r\n");
    assert_eq!(s.run("EXPIRE k 100 gt"), ":0\r\n");
    assert_eq!(s.run("EXPIRE k 100 LT"), ":1\r\n");
    assert_eq!(s.run("EXPIRE k 200 NX"), ":0\r\n");
    assert_eq!(s.run("EXPIRE k 200 XX"), ":1\r\n");
    assert_eq!(s.run("EXPIRE k 100 GT"), ":0\r\n");
    assert_eq!(s.run("EXPIRE k 200 GT"), ":0\r\n");
    assert_eq!(s.run("EXPIRE k 300 XX GT"), ":1\r\n");
    assert_eq!(s.run("EXPIRE k 300 LT"), ":0\r\n");
    assert_eq!(s.run("EXPIRE k 100 lt"), ":1\r\n");
    assert_eq!(s.run("TTL k"), ":100\r\n");
    assert_eq!(s.run("PERSIST k"), ":1\r\n");
    assert_eq!(s.run("EXPIRE k 10 NX NX"), ":1\r\n");
    assert_eq!(s.run("EXPIRE nope 10 XX"), ":0\r\n");
}

#[test]
fn expire_errors() {
    let mut s = Shard::new();
    s.put("k", "v");
    assert_eq!(s.run("EXPIRE k 10 foo"), err("ERR Unsupported option foo"));
    assert_eq!(
        s.run("EXPIRE k 10 nx xx"),
        err(errors::EXPIRE_NX_AND_OTHERS)
    );
    assert_eq!(
        s.run("EXPIRE k 10 nx gt"),
        err(errors::EXPIRE_NX_AND_OTHERS)
    );
    assert_eq!(
        s.run("EXPIRE k 10 lt nx"),
        err(errors::EXPIRE_NX_AND_OTHERS)
    );
    assert_eq!(s.run("EXPIRE k 10 gt lt"), err(errors::EXPIRE_GT_AND_LT));
    // Options are checked before the time.
    assert_eq!(s.run("EXPIRE k x nx xx"), err(errors::EXPIRE_NX_AND_OTHERS));
    assert_eq!(s.run("EXPIRE k abc"), err(errors::NOT_INTEGER));
    assert_eq!(
        s.run("EXPIRE k 9223372036854775807"),
        err("ERR invalid expire time in 'expire' command")
    );
    assert_eq!(
        s.run("EXPIRE k -9223372036854775807"),
        err("ERR invalid expire time in 'expire' command")
    );
    assert_eq!(
        s.run("PEXPIRE k 9223372036854775807"),
        err("ERR invalid expire time in 'pexpire' command")
    );
    assert_eq!(
        s.run("EXPIREAT k 9223372036854775807"),
        err("ERR invalid expire time in 'expireat' command")
    );
    assert_eq!(s.run("PEXPIREAT k 9223372036854775807"), ":1\r\n");
    assert_eq!(s.run("PEXPIRETIME k"), ":9223372036854775807\r\n");
    assert_eq!(s.run("EXPIRETIME k"), ":9223372036854776\r\n");
    assert_eq!(
        s.run("EXPIRE k"),
        err("ERR wrong number of arguments for 'expire' command")
    );
}

#[test]
fn ttl_family_and_persist() {
    let mut s = Shard::new();
    for c in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(s.run(&format!("{c} nope")), ":-2\r\n");
    }
    s.put("k", "v");
    for c in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(s.run(&format!("{c} k")), ":-1\r\n");
    }
    assert_eq!(s.run("PERSIST k"), ":0\r\n");
    assert_eq!(s.run("PERSIST nope"), ":0\r\n");
    assert_eq!(s.run("PEXPIRE k 2500"), ":1\r\n");
    assert_eq!(s.run("TTL k"), ":3\r\n");
    assert_eq!(s.run("PERSIST k"), ":1\r\n");
    assert_eq!(s.run("TTL k"), ":-1\r\n");
    assert_eq!(s.ks.dbs[0].volatile_len(), 0);
    assert_eq!(s.ks.dirty, 2);
}

#[test]
fn keys_matches_and_skips_expired() {
    let mut s = Shard::new();
    for k in ["hello", "hallo", "hxllo", "world"] {
        s.put(k, "v");
    }
    s.put_in(0, "hillo", "v", T0 - 1);
    s.put_in(1, "other", "v", 0);
    assert_eq!(
        sorted_bulks(&s.run("KEYS *")),
        ["hallo", "hello", "hxllo", "world"]
    );
    assert_eq!(sorted_bulks(&s.run("KEYS h[ae]llo")), ["hallo", "hello"]);
    assert_eq!(
        sorted_bulks(&s.run("KEYS h?llo")),
        ["hallo", "hello", "hxllo"]
    );
    assert_eq!(s.run("KEYS nothing*"), "*0\r\n");
    s.db = 1;
    assert_eq!(s.run("KEYS *"), "*1\r\n$5\r\nother\r\n");
}

/// Runs SCAN to the end with `opts`, returning every key seen (sorted, deduplicated).
fn scan_all(s: &mut Shard, opts: &str) -> Vec<String> {
    let mut cursor = "0".to_string();
    let mut seen = Vec::new();
    for _ in 0..10_000 {
        let r = s.run(&format!("SCAN {cursor} {opts}"));
        let items = crate::protocol::scan::array_items(r.as_bytes()).expect("array");
        assert_eq!(items.len(), 2);
        cursor = String::from_utf8_lossy(items[0])
            .split("\r\n")
            .nth(1)
            .unwrap()
            .to_string();
        seen.extend(sorted_bulks(&String::from_utf8_lossy(items[1])));
        if cursor == "0" {
            seen.sort();
            seen.dedup();
            return seen;
        }
    }
    panic!("SCAN never finished");
}

#[test]
fn scan_walks_every_key() {
    let mut s = Shard::new();
    for i in 0..500 {
        s.put(&format!("key:{i}"), "v");
    }
    s.put("other", "v");
    let all = scan_all(&mut s, "");
    assert_eq!(all.len(), 501);
    assert_eq!(scan_all(&mut s, "COUNT 7").len(), 501);
    assert_eq!(scan_all(&mut s, "MATCH * COUNT 1000").len(), 501);
    assert_eq!(scan_all(&mut s, "match key:1?").len(), 10);
    assert_eq!(scan_all(&mut s, "MATCH oth* count 3"), ["other"]);
    assert_eq!(scan_all(&mut s, "TYPE string").len(), 501);
    assert_eq!(scan_all(&mut s, "TYPE STRING MATCH other"), ["other"]);
    assert!(scan_all(&mut s, "TYPE hash").is_empty());
    // One call with a large COUNT sees everything and ends.
    let r = s.run("SCAN 0 COUNT 10000");
    assert!(r.starts_with("*2\r\n$1\r\n0\r\n*501\r\n"), "{r}");
}

#[test]
fn scan_removes_expired_keys_it_meets() {
    let mut s = Shard::new();
    s.put("live", "v");
    s.put_in(0, "dead", "v", T0 - 1);
    assert_eq!(s.run("SCAN 0"), "*2\r\n$1\r\n0\r\n*1\r\n$4\r\nlive\r\n");
    assert_eq!(s.ks.dbs[0].len(), 1);
    assert_eq!(s.ks.dbs[0].expired_keys, 1);
}

#[test]
fn scan_errors_and_cursors() {
    let mut s = Shard::new();
    s.put("k", "v");
    assert_eq!(s.run("SCAN abc"), err("ERR invalid cursor"));
    assert_eq!(
        s.run("SCAN 18446744073709551616"),
        err("ERR invalid cursor")
    );
    assert_eq!(s.run("SCAN \" 0\""), err("ERR invalid cursor"));
    assert_eq!(s.run("SCAN 0x"), err("ERR invalid cursor"));
    assert_eq!(s.run("SCAN +"), err("ERR invalid cursor"));
    assert_eq!(s.run("SCAN 0 COUNT 0"), err("ERR syntax error"));
    assert_eq!(s.run("SCAN 0 COUNT -1"), err("ERR syntax error"));
    assert_eq!(s.run("SCAN 0 COUNT x"), err(errors::NOT_INTEGER));
    assert_eq!(s.run("SCAN 0 MATCH"), err("ERR syntax error"));
    assert_eq!(s.run("SCAN 0 FOO bar"), err("ERR syntax error"));
    // strtoul's forms: an empty cursor, a sign.
    for c in ["\"\"", "+0", "0"] {
        assert_eq!(
            s.run(&format!("SCAN {c}")),
            "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n"
        );
    }
    assert!(s.run("SCAN -1").starts_with("*2\r\n"));
    assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
    assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
}

#[test]
fn randomkey_picks_live_keys() {
    let mut s = Shard::new();
    assert_eq!(s.run("RANDOMKEY"), "$-1\r\n");
    s.put_in(0, "dead1", "v", T0 - 1);
    s.put_in(0, "dead2", "v", T0 - 1);
    assert_eq!(s.run("RANDOMKEY"), "$-1\r\n");
    assert_eq!(s.ks.dbs[0].len(), 0);
    s.put("only", "v");
    assert_eq!(s.run("RANDOMKEY"), bulk("only"));
    for i in 0..50 {
        s.put(&format!("k{i}"), "v");
    }
    for r in 0..20 {
        s.rand = r * 7919;
        let got = s.run("RANDOMKEY");
        assert!(got.starts_with('$') && !got.starts_with("$-1"), "{got}");
    }
}

#[test]
fn dbsize_flushdb_flushall() {
    let mut s = Shard::new();
    assert_eq!(s.run("DBSIZE"), ":0\r\n");
    s.put("a", "1");
    s.put("b", "1");
    s.put_in(2, "c", "1", 0);
    assert_eq!(s.run("DBSIZE"), ":2\r\n");
    assert_eq!(s.run("FLUSHDB x"), err("ERR syntax error"));
    assert_eq!(s.run("FLUSHDB sync x"), err("ERR syntax error"));
    assert_eq!(s.run("FLUSHALL foo"), err("ERR syntax error"));
    assert_eq!(s.run("FLUSHDB ASYNC"), "+OK\r\n");
    assert_eq!(s.run("DBSIZE"), ":0\r\n");
    assert_eq!(s.ks.dbs[2].len(), 1);
    s.put("a", "1");
    assert_eq!(s.run("FLUSHDB"), "+OK\r\n");
    assert_eq!(s.run("FLUSHALL sync"), "+OK\r\n");
    assert_eq!(s.ks.dbs[2].len(), 0);
    s.put("a", "1");
    assert_eq!(s.run("FLUSHALL"), "+OK\r\n");
    assert_eq!(s.run("FLUSHALL async"), "+OK\r\n");
    assert!(s.ks.dbs.iter().all(|d| d.is_empty()));
}

#[test]
fn swapdb_swaps_contents() {
    let mut s = Shard::new();
    s.put_in(0, "zero", "0", T0 + 1000);
    s.put_in(1, "one", "1", 0);
    assert_eq!(s.run("SWAPDB x 1"), err("ERR invalid first DB index"));
    assert_eq!(s.run("SWAPDB 0 x"), err("ERR invalid second DB index"));
    assert_eq!(
        s.run("SWAPDB 99999999999 1"),
        err("ERR invalid first DB index")
    );
    assert_eq!(
        s.run("SWAPDB 0 -99999999999"),
        err("ERR invalid second DB index")
    );
    assert_eq!(s.run("SWAPDB 0 16"), err("ERR DB index is out of range"));
    assert_eq!(s.run("SWAPDB -1 0"), err("ERR DB index is out of range"));
    assert_eq!(s.run("SWAPDB 0 0"), "+OK\r\n");
    assert_eq!(s.run("SWAPDB 1 0"), "+OK\r\n");
    assert_eq!(s.run("KEYS *"), "*1\r\n$3\r\none\r\n");
    assert_eq!(s.ks.dbs[1].volatile_len(), 1);
    assert_eq!(s.ks.dbs[0].volatile_len(), 0);
    s.db = 1;
    assert_eq!(s.run("PTTL zero"), ":1000\r\n");
}

#[test]
fn object_subcommands() {
    let mut s = Shard::new();
    s.put("int", "100");
    s.put("big", "123456");
    s.put("emb", "hello");
    s.put("raw", &"x".repeat(45));
    assert_eq!(s.run("OBJECT ENCODING int"), bulk("int"));
    assert_eq!(s.run("object encoding emb"), bulk("embstr"));
    assert_eq!(s.run("OBJECT ENCODING raw"), bulk("raw"));
    assert_eq!(s.run("OBJECT ENCODING nope"), "$-1\r\n");
    assert_eq!(s.run("OBJECT REFCOUNT int"), ":2147483647\r\n");
    assert_eq!(s.run("OBJECT REFCOUNT big"), ":1\r\n");
    assert_eq!(s.run("OBJECT REFCOUNT emb"), ":1\r\n");
    assert_eq!(s.run("OBJECT REFCOUNT nope"), "$-1\r\n");
    s.ks.dbs[0].set_entry(
        b"seen",
        Entry {
            value: Value::string(b"v"),
            expire_at: 0,
            access: lru_clock(T0),
            freq: crate::keyspace::evict::lfu_new(lru_clock(T0)),
        },
    );
    s.now = T0 + 42_500;
    assert_eq!(s.run("OBJECT IDLETIME seen"), ":42\r\n");
    assert_eq!(s.run("OBJECT IDLETIME nope"), "$-1\r\n");
    assert_eq!(s.run("OBJECT FREQ seen"), err(errors::LFU_NOT_SELECTED));
    assert_eq!(s.run("OBJECT FREQ nope"), "$-1\r\n");
    s.config.apply("maxmemory-policy", "allkeys-lfu").unwrap();
    assert_eq!(s.run("OBJECT IDLETIME seen"), err(errors::LFU_SELECTED));
    // 42.5 s after T0 (20 s into a minute) a new minute has begun: one decay step, as Redis.
    assert_eq!(s.run("OBJECT FREQ seen"), ":4\r\n");
    s.now = T0 + 120_000;
    assert_eq!(s.run("OBJECT FREQ seen"), ":3\r\n");
    s.config.apply("maxmemory", "100mb").unwrap();
    assert_eq!(s.run("OBJECT REFCOUNT int"), ":1\r\n");
}

#[test]
fn object_help_and_errors() {
    let mut s = Shard::new();
    let help = s.run("OBJECT HELP");
    assert!(
        help.starts_with(
            "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
        ),
        "{help}"
    );
    assert!(help.ends_with("+HELP\r\n+    Prints this help.\r\n"));
    assert_eq!(
        s.run("OBJECT help x"),
        err("ERR wrong number of arguments for 'object|help' command")
    );
    assert_eq!(
        s.run("OBJECT ENCODING"),
        err("ERR wrong number of arguments for 'object|encoding' command")
    );
    assert_eq!(
        s.run("OBJECT Freq a b"),
        err("ERR wrong number of arguments for 'object|freq' command")
    );
    assert_eq!(
        s.run("OBJECT idletime"),
        err("ERR wrong number of arguments for 'object|idletime' command")
    );
    assert_eq!(
        s.run("OBJECT REFCOUNT"),
        err("ERR wrong number of arguments for 'object|refcount' command")
    );
    assert_eq!(
        s.run("OBJECT foo"),
        err("ERR unknown subcommand 'foo'. Try OBJECT HELP.")
    );
    assert_eq!(
        s.run("OBJECT"),
        err("ERR wrong number of arguments for 'object' command")
    );
}

/// Redis 7.0.15's DUMP of the string "12345".
const DUMP_12345: &[u8] = b"\x00\xc1\x39\x30\x0a\x00\x9d\x94\xea\x27\x93\xfc\x08\xb9";

#[test]
fn dump_and_restore() {
    let mut s = Shard::new();
    assert_eq!(s.run("DUMP nope"), "$-1\r\n");
    s.put("n", "12345");
    let mut expected = format!("${}\r\n", DUMP_12345.len()).into_bytes();
    expected.extend_from_slice(DUMP_12345);
    expected.extend_from_slice(b"\r\n");
    assert_eq!(s.call(&[b"DUMP", b"n"]), expected);

    assert_eq!(
        s.call(&[b"RESTORE", b"n", b"0", DUMP_12345]),
        err(errors::BUSYKEY).into_bytes()
    );
    assert_eq!(s.call(&[b"RESTORE", b"m", b"0", DUMP_12345]), b"+OK\r\n");
    assert_eq!(s.get("m").as_deref(), Some(&b"12345"[..]));
    assert_eq!(s.run("OBJECT ENCODING m"), bulk("int"));
    assert_eq!(s.run("TTL m"), ":-1\r\n");
    assert_eq!(
        s.call(&[b"RESTORE", b"m", b"5000", DUMP_12345, b"REPLACE"]),
        b"+OK\r\n"
    );
    assert_eq!(s.run("PTTL m"), ":5000\r\n");
    let at = (T0 + 7000).to_string();
    assert_eq!(
        s.call(&[b"RESTORE", b"a", at.as_bytes(), DUMP_12345, b"ABSTTL"]),
        b"+OK\r\n"
    );
    assert_eq!(s.run("PTTL a"), ":7000\r\n");
    // A past absolute TTL creates nothing; with REPLACE it still deletes the old key.
    assert_eq!(
        s.call(&[b"RESTORE", b"p", b"1000", DUMP_12345, b"absttl"]),
        b"+OK\r\n"
    );
    assert_eq!(s.run("EXISTS p"), ":0\r\n");
    assert_eq!(
        s.call(&[b"RESTORE", b"a", b"1000", DUMP_12345, b"ABSTTL", b"REPLACE"]),
        b"+OK\r\n"
    );
    assert_eq!(s.run("EXISTS a"), ":0\r\n");
    // A relative TTL that overflows lands in the past, as in Redis.
    assert_eq!(
        s.call(&[b"RESTORE", b"o", b"9223372036854775807", DUMP_12345]),
        b"+OK\r\n"
    );
    assert_eq!(s.run("EXISTS o"), ":0\r\n");
    assert_eq!(s.ks.dirty, 4);
}

#[test]
fn restored_strings_get_redis_encodings() {
    let mut s = Shard::new();
    // Redis 7.0.15's DUMP of 'a' x 30 (LZF-compressed); it restores as embstr there.
    let a30 = b"\x00\xc3\x09\x1e\x01\x61\x61\xe0\x11\x00\x01\x61\x61\x0a\x00\x45\x73\x7c\xbb\x2b\x64\x7b\xbb";
    assert_eq!(s.call(&[b"RESTORE", b"a", b"0", a30]), b"+OK\r\n");
    assert_eq!(s.get("a"), Some(vec![b'a'; 30]));
    assert_eq!(s.run("OBJECT ENCODING a"), bulk("embstr"));
    s.put("x", &"x".repeat(45));
    let dumped = s.call(&[b"DUMP", b"x"]);
    let start = dumped.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    let payload = dumped[start..dumped.len() - 2].to_vec();
    assert_eq!(s.call(&[b"RESTORE", b"y", b"0", &payload]), b"+OK\r\n");
    assert_eq!(s.run("OBJECT ENCODING y"), bulk("raw"));
    assert_eq!(s.get("y"), Some(vec![b'x'; 45]));
}

#[test]
fn restore_options_and_errors() {
    let mut s = Shard::new();
    s.put("k", "v");
    let p = DUMP_12345;
    assert_eq!(
        s.call(&[b"RESTORE", b"i", b"0", p, b"IDLETIME", b"100"]),
        b"+OK\r\n"
    );
    assert_eq!(s.run("OBJECT IDLETIME i"), ":100\r\n");
    assert_eq!(
        s.call(&[b"RESTORE", b"f", b"0", p, b"FREQ", b"100"]),
        b"+OK\r\n"
    );
    assert_eq!(
        s.call(&[b"RESTORE", b"f", b"0", p, b"REPLACE", b"REPLACE", b"ABSTTL"]),
        b"+OK\r\n"
    );
    let e = |m: &str| err(m).into_bytes();
    assert_eq!(
        s.call(&[b"RESTORE", b"x", b"-1", p]),
        e(errors::INVALID_TTL)
    );
    assert_eq!(
        s.call(&[b"RESTORE", b"x", b"abc", p]),
        e(errors::NOT_INTEGER)
    );
    assert_eq!(
        s.call(&[b"RESTORE", b"x", b"0", b"garbage"]),
        e(errors::BAD_DUMP_PAYLOAD)
    );
    // The key check comes first, then the TTL, then the payload.
    assert_eq!(
        s.call(&[b"RESTORE", b"k", b"-1", b"garbage"]),
        e(errors::BUSYKEY)
    );
    assert_eq!(
        s.call(&[b"RESTORE", b"x", b"-1", b"garbage"]),
        e(errors::INVALID_TTL)
    );
    assert_eq!(
        s.call(&[b"RESTORE", b"x", b"0", p, b"IDLETIME", b"-1"]),
        e(errors::INVALID_IDLETIME)
    );
    assert_eq!(
        s.call(&[b"RESTORE", b"x", b"0", p, b"IDLETIME", b"x"]),
        e(errors::NOT_INTEGER)
    );
    assert_eq!(
        s.call(&[b"RESTORE", b"x", b"0", p, b"FREQ", b"256"]),
        e(errors::INVALID_FREQ)
    );
    assert_eq!(
        s.call(&[b"RESTORE", b"x", b"0", p, b"FREQ", b"-1"]),
        e(errors::INVALID_FREQ)
    );
    assert_eq!(
        s.call(&[b"RESTORE", b"x", b"0", p, b"FREQ", b"x"]),
        e(errors::NOT_INTEGER)
    );
    assert_eq!(
        s.call(&[b"RESTORE", b"x", b"0", p, b"IDLETIME", b"1", b"FREQ", b"2"]),
        e(errors::SYNTAX)
    );
    assert_eq!(
        s.call(&[b"RESTORE", b"x", b"0", p, b"IDLETIME"]),
        e(errors::SYNTAX)
    );
    assert_eq!(
        s.call(&[b"RESTORE", b"x", b"0", p, b"foo"]),
        e(errors::SYNTAX)
    );
    // Right checksum, unknown object type.
    let mut bad = vec![0x05u8, 0x01, b'a', 0x0a, 0x00];
    let crc = crate::keyspace::dump::crc64(0, &bad);
    bad.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(
        s.call(&[b"RESTORE", b"x", b"0", &bad]),
        e(errors::BAD_DATA_FORMAT)
    );
    assert_eq!(s.run("EXISTS x"), ":0\r\n");
    assert_eq!(
        s.run("RESTORE x 0"),
        err("ERR wrong number of arguments for 'restore' command")
    );
}

#[test]
fn internal_dump_and_take_carry_the_expiry() {
    let mut a = Shard::new();
    let mut b = Shard::new();
    for name in ["__dumpttl", "__takettl"] {
        assert!(lookup(name.as_bytes()).unwrap().has(INTERNAL));
    }
    assert_eq!(a.run("__DUMPTTL nope"), "*-1\r\n");
    assert_eq!(a.run("__takettl nope"), "*-1\r\n");
    a.put("plain", "12345");
    let mut expected = format!("*3\r\n${}\r\n", DUMP_12345.len()).into_bytes();
    expected.extend_from_slice(DUMP_12345);
    expected.extend_from_slice(b"\r\n:0\r\n:0\r\n");
    assert_eq!(a.call(&[b"__dumpttl", b"plain"]), expected);
    assert_eq!(a.run("EXISTS plain"), ":1\r\n");

    a.put_in(0, "src", &"payload ".repeat(20), T0 + 9000);
    let taken = a.call(&[b"__takettl", b"src"]);
    assert_eq!(a.run("EXISTS src"), ":0\r\n");
    assert_eq!(a.ks.dirty, 1);
    // The coordinator recreates it on the target's shard with RESTORE ... ABSTTL.
    let items = crate::protocol::scan::array_items(&taken).unwrap();
    let payload_reply = items[0];
    let header_end = payload_reply.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    let payload = &payload_reply[header_end..payload_reply.len() - 2];
    let at = crate::protocol::scan::reply_int(items[1]).unwrap();
    assert_eq!(at as u64, T0 + 9000);
    let at = at.to_string();
    assert_eq!(
        b.call(&[
            b"RESTORE",
            b"dst",
            at.as_bytes(),
            payload,
            b"ABSTTL",
            b"REPLACE"
        ]),
        b"+OK\r\n"
    );
    assert_eq!(b.get("dst"), Some("payload ".repeat(20).into_bytes()));
    assert_eq!(b.run("PTTL dst"), ":9000\r\n");
}
