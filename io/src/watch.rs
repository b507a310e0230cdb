//! WATCH across shards: a watched key's shard remembers the watcher; EXEC asks every such shard,
//! under the transaction's locks, whether one of the keys changed.
//!
//! Three internal commands travel between shards like any other call:
//! `__watch <id> <key>...`, `__unwatch <id>` and `__watchdirty <id>` (answers 1 when a key changed).

use tessera_core::protocol::{Args, Reply};

use crate::shard::Shard;

/// Runs an internal WATCH command if `args` is one; returns false otherwise.
pub fn internal(shard: &mut Shard, db: usize, args: &Args<'_>, reply: &mut Reply<'_>) -> bool {
    let name = args.get(0);
    if !name.starts_with(b"__watch") && name != b"__unwatch" {
        return false;
    }
    let Some(id) = args
        .try_get(1)
        .and_then(|a| std::str::from_utf8(a).ok()?.parse::<u64>().ok())
    else {
        reply.error("ERR bad watcher id");
        return true;
    };
    let db = db.min(shard.ks.dbs.len() - 1);
    match name {
        b"__watch" => {
            let now = crate::shard::now_ms();
            for i in 2..args.len() {
                let key = args.get(i);
                // Touch the key first so a key that already expired counts as absent, not changed.
                let _ = shard.ks.dbs[db].get(key, now);
                shard.ks.dbs[db].watch(key, id);
            }
            reply.ok();
        }
        b"__unwatch" => {
            for d in &mut shard.ks.dbs {
                d.unwatch(id);
            }
            reply.ok();
        }
        b"__watchdirty" => {
            let dirty = shard.ks.dbs.iter().any(|d| d.dirty_watchers.contains(&id));
            reply.int(dirty as i64);
        }
        _ => reply.error("ERR unknown internal command"),
    }
    true
}
