//! The sorted set commands of Redis 7.0: options, replies (RESP2 and RESP3), error strings,
//! both encodings and the thresholds between them, DUMP/RESTORE, and multi-key commands with
//! keys on both shards.

mod common;

use common::*;

fn int(n: i64) -> Resp {
    Resp::Int(n)
}

fn error(s: &str) -> Resp {
    Resp::Error(s.to_string())
}

fn double(s: &str) -> Resp {
    Resp::Double(s.to_string())
}

/// The texts of an array reply's items (bulk strings, doubles...).
fn texts(r: &Resp) -> Vec<String> {
    r.items().iter().map(|i| i.text()).collect()
}

/// Runs a command and returns the texts of its array reply.
fn list(c: &mut RawConn, args: &[&str]) -> Vec<String> {
    let r = c.cmd(args);
    match &r {
        Resp::Array(Some(_)) | Resp::Set(_) => texts(&r),
        other => panic!("{args:?}: not an array: {other:?}"),
    }
}

fn conn(server: &Server) -> RawConn {
    server.raw_conn()
}

fn resp3(server: &Server) -> RawConn {
    let mut c = server.raw_conn();
    c.cmd(&["HELLO", "3"]);
    c
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const SYNTAX: &str = "ERR syntax error";
const NOT_FLOAT: &str = "ERR value is not a valid float";
const NOT_INT: &str = "ERR value is not an integer or out of range";

#[test]
fn zadd_options() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b"]), int(2));
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "3", "c"]), int(1));
    // CH counts changed scores too; an unchanged score is no change.
    assert_eq!(
        c.cmd(&["ZADD", "z", "CH", "1", "a", "5", "b", "4", "d"]),
        int(2)
    );
    // NX: only new members; XX: only existing ones.
    assert_eq!(c.cmd(&["ZADD", "z", "NX", "9", "a", "7", "e"]), int(1));
    assert_eq!(c.cmd(&["ZSCORE", "z", "a"]), Resp::bulk("1"));
    assert_eq!(
        c.cmd(&["ZADD", "z", "XX", "CH", "9", "a", "7", "f"]),
        int(1)
    );
    assert_eq!(c.cmd(&["ZSCORE", "z", "a"]), Resp::bulk("9"));
    assert_eq!(c.cmd(&["ZSCORE", "z", "f"]), Resp::Bulk(None));
    // GT / LT only move existing scores up / down, and still add new members.
    assert_eq!(
        c.cmd(&["ZADD", "z", "GT", "CH", "1", "a", "10", "b", "1", "g"]),
        int(2)
    );
    assert_eq!(c.cmd(&["ZSCORE", "z", "a"]), Resp::bulk("9"));
    assert_eq!(c.cmd(&["ZSCORE", "z", "b"]), Resp::bulk("10"));
    assert_eq!(
        c.cmd(&["ZADD", "z", "LT", "CH", "1", "a", "20", "b"]),
        int(1)
    );
    assert_eq!(c.cmd(&["ZADD", "z", "XX", "GT", "CH", "2", "a"]), int(1));
    assert_eq!(c.cmd(&["ZSCORE", "z", "a"]), Resp::bulk("2"));
    // The same member twice: the second pair sees the first.
    assert_eq!(c.cmd(&["ZADD", "dup", "1", "x", "2", "x"]), int(1));
    assert_eq!(c.cmd(&["ZSCORE", "dup", "x"]), Resp::bulk("2"));
    // XX on a missing key creates nothing.
    assert_eq!(c.cmd(&["ZADD", "none", "XX", "1", "a"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "none"]), int(0));
    assert_eq!(c.cmd(&["TYPE", "z"]), Resp::Simple("zset".into()));
    // Options are case-insensitive.
    assert_eq!(c.cmd(&["zadd", "z", "nx", "ch", "1", "h"]), int(1));
}

#[test]
fn zadd_errors() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    let cases: &[(&[&str], &str)] = &[
        (
            &["ZADD", "z", "1"],
            "ERR wrong number of arguments for 'zadd' command",
        ),
        (
            &["ZADD", "z", "NX"],
            "ERR wrong number of arguments for 'zadd' command",
        ),
        (&["ZADD", "z", "1", "a", "2"], SYNTAX),
        (&["ZADD", "z", "XX", "NX", "1"], SYNTAX),
        (
            &["ZADD", "z", "NX", "XX", "1", "a"],
            "ERR XX and NX options at the same time are not compatible",
        ),
        (
            &["ZADD", "z", "GT", "LT", "1", "a"],
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        ),
        (
            &["ZADD", "z", "NX", "GT", "1", "a"],
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        ),
        (
            &["ZADD", "z", "NX", "LT", "1", "a"],
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        ),
        (
            &["ZADD", "z", "INCR", "1", "a", "2", "b"],
            "ERR INCR option supports a single increment-element pair",
        ),
        (&["ZADD", "z", "x", "a"], NOT_FLOAT),
        (&["ZADD", "z", "nan", "a"], NOT_FLOAT),
        (&["ZADD", "z", " 1", "a"], NOT_FLOAT),
        (&["ZADD", "z", "1e400", "a"], NOT_FLOAT),
        (&["ZADD", "z", "1e-400", "a"], NOT_FLOAT),
        (&["ZADD", "z", "1", "a", "x", "b"], NOT_FLOAT),
        (&["ZINCRBY", "z", "x", "a"], NOT_FLOAT),
    ];
    for (args, want) in cases {
        assert_eq!(c.cmd(args), error(want), "{args:?}");
    }
    // A bad score anywhere refuses the whole command.
    assert_eq!(c.cmd(&["EXISTS", "z"]), int(0));
    assert_eq!(c.cmd(&["SET", "s", "x"]), Resp::ok());
    assert_eq!(c.cmd(&["ZADD", "s", "1", "a"]), error(WRONGTYPE));
    // Argument errors come before the type check.
    assert_eq!(c.cmd(&["ZADD", "s", "x", "a"]), error(NOT_FLOAT));
    // Accepted spellings of scores.
    for (text, want) in [
        ("inf", "inf"),
        ("+inf", "inf"),
        ("-inf", "-inf"),
        ("INFINITY", "inf"),
        ("0x10", "16"),
        (".5", "0.5"),
        ("1e3", "1000"),
        ("-0", "0"),
    ] {
        assert!(matches!(c.cmd(&["ZADD", "sp", text, "m"]), Resp::Int(_)));
        assert_eq!(c.cmd(&["ZSCORE", "sp", "m"]), Resp::bulk(want), "{text}");
    }
}

