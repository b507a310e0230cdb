//! The configuration: redis.conf's directive names, values and units, for the config file, the
//! command line and CONFIG GET/SET.
//!
//! Every directive is one row of [`DIRECTIVES`]: its name, how to read it, how to show it and
//! whether CONFIG SET may change it while the server runs. The file parser, the `--name value`
//! arguments and CONFIG all go through that one table, so they can never disagree.

mod aof;

pub use aof::Fsync;

use crate::keyspace::evict::{Policy, Tracking};
use crate::keyspace::glob_match;

/// The whole configuration of a node. Each shard keeps a copy; CONFIG SET updates them all.
#[derive(Clone, Debug)]
pub struct Config {
    /// TCP port (`port`).
    pub port: u16,
    /// Addresses to listen on (`bind`).
    pub bind: Vec<String>,
    /// Password of the default user (`requirepass`); empty when none.
    pub requirepass: String,
    /// Most clients connected at once (`maxclients`).
    pub maxclients: u64,
    /// Seconds of idleness after which a client is closed; 0 never (`timeout`).
    pub timeout: u64,
    /// Number of databases (`databases`).
    pub databases: usize,
    /// `debug`, `verbose`, `notice` or `warning` (`loglevel`).
    pub loglevel: String,
    /// Log file; empty for standard output (`logfile`).
    pub logfile: String,
    /// Working directory for files (`dir`).
    pub dir: String,
    /// The RDB file's name in `dir` (`dbfilename`).
    pub dbfilename: String,
    /// LZF-compress strings in RDB files (`rdbcompression`).
    pub rdbcompression: bool,
    /// End RDB files with a CRC64 and check it on load (`rdbchecksum`).
    pub rdbchecksum: bool,
    /// Snapshot rules (`save`): a BGSAVE starts when, for one (seconds, changes) pair, that
    /// many seconds passed since the last save and at least that many writes were made.
    pub save: Vec<(u64, u64)>,
    /// Refuse writes while the last background save failed (`stop-writes-on-bgsave-error`).
    pub stop_writes_on_bgsave_error: bool,
    /// Set once a config file or the command line gave `save`: later lines add rules to it,
    /// where the first replaced the defaults.
    pub(crate) save_given: bool,
    /// Largest bulk string a client may send (`proto-max-bulk-len`).
    pub proto_max_bulk_len: u64,
    /// Largest unparsed input a client may accumulate (`client-query-buffer-limit`).
    pub client_query_buffer_limit: u64,
    /// `no`, `yes` or `local` (`enable-debug-command`).
    pub enable_debug_command: String,
    /// Shards, one per core; 0 for every core the process may use (`threads`, Tessera's own).
    pub threads: usize,
    /// Background tasks per second: expiry cycle, client timeouts (`hz`).
    pub hz: u64,
    /// Most fields a hash keeps packed in a listpack (`hash-max-listpack-entries`).
    pub hash_max_listpack_entries: u64,
    /// Longest field or value a packed hash keeps (`hash-max-listpack-value`).
    pub hash_max_listpack_value: u64,
    /// Most members a sorted set keeps packed in a listpack (`zset-max-listpack-entries`).
    pub zset_max_listpack_entries: u64,
    /// Longest member a packed sorted set keeps (`zset-max-listpack-value`).
    pub zset_max_listpack_value: u64,
    /// Most integers a set keeps as an intset (`set-max-intset-entries`).
    pub set_max_intset_entries: u64,
    /// Size of each packed node of a list: positive, a count of elements; -1 to -5, a byte
    /// size of 4, 8, 16, 32 or 64 KiB (`list-max-listpack-size`).
    pub list_max_listpack_size: i64,
    /// The memory limit in bytes; 0 for none (`maxmemory`). Each shard holds its share.
    pub maxmemory: u64,
    /// What goes once memory is full (`maxmemory-policy`).
    pub maxmemory_policy: Policy,
    /// Keys sampled per database to pick one to evict (`maxmemory-samples`).
    pub maxmemory_samples: u64,
    /// How long one command may spend evicting, 0 to 100 (`maxmemory-eviction-tenacity`).
    pub maxmemory_eviction_tenacity: u64,
    /// Hits it takes to grow an LFU counter, logarithmically (`lfu-log-factor`).
    pub lfu_log_factor: u64,
    /// Minutes of idleness that take one from an LFU counter (`lfu-decay-time`).
    pub lfu_decay_time: u64,
    /// Keep an append-only file (`appendonly`).
    pub appendonly: bool,
    /// When the append-only file is synced to disk (`appendfsync`).
    pub appendfsync: Fsync,
    /// The folder in `dir` that holds the append-only files (`appenddirname`).
    pub appenddirname: String,
    /// The base name of the append-only files (`appendfilename`).
    pub appendfilename: String,
    /// Load an append-only file whose last record is torn, dropping that record
    /// (`aof-load-truncated`).
    pub aof_load_truncated: bool,
    /// Begin a rewritten append-only file with an RDB image (`aof-use-rdb-preamble`).
    pub aof_use_rdb_preamble: bool,
    /// Rewrite the append-only file when it grew by this percentage since the last rewrite; 0
    /// never (`auto-aof-rewrite-percentage`).
    pub auto_aof_rewrite_percentage: u64,
    /// Never rewrite automatically below this size in bytes (`auto-aof-rewrite-min-size`).
    pub auto_aof_rewrite_min_size: u64,
    /// Directives accepted for compatibility whose values are only remembered.
    pub inert: Vec<(&'static str, String)>,
    /// Name of the config file the server was started with, for CONFIG REWRITE.
    pub config_file: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 6379,
            bind: vec!["127.0.0.1".into()],
            requirepass: String::new(),
            maxclients: 10000,
            timeout: 0,
            databases: 16,
            loglevel: "notice".into(),
            logfile: String::new(),
            dir: ".".into(),
            dbfilename: "dump.rdb".to_string(),
            rdbcompression: true,
            rdbchecksum: true,
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            enable_debug_command: "no".into(),
            threads: 0,
            hz: 10,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            set_max_intset_entries: 512,
            list_max_listpack_size: -2,
            maxmemory: 0,
            maxmemory_policy: Policy::NoEviction,
            maxmemory_samples: 5,
            maxmemory_eviction_tenacity: 10,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            inert: INERT.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            save: vec![(3600, 1), (300, 100), (60, 10000)],
            save_given: false,
            stop_writes_on_bgsave_error: true,
            config_file: None,
            appendonly: false,
            appendfsync: Fsync::Everysec,
            appenddirname: "appendonlydir".into(),
            appendfilename: "appendonly.aof".into(),
            aof_load_truncated: true,
            aof_use_rdb_preamble: true,
            auto_aof_rewrite_percentage: 100,
            auto_aof_rewrite_min_size: 64 * 1024 * 1024,
        }
    }
}

