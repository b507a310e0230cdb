//! A full disk (ENOSPC, on a small tmpfs): writes are refused in Redis's words (`-MISCONF Errors
//! writing to the AOF file: No space left on device`) and the reply of a write that ran but
//! could not reach the file is held, never acknowledged, while reads go on; once space is back
//! the held reply comes, writes work again, and a restart finds everything acknowledged.
//!
//! Redis differs: under `appendfsync everysec` it acknowledges the write whose record could not
//! be written (the record stays in its buffer, retried each second) and refuses later writes
//! with the same MISCONF; under `always` it logs "Can't recover from AOF write error when the
//! AOF fsync policy is 'always'. Exiting..." and exits. These tests are Tessera's.

use std::fs::{self, File};
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::support::*;

/// Redis's refusal while the append-only file cannot be written.
const MISCONF_ENOSPC: &str = "MISCONF Errors writing to the AOF file: No space left on device";

/// A tmpfs of `size` mounted on a new directory, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let path = temp_path("tmpfs", "d");
        fs::create_dir_all(&path).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "this test needs a small tmpfs (run it as root): mount -t tmpfs at {} failed: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(path)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
        let _ = fs::remove_dir(&self.0);
    }
}

/// A small tmpfs with a directory `data` for the server, and the server on it.
fn full_disk_server(extra: &[&str]) -> (Tmpfs, Dir, Server) {
    let disk = Tmpfs::mount("2m");
    let dir = Dir(disk.0.join("data"));
    fs::create_dir_all(&dir.0).unwrap();
    let server = start(&dir, extra);
    (disk, dir, server)
}

/// Fills the file system under `at` with a file `filler` until it is full.
fn fill_up(at: &std::path::Path) -> PathBuf {
    let path = at.join("filler");
    let mut f = File::create(&path).unwrap();
    let chunk = vec![0u8; 64 << 10];
    while f.write_all(&chunk).is_ok() {}
    // Whatever whole pages were left after the last chunk.
    while f.write_all(&chunk[..512]).is_ok() {}
    path
}

fn writes_wait_or_are_refused_while_the_disk_is_full(fsync: &str) {
    if is_redis() {
        return; // Redis acknowledges (everysec) or exits (always): see the module's notes.
    }
    // One shard: which connection lives on which shard decides whether a reply travels
    // between shards, see the test after this one.
    let config = ["--appendfsync", fsync, "--threads", "1"];
    let (disk, dir, server) = full_disk_server(&config);
    let mut c = server.client();
    let (a0, a1) = key_pair("kept");
    let (refused, held) = (key_on_shard("refused", 1, 2), key_on_shard("held", 0, 2));
    for k in [&a0, &a1, &refused] {
        assert_ok(&mut c, &["SET", k, "before"]);
    }
    let filler = fill_up(&disk.0);

    // A record larger than a page: it cannot fit in what the log file's last page has left.
    let big = "b".repeat(8192);
    let mut writer = server.raw_conn();
    writer.send(&encode_str(&["SET", &held, &big]));
    let first = reply_within(&mut writer, Duration::from_millis(1500));
    let held_acked = match &first {
        None => true,
        Some(Resp::Error(e)) if e == MISCONF_ENOSPC => false,
        other => panic!("{fsync}: a write that cannot be logged was answered {other:?}"),
    };
    let deadline = Instant::now() + Duration::from_secs(3);
    while info_field(&mut c, "aof_last_write_status") != "err" {
        assert!(
            Instant::now() < deadline,
            "{fsync}: aof_last_write_status stays ok"
        );
        thread::sleep(Duration::from_millis(20));
    }
    let mut other = server.raw_conn();
    assert_eq!(
        other.cmd(&["SET", &refused, "during"]),
        Resp::Error(MISCONF_ENOSPC.into()),
        "{fsync}: a write while the disk is full"
    );
    assert_eq!(
        other.cmd(&["INCR", &a0]),
        Resp::Error(MISCONF_ENOSPC.into()),
        "{fsync}: a write while the disk is full"
    );
    for k in [&a0, &a1, &refused] {
        assert_eq!(
            other.cmd(&["GET", k]),
            Resp::bulk("before"),
            "{fsync}: read of {k}"
        );
    }
    assert_eq!(other.cmd(&["EXISTS", &a0, &a1]), Resp::Int(2));
    if held_acked {
        assert_eq!(
            reply_within(&mut writer, Duration::from_millis(500)),
            None,
            "{fsync}: the held write is acknowledged while the disk is full"
        );
    }

    fs::remove_file(&filler).unwrap();
    if held_acked {
        assert_eq!(
            writer.read(),
            Resp::ok(),
            "{fsync}: the held write, space back"
        );
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match other.cmd(&["SET", &a1, "after"]) {
            Resp::Simple(s) if s == "OK" => break,
            Resp::Error(e) if e == MISCONF_ENOSPC && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(50))
            }
            r => panic!("{fsync}: a write once space is back: {r:?}"),
        }
    }
    assert_eq!(info_field(&mut c, "aof_last_write_status"), "ok");

    drop(c);
    kill(server);
    let server = start(&dir, &config);
    let mut c = server.client();
    assert_eq!(q::<String>(&mut c, &["GET", &a0]), "before");
    assert_eq!(q::<String>(&mut c, &["GET", &a1]), "after");
    assert_eq!(q::<String>(&mut c, &["GET", &refused]), "before");
    if held_acked {
        assert_eq!(
            q::<String>(&mut c, &["GET", &held]),
            big,
            "{fsync}: the held write"
        );
    } else {
        assert_eq!(
            q::<i64>(&mut c, &["EXISTS", &held]),
            0,
            "{fsync}: a refused write"
        );
    }
    drop(server);
}

