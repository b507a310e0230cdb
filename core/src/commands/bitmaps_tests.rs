//! Unit tests of the bitmap family: each command runs on a keyspace without I/O and its reply
//! bytes are compared with what Redis 7.0 answers. The harness is shared with the HyperLogLog
//! tests.

use super::*;
use crate::commands::lookup;
use crate::config::Config;
use crate::keyspace::Keyspace;
use crate::protocol::reply::Protocol;

/// The clock of every test call, Unix milliseconds.
pub(crate) const NOW: u64 = 1_700_000_000_000;

/// Where one RESP value that starts at `i` ends (test replies are always complete).
fn resp_end(b: &[u8], i: usize) -> usize {
    let line_end = i + b[i..].windows(2).position(|w| w == b"\r\n").expect("CRLF") + 2;
    let n = || {
        std::str::from_utf8(&b[i + 1..line_end - 2])
            .expect("digits")
            .parse::<i64>()
            .expect("a length")
    };
    match b[i] {
        b'$' if n() >= 0 => line_end + n() as usize + 2,
        b'*' if n() >= 0 => (0..n()).fold(line_end, |at, _| resp_end(b, at)),
        _ => line_end,
    }
}

/// Runs one command given as separate arguments with `config`, checking its arity as the
/// router does and that the handler wrote exactly one reply; returns the reply as text.
pub(crate) fn call_with(ks: &mut Keyspace, config: &Config, argv: &[&[u8]]) -> String {
    let (base, spans) = crate::protocol::args::joined(argv);
    let args = Args::new(&base, &spans);
    let command = lookup(argv[0]).expect("a known command");
    let mut out = Vec::new();
    let mut reply = Reply::new(&mut out, Protocol::Resp2);
    if !command.arity_ok(argv.len()) {
        reply.error(&errors::wrong_arity(command.name));
    } else {
        let Run::Shard(handler) = command.run else {
            panic!("not a shard command")
        };
        let mut ctx = Ctx {
            ks,
            db: 0,
            now_ms: NOW,
            config,
            rand: 7,
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

/// Runs one command of binary arguments with the default configuration.
pub(crate) fn call(ks: &mut Keyspace, argv: &[&[u8]]) -> String {
    call_with(ks, &Config::default(), argv)
}

/// Runs a command line split on spaces.
pub(crate) fn run(ks: &mut Keyspace, line: &str) -> String {
    let argv: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
    call(ks, &argv)
}

/// Runs each `(line, reply)` in order and checks the replies.
pub(crate) fn check(ks: &mut Keyspace, script: &[(&str, &str)]) {
    for (line, want) in script {
        assert_eq!(run(ks, line), *want, "{line}");
    }
}

/// A keyspace of 16 empty databases.
pub(crate) fn ks() -> Keyspace {
    Keyspace::new(16)
}

/// An error reply.
pub(crate) fn err(msg: &str) -> String {
    format!("-{msg}\r\n")
}

/// An integer reply.
pub(crate) fn int(n: i64) -> String {
    format!(":{n}\r\n")
}

/// The bytes stored at `key`, when it holds a string.
pub(crate) fn bytes_of(ks: &Keyspace, key: &str) -> Option<Vec<u8>> {
    ks.dbs[0]
        .peek(key.as_bytes(), NOW)
        .and_then(|e| e.value.to_bytes())
}

/// OBJECT ENCODING's answer for `key`.
pub(crate) fn encoding_of(ks: &Keyspace, key: &str) -> &'static str {
    ks.dbs[0]
        .peek(key.as_bytes(), NOW)
        .map_or("none", |e| e.value.encoding())
}

/// Stores raw bytes under `key`.
pub(crate) fn set_bytes(ks: &mut Keyspace, key: &str, bytes: &[u8]) {
    ks.dbs[0].set(key.as_bytes(), Value::string(bytes), 0);
}

/// Builds a RESP array of integer replies (null for None).
fn ints(items: &[Option<i64>]) -> String {
    let mut s = format!("*{}\r\n", items.len());
    for i in items {
        match i {
            Some(n) => s.push_str(&int(*n)),
            None => s.push_str("$-1\r\n"),
        }
    }
    s
}

#[test]
fn table_rows_match_redis() {
    let row = |name: &str| lookup(name.as_bytes()).expect("registered");
    assert_eq!((row("setbit").arity, row("getbit").arity), (4, 3));
    assert!(row("setbit").has(WRITE) && row("setbit").has(DENYOOM));
    assert!(row("getbit").has(READONLY) && row("getbit").has(FAST));
    assert_eq!((row("bitcount").arity, row("bitpos").arity), (-2, -3));
    assert!(row("bitcount").has(READONLY) && !row("bitcount").has(FAST));
    assert_eq!(row("bitop").arity, -4);
    assert_eq!(row("bitop").keys.legacy(), (2, -1, 1));
    assert_eq!(row("bitop").span, Span::Single);
    assert!(row("bitfield").has(WRITE) && row("bitfield_ro").has(READONLY));
    assert_eq!(row("bitfield_ro").arity, -2);
    assert_eq!(COMMANDS.len(), 7);
}

#[test]
fn setbit_and_getbit() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("SETBIT k 7 1", ":0\r\n"),
            ("SETBIT k 7 1", ":1\r\n"),
            ("GETBIT k 7", ":1\r\n"),
            ("GETBIT k 6", ":0\r\n"),
            ("GETBIT k 1000", ":0\r\n"),
            ("GETBIT missing 3", ":0\r\n"),
            ("SETBIT k 7 0", ":1\r\n"),
            ("SETBIT k 20 1", ":0\r\n"),
        ],
    );
    // The string grew zero-filled to hold bit 20, and it is `raw` as in Redis.
    assert_eq!(bytes_of(&ks, "k").unwrap(), vec![0, 0, 0x08]);
    assert_eq!(encoding_of(&ks, "k"), "raw");
    // An integer is read through its decimal form: '1' is 0x31.
    check(
        &mut ks,
        &[
            ("SET n 1", "+OK\r\n"),
            ("GETBIT n 2", ":1\r\n"),
            ("GETBIT n 7", ":1\r\n"),
            ("GETBIT n 6", ":0\r\n"),
            ("SETBIT n 6 1", ":0\r\n"),
            ("GET n", "$1\r\n3\r\n"),
        ],
    );
}

