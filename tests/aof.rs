//! The append-only file: what a crash (SIGKILL) leaves is every acknowledged write, and every
//! transaction over several shards whole or not at all; a restart replays what each command
//! really did (random picks, expiries, evictions, float sums); the files stay readable by another
//! number of shards; torn or damaged files are handled as Redis does; `appendfsync` means what
//! it says.
//!
//! Most tests run as well against the reference (`TESSERA_TEST_SERVER=redis`). The ones that
//! look at Tessera's own file layout (a file per shard, the manifest's generations, offsets in
//! error messages) or at INFO's `aof_written` / `aof_synced` return early there, saying so.

mod common;
#[path = "aof/eio.rs"]
mod eio;
#[path = "aof/faults.rs"]
mod faults;
#[path = "aof/files.rs"]
mod files;
#[path = "aof/fsync.rs"]
mod fsync;
#[path = "aof/interop.rs"]
mod interop;
#[path = "aof/replay.rs"]
mod replay;
#[path = "aof/rewrite.rs"]
mod rewrite;
#[path = "aof/support.rs"]
mod support;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::*;
use support::*;

// ---------------------------------------------------------------------------------------------
// Crashes.

/// Clients that INCR their own counter until the server goes away; each remembers the last
/// value it was acknowledged (starting from the value the counter has).
fn count_until_killed(server: &Server, keys: &[String], from: &[u64]) -> Vec<Arc<AtomicU64>> {
    keys.iter()
        .zip(from)
        .map(|(key, &start)| {
            let acked = Arc::new(AtomicU64::new(start));
            let mut c = server.client();
            let (key, ack) = (key.clone(), acked.clone());
            thread::spawn(move || {
                while let Ok(v) = redis::cmd("INCR").arg(&key).query::<u64>(&mut c) {
                    ack.store(v, Ordering::Relaxed);
                }
            });
            acked
        })
        .collect()
}

/// Several rounds of: clients INCR their counters, SIGKILL at a random moment, restart on the
/// same folder with the same configuration; every counter then holds at least its last
/// acknowledged value, and at most one more (the INCR in flight may have landed).
fn counters_survive_kills(fsync: &str) {
    const CLIENTS: usize = 6;
    let dir = Dir::new(&format!("crash-{fsync}"));
    let config = ["--appendfsync", fsync];
    let keys: Vec<String> = alternating_keys("counter", CLIENTS);
    let mut have = vec![0u64; CLIENTS];
    for round in 0..4 {
        let server = start(&dir, &config);
        let mut c = server.client();
        for (i, key) in keys.iter().enumerate() {
            let got: Option<u64> = q(&mut c, &["GET", key]);
            let got = got.unwrap_or(0);
            assert!(
                have[i] <= got && got <= have[i] + 1,
                "{fsync}, round {round}: {key} is {got} after a crash, its last acknowledged value was {}",
                have[i]
            );
            have[i] = got;
        }
        if round == 3 {
            break;
        }
        let before = have.clone();
        let acked = count_until_killed(&server, &keys, &have);
        let delay = random(150, 500);
        thread::sleep(Duration::from_millis(delay));
        kill(server);
        // The clients see the connection close and stop; give them a moment to store.
        thread::sleep(Duration::from_millis(50));
        for (i, a) in acked.iter().enumerate() {
            have[i] = a.load(Ordering::Relaxed);
        }
        assert!(
            have.iter().zip(&before).all(|(h, b)| h > b),
            "{fsync}, round {round}: a client got no INCR acknowledged in {delay} ms: {before:?} -> {have:?}"
        );
    }
}

#[test]
fn acknowledged_counters_survive_sigkill_with_appendfsync_always() {
    counters_survive_kills("always");
}

#[test]
fn acknowledged_counters_survive_sigkill_with_appendfsync_everysec() {
    counters_survive_kills("everysec");
}

#[test]
fn acknowledged_counters_survive_sigkill_with_appendfsync_no() {
    counters_survive_kills("no");
}

