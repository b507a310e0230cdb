//! One monotonic time base per run, in nanoseconds as plain integers.
//!
//! Send times are stored per request in the in-flight queues; a `u64` of nanoseconds since the
//! run's epoch is half the size of an `Instant` and subtracts without checks.

use std::time::{Duration, Instant};

/// The run's epoch; copied into every worker so all of them count from the same instant.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    epoch: Instant,
}

impl Clock {
    /// Starts the epoch now.
    pub fn new() -> Clock {
        Clock {
            epoch: Instant::now(),
        }
    }

    /// Nanoseconds since the epoch.
    #[inline]
    pub fn now(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    /// A duration as nanoseconds on this clock.
    pub fn span(duration: Duration) -> u64 {
        duration.as_nanos() as u64
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}