#[test]
fn setbit_argument_errors() {
    let mut ks = ks();
    let offset = err(BIT_OFFSET);
    let value = err(BIT_VALUE);
    check(
        &mut ks,
        &[
            ("SETBIT k -1 1", &offset),
            ("SETBIT k x 1", &offset),
            ("SETBIT k 4294967296 1", &offset),
            ("GETBIT k 4294967296", &offset),
            ("GETBIT k -1", &offset),
            ("SETBIT k 0 2", &value),
            ("SETBIT k 0 -1", &value),
            ("SETBIT k 0 x", &value),
            // The offset is checked before the value.
            ("SETBIT k x x", &offset),
        ],
    );
    assert!(!ks.dbs[0].contains(b"k", NOW));
    // The limit follows proto-max-bulk-len.
    let config = Config {
        proto_max_bulk_len: 16,
        ..Config::default()
    };
    assert_eq!(
        call_with(&mut ks, &config, &[b"SETBIT", b"k", b"127", b"1"]),
        int(0)
    );
    assert_eq!(
        call_with(&mut ks, &config, &[b"SETBIT", b"k", b"128", b"1"]),
        offset
    );
    assert_eq!(bytes_of(&ks, "k").unwrap().len(), 16);
}

#[test]
fn bit_commands_refuse_other_types() {
    let mut ks = ks();
    ks.dbs[0].set(b"h", Value::Hash(Default::default()), 0);
    let wrongtype = err(errors::WRONGTYPE);
    for line in [
        "SETBIT h 0 1",
        "GETBIT h 0",
        "BITCOUNT h",
        "BITPOS h 1",
        "BITOP AND d h",
        "BITFIELD h GET u8 0",
        "BITFIELD_RO h GET u8 0",
        "BITFIELD h",
    ] {
        assert_eq!(run(&mut ks, line), wrongtype, "{line}");
    }
    assert!(!ks.dbs[0].contains(b"d", NOW));
}

