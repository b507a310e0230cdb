//! The one multi-shard mechanism: every command that touches several shards, and every EXEC
//! that does, runs here as a transaction.
//!
//! The coordinator (a task on the client's shard) takes intent locks on each shard it touches,
//! in ascending shard order, so no two transactions ever wait for each other; it then runs the
//! command's parts on their shards (each part an ordinary command over that shard's keys, as the
//! command table's `Span` says), joins the replies, and releases the locks. While the locks are
//! held no other command can read or write those keys, so nobody observes half of a
//! transaction; commands on other keys go on meanwhile.

use std::collections::BTreeMap;

use tessera_core::commands::{self, flags, Command, NodeCmd, Run, Span};
use tessera_core::keyspace::table::CURSOR_BITS;
use tessera_core::protocol::args::encode_command;
use tessera_core::protocol::{scan, Args, Protocol, Reply};

use crate::local::{oneshot, Oneshot};
use crate::locks::{Footprint, TxId};
use crate::mesh::Msg;
use crate::shard::{current, fingerprint, Deferred, Shard};

/// A unit of multi-shard work: one command, or the queue of an EXEC.
pub struct Job {
    cmds: Vec<Vec<u8>>,
    exec: bool,
    db: usize,
    proto: Protocol,
    watcher: Option<(u64, u128)>,
}

impl Job {
    /// One command, RESP-encoded.
    pub fn command(_cmd: &Command, args: Vec<u8>, db: usize, proto: Protocol) -> Job {
        Job {
            cmds: vec![args],
            exec: false,
            db,
            proto,
            watcher: None,
        }
    }

    /// An EXEC of `cmds`, aborted when `watcher` saw a change on one of its shards.
    pub fn exec(
        cmds: Vec<Vec<u8>>,
        db: usize,
        proto: Protocol,
        watcher: Option<(u64, u128)>,
    ) -> Job {
        Job {
            cmds,
            exec: true,
            db,
            proto,
            watcher,
        }
    }
}

/// An owned, parsed command.
struct Parts {
    bytes: Vec<u8>,
    spans: Vec<std::ops::Range<usize>>,
}

impl Parts {
    fn parse(bytes: Vec<u8>) -> Option<Parts> {
        let spans = crate::shard::parse_internal(&bytes)?;
        Some(Parts { bytes, spans })
    }

    fn args(&self) -> Args<'_> {
        Args::new(&self.bytes, &self.spans)
    }
}

fn encode(parts: &[&[u8]]) -> Vec<u8> {
    let mut v = Vec::new();
    encode_command(parts.iter().copied(), &mut v);
    v
}

/// Parks connection `idx` and runs `job` in a task; its reply lands in the connection's next
/// slot and the connection resumes afterwards.
pub fn start(sh: &mut Shard, idx: usize, job: Job) {
    crate::dispatch::park_until(sh, idx, async move {
        let (bytes, db) = run_for(job, idx).await;
        // SELECT inside EXEC stays selected afterwards.
        (bytes, Some(db))
    });
}

/// What `job` locks on each shard.
fn footprints(sh: &Shard, job: &Job, cmds: &[Parts]) -> BTreeMap<usize, Footprint> {
    let mut fps: BTreeMap<usize, Footprint> = BTreeMap::new();
    let mut db = job.db;
    for parts in cmds {
        let args = parts.args();
        let Some(cmd) = commands::lookup(args.get(0)) else {
            continue;
        };
        if let Run::Node(NodeCmd::Select) = cmd.run {
            if let Some(n) = args
                .try_get(1)
                .and_then(|a| std::str::from_utf8(a).ok()?.parse::<usize>().ok())
            {
                db = n;
            }
            continue;
        }
        let excl = cmd.has(flags::WRITE);
        match cmd.span {
            Span::AllSum | Span::AllFirst | Span::AllConcat | Span::AllAny => {
                for s in 0..sh.shards() {
                    let fp = fps.entry(s).or_default();
                    fp.whole = Some(fp.whole.unwrap_or(false) || excl);
                }
            }
            Span::Scan => {}
            _ => {
                if cmd.every_shard(&args) {
                    // SORT with patterns: nothing changes anywhere while it reads.
                    for s in 0..sh.shards() {
                        let fp = fps.entry(s).or_default();
                        fp.whole = Some(fp.whole.unwrap_or(false));
                    }
                }
                let copy_db = copy_target_db(cmd, &args).unwrap_or(db);
                for (n, i) in cmd.keys.key_indexes(&args).enumerate() {
                    let key = args.get(i);
                    let key_db = if cmd.span == Span::Copy && n == 1 {
                        copy_db
                    } else {
                        db
                    };
                    fps.entry(sh.owner(key))
                        .or_default()
                        .keys
                        .push((fingerprint(key_db, key), excl));
                }
            }
        }
    }
    if let Some((_, shards)) = job.watcher {
        for s in 0..sh.shards() {
            if shards & (1u128 << s) != 0 {
                fps.entry(s).or_default();
            }
        }
    }
    fps
}

