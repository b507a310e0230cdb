//! The append-only folder is Redis 7's multi-part layout both ways: what Tessera writes with
//! one shard (a rewrite's RDB base and an incremental tail) is loaded by `redis-server` 7.0,
//! and what `redis-server` writes (an RDB or a RESP base, after a rewrite and more writes) is
//! loaded by Tessera with one shard or two.

use std::fs::{self, File};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::rewrite::*;
use crate::support::*;

/// A `redis-server` of its own (whatever the tests run against), stopped when dropped.
struct Reference {
    child: Child,
    port: u16,
    log: std::path::PathBuf,
}

impl Reference {
    /// Starts `redis-server` with `appendonly yes` on `dir`, then `extra`, and waits until it
    /// has loaded what the folder holds.
    fn start(dir: &Dir, extra: &[&str]) -> Reference {
        let port = free_port();
        let log = temp_path("reference", "log");
        let out = File::create(&log).unwrap();
        let mut args = vec![
            "--port".to_string(),
            port.to_string(),
            "--bind".into(),
            "127.0.0.1".into(),
            "--save".into(),
            "".into(),
            "--dir".into(),
            dir.arg(),
            "--appendonly".into(),
            "yes".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let child = Command::new("redis-server")
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out.try_clone().unwrap()))
            .stderr(Stdio::from(out))
            .spawn()
            .expect("run redis-server");
        let mut r = Reference { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = r.child.try_wait().unwrap() {
                panic!("redis-server exited with {status}:\n{}", r.log());
            }
            let pong = redis::Client::open(format!("redis://127.0.0.1:{port}/"))
                .and_then(|cl| cl.get_connection_with_timeout(Duration::from_secs(1)))
                .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
            if pong.is_ok() {
                return r;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not load:\n{}",
                r.log()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn client(&self) -> redis::Connection {
        let cl = redis::Client::open(format!("redis://127.0.0.1:{}/", self.port)).unwrap();
        let c = cl.get_connection_with_timeout(CLIENT_TIMEOUT).unwrap();
        c.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
        c
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        signal(self.child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            eprintln!("--- redis-server log ---\n{}", self.log());
        }
        let _ = fs::remove_file(&self.log);
    }
}

/// A copy of `from`'s append-only folder in a new directory.
fn copy_of(from: &Dir, what: &str) -> Dir {
    let to = Dir::new(what);
    let (src, dst) = (from.0.join("appendonlydir"), to.0.join("appendonlydir"));
    fs::create_dir_all(&dst).unwrap();
    for e in fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), dst.join(e.file_name())).unwrap();
    }
    to
}

/// The folder's files and the manifest, for a failure's message.
fn describe(dir: &Path) -> String {
    let folder = dir.join("appendonlydir");
    let mut names: Vec<String> = fs::read_dir(&folder)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let manifest = fs::read_to_string(folder.join("appendonly.aof.manifest")).unwrap_or_default();
    format!("files {names:?}, manifest:\n{manifest}")
}

#[test]
fn redis_loads_what_tessera_wrote_with_one_thread() {
    let dir = Dir::new("to-redis");
    let server = start(&dir, &["--threads", "1"]);
    let mut c = server.client();
    fill_types(&mut c, "base", 100);
    rewrite(&mut c);
    fill_types(&mut c, "tail", 50);
    change_some(&mut c, "base", 100);
    let before = contents(&mut c);
    drop(server);
    one_base_one_generation(&dir);
    let tail: u64 = folder_files(&dir)
        .iter()
        .filter(|f| f.ends_with(".incr.aof"))
        .map(|f| fs::metadata(dir.aof(f)).unwrap().len())
        .sum();
    assert!(tail > 0, "an incremental tail after the base");
    redis_loads_to(&dir, &before);
}

/// redis-server, started on a copy of `dir`'s folder, holds `before`.
fn redis_loads_to(dir: &Dir, before: &[String]) {
    let copy = copy_of(dir, "to-redis-copy");
    let reference = Reference::start(&copy, &[]);
    assert_eq!(
        contents(&mut reference.client()),
        before,
        "redis-server on {}",
        describe(&dir.0)
    );
}

