//! The connection's session commands: AUTH, HELLO and RESET.

use tessera_core::errors;
use tessera_core::protocol::{Args, Protocol};

use crate::conn::ReplyMode;
use crate::dispatch::reply_now;
use crate::multi::unwatch;
use crate::shard::Shard;

pub(crate) fn auth(sh: &mut Shard, idx: usize, args: &Args<'_>) {
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

pub(crate) fn hello(sh: &mut Shard, idx: usize, args: &Args<'_>) {
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

pub(crate) fn reset(sh: &mut Shard, idx: usize) {
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
