//! The sorted set value: both encodings, conversions at the thresholds, and RDB bytes checked
//! against Redis 7.0.15's DUMP output.

use super::*;
use crate::keyspace::dump::{dump_value, restore_value_for, RdbObject};
use crate::keyspace::Value;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

const LIMITS: Limits = Limits {
    max_entries: 128,
    max_value: 64,
};

fn config(entries: u64, value: u64) -> Config {
    Config {
        zset_max_listpack_entries: entries,
        zset_max_listpack_value: value,
        ..Config::default()
    }
}

fn build(items: &[(&str, f64)], limits: Limits) -> ZSet {
    let mut z = ZSet::new();
    for (m, s) in items {
        z.insert(m.as_bytes(), *s, limits);
    }
    z
}

fn members(z: &ZSet) -> Vec<(String, f64)> {
    z.to_vec()
        .into_iter()
        .map(|(m, s)| (String::from_utf8(m).unwrap(), s))
        .collect()
}

/// `ZADD lp 1 a 2.5 b -3 c 0.1 d inf e 100000 f`, DUMP from Redis 7.0.15.
const PACKED_DUMP: &str = "11c339404213420000000c00816302dffd0281640293302e3130e005001f3114816102010181620283322e3504816602f2a086010481650283696e6604ff0a002c9130687bd645ca";
/// With `zset-max-listpack-entries 2`: `ZADD sk 1 a 2.5 b -3 c 0.1 d -inf e 7 <82 a's>`.
const SORTED_DUMP: &str = "0506c3094052016161e045000161610000000000001c40016200000000000004400161000000000000f03f01649a9999999999b93f016300000000000008c00165000000000000f0ff0a002a799daba394b457";

fn packed_items() -> Vec<(&'static str, f64)> {
    vec![
        ("a", 1.0),
        ("b", 2.5),
        ("c", -3.0),
        ("d", 0.1),
        ("e", f64::INFINITY),
        ("f", 100000.0),
    ]
}

#[test]
fn packed_dump_matches_redis() {
    let z = build(&packed_items(), LIMITS);
    assert_eq!(z.encoding(), "listpack");
    assert_eq!(dump_value(&Value::ZSet(z.clone())), hex(PACKED_DUMP));
    let back = restore_value_for(&hex(PACKED_DUMP), &Config::default()).unwrap();
    assert_eq!(back, Value::ZSet(z));
}

#[test]
fn sorted_dump_matches_redis() {
    let long = "a".repeat(82);
    let mut items = packed_items();
    items[4] = ("e", f64::NEG_INFINITY);
    items.pop();
    items.push((&long, 7.0));
    let limits = Limits {
        max_entries: 2,
        max_value: 64,
    };
    let z = build(&items, limits);
    assert_eq!(z.encoding(), "skiplist");
    assert_eq!(dump_value(&Value::ZSet(z.clone())), hex(SORTED_DUMP));
    // Loaded with the same thresholds it stays large; with the defaults it packs again... but
    // for its 82-byte member, which is over zset-max-listpack-value.
    let back = restore_value_for(&hex(SORTED_DUMP), &config(2, 64)).unwrap();
    assert_eq!(back, Value::ZSet(z.clone()));
    let Value::ZSet(d) = restore_value_for(&hex(SORTED_DUMP), &config(128, 64)).unwrap() else {
        panic!()
    };
    assert_eq!(d.encoding(), "skiplist");
    let Value::ZSet(p) = restore_value_for(&hex(SORTED_DUMP), &config(128, 100)).unwrap() else {
        panic!()
    };
    assert_eq!(p.encoding(), "listpack");
    assert_eq!(members(&p), members(&z));
}

