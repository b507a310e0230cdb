//! A disk that fails (EIO), through the fault points the test build of the server has
//! (`DEBUG FAULT`, see tessera-fault): no file system the tests can mount fails that way.
//!
//! - A failed write of the log, under any `appendfsync`: the write whose record could not be
//!   written is not acknowledged until the fault clears, later writes are refused with Redis's
//!   `-MISCONF Errors writing to the AOF file: Input/output error`, reads and INFO answer on
//!   every shard; once the fault clears the held reply comes, writes work again, and a restart
//!   finds every acknowledged write. (Redis acknowledges that first write under `everysec` and
//!   `no`, and exits under `always`: see faults.rs.)
//! - A failed sync under `everysec`: the writes it covered were acknowledged (as Redis does),
//!   later writes are refused with the same MISCONF until a sync succeeds, as Redis 7.0 does.
//! - A failed sync under `always`: the write is never acknowledged; the server exits, as Redis
//!   does, saying why in its log, and a restart finds every acknowledged write.
//!
//! Redis has no such seam: these tests return early against it.

use std::thread;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::support::*;

/// Redis's refusal while the append-only file cannot be written.
const MISCONF_EIO: &str = "MISCONF Errors writing to the AOF file: Input/output error";

/// A server on `dir` with `appendfsync` `fsync` whose fault points can be armed.
fn faulty(dir: &Dir, fsync: &str) -> Server {
    start(
        dir,
        &["--appendfsync", fsync, "--enable-debug-command", "yes"],
    )
}

/// Waits (at most `secs` seconds) until INFO's `aof_last_write_status` is `want`.
fn wait_write_status(c: &mut redis::Connection, want: &str, secs: u64, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while info_field(c, "aof_last_write_status") != want {
        assert!(
            Instant::now() < deadline,
            "{what}: aof_last_write_status never became {want}"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `SET key value` on `c` until it is acknowledged (at most `secs` seconds), while it is
/// refused with [`MISCONF_EIO`].
fn set_once_writable(c: &mut RawConn, key: &str, value: &str, secs: u64, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        match c.cmd(&["SET", key, value]) {
            Resp::Simple(s) if s == "OK" => return,
            Resp::Error(e) if e == MISCONF_EIO && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(50))
            }
            r => panic!("{what}: a write once the fault is cleared: {r:?}"),
        }
    }
}

/// Writes are refused with [`MISCONF_EIO`] whatever shard their keys are on (PING too, as
/// Redis refuses it), while reads and INFO answer on fresh connections, which land on either
/// shard; `kept` holds `value` on both.
fn refused_but_readable(server: &Server, kept: &(String, String), value: &str, what: &str) {
    let (k0, k1) = (kept.0.as_str(), kept.1.as_str());
    for n in 0..4 {
        let mut r = server.raw_conn();
        for args in [
            vec!["SET", k0, "during"],
            vec!["INCR", k1],
            vec!["MSET", k0, "during", k1, "during"],
            vec!["PING"],
        ] {
            assert_eq!(
                r.cmd(&args),
                Resp::Error(MISCONF_EIO.into()),
                "{what}, connection {n}: {args:?}"
            );
        }
        for k in [k0, k1] {
            assert_eq!(
                r.cmd(&["GET", k]),
                Resp::bulk(value),
                "{what}, connection {n}: GET {k}"
            );
        }
        assert_eq!(r.cmd(&["EXISTS", k0, k1]), Resp::Int(2), "{what}");
        match r.cmd(&["INFO", "persistence"]) {
            Resp::Bulk(Some(info)) => assert!(
                String::from_utf8_lossy(&info).contains("aof_last_write_status:err\r\n"),
                "{what}, connection {n}: INFO persistence"
            ),
            other => panic!("{what}, connection {n}: INFO persistence: {other:?}"),
        }
    }
}

fn a_failed_write_holds_its_reply_and_refuses_writes(fsync: &str) {
    if is_redis() {
        return; // No fault points in Redis: see the module's notes.
    }
    let what = format!("appendfsync {fsync}");
    let dir = Dir::new(&format!("eio-write-{fsync}"));
    let server = faulty(&dir, fsync);
    let mut c = server.client();
    let kept = key_pair("kept");
    assert_ok(&mut c, &["MSET", &kept.0, "before", &kept.1, "before"]);
    let held = key_on_shard("held", 1, 2);

    assert_ok(&mut c, &["DEBUG", "FAULT", "aof-write", "EIO"]);
    let mut writer = server.raw_conn();
    writer.send(&encode_str(&["SET", &held, "written"]));
    assert_eq!(
        reply_within(&mut writer, Duration::from_millis(1000)),
        None,
        "{what}: a write whose record could not be written was answered"
    );
    wait_write_status(&mut c, "err", 3, &what);
    refused_but_readable(&server, &kept, "before", &what);
    assert_eq!(
        reply_within(&mut writer, Duration::from_millis(300)),
        None,
        "{what}: the held write is acknowledged while the log cannot be written"
    );

    assert_ok(&mut c, &["DEBUG", "FAULT", "aof-write", "OFF"]);
    assert_eq!(writer.read(), Resp::ok(), "{what}: the held write");
    let mut other = server.raw_conn();
    set_once_writable(&mut other, &kept.1, "after", 5, &what);
    assert_eq!(info_field(&mut c, "aof_last_write_status"), "ok");
    assert!(
        server
            .log()
            .contains("Error writing to the AOF file: Input/output error"),
        "{what}: the log says why: {}",
        server.log()
    );

    drop(c);
    kill(server);
    let server = faulty(&dir, fsync);
    let mut c = server.client();
    assert_eq!(q::<String>(&mut c, &["GET", &kept.0]), "before", "{what}");
    assert_eq!(q::<String>(&mut c, &["GET", &kept.1]), "after", "{what}");
    assert_eq!(q::<String>(&mut c, &["GET", &held]), "written", "{what}");
}

