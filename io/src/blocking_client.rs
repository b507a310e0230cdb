//! The client's side of a blocking command: the connection is parked in a task until its
//! command is served, times out, is unblocked or the connection goes away. Keys all on one
//! shard wait there; keys on several shards wait as notify-only waiters on each (see
//! `blocking`), and the client pops from the key that became ready.

use std::collections::HashMap;

use tessera_core::commands::{blocking, Command};
use tessera_core::protocol::{Args, Protocol};

use crate::blocking::{
    notify_on, null_array, ready_key, stamped, unwait_everywhere, Unwait, TIMED_OUT,
};
use crate::dispatch::{encoded, park_for, Flow};
use crate::local::oneshot;
use crate::shard::{current, now_ms, parse_internal, Shard};

/// Runs a blocking command for connection `idx`: the connection is parked until it is
/// served, times out, is unblocked or goes away.
pub fn start(
    sh: &mut Shard,
    idx: usize,
    cmd: &'static Command,
    args: &Args<'_>,
    raw: Option<&[u8]>,
) -> Flow {
    let Some(conn) = sh.conns[idx].as_ref() else {
        return Flow::Hold;
    };
    let (db, proto) = (conn.db, conn.proto);
    // A bad timeout is the handler's to report (after the options it reads first).
    let deadline = blocking::call_deadline(args, now_ms()).unwrap_or(0);
    let mut shards = 0u128;
    let mut by_shard: HashMap<usize, Vec<Vec<u8>>> = HashMap::new();
    // BLMOVE and BRPOPLPUSH wait on their source only.
    let waits_on_source_only = matches!(cmd.name, "blmove" | "brpoplpush");
    for i in cmd.keys.key_indexes(args) {
        let s = sh.owner(args.get(i));
        shards |= 1u128 << s;
        if waits_on_source_only && i != 1 {
            continue;
        }
        by_shard.entry(s).or_default().push(args.get(i).to_vec());
    }
    let generation = conn.generation;
    // The stamp that puts this client in line on its keys (see `blocking`).
    let stamp = sh.arrival_stamp();
    let seen = &sh.node.blocking_seen_ms;
    if seen.load(std::sync::atomic::Ordering::Relaxed) != sh.clock {
        seen.store(sh.clock, std::sync::atomic::Ordering::Relaxed);
    }
    if shards.count_ones() <= 1 {
        let s = if shards == 0 {
            sh.id
        } else {
            shards.trailing_zeros() as usize
        };
        let rx = wait_on_one(sh, idx, generation, s, db, proto, stamp, args);
        park_for(sh, idx, async move {
            let got = rx.await;
            set_blocked(&mut current().borrow_mut(), idx, generation, None);
            got
        });
    } else {
        let bytes = encoded(args, raw);
        park_for(
            sh,
            idx,
            wait_on_many(
                idx, generation, cmd, by_shard, deadline, db, proto, bytes, stamp,
            ),
        );
    }
    Flow::Hold
}

/// Records (or clears) what connection `idx` waits on, so that closing it or CLIENT UNBLOCK
/// can take its waiters away.
fn set_blocked(sh: &mut Shard, idx: usize, generation: u32, on: Option<(u128, u64)>) {
    if let Some(c) = sh.conns[idx]
        .as_mut()
        .filter(|c| c.generation == generation)
    {
        c.blocked_on = on;
    }
}

/// Every key on shard `s`: the command runs there and waits there. It leaves now, within the
/// turn that read it, so that a barrier round started by another shard finds it on its way
/// (see `barrier`); the returned receiver gets the reply.
#[allow(clippy::too_many_arguments)]
fn wait_on_one(
    sh: &mut Shard,
    idx: usize,
    generation: u32,
    s: usize,
    db: usize,
    proto: Protocol,
    stamp: u64,
    args: &Args<'_>,
) -> crate::local::Oneshot<Vec<u8>> {
    let (tx, rx) = oneshot();
    let token = sh.register_task(tx);
    set_blocked(sh, idx, generation, Some((1u128 << s, token)));
    let bytes = stamped(stamp, args);
    if s == sh.id {
        let me = sh.id;
        sh.run_call_resp(me, token, db, proto, None, &bytes);
        if !sh.waiting.contains_key(&token) {
            // Served at once: it never waited.
            set_blocked(sh, idx, generation, None);
        }
    } else {
        sh.send_call(s, token, db, proto, None, &bytes);
    }
    rx
}