#[test]
fn writes_that_change_nothing_leave_the_key_alone() {
    let mut ks = ks();
    check(&mut ks, &[("SETBIT k 3 1", ":0\r\n")]);
    let dirty = ks.dirty;
    ks.dbs[0].watch(b"k", 1);
    check(
        &mut ks,
        &[
            ("SETBIT k 3 1", ":1\r\n"),
            ("SETBIT k 2 0", ":0\r\n"),
            ("BITFIELD k SET u4 0 1", "*1\r\n:1\r\n"),
            ("BITFIELD k INCRBY u4 0 0", "*1\r\n:1\r\n"),
            ("BITFIELD k OVERFLOW FAIL INCRBY u4 0 100", "*1\r\n$-1\r\n"),
        ],
    );
    assert_eq!(ks.dirty, dirty);
    assert!(ks.dbs[0].dirty_watchers.is_empty());
    check(&mut ks, &[("SETBIT k 2 1", ":0\r\n")]);
    assert_eq!(ks.dirty, dirty + 1);
    assert!(ks.dbs[0].dirty_watchers.contains(&1));
}

#[test]
fn a_no_op_setbit_still_makes_the_string_raw() {
    let mut ks = ks();
    check(
        &mut ks,
        &[("SET n 12345", "+OK\r\n"), ("SETBIT n 0 0", ":0\r\n")],
    );
    assert_eq!(encoding_of(&ks, "n"), "raw");
    assert_eq!(bytes_of(&ks, "n").unwrap(), b"12345");
    check(
        &mut ks,
        &[("SET e abc", "+OK\r\n"), ("SETBIT e 0 0", ":0\r\n")],
    );
    assert_eq!(encoding_of(&ks, "e"), "raw");
}

#[test]
fn bitcount_ranges() {
    let mut ks = ks();
    set_bytes(&mut ks, "s", b"foobar");
    check(
        &mut ks,
        &[
            ("BITCOUNT s", ":26\r\n"),
            ("BITCOUNT s 0 0", ":4\r\n"),
            ("BITCOUNT s 1 1", ":6\r\n"),
            ("BITCOUNT s 1 1 BYTE", ":6\r\n"),
            ("BITCOUNT s 5 30 BIT", ":17\r\n"),
            ("BITCOUNT s 0 -1 bit", ":26\r\n"),
            ("BITCOUNT s -2 -1", ":7\r\n"),
            ("BITCOUNT s 100 200", ":0\r\n"),
            ("BITCOUNT s 3 1", ":0\r\n"),
            ("BITCOUNT s -100 -50", ":4\r\n"),
            ("BITCOUNT s 7 7 BIT", ":0\r\n"),
            ("BITCOUNT s 1 1 BIT", ":1\r\n"),
            ("BITCOUNT missing", ":0\r\n"),
        ],
    );
}

#[test]
fn bitcount_argument_errors_follow_redis_7_0_order() {
    let mut ks = ks();
    set_bytes(&mut ks, "s", b"foobar");
    let syntax = err(errors::SYNTAX);
    let not_int = err(errors::NOT_INTEGER);
    check(
        &mut ks,
        &[
            ("BITCOUNT s 0", &syntax),
            ("BITCOUNT s 0 1 BIT x", &syntax),
            ("BITCOUNT s 0 1 bits", &syntax),
            ("BITCOUNT s a 1", &not_int),
            ("BITCOUNT s 1 a", &not_int),
            // Reversed negative ends answer before the unit is read.
            ("BITCOUNT s -1 -2 foo", ":0\r\n"),
            // An absent key answers 0 before anything else is read.
            ("BITCOUNT missing a b c", ":0\r\n"),
            ("BITCOUNT missing 0", ":0\r\n"),
        ],
    );
}

