//! The string commands of Redis 7.0: their options, replies and error strings, with keys on
//! both shards wherever a command takes several.

mod common;

use common::*;
use redis::Value;
use std::time::{SystemTime, UNIX_EPOCH};

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

#[test]
fn get_and_set() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(v(&mut c, &["GET", "missing"]), Value::Nil);
    assert_ok(&mut c, &["SET", "k", "v"]);
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "v");
    assert_ok(&mut c, &["SET", "k", "other"]);
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "other");
    // Empty and binary values are kept byte for byte.
    assert_ok(&mut c, &["SET", "empty", ""]);
    assert_eq!(v(&mut c, &["GET", "empty"]), bulk(""));
    let binary: Vec<u8> = (0..=255u8).collect();
    let _: () = redis::cmd("SET")
        .arg(&binary[..])
        .arg(&binary[..])
        .query(&mut c)
        .unwrap();
    let back: Vec<u8> = redis::cmd("GET").arg(&binary[..]).query(&mut c).unwrap();
    assert_eq!(back, binary);
    // Wrong arity, and options that do not exist.
    assert_eq!(
        err(&mut c, &["GET"]),
        "ERR wrong number of arguments for 'get' command"
    );
    assert_eq!(
        err(&mut c, &["GET", "a", "b"]),
        "ERR wrong number of arguments for 'get' command"
    );
    assert_eq!(
        err(&mut c, &["SET", "k"]),
        "ERR wrong number of arguments for 'set' command"
    );
    assert_eq!(err(&mut c, &["SET", "k", "v", "FOO"]), "ERR syntax error");
}

#[test]
fn set_expiry_options() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_ok(&mut c, &["SET", "k", "v", "EX", "100"]);
    let ttl: i64 = q(&mut c, &["TTL", "k"]);
    assert!((99..=100).contains(&ttl), "{ttl}");
    assert_ok(&mut c, &["SET", "k", "v", "PX", "100000"]);
    let pttl: i64 = q(&mut c, &["PTTL", "k"]);
    assert!((98_000..=100_000).contains(&pttl), "{pttl}");
    let at = (now_secs() + 1000).to_string();
    assert_ok(&mut c, &["SET", "k", "v", "EXAT", &at]);
    assert_eq!(q::<String>(&mut c, &["EXPIRETIME", "k"]), at);
    let pat = ((now_secs() + 1000) * 1000 + 123).to_string();
    assert_ok(&mut c, &["SET", "k", "v", "PXAT", &pat]);
    assert_eq!(q::<String>(&mut c, &["PEXPIRETIME", "k"]), pat);
    // Lower-case options are accepted too.
    assert_ok(&mut c, &["set", "k", "v", "ex", "50"]);
    assert!(q::<i64>(&mut c, &["TTL", "k"]) <= 50);
    // A plain SET clears the TTL; KEEPTTL keeps it.
    assert_ok(&mut c, &["SET", "k", "v"]);
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]), -1);
    assert_ok(&mut c, &["SET", "k", "v", "EX", "100"]);
    assert_ok(&mut c, &["SET", "k", "v2", "KEEPTTL"]);
    assert!(q::<i64>(&mut c, &["TTL", "k"]) > 0);
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "v2");
    // An absolute time in the past leaves no key behind.
    assert_ok(&mut c, &["SET", "past", "v", "EXAT", "1"]);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "past"]), 0);
    assert_ok(&mut c, &["SET", "past", "v", "PXAT", "1"]);
    assert_eq!(v(&mut c, &["GET", "past"]), Value::Nil);
    // A short expiry really expires.
    assert_ok(&mut c, &["SET", "short", "v", "PX", "30"]);
    std::thread::sleep(std::time::Duration::from_millis(80));
    assert_eq!(v(&mut c, &["GET", "short"]), Value::Nil);
}