#[test]
fn a_full_disk_under_appendfsync_everysec_refuses_writes_and_holds_replies() {
    writes_wait_or_are_refused_while_the_disk_is_full("everysec");
}

#[test]
fn a_full_disk_under_appendfsync_always_refuses_writes_and_holds_replies() {
    writes_wait_or_are_refused_while_the_disk_is_full("always");
}

/// With two shards, a write whose record cannot reach the file holds its reply; the other
/// clients' reads, whatever shard their keys and connections are on, and INFO, still answer.
/// (The held reply crosses between shards when the writer's connection lives on the other
/// shard, as about every other connection does: the test tries a few times.)
#[test]
fn reads_across_shards_answer_while_a_write_waits_for_the_full_disk() {
    if is_redis() {
        return; // Redis acknowledges the write (everysec): see the module's notes.
    }
    let (disk, _dir, server) = full_disk_server(&["--appendfsync", "everysec"]);
    let mut c = server.client();
    let (a0, a1) = key_pair("kept");
    assert_ok(&mut c, &["MSET", &a0, "before", &a1, "before"]);
    let big = "b".repeat(8192);
    for attempt in 0..6 {
        let filler = fill_up(&disk.0);
        let held = key_on_shard(&format!("held{attempt}"), 0, 2);
        let mut writer = server.raw_conn();
        writer.send(&encode_str(&["SET", &held, &big]));
        assert_eq!(
            reply_within(&mut writer, Duration::from_millis(1000)),
            None,
            "a write that cannot be logged is not answered"
        );
        // Fresh connections land on either shard.
        for n in 0..6 {
            let mut r = server.raw_conn();
            for args in [
                vec!["GET", a0.as_str()],
                vec!["GET", a1.as_str()],
                vec!["EXISTS", a0.as_str(), a1.as_str()],
                vec!["INFO", "persistence"],
            ] {
                r.send(&encode_str(&args));
                assert!(
                    reply_within(&mut r, Duration::from_millis(1500)).is_some(),
                    "attempt {attempt}, connection {n}: {args:?} is not answered while the disk is full"
                );
            }
        }
        fs::remove_file(&filler).unwrap();
        assert_eq!(writer.read(), Resp::ok(), "the held write, space back");
    }
}

/// A write over both shards (MSET) whose records cannot reach either shard's file must not be
/// acknowledged; if it is, it must at least be in the files once space is back.
#[test]
fn a_write_over_both_shards_is_not_acknowledged_while_the_disk_is_full() {
    if is_redis() {
        return; // Redis acknowledges the write (everysec): see the module's notes.
    }
    let (disk, dir, server) = full_disk_server(&["--appendfsync", "everysec"]);
    let mut c = server.client();
    let (h0, h1) = key_pair("held");
    assert_ok(&mut c, &["MSET", &h0, "before", &h1, "before"]);
    let filler = fill_up(&disk.0);
    let big = "b".repeat(8192);
    let mut writer = server.raw_conn();
    writer.send(&encode_str(&["MSET", &h0, &big, &h1, &big]));
    let got = reply_within(&mut writer, Duration::from_millis(1000));
    let acked = got == Some(Resp::ok());
    assert!(
        got.is_none() || got == Some(Resp::Error(MISCONF_ENOSPC.into())) || acked,
        "{got:?}"
    );
    kill(server);
    fs::remove_file(&filler).unwrap();
    let server = start(&dir, &["--appendfsync", "everysec"]);
    let mut c = server.client();
    let now: Vec<String> = q(&mut c, &["MGET", &h0, &h1]);
    assert!(
        !acked || now.iter().all(|v| v == &big),
        "the MSET was acknowledged (+OK) while the disk was full, and is lost after a crash: {:?}",
        now.iter().map(|v| v.len()).collect::<Vec<_>>()
    );
    assert!(
        !acked,
        "an MSET acknowledged while no record of it could be written"
    );
}