/// COPY's `DB n` option.
fn copy_target_db(cmd: &Command, args: &Args<'_>) -> Option<usize> {
    if cmd.span != Span::Copy {
        return None;
    }
    let mut i = 3;
    while i < args.len() {
        if args.is(i, "db") {
            return args
                .try_get(i + 1)
                .and_then(|a| std::str::from_utf8(a).ok()?.parse().ok());
        }
        i += 1;
    }
    None
}

/// Runs a job for connection `idx` of this shard: as [`run`], and the reply then waits for
/// what the job wrote in this shard's log to be safe (see `aof`), even while the log cannot be
/// written.
pub async fn run_for(job: Job, idx: usize) -> (Vec<u8>, usize) {
    let (bytes, db, need) = run_noting(job).await;
    if let Some(need) = need {
        let shard = current();
        let mut sh = shard.borrow_mut();
        if let Some(conn) = sh.conns.get_mut(idx).and_then(|c| c.as_mut()) {
            conn.aof_need = conn.aof_need.max(need);
        }
    }
    (bytes, db)
}

/// Runs a job to completion; returns the reply bytes and the database selected at its end.
pub async fn run(job: Job) -> (Vec<u8>, usize) {
    let (bytes, db, _) = run_noting(job).await;
    (bytes, db)
}

/// As [`run`]; also how far this shard's log must be safe for what the job wrote here.
async fn run_noting(job: Job) -> (Vec<u8>, usize, Option<u64>) {
    let shard = current();
    let cmds: Vec<Parts> = job
        .cmds
        .iter()
        .filter_map(|c| Parts::parse(c.clone()))
        .collect();
    let (tx, fps, me) = {
        let mut sh = shard.borrow_mut();
        let fps = footprints(&sh, &job, &cmds);
        (sh.new_tx(), fps, sh.id)
    };
    for (&s, fp) in &fps {
        acquire(s, me, tx, fp.clone()).await;
    }
    let (out, db) = body(&job, &cmds, tx).await;
    if let Some((id, shards)) = job.watcher {
        let forget = encode(&[b"__unwatch", id.to_string().as_bytes()]);
        let n = shard.borrow().shards();
        for s in 0..n {
            if shards & (1u128 << s) != 0 {
                drop(call(s, job.db, job.proto, forget.clone(), Some(tx)));
            }
        }
    }
    let need = end_logged(tx, &fps).await;
    let mut sh = shard.borrow_mut();
    for &s in fps.keys() {
        if s == me {
            sh.release(tx);
        } else {
            sh.send(s, Msg::Unlock { tx });
        }
    }
    (out, db, need)
}