#[test]
fn set_expiry_errors() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let invalid = "ERR invalid expire time in 'set' command";
    for opt in ["EX", "PX", "EXAT", "PXAT"] {
        assert_eq!(
            err(&mut c, &["SET", "k", "v", opt, "0"]),
            invalid,
            "{opt} 0"
        );
        assert_eq!(
            err(&mut c, &["SET", "k", "v", opt, "-1"]),
            invalid,
            "{opt} -1"
        );
        assert_eq!(
            err(&mut c, &["SET", "k", "v", opt, "abc"]),
            "ERR value is not an integer or out of range"
        );
        assert_eq!(
            err(&mut c, &["SET", "k", "v", opt]),
            "ERR syntax error",
            "{opt} without a value"
        );
    }
    assert_eq!(
        err(&mut c, &["SET", "k", "v", "EX", "9223372036854775807"]),
        invalid
    );
    assert_eq!(
        err(&mut c, &["SET", "k", "v", "PX", "9223372036854775807"]),
        invalid
    );
    // Options that exclude each other.
    for args in [
        &["SET", "k", "v", "NX", "XX"][..],
        &["SET", "k", "v", "EX", "10", "PX", "100"],
        &["SET", "k", "v", "EX", "10", "EXAT", "100"],
        &["SET", "k", "v", "PXAT", "10", "EXAT", "100"],
        &["SET", "k", "v", "KEEPTTL", "EX", "10"],
        &["SET", "k", "v", "PX", "10", "KEEPTTL"],
    ] {
        assert_eq!(err(&mut c, args), "ERR syntax error", "{args:?}");
    }
    assert_eq!(
        q::<i64>(&mut c, &["EXISTS", "k"]),
        0,
        "a refused SET writes nothing"
    );
}

#[test]
fn set_conditions_and_get() {
    let server = Server::start(&[]);
    let mut c = server.client();
    // NX only when absent, XX only when present; a refused SET answers nil.
    assert_eq!(v(&mut c, &["SET", "k", "v", "XX"]), Value::Nil);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "k"]), 0);
    assert_ok(&mut c, &["SET", "k", "v", "NX"]);
    assert_eq!(v(&mut c, &["SET", "k", "w", "NX"]), Value::Nil);
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "v");
    assert_ok(&mut c, &["SET", "k", "w", "XX"]);
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "w");
    // GET returns the old value (nil when none), whether or not the SET happens.
    assert_eq!(v(&mut c, &["SET", "g", "1", "GET"]), Value::Nil);
    assert_eq!(v(&mut c, &["SET", "g", "2", "GET"]), bulk("1"));
    assert_eq!(v(&mut c, &["SET", "g", "3", "NX", "GET"]), bulk("2"));
    assert_eq!(q::<String>(&mut c, &["GET", "g"]), "2");
    assert_eq!(v(&mut c, &["SET", "g2", "3", "XX", "GET"]), Value::Nil);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "g2"]), 0);
    assert_eq!(
        v(&mut c, &["SET", "g", "4", "XX", "GET", "EX", "100"]),
        bulk("2")
    );
    assert!(q::<i64>(&mut c, &["TTL", "g"]) > 0);
    assert_eq!(v(&mut c, &["SET", "g", "5", "KEEPTTL", "GET"]), bulk("4"));
    assert!(q::<i64>(&mut c, &["TTL", "g"]) > 0);
}

