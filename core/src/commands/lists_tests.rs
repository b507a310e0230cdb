//! Unit tests of the list family: each command line runs on a keyspace without I/O and its
//! reply bytes are compared with what Redis 7.0.15 answers.

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
    let command = lookup(argv[0]).expect("a known command");
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

fn err(msg: &str) -> String {
    format!("-{msg}\r\n")
}

fn int(n: i64) -> String {
    format!(":{n}\r\n")
}

fn bulk(s: &str) -> String {
    format!("${}\r\n{s}\r\n", s.len())
}

/// An array of bulk strings.
fn arr(items: &[&str]) -> String {
    let mut out = format!("*{}\r\n", items.len());
    for i in items {
        out.push_str(&bulk(i));
    }
    out
}

/// An array of integers.
fn ints(items: &[i64]) -> String {
    let mut out = format!("*{}\r\n", items.len());
    for i in items {
        out.push_str(&int(*i));
    }
    out
}

const OK: &str = "+OK\r\n";
const NULL: &str = "$-1\r\n";
const NULL_ARRAY: &str = "*-1\r\n";
const EMPTY: &str = "*0\r\n";
const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";
const SYNTAX: &str = "-ERR syntax error\r\n";

fn exists(ks: &mut Keyspace, key: &str) -> bool {
    ks.dbs[0].peek(key.as_bytes(), NOW).is_some()
}

#[test]
fn table_rows_match_redis() {
    let row = |name: &str| lookup(name.as_bytes()).unwrap();
    let rows = [
        ("lpush", -3, WRITE | DENYOOM | FAST),
        ("rpush", -3, WRITE | DENYOOM | FAST),
        ("lpushx", -3, WRITE | DENYOOM | FAST),
        ("rpushx", -3, WRITE | DENYOOM | FAST),
        ("linsert", 5, WRITE | DENYOOM),
        ("lindex", 3, READONLY),
        ("lset", 4, WRITE | DENYOOM),
        ("llen", 2, READONLY | FAST),
        ("lrange", 4, READONLY),
        ("ltrim", 4, WRITE),
        ("lrem", 4, WRITE),
        ("lpop", -2, WRITE | FAST),
        ("rpop", -2, WRITE | FAST),
        ("lpos", -3, READONLY),
        ("rpoplpush", 3, WRITE | DENYOOM),
        ("lmove", 5, WRITE | DENYOOM),
        ("lmpop", -4, WRITE),
    ];
    for (name, arity, flags) in rows {
        let r = row(name);
        assert_eq!(
            (r.arity, r.flags, r.group),
            (arity, flags, "list"),
            "{name}"
        );
        assert_eq!(r.span, Span::Single, "{name}");
    }
    assert_eq!(row("lpush").keys.legacy(), (1, 1, 1));
    assert_eq!(row("lmove").keys.legacy(), (1, 2, 1));
    assert_eq!(row("rpoplpush").keys.legacy(), (1, 2, 1));
    assert_eq!(row("lmpop").keys.legacy(), (0, 0, 0));
    assert!(row("lmpop").keys.movable());
    assert_eq!(COMMANDS.len(), rows.len());
}

#[test]
fn pushes_and_length() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("LLEN l", &int(0)),
            ("RPUSH l a b", &int(2)),
            ("LPUSH l c d", &int(4)),
            ("LRANGE l 0 -1", &arr(&["d", "c", "a", "b"])),
            ("LPUSHX l e", &int(5)),
            ("RPUSHX l f g", &int(7)),
            ("LPUSHX nokey e", &int(0)),
            ("RPUSHX nokey e", &int(0)),
            ("LLEN l", &int(7)),
            ("LRANGE l 0 -1", &arr(&["e", "d", "c", "a", "b", "f", "g"])),
            ("SET s x", OK),
            ("LPUSH s a", WRONGTYPE),
            ("RPUSHX s a", WRONGTYPE),
            ("LLEN s", WRONGTYPE),
            (
                "LPUSH l",
                &err("ERR wrong number of arguments for 'lpush' command"),
            ),
            (
                "RPUSHX l",
                &err("ERR wrong number of arguments for 'rpushx' command"),
            ),
        ],
    );
    assert!(!exists(&mut ks, "nokey"));
    let e = ks.dbs[0].peek(b"l", NOW).unwrap();
    assert_eq!(
        (e.value.type_name(), e.value.encoding()),
        ("list", "quicklist")
    );
    // One change per element pushed, plus the SET.
    assert_eq!(ks.dirty, 8);
}

