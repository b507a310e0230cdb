//! The command line, and the checked configuration the rest of the generator reads.
//!
//! Option names follow memtier_benchmark where it has one (`--threads`, `--clients`,
//! `--ratio`, `--key-pattern`, `--key-minimum`, `--test-time`, `--requests`, `--data-size`), so a
//! command line written for one reads the same for the other.

use std::time::Duration;

use clap::{Parser, ValueEnum};

use super::request::MAX_KEY_DIGITS;

const AFTER_HELP: &str = "\
KEYS
  A key is the prefix followed by its number in plain decimal, memtier style: with the default
  prefix, key 42 is `key:42`; with --key-digits 8 the number is zero-padded to 8 digits,
  `key:00000042` (a wider number is written whole). The range is
  --key-minimum..=--key-maximum, or 0..=N-1 with --keys N.

PRELOAD ONLY
  --preload --requests 0 (or -n 0) SETs every key of the range and exits without a measured
  phase: the way to fill a server before measuring it, or to measure its memory.

MEASUREMENT
  Latency is measured per request, from the time it was written to the socket (closed loop) or
  from the time it was meant to be sent (with --rate, open loop) to the time its reply was read:
  each request of a pipeline carries its own send time. With --rate a server stall shows up as
  latency of every request that should have been sent during it, instead of hiding behind the
  requests the generator did not send (coordinated omission). Only successful replies count as
  operations; error replies are counted apart, and the first distinct messages are printed.

REPORT
  A table on stdout: per command (SET, GET) and in total, ops/s, successful requests, and
  latency mean, p50, p99, p99.9, p99.99 and max in microseconds, from HDR histograms merged over
  the threads. --json writes the same numbers: ops_per_sec, seconds, requests, errors,
  unanswered, moved, ask, error_messages, and objects set, get, all with requests,
  ops_per_sec, mean_us, p50_us, p99_us, p999_us, p9999_us, max_us; plus preload and config.
  --summary-line LABEL prints instead, on stdout, exactly one line for scripts (the table goes
  to stderr):
    LABEL OPS_PER_SEC P50_MS P99_MS P999_MS REQUESTS
  over both commands together; REQUESTS counts every request of the measured phase, answered
  or not (the JSON's `requests`), so a script can divide the server's CPU time by it.

EXIT STATUS
  0 on success; 1 when any request got an error reply, no reply, or lost its connection (unless
  --allow-errors); 2 when the command line is wrong or the server cannot be reached or set up.

EXAMPLES
  tessera-load --port 7001 --clients 50 --pipeline 16 --ratio 1:10 --keys 100000 --test-time 5
  tessera-load --port 7001 --rate 100000 --test-time 10 --json result.json
  tessera-load --port 7003 --preload --shard-keys remote --keys 100000 --test-time 5
  tessera-load --port 7001 --preload -n 0 --keys 1000000 --key-digits 8 --data-size 16
  tessera-load --port 7001 --keys 100000 --test-time 5 --summary-line 'A tessera'";

/// Every option of `tessera-load`; `--help` is generated from these doc comments.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "tessera-load",
    version,
    about = "A memtier-style load generator for Tessera and any other RESP server: SET/GET at a \
             chosen ratio over a chosen key pattern, pipelined, closed or open loop, with \
             HDR-histogram latencies per command.",
    after_help = AFTER_HELP
)]
pub struct Args {
    /// Server host name or address (the seed node with --cluster).
    #[arg(short = 's', long, default_value = "127.0.0.1")]
    pub host: String,

    /// Server port (the seed node's with --cluster).
    #[arg(short = 'p', long, default_value_t = 6379)]
    pub port: u16,

    /// Load threads; each drives its own connections from one epoll loop.
    #[arg(short = 't', long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: u32,

    /// Clients (connections) per thread. With --cluster each client holds one connection per
    /// master.
    #[arg(short = 'c', long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub clients: u32,

    /// Requests each client keeps in flight (1 = no pipelining).
    #[arg(short = 'P', long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub pipeline: u32,

    /// SET:GET ratio; each client cycles through it deterministically (1:10 = one SET, then ten
    /// GETs). 1:0 sends only SETs, 0:1 only GETs.
    #[arg(long, default_value = "1:10", value_parser = parse_ratio)]
    pub ratio: Ratio,

