//! DEBUG DIGEST-VALUE, DEBUG DIGEST and DEBUG POPULATE, as Redis 7.0 has them (Redis's own test
//! suite compares data with the digests, and fills databases with POPULATE).
//!
//! The digests are checked against a real `redis-server` started beside the server under test:
//! the same writes go to both, and every reply must be the same. The keys are spread over both
//! shards of the server under test.

mod common;

use std::thread;
use std::time::Duration;

use common::reference::Reference;
use common::*;

/// DEBUG is off by default, in Redis as in Tessera.
const DEBUG_ON: &[&str] = &["--enable-debug-command", "yes"];

/// The server under test and a reference redis-server, one connection to each.
struct Pair {
    _server: Server,
    _reference: Reference,
    ours: RawConn,
    theirs: RawConn,
}

impl Pair {
    fn start() -> Pair {
        let server = Server::start(DEBUG_ON);
        let reference = Reference::start_with(DEBUG_ON);
        Pair {
            ours: server.raw_conn(),
            theirs: RawConn::connect(reference.port()),
            _server: server,
            _reference: reference,
        }
    }

    /// Sends `args` to both servers; the replies must be identical. Returns the reply.
    fn both(&mut self, args: &[&str]) -> Resp {
        let ours = self.ours.cmd(args);
        let theirs = self.theirs.cmd(args);
        assert_eq!(ours, theirs, "{args:?}");
        ours
    }
}

/// A digest reply: a status line of 40 hexadecimal digits.
fn digest_of(reply: &Resp) -> String {
    let Resp::Simple(text) = reply else {
        panic!("a digest is a status line, got {reply:?}");
    };
    assert_eq!(text.len(), 40, "{text}");
    assert!(text.bytes().all(|b| b.is_ascii_hexdigit()), "{text}");
    text.clone()
}

fn zeros() -> String {
    "0".repeat(40)
}

/// Writes one key of every type and encoding, and returns the keys with their encodings.
fn write_every_kind(p: &mut Pair) -> Vec<(&'static str, &'static str)> {
    let long = "x".repeat(100);
    p.both(&["SET", "str", "hello"]);
    p.both(&["SET", "int", "12345"]);
    p.both(&["SET", "raw", &long]);
    p.both(&["RPUSH", "list", "a", "b", "1", "-2", "", "c"]);
    let many: Vec<String> = (0..300).map(|i| format!("element-{i}")).collect();
    let mut rpush = vec!["RPUSH", "biglist"];
    rpush.extend(many.iter().map(String::as_str));
    p.both(&rpush);
    p.both(&["SADD", "intset", "1", "2", "3", "-5", "100000"]);
    p.both(&["SADD", "hashset", "a", "b", "1", "c"]);
    p.both(&["HSET", "smallhash", "f1", "v1", "f2", "2", "3", "three"]);
    p.both(&["HSET", "bighash", "f1", "v1", "f2", "2", "long", &long]);
    let scores = [
        "1.1", "a", "2", "b", "-0.0", "c", "inf", "d", "-inf", "e", "3.5e20", "f", "0.1", "7",
    ];
    let mut zadd = vec!["ZADD", "smallzset"];
    zadd.extend(scores);
    p.both(&zadd);
    let mut zadd = vec!["ZADD", "bigzset"];
    zadd.extend(scores);
    zadd.extend(["5", &long]);
    p.both(&zadd);
    p.both(&["SET", "volatile", "v", "EX", "1000"]);
    p.both(&["HSET", "volatilehash", "f", "v"]);
    p.both(&["EXPIRE", "volatilehash", "1000"]);
    vec![
        ("str", "embstr"),
        ("int", "int"),
        ("raw", "raw"),
        ("list", "quicklist"),
        ("biglist", "quicklist"),
        ("intset", "intset"),
        ("hashset", "hashtable"),
        ("smallhash", "listpack"),
        ("bighash", "hashtable"),
        ("smallzset", "listpack"),
        ("bigzset", "skiplist"),
        ("volatile", "embstr"),
        ("volatilehash", "listpack"),
    ]
}