#[test]
fn lists_take_the_configured_node_size() {
    let mut ks = ks();
    let config = Config {
        list_max_listpack_size: 2,
        ..Config::default()
    };
    run_with(&mut ks, &config, NOW, Protocol::Resp2, "RPUSH l a b c d e");
    let Value::List(l) = &ks.dbs[0].peek(b"l", NOW).unwrap().value else {
        panic!("not a list")
    };
    assert_eq!(l.node_sizes(), vec![2, 2, 1]);
    // A list keeps the size it was made with, as Redis's quicklist keeps its fill.
    run(&mut ks, "RPUSH l f g");
    let Value::List(l) = &ks.dbs[0].peek(b"l", NOW).unwrap().value else {
        panic!("not a list")
    };
    assert_eq!(l.node_sizes(), vec![2, 2, 2, 1]);
}

#[test]
fn lrange_edges() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("LRANGE nokey 0 -1", EMPTY),
            ("RPUSH l a b c d e", &int(5)),
            ("LRANGE l 0 0", &arr(&["a"])),
            ("LRANGE l -2 -1", &arr(&["d", "e"])),
            ("LRANGE l -100 1", &arr(&["a", "b"])),
            ("LRANGE l 3 100", &arr(&["d", "e"])),
            ("LRANGE l 5 10", EMPTY),
            ("LRANGE l 2 1", EMPTY),
            ("LRANGE l -1 -2", EMPTY),
            ("LRANGE l 0 -6", EMPTY),
            (
                "LRANGE l -9223372036854775808 9223372036854775807",
                &arr(&["a", "b", "c", "d", "e"]),
            ),
            ("LRANGE l a 1", NOT_INT),
            ("LRANGE l 0 b", NOT_INT),
            ("LRANGE nokey x 1", NOT_INT),
            ("SET s x", OK),
            ("LRANGE s 0 1", WRONGTYPE),
            ("LRANGE s x 1", NOT_INT),
        ],
    );
    assert_eq!((ks.hits, ks.misses), (10, 1));
}

#[test]
fn lindex_and_lset() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("LINDEX nokey 0", NULL),
            ("LINDEX nokey x", NULL),
            ("RPUSH l a 1 -1 c", &int(4)),
            ("LINDEX l 0", &bulk("a")),
            ("LINDEX l 1", &bulk("1")),
            ("LINDEX l -2", &bulk("-1")),
            ("LINDEX l -4", &bulk("a")),
            ("LINDEX l -5", NULL),
            ("LINDEX l 4", NULL),
            ("LINDEX l x", NOT_INT),
            ("LSET l 0 A", OK),
            ("LSET l -1 C", OK),
            ("LSET l 1 100", OK),
            ("LRANGE l 0 -1", &arr(&["A", "100", "-1", "C"])),
            ("LSET l 4 x", &err("ERR index out of range")),
            ("LSET l -5 x", &err("ERR index out of range")),
            ("LSET l x y", NOT_INT),
            ("LSET nokey 0 x", &err("ERR no such key")),
            ("LSET nokey x x", &err("ERR no such key")),
            ("SET s x", OK),
            ("LINDEX s 0", WRONGTYPE),
            ("LINDEX s x", WRONGTYPE),
            ("LSET s x y", WRONGTYPE),
        ],
    );
    assert!(!exists(&mut ks, "nokey"));
}

#[test]
fn linsert() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("LINSERT nokey BEFORE a b", &int(0)),
            ("LINSERT nokey SIDEWAYS a b", SYNTAX),
            ("RPUSH l a b c b", &int(4)),
            ("LINSERT l BEFORE b x", &int(5)),
            ("LINSERT l after b y", &int(6)),
            ("LINSERT l AFTER c 10", &int(7)),
            ("LINSERT l before a first", &int(8)),
            ("LINSERT l AFTER missing z", &int(-1)),
            (
                "LRANGE l 0 -1",
                &arr(&["first", "a", "x", "b", "y", "c", "10", "b"]),
            ),
            ("LINSERT l AFTER 10 11", &int(9)),
            ("LINDEX l 7", &bulk("11")),
            ("LINSERT l MIDDLE a b", SYNTAX),
            ("SET s x", OK),
            ("LINSERT s BEFORE a b", WRONGTYPE),
            ("LINSERT s UP a b", SYNTAX),
        ],
    );
    assert!(!exists(&mut ks, "nokey"));
}