/// With the append-only file on, every shard the job may have written on writes its records
/// as one frame, each naming how many there are, so that recovery keeps the job whole or not
/// at all. The locks stay held until the other shards' frames are safe in their logs: nothing
/// that reads the job's keys afterwards is logged before them. (This shard's frame goes first
/// in its own log, which is always read in order.)
async fn end_logged(tx: TxId, fps: &BTreeMap<usize, Footprint>) -> Option<u64> {
    let shard = current();
    let mut pending = Vec::new();
    let mut need = None;
    {
        let mut sh = shard.borrow_mut();
        // Without a log there is nothing to frame.
        sh.aof.as_ref()?;
        let parts = fps.values().filter(|fp| fp.exclusive()).count() as u32;
        for (&s, fp) in fps {
            if !fp.exclusive() {
                continue;
            }
            if s == sh.id {
                if let Some(aof) = sh.aof.as_mut() {
                    aof.end_tx(tx, parts);
                    need = Some(aof.pending_end());
                }
                continue;
            }
            let (sender, wait) = oneshot();
            let token = sh.register_task(sender);
            sh.awaiting_peers += 1;
            sh.send(s, Msg::TxEnd { tx, parts, token });
            pending.push(wait);
        }
    }
    for wait in pending {
        wait.await;
    }
    need
}

/// Takes a shared lock on every shard, in ascending order as every transaction does: until
/// [`thaw_all`], no write runs anywhere, so whatever the holder reads of all shards is one
/// point in time (SAVE). Returns the transaction that holds the locks.
pub(crate) async fn freeze_all() -> TxId {
    let shard = current();
    let (tx, me, n) = {
        let mut sh = shard.borrow_mut();
        (sh.new_tx(), sh.id, sh.shards())
    };
    for s in 0..n {
        let fp = Footprint {
            keys: Vec::new(),
            whole: Some(false),
        };
        acquire(s, me, tx, fp).await;
    }
    tx
}

/// Releases what [`freeze_all`] took.
pub(crate) fn thaw_all(tx: TxId) {
    let shard = current();
    let mut sh = shard.borrow_mut();
    for s in 0..sh.shards() {
        if s == sh.id {
            sh.release(tx);
        } else {
            sh.send(s, Msg::Unlock { tx });
        }
    }
}

/// Runs an internal command on shard `s` under transaction `tx`'s locks and returns its reply.
pub(crate) async fn call_under(s: usize, db: usize, args: Vec<u8>, tx: TxId) -> Vec<u8> {
    call(s, db, Protocol::Resp2, args, Some(tx)).get().await
}

/// Runs an internal command on shard `s` as any single command runs (waiting for locks other
/// transactions hold on it) and returns its reply.
pub(crate) async fn call_free(s: usize, db: usize, args: Vec<u8>) -> Vec<u8> {
    call(s, db, Protocol::Resp2, args, None).get().await
}

async fn acquire(s: usize, me: usize, tx: TxId, fp: Footprint) {
    let shard = current();
    let (sender, wait) = oneshot();
    {
        let mut sh = shard.borrow_mut();
        if s == me {
            if sh
                .locks
                .acquire(tx, fp, Deferred::LocalGrant(sender))
                .is_some()
            {
                return;
            }
        } else {
            let token = sh.register_task(sender);
            sh.send(
                s,
                Msg::Lock {
                    tx,
                    footprint: Box::new(fp),
                    token,
                },
            );
        }
    }
    wait.await;
}

/// A call in flight: answered at once (this shard) or awaited (another).
enum Pending {
    Ready(Vec<u8>),
    Wait(Oneshot<Vec<u8>>),
}

impl Pending {
    async fn get(self) -> Vec<u8> {
        match self {
            Pending::Ready(v) => v,
            Pending::Wait(w) => w.await,
        }
    }
}

fn call(s: usize, db: usize, proto: Protocol, args: Vec<u8>, tx: Option<TxId>) -> Pending {
    let shard = current();
    let mut sh = shard.borrow_mut();
    if s == sh.id {
        sh.running_tx = tx;
        let out = sh.execute_resp(db, proto, &args);
        sh.running_tx = None;
        // A write here may wake a client waiting on keys of several shards: it must hear of
        // this key before it hears of one the transaction writes next on another shard, as
        // Redis serves ready keys in the order they were written.
        crate::blocking::serve(&mut sh);
        return Pending::Ready(out);
    }
    let (sender, wait) = oneshot();
    let token = sh.register_task(sender);
    sh.send_call(s, token, db, proto, tx, &args);
    Pending::Wait(wait)
}

