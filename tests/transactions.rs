//! MULTI/EXEC/DISCARD/WATCH/UNWATCH over keys of both shards, and the atomicity of multi-key
//! commands across shards under concurrent clients: no reader ever sees half of an MSET, a
//! transaction or a RENAME.

mod common;

use common::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

fn queued() -> Resp {
    Resp::Simple("QUEUED".into())
}

#[test]
fn multi_exec_over_both_shards() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    let (a, b) = key_pair("tx");
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["SET", &a, "1"]), queued());
    assert_eq!(c.cmd(&["SET", &b, "2"]), queued());
    assert_eq!(c.cmd(&["INCR", &a]), queued());
    assert_eq!(c.cmd(&["MGET", &a, &b]), queued());
    assert_eq!(c.cmd(&["RENAME", &b, "{x}moved"]), queued());
    // Nothing runs before EXEC.
    let mut other = server.raw_conn();
    assert_eq!(other.cmd(&["EXISTS", &a, &b]), Resp::Int(0));
    assert_eq!(
        c.cmd(&["EXEC"]),
        Resp::Array(Some(vec![
            Resp::ok(),
            Resp::ok(),
            Resp::Int(2),
            Resp::bulks(&["2", "2"]),
            Resp::ok()
        ]))
    );
    assert_eq!(
        other.cmd(&["MGET", &a, &b, "{x}moved"]),
        Resp::Array(Some(vec![
            Resp::bulk("2"),
            Resp::Bulk(None),
            Resp::bulk("2")
        ]))
    );
    // An empty transaction.
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["EXEC"]), Resp::Array(Some(vec![])));
    // SELECT inside a transaction applies to what follows, and stays.
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["SELECT", "1"]), queued());
    assert_eq!(c.cmd(&["SET", &a, "db1"]), queued());
    assert_eq!(
        c.cmd(&["EXEC"]),
        Resp::Array(Some(vec![Resp::ok(), Resp::ok()]))
    );
    assert_eq!(c.cmd(&["GET", &a]), Resp::bulk("db1"));
    assert_eq!(other.cmd(&["GET", &a]), Resp::bulk("2"));
}

#[test]
fn errors_while_queueing_and_while_executing() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    let (a, b) = key_pair("err");
    assert_eq!(
        c.cmd(&["EXEC"]),
        Resp::Error("ERR EXEC without MULTI".into())
    );
    assert_eq!(
        c.cmd(&["DISCARD"]),
        Resp::Error("ERR DISCARD without MULTI".into())
    );
    // Refused while queueing: EXECABORT, and nothing runs.
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["SET", &a, "1"]), queued());
    assert_eq!(
        c.cmd(&["SET", &b]),
        Resp::Error("ERR wrong number of arguments for 'set' command".into())
    );
    assert_eq!(c.cmd(&["SET", &b, "2"]), queued());
    assert_eq!(
        c.cmd(&["EXEC"]),
        Resp::Error("EXECABORT Transaction discarded because of previous errors.".into())
    );
    assert_eq!(c.cmd(&["EXISTS", &a, &b]), Resp::Int(0));
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(
        c.cmd(&["NOSUCHCOMMAND", "x"]),
        Resp::Error("ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ".into())
    );
    assert_eq!(
        c.cmd(&["EXEC"]),
        Resp::Error("EXECABORT Transaction discarded because of previous errors.".into())
    );
    // MULTI and WATCH inside MULTI are refused without spoiling the transaction.
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["SET", &a, "1"]), queued());
    assert_eq!(
        c.cmd(&["MULTI"]),
        Resp::Error("ERR MULTI calls can not be nested".into())
    );
    assert_eq!(
        c.cmd(&["WATCH", &b]),
        Resp::Error("ERR WATCH inside MULTI is not allowed".into())
    );
    assert_eq!(c.cmd(&["EXEC"]), Resp::Array(Some(vec![Resp::ok()])));
    // A command failing at run time fails alone; the rest runs.
    assert_eq!(c.cmd(&["SET", &b, "text"]), Resp::ok());
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["INCR", &b]), queued());
    assert_eq!(c.cmd(&["INCR", &a]), queued());
    assert_eq!(
        c.cmd(&["EXEC"]),
        Resp::Array(Some(vec![
            Resp::Error("ERR value is not an integer or out of range".into()),
            Resp::Int(2)
        ]))
    );
    // DISCARD drops the queue.
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["SET", &a, "discarded"]), queued());
    assert_eq!(c.cmd(&["DISCARD"]), Resp::ok());
    assert_eq!(c.cmd(&["GET", &a]), Resp::bulk("2"));
    assert_eq!(
        c.cmd(&["EXEC"]),
        Resp::Error("ERR EXEC without MULTI".into())
    );
    assert_eq!(
        c.cmd(&["WATCH"]),
        Resp::Error("ERR wrong number of arguments for 'watch' command".into())
    );
}