#[test]
fn packed_payload_converts_only_on_entry_count() {
    let Value::ZSet(z) = restore_value_for(&hex(PACKED_DUMP), &config(5, 64)).unwrap() else {
        panic!()
    };
    assert_eq!(z.encoding(), "skiplist");
    assert_eq!(z.score(b"d"), Some(0.1));
    let Value::ZSet(z) = restore_value_for(&hex(PACKED_DUMP), &config(6, 0)).unwrap() else {
        panic!()
    };
    assert_eq!(z.encoding(), "listpack");
}

#[test]
fn crossing_a_threshold_converts_once() {
    let limits = Limits {
        max_entries: 3,
        max_value: 4,
    };
    let mut z = build(&[("a", 1.0), ("b", 2.0), ("c", 3.0)], limits);
    assert_eq!(z.encoding(), "listpack");
    z.insert(b"d", 0.5, limits);
    assert_eq!(z.encoding(), "skiplist");
    assert_eq!(members(&z)[0], ("d".to_string(), 0.5));
    while z.len() > 1 {
        z.pop(false);
    }
    assert_eq!(z.encoding(), "skiplist");
    let mut y = build(&[("a", 1.0)], limits);
    y.insert(b"abcde", 1.0, limits);
    assert_eq!(y.encoding(), "skiplist");
    let mut x = build(&[("a", 1.0)], limits);
    x.insert(b"abcd", 1.0, limits);
    assert_eq!(x.encoding(), "listpack");
}

#[test]
fn both_encodings_answer_alike() {
    let items: Vec<(String, f64)> = (0..40)
        .map(|i| (format!("m{:02}", (i * 17) % 40), ((i * 7) % 5) as f64))
        .collect();
    let refs: Vec<(&str, f64)> = items.iter().map(|(m, s)| (m.as_str(), *s)).collect();
    let small = build(&refs, LIMITS);
    let big = build(
        &refs,
        Limits {
            max_entries: 0,
            max_value: 64,
        },
    );
    assert_eq!(small.encoding(), "listpack");
    assert_eq!(big.encoding(), "skiplist");
    assert_eq!(members(&small), members(&big));
    for (m, _) in &items {
        assert_eq!(small.rank(m.as_bytes()), big.rank(m.as_bytes()));
        assert_eq!(small.score(m.as_bytes()), big.score(m.as_bytes()));
    }
    for bound in 0..6 {
        let b = bound as f64;
        assert_eq!(
            small.count_prefix(|_, s| s < b),
            big.count_prefix(|_, s| s < b)
        );
    }
    for rev in [false, true] {
        let mut a = Vec::new();
        let mut b = Vec::new();
        small.for_each(5..17, rev, |m, s| a.push((m.to_vec(), s)));
        big.for_each(5..17, rev, |m, s| b.push((m.to_vec(), s)));
        assert_eq!(a, b);
        assert_eq!(a.len(), 12);
    }
    let (mut s2, mut b2) = (small.clone(), big.clone());
    assert_eq!(s2.remove_ranks(3..9), 6);
    assert_eq!(b2.remove_ranks(3..9), 6);
    assert_eq!(members(&s2), members(&b2));
    assert_eq!(s2.pop(true), b2.pop(true));
    assert_eq!(
        s2.update_and_get(b"m10", -1.0),
        b2.update_and_get(b"m10", -1.0)
    );
    assert_eq!(members(&s2), members(&b2));
}

impl ZSet {
    fn update_and_get(&mut self, m: &[u8], s: f64) -> Option<usize> {
        self.update(m, s);
        self.rank(m)
    }
}

#[test]
fn integer_members_and_scores_pack_as_redis() {
    let z = build(
        &[("12", 3.0), ("-0", -0.0), ("x", 4611686018427387904.0)],
        LIMITS,
    );
    let mut raw = Vec::new();
    z.scan(0, 10, |m, s| raw.push((m.to_vec(), s.to_vec())));
    assert_eq!(
        raw,
        vec![
            (b"-0".to_vec(), b"0".to_vec()),
            (b"12".to_vec(), b"3".to_vec()),
            (b"x".to_vec(), b"4611686018427387904".to_vec()),
        ]
    );
}

