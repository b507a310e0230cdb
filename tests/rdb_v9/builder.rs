//! A Redis 6.2 RDB file (version 9) built record by record, following Redis 6.2's `rdb.c`,
//! `ziplist.c` and `intset.c`: [`RdbBuilder`] writes the records, [`Ziplist`], [`intset`] and
//! [`lzf_by_hand`] the encodings inside them. It writes its own lengths, strings and containers
//! rather than calling Tessera's writer, so that a file does not share Tessera's mistakes; only
//! the CRC64 and a real LZF compressor come from `tessera-core` (Redis checks both on load).

use std::collections::HashMap;

use tessera_core::keyspace::dump::{crc64, lzf_compress};

// ---------------------------------------------------------------------------------------------
// Containers of Redis 6.2.

/// A ziplist (`ziplist.c`): `zlbytes` (u32 LE), `zltail` (u32 LE, the offset of the last
/// entry), `zllen` (u16 LE), the entries, then 0xFF. Each entry is the previous entry's length
/// (one byte, or 0xFE and a u32 LE from 254 on), an encoding, and its data.
#[derive(Clone, Default)]
pub struct Ziplist {
    entries: Vec<u8>,
    /// Offset of each entry within `entries`.
    starts: Vec<usize>,
    prev_len: usize,
}

/// The header's size: zlbytes, zltail, zllen.
pub const ZIPLIST_HEADER: usize = 10;

impl Ziplist {
    pub fn new() -> Ziplist {
        Ziplist::default()
    }

    /// Pushes `value` as Redis does (`zipTryEncoding`): as an integer when it is one in
    /// canonical decimal of at most 31 characters, else as a string.
    pub fn push(&mut self, value: &[u8]) -> &mut Ziplist {
        let int = std::str::from_utf8(value)
            .ok()
            .filter(|s| s.len() < 32)
            .and_then(|s| s.parse::<i64>().ok().filter(|n| n.to_string() == s));
        match int {
            Some(n) => self.push_int(n),
            None => self.push_str(value),
        }
    }

    /// A string entry, its length in 6 bits (`00pppppp`), 14 bits (`01pppppp qqqqqqqq`, big
    /// endian) or 32 bits (`10000000` then 4 bytes big endian).
    pub fn push_str(&mut self, s: &[u8]) -> &mut Ziplist {
        let mut enc = Vec::new();
        match s.len() {
            n if n < 1 << 6 => enc.push(n as u8),
            n if n < 1 << 14 => enc.extend_from_slice(&[0x40 | (n >> 8) as u8, n as u8]),
            n => {
                enc.push(0x80);
                enc.extend_from_slice(&(n as u32).to_be_bytes());
            }
        }
        enc.extend_from_slice(s);
        self.push_entry(&enc)
    }

    /// An integer entry in the smallest encoding that holds it: 0..=12 inside the encoding byte
    /// (0xF1..=0xFD), else 8 (0xFE), 16 (0xC0), 24 (0xF0), 32 (0xD0) or 64 bits (0xE0), little
    /// endian.
    pub fn push_int(&mut self, n: i64) -> &mut Ziplist {
        let le = n.to_le_bytes();
        let mut enc = Vec::new();
        if (0..=12).contains(&n) {
            enc.push(0xF1 + n as u8);
        } else if i8::try_from(n).is_ok() {
            enc.push(0xFE);
            enc.extend_from_slice(&le[..1]);
        } else if i16::try_from(n).is_ok() {
            enc.push(0xC0);
            enc.extend_from_slice(&le[..2]);
        } else if (-(1 << 23)..1 << 23).contains(&n) {
            enc.push(0xF0);
            enc.extend_from_slice(&le[..3]);
        } else if i32::try_from(n).is_ok() {
            enc.push(0xD0);
            enc.extend_from_slice(&le[..4]);
        } else {
            enc.push(0xE0);
            enc.extend_from_slice(&le);
        }
        self.push_entry(&enc)
    }

    /// Appends an entry: the previous entry's length, then `body` (encoding and data).
    fn push_entry(&mut self, body: &[u8]) -> &mut Ziplist {
        let start = self.entries.len();
        if self.prev_len < 254 {
            self.entries.push(self.prev_len as u8);
        } else {
            self.entries.push(0xFE);
            self.entries
                .extend_from_slice(&(self.prev_len as u32).to_le_bytes());
        }
        self.entries.extend_from_slice(body);
        self.prev_len = self.entries.len() - start;
        self.starts.push(start);
        self
    }

