//! Reading an RDB file, one key at a time.

use std::fmt;

use tessera_core::config::Config;
use tessera_core::keyspace::dump::{
    crc64, read_plain_len, read_string, read_value_of, take, take_byte,
};
use tessera_core::keyspace::Value;

use super::{foreign_type_name, opcode, KeyHint, RDB_VERSION};

/// Why a file cannot be loaded, and where: a load never drops data silently, it stops here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// The byte offset in the file where the bad record starts.
    pub offset: usize,
    /// What is wrong, in words for the log.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for LoadError {}

/// One key of the file.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyRecord {
    /// The database (SELECT's index) it belongs to.
    pub db: usize,
    /// Its name.
    pub key: Vec<u8>,
    /// Its value, in the encoding the loading configuration's thresholds choose.
    pub value: Value,
    /// Its expiry, Unix milliseconds; 0 for none. It may have passed: the caller decides.
    pub expire_at: u64,
    /// The idle time or LFU counter written before it.
    pub hint: KeyHint,
}

/// What [`RdbReader::next_item`] found.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// An auxiliary field (`redis-ver`, `ctime`...).
    Aux {
        /// The field's name.
        name: Vec<u8>,
        /// Its value (a number in decimal).
        value: Vec<u8>,
    },
    /// A key.
    Key(KeyRecord),
}

/// Walks a whole RDB file held in memory. Every record is checked as it is read; the checksum
/// is checked when the end is reached, so a caller must read to the end (`next_item` returning
/// `Ok(None)`) before trusting what it loaded.
pub struct RdbReader<'a> {
    all: &'a [u8],
    rest: &'a [u8],
    version: u16,
    db: usize,
    databases: usize,
    config: &'a Config,
    finished: bool,
    /// Key records only, no header or end: running out of bytes between records is the end.
    fragment: bool,
    /// The CRC64 of the bytes before `summed`: the checksum is kept up as the reader goes, so
    /// the end does not read the whole file a second time (see `tessera_persist::mapped`).
    crc: u64,
    summed: usize,
}

