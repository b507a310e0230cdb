//! The order Redis gives commands that different connections send one after another when the
//! connections live on different shards: a client blocked first is served first, and a command
//! sent before a push that serves a blocked client runs before the push. Redis reads every
//! socket on one thread, in the order the bytes arrived; here each connection is read by its
//! own shard and forwards commands for other shards' keys as messages, so these tests place
//! the connections on chosen shards (by CLIENT INFO's `shard=`) and repeat each sequence. They
//! are the shapes of two of Redis's own list tests ("BRPOPLPUSH with multiple blocked clients",
//! "BRPOPLPUSH does not affect WATCH while still blocked").

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::*;

/// How long a reply may take before the test fails (a client left waiting never gets one).
const REPLY_WAIT: Duration = Duration::from_secs(3);

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

/// The shard that serves `conn`, from CLIENT INFO (0 for redis-server, which has none).
fn shard_of(conn: &mut RawConn) -> usize {
    let info = conn.cmd(&["CLIENT", "INFO"]).text();
    info.split_whitespace()
        .find_map(|f| f.strip_prefix("shard="))
        .map(|s| s.parse().expect("a shard number"))
        .unwrap_or(0)
}

/// `per_shard` connections on each of `shards` shards: the kernel spreads new connections over
/// the shards, so connections are opened until each shard has enough. With redis-server,
/// which reads every connection on one thread, every "shard" gets connections all the same.
fn conns_by_shard(server: &Server, shards: usize, per_shard: usize) -> Vec<Vec<RawConn>> {
    let mut pools: Vec<Vec<RawConn>> = (0..shards).map(|_| Vec::new()).collect();
    for _ in 0..100 * shards * per_shard {
        if pools.iter().all(|p| p.len() >= per_shard) {
            break;
        }
        let mut c = server.raw_conn();
        let s = if is_redis() {
            pools.iter().position(|p| p.len() < per_shard).unwrap_or(0)
        } else {
            shard_of(&mut c)
        };
        if pools[s].len() < per_shard {
            pools[s].push(c);
        }
    }
    assert!(
        pools.iter().all(|p| p.len() >= per_shard),
        "could not place {per_shard} connections on each of {shards} shards"
    );
    pools
}

/// The next reply on `conn`, or a failure naming `what` when none comes within [`REPLY_WAIT`].
fn reply(conn: &mut RawConn, what: &str) -> Resp {
    conn.stream()
        .set_read_timeout(Some(REPLY_WAIT))
        .expect("read timeout");
    let got = conn.try_read();
    conn.stream()
        .set_read_timeout(Some(CLIENT_TIMEOUT))
        .expect("read timeout");
    got.unwrap_or_else(|| panic!("no reply within {REPLY_WAIT:?}: {what}"))
}

/// A hash tag, `{...}`, that puts a key on `shard` of `shards`.
fn tag_on_shard(shard: usize, shards: usize) -> String {
    format!("{{{}}}", key_on_shard("t", shard, shards))
}

/// INFO's `blocked_clients`.
fn blocked_clients(c: &mut RawConn) -> i64 {
    let info = c.cmd(&["INFO", "clients"]).text();
    info.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .map(|n| n.trim().parse().expect("a number"))
        .expect("blocked_clients in INFO")
}

/// Waits until INFO counts `n` blocked clients.
fn wait_blocked(c: &mut RawConn, n: i64) {
    let deadline = Instant::now() + REPLY_WAIT;
    while blocked_clients(c) != n {
        assert!(
            Instant::now() < deadline,
            "blocked_clients never reached {n}"
        );
        thread::sleep(Duration::from_micros(200));
    }
}

