//! Configuration the Redis way (a file of `directive value` lines, `--name value` arguments that
//! override it, errors that name the line) and operation: logging, maxclients, idle timeout,
//! CONFIG REWRITE, SHUTDOWN, and SIGTERM/SIGINT exiting cleanly.

mod common;

use common::*;
use std::fs;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

fn config_value(c: &mut redis::Connection, name: &str) -> String {
    let pair: Vec<String> = q(c, &["CONFIG", "GET", name]);
    assert_eq!(pair.len(), 2, "CONFIG GET {name}: {pair:?}");
    pair[1].clone()
}

#[test]
fn config_file_directives_are_honoured() {
    let conf = "# Tessera test configuration\n\
                \n\
                requirepass \"s3cret\"\n\
                databases 4\n\
                maxclients 50\n\
                timeout 0\n\
                loglevel warning\n\
                proto-max-bulk-len 2mb\n\
                hz 20\n";
    let server = Server::start_with_config(conf, &[]);
    let mut raw = server.raw_conn();
    assert_eq!(
        raw.cmd(&["GET", "k"]),
        Resp::Error("NOAUTH Authentication required.".into())
    );
    assert_eq!(raw.cmd(&["AUTH", "s3cret"]), Resp::ok());
    let client =
        redis::Client::open(format!("redis://:s3cret@127.0.0.1:{}/", server.port())).unwrap();
    let mut c = client.get_connection().unwrap();
    assert_eq!(config_value(&mut c, "databases"), "4");
    assert_eq!(config_value(&mut c, "maxclients"), "50");
    assert_eq!(config_value(&mut c, "loglevel"), "warning");
    assert_eq!(config_value(&mut c, "proto-max-bulk-len"), "2097152");
    assert_eq!(config_value(&mut c, "hz"), "20");
    assert_eq!(config_value(&mut c, "requirepass"), "s3cret");
    assert_ok(&mut c, &["SELECT", "3"]);
    assert_eq!(
        err(&mut c, &["SELECT", "4"]),
        "ERR DB index is out of range"
    );
}

#[test]
fn the_command_line_overrides_the_file() {
    let server = Server::start_with_config("timeout 100\nmaxclients 77\n", &["--timeout", "200"]);
    let mut c = server.client();
    assert_eq!(config_value(&mut c, "timeout"), "200");
    assert_eq!(config_value(&mut c, "maxclients"), "77");
}

#[test]
fn port_and_bind_from_the_file_alone() {
    let conf = temp_path("portconf", "conf");
    let path = conf.display().to_string();
    let server = Server::start_with(|port| {
        fs::write(&conf, format!("port {port}\nbind 127.0.0.1\n")).unwrap();
        vec![path.clone(), "--threads".into(), "2".into()]
    });
    let mut c = server.client();
    assert_eq!(config_value(&mut c, "port"), server.port().to_string());
    let _ = fs::remove_file(&conf);
}

#[test]
fn an_unknown_directive_is_an_error_naming_the_line() {
    let conf = temp_path("bad", "conf");
    fs::write(
        &conf,
        format!("port {}\n# a comment\nbogus-directive yes\n", free_port()),
    )
    .unwrap();
    let text = expect_startup_failure(&[conf.display().to_string()]);
    let _ = fs::remove_file(&conf);
    assert!(text.contains("bogus-directive"), "{text}");
    assert!(text.contains("line 3"), "{text}");
    // A bad value is refused too, and so is an unknown option on the command line.
    let conf = temp_path("badvalue", "conf");
    fs::write(&conf, "maxclients abc\n").unwrap();
    let text = expect_startup_failure(&[conf.display().to_string()]);
    let _ = fs::remove_file(&conf);
    assert!(text.contains("maxclients"), "{text}");
    assert!(text.contains("line 1"), "{text}");
    let port = free_port().to_string();
    let text =
        expect_startup_failure(&["--port".into(), port, "--bogus-option".into(), "1".into()]);
    assert!(text.contains("bogus-option"), "{text}");
}