impl<'a> RdbReader<'a> {
    /// Checks the header of `bytes`. `config` chooses the encodings values load into, and its
    /// `databases` how many databases there are (a key beyond them stops the load).
    pub fn new(bytes: &'a [u8], config: &'a Config) -> Result<RdbReader<'a>, LoadError> {
        let fail = |message: String| LoadError { offset: 0, message };
        if bytes.len() < 9 || &bytes[..5] != b"REDIS" {
            return Err(fail("Wrong signature trying to load DB from file".into()));
        }
        let version = std::str::from_utf8(&bytes[5..9])
            .ok()
            .filter(|v| v.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|v| v.parse::<u16>().ok())
            .ok_or_else(|| fail("Wrong signature trying to load DB from file".into()))?;
        if version == 0 || version > RDB_VERSION {
            return Err(fail(format!("Can't handle RDB format version {version}")));
        }
        Ok(RdbReader {
            all: bytes,
            rest: &bytes[9..],
            version,
            db: 0,
            databases: config.databases,
            config,
            finished: false,
            fragment: false,
            crc: 0,
            summed: 0,
        })
    }

    /// Reads bare key records of database `db`, as a snapshot hands them over (no header, no
    /// end, no checksum): [`RdbReader::next_item`] answers None once the bytes are used up.
    pub fn fragment(bytes: &'a [u8], db: usize, config: &'a Config) -> RdbReader<'a> {
        RdbReader {
            all: bytes,
            rest: bytes,
            version: RDB_VERSION,
            db,
            databases: config.databases,
            config,
            finished: false,
            fragment: true,
            crc: 0,
            summed: 0,
        }
    }

    /// The file's RDB version.
    pub fn version(&self) -> u16 {
        self.version
    }

    /// The next auxiliary field or key; None at the end of the file, once the checksum holds.
    pub fn next_item(&mut self) -> Result<Option<Item>, LoadError> {
        let item = self.read_item();
        if !self.fragment && self.version >= 5 && !self.finished {
            self.sum_to(self.offset());
        }
        item
    }

    /// Adds the bytes up to `end` to the running checksum.
    fn sum_to(&mut self, end: usize) {
        if end > self.summed {
            self.crc = crc64(self.crc, &self.all[self.summed..end]);
            self.summed = end;
        }
    }

    fn read_item(&mut self) -> Result<Option<Item>, LoadError> {
        if self.finished {
            return Ok(None);
        }
        let mut expire_at = 0u64;
        let mut hint = KeyHint::None;
        loop {
            if self.fragment && self.rest.is_empty() && expire_at == 0 && hint == KeyHint::None {
                self.finished = true;
                return Ok(None);
            }
            let at = self.offset();
            let op = self.byte(at)?;
            match op {
                opcode::EXPIRETIME => {
                    let b = self.bytes(4, at)?;
                    let secs = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    expire_at = expiry_ms(i64::from(secs).saturating_mul(1000));
                }
                opcode::EXPIRETIME_MS => {
                    let b = self.bytes(8, at)?;
                    let mut word = [0u8; 8];
                    word.copy_from_slice(b);
                    expire_at = expiry_ms(i64::from_le_bytes(word));
                }
                opcode::FREQ => hint = KeyHint::Freq(self.byte(at)?),
                opcode::IDLE => {
                    hint =
                        KeyHint::Idle(read_plain_len(&mut self.rest).ok_or_else(|| self.bad(at))?)
                }
                opcode::SELECTDB => {
                    let db = read_plain_len(&mut self.rest).ok_or_else(|| self.bad(at))?;
                    if db >= self.databases as u64 {
                        return Err(LoadError {
                            offset: at,
                            message: format!(
                                "FATAL: Data file was created with a Redis server configured to \
                                 handle more than {} databases",
                                self.databases
                            ),
                        });
                    }
                    self.db = db as usize;
                }
                opcode::RESIZEDB => {
                    for _ in 0..2 {
                        read_plain_len(&mut self.rest).ok_or_else(|| self.bad(at))?;
                    }
                }
                opcode::AUX => {
                    let name = read_string(&mut self.rest).ok_or_else(|| self.bad(at))?;
                    let value = read_string(&mut self.rest).ok_or_else(|| self.bad(at))?;
                    return Ok(Some(Item::Aux {
                        name: name.into_bytes(),
                        value: value.into_bytes(),
                    }));
                }
                opcode::MODULE_AUX => {
                    return Err(self.refuse(
                        at,
                        "the file holds module data, which Tessera cannot load".into(),
                    ))
                }
                opcode::FUNCTION2 | opcode::FUNCTION_PRE_GA => {
                    return Err(self.refuse(
                        at,
                        "the file holds a functions library, which Tessera cannot load".into(),
                    ))
                }
                opcode::EOF => {
                    self.check_sum(at)?;
                    self.finished = true;
                    return Ok(None);
                }
                rdb_type => {
                    let key = read_string(&mut self.rest)
                        .ok_or_else(|| self.bad(at))?
                        .into_bytes();
                    if let Some(kind) = foreign_type_name(rdb_type) {
                        return Err(self.refuse(
                            at,
                            format!(
                                "key '{}' is a {kind} (RDB object type {rdb_type}), a type Tessera \
                                 does not have: the load stops rather than drop it",
                                shown(&key)
                            ),
                        ));
                    }
                    let value = read_value_of(rdb_type, &mut self.rest, self.config).ok_or_else(
                        || {
                            self.refuse(
                                at,
                                format!(
                                    "key '{}' (RDB object type {rdb_type}) cannot be read: bad data, \
                                     or the file ends inside it",
                                    shown(&key)
                                ),
                            )
                        },
                    )?;
                    return Ok(Some(Item::Key(KeyRecord {
                        db: self.db,
                        key,
                        value,
                        expire_at,
                        hint,
                    })));
                }
            }
        }
    }

    /// How far the reader has read, in bytes from the start of the file.
    pub fn offset(&self) -> usize {
        self.all.len() - self.rest.len()
    }

    fn byte(&mut self, at: usize) -> Result<u8, LoadError> {
        take_byte(&mut self.rest).ok_or_else(|| self.bad(at))
    }

    fn bytes(&mut self, n: usize, at: usize) -> Result<&'a [u8], LoadError> {
        if self.rest.len() < n {
            self.rest = &[];
        }
        take(&mut self.rest, n).ok_or_else(|| self.bad(at))
    }

    /// After the EOF opcode: the CRC64 of everything before it, when the file has one.
    fn check_sum(&mut self, at: usize) -> Result<(), LoadError> {
        if self.version < 5 {
            return Ok(());
        }
        let end = self.offset();
        let b = self.bytes(8, at)?;
        let mut word = [0u8; 8];
        word.copy_from_slice(b);
        let stored = u64::from_le_bytes(word);
        if stored == 0 {
            return Ok(()); // written with rdbchecksum off
        }
        self.sum_to(end);
        let computed = self.crc;
        if stored != computed {
            return Err(self.refuse(
                end,
                format!("Wrong RDB checksum expected: ({stored:x}) got: ({computed:x})"),
            ));
        }
        Ok(())
    }

    /// A record that cannot be read: the file ends before a fixed-size field, or a length or
    /// string does not parse (bad data, or a file cut inside it: the two look alike).
    fn bad(&self, at: usize) -> LoadError {
        let message = if self.rest.is_empty() {
            "Short read loading DB: the file ends in the middle of a record"
        } else {
            "Bad data format: a record cannot be read, or the file ends inside it"
        };
        LoadError {
            offset: at,
            message: message.to_string(),
        }
    }

    fn refuse(&self, at: usize, message: String) -> LoadError {
        LoadError {
            offset: at,
            message,
        }
    }
}

/// An expiry as stored: a time at or before the epoch (never written by Redis, but possible in
/// a crafted file) means already expired.
fn expiry_ms(ms: i64) -> u64 {
    u64::try_from(ms).unwrap_or(0).max(1)
}

/// A key for a message: printable, at most 64 characters.
fn shown(key: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(key).chars().take(64).collect();
    text.escape_debug().to_string()
}
