//! Unit tests of the strings family: each command line runs on a fresh keyspace and its reply
//! bytes are compared with what Redis 7.0 answers.

use super::*;
use crate::commands::lookup;
use crate::config::Config;
use crate::keyspace::Keyspace;
use crate::protocol::reply::Protocol;

/// The clock of every test call, Unix milliseconds.
const NOW: u64 = 1_700_000_000_000;

/// Where one RESP value that starts at `i` ends (test replies are always complete).
fn resp_end(b: &[u8], i: usize) -> usize {
    let line_end = i + b[i..].windows(2).position(|w| w == b"\r\n").expect("CRLF") + 2;
    let n = || {
        std::str::from_utf8(&b[i + 1..line_end - 2])
            .unwrap()
            .parse::<i64>()
            .unwrap()
    };
    match b[i] {
        b'$' | b'=' if n() >= 0 => line_end + n() as usize + 2,
        b'*' | b'~' | b'>' | b'%' if n() >= 0 => {
            let count = if b[i] == b'%' { 2 * n() } else { n() };
            (0..count).fold(line_end, |at, _| resp_end(b, at))
        }
        _ => line_end,
    }
}

/// Runs one command given as separate arguments, checking its arity as the router does
/// and that the handler wrote exactly one reply; returns the reply as text.
fn call(
    ks: &mut Keyspace,
    config: &Config,
    now_ms: u64,
    proto: Protocol,
    argv: &[&[u8]],
) -> String {
    let (base, spans) = crate::protocol::args::joined(argv);
    let args = Args::new(&base, &spans);
    let command = lookup(argv[0]).expect("a string command");
    let mut out = Vec::new();
    let mut reply = Reply::new(&mut out, proto);
    if !command.arity_ok(argv.len()) {
        reply.error(&errors::wrong_arity(command.name));
    } else {
        let Run::Shard(handler) = command.run else {
            panic!("not a shard command")
        };
        let mut ctx = Ctx {
            ks,
            db: 0,
            now_ms,
            config,
            rand: 0,
            shard: (0, 1),
        };
        handler(&mut ctx, &args, &mut reply);
    }
    assert_eq!(
        resp_end(&out, 0),
        out.len(),
        "exactly one reply: {:?}",
        String::from_utf8_lossy(&out)
    );
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits a command line on spaces; `""` stands for an empty argument.
fn words(line: &str) -> Vec<Vec<u8>> {
    line.split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w == "\"\"" {
                Vec::new()
            } else {
                w.as_bytes().to_vec()
            }
        })
        .collect()
}

fn run_with(
    ks: &mut Keyspace,
    config: &Config,
    now_ms: u64,
    proto: Protocol,
    line: &str,
) -> String {
    let argv = words(line);
    let argv: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
    call(ks, config, now_ms, proto, &argv)
}

/// Runs `line` at [`NOW`] in RESP2 with the default configuration.
fn run(ks: &mut Keyspace, line: &str) -> String {
    run_with(ks, &Config::default(), NOW, Protocol::Resp2, line)
}

/// Runs `line` at `now_ms`.
fn run_at(ks: &mut Keyspace, now_ms: u64, line: &str) -> String {
    run_with(ks, &Config::default(), now_ms, Protocol::Resp2, line)
}

/// Runs `line` for a RESP3 client.
fn run3(ks: &mut Keyspace, line: &str) -> String {
    run_with(ks, &Config::default(), NOW, Protocol::Resp3, line)
}

/// Runs each `(line, reply)` in order and checks the replies.
fn check(ks: &mut Keyspace, script: &[(&str, &str)]) {
    for (line, want) in script {
        assert_eq!(run(ks, line), *want, "{line}");
    }
}

fn ks() -> Keyspace {
    Keyspace::new(16)
}

fn expire_of(ks: &mut Keyspace, key: &str) -> Option<u64> {
    ks.dbs[0].peek(key.as_bytes(), NOW).map(|e| e.expire_at)
}

fn err(msg: &str) -> String {
    format!("-{msg}\r\n")
}

const OK: &str = "+OK\r\n";
const NULL: &str = "$-1\r\n";
const EMPTY: &str = "$0\r\n\r\n";

#[test]
fn table_rows_match_redis() {
    let row = |name: &str| lookup(name.as_bytes()).unwrap();
    assert_eq!(row("get").arity, 2);
    assert!(row("get").has(READONLY) && row("get").has(FAST));
    assert!(row("set").has(WRITE) && row("set").has(DENYOOM) && !row("set").has(FAST));
    assert!(row("getdel").has(WRITE) && !row("getdel").has(DENYOOM));
    assert!(row("getrange").has(READONLY) && !row("getrange").has(FAST));
    assert_eq!(row("mget").span, Span::Gather);
    assert_eq!(row("mset").span, Span::Pairs);
    assert_eq!(row("msetnx").span, Span::PairsIfNoneExist);
    assert_eq!(
        row("mset").keys.legacy(),
        (1, -1, 2),
        "MSET's keys are every other argument"
    );
    assert_eq!(row("lcs").keys.legacy(), (1, 2, 1));
    assert_eq!(row("getex").arity, -2);
    assert_eq!(COMMANDS.len(), 22);
}

