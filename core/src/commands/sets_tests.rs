//! Unit tests of the set family: command lines run on one shard's keyspace and their reply
//! bytes are compared with what Redis 7.0.15 answers (checked against it), members compared
//! sorted where Redis's order is unspecified.

use super::*;
use crate::commands::lookup;
use crate::config::Config;
use crate::keyspace::dump::{dump_value, restore_value_for};
use crate::keyspace::Keyspace;
use crate::protocol::reader::split_args;
use crate::protocol::scan::{array_items, reply_len};
use crate::protocol::Protocol;

/// The time every test runs at (Unix ms).
const T0: u64 = 1_700_000_000_000;

/// One shard: a keyspace, a configuration, a protocol, a clock, and a random number that
/// changes with every call.
struct Shard {
    ks: Keyspace,
    config: Config,
    proto: Protocol,
    now: u64,
    rand: u64,
}

impl Shard {
    fn new() -> Shard {
        Shard {
            ks: Keyspace::new(1),
            config: Config::default(),
            proto: Protocol::Resp2,
            now: T0,
            rand: 1,
        }
    }

    fn call(&mut self, argv: &[&[u8]]) -> String {
        let (base, spans) = crate::protocol::args::joined(argv);
        let args = Args::new(&base, &spans);
        let command = lookup(args.get(0)).expect("known command");
        let mut out = Vec::new();
        let mut reply = Reply::new(&mut out, self.proto);
        self.rand = self
            .rand
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        if !command.arity_ok(args.len()) {
            reply.error(&errors::wrong_arity(command.name));
        } else if let Run::Shard(f) = command.run {
            let mut ctx = Ctx {
                ks: &mut self.ks,
                db: 0,
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
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Runs a command line (redis-cli quoting) and returns the reply as text.
    fn run(&mut self, line: &str) -> String {
        let mut spans = Vec::new();
        let mut buf = Vec::new();
        assert!(split_args(line.as_bytes(), &mut spans, &mut buf));
        let argv: Vec<&[u8]> = spans.iter().map(|s| &buf[s.clone()]).collect();
        self.call(&argv)
    }

    fn encoding(&mut self, key: &str) -> String {
        self.run(&format!("OBJECT ENCODING {key}"))
    }

    fn watched_change(&mut self, line: &str) -> bool {
        self.ks.dbs[0].watch(b"w", 99);
        self.ks.dbs[0].dirty_watchers.clear();
        self.run(line);
        let changed = self.ks.dbs[0].dirty_watchers.contains(&99);
        self.ks.dbs[0].unwatch(99);
        changed
    }
}

fn int(n: i64) -> String {
    format!(":{n}\r\n")
}

fn bulk(s: &str) -> String {
    format!("${}\r\n{s}\r\n", s.len())
}

fn err(msg: &str) -> String {
    format!("-{msg}\r\n")
}

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/// The bulk strings of an array or set reply, sorted.
fn sorted(reply: &str) -> Vec<String> {
    let mut v = unsorted(reply);
    v.sort();
    v
}

/// The bulk strings of an array or set reply, in order.
fn unsorted(reply: &str) -> Vec<String> {
    array_items(reply.as_bytes())
        .unwrap_or_else(|| panic!("not an array: {reply:?}"))
        .iter()
        .map(|b| {
            String::from_utf8_lossy(b)
                .split("\r\n")
                .nth(1)
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

fn strs(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn sadd_srem_scard_sismember() {
    let mut s = Shard::new();
    assert_eq!(s.run("SADD k a b c a"), int(3));
    assert_eq!(s.run("SADD k a d"), int(1));
    assert_eq!(s.run("SCARD k"), int(4));
    assert_eq!(s.run("SISMEMBER k a"), int(1));
    assert_eq!(s.run("SISMEMBER k z"), int(0));
    assert_eq!(s.run("SISMEMBER nope a"), int(0));
    assert_eq!(s.run("SCARD nope"), int(0));
    assert_eq!(s.run("SREM k a z a"), int(1));
    assert_eq!(s.run("SREM nope a"), int(0));
    assert_eq!(s.run("SREM k b c d"), int(3));
    assert_eq!(s.run("EXISTS k"), int(0), "the last member takes the key");
    assert_eq!(s.ks.dirty, 8);
    assert_eq!(
        s.run("SADD k"),
        err("ERR wrong number of arguments for 'sadd' command")
    );
    assert_eq!(
        s.run("SISMEMBER k"),
        err("ERR wrong number of arguments for 'sismember' command")
    );
    s.run("SET str x");
    for line in [
        "SADD str a",
        "SREM str a",
        "SCARD str",
        "SISMEMBER str a",
        "SMISMEMBER str a",
        "SMEMBERS str",
        "SPOP str",
        "SPOP str 0",
        "SRANDMEMBER str",
        "SRANDMEMBER str 0",
        "SSCAN str 0",
    ] {
        assert_eq!(s.run(line), WRONGTYPE, "{line}");
    }
    // Empty and binary members are members like any other.
    assert_eq!(s.run("SADD b \"\" \"\\x00\\xff\""), int(2));
    assert_eq!(s.run("SISMEMBER b \"\""), int(1));
    assert_eq!(s.run("SISMEMBER b \"\\x00\\xff\""), int(1));
}

#[test]
fn smismember_answers_each() {
    let mut s = Shard::new();
    s.run("SADD k a 1");
    assert_eq!(s.run("SMISMEMBER k a b 1"), "*3\r\n:1\r\n:0\r\n:1\r\n");
    assert_eq!(s.run("SMISMEMBER nope a b"), "*2\r\n:0\r\n:0\r\n");
    s.proto = Protocol::Resp3;
    assert_eq!(s.run("SMISMEMBER k a"), "*1\r\n:1\r\n");
}

#[test]
fn smembers_replies_a_set() {
    let mut s = Shard::new();
    s.run("SADD i 3 1 2");
    // An intset answers in ascending order, as Redis's.
    assert_eq!(
        s.run("SMEMBERS i"),
        format!("*3\r\n{}{}{}", bulk("1"), bulk("2"), bulk("3"))
    );
    s.proto = Protocol::Resp3;
    assert_eq!(
        s.run("SMEMBERS i"),
        format!("~3\r\n{}{}{}", bulk("1"), bulk("2"), bulk("3"))
    );
    assert_eq!(s.run("SMEMBERS nope"), "~0\r\n");
    s.proto = Protocol::Resp2;
    assert_eq!(s.run("SMEMBERS nope"), "*0\r\n");
    s.run("SADD h x y z");
    assert_eq!(sorted(&s.run("SMEMBERS h")), strs(&["x", "y", "z"]));
}

#[test]
fn encodings_follow_the_intset_limit() {
    let mut s = Shard::new();
    s.config.set_max_intset_entries = 3;
    s.run("SADD k 1 2 3");
    assert_eq!(s.encoding("k"), bulk("intset"));
    s.run("SADD k 4");
    assert_eq!(s.encoding("k"), bulk("hashtable"));
    s.run("SREM k 4 3");
    assert_eq!(s.encoding("k"), bulk("hashtable"), "never back");
    // Adding more than the limit at once, to a new key.
    s.run("SADD n 1 2 3 4");
    assert_eq!(s.encoding("n"), bulk("hashtable"));
    // A member that is not an integer in Redis's strict sense.
    for m in ["a", "01", "-0", "+1", "1.5", "99999999999999999999"] {
        s.run("DEL k");
        s.run("SADD k 1");
        s.run(&format!("SADD k {m}"));
        assert_eq!(s.encoding("k"), bulk("hashtable"), "{m}");
    }
    s.run("DEL k");
    s.run("SADD k -9223372036854775808 9223372036854775807");
    assert_eq!(s.encoding("k"), bulk("intset"));
    // The limit is read at each write.
    s.config.set_max_intset_entries = 0;
    s.run("SADD z 1");
    assert_eq!(s.encoding("z"), bulk("hashtable"));
}

#[test]
fn writes_tell_watchers_only_of_changes() {
    let mut s = Shard::new();
    s.run("SADD w a b");
    assert!(!s.watched_change("SADD w a"));
    assert!(s.watched_change("SADD w c"));
    assert!(!s.watched_change("SREM w z"));
    assert!(s.watched_change("SREM w c"));
    assert!(!s.watched_change("SMOVE w other z"));
    assert!(s.watched_change("SMOVE w other a"));
    s.run("SADD o2 b");
    assert!(
        !s.watched_change("SMOVE o2 w b"),
        "already in the destination"
    );
    assert!(!s.watched_change("SPOP nope"));
    assert!(s.watched_change("SPOP w"));
    assert_eq!(s.run("EXISTS w"), int(0));
}

#[test]
fn spop_without_and_with_count() {
    let mut s = Shard::new();
    assert_eq!(s.run("SPOP nope"), "$-1\r\n");
    s.run("SADD k a b c");
    let one = s.run("SPOP k");
    let got = one.split("\r\n").nth(1).unwrap().to_string();
    assert!(["a", "b", "c"].contains(&got.as_str()));
    assert_eq!(s.run(&format!("SISMEMBER k {got}")), int(0));
    assert_eq!(s.run("SCARD k"), int(2));
    // With a count: a set reply, the key gone when it empties.
    assert_eq!(s.run("SPOP k 0"), "*0\r\n");
    let two = s.run("SPOP k 5");
    assert!(two.starts_with("*2\r\n"), "{two}");
    assert_eq!(s.run("EXISTS k"), int(0));
    assert_eq!(s.run("SPOP k 2"), "*0\r\n");
    s.proto = Protocol::Resp3;
    assert_eq!(s.run("SPOP nope"), "_\r\n");
    assert_eq!(s.run("SPOP nope 3"), "~0\r\n");
    s.run("SADD k 1 2 3 4 5 6 7 8 9 10");
    let popped = s.run("SPOP k 3");
    assert!(popped.starts_with("~3\r\n"), "{popped}");
    let rest = s.run("SMEMBERS k");
    let mut all = sorted(&popped);
    all.extend(sorted(&rest));
    all.sort_by_key(|m| m.parse::<i64>().unwrap());
    assert_eq!(all, (1..=10).map(|i| i.to_string()).collect::<Vec<_>>());
    assert!(s.run("SPOP k 100").len() > 4);
    s.proto = Protocol::Resp2;
    // Errors: the count is checked before the key.
    for line in ["SPOP k -1", "SPOP nope -1", "SPOP k abc", "SPOP str x"] {
        assert_eq!(
            s.run(line),
            err("ERR value is out of range, must be positive"),
            "{line}"
        );
    }
    assert_eq!(s.run("SPOP k 1 2"), err("ERR syntax error"));
}

#[test]
fn spop_deep_reencodes_as_redis() {
    // Popping all but one of 7: Redis builds a new set from the member it keeps, so a
    // hashtable left with an integer becomes an intset.
    let mut intsets = 0;
    for _ in 0..30 {
        let mut s = Shard::new();
        s.run("SADD k a 1 2 3 4 5 6");
        s.rand = intsets * 7919 + 13;
        s.run("SPOP k 6");
        let left = s.run("SMEMBERS k");
        let expected = if left.contains("$1\r\na") {
            "hashtable"
        } else {
            "intset"
        };
        assert_eq!(s.encoding("k"), bulk(expected));
        if expected == "intset" {
            intsets += 1;
        }
    }
    assert!(intsets > 0);
}

#[test]
fn srandmember_counts() {
    let mut s = Shard::new();
    assert_eq!(s.run("SRANDMEMBER nope"), "$-1\r\n");
    assert_eq!(s.run("SRANDMEMBER nope 3"), "*0\r\n");
    assert_eq!(s.run("SRANDMEMBER nope -3"), "*0\r\n");
    s.run("SADD k a b c d e");
    let one = s.run("SRANDMEMBER k");
    assert!(one.starts_with("$1\r\n"));
    assert_eq!(s.run("SRANDMEMBER k 0"), "*0\r\n");
    assert_eq!(
        sorted(&s.run("SRANDMEMBER k 10")),
        strs(&["a", "b", "c", "d", "e"])
    );
    for n in 1..5 {
        let got = unsorted(&s.run(&format!("SRANDMEMBER k {n}")));
        let mut distinct = got.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!((got.len(), distinct.len()), (n, n));
    }
    let reps = unsorted(&s.run("SRANDMEMBER k -20"));
    assert_eq!(reps.len(), 20);
    let mut distinct = reps.clone();
    distinct.sort();
    distinct.dedup();
    assert!(distinct.len() < 20);
    assert_eq!(s.run("SCARD k"), int(5), "nothing removed");
    // Arrays even in RESP3.
    s.proto = Protocol::Resp3;
    assert!(s.run("SRANDMEMBER k 10").starts_with("*5\r\n"));
    assert!(s.run("SRANDMEMBER k -2").starts_with("*2\r\n"));
    assert_eq!(s.run("SRANDMEMBER nope"), "_\r\n");
    s.proto = Protocol::Resp2;
    assert_eq!(
        s.run("SRANDMEMBER k -9223372036854775808"),
        err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    );
    assert_eq!(
        s.run("SRANDMEMBER k 9223372036854775808"),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        s.run("SRANDMEMBER k x"),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(s.run("SRANDMEMBER k 1 2"), err("ERR syntax error"));
    // Every member comes up.
    let mut seen = std::collections::HashSet::new();
    for _ in 0..200 {
        seen.insert(s.run("SRANDMEMBER k"));
    }
    assert_eq!(seen.len(), 5);
    s.run("SADD i 1 2 3");
    let mut seen = std::collections::HashSet::new();
    for _ in 0..100 {
        seen.insert(s.run("SRANDMEMBER i"));
    }
    assert_eq!(seen.len(), 3);
}

#[test]
fn smove_semantics() {
    let mut s = Shard::new();
    s.run("SADD src a b 1");
    s.run("SET str x");
    assert_eq!(
        s.run("SMOVE nope str a"),
        int(0),
        "a missing source answers 0 first"
    );
    assert_eq!(s.run("SMOVE src str a"), WRONGTYPE);
    assert_eq!(s.run("SMOVE src str zz"), WRONGTYPE);
    assert_eq!(s.run("SMOVE str src a"), WRONGTYPE);
    assert_eq!(s.run("SMOVE str str a"), WRONGTYPE);
    assert_eq!(s.run("SMOVE src src a"), int(1));
    assert_eq!(s.run("SMOVE src src zz"), int(0));
    assert_eq!(s.run("SMOVE src dst zz"), int(0));
    assert_eq!(s.run("EXISTS dst"), int(0));
    assert_eq!(s.run("SMOVE src dst 1"), int(1));
    assert_eq!(s.encoding("dst"), bulk("intset"), "created for an integer");
    assert_eq!(s.run("SMOVE src dst a"), int(1));
    assert_eq!(s.encoding("dst"), bulk("hashtable"));
    s.run("SADD dst b");
    assert_eq!(
        s.run("SMOVE src dst b"),
        int(1),
        "already there: moved all the same"
    );
    assert_eq!(
        s.run("EXISTS src"),
        int(0),
        "the source went with its last member"
    );
    assert_eq!(sorted(&s.run("SMEMBERS dst")), strs(&["1", "a", "b"]));
    // The destination keeps its TTL.
    s.run("SADD src c");
    s.run(&format!("PEXPIREAT dst {}", T0 + 100_000));
    s.run("SMOVE src dst c");
    assert_eq!(s.run("PTTL dst"), int(100_000));
}

#[test]
fn sinter_and_friends() {
    let mut s = Shard::new();
    s.run("SADD a 1 2 3 x");
    s.run("SADD b 2 3 4 x");
    s.run("SADD c 3 4 5 x");
    s.run("SET str v");
    assert_eq!(sorted(&s.run("SINTER a b c")), strs(&["3", "x"]));
    assert_eq!(sorted(&s.run("SINTER a")), strs(&["1", "2", "3", "x"]));
    assert_eq!(sorted(&s.run("SINTER a a")), strs(&["1", "2", "3", "x"]));
    assert_eq!(s.run("SINTER a nope"), "*0\r\n");
    assert_eq!(s.run("SINTER nope str"), WRONGTYPE, "every key is checked");
    assert_eq!(s.run("SINTER str nope"), WRONGTYPE);
    assert_eq!(s.run("SINTERCARD 3 a b c"), int(2));
    assert_eq!(s.run("SINTERCARD 2 a b"), int(3));
    assert_eq!(s.run("SINTERCARD 2 a b LIMIT 2"), int(2));
    assert_eq!(s.run("SINTERCARD 2 a b limit 0"), int(3));
    assert_eq!(s.run("SINTERCARD 2 a b LIMIT 1 LIMIT 5"), int(3));
    assert_eq!(s.run("SINTERCARD 2 a nope"), int(0));
    assert_eq!(s.run("SINTERCARD 1 str"), WRONGTYPE);
    assert_eq!(s.run("SINTERCARD 2 nope str"), WRONGTYPE);
    for (line, msg) in [
        ("SINTERCARD 0 a", "ERR numkeys should be greater than 0"),
        ("SINTERCARD -1 a", "ERR numkeys should be greater than 0"),
        ("SINTERCARD x a", "ERR numkeys should be greater than 0"),
        (
            "SINTERCARD 2 a",
            "ERR Number of keys can't be greater than number of args",
        ),
        ("SINTERCARD 1 a LIMIT", "ERR syntax error"),
        ("SINTERCARD 1 a foo 1", "ERR syntax error"),
        ("SINTERCARD 1 nope str", "ERR syntax error"),
        ("SINTERCARD 1 a LIMIT -1", "ERR LIMIT can't be negative"),
        ("SINTERCARD 1 a LIMIT x", "ERR LIMIT can't be negative"),
    ] {
        assert_eq!(s.run(line), err(msg), "{line}");
    }
    // STORE: the count; the destination replaced (its TTL gone) or deleted when empty.
    s.run("SET d old PX 5000");
    assert_eq!(s.run("SINTERSTORE d a b"), int(3));
    assert_eq!(s.run("TTL d"), int(-1));
    assert_eq!(s.encoding("d"), bulk("hashtable"));
    assert_eq!(s.run("SINTERSTORE d a b c"), int(2));
    assert_eq!(s.run("SINTERSTORE d a nope"), int(0));
    assert_eq!(s.run("EXISTS d"), int(0));
    assert_eq!(s.run("SINTERSTORE d nope"), int(0));
    assert_eq!(s.run("SINTERSTORE d str"), WRONGTYPE);
    s.run("SADD i1 1 2 3");
    s.run("SADD i2 2 3 4");
    assert_eq!(s.run("SINTERSTORE d i1 i2"), int(2));
    assert_eq!(s.encoding("d"), bulk("intset"));
    // The destination may be a source.
    assert_eq!(s.run("SINTERSTORE a a b"), int(3));
    assert_eq!(sorted(&s.run("SMEMBERS a")), strs(&["2", "3", "x"]));
    s.proto = Protocol::Resp3;
    assert!(s.run("SINTER a b").starts_with("~3\r\n"));
    assert_eq!(s.run("SINTER a nope"), "~0\r\n");
}

#[test]
fn sunion_sdiff_and_stores() {
    let mut s = Shard::new();
    s.run("SADD a 1 2 3 x");
    s.run("SADD b 2 3 4");
    s.run("SADD c 3 y");
    s.run("SET str v");
    assert_eq!(
        sorted(&s.run("SUNION a b c")),
        strs(&["1", "2", "3", "4", "x", "y"])
    );
    assert_eq!(sorted(&s.run("SUNION a nope")), strs(&["1", "2", "3", "x"]));
    assert_eq!(s.run("SUNION nope"), "*0\r\n");
    // An all-integer result is an intset, replied in ascending order as Redis's.
    assert_eq!(
        s.run("SUNION b nope"),
        format!("*3\r\n{}{}{}", bulk("2"), bulk("3"), bulk("4"))
    );
    assert_eq!(sorted(&s.run("SDIFF a b c")), strs(&["1", "x"]));
    assert_eq!(sorted(&s.run("SDIFF a nope")), strs(&["1", "2", "3", "x"]));
    assert_eq!(s.run("SDIFF nope a"), "*0\r\n");
    assert_eq!(s.run("SDIFF a a"), "*0\r\n");
    assert_eq!(s.run("SDIFF nope str"), WRONGTYPE);
    assert_eq!(s.run("SUNION nope str"), WRONGTYPE);
    // The second algorithm (a small first set, large others) agrees.
    s.run("SADD small 1 2 x");
    let big: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    s.run(&format!("SADD big {}", big.join(" ")));
    assert_eq!(sorted(&s.run("SDIFF small big")), strs(&["x"]));
    assert_eq!(s.run("SDIFF small big small"), "*0\r\n");
    // STORE forms.
    s.run("SET d old PX 5000");
    assert_eq!(s.run("SUNIONSTORE d a b"), int(5));
    assert_eq!(s.run("TTL d"), int(-1));
    assert_eq!(s.run("SDIFFSTORE d a b"), int(2));
    assert_eq!(s.encoding("d"), bulk("hashtable"));
    assert_eq!(s.run("SDIFFSTORE d b nope"), int(3));
    assert_eq!(s.encoding("d"), bulk("intset"));
    assert_eq!(s.run("SDIFFSTORE d a a"), int(0));
    assert_eq!(s.run("EXISTS d"), int(0));
    assert_eq!(s.run("SUNIONSTORE d nope"), int(0));
    assert_eq!(s.run("SDIFFSTORE str nope"), int(0));
    assert_eq!(
        s.run("EXISTS str"),
        int(0),
        "an empty result deletes any type"
    );
    s.run("SET str v");
    assert_eq!(s.run("SUNIONSTORE d a str"), WRONGTYPE);
    assert_eq!(
        s.run("SUNIONSTORE str a"),
        int(4),
        "a destination of another type is replaced"
    );
    assert_eq!(s.run("TYPE str"), "+set\r\n");
    s.proto = Protocol::Resp3;
    assert!(s.run("SUNION a b").starts_with("~5\r\n"));
    assert!(s.run("SDIFF a b").starts_with("~2\r\n"));
    assert_eq!(s.run("SDIFF nope"), "~0\r\n");
    // The result's encoding follows the limit.
    s.config.set_max_intset_entries = 2;
    s.proto = Protocol::Resp2;
    assert_eq!(s.run("SUNIONSTORE d b"), int(3));
    assert_eq!(s.encoding("d"), bulk("hashtable"));
}

#[test]
fn sscan_walks_everything() {
    let mut s = Shard::new();
    assert_eq!(s.run("SSCAN nope 0"), "*2\r\n$1\r\n0\r\n*0\r\n");
    assert_eq!(s.run("SSCAN nope 0 BOGUS"), "*2\r\n$1\r\n0\r\n*0\r\n");
    assert_eq!(s.run("SSCAN nope x"), err("ERR invalid cursor"));
    s.run("SADD i 1 2 3 10");
    // An intset: everything at once, cursor 0, whatever COUNT and cursor say.
    assert_eq!(
        s.run("SSCAN i 7 COUNT 1"),
        format!(
            "*2\r\n$1\r\n0\r\n*4\r\n{}{}{}{}",
            bulk("1"),
            bulk("2"),
            bulk("3"),
            bulk("10")
        )
    );
    assert_eq!(
        s.run("SSCAN i 0 MATCH 1*"),
        format!("*2\r\n$1\r\n0\r\n*2\r\n{}{}", bulk("1"), bulk("10"))
    );
    let members: Vec<String> = (0..100).map(|i| format!("m{i}")).collect();
    s.run(&format!("SADD h {}", members.join(" ")));
    let mut seen = Vec::new();
    let mut cursor = "0".to_string();
    let mut calls = 0;
    loop {
        let r = s.run(&format!("SSCAN h {cursor} COUNT 7"));
        let items = array_items(r.as_bytes()).unwrap();
        cursor = String::from_utf8_lossy(items[0])
            .split("\r\n")
            .nth(1)
            .unwrap()
            .to_string();
        seen.extend(unsorted(&String::from_utf8_lossy(items[1])));
        calls += 1;
        if cursor == "0" {
            break;
        }
    }
    assert!(calls > 10);
    seen.sort();
    let mut expected = members.clone();
    expected.sort();
    assert_eq!(seen, expected);
    let r = s.run("SSCAN h 0 COUNT 1000 MATCH m1?");
    let items = array_items(r.as_bytes()).unwrap();
    assert_eq!(items[0], b"$1\r\n0\r\n");
    assert_eq!(sorted(&String::from_utf8_lossy(items[1])).len(), 10);
    for (line, msg) in [
        ("SSCAN h x", "ERR invalid cursor"),
        ("SSCAN h 0 COUNT 0", "ERR syntax error"),
        ("SSCAN h 0 COUNT -1", "ERR syntax error"),
        (
            "SSCAN h 0 COUNT x",
            "ERR value is not an integer or out of range",
        ),
        ("SSCAN h 0 TYPE string", "ERR syntax error"),
        ("SSCAN h 0 MATCH", "ERR syntax error"),
    ] {
        assert_eq!(s.run(line), err(msg), "{line}");
    }
    // Scans are arrays in RESP3 too.
    s.proto = Protocol::Resp3;
    assert!(s.run("SSCAN i 0").starts_with("*2\r\n"));
}

#[test]
fn dump_and_restore_pick_encodings() {
    let mut s = Shard::new();
    s.run("SADD i 5 -3 100000 70000 -70000");
    let entry = s.ks.dbs[0].get(b"i", T0).unwrap();
    // Redis 7.0.15's DUMP of the same set.
    let mut expected = vec![0x0b, 0x1c, 4, 0, 0, 0, 5, 0, 0, 0];
    for v in [-70000i32, -3, 5, 70000, 100000] {
        expected.extend_from_slice(&v.to_le_bytes());
    }
    expected.extend_from_slice(b"\x0a\x00\xd3*#~\xe4\x03hW");
    assert_eq!(dump_value(&entry.value), expected);
    let small = Config {
        set_max_intset_entries: 2,
        ..Config::default()
    };
    let back = restore_value_for(&expected, &small).unwrap();
    assert_eq!(back.encoding(), "hashtable");
    let back = restore_value_for(&expected, &Config::default()).unwrap();
    assert_eq!(back.encoding(), "intset");
    assert_eq!(&back, &entry.value);
    // Compressed intsets too (Redis 7.0.15's bytes).
    s.run("SADD big 9223372036854775807 -9223372036854775808 0");
    let dumped = dump_value(&s.ks.dbs[0].get(b"big", T0).unwrap().value);
    assert_eq!(
        dumped,
        b"\x0b\xc3\x16 \x04\x08\x00\x00\x00\x03 \x03\xa0\x00\x00\x80\xa0\x07\x01\x00\xff`\x00\x01\xff\x7f\n\x00Z\xd4{7=\x83,\n"
    );
    // A hashtable of one member, as Redis writes it.
    s.run("SADD ht a");
    let dumped = dump_value(&s.ks.dbs[0].get(b"ht", T0).unwrap().value);
    assert_eq!(dumped, b"\x02\x01\x01a\n\x00b\x96\xe9~D\xd2\x1am");
}
