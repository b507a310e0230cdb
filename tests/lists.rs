//! The list commands of Redis 7.0: their options, replies and error strings, lists of many
//! nodes and of big elements, RESP3 reply shapes, DUMP/RESTORE, and the commands that take
//! several keys with keys on both shards.

mod common;

use common::*;
use redis::Value;

fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

fn bulks(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| bulk(s)).collect())
}

fn ints(items: &[i64]) -> Value {
    Value::Array(items.iter().map(|&i| Value::Int(i)).collect())
}

fn range(c: &mut redis::Connection, key: &str) -> Vec<String> {
    q(c, &["LRANGE", key, "0", "-1"])
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn restore(c: &mut redis::Connection, key: &str, payload: &[u8]) -> redis::RedisResult<Value> {
    redis::cmd("RESTORE")
        .arg(key)
        .arg(0)
        .arg(payload)
        .arg("REPLACE")
        .query(c)
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const SYNTAX: &str = "ERR syntax error";

#[test]
fn pushes_pops_and_length() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(q::<i64>(&mut c, &["RPUSH", "l", "a", "b"]), 2);
    assert_eq!(q::<i64>(&mut c, &["LPUSH", "l", "c", "d"]), 4);
    assert_eq!(range(&mut c, "l"), ["d", "c", "a", "b"]);
    assert_eq!(q::<i64>(&mut c, &["LPUSHX", "l", "e"]), 5);
    assert_eq!(q::<i64>(&mut c, &["RPUSHX", "l", "f", "g"]), 7);
    assert_eq!(q::<i64>(&mut c, &["LPUSHX", "none", "e"]), 0);
    assert_eq!(q::<i64>(&mut c, &["RPUSHX", "none", "e"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "none"]), 0);
    assert_eq!(q::<i64>(&mut c, &["LLEN", "l"]), 7);
    assert_eq!(q::<i64>(&mut c, &["LLEN", "none"]), 0);
    assert_eq!(q::<String>(&mut c, &["TYPE", "l"]), "list");
    assert_eq!(
        q::<String>(&mut c, &["OBJECT", "ENCODING", "l"]),
        "quicklist"
    );
    // Pops, one at a time and by count.
    assert_eq!(v(&mut c, &["LPOP", "l"]), bulk("e"));
    assert_eq!(v(&mut c, &["RPOP", "l"]), bulk("g"));
    assert_eq!(v(&mut c, &["LPOP", "l", "2"]), bulks(&["d", "c"]));
    assert_eq!(v(&mut c, &["RPOP", "l", "2"]), bulks(&["f", "b"]));
    assert_eq!(v(&mut c, &["LPOP", "l", "0"]), bulks(&[]));
    assert_eq!(v(&mut c, &["RPOP", "l", "10"]), bulks(&["a"]));
    assert_eq!(
        q::<i64>(&mut c, &["EXISTS", "l"]),
        0,
        "an emptied list goes"
    );
    assert_eq!(v(&mut c, &["LPOP", "l"]), Value::Nil);
    assert_eq!(v(&mut c, &["RPOP", "l", "1"]), Value::Nil);
    assert_eq!(v(&mut c, &["LPOP", "l", "0"]), Value::Nil);
    // Errors.
    let positive = "ERR value is out of range, must be positive";
    assert_eq!(err(&mut c, &["LPOP", "l", "-1"]), positive);
    assert_eq!(err(&mut c, &["RPOP", "l", "x"]), positive);
    assert_eq!(
        err(&mut c, &["LPOP", "l", "1", "2"]),
        "ERR wrong number of arguments for 'lpop' command"
    );
    assert_eq!(
        err(&mut c, &["RPUSH", "l"]),
        "ERR wrong number of arguments for 'rpush' command"
    );
    assert_eq!(
        err(&mut c, &["LLEN"]),
        "ERR wrong number of arguments for 'llen' command"
    );
    assert_ok(&mut c, &["SET", "s", "x"]);
    for cmd in [
        &["LPUSH", "s", "a"][..],
        &["RPUSH", "s", "a"],
        &["LPUSHX", "s", "a"],
        &["RPUSHX", "s", "a"],
        &["LLEN", "s"],
        &["LPOP", "s"],
        &["RPOP", "s", "0"],
    ] {
        assert_eq!(err(&mut c, cmd), WRONGTYPE, "{cmd:?}");
    }
    // Numbers come back as they were given.
    assert_eq!(
        q::<i64>(
            &mut c,
            &["RPUSH", "n", "0", "-1", "007", "9223372036854775807", ""]
        ),
        5
    );
    assert_eq!(
        range(&mut c, "n"),
        ["0", "-1", "007", "9223372036854775807", ""]
    );
}

#[test]
fn index_edges() {
    let server = Server::start(&[]);
    let mut c = server.client();
    q::<i64>(&mut c, &["RPUSH", "l", "a", "b", "c", "d", "e"]);
    for (start, stop, want) in [
        ("0", "0", &["a"][..]),
        ("-2", "-1", &["d", "e"]),
        ("-100", "1", &["a", "b"]),
        ("3", "100", &["d", "e"]),
        ("5", "10", &[]),
        ("2", "1", &[]),
        ("-1", "-2", &[]),
        ("0", "-6", &[]),
        (
            "-9223372036854775808",
            "9223372036854775807",
            &["a", "b", "c", "d", "e"],
        ),
    ] {
        assert_eq!(
            v(&mut c, &["LRANGE", "l", start, stop]),
            bulks(want),
            "{start} {stop}"
        );
    }
    assert_eq!(v(&mut c, &["LRANGE", "none", "0", "-1"]), bulks(&[]));
    assert_eq!(err(&mut c, &["LRANGE", "l", "x", "1"]), NOT_INT);
    assert_eq!(err(&mut c, &["LRANGE", "none", "0", "1.5"]), NOT_INT);
    for (index, want) in [
        ("0", bulk("a")),
        ("4", bulk("e")),
        ("-1", bulk("e")),
        ("-5", bulk("a")),
        ("5", Value::Nil),
        ("-6", Value::Nil),
        ("9223372036854775807", Value::Nil),
        ("-9223372036854775808", Value::Nil),
    ] {
        assert_eq!(v(&mut c, &["LINDEX", "l", index]), want, "{index}");
    }
    assert_eq!(err(&mut c, &["LINDEX", "l", "x"]), NOT_INT);
    // The key is looked up before the index is read.
    assert_eq!(v(&mut c, &["LINDEX", "none", "x"]), Value::Nil);
    assert_ok(&mut c, &["LSET", "l", "0", "A"]);
    assert_ok(&mut c, &["LSET", "l", "-1", "E"]);
    assert_ok(&mut c, &["LSET", "l", "2", "300"]);
    assert_eq!(range(&mut c, "l"), ["A", "b", "300", "d", "E"]);
    let out_of_range = "ERR index out of range";
    assert_eq!(err(&mut c, &["LSET", "l", "5", "x"]), out_of_range);
    assert_eq!(err(&mut c, &["LSET", "l", "-6", "x"]), out_of_range);
    assert_eq!(err(&mut c, &["LSET", "l", "x", "x"]), NOT_INT);
    assert_eq!(err(&mut c, &["LSET", "none", "0", "x"]), "ERR no such key");
    assert_ok(&mut c, &["SET", "s", "x"]);
    assert_eq!(err(&mut c, &["LRANGE", "s", "0", "1"]), WRONGTYPE);
    assert_eq!(err(&mut c, &["LINDEX", "s", "x"]), WRONGTYPE);
    assert_eq!(err(&mut c, &["LSET", "s", "0", "x"]), WRONGTYPE);
}

#[test]
fn linsert_cases() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(
        q::<i64>(&mut c, &["LINSERT", "none", "BEFORE", "a", "x"]),
        0
    );
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "none"]), 0);
    q::<i64>(&mut c, &["RPUSH", "l", "a", "b", "c", "b"]);
    assert_eq!(q::<i64>(&mut c, &["LINSERT", "l", "BEFORE", "b", "x"]), 5);
    assert_eq!(q::<i64>(&mut c, &["LINSERT", "l", "after", "b", "y"]), 6);
    assert_eq!(q::<i64>(&mut c, &["LINSERT", "l", "AFTER", "c", "10"]), 7);
    assert_eq!(q::<i64>(&mut c, &["LINSERT", "l", "before", "a", "0"]), 8);
    assert_eq!(q::<i64>(&mut c, &["LINSERT", "l", "AFTER", "zz", "q"]), -1);
    assert_eq!(
        range(&mut c, "l"),
        ["0", "a", "x", "b", "y", "c", "10", "b"]
    );
    // A number pivot matches its text.
    assert_eq!(q::<i64>(&mut c, &["LINSERT", "l", "AFTER", "10", "11"]), 9);
    assert_eq!(q::<String>(&mut c, &["LINDEX", "l", "7"]), "11");
    assert_eq!(err(&mut c, &["LINSERT", "l", "MIDDLE", "a", "x"]), SYNTAX);
    assert_eq!(
        err(&mut c, &["LINSERT", "none", "MIDDLE", "a", "x"]),
        SYNTAX
    );
    assert_eq!(
        err(&mut c, &["LINSERT", "l", "BEFORE", "a"]),
        "ERR wrong number of arguments for 'linsert' command"
    );
    assert_ok(&mut c, &["SET", "s", "x"]);
    assert_eq!(
        err(&mut c, &["LINSERT", "s", "BEFORE", "a", "x"]),
        WRONGTYPE
    );
}

