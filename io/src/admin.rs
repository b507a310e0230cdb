//! The commands that need the connection or the whole node: HELLO, AUTH, SELECT, CLIENT, INFO,
//! CONFIG, COMMAND, MULTI/EXEC/WATCH, SHUTDOWN, DEBUG...

use std::sync::atomic::Ordering;

use tessera_core::commands::{self, flags, NodeCmd, Run};
use tessera_core::errors;
use tessera_core::protocol::{args::encode_command, scan, Args, Protocol, Reply};

use crate::conn::ReplyMode;
use crate::dispatch::{park_for, reply_now, single_owner, Flow};
use crate::local::oneshot;
use crate::mesh::{Call, Msg};
use crate::shard::{current, now_ms, Shard};
use crate::txn::{self, Job};

/// Which clients CLIENT KILL closes.
#[derive(Clone, Debug, Default)]
pub struct KillFilter {
    /// By CLIENT ID.
    pub id: Option<u64>,
    /// By peer address.
    pub addr: Option<String>,
    /// By local address.
    pub laddr: Option<String>,
    /// Never this client (SKIPME yes).
    pub skip: Option<u64>,
}

/// What a shard reports about itself.
#[derive(Clone, Copy, Debug)]
pub enum ReportKind {
    /// CLIENT LIST lines.
    Clients,
    /// INFO counters as `name:value` lines.
    Counters,
}

/// Runs a node command for connection `idx`.
pub fn run(
    sh: &mut Shard,
    idx: usize,
    which: NodeCmd,
    args: &Args<'_>,
    raw: Option<&[u8]>,
) -> Flow {
    let argc = args.len();
    match which {
        NodeCmd::Ping => reply_now(sh, idx, |r| {
            if argc > 2 {
                r.error(&errors::wrong_arity("ping"))
            } else if argc == 2 {
                r.bulk(args.get(1))
            } else {
                r.simple("PONG")
            }
        }),
        NodeCmd::Echo => reply_now(sh, idx, |r| r.bulk(args.get(1))),
        NodeCmd::Time => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            reply_now(sh, idx, |r| {
                r.array(2);
                r.bulk_int(now.as_secs() as i64);
                r.bulk_int(now.subsec_micros() as i64);
            });
        }
        NodeCmd::Lastsave => {
            let t = (sh.node.start_ms / 1000) as i64;
            reply_now(sh, idx, |r| r.int(t));
        }
        NodeCmd::Quit => {
            reply_now(sh, idx, |r| r.ok());
            if let Some(c) = sh.conns[idx].as_mut() {
                c.closing = true;
            }
            return Flow::Hold;
        }
        NodeCmd::Select => {
            let n = args.int(1);
            let databases = sh.config.databases;
            match n {
                Ok(n) if n >= 0 && (n as usize) < databases => {
                    if let Some(c) = sh.conns[idx].as_mut() {
                        c.db = n as usize;
                    }
                    reply_now(sh, idx, |r| r.ok());
                }
                Ok(_) => reply_now(sh, idx, |r| r.error(errors::DB_INDEX)),
                Err(e) => reply_now(sh, idx, |r| r.error(e)),
            }
        }
        NodeCmd::Auth => auth(sh, idx, args),
        NodeCmd::Hello => hello(sh, idx, args),
        NodeCmd::Reset => {
            reset(sh, idx);
            reply_now(sh, idx, |r| r.simple("RESET"));
        }
        NodeCmd::Client => return client(sh, idx, args),
        NodeCmd::Info => {
            gather_info(sh, idx, args);
            return Flow::Hold;
        }
        NodeCmd::Config => return config(sh, idx, args),
        NodeCmd::Command => command(sh, idx, args),
        NodeCmd::Shutdown => {
            crate::log::warn("User requested shutdown...");
            for s in 0..sh.shards() {
                if s != sh.id {
                    sh.send(s, Msg::Shutdown);
                }
            }
            sh.node.shutdown.store(true, Ordering::Release);
            sh.notify.notify();
            return Flow::Hold;
        }
        NodeCmd::Debug => return debug(sh, idx, args),
        NodeCmd::Multi => {
            let Some(c) = sh.conns[idx].as_mut() else {
                return Flow::Hold;
            };
            if c.multi.is_some() {
                reply_now(sh, idx, |r| r.error(errors::MULTI_NESTED));
            } else {
                c.multi = Some(Vec::new());
                c.multi_failed = false;
                reply_now(sh, idx, |r| r.ok());
            }
        }
        NodeCmd::Discard => {
            let Some(c) = sh.conns[idx].as_mut() else {
                return Flow::Hold;
            };
            if c.multi.take().is_none() {
                reply_now(sh, idx, |r| r.error(errors::DISCARD_WITHOUT_MULTI));
            } else {
                unwatch(sh, idx);
                reply_now(sh, idx, |r| r.ok());
            }
        }
        NodeCmd::Exec => return exec(sh, idx),
        NodeCmd::Watch => {
            if sh.conns[idx].as_ref().is_some_and(|c| c.multi.is_some()) {
                reply_now(sh, idx, |r| r.error(errors::WATCH_IN_MULTI));
            } else {
                return watch(sh, idx, args);
            }
        }
        NodeCmd::Unwatch => {
            unwatch(sh, idx);
            reply_now(sh, idx, |r| r.ok());
        }
    }
    let _ = raw;
    Flow::Continue
}

