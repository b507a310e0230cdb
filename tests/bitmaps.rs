//! The bitmap commands of Redis 7.0 over the wire: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
//! BITFIELD and BITFIELD_RO, with BITOP's keys on both shards.

mod common;

use common::*;
use redis::Value;

/// Runs a command whose arguments may be binary.
fn qb<T: redis::FromRedisValue>(c: &mut redis::Connection, args: &[&[u8]]) -> T {
    let mut cmd = redis::cmd(std::str::from_utf8(args[0]).expect("a command name"));
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(c).expect("the command succeeds")
}

/// The bytes stored at `key`.
fn get_bytes(c: &mut redis::Connection, key: &str) -> Vec<u8> {
    qb(c, &[b"GET", key.as_bytes()])
}

fn ints(items: &[i64]) -> Value {
    Value::Array(items.iter().map(|&n| Value::Int(n)).collect())
}

#[test]
fn setbit_getbit_grow_the_string() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(q::<i64>(&mut c, &["SETBIT", "k", "7", "1"]), 0);
    assert_eq!(q::<i64>(&mut c, &["SETBIT", "k", "7", "1"]), 1);
    assert_eq!(q::<i64>(&mut c, &["SETBIT", "k", "30", "1"]), 0);
    assert_eq!(get_bytes(&mut c, "k"), vec![0x01, 0, 0, 0x02]);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "k"]), "raw");
    assert_eq!(q::<i64>(&mut c, &["GETBIT", "k", "30"]), 1);
    assert_eq!(q::<i64>(&mut c, &["GETBIT", "k", "31"]), 0);
    assert_eq!(q::<i64>(&mut c, &["GETBIT", "k", "100000"]), 0);
    assert_eq!(q::<i64>(&mut c, &["GETBIT", "nokey", "0"]), 0);
    assert_eq!(q::<i64>(&mut c, &["SETBIT", "k", "7", "0"]), 1);
    assert_eq!(get_bytes(&mut c, "k"), vec![0, 0, 0, 0x02]);
    // A string set by SET is edited through its bytes, and becomes raw even when the bit
    // does not change.
    assert_ok(&mut c, &["SET", "n", "12345"]);
    assert_eq!(q::<i64>(&mut c, &["SETBIT", "n", "0", "0"]), 0);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "n"]), "raw");
    assert_eq!(q::<i64>(&mut c, &["SETBIT", "n", "6", "1"]), 0);
    assert_eq!(q::<String>(&mut c, &["GET", "n"]), "32345");
}

#[test]
fn setbit_errors_and_the_offset_limit() {
    let server = Server::start(&["--proto-max-bulk-len", "1mb"]);
    let mut c = server.client();
    let offset = "ERR bit offset is not an integer or out of range";
    let value = "ERR bit is not an integer or out of range";
    assert_eq!(err(&mut c, &["SETBIT", "k", "-1", "1"]), offset);
    assert_eq!(err(&mut c, &["SETBIT", "k", "1.5", "1"]), offset);
    assert_eq!(err(&mut c, &["GETBIT", "k", "x"]), offset);
    assert_eq!(err(&mut c, &["SETBIT", "k", "0", "2"]), value);
    assert_eq!(err(&mut c, &["SETBIT", "k", "0", "on"]), value);
    // The last bit of a string of proto-max-bulk-len bytes, and one past it.
    assert_eq!(err(&mut c, &["SETBIT", "k", "8388608", "1"]), offset);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "k"]), 0);
    assert_eq!(q::<i64>(&mut c, &["SETBIT", "k", "8388607", "1"]), 0);
    assert_eq!(q::<i64>(&mut c, &["STRLEN", "k"]), 1024 * 1024);
    assert_eq!(q::<i64>(&mut c, &["BITCOUNT", "k"]), 1);
    assert_eq!(
        err(&mut c, &["SETBIT", "k", "1"]),
        "ERR wrong number of arguments for 'setbit' command"
    );
}