#[test]
fn a_failed_aof_write_under_everysec_holds_its_reply_and_refuses_writes() {
    a_failed_write_holds_its_reply_and_refuses_writes("everysec");
}

#[test]
fn a_failed_aof_write_under_no_holds_its_reply_and_refuses_writes() {
    a_failed_write_holds_its_reply_and_refuses_writes("no");
}

#[test]
fn a_failed_aof_write_under_always_holds_its_reply_and_refuses_writes() {
    a_failed_write_holds_its_reply_and_refuses_writes("always");
}

/// One failure, then the write succeeds when retried: nothing is refused for long, the
/// write is acknowledged once its record is in, and it survives a crash.
#[test]
fn a_single_failed_aof_write_is_retried() {
    if is_redis() {
        return; // No fault points in Redis: see the module's notes.
    }
    let dir = Dir::new("eio-write-once");
    let server = faulty(&dir, "everysec");
    let mut c = server.client();
    let (k0, k1) = key_pair("once");
    assert_ok(&mut c, &["DEBUG", "FAULT", "aof-write", "EIO", "1"]);
    assert_ok(&mut c, &["MSET", &k0, "1", &k1, "1"]);
    assert_ok(&mut c, &["SET", &k0, "2"]);
    assert_eq!(info_field(&mut c, "aof_last_write_status"), "ok");
    assert!(
        server.log().contains("AOF write error looks solved"),
        "{}",
        server.log()
    );
    restart_same(server, &dir, &["--appendfsync", "everysec"]);
}

/// Under `everysec` a failed sync refuses the writes that follow (Redis 7.0 checks its
/// background fsync's status before each write) until a sync succeeds; the writes before it
/// were acknowledged once written, and a restart finds them all.
#[test]
fn a_failed_everysec_fsync_refuses_writes_until_a_sync_succeeds() {
    if is_redis() {
        return; // No fault points in Redis: see the module's notes.
    }
    let what = "appendfsync everysec, failed fsync";
    let dir = Dir::new("eio-fsync-everysec");
    let server = faulty(&dir, "everysec");
    let mut c = server.client();
    let kept = key_pair("kept");
    assert_ok(&mut c, &["MSET", &kept.0, "before", &kept.1, "before"]);
    // Once those are synced, the next records reach the file and the sync that follows within
    // a second fails.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (written, synced) = written_synced(&mut c);
        if synced == written {
            break;
        }
        assert!(Instant::now() < deadline, "{what}: never synced");
        thread::sleep(Duration::from_millis(20));
    }
    assert_ok(&mut c, &["DEBUG", "FAULT", "aof-fsync", "EIO"]);
    assert_ok(&mut c, &["MSET", &kept.0, "unsynced", &kept.1, "unsynced"]);
    wait_write_status(&mut c, "err", 5, what);
    refused_but_readable(&server, &kept, "unsynced", what);
    assert!(
        server
            .log()
            .contains("Fail to fsync the AOF file: Input/output error"),
        "{}",
        server.log()
    );

    assert_ok(&mut c, &["DEBUG", "FAULT", "aof-fsync", "OFF"]);
    let mut other = server.raw_conn();
    set_once_writable(&mut other, &kept.1, "after", 5, what);
    assert_eq!(info_field(&mut c, "aof_last_write_status"), "ok");

    drop(c);
    kill(server);
    let server = faulty(&dir, "everysec");
    let mut c = server.client();
    assert_eq!(q::<String>(&mut c, &["GET", &kept.0]), "unsynced");
    assert_eq!(q::<String>(&mut c, &["GET", &kept.1]), "after");
}

/// Under `always` a write whose sync fails is never acknowledged: the server exits (status 1)
/// saying why, as Redis does, and a restart finds every acknowledged write. (The unanswered
/// write's record reached the file before its sync failed, so a restart may find it, as after
/// a crash while it was in flight.)
#[test]
fn a_failed_fsync_under_always_exits_without_acknowledging() {
    if is_redis() {
        return; // No fault points in Redis: see the module's notes.
    }
    let dir = Dir::new("eio-fsync-always");
    let mut server = faulty(&dir, "always");
    let mut c = server.client();
    let keys = alternating_keys("acked", 6);
    for (i, k) in keys.iter().enumerate() {
        assert_ok(&mut c, &["SET", k, &i.to_string()]);
    }
    assert_ok(&mut c, &["DEBUG", "FAULT", "aof-fsync", "EIO"]);
    let mut writer = server.raw_conn();
    writer.send(&encode_str(&["SET", &keys[1], "never acknowledged"]));
    let got = reply_within(&mut writer, Duration::from_secs(5));
    assert_eq!(got, None, "a write whose sync failed was answered");
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("the server goes on after a failed sync under appendfsync always");
    assert_eq!(status.code(), Some(1), "{status}");
    assert!(
        server.log().contains(
            "Can't persist AOF for fsync error when the AOF fsync policy is 'always': Input/output error"
        ),
        "{}",
        server.log()
    );

    let server = faulty(&dir, "always");
    let mut c = server.client();
    for (i, k) in keys.iter().enumerate() {
        let got: String = q(&mut c, &["GET", k]);
        if i == 1 {
            assert!(got == "1" || got == "never acknowledged", "{k}: {got}");
        } else {
            assert_eq!(got, i.to_string(), "{k}");
        }
    }
}
