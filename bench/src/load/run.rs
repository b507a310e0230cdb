//! The run from start to end: check the options, ask the server what the options need (slot
//! map, shard count), open every client, start the threads, merge and report.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Barrier;
use std::time::Instant;

use super::args::{Args, Config, ShardKeys, Stop};
use super::clock::Clock;
use super::cluster::{join_host_port, SlotMap};
use super::keys::KeySet;
use super::report::{Preload, Summary};
use super::request::Encoder;
use super::setup::{self, Opened};
use super::shards::{info_shards, ShardTable};
use super::stats::Stats;
use super::worker::{ClientSetup, Worker, WorkerResult};

/// Runs the load described by `args`, prints the report, and says how the process should exit
/// (see `--help`, EXIT STATUS).
pub fn run(args: Args) -> ExitCode {
    match try_run(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            say(&format!("tessera-load: {message}"));
            ExitCode::from(2)
        }
    }
}

/// The run; `Ok(false)` when requests failed and `--allow-errors` was not given.
fn try_run(args: Args) -> Result<bool, String> {
    let config = Config::from_args(args)?;
    let args = &config.args;
    let encoder =
        Encoder::new(&args.key_prefix, args.data_size).key_digits(usize::from(args.key_digits));
    let seed_addr = join_host_port(&args.host, i64::from(args.port));
    let resp3 = args.resp == 3;
    let by_shard = args.shard_keys != ShardKeys::Any;

    let mut probe = setup::open(&seed_addr, resp3, by_shard)?;
    let slots = if args.cluster {
        Some(cluster_map(&mut probe, &seed_addr, &args.host)?)
    } else {
        None
    };
    let table = if by_shard {
        Some(shard_table(&mut probe, &seed_addr, &config, &encoder)?)
    } else {
        None
    };
    drop(probe);
    say(&banner(&config, slots.as_ref()));

    let base_seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    let clock = Clock::new();
    let mut workers = Vec::new();
    for thread in 0..u64::from(args.threads) {
        let mut setups = Vec::new();
        for client in 0..u64::from(args.clients) {
            let index = thread * u64::from(args.clients) + client;
            setups.push(open_client(
                &config,
                &seed_addr,
                slots.as_ref(),
                table.as_ref(),
                index,
                mix(base_seed ^ index),
            )?);
        }
        workers.push(
            Worker::new(&config, &encoder, clock, slots.clone(), setups)
                .map_err(|e| format!("setting up a load thread: {e}"))?,
        );
    }

    let threads = u64::from(args.threads);
    let barrier = Barrier::new(workers.len() + 1);
    let started = Instant::now();
    let (results, preload_seconds) = std::thread::scope(|scope| {
        let handles: Vec<_> = workers
            .into_iter()
            .enumerate()
            .map(|(i, worker)| {
                let i = i as u64;
                let share = config.args.preload.then(|| {
                    let n = config.key_count();
                    (
                        config.key_min + n * i / threads,
                        (config.key_min + n * (i + 1) / threads).wrapping_sub(1),
                    )
                });
                let barrier = &barrier;
                scope.spawn(move || worker.run(share, barrier))
            })
            .collect();
        if config.args.preload {
            say(&format!("preloading {} keys...", config.key_count()));
        }
        barrier.wait();
        let preload_seconds = started.elapsed().as_secs_f64();
        barrier.wait();
        let results: Vec<WorkerResult> = handles
            .into_iter()
            .map(|h| h.join().map_err(|_| "a load thread panicked".to_string()))
            .collect::<Result<_, _>>()?;
        Ok::<_, String>((results, preload_seconds))
    })?;

    let mut stats = Stats::new();
    let mut preload = Stats::new();
    let mut seconds = 0f64;
    for result in &results {
        stats.merge(&result.stats);
        preload.merge(&result.preload);
        seconds = seconds.max(result.seconds);
    }
    let mut messages = preload.messages.clone();
    for message in &stats.messages {
        if !messages.contains(message) {
            messages.push(message.clone());
        }
    }
    let summary = Summary::new(
        &stats,
        seconds,
        config.args.preload.then_some(Preload {
            keys: config.key_count(),
            seconds: preload_seconds,
            errors: preload.errors,
            unanswered: preload.unanswered,
        }),
        messages,
    );
    output(&summary, &config)?;
    Ok(config.args.allow_errors || !summary.failed())
}

/// Asks the seed for the slot map.
fn cluster_map(probe: &mut Opened, seed: &str, host: &str) -> Result<SlotMap, String> {
    let reply = setup::command(&mut probe.stream, &[b"CLUSTER", b"SLOTS"])
        .map_err(|e| format!("--cluster: CLUSTER SLOTS to {seed}: {e}"))?;
    SlotMap::from_cluster_slots(&reply, host).map_err(|e| {
        format!("--cluster: {seed} cannot give a slot map ({e}); is it a cluster node?")
    })
}