#[test]
fn setnx_setex_psetex() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(q::<i64>(&mut c, &["SETNX", "k", "1"]), 1);
    assert_eq!(q::<i64>(&mut c, &["SETNX", "k", "2"]), 0);
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "1");
    assert_ok(&mut c, &["SETEX", "k", "100", "v"]);
    assert!((99..=100).contains(&q::<i64>(&mut c, &["TTL", "k"])));
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "v");
    assert_ok(&mut c, &["PSETEX", "k", "100000", "w"]);
    assert!(q::<i64>(&mut c, &["PTTL", "k"]) > 98_000);
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "w");
    assert_eq!(
        err(&mut c, &["SETEX", "k", "0", "v"]),
        "ERR invalid expire time in 'setex' command"
    );
    assert_eq!(
        err(&mut c, &["SETEX", "k", "-5", "v"]),
        "ERR invalid expire time in 'setex' command"
    );
    assert_eq!(
        err(&mut c, &["PSETEX", "k", "-5", "v"]),
        "ERR invalid expire time in 'psetex' command"
    );
    assert_eq!(
        err(&mut c, &["SETEX", "k", "x", "v"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        err(&mut c, &["SETEX", "k", "10"]),
        "ERR wrong number of arguments for 'setex' command"
    );
    assert_eq!(
        err(&mut c, &["SETNX", "k"]),
        "ERR wrong number of arguments for 'setnx' command"
    );
}

#[test]
fn mget_mset_msetnx_across_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let keys = alternating_keys("m", 8);
    let mut args = vec!["MSET"];
    for k in &keys {
        args.push(k);
        args.push(k);
    }
    assert_ok(&mut c, &args);
    let mut mget = vec!["MGET"];
    mget.extend(keys.iter().map(|k| k.as_str()));
    mget.insert(3, "missing");
    let got = v(&mut c, &mget);
    let mut want: Vec<Value> = keys.iter().map(|k| bulk(k)).collect();
    want.insert(2, Value::Nil);
    assert_eq!(got, Value::Array(want));
    // The same key twice: the last value wins.
    let (a, b) = key_pair("dup");
    assert_ok(&mut c, &["MSET", &a, "1", &b, "2", &a, "3"]);
    assert_eq!(
        q::<Vec<String>>(&mut c, &["MGET", &a, &b, &a]),
        ["3", "2", "3"]
    );
    assert_eq!(
        err(&mut c, &["MSET", "a"]),
        "ERR wrong number of arguments for 'mset' command"
    );
    assert_eq!(
        err(&mut c, &["MSET", "a", "1", "b"]),
        "ERR wrong number of arguments for 'mset' command"
    );
    assert_eq!(
        err(&mut c, &["MGET"]),
        "ERR wrong number of arguments for 'mget' command"
    );
    // MSETNX: all or nothing, across shards.
    let (x, y) = key_pair("nx");
    assert_eq!(q::<i64>(&mut c, &["MSETNX", &x, "1", &y, "2"]), 1);
    assert_eq!(q::<Vec<String>>(&mut c, &["MGET", &x, &y]), ["1", "2"]);
    let (z, _) = key_pair("nz");
    assert_eq!(q::<i64>(&mut c, &["MSETNX", &z, "1", &y, "3"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", &z]), 0, "MSETNX set nothing");
    assert_eq!(q::<String>(&mut c, &["GET", &y]), "2");
    assert_eq!(
        err(&mut c, &["MSETNX", "a", "1", "b"]),
        "ERR wrong number of arguments for 'msetnx' command"
    );
    // MSET clears TTLs.
    assert_ok(&mut c, &["SET", &x, "v", "EX", "100"]);
    assert_ok(&mut c, &["MSET", &x, "w", &y, "w"]);
    assert_eq!(q::<i64>(&mut c, &["TTL", &x]), -1);
}

#[test]
fn getset_getdel_getex() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(v(&mut c, &["GETSET", "k", "1"]), Value::Nil);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "100"]), 1);
    assert_eq!(v(&mut c, &["GETSET", "k", "2"]), bulk("1"));
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]), -1, "GETSET clears the TTL");
    assert_eq!(v(&mut c, &["GETDEL", "k"]), bulk("2"));
    assert_eq!(v(&mut c, &["GETDEL", "k"]), Value::Nil);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "k"]), 0);

    assert_eq!(v(&mut c, &["GETEX", "missing", "EX", "10"]), Value::Nil);
    assert_ok(&mut c, &["SET", "k", "v"]);
    assert_eq!(v(&mut c, &["GETEX", "k"]), bulk("v"));
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]), -1);
    assert_eq!(v(&mut c, &["GETEX", "k", "EX", "100"]), bulk("v"));
    assert!((99..=100).contains(&q::<i64>(&mut c, &["TTL", "k"])));
    assert_eq!(v(&mut c, &["GETEX", "k", "PX", "200000"]), bulk("v"));
    assert!(q::<i64>(&mut c, &["PTTL", "k"]) > 100_000);
    let at = (now_secs() + 500).to_string();
    assert_eq!(v(&mut c, &["GETEX", "k", "EXAT", &at]), bulk("v"));
    assert_eq!(q::<String>(&mut c, &["EXPIRETIME", "k"]), at);
    let pat = ((now_secs() + 500) * 1000 + 7).to_string();
    assert_eq!(v(&mut c, &["GETEX", "k", "PXAT", &pat]), bulk("v"));
    assert_eq!(q::<String>(&mut c, &["PEXPIRETIME", "k"]), pat);
    assert_eq!(v(&mut c, &["GETEX", "k", "PERSIST"]), bulk("v"));
    assert_eq!(q::<i64>(&mut c, &["TTL", "k"]), -1);
    // A time in the past deletes the key, after returning it.
    assert_eq!(v(&mut c, &["GETEX", "k", "EXAT", "1"]), bulk("v"));
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "k"]), 0);
    assert_ok(&mut c, &["SET", "k", "v"]);
    let invalid = "ERR invalid expire time in 'getex' command";
    assert_eq!(err(&mut c, &["GETEX", "k", "EX", "0"]), invalid);
    assert_eq!(err(&mut c, &["GETEX", "k", "PX", "-1"]), invalid);
    assert_eq!(err(&mut c, &["GETEX", "k", "EXAT", "0"]), invalid);
    assert_eq!(
        err(&mut c, &["GETEX", "k", "EX", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        err(&mut c, &["GETEX", "k", "EX", "10", "PX", "10"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&mut c, &["GETEX", "k", "PERSIST", "EX", "10"]),
        "ERR syntax error"
    );
    assert_eq!(err(&mut c, &["GETEX", "k", "FOO"]), "ERR syntax error");
    assert_eq!(
        err(&mut c, &["GETDEL"]),
        "ERR wrong number of arguments for 'getdel' command"
    );
}

#[test]
fn append_and_strlen() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(q::<i64>(&mut c, &["STRLEN", "k"]), 0);
    assert_eq!(q::<i64>(&mut c, &["APPEND", "k", "Hello"]), 5);
    assert_eq!(q::<i64>(&mut c, &["APPEND", "k", " World"]), 11);
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "Hello World");
    assert_eq!(q::<i64>(&mut c, &["STRLEN", "k"]), 11);
    assert_eq!(q::<i64>(&mut c, &["APPEND", "e", ""]), 0);
    assert_eq!(
        q::<i64>(&mut c, &["EXISTS", "e"]),
        1,
        "APPEND of nothing still creates the key"
    );
    // APPEND to an integer-encoded value.
    assert_ok(&mut c, &["SET", "n", "12"]);
    assert_eq!(q::<i64>(&mut c, &["APPEND", "n", "34"]), 4);
    assert_eq!(q::<i64>(&mut c, &["INCR", "n"]), 1235);
    assert_eq!(q::<i64>(&mut c, &["STRLEN", "n"]), 4);
    // APPEND keeps the TTL.
    assert_ok(&mut c, &["SET", "t", "a", "EX", "100"]);
    assert_eq!(q::<i64>(&mut c, &["APPEND", "t", "b"]), 2);
    assert!(q::<i64>(&mut c, &["TTL", "t"]) > 0);
    assert_eq!(
        err(&mut c, &["APPEND", "k"]),
        "ERR wrong number of arguments for 'append' command"
    );
}

