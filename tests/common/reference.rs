//! A reference `redis-server` started beside the server under test, for the tests that send the
//! same commands to both and compare the replies (`differential.rs`, `float_differential.rs`).

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::{free_port, temp_path};

/// How long the reference server may take to answer its first PING.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A `redis-server` of our own on a free loopback port, persistence off and its files in a
/// temporary directory; killed, and the directory removed, when dropped.
pub struct Reference {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Reference {
    /// The port it listens on (loopback).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Starts redis-server and waits until it answers PING (on a new port if it dies first, in
    /// case another test took the port meanwhile). Fails the test when there is no redis-server.
    pub fn start() -> Reference {
        Self::start_with(&[])
    }

    /// As [`Reference::start`], with `extra` arguments after the standard ones (directives
    /// that CONFIG SET cannot change, such as `--enable-debug-command yes`).
    pub fn start_with(extra: &[&str]) -> Reference {
        let mut last = String::new();
        for _ in 0..3 {
            match Self::try_start(extra) {
                Ok(server) => return server,
                Err(why) => last = why,
            }
        }
        panic!("the reference redis-server did not start: {last}");
    }

    fn try_start(extra: &[&str]) -> Result<Reference, String> {
        let port = free_port();
        let dir = temp_path("reference", "dir");
        fs::create_dir_all(&dir).expect("create the reference server's directory");
        let out = File::create(dir.join("redis.log")).expect("create the reference server's log");
        let err = out.try_clone().expect("clone the log file");
        let spawned = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--dir", &dir.display().to_string()])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) => {
                let _ = fs::remove_dir_all(&dir);
                panic!(
                    "cannot run redis-server ({e}): this test compares Tessera with a real \
                     redis-server 7.0 and needs one on PATH (Debian: apt-get install redis-server)"
                );
            }
        };
        let mut server = Reference { child, port, dir };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = server.child.try_wait().expect("try_wait") {
                return Err(format!("exited with {status}\n{}", server.log()));
            }
            if server.answers_ping() {
                // A server that lost the port to someone else's exits at once: only one still
                // running after a moment is ours.
                thread::sleep(Duration::from_millis(50));
                if let Some(status) = server.child.try_wait().expect("try_wait") {
                    return Err(format!("exited with {status}\n{}", server.log()));
                }
                return Ok(server);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "no reply to PING within {START_TIMEOUT:?}\n{}",
                    server.log()
                ));
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn answers_ping(&self) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
        if s.write_all(b"*1\r\n$4\r\nPING\r\n").is_err() {
            return false;
        }
        let mut line = String::new();
        let _ = BufReader::new(s).read_line(&mut line);
        line == "+PONG\r\n"
    }

    fn log(&self) -> String {
        fs::read(self.dir.join("redis.log"))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            eprintln!("--- reference redis-server log ---\n{}", tail.join("\n"));
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}
