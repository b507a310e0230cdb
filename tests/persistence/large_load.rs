//! A start-up maps its snapshot instead of reading it onto the heap, and hands the pages back
//! as the load goes: loading a file much larger than what it leaves in memory never holds the
//! whole file. Here every key of a 256 MiB snapshot has expired by the restart, so the load
//! reads it all and keeps nothing; the process's peak resident memory (VmHWM) must stay far
//! below the file's size. Reading the file whole, as start-ups did before, peaks above it.

use std::fs;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{tessera_in, Dir};
use crate::common::*;

/// The peak resident memory of process `pid`, in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmHWM in {status}"));
    kib * 1024
}

#[test]
fn loading_a_large_snapshot_holds_a_window_of_it_not_all_of_it() {
    if is_redis() {
        // Redis reads its file through a buffer too; the figures below are Tessera's.
        return;
    }
    const VALUES: usize = 256;
    const VALUE_LEN: usize = 1 << 20;
    let dir = Dir::new("large-load");
    let deadline;
    {
        let server = tessera_in(&dir, &[]);
        let mut c = server.client();
        // Random bytes, so that the file's compression keeps them whole.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut value = vec![0u8; VALUE_LEN];
        for i in 0..VALUES {
            for chunk in value.chunks_mut(8) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                chunk.copy_from_slice(&seed.to_le_bytes()[..chunk.len()]);
            }
            let _: () = redis::cmd("SET")
                .arg(format!("big:{i}"))
                .arg(&value)
                .query(&mut c)
                .unwrap();
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        deadline = now + Duration::from_secs(5);
        let at = deadline.as_millis().to_string();
        for i in 0..VALUES {
            let set: i64 = q(&mut c, &["PEXPIREAT", &format!("big:{i}"), &at]);
            assert_eq!(set, 1);
        }
        assert_ok(&mut c, &["SAVE"]);
    }
    let size = fs::metadata(dir.file("dump.rdb")).unwrap().len();
    assert!(
        size > (VALUES * VALUE_LEN) as u64,
        "the snapshot holds {size} bytes"
    );
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    thread::sleep(deadline.saturating_sub(now) + Duration::from_millis(200));

    let server = tessera_in(&dir, &[]);
    let mut c = server.client();
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 0);
    assert_eq!(
        info_field(&mut c, "rdb_last_load_keys_expired"),
        VALUES.to_string()
    );
    let peak = peak_rss(server.pid());
    assert!(
        peak < size / 3,
        "peak resident memory {peak} bytes while loading a {size}-byte snapshot"
    );
}