#[test]
fn get_and_set() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("GET k", NULL),
            ("SET k hello", OK),
            ("GET k", "$5\r\nhello\r\n"),
            ("SET n 12345", OK),
            ("GET n", "$5\r\n12345\r\n"),
            ("SET e \"\"", OK),
            ("GET e", EMPTY),
            ("set k v2", OK),
            ("GET k", "$2\r\nv2\r\n"),
            (
                "GET",
                &err("ERR wrong number of arguments for 'get' command"),
            ),
            (
                "SET k",
                &err("ERR wrong number of arguments for 'set' command"),
            ),
        ],
    );
    assert_eq!(ks.dbs[0].peek(b"n", NOW).unwrap().value, Value::Int(12345));
    assert_eq!(ks.dirty, 4);
    assert_eq!((ks.hits, ks.misses), (4, 1));
}

#[test]
fn set_expiry_options() {
    let mut ks = ks();
    check(&mut ks, &[("SET k v EX 10", OK)]);
    assert_eq!(expire_of(&mut ks, "k"), Some(NOW + 10_000));
    check(&mut ks, &[("SET k v px 1500", OK)]);
    assert_eq!(expire_of(&mut ks, "k"), Some(NOW + 1500));
    check(&mut ks, &[("SET k v EXAT 1800000000", OK)]);
    assert_eq!(expire_of(&mut ks, "k"), Some(1_800_000_000_000));
    check(&mut ks, &[("SET k v PXAT 1800000000123", OK)]);
    assert_eq!(expire_of(&mut ks, "k"), Some(1_800_000_000_123));
    // The same option twice: the last one wins.
    check(&mut ks, &[("SET k v EX 10 EX 20", OK)]);
    assert_eq!(expire_of(&mut ks, "k"), Some(NOW + 20_000));
    // KEEPTTL keeps it, a plain SET drops it.
    check(
        &mut ks,
        &[("SET k w KEEPTTL", OK), ("GET k", "$1\r\nw\r\n")],
    );
    assert_eq!(expire_of(&mut ks, "k"), Some(NOW + 20_000));
    check(&mut ks, &[("SET k x", OK)]);
    assert_eq!(expire_of(&mut ks, "k"), Some(0));
    // KEEPTTL on a missing key sets none.
    check(&mut ks, &[("SET fresh v keepttl", OK)]);
    assert_eq!(expire_of(&mut ks, "fresh"), Some(0));
    // The largest absolute times are accepted.
    check(
        &mut ks,
        &[
            ("SET k v PXAT 9223372036854775807", OK),
            ("SET k v EXAT 9223372036854775", OK),
        ],
    );
    assert_eq!(expire_of(&mut ks, "k"), Some(9_223_372_036_854_775_000));
    // An absolute time already past: the key is gone at once.
    check(&mut ks, &[("SET k v PXAT 1", OK), ("GET k", NULL)]);
}

#[test]
fn set_expiry_dies_on_time() {
    let mut ks = ks();
    check(&mut ks, &[("SET k v PX 100", OK)]);
    assert_eq!(run_at(&mut ks, NOW + 99, "GET k"), "$1\r\nv\r\n");
    assert_eq!(run_at(&mut ks, NOW + 100, "GET k"), NULL);
}

#[test]
fn set_expiry_errors() {
    let mut ks = ks();
    let invalid = err("ERR invalid expire time in 'set' command");
    check(
        &mut ks,
        &[
            ("SET k v EX 0", &invalid),
            ("SET k v EX -1", &invalid),
            ("SET k v PX 0", &invalid),
            ("SET k v EXAT 0", &invalid),
            ("SET k v PXAT -5", &invalid),
            ("SET k v EX abc", &err(errors::NOT_INTEGER)),
            ("SET k v PX 1.5", &err(errors::NOT_INTEGER)),
            ("SET k v EX 9223372036854775807", &invalid),
            // Fits once multiplied, overflows once made absolute.
            ("SET k v EX 9223372036854775", &invalid),
            ("SET k v EXAT 9223372036854776", &invalid),
            ("SET k v PX 9223372036854775807", &invalid),
            ("SET k v EX 99999999999999999999", &err(errors::NOT_INTEGER)),
            ("GET k", NULL),
        ],
    );
    assert_eq!(ks.dirty, 0);
}

#[test]
fn set_syntax_errors() {
    let mut ks = ks();
    let syntax = err(errors::SYNTAX);
    for line in [
        "SET k v EX",
        "SET k v PXAT",
        "SET k v NX XX",
        "SET k v XX NX",
        "SET k v EX 10 PX 10",
        "SET k v PX 10 EXAT 10",
        "SET k v EXAT 10 PXAT 10",
        "SET k v PXAT 10 EX 10",
        "SET k v KEEPTTL EX 1",
        "SET k v EX 1 KEEPTTL",
        "SET k v PERSIST",
        "SET k v FOO",
        "SET k v NXX",
        "SET k v N",
        "SET k v \"\"",
    ] {
        assert_eq!(run(&mut ks, line), syntax, "{line}");
    }
    assert_eq!(run(&mut ks, "GET k"), NULL);
}