    /// How each request picks its key in the range: uniform at random, sequential (each client
    /// walks the range from its own starting point, wrapping), or gaussian (normal around the
    /// middle of the range, see --key-stddev).
    #[arg(long, value_enum, default_value_t = KeyPattern::Uniform)]
    pub key_pattern: KeyPattern,

    /// Smallest key number.
    #[arg(long, conflicts_with = "keys")]
    pub key_minimum: Option<u64>,

    /// Largest key number (inclusive).
    #[arg(long, conflicts_with = "keys")]
    pub key_maximum: Option<u64>,

    /// Use keys 0..=N-1 (shorthand for --key-minimum 0 --key-maximum N-1). Without it and
    /// without --key-minimum/--key-maximum the range is 0..=99999.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub keys: Option<u64>,

    /// Standard deviation of the gaussian pattern, in keys. Default: a sixth of the range, so
    /// nearly all draws fall inside it.
    #[arg(long)]
    pub key_stddev: Option<f64>,

    /// Text before the key number.
    #[arg(long, default_value = "key:")]
    pub key_prefix: String,

    /// Zero-pad the key number to at least this many digits (8 gives `key:00000042`); 0 writes
    /// it plain.
    #[arg(long, default_value_t = 0, value_name = "N",
          value_parser = clap::value_parser!(u16).range(0..=MAX_KEY_DIGITS as i64))]
    pub key_digits: u16,

    /// Size of each SET value, in bytes.
    #[arg(short = 'd', long, default_value_t = 32)]
    pub data_size: usize,

    /// Run the measured phase for this many seconds (requests still in flight at the end are
    /// waited for and counted).
    #[arg(long, conflicts_with = "requests", value_parser = clap::value_parser!(u64).range(1..))]
    pub test_time: Option<u64>,

    /// Requests per client in the measured phase (the total is threads x clients x N). The
    /// default, when --test-time is not given either, is 10000. 0 skips the measured phase:
    /// with --preload, only the preload runs.
    #[arg(short = 'n', long)]
    pub requests: Option<u64>,

    /// Protocol version: with 3 each connection sends HELLO 3 first.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(2..=3))]
    pub resp: u8,

    /// Total request rate, in requests per second across all clients, spread evenly over them.
    /// Turns the run into an open loop: requests are due at fixed intended times, and latency is
    /// measured from the intended time. --pipeline still caps how many a client has in flight.
    #[arg(long)]
    pub rate: Option<f64>,

    /// Before measuring, SET every key of the range once: the range is split among the threads,
    /// sent pipelined (at least 32 deep), and not measured; its errors still count.
    #[arg(long)]
    pub preload: bool,

    /// Cluster mode: ask the seed for CLUSTER SLOTS, connect to every master, send each key to
    /// the master of its slot, and follow redirections: -MOVED updates the slot map and resends
    /// (counted as "moved"), -ASK resends once behind ASKING (counted as "ask").
    #[arg(long)]
    pub cluster: bool,

    /// Which keys a connection may use, by the shard that owns them: any; local (only keys its
    /// own shard owns, so no request crosses cores); remote (only keys another shard owns, so
    /// every request does). local and remote need a server that reports `shard=` in CLIENT INFO
    /// and `threads:` in INFO server, as Tessera does.
    #[arg(long, value_enum, default_value_t = ShardKeys::Any, conflicts_with = "cluster")]
    pub shard_keys: ShardKeys,

    /// Also write the results as a JSON object to FILE; `-` writes it to stdout (and the table
    /// to stderr).
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,

    /// Print to stdout only one line, `LABEL OPS_PER_SEC P50_MS P99_MS P999_MS REQUESTS` (both
    /// commands together), and the table to stderr; for scripts. LABEL may contain spaces.
    #[arg(long, value_name = "LABEL")]
    pub summary_line: Option<String>,

    /// Exit with status 0 even when some requests got error replies or no reply.
    #[arg(long)]
    pub allow_errors: bool,

    /// Seed for the key choices, for runs that repeat exactly. Default: from the clock.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// SET:GET proportions; a struct rather than a pair so the parser can reject `0:0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    /// SETs per cycle.
    pub set: u32,
    /// GETs per cycle.
    pub get: u32,
}

/// The key patterns memtier offers that matter for a cache-shaped store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyPattern {
    /// Every key equally likely: the worst case for locality.
    Uniform,
    /// Walk the range in order: what a scan or a fill looks like.
    Sequential,
    /// Normal around the middle: a hot set with a tail, like real traffic.
    Gaussian,
}

