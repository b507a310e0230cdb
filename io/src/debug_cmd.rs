//! DEBUG: the subcommands tests and test suites use, with Redis 7.0's replies and errors.
//!
//! Those about the node (SLEEP, SET-ACTIVE-EXPIRE, FAULT) run here; those about the data are
//! forwarded as internal commands to the shards holding it (see `tessera_core::commands::debug`
//! and `__debugobject`): OBJECT and DIGEST-VALUE to the keys' shards, DIGEST and POPULATE to
//! every shard, all under the transaction mechanism's locks, so each sees one point in time.

use tessera_core::commands::{self, debug::dataset_digest_of};
use tessera_core::errors;
use tessera_core::protocol::{args::encode_command, Args, Protocol};

use crate::dispatch::{park_for, reply_now, Flow};
use crate::shard::Shard;
use crate::txn::{self, Job};

/// DEBUG HELP's lines: Redis 7.0's, for the subcommands Tessera has.
const HELP: &[&str] = &[
    "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    #[cfg(feature = "fault-injection")]
    "FAULT <point> <errno|OFF> [<count>]",
    #[cfg(feature = "fault-injection")]
    "    Make the next <count> (default: all) operations at a point of the file layer fail.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "HELP",
    "    Prints this help.",
];

/// Runs DEBUG for connection `idx`, when `enable-debug-command` allows it.
pub(crate) fn debug(sh: &mut Shard, idx: usize, args: &Args<'_>) -> Flow {
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
    let argc = args.len();
    match sub.as_slice() {
        b"sleep" if argc == 3 => match tessera_core::protocol::args::parse_float(args.get(2)) {
            Some(secs) if secs >= 0.0 => {
                std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(3600.0)));
                reply_now(sh, idx, |r| r.ok());
            }
            _ => reply_now(sh, idx, |r| r.error(errors::NOT_FLOAT)),
        },
        b"set-active-expire" if argc == 3 => {
            let on = args.get(2) != b"0";
            crate::timers::set_active_expire(on);
            reply_now(sh, idx, |r| r.ok());
        }
        b"object" if argc == 3 => {
            forward(sh, idx, b"__debugobject", args, 2);
            return Flow::Hold;
        }
        b"digest-value" if argc == 2 => reply_now(sh, idx, |r| r.array(0)),
        b"digest-value" => {
            forward(sh, idx, b"__digestvalue", args, 2);
            return Flow::Hold;
        }
        b"digest" if argc == 2 => {
            digest(sh, idx);
            return Flow::Hold;
        }
        b"populate" if (3..=5).contains(&argc) => {
            forward(sh, idx, b"__populate", args, 2);
            return Flow::Hold;
        }
        #[cfg(feature = "fault-injection")]
        b"fault" if matches!(argc, 4 | 5) => match debug_fault(args) {
            Ok(()) => reply_now(sh, idx, |r| r.ok()),
            Err(msg) => reply_now(sh, idx, |r| r.error(&msg)),
        },
        b"help" if argc == 2 => reply_now(sh, idx, |r| r.help(HELP)),
        _ => {
            let msg = errors::subcommand_syntax(args.get(1), "debug");
            reply_now(sh, idx, |r| r.error(&msg));
        }
    }
    Flow::Continue
}

/// Runs internal command `name` with DEBUG's arguments from `from` on, on the shards its
/// command table row names, and answers its reply to connection `idx`.
fn forward(sh: &mut Shard, idx: usize, name: &'static [u8], args: &Args<'_>, from: usize) {
    let (db, proto) = sh.conns[idx]
        .as_ref()
        .map_or((0, Protocol::Resp2), |c| (c.db, c.proto));
    let mut bytes = Vec::new();
    let parts: Vec<&[u8]> = std::iter::once(name)
        .chain(args.iter().skip(from))
        .collect();
    encode_command(parts.into_iter(), &mut bytes);
    let cmd = commands::lookup(name).expect("internal command");
    txn::start(sh, idx, Job::command(cmd, bytes, db, proto));
}

/// DEBUG DIGEST: every shard's shares of the databases' signatures, joined into one digest.
fn digest(sh: &mut Shard, idx: usize) {
    let mut bytes = Vec::new();
    encode_command([&b"__digest"[..]].into_iter(), &mut bytes);
    let cmd = commands::lookup(b"__digest").expect("internal command");
    let job = Job::command(cmd, bytes, 0, Protocol::Resp2);
    park_for(sh, idx, async move {
        let (reply, _) = txn::run(job).await;
        match dataset_digest_of(&reply) {
            Some(hex) => format!("+{hex}\r\n").into_bytes(),
            // An error from a shard is passed on as it came.
            None => reply,
        }
    });
}

/// DEBUG FAULT <point> <errno|OFF> [count]: arms a fault point of the file layer (the next
/// `count` operations there fail with `errno`, or all of them until OFF), or disarms it. Only
/// in builds for tests (the `fault-injection` feature).
#[cfg(feature = "fault-injection")]
fn debug_fault(args: &Args<'_>) -> Result<(), String> {
    use tessera_fault::Point;
    let text = |i| String::from_utf8_lossy(args.get(i)).into_owned();
    let names: Vec<&str> = Point::ALL.iter().map(|p| p.name()).collect();
    let point = Point::named(&text(2)).ok_or_else(|| {
        format!(
            "ERR unknown fault point '{}', try {}",
            text(2),
            names.join(", ")
        )
    })?;
    if text(3).eq_ignore_ascii_case("off") {
        if args.len() == 5 {
            return Err(errors::SYNTAX.to_string());
        }
        tessera_fault::disarm(point);
        return Ok(());
    }
    let errno = tessera_fault::errno_named(&text(3))
        .ok_or_else(|| format!("ERR unknown errno '{}', try EIO or OFF", text(3)))?;
    let count = match args.len() {
        5 => match text(4).parse::<u32>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err("ERR count must be a positive integer".to_string()),
        },
        _ => None,
    };
    tessera_fault::arm(point, errno, count);
    Ok(())
}