#[test]
fn set_nx_xx_get() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("SET k v XX", NULL),
            ("GET k", NULL),
            ("SET k v NX", OK),
            ("SET k w NX", NULL),
            ("GET k", "$1\r\nv\r\n"),
            ("SET k w XX", OK),
            ("GET k", "$1\r\nw\r\n"),
            ("SET k v nx nx", NULL),
            ("SET k x GET", "$1\r\nw\r\n"),
            ("SET k y NX GET", "$1\r\nx\r\n"),
            ("GET k", "$1\r\nx\r\n"),
            ("SET k y XX GET", "$1\r\nx\r\n"),
            ("SET other z XX GET", NULL),
            ("GET other", NULL),
            ("SET other z NX GET", NULL),
            ("GET other", "$1\r\nz\r\n"),
            ("SET n 42", OK),
            ("SET n 43 GET EX 100", "$2\r\n42\r\n"),
            // The expiry is checked before GET answers.
            ("SET n 44 GET EX 0", &err(errors::INVALID_EXPIRE)),
            ("GET n", "$2\r\n43\r\n"),
        ],
    );
    assert_eq!(expire_of(&mut ks, "n"), Some(NOW + 100_000));
    check(&mut ks, &[("SET n 45 XX KEEPTTL GET", "$2\r\n43\r\n")]);
    assert_eq!(expire_of(&mut ks, "n"), Some(NOW + 100_000));
    check(&mut ks, &[("SET k v PX 100", OK)]);
    assert_eq!(run_at(&mut ks, NOW + 100, "SET k w XX"), NULL);
    assert_eq!(run_at(&mut ks, NOW + 100, "SET k w NX"), OK);
}

#[test]
fn set_nulls_follow_protocol() {
    let mut ks = ks();
    assert_eq!(run3(&mut ks, "SET k v XX"), "_\r\n");
    assert_eq!(run3(&mut ks, "GET k"), "_\r\n");
    assert_eq!(run3(&mut ks, "SET k v GET"), "_\r\n");
    assert_eq!(run3(&mut ks, "SET k v NX"), "_\r\n");
}

#[test]
fn failed_writes_do_not_touch_watchers() {
    let mut ks = ks();
    check(&mut ks, &[("SET k 5", OK)]);
    ks.dbs[0].watch(b"k", 7);
    for line in [
        "GET k",
        "SET k v NX",
        "SET k v EX 0",
        "SETNX k v",
        "MSETNX k v",
        "STRLEN k",
        "GETRANGE k 0 -1",
        "SETRANGE k 0 \"\"",
        "INCRBY k x",
        "DECRBY k -9223372036854775808",
        "INCRBY k 9223372036854775807",
        "GETEX k",
        "GETEX k PERSIST",
        "GETEX k EX 0",
        "LCS k k",
        "MGET k",
    ] {
        run(&mut ks, line);
        assert!(ks.dbs[0].dirty_watchers.is_empty(), "{line}");
    }
    check(&mut ks, &[("INCR k", ":6\r\n")]);
    assert!(ks.dbs[0].dirty_watchers.contains(&7));
}

#[test]
fn setnx_setex_psetex() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("SETNX k v", ":1\r\n"),
            ("SETNX k w", ":0\r\n"),
            ("GET k", "$1\r\nv\r\n"),
            (
                "SETNX k",
                &err("ERR wrong number of arguments for 'setnx' command"),
            ),
            ("SETEX k 10 w", OK),
            ("GET k", "$1\r\nw\r\n"),
        ],
    );
    assert_eq!(expire_of(&mut ks, "k"), Some(NOW + 10_000));
    check(&mut ks, &[("PSETEX k 1500 x", OK)]);
    assert_eq!(expire_of(&mut ks, "k"), Some(NOW + 1500));
    check(
        &mut ks,
        &[
            (
                "SETEX k 0 v",
                &err("ERR invalid expire time in 'setex' command"),
            ),
            (
                "SETEX k -10 v",
                &err("ERR invalid expire time in 'setex' command"),
            ),
            (
                "SETEX k 9223372036854775 v",
                &err("ERR invalid expire time in 'setex' command"),
            ),
            ("SETEX k a v", &err(errors::NOT_INTEGER)),
            (
                "PSETEX k 0 v",
                &err("ERR invalid expire time in 'psetex' command"),
            ),
            (
                "PSETEX k 9223372036854775807 v",
                &err("ERR invalid expire time in 'psetex' command"),
            ),
            ("PSETEX k 1.5 v", &err(errors::NOT_INTEGER)),
            (
                "SETEX k 10",
                &err("ERR wrong number of arguments for 'setex' command"),
            ),
            (
                "PSETEX k 10 v x",
                &err("ERR wrong number of arguments for 'psetex' command"),
            ),
            ("GET k", "$1\r\nx\r\n"),
        ],
    );
    assert_eq!(ks.dirty, 3);
}