#[test]
fn incr_and_zincrby() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    assert_eq!(c.cmd(&["ZINCRBY", "z", "2.5", "a"]), Resp::bulk("2.5"));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "-1", "a"]), Resp::bulk("1.5"));
    assert_eq!(c.cmd(&["ZADD", "z", "INCR", "1", "a"]), Resp::bulk("2.5"));
    // INCR with NX on an existing member, or XX on a missing one, does nothing: null.
    assert_eq!(
        c.cmd(&["ZADD", "z", "NX", "INCR", "1", "a"]),
        Resp::Bulk(None)
    );
    assert_eq!(
        c.cmd(&["ZADD", "z", "XX", "INCR", "1", "b"]),
        Resp::Bulk(None)
    );
    assert_eq!(
        c.cmd(&["ZADD", "missing", "XX", "INCR", "1", "b"]),
        Resp::Bulk(None)
    );
    assert_eq!(
        c.cmd(&["ZADD", "z", "GT", "INCR", "-1", "a"]),
        Resp::Bulk(None)
    );
    assert_eq!(
        c.cmd(&["ZADD", "z", "LT", "INCR", "-1", "a"]),
        Resp::bulk("1.5")
    );
    // inf + -inf is NaN: refused, nothing changes.
    assert_eq!(c.cmd(&["ZADD", "z", "inf", "i"]), int(1));
    assert_eq!(
        c.cmd(&["ZINCRBY", "z", "-inf", "i"]),
        error("ERR resulting score is not a number (NaN)")
    );
    assert_eq!(
        c.cmd(&["ZADD", "z", "INCR", "-inf", "i"]),
        error("ERR resulting score is not a number (NaN)")
    );
    assert_eq!(c.cmd(&["ZSCORE", "z", "i"]), Resp::bulk("inf"));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "1", "i"]), Resp::bulk("inf"));
    let mut c3 = resp3(&server);
    assert_eq!(c3.cmd(&["ZINCRBY", "z", "1", "a"]), double("2.5"));
    assert_eq!(c3.cmd(&["ZADD", "z", "XX", "INCR", "1", "zz"]), Resp::Null);
}

#[test]
fn scores_are_formatted_as_redis_does() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    let mut c3 = resp3(&server);
    let cases = [
        ("1.5", "1.5"),
        ("0.1", "0.10000000000000001"),
        ("1e20", "1e+20"),
        ("-0", "0"),
        ("inf", "inf"),
        ("-inf", "-inf"),
        ("3", "3"),
        ("1e-310", "9.9999999999999694e-311"),
        ("4611686018427387904", "4.6116860184273879e+18"),
        ("123456789.125", "123456789.125"),
    ];
    for (i, (given, want)) in cases.iter().enumerate() {
        let m = format!("m{i}");
        c.cmd(&["ZADD", "packed", given, &m]);
        assert_eq!(
            c.cmd(&["ZSCORE", "packed", &m]),
            Resp::bulk(want),
            "{given}"
        );
        assert_eq!(c3.cmd(&["ZSCORE", "packed", &m]), double(want), "{given}");
    }
    assert_eq!(
        c.cmd(&["OBJECT", "ENCODING", "packed"]),
        Resp::bulk("listpack")
    );
    // In the large encoding, -0 stays -0 (a listpack keeps it as the integer 0).
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "0"]),
        Resp::ok()
    );
    c.cmd(&["ZADD", "big", "-0", "m", "0.1", "n"]);
    assert_eq!(
        c.cmd(&["OBJECT", "ENCODING", "big"]),
        Resp::bulk("skiplist")
    );
    assert_eq!(c.cmd(&["ZSCORE", "big", "m"]), Resp::bulk("-0"));
    assert_eq!(
        c.cmd(&["ZSCORE", "big", "n"]),
        Resp::bulk("0.10000000000000001")
    );
    assert_eq!(c3.cmd(&["ZSCORE", "big", "m"]), double("-0"));
}

/// Eleven members a..k with scores 1..11, packed unless `big`.
fn fill(c: &mut RawConn, key: &str, big: bool) {
    c.cmd(&["DEL", key]);
    let entries = if big { "0" } else { "128" };
    c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", entries]);
    for (i, m) in "abcdefghijk".chars().enumerate() {
        let s = (i + 1).to_string();
        c.cmd(&["ZADD", key, &s, &m.to_string()]);
    }
    c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "128"]);
    let enc = if big { "skiplist" } else { "listpack" };
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", key]), Resp::bulk(enc));
}

#[test]
fn ranges_by_rank() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    for big in [false, true] {
        fill(&mut c, "z", big);
        assert_eq!(list(&mut c, &["ZRANGE", "z", "0", "2"]), ["a", "b", "c"]);
        assert_eq!(list(&mut c, &["ZRANGE", "z", "-2", "-1"]), ["j", "k"]);
        assert_eq!(list(&mut c, &["ZRANGE", "z", "-100", "1"]), ["a", "b"]);
        assert_eq!(list(&mut c, &["ZRANGE", "z", "9", "100"]), ["j", "k"]);
        assert!(list(&mut c, &["ZRANGE", "z", "5", "2"]).is_empty());
        assert!(list(&mut c, &["ZRANGE", "z", "11", "20"]).is_empty());
        assert_eq!(list(&mut c, &["ZRANGE", "z", "0", "1", "REV"]), ["k", "j"]);
        assert_eq!(list(&mut c, &["ZREVRANGE", "z", "0", "1"]), ["k", "j"]);
        assert_eq!(
            list(&mut c, &["ZRANGE", "z", "0", "1", "WITHSCORES"]),
            ["a", "1", "b", "2"]
        );
        assert_eq!(
            list(&mut c, &["ZREVRANGE", "z", "0", "0", "WITHSCORES"]),
            ["k", "11"]
        );
        // LIMIT -1 is "no limit", so it is allowed with a rank range.
        assert_eq!(
            list(&mut c, &["ZRANGE", "z", "0", "0", "LIMIT", "0", "-1"]),
            ["a"]
        );
        assert_eq!(c.cmd(&["ZRANK", "z", "c"]), int(2));
        assert_eq!(c.cmd(&["ZREVRANK", "z", "c"]), int(8));
        assert_eq!(c.cmd(&["ZRANK", "z", "nope"]), Resp::Bulk(None));
    }
    assert!(list(&mut c, &["ZRANGE", "nokey", "0", "-1"]).is_empty());
    assert_eq!(c.cmd(&["ZRANK", "nokey", "a"]), Resp::Bulk(None));
}

