//! Connection and server commands: PING, ECHO, HELLO (RESP2 and RESP3), AUTH with requirepass,
//! SELECT, QUIT, RESET, CLIENT, CONFIG, COMMAND, INFO, TIME and DEBUG, with Redis 7.0's replies.

mod common;

use common::*;
use redis::Value;
use std::collections::HashSet;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const DEBUG_REFUSED: &str = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";

fn simple(s: &str) -> Value {
    Value::SimpleString(s.into())
}

fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

#[test]
fn ping_echo_and_unknown_commands() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(v(&mut c, &["PING"]), simple("PONG"));
    assert_eq!(v(&mut c, &["PING", "hello"]), bulk("hello"));
    assert_eq!(v(&mut c, &["ping"]), simple("PONG"));
    assert_eq!(
        err(&mut c, &["PING", "a", "b"]),
        "ERR wrong number of arguments for 'ping' command"
    );
    assert_eq!(v(&mut c, &["ECHO", "hello world"]), bulk("hello world"));
    assert_eq!(v(&mut c, &["ECHO", ""]), bulk(""));
    let binary: Vec<u8> = (0..=255u8).collect();
    let back: Vec<u8> = redis::cmd("ECHO").arg(&binary[..]).query(&mut c).unwrap();
    assert_eq!(back, binary);
    assert_eq!(
        err(&mut c, &["ECHO"]),
        "ERR wrong number of arguments for 'echo' command"
    );
    assert_eq!(
        err(&mut c, &["FOO", "a", "b"]),
        "ERR unknown command 'FOO', with args beginning with: 'a' 'b' "
    );
    assert_eq!(
        err(&mut c, &["FOO"]),
        "ERR unknown command 'FOO', with args beginning with: "
    );
    // The connection goes on after errors.
    assert_eq!(v(&mut c, &["PING"]), simple("PONG"));
}

#[test]
fn hello_resp2_and_resp3() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    let id = match c.cmd(&["CLIENT", "ID"]) {
        Resp::Int(id) => id,
        other => panic!("{other:?}"),
    };
    let expect = |proto: i64| {
        vec![
            ("server", Resp::bulk("redis")),
            ("version", Resp::bulk("7.0.15")),
            ("proto", Resp::Int(proto)),
            ("id", Resp::Int(id)),
            ("mode", Resp::bulk("standalone")),
            ("role", Resp::bulk("master")),
            ("modules", Resp::Array(Some(vec![]))),
        ]
    };
    // Without a version: the current protocol, as a flat RESP2 array.
    let flat = |pairs: Vec<(&str, Resp)>| {
        Resp::Array(Some(
            pairs
                .into_iter()
                .flat_map(|(k, v)| [Resp::bulk(k), v])
                .collect(),
        ))
    };
    assert_eq!(c.cmd(&["HELLO"]), flat(expect(2)));
    assert_eq!(c.cmd(&["HELLO", "2"]), flat(expect(2)));
    let map = |pairs: Vec<(&str, Resp)>| {
        Resp::Map(pairs.into_iter().map(|(k, v)| (Resp::bulk(k), v)).collect())
    };
    assert_eq!(c.cmd(&["HELLO", "3"]), map(expect(3)));
    // RESP3 replies: null, maps.
    assert_eq!(c.cmd(&["GET", "missing"]), Resp::Null);
    assert_eq!(c.cmd(&["SET", "k", "v"]), Resp::ok());
    assert_eq!(
        c.cmd(&["MGET", "k", "missing"]),
        Resp::Array(Some(vec![Resp::bulk("v"), Resp::Null]))
    );
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "timeout"]),
        Resp::Map(vec![(Resp::bulk("timeout"), Resp::bulk("0"))])
    );
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "1.5"]), Resp::bulk("1.5"));
    // And back to RESP2.
    assert_eq!(c.cmd(&["HELLO", "2", "SETNAME", "back"]), flat(expect(2)));
    assert_eq!(c.cmd(&["GET", "missing"]), Resp::Bulk(None));
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Resp::bulk("back"));
    // AUTH in HELLO on a server without a password: the default user takes any password.
    assert_eq!(
        c.cmd(&["HELLO", "3", "AUTH", "default", "anything"]),
        map(expect(3))
    );
    assert_eq!(c.cmd(&["HELLO", "2"]), flat(expect(2)));

    assert_eq!(
        c.cmd(&["HELLO", "4"]),
        Resp::Error("NOPROTO unsupported protocol version".into())
    );
    assert_eq!(
        c.cmd(&["HELLO", "1"]),
        Resp::Error("NOPROTO unsupported protocol version".into())
    );
    assert_eq!(
        c.cmd(&["HELLO", "x"]),
        Resp::Error("ERR Protocol version is not an integer or out of range".into())
    );
    assert_eq!(
        c.cmd(&["HELLO", "3", "FOO"]),
        Resp::Error("ERR Syntax error in HELLO option 'FOO'".into())
    );
    assert_eq!(
        c.cmd(&["HELLO", "3", "SETNAME", "a b"]),
        Resp::Error(
            "ERR Client names cannot contain spaces, newlines or special characters.".into()
        )
    );
    assert_eq!(
        c.cmd(&["GET", "missing"]),
        Resp::Bulk(None),
        "a refused HELLO changes nothing"
    );
}

#[test]
fn resp3_client_from_the_redis_crate() {
    let server = Server::start(&[]);
    let client = redis::Client::open(format!("{}?protocol=resp3", server.url())).unwrap();
    let mut c = client.get_connection().unwrap();
    assert_ok(&mut c, &["SET", "k", "v"]);
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "v");
    assert_eq!(v(&mut c, &["GET", "missing"]), Value::Nil);
}