#[test]
fn lrem_counts() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(q::<i64>(&mut c, &["LREM", "none", "0", "a"]), 0);
    q::<i64>(&mut c, &["RPUSH", "l", "a", "b", "a", "c", "a", "d", "a"]);
    assert_eq!(q::<i64>(&mut c, &["LREM", "l", "2", "a"]), 2);
    assert_eq!(range(&mut c, "l"), ["b", "c", "a", "d", "a"]);
    assert_eq!(q::<i64>(&mut c, &["LREM", "l", "-1", "a"]), 1);
    assert_eq!(range(&mut c, "l"), ["b", "c", "a", "d"]);
    assert_eq!(q::<i64>(&mut c, &["LREM", "l", "0", "zz"]), 0);
    assert_eq!(
        q::<i64>(&mut c, &["LREM", "l", "-9223372036854775808", "a"]),
        1
    );
    assert_eq!(q::<i64>(&mut c, &["LREM", "l", "0", "b"]), 1);
    assert_eq!(q::<i64>(&mut c, &["LREM", "l", "-5", "c"]), 1);
    assert_eq!(q::<i64>(&mut c, &["LREM", "l", "1", "d"]), 1);
    assert_eq!(
        q::<i64>(&mut c, &["EXISTS", "l"]),
        0,
        "an emptied list goes"
    );
    assert_eq!(err(&mut c, &["LREM", "l", "x", "a"]), NOT_INT);
    assert_ok(&mut c, &["SET", "s", "x"]);
    assert_eq!(err(&mut c, &["LREM", "s", "0", "x"]), WRONGTYPE);
}