#[test]
fn mget_mset_msetnx() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("MSET a 1 b hello", OK),
            ("MGET a nokey b", "*3\r\n$1\r\n1\r\n$-1\r\n$5\r\nhello\r\n"),
            ("MGET nokey", "*1\r\n$-1\r\n"),
            (
                "MSET a",
                &err("ERR wrong number of arguments for 'mset' command"),
            ),
            (
                "MSET a 1 b",
                &err("ERR wrong number of arguments for 'mset' command"),
            ),
            (
                "MSETNX a 1 b",
                &err("ERR wrong number of arguments for 'msetnx' command"),
            ),
            ("MSETNX c 3 a 9", ":0\r\n"),
            ("GET c", NULL),
            ("GET a", "$1\r\n1\r\n"),
            ("MSETNX c 3 d 4", ":1\r\n"),
            ("MGET c d", "*2\r\n$1\r\n3\r\n$1\r\n4\r\n"),
            (
                "MGET",
                &err("ERR wrong number of arguments for 'mget' command"),
            ),
        ],
    );
    assert_eq!(ks.dirty, 4);
    // MSET drops times to live; an expired key does not stop MSETNX.
    check(&mut ks, &[("SET a 1 PX 10", OK), ("MSET a 2", OK)]);
    assert_eq!(expire_of(&mut ks, "a"), Some(0));
    check(&mut ks, &[("SET x 1 PX 10", OK)]);
    assert_eq!(run_at(&mut ks, NOW + 10, "MSETNX x 2"), ":1\r\n");
    assert_eq!(run3(&mut ks, "MGET nokey x"), "*2\r\n_\r\n$1\r\n2\r\n");
}

#[test]
fn getset_getdel() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("GETSET k 1", NULL),
            ("GETSET k 2", "$1\r\n1\r\n"),
            ("GET k", "$1\r\n2\r\n"),
            ("GETDEL k", "$1\r\n2\r\n"),
            ("GETDEL k", NULL),
            ("GET k", NULL),
        ],
    );
    assert_eq!(ks.dirty, 3);
    check(
        &mut ks,
        &[("SET k v EX 100", OK), ("GETSET k w", "$1\r\nv\r\n")],
    );
    assert_eq!(expire_of(&mut ks, "k"), Some(0));
}

#[test]
fn getex_options() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("SET k v", OK),
            ("GETEX k", "$1\r\nv\r\n"),
            ("GETEX nokey", NULL),
        ],
    );
    assert_eq!(ks.dirty, 1);
    check(&mut ks, &[("GETEX k EX 10", "$1\r\nv\r\n")]);
    assert_eq!(expire_of(&mut ks, "k"), Some(NOW + 10_000));
    check(&mut ks, &[("GETEX k px 500", "$1\r\nv\r\n")]);
    assert_eq!(expire_of(&mut ks, "k"), Some(NOW + 500));
    check(&mut ks, &[("GETEX k EXAT 1800000000", "$1\r\nv\r\n")]);
    assert_eq!(expire_of(&mut ks, "k"), Some(1_800_000_000_000));
    check(&mut ks, &[("GETEX k PXAT 1800000000001", "$1\r\nv\r\n")]);
    assert_eq!(expire_of(&mut ks, "k"), Some(1_800_000_000_001));
    check(&mut ks, &[("GETEX k PERSIST", "$1\r\nv\r\n")]);
    assert_eq!(expire_of(&mut ks, "k"), Some(0));
    let dirty = ks.dirty;
    check(&mut ks, &[("GETEX k PERSIST", "$1\r\nv\r\n")]);
    assert_eq!(
        ks.dirty, dirty,
        "PERSIST without a time to live changes nothing"
    );
    // An absolute time already past deletes the key after answering.
    check(
        &mut ks,
        &[("GETEX k PXAT 1", "$1\r\nv\r\n"), ("GET k", NULL)],
    );
    check(
        &mut ks,
        &[
            ("SET n 7", OK),
            ("GETEX n EXAT 1700000000", "$1\r\n7\r\n"),
            ("GET n", NULL),
        ],
    );
    assert_eq!(ks.dbs[0].len(), 0);
}