/// Every other directive Redis 7.0 knows, with Redis's default: accepted and reported, so that
/// a redis.conf and the tools that read CONFIG work unchanged, but not acted on (yet). The list
/// is Redis 7.0.15's own `CONFIG GET *`, less the directives above.
#[rustfmt::skip]
const INERT: &[(&str, &str)] = &[
    ("acl-pubsub-default", "resetchannels"),
    ("aclfile", ""),
    ("acllog-max-len", "128"),
    ("active-defrag-cycle-max", "25"),
    ("active-defrag-cycle-min", "1"),
    ("active-defrag-ignore-bytes", "104857600"),
    ("active-defrag-max-scan-fields", "1000"),
    ("active-defrag-threshold-lower", "10"),
    ("active-defrag-threshold-upper", "100"),
    ("active-expire-effort", "1"),
    ("activedefrag", "no"),
    ("activerehashing", "yes"),
    ("always-show-logo", "no"),
    ("aof-disable-auto-gc", "no"),
    ("aof-rewrite-incremental-fsync", "yes"),
    ("aof-timestamp-enabled", "no"),
    ("aof_rewrite_cpulist", ""),
    ("bgsave_cpulist", ""),
    ("bind-source-addr", ""),
    ("bio_cpulist", ""),
    ("busy-reply-threshold", "5000"),
    ("client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"),
    ("cluster-allow-pubsubshard-when-down", "yes"),
    ("cluster-allow-reads-when-down", "no"),
    ("cluster-allow-replica-migration", "yes"),
    ("cluster-announce-bus-port", "0"),
    ("cluster-announce-hostname", ""),
    ("cluster-announce-ip", ""),
    ("cluster-announce-port", "0"),
    ("cluster-announce-tls-port", "0"),
    ("cluster-config-file", "nodes.conf"),
    ("cluster-enabled", "no"),
    ("cluster-link-sendbuf-limit", "0"),
    ("cluster-migration-barrier", "1"),
    ("cluster-node-timeout", "15000"),
    ("cluster-port", "0"),
    ("cluster-preferred-endpoint-type", "ip"),
    ("cluster-replica-no-failover", "no"),
    ("cluster-replica-validity-factor", "10"),
    ("cluster-require-full-coverage", "yes"),
    ("cluster-slave-no-failover", "no"),
    ("cluster-slave-validity-factor", "10"),
    ("crash-log-enabled", "yes"),
    ("crash-memcheck-enabled", "yes"),
    ("daemonize", "no"),
    ("disable-thp", "yes"),
    ("dynamic-hz", "yes"),
    ("enable-module-command", "no"),
    ("enable-protected-configs", "no"),
    ("hll-sparse-max-bytes", "3000"),
    ("ignore-warnings", ""),
    ("io-threads", "1"),
    ("io-threads-do-reads", "no"),
    ("jemalloc-bg-thread", "yes"),
    ("latency-monitor-threshold", "0"),
    ("latency-tracking", "yes"),
    ("latency-tracking-info-percentiles", "50 99 99.9"),
    ("lazyfree-lazy-eviction", "no"),
    ("lazyfree-lazy-expire", "no"),
    ("lazyfree-lazy-server-del", "no"),
    ("lazyfree-lazy-user-del", "no"),
    ("lazyfree-lazy-user-flush", "no"),
    ("list-compress-depth", "0"),
    ("lua-time-limit", "5000"),
    ("masterauth", ""),
    ("masteruser", ""),
    ("maxmemory-clients", "0"),
    ("min-replicas-max-lag", "10"),
    ("min-replicas-to-write", "0"),
    ("min-slaves-max-lag", "10"),
    ("min-slaves-to-write", "0"),
    ("no-appendfsync-on-rewrite", "no"),
    ("notify-keyspace-events", ""),
    ("oom-score-adj", "no"),
    ("oom-score-adj-values", "0 200 800"),
    ("pidfile", ""),
    ("proc-title-template", "{title} {listen-addr} {server-mode}"),
    ("propagation-error-behavior", "ignore"),
    ("protected-mode", "yes"),
    ("rdb-del-sync-files", "no"),
    ("rdb-save-incremental-fsync", "yes"),
    ("repl-backlog-size", "1048576"),
    ("repl-backlog-ttl", "3600"),
    ("repl-disable-tcp-nodelay", "no"),
    ("repl-diskless-load", "disabled"),
    ("repl-diskless-sync", "yes"),
    ("repl-diskless-sync-delay", "5"),
    ("repl-diskless-sync-max-replicas", "0"),
    ("repl-ping-replica-period", "10"),
    ("repl-ping-slave-period", "10"),
    ("repl-timeout", "60"),
    ("replica-announce-ip", ""),
    ("replica-announce-port", "0"),
    ("replica-announced", "yes"),
    ("replica-ignore-disk-write-errors", "no"),
    ("replica-ignore-maxmemory", "yes"),
    ("replica-lazy-flush", "no"),
    ("replica-priority", "100"),
    ("replica-read-only", "yes"),
    ("replica-serve-stale-data", "yes"),
    ("replicaof", ""),
    ("sanitize-dump-payload", "no"),
    ("server_cpulist", ""),
    ("set-proc-title", "yes"),
    ("shutdown-on-sigint", "default"),
    ("shutdown-on-sigterm", "default"),
    ("shutdown-timeout", "10"),
    ("slave-announce-ip", ""),
    ("slave-announce-port", "0"),
    ("slave-ignore-maxmemory", "yes"),
    ("slave-lazy-flush", "no"),
    ("slave-priority", "100"),
    ("slave-read-only", "yes"),
    ("slave-serve-stale-data", "yes"),
    ("slaveof", ""),
    ("slowlog-log-slower-than", "10000"),
    ("slowlog-max-len", "128"),
    ("socket-mark-id", "0"),
    ("stream-node-max-bytes", "4096"),
    ("stream-node-max-entries", "100"),
    ("supervised", "no"),
    ("syslog-enabled", "no"),
    ("syslog-facility", "local0"),
    ("syslog-ident", "redis"),
    ("tcp-backlog", "511"),
    ("tcp-keepalive", "300"),
    ("tls-auth-clients", "yes"),
    ("tls-ca-cert-dir", ""),
    ("tls-ca-cert-file", ""),
    ("tls-cert-file", ""),
    ("tls-ciphers", ""),
    ("tls-ciphersuites", ""),
    ("tls-client-cert-file", ""),
    ("tls-client-key-file", ""),
    ("tls-client-key-file-pass", ""),
    ("tls-cluster", "no"),
    ("tls-dh-params-file", ""),
    ("tls-key-file", ""),
    ("tls-key-file-pass", ""),
    ("tls-port", "0"),
    ("tls-prefer-server-ciphers", "no"),
    ("tls-protocols", ""),
    ("tls-replication", "no"),
    ("tls-session-cache-size", "20480"),
    ("tls-session-cache-timeout", "300"),
    ("tls-session-caching", "yes"),
    ("tracking-table-max-keys", "1000000"),
    ("unixsocket", ""),
    ("unixsocketperm", "0"),
];