fn auth(sh: &mut Shard, idx: usize, args: &Args<'_>) {
    if args.len() > 3 {
        reply_now(sh, idx, |r| r.error(errors::SYNTAX));
        return;
    }
    let (user, pass) = if args.len() == 3 {
        (args.get(1), args.get(2))
    } else {
        (&b"default"[..], args.get(1))
    };
    if sh.config.requirepass.is_empty() && args.len() == 2 {
        reply_now(sh, idx, |r| r.error(errors::AUTH_NOT_CONFIGURED));
        return;
    }
    let ok = user == b"default"
        && (sh.config.requirepass.is_empty() || pass == sh.config.requirepass.as_bytes());
    if let Some(c) = sh.conns[idx].as_mut() {
        if ok {
            c.authed = true;
        }
    }
    reply_now(sh, idx, |r| {
        if ok {
            r.ok()
        } else {
            r.error(errors::WRONGPASS)
        }
    });
}

fn hello(sh: &mut Shard, idx: usize, args: &Args<'_>) {
    let mut i = 1;
    let mut proto = None;
    if args.len() > 1 {
        match args.int(1) {
            Ok(2) => proto = Some(Protocol::Resp2),
            Ok(3) => proto = Some(Protocol::Resp3),
            Ok(_) => {
                reply_now(sh, idx, |r| r.error("NOPROTO unsupported protocol version"));
                return;
            }
            Err(_) => {
                reply_now(sh, idx, |r| {
                    r.error("ERR Protocol version is not an integer or out of range")
                });
                return;
            }
        }
        i = 2;
    }
    let mut name = None;
    while i < args.len() {
        if args.is(i, "auth") && i + 2 < args.len() {
            let (user, pass) = (args.get(i + 1), args.get(i + 2));
            let ok = user == b"default"
                && (sh.config.requirepass.is_empty() || pass == sh.config.requirepass.as_bytes());
            if !ok {
                reply_now(sh, idx, |r| r.error(errors::WRONGPASS));
                return;
            }
            if let Some(c) = sh.conns[idx].as_mut() {
                c.authed = true;
            }
            i += 3;
        } else if args.is(i, "setname") && i + 1 < args.len() {
            name = Some(args.get(i + 1).to_vec());
            i += 2;
        } else {
            let opt = String::from_utf8_lossy(args.get(i)).into_owned();
            reply_now(sh, idx, |r| {
                r.error(&format!("ERR Syntax error in HELLO option '{opt}'"))
            });
            return;
        }
    }
    if sh.conns[idx].as_ref().is_some_and(|c| !c.authed) {
        reply_now(sh, idx, |r| {
            r.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
        });
        return;
    }
    if let Some(n) = &name {
        if n.iter().any(|&b| b <= b' ' || b > b'~') {
            reply_now(sh, idx, |r| {
                r.error("ERR Client names cannot contain spaces, newlines or special characters.")
            });
            return;
        }
    }
    let Some(c) = sh.conns[idx].as_mut() else {
        return;
    };
    if let Some(p) = proto {
        c.proto = p;
    }
    if let Some(n) = name {
        c.name = n;
    }
    let (id, p) = (c.id, c.proto);
    reply_now(sh, idx, |r| {
        r.map(7);
        r.bulk(b"server");
        r.bulk(b"redis");
        r.bulk(b"version");
        r.bulk(tessera_core::REDIS_VERSION.as_bytes());
        r.bulk(b"proto");
        r.int(if p == Protocol::Resp3 { 3 } else { 2 });
        r.bulk(b"id");
        r.int(id as i64);
        r.bulk(b"mode");
        r.bulk(b"standalone");
        r.bulk(b"role");
        r.bulk(b"master");
        r.bulk(b"modules");
        r.array(0);
    });
}

fn reset(sh: &mut Shard, idx: usize) {
    unwatch(sh, idx);
    let authed = sh.config.requirepass.is_empty();
    if let Some(c) = sh.conns[idx].as_mut() {
        c.multi = None;
        c.multi_failed = false;
        c.db = 0;
        c.proto = Protocol::Resp2;
        c.name.clear();
        c.reply_mode = ReplyMode::On;
        c.no_evict = false;
        c.authed = authed;
    }
}