#[test]
fn ranges_by_score() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    for big in [false, true] {
        fill(&mut c, "z", big);
        assert_eq!(
            list(&mut c, &["ZRANGEBYSCORE", "z", "2", "4"]),
            ["b", "c", "d"]
        );
        assert_eq!(list(&mut c, &["ZRANGEBYSCORE", "z", "(2", "(4"]), ["c"]);
        assert_eq!(list(&mut c, &["ZRANGEBYSCORE", "z", "-inf", "(2"]), ["a"]);
        assert_eq!(list(&mut c, &["ZRANGEBYSCORE", "z", "(10", "+inf"]), ["k"]);
        assert_eq!(
            list(&mut c, &["ZRANGEBYSCORE", "z", "10.5", "1e400"]),
            ["k"]
        );
        assert!(list(&mut c, &["ZRANGEBYSCORE", "z", "5", "4"]).is_empty());
        assert!(list(&mut c, &["ZRANGEBYSCORE", "z", "(4", "4"]).is_empty());
        assert_eq!(
            list(
                &mut c,
                &[
                    "ZRANGEBYSCORE",
                    "z",
                    "2",
                    "4",
                    "WITHSCORES",
                    "LIMIT",
                    "1",
                    "5"
                ]
            ),
            ["c", "3", "d", "4"]
        );
        assert_eq!(
            list(
                &mut c,
                &["ZRANGEBYSCORE", "z", "2", "9", "LIMIT", "1", "-1"]
            )
            .len(),
            7
        );
        assert!(list(
            &mut c,
            &["ZRANGEBYSCORE", "z", "2", "9", "LIMIT", "-1", "3"]
        )
        .is_empty());
        assert!(list(
            &mut c,
            &["ZRANGEBYSCORE", "z", "2", "9", "LIMIT", "11", "3"]
        )
        .is_empty());
        assert!(list(&mut c, &["ZRANGEBYSCORE", "z", "2", "9", "LIMIT", "1", "0"]).is_empty());
        assert_eq!(
            list(&mut c, &["ZREVRANGEBYSCORE", "z", "4", "2"]),
            ["d", "c", "b"]
        );
        assert_eq!(
            list(
                &mut c,
                &["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "2", "2"]
            ),
            ["i", "h"]
        );
        assert_eq!(
            list(&mut c, &["ZRANGE", "z", "(1", "3", "BYSCORE"]),
            ["b", "c"]
        );
        assert_eq!(
            list(&mut c, &["ZRANGE", "z", "3", "(1", "BYSCORE", "REV"]),
            ["c", "b"]
        );
        assert_eq!(
            list(
                &mut c,
                &[
                    "ZRANGE",
                    "z",
                    "5",
                    "1",
                    "BYSCORE",
                    "REV",
                    "LIMIT",
                    "1",
                    "1",
                    "WITHSCORES"
                ]
            ),
            ["d", "4"]
        );
        // Bounds as strtod reads them: spaces before, the empty string, hexadecimal.
        assert_eq!(
            list(&mut c, &["ZRANGEBYSCORE", "z", " 10", "0x0b"]),
            ["j", "k"]
        );
        assert_eq!(list(&mut c, &["ZRANGEBYSCORE", "z", "", "1"]), ["a"]);
        assert_eq!(c.cmd(&["ZCOUNT", "z", "2", "(5"]), int(3));
        assert_eq!(c.cmd(&["ZCOUNT", "z", "-inf", "+inf"]), int(11));
        assert_eq!(c.cmd(&["ZCOUNT", "z", "20", "30"]), int(0));
    }
    for bad in ["x", "(x", "nan", "1 ", "((1"] {
        assert_eq!(
            c.cmd(&["ZRANGEBYSCORE", "z", bad, "1"]),
            error("ERR min or max is not a float"),
            "{bad}"
        );
        assert_eq!(
            c.cmd(&["ZCOUNT", "z", "1", bad]),
            error("ERR min or max is not a float")
        );
    }
    assert_eq!(c.cmd(&["ZCOUNT", "nokey", "1", "2"]), int(0));
}

#[test]
fn ranges_by_lex() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    for big in [false, true] {
        c.cmd(&["DEL", "l"]);
        if big {
            c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "0"]);
        }
        c.cmd(&[
            "ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "f",
        ]);
        c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "128"]);
        assert_eq!(list(&mut c, &["ZRANGEBYLEX", "l", "-", "+"]).len(), 6);
        assert_eq!(list(&mut c, &["ZRANGEBYLEX", "l", "[b", "(d"]), ["b", "c"]);
        assert_eq!(list(&mut c, &["ZRANGEBYLEX", "l", "(b", "[d"]), ["c", "d"]);
        assert_eq!(list(&mut c, &["ZRANGEBYLEX", "l", "-", "[a"]), ["a"]);
        assert_eq!(list(&mut c, &["ZRANGEBYLEX", "l", "[e", "+"]), ["e", "f"]);
        assert_eq!(
            list(&mut c, &["ZRANGEBYLEX", "l", "-", "+", "LIMIT", "2", "2"]),
            ["c", "d"]
        );
        assert!(list(&mut c, &["ZRANGEBYLEX", "l", "+", "-"]).is_empty());
        assert!(list(&mut c, &["ZRANGEBYLEX", "l", "[d", "[c"]).is_empty());
        assert!(list(&mut c, &["ZRANGEBYLEX", "l", "(c", "(c"]).is_empty());
        assert_eq!(
            list(&mut c, &["ZREVRANGEBYLEX", "l", "[d", "[b"]),
            ["d", "c", "b"]
        );
        assert_eq!(
            list(
                &mut c,
                &["ZREVRANGEBYLEX", "l", "+", "-", "LIMIT", "0", "2"]
            ),
            ["f", "e"]
        );
        assert_eq!(
            list(&mut c, &["ZRANGE", "l", "[b", "[c", "BYLEX"]),
            ["b", "c"]
        );
        assert_eq!(
            list(&mut c, &["ZRANGE", "l", "[c", "[b", "BYLEX", "REV"]),
            ["c", "b"]
        );
        assert_eq!(c.cmd(&["ZLEXCOUNT", "l", "[b", "(e"]), int(3));
        assert_eq!(c.cmd(&["ZLEXCOUNT", "l", "-", "+"]), int(6));
        assert_eq!(c.cmd(&["ZLEXCOUNT", "l", "+", "-"]), int(0));
    }
    for bad in ["a", "", "-a", "+b", "1"] {
        let e = error("ERR min or max not valid string range item");
        assert_eq!(c.cmd(&["ZRANGEBYLEX", "l", bad, "+"]), e, "{bad:?}");
        assert_eq!(c.cmd(&["ZLEXCOUNT", "l", "-", bad]), e);
        assert_eq!(c.cmd(&["ZREMRANGEBYLEX", "l", bad, "+"]), e);
    }
}