/// Key choice by owning shard, for measuring the cross-core path against the local one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShardKeys {
    /// No constraint.
    Any,
    /// Only keys owned by the shard that serves the connection.
    Local,
    /// Only keys owned by some other shard.
    Remote,
}

/// When the measured phase ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// After this long.
    Time(Duration),
    /// After each client has sent this many requests.
    Requests(u64),
}

/// The checked configuration: ranges resolved, defaults applied, contradictions rejected.
#[derive(Debug, Clone)]
pub struct Config {
    /// The command line as given, for the options that need no resolving.
    pub args: Args,
    /// Smallest key number.
    pub key_min: u64,
    /// Largest key number, inclusive.
    pub key_max: u64,
    /// When the measured phase ends.
    pub stop: Stop,
}

impl Config {
    /// Resolves the key range and the stop condition, and rejects what cannot run.
    pub fn from_args(args: Args) -> Result<Config, String> {
        let (key_min, key_max) = match args.keys {
            Some(n) => (0, n - 1),
            None => (
                args.key_minimum.unwrap_or(0),
                args.key_maximum.unwrap_or(99_999),
            ),
        };
        if key_min > key_max {
            return Err(format!(
                "--key-minimum ({key_min}) is above --key-maximum ({key_max})"
            ));
        }
        if let Some(rate) = args.rate {
            if !(rate.is_finite() && rate > 0.0) {
                return Err(format!("--rate must be a positive number, not {rate}"));
            }
        }
        if let Some(sd) = args.key_stddev {
            if !(sd.is_finite() && sd > 0.0) {
                return Err(format!("--key-stddev must be a positive number, not {sd}"));
            }
        }
        if args.summary_line.is_some() && args.json.as_deref() == Some("-") {
            return Err(
                "--summary-line and --json - both write to stdout; give --json a file".into(),
            );
        }
        let stop = match (args.test_time, args.requests) {
            (Some(secs), _) => Stop::Time(Duration::from_secs(secs)),
            (None, Some(n)) => Stop::Requests(n),
            (None, None) => Stop::Requests(10_000),
        };
        Ok(Config {
            args,
            key_min,
            key_max,
            stop,
        })
    }

    /// Number of keys in the range (at least 1).
    pub fn key_count(&self) -> u64 {
        self.key_max - self.key_min + 1
    }

    /// Connections-worth of clients across all threads.
    pub fn total_clients(&self) -> u64 {
        u64::from(self.args.threads) * u64::from(self.args.clients)
    }
}

/// Parses `S:G`.
fn parse_ratio(text: &str) -> Result<Ratio, String> {
    let (set, get) = text
        .split_once(':')
        .ok_or_else(|| format!("expected SET:GET such as 1:10, got {text:?}"))?;
    let set: u32 = set
        .trim()
        .parse()
        .map_err(|_| format!("bad SET count in {text:?}"))?;
    let get: u32 = get
        .trim()
        .parse()
        .map_err(|_| format!("bad GET count in {text:?}"))?;
    if set == 0 && get == 0 {
        return Err("the ratio 0:0 sends nothing".into());
    }
    Ok(Ratio { set, get })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_parses_and_rejects_nothing() {
        assert_eq!(parse_ratio("1:10"), Ok(Ratio { set: 1, get: 10 }));
        assert_eq!(parse_ratio("0:1"), Ok(Ratio { set: 0, get: 1 }));
        assert!(parse_ratio("0:0").is_err());
        assert!(parse_ratio("3").is_err());
    }

    #[test]
    fn keys_resolve_to_a_range() {
        let args = Args::parse_from(["tessera-load", "--keys", "10"]);
        let config = Config::from_args(args).expect("valid");
        assert_eq!((config.key_min, config.key_max), (0, 9));
        let args = Args::parse_from(["tessera-load", "--key-minimum", "5", "--key-maximum", "4"]);
        assert!(Config::from_args(args).is_err());
    }

    #[test]
    fn zero_requests_and_the_summary_line() {
        let args = Args::parse_from(["tessera-load", "--preload", "-n", "0", "--key-digits", "8"]);
        let config = Config::from_args(args).expect("valid");
        assert_eq!(config.stop, Stop::Requests(0));
        assert_eq!(config.args.key_digits, 8);
        assert!(Args::try_parse_from(["tessera-load", "--key-digits", "65"]).is_err());
        let args = Args::parse_from(["tessera-load", "--summary-line", "A x", "--json", "-"]);
        assert!(Config::from_args(args).is_err());
    }
}