/// Old names Redis 7.0 still accepts for its directives.
const ALIASES: &[(&str, &str)] = &[
    ("slaveof", "replicaof"),
    ("slave-serve-stale-data", "replica-serve-stale-data"),
    ("slave-read-only", "replica-read-only"),
    ("slave-priority", "replica-priority"),
    ("slave-ignore-maxmemory", "replica-ignore-maxmemory"),
    ("slave-lazy-flush", "replica-lazy-flush"),
    ("slave-announce-ip", "replica-announce-ip"),
    ("slave-announce-port", "replica-announce-port"),
    ("repl-ping-slave-period", "repl-ping-replica-period"),
    ("min-slaves-to-write", "min-replicas-to-write"),
    ("min-slaves-max-lag", "min-replicas-max-lag"),
    ("hash-max-ziplist-entries", "hash-max-listpack-entries"),
    ("hash-max-ziplist-value", "hash-max-listpack-value"),
    ("zset-max-ziplist-entries", "zset-max-listpack-entries"),
    ("zset-max-ziplist-value", "zset-max-listpack-value"),
    ("list-max-ziplist-size", "list-max-listpack-size"),
];

/// The current name of a directive given by an old one.
fn canonical(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    ALIASES
        .iter()
        .find(|(old, _)| *old == lower)
        .map_or(lower, |(_, new)| new.to_string())
}