#[test]
fn ltrim_ranges() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_ok(&mut c, &["LTRIM", "none", "0", "1"]);
    q::<i64>(&mut c, &["RPUSH", "l", "a", "b", "c", "d", "e", "f"]);
    assert_ok(&mut c, &["LTRIM", "l", "1", "-2"]);
    assert_eq!(range(&mut c, "l"), ["b", "c", "d", "e"]);
    assert_ok(&mut c, &["LTRIM", "l", "-100", "100"]);
    assert_eq!(range(&mut c, "l"), ["b", "c", "d", "e"]);
    assert_ok(&mut c, &["LTRIM", "l", "-2", "-1"]);
    assert_eq!(range(&mut c, "l"), ["d", "e"]);
    // A range that keeps nothing deletes the key.
    assert_ok(&mut c, &["LTRIM", "l", "1", "0"]);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "l"]), 0);
    q::<i64>(&mut c, &["RPUSH", "l", "a", "b"]);
    assert_ok(&mut c, &["LTRIM", "l", "5", "10"]);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "l"]), 0);
    assert_eq!(err(&mut c, &["LTRIM", "l", "0", "x"]), NOT_INT);
    assert_ok(&mut c, &["SET", "s", "x"]);
    assert_eq!(err(&mut c, &["LTRIM", "s", "0", "1"]), WRONGTYPE);
}