/// Writers of transactions over both shards, each checking after a restart that its group is
/// whole: MSET of keys on alternating shards to one increasing value, RENAME back and forth
/// between a key on each shard, MULTI/EXEC of INCRs on both shards.
#[test]
fn transactions_over_shards_are_whole_or_absent_after_sigkill() {
    let dir = Dir::new("crash-tx");
    let groups: Vec<Vec<String>> = (0..3)
        .map(|g| alternating_keys(&format!("group{g}"), 4))
        .collect();
    let (r0, r1) = key_pair("moving");
    let multis: Vec<(String, String)> = (0..2).map(|m| key_pair(&format!("pair{m}"))).collect();
    {
        let server = start(&dir, &[]);
        let mut c = server.client();
        assert_ok(&mut c, &["SET", &r0, "token"]);
    }
    let mut mset_acked = vec![0u64; groups.len()];
    let mut incr_acked = vec![0u64; multis.len()];
    for round in 0..4 {
        let server = start(&dir, &[]);
        let mut c = server.client();
        for (g, keys) in groups.iter().enumerate() {
            let values: Vec<Option<u64>> = redis::cmd("MGET").arg(keys).query(&mut c).unwrap();
            let v = values[0].unwrap_or(0);
            assert!(
                values.iter().all(|x| x.unwrap_or(0) == v),
                "round {round}: MSET group {g} is torn: {values:?}"
            );
            assert!(
                mset_acked[g] <= v && v <= mset_acked[g] + 1,
                "round {round}: MSET group {g} holds {v}, acknowledged {}",
                mset_acked[g]
            );
            mset_acked[g] = v;
        }
        let there: (i64, i64) = (q(&mut c, &["EXISTS", &r0]), q(&mut c, &["EXISTS", &r1]));
        assert_eq!(
            there.0 + there.1,
            1,
            "round {round}: RENAME across shards left {r0}: {} and {r1}: {}",
            there.0,
            there.1
        );
        let at = if there.0 == 1 { &r0 } else { &r1 };
        assert_eq!(q::<String>(&mut c, &["GET", at]), "token");
        for (m, (a, b)) in multis.iter().enumerate() {
            let va: u64 = q::<Option<u64>>(&mut c, &["GET", a]).unwrap_or(0);
            let vb: u64 = q::<Option<u64>>(&mut c, &["GET", b]).unwrap_or(0);
            assert_eq!(va, vb, "round {round}: MULTI/EXEC {m} is torn");
            assert!(
                incr_acked[m] <= va && va <= incr_acked[m] + 1,
                "round {round}: MULTI/EXEC {m} holds {va}, acknowledged {}",
                incr_acked[m]
            );
            incr_acked[m] = va;
        }
        if round == 3 {
            break;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let mut writers = Vec::new();
        for (g, keys) in groups.iter().enumerate() {
            let mut c = server.client();
            let (keys, mut v) = (keys.clone(), mset_acked[g]);
            writers.push(thread::spawn(move || loop {
                v += 1;
                let mut cmd = redis::cmd("MSET");
                for k in &keys {
                    cmd.arg(k).arg(v);
                }
                if cmd.query::<()>(&mut c).is_err() {
                    return v - 1;
                }
            }));
        }
        for (a, b) in &multis {
            let mut c = server.client();
            let (a, b) = (a.clone(), b.clone());
            writers.push(thread::spawn(move || {
                let mut last = 0;
                loop {
                    let r: redis::RedisResult<(u64, u64)> = redis::pipe()
                        .atomic()
                        .cmd("INCR")
                        .arg(&a)
                        .cmd("INCR")
                        .arg(&b)
                        .query(&mut c);
                    match r {
                        Ok((x, y)) => {
                            assert_eq!(x, y, "MULTI/EXEC of two INCRs");
                            last = x;
                        }
                        Err(_) => return last,
                    }
                }
            }));
        }
        let renamer = {
            let mut c = server.client();
            let (mut from, mut to) = (at.clone(), if at == &r0 { r1.clone() } else { r0.clone() });
            let stop = stop.clone();
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if redis::cmd("RENAME")
                        .arg(&from)
                        .arg(&to)
                        .query::<()>(&mut c)
                        .is_err()
                    {
                        return;
                    }
                    std::mem::swap(&mut from, &mut to);
                }
            })
        };
        thread::sleep(Duration::from_millis(random(150, 500)));
        kill(server);
        stop.store(true, Ordering::Relaxed);
        renamer.join().unwrap();
        let done: Vec<u64> = writers.into_iter().map(|w| w.join().unwrap()).collect();
        let (msets, incrs) = done.split_at(groups.len());
        for (g, &v) in msets.iter().enumerate() {
            assert!(v > mset_acked[g], "round {round}: no MSET acknowledged");
            mset_acked[g] = v;
        }
        for (m, &v) in incrs.iter().enumerate() {
            assert!(
                v > incr_acked[m],
                "round {round}: no MULTI/EXEC acknowledged"
            );
            incr_acked[m] = v;
        }
    }
}
