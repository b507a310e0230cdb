//! From a connection's received bytes to its commands run in order, each parsed once.
//!
//! When the connection's database is large, a pipeline is read a window at a time: the window's
//! commands are parsed, the keys they name are warmed together (see `prefetch`), then the
//! commands run in order from the spans already found. Parsing ahead, then parsing again to run,
//! cost 5-9% of the server's CPU per request at `redis-benchmark -P 16` once the keyspace passed
//! the prefetch threshold.

use std::ops::Range;

use tessera_core::commands::{self, Command};
use tessera_core::protocol::{self, Args, Parsed, Reply};

use crate::dispatch::{dispatch, Flow};
use crate::shard::Shard;

/// Most commands parsed ahead of the one that runs.
const WINDOW: usize = 32;

/// One command of a window: where it lies in the input, and where its argument spans lie in
/// the window's span list.
struct Ahead {
    start: usize,
    len: usize,
    spans: Range<usize>,
    /// The command its name names, looked up once for the warming pass and the run.
    cmd: Option<&'static Command>,
}

/// What the parser reuses between calls, so a steady stream of requests allocates nothing.
#[derive(Default)]
pub struct Parser {
    spans: Vec<Range<usize>>,
    scratch: Vec<u8>,
    window: Vec<Ahead>,
    window_spans: Vec<Range<usize>>,
}

/// What one step of the loop decided.
enum Step {
    /// Go on at this position.
    At(usize),
    /// Stop, having used this many bytes.
    Stop(usize),
}

/// Runs every complete command in `buf` for connection `idx`; returns the bytes used.
pub fn run(sh: &mut Shard, idx: usize, buf: &[u8], parser: &mut Parser) -> usize {
    sh.to_send.push(idx as u32);
    let node = sh.node.clone();
    let fixed = node.fixed.as_ref();
    let warm = fixed.is_none() && crate::prefetch::worth_warming(sh, idx);
    let mut pos = 0;
    while pos < buf.len() {
        let step = if warm {
            window(sh, idx, buf, pos, parser)
        } else {
            one(sh, idx, buf, pos, parser, fixed)
        };
        match step {
            Step::At(next) => pos = next,
            Step::Stop(used) => return used,
        }
    }
    pos
}

/// Parses and runs the command at `pos`.
fn one(
    sh: &mut Shard,
    idx: usize,
    buf: &[u8],
    pos: usize,
    parser: &mut Parser,
    fixed: Option<&crate::ceiling::FixedReplies>,
) -> Step {
    let limits = sh.limits;
    let parsed =
        protocol::parse_request(&buf[pos..], &mut parser.spans, &mut parser.scratch, &limits);
    match parsed {
        Ok(Parsed::Command { consumed, source }) => {
            let raw = &buf[pos..pos + consumed];
            let (base, raw) = match source {
                protocol::ArgSource::Input => (raw, Some(raw)),
                protocol::ArgSource::Scratch => (&parser.scratch[..], None),
            };
            let args = Args::new(base, &parser.spans);
            let flow = if args.is_empty() {
                Flow::Continue
            } else if let Some(fixed) = fixed {
                crate::ceiling::answer(sh, fixed, idx, &args)
            } else {
                dispatch(sh, idx, &args, raw, None)
            };
            after(flow, pos, consumed)
        }
        Ok(Parsed::Incomplete { .. }) => Step::Stop(pos),
        Err(e) => {
            if let Some(conn) = sh.conns[idx].as_mut() {
                let proto = conn.proto;
                Reply::new(&mut conn.out, proto).error(&e.0);
                conn.closing = true;
            }
            sh.to_send.push(idx as u32);
            Step::Stop(buf.len())
        }
    }
}

/// Where the loop goes on after a command of `consumed` bytes at `pos` returned `flow`.
fn after(flow: Flow, pos: usize, consumed: usize) -> Step {
    match flow {
        Flow::Continue => Step::At(pos + consumed),
        Flow::Hold => Step::Stop(pos + consumed),
        Flow::Retry => Step::Stop(pos),
    }
}

/// Parses up to [`WINDOW`] commands from `pos`, warms their keys, then runs them in order.
/// A command the window cannot hold (inline, incomplete, malformed) is left to [`one`].
fn window(sh: &mut Shard, idx: usize, buf: &[u8], pos: usize, parser: &mut Parser) -> Step {
    let limits = sh.limits;
    parser.window.clear();
    parser.window_spans.clear();
    let mut at = pos;
    while parser.window.len() < WINDOW && at < buf.len() {
        let parsed =
            protocol::parse_request(&buf[at..], &mut parser.spans, &mut parser.scratch, &limits);
        let Ok(Parsed::Command {
            consumed,
            source: protocol::ArgSource::Input,
        }) = parsed
        else {
            break;
        };
        let first = parser.window_spans.len();
        parser.window_spans.extend_from_slice(&parser.spans);
        let cmd = parser
            .spans
            .first()
            .and_then(|name| commands::lookup(&buf[at..][name.clone()]));
        parser.window.push(Ahead {
            start: at,
            len: consumed,
            spans: first..parser.window_spans.len(),
            cmd,
        });
        at += consumed;
    }
    if parser.window.is_empty() {
        return one(sh, idx, buf, pos, parser, None);
    }
    if parser.window.len() > 1 {
        let commands = parser.window.iter().filter_map(|c| {
            let args = Args::new(
                &buf[c.start..c.start + c.len],
                &parser.window_spans[c.spans.clone()],
            );
            Some((args, c.cmd?))
        });
        crate::prefetch::warm_commands(sh, idx, commands);
    }
    let mut next = pos;
    for c in &parser.window {
        let raw = &buf[c.start..c.start + c.len];
        let args = Args::new(raw, &parser.window_spans[c.spans.clone()]);
        let flow = if args.is_empty() {
            Flow::Continue
        } else {
            dispatch(sh, idx, &args, Some(raw), c.cmd)
        };
        match after(flow, c.start, c.len) {
            Step::At(n) => next = n,
            stop => return stop,
        }
    }
    Step::At(next)
}