async fn body(job: &Job, cmds: &[Parts], tx: TxId) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    if !job.exec {
        if let Some(parts) = cmds.first() {
            out = run_one(parts, job.db, job.proto, tx).await;
        }
        return (out, job.db);
    }
    if let Some((id, shards)) = job.watcher {
        let n = current().borrow().shards();
        let check = encode(&[b"__watchdirty", id.to_string().as_bytes()]);
        let mut pending = Vec::new();
        for s in 0..n {
            if shards & (1u128 << s) != 0 {
                pending.push(call(s, job.db, job.proto, check.clone(), Some(tx)));
            }
        }
        let mut dirty = false;
        for p in pending {
            dirty |= scan::reply_int(&p.get().await) == Some(1);
        }
        if dirty {
            Reply::new(&mut out, job.proto).null_array();
            return (out, job.db);
        }
    }
    Reply::new(&mut out, job.proto).array(cmds.len());
    let mut db = job.db;
    for parts in cmds {
        let args = parts.args();
        if commands::lookup(args.get(0))
            .is_some_and(|c| matches!(c.run, Run::Node(NodeCmd::Select)))
        {
            let databases = current().borrow().config.databases;
            match args
                .try_get(1)
                .and_then(|a| std::str::from_utf8(a).ok()?.parse::<usize>().ok())
            {
                Some(n) if n < databases => {
                    db = n;
                    Reply::new(&mut out, job.proto).ok();
                }
                _ => Reply::new(&mut out, job.proto).error(tessera_core::errors::DB_INDEX),
            }
            continue;
        }
        let reply = run_one(parts, db, job.proto, tx).await;
        out.extend_from_slice(&reply);
    }
    (out, db)
}

