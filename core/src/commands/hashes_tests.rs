//! Unit tests of the hash family: command lines run on a fresh keyspace and their reply bytes
//! are compared with what Redis 7.0.15 answers (the scripts below were recorded from it).

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

/// Runs one command as the router would (arity first), checking that the handler wrote
/// exactly one reply; returns the reply as text.
fn call(ks: &mut Keyspace, config: &Config, proto: Protocol, rand: u64, argv: &[&[u8]]) -> String {
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
            now_ms: NOW,
            config,
            rand,
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

/// Splits a command line on spaces; `""` stands for an empty argument and `\s` for a space.
fn words(line: &str) -> Vec<Vec<u8>> {
    line.split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w == "\"\"" {
                Vec::new()
            } else {
                w.replace("\\s", " ").into_bytes()
            }
        })
        .collect()
}

fn run_with(ks: &mut Keyspace, config: &Config, proto: Protocol, line: &str) -> String {
    let argv = words(line);
    let argv: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
    call(ks, config, proto, 42, &argv)
}

/// Runs `line` in RESP2 with the default configuration.
fn run(ks: &mut Keyspace, line: &str) -> String {
    run_with(ks, &Config::default(), Protocol::Resp2, line)
}

/// Runs each `(line, reply)` in order and checks the replies.
fn check(ks: &mut Keyspace, proto: Protocol, script: &[(&str, &str)]) {
    for (line, want) in script {
        assert_eq!(
            run_with(ks, &Config::default(), proto, line),
            *want,
            "{line}"
        );
    }
}

fn ks() -> Keyspace {
    Keyspace::new(16)
}

fn small_config(entries: u64, value: u64) -> Config {
    Config {
        hash_max_listpack_entries: entries,
        hash_max_listpack_value: value,
        ..Config::default()
    }
}

fn encoding(ks: &mut Keyspace, key: &str) -> String {
    run(ks, &format!("OBJECT ENCODING {key}"))
}

/// The bulk strings of a reply, in order (nested arrays flattened).
fn bulks(reply: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = reply.split("\r\n");
    while let Some(l) = lines.next() {
        if l.starts_with('$') && l != "$-1" {
            out.push(lines.next().unwrap().to_string());
        }
    }
    out
}

#[test]
fn table_rows_match_redis() {
    let row = |name: &str| lookup(name.as_bytes()).unwrap();
    for (name, arity) in [
        ("hset", -4),
        ("hsetnx", 4),
        ("hget", 3),
        ("hmset", -4),
        ("hmget", -3),
        ("hgetall", 2),
        ("hdel", -3),
        ("hexists", 3),
        ("hlen", 2),
        ("hstrlen", 3),
        ("hkeys", 2),
        ("hvals", 2),
        ("hincrby", 4),
        ("hincrbyfloat", 4),
        ("hrandfield", -2),
        ("hscan", -3),
    ] {
        let c = row(name);
        assert_eq!(c.arity, arity, "{name}");
        assert_eq!(c.keys.legacy(), (1, 1, 1), "{name}");
        assert_eq!(c.span, Span::Single, "{name}");
        assert_eq!(c.group, "hash", "{name}");
        assert!(c.has(WRITE) != c.has(READONLY), "{name}");
    }
    // COMMAND INFO's flags in Redis 7.0.15.
    for name in ["hset", "hsetnx", "hmset", "hincrby", "hincrbyfloat"] {
        assert!(
            row(name).has(WRITE | DENYOOM | FAST)
                && row(name).flags & (WRITE | DENYOOM | FAST) == WRITE | DENYOOM | FAST,
            "{name}"
        );
    }
    assert!(row("hdel").has(WRITE) && row("hdel").has(FAST) && !row("hdel").has(DENYOOM));
    for name in ["hget", "hmget", "hexists", "hlen", "hstrlen"] {
        assert!(row(name).has(READONLY) && row(name).has(FAST), "{name}");
    }
    for name in ["hgetall", "hkeys", "hvals", "hrandfield", "hscan"] {
        assert!(row(name).has(READONLY) && !row(name).has(FAST), "{name}");
    }
    assert_eq!(COMMANDS.len(), 16);
}