#[test]
fn digest_value_of_every_type_and_encoding_equals_redis() {
    let mut p = Pair::start();
    let kinds = write_every_kind(&mut p);
    let names: Vec<&str> = kinds.iter().map(|(k, _)| *k).collect();
    assert!(
        names.iter().any(|k| key_shard(k, 2) == 0) && names.iter().any(|k| key_shard(k, 2) == 1)
    );
    for (key, encoding) in &kinds {
        assert_eq!(
            p.both(&["OBJECT", "ENCODING", key]),
            Resp::Bulk(Some(encoding.as_bytes().to_vec())),
            "{key}"
        );
        let one = p.both(&["DEBUG", "DIGEST-VALUE", key]);
        let Resp::Array(Some(items)) = &one else {
            panic!("{one:?}");
        };
        assert_ne!(digest_of(&items[0]), zeros(), "{key}");
    }
    // All at once, across both shards, a missing key and a repeated one among them.
    let mut all = vec!["DEBUG", "DIGEST-VALUE"];
    all.extend(&names);
    all.extend(["missing", "str"]);
    let Resp::Array(Some(items)) = p.both(&all) else {
        panic!("an array");
    };
    assert_eq!(items.len(), names.len() + 2);
    assert_eq!(digest_of(&items[names.len()]), zeros());
    assert_eq!(items[names.len() + 1], items[0]);
    assert_eq!(
        p.both(&["DEBUG", "DIGEST-VALUE"]),
        Resp::Array(Some(vec![]))
    );
    // The expiry counts, not its time.
    let before = p.both(&["DEBUG", "DIGEST-VALUE", "volatile"]);
    p.both(&["EXPIRE", "volatile", "2000"]);
    assert_eq!(p.both(&["DEBUG", "DIGEST-VALUE", "volatile"]), before);
    p.both(&["PERSIST", "volatile"]);
    let persisted = p.both(&["DEBUG", "DIGEST-VALUE", "volatile"]);
    assert_ne!(persisted, before);
    p.both(&["SET", "plain", "v"]);
    assert_eq!(p.both(&["DEBUG", "DIGEST-VALUE", "plain"]), persisted);
}

#[test]
fn digest_value_ignores_the_encoding_where_redis_does() {
    let mut p = Pair::start();
    let long = "y".repeat(100);
    // The same contents, one key in each encoding (a long member added then removed converts).
    p.both(&["SADD", "s1", "1", "2", "3"]);
    p.both(&["SADD", "s2", "3", "2", "1", "x"]);
    p.both(&["SREM", "s2", "x"]);
    p.both(&["HSET", "h1", "f", "1", "g", "2"]);
    p.both(&["HSET", "h2", "g", "2", "f", "1", "long", &long]);
    p.both(&["HDEL", "h2", "long"]);
    p.both(&["ZADD", "z1", "1.5", "a", "2", "b", "-3e-5", "c"]);
    p.both(&["ZADD", "z2", "2", "b", "1.5", "a", "-3e-5", "c", "9", &long]);
    p.both(&["ZREM", "z2", &long]);
    for (small, big, small_enc, big_enc) in [
        ("s1", "s2", "intset", "hashtable"),
        ("h1", "h2", "listpack", "hashtable"),
        ("z1", "z2", "listpack", "skiplist"),
    ] {
        assert_eq!(
            p.both(&["OBJECT", "ENCODING", small]),
            Resp::Bulk(Some(small_enc.into()))
        );
        assert_eq!(
            p.both(&["OBJECT", "ENCODING", big]),
            Resp::Bulk(Some(big_enc.into()))
        );
        let Resp::Array(Some(d)) = p.both(&["DEBUG", "DIGEST-VALUE", small, big]) else {
            panic!("an array");
        };
        assert_eq!(d[0], d[1], "{small} {big}");
    }
    // A list's order counts; a set's does not.
    p.both(&["RPUSH", "l1", "a", "b"]);
    p.both(&["RPUSH", "l2", "b", "a"]);
    let Resp::Array(Some(d)) = p.both(&["DEBUG", "DIGEST-VALUE", "l1", "l2"]) else {
        panic!("an array");
    };
    assert_ne!(d[0], d[1]);
}

#[test]
fn dataset_digest_equals_redis() {
    let mut p = Pair::start();
    assert_eq!(digest_of(&p.both(&["DEBUG", "DIGEST"])), zeros());
    write_every_kind(&mut p);
    let first = digest_of(&p.both(&["DEBUG", "DIGEST"]));
    assert_ne!(first, zeros());
    // Other databases count, each with its index.
    p.both(&["SELECT", "5"]);
    p.both(&["SET", "str", "hello"]);
    p.both(&["SADD", "set", "a", "b"]);
    p.both(&["SELECT", "15"]);
    p.both(&["RPUSH", "list", "x"]);
    let three = digest_of(&p.both(&["DEBUG", "DIGEST"]));
    assert_ne!(three, first);
    p.both(&["MOVE", "list", "14"]);
    let moved = digest_of(&p.both(&["DEBUG", "DIGEST"]));
    assert_ne!(moved, three);
    p.both(&["SELECT", "14"]);
    p.both(&["MOVE", "list", "15"]);
    assert_eq!(digest_of(&p.both(&["DEBUG", "DIGEST"])), three);
    // Encoding conversions leave it alone.
    p.both(&["SELECT", "0"]);
    let long = "z".repeat(100);
    p.both(&["SADD", "intset", "x"]);
    p.both(&["SREM", "intset", "x"]);
    p.both(&["HSET", "smallhash", "long", &long]);
    p.both(&["HDEL", "smallhash", "long"]);
    p.both(&["ZADD", "smallzset", "1", &long]);
    p.both(&["ZREM", "smallzset", &long]);
    assert_eq!(
        p.both(&["OBJECT", "ENCODING", "intset"]),
        Resp::Bulk(Some(b"hashtable".to_vec()))
    );
    assert_eq!(digest_of(&p.both(&["DEBUG", "DIGEST"])), three);
    // A change anywhere shows.
    p.both(&["LSET", "biglist", "150", "changed"]);
    let changed = digest_of(&p.both(&["DEBUG", "DIGEST"]));
    assert_ne!(changed, three);
    // POPULATE's keys, in a database of their own, too.
    p.both(&["SELECT", "3"]);
    p.both(&["DEBUG", "POPULATE", "2000", "pop", "20"]);
    let populated = digest_of(&p.both(&["DEBUG", "DIGEST"]));
    assert_ne!(populated, changed);
    p.both(&["FLUSHALL"]);
    assert_eq!(digest_of(&p.both(&["DEBUG", "DIGEST"])), zeros());
    assert_eq!(
        p.both(&["DEBUG", "DIGEST", "extra"]),
        Resp::Error(
            "ERR unknown subcommand or wrong number of arguments for 'DIGEST'. Try DEBUG HELP."
                .into()
        )
    );
}