    /// Where entry `i` starts (its previous-length field), from the start of the ziplist.
    pub fn entry_offset(&self, i: usize) -> usize {
        ZIPLIST_HEADER + self.starts[i]
    }

    pub fn bytes(&self) -> Vec<u8> {
        let total = ZIPLIST_HEADER + self.entries.len() + 1;
        let tail = ZIPLIST_HEADER + self.starts.last().copied().unwrap_or(0);
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&(total as u32).to_le_bytes());
        out.extend_from_slice(&(tail as u32).to_le_bytes());
        out.extend_from_slice(&(self.starts.len().min(0xFFFF) as u16).to_le_bytes());
        out.extend_from_slice(&self.entries);
        out.push(0xFF);
        out
    }
}

/// A ziplist of `items` pushed as Redis pushes them.
pub fn ziplist(items: &[&[u8]]) -> Ziplist {
    let mut zl = Ziplist::new();
    for item in items {
        zl.push(item);
    }
    zl
}

/// An intset (`intset.c`): the width of every member (u32 LE: 2, 4 or 8), the count (u32 LE),
/// then the members sorted, little endian.
pub fn intset(members: &[i64]) -> Vec<u8> {
    let mut sorted = members.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let width = sorted
        .iter()
        .map(|&n| {
            if i16::try_from(n).is_ok() {
                2
            } else if i32::try_from(n).is_ok() {
                4
            } else {
                8
            }
        })
        .max()
        .unwrap_or(2);
    let mut out = Vec::new();
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(sorted.len() as u32).to_le_bytes());
    for n in sorted {
        out.extend_from_slice(&n.to_le_bytes()[..width]);
    }
    out
}

/// LZF written by hand: `seed` as literal runs (a control byte `len - 1`, then the bytes), then
/// back-references (`len - 2` in the top 3 bits, or 7 and an extra length byte; the distance
/// less one in 13 bits) that repeat it until `total` bytes. Returns (compressed, plain).
pub fn lzf_by_hand(seed: &[u8], total: usize) -> (Vec<u8>, Vec<u8>) {
    let mut out = Vec::new();
    for run in seed.chunks(32) {
        out.push((run.len() - 1) as u8);
        out.extend_from_slice(run);
    }
    // The copy reads `seed.len()` bytes back: the text is periodic, so every copy repeats it.
    let off = seed.len() - 1;
    assert!(off < 1 << 13);
    let mut done = seed.len();
    while done < total {
        let len = (total - done).clamp(2, 264);
        let coded = len - 2;
        if coded < 7 {
            out.push(((coded as u8) << 5) | (off >> 8) as u8);
        } else {
            out.push((7 << 5) | (off >> 8) as u8);
            out.push((coded - 7) as u8);
        }
        out.push(off as u8);
        done += len;
    }
    let plain: Vec<u8> = seed.iter().copied().cycle().take(done).collect();
    (out, plain)
}

// ---------------------------------------------------------------------------------------------
// The file.

/// How a blob (a ziplist, an intset) is stored: as is, or LZF-compressed as Redis does with
/// `rdbcompression yes` for anything over 20 bytes.
#[derive(Clone, Copy, PartialEq)]
pub enum Store {
    Plain,
    Lzf,
}

/// Writes an RDB file of version 9 record by record (`rdb.c` of Redis 6.2).
pub struct RdbBuilder {
    out: Vec<u8>,
    /// Where each key's record starts.
    records: HashMap<String, usize>,
    /// Where each key's first blob stored plain starts.
    blobs: HashMap<String, usize>,
}

/// Opcodes and object types of `rdb.h` (Redis 6.2).
mod rdb {
    pub const TYPE_STRING: u8 = 0;
    pub const TYPE_SET: u8 = 2;
    pub const TYPE_HASH: u8 = 4;
    pub const TYPE_ZSET_2: u8 = 5;
    pub const TYPE_SET_INTSET: u8 = 11;
    pub const TYPE_ZSET_ZIPLIST: u8 = 12;
    pub const TYPE_HASH_ZIPLIST: u8 = 13;
    pub const TYPE_LIST_QUICKLIST: u8 = 14;
    pub const AUX: u8 = 0xFA;
    pub const RESIZEDB: u8 = 0xFB;
    pub const EXPIRETIME_MS: u8 = 0xFC;
    pub const EXPIRETIME: u8 = 0xFD;
    pub const SELECTDB: u8 = 0xFE;
    pub const EOF: u8 = 0xFF;
    pub const ENC_INT8: u8 = 0xC0;
    pub const ENC_INT16: u8 = 0xC1;
    pub const ENC_INT32: u8 = 0xC2;
    pub const ENC_LZF: u8 = 0xC3;
}

