//! MULTI/EXEC/WATCH: queued commands run at once, inline when all their keys are here, as one
//! message (`__exec`) run whole by the one other shard that holds them all and every watched
//! key, else as one transaction over the shards they touch; WATCH lives on each watched key's
//! shard.

use tessera_core::commands::{self, NodeCmd, Run};
use tessera_core::errors;
use tessera_core::protocol::{args::encode_command, Args, Protocol, Reply};

use crate::dispatch::{park_for, reply_now, single_owner, Flow};
use crate::local::oneshot;

use crate::shard::Shard;
use crate::txn::{self, Job};

/// WATCH: each key's shard remembers the watcher. OK is sent once every shard has registered
/// its keys, so a change made after the client hears OK is always seen by EXEC.
pub(crate) fn watch(sh: &mut Shard, idx: usize, args: &Args<'_>) -> Flow {
    let Some(c) = sh.conns[idx].as_ref() else {
        return Flow::Hold;
    };
    let (id, db) = (c.id, c.db);
    let id_text = id.to_string();
    let mut per_shard: Vec<Vec<&[u8]>> = vec![Vec::new(); sh.shards()];
    for i in 1..args.len() {
        per_shard[sh.owner(args.get(i))].push(args.get(i));
    }
    let mut mask = 0u128;
    let mut waits = Vec::new();
    for (s, keys) in per_shard.iter().enumerate() {
        if keys.is_empty() {
            continue;
        }
        mask |= 1u128 << s;
        let mut sub: Vec<&[u8]> = vec![b"__watch", id_text.as_bytes()];
        sub.extend(keys.iter().copied());
        let mut bytes = Vec::new();
        encode_command(sub.into_iter(), &mut bytes);
        if s == sh.id {
            let _ = sh.execute_resp(db, Protocol::Resp2, &bytes);
        } else {
            let (tx, rx) = oneshot();
            let token = sh.register_task(tx);
            sh.send_call(s, token, db, Protocol::Resp2, None, &bytes);
            waits.push(rx);
        }
    }
    if let Some(c) = sh.conns[idx].as_mut() {
        c.watch_shards |= mask;
    }
    if waits.is_empty() {
        reply_now(sh, idx, |r| r.ok());
        return Flow::Continue;
    }
    park_for(sh, idx, async move {
        for w in waits {
            w.await;
        }
        b"+OK\r\n".to_vec()
    });
    Flow::Hold
}

pub(crate) fn unwatch(sh: &mut Shard, idx: usize) {
    let Some(c) = sh.conns[idx].as_mut() else {
        return;
    };
    let (id, shards) = (c.id, c.watch_shards);
    c.watch_shards = 0;
    if shards != 0 {
        crate::dispatch::unwatch_everywhere(sh, id, shards);
    }
}

