//! Clients waiting in blocking commands (BLPOP, BLMOVE, BZPOPMIN...).
//!
//! A blocking command runs like any other on the shard that owns its keys. When its handler
//! finds nothing to serve it says so (`Keyspace::block`), and instead of sending the reply that
//! shard keeps a [`Waiter`]: the command, where its reply goes, its keys and its deadline. Each
//! write to a key someone waits on makes the key ready; right after the write's command, the
//! shard runs the waiters of each ready key again, first blocked first served, as Redis's
//! `handleClientsBlockedOnKeys` does, until one finds nothing left. A waiter costs nothing while
//! it waits: no task polls, no timer per client (deadlines are checked `hz` times a second).
//!
//! "First blocked" is the order the commands came in, not the order they reached the key's
//! shard: a command read by another shard travels one message behind one read here. So each
//! blocking command carries the stamp of the loop turn that read it (`__blk <ns> command...`),
//! and a key's line is kept in stamp order. A write that serves waiters first waits for a
//! barrier round (see `barrier`), so that every blocking command read anywhere before it has
//! arrived and taken its place.
//!
//! The client's side (`blocking_client`) parks the connection (its later commands wait, as in
//! Redis) in a task that awaits the reply. A command whose keys sit on several shards cannot wait on one shard: its
//! task runs it as a transaction, and when every key is empty it leaves notify-only waiters on
//! each key's shard. The first write to any of them that the waiter is first in line for tells
//! it READY with that key; the client then pops from that key alone (Redis serves a client from
//! the key that became ready, not from its first non-empty key), while the waiter keeps its
//! place at the head of the key's line, so that those behind it are served only once its
//! client has taken its element (or found none, and waits again).

use std::collections::{HashMap, VecDeque};

use tessera_core::commands::{self, flags, Command};
use tessera_core::protocol::{Args, Protocol};

use crate::mesh::Msg;
use crate::shard::{now_ms, Shard};

/// What a notify-only waiter's shard answers when one of its keys is written: these bytes,
/// then the key.
pub(crate) const READY: &[u8] = b"+READY\r\n";
/// What a notify-only waiter gets when its client is unblocked with CLIENT UNBLOCK ... TIMEOUT,
/// or when its own deadline passes.
pub(crate) const TIMED_OUT: &[u8] = b"+TIMEOUT\r\n";
/// The reply of a client unblocked with CLIENT UNBLOCK ... ERROR.
const UNBLOCKED: &[u8] = b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n";

/// Why a waiter is taken away before it is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unwait {
    /// Its client is gone: nothing is sent to it.
    Drop,
    /// CLIENT UNBLOCK (TIMEOUT): it gets the reply a timeout gives.
    Timeout,
    /// CLIENT UNBLOCK ERROR: it gets the UNBLOCKED error.
    Error,
}

/// A client waiting on this shard's keys.
pub struct Waiter {
    /// The shard its reply goes to.
    from: usize,
    /// The reply's token there.
    token: u64,
    /// SELECT's index.
    db: usize,
    /// The client's protocol.
    proto: Protocol,
    /// The command to run again, RESP-encoded; empty for a notify-only waiter.
    args: Vec<u8>,
    /// The keys it waits on (the command's keys that live here).
    keys: Vec<Vec<u8>>,
    /// Unix ms after which it gets `timeout_reply`; 0 never.
    deadline: u64,
    /// The reply a timeout gives (written by the command's first run).
    timeout_reply: Vec<u8>,
    /// The type its command pops ("list" or "zset"): as in Redis 7.0, a key that holds another
    /// type does not serve it.
    wants: &'static str,
    /// A notify-only waiter told READY: its client is popping, and those behind it on its keys
    /// wait until its client takes it away.
    notified: bool,
    /// When the client's shard read the command (Unix ns): its place in each key's line.
    stamp: u64,
}

/// The waiters of one shard, by key in arrival order.
#[derive(Default)]
pub struct Waiters {
    next_id: u64,
    waiters: HashMap<u64, Waiter>,
    by_key: HashMap<(usize, Vec<u8>), VecDeque<u64>>,
    /// Waiters by (client's shard, reply token): tokens are only unique within a shard.
    by_token: HashMap<(usize, u64), u64>,
    ready: VecDeque<(usize, Vec<u8>)>,
    serving: bool,
}

impl Waiters {
    /// True when nobody waits here (the common case: one test on the write path).
    pub fn is_empty(&self) -> bool {
        self.waiters.is_empty()
    }

