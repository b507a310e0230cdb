//! What writes that depend on the clock or on chance record, family by family: the records
//! Redis 7.0 propagates, and a replay of them, later and with another random number, that
//! reaches the same data (see [`super::replay`]).

use super::replay::{check, exec, parse_arrays, record_and_replay, words, Argv, Recorded, NOW};
use crate::keyspace::Keyspace;

/// `NOW` plus `ms`, as text.
fn at(ms: u64) -> String {
    (NOW + ms).to_string()
}

/// The payload of a bulk-string reply.
fn bulk(reply: &[u8]) -> Vec<u8> {
    let end = reply.windows(2).position(|w| w == b"\r\n").expect("CRLF");
    reply[end + 2..reply.len() - 2].to_vec()
}

// ---------------------------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------------------------

#[test]
fn set_with_an_expiry_records_pxat() {
    let pxat = format!("SET k v PXAT {}", at(100_000));
    check(&[], "SET k v EX 100", &[&pxat]);
    check(&[], "SET k v PX 100000", &[&pxat]);
    // The options that let it through are not needed again; GET goes as Redis drops it.
    check(&["SET k old"], "SET k v XX GET EX 100", &[&pxat]);
    check(&[], "SET k v NX PX 100000", &[&pxat]);
    check(&[], "SET k v EXAT 1700000100", &[&pxat]);
    check(&[], &format!("SET k v PXAT {}", at(100_000)), &[&pxat]);
    check(&[], "SETEX k 100 v", &[&pxat]);
    check(&[], "PSETEX k 100000 v", &[&pxat]);
}

#[test]
fn set_without_expiry_records_its_arguments_less_get() {
    let got = check(
        &["SET k old PX 100000"],
        "SET k v KEEPTTL",
        &["SET k v KEEPTTL"],
    );
    assert!(!got.replaced);
    let got = check(&["SET k old"], "SET k v XX GET get", &["SET k v XX"]);
    assert!(got.replaced);
    check(&[], "SET k v GET", &["SET k v"]);
}

#[test]
fn set_that_changes_nothing_records_nothing() {
    check(&["SET k old"], "SET k v NX EX 100", &[]);
    check(&[], "SET k v XX PX 100 GET", &[]);
    check(&["LPUSH k a"], "SET k v GET EX 100", &[]);
    check(&["SET k old"], "SETNX k v", &[]);
}

#[test]
fn getex_records_pexpireat_persist_or_del() {
    let pexpireat = format!("PEXPIREAT k {}", at(100_000));
    check(&["SET k v"], "GETEX k EX 100", &[&pexpireat]);
    check(&["SET k v"], "GETEX k PX 100000", &[&pexpireat]);
    check(&["SET k v"], "GETEX k EXAT 1700000100", &[&pexpireat]);
    check(
        &["SET k v EX 50"],
        &format!("GETEX k PXAT {}", at(100_000)),
        &[&pexpireat],
    );
    check(&["SET k v EX 50"], "GETEX k PERSIST", &["PERSIST k"]);
    check(&["SET k v"], "GETEX k PXAT 1000", &["DEL k"]);
    // Nothing changed.
    check(&["SET k v"], "GETEX k PERSIST", &[]);
    check(&["SET k v EX 50"], "GETEX k", &[]);
    check(&[], "GETEX k EX 100", &[]);
}

#[test]
fn incrbyfloat_records_the_new_value() {
    let got = check(
        &["SET k 10.5 EX 100"],
        "INCRBYFLOAT k 0.1",
        &["SET k 10.6 KEEPTTL"],
    );
    assert_eq!(got.reply, b"$4\r\n10.6\r\n");
    check(&[], "INCRBYFLOAT k 3.0e3", &["SET k 3000 KEEPTTL"]);
    check(&["SET k abc"], "INCRBYFLOAT k 1", &[]);
}

// ---------------------------------------------------------------------------------------------
// Keys: expiry, RESTORE, the cross-shard take
// ---------------------------------------------------------------------------------------------

#[test]
fn expire_family_records_pexpireat() {
    let pexpireat = format!("PEXPIREAT k {}", at(100_000));
    check(&["SET k v"], "EXPIRE k 100", &[&pexpireat]);
    check(&["SET k v"], "PEXPIRE k 100000", &[&pexpireat]);
    check(&["SET k v"], "EXPIREAT k 1700000100", &[&pexpireat]);
    // The condition flags stay, as Redis keeps them.
    let nx = format!("PEXPIREAT k {} NX", at(100_000));
    check(&["SET k v"], &nx, &[&nx]);
    check(
        &["SET k v EX 50"],
        "EXPIRE k 100 GT",
        &[&format!("{pexpireat} GT")],
    );
    check(
        &["SET k v EX 500"],
        "PEXPIRE k 100000 LT XX",
        &[&format!("{pexpireat} LT XX")],
    );
}

