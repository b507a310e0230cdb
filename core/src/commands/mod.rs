//! The command table: every command's name, arity, flags, key positions, how it spans shards,
//! and the function that runs it.
//!
//! The table is data, as Redis's `commands/*.json`: routing, transactions, COMMAND INFO and
//! COMMAND GETKEYS all read it, and no command routes itself. Each family file
//! (`strings.rs`, `keys.rs`...) lists its commands in a `COMMANDS` array.

pub mod bitmaps;
pub mod blocking;
pub mod debug;
pub mod docs;
pub mod geo;
pub mod hashes;
pub mod hyperloglog;
pub mod keys;
pub mod lists;
pub mod memory;
mod names;
pub mod server;
pub mod sets;
pub mod snapshot;
pub mod sort;
pub mod strings;
pub mod zsets;

#[cfg(test)]
mod effects_tests;
#[cfg(test)]
pub(crate) mod replay;

use crate::config::Config;
use crate::keyspace::{Db, Keyspace};
use crate::protocol::{Args, Reply};

/// Command flags, as COMMAND INFO names them.
pub mod flags {
    /// Changes data.
    pub const WRITE: u32 = 1;
    /// Only reads data.
    pub const READONLY: u32 = 1 << 1;
    /// May allocate memory (refused under OOM once `maxmemory` exists).
    pub const DENYOOM: u32 = 1 << 2;
    /// Administrative.
    pub const ADMIN: u32 = 1 << 3;
    /// O(1) or O(log n).
    pub const FAST: u32 = 1 << 4;
    /// Allowed before AUTH.
    pub const NO_AUTH: u32 = 1 << 5;
    /// Allowed while loading data.
    pub const LOADING: u32 = 1 << 6;
    /// Allowed on a stale replica.
    pub const STALE: u32 = 1 << 7;
    /// Not allowed in scripts.
    pub const NOSCRIPT: u32 = 1 << 8;
    /// Not queued by MULTI: runs at once (EXEC, DISCARD, MULTI, WATCH...).
    pub const NO_MULTI: u32 = 1 << 9;
    /// Reply order may vary between runs.
    pub const RANDOM: u32 = 1 << 10;
    /// Used between shards only; a client calling it gets "unknown command".
    pub const INTERNAL: u32 = 1 << 11;
    /// Allowed in the RESP2 subscribe context.
    pub const PUBSUB: u32 = 1 << 12;
    /// May wait for another client's write (BLPOP and kin): the handler sets
    /// `Keyspace::block` instead of waiting, and the io layer parks the client.
    pub const BLOCKING: u32 = 1 << 13;

    /// Flag names in COMMAND INFO's order.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (NO_AUTH, "no_auth"),
        (FAST, "fast"),
    ];
}

/// Where a command's keys are in its arguments, as Redis's legacy (first, last, step) triple, or
/// counted by a `numkeys` argument (ZUNIONSTORE, SINTERCARD, LMPOP...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySpec {
    /// The command takes no key.
    None,
    /// Keys at `first`, `first+step`... up to `last` (negative: counted from the end).
    Range {
        /// Index of the first key.
        first: usize,
        /// Index of the last key; -1 is the last argument.
        last: isize,
        /// Distance between keys.
        step: usize,
    },
    /// Argument `at` says how many keys follow it; with `dest`, argument 1 is a key too (the
    /// destination of ZUNIONSTORE and its kin). A count that is not a positive integer, or
    /// larger than the arguments that follow, names no key: the handler answers the error.
    Numkeys {
        /// Index of the `numkeys` argument.
        at: usize,
        /// Whether argument 1 is a destination key.
        dest: bool,
    },
    /// Argument 1, and the argument after a `STORE` or `STOREDIST` option from `from` on
    /// (GEORADIUS and GEORADIUSBYMEMBER).
    StoreOption {
        /// Where the options begin.
        from: usize,
    },
    /// SORT: argument 1, and the argument after the last STORE (see `sort::sort_key_indexes`).
    Sort,
    /// SORT_RO: argument 1 (its BY/GET keys derive from data, so COMMAND INFO says movable).
    SortRo,
}

