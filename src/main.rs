//! The `tessera` binary: reads the configuration the Redis way, then runs the node.
//!
//! `tessera [tessera.conf] [--port 6380 --bind 127.0.0.1 --threads 2 ...]`: a config file of
//! `directive value` lines with redis.conf's names, then `--directive value` arguments that
//! override it. With nothing at all it serves 127.0.0.1:6379 on every core it may use.

use tessera_core::config::Config;

mod persistence;

/// Counts what the process allocates, for INFO's `used_memory`.
#[global_allocator]
static ALLOCATOR: tessera_io::memory::Counting = tessera_io::memory::Counting;

fn usage() -> ! {
    println!("Usage: tessera [/path/to/tessera.conf] [--directive value ...]");
    println!("       tessera --version");
    println!("Examples:");
    println!("       tessera                      (serves 127.0.0.1:6379 on every core)");
    println!("       tessera --port 7777 --threads 2");
    println!("       tessera /etc/tessera.conf --loglevel verbose");
    std::process::exit(0);
}

/// Reads the config file (if the first argument names one) and the `--name value` arguments.
fn load_config(args: &[String]) -> Result<Config, String> {
    let mut config = Config::default();
    let mut rest = args;
    if let Some(first) = args.first() {
        if !first.starts_with("--") {
            let text = std::fs::read_to_string(first)
                .map_err(|e| format!("Fatal error, can't open config file '{first}': {e}"))?;
            config.load_str(&text)?;
            config.config_file = Some(
                std::fs::canonicalize(first).map_or(first.clone(), |p| p.display().to_string()),
            );
            rest = &args[1..];
        }
    }
    // Arguments become config lines, as Redis does: `--port 7000 --bind a b` is `port 7000\nbind a b`.
    let mut text = String::new();
    for a in rest {
        if let Some(name) = a.strip_prefix("--") {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(name);
        } else {
            text.push(' ');
            if a.is_empty() || a.contains(' ') {
                text.push('"');
                text.push_str(a);
                text.push('"');
            } else {
                text.push_str(a);
            }
        }
    }
    config.load_str(&text)?;
    Ok(config)
}

fn main() {
    // A shard whose thread panicked would leave the node half alive, its clients hanging: like
    // Redis on a failed assertion, report and stop the whole process instead.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        report(info);
        tessera_io::log::warn("=== TESSERA BUG REPORT: a shard panicked; stopping the server ===");
        std::process::abort();
    }));
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        usage();
    }
    if args.iter().any(|a| a == "--version" || a == "-v") {
        println!(
            "Tessera server v={} (Redis {} compatible)",
            tessera_core::VERSION,
            tessera_core::REDIS_VERSION
        );
        return;
    }
    let config = match load_config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("\n{e}");
            std::process::exit(1);
        }
    };
    tessera_io::log::set_level(&config.loglevel);
    tessera_io::log::set_file(&config.logfile);
    if config.dir != "." {
        if let Err(e) = std::env::set_current_dir(&config.dir) {
            eprintln!("Can't chdir to '{}': {e}", config.dir);
            std::process::exit(1);
        }
    }
    let stop = tessera_io::signals::stop_on_signals();
    let threads = config.threads;
    persistence::install();
    let loader = persistence::loader(&config);
    if let Err(e) = tessera_io::start(config, threads, stop, loader) {
        tessera_io::log::warn(&format!("Fatal: {e}"));
        std::process::exit(1);
    }
}