#[test]
fn bitcount_and_bitpos() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_ok(&mut c, &["SET", "s", "foobar"]);
    assert_eq!(q::<i64>(&mut c, &["BITCOUNT", "s"]), 26);
    assert_eq!(q::<i64>(&mut c, &["BITCOUNT", "s", "1", "1"]), 6);
    assert_eq!(q::<i64>(&mut c, &["BITCOUNT", "s", "5", "30", "BIT"]), 17);
    assert_eq!(q::<i64>(&mut c, &["BITCOUNT", "s", "-2", "-1", "byte"]), 7);
    assert_eq!(
        q::<i64>(&mut c, &["BITCOUNT", "s", "-1", "-2", "nonsense"]),
        0
    );
    assert_eq!(q::<i64>(&mut c, &["BITCOUNT", "nokey", "x", "y"]), 0);
    assert_eq!(err(&mut c, &["BITCOUNT", "s", "0"]), "ERR syntax error");
    assert_eq!(
        err(&mut c, &["BITCOUNT", "s", "0", "1", "bits"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&mut c, &["BITCOUNT", "s", "a", "1"]),
        "ERR value is not an integer or out of range"
    );

    let _: () = qb(&mut c, &[b"SET", b"b", b"\x00\xff\xf0"]);
    assert_eq!(q::<i64>(&mut c, &["BITPOS", "b", "1"]), 8);
    assert_eq!(q::<i64>(&mut c, &["BITPOS", "b", "0"]), 0);
    assert_eq!(q::<i64>(&mut c, &["BITPOS", "b", "1", "2"]), 16);
    assert_eq!(q::<i64>(&mut c, &["BITPOS", "b", "1", "7", "15", "BIT"]), 8);
    assert_eq!(q::<i64>(&mut c, &["BITPOS", "b", "0", "1", "1"]), -1);
    assert_eq!(q::<i64>(&mut c, &["BITPOS", "b", "0", "1"]), 20);
    let _: () = qb(&mut c, &[b"SET", b"ones", b"\xff\xff"]);
    assert_eq!(q::<i64>(&mut c, &["BITPOS", "ones", "0"]), 16);
    assert_eq!(q::<i64>(&mut c, &["BITPOS", "ones", "0", "0", "-1"]), -1);
    assert_eq!(q::<i64>(&mut c, &["BITPOS", "nokey", "1"]), -1);
    assert_eq!(q::<i64>(&mut c, &["BITPOS", "nokey", "0"]), 0);
    assert_eq!(
        err(&mut c, &["BITPOS", "b", "2"]),
        "ERR The bit argument must be 1 or 0."
    );
    assert_eq!(
        err(&mut c, &["BITPOS", "b", "1", "0", "1", "bytes"]),
        "ERR syntax error"
    );
}

#[test]
fn bitop_across_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (a, b) = key_pair("src");
    let (d0, d1) = key_pair("dst");
    let _: () = qb(&mut c, &[b"SET", a.as_bytes(), b"\x0f\xf0\xaa"]);
    let _: () = qb(&mut c, &[b"SET", b.as_bytes(), b"\xff\x0f"]);
    assert_eq!(q::<i64>(&mut c, &["BITOP", "AND", &d0, &a, &b]), 3);
    assert_eq!(get_bytes(&mut c, &d0), b"\x0f\x00\x00");
    assert_eq!(q::<i64>(&mut c, &["BITOP", "OR", &d1, &a, &b, "nokey"]), 3);
    assert_eq!(get_bytes(&mut c, &d1), b"\xff\xff\xaa");
    assert_eq!(q::<i64>(&mut c, &["BITOP", "XOR", &d0, &b, &a]), 3);
    assert_eq!(get_bytes(&mut c, &d0), b"\xf0\xff\xaa");
    assert_eq!(q::<i64>(&mut c, &["BITOP", "NOT", &d1, &b]), 2);
    assert_eq!(get_bytes(&mut c, &d1), b"\x00\xf0");
    // A destination among the sources.
    assert_eq!(q::<i64>(&mut c, &["BITOP", "AND", &a, &a, &b]), 3);
    assert_eq!(get_bytes(&mut c, &a), b"\x0f\x00\x00");
    // An empty result deletes the destination, wherever it lives.
    assert_eq!(
        q::<i64>(&mut c, &["BITOP", "OR", &d0, "nokey1", "nokey2"]),
        0
    );
    assert_eq!(q::<i64>(&mut c, &["EXISTS", &d0]), 0);
    assert_ok(&mut c, &["SET", &d1, "x", "EX", "100"]);
    assert_eq!(q::<i64>(&mut c, &["BITOP", "NOT", &d1, &b]), 2);
    assert_eq!(q::<i64>(&mut c, &["TTL", &d1]), -1);
    assert_eq!(
        err(&mut c, &["BITOP", "NOT", &d0, &a, &b]),
        "ERR BITOP NOT must be called with a single source key."
    );
    assert_eq!(err(&mut c, &["BITOP", "NAND", &d0, &a]), "ERR syntax error");
    assert_eq!(
        err(&mut c, &["BITOP", "AND", &d0]),
        "ERR wrong number of arguments for 'bitop' command"
    );
    assert_eq!(q::<i64>(&mut c, &["EXISTS", &d0]), 0);
}