#[test]
fn expire_in_the_past_records_del_and_a_refusal_nothing() {
    check(&["SET k v"], "EXPIRE k -1", &["DEL k"]);
    check(&["SET k v"], "PEXPIREAT k 1000", &["DEL k"]);
    check(&["SET k v EX 50"], "EXPIRE k 100 NX", &[]);
    check(&["SET k v EX 500"], "EXPIRE k 100 GT", &[]);
    check(&[], "EXPIRE k 100", &[]);
}

/// RESTORE `key ttl payload options...` for a value `SET src 12345abc` dumps.
fn restore_argv(ttl: &str, options: &str) -> Vec<Vec<u8>> {
    let mut ks = Keyspace::new(16);
    exec(&mut ks, NOW, 1, &words("SET src 12345abc"));
    let payload = bulk(&exec(&mut ks, NOW, 1, &words("DUMP src")));
    let mut argv = words(&format!("RESTORE k {ttl}"));
    argv.push(payload);
    argv.extend(words(options));
    argv
}

#[test]
fn restore_with_a_relative_ttl_records_absttl() {
    let argv = restore_argv("100000", "REPLACE IDLETIME 10");
    let got = record_and_replay(&[words("SET k old")], &argv);
    let mut want = argv.clone();
    want[2] = at(100_000).into_bytes();
    want.push(b"ABSTTL".to_vec());
    assert_eq!(got.records, vec![want]);
    // Without a TTL, or with an absolute one, the arguments stand.
    for argv in [restore_argv("0", ""), restore_argv(&at(100_000), "ABSTTL")] {
        let got = record_and_replay(&[], &argv);
        assert!(!got.replaced);
        assert_eq!(got.records, vec![argv]);
    }
}

#[test]
fn restore_past_its_ttl_records_the_deletion_only() {
    let replace = restore_argv("1000", "REPLACE ABSTTL");
    let got = record_and_replay(&[words("SET k old")], &replace);
    assert_eq!(got.records, vec![words("DEL k")]);
    let got = record_and_replay(&[], &replace);
    assert!(got.records.is_empty());
}

#[test]
fn takettl_records_del() {
    check(&["SET k v"], "__takettl k", &["DEL k"]);
    check(&[], "__takettl k", &[]);
    // Marking a moved string raw changes no data: nothing to record.
    check(&["SET k v"], "__markraw k", &[]);
}

// ---------------------------------------------------------------------------------------------
// Sets and hashes
// ---------------------------------------------------------------------------------------------

/// SPOP's effect for `line` after `setup`: the members its SREM records of `s` name, in order.
fn spop_removed(setup: &str, line: &str) -> (Argv, Recorded) {
    let got = record_and_replay(&[words(setup)], &words(line));
    let mut removed = Vec::new();
    for r in &got.records {
        assert_eq!(r[..2], [b"SREM".to_vec(), b"s".to_vec()]);
        removed.extend(r[2..].iter().cloned());
    }
    (removed, got)
}

#[test]
fn spop_records_srem_of_the_members_it_took() {
    for setup in ["SADD s 1 2 3 4 5", "SADD s a b c d e"] {
        let (removed, got) = spop_removed(setup, "SPOP s");
        assert_eq!((removed, got.records.len()), (vec![bulk(&got.reply)], 1));
        let (removed, got) = spop_removed(setup, "SPOP s 3");
        assert_eq!(got.records.len(), 1);
        assert_eq!(vec![removed], parse_arrays(&got.reply));
    }
    check(&["SADD s a"], "SPOP s", &["SREM s a"]);
    check(&[], "SPOP s", &[]);
    check(&["SADD s a"], "SPOP s 0", &[]);
}

#[test]
fn spop_of_the_whole_set_records_del() {
    check(&["SADD s a b c"], "SPOP s 3", &["DEL s"]);
    check(&["SADD s 1 2 3"], "SPOP s 10", &["DEL s"]);
}

#[test]
fn spop_of_many_records_srem_in_batches_of_1024() {
    let members: Vec<String> = (0..5000).map(|i| format!("m{i}")).collect();
    let setup = format!("SADD s {}", members.join(" "));
    let (mut removed, got) = spop_removed(&setup, "SPOP s 3000");
    let sizes: Vec<usize> = got.records.iter().map(|r| r.len() - 2).collect();
    assert_eq!(sizes, [1024, 1024, 952]);
    let mut replied = parse_arrays(&got.reply).remove(0);
    removed.sort();
    replied.sort();
    assert_eq!(removed, replied);
}

#[test]
fn hincrbyfloat_records_hset_of_the_new_value() {
    let got = check(
        &["HSET h f 10.5"],
        "HINCRBYFLOAT h f 0.1",
        &["HSET h f 10.6"],
    );
    assert_eq!(got.reply, b"$4\r\n10.6\r\n");
    check(&[], "HINCRBYFLOAT h f 2", &["HSET h f 2"]);
    check(&["HSET h f x"], "HINCRBYFLOAT h f 2", &[]);
}

#[test]
fn a_save_acknowledgement_records_nothing() {
    // It lowers the count of writes since the last save; no data changes.
    let got = check(&["SET k v"], "__rdbsaved 1", &[]);
    assert!(got.replaced);
}