#[test]
fn old_encodings_load() {
    // RDB_TYPE_ZSET: scores as text (a length byte, 253..255 for NaN, +inf, -inf).
    let mut body = vec![crate::keyspace::dump::RDB_TYPE_ZSET, 3];
    body.extend_from_slice(b"\x01a\x031.5\x01b\xfe\x01c\xff");
    let z = read(&body, &Config::default()).unwrap();
    assert_eq!(
        members(&z),
        vec![
            ("c".to_string(), f64::NEG_INFINITY),
            ("a".to_string(), 1.5),
            ("b".to_string(), f64::INFINITY)
        ]
    );
    assert_eq!(z.encoding(), "listpack");
    // A NaN score, a duplicate member, an empty set: refused.
    for bad in [
        &b"\x03\x01\x01a\xfd"[..],
        b"\x05\x02\x01a\0\0\0\0\0\0\0\0\x01a\0\0\0\0\0\0\0\0",
        b"\x05\x00",
        b"\x05\x02\x01a\0\0\0\0",
    ] {
        assert!(read(bad, &Config::default()).is_none(), "{bad:?}");
    }
    // RDB_TYPE_ZSET_ZIPLIST: a ziplist of "a", 1, "b", "2.5" (Redis 6 writes such).
    let zl = ziplist(&[b"a", b"1", b"b", b"2.5"]);
    let mut body = vec![crate::keyspace::dump::RDB_TYPE_ZSET_ZIPLIST];
    crate::keyspace::dump::write_string(&mut body, &zl, false);
    let z = read(&body, &Config::default()).unwrap();
    assert_eq!(
        members(&z),
        vec![("a".to_string(), 1.0), ("b".to_string(), 2.5)]
    );
    // A damaged back link, tail or count is refused as Redis 7.0 refuses it ("Zset ziplist
    // integrity check failed"), not loaded as if nothing were wrong.
    for at in [10 + 3, 4, 8] {
        let mut bad = zl.clone();
        bad[at] ^= 0x01;
        let mut body = vec![crate::keyspace::dump::RDB_TYPE_ZSET_ZIPLIST];
        crate::keyspace::dump::write_string(&mut body, &bad, false);
        assert!(read(&body, &Config::default()).is_none(), "byte {at}");
    }
}

fn read(body: &[u8], config: &Config) -> Option<ZSet> {
    let mut input = body;
    let t = crate::keyspace::dump::take_byte(&mut input)?;
    ZSet::read_rdb(t, &mut input, config)
}

/// A ziplist of short entries: 1 ("1") as a 4-bit immediate integer, others as 6-bit strings.
fn ziplist(items: &[&[u8]]) -> Vec<u8> {
    let mut entries = Vec::new();
    let mut prev = 0usize;
    for it in items {
        let mut e = vec![prev as u8];
        if *it == b"1" {
            e.push(0xf2);
        } else {
            e.push(it.len() as u8);
            e.extend_from_slice(it);
        }
        prev = e.len();
        entries.extend_from_slice(&e);
    }
    let total = 10 + entries.len() + 1;
    let mut z = (total as u32).to_le_bytes().to_vec();
    z.extend_from_slice(&((total - 1 - prev) as u32).to_le_bytes());
    z.extend_from_slice(&(items.len() as u16).to_le_bytes());
    z.extend_from_slice(&entries);
    z.push(0xff);
    z
}

#[test]
fn garbage_payloads_never_panic() {
    let mut x: u64 = 42;
    let good = hex(PACKED_DUMP);
    for i in 0..3000 {
        let mut body = good[..good.len() - 10].to_vec();
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let at = (x >> 33) as usize % body.len();
        body[at] = (x >> 13) as u8;
        if i % 3 == 0 {
            body.truncate(at.max(1));
        }
        let _ = read(&body, &Config::default());
        let _ = read(&body, &config(1, 1));
    }
}