#[test]
fn lpos_options() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(v(&mut c, &["LPOS", "none", "a"]), Value::Nil);
    assert_eq!(v(&mut c, &["LPOS", "none", "a", "COUNT", "1"]), ints(&[]));
    q::<i64>(
        &mut c,
        &["RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"],
    );
    for (opts, want) in [
        (&[][..], Value::Int(2)),
        (&["RANK", "2"], Value::Int(6)),
        (&["RANK", "-1"], Value::Int(7)),
        (&["RANK", "-3"], Value::Int(2)),
        (&["RANK", "4"], Value::Nil),
        (&["COUNT", "0"], ints(&[2, 6, 7])),
        (&["COUNT", "2"], ints(&[2, 6])),
        (&["RANK", "-1", "COUNT", "2"], ints(&[7, 6])),
        (&["RANK", "2", "COUNT", "0", "MAXLEN", "7"], ints(&[6])),
        (&["MAXLEN", "2"], Value::Nil),
        (&["MAXLEN", "3"], Value::Int(2)),
        (&["RANK", "-1", "MAXLEN", "1"], Value::Int(7)),
        (&["rank", "1", "count", "1", "maxlen", "0"], ints(&[2])),
        (&["RANK", "-9223372036854775808"], Value::Int(7)),
    ] {
        let mut cmd = vec!["LPOS", "l", "c"];
        cmd.extend_from_slice(opts);
        assert_eq!(v(&mut c, &cmd), want, "{opts:?}");
    }
    assert_eq!(v(&mut c, &["LPOS", "l", "1"]), Value::Int(3));
    assert_eq!(v(&mut c, &["LPOS", "l", "zz"]), Value::Nil);
    assert_eq!(v(&mut c, &["LPOS", "l", "zz", "COUNT", "0"]), ints(&[]));
    let rank_zero = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
    assert_eq!(err(&mut c, &["LPOS", "l", "c", "RANK", "0"]), rank_zero);
    assert_eq!(err(&mut c, &["LPOS", "none", "c", "RANK", "0"]), rank_zero);
    assert_eq!(err(&mut c, &["LPOS", "l", "c", "RANK", "x"]), NOT_INT);
    let count = "ERR COUNT can't be negative";
    assert_eq!(err(&mut c, &["LPOS", "l", "c", "COUNT", "-1"]), count);
    assert_eq!(err(&mut c, &["LPOS", "l", "c", "COUNT", "x"]), count);
    let maxlen = "ERR MAXLEN can't be negative";
    assert_eq!(err(&mut c, &["LPOS", "l", "c", "MAXLEN", "-1"]), maxlen);
    assert_eq!(err(&mut c, &["LPOS", "l", "c", "MAXLEN", "x"]), maxlen);
    assert_eq!(err(&mut c, &["LPOS", "l", "c", "RANK"]), SYNTAX);
    assert_eq!(err(&mut c, &["LPOS", "l", "c", "FOO", "1"]), SYNTAX);
    assert_ok(&mut c, &["SET", "s", "x"]);
    assert_eq!(err(&mut c, &["LPOS", "s", "a"]), WRONGTYPE);
}

