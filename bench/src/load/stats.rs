//! What one load thread counted: an HDR latency histogram and a count per command, and every
//! kind of failure. Threads count alone and the results are merged once at the end.

use hdrhistogram::Histogram;

use super::request::Command;

/// Distinct error messages kept for the report.
const KEPT_MESSAGES: usize = 5;
/// Highest latency recorded exactly, in nanoseconds (an hour); longer ones saturate.
const MAX_LATENCY_NS: u64 = 3_600_000_000_000;

/// Counts of one thread, or of the whole run once merged.
#[derive(Debug, Clone)]
pub struct Stats {
    /// Latency of successful replies, per command (index: `Command as usize`), nanoseconds.
    pub latency: [Histogram<u64>; 2],
    /// Error replies (MOVED ones excluded in cluster mode).
    pub errors: u64,
    /// Requests never answered: their connection broke, or the server stopped answering.
    pub unanswered: u64,
    /// MOVED redirections followed.
    pub moved: u64,
    /// ASK redirections followed.
    pub asks: u64,
    /// The first distinct error messages (replies and broken connections).
    pub messages: Vec<String>,
}

impl Stats {
    /// Empty counts.
    pub fn new() -> Stats {
        let histogram = || {
            Histogram::new_with_bounds(1, MAX_LATENCY_NS, 3)
                .expect("constant histogram bounds are valid")
        };
        Stats {
            latency: [histogram(), histogram()],
            errors: 0,
            unanswered: 0,
            moved: 0,
            asks: 0,
            messages: Vec::new(),
        }
    }

    /// Records a successful reply after `nanos`.
    #[inline]
    pub fn record(&mut self, command: Command, nanos: u64) {
        self.latency[command as usize].saturating_record(nanos.max(1));
    }

    /// Successful replies, all commands.
    pub fn ok(&self) -> u64 {
        self.latency.iter().map(Histogram::len).sum()
    }

    /// Remembers `message` if it is new and there is room.
    pub fn note(&mut self, message: impl Into<String>) {
        let message = message.into();
        if self.messages.len() < KEPT_MESSAGES && !self.messages.contains(&message) {
            self.messages.push(message);
        }
    }

    /// Adds `other` in.
    pub fn merge(&mut self, other: &Stats) {
        for (mine, theirs) in self.latency.iter_mut().zip(&other.latency) {
            // Same bounds on both sides, so adding cannot fail.
            let _ = mine.add(theirs);
        }
        self.errors += other.errors;
        self.unanswered += other.unanswered;
        self.moved += other.moved;
        self.asks += other.asks;
        for message in &other.messages {
            self.note(message.clone());
        }
    }
}

impl Default for Stats {
    fn default() -> Self {
        Stats::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_counts_and_keeps_distinct_messages() {
        let mut a = Stats::new();
        a.record(Command::Get, 1000);
        a.errors = 1;
        a.note("ERR x");
        let mut b = Stats::new();
        b.record(Command::Set, 2000);
        b.record(Command::Get, 3000);
        b.note("ERR x");
        b.note("ERR y");
        a.merge(&b);
        assert_eq!(a.ok(), 3);
        assert_eq!(a.latency[Command::Get as usize].len(), 2);
        assert_eq!(a.errors, 1);
        assert_eq!(a.messages, vec!["ERR x", "ERR y"]);
    }
}
