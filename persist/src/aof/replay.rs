//! Replays a shard's log: every record runs through the command table's own handler, on a
//! keyspace that holds exactly that shard's keys, as they were when the record was written.
//!
//! Frames (`MULTI` ... `EXEC`, preceded by `__txpart <id> <parts>` for a transaction over
//! several shards) apply whole or not at all: a transaction counts only when every one of its
//! parts reached its file ([`count_parts`] looks at every file first). A torn last record, or a
//! frame the file ends inside, is where the file's good part ends.

use hashbrown::HashMap;
use tessera_core::commands::{self, Ctx, NodeCmd, Run};
use tessera_core::config::Config;
use tessera_core::keyspace::Keyspace;
use tessera_core::protocol::{self, ArgSource, Args, Parsed, Protocol, ReaderLimits, Reply};

/// Why a log cannot be replayed, and where.
#[derive(Debug, PartialEq, Eq)]
pub struct ReplayError {
    /// Byte offset of the bad record.
    pub offset: u64,
    /// What is wrong there.
    pub message: String,
}

/// What a replay found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Replayed {
    /// Bytes of the file that hold whole records (and whole frames).
    pub good_len: u64,
    /// True when the file ends in a torn record or an unfinished frame after `good_len`.
    pub torn: bool,
    /// Records applied.
    pub records: u64,
    /// Frames of transactions dropped because a part is missing in another shard's file.
    pub dropped_frames: u64,
}

/// One record of a file, as the reader sees it.
enum Step<'a> {
    Record(Args<'a>, usize),
    Torn,
    End,
}

/// Reads `bytes` record by record.
struct Records<'a> {
    bytes: &'a [u8],
    pos: usize,
    spans: Vec<std::ops::Range<usize>>,
    scratch: Vec<u8>,
}

impl<'a> Records<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Records {
            bytes,
            pos: 0,
            spans: Vec::new(),
            scratch: Vec::new(),
        }
    }

    fn next(&mut self) -> Result<Step<'_>, ReplayError> {
        if self.pos == self.bytes.len() {
            return Ok(Step::End);
        }
        let rest = &self.bytes[self.pos..];
        if rest[0] != b'*' {
            return Err(self.bad("a record is not a RESP array"));
        }
        let parsed = protocol::parse_request(
            rest,
            &mut self.spans,
            &mut self.scratch,
            &ReaderLimits::internal(),
        );
        match parsed {
            Ok(Parsed::Command {
                consumed,
                source: ArgSource::Input,
            }) if !self.spans.is_empty() => {
                let at = self.pos;
                self.pos += consumed;
                Ok(Step::Record(Args::new(&self.bytes[at..], &self.spans), at))
            }
            Ok(Parsed::Incomplete { .. }) => Ok(Step::Torn),
            Ok(_) => Err(self.bad("an empty record")),
            Err(e) => Err(self.bad(&e.0)),
        }
    }

    fn bad(&self, what: &str) -> ReplayError {
        ReplayError {
            offset: self.pos as u64,
            message: format!("Bad file format reading the append only file: {what}"),
        }
    }
}

/// Counts, over every file of the node, the whole parts of each transaction that wrote on
/// several shards, by transaction id; with the part count each frame names.
pub fn count_parts(bytes: &[u8], counts: &mut HashMap<Vec<u8>, (u32, u32)>) {
    let mut records = Records::new(bytes);
    let mut open: Option<(Vec<u8>, u32)> = None;
    let mut in_multi = false;
    while let Ok(Step::Record(args, _)) = records.next() {
        let name = args.get(0);
        if name.eq_ignore_ascii_case(b"__txpart") && args.len() == 3 {
            let parts = std::str::from_utf8(args.get(2))
                .ok()
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            open = Some((args.get(1).to_vec(), parts));
        } else if name.eq_ignore_ascii_case(b"multi") {
            in_multi = true;
        } else if name.eq_ignore_ascii_case(b"exec") && in_multi {
            in_multi = false;
            if let Some((id, parts)) = open.take() {
                let c = counts.entry(id).or_insert((0, parts));
                c.0 += 1;
            }
        }
    }
}

