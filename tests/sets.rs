//! The set commands of Redis 7.0: every command, option and error reply, the `intset` and
//! `hashtable` encodings and the conversion at `set-max-intset-entries`, multi-key commands with
//! keys on one shard (hash tags) and on both, RESP3 reply types, SSCAN's guarantee, and
//! DUMP/RESTORE with the encoding chosen on load.
//!
//! Random replies (SPOP, SRANDMEMBER) and unordered ones (SMEMBERS, SINTER...) are compared
//! sorted. Every test passes against real Redis too (`TESSERA_TEST_SERVER=redis`), with the
//! keys of multi-key commands on one shard and on both.

mod common;

use common::*;
use redis::Value;
use std::collections::HashSet;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

/// The members of a set reply, sorted.
fn members(c: &mut redis::Connection, args: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = q(c, args);
    v.sort();
    v
}

fn strs(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

fn encoding(c: &mut redis::Connection, key: &str) -> String {
    q(c, &["OBJECT", "ENCODING", key])
}

/// `n` keys `{tag}name` that share `tag`'s shard.
fn tagged(tag: &str, names: &[&str]) -> Vec<String> {
    names.iter().map(|n| format!("{{{tag}}}{n}")).collect()
}

#[test]
fn sadd_srem_scard_sismember_smismember() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(q::<i64>(&mut c, &["SADD", "s", "a", "b", "c", "a"]), 3);
    assert_eq!(q::<i64>(&mut c, &["SADD", "s", "a", "d"]), 1);
    assert_eq!(q::<i64>(&mut c, &["SCARD", "s"]), 4);
    assert_eq!(q::<i64>(&mut c, &["SCARD", "missing"]), 0);
    assert_eq!(q::<i64>(&mut c, &["SISMEMBER", "s", "a"]), 1);
    assert_eq!(q::<i64>(&mut c, &["SISMEMBER", "s", "z"]), 0);
    assert_eq!(q::<i64>(&mut c, &["SISMEMBER", "missing", "a"]), 0);
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["SMISMEMBER", "s", "a", "z", "d"]),
        vec![1, 0, 1]
    );
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["SMISMEMBER", "missing", "a", "b"]),
        vec![0, 0]
    );
    assert_eq!(q::<i64>(&mut c, &["SREM", "s", "a", "z", "a"]), 1);
    assert_eq!(q::<i64>(&mut c, &["SREM", "missing", "a"]), 0);
    assert_eq!(members(&mut c, &["SMEMBERS", "s"]), strs(&["b", "c", "d"]));
    assert_eq!(q::<i64>(&mut c, &["SREM", "s", "b", "c", "d"]), 3);
    assert_eq!(
        q::<i64>(&mut c, &["EXISTS", "s"]),
        0,
        "the last member takes the key"
    );
    assert!(members(&mut c, &["SMEMBERS", "s"]).is_empty());
    // Binary and empty members.
    let bin: Vec<u8> = (0..=255u8).collect();
    let added: i64 = redis::cmd("SADD")
        .arg("b")
        .arg(&bin[..])
        .arg("")
        .query(&mut c)
        .unwrap();
    assert_eq!(added, 2);
    let is: i64 = redis::cmd("SISMEMBER")
        .arg("b")
        .arg(&bin[..])
        .query(&mut c)
        .unwrap();
    assert_eq!(is, 1);
    assert_eq!(q::<i64>(&mut c, &["SISMEMBER", "b", ""]), 1);
    assert_eq!(q::<String>(&mut c, &["TYPE", "b"]), "set");
}

#[test]
fn arity_and_wrongtype_errors() {
    let server = Server::start(&[]);
    let mut c = server.client();
    for (args, name) in [
        (&["SADD", "k"][..], "sadd"),
        (&["SREM", "k"], "srem"),
        (&["SMEMBERS"], "smembers"),
        (&["SMEMBERS", "a", "b"], "smembers"),
        (&["SISMEMBER", "k"], "sismember"),
        (&["SMISMEMBER", "k"], "smismember"),
        (&["SCARD"], "scard"),
        (&["SPOP"], "spop"),
        (&["SRANDMEMBER"], "srandmember"),
        (&["SMOVE", "a", "b"], "smove"),
        (&["SINTER"], "sinter"),
        (&["SINTERCARD", "1"], "sintercard"),
        (&["SINTERSTORE", "d"], "sinterstore"),
        (&["SUNION"], "sunion"),
        (&["SUNIONSTORE", "d"], "sunionstore"),
        (&["SDIFF"], "sdiff"),
        (&["SDIFFSTORE", "d"], "sdiffstore"),
        (&["SSCAN", "k"], "sscan"),
    ] {
        assert_eq!(
            err(&mut c, args),
            format!("ERR wrong number of arguments for '{name}' command"),
            "{args:?}"
        );
    }
    assert_ok(&mut c, &["SET", "str", "x"]);
    for args in [
        &["SADD", "str", "a"][..],
        &["SREM", "str", "a"],
        &["SMEMBERS", "str"],
        &["SISMEMBER", "str", "a"],
        &["SMISMEMBER", "str", "a"],
        &["SCARD", "str"],
        &["SPOP", "str"],
        &["SPOP", "str", "0"],
        &["SRANDMEMBER", "str"],
        &["SRANDMEMBER", "str", "0"],
        &["SINTER", "str"],
        &["SINTERCARD", "1", "str"],
        &["SUNION", "str"],
        &["SDIFF", "str"],
        &["SSCAN", "str", "0"],
        &["SMOVE", "str", "str", "a"],
    ] {
        assert_eq!(err(&mut c, args), WRONGTYPE, "{args:?}");
    }
    // The string is untouched.
    assert_eq!(q::<String>(&mut c, &["GET", "str"]), "x");
}

