//! The wire: inline commands, pipelining across shards with replies in order, Redis's protocol
//! errors (the connection is closed, everyone else goes on), proto-max-bulk-len and
//! client-query-buffer-limit, large values, a slow reader and many idle connections.

mod common;

use common::*;
use std::io::Write;
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

/// Sends `bytes` on a fresh connection and expects exactly `reply` followed by the close.
fn assert_protocol_error(server: &Server, bytes: &[u8], reply: &str) {
    let mut s = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    let _ = s.write_all(bytes);
    let got = read_until_quiet(&mut s, Duration::from_secs(5));
    assert_eq!(
        String::from_utf8_lossy(&got),
        reply,
        "for {:?}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(40)])
    );
}

#[test]
fn inline_commands() {
    let server = Server::start(&[]);
    assert_eq!(server.raw(b"PING\r\n"), b"+PONG\r\n");
    assert_eq!(server.raw(b"PING\n"), b"+PONG\r\n");
    assert_eq!(server.raw(b"ping hello\r\n"), b"$5\r\nhello\r\n");
    assert_eq!(
        server.raw(b"\r\n\r\nPING\r\n"),
        b"+PONG\r\n",
        "empty lines are skipped"
    );
    assert_eq!(
        server.raw(b"SET k \"hello world\"\r\nGET k\r\n"),
        b"+OK\r\n$11\r\nhello world\r\n"
    );
    assert_eq!(
        server.raw(b"SET k \"a\\x41b\\tc\"\r\nGET k\r\n"),
        b"+OK\r\n$5\r\naAb\tc\r\n"
    );
    assert_eq!(server.raw(b"ECHO 'it\\'s'\r\n"), b"$4\r\nit's\r\n");
    assert_eq!(
        server.raw(b"  SET   spaced    v  \r\nGET spaced\r\n"),
        b"+OK\r\n$1\r\nv\r\n"
    );
    assert_eq!(
        server.raw(b"PING\r\nPING\r\nPING\r\n"),
        b"+PONG\r\n+PONG\r\n+PONG\r\n"
    );
    // Inline and multibulk mixed in one write.
    assert_eq!(
        server.raw(b"PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING\r\n"),
        b"+PONG\r\n$2\r\nhi\r\n+PONG\r\n"
    );
    // Empty multibulks are skipped.
    assert_eq!(server.raw(b"*0\r\nPING\r\n"), b"+PONG\r\n");
    assert_eq!(server.raw(b"*-1\r\nPING\r\n"), b"+PONG\r\n");
    assert_eq!(
        server.raw(b"FOO bar\r\n"),
        b"-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n"
    );
}

#[test]
fn commands_split_over_many_segments() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    let request = encode_str(&["SET", "split", "value"]);
    for b in &request {
        c.send(&[*b]);
        thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(c.read(), Resp::ok());
    // Two commands, cut in the middle of a bulk length and of a payload.
    let mut two = encode_str(&["GET", "split"]);
    two.extend(encode_str(&["ECHO", "abcdefgh"]));
    let cut = two.len() - 7;
    c.send(&two[..5]);
    thread::sleep(Duration::from_millis(20));
    c.send(&two[5..cut]);
    thread::sleep(Duration::from_millis(20));
    c.send(&two[cut..]);
    assert_eq!(c.read(), Resp::bulk("value"));
    assert_eq!(c.read(), Resp::bulk("abcdefgh"));
}