    /// Number of waiting clients (INFO's blocked_clients counts them on the client's side).
    pub fn len(&self) -> usize {
        self.waiters.len()
    }

    /// True when someone waits on `key` of database `db`.
    pub fn waits_on(&self, db: usize, key: &[u8]) -> bool {
        // The map's key owns its bytes: look up without building one only when it may hit.
        !self.by_key.is_empty() && self.by_key.contains_key(&(db, key.to_vec()))
    }

    /// Adds a waiter to the line of each of its keys, behind every waiter whose command came
    /// before its own (by stamp) and behind a waiter already told READY.
    fn add(&mut self, w: Waiter) {
        let id = self.next_id;
        self.next_id += 1;
        for k in &w.keys {
            let line = self.by_key.entry((w.db, k.clone())).or_default();
            let mut at = line.len();
            while at > 0 {
                match self.waiters.get(&line[at - 1]) {
                    Some(prev) if prev.stamp > w.stamp && !prev.notified => at -= 1,
                    _ => break,
                }
            }
            line.insert(at, id);
        }
        self.by_token.insert((w.from, w.token), id);
        self.waiters.insert(id, w);
    }

    fn remove(&mut self, id: u64) -> Option<Waiter> {
        let w = self.waiters.remove(&id)?;
        for k in &w.keys {
            let slot = (w.db, k.clone());
            if let Some(q) = self.by_key.get_mut(&slot) {
                q.retain(|&x| x != id);
                if q.is_empty() {
                    self.by_key.remove(&slot);
                }
            }
        }
        self.by_token.remove(&(w.from, w.token));
        Some(w)
    }

    /// Notes that `key` of database `db` was written: its waiters get another chance.
    pub fn touched(&mut self, db: usize, key: &[u8]) {
        if self.by_key.contains_key(&(db, key.to_vec())) {
            self.ready.push_back((db, key.to_vec()));
        }
    }

    /// Notes that every key of database `db` may have changed (SWAPDB): each key waited on
    /// there gets another chance, as Redis's `scanDatabaseForReadyKeys` gives it.
    pub fn touched_db(&mut self, db: usize) {
        let keys: Vec<(usize, Vec<u8>)> = self
            .by_key
            .keys()
            .filter(|(d, _)| *d == db)
            .cloned()
            .collect();
        self.ready.extend(keys);
    }

    fn expired(&mut self, now: u64) -> Vec<Waiter> {
        let ids: Vec<u64> = self
            .waiters
            .iter()
            .filter(|(_, w)| w.deadline != 0 && w.deadline <= now)
            .map(|(&id, _)| id)
            .collect();
        ids.into_iter().filter_map(|id| self.remove(id)).collect()
    }
}

/// Sends `bytes` to the task or connection slot `token` of shard `from`.
fn reply(sh: &mut Shard, from: usize, token: u64, bytes: &[u8]) {
    if from == sh.id {
        sh.deliver(token, bytes);
    } else {
        sh.send_reply(from, token, bytes);
    }
}

/// After a command ran here: when it asked to block and someone can wait (`can_wait`), keeps
/// it as a waiter, in line by `stamp`, and returns true (the caller sends nothing); otherwise
/// false.
#[allow(clippy::too_many_arguments)]
pub fn keep_if_blocked(
    sh: &mut Shard,
    can_wait: bool,
    from: usize,
    token: u64,
    db: usize,
    proto: Protocol,
    args: &Args<'_>,
    stamp: u64,
) -> bool {
    let Some(deadline) = sh.ks.block.take() else {
        return false;
    };
    if !can_wait {
        return false;
    }
    let Some(cmd) = commands::lookup(args.get(0)) else {
        return false;
    };
    let keys = cmd
        .keys
        .key_indexes(args)
        .map(|i| args.get(i).to_vec())
        .collect();
    let mut encoded = Vec::new();
    tessera_core::protocol::args::encode_command(args.iter(), &mut encoded);
    sh.waiters.add(Waiter {
        from,
        token,
        db,
        proto,
        args: encoded,
        keys,
        deadline,
        timeout_reply: null_array(proto).to_vec(),
        wants: wanted_type(cmd.name.as_bytes()),
        notified: false,
        stamp,
    });
    true
}