#[test]
fn spop_with_and_without_count() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(v(&mut c, &["SPOP", "missing"]), Value::Nil);
    assert_eq!(v(&mut c, &["SPOP", "missing", "3"]), Value::Array(vec![]));
    let all = ["a", "b", "c", "d", "e", "f", "g", "h"];
    let mut args = vec!["SADD", "s"];
    args.extend_from_slice(&all);
    q::<i64>(&mut c, &args);
    let one: String = q(&mut c, &["SPOP", "s"]);
    assert!(all.contains(&one.as_str()));
    assert_eq!(q::<i64>(&mut c, &["SISMEMBER", "s", &one]), 0);
    assert_eq!(v(&mut c, &["SPOP", "s", "0"]), Value::Array(vec![]));
    let three: Vec<String> = q(&mut c, &["SPOP", "s", "3"]);
    assert_eq!(three.len(), 3);
    assert_eq!(three.iter().collect::<HashSet<_>>().len(), 3);
    let rest = members(&mut c, &["SMEMBERS", "s"]);
    assert_eq!(rest.len(), 4);
    let mut seen: Vec<String> = rest.into_iter().chain(three).collect();
    seen.push(one);
    seen.sort();
    assert_eq!(seen, strs(&all));
    // A count past the size: everything, and the key goes.
    let last: Vec<String> = q(&mut c, &["SPOP", "s", "100"]);
    assert_eq!(last.len(), 4);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "s"]), 0);
    // Errors: the count is checked before the key.
    for args in [
        &["SPOP", "s", "-1"][..],
        &["SPOP", "missing", "x"],
        &["SPOP", "s", "1.5"],
    ] {
        assert_eq!(
            err(&mut c, args),
            "ERR value is out of range, must be positive"
        );
    }
    assert_eq!(err(&mut c, &["SPOP", "s", "1", "2"]), "ERR syntax error");
    // Popping from an intset and a hashtable drains either, with no member twice.
    for (key, make) in [("ints", 0..50), ("strs", 0..50)] {
        let items: Vec<String> = make
            .map(|i| {
                if key == "ints" {
                    i.to_string()
                } else {
                    format!("m{i}")
                }
            })
            .collect();
        let mut args = vec!["SADD", key];
        args.extend(items.iter().map(|s| s.as_str()));
        q::<i64>(&mut c, &args);
        let mut got: Vec<String> = Vec::new();
        for n in [1, 7, 20, 30] {
            let popped: Vec<String> = q(&mut c, &["SPOP", key, &n.to_string()]);
            got.extend(popped);
        }
        let mut expected = items.clone();
        expected.sort();
        got.sort();
        assert_eq!(got, expected, "{key}");
        assert_eq!(q::<i64>(&mut c, &["EXISTS", key]), 0);
    }
}

#[test]
fn srandmember_counts_and_randomness() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(v(&mut c, &["SRANDMEMBER", "missing"]), Value::Nil);
    assert_eq!(
        v(&mut c, &["SRANDMEMBER", "missing", "5"]),
        Value::Array(vec![])
    );
    assert_eq!(
        v(&mut c, &["SRANDMEMBER", "missing", "-5"]),
        Value::Array(vec![])
    );
    q::<i64>(&mut c, &["SADD", "s", "a", "b", "c", "d", "e"]);
    q::<i64>(&mut c, &["SADD", "i", "1", "2", "3", "4", "5"]);
    for key in ["s", "i"] {
        let everyone = members(&mut c, &["SMEMBERS", key]);
        let mut seen = HashSet::new();
        for _ in 0..300 {
            let m: String = q(&mut c, &["SRANDMEMBER", key]);
            seen.insert(m);
        }
        assert_eq!(seen.len(), 5, "{key}: every member comes up");
        assert_eq!(v(&mut c, &["SRANDMEMBER", key, "0"]), Value::Array(vec![]));
        for n in 1..=4 {
            let got: Vec<String> = q(&mut c, &["SRANDMEMBER", key, &n.to_string()]);
            assert_eq!(got.len(), n);
            assert_eq!(got.iter().collect::<HashSet<_>>().len(), n, "distinct");
            assert!(got.iter().all(|m| everyone.contains(m)));
        }
        assert_eq!(members(&mut c, &["SRANDMEMBER", key, "10"]), everyone);
        let reps: Vec<String> = q(&mut c, &["SRANDMEMBER", key, "-50"]);
        assert_eq!(reps.len(), 50);
        assert!(reps.iter().collect::<HashSet<_>>().len() < 50, "repeats");
        assert!(reps.iter().all(|m| everyone.contains(m)));
        assert_eq!(q::<i64>(&mut c, &["SCARD", key]), 5, "nothing removed");
    }
    assert_eq!(
        err(&mut c, &["SRANDMEMBER", "s", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        err(&mut c, &["SRANDMEMBER", "s", "-9223372036854775808"]),
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    );
    assert_eq!(
        err(&mut c, &["SRANDMEMBER", "s", "1", "2"]),
        "ERR syntax error"
    );
}

#[test]
fn smove_semantics() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let k = tagged("mv", &["src", "dst", "str", "missing", "new"]);
    let (src, dst, s, missing, new) = (&k[0], &k[1], &k[2], &k[3], &k[4]);
    q::<i64>(&mut c, &["SADD", src, "a", "b", "1"]);
    assert_ok(&mut c, &["SET", s, "x"]);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", missing, s, "a"]), 0);
    assert_eq!(err(&mut c, &["SMOVE", src, s, "a"]), WRONGTYPE);
    assert_eq!(err(&mut c, &["SMOVE", src, s, "zz"]), WRONGTYPE);
    assert_eq!(err(&mut c, &["SMOVE", s, src, "a"]), WRONGTYPE);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", src, src, "a"]), 1);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", src, src, "zz"]), 0);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", src, dst, "zz"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", dst]), 0);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", src, new, "1"]), 1);
    assert_eq!(encoding(&mut c, new), "intset");
    assert_eq!(q::<i64>(&mut c, &["SMOVE", src, dst, "a"]), 1);
    assert_eq!(encoding(&mut c, dst), "hashtable");
    q::<i64>(&mut c, &["SADD", dst, "b"]);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", src, dst, "b"]), 1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", src]), 0);
    assert_eq!(members(&mut c, &["SMEMBERS", dst]), strs(&["a", "b"]));
    assert_eq!(members(&mut c, &["SMEMBERS", new]), strs(&["1"]));
    // Across shards: the member leaves one shard and arrives on the other.
    let (a, b) = key_pair("smove");
    q::<i64>(&mut c, &["SADD", &a, "x", "y"]);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", &a, &b, "x"]), 1);
    assert_eq!(q::<i64>(&mut c, &["SISMEMBER", &a, "x"]), 0);
    assert_eq!(members(&mut c, &["SMEMBERS", &b]), strs(&["x"]));
    assert_eq!(q::<i64>(&mut c, &["SMOVE", &a, &b, "y"]), 1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", &a]), 0);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", &a, &b, "y"]), 0);
}