#[test]
fn getex_errors() {
    let mut ks = ks();
    let invalid = err("ERR invalid expire time in 'getex' command");
    let syntax = err(errors::SYNTAX);
    check(
        &mut ks,
        &[
            // A missing key answers null before the time is read.
            ("GETEX nokey EX 0", NULL),
            ("GETEX nokey EX abc", NULL),
            ("SET k v", OK),
            ("GETEX k EX 0", &invalid),
            ("GETEX k PX -1", &invalid),
            ("GETEX k EXAT 0", &invalid),
            ("GETEX k PXAT 0", &invalid),
            ("GETEX k EX 9223372036854775", &invalid),
            ("GETEX k EX 9223372036854776", &invalid),
            ("GETEX k EX x", &err(errors::NOT_INTEGER)),
            ("GETEX k PERSIST EX 10", &syntax),
            ("GETEX k EX 10 PERSIST", &syntax),
            ("GETEX k EX 10 PX 10", &syntax),
            ("GETEX k EX", &syntax),
            ("GETEX k KEEPTTL", &syntax),
            ("GETEX k NX", &syntax),
            ("GETEX k GET", &syntax),
            ("GETEX nokey FOO", &syntax),
            (
                "GETEX",
                &err("ERR wrong number of arguments for 'getex' command"),
            ),
        ],
    );
    assert_eq!(expire_of(&mut ks, "k"), Some(0));
}

#[test]
fn append_and_strlen() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("STRLEN k", ":0\r\n"),
            ("APPEND k ab", ":2\r\n"),
            ("APPEND k cd", ":4\r\n"),
            ("APPEND k \"\"", ":4\r\n"),
            ("GET k", "$4\r\nabcd\r\n"),
            ("STRLEN k", ":4\r\n"),
            ("SET n 12", OK),
            ("STRLEN n", ":2\r\n"),
            ("APPEND n 3", ":3\r\n"),
            ("GET n", "$3\r\n123\r\n"),
            ("INCR n", ":124\r\n"),
            ("APPEND i 7", ":1\r\n"),
            ("SET m -1", OK),
            ("STRLEN m", ":2\r\n"),
        ],
    );
    assert_eq!(ks.dbs[0].peek(b"k", NOW).unwrap().value.encoding(), "raw");
    assert_eq!(ks.dbs[0].peek(b"i", NOW).unwrap().value.encoding(), "int");
    assert_eq!(ks.dirty, 8);
    // APPEND keeps the time to live.
    check(&mut ks, &[("SET t a EX 5", OK), ("APPEND t b", ":2\r\n")]);
    assert_eq!(expire_of(&mut ks, "t"), Some(NOW + 5000));
}

#[test]
fn append_and_setrange_refuse_long_strings() {
    let mut ks = ks();
    let config = Config {
        proto_max_bulk_len: 10,
        ..Config::default()
    };
    let go = |ks: &mut Keyspace, line: &str| run_with(ks, &config, NOW, Protocol::Resp2, line);
    let too_long = err(errors::STRING_TOO_LONG);
    assert_eq!(go(&mut ks, "APPEND k 123456"), ":6\r\n");
    assert_eq!(go(&mut ks, "APPEND k 1234"), ":10\r\n");
    assert_eq!(go(&mut ks, "APPEND k 1"), too_long);
    assert_eq!(go(&mut ks, "SETRANGE k 9 x"), ":10\r\n");
    assert_eq!(go(&mut ks, "SETRANGE k 10 x"), too_long);
    assert_eq!(go(&mut ks, "SETRANGE k 100 \"\""), ":10\r\n");
    assert_eq!(go(&mut ks, "SETRANGE new 10 x"), too_long);
    assert_eq!(go(&mut ks, "SETRANGE new 9 x"), ":10\r\n");
    assert_eq!(go(&mut ks, "SETRANGE k 9223372036854775807 x"), too_long);
    assert_eq!(run(&mut ks, "SETRANGE k 536870912 x"), too_long);
}

#[test]
fn getrange_and_substr() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("GETRANGE nokey 0 -1", EMPTY),
            ("SET k hello", OK),
            ("GETRANGE k 0 -1", "$5\r\nhello\r\n"),
            ("GETRANGE k 1 3", "$3\r\nell\r\n"),
            ("GETRANGE k -3 -1", "$3\r\nllo\r\n"),
            ("GETRANGE k 0 100", "$5\r\nhello\r\n"),
            ("GETRANGE k 5 10", EMPTY),
            ("GETRANGE k 3 1", EMPTY),
            ("GETRANGE k -1 -5", EMPTY),
            ("GETRANGE k -100 -99", "$1\r\nh\r\n"),
            ("GETRANGE k 2 -100", EMPTY),
            ("GETRANGE k 0 -9999999999999", "$1\r\nh\r\n"),
            (
                "GETRANGE k -9223372036854775808 9223372036854775807",
                "$5\r\nhello\r\n",
            ),
            ("GETRANGE k x 1", &err(errors::NOT_INTEGER)),
            ("GETRANGE k 1 y", &err(errors::NOT_INTEGER)),
            ("GETRANGE nokey x 1", &err(errors::NOT_INTEGER)),
            ("SET e \"\"", OK),
            ("GETRANGE e 0 -1", EMPTY),
            ("GETRANGE e 0 0", EMPTY),
            ("GETRANGE e -1 0", EMPTY),
            ("SET n 12345", OK),
            ("GETRANGE n 1 2", "$2\r\n23\r\n"),
            ("SUBSTR n 1 -1", "$4\r\n2345\r\n"),
            ("SUBSTR k 0 0", "$1\r\nh\r\n"),
            (
                "GETRANGE k 0",
                &err("ERR wrong number of arguments for 'getrange' command"),
            ),
            (
                "SUBSTR k 0",
                &err("ERR wrong number of arguments for 'substr' command"),
            ),
        ],
    );
}

