//! BGREWRITEAOF: under a write load every acknowledged write survives a crash and the folder
//! holds one base (an RDB image `redis-check-rdb` accepts) and one generation; a rewrite makes
//! the files compact; `auto-aof-rewrite-*` starts rewrites by itself; `CONFIG SET appendonly`
//! turns the log on (from an image of the data) and off at run time.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::support::*;

/// Waits (up to 20 s) until no rewrite runs or waits to run.
pub fn wait_rewrite_done(c: &mut redis::Connection) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while info_field(c, "aof_rewrite_in_progress") != "0"
        || info_field(c, "aof_rewrite_scheduled") != "0"
    {
        assert!(Instant::now() < deadline, "the rewrite did not end in 20 s");
        thread::sleep(Duration::from_millis(20));
    }
}

/// Runs BGREWRITEAOF and waits for it to end, successfully.
pub fn rewrite(c: &mut redis::Connection) {
    let said: String = q(c, &["BGREWRITEAOF"]);
    assert!(
        said.starts_with("Background append only file rewriting"),
        "BGREWRITEAOF said {said}"
    );
    wait_rewrite_done(c);
    assert_eq!(info_field(c, "aof_last_bgrewrite_status"), "ok");
}

/// Writes `n` keys `prefix:N` of every type (strings, lists, hashes, sets, zsets with
/// fractional scores), a third of them with a TTL an hour away, in databases 0 and 2.
pub fn fill_types(c: &mut redis::Connection, prefix: &str, n: usize) {
    for db in ["0", "2"] {
        assert_ok(c, &["SELECT", db]);
        let mut p = redis::pipe();
        for i in 0..n {
            let k = format!("{prefix}:{i}");
            match i % 5 {
                0 => p.cmd("SET").arg(&k).arg(format!("v{i}")),
                1 => p.cmd("RPUSH").arg(&k).arg("a").arg(i).arg("z"),
                2 => p.cmd("HSET").arg(&k).arg("f").arg(i).arg("g").arg("x"),
                3 => p.cmd("SADD").arg(&k).arg("m").arg(i),
                _ => p
                    .cmd("ZADD")
                    .arg(&k)
                    .arg(i as f64 + 0.5)
                    .arg("m")
                    .arg(-1)
                    .arg("n"),
            };
            p.ignore();
            if i % 3 == 0 {
                p.cmd("EXPIRE").arg(&k).arg(3600 + i).ignore();
            }
        }
        p.query::<()>(c).unwrap();
    }
    assert_ok(c, &["SELECT", "0"]);
}

/// Changes some of what [`fill_types`] wrote: deletes, pops, increments, TTLs set and removed.
pub fn change_some(c: &mut redis::Connection, prefix: &str, n: usize) {
    for i in (0..n).step_by(7) {
        let k = format!("{prefix}:{i}");
        let _: () = redis::pipe()
            .cmd("DEL")
            .arg(&k)
            .ignore()
            .cmd("INCRBY")
            .arg(format!("{k}:n"))
            .arg(i)
            .ignore()
            .cmd("PEXPIRE")
            .arg(format!("{prefix}:{}", i + 1))
            .arg(7_200_000)
            .ignore()
            .cmd("PERSIST")
            .arg(format!("{prefix}:{}", i + 3))
            .ignore()
            .cmd("LPOP")
            .arg(format!("{prefix}:{}", i - i % 5 + 1))
            .ignore()
            .query(c)
            .unwrap();
    }
}

/// The names of the files in the append-only folder.
pub fn folder_files(dir: &Dir) -> BTreeSet<String> {
    fs::read_dir(dir.0.join("appendonlydir"))
        .expect("read the append-only folder")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Checks that the manifest lists one RDB base and one generation of incremental files of the
/// base's number, and that the folder holds those files and the manifest only. Returns the
/// base file's name.
pub fn one_base_one_generation(dir: &Dir) -> String {
    one_base_one_generation_of(dir, ".base.rdb")
}

/// As [`one_base_one_generation`], for a base file whose name ends with `ending`.
pub fn one_base_one_generation_of(dir: &Dir, ending: &str) -> String {
    let manifest = dir.manifest();
    let lines: Vec<Vec<&str>> = manifest
        .lines()
        .map(|l| l.split_whitespace().collect())
        .filter(|w: &Vec<&str>| !w.is_empty())
        .collect();
    let field = |w: &[&str], key: &str| {
        w.chunks(2)
            .find(|p| p[0] == key)
            .map(|p| p[1].to_string())
            .unwrap_or_else(|| panic!("no {key} in manifest line {w:?}"))
    };
    let bases: Vec<&Vec<&str>> = lines.iter().filter(|w| field(w, "type") == "b").collect();
    assert_eq!(bases.len(), 1, "one base in the manifest:\n{manifest}");
    let base = field(bases[0], "file");
    let seq = field(bases[0], "seq");
    assert!(base.ends_with(ending), "a base file *{ending}: {manifest}");
    let incrs: Vec<&Vec<&str>> = lines.iter().filter(|w| field(w, "type") == "i").collect();
    assert!(!incrs.is_empty(), "an incremental file:\n{manifest}");
    for w in &incrs {
        assert_eq!(
            field(w, "seq"),
            seq,
            "one generation, the base's:\n{manifest}"
        );
    }
    assert_eq!(lines.len(), 1 + incrs.len(), "no other lines:\n{manifest}");
    let mut listed: BTreeSet<String> = lines.iter().map(|w| field(w, "file")).collect();
    listed.insert("appendonly.aof.manifest".into());
    assert_eq!(
        folder_files(dir),
        listed,
        "the folder holds what the manifest lists"
    );
    base
}

/// Runs Debian's `redis-check-rdb` on `file` and fails unless it accepts it.
pub fn redis_check_rdb(file: &Path) {
    let out = Command::new("redis-check-rdb")
        .arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run redis-check-rdb ({e}): install Debian's redis-tools")
        });
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && said.contains("RDB looks OK"),
        "redis-check-rdb refuses {}: {said}",
        file.display()
    );
}