impl KeySpec {
    /// The indexes of the keys in a call with arguments `args` (the command name included).
    /// A command with one key at a fixed place (GET, SET, INCR...), the common case, is
    /// answered without building the general walk: it runs for every call.
    #[inline]
    pub fn key_indexes(&self, args: &Args<'_>) -> impl Iterator<Item = usize> {
        let single = match *self {
            KeySpec::Range { first, last, .. } if last == first as isize => {
                Some((first < args.len()).then_some(first))
            }
            _ => None,
        };
        let general = match single {
            Some(_) => None,
            None => Some(self.general_indexes(args)),
        };
        single
            .flatten()
            .into_iter()
            .chain(general.into_iter().flatten())
    }

    fn general_indexes(&self, args: &Args<'_>) -> impl Iterator<Item = usize> {
        let argc = args.len();
        let (dest, first, last, step) = match *self {
            KeySpec::None => (None, 1, None, 1),
            KeySpec::Range { first, last, step } => {
                let last = if last < 0 { argc as isize + last } else { last };
                let last = last.min(argc as isize - 1);
                let last = (last >= first as isize).then_some(last as usize);
                (None, first, last, step)
            }
            KeySpec::StoreOption { .. } | KeySpec::SortRo => (None, 1, Some(1), 1),
            KeySpec::Sort => (None, 1, Some(1), 1),
            KeySpec::Numkeys { at, dest } => {
                let n = args
                    .try_get(at)
                    .and_then(|a| crate::protocol::args::parse_int(a).ok())
                    .filter(|&n| n > 0 && (n as u64) < (argc - at) as u64);
                match n {
                    Some(n) => (dest.then_some(1), at + 1, Some(at + n as usize), 1),
                    None => (None, 1, None, 1),
                }
            }
        };
        let store = match *self {
            KeySpec::StoreOption { from } => (from..argc.saturating_sub(1))
                .rev()
                .find(|&i| args.is(i, "store") || args.is(i, "storedist"))
                .map(|i| i + 1),
            KeySpec::Sort => sort::sort_key_indexes(args).get(1).copied(),
            _ => None,
        };
        dest.into_iter()
            .chain(
                (first..=last.unwrap_or(0))
                    .step_by(step.max(1))
                    .filter(move |_| last.is_some()),
            )
            .chain(store)
    }

    /// The triple COMMAND INFO reports.
    pub fn legacy(&self) -> (i64, i64, i64) {
        match *self {
            KeySpec::None => (0, 0, 0),
            KeySpec::Range { first, last, step } => (first as i64, last as i64, step as i64),
            KeySpec::Numkeys { dest: true, .. } => (1, 1, 1),
            KeySpec::Numkeys { dest: false, .. } => (0, 0, 0),
            KeySpec::StoreOption { .. } | KeySpec::Sort | KeySpec::SortRo => (1, 1, 1),
        }
    }

    /// True when the keys depend on the arguments (COMMAND INFO's `movablekeys`).
    pub fn movable(&self) -> bool {
        matches!(
            self,
            KeySpec::Numkeys { .. } | KeySpec::StoreOption { .. } | KeySpec::Sort | KeySpec::SortRo
        )
    }
}

/// How a command whose keys may sit on several shards is split and its replies joined.
///
/// The transaction mechanism in `tessera-io` reads this: it locks the keys on every shard, runs
/// the per-shard parts (each an ordinary call of the same handler over that shard's keys), and
/// joins the replies as this says. Keyless commands that concern every shard say so here too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span {
    /// One key, or keys that must share a shard: runs where its first key lives (or locally).
    Single,
    /// Each shard counts over its keys; the counts are added (DEL, EXISTS, UNLINK, TOUCH).
    SumInts,
    /// Each shard answers an array for its keys; the elements return to the keys' positions (MGET).
    Gather,
    /// Key/value pairs: each shard sets its pairs; the reply is OK (MSET).
    Pairs,
    /// MSETNX: set every pair only if no key exists.
    PairsIfNoneExist,
    /// RENAME (`nx`: RENAMENX): take the source's value on its shard, store it on the target's.
    Rename {
        /// Only when the target does not exist.
        nx: bool,
    },
    /// COPY: read the source on its shard, store a copy on the target's.
    Copy,
    /// Runs on every shard; integer replies are added (DBSIZE).
    AllSum,
    /// Runs on every shard; the first shard's reply is the reply (FLUSHALL, SWAPDB).
    AllFirst,
    /// Runs on every shard; array replies are concatenated (KEYS).
    AllConcat,
    /// Runs on every shard; the first non-null reply, starting from a random shard (RANDOMKEY).
    AllAny,
    /// SCAN: the cursor names the shard; runs there and moves on to the next shard.
    Scan,
    /// SORT and SORT_RO: as [`Span::Single`] over the source and STORE destination, unless a
    /// BY/GET pattern names other keys ([`sort::uses_patterns`]): then the call holds every
    /// shard, and the keys the patterns name are gathered next to the source.
    Sort,
}