/// Keys on several shards: try as a transaction; when all are empty, wait for a write to any
/// of them and pop from the key written, as Redis serves a client from the key that became
/// ready; when someone took its element first, wait again.
#[allow(clippy::too_many_arguments)]
async fn wait_on_many(
    idx: usize,
    generation: u32,
    cmd: &'static Command,
    by_shard: HashMap<usize, Vec<Vec<u8>>>,
    deadline: u64,
    db: usize,
    proto: Protocol,
    bytes: Vec<u8>,
    stamp: u64,
) -> Vec<u8> {
    let shard = current();
    let job = crate::txn::Job::command(cmd, bytes.clone(), db, proto);
    let (got, _) = crate::txn::run_for(job, idx).await;
    if !is_null(&got) {
        return got;
    }
    loop {
        if deadline != 0 && now_ms() >= deadline {
            return null_array(proto).to_vec();
        }
        let (token, shards, rx) = {
            let mut sh = shard.borrow_mut();
            let gone = sh
                .conns
                .get(idx)
                .and_then(|c| c.as_ref())
                .is_none_or(|c| c.generation != generation || c.closing);
            if gone {
                // Its client left while it popped for nothing: nobody to wait for.
                return null_array(proto).to_vec();
            }
            let (tx, rx) = oneshot();
            let token = sh.register_task(tx);
            let shards = notify_everywhere(&mut sh, cmd, &by_shard, token, db, proto, stamp);
            set_blocked(&mut sh, idx, generation, Some((shards, token)));
            if deadline != 0 {
                glommio::spawn_local(async move {
                    let wait = deadline.saturating_sub(now_ms());
                    glommio::timer::sleep(std::time::Duration::from_millis(wait)).await;
                    current().borrow_mut().deliver(token, TIMED_OUT);
                })
                .detach();
            }
            (token, shards, rx)
        };
        let woke = rx.await;
        let ready = ready_key(&woke).map(<[u8]>::to_vec);
        // The shard that said READY keeps this client first in its key's line until it has
        // popped; every other waiter goes now.
        let (holding, taken_away) = {
            let mut sh = shard.borrow_mut();
            // CLIENT UNBLOCK, or the connection closing, between the READY and now: they took
            // every waiter away already, and their reply to `token` came too late.
            let taken_away = sh
                .conns
                .get(idx)
                .and_then(|c| c.as_ref())
                .filter(|c| c.generation == generation)
                .and_then(|c| c.blocked_on)
                .is_none_or(|(_, t)| t != token);
            let holding = match &ready {
                Some(k) if !taken_away => 1u128 << sh.owner(k),
                _ => 0,
            };
            unwait_everywhere(&mut sh, shards & !holding, token, Unwait::Drop);
            set_blocked(&mut sh, idx, generation, None);
            (holding, taken_away)
        };
        let Some(key) = ready.filter(|_| !taken_away) else {
            return match woke.as_slice() {
                w if w == TIMED_OUT || ready_key(w).is_some() => null_array(proto).to_vec(),
                _ => woke,
            };
        };
        let got = pop_from(cmd, &bytes, &key, db, proto).await;
        unwait_everywhere(&mut shard.borrow_mut(), holding, token, Unwait::Drop);
        if let Some(got) = got {
            return got;
        }
    }
}

/// Leaves a notify-only waiter for `token` on the shard of each of the keys in `by_shard`, in
/// line by `stamp`; returns those shards, a bit each.
fn notify_everywhere(
    sh: &mut Shard,
    cmd: &Command,
    by_shard: &HashMap<usize, Vec<Vec<u8>>>,
    token: u64,
    db: usize,
    proto: Protocol,
    stamp: u64,
) -> u128 {
    let mut shards = 0u128;
    let stamp = stamp.to_string();
    for (&s, keys) in by_shard {
        shards |= 1u128 << s;
        let mut on: Vec<&[u8]> = vec![b"__blockon", stamp.as_bytes(), cmd.name.as_bytes()];
        on.extend(keys.iter().map(Vec::as_slice));
        let mut enc = Vec::new();
        tessera_core::protocol::args::encode_command(on.into_iter(), &mut enc);
        let me = sh.id;
        if s == me {
            let spans = parse_internal(&enc).unwrap_or_default();
            notify_on(sh, me, token, db, &Args::new(&enc, &spans));
        } else {
            sh.send_call(s, token, db, proto, None, &enc);
        }
    }
    shards
}

/// Pops for a client waiting on several keys from `key`, the one that became ready, as a
/// transaction (BLMOVE and BRPOPLPUSH, which wait on their source alone, run whole). None when
/// there was nothing to pop: someone took it first, or the key now holds another type (Redis
/// would have served the client before either happened, or left it waiting after).
async fn pop_from(
    cmd: &'static Command,
    bytes: &[u8],
    key: &[u8],
    db: usize,
    proto: Protocol,
) -> Option<Vec<u8>> {
    let spans = parse_internal(bytes)?;
    let args = Args::new(bytes, &spans);
    // Every READY names one of the keys the command waits on, so it narrows; were it not so,
    // the whole command would run.
    let narrowed = blocking::narrowed_to(&args, key);
    let whole = narrowed.is_none() || matches!(cmd.name, "blmove" | "brpoplpush");
    let narrowed = narrowed.unwrap_or_else(|| args.iter().collect());
    let mut enc = Vec::new();
    tessera_core::protocol::args::encode_command(narrowed.into_iter(), &mut enc);
    let (got, _) = crate::txn::run(crate::txn::Job::command(cmd, enc, db, proto)).await;
    if is_null(&got) || (!whole && tessera_core::protocol::scan::is_error(&got)) {
        return None;
    }
    Some(got)
}

/// True for a null reply (RESP2 null bulk or array, RESP3 null): what every blocking command
/// answers when it found nothing.
fn is_null(reply: &[u8]) -> bool {
    matches!(reply, b"*-1\r\n" | b"$-1\r\n" | b"_\r\n")
}