#[test]
fn range_option_errors() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    fill(&mut c, "z", false);
    let limit_err =
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
    let lex_err = "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
    let cases: &[(&[&str], &str)] = &[
        (&["ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"], limit_err),
        (&["ZREVRANGE", "z", "0", "-1", "LIMIT", "0", "1"], limit_err),
        (&["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"], lex_err),
        (&["ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"], lex_err),
        (&["ZRANGE", "z", "a", "b"], NOT_INT),
        (
            &["ZRANGE", "z", "0", "1", "BYLEX"],
            "ERR min or max not valid string range item",
        ),
        (&["ZRANGE", "z", "0", "-1", "FOO"], SYNTAX),
        (&["ZRANGE", "z", "0", "-1", "LIMIT", "0"], SYNTAX),
        (
            &["ZRANGE", "z", "0", "-1", "BYSCORE", "LIMIT", "x", "1"],
            NOT_INT,
        ),
        (&["ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX"], SYNTAX),
        (&["ZRANGE", "z", "0", "-1", "REV", "REV"], SYNTAX),
        (&["ZRANGEBYSCORE", "z", "0", "1", "REV"], SYNTAX),
        (&["ZRANGEBYSCORE", "z", "0", "1", "BYSCORE"], SYNTAX),
        (&["ZREVRANGE", "z", "0", "1", "REV"], SYNTAX),
        (
            &["ZRANGESTORE", "{z}d", "{z}z", "0", "-1", "WITHSCORES"],
            SYNTAX,
        ),
        (
            &["ZRANGE", "z", "0"],
            "ERR wrong number of arguments for 'zrange' command",
        ),
    ];
    for (args, want) in cases {
        assert_eq!(c.cmd(args), error(want), "{args:?}");
    }
    // Argument errors win over the key's type; the type is checked before the range is used.
    c.cmd(&["SET", "s", "x"]);
    assert_eq!(c.cmd(&["ZRANGE", "s", "a", "1"]), error(NOT_INT));
    assert_eq!(c.cmd(&["ZRANGE", "s", "0", "1"]), error(WRONGTYPE));
}

#[test]
fn zrangestore() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    fill(&mut c, "{t}src", false);
    assert_eq!(
        c.cmd(&["ZRANGESTORE", "{t}dst", "{t}src", "0", "2"]),
        int(3)
    );
    assert_eq!(
        list(&mut c, &["ZRANGE", "{t}dst", "0", "-1", "WITHSCORES"]),
        ["a", "1", "b", "2", "c", "3"]
    );
    assert_eq!(
        c.cmd(&[
            "ZRANGESTORE",
            "{t}dst",
            "{t}src",
            "5",
            "(2",
            "BYSCORE",
            "REV",
            "LIMIT",
            "1",
            "2"
        ]),
        int(2)
    );
    assert_eq!(list(&mut c, &["ZRANGE", "{t}dst", "0", "-1"]), ["c", "d"]);
    assert_eq!(
        c.cmd(&["ZRANGESTORE", "{t}dst", "{t}src", "100", "200", "BYSCORE"]),
        int(0)
    );
    // An empty result deletes the destination, whatever it held.
    assert_eq!(c.cmd(&["EXISTS", "{t}dst"]), int(0));
    c.cmd(&["SET", "{t}dst", "x"]);
    assert_eq!(
        c.cmd(&["ZRANGESTORE", "{t}dst", "{t}none", "0", "-1"]),
        int(0)
    );
    assert_eq!(c.cmd(&["EXISTS", "{t}dst"]), int(0));
    // The destination is overwritten whatever its type, and loses its TTL.
    c.cmd(&["SET", "{t}dst", "x", "EX", "100"]);
    assert_eq!(
        c.cmd(&["ZRANGESTORE", "{t}dst", "{t}src", "0", "0"]),
        int(1)
    );
    assert_eq!(c.cmd(&["TTL", "{t}dst"]), int(-1));
    assert_eq!(c.cmd(&["TYPE", "{t}dst"]), Resp::Simple("zset".into()));
    c.cmd(&["SET", "{t}s", "x"]);
    assert_eq!(
        c.cmd(&["ZRANGESTORE", "{t}dst", "{t}s", "0", "-1"]),
        error(WRONGTYPE)
    );
    // The stored set is encoded by its size.
    c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "4"]);
    c.cmd(&["ZRANGESTORE", "{t}dst", "{t}src", "0", "3"]);
    assert_eq!(
        c.cmd(&["OBJECT", "ENCODING", "{t}dst"]),
        Resp::bulk("listpack")
    );
    c.cmd(&["ZRANGESTORE", "{t}dst", "{t}src", "0", "4"]);
    assert_eq!(
        c.cmd(&["OBJECT", "ENCODING", "{t}dst"]),
        Resp::bulk("skiplist")
    );
    // A source on the other shard.
    let (a, b) = key_pair("zrs");
    fill(&mut c, &a, false);
    let r = c.cmd(&["ZRANGESTORE", &b, &a, "0", "1"]);
    if r != int(2) {
        // Writes across shards are not there yet in every checkout.
        assert!(r.text().starts_with("CROSSSLOT"), "{r:?}");
    } else {
        assert_eq!(list(&mut c, &["ZRANGE", &b, "0", "-1"]), ["a", "b"]);
    }
}

#[test]
fn removals() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    for big in [false, true] {
        fill(&mut c, "z", big);
        assert_eq!(c.cmd(&["ZREM", "z", "a", "a", "nope", "b"]), int(2));
        assert_eq!(c.cmd(&["ZCARD", "z"]), int(9));
        assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "z", "0", "1"]), int(2));
        assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "z", "-1", "-1"]), int(1));
        assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "z", "5", "2"]), int(0));
        assert_eq!(
            list(&mut c, &["ZRANGE", "z", "0", "-1"]),
            ["e", "f", "g", "h", "i", "j"]
        );
        assert_eq!(c.cmd(&["ZREMRANGEBYSCORE", "z", "(5", "7"]), int(2));
        assert_eq!(c.cmd(&["ZREMRANGEBYSCORE", "z", "100", "200"]), int(0));
        assert_eq!(
            list(&mut c, &["ZRANGE", "z", "0", "-1"]),
            ["e", "h", "i", "j"]
        );
        c.cmd(&["ZADD", "z", "0", "aa", "0", "ab", "0", "ac"]);
        assert_eq!(c.cmd(&["ZREMRANGEBYLEX", "z", "(aa", "[ac"]), int(2));
        // The last member gone, the key goes.
        assert_eq!(c.cmd(&["ZREMRANGEBYSCORE", "z", "-inf", "+inf"]), int(5));
        assert_eq!(c.cmd(&["EXISTS", "z"]), int(0));
        fill(&mut c, "z", big);
        assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "z", "0", "-1"]), int(11));
        assert_eq!(c.cmd(&["EXISTS", "z"]), int(0));
        fill(&mut c, "z", big);
        let all: Vec<String> = "abcdefghijk".chars().map(|ch| ch.to_string()).collect();
        let mut args: Vec<&str> = vec!["ZREM", "z"];
        args.extend(all.iter().map(|s| s.as_str()));
        assert_eq!(c.cmd(&args), int(11));
        assert_eq!(c.cmd(&["EXISTS", "z"]), int(0));
    }
    assert_eq!(c.cmd(&["ZREM", "nokey", "a"]), int(0));
    assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "nokey", "0", "-1"]), int(0));
    assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "z", "x", "1"]), error(NOT_INT));
    assert_eq!(
        c.cmd(&["ZREMRANGEBYSCORE", "z", "x", "1"]),
        error("ERR min or max is not a float")
    );
}