#[test]
fn setrange() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("SETRANGE k -1 x", &err("ERR offset is out of range")),
            ("SETRANGE k abc x", &err(errors::NOT_INTEGER)),
            ("SETRANGE k 5 \"\"", ":0\r\n"),
            ("GET k", NULL),
            ("SET k hello", OK),
            ("SETRANGE k 10 \"\"", ":5\r\n"),
            ("SETRANGE k 1 abc", ":5\r\n"),
            ("GET k", "$5\r\nhabco\r\n"),
            ("SETRANGE k 7 xy", ":9\r\n"),
            ("GET k", "$9\r\nhabco\0\0xy\r\n"),
            ("SETRANGE new 3 ab", ":5\r\n"),
            ("GET new", "$5\r\n\0\0\0ab\r\n"),
            ("SET n 12345", OK),
            ("SETRANGE n 0 9", ":5\r\n"),
            ("GET n", "$5\r\n92345\r\n"),
            ("INCR n", ":92346\r\n"),
            (
                "SETRANGE k 0",
                &err("ERR wrong number of arguments for 'setrange' command"),
            ),
        ],
    );
    assert_eq!(ks.dbs[0].peek(b"new", NOW).unwrap().value.encoding(), "raw");
    assert_eq!(ks.dirty, 7);
    check(
        &mut ks,
        &[("SET t a EX 5", OK), ("SETRANGE t 1 b", ":2\r\n")],
    );
    assert_eq!(expire_of(&mut ks, "t"), Some(NOW + 5000));
}

#[test]
fn incr_and_decr() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("INCR k", ":1\r\n"),
            ("INCR k", ":2\r\n"),
            ("DECR k", ":1\r\n"),
            ("INCRBY k 10", ":11\r\n"),
            ("INCRBY k -20", ":-9\r\n"),
            ("DECRBY k 1", ":-10\r\n"),
            ("DECRBY k -11", ":1\r\n"),
            ("GET k", "$1\r\n1\r\n"),
            ("DECR fresh", ":-1\r\n"),
            ("DECRBY fresh2 5", ":-5\r\n"),
            ("INCRBY fresh3 -5", ":-5\r\n"),
            ("SET s hello", OK),
            ("INCR s", &err(errors::NOT_INTEGER)),
            ("SET s 1x", OK),
            ("INCR s", &err(errors::NOT_INTEGER)),
            ("SET s 1.5", OK),
            ("DECR s", &err(errors::NOT_INTEGER)),
            ("SET s 007", OK),
            ("INCR s", &err(errors::NOT_INTEGER)),
            ("SET s 99999999999999999999", OK),
            ("INCR s", &err(errors::NOT_INTEGER)),
            ("INCRBY k abc", &err(errors::NOT_INTEGER)),
            ("INCRBY k 1.0", &err(errors::NOT_INTEGER)),
            ("DECRBY k abc", &err(errors::NOT_INTEGER)),
            (
                "DECRBY k -9223372036854775808",
                &err("ERR decrement would overflow"),
            ),
            ("SET m 9223372036854775807", OK),
            ("INCR m", &err(errors::OVERFLOW)),
            ("DECR m", ":9223372036854775806\r\n"),
            ("INCRBY m 2", &err(errors::OVERFLOW)),
            ("SET m -9223372036854775808", OK),
            ("DECR m", &err(errors::OVERFLOW)),
            ("DECRBY m 1", &err(errors::OVERFLOW)),
            ("INCRBY m -1", &err(errors::OVERFLOW)),
            ("INCRBY m 9223372036854775807", ":-1\r\n"),
            (
                "INCR",
                &err("ERR wrong number of arguments for 'incr' command"),
            ),
            (
                "INCRBY k",
                &err("ERR wrong number of arguments for 'incrby' command"),
            ),
        ],
    );
    assert_eq!(ks.dbs[0].peek(b"k", NOW).unwrap().value, Value::Int(1));
    // A string that reads as an integer (built by APPEND) counts too.
    check(
        &mut ks,
        &[
            ("APPEND a 1", ":1\r\n"),
            ("APPEND a 0", ":2\r\n"),
            ("INCR a", ":11\r\n"),
        ],
    );
    // INCR keeps the time to live.
    check(&mut ks, &[("SET t 1 EX 5", OK), ("INCR t", ":2\r\n")]);
    assert_eq!(expire_of(&mut ks, "t"), Some(NOW + 5000));
}