#[test]
fn lmove_and_rpoplpush_on_one_shard() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(
        v(&mut c, &["LMOVE", "{o}none", "{o}d", "LEFT", "RIGHT"]),
        Value::Nil
    );
    assert_eq!(v(&mut c, &["RPOPLPUSH", "{o}none", "{o}d"]), Value::Nil);
    q::<i64>(&mut c, &["RPUSH", "{o}l", "a", "b", "c"]);
    // Rotations: the source is the destination.
    assert_eq!(
        v(&mut c, &["LMOVE", "{o}l", "{o}l", "LEFT", "RIGHT"]),
        bulk("a")
    );
    assert_eq!(range(&mut c, "{o}l"), ["b", "c", "a"]);
    assert_eq!(v(&mut c, &["RPOPLPUSH", "{o}l", "{o}l"]), bulk("a"));
    assert_eq!(range(&mut c, "{o}l"), ["a", "b", "c"]);
    assert_eq!(
        v(&mut c, &["LMOVE", "{o}l", "{o}l", "right", "right"]),
        bulk("c")
    );
    assert_eq!(range(&mut c, "{o}l"), ["a", "b", "c"]);
    // A one-element list rotating keeps its key and its time to live.
    q::<i64>(&mut c, &["RPUSH", "{o}one", "x"]);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "{o}one", "100"]), 1);
    assert_eq!(
        v(&mut c, &["LMOVE", "{o}one", "{o}one", "LEFT", "RIGHT"]),
        bulk("x")
    );
    assert_eq!(range(&mut c, "{o}one"), ["x"]);
    assert!(q::<i64>(&mut c, &["TTL", "{o}one"]) > 0);
    assert_eq!(
        err(&mut c, &["LMOVE", "{o}l", "{o}d", "UP", "LEFT"]),
        SYNTAX
    );
    assert_eq!(
        err(&mut c, &["LMOVE", "{o}none", "{o}d", "LEFT", "DOWN"]),
        SYNTAX
    );
    assert_ok(&mut c, &["SET", "{o}s", "x"]);
    assert_eq!(
        err(&mut c, &["LMOVE", "{o}s", "{o}l", "LEFT", "LEFT"]),
        WRONGTYPE
    );
    assert_eq!(
        err(&mut c, &["LMOVE", "{o}l", "{o}s", "LEFT", "LEFT"]),
        WRONGTYPE
    );
    assert_eq!(err(&mut c, &["RPOPLPUSH", "{o}l", "{o}s"]), WRONGTYPE);
    // A missing source is checked before the destination's type.
    assert_eq!(v(&mut c, &["RPOPLPUSH", "{o}none", "{o}s"]), Value::Nil);
    assert_eq!(
        range(&mut c, "{o}l"),
        ["a", "b", "c"],
        "failed moves take nothing"
    );
}

#[test]
fn lmove_and_rpoplpush_across_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (a, b) = key_pair("mv");
    q::<i64>(&mut c, &["RPUSH", &a, "1", "2", "3"]);
    assert_eq!(v(&mut c, &["LMOVE", &a, &b, "LEFT", "RIGHT"]), bulk("1"));
    assert_eq!(v(&mut c, &["RPOPLPUSH", &a, &b]), bulk("3"));
    assert_eq!(v(&mut c, &["LMOVE", &b, &a, "RIGHT", "LEFT"]), bulk("1"));
    assert_eq!(range(&mut c, &a), ["1", "2"]);
    assert_eq!(range(&mut c, &b), ["3"]);
    assert_eq!(v(&mut c, &["RPOPLPUSH", &b, &a]), bulk("3"));
    assert_eq!(
        q::<i64>(&mut c, &["EXISTS", &b]),
        0,
        "the emptied source goes"
    );
    assert_eq!(range(&mut c, &a), ["3", "1", "2"]);
    assert_ok(&mut c, &["SET", &b, "x"]);
    assert_eq!(err(&mut c, &["LMOVE", &a, &b, "LEFT", "LEFT"]), WRONGTYPE);
    assert_eq!(range(&mut c, &a), ["3", "1", "2"]);
}

