//! The ceiling server: Tessera's network path (executors, rings, parser, reply batching)
//! answering every command with a fixed reply and storing nothing.
//!
//! `tessera-ceiling --port 7000 --threads 1 --value-size 32`: GET returns `value-size` bytes,
//! MGET one such value per key, PING `+PONG`, everything else `+OK`. Tessera's throughput is
//! read as a fraction of this server's, measured on the same machine in the same run.

use clap::Parser;
use tessera_core::config::Config;
use tessera_io::ceiling::FixedReplies;

/// Fixed replies on Tessera's own network path: the most the I/O path allows.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// TCP port to serve.
    #[arg(long, default_value_t = 7000)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
    /// Shards (executors), as Tessera's `--threads`; 0 means every allowed core.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Bytes of the value every GET returns.
    #[arg(long, default_value_t = 3)]
    value_size: usize,
}

fn main() {
    let cli = Cli::parse();
    let mut config = Config::default();
    if let Err(e) = config.load_str(&format!("port {}\nbind {}\n", cli.port, cli.bind)) {
        eprintln!("{e}");
        std::process::exit(1);
    }
    let stop = tessera_io::signals::stop_on_signals();
    let fixed = FixedReplies {
        value: vec![b'x'; cli.value_size],
    };
    if let Err(e) = tessera_io::serve(config, cli.threads, stop, Some(fixed), None) {
        eprintln!("Fatal: {e}");
        std::process::exit(1);
    }
}