#[test]
fn pipeline_of_10000_commands_alternating_shards_replies_in_order() {
    let server = Server::start(&[]);
    let keys = alternating_keys("pipe", 10_000);
    // Every command's reply is different, so any reordering shows.
    let mut request = Vec::new();
    for i in 0..keys.len() {
        if i % 10 == 9 {
            request.extend(encode_str(&["MGET", &keys[i - 1], &keys[i - 2]]));
        } else {
            request.extend(encode_str(&["INCRBY", &keys[i], &i.to_string()]));
        }
    }
    let mut c = server.raw_conn();
    let mut writer = c.stream().try_clone().unwrap();
    let sender = thread::spawn(move || writer.write_all(&request).unwrap());
    for i in 0..keys.len() {
        let got = c.read();
        let want = if i % 10 == 9 {
            Resp::bulks(&[&(i - 1).to_string(), &(i - 2).to_string()])
        } else {
            Resp::Int(i as i64)
        };
        assert_eq!(got, want, "reply {i}");
    }
    sender.join().unwrap();

    // And once more with GETs only, written in one go.
    let mut request = Vec::new();
    for k in &keys {
        request.extend(encode_str(&["GET", k]));
    }
    let mut writer = c.stream().try_clone().unwrap();
    let sender = thread::spawn(move || writer.write_all(&request).unwrap());
    for (i, _) in keys.iter().enumerate() {
        let want = if i % 10 == 9 {
            Resp::Bulk(None)
        } else {
            Resp::bulk(&i.to_string())
        };
        assert_eq!(c.read(), want, "GET reply {i}");
    }
    sender.join().unwrap();
    assert_eq!(c.cmd(&["DBSIZE"]), Resp::Int(9_000));
}

#[test]
fn pipeline_through_the_redis_crate() {
    let server = Server::start(&[]);
    let mut con = server.client();
    let keys = alternating_keys("rp", 1000);
    let mut pipe = redis::pipe();
    for (i, k) in keys.iter().enumerate() {
        pipe.cmd("SET").arg(k).arg(i).ignore();
    }
    for k in &keys {
        pipe.cmd("GET").arg(k);
    }
    let got: Vec<usize> = pipe.query(&mut con).unwrap();
    assert_eq!(got, (0..1000).collect::<Vec<_>>());
}

#[test]
fn malformed_input_gets_a_protocol_error_and_the_connection_closes() {
    let server = Server::start(&[]);
    let mut bystander = server.client();
    assert_ok(&mut bystander, &["SET", "k", "v"]);
    let cases: &[(&[u8], &str)] = &[
        (
            b"*abc\r\n",
            "-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*1\r\nfoo\r\n",
            "-ERR Protocol error: expected '$', got 'f'\r\n",
        ),
        (
            b"*1\r\n$abc\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\n$-1\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\n$-5\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"SET a \"b\r\n",
            "-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
        (
            b"SET k 'it''s'\r\n",
            "-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
        // Commands before the bad one are answered first.
        (
            b"*1\r\n$4\r\nPING\r\n*x\r\n",
            "+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"PING\r\n*1\r\n$4\r\nPING\r\n*1\r\nxx\r\n",
            "+PONG\r\n+PONG\r\n-ERR Protocol error: expected '$', got 'x'\r\n",
        ),
    ];
    for (bytes, reply) in cases {
        assert_protocol_error(&server, bytes, reply);
    }
    // Lines too long to be a request.
    assert_protocol_error(
        &server,
        &vec![b'x'; 70_000],
        "-ERR Protocol error: too big inline request\r\n",
    );
    let mut mbulk = b"*".to_vec();
    mbulk.extend(vec![b'1'; 70_000]);
    assert_protocol_error(
        &server,
        &mbulk,
        "-ERR Protocol error: too big mbulk count string\r\n",
    );
    let mut bulk = b"*1\r\n$".to_vec();
    bulk.extend(vec![b'1'; 70_000]);
    assert_protocol_error(
        &server,
        &bulk,
        "-ERR Protocol error: too big bulk count string\r\n",
    );
    // Everyone else goes on.
    assert_eq!(q::<String>(&mut bystander, &["GET", "k"]), "v");
    let mut fresh = server.client();
    assert_eq!(q::<String>(&mut fresh, &["GET", "k"]), "v");
}

#[test]
fn bulk_length_over_proto_max_bulk_len_is_refused() {
    let server = Server::start(&[]);
    // Over the default 512 MB: refused from the header alone, before any payload.
    assert_protocol_error(
        &server,
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870913\r\n",
        "-ERR Protocol error: invalid bulk length\r\n",
    );
    assert_protocol_error(
        &server,
        b"*1\r\n$99999999999\r\n",
        "-ERR Protocol error: invalid bulk length\r\n",
    );
    let mut c = server.client();
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "k"]), 0);

    let small = Server::start(&["--proto-max-bulk-len", "1mb"]);
    assert_protocol_error(
        &small,
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n",
        "-ERR Protocol error: invalid bulk length\r\n",
    );
    // Exactly the limit is fine.
    let mut c = small.client();
    let value = vec![b'v'; 1 << 20];
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg(&value[..])
        .query(&mut c)
        .unwrap();
    assert_eq!(q::<i64>(&mut c, &["STRLEN", "k"]), 1 << 20);
    // And the limit can change at run time.
    assert_ok(&mut c, &["CONFIG", "SET", "proto-max-bulk-len", "2mb"]);
    let value = vec![b'w'; 2 << 20];
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg(&value[..])
        .query(&mut c)
        .unwrap();
    assert_eq!(q::<i64>(&mut c, &["STRLEN", "k"]), 2 << 20);
}