#[test]
fn bitpos_examples() {
    let mut ks = ks();
    set_bytes(&mut ks, "a", b"\xff\xf0\x00");
    set_bytes(&mut ks, "b", b"\x00\xff\xf0");
    set_bytes(&mut ks, "z", b"\x00\x00\x00");
    set_bytes(&mut ks, "f", b"\xff\xff");
    check(
        &mut ks,
        &[
            ("BITPOS a 0", ":12\r\n"),
            ("BITPOS b 1 0", ":8\r\n"),
            ("BITPOS b 1 2", ":16\r\n"),
            ("BITPOS b 1 2 -1 BYTE", ":16\r\n"),
            ("BITPOS b 1 7 15 BIT", ":8\r\n"),
            ("BITPOS b 1 7 -3 BIT", ":8\r\n"),
            ("BITPOS z 1", ":-1\r\n"),
            // All ones: without an end the string continues with zeros...
            ("BITPOS f 0", ":16\r\n"),
            ("BITPOS f 0 1", ":16\r\n"),
            // ...with one it does not.
            ("BITPOS f 0 0 -1", ":-1\r\n"),
            ("BITPOS f 0 3 12 BIT", ":-1\r\n"),
            ("BITPOS a 0 4 13 BIT", ":12\r\n"),
            ("BITPOS a 1 9 11 bit", ":9\r\n"),
            ("BITPOS a 1 12 15 bit", ":-1\r\n"),
            ("BITPOS a 1 5 3", ":-1\r\n"),
            ("BITPOS missing 1", ":-1\r\n"),
            ("BITPOS missing 0", ":0\r\n"),
            ("BITPOS missing 0 5 x", ":0\r\n"),
        ],
    );
}

#[test]
fn bitpos_argument_errors() {
    let mut ks = ks();
    set_bytes(&mut ks, "s", b"abc");
    let not_int = err(errors::NOT_INTEGER);
    check(
        &mut ks,
        &[
            ("BITPOS s 2", &err(BIT_ARGUMENT)),
            ("BITPOS missing -1", &err(BIT_ARGUMENT)),
            ("BITPOS s x", &not_int),
            ("BITPOS s 1 a", &not_int),
            ("BITPOS s 1 0 a", &not_int),
            ("BITPOS s 1 0 -1 foo", &err(errors::SYNTAX)),
            // The unit is read before the end.
            ("BITPOS s 1 0 x foo", &err(errors::SYNTAX)),
            ("BITPOS s 1 0 -1 bit x", &err(errors::SYNTAX)),
        ],
    );
}

#[test]
fn bitop_operations() {
    let mut ks = ks();
    set_bytes(&mut ks, "a", b"\x0f\xf0\xaa");
    set_bytes(&mut ks, "b", b"\xff\x0f");
    check(
        &mut ks,
        &[
            ("BITOP AND d a b", ":3\r\n"),
            ("BITOP or o a b missing", ":3\r\n"),
            ("BITOP XOR x a b", ":3\r\n"),
            ("BITOP NOT n b", ":2\r\n"),
        ],
    );
    assert_eq!(bytes_of(&ks, "d").unwrap(), b"\x0f\x00\x00");
    assert_eq!(bytes_of(&ks, "o").unwrap(), b"\xff\xff\xaa");
    assert_eq!(bytes_of(&ks, "x").unwrap(), b"\xf0\xff\xaa");
    assert_eq!(bytes_of(&ks, "n").unwrap(), b"\x00\xf0");
    assert_eq!(encoding_of(&ks, "n"), "raw");
    // An integer source reads as its digits.
    check(
        &mut ks,
        &[("SET i 12", "+OK\r\n"), ("BITOP NOT ni i", ":2\r\n")],
    );
    assert_eq!(bytes_of(&ks, "ni").unwrap(), vec![!b'1', !b'2']);
}