#[test]
fn sigterm_and_sigint_exit_cleanly() {
    for sig in ["TERM", "INT"] {
        let mut server = Server::start(&[]);
        let port = server.port();
        let mut c = server.client();
        let (a, b) = key_pair("bye");
        assert_ok(&mut c, &["MSET", &a, "1", &b, "2"]);
        signal(server.pid(), sig);
        let status = server
            .wait_exit(Duration::from_secs(10))
            .unwrap_or_else(|| panic!("still running after SIG{sig}"));
        assert!(status.success(), "SIG{sig}: exit status {status}");
        // The kernel may take a moment to tear down the listening sockets of an exited process
        // (an io_uring's files are released asynchronously), so allow a short grace.
        let deadline = Instant::now() + Duration::from_secs(2);
        while TcpStream::connect(("127.0.0.1", port)).is_ok() {
            assert!(Instant::now() < deadline, "still accepting after SIG{sig}");
            thread::sleep(Duration::from_millis(10));
        }
    }
}

#[test]
fn shutdown_nosave_stops_the_server() {
    let mut server = Server::start(&[]);
    let mut raw = server.raw_conn();
    raw.send(&encode_str(&["SHUTDOWN", "NOSAVE"]));
    assert!(raw.is_closed(Duration::from_secs(10)));
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("still running after SHUTDOWN");
    assert!(status.success(), "exit status {status}");
}

#[test]
fn start_up_is_logged_with_pid_and_port() {
    let log = temp_path("logfile", "log");
    let path = log.display().to_string();
    let server = Server::start(&["--logfile", &path, "--loglevel", "verbose"]);
    let mut c = server.client();
    assert_eq!(config_value(&mut c, "logfile"), path);
    let text = fs::read_to_string(&log).unwrap_or_default();
    assert!(
        text.contains(&server.pid().to_string()),
        "no pid in the log:\n{text}"
    );
    assert!(
        text.contains(&server.port().to_string()),
        "no port in the log:\n{text}"
    );
    drop(server);
    let _ = fs::remove_file(&log);
}

#[test]
fn maxclients_is_enforced_across_shards() {
    let server = Server::start(&["--maxclients", "5"]);
    let mut conns: Vec<RawConn> = (0..5).map(|_| server.raw_conn()).collect();
    for c in conns.iter_mut() {
        assert_eq!(c.cmd(&["PING"]), Resp::Simple("PONG".into()));
    }
    for _ in 0..3 {
        let mut extra = server.raw_conn();
        extra.send(b"PING\r\n");
        assert_eq!(
            extra.try_read(),
            Some(Resp::Error("ERR max number of clients reached".into()))
        );
        assert!(extra.is_closed(Duration::from_secs(5)));
    }
    // Room again once one leaves.
    drop(conns.pop());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut again = server.raw_conn();
        again.send(b"PING\r\n");
        if again.try_read() == Some(Resp::Simple("PONG".into())) {
            break;
        }
        assert!(Instant::now() < deadline, "no room after a client left");
        thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn idle_clients_are_closed_after_timeout() {
    let server = Server::start(&["--timeout", "1"]);
    let mut idle = server.raw_conn();
    assert_eq!(idle.cmd(&["PING"]), Resp::Simple("PONG".into()));
    let started = Instant::now();
    assert!(
        idle.is_closed(Duration::from_secs(10)),
        "an idle client outlived timeout 1"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "closed before the timeout"
    );
    // CONFIG SET timeout 0 turns it off.
    let mut c = server.client();
    assert_ok(&mut c, &["CONFIG", "SET", "timeout", "0"]);
    let mut kept = server.raw_conn();
    assert_eq!(kept.cmd(&["PING"]), Resp::Simple("PONG".into()));
    assert!(!kept.is_closed(Duration::from_millis(2500)));
    assert_eq!(kept.cmd(&["PING"]), Resp::Simple("PONG".into()));
}

#[test]
fn config_rewrite_updates_the_file() {
    let server = Server::start_with_config("timeout 100\n", &[]);
    let mut c = server.client();
    assert_ok(&mut c, &["CONFIG", "SET", "timeout", "123"]);
    assert_ok(&mut c, &["CONFIG", "SET", "maxclients", "321"]);
    assert_ok(&mut c, &["CONFIG", "REWRITE"]);
    let file: String = q(&mut c, &["INFO", "server"]);
    let path = file
        .split("\r\n")
        .find_map(|l| l.strip_prefix("config_file:"))
        .expect("config_file in INFO server")
        .to_string();
    let text = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.contains(&"timeout 123"), "{text}");
    assert!(lines.contains(&"maxclients 321"), "{text}");
    assert!(!lines.contains(&"timeout 100"), "{text}");
}