#[test]
fn scores_and_cardinality() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    let mut c3 = resp3(&server);
    c.cmd(&["ZADD", "z", "1", "a", "2.5", "b"]);
    assert_eq!(c.cmd(&["ZCARD", "z"]), int(2));
    assert_eq!(c.cmd(&["ZCARD", "nokey"]), int(0));
    assert_eq!(
        c.cmd(&["ZMSCORE", "z", "a", "x", "b"]),
        Resp::Array(Some(vec![
            Resp::bulk("1"),
            Resp::Bulk(None),
            Resp::bulk("2.5")
        ]))
    );
    assert_eq!(
        c.cmd(&["ZMSCORE", "nokey", "a"]),
        Resp::Array(Some(vec![Resp::Bulk(None)]))
    );
    assert_eq!(
        c3.cmd(&["ZMSCORE", "z", "a", "x"]),
        Resp::Array(Some(vec![double("1"), Resp::Null]))
    );
    assert_eq!(c3.cmd(&["ZSCORE", "z", "x"]), Resp::Null);
    assert_eq!(c3.cmd(&["ZSCORE", "nokey", "x"]), Resp::Null);
    assert_eq!(c3.cmd(&["ZRANK", "z", "x"]), Resp::Null);
    assert_eq!(c3.cmd(&["ZRANK", "z", "b"]), int(1));
    c.cmd(&["SET", "s", "x"]);
    for args in [
        &["ZCARD", "s"][..],
        &["ZSCORE", "s", "a"],
        &["ZMSCORE", "s", "a"],
        &["ZRANK", "s", "a"],
        &["ZREVRANK", "s", "a"],
        &["ZREM", "s", "a"],
        &["ZINCRBY", "s", "1", "a"],
        &["ZCOUNT", "s", "0", "1"],
        &["ZLEXCOUNT", "s", "-", "+"],
        &["ZRANGE", "s", "0", "1"],
        &["ZRANGEBYSCORE", "s", "0", "1"],
        &["ZRANGEBYLEX", "s", "-", "+"],
        &["ZREMRANGEBYRANK", "s", "0", "1"],
        &["ZREMRANGEBYSCORE", "s", "0", "1"],
        &["ZREMRANGEBYLEX", "s", "-", "+"],
        &["ZPOPMIN", "s"],
        &["ZPOPMAX", "s", "2"],
        &["ZRANDMEMBER", "s"],
        &["ZRANDMEMBER", "s", "2"],
        &["ZSCAN", "s", "0"],
        &["ZMPOP", "1", "s", "MIN"],
    ] {
        assert_eq!(c.cmd(args), error(WRONGTYPE), "{args:?}");
    }
}

#[test]
fn pops() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    let mut c3 = resp3(&server);
    for big in [false, true] {
        fill(&mut c, "z", big);
        assert_eq!(list(&mut c, &["ZPOPMIN", "z"]), ["a", "1"]);
        assert_eq!(list(&mut c, &["ZPOPMAX", "z"]), ["k", "11"]);
        assert_eq!(list(&mut c, &["ZPOPMIN", "z", "2"]), ["b", "2", "c", "3"]);
        assert_eq!(list(&mut c, &["ZPOPMAX", "z", "2"]), ["j", "10", "i", "9"]);
        assert!(list(&mut c, &["ZPOPMIN", "z", "0"]).is_empty());
        // RESP3: a single pop is flat, a counted one nests the pairs.
        assert_eq!(
            c3.cmd(&["ZPOPMIN", "z"]),
            Resp::Array(Some(vec![Resp::bulk("d"), double("4")]))
        );
        assert_eq!(
            c3.cmd(&["ZPOPMAX", "z", "1"]),
            Resp::Array(Some(vec![Resp::Array(Some(vec![
                Resp::bulk("h"),
                double("8")
            ]))]))
        );
        assert_eq!(
            list(&mut c, &["ZPOPMIN", "z", "100"]),
            ["e", "5", "f", "6", "g", "7"]
        );
        assert_eq!(c.cmd(&["EXISTS", "z"]), int(0));
    }
    assert!(list(&mut c, &["ZPOPMIN", "nokey"]).is_empty());
    assert!(list(&mut c, &["ZPOPMIN", "nokey", "0"]).is_empty());
    let pos = "ERR value is out of range, must be positive";
    assert_eq!(c.cmd(&["ZPOPMIN", "z", "-1"]), error(pos));
    assert_eq!(c.cmd(&["ZPOPMIN", "z", "x"]), error(pos));
    assert_eq!(c.cmd(&["ZPOPMIN", "z", "1", "2"]), error(SYNTAX));
}

#[test]
fn zmpop() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    let mut c3 = resp3(&server);
    fill(&mut c, "{m}b", false);
    let pair = |m: &str, s: &str, d: bool| {
        Resp::Array(Some(vec![
            Resp::bulk(m),
            if d { double(s) } else { Resp::bulk(s) },
        ]))
    };
    assert_eq!(
        c.cmd(&["ZMPOP", "2", "{m}a", "{m}b", "MIN"]),
        Resp::Array(Some(vec![
            Resp::bulk("{m}b"),
            Resp::Array(Some(vec![pair("a", "1", false)]))
        ]))
    );
    assert_eq!(
        c3.cmd(&["ZMPOP", "2", "{m}a", "{m}b", "max", "COUNT", "2"]),
        Resp::Array(Some(vec![
            Resp::bulk("{m}b"),
            Resp::Array(Some(vec![pair("k", "11", true), pair("j", "10", true)]))
        ]))
    );
    assert_eq!(c.cmd(&["ZMPOP", "1", "{m}a", "MIN"]), Resp::Array(None));
    assert_eq!(c3.cmd(&["ZMPOP", "1", "{m}a", "MIN"]), Resp::Null);
    let cases: &[(&[&str], &str)] = &[
        (
            &["ZMPOP", "0", "a", "MIN"],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["ZMPOP", "x", "a", "MIN"],
            "ERR numkeys should be greater than 0",
        ),
        (&["ZMPOP", "1", "a", "FOO"], SYNTAX),
        (&["ZMPOP", "5", "a", "MIN"], SYNTAX),
        (&["ZMPOP", "1", "a", "MIN", "COUNT"], SYNTAX),
        (
            &["ZMPOP", "1", "a", "MIN", "COUNT", "0"],
            "ERR count should be greater than 0",
        ),
        (
            &["ZMPOP", "1", "a", "MIN", "COUNT", "1", "COUNT", "1"],
            SYNTAX,
        ),
        (
            &["ZMPOP", "1", "a"],
            "ERR wrong number of arguments for 'zmpop' command",
        ),
    ];
    for (args, want) in cases {
        assert_eq!(c.cmd(args), error(want), "{args:?}");
    }
    // Keys on both shards: the first non-empty one is popped.
    let (k0, k1) = key_pair("zmp");
    c.cmd(&["ZADD", &k1, "1", "x"]);
    let r = c.cmd(&["ZMPOP", "2", &k0, &k1, "MIN"]);
    if r.text_or_none().is_none_or(|t| !t.starts_with("CROSSSLOT")) {
        assert_eq!(r.items()[0], Resp::bulk(&k1));
    }
}

trait TextOrNone {
    fn text_or_none(&self) -> Option<String>;
}