/// The total size of the append-only folder's files.
fn folder_size(dir: &Dir) -> u64 {
    folder_files(dir)
        .iter()
        .map(|f| fs::metadata(dir.aof(f)).unwrap().len())
        .sum()
}

// ---------------------------------------------------------------------------------------------
// Under load.

/// The keys one writer changes: a counter, a list, a hash, a set, a string, and two keys for
/// an MSET across the shards.
fn writer_keys(w: usize) -> Vec<String> {
    alternating_keys(&format!("w{w}"), 7)
}

/// A writer: round `i` INCRs the counter, RPUSHes `i`, HSETs `f<i>`, SADDs `i`, SETs the string
/// and MSETs both keys to `i`, until the server goes or `stop`. Returns the last round whose
/// every reply came.
fn write_rounds(server: &Server, w: usize, stop: Arc<AtomicBool>) -> thread::JoinHandle<u64> {
    let mut c = server.client();
    let k = writer_keys(w);
    thread::spawn(move || {
        let mut acked = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let i = acked + 1;
            let r: redis::RedisResult<()> = redis::pipe()
                .cmd("INCR")
                .arg(&k[0])
                .ignore()
                .cmd("RPUSH")
                .arg(&k[1])
                .arg(i)
                .ignore()
                .cmd("HSET")
                .arg(&k[2])
                .arg(format!("f{i}"))
                .arg(i)
                .ignore()
                .cmd("SADD")
                .arg(&k[3])
                .arg(i)
                .ignore()
                .cmd("SET")
                .arg(&k[4])
                .arg(i)
                .ignore()
                .cmd("MSET")
                .arg(&k[5])
                .arg(i)
                .arg(&k[6])
                .arg(i)
                .ignore()
                .query(&mut c);
            if r.is_err() {
                break;
            }
            acked = i;
        }
        acked
    })
}

/// Checks that writer `w`'s rounds up to `acked` are all there (and at most one more).
fn rounds_are_there(c: &mut redis::Connection, w: usize, acked: u64) {
    let k = writer_keys(w);
    let at_least = |what: &str, got: u64| {
        assert!(
            acked <= got && got <= acked + 1,
            "writer {w}: {what} is {got}, {acked} rounds were acknowledged"
        )
    };
    at_least(
        "the counter",
        q::<Option<u64>>(c, &["GET", &k[0]]).unwrap_or(0),
    );
    let list: Vec<u64> = q(c, &["LRANGE", &k[1], "0", "-1"]);
    at_least("the list's length", list.len() as u64);
    assert!(
        list.iter().zip(1..).all(|(&x, i)| x == i),
        "writer {w}: list {list:?}"
    );
    at_least("the hash's length", q(c, &["HLEN", &k[2]]));
    if acked > 0 {
        let f = format!("f{acked}");
        assert_eq!(q::<String>(c, &["HGET", &k[2], &f]), acked.to_string());
        assert_eq!(q::<i64>(c, &["SISMEMBER", &k[3], &acked.to_string()]), 1);
    }
    at_least("the set's size", q(c, &["SCARD", &k[3]]));
    at_least(
        "the string",
        q::<Option<u64>>(c, &["GET", &k[4]]).unwrap_or(0),
    );
    let pair: Vec<Option<u64>> = q(c, &["MGET", &k[5], &k[6]]);
    assert_eq!(pair[0], pair[1], "writer {w}: MSET across shards is torn");
    at_least("the MSET", pair[0].unwrap_or(0));
}

