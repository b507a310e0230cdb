//! The string family: GET, SET and their relatives.

use super::flags::*;
use super::{cmd, keys, Command, Ctx, Run, Span};
use crate::errors;
use crate::keyspace::Value;
use crate::protocol::{Args, Reply};

/// The string commands.
pub static COMMANDS: &[Command] = &[
    cmd("get", 2, READONLY | FAST, keys(1, 1, 1), Span::Single, Run::Shard(get), "string", "Returns the string value of a key."),
    cmd("set", -3, WRITE | DENYOOM, keys(1, 1, 1), Span::Single, Run::Shard(set), "string", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist."),
    cmd("mget", -2, READONLY | FAST, keys(1, -1, 1), Span::Gather, Run::Shard(mget), "string", "Atomically returns the string values of one or more keys."),
    cmd("mset", -3, WRITE | DENYOOM, keys(1, -1, 2), Span::Pairs, Run::Shard(mset), "string", "Atomically creates or modifies the string values of one or more keys."),
];

/// Writes the string at `key`, a null when absent, or WRONGTYPE.
fn reply_string(ctx: &mut Ctx<'_>, key: &[u8], reply: &mut Reply<'_>) {
    let now = ctx.now_ms;
    match ctx.db().get(key, now) {
        None => reply.null(),
        Some(e) => {
            let mut buf = itoa::Buffer::new();
            match e.value.as_bytes(&mut buf) {
                Some(b) => reply.bulk(b),
                None => reply.error(errors::WRONGTYPE),
            }
        }
    }
}

fn get(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    reply_string(ctx, args.get(1), reply);
}

fn set(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    // Options are completed in the string family's full implementation.
    let now = ctx.now_ms;
    ctx.db().set(args.get(1), Value::string(args.get(2)), 0);
    let _ = now;
    reply.ok();
}

fn mget(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    reply.array(args.len() - 1);
    let now = ctx.now_ms;
    for i in 1..args.len() {
        let mut buf = itoa::Buffer::new();
        match ctx.db().get(args.get(i), now) {
            Some(e) => match e.value.as_bytes(&mut buf) {
                Some(b) => reply.bulk(b),
                None => reply.null(),
            },
            None => reply.null(),
        }
    }
}

fn mset(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    if args.len() % 2 == 0 {
        reply.error(&errors::wrong_arity("mset"));
        return;
    }
    for i in (1..args.len()).step_by(2) {
        ctx.db().set(args.get(i), Value::string(args.get(i + 1)), 0);
    }
    reply.ok();
}
