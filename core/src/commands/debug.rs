//! The data side of DEBUG: the internal commands the io layer forwards DEBUG DIGEST-VALUE,
//! DEBUG DIGEST and DEBUG POPULATE to, each running on the shards that hold the data.
//!
//! - `__digestvalue key...` runs on the keys' shards (split and gathered as MGET is) and
//!   answers one signature per key.
//! - `__digest` runs on every shard and answers that shard's share of each database's
//!   signature; [`dataset_digest_of`] joins the shares into Redis's one digest.
//! - `__populate count [prefix] [size]` runs on every shard, each creating the keys it owns.

use super::flags::*;
use super::{cmd, keys, Command, Ctx, KeySpec, Run, Span};
use crate::errors;
use crate::keyspace::digest::{self, db_share, hex, value_digest, Digest};
use crate::keyspace::Value;
use crate::protocol::{scan, Args, Reply};
use crate::slot::{key_slot, slot_shard};

/// DEBUG's internal commands.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("__digestvalue", -2, READONLY | INTERNAL, keys(1, -1, 1), Span::Gather, Run::Shard(digest_value), "server", "Internal: DEBUG DIGEST-VALUE on the keys' shards."),
    cmd("__digest", 1, READONLY | INTERNAL, KeySpec::None, Span::AllConcat, Run::Shard(digest_shares), "server", "Internal: this shard's shares of DEBUG DIGEST."),
    cmd("__populate", -2, WRITE | INTERNAL, KeySpec::None, Span::AllFirst, Run::Shard(populate), "server", "Internal: the keys of DEBUG POPULATE this shard owns."),
];

/// `__digestvalue key...`: each key's signature as a status line, 40 zeros for a missing key.
/// As Redis, a key whose time passed but which is still held has one.
fn digest_value(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let db = &ctx.ks.dbs[ctx.db];
    reply.array(args.len() - 1);
    for i in 1..args.len() {
        let entry = db.table().get(args.get(i)).map(|slot| slot.value());
        reply.simple(&hex(&value_digest(entry)));
    }
}

/// `__digest`: for each database holding keys on this shard, its index and this shard's share
/// of its signature (see [`digest::db_share`]), flat in one array.
fn digest_shares(ctx: &mut Ctx<'_>, _args: &Args<'_>, reply: &mut Reply<'_>) {
    let shares: Vec<(usize, Digest)> = ctx
        .ks
        .dbs
        .iter()
        .enumerate()
        .filter_map(|(i, db)| Some((i, db_share(db)?)))
        .collect();
    reply.array(shares.len() * 2);
    for (i, share) in shares {
        reply.int(i as i64);
        reply.simple(&hex(&share));
    }
}

/// DEBUG DIGEST's hex digest from the shards' `__digest` replies concatenated in one array;
/// None when the reply is not made of (index, share) pairs.
pub fn dataset_digest_of(reply: &[u8]) -> Option<String> {
    let items = scan::array_items(reply)?;
    let mut shares = Vec::with_capacity(items.len() / 2);
    for pair in items.chunks(2) {
        let [db, share] = pair else {
            return None;
        };
        let db = usize::try_from(scan::reply_int(db)?).ok()?;
        let text = share.strip_prefix(b"+")?.strip_suffix(b"\r\n")?;
        shares.push((db, digest::from_hex(text)?));
    }
    Some(hex(&digest::dataset_digest(shares)))
}

/// What DEBUG POPULATE was asked for.
struct Populate<'a> {
    count: u64,
    prefix: &'a [u8],
    size: Option<usize>,
}