#[test]
fn bitop_with_an_empty_result_deletes_the_destination() {
    let mut ks = ks();
    ks.dbs[0].set(b"d", Value::string(b"old"), NOW + 10_000);
    set_bytes(&mut ks, "e", b"");
    check(
        &mut ks,
        &[
            ("BITOP OR d missing1 missing2", ":0\r\n"),
            ("BITOP AND d2 e missing", ":0\r\n"),
        ],
    );
    assert!(!ks.dbs[0].contains(b"d", NOW));
    // A stored result drops the destination's time to live.
    ks.dbs[0].set(b"d", Value::string(b"old"), NOW + 10_000);
    set_bytes(&mut ks, "a", b"x");
    check(&mut ks, &[("BITOP NOT d a", ":1\r\n")]);
    assert_eq!(ks.dbs[0].peek(b"d", NOW).unwrap().expire_at, 0);
}

#[test]
fn bitop_argument_errors() {
    let mut ks = ks();
    set_bytes(&mut ks, "a", b"x");
    ks.dbs[0].set(b"h", Value::Hash(Default::default()), 0);
    check(
        &mut ks,
        &[
            ("BITOP NOT d a a", &err(BITOP_NOT_SINGLE)),
            ("BITOP NOR d a", &err(errors::SYNTAX)),
            ("BITOP AND d a h", &err(errors::WRONGTYPE)),
            (
                "BITOP AND d",
                &err("ERR wrong number of arguments for 'bitop' command"),
            ),
        ],
    );
    assert!(!ks.dbs[0].contains(b"d", NOW));
}

#[test]
fn bitfield_examples_from_the_manual() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            (
                "BITFIELD k INCRBY i5 100 1 GET u4 0",
                &ints(&[Some(1), Some(0)]),
            ),
            (
                "BITFIELD c INCRBY u2 100 1 OVERFLOW SAT INCRBY u2 102 1",
                &ints(&[Some(1), Some(1)]),
            ),
            (
                "BITFIELD c INCRBY u2 100 1 OVERFLOW SAT INCRBY u2 102 1",
                &ints(&[Some(2), Some(2)]),
            ),
            (
                "BITFIELD c INCRBY u2 100 1 OVERFLOW SAT INCRBY u2 102 1",
                &ints(&[Some(3), Some(3)]),
            ),
            (
                "BITFIELD c INCRBY u2 100 1 OVERFLOW SAT INCRBY u2 102 1",
                &ints(&[Some(0), Some(3)]),
            ),
            ("BITFIELD f OVERFLOW FAIL INCRBY u2 102 5", &ints(&[None])),
            (
                "BITFIELD s SET i8 #0 100 SET i8 #1 -100 GET i8 8 GET u8 #1",
                &ints(&[Some(0), Some(0), Some(-100), Some(156)]),
            ),
        ],
    );
    assert_eq!(bytes_of(&ks, "s").unwrap(), vec![100, 156]);
    // A write refused by FAIL still creates the key, zero-filled, as Redis does.
    assert_eq!(bytes_of(&ks, "f").unwrap(), vec![0; 13]);
}

