//! Test support for a write's recorded effects (see `keyspace::effects`): runs a command with
//! its effects kept, replays what it recorded on a keyspace rebuilt as it was before the call,
//! later and with another random number, as an append-only file's replay would, and checks
//! that both keyspaces hold the same data. Every family's effect tests use it.

use super::{lookup, Ctx, Run};
use crate::config::Config;
use crate::errors;
use crate::keyspace::{Keyspace, Value};
use crate::protocol::{Args, Protocol, Reply};

/// The clock of the recorded call, Unix milliseconds.
pub(crate) const NOW: u64 = 1_700_000_000_000;
/// The clock of the replay: later, as a restart's is.
pub(crate) const LATER: u64 = NOW + 5_000;

/// One command: its arguments, the name first.
pub(crate) type Argv = Vec<Vec<u8>>;

/// Splits a command line on spaces.
pub(crate) fn words(line: &str) -> Argv {
    line.split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| w.as_bytes().to_vec())
        .collect()
}

/// Runs one shard command (arity checked as the router does) and returns its reply bytes.
pub(crate) fn exec(ks: &mut Keyspace, now_ms: u64, rand: u64, argv: &[Vec<u8>]) -> Vec<u8> {
    let (base, spans) = crate::protocol::args::joined(argv);
    let args = Args::new(&base, &spans);
    let command = lookup(args.get(0)).expect("a known command");
    let config = Config::default();
    let mut out = Vec::new();
    let mut reply = Reply::new(&mut out, Protocol::Resp2);
    if !command.arity_ok(args.len()) {
        reply.error(&errors::wrong_arity(command.name));
    } else if let Run::Shard(handler) = command.run {
        let mut ctx = Ctx {
            ks,
            db: 0,
            now_ms,
            config: &config,
            rand,
            shard: (0, 1),
        };
        handler(&mut ctx, &args, &mut reply);
    } else {
        panic!("not a shard command");
    }
    out
}

/// Reads RESP arrays of bulk strings (records, or an array reply) back into argument lists.
pub(crate) fn parse_arrays(mut b: &[u8]) -> Vec<Argv> {
    fn line(b: &mut &[u8], tag: u8) -> usize {
        assert_eq!(b[0], tag, "{:?}", String::from_utf8_lossy(b));
        let end = b.windows(2).position(|w| w == b"\r\n").expect("CRLF");
        let n = std::str::from_utf8(&b[1..end]).unwrap().parse().unwrap();
        *b = &b[end + 2..];
        n
    }
    let mut out = Vec::new();
    while !b.is_empty() {
        let n = line(&mut b, b'*');
        let parts = (0..n)
            .map(|_| {
                let len = line(&mut b, b'$');
                let part = b[..len].to_vec();
                b = &b[len + 2..];
                part
            })
            .collect();
        out.push(parts);
    }
    out
}

/// What each database holds at `now_ms`, key by key: value and expiry (access data aside).
///
/// A string is compared by its bytes, not its encoding: a string kept as bytes that reads as
/// an integer (INCRBYFLOAT's `3`, `embstr` in Redis too) comes back `int`-encoded from the
/// replay's SET, as it does on a Redis replica or after an AOF load.
fn state(ks: &Keyspace, now_ms: u64) -> Vec<(usize, Vec<u8>, Value, u64)> {
    let mut all = Vec::new();
    for (i, db) in ks.dbs.iter().enumerate() {
        for slot in db.table().iter() {
            let e = slot.value();
            if !e.is_expired(now_ms) {
                let value = match &e.value {
                    Value::Str(b) => Value::string(b),
                    v => v.clone(),
                };
                all.push((i, slot.key().to_vec(), value, e.expire_at));
            }
        }
    }
    all.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    all
}

/// A keyspace after `setup` ran at [`NOW`].
fn prepared(setup: &[Argv]) -> Keyspace {
    let mut ks = Keyspace::new(16);
    for argv in setup {
        exec(&mut ks, NOW, 1, argv);
    }
    ks
}

/// A recorded call: its reply and what the append-only file receives for it.
pub(crate) struct Recorded {
    /// The reply bytes.
    pub reply: Vec<u8>,
    /// The records: the handler's own, else the call's arguments when it changed data, else
    /// none.
    pub records: Vec<Argv>,
    /// Whether the handler replaced its arguments.
    pub replaced: bool,
}

/// Runs `setup` then `argv` at [`NOW`] with effects kept, replays the records at [`LATER`]
/// with another random number on a keyspace given the same setup, and asserts that both hold
/// the same data. A call that changed nothing must record nothing.
pub(crate) fn record_and_replay(setup: &[Argv], argv: &[Vec<u8>]) -> Recorded {
    let mut ks = prepared(setup);
    ks.effects.wanted = true;
    ks.effects.reset();
    let dirty = ks.dirty;
    let reply = exec(&mut ks, NOW, 0x5eed, argv);
    let replaced = ks.effects.replaced;
    let records = if replaced {
        parse_arrays(&ks.effects.buf)
    } else if ks.dirty != dirty {
        vec![argv.to_vec()]
    } else {
        Vec::new()
    };
    if ks.dirty == dirty {
        assert!(records.is_empty(), "{argv:?} changed nothing but recorded");
    }
    let mut copy = prepared(setup);
    for r in &records {
        exec(&mut copy, LATER, 0xd1ce, r);
    }
    assert_eq!(
        state(&ks, LATER),
        state(&copy, LATER),
        "replay of {:?} as {:?}",
        show(&[argv.to_vec()]),
        show(&records)
    );
    Recorded {
        reply,
        records,
        replaced,
    }
}

/// As [`record_and_replay`] with command lines, checking the records against `want` lines.
pub(crate) fn check(setup: &[&str], line: &str, want: &[&str]) -> Recorded {
    let setup: Vec<_> = setup.iter().map(|l| words(l)).collect();
    let got = record_and_replay(&setup, &words(line));
    let want: Vec<_> = want.iter().map(|l| words(l)).collect();
    assert_eq!(show(&got.records), show(&want), "records of {line}");
    got
}

/// Records as text lines, for readable assertion failures.
pub(crate) fn show(records: &[Argv]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            r.iter()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn replay_detects_a_relative_ttl_replayed_as_given() {
    // The check this helper makes has teeth: SET ... EX replayed later expires later.
    let (mut a, mut b) = (prepared(&[]), prepared(&[]));
    exec(&mut a, NOW, 1, &words("SET k v EX 100"));
    exec(&mut b, LATER, 1, &words("SET k v EX 100"));
    assert_ne!(state(&a, LATER), state(&b, LATER));
}
