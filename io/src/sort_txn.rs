//! SORT and SORT_RO whose BY or GET patterns name other keys, which may live on any shard.
//!
//! The transaction holds a shared lock on every shard (see `txn::footprints`), so nothing
//! changes anywhere while it runs. It copies the source and the STORE destination into a
//! scratch keyspace, then every key the patterns name for the source's elements, runs the
//! ordinary SORT handler over the scratch, and writes the destination back to its shard.

use tessera_core::commands::sort::pattern_keys;
use tessera_core::commands::Command;
use tessera_core::keyspace::Keyspace;
use tessera_core::protocol::{Args, Protocol};

use crate::locks::TxId;
use crate::shard::current;
use crate::txn::{gather_into, write_back};

/// Runs `args` (a SORT or SORT_RO call) under transaction `tx`; `key_shards` are the
/// command's own keys (source, destination) with their shards.
pub(crate) async fn run(
    cmd: &'static Command,
    args: &Args<'_>,
    key_shards: &[(usize, usize)],
    db: usize,
    proto: Protocol,
    tx: Option<TxId>,
) -> Vec<u8> {
    let mut scratch = Keyspace::new(db + 1);
    let own: Vec<(&[u8], usize)> = key_shards.iter().map(|&(i, s)| (args.get(i), s)).collect();
    let before = gather_into(&mut scratch, &own, db, proto, tx).await;
    let (now, n) = {
        let s = current();
        let sh = s.borrow();
        (sh.clock, sh.shards())
    };
    let named: Vec<Vec<u8>> = pattern_keys(&scratch.dbs[db], now, args)
        .into_iter()
        .filter(|k| !before.iter().any(|b| &b.0 == k))
        .collect();
    let refs: Vec<(&[u8], usize)> = named
        .iter()
        .map(|k| {
            let shard = tessera_core::slot::slot_shard(tessera_core::slot::key_slot(k), n);
            (k.as_slice(), shard)
        })
        .collect();
    gather_into(&mut scratch, &refs, db, proto, tx).await;
    let mut out = Vec::new();
    current()
        .borrow_mut()
        .run_on(&mut scratch, cmd, db, proto, args, &mut out);
    match write_back(&scratch, &before, db, proto, tx).await {
        Some(err) => err,
        None => out,
    }
}