type Getter = fn(&Config) -> String;
type Setter = fn(&mut Config, &str) -> Result<(), String>;

/// One configuration directive.
pub struct Directive {
    /// Its name in redis.conf and CONFIG.
    pub name: &'static str,
    /// Shows its current value as CONFIG GET does.
    pub get: Getter,
    /// Reads a new value, checking it.
    pub set: Setter,
    /// Whether CONFIG SET may change it at run time.
    pub mutable: bool,
}

/// Reads `save`'s value: pairs of seconds and changes, or "" for none (`setConfigSaveOption`).
pub fn parse_save(v: &str) -> Result<Vec<(u64, u64)>, String> {
    let words: Vec<&str> = v.split_whitespace().collect();
    if words.len() % 2 == 1 {
        return Err("Invalid save parameters".into());
    }
    let mut rules = Vec::new();
    for pair in words.chunks(2) {
        let num = |w: &str| {
            w.parse::<u64>()
                .map_err(|_| "Invalid save parameters".to_string())
        };
        rules.push((num(pair[0])?, num(pair[1])?));
    }
    Ok(rules)
}

/// Reads a yes/no value.
pub fn parse_bool(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".into()),
    }
}

/// Reads a byte count with redis.conf's units: `1k`=1000, `1kb`=1024, `m`, `mb`, `g`, `gb`.
pub fn parse_memory(v: &str) -> Result<u64, String> {
    let lower = v.to_ascii_lowercase();
    let (digits, mul) = [
        ("gb", 1u64 << 30),
        ("g", 1_000_000_000),
        ("mb", 1 << 20),
        ("m", 1_000_000),
        ("kb", 1024),
        ("k", 1000),
        ("b", 1),
    ]
    .iter()
    .find_map(|(suffix, mul)| lower.strip_suffix(suffix).map(|d| (d.to_string(), *mul)))
    .unwrap_or((lower.clone(), 1));
    let n: u64 = digits
        .parse()
        .map_err(|_| "argument must be a memory value".to_string())?;
    n.checked_mul(mul)
        .ok_or_else(|| "argument must be a memory value".to_string())
}