/// "BRPOPLPUSH with multiple blocked clients", its first client on a shard that is busy when
/// the second one blocks: rd1 sends BRPOPLPUSH (its destination a string) through the shard
/// that does not own the list, and that shard then runs a 50 ms DEBUG SLEEP of another client
/// before it can pass the command on; 5 ms later rd2 sends BRPOPLPUSH through the list's own
/// shard, and a third client pushes one element. rd1 blocked first, so it is served first and
/// gets WRONGTYPE; the element stays for rd2. (Before barrier rounds, rd2, registered at once,
/// took the element and rd1 waited for ever.) The list on either shard, the pusher on either.
#[test]
fn a_client_blocked_first_through_a_busy_shard_is_served_first() {
    let server = Server::start(&["--enable-debug-command", "yes"]);
    let mut pools = conns_by_shard(&server, 2, 3);
    let mut ctl = server.raw_conn();
    for key_shard in 0..2 {
        let other = 1 - key_shard;
        let tag = tag_on_shard(key_shard, 2);
        let (list, t1, t2) = (
            format!("blist{tag}"),
            format!("target1{tag}"),
            format!("target2{tag}"),
        );
        for pusher_shard in [key_shard, other] {
            for round in 0..10 {
                let what = format!(
                    "list on shard {key_shard}, pusher on shard {pusher_shard}, round {round}"
                );
                ctl.cmd(&["DEL", &list, &t1, &t2]);
                ctl.cmd(&["SET", &t1, "nolist"]);
                pools[other][0].send(&encode_str(&["BRPOPLPUSH", &list, &t1, "0"]));
                pools[other][1].send(&encode_str(&["DEBUG", "SLEEP", "0.05"]));
                thread::sleep(Duration::from_millis(5));
                pools[key_shard][2].send(&encode_str(&["BRPOPLPUSH", &list, &t2, "0"]));
                let pusher = if pusher_shard == key_shard {
                    &mut pools[key_shard][0]
                } else {
                    &mut pools[other][2]
                };
                assert_eq!(pusher.cmd(&["LPUSH", &list, "foo"]), Resp::Int(1), "{what}");
                assert_eq!(
                    reply(&mut pools[other][0], &format!("rd1, {what}")),
                    Resp::Error(WRONGTYPE.into()),
                    "rd1, {what}"
                );
                assert_eq!(
                    reply(&mut pools[key_shard][2], &format!("rd2, {what}")),
                    Resp::bulk("foo"),
                    "rd2, {what}"
                );
                assert_eq!(
                    reply(&mut pools[other][1], &format!("DEBUG SLEEP, {what}")),
                    Resp::ok()
                );
                assert_eq!(
                    ctl.cmd(&["LRANGE", &t2, "0", "-1"]),
                    Resp::bulks(&["foo"]),
                    "{what}"
                );
            }
        }
    }
}

/// The other way round: rd1 blocks first through the list's own shard, and rd2 blocks 5 ms
/// later through the other shard while that shard runs a 50 ms DEBUG SLEEP, so that its shard
/// reads the command long after rd1's. rd1 is served first all the same (WRONGTYPE) and rd2
/// gets the element: a command read late keeps its place behind one that came before it.
#[test]
fn a_client_blocked_later_through_a_busy_shard_is_served_after_the_first() {
    let server = Server::start(&["--enable-debug-command", "yes"]);
    let mut pools = conns_by_shard(&server, 2, 3);
    let mut ctl = server.raw_conn();
    for key_shard in 0..2 {
        let other = 1 - key_shard;
        let tag = tag_on_shard(key_shard, 2);
        let (list, t1, t2) = (
            format!("blist{tag}"),
            format!("target1{tag}"),
            format!("target2{tag}"),
        );
        for pusher_shard in [key_shard, other] {
            for round in 0..10 {
                let what = format!(
                    "list on shard {key_shard}, pusher on shard {pusher_shard}, round {round}"
                );
                ctl.cmd(&["DEL", &list, &t1, &t2]);
                ctl.cmd(&["SET", &t1, "nolist"]);
                pools[other][1].send(&encode_str(&["DEBUG", "SLEEP", "0.05"]));
                pools[key_shard][2].send(&encode_str(&["BRPOPLPUSH", &list, &t1, "0"]));
                thread::sleep(Duration::from_millis(5));
                pools[other][0].send(&encode_str(&["BRPOPLPUSH", &list, &t2, "0"]));
                let pusher = if pusher_shard == key_shard {
                    &mut pools[key_shard][0]
                } else {
                    &mut pools[other][2]
                };
                assert_eq!(pusher.cmd(&["LPUSH", &list, "foo"]), Resp::Int(1), "{what}");
                assert_eq!(
                    reply(&mut pools[key_shard][2], &format!("rd1, {what}")),
                    Resp::Error(WRONGTYPE.into()),
                    "rd1, {what}"
                );
                assert_eq!(
                    reply(&mut pools[other][0], &format!("rd2, {what}")),
                    Resp::bulk("foo"),
                    "rd2, {what}"
                );
                assert_eq!(
                    reply(&mut pools[other][1], &format!("DEBUG SLEEP, {what}")),
                    Resp::ok()
                );
                assert_eq!(
                    ctl.cmd(&["LRANGE", &t2, "0", "-1"]),
                    Resp::bulks(&["foo"]),
                    "{what}"
                );
            }
        }
    }
}

