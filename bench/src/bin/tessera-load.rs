//! `tessera-load`: the load generator. Everything lives in `tessera_bench::load`; see `--help`.

use std::process::ExitCode;

use clap::Parser;
use tessera_bench::load::{run, Args};

fn main() -> ExitCode {
    run(Args::parse())
}