#[test]
fn watch_aborts_exec_when_another_client_changes_a_watched_key() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    let mut other = server.raw_conn();
    let (a, b) = key_pair("w");
    let aborted = Resp::Array(None);
    assert_eq!(c.cmd(&["MSET", &a, "1", &b, "1"]), Resp::ok());

    // Untouched: EXEC runs.
    assert_eq!(c.cmd(&["WATCH", &a, &b]), Resp::ok());
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["INCR", &a]), queued());
    assert_eq!(c.cmd(&["EXEC"]), Resp::Array(Some(vec![Resp::Int(2)])));

    // Changed on either shard, by SET, by a cross-shard MSET, by DEL, by EXPIRE: aborted.
    let changes: Vec<Vec<String>> = vec![
        vec!["SET".into(), a.clone(), "x".into()],
        vec!["SET".into(), b.clone(), "x".into()],
        vec![
            "MSET".into(),
            "{q}other".into(),
            "1".into(),
            b.clone(),
            "y".into(),
        ],
        vec!["DEL".into(), a.clone()],
        vec!["EXPIRE".into(), b.clone(), "100".into()],
        vec!["RENAME".into(), b.clone(), a.clone()],
    ];
    for change in &changes {
        assert_eq!(c.cmd(&["MSET", &a, "1", &b, "1"]), Resp::ok());
        assert_eq!(c.cmd(&["WATCH", &a, &b]), Resp::ok());
        let change: Vec<&str> = change.iter().map(|s| s.as_str()).collect();
        assert!(!matches!(other.cmd(&change), Resp::Error(_)), "{change:?}");
        assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
        assert_eq!(c.cmd(&["SET", &a, "tx"]), queued());
        assert_eq!(c.cmd(&["SET", &b, "tx"]), queued());
        assert_eq!(c.cmd(&["EXEC"]), aborted, "after {change:?}");
        assert_ne!(c.cmd(&["GET", &a]), Resp::bulk("tx"));
    }

    // A change between MULTI and EXEC aborts too.
    assert_eq!(c.cmd(&["WATCH", &b]), Resp::ok());
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["SET", &a, "tx"]), queued());
    assert_eq!(other.cmd(&["SET", &b, "late"]), Resp::ok());
    assert_eq!(c.cmd(&["EXEC"]), aborted);
    // EXEC (even aborted) forgets the watches: the next transaction runs.
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["SET", &a, "tx"]), queued());
    assert_eq!(c.cmd(&["EXEC"]), Resp::Array(Some(vec![Resp::ok()])));

    // UNWATCH forgets them too, and so does DISCARD.
    assert_eq!(c.cmd(&["WATCH", &a]), Resp::ok());
    assert_eq!(c.cmd(&["UNWATCH"]), Resp::ok());
    assert_eq!(other.cmd(&["SET", &a, "changed"]), Resp::ok());
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["GET", &a]), queued());
    assert_eq!(
        c.cmd(&["EXEC"]),
        Resp::Array(Some(vec![Resp::bulk("changed")]))
    );
    assert_eq!(c.cmd(&["WATCH", &a]), Resp::ok());
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["DISCARD"]), Resp::ok());
    assert_eq!(other.cmd(&["SET", &a, "again"]), Resp::ok());
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["GET", &a]), queued());
    assert_eq!(
        c.cmd(&["EXEC"]),
        Resp::Array(Some(vec![Resp::bulk("again")]))
    );

    // A watched key that did not exist and still does not: EXEC runs.
    assert_eq!(c.cmd(&["WATCH", "{n}nokey"]), Resp::ok());
    assert_eq!(other.cmd(&["DEL", "{n}nokey"]), Resp::Int(0));
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["PING"]), queued());
    assert_eq!(
        c.cmd(&["EXEC"]),
        Resp::Array(Some(vec![Resp::Simple("PONG".into())]))
    );
    // One that gets created: aborted.
    assert_eq!(c.cmd(&["WATCH", "{n}nokey"]), Resp::ok());
    assert_eq!(other.cmd(&["SET", "{n}nokey", "1"]), Resp::ok());
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["PING"]), queued());
    assert_eq!(c.cmd(&["EXEC"]), aborted);
    // In RESP3 the aborted EXEC is a null.
    assert_eq!(c.cmd(&["HELLO", "3"]).get("proto"), Some(Resp::Int(3)));
    assert_eq!(c.cmd(&["WATCH", &a]), Resp::ok());
    assert_eq!(other.cmd(&["SET", &a, "again"]), Resp::ok());
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(c.cmd(&["EXEC"]), Resp::Null);
}