#[test]
fn client_query_buffer_limit_closes_the_connection() {
    let server = Server::start(&["--client-query-buffer-limit", "1mb"]);
    let mut bystander = server.client();
    assert_ok(&mut bystander, &["SET", "other", "v"]);
    let mut s = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    let value = vec![b'x'; 2 << 20];
    let mut request = encode(&[b"SET", b"big", &value]);
    request.extend(encode_str(&["PING"]));
    let _ = s.write_all(&request);
    let got = read_until_quiet(&mut s, Duration::from_secs(5));
    assert!(
        !got.starts_with(b"+OK"),
        "the oversized command ran: {:?}",
        String::from_utf8_lossy(&got)
    );
    assert_eq!(q::<i64>(&mut bystander, &["EXISTS", "big"]), 0);
    assert_eq!(q::<String>(&mut bystander, &["GET", "other"]), "v");
}

#[test]
fn one_megabyte_values_round_trip() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (a, b) = key_pair("mb");
    let value: Vec<u8> = (0..(1 << 20))
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let _: () = redis::cmd("SET")
        .arg(&a)
        .arg(&value[..])
        .query(&mut c)
        .unwrap();
    let back: Vec<u8> = redis::cmd("GET").arg(&a).query(&mut c).unwrap();
    assert!(back == value, "GET returned other bytes");
    let other: Vec<u8> = value.iter().rev().copied().collect();
    let _: () = redis::cmd("MSET")
        .arg(&a)
        .arg(&other[..])
        .arg(&b)
        .arg(&value[..])
        .query(&mut c)
        .unwrap();
    let both: Vec<Vec<u8>> = redis::cmd("MGET").arg(&a).arg(&b).query(&mut c).unwrap();
    assert!(
        both[0] == other && both[1] == value,
        "MGET returned other bytes"
    );
    assert_eq!(q::<i64>(&mut c, &["APPEND", &b, "!"]), (1 << 20) + 1);
    // Written in small pieces with pauses: the server assembles the bulk.
    let mut raw = server.raw_conn();
    let request = encode(&[b"SET", b"slow", &value]);
    for chunk in request.chunks(64 * 1024) {
        raw.send(chunk);
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(raw.read(), Resp::ok());
    // Several pipelined at once.
    let mut request = Vec::new();
    for i in 0..8 {
        request.extend(encode(&[b"SET", format!("mb:{i}").as_bytes(), &value]));
    }
    for i in 0..8 {
        request.extend(encode(&[b"GET", format!("mb:{i}").as_bytes()]));
    }
    let mut writer = raw.stream().try_clone().unwrap();
    let sender = thread::spawn(move || writer.write_all(&request).unwrap());
    for _ in 0..8 {
        assert_eq!(raw.read(), Resp::ok());
    }
    for _ in 0..8 {
        assert!(
            raw.read() == Resp::Bulk(Some(value.clone())),
            "GET returned other bytes"
        );
    }
    sender.join().unwrap();
}

#[test]
fn slow_reader_gets_every_reply() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let value = "z".repeat(64 * 1024);
    assert_ok(&mut c, &["SET", "v", &value]);
    // 32 MB of replies asked for, and nothing read for a second.
    let mut raw = server.raw_conn();
    let mut request = Vec::new();
    for _ in 0..500 {
        request.extend(encode_str(&["GET", "v"]));
    }
    request.extend(encode_str(&["ECHO", "end"]));
    raw.send(&request);
    thread::sleep(Duration::from_secs(1));
    // Other clients are served meanwhile.
    assert_eq!(q::<String>(&mut c, &["ECHO", "meanwhile"]), "meanwhile");
    for i in 0..500 {
        assert!(raw.read() == Resp::bulk(&value), "reply {i}");
    }
    assert_eq!(raw.read(), Resp::bulk("end"));
}