/// WATCH: each key's shard remembers the watcher. OK is sent once every shard has registered
/// its keys, so a change made after the client hears OK is always seen by EXEC.
fn watch(sh: &mut Shard, idx: usize, args: &Args<'_>) -> Flow {
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
            let call = Call {
                token,
                db: db as u16,
                proto: Protocol::Resp2,
                tx: None,
                args: bytes,
            };
            sh.send(s, Msg::Call(call));
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

fn unwatch(sh: &mut Shard, idx: usize) {
    let Some(c) = sh.conns[idx].as_mut() else {
        return;
    };
    let (id, shards) = (c.id, c.watch_shards);
    c.watch_shards = 0;
    if shards != 0 {
        crate::dispatch::unwatch_everywhere(sh, id, shards);
    }
}

fn exec(sh: &mut Shard, idx: usize) -> Flow {
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
                    if single_owner(sh, cmd, &args) != Some(me)
                        || matches!(
                            cmd.span,
                            tessera_core::commands::Span::AllSum
                                | tessera_core::commands::Span::AllFirst
                                | tessera_core::commands::Span::AllConcat
                                | tessera_core::commands::Span::AllAny
                                | tessera_core::commands::Span::Scan
                        )
                    {
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
        if dirty {
            Reply::new(&mut out, proto).null_array();
        } else {
            Reply::new(&mut out, proto).array(cmds.len());
            for (bytes, spans) in cmds.iter().zip(&parsed) {
                let args = Args::new(bytes, spans);
                match commands::lookup(args.get(0)).map(|c| c.run) {
                    Some(Run::Node(NodeCmd::Ping)) if args.len() > 1 => {
                        Reply::new(&mut out, proto).bulk(args.get(1))
                    }
                    Some(Run::Node(NodeCmd::Ping)) => Reply::new(&mut out, proto).simple("PONG"),
                    Some(Run::Node(NodeCmd::Echo)) => Reply::new(&mut out, proto).bulk(args.get(1)),
                    Some(Run::Node(NodeCmd::Time)) => {
                        let now = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .unwrap_or_default();
                        let mut r = Reply::new(&mut out, proto);
                        r.array(2);
                        r.bulk_int(now.as_secs() as i64);
                        r.bulk_int(now.subsec_micros() as i64);
                    }
                    _ => sh.execute(db, proto, &args, &mut out),
                }
            }
        }
        reply_now(sh, idx, |r| r.raw(&out));
        return Flow::Continue;
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

fn client(sh: &mut Shard, idx: usize, args: &Args<'_>) -> Flow {
    let sub = args.get(1).to_ascii_lowercase();
    let argc = args.len();
    let Some(c) = sh.conns[idx].as_mut() else {
        return Flow::Hold;
    };
    match sub.as_slice() {
        b"id" if argc == 2 => {
            let id = c.id as i64;
            reply_now(sh, idx, |r| r.int(id));
        }
        b"getname" if argc == 2 => {
            let name = c.name.clone();
            reply_now(sh, idx, |r| {
                if name.is_empty() {
                    r.null()
                } else {
                    r.bulk(&name)
                }
            });
        }
        b"setname" if argc == 3 => {
            let name = args.get(2);
            if name.iter().any(|&b| b <= b' ' || b > b'~') {
                reply_now(sh, idx, |r| {
                    r.error(
                        "ERR Client names cannot contain spaces, newlines or special characters.",
                    )
                });
            } else {
                c.name = name.to_vec();
                reply_now(sh, idx, |r| r.ok());
            }
        }
        b"info" if argc == 2 => {
            let line = client_line(sh, idx);
            reply_now(sh, idx, |r| r.verbatim(line.as_bytes()));
        }
        b"list" => {
            let mut ids: Option<Vec<u64>> = None;
            let mut i = 2;
            while i < argc {
                if args.is(i, "id") {
                    let mut v = Vec::new();
                    for j in i + 1..argc {
                        match args.int(j) {
                            Ok(n) if n > 0 => v.push(n as u64),
                            _ => {
                                reply_now(sh, idx, |r| r.error("ERR Invalid client ID"));
                                return Flow::Continue;
                            }
                        }
                    }
                    ids = Some(v);
                    break;
                } else if args.is(i, "type") && i + 1 < argc {
                    let kind = String::from_utf8_lossy(args.get(i + 1)).to_ascii_lowercase();
                    match kind.as_str() {
                        "normal" => {}
                        "master" | "replica" | "slave" | "pubsub" => ids = Some(Vec::new()),
                        _ => {
                            let msg = format!(
                                "ERR Unknown client type '{}'",
                                String::from_utf8_lossy(args.get(i + 1))
                            );
                            reply_now(sh, idx, |r| r.error(&msg));
                            return Flow::Continue;
                        }
                    }
                    i += 2;
                } else {
                    reply_now(sh, idx, |r| r.error(errors::SYNTAX));
                    return Flow::Continue;
                }
            }
            gather_clients(sh, idx, ids);
            return Flow::Hold;
        }
        b"kill" => {
            let mut filter = KillFilter::default();
            let old_style = argc == 3;
            if old_style {
                filter.addr = Some(String::from_utf8_lossy(args.get(2)).into_owned());
            } else {
                let mut skipme = true;
                let mut i = 2;
                while i + 1 < argc {
                    let v = String::from_utf8_lossy(args.get(i + 1)).into_owned();
                    if args.is(i, "id") {
                        match v.parse::<u64>() {
                            Ok(n) if n > 0 => filter.id = Some(n),
                            _ => {
                                reply_now(sh, idx, |r| {
                                    r.error("ERR client-id should be greater than 0")
                                });
                                return Flow::Continue;
                            }
                        }
                    } else if args.is(i, "addr") {
                        filter.addr = Some(v);
                    } else if args.is(i, "laddr") {
                        filter.laddr = Some(v);
                    } else if args.is(i, "skipme") {
                        skipme = match v.to_ascii_lowercase().as_str() {
                            "yes" => true,
                            "no" => false,
                            _ => {
                                reply_now(sh, idx, |r| r.error(errors::SYNTAX));
                                return Flow::Continue;
                            }
                        };
                    } else if args.is(i, "type") || args.is(i, "user") {
                    } else {
                        reply_now(sh, idx, |r| r.error(errors::SYNTAX));
                        return Flow::Continue;
                    }
                    i += 2;
                }
                if i != argc {
                    reply_now(sh, idx, |r| r.error(errors::SYNTAX));
                    return Flow::Continue;
                }
                if skipme {
                    filter.skip = sh.conns[idx].as_ref().map(|c| c.id);
                }
            }
            kill(sh, idx, filter, old_style);
            return Flow::Hold;
        }
        b"pause" if argc == 3 || argc == 4 => {
            let ms = match args.int(2) {
                Ok(n) if n >= 0 => n as u64,
                _ => {
                    reply_now(sh, idx, |r| {
                        r.error("ERR timeout is not an integer or out of range")
                    });
                    return Flow::Continue;
                }
            };
            let write_only = match argc {
                4 if args.is(3, "write") => true,
                4 if args.is(3, "all") => false,
                4 => {
                    reply_now(sh, idx, |r| {
                        r.error("ERR CLIENT PAUSE mode must be WRITE or ALL")
                    });
                    return Flow::Continue;
                }
                _ => false,
            };
            let until_ms = now_ms() + ms;
            change_everywhere(
                sh,
                idx,
                crate::mesh::NodeChange::Pause {
                    until_ms,
                    write_only,
                },
            );
            return Flow::Hold;
        }
        b"unpause" if argc == 2 => {
            change_everywhere(
                sh,
                idx,
                crate::mesh::NodeChange::Pause {
                    until_ms: 0,
                    write_only: false,
                },
            );
            return Flow::Hold;
        }
        b"reply" if argc == 3 => {
            if args.is(2, "on") {
                c.reply_mode = ReplyMode::On;
                reply_now(sh, idx, |r| r.ok());
            } else if args.is(2, "off") {
                c.reply_mode = ReplyMode::Off;
            } else if args.is(2, "skip") {
                c.reply_mode = ReplyMode::Skip;
            } else {
                reply_now(sh, idx, |r| r.error(errors::SYNTAX));
            }
        }
        b"no-evict" if argc == 3 => {
            if args.is(2, "on") {
                c.no_evict = true;
                reply_now(sh, idx, |r| r.ok());
            } else if args.is(2, "off") {
                c.no_evict = false;
                reply_now(sh, idx, |r| r.ok());
            } else {
                reply_now(sh, idx, |r| r.error(errors::SYNTAX));
            }
        }
        b"help" if argc == 2 => {
            let lines = [
                "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "ID",
                "    Return the ID of the current connection.",
                "GETNAME",
                "    Return the name of the current connection.",
                "INFO",
                "    Return information about the current client connection.",
                "KILL <ip:port>",
                "    Kill connection made from <ip:port>.",
                "LIST [TYPE normal|master|replica|pubsub]",
                "    Return information about client connections.",
                "PAUSE <timeout> [WRITE|ALL]",
                "    Suspend all, or just write, clients for <timeout> milliseconds.",
                "REPLY (ON|OFF|SKIP)",
                "    Control the replies sent to the current connection.",
                "SETNAME <name>",
                "    Assign the name <name> to the current connection.",
                "UNPAUSE",
                "    Stop the current client pause, resuming traffic.",
                "HELP",
                "    Print this help.",
            ];
            reply_now(sh, idx, |r| {
                r.array(lines.len());
                for l in lines {
                    r.simple(l);
                }
            });
        }
        _ => {
            let known = [
                &b"id"[..],
                b"getname",
                b"setname",
                b"info",
                b"list",
                b"kill",
                b"pause",
                b"unpause",
                b"reply",
                b"no-evict",
                b"help",
            ];
            let msg = if known.contains(&sub.as_slice()) {
                format!(
                    "ERR wrong number of arguments for 'client|{}' command",
                    String::from_utf8_lossy(&sub)
                )
            } else {
                errors::unknown_subcommand(args.get(1), "client")
            };
            reply_now(sh, idx, |r| r.error(&msg));
        }
    }
    Flow::Continue
}

/// Makes `change` on every shard, and answers OK to connection `idx` once all have made it.
fn change_everywhere(sh: &mut Shard, idx: usize, change: crate::mesh::NodeChange) {
    sh.apply_change(change.clone());
    let mut waits = Vec::new();
    for s in 0..sh.shards() {
        if s != sh.id {
            let (tx, rx) = oneshot();
            let token = sh.register_task(tx);
            sh.send(
                s,
                Msg::Change {
                    token,
                    change: change.clone(),
                },
            );
            waits.push(rx);
        }
    }
    park_for(sh, idx, async move {
        for w in waits {
            w.await;
        }
        b"+OK\r\n".to_vec()
    });
}

/// One CLIENT LIST line for connection `idx`.
pub fn client_line(sh: &Shard, idx: usize) -> String {
    let Some(c) = sh.conns[idx].as_ref() else {
        return String::new();
    };
    let now = now_ms();
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub=0 psub=0 ssub=0 multi={} qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl={} oll=0 omem={} tot-mem={} events=r cmd={} user=default redir=-1 resp={} shard={}\n",
        c.id,
        c.addr,
        c.laddr,
        c.fd,
        String::from_utf8_lossy(&c.name),
        now.saturating_sub(c.created_ms) / 1000,
        now.saturating_sub(c.last_ms) / 1000,
        if c.multi.is_some() { "x" } else { "N" },
        c.db,
        c.multi.as_ref().map_or(-1, |m| m.len() as i64),
        c.input.len(),
        c.out.len(),
        c.output_bytes(),
        c.output_bytes() + c.input.capacity(),
        c.last_cmd,
        if c.proto == Protocol::Resp3 { 3 } else { 2 },
        sh.id,
    )
}

/// This shard's report for CLIENT LIST or INFO.
pub fn report(sh: &mut Shard, kind: ReportKind) -> Vec<u8> {
    let text = match kind {
        ReportKind::Clients => {
            let mut s = String::new();
            for idx in 0..sh.conns.len() {
                if sh.conns[idx]
                    .as_ref()
                    .is_some_and(|c| c.fd >= 0 && !c.closing)
                {
                    s.push_str(&client_line(sh, idx));
                }
            }
            s
        }
        ReportKind::Counters => {
            let clients = sh
                .conns
                .iter()
                .flatten()
                .filter(|c| c.fd >= 0 && !c.closing)
                .count();
            let mut s = format!(
                "connected_clients:{clients}\ntotal_commands_processed:{}\ntotal_connections_received:{}\nrejected_connections:{}\ntotal_net_input_bytes:{}\ntotal_net_output_bytes:{}\nmissed_wakeups:{}\nexpired_keys:{}\nkeyspace_hits:{}\nkeyspace_misses:{}\nrdb_changes_since_last_save:{}\n",
                sh.stats.commands,
                sh.stats.connections,
                sh.stats.rejected,
                sh.stats.net_in,
                sh.stats.net_out,
                sh.stats.missed_wakeups,
                sh.ks.dbs.iter().map(|d| d.expired_keys).sum::<u64>(),
                sh.ks.hits,
                sh.ks.misses,
                sh.ks.dirty,
            );
            for (i, db) in sh.ks.dbs.iter().enumerate() {
                if !db.is_empty() {
                    s.push_str(&format!(
                        "db{i}_keys:{}\ndb{i}_expires:{}\n",
                        db.len(),
                        db.volatile_len()
                    ));
                }
            }
            s
        }
    };
    let mut out = Vec::new();
    Reply::new(&mut out, Protocol::Resp2).bulk(text.as_bytes());
    out
}

/// Asks every shard for a report and returns their bulk bodies.
async fn gather(kind: ReportKind) -> Vec<String> {
    let shard = current();
    let mut waits = Vec::new();
    {
        let mut sh = shard.borrow_mut();
        for s in 0..sh.shards() {
            if s == sh.id {
                let local = report(&mut sh, kind);
                waits.push(Err(local));
            } else {
                let (tx, rx) = oneshot();
                let token = sh.register_task(tx);
                sh.send(s, Msg::Report { token, kind });
                waits.push(Ok(rx));
            }
        }
    }
    let mut out = Vec::new();
    for w in waits {
        let bytes = match w {
            Ok(rx) => rx.await,
            Err(b) => b,
        };
        let body = match scan::reply_len(&bytes) {
            Some(_) => {
                let end = bytes.windows(2).position(|w| w == b"\r\n").unwrap_or(0);
                String::from_utf8_lossy(&bytes[end + 2..bytes.len().saturating_sub(2)]).into_owned()
            }
            None => String::new(),
        };
        out.push(body);
    }
    out
}

fn gather_clients(sh: &mut Shard, idx: usize, ids: Option<Vec<u64>>) {
    let proto = sh.conns[idx].as_ref().map_or(Protocol::Resp2, |c| c.proto);
    park_for(sh, idx, async move {
        let parts = gather(ReportKind::Clients).await;
        let mut lines: Vec<(u64, String)> = parts
            .iter()
            .flat_map(|p| p.lines().map(|l| l.to_string()).collect::<Vec<_>>())
            .map(|l| {
                let id = l
                    .split(' ')
                    .next()
                    .and_then(|f| f.strip_prefix("id="))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                (id, l)
            })
            .filter(|(id, _)| ids.as_ref().is_none_or(|v| v.contains(id)))
            .collect();
        lines.sort_by_key(|l| l.0);
        let mut text = String::new();
        for (_, l) in lines {
            text.push_str(&l);
            text.push('\n');
        }
        let mut out = Vec::new();
        Reply::new(&mut out, proto).verbatim(text.as_bytes());
        out
    });
}

/// Closes this shard's clients matching `filter`; returns how many.
pub fn kill_local(sh: &mut Shard, filter: &KillFilter) -> usize {
    let mut n = 0;
    for idx in 0..sh.conns.len() {
        let Some(c) = sh.conns[idx].as_mut() else {
            continue;
        };
        if c.fd < 0 || c.closing {
            continue;
        }
        let hit = filter.id.is_none_or(|id| id == c.id)
            && filter.addr.as_ref().is_none_or(|a| *a == c.addr)
            && filter.laddr.as_ref().is_none_or(|a| *a == c.laddr)
            && filter.skip != Some(c.id);
        if hit {
            c.closing = true;
            sh.to_close.push(idx as u32);
            n += 1;
        }
    }
    if n > 0 {
        sh.notify.notify();
    }
    n
}

fn kill(sh: &mut Shard, idx: usize, filter: KillFilter, old_style: bool) {
    let proto = sh.conns[idx].as_ref().map_or(Protocol::Resp2, |c| c.proto);
    park_for(sh, idx, async move {
        let shard = current();
        let mut waits = Vec::new();
        let mut total = 0i64;
        {
            let mut sh = shard.borrow_mut();
            for s in 0..sh.shards() {
                if s == sh.id {
                    continue;
                }
                let (tx, rx) = oneshot();
                let token = sh.register_task(tx);
                sh.send(
                    s,
                    Msg::Kill {
                        token,
                        filter: filter.clone(),
                    },
                );
                waits.push(rx);
            }
        }
        for w in waits {
            total += scan::reply_int(&w.await).unwrap_or(0);
        }
        // This shard last, so the caller's own connection (SKIPME no) closes after the others.
        total += kill_local(&mut shard.borrow_mut(), &filter) as i64;
        let mut out = Vec::new();
        let mut r = Reply::new(&mut out, proto);
        if old_style {
            if total == 0 {
                r.error("ERR No such client");
            } else {
                r.ok();
            }
        } else {
            r.int(total);
        }
        out
    });
}

fn gather_info(sh: &mut Shard, idx: usize, args: &Args<'_>) {
    let proto = sh.conns[idx].as_ref().map_or(Protocol::Resp2, |c| c.proto);
    let sections: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
        .collect();
    let node = sh.node.clone();
    let config = sh.config.clone();
    park_for(sh, idx, async move {
        let parts = gather(ReportKind::Counters).await;
        let mut sums: Vec<(String, u64)> = Vec::new();
        for p in &parts {
            for line in p.lines() {
                if let Some((k, v)) = line.split_once(':') {
                    let v: u64 = v.parse().unwrap_or(0);
                    match sums.iter_mut().find(|(n, _)| n == k) {
                        Some(e) => e.1 += v,
                        None => sums.push((k.to_string(), v)),
                    }
                }
            }
        }
        let text = crate::info::render(&node, &config, &sums, &sections);
        let mut out = Vec::new();
        Reply::new(&mut out, proto).verbatim(text.as_bytes());
        out
    });
}

fn config(sh: &mut Shard, idx: usize, args: &Args<'_>) -> Flow {
    let sub = args.get(1).to_ascii_lowercase();
    let argc = args.len();
    match sub.as_slice() {
        b"get" if argc >= 3 => {
            let mut pairs: Vec<(String, String)> = Vec::new();
            for i in 2..argc {
                for (k, v) in sh.config.config_get(&String::from_utf8_lossy(args.get(i))) {
                    if !pairs.iter().any(|(n, _)| *n == k) {
                        pairs.push((k, v));
                    }
                }
            }
            reply_now(sh, idx, |r| {
                r.map(pairs.len());
                for (k, v) in &pairs {
                    r.bulk(k.as_bytes());
                    r.bulk(v.as_bytes());
                }
            });
        }
        b"set" if argc >= 4 && argc.is_multiple_of(2) => {
            let mut next = sh.config.clone();
            for i in (2..argc).step_by(2) {
                let name = String::from_utf8_lossy(args.get(i)).into_owned();
                let value = String::from_utf8_lossy(args.get(i + 1)).into_owned();
                if let Err(e) = next.config_set(&name, &value) {
                    reply_now(sh, idx, |r| r.error(&e));
                    return Flow::Continue;
                }
            }
            change_everywhere(sh, idx, crate::mesh::NodeChange::Config(Box::new(next)));
            return Flow::Hold;
        }
        b"resetstat" if argc == 2 => {
            change_everywhere(sh, idx, crate::mesh::NodeChange::ResetStats);
            return Flow::Hold;
        }
        b"rewrite" if argc == 2 => match sh.config.config_file.clone() {
            None => reply_now(sh, idx, |r| {
                r.error("ERR The server is running without a config file")
            }),
            Some(path) => {
                let text = sh.config.render();
                match std::fs::write(&path, text) {
                    Ok(()) => reply_now(sh, idx, |r| r.ok()),
                    Err(e) => reply_now(sh, idx, |r| {
                        r.error(&format!("ERR Rewriting config file: {e}"))
                    }),
                }
            }
        },
        b"help" if argc == 2 => {
            let lines = [
                "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "GET <pattern>",
                "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>",
                "    Set the configuration <directive> to <value>.",
                "RESETSTAT",
                "    Reset statistics reported by the INFO command.",
                "REWRITE",
                "    Rewrite the configuration file.",
                "HELP",
                "    Print this help.",
            ];
            reply_now(sh, idx, |r| {
                r.array(lines.len());
                for l in lines {
                    r.simple(l);
                }
            });
        }
        b"get" | b"set" | b"resetstat" | b"rewrite" | b"help" => {
            let msg = format!(
                "ERR wrong number of arguments for 'config|{}' command",
                String::from_utf8_lossy(&sub)
            );
            reply_now(sh, idx, |r| r.error(&msg));
        }
        _ => {
            let msg = errors::unknown_subcommand(args.get(1), "config");
            reply_now(sh, idx, |r| r.error(&msg));
        }
    }
    Flow::Continue
}

fn write_command_info(r: &mut Reply<'_>, c: &commands::Command) {
    let (first, last, step) = c.keys.legacy();
    let doc = commands::docs::doc(c.name);
    r.array(10);
    r.bulk(c.name.as_bytes());
    r.int(c.arity as i64);
    let names: Vec<&str> = flags::NAMES
        .iter()
        .filter(|(f, _)| c.flags & f != 0)
        .map(|(_, n)| *n)
        .collect();
    r.set(names.len());
    for n in names {
        r.simple(n);
    }
    r.int(first);
    r.int(last);
    r.int(step);
    let acl = doc.map_or(&[][..], |d| d.acl);
    r.set(acl.len());
    for a in acl {
        r.simple(a);
    }
    let tips = doc.map_or(&[][..], |d| d.tips);
    r.set(tips.len());
    for t in tips {
        r.bulk(t.as_bytes());
    }
    let specs = doc.map_or(&[][..], |d| d.key_specs);
    r.array(specs.len());
    for spec in specs {
        r.map(3);
        r.bulk(b"flags");
        r.set(spec.flags.len());
        for f in spec.flags {
            r.simple(f);
        }
        r.bulk(b"begin_search");
        r.map(2);
        r.bulk(b"type");
        r.bulk(b"index");
        r.bulk(b"spec");
        r.map(1);
        r.bulk(b"index");
        r.int(spec.index);
        r.bulk(b"find_keys");
        r.map(2);
        r.bulk(b"type");
        r.bulk(b"range");
        r.bulk(b"spec");
        r.map(3);
        r.bulk(b"lastkey");
        r.int(spec.lastkey);
        r.bulk(b"keystep");
        r.int(spec.keystep);
        r.bulk(b"limit");
        r.int(spec.limit);
    }
    r.array(0);
}

fn command(sh: &mut Shard, idx: usize, args: &Args<'_>) {
    let public = || commands::all().filter(|c| !c.has(flags::INTERNAL));
    if args.len() == 1 {
        reply_now(sh, idx, |r| {
            r.array(public().count());
            for c in public() {
                write_command_info(r, c);
            }
        });
        return;
    }
    let sub = args.get(1).to_ascii_lowercase();
    match sub.as_slice() {
        b"count" if args.len() == 2 => {
            reply_now(sh, idx, |r| r.int(commands::public_count() as i64))
        }
        b"info" => {
            let names: Vec<&[u8]> = args.iter().skip(2).collect();
            reply_now(sh, idx, |r| {
                if names.is_empty() {
                    r.array(public().count());
                    for c in public() {
                        write_command_info(r, c);
                    }
                } else {
                    r.array(names.len());
                    for n in &names {
                        match commands::lookup(n).filter(|c| !c.has(flags::INTERNAL)) {
                            Some(c) => write_command_info(r, c),
                            None => r.null_array(),
                        }
                    }
                }
            });
        }
        b"docs" => {
            let names: Vec<&[u8]> = args.iter().skip(2).collect();
            let list: Vec<&commands::Command> = if names.is_empty() {
                public().collect()
            } else {
                names
                    .iter()
                    .filter_map(|n| commands::lookup(n).filter(|c| !c.has(flags::INTERNAL)))
                    .collect()
            };
            reply_now(sh, idx, |r| {
                r.map(list.len());
                for c in &list {
                    let doc = commands::docs::doc(c.name);
                    r.bulk(c.name.as_bytes());
                    r.map(4);
                    r.bulk(b"summary");
                    r.bulk(doc.map_or(c.summary, |d| d.summary).as_bytes());
                    r.bulk(b"since");
                    r.bulk(doc.map_or("1.0.0", |d| d.since).as_bytes());
                    r.bulk(b"group");
                    r.bulk(c.group.as_bytes());
                    r.bulk(b"complexity");
                    r.bulk(doc.map_or("", |d| d.complexity).as_bytes());
                }
            });
        }
        b"list" => {
            let mut names: Vec<&str> = public().map(|c| c.name).collect();
            names.extend(tessera_core::commands::server::SUBCOMMANDS.iter().copied());
            if args.len() == 5 && args.is(2, "filterby") {
                let value = String::from_utf8_lossy(args.get(4)).into_owned();
                if args.is(3, "pattern") {
                    names.retain(|n| {
                        tessera_core::keyspace::glob_match(value.as_bytes(), n.as_bytes(), true)
                    });
                } else if args.is(3, "aclcat") {
                    let cat = value.to_ascii_lowercase();
                    names
                        .retain(|n| commands::lookup(n.as_bytes()).is_some_and(|c| c.group == cat));
                } else {
                    reply_now(sh, idx, |r| r.error(errors::SYNTAX));
                    return;
                }
            } else if args.len() != 2 {
                reply_now(sh, idx, |r| r.error(errors::SYNTAX));
                return;
            }
            reply_now(sh, idx, |r| r.bulks(names.iter().map(|n| n.as_bytes())));
        }
        b"getkeys" if args.len() >= 4 => {
            let sub_args: Vec<&[u8]> = args.iter().skip(2).collect();
            match commands::lookup(sub_args[0]).filter(|c| !c.has(flags::INTERNAL)) {
                None => reply_now(sh, idx, |r| r.error("ERR Invalid command specified")),
                Some(c) if !c.arity_ok(sub_args.len()) => reply_now(sh, idx, |r| {
                    r.error("ERR Invalid number of arguments specified for command")
                }),
                Some(c) => {
                    let keys: Vec<&[u8]> = c
                        .keys
                        .key_indexes(sub_args.len())
                        .map(|i| sub_args[i])
                        .collect();
                    if keys.is_empty() {
                        reply_now(sh, idx, |r| r.error("ERR The command has no key arguments"));
                    } else {
                        reply_now(sh, idx, |r| r.bulks(keys.iter()));
                    }
                }
            }
        }
        b"help" => {
            let lines = [
                "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "(no subcommand)",
                "    Return details about all Redis commands.",
                "COUNT",
                "    Return the total number of commands in this Redis server.",
                "LIST",
                "    Return a list of all commands in this Redis server.",
                "INFO [<command-name> ...]",
                "    Return details about multiple Redis commands.",
                "DOCS [<command-name> ...]",
                "    Return documentation details about multiple Redis commands.",
                "GETKEYS <full-command>",
                "    Return the keys from a full Redis command.",
                "HELP",
                "    Print this help.",
            ];
            reply_now(sh, idx, |r| {
                r.array(lines.len());
                for l in lines {
                    r.simple(l);
                }
            });
        }
        b"getkeys" | b"count" => {
            let msg = format!(
                "ERR wrong number of arguments for 'command|{}' command",
                String::from_utf8_lossy(&sub)
            );
            reply_now(sh, idx, |r| r.error(&msg));
        }
        _ => {
            let msg = errors::unknown_subcommand(args.get(1), "command");
            reply_now(sh, idx, |r| r.error(&msg));
        }
    }
}

fn debug(sh: &mut Shard, idx: usize, args: &Args<'_>) -> Flow {
    let allowed = match sh.config.enable_debug_command.as_str() {
        "yes" => true,
        "local" => sh.conns[idx]
            .as_ref()
            .is_some_and(|c| c.addr.starts_with("127.") || c.addr.starts_with("[::1]")),
        _ => false,
    };
    if !allowed {
        reply_now(sh, idx, |r| r.error(errors::DEBUG_DISABLED));
        return Flow::Continue;
    }
    let sub = args.get(1).to_ascii_lowercase();
    match sub.as_slice() {
        b"sleep" if args.len() == 3 => match tessera_core::protocol::args::parse_float(args.get(2))
        {
            Some(secs) if secs >= 0.0 => {
                std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(3600.0)));
                reply_now(sh, idx, |r| r.ok());
            }
            _ => reply_now(sh, idx, |r| r.error(errors::NOT_FLOAT)),
        },
        b"set-active-expire" if args.len() == 3 => {
            let on = args.get(2) != b"0";
            crate::timers::set_active_expire(on);
            reply_now(sh, idx, |r| r.ok());
        }
        b"object" if args.len() == 3 => {
            let db = sh.conns[idx].as_ref().map_or(0, |c| c.db);
            let proto = sh.conns[idx].as_ref().map_or(Protocol::Resp2, |c| c.proto);
            let mut bytes = Vec::new();
            encode_command([&b"__debugobject"[..], args.get(2)].into_iter(), &mut bytes);
            let cmd = commands::lookup(b"__debugobject").expect("internal command");
            txn::start(sh, idx, Job::command(cmd, bytes, db, proto));
            return Flow::Hold;
        }
        b"help" => reply_now(sh, idx, |r| {
            r.array(3);
            r.simple("DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
            r.simple("SLEEP <seconds>");
            r.simple("SET-ACTIVE-EXPIRE <0|1>");
        }),
        _ => {
            let msg = errors::unknown_subcommand(args.get(1), "debug");
            reply_now(sh, idx, |r| r.error(&msg));
        }
    }
    Flow::Continue
}