#[test]
fn populate_fills_the_selected_database_across_shards() {
    let server = Server::start(DEBUG_ON);
    let mut c = server.client();
    assert_ok(&mut c, &["SET", "key:5", "mine"]);
    assert_ok(&mut c, &["DEBUG", "POPULATE", "1000"]);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 1000);
    for n in [0, 1, 2, 500, 999] {
        let value: String = q(&mut c, &["GET", &format!("key:{n}")]);
        assert_eq!(value, format!("value:{n}"));
    }
    assert_eq!(q::<String>(&mut c, &["GET", "key:5"]), "mine");
    assert_eq!(q::<Option<String>>(&mut c, &["GET", "key:1000"]), None);
    let shards: Vec<usize> = (0..1000)
        .map(|n| key_shard(&format!("key:{n}"), 2))
        .collect();
    assert!(shards.contains(&0) && shards.contains(&1));
    // Running it again changes nothing.
    assert_ok(&mut c, &["DEBUG", "POPULATE", "1000"]);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 1000);
    assert_eq!(q::<String>(&mut c, &["GET", "key:5"]), "mine");

    // A prefix, and a size that pads with zero bytes or cuts.
    assert_ok(&mut c, &["DEBUG", "POPULATE", "3", "pad", "10"]);
    let padded: Vec<u8> = q(&mut c, &["GET", "pad:2"]);
    assert_eq!(padded, b"value:2\0\0\0");
    assert_ok(&mut c, &["DEBUG", "POPULATE", "3", "cut", "3"]);
    assert_eq!(q::<String>(&mut c, &["GET", "cut:1"]), "val");
    assert_ok(&mut c, &["DEBUG", "POPULATE", "2", "zero", "0"]);
    assert_eq!(q::<String>(&mut c, &["GET", "zero:1"]), "value:1");
    assert_ok(&mut c, &["DEBUG", "POPULATE", "2", ""]);
    assert_eq!(q::<String>(&mut c, &["GET", ":1"]), "value:1");
    assert_ok(&mut c, &["DEBUG", "POPULATE", "0"]);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 1000 + 3 + 3 + 2 + 2);

    // The selected database only; a key whose time passed is replaced.
    assert_ok(&mut c, &["SELECT", "2"]);
    assert_ok(&mut c, &["SET", "key:1", "old", "PX", "1"]);
    thread::sleep(Duration::from_millis(20));
    assert_ok(&mut c, &["DEBUG", "POPULATE", "10"]);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 10);
    assert_eq!(q::<String>(&mut c, &["GET", "key:1"]), "value:1");
    assert_eq!(q::<i64>(&mut c, &["TTL", "key:1"]), -1);
    assert_ok(&mut c, &["SELECT", "0"]);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 1010);

    // Redis's errors.
    let positive = "ERR value is out of range, must be positive";
    for bad in ["-1", "abc", "1.5", ""] {
        assert_eq!(err(&mut c, &["DEBUG", "POPULATE", bad]), positive);
        assert_eq!(err(&mut c, &["DEBUG", "POPULATE", "1", "p", bad]), positive);
    }
    let syntax = |sub: &str| {
        format!("ERR unknown subcommand or wrong number of arguments for '{sub}'. Try DEBUG HELP.")
    };
    assert_eq!(err(&mut c, &["DEBUG", "POPULATE"]), syntax("POPULATE"));
    assert_eq!(
        err(&mut c, &["DEBUG", "populate", "1", "p", "1", "x"]),
        syntax("populate")
    );
    assert_eq!(err(&mut c, &["DEBUG", "nosuch"]), syntax("nosuch"));
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 1010);
}

#[test]
fn debug_help_lists_the_data_subcommands() {
    let server = Server::start(DEBUG_ON);
    let mut c = server.client();
    let help: Vec<String> = q(&mut c, &["DEBUG", "HELP"]);
    for line in [
        "DIGEST",
        "DIGEST-VALUE <key> [<key> ...]",
        "OBJECT <key>",
        "POPULATE <count> [<prefix>] [<size>]",
        "SLEEP <seconds>",
    ] {
        assert!(help.iter().any(|l| l == line), "{line} in {help:?}");
    }
    assert_eq!(
        help[0],
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    );
}