#[test]
fn incr_decr_family() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(q::<i64>(&mut c, &["INCR", "n"]), 1);
    assert_eq!(q::<i64>(&mut c, &["INCR", "n"]), 2);
    assert_eq!(q::<i64>(&mut c, &["DECR", "n"]), 1);
    assert_eq!(q::<i64>(&mut c, &["INCRBY", "n", "10"]), 11);
    assert_eq!(q::<i64>(&mut c, &["INCRBY", "n", "-20"]), -9);
    assert_eq!(q::<i64>(&mut c, &["DECRBY", "n", "1"]), -10);
    assert_eq!(q::<i64>(&mut c, &["DECR", "fresh"]), -1);
    assert_eq!(q::<i64>(&mut c, &["DECRBY", "fresh2", "5"]), -5);
    assert_eq!(q::<String>(&mut c, &["GET", "n"]), "-10");
    // INCR keeps the TTL.
    assert_ok(&mut c, &["SET", "t", "1", "EX", "100"]);
    assert_eq!(q::<i64>(&mut c, &["INCR", "t"]), 2);
    assert!(q::<i64>(&mut c, &["TTL", "t"]) > 0);
    // Values that are not integers.
    let not_int = "ERR value is not an integer or out of range";
    for bad in ["abc", " 1", "1 ", "1.5", "", "99999999999999999999"] {
        assert_ok(&mut c, &["SET", "s", bad]);
        assert_eq!(err(&mut c, &["INCR", "s"]), not_int, "{bad:?}");
    }
    assert_eq!(err(&mut c, &["INCRBY", "n", "x"]), not_int);
    assert_eq!(err(&mut c, &["INCRBY", "n", "1.0"]), not_int);
    assert_eq!(err(&mut c, &["DECRBY", "n", ""]), not_int);
    // Overflow in both directions.
    assert_ok(&mut c, &["SET", "big", "9223372036854775807"]);
    assert_eq!(
        err(&mut c, &["INCR", "big"]),
        "ERR increment or decrement would overflow"
    );
    assert_eq!(
        err(&mut c, &["INCRBY", "big", "1"]),
        "ERR increment or decrement would overflow"
    );
    assert_ok(&mut c, &["SET", "small", "-9223372036854775808"]);
    assert_eq!(
        err(&mut c, &["DECR", "small"]),
        "ERR increment or decrement would overflow"
    );
    assert_eq!(
        err(&mut c, &["DECRBY", "n", "-9223372036854775808"]),
        "ERR decrement would overflow"
    );
    assert_eq!(q::<String>(&mut c, &["GET", "big"]), "9223372036854775807");
    assert_eq!(
        err(&mut c, &["INCR"]),
        "ERR wrong number of arguments for 'incr' command"
    );
    assert_eq!(
        err(&mut c, &["INCRBY", "n"]),
        "ERR wrong number of arguments for 'incrby' command"
    );
}

