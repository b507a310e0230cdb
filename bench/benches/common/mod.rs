//! What every bench target shares: one criterion configuration, kept modest so that
//! `cargo bench -p tessera-bench` runs in a few minutes on a small machine.

use std::time::Duration;

use criterion::Criterion;

/// Criterion settings for Tessera's micro benches: 1 s of warm-up, 3 s of measurement, 50
/// samples. Command-line options (`--measurement-time`, `--sample-size`...) still override them:
/// `criterion_group!` applies them on top of this.
pub fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
}