/// Commands that need the connection or the whole node, run by `tessera-io` itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeCmd {
    /// PING.
    Ping,
    /// ECHO.
    Echo,
    /// HELLO.
    Hello,
    /// AUTH.
    Auth,
    /// QUIT.
    Quit,
    /// RESET.
    Reset,
    /// SELECT.
    Select,
    /// CLIENT.
    Client,
    /// INFO.
    Info,
    /// CONFIG.
    Config,
    /// COMMAND.
    Command,
    /// TIME.
    Time,
    /// SHUTDOWN.
    Shutdown,
    /// DEBUG.
    Debug,
    /// MULTI.
    Multi,
    /// EXEC.
    Exec,
    /// DISCARD.
    Discard,
    /// WATCH.
    Watch,
    /// UNWATCH.
    Unwatch,
    /// LASTSAVE.
    Lastsave,
    /// SAVE.
    Save,
    /// BGSAVE.
    Bgsave,
    /// BGREWRITEAOF.
    Bgrewriteaof,
}

/// A handler that runs on the shard owning the keys, over that shard's data.
pub type ShardFn = fn(&mut Ctx<'_>, &Args<'_>, &mut Reply<'_>);

/// How a command runs.
#[derive(Clone, Copy)]
pub enum Run {
    /// On the shard that owns its keys.
    Shard(ShardFn),
    /// By the node, with the connection's state at hand.
    Node(NodeCmd),
}

/// One row of the command table.
pub struct Command {
    /// Lower-case name.
    pub name: &'static str,
    /// Redis's arity: positive is exact, negative is a minimum (the name counts).
    pub arity: i32,
    /// [`flags`] bits.
    pub flags: u32,
    /// Where the keys are.
    pub keys: KeySpec,
    /// How it spans shards.
    pub span: Span,
    /// What runs it.
    pub run: Run,
    /// COMMAND DOCS's group (`string`, `generic`, `server`, `connection`, `transactions`).
    pub group: &'static str,
    /// COMMAND DOCS's one-line summary.
    pub summary: &'static str,
}

impl Command {
    /// True when `flag` is set.
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    /// True when the call concerns every shard rather than the shards of its keys: the
    /// whole-database commands, SCAN, and SORT with patterns that name other keys.
    pub fn every_shard(&self, args: &Args<'_>) -> bool {
        match self.span {
            Span::AllSum | Span::AllFirst | Span::AllConcat | Span::AllAny | Span::Scan => true,
            Span::Sort => sort::uses_patterns(args),
            _ => false,
        }
    }

    /// True when `argc` arguments (the name included) satisfy the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        if self.arity >= 0 {
            argc == self.arity as usize
        } else {
            argc >= (-self.arity) as usize
        }
    }
}

/// Builds a table row (keeps the family files short).
#[allow(clippy::too_many_arguments)]
pub const fn cmd(
    name: &'static str,
    arity: i32,
    flags: u32,
    keys: KeySpec,
    span: Span,
    run: Run,
    group: &'static str,
    summary: &'static str,
) -> Command {
    Command {
        name,
        arity,
        flags,
        keys,
        span,
        run,
        group,
        summary,
    }
}

/// Keys at `first..=last` every `step` (a shorthand for [`KeySpec::Range`]).
pub const fn keys(first: usize, last: isize, step: usize) -> KeySpec {
    KeySpec::Range { first, last, step }
}

/// Where a shard handler runs: the shard's keyspace, the selected database, the time.
pub struct Ctx<'a> {
    /// The shard's data.
    pub ks: &'a mut Keyspace,
    /// SELECT's index for this call.
    pub db: usize,
    /// The time of the call, Unix milliseconds (the same for the whole call, as in Redis).
    pub now_ms: u64,
    /// The shard's copy of the configuration.
    pub config: &'a Config,
    /// A random number for this call (RANDOMKEY, SPOP...).
    pub rand: u64,
    /// This shard's index and the number of shards.
    pub shard: (usize, usize),
}