/// Every command, option and error on listpack-encoded hashes (whose replies are in a fixed
/// order), recorded from Redis 7.0.15 in RESP2.
#[test]
fn script_matches_redis() {
    let mut ks = ks();
    check(
        &mut ks,
        Protocol::Resp2,
        &[
            ("SET s x", "+OK\r\n"),
            ("HSET h a 1 b 2 c 3", ":3\r\n"),
            ("HSET h a 10 d 4", ":1\r\n"),
            ("HGET h a", "$2\r\n10\r\n"),
            ("HGET h zz", "$-1\r\n"),
            ("HGET nokey a", "$-1\r\n"),
            ("HGET s a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("HMSET h e 5 f 6", "+OK\r\n"),
            ("HMSET h e", "-ERR wrong number of arguments for 'hmset' command\r\n"),
            ("HSET h e", "-ERR wrong number of arguments for 'hset' command\r\n"),
            ("HSET h", "-ERR wrong number of arguments for 'hset' command\r\n"),
            ("HSETNX h a 100", ":0\r\n"),
            ("HSETNX h z 26", ":1\r\n"),
            ("HSETNX s z 26", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("HSETNX nk z 26", ":1\r\n"),
            ("HMGET h a b zz", "*3\r\n$2\r\n10\r\n$1\r\n2\r\n$-1\r\n"),
            ("HMGET nokey a b", "*2\r\n$-1\r\n$-1\r\n"),
            ("HMGET s a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("HGETALL h", "*14\r\n$1\r\na\r\n$2\r\n10\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nf\r\n$1\r\n6\r\n$1\r\nz\r\n$2\r\n26\r\n"),
            ("HGETALL nokey", "*0\r\n"),
            ("HGETALL s", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("HKEYS h", "*7\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\nz\r\n"),
            ("HVALS h", "*7\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$2\r\n26\r\n"),
            ("HKEYS nokey", "*0\r\n"),
            ("HVALS nokey", "*0\r\n"),
            ("HKEYS s", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("HLEN h", ":7\r\n"),
            ("HLEN nokey", ":0\r\n"),
            ("HLEN s", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("HEXISTS h a", ":1\r\n"),
            ("HEXISTS h zz", ":0\r\n"),
            ("HEXISTS nokey a", ":0\r\n"),
            ("HEXISTS s a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("HSTRLEN h a", ":2\r\n"),
            ("HSTRLEN h zz", ":0\r\n"),
            ("HSTRLEN nokey a", ":0\r\n"),
            ("HSTRLEN s a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("HSET h neg -123456789012 big 9223372036854775807 str hello", ":3\r\n"),
            ("HSTRLEN h neg", ":13\r\n"),
            ("HSTRLEN h big", ":19\r\n"),
            ("HSTRLEN h str", ":5\r\n"),
            ("HDEL h a zz a", ":1\r\n"),
            ("HDEL h zz", ":0\r\n"),
            ("HDEL nokey a", ":0\r\n"),
            ("HDEL s a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("HDEL h b c d e f z neg big", ":8\r\n"),
            ("HGETALL h", "*2\r\n$3\r\nstr\r\n$5\r\nhello\r\n"),
            ("HDEL h str", ":1\r\n"),
            ("EXISTS h", ":0\r\n"),
            ("HGETALL h", "*0\r\n"),
            ("TYPE h", "+none\r\n"),
            ("HINCRBY c f 5", ":5\r\n"),
            ("HINCRBY c f -10", ":-5\r\n"),
            ("HINCRBY c f x", "-ERR value is not an integer or out of range\r\n"),
            ("HINCRBY c f 1.5", "-ERR value is not an integer or out of range\r\n"),
            ("HINCRBY c f \"\"", "-ERR value is not an integer or out of range\r\n"),
            ("HINCRBY s f 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("HINCRBY nokey2 f x", "-ERR value is not an integer or out of range\r\n"),
            ("EXISTS nokey2", ":0\r\n"),
            ("HSET c str abc max 9223372036854775807 min -9223372036854775808 lz 007 neg0 -0 plus +1 sp \\s1", ":7\r\n"),
            ("HINCRBY c str 1", "-ERR hash value is not an integer\r\n"),
            ("HINCRBY c max 1", "-ERR increment or decrement would overflow\r\n"),
            ("HINCRBY c max 0", ":9223372036854775807\r\n"),
            ("HINCRBY c max -1", ":9223372036854775806\r\n"),
            ("HINCRBY c min -1", "-ERR increment or decrement would overflow\r\n"),
            ("HINCRBY c min 1", ":-9223372036854775807\r\n"),
            ("HINCRBY c lz 1", "-ERR hash value is not an integer\r\n"),
            ("HINCRBY c neg0 1", "-ERR hash value is not an integer\r\n"),
            ("HINCRBY c plus 1", "-ERR hash value is not an integer\r\n"),
            ("HINCRBY c sp 1", "-ERR hash value is not an integer\r\n"),
            ("HINCRBY c f 9223372036854775808", "-ERR value is not an integer or out of range\r\n"),
            ("HINCRBY c f -9223372036854775809", "-ERR value is not an integer or out of range\r\n"),
            ("HGETALL c", "*16\r\n$1\r\nf\r\n$2\r\n-5\r\n$3\r\nstr\r\n$3\r\nabc\r\n$3\r\nmax\r\n$19\r\n9223372036854775806\r\n$3\r\nmin\r\n$20\r\n-9223372036854775807\r\n$2\r\nlz\r\n$3\r\n007\r\n$4\r\nneg0\r\n$2\r\n-0\r\n$4\r\nplus\r\n$2\r\n+1\r\n$2\r\nsp\r\n$2\r\n 1\r\n"),
            ("HINCRBYFLOAT c fl 1.5", "$3\r\n1.5\r\n"),
            ("HINCRBYFLOAT c fl 0.1", "$3\r\n1.6\r\n"),
            ("HINCRBYFLOAT c fl -1.6", "$1\r\n0\r\n"),
            ("HINCRBYFLOAT c fl 1e3", "$4\r\n1000\r\n"),
            ("HINCRBYFLOAT c fl 1e-3", "$8\r\n1000.001\r\n"),
            ("HINCRBYFLOAT c fl 10", "$8\r\n1010.001\r\n"),
            ("HINCRBYFLOAT c str 1", "-ERR hash value is not a float\r\n"),
            ("HINCRBYFLOAT c lz 1", "$1\r\n8\r\n"),
            ("HINCRBYFLOAT c plus 1", "$1\r\n2\r\n"),
            ("HINCRBYFLOAT c sp 1", "-ERR hash value is not a float\r\n"),
            ("HINCRBYFLOAT c neg0 1", "$1\r\n1\r\n"),
            ("HINCRBYFLOAT c max 1", "$19\r\n9223372036854775807\r\n"),
            ("HINCRBYFLOAT c fl inf", "-ERR value is NaN or Infinity\r\n"),
            ("HINCRBYFLOAT c fl -inf", "-ERR value is NaN or Infinity\r\n"),
            ("HINCRBYFLOAT c fl +inf", "-ERR value is NaN or Infinity\r\n"),
            ("HINCRBYFLOAT c fl nan", "-ERR value is not a valid float\r\n"),
            ("HINCRBYFLOAT c fl abc", "-ERR value is not a valid float\r\n"),
            ("HINCRBYFLOAT c fl \"\"", "-ERR value is not a valid float\r\n"),
            ("HINCRBYFLOAT s fl 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("HINCRBYFLOAT s fl inf", "-ERR value is NaN or Infinity\r\n"),
            ("HINCRBYFLOAT s fl x", "-ERR value is not a valid float\r\n"),
            ("HINCRBYFLOAT nk2 fl 3.0", "$1\r\n3\r\n"),
            ("HINCRBYFLOAT nk2 fl 3.0e0", "$1\r\n6\r\n"),
            ("HINCRBYFLOAT nk2 fl .5", "$3\r\n6.5\r\n"),
            ("HINCRBYFLOAT nk2 fl 5.", "$4\r\n11.5\r\n"),
            ("HINCRBYFLOAT nk2 fl -0.5", "$2\r\n11\r\n"),
            ("HINCRBYFLOAT nk2 fl -7", "$1\r\n4\r\n"),
            ("HSET nk2 infv inf", ":1\r\n"),
            ("HINCRBYFLOAT nk2 infv 1", "-ERR increment would produce NaN or Infinity\r\n"),
            ("HSET nk2 z 0", ":1\r\n"),
            ("HINCRBYFLOAT nk2 z -0.0", "$1\r\n0\r\n"),
            ("HGETALL nk2", "*6\r\n$2\r\nfl\r\n$1\r\n4\r\n$4\r\ninfv\r\n$3\r\ninf\r\n$1\r\nz\r\n$1\r\n0\r\n"),
            ("HGETALL c", "*18\r\n$1\r\nf\r\n$2\r\n-5\r\n$3\r\nstr\r\n$3\r\nabc\r\n$3\r\nmax\r\n$19\r\n9223372036854775807\r\n$3\r\nmin\r\n$20\r\n-9223372036854775807\r\n$2\r\nlz\r\n$1\r\n8\r\n$4\r\nneg0\r\n$1\r\n1\r\n$4\r\nplus\r\n$1\r\n2\r\n$2\r\nsp\r\n$2\r\n 1\r\n$2\r\nfl\r\n$8\r\n1010.001\r\n"),
            ("OBJECT ENCODING c", "$8\r\nlistpack\r\n"),
            ("HSCAN nokey 0 foo", "*2\r\n$1\r\n0\r\n*0\r\n"),
            ("HSCAN nokey abc", "-ERR invalid cursor\r\n"),
            ("HSCAN s 0 foo", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("HSCAN s 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("HSCAN c 0 type hash", "-ERR syntax error\r\n"),
            ("HSCAN c 0 count 0", "-ERR syntax error\r\n"),
            ("HSCAN c 0 count -1", "-ERR syntax error\r\n"),
            ("HSCAN c 0 count x", "-ERR value is not an integer or out of range\r\n"),
            ("HSCAN c 0 count", "-ERR syntax error\r\n"),
            ("HSCAN c 0 match", "-ERR syntax error\r\n"),
            ("HSCAN c -1", "*2\r\n$1\r\n0\r\n*18\r\n$1\r\nf\r\n$2\r\n-5\r\n$3\r\nstr\r\n$3\r\nabc\r\n$3\r\nmax\r\n$19\r\n9223372036854775807\r\n$3\r\nmin\r\n$20\r\n-9223372036854775807\r\n$2\r\nlz\r\n$1\r\n8\r\n$4\r\nneg0\r\n$1\r\n1\r\n$4\r\nplus\r\n$1\r\n2\r\n$2\r\nsp\r\n$2\r\n 1\r\n$2\r\nfl\r\n$8\r\n1010.001\r\n"),
            ("HSCAN c 18446744073709551616", "-ERR invalid cursor\r\n"),
            ("HSCAN c 18446744073709551615", "*2\r\n$1\r\n0\r\n*18\r\n$1\r\nf\r\n$2\r\n-5\r\n$3\r\nstr\r\n$3\r\nabc\r\n$3\r\nmax\r\n$19\r\n9223372036854775807\r\n$3\r\nmin\r\n$20\r\n-9223372036854775807\r\n$2\r\nlz\r\n$1\r\n8\r\n$4\r\nneg0\r\n$1\r\n1\r\n$4\r\nplus\r\n$1\r\n2\r\n$2\r\nsp\r\n$2\r\n 1\r\n$2\r\nfl\r\n$8\r\n1010.001\r\n"),
            ("HSCAN c 5 match m*", "*2\r\n$1\r\n0\r\n*4\r\n$3\r\nmax\r\n$19\r\n9223372036854775807\r\n$3\r\nmin\r\n$20\r\n-9223372036854775807\r\n"),
            ("HSCAN c 5 MATCH m* COUNT 1", "*2\r\n$1\r\n0\r\n*4\r\n$3\r\nmax\r\n$19\r\n9223372036854775807\r\n$3\r\nmin\r\n$20\r\n-9223372036854775807\r\n"),
            ("HSCAN c 5 match m* match *", "*2\r\n$1\r\n0\r\n*18\r\n$1\r\nf\r\n$2\r\n-5\r\n$3\r\nstr\r\n$3\r\nabc\r\n$3\r\nmax\r\n$19\r\n9223372036854775807\r\n$3\r\nmin\r\n$20\r\n-9223372036854775807\r\n$2\r\nlz\r\n$1\r\n8\r\n$4\r\nneg0\r\n$1\r\n1\r\n$4\r\nplus\r\n$1\r\n2\r\n$2\r\nsp\r\n$2\r\n 1\r\n$2\r\nfl\r\n$8\r\n1010.001\r\n"),
            ("HSCAN c 1.0", "-ERR invalid cursor\r\n"),
            ("HSCAN c +0", "*2\r\n$1\r\n0\r\n*18\r\n$1\r\nf\r\n$2\r\n-5\r\n$3\r\nstr\r\n$3\r\nabc\r\n$3\r\nmax\r\n$19\r\n9223372036854775807\r\n$3\r\nmin\r\n$20\r\n-9223372036854775807\r\n$2\r\nlz\r\n$1\r\n8\r\n$4\r\nneg0\r\n$1\r\n1\r\n$4\r\nplus\r\n$1\r\n2\r\n$2\r\nsp\r\n$2\r\n 1\r\n$2\r\nfl\r\n$8\r\n1010.001\r\n"),
            ("HSCAN c \"\"", "*2\r\n$1\r\n0\r\n*18\r\n$1\r\nf\r\n$2\r\n-5\r\n$3\r\nstr\r\n$3\r\nabc\r\n$3\r\nmax\r\n$19\r\n9223372036854775807\r\n$3\r\nmin\r\n$20\r\n-9223372036854775807\r\n$2\r\nlz\r\n$1\r\n8\r\n$4\r\nneg0\r\n$1\r\n1\r\n$4\r\nplus\r\n$1\r\n2\r\n$2\r\nsp\r\n$2\r\n 1\r\n$2\r\nfl\r\n$8\r\n1010.001\r\n"),
            ("HRANDFIELD nokey", "$-1\r\n"),
            ("HRANDFIELD nokey 0", "*0\r\n"),
            ("HRANDFIELD nokey 5", "*0\r\n"),
            ("HRANDFIELD nokey 5 withvalues", "*0\r\n"),
            ("HRANDFIELD s", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("HRANDFIELD s 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("HRANDFIELD nokey x", "-ERR value is not an integer or out of range\r\n"),
            ("HRANDFIELD s x", "-ERR value is not an integer or out of range\r\n"),
            ("HRANDFIELD nokey 1 foo", "-ERR syntax error\r\n"),
            ("HRANDFIELD c 0 withvalues", "*0\r\n"),
            ("HRANDFIELD c 0", "*0\r\n"),
            ("HRANDFIELD c 1.5", "-ERR value is not an integer or out of range\r\n"),
            ("HRANDFIELD c 1 withvalue", "-ERR syntax error\r\n"),
            ("HRANDFIELD c 1 withvalues x", "-ERR syntax error\r\n"),
            ("HRANDFIELD c -9223372036854775808", "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"),
            ("HRANDFIELD c -9223372036854775807 withvalues", "-ERR value is out of range\r\n"),
            ("HRANDFIELD c -4611686018427387904 withvalues", "-ERR value is out of range\r\n"),
            ("HRANDFIELD c 4611686018427387904 withvalues", "-ERR value is out of range\r\n"),
            ("HRANDFIELD c 100", "*9\r\n$1\r\nf\r\n$3\r\nstr\r\n$3\r\nmax\r\n$3\r\nmin\r\n$2\r\nlz\r\n$4\r\nneg0\r\n$4\r\nplus\r\n$2\r\nsp\r\n$2\r\nfl\r\n"),
            ("HRANDFIELD c 100 WITHVALUES", "*18\r\n$1\r\nf\r\n$2\r\n-5\r\n$3\r\nstr\r\n$3\r\nabc\r\n$3\r\nmax\r\n$19\r\n9223372036854775807\r\n$3\r\nmin\r\n$20\r\n-9223372036854775807\r\n$2\r\nlz\r\n$1\r\n8\r\n$4\r\nneg0\r\n$1\r\n1\r\n$4\r\nplus\r\n$1\r\n2\r\n$2\r\nsp\r\n$2\r\n 1\r\n$2\r\nfl\r\n$8\r\n1010.001\r\n"),
            ("HSET one only 1", ":1\r\n"),
            ("HRANDFIELD one", "$4\r\nonly\r\n"),
            ("HRANDFIELD one -3", "*3\r\n$4\r\nonly\r\n$4\r\nonly\r\n$4\r\nonly\r\n"),
            ("HRANDFIELD one -3 withvalues", "*6\r\n$4\r\nonly\r\n$1\r\n1\r\n$4\r\nonly\r\n$1\r\n1\r\n$4\r\nonly\r\n$1\r\n1\r\n"),
            ("HRANDFIELD one 1 withvalues", "*2\r\n$4\r\nonly\r\n$1\r\n1\r\n"),
            ("HRANDFIELD one 2 withvalues", "*2\r\n$4\r\nonly\r\n$1\r\n1\r\n"),
            ("HGET", "-ERR wrong number of arguments for 'hget' command\r\n"),
            ("HMGET h", "-ERR wrong number of arguments for 'hmget' command\r\n"),
            ("HGETALL", "-ERR wrong number of arguments for 'hgetall' command\r\n"),
            ("HSTRLEN h", "-ERR wrong number of arguments for 'hstrlen' command\r\n"),
            ("HINCRBY h a", "-ERR wrong number of arguments for 'hincrby' command\r\n"),
            ("HINCRBYFLOAT h a", "-ERR wrong number of arguments for 'hincrbyfloat' command\r\n"),
            ("HSCAN h", "-ERR wrong number of arguments for 'hscan' command\r\n"),
            ("HRANDFIELD", "-ERR wrong number of arguments for 'hrandfield' command\r\n"),
            ("HLEN h x", "-ERR wrong number of arguments for 'hlen' command\r\n"),
            ("HEXISTS h", "-ERR wrong number of arguments for 'hexists' command\r\n"),
            ("HKEYS", "-ERR wrong number of arguments for 'hkeys' command\r\n"),
            ("HVALS h x", "-ERR wrong number of arguments for 'hvals' command\r\n"),
            ("HDEL h", "-ERR wrong number of arguments for 'hdel' command\r\n"),
            ("HSETNX h a", "-ERR wrong number of arguments for 'hsetnx' command\r\n"),
            ("HSET h a 1 b", "-ERR wrong number of arguments for 'hset' command\r\n"),
            ("HMSET h a 1 b", "-ERR wrong number of arguments for 'hmset' command\r\n"),
        ],
    );
}

/// RESP3 shapes: HGETALL is a map, HRANDFIELD WITHVALUES a list of pairs, nulls are `_`.
#[test]
fn resp3_replies_match_redis() {
    let mut ks = ks();
    check(
        &mut ks,
        Protocol::Resp3,
        &[
            ("HSET h a 1 b hello", ":2\r\n"),
            (
                "HGETALL h",
                "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$5\r\nhello\r\n",
            ),
            ("HGETALL nokey", "%0\r\n"),
            ("HKEYS h", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
            ("HVALS nokey", "*0\r\n"),
            ("HMGET h a zz", "*2\r\n$1\r\n1\r\n_\r\n"),
            ("HGET h zz", "_\r\n"),
            (
                "HRANDFIELD h 5 WITHVALUES",
                "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$5\r\nhello\r\n",
            ),
            ("HRANDFIELD h 5", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
            ("HRANDFIELD h 0 WITHVALUES", "*0\r\n"),
            ("HRANDFIELD nokey 3 WITHVALUES", "*0\r\n"),
            ("HRANDFIELD nokey", "_\r\n"),
            ("HSET one f v", ":1\r\n"),
            (
                "HRANDFIELD one -2 WITHVALUES",
                "*2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
            ),
            (
                "HRANDFIELD one 1 WITHVALUES",
                "*1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
            ),
            ("HRANDFIELD one", "$1\r\nf\r\n"),
            (
                "HSCAN h 0",
                "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$5\r\nhello\r\n",
            ),
            ("HSCAN nokey 0", "*2\r\n$1\r\n0\r\n*0\r\n"),
            ("HINCRBYFLOAT h n 1.5", "$3\r\n1.5\r\n"),
            ("HINCRBY h i 7", ":7\r\n"),
        ],
    );
}

#[test]
fn encodings_follow_the_thresholds() {
    let mut ks = ks();
    let c = small_config(3, 5);
    let run = |ks: &mut Keyspace, line: &str| run_with(ks, &c, Protocol::Resp2, line);
    assert_eq!(run(&mut ks, "HSET h a 1 b 2 c 3"), ":3\r\n");
    assert_eq!(encoding(&mut ks, "h"), "$8\r\nlistpack\r\n");
    assert_eq!(run(&mut ks, "HSET h a 12345"), ":0\r\n");
    assert_eq!(encoding(&mut ks, "h"), "$8\r\nlistpack\r\n");
    assert_eq!(run(&mut ks, "HSET h d 4"), ":1\r\n");
    assert_eq!(encoding(&mut ks, "h"), "$9\r\nhashtable\r\n");
    // Deleting does not go back.
    assert_eq!(run(&mut ks, "HDEL h a b c"), ":3\r\n");
    assert_eq!(encoding(&mut ks, "h"), "$9\r\nhashtable\r\n");
    // A long value, a long field, through every command that stores one.
    for (line, key) in [
        ("HSET v f 123456", "v"),
        ("HSET f 123456 v", "f"),
        ("HSETNX nx f 123456", "nx"),
        ("HINCRBY i 123456 1", "i"),
        ("HINCRBYFLOAT fl 123456 1", "fl"),
        ("HINCRBYFLOAT fl2 f 0.0625", "fl2"),
        ("HINCRBY big f 123456", "big"),
    ] {
        run(&mut ks, line);
        assert_eq!(encoding(&mut ks, key), "$9\r\nhashtable\r\n", "{line}");
    }
    for (line, key) in [
        ("HSET v2 f 12345", "v2"),
        ("HSET f2 12345 v", "f2"),
        ("HINCRBYFLOAT fl3 f 0.25", "fl3"),
        ("HINCRBY big2 f 99999", "big2"),
    ] {
        run(&mut ks, line);
        assert_eq!(encoding(&mut ks, key), "$8\r\nlistpack\r\n", "{line}");
    }
    // HSETNX on a field that exists changes nothing, even with a long value.
    run(&mut ks, "HSET keep a 1");
    assert_eq!(run(&mut ks, "HSETNX keep a 1234567"), ":0\r\n");
    assert_eq!(encoding(&mut ks, "keep"), "$8\r\nlistpack\r\n");
    // hash-max-listpack-entries 0: nothing is packed.
    assert_eq!(
        run_with(&mut ks, &small_config(0, 64), Protocol::Resp2, "HSET z a 1"),
        ":1\r\n"
    );
    assert_eq!(encoding(&mut ks, "z"), "$9\r\nhashtable\r\n");
    assert_eq!(run(&mut ks, "TYPE z"), "+hash\r\n");
}

#[test]
fn tables_answer_as_listpacks_do() {
    let c = small_config(0, 64);
    let mut ks = ks();
    let run = |ks: &mut Keyspace, line: &str| run_with(ks, &c, Protocol::Resp2, line);
    assert_eq!(run(&mut ks, "HSET h a 1 b hello c -5"), ":3\r\n");
    assert_eq!(encoding(&mut ks, "h"), "$9\r\nhashtable\r\n");
    assert_eq!(run(&mut ks, "HGET h b"), "$5\r\nhello\r\n");
    assert_eq!(run(&mut ks, "HSTRLEN h c"), ":2\r\n");
    assert_eq!(run(&mut ks, "HINCRBY h c 10"), ":5\r\n");
    assert_eq!(run(&mut ks, "HINCRBYFLOAT h a 0.5"), "$3\r\n1.5\r\n");
    assert_eq!(
        run(&mut ks, "HINCRBY h b 1"),
        "-ERR hash value is not an integer\r\n"
    );
    assert_eq!(run(&mut ks, "HLEN h"), ":3\r\n");
    let mut all = bulks(&run(&mut ks, "HGETALL h"));
    assert_eq!(all.len(), 6);
    let mut pairs: Vec<(String, String)> = all
        .chunks(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        vec![
            ("a".into(), "1.5".into()),
            ("b".into(), "hello".into()),
            ("c".into(), "5".into())
        ]
    );
    all = bulks(&run(&mut ks, "HKEYS h"));
    all.sort();
    assert_eq!(all, ["a", "b", "c"]);
    assert_eq!(run(&mut ks, "HDEL h a b c d"), ":3\r\n");
    assert_eq!(run(&mut ks, "EXISTS h"), ":0\r\n");
}

#[test]
fn hscan_walks_a_table_to_the_end() {
    let c = small_config(0, 64);
    let mut ks = ks();
    let fields: Vec<String> = (0..1000).map(|i| format!("f{i} {i}")).collect();
    run_with(
        &mut ks,
        &c,
        Protocol::Resp2,
        &format!("HSET h {}", fields.join(" ")),
    );
    for (opts, want) in [
        ("", 1000),
        (" COUNT 3", 1000),
        (" MATCH f1*", 111),
        (" MATCH f1* COUNT 5000", 111),
    ] {
        let mut seen = std::collections::HashSet::new();
        let mut cursor = "0".to_string();
        let mut calls = 0;
        loop {
            let r = run(&mut ks, &format!("HSCAN h {cursor}{opts}"));
            let b = bulks(&r);
            cursor = b[0].clone();
            for p in b[1..].chunks(2) {
                assert_eq!(p[0][1..], p[1]);
                seen.insert(p[0].clone());
            }
            calls += 1;
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen.len(), want, "{opts}");
        if opts.contains("5000") {
            assert_eq!(calls, 1);
        } else {
            assert!(calls > 10, "{opts}: {calls}");
        }
    }
}

#[test]
fn hrandfield_draws() {
    for entries in [512, 0] {
        let c = small_config(entries, 64);
        let mut ks = ks();
        let fields: Vec<String> = (0..20).map(|i| format!("f{i} v{i}")).collect();
        run_with(
            &mut ks,
            &c,
            Protocol::Resp2,
            &format!("HSET h {}", fields.join(" ")),
        );
        for (seed, count) in (0..50u64).zip([5, 19, 20, 25, 1].iter().cycle()) {
            let r = call(
                &mut ks,
                &c,
                Protocol::Resp2,
                seed,
                &[b"HRANDFIELD", b"h", count.to_string().as_bytes()],
            );
            let b = bulks(&r);
            let distinct: std::collections::HashSet<_> = b.iter().collect();
            assert_eq!(
                (b.len(), distinct.len()),
                (*count.min(&20), *count.min(&20))
            );
            let r = call(
                &mut ks,
                &c,
                Protocol::Resp3,
                seed,
                &[b"HRANDFIELD", b"h", b"-30", b"WITHVALUES"],
            );
            assert!(r.starts_with("*30\r\n*2\r\n"), "{r}");
            let b = bulks(&r);
            assert_eq!(b.len(), 60);
            for p in b.chunks(2) {
                assert_eq!(p[0][1..], p[1][1..]);
            }
            let r = call(
                &mut ks,
                &c,
                Protocol::Resp2,
                seed,
                &[b"HRANDFIELD", b"h", b"7", b"WITHVALUES"],
            );
            assert!(r.starts_with("*14\r\n"), "{r}");
        }
    }
}

#[test]
fn hrandfield_refuses_a_reply_too_large_to_build() {
    let mut ks = ks();
    run(&mut ks, "HSET h a 1");
    assert_eq!(
        run(&mut ks, "HRANDFIELD h -9223372036854775807"),
        "-ERR value is out of range\r\n"
    );
    assert_eq!(
        run(&mut ks, "HRANDFIELD h -100000000 WITHVALUES"),
        "-ERR value is out of range\r\n"
    );
    assert!(run(&mut ks, "HRANDFIELD h -1000").starts_with("*1000\r\n"));
    // A positive count never draws more than the hash holds.
    assert_eq!(
        run(&mut ks, "HRANDFIELD h 9223372036854775807"),
        "*1\r\n$1\r\na\r\n"
    );
}

#[test]
fn writes_that_change_nothing_leave_watchers_alone() {
    let mut ks = ks();
    run(&mut ks, "HSET h a 1");
    run(&mut ks, "SET s x");
    for (n, line) in [
        "HSETNX h a 2",
        "HDEL h zz",
        "HDEL nokey a",
        "HINCRBY h a x",
        "HSET s a 1",
        "HINCRBYFLOAT s a 1",
        "HSETNX s a 1",
    ]
    .iter()
    .enumerate()
    {
        ks.dbs[0].watch(b"h", n as u64);
        ks.dbs[0].watch(b"s", n as u64);
        ks.dbs[0].watch(b"nokey", n as u64);
        run(&mut ks, line);
        assert!(ks.dbs[0].dirty_watchers.is_empty(), "{line}");
    }
    for line in [
        "HSET h a 1",
        "HSETNX h b 2",
        "HDEL h b",
        "HINCRBY h a 1",
        "HINCRBYFLOAT h a 1",
        "HMSET h a 1",
    ] {
        ks.dbs[0].watch(b"h", 100);
        run(&mut ks, line);
        assert!(ks.dbs[0].dirty_watchers.contains(&100), "{line}");
        ks.dbs[0].unwatch(100);
    }
}

#[test]
fn counters_and_expiry() {
    let mut ks = ks();
    run(&mut ks, "HSET h a 1 b 2");
    assert_eq!(ks.dirty, 2);
    run(&mut ks, "HDEL h a b zz");
    assert_eq!(ks.dirty, 4);
    assert_eq!(ks.dbs[0].len(), 0);
    run(&mut ks, "HGET h a");
    run(&mut ks, "HSET h a 1");
    run(&mut ks, "HGET h a");
    assert_eq!((ks.hits, ks.misses), (1, 1));
    // An expired hash reads as absent, and a write starts a new one.
    ks.dbs[0].set_expire(b"h", NOW - 1, 0);
    assert_eq!(run(&mut ks, "HLEN h"), ":0\r\n");
    assert_eq!(run(&mut ks, "HSET h b 2"), ":1\r\n");
    assert_eq!(run(&mut ks, "HGETALL h"), "*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
}