#[test]
fn lmpop_across_keys() {
    let server = Server::start(&[]);
    let mut c = server.client();
    // Keys that share a shard (one hash tag).
    assert_eq!(
        v(&mut c, &["LMPOP", "2", "{t}a", "{t}b", "LEFT"]),
        Value::Nil
    );
    q::<i64>(&mut c, &["RPUSH", "{t}b", "1", "2", "3", "4"]);
    let reply = |key: &str, items: &[&str]| Value::Array(vec![bulk(key), bulks(items)]);
    assert_eq!(
        v(&mut c, &["LMPOP", "2", "{t}a", "{t}b", "LEFT"]),
        reply("{t}b", &["1"])
    );
    assert_eq!(
        v(
            &mut c,
            &["LMPOP", "2", "{t}a", "{t}b", "RIGHT", "COUNT", "2"]
        ),
        reply("{t}b", &["4", "3"])
    );
    q::<i64>(&mut c, &["RPUSH", "{t}a", "x"]);
    assert_eq!(
        v(
            &mut c,
            &["LMPOP", "2", "{t}a", "{t}b", "left", "count", "10"]
        ),
        reply("{t}a", &["x"])
    );
    assert_eq!(
        v(&mut c, &["LMPOP", "1", "{t}b", "RIGHT", "COUNT", "5"]),
        reply("{t}b", &["2"])
    );
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "{t}a", "{t}b"]), 0);
    // Errors.
    let numkeys = "ERR numkeys should be greater than 0";
    assert_eq!(err(&mut c, &["LMPOP", "0", "a", "LEFT"]), numkeys);
    assert_eq!(err(&mut c, &["LMPOP", "-1", "a", "LEFT"]), numkeys);
    assert_eq!(err(&mut c, &["LMPOP", "x", "a", "LEFT"]), numkeys);
    assert_eq!(err(&mut c, &["LMPOP", "2", "a", "LEFT"]), SYNTAX);
    assert_eq!(err(&mut c, &["LMPOP", "1", "a", "UP"]), SYNTAX);
    let count = "ERR count should be greater than 0";
    assert_eq!(
        err(&mut c, &["LMPOP", "1", "a", "LEFT", "COUNT", "0"]),
        count
    );
    assert_eq!(
        err(&mut c, &["LMPOP", "1", "a", "LEFT", "COUNT", "x"]),
        count
    );
    assert_eq!(err(&mut c, &["LMPOP", "1", "a", "LEFT", "COUNT"]), SYNTAX);
    assert_eq!(
        err(
            &mut c,
            &["LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1"]
        ),
        SYNTAX
    );
    assert_eq!(
        err(&mut c, &["LMPOP", "1", "a"]),
        "ERR wrong number of arguments for 'lmpop' command"
    );
    assert_ok(&mut c, &["SET", "{t}s", "x"]);
    q::<i64>(&mut c, &["RPUSH", "{t}c", "1"]);
    assert_eq!(
        err(&mut c, &["LMPOP", "3", "{t}none", "{t}s", "{t}c", "LEFT"]),
        WRONGTYPE
    );
}

#[test]
fn lmpop_with_keys_on_both_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let reply = |key: &str, items: &[&str]| Value::Array(vec![bulk(key), bulks(items)]);
    // The first non-empty list answers, wherever it is.
    let (x, y) = key_pair("mp");
    q::<i64>(&mut c, &["RPUSH", &y, "a", "b"]);
    assert_eq!(
        v(&mut c, &["LMPOP", "2", &x, &y, "LEFT", "COUNT", "5"]),
        reply(&y, &["a", "b"])
    );
    assert_eq!(q::<i64>(&mut c, &["EXISTS", &y]), 0);
    assert_eq!(v(&mut c, &["LMPOP", "2", &x, &y, "RIGHT"]), Value::Nil);
}

#[test]
fn resp3_reply_shapes() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    assert!(matches!(c.cmd(&["HELLO", "3"]), Resp::Map(_)));
    assert_eq!(c.cmd(&["LPOP", "none"]), Resp::Null);
    assert_eq!(c.cmd(&["RPOP", "none", "2"]), Resp::Null);
    assert_eq!(c.cmd(&["LINDEX", "none", "0"]), Resp::Null);
    assert_eq!(c.cmd(&["LPOS", "none", "a"]), Resp::Null);
    assert_eq!(
        c.cmd(&["LPOS", "none", "a", "COUNT", "0"]),
        Resp::Array(Some(vec![]))
    );
    assert_eq!(c.cmd(&["LMPOP", "1", "none", "LEFT"]), Resp::Null);
    assert_eq!(
        c.cmd(&["LMOVE", "{t}none", "{t}x", "LEFT", "LEFT"]),
        Resp::Null
    );
    assert_eq!(c.cmd(&["RPUSH", "l", "a", "b", "c"]), Resp::Int(3));
    assert_eq!(
        c.cmd(&["LRANGE", "l", "0", "-1"]),
        Resp::bulks(&["a", "b", "c"])
    );
    assert_eq!(c.cmd(&["LINDEX", "l", "9"]), Resp::Null);
    assert_eq!(
        c.cmd(&["LPOS", "l", "b", "COUNT", "0"]),
        Resp::Array(Some(vec![Resp::Int(1)]))
    );
    assert_eq!(
        c.cmd(&["LMPOP", "1", "l", "RIGHT"]),
        Resp::Array(Some(vec![Resp::bulk("l"), Resp::bulks(&["c"])]))
    );
    assert_eq!(c.cmd(&["LPOP", "l", "0"]), Resp::Array(Some(vec![])));
    assert_eq!(c.cmd(&["LPOP", "l", "5"]), Resp::bulks(&["a", "b"]));
    // RESP2 for the same nulls.
    let mut c2 = server.raw_conn();
    assert_eq!(c2.cmd(&["LPOP", "none"]), Resp::Bulk(None));
    assert_eq!(c2.cmd(&["LPOP", "none", "1"]), Resp::Array(None));
    assert_eq!(c2.cmd(&["LMPOP", "1", "none", "LEFT"]), Resp::Array(None));
}