#[test]
fn intersections_on_one_shard() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let k = tagged("in", &["a", "b", "c", "str", "d", "missing", "i1", "i2"]);
    let (a, b, cc, s, d, missing) = (&k[0], &k[1], &k[2], &k[3], &k[4], &k[5]);
    q::<i64>(&mut c, &["SADD", a, "1", "2", "3", "x"]);
    q::<i64>(&mut c, &["SADD", b, "2", "3", "4", "x"]);
    q::<i64>(&mut c, &["SADD", cc, "3", "4", "5", "x"]);
    assert_ok(&mut c, &["SET", s, "v"]);
    assert_eq!(members(&mut c, &["SINTER", a, b, cc]), strs(&["3", "x"]));
    assert_eq!(
        members(&mut c, &["SINTER", a, a]),
        strs(&["1", "2", "3", "x"])
    );
    assert!(members(&mut c, &["SINTER", a, missing]).is_empty());
    assert_eq!(err(&mut c, &["SINTER", missing, s]), WRONGTYPE);
    assert_eq!(q::<i64>(&mut c, &["SINTERCARD", "3", a, b, cc]), 2);
    assert_eq!(
        q::<i64>(&mut c, &["SINTERCARD", "2", a, b, "LIMIT", "2"]),
        2
    );
    assert_eq!(
        q::<i64>(&mut c, &["SINTERCARD", "2", a, b, "limit", "0"]),
        3
    );
    assert_eq!(
        q::<i64>(
            &mut c,
            &["SINTERCARD", "2", a, b, "LIMIT", "1", "LIMIT", "9"]
        ),
        3
    );
    assert_eq!(q::<i64>(&mut c, &["SINTERCARD", "2", a, missing]), 0);
    assert_eq!(err(&mut c, &["SINTERCARD", "2", missing, s]), WRONGTYPE);
    for (args, msg) in [
        (
            vec!["SINTERCARD", "0", a],
            "ERR numkeys should be greater than 0",
        ),
        (
            vec!["SINTERCARD", "-1", a],
            "ERR numkeys should be greater than 0",
        ),
        (
            vec!["SINTERCARD", "x", a],
            "ERR numkeys should be greater than 0",
        ),
        (
            vec!["SINTERCARD", "3", a, b],
            "ERR Number of keys can't be greater than number of args",
        ),
        (vec!["SINTERCARD", "1", a, "LIMIT"], "ERR syntax error"),
        (vec!["SINTERCARD", "1", a, "FOO", "1"], "ERR syntax error"),
        (
            vec!["SINTERCARD", "1", a, "LIMIT", "-1"],
            "ERR LIMIT can't be negative",
        ),
        (
            vec!["SINTERCARD", "1", a, "LIMIT", "x"],
            "ERR LIMIT can't be negative",
        ),
    ] {
        assert_eq!(err(&mut c, &args), msg, "{args:?}");
    }
    // SINTERSTORE: replaces the destination (and its TTL), deletes it when empty.
    assert_ok(&mut c, &["SET", d, "old", "EX", "100"]);
    assert_eq!(q::<i64>(&mut c, &["SINTERSTORE", d, a, b]), 3);
    assert_eq!(q::<i64>(&mut c, &["TTL", d]), -1);
    assert_eq!(members(&mut c, &["SMEMBERS", d]), strs(&["2", "3", "x"]));
    assert_eq!(encoding(&mut c, d), "hashtable");
    q::<i64>(&mut c, &["SADD", &k[6], "1", "2", "3"]);
    q::<i64>(&mut c, &["SADD", &k[7], "2", "3", "4"]);
    assert_eq!(q::<i64>(&mut c, &["SINTERSTORE", d, &k[6], &k[7]]), 2);
    assert_eq!(encoding(&mut c, d), "intset");
    assert_eq!(q::<i64>(&mut c, &["SINTERSTORE", d, a, missing]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", d]), 0);
    assert_eq!(err(&mut c, &["SINTERSTORE", d, a, s]), WRONGTYPE);
    assert_eq!(q::<i64>(&mut c, &["SINTERSTORE", s, a, b]), 3);
    assert_eq!(q::<String>(&mut c, &["TYPE", s]), "set");
}

#[test]
fn unions_and_differences_on_one_shard() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let k = tagged("un", &["a", "b", "c", "str", "d", "missing", "big"]);
    let (a, b, cc, s, d, missing) = (&k[0], &k[1], &k[2], &k[3], &k[4], &k[5]);
    q::<i64>(&mut c, &["SADD", a, "1", "2", "3", "x"]);
    q::<i64>(&mut c, &["SADD", b, "2", "3", "4"]);
    q::<i64>(&mut c, &["SADD", cc, "3", "y"]);
    assert_ok(&mut c, &["SET", s, "v"]);
    assert_eq!(
        members(&mut c, &["SUNION", a, b, cc, missing]),
        strs(&["1", "2", "3", "4", "x", "y"])
    );
    assert!(members(&mut c, &["SUNION", missing]).is_empty());
    assert_eq!(members(&mut c, &["SDIFF", a, b, cc]), strs(&["1", "x"]));
    assert_eq!(
        members(&mut c, &["SDIFF", a, missing]),
        strs(&["1", "2", "3", "x"])
    );
    assert!(members(&mut c, &["SDIFF", missing, a]).is_empty());
    assert!(members(&mut c, &["SDIFF", a, a]).is_empty());
    assert_eq!(err(&mut c, &["SUNION", a, s]), WRONGTYPE);
    assert_eq!(err(&mut c, &["SDIFF", missing, s]), WRONGTYPE);
    // A small first set against a large one (Redis's other diff algorithm).
    let big: Vec<String> = (0..200).map(|i| i.to_string()).collect();
    let mut args = vec!["SADD", k[6].as_str()];
    args.extend(big.iter().map(|s| s.as_str()));
    q::<i64>(&mut c, &args);
    assert_eq!(members(&mut c, &["SDIFF", a, &k[6]]), strs(&["x"]));
    // STORE forms.
    assert_ok(&mut c, &["SET", d, "old", "EX", "100"]);
    assert_eq!(q::<i64>(&mut c, &["SUNIONSTORE", d, a, b]), 5);
    assert_eq!(q::<i64>(&mut c, &["TTL", d]), -1);
    assert_eq!(encoding(&mut c, d), "hashtable");
    assert_eq!(q::<i64>(&mut c, &["SUNIONSTORE", d, b, missing]), 3);
    assert_eq!(encoding(&mut c, d), "intset");
    assert_eq!(q::<i64>(&mut c, &["SDIFFSTORE", d, a, b]), 2);
    assert_eq!(members(&mut c, &["SMEMBERS", d]), strs(&["1", "x"]));
    assert_eq!(q::<i64>(&mut c, &["SDIFFSTORE", d, a, a]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", d]), 0);
    assert_eq!(q::<i64>(&mut c, &["SUNIONSTORE", d, missing]), 0);
    assert_eq!(err(&mut c, &["SUNIONSTORE", d, a, s]), WRONGTYPE);
    assert_eq!(err(&mut c, &["SDIFFSTORE", d, a, s]), WRONGTYPE);
    // The destination may be one of the sources.
    assert_eq!(q::<i64>(&mut c, &["SUNIONSTORE", a, a, cc]), 5);
    assert_eq!(
        members(&mut c, &["SMEMBERS", a]),
        strs(&["1", "2", "3", "x", "y"])
    );
}

#[test]
fn multi_key_commands_across_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (a, b) = key_pair("xs");
    let (s, missing) = key_pair("xstr");
    q::<i64>(&mut c, &["SADD", &a, "a", "b", "c", "1", "2"]);
    q::<i64>(&mut c, &["SADD", &b, "b", "c", "d", "2", "3"]);
    assert_ok(&mut c, &["SET", &s, "v"]);
    // Reads gather the sets from both shards.
    assert_eq!(members(&mut c, &["SINTER", &a, &b]), strs(&["2", "b", "c"]));
    assert_eq!(
        members(&mut c, &["SUNION", &a, &b]),
        strs(&["1", "2", "3", "a", "b", "c", "d"])
    );
    assert_eq!(members(&mut c, &["SDIFF", &a, &b]), strs(&["1", "a"]));
    assert_eq!(members(&mut c, &["SDIFF", &b, &a]), strs(&["3", "d"]));
    assert_eq!(q::<i64>(&mut c, &["SINTERCARD", "2", &a, &b]), 3);
    assert_eq!(
        q::<i64>(&mut c, &["SINTERCARD", "2", &a, &b, "LIMIT", "2"]),
        2
    );
    assert!(members(&mut c, &["SINTER", &a, &missing]).is_empty());
    assert_eq!(err(&mut c, &["SINTER", &a, &s]), WRONGTYPE);
    assert_eq!(err(&mut c, &["SUNION", &s, &a]), WRONGTYPE);
    assert_eq!(err(&mut c, &["SINTERCARD", "2", &missing, &s]), WRONGTYPE);
    // Writes across shards: the destination is stored on its own shard, whichever it is.
    let d = a.clone();
    let (da, db) = key_pair("sstore-dst");
    for dst in [&d, &da, &db] {
        assert_eq!(q::<i64>(&mut c, &["SINTERSTORE", dst, &a, &b]), 3);
        assert_eq!(members(&mut c, &["SMEMBERS", dst]), strs(&["2", "b", "c"]));
        q::<i64>(&mut c, &["SADD", &a, "a", "b", "c", "1", "2"]);
        assert_eq!(q::<i64>(&mut c, &["SUNIONSTORE", dst, &a, &b]), 7);
        assert_eq!(q::<i64>(&mut c, &["SCARD", dst]), 7);
        q::<i64>(&mut c, &["DEL", &a]);
        q::<i64>(&mut c, &["SADD", &a, "a", "b", "c", "1", "2"]);
        assert_eq!(q::<i64>(&mut c, &["SDIFFSTORE", dst, &a, &b]), 2);
        assert_eq!(members(&mut c, &["SMEMBERS", dst]), strs(&["1", "a"]));
        q::<i64>(&mut c, &["DEL", &a]);
        q::<i64>(&mut c, &["SADD", &a, "a", "b", "c", "1", "2"]);
        // An empty result deletes the destination, on whichever shard it is.
        assert_eq!(q::<i64>(&mut c, &["SINTERSTORE", dst, &a, &missing]), 0);
        assert_eq!(q::<i64>(&mut c, &["EXISTS", dst]), 0);
        q::<i64>(&mut c, &["SADD", &a, "a", "b", "c", "1", "2"]);
    }
    // Inside MULTI too: EXEC stores what it says it stored.
    let (n,): (i64,) = redis::pipe()
        .atomic()
        .cmd("SINTERSTORE")
        .arg(&db)
        .arg(&a)
        .arg(&b)
        .query(&mut c)
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(members(&mut c, &["SMEMBERS", &db]), strs(&["2", "b", "c"]));
    // SINTERCARD's keys come from numkeys: with a bad count the command errs wherever it runs.
    assert_eq!(
        err(&mut c, &["SINTERCARD", "3", &a, &b]),
        "ERR Number of keys can't be greater than number of args"
    );
}

#[test]
fn resp3_reply_types() {
    let server = Server::start(&[]);
    let mut r = server.raw_conn();
    assert!(matches!(r.cmd(&["HELLO", "3"]), Resp::Map(_)));
    let k = tagged("r3", &["a", "b", "missing"]);
    assert_eq!(r.cmd(&["SADD", &k[0], "1", "2", "3"]), Resp::Int(3));
    assert_eq!(r.cmd(&["SADD", &k[1], "2", "x"]), Resp::Int(2));
    let set_of = |reply: Resp| -> Vec<String> {
        match reply {
            Resp::Set(items) => {
                let mut v: Vec<String> = items.iter().map(|i| i.text()).collect();
                v.sort();
                v
            }
            other => panic!("not a set reply: {other:?}"),
        }
    };
    // The intset answers in order: exactly Redis's bytes.
    assert_eq!(
        r.cmd(&["SMEMBERS", &k[0]]),
        Resp::Set(vec![Resp::bulk("1"), Resp::bulk("2"), Resp::bulk("3")])
    );
    assert_eq!(r.cmd(&["SMEMBERS", &k[2]]), Resp::Set(vec![]));
    assert_eq!(set_of(r.cmd(&["SINTER", &k[0], &k[1]])), strs(&["2"]));
    assert_eq!(r.cmd(&["SINTER", &k[0], &k[2]]), Resp::Set(vec![]));
    assert_eq!(
        set_of(r.cmd(&["SUNION", &k[0], &k[1]])),
        strs(&["1", "2", "3", "x"])
    );
    assert_eq!(set_of(r.cmd(&["SDIFF", &k[0], &k[1]])), strs(&["1", "3"]));
    assert_eq!(r.cmd(&["SADD", "pop", "m", "n"]), Resp::Int(2));
    assert_eq!(set_of(r.cmd(&["SPOP", "pop", "1"])).len(), 1);
    assert_eq!(r.cmd(&["SPOP", &k[2], "1"]), Resp::Set(vec![]));
    assert_eq!(r.cmd(&["SPOP", "pop", "0"]), Resp::Set(vec![]));
    assert_eq!(r.cmd(&["SPOP", &k[2]]), Resp::Null);
    assert_eq!(r.cmd(&["SRANDMEMBER", &k[2]]), Resp::Null);
    // SRANDMEMBER with a count, SMISMEMBER and SSCAN answer arrays; the rest integers.
    assert!(matches!(r.cmd(&["SRANDMEMBER", &k[0], "2"]), Resp::Array(Some(v)) if v.len() == 2));
    assert!(matches!(r.cmd(&["SRANDMEMBER", &k[0], "10"]), Resp::Array(Some(v)) if v.len() == 3));
    assert!(matches!(r.cmd(&["SRANDMEMBER", &k[0], "-4"]), Resp::Array(Some(v)) if v.len() == 4));
    assert_eq!(
        r.cmd(&["SRANDMEMBER", &k[2], "2"]),
        Resp::Array(Some(vec![]))
    );
    assert_eq!(
        r.cmd(&["SMISMEMBER", &k[0], "1", "9"]),
        Resp::Array(Some(vec![Resp::Int(1), Resp::Int(0)]))
    );
    assert_eq!(r.cmd(&["SISMEMBER", &k[0], "1"]), Resp::Int(1));
    assert_eq!(r.cmd(&["SCARD", &k[0]]), Resp::Int(3));
    assert_eq!(r.cmd(&["SINTERCARD", "2", &k[0], &k[1]]), Resp::Int(1));
    assert_eq!(
        r.cmd(&["SSCAN", &k[0], "0"]),
        Resp::Array(Some(vec![
            Resp::bulk("0"),
            Resp::Array(Some(vec![
                Resp::bulk("1"),
                Resp::bulk("2"),
                Resp::bulk("3")
            ]))
        ]))
    );
    // Across shards the gathered reply keeps its type.
    let (a, b) = key_pair("r3x");
    r.cmd(&["SADD", &a, "p", "q"]);
    r.cmd(&["SADD", &b, "q", "r"]);
    assert_eq!(set_of(r.cmd(&["SINTER", &a, &b])), strs(&["q"]));
    assert_eq!(set_of(r.cmd(&["SUNION", &a, &b])), strs(&["p", "q", "r"]));
}

#[test]
fn encodings_and_conversion_at_the_thresholds() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(
        q::<Vec<String>>(&mut c, &["CONFIG", "GET", "set-max-intset-entries"]),
        vec!["set-max-intset-entries", "512"]
    );
    // The default limit: 512 integers stay an intset, the 513th converts.
    let ints: Vec<String> = (0..512).map(|i| i.to_string()).collect();
    let mut args = vec!["SADD", "k"];
    args.extend(ints.iter().map(|s| s.as_str()));
    assert_eq!(q::<i64>(&mut c, &args), 512);
    assert_eq!(encoding(&mut c, "k"), "intset");
    q::<i64>(&mut c, &["SADD", "k", "512"]);
    assert_eq!(encoding(&mut c, "k"), "hashtable");
    q::<i64>(&mut c, &["SREM", "k", "512", "511"]);
    assert_eq!(encoding(&mut c, "k"), "hashtable", "never back on removal");
    // A lower limit, changed at run time.
    assert_ok(&mut c, &["CONFIG", "SET", "set-max-intset-entries", "4"]);
    q::<i64>(&mut c, &["SADD", "{e}small", "1", "2", "3", "4"]);
    assert_eq!(encoding(&mut c, "{e}small"), "intset");
    q::<i64>(&mut c, &["SADD", "{e}small", "4"]);
    assert_eq!(encoding(&mut c, "{e}small"), "intset");
    q::<i64>(&mut c, &["SADD", "{e}small", "5"]);
    assert_eq!(encoding(&mut c, "{e}small"), "hashtable");
    q::<i64>(&mut c, &["SADD", "{e}five", "1", "2", "3", "4", "5"]);
    assert_eq!(encoding(&mut c, "{e}five"), "hashtable");
    // Members that are not integers in Redis's strict sense.
    for m in ["a", "01", "-0", "+1", "1.0", " 1", "9223372036854775808"] {
        q::<i64>(&mut c, &["DEL", "t"]);
        q::<i64>(&mut c, &["SADD", "t", "1"]);
        assert_eq!(encoding(&mut c, "t"), "intset");
        q::<i64>(&mut c, &["SADD", "t", m]);
        assert_eq!(encoding(&mut c, "t"), "hashtable", "{m:?}");
        assert_eq!(q::<i64>(&mut c, &["SISMEMBER", "t", m]), 1);
    }
    q::<i64>(
        &mut c,
        &[
            "SADD",
            "w",
            "-9223372036854775808",
            "9223372036854775807",
            "0",
        ],
    );
    assert_eq!(encoding(&mut c, "w"), "intset");
    assert_eq!(
        q::<Vec<String>>(&mut c, &["SMEMBERS", "w"]),
        vec!["-9223372036854775808", "0", "9223372036854775807"]
    );
    q::<i64>(&mut c, &["SADD", "first", "x"]);
    assert_eq!(encoding(&mut c, "first"), "hashtable");
    // The result of a STORE takes the encoding its members call for.
    assert_eq!(q::<i64>(&mut c, &["SUNIONSTORE", "{e}u", "{e}small"]), 5);
    assert_eq!(encoding(&mut c, "{e}u"), "hashtable");
    assert_eq!(
        q::<i64>(&mut c, &["SINTERSTORE", "{e}u", "{e}small", "{e}five"]),
        5
    );
    assert_eq!(encoding(&mut c, "{e}u"), "hashtable");
    q::<i64>(&mut c, &["SREM", "{e}five", "5"]);
    assert_eq!(
        q::<i64>(&mut c, &["SINTERSTORE", "{e}u", "{e}small", "{e}five"]),
        4
    );
    assert_eq!(encoding(&mut c, "{e}u"), "intset");
}