impl RdbBuilder {
    /// `REDIS0009`.
    pub fn new() -> RdbBuilder {
        RdbBuilder {
            out: b"REDIS0009".to_vec(),
            records: HashMap::new(),
            blobs: HashMap::new(),
        }
    }

    // --- Lengths and strings ---

    /// `rdbSaveLen`: 6 bits in one byte (`00`), 14 bits big endian in two (`01`), else 0x80
    /// and 32 bits big endian (0x81 and 64 bits beyond).
    fn len(&mut self, n: u64) {
        if n < 1 << 6 {
            self.out.push(n as u8);
        } else if n < 1 << 14 {
            self.out
                .extend_from_slice(&[0x40 | (n >> 8) as u8, n as u8]);
        } else if n <= u64::from(u32::MAX) {
            self.out.push(0x80);
            self.out.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            self.out.push(0x81);
            self.out.extend_from_slice(&n.to_be_bytes());
        }
    }

    /// A string as is: its length, then its bytes.
    fn raw(&mut self, s: &[u8]) {
        self.len(s.len() as u64);
        self.out.extend_from_slice(s);
    }

    /// An integer as `rdbEncodeInteger` stores a string that is one: 0xC0 and 8 bits, 0xC1 and
    /// 16, 0xC2 and 32, little endian.
    fn int(&mut self, n: i64) {
        if let Ok(n) = i8::try_from(n) {
            self.out.push(rdb::ENC_INT8);
            self.out.extend_from_slice(&n.to_le_bytes());
        } else if let Ok(n) = i16::try_from(n) {
            self.out.push(rdb::ENC_INT16);
            self.out.extend_from_slice(&n.to_le_bytes());
        } else {
            let n = i32::try_from(n).expect("an integer encoding holds 32 bits at most");
            self.out.push(rdb::ENC_INT32);
            self.out.extend_from_slice(&n.to_le_bytes());
        }
    }

    /// A string as `rdbSaveRawString` stores it: an integer encoding when it is a 32-bit
    /// integer in canonical decimal, else as is.
    fn string(&mut self, s: &[u8]) {
        let int = std::str::from_utf8(s)
            .ok()
            .filter(|t| t.len() <= 11)
            .and_then(|t| t.parse::<i32>().ok().filter(|n| n.to_string() == t));
        match int {
            Some(n) => self.int(i64::from(n)),
            None => self.raw(s),
        }
    }

    /// An LZF string: 0xC3, the compressed length, the plain length, the compressed bytes.
    fn lzf(&mut self, compressed: &[u8], plain_len: usize) {
        self.out.push(rdb::ENC_LZF);
        self.len(compressed.len() as u64);
        self.len(plain_len as u64);
        self.out.extend_from_slice(compressed);
    }

    /// A blob (ziplist, intset) stored plain or compressed by Tessera's LZF compressor (the
    /// same bytes as Redis's); remembers where `key`'s first plain blob starts.
    fn blob(&mut self, key: &str, bytes: &[u8], store: Store) {
        match store {
            Store::Lzf => {
                let packed = lzf_compress(bytes, bytes.len()).expect("a compressible blob");
                self.lzf(&packed, bytes.len());
            }
            Store::Plain => {
                self.len(bytes.len() as u64);
                self.blobs.entry(key.to_string()).or_insert(self.out.len());
                self.out.extend_from_slice(bytes);
            }
        }
    }

    // --- Records ---

    pub fn aux(&mut self, name: &str, value: &str) -> &mut Self {
        self.out.push(rdb::AUX);
        self.raw(name.as_bytes());
        self.string(value.as_bytes());
        self
    }

    pub fn select_db(&mut self, db: u64) -> &mut Self {
        self.out.push(rdb::SELECTDB);
        self.len(db);
        self
    }

    pub fn resize_db(&mut self, keys: u64, expires: u64) -> &mut Self {
        self.out.push(rdb::RESIZEDB);
        self.len(keys);
        self.len(expires);
        self
    }

    /// The next key's expiry, Unix milliseconds (what Redis 6.2 writes).
    pub fn expire_ms(&mut self, ms: i64) -> &mut Self {
        self.out.push(rdb::EXPIRETIME_MS);
        self.out.extend_from_slice(&ms.to_le_bytes());
        self
    }