/// A blocking command with the stamp of the turn that read it: `__blk <ns> command...`.
pub(crate) fn stamped(stamp: u64, args: &Args<'_>) -> Vec<u8> {
    let stamp = stamp.to_string();
    let mut parts: Vec<&[u8]> = Vec::with_capacity(args.len() + 2);
    parts.extend([&b"__blk"[..], stamp.as_bytes()]);
    parts.extend(args.iter());
    let mut out = Vec::new();
    tessera_core::protocol::args::encode_command(parts.into_iter(), &mut out);
    out
}

/// The stamp and the command itself of a `__blk` command (see [`stamped`]); None for any other
/// command, or a `__blk` without a command.
pub(crate) fn unstamped<'a>(args: &Args<'a>) -> Option<(u64, Args<'a>)> {
    if args.get(0) != b"__blk" || args.len() < 3 {
        return None;
    }
    let stamp = std::str::from_utf8(args.get(1)).ok()?.parse().ok()?;
    Some((stamp, args.tail(2)))
}

/// The bytes of a READY for `key`.
pub(crate) fn ready_for(key: &[u8]) -> Vec<u8> {
    [READY, key].concat()
}

/// The key a READY names; None for any other wake-up.
pub(crate) fn ready_key(woke: &[u8]) -> Option<&[u8]> {
    woke.strip_prefix(READY)
}

/// `__blockon stamp command key...` from a client's shard: wake `token` with READY and the
/// key at the first write to any of these keys that leaves it holding what `command` pops (a
/// notify-only waiter, for commands whose keys span shards), in line by `stamp`.
pub fn notify_on(sh: &mut Shard, from: usize, token: u64, db: usize, args: &Args<'_>) {
    let stamp = args
        .try_get(1)
        .and_then(|a| std::str::from_utf8(a).ok()?.parse().ok())
        .unwrap_or(sh.read_ns);
    let wants = wanted_type(args.try_get(2).unwrap_or_default());
    let keys: Vec<Vec<u8>> = args.iter().skip(3).map(<[u8]>::to_vec).collect();
    // A write may have landed between the client's last try and this message: when one of the
    // keys holds something to pop now, the client pops from it at once.
    let now = sh.clock;
    let ready = sh.ks.dbs.get_mut(db).and_then(|d| {
        keys.iter()
            .find(|k| d.get(k, now).is_some_and(|e| e.value.type_name() == wants))
            .cloned()
    });
    sh.waiters.add(Waiter {
        from,
        token,
        db,
        proto: Protocol::Resp2,
        args: Vec::new(),
        keys,
        deadline: 0,
        timeout_reply: TIMED_OUT.to_vec(),
        wants,
        notified: ready.is_some(),
        stamp,
    });
    if let Some(key) = ready {
        reply(sh, from, token, &ready_for(&key));
    }
}

/// Called after a write command ran here: its keys that someone waits on become ready. Three
/// commands write where their key specs do not say: SWAPDB changes every key of its two
/// databases, MOVE adds its key to another database and COPY ... DB n its destination; as with
/// Redis's `dbAdd` and `scanDatabaseForReadyKeys`, waiters there get their chance too.
pub fn note_write(sh: &mut Shard, cmd: &Command, args: &Args<'_>, db: usize) {
    if sh.waiters.is_empty() || !cmd.has(flags::WRITE) {
        return;
    }
    for i in cmd.keys.key_indexes(args) {
        sh.waiters.touched(db, args.get(i));
    }
    let db_at = |i: usize| -> Option<usize> { std::str::from_utf8(args.get(i)).ok()?.parse().ok() };
    match cmd.name {
        "swapdb" if args.len() == 3 => {
            for other in [db_at(1), db_at(2)].into_iter().flatten() {
                sh.waiters.touched_db(other);
            }
        }
        "move" if args.len() == 3 => {
            if let Some(target) = db_at(2) {
                sh.waiters.touched(target, args.get(1));
            }
        }
        "copy" => {
            let target = (3..args.len().saturating_sub(1))
                .find(|&i| args.is(i, "db"))
                .and_then(|i| db_at(i + 1));
            if let Some(target) = target {
                sh.waiters.touched(target, args.get(2));
            }
        }
        _ => {}
    }
}

/// Serves the waiters of every ready key, in arrival order, until each key runs dry. A waiter
/// whose keys are locked by a transaction waits for the next turn.
pub fn serve(sh: &mut Shard) {
    if sh.waiters.serving {
        return;
    }
    if sh.waiters.ready.is_empty() {
        return;
    }
    sh.waiters.serving = true;
    let mut later = Vec::new();
    while let Some((db, key)) = sh.waiters.ready.pop_front() {
        if !serve_key(sh, db, &key) {
            later.push((db, key));
        }
    }
    sh.waiters.ready.extend(later);
    sh.waiters.serving = false;
}

