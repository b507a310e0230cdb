//! RDB snapshots: SAVE and BGSAVE write Redis's RDB file, a start-up loads it, and files move
//! both ways between Tessera and Redis 7.0 (Debian's `redis-server` and `redis-check-rdb`).

mod common;
#[path = "persistence/eio.rs"]
mod eio;
#[path = "persistence/large_load.rs"]
mod large_load;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::*;

/// A directory of the test's own, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new(what: &str) -> Dir {
        let path = temp_path(what, "d");
        fs::create_dir_all(&path).unwrap();
        Dir(path)
    }

    fn arg(&self) -> String {
        self.0.display().to_string()
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Tessera serving `dir` (its dump.rdb loaded at start), two shards.
fn tessera_in(dir: &Dir, extra: &[&str]) -> Server {
    let d = dir.arg();
    let mut args = vec!["--dir", d.as_str()];
    args.extend_from_slice(extra);
    Server::start(&args)
}

/// Redis serving `dir`/`file`, killed when dropped.
struct Redis {
    child: std::process::Child,
    port: u16,
}

impl Redis {
    fn start(dir: &Dir, file: &str) -> Redis {
        let port = free_port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--dir", &dir.arg(), "--dbfilename", file])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (Debian's redis-server package) must be installed");
        let redis = Redis { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ready = redis::Client::open(format!("redis://127.0.0.1:{port}/"))
                .and_then(|c| c.get_connection())
                .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
            if ready.is_ok() {
                return redis;
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn client(&self) -> redis::Connection {
        redis::Client::open(format!("redis://127.0.0.1:{}/", self.port))
            .unwrap()
            .get_connection()
            .unwrap()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes keys of every type, in both encodings, on both shards, in databases 0 and 5, some
/// with an expiry.
fn fill(c: &mut redis::Connection) {
    for db in ["0", "5"] {
        assert_ok(c, &["SELECT", db]);
        for (i, k) in alternating_keys(&format!("db{db}"), 16).iter().enumerate() {
            let big = i % 4 < 2;
            let n = if big { 300 } else { 3 };
            let mut p = redis::pipe();
            match i / 4 {
                0 => {
                    let v = if big {
                        "x".repeat(100)
                    } else {
                        (i * 1000).to_string()
                    };
                    p.cmd("SET").arg(k).arg(v);
                }
                1 => {
                    for j in 0..n {
                        p.cmd("RPUSH").arg(k).arg(format!("item{j}"));
                    }
                }
                2 => {
                    for j in 0..n {
                        p.cmd("HSET")
                            .arg(k)
                            .arg(format!("f{j}"))
                            .arg(format!("v{j}"));
                        p.cmd("SADD").arg(format!("{k}:set")).arg(j);
                        p.cmd("SADD")
                            .arg(format!("{k}:strset"))
                            .arg(format!("m{j}"));
                    }
                }
                _ => {
                    for j in 0..n {
                        p.cmd("ZADD")
                            .arg(k)
                            .arg(format!("{}.5", j as i64 - 7))
                            .arg(format!("m{j}"));
                    }
                }
            }
            if i % 3 == 0 {
                p.cmd("PEXPIREAT").arg(k).arg(4_000_000_000_000u64);
            }
            p.query::<()>(c).unwrap();
        }
    }
    assert_ok(c, &["SELECT", "0"]);
}

/// Everything the node holds, encodings included (see `common::dataset`).
fn contents(c: &mut redis::Connection) -> Vec<String> {
    dataset(c, true)
}

fn check_rdb(path: &Path) {
    let out = Command::new("redis-check-rdb")
        .arg(path)
        .output()
        .expect("redis-check-rdb (Debian's redis-tools) must be installed");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("RDB looks OK!"),
        "{said}"
    );
}

#[test]
fn save_writes_a_file_that_a_restart_loads_whole() {
    let dir = Dir::new("save");
    let (want, started) = {
        let server = tessera_in(&dir, &[]);
        let mut c = server.client();
        fill(&mut c);
        let started: i64 = q(&mut c, &["LASTSAVE"]);
        assert_ne!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
        thread::sleep(Duration::from_millis(1100));
        assert_ok(&mut c, &["SAVE"]);
        let after: i64 = q(&mut c, &["LASTSAVE"]);
        assert!(after > started, "LASTSAVE {started} -> {after}");
        assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
        assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
        (contents(&mut c), started)
    };
    assert!(want.len() > 40, "only {} keys", want.len());
    check_rdb(&dir.file("dump.rdb"));
    let leftovers: Vec<_> = fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, ["dump.rdb"]);

    let server = tessera_in(&dir, &[]);
    let mut c = server.client();
    assert_eq!(contents(&mut c), want);
    let log = server.log();
    assert!(
        log.contains(&format!("keys loaded: {}", want.len())),
        "{log}"
    );
    if !is_redis() {
        // As Redis: ready once the data is in.
        let loaded = log.find("DB loaded from disk").expect("the load is logged");
        let ready = log
            .find("Ready to accept connections")
            .expect("readiness is logged");
        assert!(loaded < ready, "{log}");
    }
    let lastsave: i64 = q(&mut c, &["LASTSAVE"]);
    assert!(lastsave >= started);
}

#[test]
fn redis_serves_what_tessera_saved_and_tessera_serves_what_redis_saved() {
    // Tessera -> Redis.
    let ours = Dir::new("ours");
    let want = {
        let server = tessera_in(&ours, &[]);
        let mut c = server.client();
        fill(&mut c);
        assert_ok(&mut c, &["SAVE"]);
        contents(&mut c)
    };
    let redis = Redis::start(&ours, "dump.rdb");
    assert_eq!(contents(&mut redis.client()), want);
    drop(redis);

    // Redis -> Tessera.
    let theirs = Dir::new("theirs");
    let want = {
        let redis = Redis::start(&theirs, "dump.rdb");
        let mut c = redis.client();
        fill(&mut c);
        assert_ok(&mut c, &["SAVE"]);
        contents(&mut c)
    };
    let server = tessera_in(&theirs, &[]);
    assert_eq!(contents(&mut server.client()), want);
}

#[test]
fn bgsave_answers_at_once_and_the_file_follows() {
    let dir = Dir::new("bgsave");
    let want = {
        let server = tessera_in(&dir, &[]);
        let mut c = server.client();
        fill(&mut c);
        let before: i64 = q(&mut c, &["LASTSAVE"]);
        thread::sleep(Duration::from_millis(1100));
        assert_eq!(
            q::<String>(&mut c, &["BGSAVE"]),
            "Background saving started"
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while q::<i64>(&mut c, &["LASTSAVE"]) == before {
            assert!(Instant::now() < deadline, "BGSAVE never finished");
            thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(info_field(&mut c, "rdb_bgsave_in_progress"), "0");
        assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
        assert_eq!(info_field(&mut c, "rdb_saves"), "1");
        assert_eq!(info_field(&mut c, "rdb_last_bgsave_time_sec"), "0");
        assert_eq!(info_field(&mut c, "rdb_current_bgsave_time_sec"), "-1");
        assert_eq!(err(&mut c, &["BGSAVE", "now"]), "ERR syntax error");
        assert_eq!(
            err(&mut c, &["SAVE", "now"]),
            "ERR wrong number of arguments for 'save' command"
        );
        assert_eq!(
            q::<String>(&mut c, &["BGSAVE", "SCHEDULE"]),
            "Background saving started"
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while info_field(&mut c, "rdb_bgsave_in_progress") != "0" {
            assert!(Instant::now() < deadline, "BGSAVE SCHEDULE never finished");
            thread::sleep(Duration::from_millis(20));
        }
        contents(&mut c)
    };
    check_rdb(&dir.file("dump.rdb"));
    let server = tessera_in(&dir, &[]);
    assert_eq!(contents(&mut server.client()), want);
}

#[test]
fn keys_whose_time_passed_are_not_loaded() {
    let dir = Dir::new("expired");
    {
        let server = tessera_in(&dir, &[]);
        let mut c = server.client();
        for k in alternating_keys("short", 6) {
            assert_ok(&mut c, &["SET", &k, "v", "PX", "300"]);
        }
        for k in alternating_keys("long", 6) {
            assert_ok(&mut c, &["SET", &k, "v", "EX", "1000"]);
        }
        assert_ok(&mut c, &["SET", "forever", "v"]);
        assert_ok(&mut c, &["SAVE"]);
    }
    thread::sleep(Duration::from_millis(400));
    let server = tessera_in(&dir, &[]);
    let mut c = server.client();
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 7);
    for k in alternating_keys("long", 6) {
        let ttl: i64 = q(&mut c, &["TTL", &k]);
        assert!((990..=1000).contains(&ttl), "{k}: {ttl}");
    }
    assert!(server.log().contains("keys expired: 6"), "{}", server.log());
    assert_eq!(info_field(&mut c, "rdb_last_load_keys_loaded"), "7");
    assert_eq!(info_field(&mut c, "rdb_last_load_keys_expired"), "6");
}

#[test]
fn multi_shard_writes_are_whole_in_every_image() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;
    let dir = Dir::new("atomic");
    let server = tessera_in(&dir, &[]);
    let (a, b) = key_pair("pair");
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicU64::new(0));
    let writer = {
        let mut c = server.client();
        let (a, b, stop, rounds) = (a.clone(), b.clone(), stop.clone(), rounds.clone());
        thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let v = i.to_string();
                assert_ok(&mut c, &["MSET", &a, &v, &b, &v]);
                let m = format!("m{i}");
                let _: Vec<redis::Value> = redis::pipe()
                    .atomic()
                    .cmd("SET")
                    .arg(&a)
                    .arg(&m)
                    .cmd("SET")
                    .arg(&b)
                    .arg(&m)
                    .query(&mut c)
                    .unwrap();
                rounds.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let mut c = server.client();
    let mut images = Vec::new();
    for n in 0..4 {
        // Let the writer go on between two images, so that they differ.
        let from = rounds.load(Ordering::Relaxed);
        let deadline = Instant::now() + Duration::from_secs(10);
        while rounds.load(Ordering::Relaxed) < from + 3 {
            assert!(Instant::now() < deadline, "the writer is stuck");
            thread::sleep(Duration::from_millis(1));
        }
        assert_ok(&mut c, &["SAVE"]);
        let copy = dir.file(&format!("image{n}.rdb"));
        fs::copy(dir.file("dump.rdb"), &copy).unwrap();
        images.push(copy);
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    drop(server);
    let mut seen = std::collections::HashSet::new();
    for image in &images {
        let d = Dir::new("image");
        fs::copy(image, d.file("dump.rdb")).unwrap();
        let server = tessera_in(&d, &[]);
        let mut c = server.client();
        let va: String = q(&mut c, &["GET", &a]);
        let vb: String = q(&mut c, &["GET", &b]);
        assert_eq!(va, vb, "{image:?} holds half of a write");
        seen.insert(va);
    }
    assert_eq!(
        seen.len(),
        images.len(),
        "two images held the same write: {seen:?}"
    );
}

/// Runs Tessera on `dir` expecting it to refuse to start; returns what it logged.
fn refused_start(dir: &Dir) -> String {
    let args = [
        "--port".to_string(),
        free_port().to_string(),
        "--bind".to_string(),
        "127.0.0.1".to_string(),
        "--threads".to_string(),
        "2".to_string(),
        "--dir".to_string(),
        dir.arg(),
    ];
    expect_startup_failure(&args)
}

#[test]
fn a_damaged_file_stops_the_start_naming_file_and_offset() {
    let dir = Dir::new("damaged");
    {
        let server = tessera_in(&dir, &[]);
        let mut c = server.client();
        fill(&mut c);
        assert_ok(&mut c, &["SAVE"]);
    }
    let good = fs::read(dir.file("dump.rdb")).unwrap();

    // A changed byte: the checksum no longer holds.
    let mut bad = good.clone();
    let at = bad.windows(5).position(|w| w == b"item1").unwrap();
    bad[at] = b'I';
    fs::write(dir.file("dump.rdb"), &bad).unwrap();
    let log = refused_start(&dir);
    assert!(
        log.contains("dump.rdb") && log.contains("Wrong RDB checksum"),
        "{log}"
    );

    // A file cut short.
    fs::write(dir.file("dump.rdb"), &good[..good.len() / 2]).unwrap();
    let log = refused_start(&dir);
    assert!(log.contains("dump.rdb") && log.contains("at byte"), "{log}");

    // Not an RDB file at all.
    fs::write(dir.file("dump.rdb"), b"hello world").unwrap();
    let log = refused_start(&dir);
    assert!(log.contains("Wrong signature"), "{log}");
}

#[test]
fn a_stream_in_a_redis_file_stops_the_load_naming_the_key() {
    let dir = Dir::new("stream");
    {
        let redis = Redis::start(&dir, "dump.rdb");
        let mut c = redis.client();
        assert_ok(&mut c, &["SET", "plain", "v"]);
        let _: String = q(&mut c, &["XADD", "events", "*", "f", "v"]);
        assert_ok(&mut c, &["SAVE"]);
    }
    let log = refused_start(&dir);
    assert!(log.contains("key 'events' is a stream"), "{log}");
}

#[test]
fn rdb_directives_as_redis_has_them() {
    let dir = Dir::new("directives");
    let server = tessera_in(
        &dir,
        &["--dbfilename", "other.rdb", "--rdbcompression", "no"],
    );
    let mut c = server.client();
    let got: Vec<String> = q(&mut c, &["CONFIG", "GET", "dbfilename"]);
    assert_eq!(got, ["dbfilename", "other.rdb"]);
    let got: Vec<String> = q(&mut c, &["CONFIG", "GET", "rdb*"]);
    assert!(
        got.windows(2).any(|w| w == ["rdbcompression", "no"]),
        "{got:?}"
    );
    assert!(
        got.windows(2).any(|w| w == ["rdbchecksum", "yes"]),
        "{got:?}"
    );
    assert_eq!(
        err(&mut c, &["CONFIG", "SET", "dbfilename", "x.rdb"]),
        "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config"
    );
    assert_eq!(
        err(&mut c, &["CONFIG", "SET", "dir", "/tmp"]),
        "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"
    );
    assert_eq!(
        err(&mut c, &["CONFIG", "SET", "rdbchecksum", "no"]),
        "ERR CONFIG SET failed (possibly related to argument 'rdbchecksum') - can't set immutable config"
    );
    assert_eq!(
        err(&mut c, &["CONFIG", "SET", "rdbcompression", "maybe"]),
        "ERR CONFIG SET failed (possibly related to argument 'rdbcompression') - argument must be 'yes' or 'no'"
    );
    let long = "abc".repeat(1000);
    assert_ok(&mut c, &["SET", "long", &long]);
    assert_ok(&mut c, &["SAVE"]);
    let plain = fs::metadata(dir.file("other.rdb")).unwrap().len();
    assert!(plain > 3000, "uncompressed file of {plain} bytes");
    assert_ok(&mut c, &["CONFIG", "SET", "rdbcompression", "yes"]);
    assert_ok(&mut c, &["SAVE"]);
    let packed = fs::metadata(dir.file("other.rdb")).unwrap().len();
    assert!(packed < 1000, "compressed file of {packed} bytes");
    assert!(!dir.file("dump.rdb").exists());
    drop(server);
    check_rdb(&dir.file("other.rdb"));
    let server = tessera_in(&dir, &["--dbfilename", "other.rdb"]);
    assert_eq!(q::<String>(&mut server.client(), &["GET", "long"]), long);
}

#[test]
fn save_rules_start_a_background_save() {
    let dir = Dir::new("rules");
    let server = tessera_in(&dir, &["--save", "1 3"]);
    let mut c = server.client();
    let got: Vec<String> = q(&mut c, &["CONFIG", "GET", "save"]);
    assert_eq!(got, ["save", "1 3"]);
    for k in alternating_keys("rule", 3) {
        assert_ok(&mut c, &["SET", &k, "v"]);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !dir.file("dump.rdb").exists() {
        assert!(Instant::now() < deadline, "no save came: {}", server.log());
        thread::sleep(Duration::from_millis(50));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while info_field(&mut c, "rdb_changes_since_last_save") != "0" {
        assert!(
            Instant::now() < deadline,
            "the save did not count: {}",
            server.log()
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        server.log().contains("3 changes in 1 seconds. Saving..."),
        "{}",
        server.log()
    );

    assert_ok(&mut c, &["CONFIG", "SET", "save", "100 10 50 5"]);
    let got: Vec<String> = q(&mut c, &["CONFIG", "GET", "save"]);
    assert_eq!(got, ["save", "100 10 50 5"]);
    assert_ok(&mut c, &["CONFIG", "SET", "save", ""]);
    let got: Vec<String> = q(&mut c, &["CONFIG", "GET", "save"]);
    assert_eq!(got, ["save", ""]);
    assert_eq!(
        err(&mut c, &["CONFIG", "SET", "save", "100"]),
        "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"
    );
    assert_eq!(
        err(&mut c, &["CONFIG", "SET", "save", "100 x"]),
        "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"
    );

    // Given at start, save lines add up; the first replaces the defaults.
    let more = tessera_in(&dir, &["--save", "900 1", "--save", "300 10"]);
    let got: Vec<String> = q(&mut more.client(), &["CONFIG", "GET", "save"]);
    assert_eq!(got, ["save", "900 1 300 10"]);
}

/// Sends SHUTDOWN with `args` and waits for the server to exit.
fn shutdown(server: &mut Server, args: &[&str]) {
    let mut c = server.client();
    let mut all = vec!["SHUTDOWN"];
    all.extend_from_slice(args);
    let _ = cmd(&all).query::<redis::Value>(&mut c);
    assert!(
        server.wait_exit(Duration::from_secs(10)).is_some(),
        "SHUTDOWN {args:?} did not stop the server"
    );
}

#[test]
fn shutdown_saves_when_save_rules_exist_and_not_when_told_not_to() {
    let write = |server: &Server| {
        let mut c = server.client();
        for k in alternating_keys("final", 4) {
            assert_ok(&mut c, &["SET", &k, "v"]);
        }
    };
    // Rules: SHUTDOWN saves.
    let dir = Dir::new("shutdown-rules");
    let mut server = tessera_in(&dir, &["--save", "3600 1"]);
    write(&server);
    let mut c = server.client();
    assert_eq!(
        err(&mut c, &["SHUTDOWN", "SAVE", "NOSAVE"]),
        "ERR syntax error"
    );
    assert_eq!(
        err(&mut c, &["SHUTDOWN", "ABORT", "NOW"]),
        "ERR syntax error"
    );
    assert_eq!(err(&mut c, &["SHUTDOWN", "please"]), "ERR syntax error");
    assert_eq!(
        err(&mut c, &["SHUTDOWN", "ABORT"]),
        "ERR No shutdown in progress."
    );
    shutdown(&mut server, &[]);
    assert!(
        server.log().contains("Saving the final RDB snapshot"),
        "{}",
        server.log()
    );
    let server = tessera_in(&dir, &[]);
    assert_eq!(q::<i64>(&mut server.client(), &["DBSIZE"]), 4);
    drop(server);

    // Rules, but NOSAVE.
    let dir = Dir::new("shutdown-nosave");
    let mut server = tessera_in(&dir, &["--save", "3600 1"]);
    write(&server);
    shutdown(&mut server, &["NOSAVE"]);
    assert!(!dir.file("dump.rdb").exists());

    // No rules, but SAVE.
    let dir = Dir::new("shutdown-save");
    let mut server = tessera_in(&dir, &[]);
    write(&server);
    shutdown(&mut server, &["SAVE"]);
    let server = tessera_in(&dir, &[]);
    assert_eq!(q::<i64>(&mut server.client(), &["DBSIZE"]), 4);
    drop(server);

    // No rules: nothing saved.
    let dir = Dir::new("shutdown-plain");
    let mut server = tessera_in(&dir, &[]);
    write(&server);
    shutdown(&mut server, &[]);
    assert!(!dir.file("dump.rdb").exists());
}

#[test]
fn sigterm_saves_as_shutdown_does() {
    let dir = Dir::new("sigterm");
    let mut server = tessera_in(&dir, &["--save", "3600 1"]);
    let mut c = server.client();
    for k in alternating_keys("term", 6) {
        assert_ok(&mut c, &["SET", &k, "v"]);
    }
    let status = server.stop().expect("the server did not stop on SIGTERM");
    assert!(status.success(), "{status}");
    let server = tessera_in(&dir, &[]);
    assert_eq!(q::<i64>(&mut server.client(), &["DBSIZE"]), 6);
}

#[test]
fn a_failed_save_refuses_writes_until_a_save_succeeds() {
    let dir = Dir::new("misconf");
    let mut server = tessera_in(&dir, &["--save", "3600 1"]);
    let mut c = server.client();
    assert_ok(&mut c, &["SET", "a", "1"]);
    // The temporary file cannot be created where a directory has its name.
    let blocker = dir.file(&format!("temp-{}.rdb", server.pid()));
    fs::create_dir(&blocker).unwrap();
    // A failed SAVE is its own error; a failed BGSAVE stops the writes.
    assert_eq!(err(&mut c, &["SAVE"]), "ERR");
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    assert_ok(&mut c, &["SET", "a", "1"]);
    assert_eq!(
        q::<String>(&mut c, &["BGSAVE"]),
        "Background saving started"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while info_field(&mut c, "rdb_bgsave_in_progress") != "0" {
        assert!(Instant::now() < deadline, "BGSAVE never finished");
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "err");
    let misconf = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
    assert_eq!(err(&mut c, &["SET", "a", "2"]), misconf);
    assert_eq!(err(&mut c, &["PING"]), misconf);
    let (k0, k1) = key_pair("misconf");
    assert_eq!(err(&mut c, &["MSET", &k0, "1", &k1, "1"]), misconf);
    assert_eq!(q::<String>(&mut c, &["GET", "a"]), "1");
    let mut raw = server.raw_conn();
    assert_eq!(raw.cmd(&["MULTI"]).text(), "OK");
    assert_eq!(raw.cmd(&["SET", "a", "3"]).text(), misconf);
    assert_eq!(
        raw.cmd(&["EXEC"]).text(),
        "EXECABORT Transaction discarded because of previous errors."
    );
    let mut c2 = server.client();
    assert_eq!(
        err(&mut c2, &["SHUTDOWN"]),
        "ERR Errors trying to SHUTDOWN. Check logs."
    );
    // Writes come back when the check is off...
    assert_ok(
        &mut c,
        &["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"],
    );
    assert_ok(&mut c, &["SET", "a", "4"]);
    assert_ok(
        &mut c,
        &["CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"],
    );
    assert_eq!(err(&mut c, &["SET", "a", "5"]), misconf);
    // ...or once a save succeeds.
    fs::remove_dir(&blocker).unwrap();
    assert_eq!(
        q::<String>(&mut c, &["BGSAVE"]),
        "Background saving started"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while info_field(&mut c, "rdb_last_bgsave_status") != "ok" {
        assert!(
            Instant::now() < deadline,
            "the save did not succeed: {}",
            server.log()
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert_ok(&mut c, &["SET", "a", "6"]);
    assert_eq!(q::<String>(&mut c, &["PING"]), "PONG");
    shutdown(&mut server, &["NOSAVE"]);
}

#[test]
fn clients_get_loading_until_the_data_is_in() {
    let dir = Dir::new("loading");
    {
        let port = free_port();
        let _redis = Killed(
            Command::new("redis-server")
                .args([
                    "--port",
                    &port.to_string(),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                ])
                .args(["--dir", &dir.arg(), "--enable-debug-command", "yes"])
                .stdout(Stdio::null())
                .spawn()
                .expect("redis-server must be installed"),
        );
        let url = format!("redis://127.0.0.1:{port}/");
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut c = loop {
            if let Ok(c) = redis::Client::open(url.as_str()).and_then(|c| c.get_connection()) {
                break c;
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            thread::sleep(Duration::from_millis(20));
        };
        assert_ok(&mut c, &["DEBUG", "POPULATE", "1500000"]);
        assert_ok(&mut c, &["SAVE"]);
    }
    let port = free_port();
    let log = dir.file("tessera.log");
    let out = fs::File::create(&log).unwrap();
    let _tessera = Killed(
        Command::new(server_program())
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--threads",
                "2",
            ])
            .args(["--save", "", "--dir", &dir.arg()])
            .stdout(Stdio::from(out.try_clone().unwrap()))
            .stderr(Stdio::from(out))
            .spawn()
            .unwrap(),
    );
    let mut raw = {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break RawConn::connect(port);
            }
            assert!(Instant::now() < deadline, "Tessera did not listen");
            thread::sleep(Duration::from_millis(2));
        }
    };
    let loading = "LOADING Redis is loading the dataset in memory";
    assert_eq!(raw.cmd(&["GET", "key:1"]).text(), loading);
    assert_eq!(raw.cmd(&["PING"]).text(), loading);
    let info = raw.cmd(&["INFO", "persistence"]).text();
    assert!(info.contains("loading:1"), "{info}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while raw.cmd(&["PING"]).text() != "PONG" {
        assert!(
            Instant::now() < deadline,
            "{}",
            fs::read_to_string(&log).unwrap()
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(raw.cmd(&["DBSIZE"]), Resp::Int(1_500_000));
    assert_eq!(raw.cmd(&["GET", "key:1"]).text(), "value:1");
    let info = raw.cmd(&["INFO", "persistence"]).text();
    assert!(info.contains("loading:0"), "{info}");
}

/// A child process killed when dropped, a failed assertion included.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn an_image_is_one_point_in_time_while_writes_go_on() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;
    const KEYS: usize = 20_000;
    let dir = Dir::new("point");
    let server = tessera_in(&dir, &[]);
    let mut c = server.client();
    for start in (0..KEYS).step_by(1000) {
        let mut p = redis::pipe();
        for i in start..start + 1000 {
            p.cmd("SET").arg(format!("k:{i}")).arg(0);
        }
        p.query::<()>(&mut c).unwrap();
    }
    // One writer sets every key to the round's number, one key after the other: in any
    // point-in-time image, the keys written last in a round are never newer than the first.
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let writer = {
        let mut c = server.client();
        let (stop, done) = (stop.clone(), done.clone());
        thread::spawn(move || {
            let mut round = 0u64;
            while !stop.load(Ordering::Relaxed) {
                round += 1;
                for i in 0..KEYS {
                    assert_ok(&mut c, &["SET", &format!("k:{i}"), &round.to_string()]);
                    done.fetch_add(1, Ordering::Relaxed);
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                }
            }
        })
    };
    let mut images = Vec::new();
    for n in 0..3 {
        let from = done.load(Ordering::Relaxed);
        let deadline = Instant::now() + Duration::from_secs(30);
        while done.load(Ordering::Relaxed) < from + 3000 {
            assert!(Instant::now() < deadline, "the writer is stuck");
            thread::sleep(Duration::from_millis(1));
        }
        assert_ok(&mut c, &["SAVE"]);
        let copy = dir.file(&format!("point{n}.rdb"));
        fs::copy(dir.file("dump.rdb"), &copy).unwrap();
        images.push(copy);
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    drop(server);
    for image in &images {
        let d = Dir::new("point-image");
        fs::copy(image, d.file("dump.rdb")).unwrap();
        let server = tessera_in(&d, &[]);
        let mut c = server.client();
        let mut values = Vec::with_capacity(KEYS);
        for start in (0..KEYS).step_by(1000) {
            let keys: Vec<String> = (start..start + 1000).map(|i| format!("k:{i}")).collect();
            let got: Vec<u64> = redis::cmd("MGET").arg(&keys).query(&mut c).unwrap();
            values.extend(got);
        }
        let (first, last) = (values[0], values[KEYS - 1]);
        assert!(
            first == last || first == last + 1,
            "{image:?}: k:0={first} k:last={last}"
        );
        for (i, pair) in values.windows(2).enumerate() {
            assert!(
                pair[0] >= pair[1],
                "{image:?}: k:{i}={} but k:{}={}",
                pair[0],
                i + 1,
                pair[1]
            );
        }
    }
}

#[test]
fn saves_inside_a_transaction_are_scheduled_or_refused_as_redis_does() {
    let dir = Dir::new("in-multi");
    let server = tessera_in(&dir, &["--threads", "2"]);
    let mut c = server.client();
    // BGSAVE and BGREWRITEAOF inside EXEC start once the transaction is over.
    let replies: Vec<redis::Value> = redis::pipe()
        .atomic()
        .cmd("BGSAVE")
        .cmd("BGREWRITEAOF")
        .cmd("SET")
        .arg("k")
        .arg("v")
        .query(&mut c)
        .expect("EXEC");
    assert_eq!(
        replies,
        vec![
            redis::Value::SimpleString("Background saving scheduled".into()),
            redis::Value::SimpleString("Background append only file rewriting scheduled".into()),
            redis::Value::Okay,
        ]
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while info_field(&mut c, "rdb_saves") != "1" || info_field(&mut c, "aof_rewrites") != "1" {
        assert!(
            Instant::now() < deadline,
            "the scheduled save and rewrite never ran"
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert!(dir.file("dump.rdb").exists());
    // SAVE and SHUTDOWN are refused inside MULTI, and EXEC then aborts.
    for cmd in ["SAVE", "SHUTDOWN"] {
        let mut r = server.raw_conn();
        r.send(&encode_str(&["MULTI"]));
        assert_eq!(r.read(), Resp::ok());
        r.send(&encode_str(&[cmd]));
        assert_eq!(
            r.read(),
            Resp::Error("ERR Command not allowed inside a transaction".into())
        );
        r.send(&encode_str(&["EXEC"]));
        assert_eq!(
            r.read(),
            Resp::Error("EXECABORT Transaction discarded because of previous errors.".into())
        );
    }
    assert_eq!(q::<String>(&mut c, &["PING"]), "PONG");
}