/// Runs one command under the transaction's locks, split across shards as its span says.
async fn run_one(parts: &Parts, db: usize, proto: Protocol, tx: TxId) -> Vec<u8> {
    let args = parts.args();
    let mut out = Vec::new();
    let Some(cmd) = commands::lookup(args.get(0)) else {
        Reply::new(&mut out, proto).error("ERR unknown command");
        return out;
    };
    let tx = Some(tx);
    let (me, n) = {
        let s = current();
        let sh = s.borrow();
        (sh.id, sh.shards())
    };
    let owner = |k: &[u8]| tessera_core::slot::slot_shard(tessera_core::slot::key_slot(k), n);
    if let Run::Node(which) = cmd.run {
        let mut r = Reply::new(&mut out, proto);
        match which {
            NodeCmd::Ping if args.len() > 1 => r.bulk(args.get(1)),
            NodeCmd::Ping => r.simple("PONG"),
            NodeCmd::Echo => r.bulk(args.get(1)),
            NodeCmd::Time => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                r.array(2);
                r.bulk_int(now.as_secs() as i64);
                r.bulk_int(now.subsec_micros() as i64);
            }
            // As Redis inside EXEC: the save or rewrite starts once the transaction is over.
            NodeCmd::Bgsave if args.len() == 1 || (args.len() == 2 && args.is(1, "schedule")) => {
                let node = current().borrow().node.clone();
                node.save_scheduled
                    .store(true, std::sync::atomic::Ordering::Release);
                r.simple("Background saving scheduled");
            }
            NodeCmd::Bgsave => r.error(tessera_core::errors::SYNTAX),
            NodeCmd::Bgrewriteaof => {
                let node = current().borrow().node.clone();
                node.aof
                    .scheduled
                    .store(true, std::sync::atomic::Ordering::Release);
                r.simple("Background append only file rewriting scheduled");
            }
            _ => r.error("ERR this command cannot be part of a transaction over several shards"),
        }
        return out;
    }
    let key_shards: Vec<(usize, usize)> = cmd
        .keys
        .key_indexes(&args)
        .map(|i| (i, owner(args.get(i))))
        .collect();
    let name = args.get(0);
    match cmd.span {
        Span::Sort if cmd.every_shard(&args) => {
            return crate::sort_txn::run(cmd, &args, &key_shards, db, proto, tx).await;
        }
        Span::Single | Span::Sort => {
            let s = key_shards.first().map_or(me, |k| k.1);
            if key_shards.iter().all(|k| k.1 == s) {
                return call(s, db, proto, parts.bytes.clone(), tx).get().await;
            }
            if cmd.has(flags::READONLY) {
                return read_gathered(cmd, &args, &key_shards, db, proto, tx).await;
            }
            return write_gathered(cmd, &args, &key_shards, db, proto, tx).await;
        }
        Span::Pairs | Span::PairsIfNoneExist if args.len().is_multiple_of(2) => {
            Reply::new(&mut out, proto).error(&tessera_core::errors::wrong_arity(cmd.name));
        }
        Span::SumInts | Span::Gather | Span::Pairs => {
            let step = if cmd.span == Span::Pairs { 2 } else { 1 };
            let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
            for &(i, s) in &key_shards {
                groups.entry(s).or_default().push(i);
            }
            let mut pending = Vec::new();
            for (&s, idxs) in &groups {
                let mut sub: Vec<&[u8]> = vec![name];
                for &i in idxs {
                    for j in 0..step {
                        sub.push(args.get(i + j));
                    }
                }
                pending.push((idxs.clone(), call(s, db, proto, encode(&sub), tx)));
            }
            let mut replies = Vec::new();
            for (idxs, p) in pending {
                replies.push((idxs, p.get().await));
            }
            if let Some((_, err)) = replies.iter().find(|(_, r)| scan::is_error(r)) {
                return err.clone();
            }
            let mut reply = Reply::new(&mut out, proto);
            match cmd.span {
                Span::SumInts => {
                    reply.int(replies.iter().filter_map(|(_, r)| scan::reply_int(r)).sum())
                }
                Span::Pairs => reply.ok(),
                _ => {
                    let mut slots: Vec<Option<Vec<u8>>> = vec![None; args.len()];
                    for (idxs, r) in &replies {
                        if let Some(items) = scan::array_items(r) {
                            for (&i, item) in idxs.iter().zip(items) {
                                slots[i] = Some(item.to_vec());
                            }
                        }
                    }
                    reply.array(key_shards.len());
                    for &(i, _) in &key_shards {
                        match &slots[i] {
                            Some(b) => reply.raw(b),
                            None => reply.null(),
                        }
                    }
                }
            }
        }
        Span::PairsIfNoneExist => {
            let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
            for &(i, s) in &key_shards {
                groups.entry(s).or_default().push(i);
            }
            let mut pending = Vec::new();
            for (&s, idxs) in &groups {
                let mut sub: Vec<&[u8]> = vec![b"exists"];
                sub.extend(idxs.iter().map(|&i| args.get(i)));
                pending.push(call(s, db, proto, encode(&sub), tx));
            }
            let mut existing = 0;
            for p in pending {
                existing += scan::reply_int(&p.get().await).unwrap_or(1);
            }
            if existing > 0 {
                Reply::new(&mut out, proto).int(0);
                return out;
            }
            let mut pending = Vec::new();
            for (&s, idxs) in &groups {
                let mut sub: Vec<&[u8]> = vec![b"mset"];
                for &i in idxs {
                    sub.push(args.get(i));
                    sub.push(args.get(i + 1));
                }
                pending.push(call(s, db, proto, encode(&sub), tx));
            }
            for p in pending {
                p.get().await;
            }
            Reply::new(&mut out, proto).int(1);
        }
        Span::Rename { nx } => {
            let (src, dst) = (args.get(1), args.get(2));
            let (s_src, s_dst) = (owner(src), owner(dst));
            if s_src == s_dst {
                return call(s_src, db, proto, parts.bytes.clone(), tx).get().await;
            }
            if nx {
                let exists = call(s_src, db, proto, encode(&[b"exists", src]), tx)
                    .get()
                    .await;
                if scan::reply_int(&exists) == Some(0) {
                    Reply::new(&mut out, proto).error(tessera_core::errors::NO_SUCH_KEY);
                    return out;
                }
                let r = call(s_dst, db, proto, encode(&[b"exists", dst]), tx)
                    .get()
                    .await;
                if scan::reply_int(&r) == Some(1) {
                    Reply::new(&mut out, proto).int(0);
                    return out;
                }
            }
            let taken = call(s_src, db, proto, encode(&[b"__takettl", src]), tx)
                .get()
                .await;
            return move_value(
                &taken,
                s_dst,
                db,
                proto,
                dst,
                true,
                tx,
                if nx { b":1\r\n" } else { b"+OK\r\n" },
            )
            .await;
        }
        Span::Copy => {
            let (src, dst) = (args.get(1), args.get(2));
            let databases = current().borrow().config.databases;
            let (dst_db, replace) =
                match tessera_core::commands::keys::copy_options(&args, db, databases) {
                    Ok(o) => o,
                    Err(e) => {
                        Reply::new(&mut out, proto).error(e);
                        return out;
                    }
                };
            let (s_src, s_dst) = (owner(src), owner(dst));
            if s_src == s_dst {
                return call(s_src, db, proto, parts.bytes.clone(), tx).get().await;
            }
            let dumped = call(s_src, db, proto, encode(&[b"__dumpttl", src]), tx)
                .get()
                .await;
            // A missing source answers a null array: nothing to copy.
            if !scan::is_error(&dumped)
                && scan::array_items(&dumped).is_none_or(|items| items.len() != 3)
            {
                Reply::new(&mut out, proto).int(0);
                return out;
            }
            if !replace {
                let r = call(s_dst, dst_db, proto, encode(&[b"exists", dst]), tx)
                    .get()
                    .await;
                if scan::reply_int(&r) == Some(1) {
                    Reply::new(&mut out, proto).int(0);
                    return out;
                }
            }
            return move_value(&dumped, s_dst, dst_db, proto, dst, true, tx, b":1\r\n").await;
        }
        Span::AllSum | Span::AllFirst | Span::AllConcat | Span::AllAny => {
            let start = if cmd.span == Span::AllAny {
                (current().borrow_mut().random() as usize) % n
            } else {
                0
            };
            let mut pending = Vec::new();
            for k in 0..n {
                let s = (start + k) % n;
                pending.push(call(s, db, proto, parts.bytes.clone(), tx));
            }
            let mut replies = Vec::new();
            for p in pending {
                replies.push(p.get().await);
            }
            if let Some(err) = replies.iter().find(|r| scan::is_error(r)) {
                return err.clone();
            }
            let mut reply = Reply::new(&mut out, proto);
            match cmd.span {
                Span::AllSum => reply.int(replies.iter().filter_map(|r| scan::reply_int(r)).sum()),
                Span::AllFirst => reply.raw(&replies[0]),
                Span::AllConcat => {
                    let items: Vec<Vec<u8>> = replies
                        .iter()
                        .flat_map(|r| {
                            scan::array_items(r)
                                .unwrap_or_default()
                                .into_iter()
                                .map(|i| i.to_vec())
                                .collect::<Vec<_>>()
                        })
                        .collect();
                    reply.array(items.len());
                    for i in items {
                        reply.raw(&i);
                    }
                }
                _ => match replies.iter().find(|r| {
                    !matches!(r.first(), Some(b'$') if r.starts_with(b"$-1"))
                        && !r.starts_with(b"_")
                }) {
                    Some(r) => reply.raw(r),
                    None => reply.null(),
                },
            }
        }
        Span::Scan => return scan_shards(&args, db, proto, n).await,
    }
    out
}