/// Serves the waiters of one key; false when a transaction's locks made it stop early. As in
/// Redis 7.0, only waiters whose command pops the type the key now holds are served (a list
/// for BLPOP and kin, a sorted set for BZPOPMIN and kin); the others keep waiting.
fn serve_key(sh: &mut Shard, db: usize, key: &[u8]) -> bool {
    let slot = (db, key.to_vec());
    let now = sh.clock;
    let holds = match sh.ks.dbs.get_mut(db).and_then(|d| d.get(key, now)) {
        Some(e) => e.value.type_name(),
        None => return true,
    };
    let queue: Vec<u64> = match sh.waiters.by_key.get(&slot) {
        Some(q) => q.iter().copied().collect(),
        None => return true,
    };
    for id in queue {
        let Some(w) = sh.waiters.waiters.get(&id) else {
            continue;
        };
        if w.wants != holds {
            continue;
        }
        if w.args.is_empty() {
            // A client waiting on keys of several shards is first in line: it pops from this
            // key from its own shard, and those behind it wait until it has (its client then
            // takes this waiter away) rather than take the element from under it.
            if !w.notified {
                let (from, token) = (w.from, w.token);
                if let Some(w) = sh.waiters.waiters.get_mut(&id) {
                    w.notified = true;
                }
                reply(sh, from, token, &ready_for(key));
            }
            return true;
        }
        if !sh.locks.idle() {
            if let Some(fp) = sh.footprint_resp(w.db, &w.args) {
                if sh.locks.must_wait(&fp) {
                    return false;
                }
            }
        }
        let (wdb, proto, args) = (w.db, w.proto, w.args.clone());
        let out = sh.execute_resp(wdb, proto, &args);
        if sh.ks.block.take().is_some() {
            // Nothing left for this one: nothing for those behind it either.
            return true;
        }
        if let Some(w) = sh.waiters.remove(id) {
            reply(sh, w.from, w.token, &out);
        }
        let still = sh
            .ks
            .dbs
            .get_mut(db)
            .and_then(|d| d.get(key, now))
            .is_some();
        if !still {
            return true;
        }
    }
    true
}

/// The type a blocking command pops: BZPOPMIN, BZPOPMAX and BZMPOP pop sorted sets, the
/// others lists.
fn wanted_type(name: &[u8]) -> &'static str {
    if name.len() >= 2 && name[..2].eq_ignore_ascii_case(b"bz") {
        "zset"
    } else {
        "list"
    }
}

/// Gives the timeout's reply to every waiter whose deadline has passed.
pub fn expire(sh: &mut Shard) {
    if sh.waiters.is_empty() {
        return;
    }
    for w in sh.waiters.expired(now_ms()) {
        reply(sh, w.from, w.token, &w.timeout_reply);
    }
}

/// Takes away the waiter answering `token` of shard `from`, if it still waits (it may have been served).
pub fn unwait(sh: &mut Shard, from: usize, token: u64, how: Unwait) {
    let Some(&id) = sh.waiters.by_token.get(&(from, token)) else {
        return;
    };
    let Some(w) = sh.waiters.remove(id) else {
        return;
    };
    let bytes: &[u8] = match how {
        Unwait::Drop => b"",
        Unwait::Timeout => &w.timeout_reply,
        Unwait::Error => UNBLOCKED,
    };
    reply(sh, w.from, w.token, bytes);
    if w.notified {
        // Those behind it on its keys waited for its client's pop: their turn now.
        for k in &w.keys {
            sh.waiters.touched(w.db, k);
        }
        serve(sh);
    }
}

/// Sends an unwait for `token` to every shard in `shards` (a bit per shard).
pub fn unwait_everywhere(sh: &mut Shard, shards: u128, token: u64, how: Unwait) {
    for s in 0..sh.shards() {
        if shards & (1u128 << s) == 0 {
            continue;
        }
        if s == sh.id {
            let me = sh.id;
            unwait(sh, me, token, how);
        } else {
            sh.send(s, Msg::Unwait { token, how });
        }
    }
}

/// What a client that waited gets when its time runs out: a null array whatever the command
/// (BLMOVE included), as Redis's `replyToBlockedClientTimedOut`.
pub(crate) fn null_array(proto: Protocol) -> &'static [u8] {
    match proto {
        Protocol::Resp2 => b"*-1\r\n",
        _ => b"_\r\n",
    }
}