#[test]
fn lrem() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("LREM nokey 0 a", &int(0)),
            ("LREM nokey x a", NOT_INT),
            ("RPUSH l a b a c a d a", &int(7)),
            ("LREM l 2 a", &int(2)),
            ("LRANGE l 0 -1", &arr(&["b", "c", "a", "d", "a"])),
            ("LREM l -1 a", &int(1)),
            ("LRANGE l 0 -1", &arr(&["b", "c", "a", "d"])),
            ("LREM l 0 z", &int(0)),
            ("LREM l 0 a", &int(1)),
            ("LREM l -9223372036854775808 b", &int(1)),
            ("LRANGE l 0 -1", &arr(&["c", "d"])),
            ("LREM l 0 c", &int(1)),
            ("LREM l 0 d", &int(1)),
            ("SET s x", OK),
            ("LREM s 0 x", WRONGTYPE),
        ],
    );
    // The last removal deleted the key.
    assert!(!exists(&mut ks, "l"));
}

#[test]
fn ltrim() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("LTRIM nokey 0 1", OK),
            ("LTRIM nokey x 1", NOT_INT),
            ("RPUSH l a b c d e f", &int(6)),
            ("LTRIM l 1 -2", OK),
            ("LRANGE l 0 -1", &arr(&["b", "c", "d", "e"])),
            ("LTRIM l -100 100", OK),
            ("LRANGE l 0 -1", &arr(&["b", "c", "d", "e"])),
            ("LTRIM l -2 -1", OK),
            ("LRANGE l 0 -1", &arr(&["d", "e"])),
            ("LTRIM l 1 0", OK),
            ("LLEN l", &int(0)),
            ("RPUSH l a b", &int(2)),
            ("LTRIM l 5 10", OK),
            ("RPUSH l a b", &int(2)),
            ("LTRIM l 0 -3", OK),
            ("SET s x", OK),
            ("LTRIM s 0 1", WRONGTYPE),
            ("LTRIM s a 1", NOT_INT),
        ],
    );
    assert!(!exists(&mut ks, "l"));
}

#[test]
fn pops_with_and_without_count() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("LPOP nokey", NULL),
            ("RPOP nokey", NULL),
            ("LPOP nokey 1", NULL_ARRAY),
            ("LPOP nokey 0", NULL_ARRAY),
            ("RPUSH l a b c d e f", &int(6)),
            ("LPOP l", &bulk("a")),
            ("RPOP l", &bulk("f")),
            ("LPOP l 2", &arr(&["b", "c"])),
            ("LPOP l 0", EMPTY),
            ("RPOP l 10", &arr(&["e", "d"])),
            (
                "LPOP l -1",
                &err("ERR value is out of range, must be positive"),
            ),
            (
                "LPOP l x",
                &err("ERR value is out of range, must be positive"),
            ),
            (
                "LPOP l 1 2",
                &err("ERR wrong number of arguments for 'lpop' command"),
            ),
            (
                "RPOP l 1 2",
                &err("ERR wrong number of arguments for 'rpop' command"),
            ),
            ("SET s x", OK),
            ("LPOP s", WRONGTYPE),
            ("LPOP s 0", WRONGTYPE),
            (
                "RPOP s -1",
                &err("ERR value is out of range, must be positive"),
            ),
        ],
    );
    assert!(!exists(&mut ks, "l"));
    // RESP3: nulls become `_`.
    assert_eq!(run3(&mut ks, "LPOP nokey"), "_\r\n");
    assert_eq!(run3(&mut ks, "LPOP nokey 2"), "_\r\n");
    run(&mut ks, "RPUSH l 1 2");
    assert_eq!(run3(&mut ks, "RPOP l 5"), arr(&["2", "1"]));
}

