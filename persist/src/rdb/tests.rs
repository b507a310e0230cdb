use tessera_core::config::Config;
use tessera_core::keyspace::list::End;
use tessera_core::keyspace::{Hash, List, Set, Value, ZSet};

use super::*;

/// A value of every type and encoding: small collections packed, large ones not.
fn sample_values() -> Vec<(&'static str, Value)> {
    let config = Config::default();
    let limits = tessera_core::keyspace::zset::Limits::of(&config);
    let mut small_list = List::new(-2);
    let mut big_list = List::new(-2);
    let mut small_hash = Hash::new();
    let mut big_hash = Hash::new();
    let mut intset = Set::new();
    let mut small_set = Set::new();
    let mut big_set = Set::new();
    let mut small_zset = ZSet::new();
    let mut big_zset = ZSet::new();
    for i in 0..1000 {
        let s = format!("element:{i}");
        let s = s.as_bytes();
        big_list.push(End::Tail, s);
        big_hash.set(s, format!("{i}").as_bytes(), &config);
        big_set.add(s, 512);
        big_zset.insert(s, i as f64 / 3.0, limits);
        if i < 5 {
            small_list.push(End::Head, s);
            small_hash.set(s, b"value", &config);
            intset.add(format!("{}", i * 1000).as_bytes(), 512);
            small_set.add(s, 512);
            small_zset.insert(s, -(i as f64), limits);
        }
    }
    let out = vec![
        ("str", Value::string(b"hello")),
        ("int", Value::string(b"12345")),
        ("long", Value::string(&b"abcdefghij".repeat(10))),
        ("small_list", Value::List(Box::new(small_list))),
        ("big_list", Value::List(Box::new(big_list))),
        ("small_hash", Value::Hash(small_hash)),
        ("big_hash", Value::Hash(big_hash)),
        ("intset", Value::Set(intset)),
        ("small_set", Value::Set(small_set)),
        ("big_set", Value::Set(big_set)),
        ("small_zset", Value::ZSet(small_zset)),
        ("big_zset", Value::ZSet(big_zset)),
    ];
    let encodings: Vec<_> = out.iter().map(|(_, v)| v.encoding()).collect();
    assert_eq!(
        encodings,
        [
            "embstr",
            "int",
            "raw",
            "quicklist",
            "quicklist",
            "listpack",
            "hashtable",
            "intset",
            "hashtable",
            "hashtable",
            "listpack",
            "skiplist"
        ]
    );
    out
}

fn write_file(
    keys: &[(usize, &str, &Value, u64, KeyHint)],
    compress: bool,
    checksum: bool,
) -> Vec<u8> {
    let mut w = RdbWriter::new(compress, checksum);
    w.standard_aux(1_700_000_000, 1 << 20, false);
    let mut out = Vec::new();
    let mut enc = KeyEncoder::new(compress);
    let mut dbs: Vec<usize> = keys.iter().map(|k| k.0).collect();
    dbs.dedup();
    let mut file = Vec::new();
    for db in dbs {
        let here: Vec<_> = keys.iter().filter(|k| k.0 == db).collect();
        let expires = here.iter().filter(|k| k.3 != 0).count() as u64;
        w.select_db(db, here.len() as u64, expires);
        for (_, key, value, expire_at, hint) in here {
            out.clear();
            enc.key(&mut out, key.as_bytes(), value, *expire_at, *hint);
            w.encoded(&out);
        }
        file.extend(w.take());
    }
    file.extend(w.finish());
    file
}

/// The auxiliary fields (name, value) and the keys of a file.
type Contents = (Vec<(Vec<u8>, Vec<u8>)>, Vec<KeyRecord>);

fn read_all(bytes: &[u8]) -> Result<Contents, LoadError> {
    let config = Config::default();
    let mut r = RdbReader::new(bytes, &config)?;
    let (mut aux, mut keys) = (Vec::new(), Vec::new());
    while let Some(item) = r.next_item()? {
        match item {
            Item::Aux { name, value } => aux.push((name, value)),
            Item::Key(k) => keys.push(k),
        }
    }
    Ok((aux, keys))
}

#[test]
fn every_type_comes_back_with_its_expiry_and_hint() {
    let values = sample_values();
    let mut keys = Vec::new();
    for (i, (name, v)) in values.iter().enumerate() {
        let hint = match i % 3 {
            0 => KeyHint::None,
            1 => KeyHint::Idle(i as u64 * 100),
            _ => KeyHint::Freq(i as u8),
        };
        let expire = if i % 2 == 0 {
            0
        } else {
            1_900_000_000_000 + i as u64
        };
        keys.push((i % 2 * 3, *name, v, expire, hint));
    }
    keys.sort_by_key(|k| k.0);
    for (compress, checksum) in [(true, true), (false, false)] {
        let file = write_file(&keys, compress, checksum);
        assert!(file.starts_with(b"REDIS0010"));
        let (aux, got) = read_all(&file).unwrap();
        assert!(aux.contains(&(b"redis-ver".to_vec(), b"7.0.15".to_vec())));
        assert!(aux.contains(&(b"ctime".to_vec(), b"1700000000".to_vec())));
        assert_eq!(got.len(), keys.len());
        for (want, got) in keys.iter().zip(&got) {
            assert_eq!(got.db, want.0);
            assert_eq!(got.key, want.1.as_bytes());
            assert_eq!(&got.value, want.2);
            assert_eq!(got.expire_at, want.3);
            assert_eq!(got.hint, want.4);
        }
    }
}

#[test]
fn an_empty_file_is_header_aux_and_end() {
    let file = write_file(&[], true, true);
    let (aux, keys) = read_all(&file).unwrap();
    assert_eq!(aux.len(), 5);
    assert!(keys.is_empty());
}

#[test]
fn a_flipped_byte_fails_the_checksum_and_a_cut_fails_the_read() {
    let v = Value::string(b"value");
    let file = write_file(&[(0, "key", &v, 0, KeyHint::None)], false, true);
    let at = file.windows(5).position(|w| w == b"value").unwrap();
    let mut bad = file.clone();
    bad[at] = b'V';
    let err = read_all(&bad).unwrap_err();
    assert!(err.message.starts_with("Wrong RDB checksum"), "{err}");
    for cut in [10, at, file.len() - 9, file.len() - 3] {
        let err = read_all(&file[..cut]).unwrap_err();
        assert!(err.message.contains("ends"), "cut at {cut}: {err}");
    }
}

#[test]
fn a_stream_stops_the_load_naming_its_key() {
    let v = Value::string(b"x");
    let mut file = write_file(&[(0, "events", &v, 0, KeyHint::None)], false, false);
    // Turn the string's type byte into a stream's (RDB_TYPE_STREAM_LISTPACKS_2).
    let at = file.windows(7).position(|w| w == b"\x06events").unwrap() - 1;
    file[at] = 19;
    let err = read_all(&file).unwrap_err();
    assert_eq!(err.offset, at);
    assert!(err.message.contains("key 'events' is a stream"), "{err}");
}

#[test]
fn headers_and_databases_are_checked() {
    let err = read_all(b"REDIS0011\xff").unwrap_err();
    assert_eq!(err.message, "Can't handle RDB format version 11");
    let err = read_all(b"RELIS0010\xff").unwrap_err();
    assert_eq!(err.message, "Wrong signature trying to load DB from file");
    let v = Value::string(b"x");
    let file = write_file(&[(16, "k", &v, 0, KeyHint::None)], false, true);
    let err = read_all(&file).unwrap_err();
    assert!(err.message.contains("more than 16 databases"), "{err}");
}
