//! MEMORY (`object.c`'s `memoryCommand`): USAGE estimates what a key and its value take, and the
//! diagnostics subcommands answer as Redis does when its allocator has nothing to add.
//!
//! USAGE is an estimate in Redis too (`objectComputeSize` samples aggregates). Here it is the
//! value's serialized size (uncompressed) plus the overheads Redis adds for the key (its sds string, the
//! dictionary entry and the object header), so that it grows with the value as Redis's does.

use super::flags::*;
use super::{cmd, keys, Command, Ctx, Run, Span};
use crate::errors;
use crate::keyspace::dump::write_value;
use crate::protocol::args::parse_int;
use crate::protocol::{Args, Reply};

/// The MEMORY command.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("memory", -2, READONLY, keys(2, 2, 1), Span::Single, Run::Shard(memory), "server", "A container for memory diagnostics commands"),
];

const MEMORY_HELP: &[&str] = &[
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
];

/// What `sizeof(robj)` and `sizeof(dictEntry)` add to every key in Redis, in bytes.
const OBJECT_HEADER: usize = 16;
const DICT_ENTRY: usize = 24;

/// MEMORY USAGE key [SAMPLES count] | DOCTOR | MALLOC-STATS | PURGE | HELP.
fn memory(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let sub = args.get(1).to_ascii_lowercase();
    match sub.as_slice() {
        b"usage" if args.len() >= 3 => usage(ctx, args, reply),
        b"usage" => reply.error(&errors::wrong_arity("memory|usage")),
        b"help" if args.len() == 2 => reply.help(MEMORY_HELP),
        b"doctor" if args.len() == 2 => reply.verbatim(
            b"Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n",
        ),
        b"malloc-stats" if args.len() == 2 => {
            reply.verbatim(b"Stats not supported for the current allocator")
        }
        b"purge" if args.len() == 2 => reply.ok(),
        b"help" | b"doctor" | b"malloc-stats" | b"purge" => {
            let name = String::from_utf8_lossy(&sub).into_owned();
            reply.error(&errors::wrong_arity(&format!("memory|{name}")))
        }
        _ => reply.error(&errors::unknown_subcommand(args.get(1), "memory")),
    }
}

/// MEMORY USAGE: null for a missing key, else the estimate. Like Redis it reads without touching
/// the key (no hit, no access time), and SAMPLES takes a count that is not negative.
fn usage(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let mut i = 3;
    while i < args.len() {
        if args.is(i, "samples") && i + 1 < args.len() {
            match parse_int(args.get(i + 1)) {
                Ok(n) if n < 0 => return reply.error(errors::SYNTAX),
                Ok(_) => {}
                Err(e) => return reply.error(e),
            }
            i += 2;
        } else {
            return reply.error(errors::SYNTAX);
        }
    }
    let key = args.get(2);
    let now = ctx.now_ms;
    let Some(entry) = ctx.ks.dbs[ctx.db].peek(key, now) else {
        return reply.null();
    };
    // Uncompressed, so that the estimate follows the bytes held, as Redis's does.
    let mut serialized = Vec::new();
    write_value(&mut serialized, &entry.value, false);
    let value = serialized.len();
    let total = OBJECT_HEADER + DICT_ENTRY + sds_alloc(key.len()) + sds_alloc(value);
    reply.int(i64::try_from(total).unwrap_or(i64::MAX));
}

/// What an sds string of `len` bytes takes: a small header, the bytes and a terminator,
/// rounded up to the allocator's 8-byte steps.
fn sds_alloc(len: usize) -> usize {
    let header = match len {
        0..=255 => 3,
        256..=65_535 => 5,
        _ => 9,
    };
    (len + header + 1).div_ceil(8) * 8
}