#[test]
fn lpos() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("LPOS nokey a", NULL),
            ("LPOS nokey a COUNT 1", EMPTY),
            ("RPUSH l a b c 1 2 3 c c", &int(8)),
            ("LPOS l c", &int(2)),
            ("LPOS l 1", &int(3)),
            ("LPOS l z", NULL),
            ("LPOS l c RANK 2", &int(6)),
            ("LPOS l c RANK -1", &int(7)),
            ("LPOS l c RANK -3", &int(2)),
            ("LPOS l c RANK 4", NULL),
            ("LPOS l c COUNT 0", &ints(&[2, 6, 7])),
            ("LPOS l c COUNT 2", &ints(&[2, 6])),
            ("LPOS l c RANK -1 COUNT 2", &ints(&[7, 6])),
            ("LPOS l c RANK 2 COUNT 0 MAXLEN 7", &ints(&[6])),
            ("LPOS l c MAXLEN 2", NULL),
            ("LPOS l c MAXLEN 3", &int(2)),
            ("LPOS l c RANK -1 MAXLEN 1", &int(7)),
            ("LPOS l z COUNT 0", EMPTY),
            ("LPOS l c rank 1 count 1 maxlen 0", &ints(&[2])),
            ("LPOS l c RANK -9223372036854775808", &int(7)),
            ("LPOS l c RANK 0", &err(RANK_ZERO)),
            ("LPOS l c RANK x", NOT_INT),
            ("LPOS l c COUNT -1", &err("ERR COUNT can't be negative")),
            ("LPOS l c COUNT x", &err("ERR COUNT can't be negative")),
            ("LPOS l c MAXLEN -1", &err("ERR MAXLEN can't be negative")),
            ("LPOS l c MAXLEN x", &err("ERR MAXLEN can't be negative")),
            ("LPOS l c RANK", SYNTAX),
            ("LPOS l c FOO 1", SYNTAX),
            ("LPOS nokey c RANK 0", &err(RANK_ZERO)),
            ("SET s x", OK),
            ("LPOS s a", WRONGTYPE),
        ],
    );
    assert_eq!(run3(&mut ks, "LPOS nokey a"), "_\r\n");
    assert_eq!(run3(&mut ks, "LPOS nokey a COUNT 0"), EMPTY);
}

#[test]
fn lmove_and_rpoplpush() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("LMOVE nokey d LEFT RIGHT", NULL),
            ("RPOPLPUSH nokey d", NULL),
            ("RPUSH src a b c", &int(3)),
            ("LMOVE src dst LEFT RIGHT", &bulk("a")),
            ("LMOVE src dst right left", &bulk("c")),
            ("RPOPLPUSH src dst", &bulk("b")),
            ("LRANGE dst 0 -1", &arr(&["b", "c", "a"])),
            // The same key rotates.
            ("LMOVE dst dst LEFT RIGHT", &bulk("b")),
            ("LRANGE dst 0 -1", &arr(&["c", "a", "b"])),
            ("RPOPLPUSH dst dst", &bulk("b")),
            ("LRANGE dst 0 -1", &arr(&["b", "c", "a"])),
            ("LMOVE dst dst LEFT LEFT", &bulk("b")),
            ("LRANGE dst 0 -1", &arr(&["b", "c", "a"])),
            ("LMOVE src dst UP LEFT", SYNTAX),
            ("LMOVE src dst LEFT DOWN", SYNTAX),
            ("LMOVE nokey dst LEFT DOWN", SYNTAX),
            ("SET s x", OK),
            ("LMOVE dst s LEFT LEFT", WRONGTYPE),
            ("LMOVE s dst LEFT LEFT", WRONGTYPE),
            ("LMOVE nokey s LEFT LEFT", NULL),
            ("RPOPLPUSH dst s", WRONGTYPE),
        ],
    );
    // The source went when it emptied; the failed moves took nothing.
    assert!(!exists(&mut ks, "src"));
    assert_eq!(run(&mut ks, "LLEN dst"), int(3));
    // A one-element list rotating onto itself stays.
    check(
        &mut ks,
        &[
            ("RPUSH one x", &int(1)),
            ("LMOVE one one RIGHT LEFT", &bulk("x")),
            ("LRANGE one 0 -1", &arr(&["x"])),
        ],
    );
    assert_eq!(run3(&mut ks, "LMOVE nokey d LEFT LEFT"), "_\r\n");
}