impl<'a> Populate<'a> {
    /// Reads `count [prefix] [size]` from `args[1..]`, with Redis's error for a count or size
    /// that is not a non-negative integer. A size of 0 means no padding.
    fn parse(args: &Args<'a>) -> Result<Populate<'a>, String> {
        if !(2..=4).contains(&args.len()) {
            return Err(errors::subcommand_syntax(b"populate", "debug"));
        }
        let non_negative = |i: usize| {
            crate::protocol::reader::parse_i64(args.get(i))
                .and_then(|n| u64::try_from(n).ok())
                .ok_or_else(|| errors::NOT_POSITIVE.to_string())
        };
        let count = non_negative(1)?;
        let size = match args.try_get(3) {
            Some(_) => usize::try_from(non_negative(3)?).ok().filter(|&n| n > 0),
            None => None,
        };
        // Redis formats the key with `%s`: the prefix ends at its first zero byte.
        let prefix = args.try_get(2).unwrap_or(b"key");
        let prefix = prefix.split(|&b| b == 0).next().unwrap_or_default();
        Ok(Populate {
            count,
            prefix,
            size,
        })
    }
}

/// Longest key DEBUG POPULATE makes: Redis formats it into a 128-byte buffer.
const POPULATE_KEY_MAX: usize = 127;

/// `__populate count [prefix] [size]`: creates `prefix:N` = `value:N` (cut or padded with zero
/// bytes to `size`) for every N below `count` whose key this shard owns, in the selected
/// database, leaving existing keys alone. As in Redis the keys are not propagated (the
/// append-only file does not record them) and do not count as changes for a save.
fn populate(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let job = match Populate::parse(args) {
        Ok(job) => job,
        Err(e) => return reply.error(&e),
    };
    let (me, shards) = ctx.shard;
    let now = ctx.now_ms;
    let mut key = Vec::with_capacity(POPULATE_KEY_MAX);
    let mut num = itoa::Buffer::new();
    for n in 0..job.count {
        key.clear();
        key.extend_from_slice(job.prefix);
        key.push(b':');
        key.extend_from_slice(num.format(n).as_bytes());
        key.truncate(POPULATE_KEY_MAX);
        if slot_shard(key_slot(&key), shards) != me || ctx.db().contains(&key, now) {
            continue;
        }
        let mut value = format!("value:{n}").into_bytes();
        if let Some(size) = job.size {
            value.resize(size, 0);
        }
        ctx.db().set(&key, Value::string(&value), 0);
    }
    ctx.ks.effects.suppress();
    reply.ok();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::keyspace::Keyspace;
    use crate::protocol::Protocol;

    /// Runs `argv` with `run` on `ks`, as shard `shard` of the node; returns the reply.
    fn call(
        ks: &mut Keyspace,
        shard: (usize, usize),
        run: super::super::ShardFn,
        argv: &[&[u8]],
    ) -> Vec<u8> {
        let (base, spans) = crate::protocol::args::joined(argv);
        let config = Config::default();
        let mut ctx = Ctx {
            ks,
            db: 0,
            now_ms: 1_700_000_000_000,
            config: &config,
            rand: 1,
            shard,
        };
        let mut out = Vec::new();
        run(
            &mut ctx,
            &Args::new(&base, &spans),
            &mut Reply::new(&mut out, Protocol::Resp2),
        );
        out
    }

    fn string(ks: &mut Keyspace, key: &[u8]) -> Option<Vec<u8>> {
        ks.dbs[0].get(key, 0).and_then(|e| e.value.to_bytes())
    }

    #[test]
    fn populate_splits_the_keys_between_shards() {
        let mut shards = [Keyspace::new(16), Keyspace::new(16)];
        let owner = slot_shard(key_slot(b"key:7"), 2);
        shards[owner].dbs[0].set(b"key:7", Value::string(b"mine"), 0);
        for (i, ks) in shards.iter_mut().enumerate() {
            assert_eq!(
                call(ks, (i, 2), populate, &[b"__populate", b"100"]),
                b"+OK\r\n"
            );
        }
        assert_eq!(shards[0].dbs[0].len() + shards[1].dbs[0].len(), 100);
        assert!(shards.iter().all(|ks| ks.dbs[0].len() > 20));
        for n in [0, 42, 99] {
            let key = format!("key:{n}");
            let ks = &mut shards[slot_shard(key_slot(key.as_bytes()), 2)];
            assert_eq!(
                string(ks, key.as_bytes()),
                Some(format!("value:{n}").into_bytes())
            );
        }
        assert_eq!(string(&mut shards[owner], b"key:7"), Some(b"mine".to_vec()));
    }

    #[test]
    fn populate_pads_cuts_and_names_as_redis() {
        let mut ks = Keyspace::new(16);
        let one = (0, 1);
        assert_eq!(
            call(&mut ks, one, populate, &[b"__populate", b"2", b"p", b"10"]),
            b"+OK\r\n"
        );
        assert_eq!(string(&mut ks, b"p:1"), Some(b"value:1\0\0\0".to_vec()));
        call(&mut ks, one, populate, &[b"__populate", b"2", b"t", b"3"]);
        assert_eq!(string(&mut ks, b"t:1"), Some(b"val".to_vec()));
        call(&mut ks, one, populate, &[b"__populate", b"1", b"z", b"0"]);
        assert_eq!(string(&mut ks, b"z:0"), Some(b"value:0".to_vec()));
        call(&mut ks, one, populate, &[b"__populate", b"1", b"ab\0cd"]);
        assert_eq!(string(&mut ks, b"ab:0"), Some(b"value:0".to_vec()));
        let long = vec![b'x'; 200];
        call(&mut ks, one, populate, &[b"__populate", b"3", &long]);
        assert_eq!(string(&mut ks, &long[..127]), Some(b"value:0".to_vec()));
        for bad in [&b"-1"[..], b"x", b"1.5", b""] {
            let r = call(&mut ks, one, populate, &[b"__populate", bad]);
            assert_eq!(r, b"-ERR value is out of range, must be positive\r\n");
            let r = call(&mut ks, one, populate, &[b"__populate", b"1", b"p", bad]);
            assert_eq!(r, b"-ERR value is out of range, must be positive\r\n");
        }
    }

    #[test]
    fn digests_join_across_shards() {
        let mut shards = [Keyspace::new(16), Keyspace::new(16)];
        let mut whole = Keyspace::new(16);
        for (n, db) in [(0usize, 0usize), (1, 0), (2, 3), (3, 3), (4, 3)] {
            let key = format!("k{n}");
            let value = Value::string(format!("v{n}").as_bytes());
            shards[n % 2].dbs[db].set(key.as_bytes(), value.clone(), 0);
            whole.dbs[db].set(key.as_bytes(), value, 0);
        }
        let mut joined = b"*8\r\n".to_vec();
        for (i, ks) in shards.iter_mut().enumerate() {
            let r = call(ks, (i, 2), digest_shares, &[b"__digest"]);
            let items = scan::array_items(&r).unwrap();
            assert_eq!(items.len(), 4);
            joined.extend(items.concat());
        }
        let alone = call(&mut whole, (0, 1), digest_shares, &[b"__digest"]);
        assert_eq!(dataset_digest_of(&joined), dataset_digest_of(&alone));
        assert_eq!(dataset_digest_of(b"*0\r\n"), Some("0".repeat(40)));
        assert_eq!(dataset_digest_of(b"*1\r\n:0\r\n"), None);
        let r = call(
            &mut whole,
            (0, 1),
            digest_value,
            &[b"__digestvalue", b"k0", b"nokey"],
        );
        let items = scan::array_items(&r).unwrap();
        assert_eq!(items[1], format!("+{}\r\n", "0".repeat(40)).as_bytes());
    }
}