#[test]
fn dump_restore_round_trip_and_encoding_on_load() {
    let server = Server::start(&[]);
    let mut c = server.client();
    // Redis 7.0.15's DUMP of SADD i 5 -3 100000 70000 -70000 (an intset of 32-bit integers).
    q::<i64>(
        &mut c,
        &["SADD", "i", "5", "-3", "100000", "70000", "-70000"],
    );
    let dumped: Vec<u8> = redis::cmd("DUMP").arg("i").query(&mut c).unwrap();
    let mut expected = vec![0x0b, 0x1c, 4, 0, 0, 0, 5, 0, 0, 0];
    for n in [-70000i32, -3, 5, 70000, 100000] {
        expected.extend_from_slice(&n.to_le_bytes());
    }
    expected.extend_from_slice(b"\x0a\x00\xd3*#~\xe4\x03hW");
    assert_eq!(dumped, expected);
    let restore =
        |c: &mut redis::Connection, key: &str, payload: &[u8]| -> redis::RedisResult<()> {
            redis::cmd("RESTORE")
                .arg(key)
                .arg(0)
                .arg(payload)
                .arg("REPLACE")
                .query(c)
        };
    restore(&mut c, "i2", &dumped).unwrap();
    assert_eq!(encoding(&mut c, "i2"), "intset");
    assert_eq!(
        q::<Vec<String>>(&mut c, &["SMEMBERS", "i2"]),
        vec!["-70000", "-3", "5", "70000", "100000"]
    );
    // A hashtable set survives the round trip.
    let words: Vec<String> = (0..100).map(|i| format!("member:{i}")).collect();
    let mut args = vec!["SADD", "h"];
    args.extend(words.iter().map(|s| s.as_str()));
    q::<i64>(&mut c, &args);
    let dumped_h: Vec<u8> = redis::cmd("DUMP").arg("h").query(&mut c).unwrap();
    assert_eq!(dumped_h[0], 2, "RDB_TYPE_SET");
    restore(&mut c, "h2", &dumped_h).unwrap();
    assert_eq!(encoding(&mut c, "h2"), "hashtable");
    assert_eq!(
        members(&mut c, &["SMEMBERS", "h2"]),
        members(&mut c, &["SMEMBERS", "h"])
    );
    // A lower limit at load: the intset comes back as a hashtable.
    assert_ok(&mut c, &["CONFIG", "SET", "set-max-intset-entries", "3"]);
    restore(&mut c, "i3", &dumped).unwrap();
    assert_eq!(encoding(&mut c, "i3"), "hashtable");
    assert_eq!(
        members(&mut c, &["SMEMBERS", "i3"]),
        members(&mut c, &["SMEMBERS", "i"])
    );
    // And back: a hashtable of integers (made under the low limit) loads as an intset.
    q::<i64>(&mut c, &["SADD", "n", "1", "2", "3", "4", "5", "6"]);
    assert_eq!(encoding(&mut c, "n"), "hashtable");
    let dumped_n: Vec<u8> = redis::cmd("DUMP").arg("n").query(&mut c).unwrap();
    assert_eq!(dumped_n[0], 2);
    assert_ok(&mut c, &["CONFIG", "SET", "set-max-intset-entries", "512"]);
    restore(&mut c, "n2", &dumped_n).unwrap();
    assert_eq!(encoding(&mut c, "n2"), "intset");
    assert_eq!(
        q::<Vec<String>>(&mut c, &["SMEMBERS", "n2"]),
        vec!["1", "2", "3", "4", "5", "6"]
    );
    // Across shards (RENAME and COPY carry the payload), the encoding follows too.
    let (a, b) = key_pair("dr");
    q::<i64>(&mut c, &["SADD", &a, "1", "2", "x"]);
    assert_ok(&mut c, &["RENAME", &a, &b]);
    assert_eq!(members(&mut c, &["SMEMBERS", &b]), strs(&["1", "2", "x"]));
    assert_eq!(q::<String>(&mut c, &["TYPE", &b]), "set");
    // Malformed payloads (an empty set) are refused.
    let mut empty = vec![0x02, 0x00, 0x0a, 0x00];
    let crc = redis_crc64(&empty);
    empty.extend_from_slice(&crc.to_le_bytes());
    let e = restore(&mut c, "e", &empty).unwrap_err();
    assert_eq!(error_text(&e), "ERR Bad data format");
}

