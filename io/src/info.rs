//! INFO's text, with Redis's sections and field names.

use std::sync::atomic::Ordering;

use tessera_core::config::Config;

use crate::shard::{now_ms, Node};

/// `uname -srm`, as Redis's `os` field.
fn os_name() -> String {
    // SAFETY: uname fills the struct we pass.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } != 0 {
        return std::env::consts::OS.to_string();
    }
    let field = |f: &[libc::c_char]| {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    format!(
        "{} {} {}",
        field(&u.sysname),
        field(&u.release),
        field(&u.machine)
    )
}

fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map(|pages| pages * 4096)
        .unwrap_or(0)
}

fn cpu_times() -> (f64, f64) {
    // SAFETY: getrusage writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    (t(usage.ru_stime), t(usage.ru_utime))
}

fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}G", b / 1024.0 / 1024.0 / 1024.0)
    } else if b >= 1024.0 * 1024.0 {
        format!("{:.2}M", b / 1024.0 / 1024.0)
    } else if b >= 1024.0 {
        format!("{:.2}K", b / 1024.0)
    } else {
        format!("{bytes}B")
    }
}

/// Renders the sections asked for (`all`, `default`, `everything` or names) from the shards'
/// summed counters.
pub fn render(node: &Node, config: &Config, sums: &[(String, u64)], asked: &[String]) -> String {
    let get = |k: &str| sums.iter().find(|(n, _)| n == k).map_or(0, |e| e.1);
    let all = asked.is_empty()
        || asked
            .iter()
            .any(|a| a == "all" || a == "default" || a == "everything");
    let want = |s: &str| all || asked.iter().any(|a| a == s);
    let mut out = String::new();
    let uptime = now_ms().saturating_sub(node.start_ms) / 1000;
    if want("server") {
        out.push_str(&format!(
            "# Server\r\nredis_version:{}\r\ntessera_version:{}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\nos:{}\r\narch_bits:64\r\nmultiplexing_api:io_uring\r\nio_uring_setup:{}\r\nprocess_id:{}\r\nrun_id:{:040x}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\nexecutable:{}\r\nconfig_file:{}\r\nthreads:{}\r\n\r\n",
            tessera_core::REDIS_VERSION,
            tessera_core::VERSION,
            os_name(),
            node.ring_mode.get().map(String::as_str).unwrap_or("unknown"),
            std::process::id(),
            node.start_ms as u128 * 0x9e37_79b9_7f4a_7c15,
            node.port,
            now_ms() * 1000,
            uptime,
            uptime / 86400,
            config.hz,
            config.hz,
            node.executable,
            config.config_file.clone().unwrap_or_default(),
            node.shards,
        ));
    }
    if want("clients") {
        out.push_str(&format!(
            "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nclient_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\nblocked_clients:{}\r\ntracking_clients:0\r\nclients_in_timeout_table:{}\r\n\r\n",
            get("connected_clients"),
            config.maxclients,
            get("blocked_clients"),
            get("blocked_clients"),
        ));
    }
    if want("memory") {
        let rss = rss_bytes();
        let used = crate::memory::used_memory() as u64;
        let ratio = if used > 0 {
            rss as f64 / used as f64
        } else {
            0.0
        };
        out.push_str(&format!(
            "# Memory\r\nused_memory:{used}\r\nused_memory_human:{}\r\nused_memory_rss:{rss}\r\nused_memory_rss_human:{}\r\nmem_fragmentation_ratio:{ratio:.2}\r\nmaxmemory:{}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\nmem_not_counted_for_evict:0\r\nmem_allocator:libc\r\n\r\n",
            human(used),
            human(rss),
            config.maxmemory,
            human(config.maxmemory),
            config.maxmemory_policy.name()
        ));
    }
    if want("persistence") {
        // Shown when the append-only file is on, as Redis does; `aof_written` and `aof_synced`
        // (Tessera's own) are the bytes all shards' files hold and hold on disk.
        let aof_on = get("aof_enabled") > 0;
        let rw = &node.aof;
        let aof_sizes = if aof_on {
            let base = rw.base_size.load(Ordering::Acquire);
            format!(
                "aof_current_size:{}\r\naof_base_size:{base}\r\naof_pending_rewrite:{}\r\naof_buffer_length:0\r\naof_pending_bio_fsync:0\r\naof_delayed_fsync:0\r\naof_written:{}\r\naof_synced:{}\r\n",
                base + get("aof_file_size"),
                u8::from(rw.scheduled.load(Ordering::Acquire)),
                get("aof_written"),
                get("aof_synced"),
            )
        } else {
            String::new()
        };
        let started = node.save_started_ms.load(Ordering::Acquire);
        let current = if started == 0 {
            -1
        } else {
            (now_ms().saturating_sub(started) / 1000) as i64
        };
        out.push_str(&format!(
            "# Persistence\r\nloading:{}\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\ncurrent_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\ncurrent_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\nrdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:{}\r\nrdb_last_save_time:{}\r\nrdb_last_bgsave_status:{}\r\nrdb_last_bgsave_time_sec:{}\r\nrdb_current_bgsave_time_sec:{current}\r\nrdb_saves:{}\r\nrdb_last_cow_size:0\r\nrdb_last_load_keys_expired:{}\r\nrdb_last_load_keys_loaded:{}\r\naof_enabled:{}\r\naof_rewrite_in_progress:{}\r\naof_rewrite_scheduled:{}\r\naof_last_rewrite_time_sec:{}\r\naof_current_rewrite_time_sec:{}\r\naof_last_bgrewrite_status:{}\r\naof_rewrites:{}\r\naof_rewrites_consecutive_failures:{}\r\naof_last_write_status:{}\r\naof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n{aof_sizes}\r\n",
            u8::from(node.loading.load(Ordering::Acquire)),
            get("rdb_changes_since_last_save"),
            u8::from(node.saving.load(Ordering::Acquire)),
            node.last_save_secs.load(Ordering::Acquire),
            if node.last_save_ok.load(Ordering::Acquire) { "ok" } else { "err" },
            node.last_save_duration_secs.load(Ordering::Acquire),
            node.rdb_saves.load(Ordering::Acquire),
            node.last_load.1.load(Ordering::Acquire),
            node.last_load.0.load(Ordering::Acquire),
            u8::from(aof_on),
            u8::from(rw.running.load(Ordering::Acquire)),
            u8::from(rw.scheduled.load(Ordering::Acquire)),
            rw.last_secs.load(Ordering::Acquire),
            match rw.started_ms.load(Ordering::Acquire) {
                0 => -1,
                t => (now_ms().saturating_sub(t) / 1000) as i64,
            },
            if rw.last_failed.load(Ordering::Acquire) { "err" } else { "ok" },
            rw.done.load(Ordering::Acquire),
            rw.failures.load(Ordering::Acquire),
            if get("aof_write_error") > 0 { "err" } else { "ok" },
        ));
    }
    if want("stats") {
        out.push_str(&format!(
            // Replication, forks, MIGRATE's socket cache and active defrag do not exist here:
            // their fields keep Redis 7.0's idle values, in Redis's order.
            "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:0\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\ntotal_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\nrejected_connections:{}\r\nsync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\nexpired_keys:{}\r\nevicted_keys:{}\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:0\r\npubsub_patterns:0\r\npubsubshard_channels:0\r\nlatest_fork_usec:0\r\ntotal_forks:0\r\nmigrate_cached_sockets:0\r\nslave_expires_tracked_keys:0\r\nactive_defrag_hits:0\r\nactive_defrag_misses:0\r\nactive_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\n\r\n",
            get("total_connections_received"),
            get("total_commands_processed"),
            get("total_net_input_bytes"),
            get("total_net_output_bytes"),
            get("rejected_connections"),
            get("expired_keys"),
            get("evicted_keys"),
            get("keyspace_hits"),
            get("keyspace_misses"),
        ));
    }
    if want("replication") {
        out.push_str("# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\nmaster_replid:0000000000000000000000000000000000000000\r\nmaster_repl_offset:0\r\nrepl_backlog_active:0\r\n\r\n");
    }
    if want("cpu") {
        let (sys, user) = cpu_times();
        out.push_str(&format!(
            "# CPU\r\nused_cpu_sys:{sys:.6}\r\nused_cpu_user:{user:.6}\r\n\r\n"
        ));
    }
    if want("keyspace") {
        out.push_str("# Keyspace\r\n");
        for db in 0..config.databases {
            let keys = get(&format!("db{db}_keys"));
            if keys > 0 {
                out.push_str(&format!(
                    "db{db}:keys={keys},expires={},avg_ttl=0\r\n",
                    get(&format!("db{db}_expires"))
                ));
            }
        }
        out.push_str("\r\n");
    }
    while out.ends_with("\r\n\r\n") {
        out.truncate(out.len() - 2);
    }
    out
}