#[test]
fn incrbyfloat() {
    let mut ks = ks();
    let bulk = |s: &str| format!("${}\r\n{s}\r\n", s.len());
    // (value before, increment, reply), each checked against Redis 7.0.
    for (before, incr, want) in [
        ("10.50", "0.1", "10.6"),
        ("5.0e3", "2.0e2", "5200"),
        ("0.1", "0.2", "0.3"),
        ("0.1", "0.7", "0.8"),
        ("1.1", "2.2", "3.3"),
        ("3.3", "1.1", "4.4"),
        ("1", "-1.1", "-0.1"),
        ("100", "-0.01", "99.99"),
        ("99.99", "0.01", "100"),
        ("100.1", "0.2", "100.3"),
        ("2.5", "2.5", "5"),
        ("17179869184", "1.5", "17179869185.5"),
        ("17179869184", "17179869184", "34359738368"),
        ("1e20", "1", "100000000000000000000"),
        ("1.5e-20", "0", "0"),
        ("0", "1e-17", "0.00000000000000001"),
        ("0.30000000000000004", "0", "0.30000000000000004"),
        ("0.024390243902439025", "-0.024390243902439025", "0"),
        ("0", "-0", "0"),
        ("-1", "1", "0"),
        ("1", "1e-5", "1.00001"),
        ("1", ".5", "1.5"),
        ("1", "5.", "6"),
        ("1", "+5", "6"),
        ("1", "1e-400", "1"),
        ("1", "9007199254740993", "9007199254740994"),
        ("9223372036854775807", "1", "9223372036854775808"),
    ] {
        run(&mut ks, &format!("SET f {before}"));
        assert_eq!(
            run(&mut ks, &format!("INCRBYFLOAT f {incr}")),
            bulk(want),
            "{before} + {incr}"
        );
        assert_eq!(run(&mut ks, "GET f"), bulk(want));
    }
    check(
        &mut ks,
        &[
            ("INCRBYFLOAT new 1", &bulk("1")),
            ("INCRBYFLOAT new 0.25", &bulk("1.25")),
            ("SET f 1", OK),
            ("INCRBYFLOAT f inf", &err(errors::NAN_OR_INF)),
            ("INCRBYFLOAT f -inf", &err(errors::NAN_OR_INF)),
            ("INCRBYFLOAT f +Infinity", &err(errors::NAN_OR_INF)),
            ("INCRBYFLOAT f nan", &err(errors::NOT_FLOAT)),
            ("INCRBYFLOAT f 1.0e", &err(errors::NOT_FLOAT)),
            ("INCRBYFLOAT f abc", &err(errors::NOT_FLOAT)),
            ("INCRBYFLOAT f \"\"", &err(errors::NOT_FLOAT)),
            ("SET f abc", OK),
            ("INCRBYFLOAT f 1", &err(errors::NOT_FLOAT)),
            ("INCRBYFLOAT f 3.0e312345", &err(errors::NOT_FLOAT)),
            ("SET f 3.0e312345", OK),
            ("INCRBYFLOAT f 1", &err(errors::NOT_FLOAT)),
            ("SET f 1e4932", OK),
            ("INCRBYFLOAT f 1e4932", &err(errors::NAN_OR_INF)),
            ("GET f", &bulk("1e4932")),
            ("SET f 5000", OK),
            ("INCRBYFLOAT f 10.6", &bulk("5010.60000000000000009")),
            // Stored as the string it printed, never integer-encoded.
            ("SET f 1", OK),
            ("INCRBYFLOAT f 1", &bulk("2")),
            ("OBJECT ENCODING f", &bulk("embstr")),
            (
                "INCRBYFLOAT f",
                &err("ERR wrong number of arguments for 'incrbyfloat' command"),
            ),
        ],
    );
    // Spaces around a number, or a NUL inside, make it no float and no integer.
    let config = Config::default();
    for value in [&b" 11"[..], b"11 ", b"1\x002"] {
        call(
            &mut ks,
            &config,
            NOW,
            Protocol::Resp2,
            &[b"SET", b"z", value],
        );
        let reply = call(
            &mut ks,
            &config,
            NOW,
            Protocol::Resp2,
            &[b"INCRBYFLOAT", b"z", b"1"],
        );
        assert_eq!(reply, err(errors::NOT_FLOAT));
        let reply = call(
            &mut ks,
            &config,
            NOW,
            Protocol::Resp2,
            &[b"INCRBYFLOAT", b"new", value],
        );
        assert_eq!(reply, err(errors::NOT_FLOAT));
        let reply = call(&mut ks, &config, NOW, Protocol::Resp2, &[b"INCR", b"z"]);
        assert_eq!(reply, err(errors::NOT_INTEGER));
    }
    call(
        &mut ks,
        &config,
        NOW,
        Protocol::Resp2,
        &[b"SET", b"z", b"1\x002"],
    );
    assert_eq!(
        call(
            &mut ks,
            &config,
            NOW,
            Protocol::Resp2,
            &[b"INCRBYFLOAT", b"z", b"1"]
        ),
        err(errors::NOT_FLOAT)
    );
    // Integral results are stored as strings (OBJECT ENCODING says embstr in Redis 7.0 too);
    // the time to live stays.
    check(
        &mut ks,
        &[("SET t 1.5 EX 5", OK), ("INCRBYFLOAT t 1.5", &bulk("3"))],
    );
    assert_eq!(
        ks.dbs[0].peek(b"t", NOW).unwrap().value,
        Value::Str(crate::keyspace::Bytes::new(b"3"))
    );
    assert_eq!(expire_of(&mut ks, "t"), Some(NOW + 5000));
}