impl TextOrNone for Resp {
    fn text_or_none(&self) -> Option<String> {
        match self {
            Resp::Error(s) => Some(s.clone()),
            _ => None,
        }
    }
}

#[test]
fn zrandmember() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    let mut c3 = resp3(&server);
    for big in [false, true] {
        fill(&mut c, "z", big);
        let all: Vec<String> = "abcdefghijk".chars().map(|ch| ch.to_string()).collect();
        let one = c.cmd(&["ZRANDMEMBER", "z"]).text();
        assert!(all.contains(&one));
        // A positive count: distinct members; more than the set: the whole set.
        for n in ["1", "3", "5", "10"] {
            let got = list(&mut c, &["ZRANDMEMBER", "z", n]);
            let mut uniq = got.clone();
            uniq.sort();
            uniq.dedup();
            assert_eq!(uniq.len(), got.len());
            assert_eq!(got.len(), n.parse::<usize>().unwrap());
        }
        let mut whole = list(&mut c, &["ZRANDMEMBER", "z", "20"]);
        whole.sort();
        assert_eq!(whole, all);
        // A negative count: that many, repeats allowed.
        assert_eq!(list(&mut c, &["ZRANDMEMBER", "z", "-30"]).len(), 30);
        let ws = list(&mut c, &["ZRANDMEMBER", "z", "-5", "WITHSCORES"]);
        assert_eq!(ws.len(), 10);
        for p in ws.chunks(2) {
            let rank = all.iter().position(|m| *m == p[0]).unwrap();
            assert_eq!(p[1], (rank + 1).to_string());
        }
        let r3 = c3.cmd(&["ZRANDMEMBER", "z", "2", "WITHSCORES"]);
        assert_eq!(r3.items().len(), 2);
        assert!(matches!(r3.items()[0].items()[1], Resp::Double(_)));
        assert!(list(&mut c, &["ZRANDMEMBER", "z", "0"]).is_empty());
    }
    assert_eq!(c.cmd(&["ZRANDMEMBER", "nokey"]), Resp::Bulk(None));
    assert_eq!(c3.cmd(&["ZRANDMEMBER", "nokey"]), Resp::Null);
    assert!(list(&mut c, &["ZRANDMEMBER", "nokey", "5"]).is_empty());
    assert_eq!(c.cmd(&["ZRANDMEMBER", "z", "x"]), error(NOT_INT));
    assert_eq!(c.cmd(&["ZRANDMEMBER", "z", "1", "foo"]), error(SYNTAX));
    assert_eq!(
        c.cmd(&["ZRANDMEMBER", "z", "1", "WITHSCORES", "x"]),
        error(SYNTAX)
    );
    assert_eq!(
        c.cmd(&["ZRANDMEMBER", "z", "-9223372036854775808"]),
        error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    );
}

/// A full ZSCAN iteration: every member with its score text.
fn scan_all(c: &mut RawConn, key: &str, extra: &[&str]) -> Vec<(String, String)> {
    let mut cursor = "0".to_string();
    let mut out = Vec::new();
    loop {
        let mut args = vec!["ZSCAN", key, cursor.as_str()];
        args.extend_from_slice(extra);
        let r = c.cmd(&args);
        let items = r.items();
        let next = items[0].text();
        for p in texts(&items[1]).chunks(2) {
            out.push((p[0].clone(), p[1].clone()));
        }
        if next == "0" {
            break;
        }
        cursor = next;
    }
    out.sort();
    out
}

#[test]
fn zscan() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    c.cmd(&[
        "ZADD",
        "small",
        "1",
        "a",
        "1.5",
        "b",
        "4611686018427387904",
        "c",
    ]);
    // A packed set is returned whole, with the scores as stored.
    let r = c.cmd(&["ZSCAN", "small", "0"]);
    assert_eq!(r.items()[0], Resp::bulk("0"));
    assert_eq!(
        texts(&r.items()[1]),
        ["a", "1", "b", "1.5", "c", "4611686018427387904"]
    );
    // A large one in several calls; every member exactly as ZSCORE formats it.
    let mut args = vec!["ZADD".to_string(), "big".to_string()];
    for i in 0..500 {
        args.push(format!("{}.5", i));
        args.push(format!("m{i}"));
    }
    let refs: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    assert_eq!(c.cmd(&refs), int(500));
    assert_eq!(
        c.cmd(&["OBJECT", "ENCODING", "big"]),
        Resp::bulk("skiplist")
    );
    let all = scan_all(&mut c, "big", &["COUNT", "50"]);
    assert_eq!(all.len(), 500);
    assert!(all.contains(&("m7".to_string(), "7.5".to_string())));
    let matched = scan_all(&mut c, "big", &["MATCH", "m1?"]);
    assert_eq!(matched.len(), 10);
    assert_eq!(
        c.cmd(&["ZSCAN", "nokey", "0"]),
        Resp::Array(Some(vec![Resp::bulk("0"), Resp::Array(Some(vec![]))]))
    );
    assert_eq!(c.cmd(&["ZSCAN", "big", "x"]), error("ERR invalid cursor"));
    assert_eq!(c.cmd(&["ZSCAN", "big", "0", "COUNT", "0"]), error(SYNTAX));
    assert_eq!(c.cmd(&["ZSCAN", "big", "0", "COUNT", "x"]), error(NOT_INT));
    assert_eq!(c.cmd(&["ZSCAN", "big", "0", "MATCH"]), error(SYNTAX));
    assert_eq!(c.cmd(&["ZSCAN", "big", "0", "TYPE", "zset"]), error(SYNTAX));
    // A missing key answers an empty scan before looking at the options.
    assert_eq!(
        c.cmd(&["ZSCAN", "nokey", "0", "FOO"]).items()[0],
        Resp::bulk("0")
    );
}

