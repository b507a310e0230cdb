//! From a parsed command to its reply: checks (name, arity, AUTH, MULTI), then where it runs.
//!
//! A command whose keys all live on this shard runs inline, with no message and no allocation.
//! One whose keys live on one other shard is one message there, its reply slot kept in order.
//! Anything that spans shards becomes a transaction (`txn`), and the connection parks until it
//! is done so its later commands see its effects.

use tessera_core::commands::{self, flags, Command, Run};
use tessera_core::errors;
use tessera_core::protocol::{args::encode_command, Args, Reply};

use crate::conn::{Queued, ReplyMode};

use crate::shard::{footprint_of, Deferred, Shard};
use crate::txn::{self, Job};

/// What the parser does after a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Go on with the next command.
    Continue,
    /// Stop parsing this connection's input for now (parked, closing); the command was taken.
    Hold,
    /// Stop, and parse this same command again later (CLIENT PAUSE).
    Retry,
}

/// The RESP encoding of a command: the bytes received when they were RESP already.
pub fn encoded(args: &Args<'_>, raw: Option<&[u8]>) -> Vec<u8> {
    match raw {
        Some(r) => r.to_vec(),
        None => {
            let mut v = Vec::new();
            encode_command(args.iter(), &mut v);
            v
        }
    }
}