/// Runs a read-only command whose keys live on several shards: copies of the values are
/// gathered (under the transaction's locks) into a scratch keyspace, and the command's own
/// handler runs over it. LCS across shards works this way.
async fn read_gathered(
    cmd: &'static Command,
    args: &Args<'_>,
    key_shards: &[(usize, usize)],
    db: usize,
    proto: Protocol,
    tx: Option<TxId>,
) -> Vec<u8> {
    let (mut scratch, _) = gather(args, key_shards, db, proto, tx).await;
    let shard = current();
    let mut sh = shard.borrow_mut();
    let mut out = Vec::new();
    sh.run_on(&mut scratch, cmd, db, proto, args, &mut out);
    out
}

/// A write command whose keys sit on several shards (SMOVE, LMOVE, SINTERSTORE, ZUNIONSTORE...):
/// its keys' values are gathered here, the command runs over them as if they were local, and
/// every key it changed is written back to its shard (restored, or deleted when it is gone). The
/// transaction's locks hold every key for the whole trip, so nobody sees the keys half moved.
async fn write_gathered(
    cmd: &'static Command,
    args: &Args<'_>,
    key_shards: &[(usize, usize)],
    db: usize,
    proto: Protocol,
    tx: Option<TxId>,
) -> Vec<u8> {
    let (mut scratch, before) = gather(args, key_shards, db, proto, tx).await;
    let mut out = Vec::new();
    current()
        .borrow_mut()
        .run_on(&mut scratch, cmd, db, proto, args, &mut out);
    match write_back(&scratch, &before, db, proto, tx).await {
        Some(err) => err,
        None => out,
    }
}

