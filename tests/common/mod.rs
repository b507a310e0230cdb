//! The harness every integration test shares: it starts the real `tessera` binary on a free
//! loopback port, waits until it answers PING, hands out clients, and stops it when dropped.
//!
//! Differential mode: with `TESSERA_TEST_SERVER=redis` in the environment, [`Server::start`]
//! starts Debian's `redis-server` instead, with the same arguments (less Tessera's own, such as
//! `--threads`), so that every test can be checked against the reference it imitates. Tests call
//! [`is_redis`] only where the two legitimately differ.
//!
//! Besides the server, the harness has a small RESP client of its own ([`RawConn`], [`Resp`]) for
//! the tests that look at the bytes on the wire, and helpers that place keys on a chosen shard
//! (slot = CRC16/XMODEM of the key or its `{hash tag}`, each shard owning a contiguous range).
//! [`reference::Reference`] starts a real `redis-server` beside the server under test, for the
//! tests that compare the two reply by reply.

#![allow(dead_code)]

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

pub mod reference;
pub mod rng;

/// Number of hash slots, as Redis Cluster.
pub const SLOTS: u16 = 16384;

/// How long a server may take to answer its first PING.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a stopping server gets between SIGTERM and SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Read timeout of every client the harness hands out, so that a missing reply fails the test
/// instead of hanging it.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Whether the tests run against real `redis-server` (`TESSERA_TEST_SERVER=redis`).
pub fn is_redis() -> bool {
    std::env::var("TESSERA_TEST_SERVER")
        .map(|v| v == "redis")
        .unwrap_or(false)
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
}

/// A fresh path in the temporary directory, unique to this process and call.
pub fn temp_path(what: &str, ext: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "tessera-test-{}-{n}-{what}.{ext}",
        std::process::id()
    ))
}

/// The server binary under test: `tessera`, or `redis-server` in differential mode.
pub fn server_program() -> &'static str {
    if is_redis() {
        "redis-server"
    } else {
        env!("CARGO_BIN_EXE_tessera")
    }
}

/// Turns Tessera's command line into redis-server's: the same `--name value` syntax, less the
/// directives only Tessera knows.
fn translate_args(args: &[String]) -> Vec<String> {
    if !is_redis() {
        return args.to_vec();
    }
    let tessera_only = ["--threads"];
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if tessera_only.contains(&args[i].as_str()) {
            i += 2;
            continue;
        }
        out.push(args[i].clone());
        i += 1;
    }
    out
}

/// A running server, stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Server {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
    files: Vec<PathBuf>,
    dir: PathBuf,
}