/// Redis 7.0.15's DUMP of `RPUSH l a b c d e`, default node size and `list-max-listpack-size 2`.
const REDIS_DUMP_ABCDE: &str =
    "12010216160000000500816102816202816302816402816502ff0a0032cf82116370fa12";
const REDIS_DUMP_ABCDE_FILL_2: &str = "1203020d0d0000000200816102816202ff020d0d0000000200816302816402ff020a0a0000000100816502ff0a00ec5236a76020a1db";

#[test]
fn dump_and_restore() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (a, b) = key_pair("dl");
    q::<i64>(&mut c, &["RPUSH", &a, "a", "b", "c", "d", "e"]);
    assert_eq!(q::<Vec<u8>>(&mut c, &["DUMP", &a]), unhex(REDIS_DUMP_ABCDE));
    assert_ok(&mut c, &["CONFIG", "SET", "list-max-listpack-size", "2"]);
    q::<i64>(&mut c, &["RPUSH", &b, "a", "b", "c", "d", "e"]);
    assert_eq!(
        q::<Vec<u8>>(&mut c, &["DUMP", &b]),
        unhex(REDIS_DUMP_ABCDE_FILL_2)
    );
    assert_ok(&mut c, &["CONFIG", "SET", "list-max-listpack-size", "-2"]);
    // Redis's payloads restore to the same list, on either shard.
    for key in [&a, &b] {
        for payload in [REDIS_DUMP_ABCDE, REDIS_DUMP_ABCDE_FILL_2] {
            assert_eq!(restore(&mut c, key, &unhex(payload)).unwrap(), Value::Okay);
            assert_eq!(range(&mut c, key), ["a", "b", "c", "d", "e"]);
            assert_eq!(q::<String>(&mut c, &["TYPE", key]), "list");
        }
    }
    // Round trips of lists of many nodes and of big elements, across shards.
    let big = "x".repeat(20_000);
    let many: Vec<String> = (0..5000).map(|i| format!("item:{i}")).collect();
    let mut cmd = vec!["RPUSH", a.as_str()];
    cmd.extend(many.iter().map(|s| s.as_str()));
    cmd.push(&big);
    q::<i64>(&mut c, &["DEL", &a]);
    q::<i64>(&mut c, &cmd);
    let payload: Vec<u8> = q(&mut c, &["DUMP", &a]);
    assert_eq!(restore(&mut c, &b, &payload).unwrap(), Value::Okay);
    assert_eq!(range(&mut c, &b), range(&mut c, &a));
    assert_eq!(q::<Vec<u8>>(&mut c, &["DUMP", &b]), payload);
    assert_eq!(q::<String>(&mut c, &["LINDEX", &b, "-1"]), big);
    // A payload that does not hold a list's bytes is refused.
    let mut bad = payload.clone();
    bad[3] ^= 0xff;
    assert_eq!(
        error_text(&restore(&mut c, &b, &bad).unwrap_err()),
        "ERR DUMP payload version or checksum are wrong"
    );
}

/// A deterministic stand-in for random numbers (a classic LCG).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

