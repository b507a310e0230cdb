//! The signatures of DEBUG DIGEST-VALUE and DEBUG DIGEST: Redis's SHA1 digests of a value and
//! of a whole dataset (debug.c's `xorObjectDigest` and `computeDatasetDigest`), byte for byte,
//! so that a test can compare two servers' data, or one server's data before and after a
//! change (a reload, a copy, an encoding conversion), with one short reply.
//!
//! Bytes are folded into a 20-byte digest in one of two ways: [`xor_in`] (`d ^= SHA1(bytes)`)
//! where order must not count (set members, hash fields, sorted set members, the keys of a
//! database), and [`mix_in`] (`d = SHA1(d ^ SHA1(bytes))`) where it must (list elements, the
//! parts of one element). Elements are folded as their string forms, so the signature does not
//! depend on the encoding, except where Redis's does too: a sorted set's score is written with
//! `%.17g` as the set keeps it (a packed set keeps `-0` as `0`).

use sha1_smol::Sha1;

use super::{Db, Entry, Value};
use crate::protocol::reply::format_double;

/// A 20-byte SHA1-based signature.
pub type Digest = [u8; 20];

/// The signature of nothing: a missing key, an empty dataset.
pub const ZERO: Digest = [0; 20];

fn sha1(bytes: &[u8]) -> Digest {
    Sha1::from(bytes).digest().bytes()
}

/// `digest ^= SHA1(bytes)` (Redis's `xorDigest`): folds in an element whose place does not
/// count.
pub fn xor_in(digest: &mut Digest, bytes: &[u8]) {
    for (d, h) in digest.iter_mut().zip(sha1(bytes)) {
        *d ^= h;
    }
}

/// `digest = SHA1(digest ^ SHA1(bytes))` (Redis's `mixDigest`): folds in an element whose
/// place counts.
pub fn mix_in(digest: &mut Digest, bytes: &[u8]) {
    xor_in(digest, bytes);
    *digest = sha1(digest);
}

/// Redis's object type numbers (`OBJ_STRING`...): the first thing a value's signature mixes in.
fn type_code(value: &Value) -> u32 {
    match value {
        Value::Str(_) | Value::Int(_) => 0,
        Value::List(_) => 1,
        Value::Set(_) => 2,
        Value::ZSet(_) => 3,
        Value::Hash(_) => 4,
    }
}

/// Folds an entry's value and whether it expires into `digest`, as `xorObjectDigest`: DEBUG
/// DIGEST-VALUE starts from [`ZERO`], the dataset digest from the key's own mix.
pub fn fold_entry(digest: &mut Digest, entry: &Entry) {
    mix_in(digest, &type_code(&entry.value).to_be_bytes());
    let mut num = itoa::Buffer::new();
    match &entry.value {
        Value::Str(bytes) => mix_in(digest, bytes),
        Value::Int(n) => mix_in(digest, num.format(*n).as_bytes()),
        Value::List(list) => {
            for item in list.iter() {
                mix_in(digest, item.as_bytes(&mut num));
            }
        }
        Value::Set(set) => {
            for member in set.iter() {
                member.with_bytes(|b| xor_in(digest, b));
            }
        }
        Value::ZSet(zset) => zset.for_each(0..zset.len(), false, |member, score| {
            let mut one = ZERO;
            mix_in(&mut one, member);
            let mut text = [0u8; 64];
            let n = format_double(score, &mut text);
            mix_in(&mut one, &text[..n]);
            xor_in(digest, &one);
        }),
        Value::Hash(hash) => {
            for (field, value) in hash.iter() {
                let mut one = ZERO;
                mix_in(&mut one, field.as_bytes(&mut num));
                mix_in(&mut one, value.as_bytes(&mut num));
                xor_in(digest, &one);
            }
        }
    }
    if entry.expire_at != 0 {
        xor_in(digest, b"!!expire!!");
    }
}

/// DEBUG DIGEST-VALUE's signature of one key's entry; [`ZERO`] for a missing key.
pub fn value_digest(entry: Option<&Entry>) -> Digest {
    let mut digest = ZERO;
    if let Some(e) = entry {
        fold_entry(&mut digest, e);
    }
    digest
}

/// One database's share of the dataset digest: the XOR of `SHA1(key signature)` over its keys,
/// each key's signature being its name mixed in, then its entry folded in. Keys whose time
/// passed but which are still held count, as in Redis (whose table still holds them). None
/// when the database holds no key. Being an XOR, the shares of one database kept by several
/// shards join in any order.
pub fn db_share(db: &Db) -> Option<Digest> {
    if db.is_empty() {
        return None;
    }
    let mut share = ZERO;
    for slot in db.table().iter() {
        let mut one = ZERO;
        mix_in(&mut one, slot.key());
        fold_entry(&mut one, slot.value());
        xor_in(&mut share, &one);
    }
    Some(share)
}