    /// The next key's expiry, Unix seconds (files of Redis before 2.6).
    pub fn expire_secs(&mut self, secs: i32) -> &mut Self {
        self.out.push(rdb::EXPIRETIME);
        self.out.extend_from_slice(&secs.to_le_bytes());
        self
    }

    /// The object type and the key name of a record.
    fn key(&mut self, rdb_type: u8, key: &str) {
        self.records.insert(key.to_string(), self.out.len());
        self.out.push(rdb_type);
        self.raw(key.as_bytes());
    }

    /// A string value, stored as `rdbSaveRawString` would (integer encoding when it can).
    pub fn set_string(&mut self, key: &str, value: &[u8]) -> &mut Self {
        self.key(rdb::TYPE_STRING, key);
        self.string(value);
        self
    }

    /// A string value stored as given LZF bytes that expand to `plain_len` bytes.
    pub fn set_lzf_string(&mut self, key: &str, compressed: &[u8], plain_len: usize) -> &mut Self {
        self.key(rdb::TYPE_STRING, key);
        self.lzf(compressed, plain_len);
        self
    }

    /// A list as a quicklist (type 14): the node count, then each node's ziplist as a string.
    pub fn quicklist(&mut self, key: &str, nodes: &[(Ziplist, Store)]) -> &mut Self {
        self.key(rdb::TYPE_LIST_QUICKLIST, key);
        self.len(nodes.len() as u64);
        for (zl, store) in nodes {
            self.blob(key, &zl.bytes(), *store);
        }
        self
    }

    /// A set as an intset (type 11).
    pub fn intset(&mut self, key: &str, members: &[i64], store: Store) -> &mut Self {
        self.key(rdb::TYPE_SET_INTSET, key);
        self.blob(key, &intset(members), store);
        self
    }

    /// A set as plain strings (type 2).
    pub fn set(&mut self, key: &str, members: &[&[u8]]) -> &mut Self {
        self.key(rdb::TYPE_SET, key);
        self.len(members.len() as u64);
        for m in members {
            self.string(m);
        }
        self
    }

    /// A hash as a ziplist of field, value, field, value... (type 13).
    pub fn hash_ziplist(&mut self, key: &str, zl: &Ziplist, store: Store) -> &mut Self {
        self.key(rdb::TYPE_HASH_ZIPLIST, key);
        self.blob(key, &zl.bytes(), store);
        self
    }

    /// A hash as plain pairs (type 4).
    pub fn hash(&mut self, key: &str, pairs: &[(Vec<u8>, Vec<u8>)]) -> &mut Self {
        self.key(rdb::TYPE_HASH, key);
        self.len(pairs.len() as u64);
        for (f, v) in pairs {
            self.string(f);
            self.string(v);
        }
        self
    }

    /// A sorted set as a ziplist of member, score, member, score... in score order (type 12).
    pub fn zset_ziplist(&mut self, key: &str, zl: &Ziplist, store: Store) -> &mut Self {
        self.key(rdb::TYPE_ZSET_ZIPLIST, key);
        self.blob(key, &zl.bytes(), store);
        self
    }

    /// A sorted set as members and binary doubles (type 5, `RDB_TYPE_ZSET_2`).
    pub fn zset(&mut self, key: &str, pairs: &[(Vec<u8>, f64)]) -> &mut Self {
        self.key(rdb::TYPE_ZSET_2, key);
        self.len(pairs.len() as u64);
        for (m, score) in pairs {
            self.string(m);
            self.out.extend_from_slice(&score.to_le_bytes());
        }
        self
    }

    /// `zl`, stored plain as `key`'s first blob, and where it sits.
    pub fn plain_ziplist(&self, key: &str, zl: &Ziplist) -> PlainZiplist {
        PlainZiplist {
            key: key.to_string(),
            ziplist: zl.clone(),
            record: self.records[key],
            at: self.blobs[key],
        }
    }

    /// EOF, then the CRC64 of everything before the checksum.
    pub fn finish(&self) -> Vec<u8> {
        let mut out = self.out.clone();
        out.push(rdb::EOF);
        let crc = crc64(0, &out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }
}

/// A ziplist that sits in the file as is.
pub struct PlainZiplist {
    pub key: String,
    pub ziplist: Ziplist,
    /// Where the key's record starts.
    pub record: usize,
    /// Where the ziplist's bytes start.
    pub at: usize,
}

/// Seals `file` again after a change: a new CRC64 over everything before the trailer.
pub fn reseal(file: &mut [u8]) {
    let body = file.len() - 8;
    let crc = crc64(0, &file[..body]);
    file[body..].copy_from_slice(&crc.to_le_bytes());
}