/// Replays one file onto `ks`. `complete` holds the counts [`count_parts`] made over every
/// file.
///
/// Nothing expires during a replay, as in Redis's loading: every expiry that happened is in
/// the file as a DEL (and every expiry time is absolute), so the records apply to exactly the
/// data they were made on. Keys whose time has passed are dropped once the replay is done.
pub fn replay(
    ks: &mut Keyspace,
    config: &Config,
    bytes: &[u8],
    complete: &HashMap<Vec<u8>, (u32, u32)>,
) -> Result<Replayed, ReplayError> {
    // Time 0: no expiry time is ever reached.
    let now_ms = 0;
    let mut out = Replayed::default();
    let mut records = Records::new(bytes);
    let mut db = 0usize;
    // A frame being read: where it began, whether it applies, where its records are, and the
    // database selected before it.
    let mut frame: Option<(usize, bool, Vec<std::ops::Range<usize>>, usize)> = None;
    let mut part: Option<(usize, bool)> = None;
    let mut reply = Vec::new();
    loop {
        let step = records.next()?;
        let (args, at) = match step {
            Step::End => {
                let end = frame.as_ref().map(|f| f.0).or(part.map(|p| p.0));
                out.good_len = end.unwrap_or(bytes.len()) as u64;
                out.torn = end.is_some();
                return Ok(out);
            }
            Step::Torn => {
                let end = frame.as_ref().map(|f| f.0).or(part.map(|p| p.0));
                out.good_len = end.unwrap_or(records.pos) as u64;
                out.torn = true;
                return Ok(out);
            }
            Step::Record(args, at) => (args, at),
        };
        let name = args.get(0);
        if name.eq_ignore_ascii_case(b"__txpart") {
            let whole = complete
                .get(args.try_get(1).unwrap_or_default())
                .is_some_and(|&(have, parts)| have == parts);
            part = Some((at, whole));
            continue;
        }
        if name.eq_ignore_ascii_case(b"multi") {
            let (start, apply) = match part.take() {
                Some((start, whole)) => (start, whole),
                None => (at, true),
            };
            frame = Some((start, apply, Vec::new(), db));
            continue;
        }
        if name.eq_ignore_ascii_case(b"exec") {
            let Some((_, apply, held, db_at_start)) = frame.take() else {
                return Err(ReplayError {
                    offset: at as u64,
                    message: "Bad file format reading the append only file: EXEC without MULTI"
                        .into(),
                });
            };
            if apply {
                for range in &held {
                    let rec = &bytes[range.clone()];
                    let spans = spans_of(rec);
                    let args = Args::new(rec, &spans);
                    apply_one(ks, config, &mut db, &args, now_ms, &mut reply, at)?;
                    out.records += 1;
                }
            } else {
                out.dropped_frames += 1;
                db = db_at_start;
                // The frame's SELECTs count even when its writes do not.
                for range in &held {
                    let rec = &bytes[range.clone()];
                    let spans = spans_of(rec);
                    let args = Args::new(rec, &spans);
                    if args.get(0).eq_ignore_ascii_case(b"select") {
                        apply_one(ks, config, &mut db, &args, now_ms, &mut reply, at)?;
                    }
                }
            }
            continue;
        }
        if let Some((_, _, held, _)) = frame.as_mut() {
            held.push(at..records.pos);
            continue;
        }
        apply_one(ks, config, &mut db, &args, now_ms, &mut reply, at)?;
        out.records += 1;
    }
}

/// The spans of one whole record.
fn spans_of(rec: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    let mut scratch = Vec::new();
    let _ = protocol::parse_request(rec, &mut spans, &mut scratch, &ReaderLimits::internal());
    spans
}

/// Runs one record on `ks`.
fn apply_one(
    ks: &mut Keyspace,
    config: &Config,
    db: &mut usize,
    args: &Args<'_>,
    now_ms: u64,
    reply: &mut Vec<u8>,
    at: usize,
) -> Result<(), ReplayError> {
    let bad = |what: String| ReplayError {
        offset: at as u64,
        message: format!("Bad file format reading the append only file: {what}"),
    };
    let name = args.get(0);
    let Some(cmd) = commands::lookup(name) else {
        return Err(bad(format!(
            "unknown command '{}'",
            String::from_utf8_lossy(name)
        )));
    };
    if !cmd.arity_ok(args.len()) {
        return Err(bad(format!("wrong number of arguments for '{}'", cmd.name)));
    }
    match cmd.run {
        Run::Node(NodeCmd::Select) => {
            let n = std::str::from_utf8(args.get(1))
                .ok()
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|&n| n < ks.dbs.len())
                .ok_or_else(|| bad("SELECT of a database that does not exist".into()))?;
            *db = n;
        }
        Run::Node(_) => {}
        Run::Shard(handler) => {
            reply.clear();
            let mut ctx = Ctx {
                ks,
                db: *db,
                now_ms,
                config,
                rand: 0,
                shard: (0, 1),
            };
            handler(&mut ctx, args, &mut Reply::new(reply, Protocol::Resp2));
            ks.block = None;
        }
    }
    Ok(())
}