#[test]
fn bitfield_overflow_policies() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            (
                "BITFIELD k SET i8 0 127 INCRBY i8 0 1",
                &ints(&[Some(0), Some(-128)]),
            ),
            (
                "BITFIELD k OVERFLOW SAT INCRBY i8 0 -1000",
                &ints(&[Some(-128)]),
            ),
            (
                "BITFIELD k OVERFLOW SAT INCRBY i8 0 1000",
                &ints(&[Some(127)]),
            ),
            ("BITFIELD k OVERFLOW FAIL INCRBY i8 0 1", &ints(&[None])),
            (
                "BITFIELD k OVERFLOW WRAP SET u8 0 256 GET u8 0",
                &ints(&[Some(127), Some(0)]),
            ),
            (
                "BITFIELD k OVERFLOW SAT SET u8 0 -5 GET u8 0",
                &ints(&[Some(0), Some(255)]),
            ),
            (
                "BITFIELD k OVERFLOW SAT SET i8 0 300 GET i8 0",
                &ints(&[Some(-1), Some(127)]),
            ),
            (
                "BITFIELD k SET i64 0 9223372036854775807 INCRBY i64 0 1",
                &ints(&[Some(9151314442816847872), Some(i64::MIN)]),
            ),
            (
                "BITFIELD k OVERFLOW SAT INCRBY i64 0 -1",
                &ints(&[Some(i64::MIN)]),
            ),
            (
                "BITFIELD k OVERFLOW SAT INCRBY i64 0 1",
                &ints(&[Some(i64::MIN + 1)]),
            ),
            (
                "BITFIELD k SET u63 0 -1 GET u63 0",
                &ints(&[Some(1 << 62), Some(i64::MAX)]),
            ),
            (
                "BITFIELD k SET u1 3 1 GET u1 3 GET i1 3",
                &ints(&[Some(1), Some(1), Some(-1)]),
            ),
        ],
    );
}

#[test]
fn bitfield_argument_errors() {
    let mut ks = ks();
    let ty = err(BITFIELD_TYPE);
    let offset = err(BIT_OFFSET);
    let syntax = err(errors::SYNTAX);
    check(
        &mut ks,
        &[
            ("BITFIELD k GET u64 0", &ty),
            ("BITFIELD k GET i65 0", &ty),
            ("BITFIELD k GET i0 0", &ty),
            ("BITFIELD k GET x8 0", &ty),
            ("BITFIELD k GET I8 0", &ty),
            ("BITFIELD k GET i8 -1", &offset),
            ("BITFIELD k GET i8 #-1", &offset),
            ("BITFIELD k GET i8 #", &offset),
            ("BITFIELD k GET i8 4294967296", &offset),
            ("BITFIELD k SET i8 0", &syntax),
            ("BITFIELD k GET i8", &syntax),
            ("BITFIELD k FOO", &syntax),
            ("BITFIELD k OVERFLOW", &syntax),
            ("BITFIELD k OVERFLOW foo GET i8 0", &err(BITFIELD_OVERFLOW)),
            ("BITFIELD k SET i8 0 x", &err(errors::NOT_INTEGER)),
            ("BITFIELD_RO k SET i8 0 1", &err(BITFIELD_RO_GET_ONLY)),
            (
                "BITFIELD_RO k GET i8 0 INCRBY u2 0 1",
                &err(BITFIELD_RO_GET_ONLY),
            ),
            (
                "BITFIELD_RO k GET u8 0 GET i8 #1",
                &ints(&[Some(0), Some(0)]),
            ),
            ("BITFIELD k", "*0\r\n"),
        ],
    );
    assert!(!ks.dbs[0].contains(b"k", NOW));
}

#[test]
fn bitfield_reads_past_the_end_as_zeros() {
    let mut ks = ks();
    set_bytes(&mut ks, "s", b"\xff");
    check(
        &mut ks,
        &[
            (
                "BITFIELD_RO s GET u16 0 GET i64 4 GET u8 1000",
                &ints(&[
                    Some(0xff00),
                    Some(0xf000_0000_0000_0000_u64 as i64),
                    Some(0),
                ]),
            ),
            (
                "BITFIELD s INCRBY u16 4 1 GET u8 #1",
                &ints(&[Some(0xf001), Some(0x00)]),
            ),
        ],
    );
    assert_eq!(bytes_of(&ks, "s").unwrap(), vec![0xff, 0x00, 0x10]);
    assert_eq!(encoding_of(&ks, "s"), "raw");
}
