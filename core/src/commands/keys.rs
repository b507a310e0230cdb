//! The generic key family: DEL, EXISTS, expiry, SCAN and the rest of what works on any key.

use super::flags::*;
use super::{cmd, keys, Command, Ctx, KeySpec, Run, Span};
use crate::protocol::{Args, Reply};

/// The generic key commands.
pub static COMMANDS: &[Command] = &[
    cmd("del", -2, WRITE, keys(1, -1, 1), Span::SumInts, Run::Shard(del), "generic", "Deletes one or more keys."),
    cmd("exists", -2, READONLY | FAST, keys(1, -1, 1), Span::SumInts, Run::Shard(exists), "generic", "Determines whether one or more keys exist."),
    cmd("dbsize", 1, READONLY | FAST, KeySpec::None, Span::AllSum, Run::Shard(dbsize), "server", "Returns the number of keys in the database."),
    cmd("flushall", -1, WRITE, KeySpec::None, Span::AllFirst, Run::Shard(flushall), "server", "Removes all keys from all databases."),
];

fn del(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let now = ctx.now_ms;
    let n = (1..args.len()).filter(|&i| ctx.db().remove(args.get(i), now).is_some()).count();
    reply.int(n as i64);
}

fn exists(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let now = ctx.now_ms;
    let n = (1..args.len()).filter(|&i| ctx.db().contains(args.get(i), now)).count();
    reply.int(n as i64);
}

fn dbsize(ctx: &mut Ctx<'_>, _args: &Args<'_>, reply: &mut Reply<'_>) {
    let n = ctx.db().len();
    reply.int(n as i64);
}

fn flushall(ctx: &mut Ctx<'_>, _args: &Args<'_>, reply: &mut Reply<'_>) {
    for db in &mut ctx.ks.dbs {
        db.clear();
    }
    reply.ok();
}