#[test]
fn many_elements_and_big_ones() {
    let server = Server::start(&[]);
    let mut c = server.client();
    // 100k elements in batches: many nodes.
    let mut model: Vec<String> = Vec::new();
    for batch in 0..100 {
        let items: Vec<String> = (0..1000).map(|i| format!("{}", batch * 1000 + i)).collect();
        let mut cmd = vec!["RPUSH", "big"];
        cmd.extend(items.iter().map(|s| s.as_str()));
        assert_eq!(q::<usize>(&mut c, &cmd), model.len() + 1000);
        model.extend(items);
    }
    assert_eq!(q::<usize>(&mut c, &["LLEN", "big"]), 100_000);
    let mut rng = Lcg(7);
    for _ in 0..200 {
        let i = rng.below(model.len());
        assert_eq!(
            q::<String>(&mut c, &["LINDEX", "big", &i.to_string()]),
            model[i]
        );
        let neg = format!("-{}", model.len() - i);
        assert_eq!(q::<String>(&mut c, &["LINDEX", "big", &neg]), model[i]);
    }
    let got: Vec<String> = q(&mut c, &["LRANGE", "big", "49990", "50009"]);
    assert_eq!(got, model[49990..50010]);
    // Changes in the middle, mirrored on the model.
    for round in 0..50 {
        let i = rng.below(model.len());
        let pivot = model[i].clone();
        let new = format!("new{round}");
        assert_ok(&mut c, &["LSET", "big", &i.to_string(), &new]);
        model[i] = new.clone();
        let at = model.iter().position(|s| *s == new).unwrap();
        assert_eq!(
            q::<usize>(&mut c, &["LINSERT", "big", "AFTER", &new, &pivot]),
            model.len() + 1
        );
        model.insert(at + 1, pivot);
    }
    let copies = model.iter().filter(|s| *s == "new7").count();
    assert_eq!(q::<usize>(&mut c, &["LREM", "big", "0", "new7"]), copies);
    model.retain(|s| s != "new7");
    assert_ok(&mut c, &["LTRIM", "big", "1000", "-1001"]);
    model.truncate(model.len() - 1000);
    model.drain(..1000);
    assert_eq!(range(&mut c, "big"), model);
    assert_eq!(
        v(&mut c, &["LPOP", "big", "3"]),
        bulks(&[&model[0], &model[1], &model[2]])
    );
    // A list of big elements (each over a node's 8 KB).
    let bigs: Vec<String> = (0..4).map(|i| i.to_string().repeat(9000 + i)).collect();
    for b in &bigs {
        q::<i64>(&mut c, &["RPUSH", "fat", b]);
    }
    q::<i64>(&mut c, &["LPUSH", "fat", "small"]);
    assert_eq!(q::<String>(&mut c, &["LINDEX", "fat", "2"]), bigs[1]);
    assert_eq!(
        q::<i64>(&mut c, &["LINSERT", "fat", "BEFORE", &bigs[2], "mid"]),
        6
    );
    assert_ok(&mut c, &["LSET", "fat", "0", &"y".repeat(30_000)]);
    assert_eq!(q::<i64>(&mut c, &["LPOS", "fat", &bigs[3]]), 5);
    assert_eq!(v(&mut c, &["RPOP", "fat"]), bulk(&bigs[3]));
    assert_eq!(q::<i64>(&mut c, &["LREM", "fat", "0", &bigs[0]]), 1);
    assert_eq!(
        range(&mut c, "fat"),
        [
            "y".repeat(30_000),
            bigs[1].clone(),
            "mid".into(),
            bigs[2].clone()
        ]
    );
}

#[test]
fn watch_sees_only_real_changes() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let mut other = server.client();
    q::<i64>(&mut c, &["RPUSH", "l", "a", "b", "c"]);
    // Commands that change nothing leave a WATCH alone.
    for cmd in [
        &["LREM", "l", "0", "zz"][..],
        &["LINSERT", "l", "BEFORE", "zz", "x"],
        &["LPUSHX", "none", "x"],
        &["LRANGE", "l", "0", "-1"],
    ] {
        assert_ok(&mut c, &["WATCH", "l"]);
        v(&mut other, cmd);
        assert_ok(&mut c, &["MULTI"]);
        v(&mut c, &["LLEN", "l"]);
        assert_eq!(
            v(&mut c, &["EXEC"]),
            Value::Array(vec![Value::Int(3)]),
            "{cmd:?}"
        );
    }
    // A change does not.
    assert_ok(&mut c, &["WATCH", "l"]);
    v(&mut other, &["LREM", "l", "1", "a"]);
    assert_ok(&mut c, &["MULTI"]);
    v(&mut c, &["LLEN", "l"]);
    assert_eq!(v(&mut c, &["EXEC"]), Value::Nil);
}