/// Writes every key of `before` that the command changed in `scratch` back to its shard
/// (restored, or deleted when it is gone); returns the first error a shard answered.
pub(crate) async fn write_back(
    scratch: &tessera_core::keyspace::Keyspace,
    before: &[Before],
    db: usize,
    proto: Protocol,
    tx: Option<TxId>,
) -> Option<Vec<u8>> {
    let mut pending = Vec::new();
    for (key, shard, old) in before {
        let now = scratch.dbs[db].peek(key, 0).cloned();
        let write = match (old, &now) {
            (None, None) => continue,
            (Some(_), None) => encode(&[b"del", key]),
            (Some(o), Some(n)) if o.value == n.value && o.expire_at == n.expire_at => continue,
            (_, Some(n)) => {
                let payload = tessera_core::keyspace::dump::dump_value(&n.value);
                let expire_at = n.expire_at.to_string();
                encode(&[
                    b"restore",
                    key,
                    expire_at.as_bytes(),
                    &payload,
                    b"ABSTTL",
                    b"REPLACE",
                ])
            }
        };
        pending.push(call(*shard, db, proto, write, tx));
    }
    for p in pending {
        let r = p.get().await;
        if scan::is_error(&r) {
            return Some(r);
        }
    }
    None
}

/// A value copied from its shard: the key, its shard, and its entry (None when missing).
pub(crate) type Before = (Vec<u8>, usize, Option<tessera_core::keyspace::Entry>);

/// The values of a command's keys, fetched from their shards into a scratch keyspace, and each
/// distinct key with its shard and the entry it had (None when missing).
async fn gather(
    args: &Args<'_>,
    key_shards: &[(usize, usize)],
    db: usize,
    proto: Protocol,
    tx: Option<TxId>,
) -> (tessera_core::keyspace::Keyspace, Vec<Before>) {
    let keys: Vec<(&[u8], usize)> = key_shards.iter().map(|&(i, s)| (args.get(i), s)).collect();
    let mut scratch = tessera_core::keyspace::Keyspace::new(db + 1);
    let before = gather_into(&mut scratch, &keys, db, proto, tx).await;
    (scratch, before)
}

/// Copies `keys` (each with its shard) into `scratch`; returns each distinct key with its shard
/// and the entry it had.
pub(crate) async fn gather_into(
    scratch: &mut tessera_core::keyspace::Keyspace,
    keys: &[(&[u8], usize)],
    db: usize,
    proto: Protocol,
    tx: Option<TxId>,
) -> Vec<Before> {
    let mut pending = Vec::new();
    for &(key, s) in keys {
        if pending.iter().any(|(k, _, _)| *k == key) {
            continue;
        }
        pending.push((key, s, call(s, db, proto, encode(&[b"__dumpttl", key]), tx)));
    }
    let config = current().borrow().config.clone();
    let mut before = Vec::with_capacity(pending.len());
    for (key, s, p) in pending {
        let got = p.get().await;
        let entry = scan::array_items(&got)
            .filter(|it| it.len() == 3)
            .and_then(|items| {
                let value =
                    tessera_core::keyspace::dump::restore_value_for(bulk_body(items[0]), &config)
                        .ok()?;
                let expire_at = scan::reply_int(items[1]).unwrap_or(0).max(0) as u64;
                let mut entry = tessera_core::keyspace::Entry::new(value);
                entry.expire_at = expire_at;
                Some(entry)
            });
        if let Some(e) = &entry {
            scratch.dbs[db].set_entry(key, e.clone());
        }
        before.push((key.to_vec(), s, entry));
    }
    before
}