#[test]
fn set_operations() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    let mut c3 = resp3(&server);
    c.cmd(&["ZADD", "{s}a", "1", "x", "2", "y", "3", "z"]);
    c.cmd(&["ZADD", "{s}b", "10", "y", "20", "z", "30", "w"]);
    assert_eq!(
        list(&mut c, &["ZUNION", "2", "{s}a", "{s}b", "WITHSCORES"]),
        ["x", "1", "y", "12", "z", "23", "w", "30"]
    );
    assert_eq!(
        list(
            &mut c,
            &[
                "ZUNION",
                "2",
                "{s}a",
                "{s}b",
                "WEIGHTS",
                "2",
                "0.5",
                "AGGREGATE",
                "MAX",
                "WITHSCORES"
            ]
        ),
        ["x", "2", "y", "5", "z", "10", "w", "15"]
    );
    assert_eq!(
        list(
            &mut c,
            &[
                "ZINTER",
                "2",
                "{s}a",
                "{s}b",
                "AGGREGATE",
                "min",
                "WITHSCORES"
            ]
        ),
        ["y", "2", "z", "3"]
    );
    assert_eq!(
        list(&mut c, &["ZINTER", "3", "{s}a", "{s}b", "{s}none"]),
        Vec::<String>::new()
    );
    assert_eq!(
        list(&mut c, &["ZDIFF", "2", "{s}a", "{s}b", "WITHSCORES"]),
        ["x", "1"]
    );
    assert_eq!(
        list(&mut c, &["ZDIFF", "2", "{s}a", "{s}a"]),
        Vec::<String>::new()
    );
    assert_eq!(
        list(&mut c, &["ZUNION", "1", "{s}none"]),
        Vec::<String>::new()
    );
    assert_eq!(c.cmd(&["ZINTERCARD", "2", "{s}a", "{s}b"]), int(2));
    assert_eq!(
        c.cmd(&["ZINTERCARD", "2", "{s}a", "{s}b", "LIMIT", "1"]),
        int(1)
    );
    assert_eq!(
        c.cmd(&["ZINTERCARD", "2", "{s}a", "{s}b", "LIMIT", "0"]),
        int(2)
    );
    // inf + -inf sums to 0; 0 * inf weighs 0.
    c.cmd(&["ZADD", "{s}i", "inf", "x"]);
    c.cmd(&["ZADD", "{s}j", "-inf", "x"]);
    assert_eq!(
        list(&mut c, &["ZUNION", "2", "{s}i", "{s}j", "WITHSCORES"]),
        ["x", "0"]
    );
    assert_eq!(
        list(
            &mut c,
            &["ZUNION", "1", "{s}i", "WEIGHTS", "0", "WITHSCORES"]
        ),
        ["x", "0"]
    );
    // RESP3 nests the pairs.
    assert_eq!(
        c3.cmd(&["ZINTER", "2", "{s}a", "{s}b", "WITHSCORES"]),
        Resp::Array(Some(vec![
            Resp::Array(Some(vec![Resp::bulk("y"), double("12")])),
            Resp::Array(Some(vec![Resp::bulk("z"), double("23")])),
        ]))
    );
    // The STORE forms.
    assert_eq!(
        c.cmd(&[
            "ZUNIONSTORE",
            "{s}d",
            "2",
            "{s}a",
            "{s}b",
            "WEIGHTS",
            "1",
            "2"
        ]),
        int(4)
    );
    assert_eq!(
        list(&mut c, &["ZRANGE", "{s}d", "0", "-1", "WITHSCORES"]),
        ["x", "1", "y", "22", "z", "43", "w", "60"]
    );
    assert_eq!(
        c.cmd(&[
            "ZINTERSTORE",
            "{s}d",
            "2",
            "{s}a",
            "{s}b",
            "AGGREGATE",
            "MAX"
        ]),
        int(2)
    );
    assert_eq!(
        list(&mut c, &["ZRANGE", "{s}d", "0", "-1", "WITHSCORES"]),
        ["y", "10", "z", "20"]
    );
    assert_eq!(c.cmd(&["ZDIFFSTORE", "{s}d", "2", "{s}b", "{s}a"]), int(1));
    assert_eq!(
        list(&mut c, &["ZRANGE", "{s}d", "0", "-1", "WITHSCORES"]),
        ["w", "30"]
    );
    // A destination that is also a source.
    assert_eq!(c.cmd(&["ZUNIONSTORE", "{s}a", "2", "{s}a", "{s}b"]), int(4));
    // An empty result deletes the destination.
    c.cmd(&["SET", "{s}d", "x"]);
    assert_eq!(
        c.cmd(&["ZINTERSTORE", "{s}d", "2", "{s}a", "{s}none"]),
        int(0)
    );
    assert_eq!(c.cmd(&["EXISTS", "{s}d"]), int(0));
}

#[test]
fn set_operation_errors() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    c.cmd(&["ZADD", "{e}z", "1", "a"]);
    c.cmd(&["SET", "{e}s", "x"]);
    let cases: &[(&[&str], &str)] = &[
        (
            &["ZUNIONSTORE", "{e}d", "0", "{e}z"],
            "ERR at least 1 input key is needed for 'zunionstore' command",
        ),
        (
            &["ZUNION", "0", "{e}z"],
            "ERR at least 1 input key is needed for 'zunion' command",
        ),
        (
            &["ZINTER", "-1", "{e}z"],
            "ERR at least 1 input key is needed for 'zinter' command",
        ),
        (
            &["ZINTERCARD", "0", "{e}z"],
            "ERR at least 1 input key is needed for 'zintercard' command",
        ),
        (
            &["ZDIFFSTORE", "{e}d", "0", "{e}z"],
            "ERR at least 1 input key is needed for 'zdiffstore' command",
        ),
        (&["ZUNION", "x", "{e}z"], NOT_INT),
        (&["ZUNION", "2", "{e}z"], SYNTAX),
        (&["ZUNION", "1", "{e}z", "WEIGHTS", "2", "3"], SYNTAX),
        (&["ZUNION", "1", "{e}z", "WEIGHTS"], SYNTAX),
        (
            &["ZUNION", "1", "{e}z", "WEIGHTS", "x"],
            "ERR weight value is not a float",
        ),
        (&["ZUNION", "1", "{e}z", "AGGREGATE", "foo"], SYNTAX),
        (&["ZUNION", "1", "{e}z", "AGGREGATE"], SYNTAX),
        (&["ZUNIONSTORE", "{e}d", "1", "{e}z", "WITHSCORES"], SYNTAX),
        (&["ZDIFF", "1", "{e}z", "WEIGHTS", "1"], SYNTAX),
        (&["ZDIFF", "1", "{e}z", "AGGREGATE", "SUM"], SYNTAX),
        (
            &["ZINTERCARD", "1", "{e}z", "LIMIT", "-1"],
            "ERR LIMIT can't be negative",
        ),
        (
            &["ZINTERCARD", "1", "{e}z", "LIMIT", "x"],
            "ERR LIMIT can't be negative",
        ),
        (&["ZINTERCARD", "1", "{e}z", "WITHSCORES"], SYNTAX),
        (&["ZINTER", "2", "{e}z", "{e}s"], WRONGTYPE),
        // The keys' types are checked before the options.
        (&["ZINTER", "2", "{e}s", "{e}z", "WEIGHTS", "x"], WRONGTYPE),
        (
            &["ZUNION", "2"],
            "ERR wrong number of arguments for 'zunion' command",
        ),
    ];
    for (args, want) in cases {
        assert_eq!(c.cmd(args), error(want), "{args:?}");
    }
}