pub(crate) fn exec(sh: &mut Shard, idx: usize) -> Flow {
    let Some(c) = sh.conns[idx].as_mut() else {
        return Flow::Hold;
    };
    let Some(queue) = c.multi.take() else {
        reply_now(sh, idx, |r| r.error(errors::EXEC_WITHOUT_MULTI));
        return Flow::Continue;
    };
    if c.multi_failed {
        c.multi_failed = false;
        unwatch(sh, idx);
        reply_now(sh, idx, |r| r.error(errors::EXECABORT));
        return Flow::Continue;
    }
    let (db, proto, id, watch_shards) = (c.db, c.proto, c.id, c.watch_shards);
    let cmds: Vec<Vec<u8>> = queue.into_iter().map(|q| q.args).collect();
    let me = sh.id;
    // Inline when every key is here, no lock is in the way and no other shard watches for us.
    let mut local = watch_shards & !(1u128 << me) == 0;
    let mut fps = crate::locks::Footprint::default();
    let mut parsed = Vec::new();
    for bytes in &cmds {
        let spans = crate::shard::parse_internal(bytes);
        local &= spans.is_some();
        parsed.push(spans.unwrap_or_default());
    }
    if local {
        for (bytes, spans) in cmds.iter().zip(&parsed) {
            let args = Args::new(bytes, spans);
            let Some(cmd) = commands::lookup(args.get(0)) else {
                continue;
            };
            match cmd.run {
                Run::Node(NodeCmd::Select) => local = false,
                Run::Node(NodeCmd::Ping | NodeCmd::Echo | NodeCmd::Time) => {}
                Run::Node(_) => local = false,
                Run::Shard(_) => {
                    if single_owner(sh, cmd, &args) != Some(me) || cmd.every_shard(&args) {
                        local = false;
                    } else {
                        fps.keys
                            .extend(crate::shard::footprint_of(cmd, &args, db, None).keys);
                    }
                }
            }
        }
    }
    if local && !sh.locks.must_wait(&fps) {
        let dirty = watch_shards != 0 && sh.ks.dbs.iter().any(|d| d.dirty_watchers.contains(&id));
        unwatch(sh, idx);
        let mut out = Vec::new();
        let queued: Vec<Args<'_>> = cmds
            .iter()
            .zip(&parsed)
            .map(|(bytes, spans)| Args::new(bytes, spans))
            .collect();
        run_queued(sh, db, proto, &queued, dirty, &mut out);
        reply_now(sh, idx, |r| r.raw(&out));
        return Flow::Continue;
    }
    if let Some(owner) = one_other_owner(sh, &cmds, &parsed, watch_shards) {
        // Everything on one other shard: one message runs the whole transaction there, sent
        // within this turn (so a barrier round finds it on its way, see `barrier`).
        let id_text = id.to_string();
        let mut parts: Vec<&[u8]> = vec![
            b"__exec",
            id_text.as_bytes(),
            if watch_shards != 0 { b"1" } else { b"0" },
        ];
        parts.extend(cmds.iter().map(Vec::as_slice));
        let mut bytes = Vec::new();
        encode_command(parts.into_iter(), &mut bytes);
        let (tx, rx) = oneshot();
        let token = sh.register_task(tx);
        sh.send_call(owner, token, db, proto, None, &bytes);
        if let Some(c) = sh.conns[idx].as_mut() {
            c.watch_shards = 0;
        }
        park_for(sh, idx, rx);
        return Flow::Hold;
    }
    let watcher = (watch_shards != 0).then_some((id, watch_shards));
    let job = Job::exec(cmds, db, proto, watcher);
    // The coordinator checks the watches under its locks; the watches end with EXEC.
    txn::start(sh, idx, job);
    if let Some(c) = sh.conns[idx].as_mut() {
        c.watch_shards = 0;
    }
    Flow::Hold
}

/// The one shard other than this one that every key of an EXEC's queue, and every key its
/// client watches, lives on; None when there is no such shard or the queue holds a command
/// that must run elsewhere (SELECT, a command of the node, one that visits every shard, a
/// command without keys).
fn one_other_owner(
    sh: &Shard,
    cmds: &[Vec<u8>],
    parsed: &[Vec<std::ops::Range<usize>>],
    watch_shards: u128,
) -> Option<usize> {
    let mut owner: Option<usize> = None;
    let mut same = |s: usize| *owner.get_or_insert(s) == s;
    for s in 0..sh.shards() {
        if watch_shards & (1u128 << s) != 0 && !same(s) {
            return None;
        }
    }
    for (bytes, spans) in cmds.iter().zip(parsed) {
        if spans.is_empty() {
            return None;
        }
        let args = Args::new(bytes, spans);
        let cmd = commands::lookup(args.get(0))?;
        match cmd.run {
            Run::Node(NodeCmd::Ping | NodeCmd::Echo | NodeCmd::Time) => {}
            Run::Node(_) => return None,
            Run::Shard(_) => {
                if cmd.every_shard(&args) {
                    return None;
                }
                let mut keys = cmd.keys.key_indexes(&args).peekable();
                keys.peek()?;
                for i in keys {
                    if !same(sh.owner(args.get(i))) {
                        return None;
                    }
                }
            }
        }
    }
    owner.filter(|&o| o != sh.id)
}