#[test]
fn incrbyfloat() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(q::<String>(&mut c, &["INCRBYFLOAT", "f", "1.5"]), "1.5");
    assert_ok(&mut c, &["SET", "f", "10.50"]);
    assert_eq!(q::<String>(&mut c, &["INCRBYFLOAT", "f", "0.1"]), "10.6");
    assert_eq!(q::<String>(&mut c, &["INCRBYFLOAT", "f", "-5"]), "5.6");
    assert_ok(&mut c, &["SET", "f", "5.0e3"]);
    assert_eq!(q::<String>(&mut c, &["INCRBYFLOAT", "f", "2.0e2"]), "5200");
    assert_eq!(q::<String>(&mut c, &["INCRBYFLOAT", "f", "-5200"]), "0");
    assert_ok(&mut c, &["SET", "f", "3"]);
    assert_eq!(q::<String>(&mut c, &["INCRBYFLOAT", "f", "1.5"]), "4.5");
    assert_eq!(q::<String>(&mut c, &["GET", "f"]), "4.5");
    assert_eq!(
        err(&mut c, &["INCRBY", "f", "1"]),
        "ERR value is not an integer or out of range"
    );
    // INCRBYFLOAT keeps the TTL.
    assert_ok(&mut c, &["SET", "t", "1", "EX", "100"]);
    assert_eq!(q::<String>(&mut c, &["INCRBYFLOAT", "t", "1"]), "2");
    assert!(q::<i64>(&mut c, &["TTL", "t"]) > 0);
    let not_float = "ERR value is not a valid float";
    assert_eq!(err(&mut c, &["INCRBYFLOAT", "f", "abc"]), not_float);
    assert_eq!(err(&mut c, &["INCRBYFLOAT", "f", ""]), not_float);
    assert_ok(&mut c, &["SET", "s", "abc"]);
    assert_eq!(err(&mut c, &["INCRBYFLOAT", "s", "1"]), not_float);
    assert_eq!(
        err(&mut c, &["INCRBYFLOAT", "f", "inf"]),
        "ERR increment would produce NaN or Infinity"
    );
    assert_eq!(
        err(&mut c, &["INCRBYFLOAT", "f", "+inf"]),
        "ERR increment would produce NaN or Infinity"
    );
    assert_eq!(q::<String>(&mut c, &["GET", "f"]), "4.5");
    assert_eq!(
        err(&mut c, &["INCRBYFLOAT", "f"]),
        "ERR wrong number of arguments for 'incrbyfloat' command"
    );
}