/// Stores a value taken or copied from another shard (`__takettl`/`__dumpttl`'s reply) at `dst`.
#[allow(clippy::too_many_arguments)]
async fn move_value(
    got: &[u8],
    s_dst: usize,
    db: usize,
    proto: Protocol,
    dst: &[u8],
    replace: bool,
    tx: Option<TxId>,
    ok_reply: &[u8],
) -> Vec<u8> {
    let mut out = Vec::new();
    if scan::is_error(got) {
        return got.to_vec();
    }
    let Some(items) = scan::array_items(got).filter(|i| i.len() == 3) else {
        Reply::new(&mut out, proto).error(tessera_core::errors::NO_SUCH_KEY);
        return out;
    };
    let raw = scan::reply_int(items[2]) == Some(1);
    let payload = bulk_body(items[0]);
    let expire_at = scan::reply_int(items[1]).unwrap_or(0).to_string();
    let mut sub: Vec<&[u8]> = vec![b"restore", dst, expire_at.as_bytes(), payload, b"ABSTTL"];
    if replace {
        sub.push(b"REPLACE");
    }
    let r = call(s_dst, db, proto, encode(&sub), tx).get().await;
    if scan::is_error(&r) {
        return r;
    }
    if raw {
        call(s_dst, db, proto, encode(&[b"__markraw", dst]), tx)
            .get()
            .await;
    }
    ok_reply.to_vec()
}

/// The content of a `$n` bulk reply.
fn bulk_body(item: &[u8]) -> &[u8] {
    let Some(end) = item.windows(2).position(|w| w == b"\r\n") else {
        return &[];
    };
    let body = &item[end + 2..];
    &body[..body.len().saturating_sub(2)]
}

/// SCAN over every shard: the cursor's top bits name the shard, the rest is that shard's cursor.
async fn scan_shards(args: &Args<'_>, db: usize, proto: Protocol, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let Some(cursor) = std::str::from_utf8(args.get(1))
        .ok()
        .and_then(|c| c.parse::<u64>().ok())
    else {
        Reply::new(&mut out, proto).error("ERR invalid cursor");
        return out;
    };
    let mask = (1u64 << CURSOR_BITS) - 1;
    let mut shard = (cursor >> CURSOR_BITS) as usize;
    if shard >= n {
        Reply::new(&mut out, proto).array(2);
        Reply::new(&mut out, proto).bulk(b"0");
        Reply::new(&mut out, proto).array(0);
        return out;
    }
    let local = (cursor & mask).to_string();
    let mut sub: Vec<&[u8]> = args.iter().collect();
    sub[1] = local.as_bytes();
    let r = call(shard, db, proto, encode(&sub), None).get().await;
    if scan::is_error(&r) {
        return r;
    }
    let Some(items) = scan::array_items(&r).filter(|i| i.len() == 2) else {
        return r;
    };
    let next_local: u64 = std::str::from_utf8(bulk_body(items[0]))
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let next = if next_local == 0 {
        shard += 1;
        if shard >= n {
            0
        } else {
            (shard as u64) << CURSOR_BITS
        }
    } else {
        ((shard as u64) << CURSOR_BITS) | next_local
    };
    let mut reply = Reply::new(&mut out, proto);
    reply.array(2);
    reply.bulk(next.to_string().as_bytes());
    reply.raw(items[1]);
    out
}