#[test]
fn a_thousand_idle_connections() {
    let server = Server::start(&[]);
    let mut conns: Vec<RawConn> = (0..1000).map(|_| server.raw_conn()).collect();
    let mut c = server.client();
    assert_ok(&mut c, &["SET", "k", "v"]);
    let info: String = q(&mut c, &["INFO", "clients"]);
    let connected: u64 = info
        .split("\r\n")
        .find_map(|l| l.strip_prefix("connected_clients:"))
        .unwrap()
        .parse()
        .unwrap();
    assert!(connected >= 1001, "connected_clients:{connected}");
    thread::sleep(Duration::from_millis(200));
    for (i, conn) in conns.iter_mut().enumerate() {
        assert_eq!(conn.cmd(&["GET", "k"]), Resp::bulk("v"), "connection {i}");
    }
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "v");
}

/// A long conversation, one command at a time, alternating shards: the shard's loop sleeps and
/// wakes between every two commands, tens of thousands of times (a waker kept across sleeps
/// once overflowed after about 32,000 of them and stopped the server).
#[test]
fn a_long_conversation_of_single_commands() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    let keys = alternating_keys("talk", 2);
    for i in 0..40_000 {
        assert_eq!(
            c.cmd(&["GET", &keys[i % 2]]),
            Resp::Bulk(None),
            "command {i}"
        );
    }
}

#[test]
fn pipelines_over_a_large_keyspace_read_what_was_written() {
    // Large enough that both shards look ahead at pipelined keys (and at the keys a peer's batch
    // brings): long and short values, commands without keys, bad arities and unknown commands
    // in the middle of the pipeline all keep their replies and their order.
    let server = Server::start(&[]);
    let keys = alternating_keys("big", 40_000);
    let value = |i: usize| {
        if i.is_multiple_of(2) {
            format!("v{i}")
        } else {
            format!("a-value-longer-than-twenty-two-bytes-{i}")
        }
    };
    let mut c = server.raw_conn();
    let mut request = Vec::new();
    for chunk in keys.chunks(100).enumerate() {
        let (n, chunk) = chunk;
        let mut args = vec!["MSET".to_string()];
        for (j, k) in chunk.iter().enumerate() {
            args.push(k.clone());
            args.push(value(n * 100 + j));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        request.extend(encode_str(&args));
    }
    let mut writer = c.stream().try_clone().unwrap();
    let sender = thread::spawn(move || writer.write_all(&request).unwrap());
    for _ in 0..keys.len() / 100 {
        assert_eq!(c.read(), Resp::Simple("OK".into()));
    }
    sender.join().unwrap();

    let mut request = Vec::new();
    let mut want = Vec::new();
    for i in (0..keys.len()).step_by(7) {
        match i % 5 {
            0 => {
                request.extend(encode_str(&["GET", &keys[i]]));
                want.push(Resp::bulk(&value(i)));
            }
            1 => {
                request.extend(encode_str(&["MGET", &keys[i], &keys[i - 1], "big:missing"]));
                want.push(Resp::Array(Some(vec![
                    Resp::bulk(&value(i)),
                    Resp::bulk(&value(i - 1)),
                    Resp::Bulk(None),
                ])));
            }
            2 => {
                request.extend(encode_str(&["GET"]));
                want.push(Resp::Error(
                    "ERR wrong number of arguments for 'get' command".into(),
                ));
            }
            3 => {
                request.extend(encode_str(&["STRLEN", &keys[i]]));
                want.push(Resp::Int(value(i).len() as i64));
            }
            _ => {
                request.extend(encode_str(&["PING"]));
                want.push(Resp::Simple("PONG".into()));
            }
        }
    }
    let mut writer = c.stream().try_clone().unwrap();
    let sender = thread::spawn(move || writer.write_all(&request).unwrap());
    for (n, w) in want.iter().enumerate() {
        assert_eq!(&c.read(), w, "reply {n}");
    }
    sender.join().unwrap();
    assert_eq!(c.cmd(&["DBSIZE"]), Resp::Int(40_000));
}