#[test]
fn getrange_setrange_substr() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_ok(&mut c, &["SET", "k", "This is a string"]);
    assert_eq!(q::<String>(&mut c, &["GETRANGE", "k", "0", "3"]), "This");
    assert_eq!(q::<String>(&mut c, &["GETRANGE", "k", "-3", "-1"]), "ing");
    assert_eq!(
        q::<String>(&mut c, &["GETRANGE", "k", "0", "-1"]),
        "This is a string"
    );
    assert_eq!(
        q::<String>(&mut c, &["GETRANGE", "k", "10", "100"]),
        "string"
    );
    assert_eq!(q::<String>(&mut c, &["GETRANGE", "k", "5", "2"]), "");
    assert_eq!(q::<String>(&mut c, &["GETRANGE", "k", "100", "200"]), "");
    // Redis 7.0 clamps a negative end below the start to the first byte.
    assert_eq!(q::<String>(&mut c, &["GETRANGE", "k", "-100", "-50"]), "T");
    assert_eq!(q::<String>(&mut c, &["GETRANGE", "k", "0", "-100"]), "T");
    assert_eq!(q::<String>(&mut c, &["GETRANGE", "missing", "0", "-1"]), "");
    assert_eq!(q::<String>(&mut c, &["SUBSTR", "k", "0", "3"]), "This");
    assert_eq!(q::<String>(&mut c, &["SUBSTR", "k", "-6", "-1"]), "string");
    assert_eq!(
        err(&mut c, &["GETRANGE", "k", "a", "1"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        err(&mut c, &["GETRANGE", "k", "0"]),
        "ERR wrong number of arguments for 'getrange' command"
    );
    // Integer-encoded values are ranges of their text.
    assert_ok(&mut c, &["SET", "n", "1234"]);
    assert_eq!(q::<String>(&mut c, &["GETRANGE", "n", "1", "2"]), "23");

    assert_ok(&mut c, &["SET", "k", "Hello World"]);
    assert_eq!(q::<i64>(&mut c, &["SETRANGE", "k", "6", "Redis"]), 11);
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "Hello Redis");
    // Past the end, the gap is filled with zero bytes.
    assert_eq!(q::<i64>(&mut c, &["SETRANGE", "z", "3", "xy"]), 5);
    assert_eq!(q::<Vec<u8>>(&mut c, &["GET", "z"]), b"\0\0\0xy");
    // An empty value on a missing key creates nothing.
    assert_eq!(q::<i64>(&mut c, &["SETRANGE", "none", "0", ""]), 0);
    assert_eq!(q::<i64>(&mut c, &["SETRANGE", "none", "10", ""]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "none"]), 0);
    assert_eq!(
        q::<i64>(&mut c, &["SETRANGE", "k", "20", ""]),
        11,
        "nothing to write leaves the value alone"
    );
    assert_eq!(
        err(&mut c, &["SETRANGE", "k", "-1", "x"]),
        "ERR offset is out of range"
    );
    assert_eq!(
        err(&mut c, &["SETRANGE", "k", "536870912", "x"]),
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    );
    assert_eq!(
        err(&mut c, &["SETRANGE", "k", "x", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert_ok(&mut c, &["SET", "n", "1234"]);
    assert_eq!(q::<i64>(&mut c, &["SETRANGE", "n", "0", "9"]), 4);
    assert_eq!(q::<i64>(&mut c, &["INCR", "n"]), 9235);
}

#[test]
fn lcs_across_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (a, b) = key_pair("lcs");
    assert_ok(&mut c, &["MSET", &a, "ohmytext", &b, "mynewtext"]);
    assert_eq!(q::<String>(&mut c, &["LCS", &a, &b]), "mytext");
    assert_eq!(q::<i64>(&mut c, &["LCS", &a, &b, "LEN"]), 6);
    let int = |n: i64| Value::Int(n);
    let range = |x: i64, y: i64| Value::Array(vec![int(x), int(y)]);
    assert_eq!(
        v(&mut c, &["LCS", &a, &b, "IDX"]),
        Value::Array(vec![
            bulk("matches"),
            Value::Array(vec![
                Value::Array(vec![range(4, 7), range(5, 8)]),
                Value::Array(vec![range(2, 3), range(0, 1)]),
            ]),
            bulk("len"),
            int(6),
        ])
    );
    assert_eq!(
        v(
            &mut c,
            &["LCS", &a, &b, "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"]
        ),
        Value::Array(vec![
            bulk("matches"),
            Value::Array(vec![Value::Array(vec![range(4, 7), range(5, 8), int(4)])]),
            bulk("len"),
            int(6),
        ])
    );
    assert_eq!(q::<String>(&mut c, &["LCS", &a, "missing"]), "");
    assert_eq!(q::<i64>(&mut c, &["LCS", "missing", "missing2", "LEN"]), 0);
    assert_eq!(
        err(&mut c, &["LCS", &a, &b, "IDX", "LEN"]),
        "ERR If you want both the length and indexes, please just use IDX."
    );
    assert_eq!(err(&mut c, &["LCS", &a, &b, "FOO"]), "ERR syntax error");
    assert_eq!(
        err(&mut c, &["LCS", &a]),
        "ERR wrong number of arguments for 'lcs' command"
    );
}