#[test]
fn lcs_strings_lengths_and_ranges() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("MSET key1 ohmytext key2 mynewtext", OK),
            ("LCS key1 key2", "$6\r\nmytext\r\n"),
            ("LCS key1 key2 LEN", ":6\r\n"),
            ("LCS key1 key2 len len", ":6\r\n"),
            (
                "LCS key1 key2 IDX",
                "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n\
                 *2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n",
            ),
            (
                "LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN",
                "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n\
                 $3\r\nlen\r\n:6\r\n",
            ),
            (
                "LCS key1 key2 IDX WITHMATCHLEN",
                "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n\
                 *3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n",
            ),
            (
                "LCS key1 key2 MINMATCHLEN -5 IDX",
                "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n\
                 *2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n",
            ),
            ("LCS nokey key1", EMPTY),
            ("LCS nokey key1 LEN", ":0\r\n"),
            (
                "LCS nokey key1 IDX",
                "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n",
            ),
            ("SET n 12345", OK),
            ("SET m 2x4", OK),
            ("LCS n m", "$2\r\n24\r\n"),
            (
                "LCS key1 key2 LEN IDX",
                &err("ERR If you want both the length and indexes, please just use IDX."),
            ),
            ("LCS key1 key2 MINMATCHLEN", &err(errors::SYNTAX)),
            ("LCS key1 key2 MINMATCHLEN x", &err(errors::NOT_INTEGER)),
            (
                "LCS key1 key2 MINMATCHLEN x LEN IDX",
                &err(errors::NOT_INTEGER),
            ),
            ("LCS key1 key2 FOO", &err(errors::SYNTAX)),
            (
                "LCS key1",
                &err("ERR wrong number of arguments for 'lcs' command"),
            ),
        ],
    );
    assert_eq!(
        run3(&mut ks, "LCS key1 key2 IDX WITHMATCHLEN"),
        "%2\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n\
         *3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"
    );
    assert_eq!(ks.dirty, 4);
}

#[test]
fn lcs_refuses_tables_over_proto_max_bulk_len() {
    let mut ks = ks();
    let a = "a".repeat(600);
    run(&mut ks, &format!("MSET x {a} y {a}"));
    let config = Config {
        proto_max_bulk_len: 1024 * 1024,
        ..Config::default()
    };
    let go = |ks: &mut Keyspace, line: &str| run_with(ks, &config, NOW, Protocol::Resp2, line);
    assert_eq!(
        go(&mut ks, "LCS x y LEN"),
        err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
    );
    run(&mut ks, &format!("SET y {}", "a".repeat(500)));
    run(&mut ks, &format!("SET x {}", "a".repeat(500)));
    assert_eq!(go(&mut ks, "LCS x y LEN"), ":500\r\n");
}

#[test]
fn lcs_ranges_of_a_longer_pair() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("MSET a ABCBDAB b BDCABA", OK),
            ("LCS a b LEN", ":4\r\n"),
            ("LCS a b", "$4\r\nBDAB\r\n"),
            (
                "LCS a b IDX WITHMATCHLEN",
                "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:5\r\n:6\r\n*2\r\n:3\r\n:4\r\n:2\r\n\
                 *3\r\n*2\r\n:3\r\n:4\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:4\r\n",
            ),
            (
                "LCS b a IDX",
                "*4\r\n$7\r\nmatches\r\n*4\r\n*2\r\n*2\r\n:5\r\n:5\r\n*2\r\n:5\r\n:5\r\n\
                 *2\r\n*2\r\n:4\r\n:4\r\n*2\r\n:3\r\n:3\r\n*2\r\n*2\r\n:2\r\n:2\r\n*2\r\n:2\r\n:2\r\n\
                 *2\r\n*2\r\n:0\r\n:0\r\n*2\r\n:1\r\n:1\r\n$3\r\nlen\r\n:4\r\n",
            ),
            ("SET c abc", OK),
            ("LCS c c IDX WITHMATCHLEN", "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:0\r\n:2\r\n*2\r\n:0\r\n:2\r\n:3\r\n$3\r\nlen\r\n:3\r\n"),
        ],
    );
}

#[test]
fn reads_count_hits_and_misses() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("SET a 1", OK),
            ("MGET a b c", "*3\r\n$1\r\n1\r\n$-1\r\n$-1\r\n"),
            ("STRLEN a", ":1\r\n"),
        ],
    );
    assert_eq!((ks.hits, ks.misses), (2, 2));
}
