//! `appendfsync` as INFO's `aof_written` / `aof_synced` show it, changed at run time, and the
//! directives as CONFIG GET and SET answer them.

use std::thread;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::support::*;

#[test]
fn appendfsync_always_syncs_before_each_reply_and_everysec_within_a_second() {
    if is_redis() {
        return; // INFO's aof_written and aof_synced are Tessera's.
    }
    let dir = Dir::new("fsync");
    let server = start(&dir, &["--appendfsync", "always"]);
    let mut c = server.client();
    let keys = alternating_keys("synced", 8);
    let mut last = 0;
    for i in 0..40 {
        assert_ok(&mut c, &["SET", &keys[i % 8], &i.to_string()]);
        let (written, synced) = written_synced(&mut c);
        assert_eq!(written, synced, "always, write {i}");
        assert!(written > last, "aof_written grows");
        last = written;
    }

    // everysec: a write right after a sync waits for the next one, a second later at most.
    assert_ok(&mut c, &["CONFIG", "SET", "appendfsync", "everysec"]);
    let mut behind = false;
    let deadline = Instant::now() + Duration::from_millis(1500);
    while !behind && Instant::now() < deadline {
        assert_ok(&mut c, &["SET", &keys[0], "everysec"]);
        let (written, synced) = written_synced(&mut c);
        behind = written > synced;
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        behind,
        "under everysec every write was synced before INFO saw it"
    );
    let deadline = Instant::now() + Duration::from_millis(2500);
    loop {
        let (written, synced) = written_synced(&mut c);
        if written == synced {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not synced within 2.5 s: {written} > {synced}"
        );
        thread::sleep(Duration::from_millis(50));
    }

    // no: the kernel decides; the server never syncs.
    assert_ok(&mut c, &["CONFIG", "SET", "appendfsync", "no"]);
    assert_ok(&mut c, &["SET", &keys[1], "no"]);
    thread::sleep(Duration::from_millis(1500));
    let (written, synced) = written_synced(&mut c);
    assert!(
        written > synced,
        "appendfsync no synced: {written} {synced}"
    );

    // Back to always: the next reply waits for a sync of everything.
    assert_ok(&mut c, &["CONFIG", "SET", "appendfsync", "always"]);
    assert_ok(&mut c, &["SET", &keys[1], "always"]);
    let (written, synced) = written_synced(&mut c);
    assert_eq!(written, synced);
    assert_eq!(info_field(&mut c, "aof_last_write_status"), "ok");
}

#[test]
fn the_directives_read_and_change_as_in_redis() {
    let dir = Dir::new("directives");
    let server = start(
        &dir,
        &["--appendfsync", "always", "--appenddirname", "journal"],
    );
    let mut c = server.client();
    let get = |c: &mut redis::Connection, name: &str| q::<Vec<String>>(c, &["CONFIG", "GET", name]);
    assert_eq!(get(&mut c, "appendonly"), ["appendonly", "yes"]);
    assert_eq!(get(&mut c, "appendfsync"), ["appendfsync", "always"]);
    assert_eq!(get(&mut c, "appenddirname"), ["appenddirname", "journal"]);
    assert_eq!(
        get(&mut c, "appendfilename"),
        ["appendfilename", "appendonly.aof"]
    );
    assert_eq!(
        get(&mut c, "aof-load-truncated"),
        ["aof-load-truncated", "yes"]
    );
    let all: Vec<String> = get(&mut c, "append*");
    let mut pairs: Vec<String> = all.chunks(2).map(|p| p.join("=")).collect();
    pairs.sort();
    assert_eq!(
        pairs,
        [
            "appenddirname=journal",
            "appendfilename=appendonly.aof",
            "appendfsync=always",
            "appendonly=yes"
        ]
    );
    assert_ok(&mut c, &["CONFIG", "SET", "appendfsync", "EVERYSEC"]);
    assert_eq!(get(&mut c, "appendfsync"), ["appendfsync", "everysec"]);
    for name in ["appenddirname", "appendfilename"] {
        assert_eq!(
            err(&mut c, &["CONFIG", "SET", name, "other"]),
            format!("ERR CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config")
        );
    }
    assert_eq!(info_field(&mut c, "aof_enabled"), "1");
    assert_ok(&mut c, &["SET", "k", "v"]);
    assert!(
        dir.0
            .join("journal")
            .join("appendonly.aof.manifest")
            .exists(),
        "the manifest is in appenddirname"
    );
    let server = restart_same(server, &dir, &["--appenddirname", "journal"]);
    assert_eq!(q::<String>(&mut server.client(), &["GET", "k"]), "v");
}

#[test]
fn a_bad_appendfsync_is_refused_in_redis_words() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(
        err(&mut c, &["CONFIG", "SET", "appendfsync", "sometimes"]),
        "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: everysec, always, no"
    );
}
