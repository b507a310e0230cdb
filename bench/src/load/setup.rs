//! Opening a connection and the blocking request/reply exchanges before load starts: HELLO 3,
//! CLIENT INFO, INFO server, CLUSTER SLOTS.
//!
//! Done with plain blocking sockets and timeouts, so every failure here carries the address and
//! the reason, and the epoll loop only ever sees connections that are ready.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::shards::client_shard;
use super::value::{parse, Value};

/// How long connecting and each set-up reply may take.
const SETUP_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection that finished its handshake.
#[derive(Debug)]
pub struct Opened {
    /// The socket, still blocking; the worker makes it non-blocking.
    pub stream: TcpStream,
    /// The shard serving it, when asked for and reported.
    pub shard: Option<usize>,
}

/// Connects to `addr` (`host:port`), switches to RESP3 when asked, and asks for its shard when
/// `want_shard`.
pub fn open(addr: &str, resp3: bool, want_shard: bool) -> Result<Opened, String> {
    let mut stream = connect(addr)?;
    if resp3 {
        match command(&mut stream, &[b"HELLO", b"3"]) {
            Ok(Value::Error(e)) => {
                return Err(format!(
                    "{addr}: the server refused HELLO 3 (--resp 3): {e}"
                ))
            }
            Ok(_) => {}
            Err(e) => return Err(format!("{addr}: HELLO 3: {e}")),
        }
    }
    let shard = if want_shard {
        let info = command(&mut stream, &[b"CLIENT", b"INFO"])
            .map_err(|e| format!("{addr}: CLIENT INFO: {e}"))?;
        info.text().as_deref().and_then(client_shard)
    } else {
        None
    };
    Ok(Opened { stream, shard })
}

/// Connects with a timeout and TCP_NODELAY, trying each address the name resolves to.
pub fn connect(addr: &str) -> Result<TcpStream, String> {
    let targets = addr
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {addr}: {e}"))?;
    let mut last = format!("cannot resolve {addr}: no address");
    for target in targets {
        match TcpStream::connect_timeout(&target, SETUP_TIMEOUT) {
            Ok(stream) => {
                stream
                    .set_nodelay(true)
                    .and_then(|()| stream.set_read_timeout(Some(SETUP_TIMEOUT)))
                    .and_then(|()| stream.set_write_timeout(Some(SETUP_TIMEOUT)))
                    .map_err(|e| format!("{addr}: setting socket options: {e}"))?;
                return Ok(stream);
            }
            Err(e) => last = format!("cannot connect to {addr} ({target}): {e}"),
        }
    }
    Err(last)
}

/// Sends one command and waits for its whole reply (error replies are values, not `Err`).
pub fn command(stream: &mut TcpStream, args: &[&[u8]]) -> Result<Value, String> {
    let mut request = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        request.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        request.extend_from_slice(arg);
        request.extend_from_slice(b"\r\n");
    }
    stream
        .write_all(&request)
        .map_err(|e| format!("sending: {e}"))?;
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some((value, _)) = parse(&buf).map_err(|e| e.to_string())? {
            return Ok(value);
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Err("the server closed the connection".into()),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(format!("reading the reply: {e}")),
        }
    }
}