#[test]
fn multi_key_commands_across_shards() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    let (a, b) = key_pair("zx");
    c.cmd(&["ZADD", &a, "1", "x", "2", "y"]);
    c.cmd(&["ZADD", &b, "10", "y", "20", "z"]);
    assert_eq!(
        list(&mut c, &["ZUNION", "2", &a, &b, "WITHSCORES"]),
        ["x", "1", "y", "12", "z", "20"]
    );
    assert_eq!(list(&mut c, &["ZINTER", "2", &a, &b]), ["y"]);
    assert_eq!(list(&mut c, &["ZDIFF", "2", &b, &a]), ["z"]);
    assert_eq!(c.cmd(&["ZINTERCARD", "2", &a, &b]), int(1));
    // Large sets travel between shards too.
    c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "1"]);
    c.cmd(&["ZADD", &a, "3", "w"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", &a]), Resp::bulk("skiplist"));
    assert_eq!(list(&mut c, &["ZUNION", "2", &a, &b]), ["x", "w", "y", "z"]);
    // Writes to keys on both shards.
    let (d, _) = key_pair("zxd");
    let r = c.cmd(&["ZUNIONSTORE", &d, "2", &a, &b]);
    if r != int(4) {
        assert!(r.text().starts_with("CROSSSLOT"), "{r:?}");
    } else {
        assert_eq!(
            list(&mut c, &["ZRANGE", &d, "0", "-1"]),
            ["x", "w", "y", "z"]
        );
    }
}

#[test]
fn encodings_follow_the_thresholds() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "4"]);
    c.cmd(&["CONFIG", "SET", "zset-max-listpack-value", "8"]);
    c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "z"]), Resp::bulk("listpack"));
    c.cmd(&["ZADD", "z", "5", "e"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "z"]), Resp::bulk("skiplist"));
    // Never back, even when small again.
    c.cmd(&["ZREMRANGEBYRANK", "z", "0", "3"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "z"]), Resp::bulk("skiplist"));
    // Member length: 8 bytes fit, 9 do not.
    c.cmd(&["ZADD", "v", "1", "12345678"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "v"]), Resp::bulk("listpack"));
    c.cmd(&["ZADD", "v", "1", "123456789"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "v"]), Resp::bulk("skiplist"));
    c.cmd(&["ZADD", "w", "1", "123456789"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "w"]), Resp::bulk("skiplist"));
    // Updating a score never converts.
    c.cmd(&["ZADD", "u", "1", "a", "2", "b", "3", "c", "4", "d"]);
    c.cmd(&["ZADD", "u", "9", "a", "8", "b"]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "u"]), Resp::bulk("listpack"));
    assert_eq!(
        list(&mut c, &["ZRANGE", "u", "0", "-1"]),
        ["c", "d", "b", "a"]
    );
    // ZADD with entries 0 starts large.
    c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "0"]);
    c.cmd(&["ZADD", "zero", "1", "a"]);
    assert_eq!(
        c.cmd(&["OBJECT", "ENCODING", "zero"]),
        Resp::bulk("skiplist")
    );
}

/// `ZADD z 1 a 2.5 b -3 c 0.1 d inf e 100000 f` as Redis 7.0.15 dumps it.
const PACKED_DUMP: &str = "11c339404213420000000c00816302dffd0281640293302e3130e005001f3114816102010181620283322e3504816602f2a086010481650283696e6604ff0a002c9130687bd645ca";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn dump_and_restore() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    c.cmd(&[
        "ZADD", "z", "1", "a", "2.5", "b", "-3", "c", "0.1", "d", "inf", "e", "100000", "f",
    ]);
    let dump = c.cmd(&["DUMP", "z"]);
    assert_eq!(dump, Resp::Bulk(Some(unhex(PACKED_DUMP))));
    let payload = unhex(PACKED_DUMP);
    let restore =
        |c: &mut RawConn, key: &str| c.cmd_bytes(&[b"RESTORE", key.as_bytes(), b"0", &payload]);
    assert_eq!(restore(&mut c, "r1"), Resp::ok());
    assert_eq!(
        list(&mut c, &["ZRANGE", "r1", "0", "-1", "WITHSCORES"]),
        [
            "c",
            "-3",
            "d",
            "0.10000000000000001",
            "a",
            "1",
            "b",
            "2.5",
            "f",
            "100000",
            "e",
            "inf"
        ]
    );
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "r1"]), Resp::bulk("listpack"));
    // Loaded with fewer entries allowed, it is converted; the member length is not checked.
    c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "5"]);
    assert_eq!(restore(&mut c, "r2"), Resp::ok());
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "r2"]), Resp::bulk("skiplist"));
    c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "128"]);
    c.cmd(&["CONFIG", "SET", "zset-max-listpack-value", "0"]);
    assert_eq!(restore(&mut c, "r3"), Resp::ok());
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "r3"]), Resp::bulk("listpack"));
    c.cmd(&["CONFIG", "SET", "zset-max-listpack-value", "64"]);
    // A large set dumps as RDB_TYPE_ZSET_2 and comes back packed when it fits.
    let Resp::Bulk(Some(big)) = c.cmd(&["DUMP", "r2"]) else {
        panic!()
    };
    assert_eq!(big[0], 5);
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"r4", b"0", &big]), Resp::ok());
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "r4"]), Resp::bulk("listpack"));
    assert_eq!(c.cmd(&["DUMP", "r4"]), Resp::Bulk(Some(payload.clone())));
    c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "2"]);
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"r5", b"0", &big]), Resp::ok());
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "r5"]), Resp::bulk("skiplist"));
    assert_eq!(c.cmd(&["DUMP", "r5"]), Resp::Bulk(Some(big.clone())));
    assert_eq!(
        c.cmd(&["ZSCORE", "r5", "d"]),
        Resp::bulk("0.10000000000000001")
    );
    // A broken payload is refused.
    let mut bad = payload.clone();
    bad[3] ^= 0xff;
    assert_eq!(
        c.cmd_bytes(&[b"RESTORE", b"r6", b"0", &bad]),
        error("ERR DUMP payload version or checksum are wrong")
    );
}

#[test]
fn plain_sets_are_inputs_of_set_operations() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    if c.cmd(&["SADD", "{p}s", "x", "y"]) != int(2) {
        // The set commands are not in this build yet.
        return;
    }
    c.cmd(&["ZADD", "{p}z", "5", "y"]);
    assert_eq!(
        list(&mut c, &["ZUNION", "2", "{p}s", "{p}z", "WITHSCORES"]),
        ["x", "1", "y", "6"]
    );
    assert_eq!(list(&mut c, &["ZINTER", "2", "{p}s", "{p}z"]), ["y"]);
    assert_eq!(list(&mut c, &["ZDIFF", "2", "{p}s", "{p}z"]), ["x"]);
}

#[test]
fn command_info_knows_the_keys() {
    let server = Server::start(&[]);
    let mut c = conn(&server);
    assert_eq!(
        list(
            &mut c,
            &[
                "COMMAND",
                "GETKEYS",
                "ZUNIONSTORE",
                "d",
                "2",
                "a",
                "b",
                "WEIGHTS",
                "1",
                "2"
            ]
        ),
        ["d", "a", "b"]
    );
    assert_eq!(
        list(
            &mut c,
            &["COMMAND", "GETKEYS", "ZMPOP", "2", "a", "b", "MIN"]
        ),
        ["a", "b"]
    );
    assert_eq!(
        list(
            &mut c,
            &["COMMAND", "GETKEYS", "ZRANGESTORE", "d", "s", "0", "1"]
        ),
        ["d", "s"]
    );
}