#[test]
fn bitfield_operations_and_overflow() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(
        v(
            &mut c,
            &["BITFIELD", "k", "INCRBY", "i5", "100", "1", "GET", "u4", "0"]
        ),
        ints(&[1, 0])
    );
    let sat = [
        "BITFIELD", "c", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2", "102", "1",
    ];
    assert_eq!(v(&mut c, &sat), ints(&[1, 1]));
    assert_eq!(v(&mut c, &sat), ints(&[2, 2]));
    assert_eq!(v(&mut c, &sat), ints(&[3, 3]));
    assert_eq!(v(&mut c, &sat), ints(&[0, 3]));
    assert_eq!(
        v(
            &mut c,
            &["BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", "102", "5"]
        ),
        Value::Array(vec![Value::Nil])
    );
    // The refused write still created the key, zero-filled, as in Redis.
    assert_eq!(get_bytes(&mut c, "f"), vec![0; 13]);
    assert_eq!(
        v(
            &mut c,
            &[
                "BITFIELD", "s", "SET", "i8", "#0", "100", "SET", "i8", "#1", "-100", "GET", "u8",
                "#1"
            ]
        ),
        ints(&[0, 0, 156])
    );
    assert_eq!(get_bytes(&mut c, "s"), vec![100, 156]);
    assert_eq!(
        v(
            &mut c,
            &["BITFIELD", "w", "SET", "i8", "0", "127", "INCRBY", "i8", "0", "1"]
        ),
        ints(&[0, -128])
    );
    assert_eq!(
        v(
            &mut c,
            &[
                "BITFIELD_RO",
                "s",
                "GET",
                "i8",
                "0",
                "GET",
                "u16",
                "0",
                "GET",
                "u8",
                "100"
            ]
        ),
        ints(&[100, 25756, 0])
    );
    assert_eq!(v(&mut c, &["BITFIELD", "nokey"]), Value::Array(vec![]));
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "nokey"]), 0);
}

#[test]
fn bitfield_errors() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let ty = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
    assert_eq!(err(&mut c, &["BITFIELD", "k", "GET", "u64", "0"]), ty);
    assert_eq!(err(&mut c, &["BITFIELD", "k", "GET", "i65", "0"]), ty);
    assert_eq!(err(&mut c, &["BITFIELD", "k", "SET", "x8", "0", "1"]), ty);
    assert_eq!(
        err(&mut c, &["BITFIELD", "k", "GET", "i8", "#-1"]),
        "ERR bit offset is not an integer or out of range"
    );
    assert_eq!(
        err(
            &mut c,
            &["BITFIELD", "k", "OVERFLOW", "LOOSE", "GET", "i8", "0"]
        ),
        "ERR Invalid OVERFLOW type specified"
    );
    assert_eq!(
        err(&mut c, &["BITFIELD", "k", "GET", "i8"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&mut c, &["BITFIELD", "k", "SET", "i8", "0", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        err(
            &mut c,
            &["BITFIELD_RO", "k", "GET", "i8", "0", "SET", "i8", "0", "1"]
        ),
        "ERR BITFIELD_RO only supports the GET subcommand"
    );
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "k"]), 0);
}

#[test]
fn writes_that_change_nothing_do_not_abort_a_watch() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    assert_eq!(c.cmd(&["SETBIT", "k", "3", "1"]), Resp::Int(0));
    assert_eq!(c.cmd(&["WATCH", "k"]), Resp::ok());
    assert_eq!(c.cmd(&["SETBIT", "k", "3", "1"]), Resp::Int(1));
    assert_eq!(
        c.cmd(&["BITFIELD", "k", "SET", "u4", "0", "1"]),
        Resp::Array(Some(vec![Resp::Int(1)]))
    );
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["GETBIT", "k", "3"]), Resp::Simple("QUEUED".into()));
    assert_eq!(
        c.cmd(&["EXEC"]),
        Resp::Array(Some(vec![Resp::Int(1)])),
        "no write changed k"
    );
    // A real change does abort it.
    assert_eq!(c.cmd(&["WATCH", "k"]), Resp::ok());
    assert_eq!(c.cmd(&["SETBIT", "k", "2", "1"]), Resp::Int(0));
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["GETBIT", "k", "2"]), Resp::Simple("QUEUED".into()));
    assert_eq!(c.cmd(&["EXEC"]), Resp::Array(None));
}