/// "BRPOPLPUSH does not affect WATCH while still blocked": a client watching the destination
/// of a blocked BRPOPLPUSH sends EXEC, and right after it (without waiting for the reply)
/// another client pushes to the source, which serves the blocked client and so writes the
/// watched key. The EXEC was sent first: it runs first and succeeds. Every placement of the
/// watching client and the pusher over `shards` shards, the keys on each shard, the blocked
/// client on the keys' shard; `rounds` times each.
fn exec_runs_before_a_later_push_serves(shards: usize, rounds: usize) {
    let threads = shards.to_string();
    let server = Server::start(&["--threads", &threads]);
    let mut pools = conns_by_shard(&server, shards, 3);
    let mut ctl = server.raw_conn();
    for key_shard in 0..shards {
        let tag = tag_on_shard(key_shard, shards);
        let (src, dst, some) = (
            format!("srclist{tag}"),
            format!("dstlist{tag}"),
            format!("somekey{tag}"),
        );
        for place in 0..shards * shards {
            let (watcher_shard, pusher_shard) = (place % shards, place / shards);
            for round in 0..rounds {
                let what = format!(
                    "keys on shard {key_shard}, watching client on {watcher_shard}, pusher on \
                     {pusher_shard}, round {round}"
                );
                ctl.cmd(&["DEL", &src, &dst, &some]);
                ctl.cmd(&["SET", &some, "somevalue"]);
                pools[key_shard][0].send(&encode_str(&["BRPOPLPUSH", &src, &dst, "0"]));
                wait_blocked(&mut ctl, 1);
                let watching = &mut pools[watcher_shard][1];
                assert_eq!(watching.cmd(&["WATCH", &dst]), Resp::ok(), "{what}");
                assert_eq!(watching.cmd(&["MULTI"]), Resp::ok(), "{what}");
                assert_eq!(
                    watching.cmd(&["GET", &some]),
                    Resp::Simple("QUEUED".into()),
                    "{what}"
                );
                watching.send(&encode_str(&["EXEC"]));
                let pushed = pools[pusher_shard][2].cmd(&["LPUSH", &src, "element"]);
                assert_eq!(pushed, Resp::Int(1), "{what}");
                assert_eq!(
                    reply(&mut pools[watcher_shard][1], &format!("EXEC, {what}")),
                    Resp::bulks(&["somevalue"]),
                    "EXEC, {what}"
                );
                assert_eq!(
                    reply(&mut pools[key_shard][0], &format!("BRPOPLPUSH, {what}")),
                    Resp::bulk("element"),
                    "{what}"
                );
            }
        }
    }
}

#[test]
fn an_exec_sent_before_a_push_runs_before_the_push_serves_a_blocked_client() {
    exec_runs_before_a_later_push_serves(2, 100);
}