#[test]
fn auth_and_requirepass() {
    let server = Server::start(&["--requirepass", "secret"]);
    let mut c = server.raw_conn();
    let noauth = Resp::Error("NOAUTH Authentication required.".into());
    let wrongpass =
        Resp::Error("WRONGPASS invalid username-password pair or user is disabled.".into());
    assert_eq!(c.cmd(&["PING"]), noauth);
    assert_eq!(c.cmd(&["GET", "k"]), noauth);
    assert_eq!(c.cmd(&["SET", "k", "v"]), noauth);
    assert_eq!(
        c.cmd(&["HELLO", "3"]),
        Resp::Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time".into())
    );
    assert_eq!(c.cmd(&["AUTH", "wrong"]), wrongpass);
    assert_eq!(c.cmd(&["AUTH", "default", "wrong"]), wrongpass);
    assert_eq!(c.cmd(&["AUTH", "nobody", "secret"]), wrongpass);
    assert_eq!(
        c.cmd(&["HELLO", "2", "AUTH", "default", "wrong"]),
        wrongpass
    );
    assert_eq!(c.cmd(&["GET", "k"]), noauth);
    assert_eq!(c.cmd(&["AUTH", "secret"]), Resp::ok());
    assert_eq!(c.cmd(&["SET", "k", "v"]), Resp::ok());
    assert_eq!(c.cmd(&["AUTH", "default", "secret"]), Resp::ok());
    assert_eq!(
        c.cmd(&["AUTH", "a", "b", "c"]),
        Resp::Error("ERR syntax error".into())
    );
    // RESET logs the connection out again.
    assert_eq!(c.cmd(&["RESET"]), Resp::Simple("RESET".into()));
    assert_eq!(c.cmd(&["GET", "k"]), noauth);

    // HELLO with AUTH and SETNAME logs in, names the connection and switches protocol at once.
    let mut h = server.raw_conn();
    let reply = h.cmd(&["HELLO", "3", "AUTH", "default", "secret", "SETNAME", "me"]);
    assert_eq!(reply.get("proto"), Some(Resp::Int(3)));
    assert_eq!(h.cmd(&["CLIENT", "GETNAME"]), Resp::bulk("me"));
    assert_eq!(h.cmd(&["GET", "k"]), Resp::bulk("v"));

    // The redis crate authenticates from the URL.
    let client =
        redis::Client::open(format!("redis://:secret@127.0.0.1:{}/", server.port())).unwrap();
    let mut rc = client.get_connection().unwrap();
    assert_eq!(q::<String>(&mut rc, &["GET", "k"]), "v");
    // CONFIG SET requirepass applies to the next AUTH.
    assert_ok(&mut rc, &["CONFIG", "SET", "requirepass", "other"]);
    let mut n = server.raw_conn();
    assert_eq!(n.cmd(&["AUTH", "secret"]), wrongpass);
    assert_eq!(n.cmd(&["AUTH", "other"]), Resp::ok());
    assert_ok(&mut rc, &["CONFIG", "SET", "requirepass", ""]);
    let mut open = server.raw_conn();
    assert_eq!(open.cmd(&["GET", "k"]), Resp::bulk("v"));
}

#[test]
fn auth_without_a_password_configured() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(
        err(&mut c, &["AUTH", "x"]),
        "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
    );
    // The default user has no password: any password logs it in.
    assert_ok(&mut c, &["AUTH", "default", "anything"]);
    assert_eq!(
        err(&mut c, &["AUTH", "nobody", "x"]),
        "WRONGPASS invalid username-password pair or user is disabled."
    );
}

#[test]
fn select_quit_reset() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    assert_eq!(c.cmd(&["SET", "k", "zero"]), Resp::ok());
    assert_eq!(c.cmd(&["SELECT", "5"]), Resp::ok());
    assert_eq!(c.cmd(&["GET", "k"]), Resp::Bulk(None));
    assert_eq!(c.cmd(&["SET", "k", "five"]), Resp::ok());
    assert_eq!(
        c.cmd(&["SELECT", "16"]),
        Resp::Error("ERR DB index is out of range".into())
    );
    assert_eq!(c.cmd(&["GET", "k"]), Resp::bulk("five"));
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "named"]), Resp::ok());
    assert_eq!(c.cmd(&["HELLO", "3"]).get("proto"), Some(Resp::Int(3)));
    assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(
        c.cmd(&["SET", "k", "queued"]),
        Resp::Simple("QUEUED".into())
    );
    // RESET: out of MULTI, database 0, no name, RESP2.
    assert_eq!(c.cmd(&["RESET"]), Resp::Simple("RESET".into()));
    assert_eq!(c.cmd(&["GET", "k"]), Resp::bulk("zero"));
    assert_eq!(c.cmd(&["GET", "missing"]), Resp::Bulk(None));
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Resp::Bulk(None));
    assert_eq!(
        c.cmd(&["EXEC"]),
        Resp::Error("ERR EXEC without MULTI".into())
    );
    assert_eq!(c.cmd(&["SELECT", "5"]), Resp::ok());
    assert_eq!(
        c.cmd(&["GET", "k"]),
        Resp::bulk("five"),
        "the queued SET never ran"
    );

    // QUIT answers OK and closes the connection.
    assert_eq!(server.raw(b"QUIT\r\n"), b"+OK\r\n");
    assert_eq!(server.raw(&encode_str(&["QUIT"])), b"+OK\r\n");
    let mut q = server.raw_conn();
    assert_eq!(q.cmd(&["QUIT"]), Resp::ok());
    assert!(q.is_closed(Duration::from_secs(5)));
    assert_eq!(c.cmd(&["PING"]), Resp::Simple("PONG".into()));
}