/// The dataset digest from the databases' shares, given as (database index, share) pairs in
/// any order, a database possibly more than once (one share per shard): as
/// `computeDatasetDigest`, each database holding keys mixes its index in (4 bytes, big-endian)
/// in index order, then its shares are XORed in. [`ZERO`] when no database holds a key.
pub fn dataset_digest(shares: impl IntoIterator<Item = (usize, Digest)>) -> Digest {
    let mut by_db: std::collections::BTreeMap<usize, Digest> = Default::default();
    for (db, share) in shares {
        let joined = by_db.entry(db).or_insert(ZERO);
        for (j, s) in joined.iter_mut().zip(share) {
            *j ^= s;
        }
    }
    let mut digest = ZERO;
    for (db, share) in by_db {
        mix_in(&mut digest, &(db as u32).to_be_bytes());
        for (d, s) in digest.iter_mut().zip(share) {
            *d ^= s;
        }
    }
    digest
}

/// The digest as Redis prints it: 40 lowercase hexadecimal digits.
pub fn hex(digest: &Digest) -> String {
    use std::fmt::Write;
    digest.iter().fold(String::with_capacity(40), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Reads [`hex`]'s form back; None unless it is 40 hexadecimal digits.
pub fn from_hex(text: &[u8]) -> Option<Digest> {
    if text.len() != 40 {
        return None;
    }
    let mut digest = ZERO;
    for (d, pair) in digest.iter_mut().zip(text.chunks(2)) {
        *d = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::keyspace::zset::Limits;
    use crate::keyspace::{Hash, Set, ZSet};

    fn of(value: Value) -> String {
        hex(&value_digest(Some(&Entry::new(value))))
    }

    // The expected digests are redis-server 7.0.15's replies to DEBUG DIGEST-VALUE.

    #[test]
    fn strings_as_redis() {
        assert_eq!(
            of(Value::string(b"hello")),
            "36b23a1456b2dce2c3ed252c456761301dba8060"
        );
        assert_eq!(
            of(Value::string(b"12345")),
            "e1cf90774e995ae03de66e8109dc5cb9d9c2dc83"
        );
        assert_eq!(hex(&value_digest(None)), "0".repeat(40));
    }

    #[test]
    fn scores_as_redis() {
        let one = |score: f64| {
            let mut z = ZSet::new();
            z.insert(b"a", score, Limits::of(&Config::default()));
            of(Value::ZSet(z))
        };
        assert_eq!(one(1.1), "0afd0507a38ea3c3ca917a82c82ccea86228cfc8");
        assert_eq!(one(2.0), "82f053ed9900495cd83cf9728dfe427e83483a52");
        assert_eq!(one(3.5e20), "80f5e7e04d337e46d1f84819da870b7dc2136587");
        assert_eq!(one(-0.0), "8d8d88c2cfb8d9411b8d9973c96538bd6378d446");
        assert_eq!(
            one(f64::INFINITY),
            "693af63fc2885cc02fbc107a856fc4b9687305ed"
        );
    }

    #[test]
    fn unordered_types_ignore_order() {
        let config = Config::default();
        let (mut a, mut b) = (Set::new(), Set::new());
        for m in ["x", "y", "1"] {
            a.add(m.as_bytes(), 512);
        }
        for m in ["1", "y", "x"] {
            b.add(m.as_bytes(), 512);
        }
        assert_eq!(of(Value::Set(a)), of(Value::Set(b)));
        let (mut a, mut b) = (Hash::new(), Hash::new());
        a.set(b"f", b"1", &config);
        a.set(b"g", b"2", &config);
        b.set(b"g", b"2", &config);
        b.set(b"f", b"1", &config);
        assert_eq!(of(Value::Hash(a)), of(Value::Hash(b)));
    }

    #[test]
    fn expiry_and_databases_count() {
        let mut e = Entry::new(Value::string(b"v"));
        let plain = value_digest(Some(&e));
        e.expire_at = 1;
        assert_ne!(plain, value_digest(Some(&e)));
        let share = [7u8; 20];
        assert_ne!(dataset_digest([(0, share)]), dataset_digest([(1, share)]));
        assert_eq!(
            dataset_digest([(2, share), (0, [1; 20]), (2, [3; 20])]),
            dataset_digest([(0, [1; 20]), (2, [4; 20])])
        );
        assert_eq!(dataset_digest([]), ZERO);
        let d = dataset_digest([(0, share)]);
        assert_eq!(from_hex(hex(&d).as_bytes()), Some(d));
    }
}