/// Runs an EXEC's queued commands here, one after another with nothing in between, and writes
/// EXEC's reply to `out`: the null array when a watched key changed (`dirty`).
fn run_queued(
    sh: &mut Shard,
    db: usize,
    proto: Protocol,
    cmds: &[Args<'_>],
    dirty: bool,
    out: &mut Vec<u8>,
) {
    if dirty {
        Reply::new(out, proto).null_array();
        return;
    }
    Reply::new(out, proto).array(cmds.len());
    if let Some(aof) = sh.aof.as_mut() {
        aof.begin_group();
    }
    for args in cmds {
        match commands::lookup(args.get(0)).map(|c| c.run) {
            Some(Run::Node(NodeCmd::Ping)) if args.len() > 1 => {
                Reply::new(out, proto).bulk(args.get(1))
            }
            Some(Run::Node(NodeCmd::Ping)) => Reply::new(out, proto).simple("PONG"),
            Some(Run::Node(NodeCmd::Echo)) => Reply::new(out, proto).bulk(args.get(1)),
            Some(Run::Node(NodeCmd::Time)) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                let mut r = Reply::new(out, proto);
                r.array(2);
                r.bulk_int(now.as_secs() as i64);
                r.bulk_int(now.subsec_micros() as i64);
            }
            _ => sh.execute(db, proto, args, out),
        }
    }
    if let Some(aof) = sh.aof.as_mut() {
        aof.end_group();
    }
    // A blocking command in a transaction does not block.
    sh.ks.block = None;
}

/// A queued command as an `__exec` carries it: its RESP bytes and its argument spans.
type ExecPart<'a> = (&'a [u8], Vec<std::ops::Range<usize>>);

/// The queued commands of an `__exec` (see [`exec`]), each with its argument spans.
fn exec_parts<'a>(args: &Args<'a>) -> Option<Vec<ExecPart<'a>>> {
    if args.get(0) != b"__exec" || args.len() < 3 {
        return None;
    }
    args.iter()
        .skip(3)
        .map(|bytes| Some((bytes, crate::shard::parse_internal(bytes)?)))
        .collect()
}

/// What an `__exec` locks here: the keys of its commands. None for any other command.
pub(crate) fn exec_footprint(args: &Args<'_>, db: usize) -> Option<crate::locks::Footprint> {
    let parts = exec_parts(args)?;
    let mut fp = crate::locks::Footprint::default();
    for (bytes, spans) in &parts {
        let args = Args::new(bytes, spans);
        if let Some(cmd) = commands::lookup(args.get(0)) {
            fp.keys
                .extend(crate::shard::footprint_of(cmd, &args, db, None).keys);
        }
    }
    Some(fp)
}

/// `__exec <client id> <watching: 0|1> <command>...` from the client's shard: runs an EXEC
/// whose keys, and watched keys, all live here (see [`exec`]). False for any other command.
pub(crate) fn internal_exec(
    sh: &mut Shard,
    db: usize,
    proto: Protocol,
    args: &Args<'_>,
    out: &mut Vec<u8>,
) -> bool {
    if args.get(0) != b"__exec" {
        return false;
    }
    let Some(parts) = exec_parts(args) else {
        Reply::new(out, proto).error("ERR malformed internal command");
        return true;
    };
    let id = std::str::from_utf8(args.get(1))
        .ok()
        .and_then(|s| s.parse::<u64>().ok());
    let watching = args.get(2) == b"1";
    let db = db.min(sh.ks.dbs.len() - 1);
    let mut dirty = false;
    if let Some(id) = id.filter(|_| watching) {
        dirty = sh.ks.dbs.iter().any(|d| d.dirty_watchers.contains(&id));
        for d in &mut sh.ks.dbs {
            d.unwatch(id);
        }
    }
    let queued: Vec<Args<'_>> = parts
        .iter()
        .map(|(bytes, spans)| Args::new(bytes, spans))
        .collect();
    run_queued(sh, db, proto, &queued, dirty, out);
    true
}