fn client_id(c: &mut RawConn) -> i64 {
    match c.cmd(&["CLIENT", "ID"]) {
        Resp::Int(id) => id,
        other => panic!("{other:?}"),
    }
}

/// `name=value` fields of one CLIENT LIST / CLIENT INFO line.
fn fields(line: &str) -> Vec<(String, String)> {
    line.trim_end()
        .split(' ')
        .map(|f| {
            let (k, v) = f.split_once('=').unwrap_or((f, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn field(line: &str, name: &str) -> String {
    fields(line)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {name} in {line}"))
}

#[test]
fn client_id_setname_getname_info() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    let id = client_id(&mut c);
    assert!(id > 0);
    let mut other = server.raw_conn();
    assert_ne!(client_id(&mut other), id, "every connection has its own id");
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Resp::Bulk(None));
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "alice"]), Resp::ok());
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Resp::bulk("alice"));
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", ""]), Resp::ok());
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Resp::Bulk(None));
    let bad = Resp::Error(
        "ERR Client names cannot contain spaces, newlines or special characters.".into(),
    );
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "a b"]), bad);
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "a\nb"]), bad);
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "bob"]), Resp::ok());
    assert_eq!(c.cmd(&["SELECT", "3"]), Resp::ok());

    let info = c.cmd(&["CLIENT", "INFO"]).text();
    assert!(info.starts_with("id=") && info.ends_with('\n'), "{info:?}");
    assert_eq!(info.matches('\n').count(), 1);
    assert_eq!(field(&info, "id"), id.to_string());
    assert_eq!(field(&info, "name"), "bob");
    assert_eq!(field(&info, "db"), "3");
    assert_eq!(field(&info, "cmd"), "client|info");
    assert_eq!(field(&info, "resp"), "2");
    assert_eq!(field(&info, "user"), "default");
    assert!(field(&info, "addr").starts_with("127.0.0.1:"));
    assert_eq!(
        field(&info, "laddr"),
        format!("127.0.0.1:{}", server.port())
    );
    let names: Vec<String> = fields(&info).into_iter().map(|(k, _)| k).collect();
    for required in [
        "id",
        "addr",
        "laddr",
        "fd",
        "name",
        "age",
        "idle",
        "flags",
        "db",
        "sub",
        "psub",
        "multi",
        "qbuf",
        "qbuf-free",
        "argv-mem",
        "obl",
        "oll",
        "omem",
        "tot-mem",
        "events",
        "cmd",
        "user",
        "redir",
        "resp",
    ] {
        assert!(
            names.iter().any(|n| n == required),
            "no {required} in {info}"
        );
    }
    assert_eq!(&names[..4], ["id", "addr", "laddr", "fd"]);

    assert_eq!(
        c.cmd(&["CLIENT", "FOO"]),
        Resp::Error("ERR unknown subcommand 'FOO'. Try CLIENT HELP.".into())
    );
    assert_eq!(
        c.cmd(&["CLIENT", "GETNAME", "x"]),
        Resp::Error("ERR wrong number of arguments for 'client|getname' command".into())
    );
    assert_eq!(
        c.cmd(&["CLIENT", "ID", "x"]),
        Resp::Error("ERR wrong number of arguments for 'client|id' command".into())
    );
    assert!(!c.cmd(&["CLIENT", "HELP"]).items().is_empty());
}