#[test]
fn lmpop() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("LMPOP 2 a b LEFT", NULL_ARRAY),
            ("RPUSH b 1 2 3 4", &int(4)),
            ("LMPOP 2 a b LEFT", "*2\r\n$1\r\nb\r\n*1\r\n$1\r\n1\r\n"),
            (
                "LMPOP 2 a b RIGHT COUNT 2",
                "*2\r\n$1\r\nb\r\n*2\r\n$1\r\n4\r\n$1\r\n3\r\n",
            ),
            ("RPUSH a x", &int(1)),
            (
                "LMPOP 2 a b left count 10",
                "*2\r\n$1\r\na\r\n*1\r\n$1\r\nx\r\n",
            ),
            (
                "LMPOP 1 b RIGHT COUNT 5",
                "*2\r\n$1\r\nb\r\n*1\r\n$1\r\n2\r\n",
            ),
            (
                "LMPOP 0 a LEFT",
                &err("ERR numkeys should be greater than 0"),
            ),
            (
                "LMPOP -1 a LEFT",
                &err("ERR numkeys should be greater than 0"),
            ),
            (
                "LMPOP x a LEFT",
                &err("ERR numkeys should be greater than 0"),
            ),
            ("LMPOP 2 a LEFT", SYNTAX),
            ("LMPOP 9223372036854775807 a LEFT", SYNTAX),
            ("LMPOP 1 a UP", SYNTAX),
            (
                "LMPOP 1 a LEFT COUNT 0",
                &err("ERR count should be greater than 0"),
            ),
            (
                "LMPOP 1 a LEFT COUNT x",
                &err("ERR count should be greater than 0"),
            ),
            ("LMPOP 1 a LEFT COUNT", SYNTAX),
            ("LMPOP 1 a LEFT COUNT 1 COUNT 1", SYNTAX),
            ("LMPOP 1 a LEFT FOO", SYNTAX),
            (
                "LMPOP 1",
                &err("ERR wrong number of arguments for 'lmpop' command"),
            ),
            ("SET s x", OK),
            ("LMPOP 2 nokey s LEFT", WRONGTYPE),
        ],
    );
    assert!(!exists(&mut ks, "a") && !exists(&mut ks, "b"));
    run(&mut ks, "RPUSH c 1");
    assert_eq!(run3(&mut ks, "LMPOP 1 nokey LEFT"), "_\r\n");
    assert_eq!(
        run3(&mut ks, "LMPOP 2 nokey c LEFT"),
        "*2\r\n$1\r\nc\r\n*1\r\n$1\r\n1\r\n"
    );
}

#[test]
fn parse_mpop_reads_blmpop_too() {
    let argv: Vec<&[u8]> = vec![b"blmpop", b"0", b"2", b"a", b"b", b"RIGHT", b"COUNT", b"3"];
    let (base, spans) = crate::protocol::args::joined(&argv);
    let args = Args::new(&base, &spans);
    let m = parse_mpop(&args, 2).unwrap();
    assert_eq!(
        m,
        MpopArgs {
            first_key: 3,
            numkeys: 2,
            end: End::Tail,
            count: 3
        }
    );
    assert_eq!(parse_end(b"LeFt"), Ok(End::Head));
    assert_eq!(parse_end(b"up"), Err(errors::SYNTAX));
}

/// Whether `key`'s watcher was told of a change by `line`.
fn signals(ks: &mut Keyspace, key: &str, line: &str) -> bool {
    ks.dbs[0].watch(key.as_bytes(), 7);
    ks.dbs[0].dirty_watchers.clear();
    run(ks, line);
    let told = ks.dbs[0].dirty_watchers.contains(&7);
    ks.dbs[0].unwatch(7);
    told
}

#[test]
fn only_real_changes_tell_watchers() {
    let mut ks = ks();
    run(&mut ks, "RPUSH l a b c");
    run(&mut ks, "SET s x");
    for line in [
        "LREM l 0 z",
        "LINSERT l BEFORE z y",
        "LSET l 10 x",
        "LPOP l 0",
        "LPUSHX nokey a",
        "LPUSH s a",
        "LMOVE l s LEFT LEFT",
        "LRANGE l 0 -1",
        "LPOS l a",
    ] {
        let key = if line.contains(" s ") { "s" } else { "l" };
        assert!(!signals(&mut ks, key, line), "{line}");
        assert!(!signals(&mut ks, "l", line), "{line}");
    }
    for line in [
        "LREM l 1 a",
        "LINSERT l BEFORE b y",
        "LSET l 0 x",
        "LPOP l",
        "RPUSH l q",
        "LTRIM l 0 -1",
    ] {
        assert!(signals(&mut ks, "l", line), "{line}");
    }
    assert!(signals(&mut ks, "d", "LMOVE l d LEFT LEFT"));
}
