//! Redis's own tools against the server: redis-cli (one-shot commands, commands on standard
//! input, `--pipe` mass import, `--scan`) and redis-benchmark.

mod common;

use common::*;
use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Runs `program` with `args`, feeding it `stdin`, and kills it if it runs past `limit`.
fn run_tool(program: &str, args: &[&str], stdin: &[u8], limit: Duration) -> Output {
    run_tool_with(program, args, stdin, &[], limit)
}

/// [`run_tool`] with extra environment variables and a 30 s limit.
fn run_tool_env(program: &str, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    run_tool_with(program, args, stdin, env, Duration::from_secs(30))
}

fn run_tool_with(
    program: &str,
    args: &[&str],
    stdin: &[u8],
    env: &[(&str, &str)],
    limit: Duration,
) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} (install redis-tools, as .ci/run does): {e}")
        });
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let feeder = thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{program} {args:?} ran past {limit:?}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    feeder.join().unwrap();
    Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

fn cli(server: &Server, args: &[&str], stdin: &str) -> String {
    let port = server.port().to_string();
    let mut full = vec!["-h", "127.0.0.1", "-p", &port];
    full.extend_from_slice(args);
    let out = run_tool(
        "redis-cli",
        &full,
        stdin.as_bytes(),
        Duration::from_secs(30),
    );
    assert!(
        out.status.success(),
        "redis-cli {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn redis_cli_one_shot_commands() {
    let server = Server::start(&[]);
    let (a, b) = key_pair("cli");
    assert_eq!(cli(&server, &["PING"], ""), "PONG\n");
    assert_eq!(cli(&server, &["SET", &a, "hello world"], ""), "OK\n");
    assert_eq!(cli(&server, &["GET", &a], ""), "hello world\n");
    assert_eq!(
        cli(&server, &["--no-raw", "GET", &a], ""),
        "\"hello world\"\n"
    );
    assert_eq!(cli(&server, &["MSET", &a, "1", &b, "2"], ""), "OK\n");
    assert_eq!(cli(&server, &["MGET", &a, &b, "missing"], ""), "1\n2\n\n");
    assert_eq!(
        cli(&server, &["--no-raw", "MGET", &a, &b, "missing"], ""),
        "1) \"1\"\n2) \"2\"\n3) (nil)\n"
    );
    assert_eq!(cli(&server, &["--no-raw", "INCR", &a], ""), "(integer) 2\n");
    assert_eq!(cli(&server, &["-r", "3", "INCR", &b], ""), "3\n4\n5\n");
    assert_eq!(cli(&server, &["-n", "2", "SET", "indb2", "x"], ""), "OK\n");
    assert_eq!(cli(&server, &["-n", "2", "DBSIZE"], ""), "1\n");
    assert_eq!(cli(&server, &["--no-raw", "GET", "indb2"], ""), "(nil)\n");
    let err = cli(&server, &["--no-raw", "INCR", "indb2x", "extra"], "");
    assert_eq!(
        err,
        "(error) ERR wrong number of arguments for 'incr' command\n"
    );
    let info = cli(&server, &["INFO", "server"], "");
    assert!(info.contains("redis_version:7.0.15"), "{info}");
    // --scan walks both shards.
    let keys = alternating_keys("scanned", 50);
    let mut mset = vec!["MSET"];
    for k in &keys {
        mset.push(k);
        mset.push("v");
    }
    assert_eq!(cli(&server, &mset, ""), "OK\n");
    let mut got: Vec<String> = cli(&server, &["--scan", "--pattern", "scanned:*"], "")
        .lines()
        .map(String::from)
        .collect();
    got.sort();
    let mut want = keys.clone();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn redis_cli_reads_commands_from_standard_input() {
    let server = Server::start(&[]);
    let (a, b) = key_pair("stdin");
    let script = format!(
        "SET {a} 1\nINCR {a}\nSET {b} \"two words\"\nMGET {a} {b}\nSELECT 3\nDBSIZE\nPING\n"
    );
    assert_eq!(
        cli(&server, &[], &script),
        "OK\n2\nOK\n2\ntwo words\nOK\n0\nPONG\n"
    );
}

#[test]
fn redis_cli_pipe_imports_a_thousand_sets() {
    let server = Server::start(&[]);
    let keys = alternating_keys("piped", 1000);
    let mut input = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        input.extend(encode_str(&["SET", k, &format!("value-{i}")]));
    }
    let port = server.port().to_string();
    let out = run_tool(
        "redis-cli",
        &["-h", "127.0.0.1", "-p", &port, "--pipe"],
        &input,
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "redis-cli --pipe failed: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("errors: 0, replies: 1000"), "{stdout}");
    let mut c = server.client();
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 1000);
    assert_eq!(q::<String>(&mut c, &["GET", &keys[0]]), "value-0");
    assert_eq!(q::<String>(&mut c, &["GET", &keys[999]]), "value-999");
}

#[test]
fn redis_benchmark_runs_without_errors() {
    let server = Server::start(&[]);
    let port = server.port().to_string();
    let out = run_tool(
        "redis-benchmark",
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-t",
            "ping,set,get,incr,mset",
            "-n",
            "100000",
            "-P",
            "16",
            "-q",
        ],
        b"",
        Duration::from_secs(300),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "redis-benchmark failed: {stdout}\n{stderr}"
    );
    let all = format!("{stdout}\n{stderr}").to_ascii_lowercase();
    assert!(
        !all.contains("error"),
        "redis-benchmark reported an error: {stdout}\n{stderr}"
    );
    for test in [
        "PING_INLINE",
        "PING_MBULK",
        "SET",
        "GET",
        "INCR",
        "MSET (10 keys)",
    ] {
        let line = stdout
            .split(['\n', '\r'])
            .find(|l| l.starts_with(&format!("{test}: ")) && l.contains("requests per second"));
        assert!(line.is_some(), "no result for {test}: {stdout}");
    }
    // The server is still fine afterwards.
    let mut c = server.client();
    assert_eq!(
        v(&mut c, &["PING"]),
        redis::Value::SimpleString("PONG".into())
    );
}

#[test]
fn redis_cli_interactive_session_on_a_terminal() {
    // `script` gives redis-cli a pseudo-terminal, so it runs its interactive loop (prompt,
    // typed replies, the database in the prompt), as a person at a terminal would see it.
    let server = Server::start(&[]);
    let (a, _) = key_pair("tty");
    let command = format!("redis-cli -h 127.0.0.1 -p {}", server.port());
    let typed = format!("SET {a} 1\nINCR {a}\nGET {a}\nSELECT 2\nDBSIZE\nQUIT\n");
    let out = run_tool_env(
        "script",
        &["-qec", &command, "/dev/null"],
        typed.as_bytes(),
        &[("TERM", "dumb")],
    );
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let prompt = format!("127.0.0.1:{}> ", server.port());
    for want in [
        format!("{prompt}OK\n"),
        format!("{prompt}(integer) 2\n"),
        format!("{prompt}\"2\"\n"),
        format!("127.0.0.1:{}[2]> (integer) 0\n", server.port()),
    ] {
        assert!(text.contains(&want), "no {want:?} in the session:\n{text}");
    }
}
