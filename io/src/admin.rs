//! The commands that need the connection or the whole node, dispatched from one place: the
//! small ones (PING, ECHO, TIME, SELECT, QUIT, SHUTDOWN...) are here with the node-wide helpers
//! (a change every shard makes, a report every shard gives); the families live beside it:
//! `session` (AUTH, HELLO, RESET), `client_cmd` (CLIENT), `multi` (MULTI, EXEC, WATCH),
//! `server_cmds` (INFO, CONFIG, COMMAND) and `debug_cmd` (DEBUG).

use std::sync::atomic::Ordering;

use tessera_core::commands::NodeCmd;
use tessera_core::errors;
use tessera_core::protocol::{scan, Args, Protocol, Reply};

use crate::client_cmd::{client, client_line};
use crate::debug_cmd::debug;
use crate::dispatch::{park_for, reply_now, Flow};
use crate::local::oneshot;
use crate::mesh::Msg;
use crate::multi::{exec, unwatch, watch};
use crate::server_cmds::{command, config, gather_info};
use crate::session::{auth, hello, reset};
use crate::shard::{current, Shard};

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
            let t = sh.node.last_save_secs.load(Ordering::Acquire) as i64;
            reply_now(sh, idx, |r| r.int(t));
        }
        NodeCmd::Save => crate::save::save(sh, idx),
        NodeCmd::Bgsave => crate::save::bgsave(sh, idx, args),
        NodeCmd::Bgrewriteaof => crate::rewrite::bgrewriteaof(sh, idx),
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
        NodeCmd::Shutdown => return crate::shutdown::command(sh, idx, args),
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

/// Makes `change` on every shard, and answers OK to connection `idx` once all have made it.
pub(crate) fn change_everywhere(sh: &mut Shard, idx: usize, change: crate::mesh::NodeChange) {
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
            let blocked = sh
                .conns
                .iter()
                .flatten()
                .filter(|c| c.fd >= 0 && c.blocked_on.is_some())
                .count();
            let mut s = format!(
                "connected_clients:{clients}\nblocked_clients:{blocked}\ntotal_commands_processed:{}\ntotal_connections_received:{}\nrejected_connections:{}\ntotal_net_input_bytes:{}\ntotal_net_output_bytes:{}\nexpired_keys:{}\nevicted_keys:{}\nkeyspace_hits:{}\nkeyspace_misses:{}\nrdb_changes_since_last_save:{}\n",
                sh.stats.commands,
                sh.stats.connections,
                sh.stats.rejected,
                sh.stats.net_in,
                sh.stats.net_out,
                sh.ks.dbs.iter().map(|d| d.expired_keys).sum::<u64>(),
                sh.ks.evicted_keys,
                sh.ks.hits,
                sh.ks.misses,
                sh.ks.dirty,
            );
            if let Some(aof) = &sh.aof {
                s.push_str(&format!(
                    "aof_enabled:1\naof_written:{}\naof_synced:{}\naof_file_size:{}\naof_write_error:{}\n",
                    aof.written,
                    aof.synced,
                    aof.file_size,
                    u8::from(aof.failing().is_some())
                ));
            }
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
pub(crate) async fn gather(kind: ReportKind) -> Vec<String> {
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