/// Redis's CRC64 (Jones, reflected), bit by bit.
fn redis_crc64(data: &[u8]) -> u64 {
    let mut crc = 0u64;
    for &b in data {
        crc ^= u64::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x95ac_9329_ac4b_c9b5
            } else {
                crc >> 1
            };
        }
    }
    crc
}

#[test]
fn sscan_options_and_guarantee() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let empty: (String, Vec<String>) = q(&mut c, &["SSCAN", "missing", "0"]);
    assert_eq!(empty, ("0".to_string(), vec![]));
    q::<i64>(&mut c, &["SADD", "i", "1", "2", "3", "10"]);
    // An intset: whole, cursor 0.
    let (cursor, got): (String, Vec<String>) = q(&mut c, &["SSCAN", "i", "0", "COUNT", "1"]);
    assert_eq!(
        (cursor.as_str(), got),
        ("0", vec!["1".into(), "2".into(), "3".into(), "10".into()])
    );
    let (_, got): (String, Vec<String>) = q(&mut c, &["SSCAN", "i", "0", "MATCH", "1*"]);
    assert_eq!(got.into_iter().collect::<HashSet<_>>().len(), 2);
    for (args, msg) in [
        (&["SSCAN", "i", "x"][..], "ERR invalid cursor"),
        (&["SSCAN", "i", "0", "COUNT", "0"], "ERR syntax error"),
        (
            &["SSCAN", "i", "0", "COUNT", "x"],
            "ERR value is not an integer or out of range",
        ),
        (&["SSCAN", "i", "0", "TYPE", "set"], "ERR syntax error"),
        (&["SSCAN", "i", "0", "MATCH"], "ERR syntax error"),
        (&["SSCAN", "missing", "x"], "ERR invalid cursor"),
    ] {
        assert_eq!(err(&mut c, args), msg, "{args:?}");
    }
    // A hashtable, changed while the scan goes on: every member present throughout comes back.
    let stable: Vec<String> = (0..300).map(|i| format!("s{i}")).collect();
    let churn: Vec<String> = (0..300).map(|i| format!("c{i}")).collect();
    let mut args = vec!["SADD", "h"];
    args.extend(stable.iter().chain(&churn).map(|s| s.as_str()));
    q::<i64>(&mut c, &args);
    let mut seen = HashSet::new();
    let mut cursor = "0".to_string();
    let mut round = 0;
    loop {
        let (next, got): (String, Vec<String>) = q(&mut c, &["SSCAN", "h", &cursor, "COUNT", "20"]);
        seen.extend(got);
        // Remove some of the churn and add new members between calls.
        if round < 100 {
            q::<i64>(&mut c, &["SREM", "h", &churn[round * 3 % 300]]);
            q::<i64>(&mut c, &["SADD", "h", &format!("n{round}")]);
        }
        round += 1;
        assert!(round < 10_000, "SSCAN did not finish");
        if next == "0" {
            break;
        }
        cursor = next;
    }
    for m in &stable {
        assert!(seen.contains(m), "{m} missed");
    }
    // MATCH filters; COUNT large enough takes everything at once.
    let (cursor, got): (String, Vec<String>) = q(
        &mut c,
        &["SSCAN", "h", "0", "COUNT", "100000", "MATCH", "s1?"],
    );
    assert_eq!(cursor, "0");
    assert_eq!(got.len(), 10);
}