/// Writes an immediate reply for connection `idx`, in order behind any pending ones, honouring
/// CLIENT REPLY.
pub fn reply_now(sh: &mut Shard, idx: usize, write: impl FnOnce(&mut Reply<'_>)) {
    let Some(conn) = sh.conns[idx].as_mut() else {
        return;
    };
    let muted = matches!(conn.reply_mode, ReplyMode::Off | ReplyMode::SkipThis);
    let proto = conn.proto;
    match conn.immediate_target() {
        None => {
            let start = conn.out.len();
            write(&mut Reply::new(&mut conn.out, proto));
            if muted {
                conn.out.truncate(start);
            }
        }
        Some(seq) => {
            let mut v = Vec::new();
            write(&mut Reply::new(&mut v, proto));
            conn.fill_slot(seq, &v);
        }
    }
}

/// Writes an error reply for connection `idx`; inside MULTI it also dooms the transaction.
fn refuse(sh: &mut Shard, idx: usize, msg: &str) {
    if let Some(conn) = sh.conns[idx].as_mut() {
        if conn.multi.is_some() {
            conn.multi_failed = true;
        }
    }
    reply_now(sh, idx, |r| r.error(msg));
}

/// Refuses a command the server cannot take now (OOM, MISCONF). An EXEC refused so discards its
/// transaction, saying why, as Redis's `execCommandAbort`; anything else is refused as usual.
fn refuse_or_abort(sh: &mut Shard, idx: usize, cmd: &Command, msg: &str) -> Flow {
    if matches!(cmd.run, Run::Node(commands::NodeCmd::Exec)) {
        if let Some(conn) = sh.conns[idx].as_mut() {
            conn.multi = None;
            conn.multi_failed = false;
        }
        crate::multi::unwatch(sh, idx);
        reply_now(sh, idx, |r| r.error(&errors::exec_abort(msg)));
    } else {
        refuse(sh, idx, msg);
    }
    Flow::Continue
}

/// Checks and runs one command of connection `idx`; `cmd` is the command its name names when
/// the caller looked it up already.
pub fn dispatch(
    sh: &mut Shard,
    idx: usize,
    args: &Args<'_>,
    raw: Option<&[u8]>,
    cmd: Option<&'static Command>,
) -> Flow {
    let now = sh.clock;
    let Some(conn) = sh.conns[idx].as_mut() else {
        return Flow::Hold;
    };
    if conn.closing {
        return Flow::Hold;
    }
    conn.last_ms = now;
    if conn.reply_mode == ReplyMode::Skip {
        conn.reply_mode = ReplyMode::SkipThis;
    }
    let flow = checked(sh, idx, args, raw, now, cmd);
    if let Some(conn) = sh.conns[idx].as_mut() {
        if conn.reply_mode == ReplyMode::SkipThis && flow != Flow::Retry {
            conn.reply_mode = ReplyMode::On;
        }
    }
    flow
}

fn checked(
    sh: &mut Shard,
    idx: usize,
    args: &Args<'_>,
    raw: Option<&[u8]>,
    now: u64,
    known: Option<&'static Command>,
) -> Flow {
    let name = args.get(0);
    let cmd = match known.or_else(|| commands::lookup(name)) {
        Some(c) if !c.has(flags::INTERNAL) => c,
        _ => {
            let rest: Vec<&[u8]> = args.iter().skip(1).collect();
            refuse(sh, idx, &errors::unknown_command(name, &rest));
            return Flow::Continue;
        }
    };
    let Some(conn) = sh.conns[idx].as_mut() else {
        return Flow::Hold;
    };
    conn.last_cmd = tessera_core::commands::server::full_name(cmd.name, args.try_get(1));
    if !cmd.arity_ok(args.len()) {
        refuse(sh, idx, &errors::wrong_arity(cmd.name));
        return Flow::Continue;
    }
    if !conn.authed && !cmd.has(flags::NO_AUTH) {
        refuse(sh, idx, errors::NOAUTH);
        return Flow::Continue;
    }
    if sh.pause.0 > now && (!sh.pause.1 || cmd.has(flags::WRITE)) && cmd.name != "client" {
        conn.paused = true;
        return Flow::Retry;
    }
    if crate::evict::refuses(sh, idx, cmd, args) {
        return refuse_or_abort(sh, idx, cmd, errors::OOM);
    }
    if let Some(why) = crate::save::refusal(sh, idx, cmd) {
        return refuse_or_abort(sh, idx, cmd, &why);
    }
    if sh.node.loading.load(std::sync::atomic::Ordering::Acquire) && !cmd.has(flags::LOADING) {
        refuse(sh, idx, errors::LOADING);
        return Flow::Continue;
    }
    let Some(conn) = sh.conns[idx].as_mut() else {
        return Flow::Hold;
    };
    if conn.multi.is_some()
        && matches!(
            cmd.run,
            Run::Node(commands::NodeCmd::Save | commands::NodeCmd::Shutdown)
        )
    {
        // As Redis: these may neither wait in a transaction nor run inside one.
        refuse(sh, idx, "ERR Command not allowed inside a transaction");
        return Flow::Continue;
    }
    if conn.multi.is_some() && !cmd.has(flags::NO_MULTI) {
        let bytes = encoded(args, raw);
        if let Some(q) = conn.multi.as_mut() {
            q.push(Queued { args: bytes });
        }
        reply_now(sh, idx, |r| r.simple("QUEUED"));
        return Flow::Continue;
    }
    sh.stats.commands += u64::from(matches!(cmd.run, Run::Node(_)));
    match cmd.run {
        Run::Node(which) => crate::admin::run(sh, idx, which, args, raw),
        Run::Shard(_) => route(sh, idx, cmd, args, raw),
    }
}

/// The shard every key of the command lives on (this one for keyless commands), or None when
/// the keys are spread over several.
pub fn single_owner(sh: &Shard, cmd: &Command, args: &Args<'_>) -> Option<usize> {
    if sh.node.shards == 1 {
        return Some(sh.id);
    }
    let mut owner = None;
    for i in cmd.keys.key_indexes(args) {
        let s = sh.owner(args.get(i));
        match owner {
            None => owner = Some(s),
            Some(o) if o != s => return None,
            _ => {}
        }
    }
    Some(owner.unwrap_or(sh.id))
}

fn route(
    sh: &mut Shard,
    idx: usize,
    cmd: &'static Command,
    args: &Args<'_>,
    raw: Option<&[u8]>,
) -> Flow {
    let Some(conn) = sh.conns[idx].as_mut() else {
        return Flow::Hold;
    };
    let (db, proto) = (conn.db, conn.proto);
    if cmd.has(flags::BLOCKING) {
        return crate::blocking_client::start(sh, idx, cmd, args, raw);
    }
    let target = if cmd.every_shard(args) {
        None
    } else {
        single_owner(sh, cmd, args)
    };
    let target = match target {
        Some(t) => t,
        None => {
            let job = Job::command(cmd, encoded(args, raw), db, proto);
            txn::start(sh, idx, job);
            return Flow::Hold;
        }
    };
    if target == sh.id {
        if !sh.locks.idle() {
            let fp = footprint_of(cmd, args, db, None);
            if sh.locks.must_wait(&fp) {
                let conn = sh.conns[idx].as_mut().expect("live connection");
                let seq = conn.reserve_slot();
                let token = sh.conn_token(idx, seq);
                let work = Deferred::Cmd {
                    from: sh.id,
                    token,
                    db: db as u16,
                    proto,
                    args: encoded(args, raw),
                };
                sh.locks.defer(fp, work);
                return Flow::Continue;
            }
        }
        if !sh.waiters.is_empty() && crate::barrier::must_hold(sh, cmd, args, db) {
            // It would serve a blocked client: first what other shards already read.
            return crate::barrier::hold_local(sh, idx, args, raw);
        }
        run_inline(sh, idx, cmd, args);
    } else {
        let conn = sh.conns[idx].as_mut().expect("live connection");
        let seq = conn.reserve_slot();
        let token = sh.conn_token(idx, seq);
        sh.send_args(target, token, db, proto, None, args);
    }
    Flow::Continue
}

/// Runs a command on this shard and writes its reply in order.
fn run_inline(sh: &mut Shard, idx: usize, cmd: &'static Command, args: &Args<'_>) {
    let Some(conn) = sh.conns[idx].as_mut() else {
        return;
    };
    let (db, proto) = (conn.db, conn.proto);
    let muted = matches!(conn.reply_mode, ReplyMode::Off | ReplyMode::SkipThis);
    let slot = conn.immediate_target();
    let mut out = match slot {
        None => std::mem::take(&mut conn.out),
        Some(_) => Vec::new(),
    };
    let start = out.len();
    let logged = sh.aof.as_ref().map(|a| a.pending_end());
    sh.run_command(cmd, db, proto, args, &mut out);
    if muted && slot.is_none() {
        out.truncate(start);
    }
    let need = sh
        .aof
        .as_ref()
        .map(|a| a.pending_end())
        .filter(|&n| Some(n) != logged);
    let conn = sh.conns[idx].as_mut().expect("live connection");
    if let Some(need) = need {
        conn.aof_need = need;
    }
    match slot {
        None => conn.out = out,
        Some(seq) => {
            conn.fill_slot(seq, &out);
        }
    }
    crate::blocking::serve(sh);
}

/// Forgets every WATCH of client `id` on the shards in `shards` (a bit per shard).
pub fn unwatch_everywhere(sh: &mut Shard, id: u64, shards: u128) {
    let mut cmd = Vec::new();
    encode_command(
        [&b"__unwatch"[..], id.to_string().as_bytes()].into_iter(),
        &mut cmd,
    );
    for s in 0..sh.shards() {
        if shards & (1u128 << s) == 0 {
            continue;
        }
        if s == sh.id {
            let _ = sh.execute_resp(0, Default::default(), &cmd);
        } else {
            sh.send_call(
                s,
                crate::mesh::TASK_TOKEN,
                0,
                Default::default(),
                None,
                &cmd,
            );
        }
    }
}

/// Runs `work` in a task for connection `idx`, parked meanwhile: the connection's later commands
/// wait, so they see what `work` did. The bytes it returns are the reply, in order.
pub fn park_for<F>(sh: &mut Shard, idx: usize, work: F)
where
    F: std::future::Future<Output = Vec<u8>> + 'static,
{
    park_until(sh, idx, async move { (work.await, None) });
}

/// As [`park_for`]; `work` also names the database the connection has selected afterwards.
pub fn park_until<F>(sh: &mut Shard, idx: usize, work: F)
where
    F: std::future::Future<Output = (Vec<u8>, Option<usize>)> + 'static,
{
    let Some(conn) = sh.conns[idx].as_mut() else {
        return;
    };
    conn.parked = true;
    let seq = conn.reserve_slot();
    let generation = conn.generation;
    let token = sh.conn_token(idx, seq);
    glommio::spawn_local(async move {
        // glommio may run a new task at once; let the spawner release the shard first.
        glommio::executor().yield_now().await;
        let (bytes, db) = work.await;
        let shard = crate::shard::current();
        let mut sh = shard.borrow_mut();
        sh.deliver(token, &bytes);
        if let Some(conn) = sh.conns[idx]
            .as_mut()
            .filter(|c| c.generation == generation)
        {
            conn.parked = false;
            if let Some(db) = db {
                conn.db = db;
            }
            if conn.closing {
                sh.to_close.push(idx as u32);
            } else {
                sh.resume.push(idx as u32);
            }
        }
        sh.notify.notify();
    })
    .detach();
}
