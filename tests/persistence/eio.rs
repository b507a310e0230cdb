//! A disk that fails (EIO) while a snapshot is written, through the fault points the test
//! build of the server has (`DEBUG FAULT`, see tessera-fault): at a write of the file, at the
//! sync that completes it, at the rename that puts it in place. Each time, as Redis with
//! `stop-writes-on-bgsave-error yes`: the failed BGSAVE sets `rdb_last_bgsave_status:err` and
//! writes are refused with MISCONF while reads go on, until a save succeeds; the previous
//! dump.rdb stays as it was, whole, with no temporary file left beside it.
//!
//! Redis has no such seam: these tests return early against it.

use std::fs;
use std::thread;
use std::time::{Duration, Instant};

use super::{check_rdb, contents, fill, shutdown, tessera_in, Dir};
use crate::common::*;

/// Redis's refusal while the last background save failed.
const MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/// Runs BGSAVE and waits for it to end; returns `rdb_last_bgsave_status`.
fn bgsave(c: &mut redis::Connection) -> String {
    assert_eq!(q::<String>(c, &["BGSAVE"]), "Background saving started");
    let deadline = Instant::now() + Duration::from_secs(10);
    while info_field(c, "rdb_bgsave_in_progress") != "0" {
        assert!(Instant::now() < deadline, "BGSAVE never finished");
        thread::sleep(Duration::from_millis(20));
    }
    info_field(c, "rdb_last_bgsave_status")
}

/// The names in `dir`.
fn files(dir: &Dir) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn a_failed_save_keeps_the_previous_file_and_stops_writes(point: &str) {
    if is_redis() {
        return; // No fault points in Redis: see the module's notes.
    }
    let dir = Dir::new(&format!("eio-{point}"));
    let mut server = tessera_in(&dir, &["--save", "3600 1", "--enable-debug-command", "yes"]);
    let mut c = server.client();
    fill(&mut c);
    assert_ok(&mut c, &["SAVE"]);
    let saved = fs::read(dir.file("dump.rdb")).unwrap();
    let (n0, n1) = key_pair("new");
    assert_ok(&mut c, &["MSET", &n0, "1", &n1, "1"]);

    assert_ok(&mut c, &["DEBUG", "FAULT", point, "EIO"]);
    // A failed SAVE is answered with an error and stops nothing.
    assert_eq!(err(&mut c, &["SAVE"]), "ERR", "{point}");
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    assert_ok(&mut c, &["SET", &n0, "2"]);
    // A failed BGSAVE stops the writes, on every shard; reads go on.
    assert_eq!(bgsave(&mut c), "err", "{point}");
    for _ in 0..4 {
        let mut r = server.client();
        for args in [
            vec!["SET", n0.as_str(), "3"],
            vec!["INCR", n1.as_str()],
            vec!["MSET", n0.as_str(), "3", n1.as_str(), "3"],
            vec!["PING"],
        ] {
            assert_eq!(err(&mut r, &args), MISCONF, "{point}: {args:?}");
        }
        assert_eq!(q::<String>(&mut r, &["GET", &n0]), "2", "{point}");
        assert_eq!(q::<String>(&mut r, &["GET", &n1]), "1", "{point}");
        assert_eq!(q::<i64>(&mut r, &["EXISTS", &n0, &n1]), 2, "{point}");
        assert_eq!(info_field(&mut r, "rdb_last_bgsave_status"), "err");
    }
    assert!(
        fs::read(dir.file("dump.rdb")).unwrap() == saved,
        "{point}: a failed save changed dump.rdb"
    );
    assert_eq!(files(&dir), ["dump.rdb"], "{point}: files left");
    let log = server.log();
    assert!(
        log.contains("Failed saving the DB: write error saving DB on disk: Input/output error"),
        "{point}: {log}"
    );

    // Once the disk is back, a save succeeds and writes work again.
    assert_ok(&mut c, &["DEBUG", "FAULT", point, "OFF"]);
    assert_eq!(bgsave(&mut c), "ok", "{point}: {}", server.log());
    assert_eq!(files(&dir), ["dump.rdb"], "{point}: files left");
    let want = contents(&mut c);
    assert_eq!(q::<String>(&mut c, &["PING"]), "PONG");
    assert_ok(&mut c, &["SET", &n0, "after the save"]);
    shutdown(&mut server, &["NOSAVE"]);
    check_rdb(&dir.file("dump.rdb"));
    let server = tessera_in(&dir, &[]);
    assert_eq!(contents(&mut server.client()), want, "{point}: what loads");
}

#[test]
fn a_failed_rdb_write_keeps_the_previous_file_and_stops_writes() {
    a_failed_save_keeps_the_previous_file_and_stops_writes("rdb-write");
}

#[test]
fn a_failed_rdb_sync_keeps_the_previous_file_and_stops_writes() {
    a_failed_save_keeps_the_previous_file_and_stops_writes("rdb-fsync");
}

#[test]
fn a_failed_rdb_rename_keeps_the_previous_file_and_stops_writes() {
    a_failed_save_keeps_the_previous_file_and_stops_writes("rdb-rename");
}