#[test]
fn transactions_and_expiry() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let k = tagged("tx", &["a", "b", "d"]);
    let (a, b, d) = (&k[0], &k[1], &k[2]);
    q::<i64>(&mut c, &["SADD", a, "1", "2"]);
    q::<i64>(&mut c, &["SADD", b, "2", "3"]);
    let (added, stored, inter): (i64, i64, Vec<String>) = redis::pipe()
        .atomic()
        .cmd("SADD")
        .arg(a)
        .arg("4")
        .cmd("SUNIONSTORE")
        .arg(d)
        .arg(a)
        .arg(b)
        .cmd("SINTER")
        .arg(a)
        .arg(b)
        .query(&mut c)
        .unwrap();
    assert_eq!((added, stored, inter), (1, 4, vec!["2".to_string()]));
    assert_eq!(
        members(&mut c, &["SMEMBERS", d]),
        strs(&["1", "2", "3", "4"])
    );
    // WATCH sees SADD of a new member, not of an existing one.
    let mut other = server.client();
    assert_ok(&mut c, &["WATCH", a]);
    q::<i64>(&mut other, &["SADD", a, "1"]);
    assert_ok(&mut c, &["MULTI"]);
    q::<String>(&mut c, &["SCARD", a]);
    assert_eq!(v(&mut c, &["EXEC"]), Value::Array(vec![Value::Int(3)]));
    assert_ok(&mut c, &["WATCH", a]);
    q::<i64>(&mut other, &["SADD", a, "9"]);
    assert_ok(&mut c, &["MULTI"]);
    q::<String>(&mut c, &["SCARD", a]);
    assert_eq!(v(&mut c, &["EXEC"]), Value::Nil);
    // An expired set is gone for every command, and SADD starts a new one.
    q::<i64>(&mut c, &["SADD", "e", "x"]);
    q::<i64>(&mut c, &["PEXPIRE", "e", "1"]);
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(q::<i64>(&mut c, &["SCARD", "e"]), 0);
    assert_eq!(q::<i64>(&mut c, &["SADD", "e", "y"]), 1);
    assert_eq!(q::<i64>(&mut c, &["TTL", "e"]), -1);
    assert_eq!(members(&mut c, &["SMEMBERS", "e"]), strs(&["y"]));
    // SADD and SREM keep a TTL.
    q::<i64>(&mut c, &["EXPIRE", "e", "100"]);
    q::<i64>(&mut c, &["SADD", "e", "z"]);
    q::<i64>(&mut c, &["SREM", "e", "y"]);
    assert!(q::<i64>(&mut c, &["TTL", "e"]) > 0);
}

