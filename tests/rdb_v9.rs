//! Files written by Redis 6.2 (RDB version 9) load whole.
//!
//! There is no Redis 6 here, so the test builds such a file byte by byte (`rdb_v9/builder.rs`):
//! small hashes and sorted sets as ziplists, lists as quicklists of ziplists, sets as intsets or
//! plain, larger hashes and sorted sets plain, strings raw, integer-encoded and LZF-compressed,
//! expiries in milliseconds and (as older files have them) in seconds, two databases, AUX fields
//! and the CRC64 trailer. Redis 7.0 (Debian's `redis-server`, which reads version 9) loading the
//! file shows it well formed; Tessera must then answer as Redis does, key by key: type,
//! contents, expiry and OBJECT ENCODING. A ziplist damaged in it must stop both.

mod common;

#[path = "rdb_v9/builder.rs"]
mod builder;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use builder::*;
use common::reference::Reference;
use common::*;
use tessera_core::keyspace::dump::lzf_compress;

// ---------------------------------------------------------------------------------------------
// The data set.

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_millis() as i64
}

fn bytes(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

/// `n` pseudo-random letters after `tag:`, which LZF cannot shrink much.
fn text(tag: &str, n: usize) -> Vec<u8> {
    let mut out = format!("{tag}:").into_bytes();
    let mut x = 0x9e37_79b9u32 ^ n as u32;
    while out.len() < n {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out.push(b'a' + (x % 26) as u8);
    }
    out.truncate(n);
    out
}

/// Every integer width of a ziplist entry, at both ends of each.
const ZIPLIST_INTS: &[i64] = &[
    0,
    12,
    13,
    -1,
    -128,
    127,
    128,
    -129,
    -32768,
    32767,
    32768,
    -32769,
    -8_388_608,
    8_388_607,
    8_388_608,
    -8_388_609,
    i32::MIN as i64,
    i32::MAX as i64,
    i32::MAX as i64 + 1,
    i32::MIN as i64 - 1,
    i64::MIN,
    i64::MAX,
];

/// What [`redis6_file`] wrote, for the checks.
struct Written {
    file: Vec<u8>,
    /// Ziplists stored plain (not compressed), to damage.
    plain_ziplists: Vec<PlainZiplist>,
    /// The expiry of the keys that have a future one.
    future: Vec<(u64, String, i64)>,
    /// Keys written already expired: no server may load them.
    expired: Vec<(u64, String)>,
    /// Keys per database that must be there.
    sizes: Vec<(u64, usize)>,
}

/// A file such as Redis 6.2 writes, every record kind of the task in it.
fn redis6_file() -> Written {
    let now = now_ms();
    let mut b = RdbBuilder::new();
    let mut plain_ziplists = Vec::new();
    b.aux("redis-ver", "6.2.14")
        .aux("redis-bits", "64")
        .aux("ctime", &(now / 1000).to_string())
        .aux("used-mem", "1048576")
        .aux("repl-stream-db", "0")
        .aux("repl-id", "5e9e9d8ad3c1a0a38b1b1ef7a1c3ef47b9a1d0e2")
        .aux("repl-offset", "0")
        .aux("aof-preamble", "0");

    // Database 0.
    b.select_db(0).resize_db(36, 4);

    // Strings: raw of every length class, each integer encoding, LZF.
    b.set_string("str:short", b"hello")
        .set_string("str:empty", b"")
        .set_string("str:14bit", &text("s14", 300))
        .set_string("str:32bit", &text("s32", 20_000))
        .set_string("str:int8", b"-7")
        .set_string("str:int16", b"1234")
        .set_string("str:int32", b"-2000000000")
        .set_string("str:bigint", b"9000000000")
        .set_string("str:notcanonical", b"007");
    let repetitive: Vec<u8> = b"tessera-".iter().copied().cycle().take(500).collect();
    let packed = lzf_compress(&repetitive, repetitive.len()).expect("compressible");
    b.set_lzf_string("str:lzf", &packed, repetitive.len());
    // 42 literal bytes, three long back-references and a short one.
    let (by_hand, plain) = lzf_by_hand(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEF", 840);
    b.set_lzf_string("str:lzf:hand", &by_hand, plain.len());

    // Expiries: a future one in milliseconds and in seconds, two past ones.
    let in_an_hour = now + 3_600_000;
    let in_two_hours_s = (now / 1000 + 7200) as i32;
    b.expire_ms(in_an_hour).set_string("ttl:ms", b"soon");
    b.expire_secs(in_two_hours_s)
        .set_string("ttl:secs", b"later");
    b.expire_ms(now - 3_600_000).set_string("gone:ms", b"x");
    b.expire_secs((now / 1000 - 7200) as i32)
        .set_string("gone:secs", b"y");

    // Lists: a quicklist of four ziplists holding every integer width and string length
    // class, one entry of 300 bytes (so the next has a 5-byte previous length), two nodes
    // LZF-compressed (as Redis does with list-compress-depth, or rdbcompression on a node over
    // 20 bytes).
    let mut node1 = Ziplist::new();
    for &n in ZIPLIST_INTS {
        node1.push_int(n);
    }
    let mut node2 = Ziplist::new();
    node2
        .push_str(b"")
        .push_str(b"a")
        .push_str(&text("s6", 63))
        .push_str(&text("s14", 64))
        .push_str(&text("long", 300))
        .push_str(b"after-the-long-one")
        .push_int(-5)
        .push_str(&text("s14max", 16383));
    let mut node3 = Ziplist::new();
    node3.push_str(&text("s32", 16384)).push_str(b"tail");
    let mut node4 = Ziplist::new();
    for i in 0..40 {
        node4.push(format!("element-{}", i % 4).as_bytes());
    }
    b.quicklist(
        "list:quicklist",
        &[
            (node1.clone(), Store::Plain),
            (node2, Store::Plain),
            (node3, Store::Lzf),
            (node4, Store::Lzf),
        ],
    );
    plain_ziplists.push(b.plain_ziplist("list:quicklist", &node1));
    b.quicklist("list:one", &[(ziplist(&[b"only"]), Store::Plain)]);

    // Sets: intsets of each width, one beyond set-max-intset-entries, plain sets of integers
    // (Redis 7.0 packs them into an intset) and of strings.
    b.intset("set:int16", &[-3, 0, 5, 32767, -32768], Store::Plain)
        .intset("set:int32", &[1, 70_000, -2_000_000_000], Store::Plain)
        .intset("set:int64", &[i64::MIN, 0, i64::MAX], Store::Plain);
    let many: Vec<i64> = (0..600).map(|i| i * 1_000_003 - 300_000_000).collect();
    b.intset("set:intset:many", &many, Store::Plain);
    b.set("set:plain:ints", &[b"10", b"-20", b"30"]);
    b.set("set:plain:strings", &[b"apple", b"banana", b"", b"42"]);

    // Hashes: ziplists (plain and compressed) with integer and string fields and values, one
    // with a value of 300 bytes, one beyond hash-max-listpack-entries; plain ones, small and
    // large.
    let mut hz = Ziplist::new();
    for (i, &n) in ZIPLIST_INTS.iter().enumerate() {
        hz.push(format!("f{i}").as_bytes()).push_int(n);
    }
    hz.push(b"7").push(b"seven").push(b"name").push(b"tessera");
    b.hash_ziplist("hash:zl", &hz, Store::Plain);
    plain_ziplists.push(b.plain_ziplist("hash:zl", &hz));
    b.hash_ziplist("hash:zl:lzf", &hz, Store::Lzf);
    let long_value = ziplist(&[b"big", &text("hv", 300), b"next", b"1"]);
    b.hash_ziplist("hash:zl:long", &long_value, Store::Plain);
    let mut many_pairs = Ziplist::new();
    for i in 0..600 {
        many_pairs
            .push(format!("field:{i}").as_bytes())
            .push(i.to_string().as_bytes());
    }
    b.hash_ziplist("hash:zl:many", &many_pairs, Store::Lzf);
    let small: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (bytes("a"), bytes("1")),
        (bytes("b"), bytes("two")),
        (bytes("100"), bytes("-100000")),
    ];
    b.hash("hash:plain:small", &small);
    let large: Vec<(Vec<u8>, Vec<u8>)> = (0..600)
        .map(|i| (format!("k{i}").into_bytes(), format!("v{i}").into_bytes()))
        .collect();
    b.hash("hash:plain:large", &large);
    b.hash(
        "hash:plain:longvalue",
        &[(bytes("x"), text("hl", 100)), (bytes("y"), bytes("1"))],
    );

    // Sorted sets: ziplists in score order, scores as integers and as text (fractions,
    // infinities, an exponent), members as integers and strings; one beyond
    // zset-max-listpack-entries; ZSET_2 records small and large.
    let zz = ziplist(&[
        b"minus-inf",
        b"-inf",
        b"-5",
        b"-1000000",
        b"neg",
        b"-0.25",
        b"zero",
        b"0",
        b"tie-a",
        b"1",
        b"tie-b",
        b"1",
        b"half",
        b"1.5",
        b"42",
        b"70000",
        b"big",
        b"1e+20",
        b"plus-inf",
        b"inf",
    ]);
    b.zset_ziplist("zset:zl", &zz, Store::Plain);
    plain_ziplists.push(b.plain_ziplist("zset:zl", &zz));
    b.zset_ziplist("zset:zl:lzf", &zz, Store::Lzf);
    let mut zmany = Ziplist::new();
    for i in 0..130 {
        zmany
            .push(format!("m{i:03}").as_bytes())
            .push(i.to_string().as_bytes());
    }
    b.zset_ziplist("zset:zl:many", &zmany, Store::Lzf);
    b.zset(
        "zset:2:small",
        &[
            (bytes("c"), 3.0),
            (bytes("b"), 2.5),
            (bytes("a"), -1.0e-3),
            (bytes("7"), f64::INFINITY),
        ],
    );
    let zlarge: Vec<(Vec<u8>, f64)> = (0..200)
        .rev()
        .map(|i| (format!("member{i}").into_bytes(), f64::from(i) / 4.0))
        .collect();
    b.zset("zset:2:large", &zlarge);
    b.zset(
        "zset:2:longmember",
        &[(text("zm", 100), 1.0), (bytes("s"), 2.0)],
    );

    // Database 3: a few keys, one with an expiry, one expired.
    b.select_db(3).resize_db(5, 2);
    b.set_string("db3:str", b"in three");
    b.expire_ms(now + 86_400_000).hash_ziplist(
        "db3:hash",
        &ziplist(&[b"f", b"v", b"n", b"12"]),
        Store::Plain,
    );
    b.expire_ms(now - 1).set_string("db3:gone", b"z");
    b.quicklist("db3:list", &[(ziplist(&[b"x", b"1", b"y"]), Store::Plain)]);
    b.zset_ziplist("db3:zset", &ziplist(&[b"m", b"2"]), Store::Plain);

    Written {
        file: b.finish(),
        plain_ziplists,
        future: vec![
            (0, "ttl:ms".into(), in_an_hour),
            (0, "ttl:secs".into(), i64::from(in_two_hours_s) * 1000),
            (3, "db3:hash".into(), now + 86_400_000),
        ],
        expired: vec![
            (0, "gone:ms".into()),
            (0, "gone:secs".into()),
            (3, "db3:gone".into()),
        ],
        sizes: vec![(0, 34), (3, 4)],
    }
}

// ---------------------------------------------------------------------------------------------
// Servers.

/// A directory of the test's own holding `dump.rdb`, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn with_file(what: &str, file: &[u8]) -> Dir {
        let path = temp_path(what, "d");
        fs::create_dir_all(&path).expect("create the directory");
        fs::write(path.join("dump.rdb"), file).expect("write dump.rdb");
        Dir(path)
    }

    fn arg(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Redis 7.0 serving `dir`'s dump.rdb.
fn redis_on(dir: &Dir) -> (Reference, redis::Connection) {
    let d = dir.arg();
    let redis = Reference::start_with(&["--dir", &d, "--dbfilename", "dump.rdb"]);
    let con = redis::Client::open(format!("redis://127.0.0.1:{}/", redis.port()))
        .expect("client")
        .get_connection_with_timeout(CLIENT_TIMEOUT)
        .expect("connect to redis-server");
    (redis, con)
}

/// Runs `program` with `args` expecting it to refuse to start (exit unsuccessfully within 10
/// seconds); returns what it printed.
fn refused(program: &str, args: &[String], what: &str) -> String {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            let out = child.wait_with_output().expect("output");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                !status.success(),
                "{program} on {what}: exit status 0: {text}"
            );
            return text;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{program} started despite {what} ({args:?})");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

fn tessera_refuses(dir: &Path, what: &str) -> String {
    let args: Vec<String> = [
        "--port",
        &free_port().to_string(),
        "--bind",
        "127.0.0.1",
        "--threads",
        "2",
        "--save",
        "",
        "--dir",
        &dir.display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    refused(server_program(), &args, what)
}

fn redis_refuses(dir: &Path, what: &str) -> String {
    let args: Vec<String> = [
        "--port",
        &free_port().to_string(),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        &dir.display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    refused("redis-server", &args, what)
}

/// A line of a data set, cut for a message.
fn short(line: &str) -> String {
    if line.len() <= 300 {
        line.to_string()
    } else {
        let cut = (0..=300)
            .rev()
            .find(|&i| line.is_char_boundary(i))
            .unwrap_or(0);
        format!("{}... ({} bytes)", &line[..cut], line.len())
    }
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[test]
fn a_redis_6_file_loads_as_redis_7_loads_it() {
    let written = redis6_file();
    let dir = Dir::with_file("rdb9", &written.file);

    let (_redis, mut theirs) = redis_on(&dir);
    let server = Server::start(&["--dir", &dir.arg()]);
    let mut ours = server.client();

    // Both hold the keys written, less the expired ones, in the right databases.
    for &(db, n) in &written.sizes {
        for (name, c) in [("redis", &mut theirs), ("tessera", &mut ours)] {
            assert_ok(c, &["SELECT", &db.to_string()]);
            let size: usize = q(c, &["DBSIZE"]);
            assert_eq!(size, n, "{name}: DBSIZE of database {db}");
        }
    }
    for (db, key) in &written.expired {
        for (name, c) in [("redis", &mut theirs), ("tessera", &mut ours)] {
            assert_ok(c, &["SELECT", &db.to_string()]);
            let there: i64 = q(c, &["EXISTS", key]);
            assert_eq!(there, 0, "{name}: {key} expired before the load");
        }
    }
    for (db, key, at) in &written.future {
        for (name, c) in [("redis", &mut theirs), ("tessera", &mut ours)] {
            assert_ok(c, &["SELECT", &db.to_string()]);
            let when: i64 = q(c, &["PEXPIRETIME", key]);
            assert_eq!(when, *at, "{name}: the expiry of {key}");
            let ttl: i64 = q(c, &["TTL", key]);
            assert!(ttl > 0, "{name}: TTL {key} = {ttl}");
        }
    }

    // Key by key: type, encoding, absolute expiry and contents, in every database.
    let expected = dataset(&mut theirs, true);
    let got = dataset(&mut ours, true);
    assert_eq!(
        expected.len(),
        written.sizes.iter().map(|s| s.1).sum::<usize>()
    );
    let mut differences = Vec::new();
    for line in &expected {
        if !got.contains(line) {
            differences.push(format!("redis:   {}", short(line)));
            let key = line.split(' ').take(2).collect::<Vec<_>>().join(" ");
            match got.iter().find(|l| l.starts_with(&format!("{key} "))) {
                Some(ours) => differences.push(format!("tessera: {}", short(ours))),
                None => differences.push("tessera: (missing)".to_string()),
            }
        }
    }
    for line in &got {
        if !expected.contains(line)
            && !differences
                .iter()
                .any(|d| d.starts_with("tessera") && d.contains(&short(line)))
        {
            differences.push(format!("tessera only: {}", short(line)));
        }
    }
    assert!(
        differences.is_empty(),
        "Tessera differs from Redis 7.0 on a Redis 6.2 file:\n{}",
        differences.join("\n")
    );
}

#[test]
fn a_flipped_ziplist_byte_stops_the_start_naming_file_and_offset() {
    let written = redis6_file();
    // The second entry's previous-length byte no longer matching the first entry, or the tail
    // offset no longer naming the last entry. The checksum is made to hold again, so that only
    // the ziplist's own checks can tell.
    let damages = written.plain_ziplists.iter().flat_map(|z| {
        [
            (z, "a back link", z.at + z.ziplist.entry_offset(1)),
            (z, "the tail offset", z.at + 4),
        ]
    });
    for (z, field, flip) in damages {
        let key = &z.key;
        let mut bad = written.file.clone();
        bad[flip] ^= 0x01;
        reseal(&mut bad);
        let dir = Dir::with_file("flipped", &bad);
        let what = format!("{field} changed (byte {flip}) in the ziplist of {key}");

        let said = redis_refuses(&dir.0, &what);
        assert!(
            said.contains("integrity") || said.contains("corrupt"),
            "redis-server on {what}: {said}"
        );

        let log = tessera_refuses(&dir.0, &what);
        if !is_redis() {
            assert!(
                log.contains("dump.rdb")
                    && log.contains(&format!("key '{key}'"))
                    && log.contains(&format!("at byte {}", z.record)),
                "{what}: {log}"
            );
        }
    }
}
