//! CLIENT and its subcommands, and the CLIENT LIST line of a connection.

use crate::blocking::Unwait;
use tessera_core::errors;
use tessera_core::protocol::{scan, Args, Protocol, Reply};

use crate::admin::{change_everywhere, gather, ReportKind};
use crate::conn::ReplyMode;
use crate::dispatch::{park_for, reply_now, Flow};
use crate::local::oneshot;
use crate::mesh::Msg;
use crate::shard::{current, now_ms, Shard};

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

pub(crate) fn client(sh: &mut Shard, idx: usize, args: &Args<'_>) -> Flow {
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
        b"unblock" if argc == 3 || argc == 4 => {
            let how = if argc == 3 || args.is(3, "timeout") {
                Unwait::Timeout
            } else if args.is(3, "error") {
                Unwait::Error
            } else {
                reply_now(sh, idx, |r| {
                    r.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
                });
                return Flow::Continue;
            };
            match args.int(2) {
                Ok(id) if id > 0 => {
                    unblock(sh, idx, id as u64, how);
                    return Flow::Hold;
                }
                Ok(_) => reply_now(sh, idx, |r| r.int(0)),
                Err(e) => reply_now(sh, idx, |r| r.error(e)),
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
            reply_now(sh, idx, |r| r.help(&lines));
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
                b"unblock",
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

pub(crate) fn gather_clients(sh: &mut Shard, idx: usize, ids: Option<Vec<u64>>) {
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

/// CLIENT UNBLOCK on this shard: if client `id` lives here and waits in a blocking command,
/// its waiters are taken away (it gets the timeout's reply or the UNBLOCKED error). Returns 1
/// when it did, 0 otherwise.
pub fn unblock_local(sh: &mut Shard, id: u64, how: Unwait) -> usize {
    let found = sh
        .conns
        .iter_mut()
        .flatten()
        .find(|c| c.id == id && c.fd >= 0 && !c.closing)
        .and_then(|c| c.blocked_on.take());
    match found {
        Some((shards, token)) => {
            crate::blocking::unwait_everywhere(sh, shards, token, how);
            1
        }
        None => 0,
    }
}

/// Asks every shard to unblock client `id`; the reply is how many did (0 or 1).
fn unblock(sh: &mut Shard, idx: usize, id: u64, how: Unwait) {
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
                sh.send(s, Msg::Unblock { token, id, how });
                waits.push(rx);
            }
            total += unblock_local(&mut sh, id, how) as i64;
        }
        for w in waits {
            total += scan::reply_int(&w.await).unwrap_or(0);
        }
        let mut out = Vec::new();
        Reply::new(&mut out, proto).int(total.min(1));
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

pub(crate) fn kill(sh: &mut Shard, idx: usize, filter: KillFilter, old_style: bool) {
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
                        filter: Box::new(filter.clone()),
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