#[test]
fn bgrewriteaof_under_write_load_keeps_every_acknowledged_write() {
    const WRITERS: usize = 4;
    let dir = Dir::new("rewrite-load");
    let server = start(
        &dir,
        &["--threads", "2", "--auto-aof-rewrite-percentage", "0"],
    );
    let mut c = server.client();
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| write_rounds(&server, w, stop.clone()))
        .collect();
    for _ in 0..3 {
        thread::sleep(Duration::from_millis(200));
        rewrite(&mut c);
    }
    assert_eq!(info_field(&mut c, "aof_rewrites"), "3");
    thread::sleep(Duration::from_millis(random(50, 250)));
    kill(server);
    let acked: Vec<u64> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    assert!(
        acked.iter().all(|&a| a > 10),
        "the writers wrote: {acked:?}"
    );
    let base = one_base_one_generation(&dir);
    redis_check_rdb(&dir.aof(&base));

    let server = start(&dir, &["--threads", "2"]);
    let mut c = server.client();
    for (w, &a) in acked.iter().enumerate() {
        rounds_are_there(&mut c, w, a);
    }
    assert_eq!(
        one_base_one_generation(&dir),
        base,
        "a restart keeps the base"
    );
}

#[test]
fn a_rewrite_makes_the_files_compact() {
    let dir = Dir::new("rewrite-compact");
    let server = start(&dir, &["--auto-aof-rewrite-percentage", "0"]);
    let mut c = server.client();
    let keys: Vec<String> = (0..100).map(|i| format!("same:{i}")).collect();
    for round in 0..100 {
        let mut p = redis::pipe();
        for r in 0..100 {
            for k in &keys {
                p.cmd("SET").arg(k).arg(round * 100 + r).ignore();
            }
        }
        p.query::<()>(&mut c).unwrap();
    }
    let before = folder_size(&dir);
    assert!(before > 10_000_000, "1,000,000 SETs take {before} bytes");
    let logged: u64 = info_field(&mut c, "aof_current_size").parse().unwrap();
    assert!(
        logged >= before * 9 / 10,
        "aof_current_size {logged}, files {before}"
    );
    rewrite(&mut c);
    let after = folder_size(&dir);
    assert!(
        after * 1000 < before,
        "{before} bytes before the rewrite, {after} after"
    );
    let current: u64 = info_field(&mut c, "aof_current_size").parse().unwrap();
    let base: u64 = info_field(&mut c, "aof_base_size").parse().unwrap();
    assert!(
        0 < base && base <= current && current <= after,
        "{base} {current} {after}"
    );
    let server = restart_same(server, &dir, &[]);
    assert_eq!(
        q::<String>(&mut server.client(), &["GET", "same:7"]),
        "9999"
    );
}

// ---------------------------------------------------------------------------------------------
// Started by the server.

#[test]
fn auto_aof_rewrite_starts_rewrites_as_the_files_grow() {
    let dir = Dir::new("rewrite-auto");
    let config = [
        "--auto-aof-rewrite-min-size",
        "64kb",
        "--auto-aof-rewrite-percentage",
        "100",
    ];
    let server = start(&dir, &config);
    let mut c = server.client();
    assert_eq!(info_field(&mut c, "aof_rewrites"), "0");
    let value = "x".repeat(200);
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut round = 0;
    while info_field(&mut c, "aof_rewrites").parse::<u64>().unwrap() < 2 {
        assert!(Instant::now() < deadline, "no two rewrites in 15 s");
        let mut p = redis::pipe();
        for i in 0..100 {
            p.cmd("SET")
                .arg(format!("grow:{i}"))
                .arg(format!("{round}{value}"))
                .ignore();
        }
        p.query::<()>(&mut c).unwrap();
        round += 1;
        thread::sleep(Duration::from_millis(20));
    }
    wait_rewrite_done(&mut c);
    assert!(
        round > 3,
        "a rewrite before 64kb were written ({round} rounds)"
    );
    one_base_one_generation(&dir);
    restart_same(server, &dir, &config);
}

#[test]
fn config_set_appendonly_turns_the_log_on_from_an_image_and_off() {
    let dir = Dir::new("rewrite-config");
    let d = dir.arg();
    let server = Server::start(&["--dir", &d, "--appendonly", "no"]);
    let mut c = server.client();
    fill_types(&mut c, "early", 60);
    assert!(
        !dir.0.join("appendonlydir").exists(),
        "no log with appendonly no"
    );
    assert_ok(&mut c, &["CONFIG", "SET", "appendonly", "yes"]);
    wait_rewrite_done(&mut c);
    assert_eq!(info_field(&mut c, "aof_rewrites"), "1");
    assert_eq!(info_field(&mut c, "aof_enabled"), "1");
    let base = one_base_one_generation(&dir);
    redis_check_rdb(&dir.aof(&base));
    fill_types(&mut c, "later", 40);
    change_some(&mut c, "early", 60);
    let before = contents(&mut c);
    kill(server);

    let server = start(&dir, &[]);
    let mut c = server.client();
    assert_eq!(
        contents(&mut c),
        before,
        "the image and the writes after it"
    );
    assert_ok(&mut c, &["CONFIG", "SET", "appendonly", "no"]);
    assert_eq!(info_field(&mut c, "aof_enabled"), "0");
    let at_off = contents(&mut c);
    fill_types(&mut c, "unlogged", 20);
    change_some(&mut c, "later", 40);
    assert_ne!(contents(&mut c), at_off);
    kill(server);
    let server = start(&dir, &[]);
    assert_eq!(
        contents(&mut server.client()),
        at_off,
        "the state when the log was turned off"
    );
}