#[test]
fn client_list_shows_connections_of_every_shard() {
    let server = Server::start(&[]);
    // Enough connections that, spread over the shards' listeners, each shard holds some.
    let mut conns: Vec<RawConn> = (0..12).map(|_| server.raw_conn()).collect();
    let mut ids = Vec::new();
    for (i, c) in conns.iter_mut().enumerate() {
        assert_eq!(
            c.cmd(&["CLIENT", "SETNAME", &format!("conn-{i}")]),
            Resp::ok()
        );
        ids.push(client_id(c));
    }
    // The harness's own probe connection may take a moment to leave the list.
    let deadline = Instant::now() + Duration::from_secs(5);
    let list = loop {
        let list = conns[0].cmd(&["CLIENT", "LIST"]).text();
        if list.lines().count() == 12 || Instant::now() > deadline {
            break list;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 12, "{list}");
    let names: HashSet<String> = lines.iter().map(|l| field(l, "name")).collect();
    let want: HashSet<String> = (0..12).map(|i| format!("conn-{i}")).collect();
    assert_eq!(names, want);
    for line in &lines {
        let id: i64 = field(line, "id").parse().unwrap();
        assert!(ids.contains(&id));
    }
    let me = lines.iter().find(|l| field(l, "name") == "conn-0").unwrap();
    assert_eq!(field(me, "cmd"), "client|list");

    let only = conns[0]
        .cmd(&[
            "CLIENT",
            "LIST",
            "ID",
            &ids[3].to_string(),
            &ids[7].to_string(),
        ])
        .text();
    let names: Vec<String> = only.lines().map(|l| field(l, "name")).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"conn-3".to_string()) && names.contains(&"conn-7".to_string()));
    assert_eq!(
        conns[0]
            .cmd(&["CLIENT", "LIST", "TYPE", "normal"])
            .text()
            .lines()
            .count(),
        12
    );
    assert_eq!(
        conns[0].cmd(&["CLIENT", "LIST", "TYPE", "foo"]),
        Resp::Error("ERR Unknown client type 'foo'".into())
    );
    assert_eq!(
        conns[0].cmd(&["CLIENT", "LIST", "foo"]),
        Resp::Error("ERR syntax error".into())
    );
    drop(conns.pop());
    // A closed connection leaves the list (eventually: the server notices the close).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let n = conns[0].cmd(&["CLIENT", "LIST"]).text().lines().count();
        if n == 11 {
            break;
        }
        assert!(Instant::now() < deadline, "{n} clients listed");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn client_kill_by_id_and_addr() {
    let server = Server::start(&[]);
    let mut admin = server.raw_conn();
    let admin_id = client_id(&mut admin);
    let mut victims: Vec<RawConn> = (0..6).map(|_| server.raw_conn()).collect();
    let mut bystander = server.raw_conn();
    // By ID, on whichever shard each victim landed.
    for v in victims.iter_mut().take(3) {
        let id = client_id(v);
        assert_eq!(
            admin.cmd(&["CLIENT", "KILL", "ID", &id.to_string()]),
            Resp::Int(1)
        );
        assert!(
            v.is_closed(Duration::from_secs(5)),
            "killed client {id} still connected"
        );
    }
    // By address, new style and old style.
    let addr = field(&victims[3].cmd(&["CLIENT", "INFO"]).text(), "addr");
    assert_eq!(admin.cmd(&["CLIENT", "KILL", "ADDR", &addr]), Resp::Int(1));
    assert!(victims[3].is_closed(Duration::from_secs(5)));
    let addr = field(&victims[4].cmd(&["CLIENT", "INFO"]).text(), "addr");
    assert_eq!(admin.cmd(&["CLIENT", "KILL", &addr]), Resp::ok());
    assert!(victims[4].is_closed(Duration::from_secs(5)));
    // Nobody to kill.
    assert_eq!(admin.cmd(&["CLIENT", "KILL", "ID", "999999"]), Resp::Int(0));
    assert_eq!(
        admin.cmd(&["CLIENT", "KILL", "ADDR", "1.2.3.4:5"]),
        Resp::Int(0)
    );
    assert_eq!(
        admin.cmd(&["CLIENT", "KILL", "1.2.3.4:5"]),
        Resp::Error("ERR No such client".into())
    );
    // SKIPME is on by default.
    assert_eq!(
        admin.cmd(&["CLIENT", "KILL", "ID", &admin_id.to_string()]),
        Resp::Int(0)
    );
    assert_eq!(
        admin.cmd(&["CLIENT", "KILL", "ID", "x"]),
        Resp::Error("ERR client-id should be greater than 0".into())
    );
    assert_eq!(
        admin.cmd(&["CLIENT", "KILL", "ID", "1", "FOO", "bar"]),
        Resp::Error("ERR syntax error".into())
    );
    // Everyone else goes on.
    assert_eq!(victims[5].cmd(&["PING"]), Resp::Simple("PONG".into()));
    assert_eq!(bystander.cmd(&["PING"]), Resp::Simple("PONG".into()));
    assert_eq!(admin.cmd(&["PING"]), Resp::Simple("PONG".into()));
}

#[test]
fn client_reply_pause_no_evict() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    // OFF: nothing comes back until ON; SKIP: the next command's reply is dropped.
    c.send(&encode_str(&["CLIENT", "REPLY", "OFF"]));
    c.send(&encode_str(&["SET", "a", "1"]));
    c.send(&encode_str(&["PING"]));
    c.send(&encode_str(&["CLIENT", "REPLY", "ON"]));
    assert_eq!(c.read(), Resp::ok());
    c.send(&encode_str(&["CLIENT", "REPLY", "SKIP"]));
    c.send(&encode_str(&["INCR", "a"]));
    c.send(&encode_str(&["GET", "a"]));
    assert_eq!(c.read(), Resp::bulk("2"));
    assert_eq!(
        c.cmd(&["CLIENT", "REPLY", "FOO"]),
        Resp::Error("ERR syntax error".into())
    );

    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "on"]), Resp::ok());
    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "off"]), Resp::ok());
    assert_eq!(
        c.cmd(&["CLIENT", "NO-EVICT", "maybe"]),
        Resp::Error("ERR syntax error".into())
    );

    // PAUSE WRITE holds writes but not reads; UNPAUSE releases them.
    assert_eq!(c.cmd(&["CLIENT", "PAUSE", "20000", "WRITE"]), Resp::ok());
    let port = server.port();
    let writer = thread::spawn(move || {
        let mut w = RawConn::connect(port);
        assert_eq!(
            w.cmd(&["GET", "a"]),
            Resp::bulk("2"),
            "reads go on while writes are paused"
        );
        let started = Instant::now();
        assert_eq!(w.cmd(&["SET", "a", "3"]), Resp::ok());
        started.elapsed()
    });
    thread::sleep(Duration::from_millis(300));
    assert_eq!(c.cmd(&["CLIENT", "UNPAUSE"]), Resp::ok());
    let waited = writer.join().unwrap();
    assert!(
        waited >= Duration::from_millis(100),
        "the write was not held: {waited:?}"
    );
    assert_eq!(c.cmd(&["GET", "a"]), Resp::bulk("3"));
    // A pause ends by itself.
    assert_eq!(c.cmd(&["CLIENT", "PAUSE", "50"]), Resp::ok());
    let mut w = server.raw_conn();
    assert_eq!(w.cmd(&["SET", "a", "4"]), Resp::ok());
    assert_eq!(
        c.cmd(&["CLIENT", "PAUSE", "10", "FOO"]),
        Resp::Error("ERR CLIENT PAUSE mode must be WRITE or ALL".into())
    );
    assert_eq!(
        c.cmd(&["CLIENT", "PAUSE"]),
        Resp::Error("ERR wrong number of arguments for 'client|pause' command".into())
    );
}

