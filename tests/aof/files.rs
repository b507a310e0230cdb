//! The files themselves: read back by another number of shards (a generation each), a torn
//! last record cut or refused, damage inside a file refused, a transaction missing a part in
//! one shard's file left out whole.

use std::fs;

use crate::common::*;
use crate::support::*;

/// Writes `n` keys of several types named `prefix:N` in databases 0 and 3.
fn fill(c: &mut redis::Connection, prefix: &str, n: usize) {
    for db in ["0", "3"] {
        assert_ok(c, &["SELECT", db]);
        let mut p = redis::pipe();
        for i in 0..n {
            let k = format!("{prefix}:{i}");
            match i % 4 {
                0 => p.cmd("SET").arg(&k).arg(i),
                1 => p.cmd("RPUSH").arg(&k).arg("a").arg(i),
                2 => p.cmd("HSET").arg(&k).arg("f").arg(i),
                _ => p.cmd("ZADD").arg(&k).arg(i).arg("m"),
            };
            p.ignore();
        }
        p.query::<()>(c).unwrap();
    }
    assert_ok(c, &["SELECT", "0"]);
}

/// The manifest's lines for generation `seq`.
fn generation(dir: &Dir, seq: u64) -> Vec<String> {
    dir.manifest()
        .lines()
        .filter(|l| l.contains(&format!(" seq {seq} type i")))
        .map(String::from)
        .collect()
}

#[test]
fn the_files_load_with_another_number_of_threads_each_starting_a_generation() {
    // The data part runs against Redis too; the manifest's generations are Tessera's layout.
    let dir = Dir::new("threads");
    let server = start(&dir, &["--threads", "2"]);
    let mut c = server.client();
    fill(&mut c, "two", 200);
    let keys = alternating_keys("tx", 4);
    let _: () = redis::cmd("MSET")
        .arg(&keys[0])
        .arg(1)
        .arg(&keys[1])
        .arg(1)
        .query(&mut c)
        .unwrap();
    let server = {
        let before = contents(&mut c);
        drop(server);
        let server = start(&dir, &["--threads", "1"]);
        assert_eq!(contents(&mut server.client()), before, "2 -> 1 threads");
        server
    };
    if !is_redis() {
        assert_eq!(
            generation(&dir, 1),
            [
                "file appendonly.aof.1.shard0.incr.aof seq 1 type i shard 0 shards 2",
                "file appendonly.aof.1.shard1.incr.aof seq 1 type i shard 1 shards 2"
            ]
        );
        assert_eq!(
            generation(&dir, 2),
            ["file appendonly.aof.2.incr.aof seq 2 type i shard 0 shards 1"]
        );
    }
    let mut c = server.client();
    fill(&mut c, "one", 100);
    for i in (0..200).step_by(3) {
        let _: i64 = q(&mut c, &["DEL", &format!("two:{i}")]);
    }
    let _: i64 = q(&mut c, &["INCR", &keys[0]]);
    let server = restart_same(server, &dir, &["--threads", "3"]);
    if !is_redis() {
        let third = generation(&dir, 3);
        assert_eq!(third.len(), 3, "{}", dir.manifest());
        for (k, line) in third.iter().enumerate() {
            assert_eq!(
                line,
                &format!("file appendonly.aof.3.shard{k}.incr.aof seq 3 type i shard {k} shards 3")
            );
        }
    }
    let mut c = server.client();
    fill(&mut c, "three", 100);
    let _: () = redis::cmd("MSET")
        .arg(&keys[2])
        .arg(3)
        .arg(&keys[3])
        .arg(3)
        .query(&mut c)
        .unwrap();
    let manifest = if is_redis() {
        String::new()
    } else {
        dir.manifest()
    };
    let _server = restart_same(server, &dir, &["--threads", "3"]);
    if !is_redis() {
        assert_eq!(dir.manifest(), manifest, "same threads, same generation");
    }
}

// ---------------------------------------------------------------------------------------------
// Torn and damaged files (Tessera's layout: a file per shard; offsets in the messages).

/// Writes keys on both shards, the last one `last` on shard 1, and stops the server; returns
/// the keys written.
fn written_then_stopped(dir: &Dir, last: &str) -> Vec<String> {
    let server = start(dir, &[]);
    let mut c = server.client();
    let keys = alternating_keys("kept", 10);
    for k in &keys {
        assert_ok(&mut c, &["SET", k, "v"]);
    }
    assert_ok(&mut c, &["SET", last, "last"]);
    keys
}