/// With `aof-use-rdb-preamble no` the base is commands, as Redis writes it then (SELECT, SET,
/// RPUSH / SADD / ZADD / HMSET of at most 64 items, PEXPIREAT): Tessera at 1 and 2 threads and
/// redis-server load it, with the tail after it, to the same data.
#[test]
fn a_base_without_the_rdb_preamble_is_commands_both_servers_load() {
    let dir = Dir::new("no-preamble");
    let server = start(&dir, &["--threads", "2", "--aof-use-rdb-preamble", "no"]);
    let mut c = server.client();
    fill_types(&mut c, "base", 100);
    // Collections longer than one command's 64 items, an integer string, binary bytes.
    let mut p = redis::pipe();
    for i in 0..150 {
        p.cmd("RPUSH").arg("big:list").arg(i).ignore();
        p.cmd("SADD").arg("big:set").arg(format!("m{i}")).ignore();
        p.cmd("SADD").arg("big:intset").arg(i).ignore();
        p.cmd("ZADD")
            .arg("big:zset")
            .arg(i as f64 / 3.0)
            .arg(format!("m{i}"))
            .ignore();
        p.cmd("HSET")
            .arg("big:hash")
            .arg(format!("f{i}"))
            .arg(i)
            .ignore();
    }
    p.cmd("ZADD").arg("big:zset").arg("inf").arg("top").ignore();
    p.cmd("SET").arg("int").arg(-42).ignore();
    p.cmd("SET").arg("bin").arg(&b"a\r\n\x00b"[..]).ignore();
    p.cmd("PEXPIRE").arg("big:hash").arg(3_600_000).ignore();
    p.query::<()>(&mut c).unwrap();
    rewrite(&mut c);
    fill_types(&mut c, "tail", 50);
    change_some(&mut c, "base", 100);
    let before = contents(&mut c);
    let base = one_base_one_generation_of(&dir, ".base.aof");
    let bytes = fs::read(dir.aof(&base)).unwrap();
    assert!(
        bytes.starts_with(b"*2\r\n$6\r\nSELECT\r\n"),
        "the base begins with a SELECT: {:?}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(80)])
    );
    let text = String::from_utf8_lossy(&bytes);
    for command in ["RPUSH", "SADD", "ZADD", "HMSET", "PEXPIREAT"] {
        assert!(text.contains(command), "the base has {command}");
    }
    assert!(!text.contains("REDIS00"), "no RDB image in the base");
    drop(server);
    tessera_loads_to(&dir, &before);
}

/// With one thread the folder is Redis's own: redis-server loads a base of commands too.
#[test]
fn redis_loads_a_base_of_commands_tessera_wrote() {
    let dir = Dir::new("no-preamble-to-redis");
    let server = start(&dir, &["--threads", "1", "--aof-use-rdb-preamble", "no"]);
    let mut c = server.client();
    fill_types(&mut c, "base", 100);
    rewrite(&mut c);
    fill_types(&mut c, "tail", 20);
    let before = contents(&mut c);
    drop(server);
    one_base_one_generation_of(&dir, ".base.aof");
    redis_loads_to(&dir, &before);
}

/// What redis-server writes, with `aof-use-rdb-preamble` `preamble`, after a rewrite and more
/// writes, and what it then holds.
fn written_by_redis(preamble: &str) -> (Dir, Vec<String>) {
    let dir = Dir::new(&format!("from-redis-{preamble}"));
    let reference = Reference::start(&dir, &["--aof-use-rdb-preamble", preamble]);
    let mut c = reference.client();
    fill_types(&mut c, "base", 100);
    rewrite(&mut c);
    fill_types(&mut c, "tail", 50);
    change_some(&mut c, "base", 100);
    let before = contents(&mut c);
    drop(reference);
    (dir, before)
}

fn tessera_loads_what_redis_wrote(preamble: &str) {
    let (dir, before) = written_by_redis(preamble);
    let base = if preamble == "yes" {
        ".base.rdb"
    } else {
        ".base.aof"
    };
    assert!(dir.manifest().contains(base), "{}", describe(&dir.0));
    tessera_loads_to(&dir, &before);
}

/// Tessera, at 1 and 2 threads, started on a copy of `dir`'s folder, holds `before`.
fn tessera_loads_to(dir: &Dir, before: &[String]) {
    for threads in ["1", "2"] {
        let copy = copy_of(dir, "loaded-copy");
        let server = start(&copy, &["--threads", threads]);
        assert_eq!(
            contents(&mut server.client()),
            before,
            "--threads {threads} on {}",
            describe(&dir.0)
        );
    }
}

#[test]
fn tessera_loads_what_redis_wrote_with_an_rdb_preamble() {
    tessera_loads_what_redis_wrote("yes");
}

#[test]
fn tessera_loads_what_redis_wrote_without_an_rdb_preamble() {
    tessera_loads_what_redis_wrote("no");
}
