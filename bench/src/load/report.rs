//! The results, as a table for people and a JSON object for scripts, built from one summary so
//! the two always carry the same numbers.

use std::fmt::Write as _;

use hdrhistogram::Histogram;
use serde_json::{json, Value};

use super::args::Config;
use super::request::Command;
use super::stats::Stats;

/// Latency quantiles of one command (or all), in microseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    /// Successful replies.
    pub requests: u64,
    /// Successful replies per second.
    pub ops_per_sec: f64,
    /// Mean.
    pub mean_us: f64,
    /// Median.
    pub p50_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// 99.9th percentile.
    pub p999_us: f64,
    /// 99.99th percentile.
    pub p9999_us: f64,
    /// Slowest.
    pub max_us: f64,
}

impl Latency {
    /// Reads the quantiles of a nanosecond histogram.
    fn of(histogram: &Histogram<u64>, seconds: f64) -> Latency {
        let us = |ns: u64| ns as f64 / 1000.0;
        let empty = histogram.is_empty();
        let at = |q: f64| {
            if empty {
                0.0
            } else {
                us(histogram.value_at_quantile(q))
            }
        };
        Latency {
            requests: histogram.len(),
            ops_per_sec: if seconds > 0.0 {
                histogram.len() as f64 / seconds
            } else {
                0.0
            },
            mean_us: if empty {
                0.0
            } else {
                histogram.mean() / 1000.0
            },
            p50_us: at(0.5),
            p99_us: at(0.99),
            p999_us: at(0.999),
            p9999_us: at(0.9999),
            max_us: if empty { 0.0 } else { us(histogram.max()) },
        }
    }

    fn json(&self) -> Value {
        json!({
            "requests": self.requests,
            "ops_per_sec": round(self.ops_per_sec),
            "mean_us": round(self.mean_us),
            "p50_us": round(self.p50_us),
            "p99_us": round(self.p99_us),
            "p999_us": round(self.p999_us),
            "p9999_us": round(self.p9999_us),
            "max_us": round(self.max_us),
        })
    }
}

/// The preload phase, in brief.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preload {
    /// Keys written.
    pub keys: u64,
    /// How long it took.
    pub seconds: f64,
    /// Error replies.
    pub errors: u64,
    /// Requests never answered.
    pub unanswered: u64,
}

/// Everything reported about a run.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Length of the measured phase.
    pub seconds: f64,
    /// Per command, in [`Command::ALL`] order.
    pub commands: [Latency; 2],
    /// Both commands together.
    pub all: Latency,
    /// Error replies.
    pub errors: u64,
    /// Requests never answered.
    pub unanswered: u64,
    /// MOVED redirections followed.
    pub moved: u64,
    /// ASK redirections followed.
    pub asks: u64,
    /// First distinct error messages, preload's included.
    pub messages: Vec<String>,
    /// The preload phase, when there was one.
    pub preload: Option<Preload>,
}

impl Summary {
    /// Summarizes merged statistics of a measured phase of `seconds`.
    pub fn new(
        stats: &Stats,
        seconds: f64,
        preload: Option<Preload>,
        messages: Vec<String>,
    ) -> Self {
        let mut all = stats.latency[0].clone();
        // Same bounds on both sides, so adding cannot fail.
        let _ = all.add(&stats.latency[1]);
        Summary {
            seconds,
            commands: [
                Latency::of(&stats.latency[0], seconds),
                Latency::of(&stats.latency[1], seconds),
            ],
            all: Latency::of(&all, seconds),
            errors: stats.errors,
            unanswered: stats.unanswered,
            moved: stats.moved,
            asks: stats.asks,
            messages,
            preload,
        }
    }

    /// Requests of the measured phase, answered or not.
    pub fn requests(&self) -> u64 {
        self.all.requests + self.errors + self.unanswered
    }

    /// Whether anything failed, preload included.
    pub fn failed(&self) -> bool {
        self.errors + self.unanswered > 0
            || self.preload.is_some_and(|p| p.errors + p.unanswered > 0)
    }