#[test]
fn config_get_set_resetstat() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let pairs = |c: &mut redis::Connection, args: &[&str]| -> Vec<(String, String)> {
        let flat: Vec<String> = q(c, args);
        flat.chunks(2)
            .map(|p| (p[0].clone(), p[1].clone()))
            .collect()
    };
    assert_eq!(
        pairs(&mut c, &["CONFIG", "GET", "maxclients"]),
        [("maxclients".to_string(), "10000".to_string())]
    );
    assert_eq!(
        pairs(&mut c, &["CONFIG", "GET", "databases"]),
        [("databases".to_string(), "16".to_string())]
    );
    assert_eq!(
        pairs(&mut c, &["CONFIG", "GET", "port"]),
        [("port".to_string(), server.port().to_string())]
    );
    assert_eq!(
        pairs(&mut c, &["CONFIG", "GET", "bind"]),
        [("bind".to_string(), "127.0.0.1".to_string())]
    );
    assert_eq!(
        pairs(&mut c, &["CONFIG", "GET", "requirepass"]),
        [("requirepass".to_string(), String::new())]
    );
    assert_eq!(
        pairs(&mut c, &["CONFIG", "GET", "proto-max-bulk-len"]),
        [("proto-max-bulk-len".to_string(), "536870912".to_string())]
    );
    assert_eq!(
        pairs(&mut c, &["CONFIG", "GET", "enable-debug-command"]),
        [("enable-debug-command".to_string(), "no".to_string())]
    );
    // Several names and globs in one call.
    let mut got = pairs(&mut c, &["CONFIG", "GET", "port", "timeout"]);
    got.sort();
    assert_eq!(
        got,
        [
            ("port".to_string(), server.port().to_string()),
            ("timeout".to_string(), "0".to_string())
        ]
    );
    let max: Vec<String> = pairs(&mut c, &["CONFIG", "GET", "max*"])
        .into_iter()
        .map(|p| p.0)
        .collect();
    assert!(max.contains(&"maxclients".to_string()), "{max:?}");
    assert!(max.iter().all(|n| n.starts_with("max")), "{max:?}");
    let all = pairs(&mut c, &["CONFIG", "GET", "*"]);
    assert!(all.len() > 10);
    assert!(all.contains(&("port".to_string(), server.port().to_string())));
    assert!(pairs(&mut c, &["CONFIG", "GET", "nonexistent"]).is_empty());
    // A name is matched without regard to case and answered as asked; a glob's matches are
    // answered under their own names.
    let upper = pairs(&mut c, &["CONFIG", "GET", "MAXCLIENTS"]);
    assert_eq!(upper, [("MAXCLIENTS".to_string(), "10000".to_string())]);
    let glob: Vec<String> = pairs(&mut c, &["CONFIG", "GET", "MAXCLIENT*"])
        .into_iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(glob, ["maxclients"]);

    assert_ok(&mut c, &["CONFIG", "SET", "timeout", "300"]);
    assert_eq!(
        pairs(&mut c, &["CONFIG", "GET", "timeout"]),
        [("timeout".to_string(), "300".to_string())]
    );
    assert_ok(
        &mut c,
        &["CONFIG", "SET", "timeout", "0", "maxclients", "500"],
    );
    assert_eq!(
        pairs(&mut c, &["CONFIG", "GET", "maxclients"]),
        [("maxclients".to_string(), "500".to_string())]
    );
    assert_ok(&mut c, &["CONFIG", "SET", "proto-max-bulk-len", "2mb"]);
    assert_eq!(
        pairs(&mut c, &["CONFIG", "GET", "proto-max-bulk-len"])[0].1,
        "2097152"
    );
    assert_eq!(
        err(&mut c, &["CONFIG", "SET", "timeout", "abc"]),
        "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer"
    );
    assert_eq!(
        err(&mut c, &["CONFIG", "SET", "foo", "bar"]),
        "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
    );
    assert_eq!(
        err(&mut c, &["CONFIG", "SET", "databases", "4"]),
        "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"
    );
    assert_eq!(
        err(&mut c, &["CONFIG", "SET", "timeout"]),
        "ERR wrong number of arguments for 'config|set' command"
    );
    assert_eq!(
        err(&mut c, &["CONFIG", "GET"]),
        "ERR wrong number of arguments for 'config|get' command"
    );
    assert_eq!(
        err(&mut c, &["CONFIG", "FOO"]),
        "ERR unknown subcommand 'FOO'. Try CONFIG HELP."
    );
    assert_eq!(
        err(&mut c, &["CONFIG", "REWRITE"]),
        "ERR The server is running without a config file"
    );

    // RESETSTAT zeroes the counters INFO shows.
    assert_ok(&mut c, &["SET", "k", "v"]);
    let _: Option<String> = q(&mut c, &["GET", "k"]);
    let _: Option<String> = q(&mut c, &["GET", "missing"]);
    let info: String = q(&mut c, &["INFO", "stats"]);
    assert!(info_field(&info, "keyspace_hits").parse::<u64>().unwrap() >= 1);
    assert!(info_field(&info, "keyspace_misses").parse::<u64>().unwrap() >= 1);
    assert_ok(&mut c, &["CONFIG", "RESETSTAT"]);
    let info: String = q(&mut c, &["INFO", "stats"]);
    assert_eq!(info_field(&info, "keyspace_hits"), "0");
    assert_eq!(info_field(&info, "keyspace_misses"), "0");
    assert!(
        info_field(&info, "total_commands_processed")
            .parse::<u64>()
            .unwrap()
            <= 2
    );
    assert_eq!(
        err(&mut c, &["CONFIG", "RESETSTAT", "x"]),
        "ERR wrong number of arguments for 'config|resetstat' command"
    );
}