/// Reads an integer that must lie in `min..=max`, with Redis's words for one that does not.
fn parse_range(v: &str, min: i64, max: i64) -> Result<u64, String> {
    match v.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n as u64),
        _ => Err(format!(
            "argument must be between {min} and {max} inclusive"
        )),
    }
}

pub(crate) fn parse_num<T: std::str::FromStr>(v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| "argument couldn't be parsed into an integer".to_string())
}

/// Every directive Tessera knows, in the order CONFIG GET * lists them.
pub static DIRECTIVES: &[Directive] = &[
    Directive {
        name: "maxmemory",
        get: |c| c.maxmemory.to_string(),
        set: |c, v| {
            c.maxmemory = parse_memory(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "maxmemory-policy",
        get: |c| c.maxmemory_policy.name().to_string(),
        set: |c, v| {
            c.maxmemory_policy = Policy::parse(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "maxmemory-samples",
        get: |c| c.maxmemory_samples.to_string(),
        set: |c, v| {
            c.maxmemory_samples = parse_range(v, 1, i32::MAX as i64)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "maxmemory-eviction-tenacity",
        get: |c| c.maxmemory_eviction_tenacity.to_string(),
        set: |c, v| {
            c.maxmemory_eviction_tenacity = parse_range(v, 0, 100)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "lfu-log-factor",
        get: |c| c.lfu_log_factor.to_string(),
        set: |c, v| {
            c.lfu_log_factor = parse_range(v, 0, i32::MAX as i64)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "lfu-decay-time",
        get: |c| c.lfu_decay_time.to_string(),
        set: |c, v| {
            c.lfu_decay_time = parse_range(v, 0, i32::MAX as i64)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "hash-max-listpack-entries",
        get: |c| c.hash_max_listpack_entries.to_string(),
        set: |c, v| {
            c.hash_max_listpack_entries = parse_num(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "hash-max-listpack-value",
        get: |c| c.hash_max_listpack_value.to_string(),
        set: |c, v| {
            c.hash_max_listpack_value = parse_num(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "zset-max-listpack-entries",
        get: |c| c.zset_max_listpack_entries.to_string(),
        set: |c, v| {
            c.zset_max_listpack_entries = parse_num(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "zset-max-listpack-value",
        get: |c| c.zset_max_listpack_value.to_string(),
        set: |c, v| {
            c.zset_max_listpack_value = parse_num(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "set-max-intset-entries",
        get: |c| c.set_max_intset_entries.to_string(),
        set: |c, v| {
            c.set_max_intset_entries = parse_num(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "list-max-listpack-size",
        get: |c| c.list_max_listpack_size.to_string(),
        set: |c, v| {
            c.list_max_listpack_size = parse_num(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "port",
        get: |c| c.port.to_string(),
        set: |c, v| {
            c.port = parse_num(v)?;
            Ok(())
        },
        mutable: false,
    },
    Directive {
        name: "bind",
        get: |c| c.bind.join(" "),
        set: |c, v| {
            c.bind = v.split_whitespace().map(String::from).collect();
            Ok(())
        },
        mutable: false,
    },
    Directive {
        name: "requirepass",
        get: |c| c.requirepass.clone(),
        set: |c, v| {
            c.requirepass = v.to_string();
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "maxclients",
        get: |c| c.maxclients.to_string(),
        set: |c, v| {
            c.maxclients = parse_num(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "timeout",
        get: |c| c.timeout.to_string(),
        set: |c, v| {
            c.timeout = parse_num(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "databases",
        get: |c| c.databases.to_string(),
        set: |c, v| {
            let n: usize = parse_num(v)?;
            if n == 0 || n > 1 << 20 {
                return Err("argument must be between 1 and 1048576 inclusive".into());
            }
            c.databases = n;
            Ok(())
        },
        mutable: false,
    },
    Directive {
        name: "loglevel",
        get: |c| c.loglevel.clone(),
        set: |c, v| {
            let v = v.to_ascii_lowercase();
            if !["debug", "verbose", "notice", "warning", "nothing"].contains(&v.as_str()) {
                return Err("argument(s) must be one of the following: debug, verbose, notice, warning, nothing".into());
            }
            c.loglevel = v;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "logfile",
        get: |c| c.logfile.clone(),
        set: |c, v| {
            c.logfile = v.to_string();
            Ok(())
        },
        mutable: false,
    },
    Directive {
        name: "dir",
        get: |c| c.dir.clone(),
        set: |c, v| {
            c.dir = v.to_string();
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "save",
        get: |c| {
            let words: Vec<String> = c.save.iter().map(|(s, n)| format!("{s} {n}")).collect();
            words.join(" ")
        },
        set: |c, v| {
            c.save = parse_save(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "stop-writes-on-bgsave-error",
        get: |c| yes_no(c.stop_writes_on_bgsave_error),
        set: |c, v| {
            c.stop_writes_on_bgsave_error = parse_bool(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "dbfilename",
        get: |c| c.dbfilename.clone(),
        set: |c, v| {
            if v.contains('/') {
                return Err("dbfilename can't be a path, just a filename".into());
            }
            c.dbfilename = v.to_string();
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "rdbcompression",
        get: |c| yes_no(c.rdbcompression),
        set: |c, v| {
            c.rdbcompression = parse_bool(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "rdbchecksum",
        get: |c| yes_no(c.rdbchecksum),
        set: |c, v| {
            c.rdbchecksum = parse_bool(v)?;
            Ok(())
        },
        mutable: false,
    },
    Directive {
        name: "proto-max-bulk-len",
        get: |c| c.proto_max_bulk_len.to_string(),
        set: |c, v| {
            let n = parse_memory(v)?;
            if n < 1024 * 1024 {
                return Err("argument must be a memory value at least 1mb".into());
            }
            c.proto_max_bulk_len = n;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "client-query-buffer-limit",
        get: |c| c.client_query_buffer_limit.to_string(),
        set: |c, v| {
            let n = parse_memory(v)?;
            if n < 1024 * 1024 {
                return Err("argument must be a memory value at least 1mb".into());
            }
            c.client_query_buffer_limit = n;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "enable-debug-command",
        get: |c| c.enable_debug_command.clone(),
        set: |c, v| {
            let v = v.to_ascii_lowercase();
            if !["yes", "no", "local"].contains(&v.as_str()) {
                return Err("argument(s) must be one of the following: no, yes, local".into());
            }
            c.enable_debug_command = v;
            Ok(())
        },
        mutable: false,
    },
    Directive {
        name: "threads",
        get: |c| c.threads.to_string(),
        set: |c, v| {
            c.threads = parse_num(v)?;
            Ok(())
        },
        mutable: false,
    },
    Directive {
        name: "hz",
        get: |c| c.hz.to_string(),
        set: |c, v| {
            c.hz = parse_num::<u64>(v)?.clamp(1, 500);
            Ok(())
        },
        mutable: true,
    },
];

/// Directives CONFIG SET refuses unless `enable-protected-configs` allows (Redis's
/// `PROTECTED_CONFIG`): they name files the server writes.
const PROTECTED: &[&str] = &["dir", "dbfilename", "appendfilename", "appenddirname"];

/// Every directive Tessera acts on.
fn all_directives() -> impl Iterator<Item = &'static Directive> {
    DIRECTIVES.iter().chain(aof::DIRECTIVES)
}

/// A boolean as CONFIG GET shows it.
pub(crate) fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

impl Config {
    /// The value of a directive Tessera accepts without acting on it.
    fn inert_value(&self, name: &str) -> Option<&str> {
        self.inert
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// What an access does to a key's LFU data under this configuration.
    pub fn tracking(&self) -> Tracking {
        Tracking {
            lfu: self.maxmemory_policy.is_lfu(),
            log_factor: self.lfu_log_factor.min(u32::MAX as u64) as u32,
            decay_time: self.lfu_decay_time.min(u32::MAX as u64) as u32,
        }
    }

    fn directive(name: &str) -> Option<&'static Directive> {
        all_directives().find(|d| d.name.eq_ignore_ascii_case(name))
    }

    /// Sets a directive as the config file or command line does (immutable ones included).
    pub fn apply(&mut self, name: &str, value: &str) -> Result<(), String> {
        let lower = canonical(name);
        if lower == "save" {
            // Lines add rules; the first one given replaces the defaults, and "" empties them.
            let rules = parse_save(value)?;
            if !self.save_given || rules.is_empty() {
                self.save.clear();
                self.save_given = true;
            }
            self.save.extend(rules);
            return Ok(());
        }
        if let Some(d) = Self::directive(&lower) {
            return (d.set)(self, value);
        }
        if let Some(slot) = self.inert.iter_mut().find(|(k, _)| *k == lower) {
            slot.1 = value.to_string();
            return Ok(());
        }
        Err("Bad directive or wrong number of arguments".to_string())
    }

    /// Sets a directive as CONFIG SET does: immutable ones are refused with Redis's words.
    pub fn config_set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let lower = canonical(name);
        if let Some(d) = Self::directive(&lower) {
            if !d.mutable {
                return Err(format!("ERR CONFIG SET failed (possibly related to argument '{}') - can't set immutable config", d.name));
            }
            if PROTECTED.contains(&d.name)
                && self.inert_value("enable-protected-configs") == Some("no")
            {
                return Err(format!("ERR CONFIG SET failed (possibly related to argument '{}') - can't set protected config", d.name));
            }
            return (d.set)(self, value).map_err(|e| {
                format!(
                    "ERR CONFIG SET failed (possibly related to argument '{}') - {e}",
                    d.name
                )
            });
        }
        if let Some(slot) = self.inert.iter_mut().find(|(k, _)| *k == lower) {
            slot.1 = value.to_string();
            return Ok(());
        }
        Err(format!(
            "ERR Unknown option or number of arguments for CONFIG SET - '{name}'"
        ))
    }

    /// The directives matching a CONFIG GET glob, with their values.
    pub fn config_get(&self, pattern: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        // An exact name answers under the name as the client wrote it, as Redis does.
        if !pattern.contains(['*', '?', '[']) {
            let lower = canonical(pattern);
            if let Some(d) = Self::directive(&lower) {
                out.push((pattern.to_string(), (d.get)(self)));
            } else if let Some((_, v)) = self.inert.iter().find(|(k, _)| *k == lower) {
                out.push((pattern.to_string(), v.clone()));
            }
            return out;
        }
        for d in all_directives() {
            if glob_match(pattern.as_bytes(), d.name.as_bytes(), true) {
                out.push((d.name.to_string(), (d.get)(self)));
            }
        }
        // Redis lists the old names of its directives too.
        for (old, new) in ALIASES {
            if let Some(d) = Self::directive(new) {
                if glob_match(pattern.as_bytes(), old.as_bytes(), true) {
                    out.push((old.to_string(), (d.get)(self)));
                }
            }
        }
        for (k, v) in &self.inert {
            if glob_match(pattern.as_bytes(), k.as_bytes(), true) {
                out.push((k.to_string(), v.clone()));
            }
        }
        out
    }

    /// Reads a config file's text: `directive value...` lines, `#` comments, quoted values.
    /// An unknown directive or bad value is an error naming the line, as Redis reports it.
    pub fn load_str(&mut self, text: &str) -> Result<(), String> {
        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let mut spans = Vec::new();
            let mut out = Vec::new();
            if !crate::protocol::reader::split_args(trimmed.as_bytes(), &mut spans, &mut out)
                || spans.is_empty()
            {
                return Err(format!("*** FATAL CONFIG FILE ERROR ***\nline {}: >>> '{trimmed}'\nUnbalanced quotes in configuration line", n + 1));
            }
            let words: Vec<String> = spans
                .iter()
                .map(|s| String::from_utf8_lossy(&out[s.clone()]).into_owned())
                .collect();
            let value = words[1..].join(" ");
            if words.len() < 2 && !words[0].eq_ignore_ascii_case("save") {
                return Err(format!("*** FATAL CONFIG FILE ERROR ***\nline {}: >>> '{trimmed}'\nwrong number of arguments", n + 1));
            }
            self.apply(&words[0], &value).map_err(|e| {
                format!(
                    "*** FATAL CONFIG FILE ERROR ***\nline {}: >>> '{trimmed}'\n{e}",
                    n + 1
                )
            })?;
        }
        Ok(())
    }

    /// The text CONFIG REWRITE writes: every directive with its current value.
    pub fn render(&self) -> String {
        let mut out = String::from("# Written by Tessera's CONFIG REWRITE\n");
        for (k, v) in self.config_get("*") {
            if v.is_empty() {
                out.push_str(&format!("{k} \"\"\n"));
            } else if v.contains(' ')
                && k != "bind"
                && k != "save"
                && k != "client-output-buffer-limit"
            {
                out.push_str(&format!("{k} \"{v}\"\n"));
            } else {
                out.push_str(&format!("{k} {v}\n"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_config_file() {
        let mut c = Config::default();
        c.load_str(
            "# comment\nport 7000\nbind 127.0.0.1 ::1\nrequirepass \"sec ret\"\nmaxclients 5\n",
        )
        .unwrap();
        assert_eq!(c.port, 7000);
        assert_eq!(c.bind, vec!["127.0.0.1", "::1"]);
        assert_eq!(c.requirepass, "sec ret");
        let err = c.load_str("port 1\nnot-a-directive 3\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn every_redis_directive_and_old_name_is_accepted() {
        let mut c = Config::default();
        c.load_str("save 900 1\nslave-serve-stale-data yes\nhash-max-ziplist-entries 64\nappendfsync everysec\nnotify-keyspace-events KEA\n").unwrap();
        assert_eq!(
            c.config_get("hash-max-listpack-entries"),
            vec![("hash-max-listpack-entries".to_string(), "64".to_string())]
        );
        // Redis 7.0.15 lists 192 directives; Tessera adds `threads`.
        assert_eq!(c.config_get("*").len(), 193);
    }

    #[test]
    fn memory_units() {
        assert_eq!(parse_memory("1kb"), Ok(1024));
        assert_eq!(parse_memory("2MB"), Ok(2 << 20));
        assert_eq!(parse_memory("3g"), Ok(3_000_000_000));
    }

    #[test]
    fn config_get_globs() {
        let c = Config::default();
        let got = c.config_get("maxmemory*");
        assert!(got.iter().any(|(k, _)| k == "maxmemory-policy"));
        assert!(c.config_get("port").len() == 1);
    }
}