#[test]
fn watch_through_the_redis_crate_transaction_helper() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (a, b) = key_pair("crate");
    assert_ok(&mut c, &["MSET", &a, "10", &b, "0"]);
    // Move 1 from a to b, 20 times, the way redis::transaction retries on conflict.
    for _ in 0..20 {
        let (x, y): (i64, i64) = redis::transaction(&mut c, &[&a, &b], |con, pipe| {
            let (x, y): (i64, i64) = redis::cmd("MGET").arg(&a).arg(&b).query(con)?;
            pipe.set(&a, x - 1)
                .ignore()
                .set(&b, y + 1)
                .ignore()
                .mget(&[&a, &b])
                .query(con)
        })
        .map(|v: Vec<(i64, i64)>| v[0])
        .unwrap();
        assert_eq!(x + y, 10);
    }
    assert_eq!(q::<Vec<i64>>(&mut c, &["MGET", &a, &b]), [-10, 20]);
}

/// Runs `writers` and `readers` threads against the server: the writers each run `write`
/// `rounds` times; the readers run `read` until the writers are done (and at least once).
fn race(
    server: &Server,
    writers: usize,
    readers: usize,
    rounds: usize,
    write: impl Fn(&mut redis::Connection, usize, usize) + Send + Sync + 'static,
    read: impl Fn(&mut redis::Connection) + Send + Sync + 'static,
) -> usize {
    let write = Arc::new(write);
    let read = Arc::new(read);
    let done = Arc::new(AtomicBool::new(false));
    let mut reader_handles = Vec::new();
    for _ in 0..readers {
        let mut con = server.client();
        let read = read.clone();
        let done = done.clone();
        reader_handles.push(thread::spawn(move || {
            let mut n = 0;
            // Bounded: the writers finish in a fixed number of rounds.
            while n == 0 || !done.load(Ordering::Relaxed) {
                read(&mut con);
                n += 1;
            }
            n
        }));
    }
    let writer_handles: Vec<_> = (0..writers)
        .map(|w| {
            let mut con = server.client();
            let write = write.clone();
            thread::spawn(move || {
                for i in 0..rounds {
                    write(&mut con, w, i);
                }
            })
        })
        .collect();
    // Stop the readers even when a writer failed, then report every failure.
    let written: Vec<_> = writer_handles.into_iter().map(|h| h.join()).collect();
    done.store(true, Ordering::Relaxed);
    let reads: Vec<_> = reader_handles.into_iter().map(|h| h.join()).collect();
    for w in written {
        if let Err(panic) = w {
            std::panic::resume_unwind(panic);
        }
    }
    reads
        .into_iter()
        .map(|r| r.unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
        .sum()
}

#[test]
fn cross_shard_mset_is_never_seen_half_done() {
    let server = Server::start(&[]);
    let (a, b) = key_pair("atom");
    let mut c = server.client();
    assert_ok(&mut c, &["MSET", &a, "init", &b, "init"]);
    let (wa, wb) = (a.clone(), b.clone());
    let reads = race(
        &server,
        4,
        4,
        1500,
        move |con, w, i| {
            let value = format!("{w}:{i}");
            let _: () = redis::cmd("MSET")
                .arg(&wa)
                .arg(&value)
                .arg(&wb)
                .arg(&value)
                .query(con)
                .unwrap();
        },
        move |con| {
            let (x, y): (String, String) = redis::cmd("MGET").arg(&a).arg(&b).query(con).unwrap();
            assert_eq!(x, y, "MGET saw half of an MSET");
        },
    );
    assert!(reads > 0);
}

#[test]
fn cross_shard_multi_exec_is_never_seen_half_done() {
    let server = Server::start(&[]);
    let (a, b) = key_pair("txatom");
    let mut c = server.client();
    assert_ok(&mut c, &["MSET", &a, "0", &b, "0"]);
    let (wa, wb) = (a.clone(), b.clone());
    let (ra, rb) = (a.clone(), b.clone());
    race(
        &server,
        3,
        3,
        800,
        move |con, _, _| {
            // Moves one unit from a to b in a transaction; the sum stays 0.
            let _: () = redis::pipe()
                .atomic()
                .cmd("DECR")
                .arg(&wa)
                .ignore()
                .cmd("INCR")
                .arg(&wb)
                .ignore()
                .query(con)
                .unwrap();
        },
        move |con| {
            let (x, y): (i64, i64) = redis::cmd("MGET").arg(&ra).arg(&rb).query(con).unwrap();
            assert_eq!(x + y, 0, "MGET saw half of a transaction: {x} {y}");
            let (x, y): (i64, i64) = redis::pipe().atomic().get(&ra).get(&rb).query(con).unwrap();
            assert_eq!(x + y, 0, "a transaction saw half of another: {x} {y}");
        },
    );
    assert_eq!(q::<Vec<i64>>(&mut c, &["MGET", &a, &b]), [-2400, 2400]);
}

#[test]
fn cross_shard_rename_never_loses_or_duplicates_the_key() {
    let server = Server::start(&[]);
    let (a, b) = key_pair("ren");
    let mut c = server.client();
    assert_ok(&mut c, &["SET", &a, "payload"]);
    let (wa, wb) = (a.clone(), b.clone());
    let (ra, rb) = (a.clone(), b.clone());
    race(
        &server,
        1,
        4,
        3000,
        move |con, _, i| {
            let (from, to) = if i % 2 == 0 { (&wa, &wb) } else { (&wb, &wa) };
            let _: () = redis::cmd("RENAME").arg(from).arg(to).query(con).unwrap();
        },
        move |con| {
            let n: i64 = redis::cmd("EXISTS").arg(&ra).arg(&rb).query(con).unwrap();
            assert_eq!(n, 1, "EXISTS saw the key {n} times during a RENAME");
            let (x, y): (Option<String>, Option<String>) =
                redis::cmd("MGET").arg(&ra).arg(&rb).query(con).unwrap();
            match (x, y) {
                (Some(v), None) | (None, Some(v)) => assert_eq!(v, "payload"),
                other => panic!("MGET saw {other:?} during a RENAME"),
            }
        },
    );
    // 3000 renames, an even number: back where it started.
    assert_eq!(
        q::<Vec<Option<String>>>(&mut c, &["MGET", &a, &b]),
        [Some("payload".to_string()), None]
    );
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 1);
}

#[test]
fn msetnx_races_have_exactly_one_winner() {
    let server = Server::start(&[]);
    for round in 0..50 {
        let (ka, kb) = key_pair(&format!("nx{round}"));
        let handles: Vec<_> = (0..4)
            .map(|w| {
                let mut con = server.client();
                let (ka, kb) = (ka.clone(), kb.clone());
                thread::spawn(move || -> i64 {
                    redis::cmd("MSETNX")
                        .arg(&ka)
                        .arg(w)
                        .arg(&kb)
                        .arg(w)
                        .query(&mut con)
                        .unwrap()
                })
            })
            .collect();
        let wins: i64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(wins, 1, "round {round}");
        let mut c = server.client();
        let (x, y): (String, String) = redis::cmd("MGET").arg(&ka).arg(&kb).query(&mut c).unwrap();
        assert_eq!(x, y);
    }
}