/// Learns the shard count and partitions the key range, for `--shard-keys local|remote`.
fn shard_table(
    probe: &mut Opened,
    seed: &str,
    config: &Config,
    encoder: &Encoder,
) -> Result<ShardTable, String> {
    let mode = format!("{:?}", config.args.shard_keys).to_lowercase();
    if probe.shard.is_none() {
        return Err(format!(
            "--shard-keys {mode}: the server at {seed} does not say which shard serves a \
             connection (no `shard=` in CLIENT INFO); only Tessera does"
        ));
    }
    let info = setup::command(&mut probe.stream, &[b"INFO", b"server"])
        .map_err(|e| format!("INFO server to {seed}: {e}"))?;
    let shards = info_shards(&info.text().unwrap_or_default());
    if config.key_count() > 1 << 32 {
        return Err(format!(
            "--shard-keys {mode}: a range of {} keys is too large to partition; use at most 2^32",
            config.key_count()
        ));
    }
    Ok(ShardTable::build(
        encoder,
        config.key_min,
        config.key_max,
        shards,
    ))
}

/// Opens client number `index`'s connections and picks its keys.
fn open_client(
    config: &Config,
    seed: &str,
    slots: Option<&SlotMap>,
    table: Option<&ShardTable>,
    index: u64,
    seed_value: u64,
) -> Result<ClientSetup, String> {
    let resp3 = config.args.resp == 3;
    let mut streams = Vec::new();
    let mut keys = KeySet::Range {
        min: config.key_min,
        len: config.key_count(),
    };
    match slots {
        Some(slots) => {
            for addr in slots.nodes() {
                streams.push((setup::open(addr, resp3, false)?.stream, addr.clone()));
            }
        }
        None => {
            let opened = setup::open(seed, resp3, table.is_some())?;
            if let Some(table) = table {
                let shard = opened.shard.ok_or_else(|| {
                    format!("{seed}: CLIENT INFO of a connection reports no shard")
                })?;
                keys = table.keys_for(shard, config.args.shard_keys)?;
            }
            streams.push((opened.stream, seed.to_string()));
        }
    }
    Ok(ClientSetup {
        streams,
        keys,
        index,
        seed: seed_value,
    })
}

/// The one line that says what is about to run.
fn banner(config: &Config, slots: Option<&SlotMap>) -> String {
    let args = &config.args;
    let stop = match config.stop {
        Stop::Time(d) => format!("for {}s", d.as_secs()),
        Stop::Requests(n) => format!("{n} requests per client"),
    };
    let mode = match args.rate {
        Some(rate) => format!("open loop at {rate} req/s"),
        None => "closed loop".into(),
    };
    let target = match slots {
        Some(s) => format!("cluster of {} masters", s.nodes().len()),
        None => format!("{}:{}", args.host, args.port),
    };
    format!(
        "tessera-load: {target}, {} threads x {} clients, pipeline {}, SET:GET {}:{}, keys \
         {}{:0digits$}..={:0digits$} ({:?}, shard keys {:?}), {}-byte values, RESP{}, {mode}, {stop}",
        args.threads,
        args.clients,
        args.pipeline,
        args.ratio.set,
        args.ratio.get,
        args.key_prefix,
        config.key_min,
        config.key_max,
        args.key_pattern,
        args.shard_keys,
        args.data_size,
        args.resp,
        digits = usize::from(args.key_digits),
    )
    .to_lowercase()
}

/// Prints the table (to stderr when the JSON or the summary line goes to stdout) and writes the
/// JSON.
fn output(summary: &Summary, config: &Config) -> Result<(), String> {
    let table = summary.table();
    let json = format!("{:#}\n", summary.json(config));
    let stdout = |text: &str| {
        std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| format!("writing the report: {e}"))
    };
    if let Some(label) = config.args.summary_line.as_deref() {
        say(table.trim_end());
        if let Some(path) = config.args.json.as_deref() {
            std::fs::write(path, json).map_err(|e| format!("writing {path}: {e}"))?;
        }
        return stdout(&summary.line(label));
    }
    match config.args.json.as_deref() {
        Some("-") => {
            say(table.trim_end());
            stdout(&json)?;
        }
        Some(path) => {
            stdout(&table)?;
            std::fs::write(path, json).map_err(|e| format!("writing {path}: {e}"))?;
        }
        None => stdout(&table)?,
    }
    Ok(())
}

/// A progress line on stderr. Never panics (`eprintln!` does on a closed stderr), because a
/// panic while the load threads wait at the barrier would hang the run.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// SplitMix64: decorrelates the per-client seeds derived from one base seed.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