/// `--port P --bind 127.0.0.1 --threads 2` followed by `extra`.
fn standard_args(port: u16, extra: &[&str]) -> Vec<String> {
    let port = port.to_string();
    let mut args: Vec<String> = ["--port", &port, "--bind", "127.0.0.1", "--threads", "2"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

impl Server {
    /// Starts the server with `--port P --bind 127.0.0.1 --threads 2` followed by `extra`, and
    /// waits until it answers PING.
    pub fn start(extra: &[&str]) -> Server {
        Self::start_with(|port| standard_args(port, extra))
    }

    /// Starts the server with a config file holding `conf` (written to a temporary file, given
    /// as the first argument), then `--port P --bind 127.0.0.1 --threads 2` and `extra`.
    pub fn start_with_config(conf: &str, extra: &[&str]) -> Server {
        let path = temp_path("conf", "conf");
        fs::write(&path, conf).expect("write config file");
        let mut server = Self::start_with(|port| {
            let mut args = vec![path.display().to_string()];
            args.extend(standard_args(port, extra));
            args
        });
        server.files.push(path);
        server
    }

    /// Starts the server with the whole command line that `args` builds from the chosen port
    /// (tried again on a new port if the server dies before answering, in case another test took
    /// the port meanwhile).
    pub fn start_with(args: impl Fn(u16) -> Vec<String>) -> Server {
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let args = args(port);
            match Self::try_start(port, &args) {
                Ok(server) => return server,
                Err(log) => last = format!("{} {args:?} {log}", server_program()),
            }
        }
        panic!("the server did not start: {last}");
    }

    fn try_start(port: u16, args: &[String]) -> Result<Server, String> {
        let log = temp_path("server", "log");
        let out = File::create(&log).expect("create log file");
        let err = out.try_clone().expect("clone log file");
        let mut args = translate_args(args);
        // Persistence off and files in a directory of the server's own, so that no server
        // loads another's dump.rdb; later arguments may still override.
        let dir = temp_path("dir", "d");
        fs::create_dir_all(&dir).expect("create the server's directory");
        let dir_arg = dir.display().to_string();
        let defaults = [
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            dir_arg.as_str(),
        ];
        let at = usize::from(args.first().is_some_and(|a| !a.starts_with("--")));
        for (i, d) in defaults.iter().enumerate() {
            args.insert(at + i, d.to_string());
        }
        let child = Command::new(server_program())
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", server_program()));
        let mut server = Server {
            child: Some(child),
            port,
            log,
            files: Vec::new(),
            dir,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let probe = server.probe();
            if probe.is_ok() {
                // Another test's server may hold the same port: ours then exits at once, having
                // failed to bind. Only a server still running after a moment is ours.
                thread::sleep(Duration::from_millis(50));
                if let Some(status) = server.child.as_mut().unwrap().try_wait().expect("try_wait") {
                    let log = format!("exited with {status}\n{}", server.log());
                    server.child = None;
                    return Err(log);
                }
                return Ok(server);
            }
            if let Some(status) = server.child.as_mut().unwrap().try_wait().expect("try_wait") {
                let log = format!("exited with {status}\n{}", server.log());
                server.child = None;
                return Err(log);
            }
            if Instant::now() > deadline {
                panic!(
                    "the server did not answer PING within {START_TIMEOUT:?} (last try: {}); its log:\n{}",
                    probe.unwrap_err(),
                    server.log()
                );
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether a new connection gets `+PONG` (or `-NOAUTH`, a server with a password) to PING;
    /// when not, what happened instead.
    fn probe(&self) -> Result<(), String> {
        let mut s =
            TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| format!("connect: {e}"))?;
        s.set_read_timeout(Some(Duration::from_secs(1)))
            .map_err(|e| format!("timeout: {e}"))?;
        s.write_all(b"*1\r\n$4\r\nPING\r\n")
            .map_err(|e| format!("write PING: {e}"))?;
        let mut line = String::new();
        let mut reader = BufReader::new(s);
        reader
            .read_line(&mut line)
            .map_err(|e| format!("read the reply to PING: {e}"))?;
        if line == "+PONG\r\n" || line.starts_with("-NOAUTH") {
            Ok(())
        } else {
            Err(format!("PING answered {line:?}"))
        }
    }

    /// The directory the server was started in (`dir`), unless the test named another.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server already stopped").id()
    }

    /// `redis://127.0.0.1:P/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A new RESP2 connection from the `redis` crate, with a read timeout.
    pub fn client(&self) -> redis::Connection {
        let client = redis::Client::open(self.url()).expect("client");
        let con = client
            .get_connection_with_timeout(CLIENT_TIMEOUT)
            .expect("connect");
        con.set_read_timeout(Some(CLIENT_TIMEOUT))
            .expect("read timeout");
        con.set_write_timeout(Some(CLIENT_TIMEOUT))
            .expect("write timeout");
        con
    }

    /// A new connection of the harness's own RESP client.
    pub fn raw_conn(&self) -> RawConn {
        RawConn::connect(self.port)
    }

    /// Sends `bytes` over a fresh connection and returns everything the server sends back until
    /// it closes the connection or, once it has answered, is quiet for 200 ms.
    pub fn raw(&self, bytes: &[u8]) -> Vec<u8> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.write_all(bytes).expect("write");
        read_until_quiet(&mut s, Duration::from_millis(200))
    }

    /// Everything the server wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        fs::read(&self.log)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Sends SIGTERM and waits (up to 5 s, then SIGKILL) for the process to exit.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        signal(child.id(), "TERM");
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }

    /// Waits up to `timeout` for the process to exit by itself (after SHUTDOWN, say).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        if thread::panicking() {
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            eprintln!(
                "--- server log ({}) ---\n{}",
                self.log.display(),
                tail.join("\n")
            );
        } else {
            let _ = fs::remove_file(&self.log);
        }
        for f in &self.files {
            let _ = fs::remove_file(f);
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Sends a signal by name (`TERM`, `KILL`, `INT`...) to a process.
pub fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Reads from `s` until the peer closes, or sends nothing for `quiet` once something came (the
/// first byte may take up to [`CLIENT_TIMEOUT`], so that a slow server is not taken for a silent
/// one).
pub fn read_until_quiet(s: &mut TcpStream, quiet: Duration) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        let wait = if out.is_empty() {
            CLIENT_TIMEOUT.max(quiet)
        } else {
            quiet
        };
        s.set_read_timeout(Some(wait)).expect("read timeout");
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Slots and shards.

/// The hash slot of `key`: CRC16/XMODEM of its `{hash tag}` (when not empty) or of the whole key.
pub fn key_slot(key: &[u8]) -> u16 {
    let mut hashed = key;
    if let Some(open) = key.iter().position(|&b| b == b'{') {
        if let Some(len) = key[open + 1..].iter().position(|&b| b == b'}') {
            if len > 0 {
                hashed = &key[open + 1..open + 1 + len];
            }
        }
    }
    crc16::State::<crc16::XMODEM>::calculate(hashed) & (SLOTS - 1)
}

/// Which of `nshards` shards owns `slot` (each owns a contiguous, nearly equal range).
pub fn slot_shard(slot: u16, nshards: usize) -> usize {
    slot as usize * nshards / SLOTS as usize
}

/// Which of `nshards` shards owns `key`.
pub fn key_shard(key: &str, nshards: usize) -> usize {
    slot_shard(key_slot(key.as_bytes()), nshards)
}

/// The first key `prefix:N` (N = 0, 1, ...) that lives on `shard` of `nshards`.
pub fn key_on_shard(prefix: &str, shard: usize, nshards: usize) -> String {
    (0..100_000)
        .map(|i| format!("{prefix}:{i}"))
        .find(|k| key_shard(k, nshards) == shard)
        .expect("a key on the shard")
}

/// Two keys, `prefix:N`, one on each shard of a two-shard server: (shard 0, shard 1).
pub fn key_pair(prefix: &str) -> (String, String) {
    (key_on_shard(prefix, 0, 2), key_on_shard(prefix, 1, 2))
}

/// `n` keys `prefix:N` whose shards alternate 0, 1, 0, 1... on a two-shard server.
pub fn alternating_keys(prefix: &str, n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    let mut i = 0usize;
    while out.len() < n {
        let k = format!("{prefix}:{i}");
        if key_shard(&k, 2) == out.len() % 2 {
            out.push(k);
        }
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Helpers over the `redis` crate.

/// Builds a command from its words.
pub fn cmd(args: &[&str]) -> redis::Cmd {
    let mut c = redis::cmd(args[0]);
    for a in &args[1..] {
        c.arg(*a);
    }
    c
}

/// Runs a command and converts its reply, failing the test on an error reply.
pub fn q<T: redis::FromRedisValue>(con: &mut redis::Connection, args: &[&str]) -> T {
    match cmd(args).query::<T>(con) {
        Ok(v) => v,
        Err(e) => panic!("{args:?} failed: {}", error_text(&e)),
    }
}

/// Runs a command and returns its reply as a `redis::Value` (errors included, as `Err`).
pub fn v(con: &mut redis::Connection, args: &[&str]) -> redis::Value {
    q::<redis::Value>(con, args)
}

/// Runs a command that must fail and returns the error reply's text, e.g. `ERR syntax error`.
pub fn err(con: &mut redis::Connection, args: &[&str]) -> String {
    match cmd(args).query::<redis::Value>(con) {
        Ok(v) => panic!("{args:?} should have failed, got {v:?}"),
        Err(e) => error_text(&e),
    }
}

/// The full text of an error reply, code included (`WRONGTYPE Operation against...`).
pub fn error_text(e: &redis::RedisError) -> String {
    match (e.code(), e.detail()) {
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        (Some(code), None) => code.to_string(),
        _ => e.to_string(),
    }
}

/// Asserts that a command replies `+OK`.
pub fn assert_ok(con: &mut redis::Connection, args: &[&str]) {
    assert_eq!(v(con, args), redis::Value::Okay, "{args:?}");
}

// ---------------------------------------------------------------------------------------------
// The harness's own RESP client.

/// A reply, RESP2 and RESP3, as it came over the wire.
#[derive(Clone, Debug, PartialEq)]
pub enum Resp {
    /// `+...`
    Simple(String),
    /// `-...`
    Error(String),
    /// `:...`
    Int(i64),
    /// `$...`; `None` for RESP2's null bulk `$-1`.
    Bulk(Option<Vec<u8>>),
    /// `*...`; `None` for RESP2's null array `*-1`.
    Array(Option<Vec<Resp>>),
    /// RESP3 `_`.
    Null,
    /// RESP3 `,` (kept as text).
    Double(String),
    /// RESP3 `#`.
    Bool(bool),
    /// RESP3 `%`.
    Map(Vec<(Resp, Resp)>),
    /// RESP3 `~`.
    Set(Vec<Resp>),
    /// RESP3 `=`: format and text.
    Verbatim(String, Vec<u8>),
    /// RESP3 `(`.
    BigNumber(String),
    /// RESP3 `>`.
    Push(Vec<Resp>),
}

impl Resp {
    /// A bulk string reply holding `s`.
    pub fn bulk(s: &str) -> Resp {
        Resp::Bulk(Some(s.as_bytes().to_vec()))
    }

    /// `+OK`.
    pub fn ok() -> Resp {
        Resp::Simple("OK".into())
    }

    /// An array of bulk strings.
    pub fn bulks(items: &[&str]) -> Resp {
        Resp::Array(Some(items.iter().map(|s| Resp::bulk(s)).collect()))
    }

    /// The text of a bulk, simple, verbatim or error reply.
    pub fn text(&self) -> String {
        match self {
            Resp::Simple(s) | Resp::Error(s) | Resp::Double(s) | Resp::BigNumber(s) => s.clone(),
            Resp::Bulk(Some(b)) | Resp::Verbatim(_, b) => String::from_utf8_lossy(b).into_owned(),
            other => panic!("not a string reply: {other:?}"),
        }
    }

    /// The items of an array, set or push reply.
    pub fn items(&self) -> Vec<Resp> {
        match self {
            Resp::Array(Some(v)) | Resp::Set(v) | Resp::Push(v) => v.clone(),
            other => panic!("not an array reply: {other:?}"),
        }
    }

    /// In a map reply (or a RESP2 flat array of pairs), the value under `key`.
    pub fn get(&self, key: &str) -> Option<Resp> {
        match self {
            Resp::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| k.text() == key)
                .map(|(_, v)| v.clone()),
            Resp::Array(Some(items)) => items
                .chunks(2)
                .find(|p| p[0].text() == key)
                .and_then(|p| p.get(1).cloned()),
            _ => None,
        }
    }
}

/// Encodes a command as a RESP array of bulk strings.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Encodes a command given as text words.
pub fn encode_str(args: &[&str]) -> Vec<u8> {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    encode(&args)
}

/// A plain TCP connection speaking RESP, for tests that care about the exact replies.
pub struct RawConn {
    reader: BufReader<TcpStream>,
}

impl RawConn {
    /// Connects to 127.0.0.1:`port`.
    pub fn connect(port: u16) -> RawConn {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(CLIENT_TIMEOUT))
            .expect("read timeout");
        s.set_nodelay(true).expect("nodelay");
        RawConn {
            reader: BufReader::with_capacity(1 << 16, s),
        }
    }

    /// The socket underneath.
    pub fn stream(&mut self) -> &mut TcpStream {
        self.reader.get_mut()
    }

    /// Writes bytes as they are.
    pub fn send(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).expect("write");
    }

    /// Sends one command and reads its reply.
    pub fn cmd(&mut self, args: &[&str]) -> Resp {
        self.send(&encode_str(args));
        self.read()
    }

    /// Sends one command of binary arguments and reads its reply.
    pub fn cmd_bytes(&mut self, args: &[&[u8]]) -> Resp {
        self.send(&encode(args));
        self.read()
    }

    /// Reads one reply, failing the test on a timeout or a closed connection.
    pub fn read(&mut self) -> Resp {
        self.try_read().expect("read a reply")
    }

    /// Reads one reply; `None` when the connection is closed (or fails).
    pub fn try_read(&mut self) -> Option<Resp> {
        let line = self.line()?;
        let (kind, rest) = line.split_at(1);
        let n = || rest.parse::<i64>().expect("a length");
        Some(match kind {
            "+" => Resp::Simple(rest.into()),
            "-" => Resp::Error(rest.into()),
            ":" => Resp::Int(n()),
            "$" if n() < 0 => Resp::Bulk(None),
            "$" => Resp::Bulk(Some(self.payload(n() as usize)?)),
            "*" if n() < 0 => Resp::Array(None),
            "*" => Resp::Array(Some(self.many(n() as usize)?)),
            "_" => Resp::Null,
            "," => Resp::Double(rest.into()),
            "#" => Resp::Bool(rest == "t"),
            "(" => Resp::BigNumber(rest.into()),
            "~" => Resp::Set(self.many(n() as usize)?),
            ">" => Resp::Push(self.many(n() as usize)?),
            "%" => {
                let items = self.many(2 * n() as usize)?;
                Resp::Map(
                    items
                        .chunks(2)
                        .map(|p| (p[0].clone(), p[1].clone()))
                        .collect(),
                )
            }
            "=" => {
                let body = self.payload(n() as usize)?;
                Resp::Verbatim(
                    String::from_utf8_lossy(&body[..3]).into(),
                    body[4..].to_vec(),
                )
            }
            "|" => {
                // An attribute: skip it and return the reply it annotates.
                self.many(2 * n() as usize)?;
                return self.try_read();
            }
            other => panic!("unexpected reply type {other:?} in {line:?}"),
        })
    }

    fn many(&mut self, n: usize) -> Option<Vec<Resp>> {
        (0..n).map(|_| self.try_read()).collect()
    }

    fn line(&mut self) -> Option<String> {
        let mut buf = Vec::new();
        match self.reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                assert!(
                    buf.ends_with(b"\r\n"),
                    "a reply line must end in CRLF: {buf:?}"
                );
                buf.truncate(buf.len() - 2);
                Some(String::from_utf8_lossy(&buf).into_owned())
            }
        }
    }

    fn payload(&mut self, n: usize) -> Option<Vec<u8>> {
        let mut buf = vec![0u8; n + 2];
        self.reader.read_exact(&mut buf).ok()?;
        assert_eq!(&buf[n..], b"\r\n", "a bulk payload must end in CRLF");
        buf.truncate(n);
        Some(buf)
    }

    /// Whether the server has closed the connection (reads EOF within `wait`).
    pub fn is_closed(&mut self, wait: Duration) -> bool {
        let s = self.reader.get_mut();
        s.set_read_timeout(Some(wait)).expect("read timeout");
        let mut buf = [0u8; 1024];
        let closed = loop {
            match s.read(&mut buf) {
                Ok(0) => break true,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
                Err(_) => break false,
            }
        };
        s.set_read_timeout(Some(CLIENT_TIMEOUT))
            .expect("read timeout");
        closed
    }
}