#[test]
fn a_torn_last_record_is_cut_with_aof_load_truncated_and_refused_without() {
    if is_redis() {
        return; // Tessera's layout and messages.
    }
    let dir = Dir::new("torn");
    let last = key_on_shard("last", 1, 2);
    let keys = written_then_stopped(&dir, &last);
    let file = dir.aof("appendonly.aof.1.shard1.incr.aof");
    let bytes = fs::read(&file).unwrap();
    let at = set_record_at(&bytes, &last);
    assert_eq!(
        at + encode_str(&["SET", &last, "last"]).len(),
        bytes.len(),
        "SET {last} is the file's last record"
    );
    fs::write(&file, &bytes[..at + 9]).unwrap();

    let said = expect_startup_failure(&args_for(&dir, &["--aof-load-truncated", "no"]));
    assert!(
        said.contains("appendonly.aof.1.shard1.incr.aof") && said.contains(&format!("offset {at}")),
        "the refusal names the file and offset {at}: {said}"
    );
    assert_eq!(fs::metadata(&file).unwrap().len(), at as u64 + 9);

    let log = dir.0.join("server.log");
    let server = start(&dir, &["--logfile", &log.display().to_string()]);
    let mut c = server.client();
    let said = fs::read_to_string(&log).unwrap();
    assert!(
        said.contains("short read while loading the AOF file appendonly.aof.1.shard1.incr.aof"),
        "{said}"
    );
    for k in &keys {
        assert_eq!(q::<String>(&mut c, &["GET", k]), "v");
    }
    assert_eq!(q::<i64>(&mut c, &["EXISTS", &last]), 0);
    assert_eq!(
        fs::metadata(&file).unwrap().len(),
        at as u64,
        "the torn tail is cut"
    );
    // What comes after the cut is read back: the file goes on from a whole record.
    assert_ok(&mut c, &["SET", &last, "again"]);
    let server = restart_same(server, &dir, &[]);
    assert_eq!(q::<String>(&mut server.client(), &["GET", &last]), "again");
}

#[test]
fn damage_inside_a_file_refuses_the_start_naming_file_and_offset() {
    if is_redis() {
        return; // Tessera's layout and messages.
    }
    let dir = Dir::new("damaged");
    let keys = written_then_stopped(&dir, &key_on_shard("last", 1, 2));
    let file = dir.aof("appendonly.aof.1.shard0.incr.aof");
    let mut bytes = fs::read(&file).unwrap();
    let middle = &keys[4];
    assert_eq!(key_shard(middle, 2), 0);
    let at = set_record_at(&bytes, middle);
    let len = encode_str(&["SET", middle, "v"]).len();
    assert!(at + len < bytes.len(), "a record in the middle");
    bytes[at..at + len].fill(b'?');
    fs::write(&file, &bytes).unwrap();
    for truncated in ["yes", "no"] {
        let said = expect_startup_failure(&args_for(&dir, &["--aof-load-truncated", truncated]));
        assert!(
            said.contains("appendonly.aof.1.shard0.incr.aof")
                && said.contains(&format!("offset {at}")),
            "the refusal names the file and offset {at}: {said}"
        );
    }
}

#[test]
fn a_transaction_whose_part_never_reached_one_file_is_not_applied() {
    if is_redis() {
        return; // Tessera's layout: a file per shard.
    }
    let dir = Dir::new("part");
    let (a, b) = key_pair("whole");
    let keys = {
        let server = start(&dir, &[]);
        let mut c = server.client();
        let keys = alternating_keys("other", 6);
        for k in keys.iter().chain([&a, &b]) {
            assert_ok(&mut c, &["SET", k, "old"]);
        }
        assert_ok(&mut c, &["MSET", &a, "new", &b, "new"]);
        keys
    };
    let file = dir.aof("appendonly.aof.1.shard1.incr.aof");
    let bytes = fs::read(&file).unwrap();
    let at = rfind(&bytes, b"*3\r\n$8\r\n__txpart\r\n").expect("shard 1's part of the MSET");
    fs::write(&file, &bytes[..at]).unwrap();
    let other = fs::read(dir.aof("appendonly.aof.1.shard0.incr.aof")).unwrap();
    assert!(rfind(&other, b"__txpart").is_some(), "shard 0's part stays");

    let server = start(&dir, &[]);
    let mut c = server.client();
    assert_eq!(
        q::<String>(&mut c, &["GET", &a]),
        "old",
        "half a transaction"
    );
    assert_eq!(q::<String>(&mut c, &["GET", &b]), "old");
    for k in &keys {
        assert_eq!(q::<String>(&mut c, &["GET", k]), "old");
    }
}
