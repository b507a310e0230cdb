//! Unit tests of the HyperLogLog family. The expected bytes and counts come from Redis 7.0.15
//! given the same PFADD sequences (`GET` of the key, `PFCOUNT`, `PFDEBUG DECODE`).

use super::repr::*;
use super::*;
use crate::commands::bitmaps::tests::{
    bytes_of, call, call_with, check, encoding_of, err, int, ks, run, set_bytes, NOW,
};
use crate::config::Config;

/// FNV-1a over `bytes`: a short fingerprint of a dense HyperLogLog to compare with Redis's.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Adds `prefix0`..`prefix{n-1}` to `key` in one PFADD.
fn add_range(ks: &mut crate::keyspace::Keyspace, key: &str, prefix: &str, n: usize) -> String {
    let elements: Vec<String> = (0..n).map(|i| format!("{prefix}{i}")).collect();
    let mut argv: Vec<&[u8]> = vec![b"PFADD", key.as_bytes()];
    argv.extend(elements.iter().map(|e| e.as_bytes()));
    call(ks, &argv)
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn table_rows_match_redis() {
    let row = |name: &str| crate::commands::lookup(name.as_bytes()).expect("registered");
    assert!(row("pfadd").has(WRITE) && row("pfadd").has(FAST));
    assert!(row("pfcount").has(READONLY));
    assert_eq!(row("pfcount").keys.legacy(), (1, -1, 1));
    assert_eq!(row("pfmerge").keys.legacy(), (1, -1, 1));
    assert_eq!(row("pfmerge").span, Span::Single);
    assert_eq!(row("pfdebug").arity, 3);
    assert_eq!(row("pfdebug").keys.legacy(), (2, 2, 1));
    assert!(row("pfdebug").has(ADMIN));
    assert_eq!(row("pfselftest").arity, 1);
    assert_eq!(COMMANDS.len(), 5);
}

#[test]
fn murmurhash_and_patterns_place_elements_as_redis() {
    // Redis's registers for "a", "b" and "c" (PFDEBUG DECODE: Z:8436 v:1,1 Z:4274 v:2,1
    // Z:3068 v:1,1 Z:603), whichever element lands where.
    let mut got: Vec<(usize, u8)> = ["a", "b", "c"]
        .iter()
        .map(|e| pattern(e.as_bytes()))
        .collect();
    got.sort_unstable();
    assert_eq!(got, vec![(8436, 1), (12711, 2), (15780, 1)]);
    assert_eq!(murmurhash64a(b"", 0), 0);
    assert_ne!(murmurhash64a(b"abcdefgh", 1), murmurhash64a(b"abcdefgi", 1));
}

#[test]
fn sparse_bytes_match_redis() {
    let mut ks = ks();
    check(&mut ks, &[("PFADD h a b c", ":1\r\n")]);
    assert_eq!(
        bytes_of(&ks, "h").unwrap(),
        hex("48594c4c01000000000000000000008060f38050b1844bfb80425a")
    );
    assert_eq!(
        run(&mut ks, "PFDEBUG DECODE h"),
        "$44\r\nZ:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603\r\n"
    );
    // PFCOUNT stores the count in the header, as Redis.
    check(&mut ks, &[("PFCOUNT h", ":3\r\n")]);
    assert_eq!(
        bytes_of(&ks, "h").unwrap(),
        hex("48594c4c01000000030000000000000060f38050b1844bfb80425a")
    );
    check(&mut ks, &[("PFADD one hello", ":1\r\n")]);
    assert_eq!(
        bytes_of(&ks, "one").unwrap(),
        hex("48594c4c01000000000000000000008063ff805bfe")
    );
    assert_eq!(encoding_of(&ks, "one"), "raw");
    assert_eq!(add_range(&mut ks, "s", "e", 200), int(1));
    let s = bytes_of(&ks, "s").unwrap();
    assert_eq!((s.len(), fnv(&s)), (513, 17390745028106376253));
    check(
        &mut ks,
        &[
            ("PFCOUNT s", ":200\r\n"),
            ("PFDEBUG ENCODING s", "+sparse\r\n"),
        ],
    );
    assert_eq!(fnv(&bytes_of(&ks, "s").unwrap()), 14925504464021016533);
}

#[test]
fn dense_bytes_and_counts_match_redis() {
    let mut ks = ks();
    add_range(&mut ks, "d", "e", 5000);
    let d = bytes_of(&ks, "d").unwrap();
    assert_eq!((d.len(), fnv(&d)), (DENSE_SIZE, 0x8052_4675_3a1c_dada));
    check(
        &mut ks,
        &[
            ("PFCOUNT d", ":4968\r\n"),
            ("PFDEBUG ENCODING d", "+dense\r\n"),
        ],
    );
    assert_eq!(fnv(&bytes_of(&ks, "d").unwrap()), 0x9219_c5a2_921d_b657);
    add_range(&mut ks, "s", "e", 200);
    add_range(&mut ks, "big", "x", 100_000);
    check(
        &mut ks,
        &[
            ("PFCOUNT big", ":100903\r\n"),
            ("PFCOUNT s d", ":4968\r\n"),
            ("PFMERGE m2 s d", "+OK\r\n"),
        ],
    );
    assert_eq!(fnv(&bytes_of(&ks, "m2").unwrap()), 0x8052_4675_3a1c_dada);
}

#[test]
fn pfadd_creates_reports_and_leaves_unchanged_keys_alone() {
    let mut ks = ks();
    check(&mut ks, &[("PFADD e", ":1\r\n")]);
    // Created with a stale cache, as Redis does.
    assert_eq!(
        bytes_of(&ks, "e").unwrap(),
        hex("48594c4c0100000000000000000000807fff")
    );
    check(
        &mut ks,
        &[
            ("PFADD e", ":0\r\n"),
            ("PFCOUNT e", ":0\r\n"),
            ("PFADD k a b", ":1\r\n"),
        ],
    );
    let dirty = ks.dirty;
    ks.dbs[0].watch(b"k", 9);
    check(
        &mut ks,
        &[("PFADD k a", ":0\r\n"), ("PFADD k b a", ":0\r\n")],
    );
    assert_eq!(ks.dirty, dirty);
    assert!(ks.dbs[0].dirty_watchers.is_empty());
    check(&mut ks, &[("PFADD k c a", ":1\r\n")]);
    assert_eq!(ks.dirty, dirty + 1);
    assert!(ks.dbs[0].dirty_watchers.contains(&9));
}

#[test]
fn pfcount_caches_once_and_unions_without_writing() {
    let mut ks = ks();
    check(
        &mut ks,
        &[("PFADD a x y z", ":1\r\n"), ("PFADD b z w", ":1\r\n")],
    );
    assert_eq!(cached_card(&bytes_of(&ks, "a").unwrap()), None);
    let dirty = ks.dirty;
    check(&mut ks, &[("PFCOUNT a", ":3\r\n")]);
    assert_eq!(cached_card(&bytes_of(&ks, "a").unwrap()), Some(3));
    assert_eq!(ks.dirty, dirty + 1);
    check(
        &mut ks,
        &[
            ("PFCOUNT a", ":3\r\n"),
            ("PFCOUNT a b", ":4\r\n"),
            ("PFCOUNT a b missing", ":4\r\n"),
            ("PFCOUNT missing", ":0\r\n"),
            ("PFCOUNT missing other", ":0\r\n"),
        ],
    );
    assert_eq!(ks.dirty, dirty + 1);
    assert_eq!(cached_card(&bytes_of(&ks, "b").unwrap()), None);
}

#[test]
fn pfmerge_unions_into_the_destination() {
    let mut ks = ks();
    check(
        &mut ks,
        &[
            ("PFADD a 1 2 3", ":1\r\n"),
            ("PFADD b 3 4 5 6", ":1\r\n"),
            ("PFMERGE d a b", "+OK\r\n"),
            ("PFCOUNT d", ":6\r\n"),
            ("PFMERGE d", "+OK\r\n"),
            ("PFCOUNT d", ":6\r\n"),
            ("PFMERGE new", "+OK\r\n"),
            ("PFCOUNT new", ":0\r\n"),
            ("PFMERGE a b missing", "+OK\r\n"),
            ("PFCOUNT a", ":6\r\n"),
        ],
    );
    assert_eq!(bytes_of(&ks, "d").unwrap()[4], SPARSE);
    // A dense source makes the destination dense.
    add_range(&mut ks, "big", "x", 3000);
    check(
        &mut ks,
        &[
            ("PFMERGE d big", "+OK\r\n"),
            ("PFDEBUG ENCODING d", "+dense\r\n"),
        ],
    );
}

#[test]
fn type_errors_as_redis() {
    let mut ks = ks();
    ks.dbs[0].set(b"h", Value::Hash(Default::default()), 0);
    set_bytes(&mut ks, "s", b"not an hll");
    set_bytes(&mut ks, "n", b"12345");
    set_bytes(&mut ks, "short", b"HYLL");
    set_bytes(
        &mut ks,
        "dense_short",
        &hex("48594c4c00000000000000000000008000"),
    );
    set_bytes(
        &mut ks,
        "badenc",
        &hex("48594c4c0200000000000000000000807fff"),
    );
    check(&mut ks, &[("PFADD ok a", ":1\r\n")]);
    let wrongtype = err(errors::WRONGTYPE);
    let not_hll = err(NOT_HLL);
    for key in ["s", "n", "short", "dense_short", "badenc"] {
        for line in [
            format!("PFADD {key} a"),
            format!("PFCOUNT {key}"),
            format!("PFCOUNT ok {key}"),
            format!("PFMERGE {key} ok"),
            format!("PFMERGE ok {key}"),
            format!("PFDEBUG ENCODING {key}"),
        ] {
            assert_eq!(run(&mut ks, &line), not_hll, "{line}");
        }
    }
    for line in [
        "PFADD h a",
        "PFCOUNT h",
        "PFCOUNT ok h",
        "PFMERGE ok h",
        "PFDEBUG TODENSE h",
    ] {
        assert_eq!(run(&mut ks, line), wrongtype, "{line}");
    }
    assert_eq!(bytes_of(&ks, "s").unwrap(), b"not an hll");
}

#[test]
fn corrupt_sparse_forms_are_invalidobj() {
    let mut ks = ks();
    let header = "48594c4c010000000000000000000080";
    // Runs short of 16384 registers, and runs past them.
    set_bytes(&mut ks, "short", &hex(&format!("{header}7ffe")));
    set_bytes(&mut ks, "long", &hex(&format!("{header}7fff82")));
    check(&mut ks, &[("PFADD ok a", ":1\r\n")]);
    let invalid = err(INVALID_HLL);
    for key in ["short", "long"] {
        for line in [
            format!("PFCOUNT {key}"),
            format!("PFCOUNT ok {key}"),
            format!("PFMERGE ok {key}"),
            format!("PFDEBUG TODENSE {key}"),
            format!("PFDEBUG GETREG {key}"),
        ] {
            assert_eq!(run(&mut ks, &line), invalid, "{line}");
        }
    }
    // PFADD meets the corruption only when an element falls past the last run.
    set_bytes(&mut ks, "tiny", &hex(&format!("{header}00")));
    assert_eq!(run(&mut ks, "PFADD tiny a b c"), invalid);
    assert_eq!(
        run(&mut ks, "PFDEBUG DECODE long"),
        "$13\r\nZ:16384 v:1,3\r\n"
    );
}

#[test]
fn pfdebug_subcommands() {
    let mut ks = ks();
    check(&mut ks, &[("PFADD h a b c", ":1\r\n")]);
    let regs = run(&mut ks, "PFDEBUG GETREG h");
    assert!(regs.starts_with("*16384\r\n"));
    assert_eq!(regs.matches(":1\r\n").count(), 2);
    assert_eq!(regs.matches(":2\r\n").count(), 1);
    assert_eq!(regs.matches(":0\r\n").count(), 16381);
    check(
        &mut ks,
        &[
            ("PFDEBUG ENCODING h", "+dense\r\n"),
            ("PFDEBUG DECODE h", &err(PFDEBUG_NOT_SPARSE)),
            ("PFDEBUG TODENSE h", ":0\r\n"),
            ("PFCOUNT h", ":3\r\n"),
            ("PFADD s x", ":1\r\n"),
            ("pfdebug todense s", ":1\r\n"),
            ("PFDEBUG ENCODING s", "+dense\r\n"),
            ("PFDEBUG GETREG missing", &err(PFDEBUG_NO_KEY)),
            (
                "PFDEBUG Foo h",
                &err("ERR Unknown PFDEBUG subcommand 'Foo'"),
            ),
            ("PFDEBUG foo missing", &err(PFDEBUG_NO_KEY)),
            (
                "PFDEBUG GETREG",
                &err("ERR wrong number of arguments for 'pfdebug' command"),
            ),
        ],
    );
    assert_eq!(bytes_of(&ks, "h").unwrap().len(), DENSE_SIZE);
}

#[test]
fn sparse_promotes_past_hll_sparse_max_bytes() {
    let mut ks = ks();
    let mut small = Config::default();
    for (name, value) in &mut small.inert {
        if *name == "hll-sparse-max-bytes" {
            *value = "40".into();
        }
    }
    let pfadd = |ks: &mut crate::keyspace::Keyspace, e: &str| {
        call_with(ks, &small, &[b"PFADD", b"k", e.as_bytes()])
    };
    pfadd(&mut ks, "a");
    let mut n = 1;
    while bytes_of(&ks, "k").unwrap()[4] == SPARSE {
        assert!(bytes_of(&ks, "k").unwrap().len() <= 40);
        pfadd(&mut ks, &format!("e{n}"));
        n += 1;
    }
    assert!(n > 3, "promoted after {n} elements");
    assert_eq!(bytes_of(&ks, "k").unwrap().len(), DENSE_SIZE);
    assert_eq!(run(&mut ks, "PFCOUNT k"), int(n));
    assert_eq!(
        sparse_max_bytes_of(&Config::default()),
        DEFAULT_SPARSE_MAX_BYTES
    );
}

/// `hll-sparse-max-bytes` as a handler reads it from `config`.
fn sparse_max_bytes_of(config: &Config) -> u64 {
    let mut ks = ks();
    let ctx = Ctx {
        ks: &mut ks,
        db: 0,
        now_ms: NOW,
        config,
        rand: 0,
        shard: (0, 1),
    };
    sparse_max_bytes(&ctx)
}

#[test]
fn dense_registers_read_back_what_was_written() {
    let mut regs = vec![0u8; DENSE_SIZE - HDR_SIZE];
    for i in 0..REGISTERS {
        dense_set(&mut regs, i, (i * 7 % 64) as u8);
    }
    for i in 0..REGISTERS {
        assert_eq!(dense_get(&regs, i), (i * 7 % 64) as u8, "register {i}");
    }
    dense_set(&mut regs, 1, 0);
    assert_eq!(
        (
            dense_get(&regs, 0),
            dense_get(&regs, 1),
            dense_get(&regs, 2)
        ),
        (0, 0, 14)
    );
}

#[test]
fn sparse_set_splits_and_merges_opcodes() {
    let mut hll = new_sparse();
    assert_eq!(decode(&hll).unwrap(), "Z:16384");
    assert_eq!(sparse_set(&mut hll, 100, 3, 3000), Ok(true));
    assert_eq!(decode(&hll).unwrap(), "Z:100 v:3,1 Z:16283");
    assert_eq!(sparse_set(&mut hll, 100, 2, 3000), Ok(false));
    assert_eq!(sparse_set(&mut hll, 101, 3, 3000), Ok(true));
    assert_eq!(decode(&hll).unwrap(), "Z:100 v:3,2 Z:16282");
    assert_eq!(sparse_set(&mut hll, 99, 3, 3000), Ok(true));
    assert_eq!(decode(&hll).unwrap(), "Z:99 v:3,3 Z:16282");
    assert_eq!(sparse_set(&mut hll, 0, 32, 3000), Ok(true));
    assert_eq!(hll[4], SPARSE);
    // A value past 32 needs the dense form.
    assert_eq!(sparse_set(&mut hll, 5, 33, 3000), Ok(true));
    assert_eq!(hll[4], DENSE);
    let regs = &hll[HDR_SIZE..];
    assert_eq!(
        [0, 5, 99, 100, 101, 102].map(|i| dense_get(regs, i)),
        [32, 33, 3, 3, 3, 0]
    );
}

#[test]
fn estimates_follow_redis() {
    let mut h = [0u32; 64];
    h[0] = REGISTERS as u32;
    assert_eq!(estimate(&h), 0);
    h[0] -= 1;
    h[1] = 1;
    assert_eq!(estimate(&h), 1);
    let max = vec![0u8; REGISTERS];
    assert_eq!(estimate(&raw_histogram(&max)), 0);
}

#[test]
fn selftest_passes_on_a_short_run() {
    assert_eq!(selftest(42, DEFAULT_SPARSE_MAX_BYTES, 2, 100_000), Ok(()));
}