/// Runs the server binary with `args` and expects it to exit, failing, within 10 s; returns
/// what it printed.
pub fn expect_startup_failure(args: &[String]) -> String {
    let log = temp_path("fail", "log");
    let out = File::create(&log).unwrap();
    let err = out.try_clone().unwrap();
    let mut child = Command::new(server_program())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the server started despite {args:?}: {}",
                fs::read_to_string(&log).unwrap_or_default()
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    let text = fs::read_to_string(&log).unwrap_or_default();
    let _ = fs::remove_file(&log);
    assert!(!status.success(), "exit status {status} for {args:?}");
    text
}

/// Everything the node holds, in a form that compares across restarts and across servers: for
/// each database, each key with its type, its encoding when `encodings`, its contents (order-
/// free where the type is) and its absolute expiry.
pub fn dataset(c: &mut redis::Connection, encodings: bool) -> Vec<String> {
    let mut out = Vec::new();
    for db in 0..16 {
        assert_ok(c, &["SELECT", &db.to_string()]);
        let mut keys: Vec<String> = q(c, &["KEYS", "*"]);
        keys.sort();
        for k in keys {
            let kind: String = q(c, &["TYPE", &k]);
            let mut items: Vec<String> = match kind.as_str() {
                "string" => vec![q(c, &["GET", &k])],
                "list" => q(c, &["LRANGE", &k, "0", "-1"]),
                "hash" => q(c, &["HGETALL", &k]),
                "set" => q(c, &["SMEMBERS", &k]),
                "zset" => q(c, &["ZRANGE", &k, "0", "-1", "WITHSCORES"]),
                other => panic!("{k}: type {other}"),
            };
            if kind == "hash" {
                items = items.chunks(2).map(|p| p.join("=")).collect();
            }
            if kind == "hash" || kind == "set" {
                items.sort();
            }
            let expiry: i64 = q(c, &["PEXPIRETIME", &k]);
            if encodings {
                let encoding: String = q(c, &["OBJECT", "ENCODING", &k]);
                out.push(format!("db{db} {k} {kind} {encoding} {expiry} {items:?}"));
            } else {
                out.push(format!("db{db} {k} {kind} {expiry} {items:?}"));
            }
        }
    }
    assert_ok(c, &["SELECT", "0"]);
    out
}

/// A field of INFO persistence, as text.
pub fn info_field(c: &mut redis::Connection, field: &str) -> String {
    let info: String = q(c, &["INFO", "persistence"]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in {info}"))
        .trim()
        .to_string()
}
