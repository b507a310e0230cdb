//! The server's introspection and administration: INFO, CONFIG and COMMAND (DEBUG is in
//! `debug_cmd`).

use tessera_core::commands::{self, flags};
use tessera_core::errors;
use tessera_core::protocol::{Args, Protocol, Reply};

use crate::admin::{change_everywhere, gather, ReportKind};
use crate::dispatch::{park_for, reply_now, Flow};
use crate::shard::Shard;

pub(crate) fn gather_info(sh: &mut Shard, idx: usize, args: &Args<'_>) {
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

pub(crate) fn config(sh: &mut Shard, idx: usize, args: &Args<'_>) -> Flow {
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
            // Turning the append-only file on starts it from an image of the data, as Redis.
            let enabling = next.appendonly && !sh.config.appendonly;
            change_everywhere(sh, idx, crate::mesh::NodeChange::Config(Box::new(next)));
            if enabling {
                crate::rewrite::request(&sh.node);
            }
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
            reply_now(sh, idx, |r| r.help(&lines));
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

pub(crate) fn write_command_info(r: &mut Reply<'_>, c: &commands::Command) {
    let (first, last, step) = c.keys.legacy();
    let doc = commands::docs::doc(c.name);
    r.array(10);
    r.bulk(c.name.as_bytes());
    r.int(c.arity as i64);
    let mut names: Vec<&str> = flags::NAMES
        .iter()
        .filter(|(f, _)| c.flags & f != 0)
        .map(|(_, n)| *n)
        .collect();
    if c.keys.movable() {
        names.push("movablekeys");
    }
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

pub(crate) fn command(sh: &mut Shard, idx: usize, args: &Args<'_>) {
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
            let inner = args.tail(2);
            let sub_args: Vec<&[u8]> = inner.iter().collect();
            match commands::lookup(sub_args[0]).filter(|c| !c.has(flags::INTERNAL)) {
                None => reply_now(sh, idx, |r| r.error("ERR Invalid command specified")),
                Some(c) if !c.arity_ok(sub_args.len()) => reply_now(sh, idx, |r| {
                    r.error("ERR Invalid number of arguments specified for command")
                }),
                Some(c) => {
                    let keys: Vec<&[u8]> =
                        c.keys.key_indexes(&inner).map(|i| sub_args[i]).collect();
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
            reply_now(sh, idx, |r| r.help(&lines));
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