#[test]
fn command_info_for_sets() {
    let server = Server::start(&[]);
    let mut r = server.raw_conn();
    for (name, arity, flags, first, last) in [
        ("sadd", -3, &["write", "denyoom", "fast"][..], 1, 1),
        ("srem", -3, &["write", "fast"], 1, 1),
        ("smembers", 2, &["readonly"], 1, 1),
        ("sismember", 3, &["readonly", "fast"], 1, 1),
        ("smismember", -3, &["readonly", "fast"], 1, 1),
        ("scard", 2, &["readonly", "fast"], 1, 1),
        ("spop", -2, &["write", "fast"], 1, 1),
        ("srandmember", -2, &["readonly"], 1, 1),
        ("smove", 4, &["write", "fast"], 1, 2),
        ("sinter", -2, &["readonly"], 1, -1),
        ("sintercard", -3, &["readonly", "movablekeys"], 0, 0),
        ("sinterstore", -3, &["write", "denyoom"], 1, -1),
        ("sunion", -2, &["readonly"], 1, -1),
        ("sunionstore", -3, &["write", "denyoom"], 1, -1),
        ("sdiff", -2, &["readonly"], 1, -1),
        ("sdiffstore", -3, &["write", "denyoom"], 1, -1),
        ("sscan", -3, &["readonly"], 1, 1),
    ] {
        let info = r.cmd(&["COMMAND", "INFO", name]).items()[0].items();
        assert_eq!(info[0], Resp::bulk(name));
        assert_eq!(info[1], Resp::Int(arity), "{name}");
        let got: Vec<String> = info[2].items().iter().map(|f| f.text()).collect();
        assert_eq!(got, flags, "{name}");
        assert_eq!(
            (info[3].clone(), info[4].clone()),
            (Resp::Int(first), Resp::Int(last)),
            "{name}"
        );
    }
    // Keys for SINTERCARD come from numkeys.
    assert_eq!(
        r.cmd(&[
            "COMMAND",
            "GETKEYS",
            "SINTERCARD",
            "2",
            "a",
            "b",
            "LIMIT",
            "1"
        ]),
        Resp::bulks(&["a", "b"])
    );
    assert_eq!(
        r.cmd(&["COMMAND", "GETKEYS", "SMOVE", "a", "b", "m"]),
        Resp::bulks(&["a", "b"])
    );
}