/// The value of `name:` in an INFO reply.
fn info_field(info: &str, name: &str) -> String {
    info.split("\r\n")
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
        .unwrap_or_else(|| panic!("no {name} in INFO:\n{info}"))
        .to_string()
}

#[test]
fn command_count_info_docs_list_getkeys() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let count: i64 = q(&mut c, &["COMMAND", "COUNT"]);
    // COMMAND LIST names subcommands too, as `container|sub`.
    let list: Vec<String> = q(&mut c, &["COMMAND", "LIST"]);
    assert_eq!(
        list.iter().filter(|n| !n.contains('|')).count() as i64,
        count
    );
    for sub in [
        "client|list",
        "config|get",
        "command|getkeys",
        "object|encoding",
    ] {
        assert!(list.iter().any(|n| n == sub), "COMMAND LIST lacks {sub}");
    }
    let all = v(&mut c, &["COMMAND"]);
    match &all {
        Value::Array(items) => assert_eq!(items.len() as i64, count),
        other => panic!("{other:?}"),
    }
    let names: HashSet<&str> = list.iter().map(|s| s.as_str()).collect();
    let issue_3 = "get set setnx setex psetex mget mset msetnx getset getdel getex append strlen incr decr incrby decrby incrbyfloat getrange setrange substr lcs del unlink exists type rename renamenx copy move touch expire pexpire expireat pexpireat ttl pttl expiretime pexpiretime persist keys scan randomkey dbsize flushdb flushall select swapdb object dump restore ping echo hello auth quit reset client info config command time shutdown debug multi exec discard watch unwatch";
    for name in issue_3.split(' ') {
        assert!(names.contains(name), "COMMAND LIST lacks {name}");
    }
    // The string family, exactly.
    let mut strings: Vec<String> = q(&mut c, &["COMMAND", "LIST", "FILTERBY", "ACLCAT", "string"]);
    strings.sort();
    let mut want: Vec<&str> = issue_3.split(' ').take(22).collect();
    want.sort();
    assert_eq!(strings, want);
    assert_eq!(
        q::<Vec<String>>(&mut c, &["COMMAND", "LIST", "FILTERBY", "PATTERN", "getr*"]),
        ["getrange"]
    );
    assert_eq!(
        err(&mut c, &["COMMAND", "LIST", "FILTERBY", "foo"]),
        "ERR syntax error"
    );

    let spec = |flags: &[&str], begin: i64, lastkey: i64, keystep: i64| {
        Value::Array(vec![
            bulk("flags"),
            Value::Array(flags.iter().map(|f| simple(f)).collect()),
            bulk("begin_search"),
            Value::Array(vec![
                bulk("type"),
                bulk("index"),
                bulk("spec"),
                Value::Array(vec![bulk("index"), Value::Int(begin)]),
            ]),
            bulk("find_keys"),
            Value::Array(vec![
                bulk("type"),
                bulk("range"),
                bulk("spec"),
                Value::Array(vec![
                    bulk("lastkey"),
                    Value::Int(lastkey),
                    bulk("keystep"),
                    Value::Int(keystep),
                    bulk("limit"),
                    Value::Int(0),
                ]),
            ]),
        ])
    };
    let get_info = Value::Array(vec![
        bulk("get"),
        Value::Int(2),
        Value::Array(vec![simple("readonly"), simple("fast")]),
        Value::Int(1),
        Value::Int(1),
        Value::Int(1),
        Value::Array(vec![simple("@read"), simple("@string"), simple("@fast")]),
        Value::Array(vec![]),
        Value::Array(vec![spec(&["RO", "access"], 1, 0, 1)]),
        Value::Array(vec![]),
    ]);
    assert_eq!(
        v(&mut c, &["COMMAND", "INFO", "get", "nosuch"]),
        Value::Array(vec![get_info.clone(), Value::Nil])
    );
    assert_eq!(
        v(&mut c, &["COMMAND", "INFO", "GET"]),
        Value::Array(vec![get_info])
    );
    match v(&mut c, &["COMMAND", "INFO", "mset"]) {
        Value::Array(mut infos) => match infos.remove(0) {
            Value::Array(f) => {
                assert_eq!(
                    f[0..6],
                    [
                        bulk("mset"),
                        Value::Int(-3),
                        Value::Array(vec![simple("write"), simple("denyoom")]),
                        Value::Int(1),
                        Value::Int(-1),
                        Value::Int(2)
                    ]
                );
                assert_eq!(
                    f[6],
                    Value::Array(vec![simple("@write"), simple("@string"), simple("@slow")])
                );
                assert_eq!(f[8], Value::Array(vec![spec(&["OW", "update"], 1, -1, 2)]));
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    // COMMAND INFO with no names lists every command.
    match v(&mut c, &["COMMAND", "INFO"]) {
        Value::Array(items) => assert_eq!(items.len() as i64, count),
        other => panic!("{other:?}"),
    }

    let docs = v(&mut c, &["COMMAND", "DOCS", "get"]);
    let Value::Array(docs) = docs else {
        panic!("{docs:?}")
    };
    assert_eq!(docs[0], bulk("get"));
    let Value::Array(doc) = &docs[1] else {
        panic!("{docs:?}")
    };
    let doc_field = |name: &str| {
        doc.chunks(2)
            .find(|p| p[0] == bulk(name))
            .map(|p| p[1].clone())
    };
    assert_eq!(doc_field("summary"), Some(bulk("Get the value of a key")));
    assert_eq!(doc_field("since"), Some(bulk("1.0.0")));
    assert_eq!(doc_field("group"), Some(bulk("string")));
    assert_eq!(doc_field("complexity"), Some(bulk("O(1)")));
    assert_eq!(
        v(&mut c, &["COMMAND", "DOCS", "nosuch"]),
        Value::Array(vec![])
    );

    let keys = |c: &mut redis::Connection, args: &[&str]| -> Vec<String> {
        let mut full = vec!["COMMAND", "GETKEYS"];
        full.extend_from_slice(args);
        q(c, &full)
    };
    assert_eq!(keys(&mut c, &["GET", "k"]), ["k"]);
    assert_eq!(keys(&mut c, &["SET", "k", "v", "EX", "10"]), ["k"]);
    assert_eq!(keys(&mut c, &["MSET", "a", "1", "b", "2"]), ["a", "b"]);
    assert_eq!(keys(&mut c, &["MGET", "a", "b", "c"]), ["a", "b", "c"]);
    assert_eq!(keys(&mut c, &["LCS", "a", "b"]), ["a", "b"]);
    assert_eq!(keys(&mut c, &["RENAME", "a", "b"]), ["a", "b"]);
    assert_eq!(keys(&mut c, &["OBJECT", "ENCODING", "k"]), ["k"]);
    assert_eq!(
        err(&mut c, &["COMMAND", "GETKEYS", "ECHO", "x"]),
        "ERR The command has no key arguments"
    );
    assert_eq!(
        err(&mut c, &["COMMAND", "GETKEYS", "nosuch", "x"]),
        "ERR Invalid command specified"
    );
    assert_eq!(
        err(&mut c, &["COMMAND", "GETKEYS", "GET", "a", "b"]),
        "ERR Invalid number of arguments specified for command"
    );
    assert_eq!(
        err(&mut c, &["COMMAND", "GETKEYS", "GET"]),
        "ERR wrong number of arguments for 'command|getkeys' command"
    );
    assert_eq!(
        err(&mut c, &["COMMAND", "COUNT", "x"]),
        "ERR wrong number of arguments for 'command|count' command"
    );
    assert_eq!(
        err(&mut c, &["COMMAND", "FOO"]),
        "ERR unknown subcommand 'FOO'. Try COMMAND HELP."
    );
}

#[test]
fn info_sections_and_fields() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (a, b) = key_pair("info");
    assert_ok(&mut c, &["SET", &a, "v"]);
    assert_ok(&mut c, &["SET", &b, "v", "EX", "1000"]);
    assert_ok(&mut c, &["SET", "third", "v"]);
    assert_ok(&mut c, &["SELECT", "2"]);
    assert_ok(&mut c, &["SET", "x", "v"]);
    assert_ok(&mut c, &["SELECT", "0"]);

    let info: String = q(&mut c, &["INFO"]);
    assert!(info.starts_with("# Server\r\n"), "{info}");
    let mut at = 0;
    for section in [
        "Server",
        "Clients",
        "Memory",
        "Persistence",
        "Stats",
        "Replication",
        "CPU",
        "Keyspace",
    ] {
        let header = format!("# {section}\r\n");
        let pos = info[at..]
            .find(&header)
            .unwrap_or_else(|| panic!("no (or misplaced) {header:?} in {info}"));
        at += pos;
    }
    assert_eq!(info_field(&info, "redis_version"), "7.0.15");
    assert_eq!(info_field(&info, "redis_mode"), "standalone");
    assert_eq!(info_field(&info, "tcp_port"), server.port().to_string());
    assert_eq!(info_field(&info, "process_id"), server.pid().to_string());
    assert_eq!(info_field(&info, "arch_bits"), "64");
    assert!(info_field(&info, "uptime_in_seconds")
        .parse::<u64>()
        .is_ok());
    assert_eq!(info_field(&info, "run_id").len(), 40);
    assert!(
        info_field(&info, "connected_clients")
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert!(info_field(&info, "used_memory").parse::<u64>().unwrap() > 0);
    assert_eq!(info_field(&info, "loading"), "0");
    assert!(
        info_field(&info, "total_connections_received")
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert!(
        info_field(&info, "total_commands_processed")
            .parse::<u64>()
            .unwrap()
            >= 6
    );
    assert!(info_field(&info, "expired_keys").parse::<u64>().is_ok());
    assert_eq!(info_field(&info, "role"), "master");
    assert_eq!(info_field(&info, "connected_slaves"), "0");
    assert!(info_field(&info, "used_cpu_sys").parse::<f64>().is_ok());
    assert!(info_field(&info, "used_cpu_user").parse::<f64>().is_ok());
    // Keyspace counts keys of both shards.
    assert!(
        info_field(&info, "db0").starts_with("keys=3,expires=1,avg_ttl="),
        "{info}"
    );
    assert!(
        info_field(&info, "db2").starts_with("keys=1,expires=0,"),
        "{info}"
    );
    assert!(
        !info.contains("\r\ndb1:"),
        "an empty database is not listed"
    );
    if !is_redis() {
        assert!(!info_field(&info, "tessera_version").is_empty());
    }

    // One section, several sections, all, and a section nobody knows.
    let server_only: String = q(&mut c, &["INFO", "server"]);
    assert!(server_only.starts_with("# Server\r\n"));
    assert!(!server_only.contains("# Clients"));
    assert!(server_only.contains("\r\nredis_version:7.0.15\r\n"));
    let two: String = q(&mut c, &["INFO", "server", "keyspace"]);
    assert!(two.contains("# Server") && two.contains("# Keyspace") && !two.contains("# Stats"));
    let upper: String = q(&mut c, &["INFO", "KEYSPACE"]);
    assert!(upper.starts_with("# Keyspace\r\n"));
    for section in [
        "clients",
        "memory",
        "persistence",
        "stats",
        "replication",
        "cpu",
    ] {
        let text: String = q(&mut c, &["INFO", section]);
        assert!(text.starts_with("# "), "INFO {section}: {text}");
        assert!(text.matches("# ").count() == 1, "INFO {section}: {text}");
    }
    let all: String = q(&mut c, &["INFO", "all"]);
    assert!(all.contains("# Server") && all.contains("# Keyspace"));
    let everything: String = q(&mut c, &["INFO", "everything"]);
    assert!(everything.contains("# Server") && everything.contains("# Keyspace"));
    assert_eq!(q::<String>(&mut c, &["INFO", "nosuchsection"]), "");
}

/// INFO stats carries Redis 7.0's fields for what has no counterpart here (replication, forks,
/// MIGRATE's connection cache, active defrag) at their idle values, in Redis's order: tools and
/// Redis's own tests look for them ("MIGRATE cached connections are released after some time").
#[test]
fn info_stats_has_redis_fields_at_their_idle_values() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let info: String = q(&mut c, &["INFO", "stats"]);
    let names: Vec<&str> = info
        .split("\r\n")
        .filter_map(|l| l.split_once(':').map(|(name, _)| name))
        .collect();
    let idle = [
        "total_net_repl_input_bytes",
        "total_net_repl_output_bytes",
        "sync_full",
        "sync_partial_ok",
        "sync_partial_err",
        "pubsubshard_channels",
        "latest_fork_usec",
        "total_forks",
        "migrate_cached_sockets",
        "slave_expires_tracked_keys",
        "active_defrag_hits",
        "active_defrag_misses",
        "active_defrag_key_hits",
        "active_defrag_key_misses",
        "total_active_defrag_time",
        "current_active_defrag_time",
    ];
    for name in idle {
        assert_eq!(info_field(&info, name), "0", "{name}");
    }
    let in_order = [
        "total_net_output_bytes",
        "total_net_repl_input_bytes",
        "total_net_repl_output_bytes",
        "rejected_connections",
        "sync_full",
        "sync_partial_ok",
        "sync_partial_err",
        "expired_keys",
        "keyspace_misses",
        "pubsub_patterns",
        "pubsubshard_channels",
        "latest_fork_usec",
        "total_forks",
        "migrate_cached_sockets",
        "slave_expires_tracked_keys",
        "active_defrag_hits",
        "current_active_defrag_time",
    ];
    let positions: Vec<usize> = in_order
        .iter()
        .map(|f| names.iter().position(|n| n == f).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{info}");
}

#[test]
fn time() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (secs, micros): (String, String) = q(&mut c, &["TIME"]);
    let secs: u64 = secs.parse().unwrap();
    let micros: u64 = micros.parse().unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(secs.abs_diff(now) <= 2, "{secs} vs {now}");
    assert!(micros < 1_000_000);
    assert_eq!(
        err(&mut c, &["TIME", "x"]),
        "ERR wrong number of arguments for 'time' command"
    );
}

#[test]
fn debug_is_refused_by_default() {
    let server = Server::start(&[]);
    let mut c = server.client();
    assert_eq!(err(&mut c, &["DEBUG", "SLEEP", "0"]), DEBUG_REFUSED);
    assert_eq!(err(&mut c, &["DEBUG", "OBJECT", "k"]), DEBUG_REFUSED);
    assert_eq!(
        err(&mut c, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]),
        DEBUG_REFUSED
    );
}

#[test]
fn debug_when_enabled() {
    let server = Server::start(&["--enable-debug-command", "yes"]);
    let mut c = server.client();
    assert_ok(&mut c, &["DEBUG", "SLEEP", "0"]);
    assert_ok(&mut c, &["SET", "k", "hello"]);
    let object: String = q(&mut c, &["DEBUG", "OBJECT", "k"]);
    assert!(object.starts_with("Value at:"), "{object}");
    assert!(
        object.contains(" refcount:1 encoding:embstr serializedlength:6 "),
        "{object}"
    );
    assert_eq!(
        err(&mut c, &["DEBUG", "OBJECT", "missing"]),
        "ERR no such key"
    );
    // With the active cycle off, untouched expired keys stay counted; back on, they go.
    assert_ok(&mut c, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    let keys = alternating_keys("dbg", 20);
    for k in &keys {
        assert_ok(&mut c, &["SET", k, "v", "PX", "20"]);
    }
    thread::sleep(Duration::from_millis(300));
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 21);
    assert_ok(&mut c, &["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while q::<i64>(&mut c, &["DBSIZE"]) != 1 {
        assert!(Instant::now() < deadline, "expired keys were not collected");
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        err(&mut c, &["DEBUG"]),
        "ERR wrong number of arguments for 'debug' command"
    );
}

#[test]
fn used_memory_follows_the_data() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let used = |c: &mut redis::Connection| -> i64 {
        let info: String = q(c, &["INFO", "memory"]);
        info_field(&info, "used_memory").parse().unwrap()
    };
    let before = used(&mut c);
    let value = "x".repeat(1000);
    for i in 0..2000 {
        assert_ok(&mut c, &["SET", &format!("mem:{i}"), &value]);
    }
    let full = used(&mut c);
    assert!(
        full - before >= 2000 * 1000,
        "used_memory grew by {} only",
        full - before
    );
    assert_ok(&mut c, &["FLUSHALL"]);
    let after = used(&mut c);
    assert!(
        full - after >= 2000 * 1000,
        "FLUSHALL freed {} only",
        full - after
    );
}
