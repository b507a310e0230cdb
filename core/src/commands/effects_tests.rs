//! What writes that depend on the clock or on chance record, family by family: the records
//! Redis 7.0 propagates, and a replay of them, later and with another random number, that
//! reaches the same data (see [`super::replay`]).

use super::replay::{check, NOW};

/// `NOW` plus `ms`, as text.
fn at(ms: u64) -> String {
    (NOW + ms).to_string()
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