impl Ctx<'_> {
    /// The selected database.
    pub fn db(&mut self) -> &mut Db {
        &mut self.ks.dbs[self.db]
    }

    /// Records `parts` as (one command of) this call's effect instead of its arguments: for a
    /// command whose replay would not reach the same data (see `keyspace::effects`).
    pub fn propagate(&mut self, parts: &[&[u8]]) {
        self.ks.effects.record(parts);
    }

    /// True when this call's effects are kept: a handler builds its replacement records only
    /// then.
    pub fn propagating(&self) -> bool {
        self.ks.effects.wanted
    }

    /// Looks `key` up for reading, as Redis's `lookupKeyRead`: an expired key is removed and
    /// reads as absent, and the lookup counts as a keyspace hit or miss (INFO's `keyspace_hits`).
    pub fn lookup_read(&mut self, key: &[u8]) -> Option<&crate::keyspace::Entry> {
        let now = self.now_ms;
        let ks = &mut *self.ks;
        let found = ks.dbs[self.db].get(key, now);
        if found.is_some() {
            ks.hits += 1;
        } else {
            ks.misses += 1;
        }
        found
    }
}

/// Every command, in one list.
pub fn all() -> impl Iterator<Item = &'static Command> {
    strings::COMMANDS
        .iter()
        .chain(keys::COMMANDS.iter())
        .chain(server::COMMANDS.iter())
        .chain(lists::COMMANDS.iter())
        .chain(blocking::COMMANDS.iter())
        .chain(hashes::COMMANDS.iter())
        .chain(sets::COMMANDS.iter())
        .chain(zsets::COMMANDS.iter())
        .chain(bitmaps::COMMANDS.iter())
        .chain(hyperloglog::COMMANDS.iter())
        .chain(geo::COMMANDS.iter())
        .chain(snapshot::COMMANDS.iter())
        .chain(memory::COMMANDS.iter())
        .chain(sort::COMMANDS.iter())
        .chain(debug::COMMANDS.iter())
}

/// Finds a command by name, ignoring case. Internal commands are found too; the caller refuses
/// them from clients.
#[inline]
pub fn lookup(name: &[u8]) -> Option<&'static Command> {
    names::find(name)
}

/// Number of commands clients can call (COMMAND COUNT).
pub fn public_count() -> usize {
    all().filter(|c| !c.has(flags::INTERNAL)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_lowercase() {
        let mut seen = std::collections::HashSet::new();
        for c in all() {
            assert!(seen.insert(c.name), "duplicate {}", c.name);
            assert_eq!(c.name, c.name.to_ascii_lowercase());
        }
        assert!(lookup(b"GeT").is_some());
    }

    fn indexes(spec: KeySpec, words: &[&str]) -> Vec<usize> {
        let mut bytes = Vec::new();
        let mut spans = Vec::new();
        for w in words {
            spans.push(bytes.len()..bytes.len() + w.len());
            bytes.extend_from_slice(w.as_bytes());
        }
        spec.key_indexes(&Args::new(&bytes, &spans)).collect()
    }

    #[test]
    fn key_indexes_follow_specs() {
        assert_eq!(
            indexes(keys(1, -1, 2), &["mset", "a", "1", "b", "2"]),
            vec![1, 3]
        );
        assert!(indexes(KeySpec::None, &["ping", "a", "b"]).is_empty());
        assert_eq!(indexes(keys(1, 1, 1), &["get", "a", "b"]), vec![1]);
        let store = KeySpec::Numkeys { at: 2, dest: true };
        assert_eq!(
            indexes(
                store,
                &["zunionstore", "d", "2", "a", "b", "WEIGHTS", "1", "2"]
            ),
            vec![1, 3, 4]
        );
        let plain = KeySpec::Numkeys { at: 1, dest: false };
        assert_eq!(indexes(plain, &["sintercard", "2", "a", "b"]), vec![2, 3]);
        // A count that is not a positive integer, or too large, names no key.
        assert!(indexes(plain, &["sintercard", "3", "a", "b"]).is_empty());
        assert!(indexes(plain, &["sintercard", "0", "a"]).is_empty());
        assert!(indexes(plain, &["sintercard", "x", "a"]).is_empty());
        assert!(indexes(store, &["zunionstore", "d"]).is_empty());
        let geo = KeySpec::StoreOption { from: 6 };
        assert_eq!(
            indexes(
                geo,
                &["georadius", "g", "1", "2", "3", "km", "STORE", "dst"]
            ),
            vec![1, 7]
        );
        assert_eq!(
            indexes(geo, &["georadius", "g", "1", "2", "3", "km"]),
            vec![1]
        );
    }
}