    /// The human table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        if let Some(p) = self.preload {
            let _ = writeln!(
                out,
                "preload: {} keys in {:.3}s ({:.0} keys/s), {} errors, {} unanswered",
                p.keys,
                p.seconds,
                if p.seconds > 0.0 {
                    p.keys as f64 / p.seconds
                } else {
                    0.0
                },
                p.errors,
                p.unanswered
            );
        }
        let _ = writeln!(
            out,
            "{:<6} {:>12} {:>11} {:>10} {:>10} {:>10} {:>10} {:>11} {:>11}",
            "Type",
            "Ops/sec",
            "Requests",
            "Avg(us)",
            "p50(us)",
            "p99(us)",
            "p99.9(us)",
            "p99.99(us)",
            "Max(us)"
        );
        let rows = Command::ALL
            .iter()
            .map(|c| (c.name(), &self.commands[*c as usize]))
            .chain([("Totals", &self.all)]);
        for (name, l) in rows {
            let _ = writeln!(
                out,
                "{:<6} {:>12.2} {:>11} {:>10.3} {:>10.3} {:>10.3} {:>10.3} {:>11.3} {:>11.3}",
                name,
                l.ops_per_sec,
                l.requests,
                l.mean_us,
                l.p50_us,
                l.p99_us,
                l.p999_us,
                l.p9999_us,
                l.max_us
            );
        }
        let _ = writeln!(
            out,
            "{} requests in {:.3}s; {} errors, {} unanswered, {} moved, {} ask",
            self.requests(),
            self.seconds,
            self.errors,
            self.unanswered,
            self.moved,
            self.asks
        );
        for message in &self.messages {
            let _ = writeln!(out, "  error: {message}");
        }
        out
    }

    /// The one line of `--summary-line`: `LABEL OPS_PER_SEC P50_MS P99_MS P999_MS REQUESTS`,
    /// over both commands, ending in a newline.
    pub fn line(&self, label: &str) -> String {
        format!(
            "{label} {:.0} {:.3} {:.3} {:.3} {}\n",
            self.all.ops_per_sec,
            self.all.p50_us / 1000.0,
            self.all.p99_us / 1000.0,
            self.all.p999_us / 1000.0,
            self.requests()
        )
    }

    /// The JSON object: the table's numbers plus the configuration that produced them.
    pub fn json(&self, config: &Config) -> Value {
        let args = &config.args;
        json!({
            "ops_per_sec": round(self.all.ops_per_sec),
            "seconds": round(self.seconds),
            "requests": self.requests(),
            "errors": self.errors,
            "unanswered": self.unanswered,
            "moved": self.moved,
            "ask": self.asks,
            "error_messages": self.messages,
            "set": self.commands[Command::Set as usize].json(),
            "get": self.commands[Command::Get as usize].json(),
            "all": self.all.json(),
            "preload": self.preload.map(|p| json!({
                "keys": p.keys,
                "seconds": round(p.seconds),
                "errors": p.errors,
                "unanswered": p.unanswered,
            })),
            "config": {
                "host": args.host,
                "port": args.port,
                "threads": args.threads,
                "clients": args.clients,
                "pipeline": args.pipeline,
                "ratio": format!("{}:{}", args.ratio.set, args.ratio.get),
                "key_pattern": format!("{:?}", args.key_pattern).to_lowercase(),
                "key_minimum": config.key_min,
                "key_maximum": config.key_max,
                "key_prefix": args.key_prefix,
                "key_digits": args.key_digits,
                "data_size": args.data_size,
                "resp": args.resp,
                "rate": args.rate,
                "cluster": args.cluster,
                "shard_keys": format!("{:?}", args.shard_keys).to_lowercase(),
            },
        })
    }
}

/// Three decimals are enough for microseconds and rates, and keep the JSON readable.
fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_rates() {
        let mut stats = Stats::new();
        for us in 1..=1000u64 {
            stats.record(Command::Get, us * 1000);
        }
        stats.record(Command::Set, 5_000_000);
        stats.errors = 2;
        let summary = Summary::new(&stats, 2.0, None, vec!["ERR x".into()]);
        let get = summary.commands[Command::Get as usize];
        assert_eq!(get.requests, 1000);
        assert!((get.ops_per_sec - 500.0).abs() < 1e-9);
        assert!((get.p50_us - 500.0).abs() < 1.0, "{}", get.p50_us);
        assert!((get.p99_us - 990.0).abs() < 1.0, "{}", get.p99_us);
        assert!((summary.all.max_us - 5000.0).abs() < 5.0);
        assert_eq!(summary.requests(), 1003);
        assert!(summary.failed());
        assert!(summary.table().contains("error: ERR x"));
        let line = summary.line("A tessera");
        assert!(line.starts_with("A tessera 50"), "{line}");
        assert!(line.ends_with(" 1003\n"), "{line}");
        assert_eq!(line.split_whitespace().count(), 7, "{line}");
    }
}
