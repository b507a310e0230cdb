//! The blocking list commands of Redis 7.0 (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP): their
//! replies when there is data and on timeout (RESP2 and RESP3), their errors, clients served by
//! pushes from other connections (keys on either shard, commands whose keys span both), the
//! order in which waiting clients are served, timeouts, closed and unblocked clients (CLIENT
//! UNBLOCK), MULTI/EXEC, pipelining behind a blocked command, chained wake-ups, and INFO's
//! `blocked_clients`. Where a client waits on keys of both shards, the sorted-set pops
//! (BZPOPMIN, BZPOPMAX, BZMPOP) are checked beside the list ones.
//!
//! Every blocked client runs on a connection of its own in a thread; the test waits until INFO
//! counts it as blocked before it goes on, and every wait has a deadline, so a client that is
//! never served fails the test instead of hanging it.

mod common;

use std::io::ErrorKind;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use common::*;

/// How long any wait for the server may take before the test fails.
const WAIT: Duration = Duration::from_secs(10);

/// How much later than its deadline a timeout may fire: Redis looks at its timeouts about
/// every 100 ms; the rest is room for a loaded CI machine.
const LATE: Duration = Duration::from_secs(1);

/// Both servers keep deadlines in whole milliseconds, so a timeout may fire up to a
/// millisecond before the client's own clock says it is due.
const ROUNDING: Duration = Duration::from_millis(1);

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const UNBLOCKED: &str = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
const NEGATIVE: &str = "ERR timeout is negative";
const NOT_FLOAT: &str = "ERR timeout is not a float or out of range";
const SYNTAX: &str = "ERR syntax error";

// ---------------------------------------------------------------------------------------------
// Helpers.

/// INFO's `blocked_clients`.
fn blocked_clients(c: &mut redis::Connection) -> i64 {
    let info: String = q(c, &["INFO", "clients"]);
    info.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .map(|n| n.trim().parse().expect("a number"))
        .unwrap_or_else(|| panic!("no blocked_clients in INFO clients: {info}"))
}

/// Waits until INFO's `blocked_clients` is `n`.
fn wait_blocked(c: &mut redis::Connection, n: i64) {
    let deadline = Instant::now() + WAIT;
    loop {
        let now = blocked_clients(c);
        if now == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "blocked_clients stayed {now} for {WAIT:?}; expected {n}"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

/// A command running on a connection of its own, in a thread.
struct Pending {
    /// CLIENT ID of its connection.
    id: i64,
    /// The reply, and how long it took from sending the command.
    handle: JoinHandle<(Resp, Duration)>,
}

impl Pending {
    /// Whether the reply came.
    fn done(&self) -> bool {
        self.handle.is_finished()
    }

    /// The reply and how long it took; fails the test when it does not come within [`WAIT`].
    fn timed(self) -> (Resp, Duration) {
        self.timed_for("")
    }

    /// [`Pending::timed`], saying `what` it waited for when the reply does not come.
    fn timed_for(self, what: &str) -> (Resp, Duration) {
        let deadline = Instant::now() + WAIT;
        while !self.handle.is_finished() {
            assert!(
                Instant::now() < deadline,
                "client {} got no reply within {WAIT:?} {what}",
                self.id
            );
            thread::sleep(Duration::from_millis(2));
        }
        self.handle.join().expect("the client's thread panicked")
    }

    /// The reply; fails the test when it does not come within [`WAIT`].
    fn reply(self) -> Resp {
        self.timed().0
    }
}

/// Sends `args` on a new connection (RESP3 when `resp3`) from a thread of its own.
fn spawn(server: &Server, resp3: bool, args: &[&str]) -> Pending {
    let mut conn = server.raw_conn();
    if resp3 {
        let hello = conn.cmd(&["HELLO", "3"]);
        assert!(matches!(hello, Resp::Map(_)), "HELLO 3 answered {hello:?}");
    }
    let id = match conn.cmd(&["CLIENT", "ID"]) {
        Resp::Int(id) => id,
        other => panic!("CLIENT ID answered {other:?}"),
    };
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let handle = thread::spawn(move || {
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        let start = Instant::now();
        let reply = conn.cmd(&words);
        (reply, start.elapsed())
    });
    Pending { id, handle }
}

/// Sends `args` from a new RESP2 connection and waits until the server counts one more
/// blocked client.
fn block(server: &Server, ctl: &mut redis::Connection, args: &[&str]) -> Pending {
    block_with(server, ctl, false, args)
}

/// [`block`], in RESP3 when `resp3`.
fn block_with(server: &Server, ctl: &mut redis::Connection, resp3: bool, args: &[&str]) -> Pending {
    let before = blocked_clients(ctl);
    let pending = spawn(server, resp3, args);
    wait_blocked(ctl, before + 1);
    pending
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn llen(c: &mut redis::Connection, key: &str) -> i64 {
    q(c, &["LLEN", key])
}

fn range(c: &mut redis::Connection, key: &str) -> Vec<String> {
    q(c, &["LRANGE", key, "0", "-1"])
}

fn exists(c: &mut redis::Connection, key: &str) -> bool {
    q::<i64>(c, &["EXISTS", key]) == 1
}

fn error(text: &str) -> Resp {
    Resp::Error(text.into())
}

/// BLPOP's and BRPOP's reply: the key and the element.
fn popped(key: &str, element: &str) -> Resp {
    Resp::bulks(&[key, element])
}

/// BLMPOP's reply: the key and its elements.
fn mpopped(key: &str, elements: &[&str]) -> Resp {
    Resp::Array(Some(vec![Resp::bulk(key), Resp::bulks(elements)]))
}

/// Maps RESP2's null bulk to its null array. A BLMOVE or BRPOPLPUSH that blocked and timed out
/// answers `*-1` in Redis 7.0 (checked alone by
/// `blmove_and_brpoplpush_time_out_with_a_null_array_as_blpop_does`); the other tests compare
/// through this so that this one difference does not hide what else they look at.
fn null_array(reply: Resp) -> Resp {
    match reply {
        Resp::Bulk(None) => Resp::Array(None),
        other => other,
    }
}

/// A reply for a failure message, its strings as text.
fn show(reply: &Resp) -> String {
    match reply {
        Resp::Bulk(Some(_)) | Resp::Simple(_) | Resp::Error(_) => format!("{:?}", reply.text()),
        Resp::Array(Some(items)) => {
            let items: Vec<String> = items.iter().map(show).collect();
            format!("[{}]", items.join(", "))
        }
        other => format!("{other:?}"),
    }
}

fn queued() -> Resp {
    Resp::Simple("QUEUED".into())
}

/// Whether nothing at all is waiting to be read on `conn` for `wait`.
fn nothing_arrives(conn: &mut RawConn, wait: Duration) -> bool {
    let s = conn.stream();
    s.set_read_timeout(Some(wait)).expect("read timeout");
    let mut buf = [0u8; 64];
    let quiet = match s.peek(&mut buf) {
        Ok(_) => false,
        Err(e) => matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
    };
    s.set_read_timeout(Some(CLIENT_TIMEOUT))
        .expect("read timeout");
    quiet
}

// ---------------------------------------------------------------------------------------------
// Served at once.

#[test]
fn served_at_once_when_a_list_has_elements() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let mut c = server.raw_conn();
    q::<i64>(&mut ctl, &["RPUSH", "l", "a", "b", "c", "d", "e", "f"]);
    // BLPOP and BRPOP take from the first key in order that has elements.
    assert_eq!(c.cmd(&["BLPOP", "none", "l", "0"]), popped("l", "a"));
    assert_eq!(
        c.cmd(&["BRPOP", "none", "l", "none2", "0"]),
        popped("l", "f")
    );
    q::<i64>(&mut ctl, &["RPUSH", "m", "x"]);
    assert_eq!(c.cmd(&["BLPOP", "m", "l", "1"]), popped("m", "x"));
    assert!(!exists(&mut ctl, "m"), "a list emptied by BLPOP goes");
    // BLMOVE in its four directions, BRPOPLPUSH (RIGHT LEFT).
    assert_eq!(
        c.cmd(&["BLMOVE", "l", "d", "LEFT", "LEFT", "0"]),
        Resp::bulk("b")
    );
    assert_eq!(
        c.cmd(&["BLMOVE", "l", "d", "right", "right", "0"]),
        Resp::bulk("e")
    );
    assert_eq!(
        c.cmd(&["BLMOVE", "l", "d", "LEFT", "RIGHT", "0.5"]),
        Resp::bulk("c")
    );
    assert_eq!(
        c.cmd(&["BLMOVE", "l", "d", "RIGHT", "LEFT", "0"]),
        Resp::bulk("d")
    );
    assert!(!exists(&mut ctl, "l"));
    assert_eq!(range(&mut ctl, "d"), ["d", "b", "e", "c"]);
    assert_eq!(c.cmd(&["BRPOPLPUSH", "d", "d2", "0"]), Resp::bulk("c"));
    assert_eq!(c.cmd(&["BRPOPLPUSH", "d", "d2", "0"]), Resp::bulk("e"));
    assert_eq!(range(&mut ctl, "d2"), ["e", "c"]);
    // A list rotated onto itself.
    assert_eq!(
        c.cmd(&["BLMOVE", "d", "d", "LEFT", "RIGHT", "0"]),
        Resp::bulk("d")
    );
    assert_eq!(range(&mut ctl, "d"), ["b", "d"]);
    // BLMPOP: the first key with elements, one by default, up to COUNT.
    q::<i64>(&mut ctl, &["RPUSH", "n", "1", "2", "3", "4"]);
    assert_eq!(
        c.cmd(&["BLMPOP", "0", "2", "none", "n", "LEFT"]),
        mpopped("n", &["1"])
    );
    assert_eq!(
        c.cmd(&["BLMPOP", "0", "1", "n", "RIGHT", "COUNT", "2"]),
        mpopped("n", &["4", "3"])
    );
    assert_eq!(
        c.cmd(&["BLMPOP", "0.1", "1", "n", "left", "count", "10"]),
        mpopped("n", &["2"])
    );
    assert!(!exists(&mut ctl, "n"));
    assert_eq!(blocked_clients(&mut ctl), 0);
}

#[test]
fn served_at_once_with_keys_on_both_shards() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let mut c = server.raw_conn();
    let (k0, k1) = key_pair("now");
    q::<i64>(&mut ctl, &["RPUSH", &k1, "a", "b", "c"]);
    assert_eq!(c.cmd(&["BLPOP", &k0, &k1, "0"]), popped(&k1, "a"));
    assert_eq!(c.cmd(&["BRPOP", &k0, &k1, "0"]), popped(&k1, "c"));
    q::<i64>(&mut ctl, &["RPUSH", &k0, "x"]);
    assert_eq!(c.cmd(&["BLPOP", &k1, &k0, "0"]), popped(&k1, "b"));
    assert!(!exists(&mut ctl, &k1));
    assert_eq!(
        c.cmd(&["BLMPOP", "0", "2", &k1, &k0, "RIGHT", "COUNT", "5"]),
        mpopped(&k0, &["x"])
    );
    // BLMOVE and BRPOPLPUSH from one shard to the other.
    q::<i64>(&mut ctl, &["RPUSH", &k0, "1", "2", "3"]);
    assert_eq!(
        c.cmd(&["BLMOVE", &k0, &k1, "LEFT", "RIGHT", "0"]),
        Resp::bulk("1")
    );
    assert_eq!(c.cmd(&["BRPOPLPUSH", &k0, &k1, "0"]), Resp::bulk("3"));
    assert_eq!(range(&mut ctl, &k0), ["2"]);
    assert_eq!(range(&mut ctl, &k1), ["3", "1"]);
    assert_eq!(
        c.cmd(&["BLMOVE", &k1, &k0, "RIGHT", "LEFT", "0"]),
        Resp::bulk("1")
    );
    assert_eq!(range(&mut ctl, &k0), ["1", "2"]);
    assert_eq!(range(&mut ctl, &k1), ["3"]);
    assert_eq!(blocked_clients(&mut ctl), 0);
}

// ---------------------------------------------------------------------------------------------
// Reply shapes and errors.

#[test]
fn blpop_brpop_and_blmpop_time_out_with_a_null_array_in_resp2_and_null_in_resp3() {
    let server = Server::start(&[]);
    let (k0, k1) = key_pair("shape");
    let k = k0.as_str();
    let cases: Vec<Vec<&str>> = vec![
        vec!["BLPOP", k, "0.01"],
        vec!["BRPOP", k, "other", "0.01"],
        vec!["BLPOP", &k0, &k1, "0.01"],
        vec!["BRPOP", &k1, &k0, "0.01"],
        vec!["BLMPOP", "0.01", "1", k, "LEFT"],
        vec!["BLMPOP", "0.01", "2", &k0, &k1, "RIGHT", "COUNT", "2"],
    ];
    let mut c2 = server.raw_conn();
    let mut c3 = server.raw_conn();
    assert!(matches!(c3.cmd(&["HELLO", "3"]), Resp::Map(_)));
    for args in &cases {
        assert_eq!(c2.cmd(args), Resp::Array(None), "RESP2 {args:?}");
        assert_eq!(c3.cmd(args), Resp::Null, "RESP3 {args:?}");
    }
    // The connections are still in order.
    assert_eq!(c2.cmd(&["PING"]), Resp::Simple("PONG".into()));
    assert_eq!(c3.cmd(&["PING"]), Resp::Simple("PONG".into()));
    let mut ctl = server.client();
    assert_eq!(q::<i64>(&mut ctl, &["EXISTS", &k0, &k1]), 0);
    assert_eq!(blocked_clients(&mut ctl), 0);
}

/// Redis 7.0 answers a BLMOVE or BRPOPLPUSH that blocked and then timed out (or was unblocked
/// with CLIENT UNBLOCK ... TIMEOUT) as it answers every list command that blocked: with a null
/// array, `*-1`, in RESP2 (`replyToBlockedClientTimedOut` in blocked.c). Only one that does not
/// block, inside MULTI, answers a null bulk, `$-1`. RESP3 has a single null, `_`.
#[test]
fn blmove_and_brpoplpush_time_out_with_a_null_array_as_blpop_does() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("shape");
    let k = k0.as_str();
    let cases: Vec<Vec<&str>> = vec![
        vec!["BLMOVE", k, "d", "LEFT", "RIGHT", "0.01"],
        vec!["BLMOVE", &k0, &k1, "RIGHT", "LEFT", "0.01"],
        vec!["BRPOPLPUSH", k, "d", "0.01"],
        vec!["BRPOPLPUSH", &k1, &k0, "0.01"],
    ];
    let mut c3 = server.raw_conn();
    assert!(matches!(c3.cmd(&["HELLO", "3"]), Resp::Map(_)));
    for args in &cases {
        assert_eq!(c3.cmd(args), Resp::Null, "RESP3 {args:?}");
    }
    let mut c2 = server.raw_conn();
    assert_eq!(c2.cmd(&["MULTI"]), Resp::ok());
    for args in &cases {
        assert_eq!(c2.cmd(args), queued(), "{args:?}");
    }
    assert_eq!(
        c2.cmd(&["EXEC"]),
        Resp::Array(Some(vec![Resp::Bulk(None); cases.len()])),
        "inside MULTI"
    );
    for args in &cases {
        assert_eq!(c2.cmd(args), Resp::Array(None), "RESP2 {args:?} timed out");
    }
    for args in &cases {
        let mut args = args.clone();
        *args.last_mut().unwrap() = "0";
        let p = block(&server, &mut ctl, &args);
        let id = p.id.to_string();
        assert_eq!(
            q::<i64>(&mut ctl, &["CLIENT", "UNBLOCK", &id, "TIMEOUT"]),
            1
        );
        assert_eq!(p.reply(), Resp::Array(None), "RESP2 {args:?} unblocked");
    }
    assert_eq!(q::<i64>(&mut ctl, &["EXISTS", &k0, &k1, "d"]), 0);
}

/// Redis 7.0 reads a timeout as a C `long double` (`strtold`): 1e309, past a double's range, is
/// a number, too big to make a deadline ("timeout is negative", as for 1e300), while 1e5000 is
/// past a long double's too ("not a float"); a hexadecimal number (`-0x1`) is a number; and
/// 1e-400 is a tiny positive timeout (one millisecond, rounded up), not zero ("wait for
/// ever").
#[test]
fn timeouts_are_read_as_long_doubles() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    assert_eq!(c.cmd(&["BLPOP", "k", "1e300"]), error(NEGATIVE));
    assert_eq!(c.cmd(&["BLPOP", "k", "1e5000"]), error(NOT_FLOAT), "1e5000");
    assert_eq!(c.cmd(&["BLPOP", "k", "1e309"]), error(NEGATIVE), "1e309");
    assert_eq!(c.cmd(&["BLPOP", "k", "-0x1"]), error(NEGATIVE), "-0x1");
    let (reply, took) = spawn(&server, false, &["BLPOP", "k", "1e-400"])
        .timed_for("to BLPOP k 1e-400 (a timeout of 1 ms)");
    assert_eq!(reply, Resp::Array(None));
    assert!(took < LATE, "{took:?}");
}

#[test]
fn served_replies_in_resp3() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("r3");
    let mut c = server.raw_conn();
    assert!(matches!(c.cmd(&["HELLO", "3"]), Resp::Map(_)));
    q::<i64>(&mut ctl, &["RPUSH", &k0, "a", "b", "c", "d", "e"]);
    assert_eq!(c.cmd(&["BLPOP", &k0, "0"]), popped(&k0, "a"));
    assert_eq!(c.cmd(&["BRPOP", &k1, &k0, "0"]), popped(&k0, "e"));
    assert_eq!(
        c.cmd(&["BLMPOP", "0", "1", &k0, "LEFT", "COUNT", "2"]),
        mpopped(&k0, &["b", "c"])
    );
    assert_eq!(
        c.cmd(&["BLMOVE", &k0, &k1, "LEFT", "LEFT", "0"]),
        Resp::bulk("d")
    );
    assert_eq!(c.cmd(&["BRPOPLPUSH", &k1, &k0, "0"]), Resp::bulk("d"));
    // And when served later by a push.
    assert_eq!(llen(&mut ctl, &k0), 1);
    q::<i64>(&mut ctl, &["DEL", &k0]);
    let p = block_with(&server, &mut ctl, true, &["BLPOP", &k0, &k1, "0"]);
    q::<i64>(&mut ctl, &["RPUSH", &k1, "x"]);
    assert_eq!(p.reply(), popped(&k1, "x"));
    let p = block_with(&server, &mut ctl, true, &["BLMPOP", "0", "1", &k0, "RIGHT"]);
    q::<i64>(&mut ctl, &["RPUSH", &k0, "y", "z"]);
    assert_eq!(p.reply(), mpopped(&k0, &["z"]));
    let p = block_with(
        &server,
        &mut ctl,
        true,
        &["BLMOVE", &k1, &k0, "LEFT", "LEFT", "0"],
    );
    q::<i64>(&mut ctl, &["RPUSH", &k1, "w"]);
    assert_eq!(p.reply(), Resp::bulk("w"));
    assert_eq!(range(&mut ctl, &k0), ["w", "y"]);
}

#[test]
fn wrong_type_and_argument_errors() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let mut c = server.raw_conn();
    assert_ok(&mut ctl, &["SET", "s", "x"]);
    q::<i64>(&mut ctl, &["RPUSH", "l", "a"]);
    // A key of another type is an error where it is reached in order.
    for args in [
        &["BLPOP", "s", "0"][..],
        &["BRPOP", "none", "s", "l", "0"],
        &["BLMPOP", "0", "2", "s", "l", "LEFT"],
        &["BLMOVE", "s", "d", "LEFT", "LEFT", "0"],
        &["BRPOPLPUSH", "s", "d", "0"],
        // The destination is looked at once there is an element to move: nothing moves.
        &["BLMOVE", "l", "s", "LEFT", "LEFT", "0"],
        &["BRPOPLPUSH", "l", "s", "0"],
    ] {
        assert_eq!(c.cmd(args), error(WRONGTYPE), "{args:?}");
    }
    assert_eq!(range(&mut ctl, "l"), ["a"]);
    // ...but not when a list with elements comes first, nor as the destination of an empty
    // source (it waits, and times out).
    assert_eq!(c.cmd(&["BLPOP", "l", "s", "0"]), popped("l", "a"));
    assert_eq!(
        null_array(c.cmd(&["BLMOVE", "l", "s", "LEFT", "LEFT", "0.01"])),
        Resp::Array(None)
    );
    assert_eq!(
        null_array(c.cmd(&["BRPOPLPUSH", "l", "s", "0.01"])),
        Resp::Array(None)
    );
    // Timeouts.
    for t in ["-1", "-1.5", "inf", "-inf", "1e300"] {
        assert_eq!(c.cmd(&["BLPOP", "l", t]), error(NEGATIVE), "{t}");
    }
    for t in ["abc", "", "1x", "nan"] {
        assert_eq!(c.cmd(&["BLPOP", "l", t]), error(NOT_FLOAT), "{t:?}");
    }
    for args in [
        &["BRPOP", "l", "-1"][..],
        &["BLMOVE", "l", "d", "LEFT", "LEFT", "-1"],
        &["BRPOPLPUSH", "l", "d", "-1"],
        &["BLMPOP", "-1", "1", "l", "LEFT"],
    ] {
        assert_eq!(c.cmd(args), error(NEGATIVE), "{args:?}");
    }
    for args in [
        &["BRPOP", "l", "x"][..],
        &["BLMOVE", "l", "d", "LEFT", "LEFT", "x"],
        &["BRPOPLPUSH", "l", "d", "x"],
        &["BLMPOP", "x", "1", "l", "LEFT"],
    ] {
        assert_eq!(c.cmd(args), error(NOT_FLOAT), "{args:?}");
    }
    // A bad timeout is an error even when there is something to pop.
    q::<i64>(&mut ctl, &["RPUSH", "l", "a"]);
    assert_eq!(c.cmd(&["BLPOP", "l", "-1"]), error(NEGATIVE));
    assert_eq!(c.cmd(&["BLMPOP", "x", "1", "l", "LEFT"]), error(NOT_FLOAT));
    assert_eq!(llen(&mut ctl, "l"), 1);
    // BLMOVE's directions.
    for args in [
        &["BLMOVE", "l", "d", "UP", "LEFT", "0"][..],
        &["BLMOVE", "l", "d", "LEFT", "DOWN", "0"],
        &["BLMOVE", "none", "d", "LEFT", "", "0"],
    ] {
        assert_eq!(c.cmd(args), error(SYNTAX), "{args:?}");
    }
    // BLMPOP's options come before its timeout.
    let numkeys = "ERR numkeys should be greater than 0";
    let count = "ERR count should be greater than 0";
    for (args, want) in [
        (&["BLMPOP", "0", "0", "l", "LEFT"][..], numkeys),
        (&["BLMPOP", "0", "-1", "l", "LEFT"], numkeys),
        (&["BLMPOP", "0", "x", "l", "LEFT"], numkeys),
        (&["BLMPOP", "x", "0", "l", "LEFT"], numkeys),
        (&["BLMPOP", "0", "2", "l", "LEFT"], SYNTAX),
        (&["BLMPOP", "0", "1", "l", "MIDDLE"], SYNTAX),
        (&["BLMPOP", "x", "1", "l", "MIDDLE"], SYNTAX),
        (&["BLMPOP", "0", "1", "l", "LEFT", "COUNT", "0"], count),
        (&["BLMPOP", "0", "1", "l", "LEFT", "COUNT", "-1"], count),
        (&["BLMPOP", "-1", "1", "l", "LEFT", "COUNT", "0"], count),
        (
            &["BLMPOP", "0", "1", "l", "LEFT", "COUNT", "1", "COUNT", "2"],
            SYNTAX,
        ),
        (&["BLMPOP", "0", "1", "l", "LEFT", "COUNT"], SYNTAX),
        (&["BLMPOP", "0", "1", "l", "LEFT", "foo"], SYNTAX),
    ] {
        assert_eq!(c.cmd(args), error(want), "{args:?}");
    }
    assert_eq!(llen(&mut ctl, "l"), 1);
    // Arity.
    for (args, name) in [
        (&["BLPOP", "l"][..], "blpop"),
        (&["BLPOP"], "blpop"),
        (&["BRPOP", "l"], "brpop"),
        (&["BLMOVE", "l", "d", "LEFT", "LEFT"], "blmove"),
        (&["BLMOVE", "l", "d", "LEFT", "LEFT", "0", "0"], "blmove"),
        (&["BRPOPLPUSH", "l", "d"], "brpoplpush"),
        (&["BRPOPLPUSH", "l", "d", "0", "0"], "brpoplpush"),
        (&["BLMPOP", "0", "1", "l"], "blmpop"),
        (&["BLMPOP", "0"], "blmpop"),
    ] {
        assert_eq!(
            c.cmd(args),
            error(&format!(
                "ERR wrong number of arguments for '{name}' command"
            )),
            "{args:?}"
        );
    }
    assert_eq!(blocked_clients(&mut ctl), 0);
}

// ---------------------------------------------------------------------------------------------
// Served by pushes.

#[test]
fn a_push_serves_a_client_blocked_on_a_key_of_either_shard() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    for shard in 0..2 {
        let k = key_on_shard("wake", shard, 2);
        let d = key_on_shard("dest", shard, 2);
        let (k, d) = (k.as_str(), d.as_str());
        let p = block(&server, &mut ctl, &["BLPOP", k, "0"]);
        assert_eq!(q::<i64>(&mut ctl, &["RPUSH", k, "a", "b"]), 2);
        assert_eq!(p.reply(), popped(k, "a"));
        assert_eq!(range(&mut ctl, k), ["b"]);
        let p = block(&server, &mut ctl, &["BRPOP", "none", "10"]);
        // A push to another key does not serve it.
        q::<i64>(&mut ctl, &["LPUSH", "none2", "x"]);
        q::<i64>(&mut ctl, &["LPUSH", "none", "c", "d"]);
        assert_eq!(p.reply(), popped("none", "c"));
        q::<i64>(&mut ctl, &["DEL", k, "none", "none2"]);

        let p = block(&server, &mut ctl, &["BLMOVE", k, d, "LEFT", "RIGHT", "0"]);
        q::<i64>(&mut ctl, &["LPUSH", k, "e"]);
        assert_eq!(p.reply(), Resp::bulk("e"));
        assert_eq!(range(&mut ctl, d), ["e"]);
        assert!(!exists(&mut ctl, k));
        let p = block(&server, &mut ctl, &["BRPOPLPUSH", k, d, "0"]);
        q::<i64>(&mut ctl, &["RPUSH", k, "f", "g"]);
        assert_eq!(p.reply(), Resp::bulk("g"));
        assert_eq!(range(&mut ctl, d), ["g", "e"]);
        assert_eq!(range(&mut ctl, k), ["f"]);
        q::<i64>(&mut ctl, &["DEL", k, d]);

        let p = block(
            &server,
            &mut ctl,
            &["BLMPOP", "0", "1", k, "RIGHT", "COUNT", "2"],
        );
        q::<i64>(&mut ctl, &["RPUSH", k, "1", "2", "3"]);
        assert_eq!(p.reply(), mpopped(k, &["3", "2"]));
        assert_eq!(range(&mut ctl, k), ["1"]);
        q::<i64>(&mut ctl, &["DEL", k]);
        assert_eq!(blocked_clients(&mut ctl), 0, "shard {shard}");
    }
}

#[test]
fn several_keys_on_both_shards_wake_on_a_push_to_any_of_them() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("many");
    let (a0, a1) = key_pair("more");
    for (first, second) in [(&k0, &k1), (&k1, &k0)] {
        // Served by a push to the second key, then to the first; the reply names the key.
        let p = block(&server, &mut ctl, &["BLPOP", first, &a0, second, &a1, "0"]);
        q::<i64>(&mut ctl, &["RPUSH", second, "x", "y"]);
        assert_eq!(p.reply(), popped(second, "x"));
        let p = block(&server, &mut ctl, &["BRPOP", &a1, first, &a0, "0"]);
        q::<i64>(&mut ctl, &["RPUSH", first, "z"]);
        assert_eq!(p.reply(), popped(first, "z"));
        assert!(!exists(&mut ctl, first));
        assert_eq!(range(&mut ctl, second), ["y"]);
        q::<i64>(&mut ctl, &["DEL", second]);
        let p = block(
            &server,
            &mut ctl,
            &["BLMPOP", "0", "3", &a0, first, second, "LEFT", "COUNT", "2"],
        );
        q::<i64>(&mut ctl, &["RPUSH", second, "1", "2", "3"]);
        assert_eq!(p.reply(), mpopped(second, &["1", "2"]));
        assert_eq!(range(&mut ctl, second), ["3"]);
        q::<i64>(&mut ctl, &["DEL", second]);
        // Once served, the client waits on none of its keys any more.
        wait_blocked(&mut ctl, 0);
        for k in [first, second, &a0, &a1] {
            q::<i64>(&mut ctl, &["RPUSH", k, "left"]);
            assert_eq!(range(&mut ctl, k), ["left"], "{k}");
            q::<i64>(&mut ctl, &["DEL", k]);
        }
    }
}

#[test]
fn blmove_and_brpoplpush_across_shards_deliver_to_the_destination() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("move");
    for (src, dst) in [(&k0, &k1), (&k1, &k0)] {
        let p = block(
            &server,
            &mut ctl,
            &["BLMOVE", src, dst, "RIGHT", "LEFT", "0"],
        );
        q::<i64>(&mut ctl, &["RPUSH", src, "a", "b"]);
        assert_eq!(p.reply(), Resp::bulk("b"));
        assert_eq!(range(&mut ctl, src), ["a"]);
        assert_eq!(range(&mut ctl, dst), ["b"]);
        q::<i64>(&mut ctl, &["DEL", src]);
        // Onto a destination that has elements already.
        let p = block(&server, &mut ctl, &["BRPOPLPUSH", src, dst, "0"]);
        q::<i64>(&mut ctl, &["LPUSH", src, "c"]);
        assert_eq!(p.reply(), Resp::bulk("c"));
        assert!(!exists(&mut ctl, src));
        assert_eq!(range(&mut ctl, dst), ["c", "b"]);
        let p = block(
            &server,
            &mut ctl,
            &["BLMOVE", src, dst, "LEFT", "RIGHT", "0"],
        );
        q::<i64>(&mut ctl, &["RPUSH", src, "e"]);
        assert_eq!(p.reply(), Resp::bulk("e"));
        assert_eq!(range(&mut ctl, dst), ["c", "b", "e"]);
        q::<i64>(&mut ctl, &["DEL", dst]);
        assert_eq!(blocked_clients(&mut ctl), 0);
    }
}

/// A client waiting on keys of both shards may be woken by a write that does not serve it: a
/// push to BLMOVE's destination, or a transaction that pushes to one of its keys and pops what
/// it pushed. It must still be served by the push that comes right after (Redis has no such
/// window: a push serves whoever waits at that moment).
#[test]
fn a_cross_shard_waiter_woken_for_nothing_still_gets_the_next_push() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("rearm");
    for (src, dst) in [(&k0, &k1), (&k1, &k0)] {
        for round in 0..10 {
            let p = block(
                &server,
                &mut ctl,
                &["BLMOVE", src, dst, "LEFT", "RIGHT", "0"],
            );
            q::<i64>(&mut ctl, &["RPUSH", dst, "noise"]);
            let element = format!("e{round}");
            q::<i64>(&mut ctl, &["RPUSH", src, &element]);
            let what = format!(
                "(round {round}): BLMOVE {src} {dst} after RPUSH {dst} noise, RPUSH {src} {element}"
            );
            assert_eq!(p.timed_for(&what).0, Resp::bulk(&element), "{what}");
            assert_eq!(range(&mut ctl, dst), ["noise", element.as_str()], "{what}");
            q::<i64>(&mut ctl, &["DEL", dst]);
        }
    }
    // Woken by a transaction that pushes to one key and pops what it pushed.
    let mut tx = server.raw_conn();
    for (woken, pushed) in [(&k1, &k0), (&k0, &k1)] {
        for round in 0..10 {
            let p = block(&server, &mut ctl, &["BLPOP", &k0, &k1, "0"]);
            assert_eq!(tx.cmd(&["MULTI"]), Resp::ok());
            assert_eq!(tx.cmd(&["RPUSH", woken, "x"]), queued());
            assert_eq!(tx.cmd(&["LPOP", woken]), queued());
            assert_eq!(
                tx.cmd(&["EXEC"]),
                Resp::Array(Some(vec![Resp::Int(1), Resp::bulk("x")]))
            );
            let element = format!("e{round}");
            q::<i64>(&mut ctl, &["RPUSH", pushed, &element]);
            let what = format!(
                "(round {round}): BLPOP {k0} {k1} after MULTI RPUSH {woken} x, LPOP {woken}, \
                 EXEC; RPUSH {pushed} {element}"
            );
            assert_eq!(p.timed_for(&what).0, popped(pushed, &element), "{what}");
            assert_eq!(q::<i64>(&mut ctl, &["EXISTS", &k0, &k1]), 0, "{what}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Order of service.

#[test]
fn first_blocked_first_served() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    for shard in 0..2 {
        let k = key_on_shard("fifo", shard, 2);
        let k = k.as_str();
        // On the same shard: this test is about one shard's line.
        let elsewhere = format!("{{{k}}}elsewhere");
        let elements = ["e0", "e1", "e2", "e3", "e4"];
        let clients: Vec<Pending> = (0..elements.len())
            .map(|_| block(&server, &mut ctl, &["BLPOP", k, "0"]))
            .collect();
        let mut push = vec!["RPUSH", k];
        push.extend(elements);
        q::<i64>(&mut ctl, &push);
        for (i, p) in clients.into_iter().enumerate() {
            assert_eq!(
                p.reply(),
                popped(k, elements[i]),
                "client {i}, shard {shard}"
            );
        }
        assert!(!exists(&mut ctl, k));

        // Fewer elements than clients: the first ones are served, the others wait on.
        let clients: Vec<Pending> = (0..4)
            .map(|i| {
                let args: &[&str] = match i % 3 {
                    0 => &["BRPOP", k, "0"],
                    1 => &["BLMPOP", "0", "1", k, "RIGHT"],
                    _ => &["BRPOPLPUSH", k, &elsewhere, "0"],
                };
                block(&server, &mut ctl, args)
            })
            .collect();
        q::<i64>(&mut ctl, &["LPUSH", k, "a", "b"]);
        let mut clients = clients.into_iter();
        assert_eq!(clients.next().unwrap().reply(), popped(k, "a"));
        assert_eq!(clients.next().unwrap().reply(), mpopped(k, &["b"]));
        wait_blocked(&mut ctl, 2);
        q::<i64>(&mut ctl, &["RPUSH", k, "c", "d", "e"]);
        assert_eq!(clients.next().unwrap().reply(), Resp::bulk("e"));
        assert_eq!(clients.next().unwrap().reply(), popped(k, "d"));
        assert_eq!(range(&mut ctl, k), ["c"]);
        assert_eq!(range(&mut ctl, &elsewhere), ["e"]);
        q::<i64>(&mut ctl, &["DEL", k, &elsewhere]);
    }
}

#[test]
fn first_blocked_first_served_with_clients_on_keys_of_both_shards() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("both");
    // Clients alternately on the key of shard 0 and on that of shard 1; one RPUSH each.
    let keys: Vec<&str> = (0..6)
        .map(|i| if i % 2 == 0 { &*k0 } else { &*k1 })
        .collect();
    let clients: Vec<Pending> = keys
        .iter()
        .map(|k| block(&server, &mut ctl, &["BLPOP", k, "0"]))
        .collect();
    q::<i64>(&mut ctl, &["RPUSH", &k0, "a0", "a1", "a2"]);
    q::<i64>(&mut ctl, &["RPUSH", &k1, "b0", "b1", "b2"]);
    for (i, p) in clients.into_iter().enumerate() {
        let want = if i % 2 == 0 {
            popped(&k0, &format!("a{}", i / 2))
        } else {
            popped(&k1, &format!("b{}", i / 2))
        };
        assert_eq!(p.reply(), want, "client {i}");
    }
    assert_eq!(q::<i64>(&mut ctl, &["EXISTS", &k0, &k1]), 0);
}

/// A client that waits on keys of both shards keeps its place in line: blocked first on the
/// key of shard 0, it is served before a client that blocked on that key alone later.
#[test]
fn a_client_blocked_on_keys_of_both_shards_keeps_its_place_in_line() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("line");
    for pushed in [&k0, &k1] {
        let first = block(&server, &mut ctl, &["BLPOP", &k0, &k1, "0"]);
        let second = block(&server, &mut ctl, &["BLPOP", pushed, "0"]);
        q::<i64>(&mut ctl, &["RPUSH", pushed, "x"]);
        // The first in line gets the element, whichever of its keys it came to.
        let deadline = Instant::now() + WAIT;
        while !first.done() && !second.done() {
            assert!(Instant::now() < deadline, "nobody served");
            thread::sleep(Duration::from_millis(2));
        }
        assert!(
            first.done(),
            "the client blocked later on {pushed} alone took the element before the client \
             blocked first on both keys"
        );
        assert_eq!(first.reply(), popped(pushed, "x"));
        wait_blocked(&mut ctl, 1);
        q::<i64>(&mut ctl, &["RPUSH", pushed, "y"]);
        assert_eq!(second.reply(), popped(pushed, "y"));
    }
}

/// No client is left waiting on a list that holds elements. A transaction pushes to the key of
/// shard 1, then to that of shard 0; a client waiting on both keys is first in line on the
/// first, a client waiting on it alone second. Redis serves the ready keys in the order they
/// were written: the first client gets the element of shard 1's key, the second finds that key
/// empty again and waits on, and the element of shard 0's key stays.
#[test]
fn no_client_is_left_waiting_on_a_list_that_holds_elements() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("left");
    let both = block(&server, &mut ctl, &["BLPOP", &k0, &k1, "0"]);
    let alone = block(&server, &mut ctl, &["BLPOP", &k1, "0"]);
    let mut tx = server.raw_conn();
    assert_eq!(tx.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(tx.cmd(&["RPUSH", &k1, "b"]), queued());
    assert_eq!(tx.cmd(&["RPUSH", &k0, "a"]), queued());
    assert_eq!(
        tx.cmd(&["EXEC"]),
        Resp::Array(Some(vec![Resp::Int(1), Resp::Int(1)]))
    );
    let got = both.reply();
    // Whoever got what, nobody may wait on a key that holds an element.
    let deadline = Instant::now() + ms(1000);
    while !alone.done() && llen(&mut ctl, &k1) > 0 && Instant::now() < deadline {
        thread::sleep(ms(5));
    }
    if !alone.done() {
        assert_eq!(
            range(&mut ctl, &k1),
            Vec::<String>::new(),
            "a client waits on {k1}, which holds elements (the client on both keys got {})",
            show(&got)
        );
    }
    let want = popped(&k1, "b");
    assert!(
        got == want,
        "the client first in line on {k1} got {}, not {}",
        show(&got),
        show(&want)
    );
    assert_eq!(range(&mut ctl, &k0), ["a"]);
    assert_eq!(blocked_clients(&mut ctl), 1);
    q::<i64>(&mut ctl, &["RPUSH", &k1, "c"]);
    assert_eq!(alone.reply(), popped(&k1, "c"));
}

/// As `no_client_is_left_waiting_on_a_list_that_holds_elements`, for sorted sets: Redis serves
/// the BZPOPMIN client waiting on both keys from the member added first, that of shard 1's key;
/// the client waiting on that key alone waits on.
#[test]
fn no_client_is_left_waiting_on_a_sorted_set_that_holds_members() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("zleft");
    let both = block(&server, &mut ctl, &["BZPOPMIN", &k0, &k1, "0"]);
    let alone = block(&server, &mut ctl, &["BZPOPMIN", &k1, "0"]);
    let mut tx = server.raw_conn();
    assert_eq!(tx.cmd(&["MULTI"]), Resp::ok());
    assert_eq!(tx.cmd(&["ZADD", &k1, "1", "b"]), queued());
    assert_eq!(tx.cmd(&["ZADD", &k0, "1", "a"]), queued());
    assert_eq!(
        tx.cmd(&["EXEC"]),
        Resp::Array(Some(vec![Resp::Int(1), Resp::Int(1)]))
    );
    let got = both.reply();
    let want = Resp::bulks(&[&k1, "b", "1"]);
    assert!(
        got == want,
        "the client first in line on {k1} got {}, not {}",
        show(&got),
        show(&want)
    );
    assert_eq!(
        q::<Vec<String>>(&mut ctl, &["ZRANGE", &k0, "0", "-1"]),
        ["a"]
    );
    wait_blocked(&mut ctl, 1);
    assert!(
        !alone.done(),
        "the client on {k1} alone got {}",
        show(&alone.reply())
    );
    assert!(!exists(&mut ctl, &k1));
    q::<i64>(&mut ctl, &["ZADD", &k1, "2", "c"]);
    assert_eq!(alone.reply(), Resp::bulks(&[&k1, "c", "2"]));
}

/// A client waiting on keys of both shards is served from the key written first, whatever its
/// place among the command's keys, with all that key gives (BLMPOP's and BZMPOP's COUNT
/// included): a transaction writes to the key of shard 1, then to that of shard 0, and shard
/// 0's key keeps what it got.
#[test]
fn a_client_on_keys_of_both_shards_is_served_from_the_key_written_first() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("written");
    let scored = |k: &str, pairs: &[(&str, &str)]| {
        let pairs = pairs.iter().map(|(m, s)| Resp::bulks(&[m, s])).collect();
        Resp::Array(Some(vec![Resp::bulk(k), Resp::Array(Some(pairs))]))
    };
    let cases: Vec<(Vec<&str>, bool, Resp)> = vec![
        (vec!["BLPOP", &k0, &k1, "0"], false, popped(&k1, "b1")),
        (vec!["BRPOP", &k0, &k1, "0"], false, popped(&k1, "b2")),
        (
            vec!["BLMPOP", "0", "2", &k0, &k1, "LEFT", "COUNT", "5"],
            false,
            mpopped(&k1, &["b1", "b2"]),
        ),
        (
            vec!["BZPOPMIN", &k0, &k1, "0"],
            true,
            Resp::bulks(&[&k1, "b1", "1"]),
        ),
        (
            vec!["BZPOPMAX", &k0, &k1, "0"],
            true,
            Resp::bulks(&[&k1, "b2", "2"]),
        ),
        (
            vec!["BZMPOP", "0", "2", &k0, &k1, "MIN", "COUNT", "5"],
            true,
            scored(&k1, &[("b1", "1"), ("b2", "2")]),
        ),
    ];
    let mut tx = server.raw_conn();
    for (args, zset, want) in cases {
        let p = block(&server, &mut ctl, &args);
        assert_eq!(tx.cmd(&["MULTI"]), Resp::ok());
        for (k, m) in [(&k1, "b"), (&k0, "a")] {
            let (m1, m2) = (format!("{m}1"), format!("{m}2"));
            let write = if zset {
                vec!["ZADD", k, "1", &m1, "2", &m2]
            } else {
                vec!["RPUSH", k, &m1, &m2]
            };
            assert_eq!(tx.cmd(&write), queued());
        }
        assert_eq!(
            tx.cmd(&["EXEC"]),
            Resp::Array(Some(vec![Resp::Int(2), Resp::Int(2)]))
        );
        let got = p.timed_for(&format!("to {args:?}")).0;
        assert!(
            got == want,
            "{args:?} got {}, not {}",
            show(&got),
            show(&want)
        );
        let left: Vec<String> = if zset {
            q(&mut ctl, &["ZRANGE", &k0, "0", "-1"])
        } else {
            range(&mut ctl, &k0)
        };
        assert_eq!(left, ["a1", "a2"], "{args:?}");
        q::<i64>(&mut ctl, &["DEL", &k0, &k1]);
    }
}

/// Redis 7.0 leaves a client waiting when one of its keys is written with a type its command
/// does not pop, also when its keys sit on both shards: it is served later from its other key
/// (without an error for the key of the wrong type).
#[test]
fn a_key_of_a_client_on_both_shards_written_with_another_type_leaves_it_waiting() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("wtype");
    let cases: [(&str, Vec<&str>, Vec<&str>, Resp); 2] = [
        (
            "BLPOP",
            vec!["SET", &k1, "string"],
            vec!["RPUSH", &k0, "a"],
            popped(&k0, "a"),
        ),
        (
            "BZPOPMIN",
            vec!["RPUSH", &k1, "list"],
            vec!["ZADD", &k0, "1", "a"],
            Resp::bulks(&[&k0, "a", "1"]),
        ),
    ];
    for (name, other_type, serve, want) in cases {
        let p = block(&server, &mut ctl, &[name, &k0, &k1, "0"]);
        q::<redis::Value>(&mut ctl, &other_type);
        // The server has run the write by now; give a wrongly woken client time to show.
        thread::sleep(ms(100));
        assert!(
            !p.done(),
            "{name} {k0} {k1} was woken by {other_type:?}, with {}",
            show(&p.reply())
        );
        assert_eq!(blocked_clients(&mut ctl), 1);
        q::<i64>(&mut ctl, &serve);
        assert_eq!(p.reply(), want, "{name} after {other_type:?}, {serve:?}");
        q::<i64>(&mut ctl, &["DEL", &k0, &k1]);
    }
}

// ---------------------------------------------------------------------------------------------
// Timeouts.

#[test]
fn timeouts_fire_after_their_deadline_and_soon_after() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("late");
    let cases: Vec<(Vec<&str>, Duration, Resp)> = vec![
        (vec!["BLPOP", &k0, "0.2"], ms(200), Resp::Array(None)),
        (vec!["BRPOP", &k1, "1"], ms(1000), Resp::Array(None)),
        (vec!["BLPOP", &k0, &k1, "0.3"], ms(300), Resp::Array(None)),
        (
            vec!["BLMPOP", "0.25", "2", &k1, &k0, "LEFT"],
            ms(250),
            Resp::Array(None),
        ),
        (
            vec!["BLMOVE", &k0, "dst", "LEFT", "LEFT", "0.2"],
            ms(200),
            Resp::Array(None),
        ),
        (
            vec!["BRPOPLPUSH", &k1, &k0, "0.5"],
            ms(500),
            Resp::Array(None),
        ),
        (vec!["BLPOP", &k1, "0.05"], ms(50), Resp::Array(None)),
    ];
    // All at once, each on a connection of its own.
    let clients: Vec<Pending> = cases
        .iter()
        .map(|(args, _, _)| spawn(&server, false, args))
        .collect();
    for ((args, timeout, want), p) in cases.iter().zip(clients) {
        let (reply, took) = p.timed_for(&format!("to {args:?}"));
        assert_eq!(&null_array(reply), want, "{args:?}");
        assert!(
            took + ROUNDING >= *timeout,
            "{args:?} timed out after {took:?}, before its {timeout:?}"
        );
        assert!(
            took < *timeout + LATE,
            "{args:?} timed out after {took:?}, long after its {timeout:?}"
        );
    }
    wait_blocked(&mut ctl, 0);
    assert_eq!(q::<i64>(&mut ctl, &["EXISTS", &k0, &k1, "dst"]), 0);
    // A client that timed out waits no more: a later push stays.
    q::<i64>(&mut ctl, &["RPUSH", &k0, "x"]);
    q::<i64>(&mut ctl, &["RPUSH", &k1, "y"]);
    assert_eq!(llen(&mut ctl, &k0), 1);
    assert_eq!(llen(&mut ctl, &k1), 1);
}

/// Many clients waiting at once, most of them on keys of both shards, all with short timeouts:
/// every one gets its null reply, in time, round after round.
#[test]
fn many_clients_timing_out_at_once_all_get_their_reply() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("crowd");
    let timeouts = ["0.1", "0.2", "0.3", "0.4", "0.5"];
    for round in 0..10 {
        let cases: Vec<Vec<&str>> = (0..30)
            .map(|i| {
                let t = timeouts[i % timeouts.len()];
                match i % 3 {
                    0 => vec!["BLPOP", &k0, &k1, t],
                    1 => vec!["BRPOPLPUSH", &k1, &k0, t],
                    _ => vec!["BRPOP", &k1, t],
                }
            })
            .collect();
        let clients: Vec<Pending> = cases.iter().map(|a| spawn(&server, false, a)).collect();
        for (args, p) in cases.iter().zip(clients) {
            let (reply, took) = p.timed_for(&format!("(round {round}) to {args:?}"));
            assert_eq!(
                null_array(reply),
                Resp::Array(None),
                "(round {round}) {args:?}"
            );
            let timeout = Duration::from_secs_f64(args.last().unwrap().parse().unwrap());
            assert!(
                took < timeout + LATE,
                "(round {round}) {args:?} timed out after {took:?}"
            );
        }
        wait_blocked(&mut ctl, 0);
    }
    assert_eq!(q::<i64>(&mut ctl, &["EXISTS", &k0, &k1]), 0);
}

#[test]
fn a_client_served_before_its_timeout_gets_the_element() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("early");
    let p = block(&server, &mut ctl, &["BLPOP", &k0, "5"]);
    let q2 = block(&server, &mut ctl, &["BLPOP", &k0, &k1, "5"]);
    q::<i64>(&mut ctl, &["RPUSH", &k0, "a"]);
    q::<i64>(&mut ctl, &["RPUSH", &k1, "b"]);
    let (reply, took) = p.timed();
    assert_eq!(reply, popped(&k0, "a"));
    assert!(took < ms(4000), "{took:?}");
    let (reply, took) = q2.timed();
    assert_eq!(reply, popped(&k1, "b"));
    assert!(took < ms(4000), "{took:?}");
}

#[test]
fn timeout_zero_waits_until_served() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("forever");
    let one = block(&server, &mut ctl, &["BLPOP", &k0, "0"]);
    let both = block(&server, &mut ctl, &["BRPOP", &k0, &k1, "0"]);
    let moving = block(
        &server,
        &mut ctl,
        &["BLMOVE", &k1, &k0, "LEFT", "LEFT", "0"],
    );
    // A client with a one-second timeout, blocked after them, times out...
    let (reply, took) = spawn(&server, false, &["BLPOP", "other", "1"]).timed();
    assert_eq!(reply, Resp::Array(None));
    assert!(took + ROUNDING >= ms(1000), "{took:?}");
    // ...while those with timeout 0 still wait.
    wait_blocked(&mut ctl, 3);
    assert!(!one.done() && !both.done() && !moving.done());
    q::<i64>(&mut ctl, &["RPUSH", &k0, "a", "b"]);
    assert_eq!(one.reply(), popped(&k0, "a"));
    assert_eq!(both.reply(), popped(&k0, "b"));
    q::<i64>(&mut ctl, &["RPUSH", &k1, "c"]);
    assert_eq!(moving.reply(), Resp::bulk("c"));
    assert_eq!(range(&mut ctl, &k0), ["c"]);
    assert_eq!(blocked_clients(&mut ctl), 0);
}

// ---------------------------------------------------------------------------------------------
// Clients that leave or are unblocked.

#[test]
fn a_blocked_client_whose_connection_closes_is_forgotten() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("gone");
    let cases: Vec<Vec<&str>> = vec![
        vec!["BLPOP", &k0, "0"],
        vec!["BRPOP", &k1, "0"],
        vec!["BLPOP", &k0, &k1, "0"],
        vec!["BLMPOP", "0", "2", &k1, &k0, "LEFT", "COUNT", "3"],
        vec!["BLMOVE", &k0, &k1, "LEFT", "LEFT", "0"],
        vec!["BRPOPLPUSH", &k1, &k0, "100"],
    ];
    for args in &cases {
        let mut conn = server.raw_conn();
        conn.send(&encode_str(args));
        wait_blocked(&mut ctl, 1);
        drop(conn);
        wait_blocked(&mut ctl, 0);
        for k in [&k0, &k1] {
            q::<i64>(&mut ctl, &["RPUSH", k, "x"]);
        }
        for k in [&k0, &k1] {
            assert_eq!(range(&mut ctl, k), ["x"], "{args:?}: {k}");
        }
        q::<i64>(&mut ctl, &["DEL", &k0, &k1]);
    }
    // With several waiting, the one that left is skipped; those behind it are served in turn.
    let a = block(&server, &mut ctl, &["BLPOP", &k0, "0"]);
    let mut gone = server.raw_conn();
    gone.send(&encode_str(&["BLPOP", &k0, "0"]));
    wait_blocked(&mut ctl, 2);
    let c = block(&server, &mut ctl, &["BLPOP", &k0, "0"]);
    drop(gone);
    wait_blocked(&mut ctl, 2);
    q::<i64>(&mut ctl, &["RPUSH", &k0, "1", "2", "3"]);
    assert_eq!(a.reply(), popped(&k0, "1"));
    assert_eq!(c.reply(), popped(&k0, "2"));
    assert_eq!(range(&mut ctl, &k0), ["3"]);
}

#[test]
fn client_unblock_timeout_and_error() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("unblock");
    let cases: Vec<(Vec<&str>, Resp)> = vec![
        (vec!["BLPOP", &k0, "0"], Resp::Array(None)),
        (vec!["BRPOP", &k1, "100"], Resp::Array(None)),
        (vec!["BLPOP", &k0, &k1, "0"], Resp::Array(None)),
        (
            vec!["BLMPOP", "0", "2", &k0, &k1, "RIGHT"],
            Resp::Array(None),
        ),
        (
            vec!["BLMOVE", &k0, &k1, "LEFT", "LEFT", "0"],
            Resp::Array(None),
        ),
        (vec!["BRPOPLPUSH", &k1, "d", "0"], Resp::Array(None)),
    ];
    for (args, null) in &cases {
        for (how, want) in [
            (None, null.clone()),
            (Some("TIMEOUT"), null.clone()),
            (Some("timeout"), null.clone()),
            (Some("ERROR"), error(UNBLOCKED)),
            (Some("error"), error(UNBLOCKED)),
        ] {
            let p = block(&server, &mut ctl, args);
            let id = p.id.to_string();
            let mut unblock = vec!["CLIENT", "UNBLOCK", &id];
            unblock.extend(how);
            assert_eq!(q::<i64>(&mut ctl, &unblock), 1, "{args:?} {how:?}");
            assert_eq!(null_array(p.reply()), want, "{args:?} {how:?}");
            // It waits no more: unblocking it again does nothing, a push stays.
            assert_eq!(q::<i64>(&mut ctl, &unblock), 0, "{args:?} {how:?}");
            wait_blocked(&mut ctl, 0);
            q::<i64>(&mut ctl, &["RPUSH", &k0, "x"]);
            q::<i64>(&mut ctl, &["RPUSH", &k1, "x"]);
            assert_eq!(llen(&mut ctl, &k0), 1, "{args:?} {how:?}");
            assert_eq!(llen(&mut ctl, &k1), 1, "{args:?} {how:?}");
            q::<i64>(&mut ctl, &["DEL", &k0, &k1, "d"]);
        }
    }
    // A RESP3 client unblocked with TIMEOUT gets RESP3's null.
    let p = block_with(
        &server,
        &mut ctl,
        true,
        &["BLMOVE", &k0, &k1, "LEFT", "LEFT", "0"],
    );
    let id = p.id.to_string();
    assert_eq!(
        q::<i64>(&mut ctl, &["CLIENT", "UNBLOCK", &id, "TIMEOUT"]),
        1
    );
    assert_eq!(p.reply(), Resp::Null);
}

#[test]
fn client_unblock_of_a_client_that_does_not_wait() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let mut idle = server.raw_conn();
    let idle_id = match idle.cmd(&["CLIENT", "ID"]) {
        Resp::Int(id) => id.to_string(),
        other => panic!("CLIENT ID answered {other:?}"),
    };
    let own: i64 = q(&mut ctl, &["CLIENT", "ID"]);
    let own = own.to_string();
    for id in [idle_id.as_str(), own.as_str(), "999999", "0", "-1"] {
        for how in [&[][..], &["TIMEOUT"], &["ERROR"]] {
            let mut args = vec!["CLIENT", "UNBLOCK", id];
            args.extend(how);
            assert_eq!(q::<i64>(&mut ctl, &args), 0, "{args:?}");
        }
    }
    assert_eq!(idle.cmd(&["PING"]), Resp::Simple("PONG".into()));
    // A client that waits stays waiting after a bad CLIENT UNBLOCK.
    let p = block(&server, &mut ctl, &["BLPOP", "k", "0"]);
    let id = p.id.to_string();
    assert_eq!(
        err(&mut ctl, &["CLIENT", "UNBLOCK", &id, "LATER"]),
        "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
    );
    assert_eq!(
        err(&mut ctl, &["CLIENT", "UNBLOCK", "x"]),
        "ERR value is not an integer or out of range"
    );
    assert!(err(&mut ctl, &["CLIENT", "UNBLOCK", &id, "TIMEOUT", "x"]).starts_with("ERR "));
    assert_eq!(blocked_clients(&mut ctl), 1);
    q::<i64>(&mut ctl, &["RPUSH", "k", "v"]);
    assert_eq!(p.reply(), popped("k", "v"));
    // Served, it is no longer blocked.
    assert_eq!(q::<i64>(&mut ctl, &["CLIENT", "UNBLOCK", &id]), 0);
}

// ---------------------------------------------------------------------------------------------
// Transactions and pipelines.

#[test]
fn blocking_commands_inside_multi_do_not_block() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("multi");
    for resp3 in [false, true] {
        let mut c = server.raw_conn();
        if resp3 {
            assert!(matches!(c.cmd(&["HELLO", "3"]), Resp::Map(_)));
        }
        let (null_array, null_bulk) = if resp3 {
            (Resp::Null, Resp::Null)
        } else {
            (Resp::Array(None), Resp::Bulk(None))
        };
        let commands: Vec<(Vec<&str>, Resp)> = vec![
            (vec!["BLPOP", &k0, "0"], null_array.clone()),
            (vec!["BRPOP", &k1, "0"], null_array.clone()),
            (vec!["BLPOP", &k0, &k1, "0"], null_array.clone()),
            (
                vec!["BLMPOP", "0", "2", &k0, &k1, "LEFT"],
                null_array.clone(),
            ),
            (
                vec!["BLMOVE", &k0, &k1, "LEFT", "LEFT", "0"],
                null_bulk.clone(),
            ),
            (vec!["BRPOPLPUSH", &k1, &k1, "0"], null_bulk.clone()),
            (vec!["RPUSH", &k0, "a", "b", "c"], Resp::Int(3)),
            (vec!["BLPOP", &k0, "0"], popped(&k0, "a")),
            (
                vec!["BLMOVE", &k0, &k1, "RIGHT", "LEFT", "0"],
                Resp::bulk("c"),
            ),
            (vec!["BRPOP", &k0, &k1, "0"], popped(&k0, "b")),
            (
                vec!["BLMPOP", "0", "2", &k0, &k1, "LEFT"],
                mpopped(&k1, &["c"]),
            ),
            (vec!["BLPOP", &k0, &k1, "0"], null_array.clone()),
        ];
        let start = Instant::now();
        assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
        for (args, _) in &commands {
            assert_eq!(c.cmd(args), queued(), "{args:?}");
        }
        let want: Vec<Resp> = commands.iter().map(|(_, r)| r.clone()).collect();
        assert_eq!(c.cmd(&["EXEC"]), Resp::Array(Some(want)));
        assert!(start.elapsed() < ms(5000), "{:?}", start.elapsed());
        assert_eq!(blocked_clients(&mut ctl), 0);
        assert_eq!(q::<i64>(&mut ctl, &["EXISTS", &k0, &k1]), 0);
    }
}

#[test]
fn a_push_in_a_transaction_serves_waiters_once_it_ends() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    for shard in 0..2 {
        let k = key_on_shard("txpush", shard, 2);
        let k = k.as_str();
        let p = block(&server, &mut ctl, &["BLPOP", k, "0"]);
        let mut c = server.raw_conn();
        assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
        assert_eq!(c.cmd(&["RPUSH", k, "a", "b"]), queued());
        assert_eq!(c.cmd(&["LPOP", k]), queued());
        assert_eq!(
            c.cmd(&["EXEC"]),
            Resp::Array(Some(vec![Resp::Int(2), Resp::bulk("a")]))
        );
        // The waiter sees the list as the transaction left it.
        assert_eq!(p.reply(), popped(k, "b"));
        assert!(!exists(&mut ctl, k));
        // A transaction that pushes and pops it all leaves the client waiting.
        let p = block(&server, &mut ctl, &["BLPOP", k, "0"]);
        assert_eq!(c.cmd(&["MULTI"]), Resp::ok());
        assert_eq!(c.cmd(&["RPUSH", k, "x"]), queued());
        assert_eq!(c.cmd(&["RPOP", k]), queued());
        assert_eq!(
            c.cmd(&["EXEC"]),
            Resp::Array(Some(vec![Resp::Int(1), Resp::bulk("x")]))
        );
        assert_eq!(blocked_clients(&mut ctl), 1);
        assert!(!p.done());
        q::<i64>(&mut ctl, &["RPUSH", k, "y"]);
        assert_eq!(p.reply(), popped(k, "y"));
    }
}

#[test]
fn pipelined_commands_wait_behind_a_blocked_one() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("pipe");
    let cases: Vec<(Vec<&str>, &str, Resp)> = vec![
        (vec!["BLPOP", &k0, "0"], &k0, popped(&k0, "x")),
        (vec!["BRPOP", &k1, "0"], &k1, popped(&k1, "x")),
        (vec!["BLPOP", &k0, &k1, "0"], &k1, popped(&k1, "x")),
        (
            vec!["BLMOVE", &k0, &k1, "LEFT", "LEFT", "0"],
            &k0,
            Resp::bulk("x"),
        ),
    ];
    for (args, push, want) in &cases {
        let mut c = server.raw_conn();
        let mut bytes = encode_str(args);
        bytes.extend(encode_str(&["PING"]));
        bytes.extend(encode_str(&["LLEN", &k1]));
        c.send(&bytes);
        wait_blocked(&mut ctl, 1);
        assert!(
            nothing_arrives(&mut c, ms(200)),
            "{args:?}: a reply came while the client was blocked"
        );
        // The other clients are not held up.
        assert_eq!(q::<String>(&mut ctl, &["PING"]), "PONG");
        q::<i64>(&mut ctl, &["RPUSH", push, "x"]);
        assert_eq!(c.read(), *want, "{args:?}");
        assert_eq!(c.read(), Resp::Simple("PONG".into()), "{args:?}");
        // The command behind ran after the blocked one was served.
        let moved = i64::from(args[0] == "BLMOVE");
        assert_eq!(c.read(), Resp::Int(moved), "{args:?}");
        q::<i64>(&mut ctl, &["DEL", &k0, &k1]);
    }
}

// ---------------------------------------------------------------------------------------------
// Chained wake-ups and other writes.

#[test]
fn a_served_blmove_wakes_a_client_blocked_on_its_destination() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    for (src_shard, dst_shard) in [(0, 0), (1, 1), (0, 1), (1, 0)] {
        let src = key_on_shard("src", src_shard, 2);
        let dst = key_on_shard("dst", dst_shard, 2);
        let mover = block(
            &server,
            &mut ctl,
            &["BLMOVE", &src, &dst, "LEFT", "RIGHT", "0"],
        );
        let taker = block(&server, &mut ctl, &["BLPOP", &dst, "0"]);
        q::<i64>(&mut ctl, &["RPUSH", &src, "x"]);
        let route = format!("{src} (shard {src_shard}) -> {dst} (shard {dst_shard})");
        assert_eq!(mover.reply(), Resp::bulk("x"), "{route}");
        assert_eq!(taker.reply(), popped(&dst, "x"), "{route}");
        assert_eq!(q::<i64>(&mut ctl, &["EXISTS", &src, &dst]), 0, "{route}");
        assert_eq!(blocked_clients(&mut ctl), 0, "{route}");
    }
}

#[test]
fn a_chain_of_moves_ends_with_the_last_waiter() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let keys = alternating_keys("chain", 4);
    // keys[0] -> keys[1] -> keys[2] -> keys[3], each hop between shards, blocked in reverse
    // order so that no hop can be served by an earlier one's arrival order.
    let last = block(&server, &mut ctl, &["BLPOP", &keys[3], "0"]);
    let hop2 = block(&server, &mut ctl, &["BRPOPLPUSH", &keys[2], &keys[3], "0"]);
    let hop1 = block(
        &server,
        &mut ctl,
        &["BLMOVE", &keys[1], &keys[2], "RIGHT", "LEFT", "0"],
    );
    let hop0 = block(
        &server,
        &mut ctl,
        &["BLMOVE", &keys[0], &keys[1], "LEFT", "LEFT", "0"],
    );
    q::<i64>(&mut ctl, &["LPUSH", &keys[0], "z"]);
    assert_eq!(hop0.reply(), Resp::bulk("z"));
    assert_eq!(hop1.reply(), Resp::bulk("z"));
    assert_eq!(hop2.reply(), Resp::bulk("z"));
    assert_eq!(last.reply(), popped(&keys[3], "z"));
    let all: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut exists_all = vec!["EXISTS"];
    exists_all.extend(all);
    assert_eq!(q::<i64>(&mut ctl, &exists_all), 0);
}

#[test]
fn other_list_writes_serve_waiters() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let (k0, k1) = key_pair("other");
    for (k, from) in [(&k0, &k0), (&k0, &k1), (&k1, &k0), (&k1, &k1)] {
        let from = format!("{{{from}}}src");
        // LMOVE and RPOPLPUSH into the key.
        q::<i64>(&mut ctl, &["RPUSH", &from, "a", "b"]);
        let p = block(&server, &mut ctl, &["BLPOP", k, "0"]);
        assert_eq!(
            q::<String>(&mut ctl, &["LMOVE", &from, k, "LEFT", "RIGHT"]),
            "a"
        );
        assert_eq!(p.reply(), popped(k, "a"));
        let p = block(&server, &mut ctl, &["BRPOP", k, "0"]);
        assert_eq!(q::<String>(&mut ctl, &["RPOPLPUSH", &from, k]), "b");
        assert_eq!(p.reply(), popped(k, "b"));
        // A list renamed to the key.
        q::<i64>(&mut ctl, &["RPUSH", &from, "c"]);
        let p = block(&server, &mut ctl, &["BLPOP", k, "0"]);
        assert_ok(&mut ctl, &["RENAME", &from, k]);
        assert_eq!(p.reply(), popped(k, "c"));
        assert_eq!(q::<i64>(&mut ctl, &["EXISTS", k, &from]), 0);
    }
    // LPUSHX and LINSERT do not create a list, so they serve nobody; LPUSH does.
    let p = block(&server, &mut ctl, &["BLPOP", &k1, "0"]);
    assert_eq!(q::<i64>(&mut ctl, &["LPUSHX", &k1, "x"]), 0);
    assert_eq!(q::<i64>(&mut ctl, &["LINSERT", &k1, "BEFORE", "a", "x"]), 0);
    assert_eq!(blocked_clients(&mut ctl), 1);
    q::<i64>(&mut ctl, &["LPUSH", &k1, "y"]);
    assert_eq!(p.reply(), popped(&k1, "y"));
}

#[test]
fn waiters_are_per_database() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let mut c = server.raw_conn();
    assert_eq!(c.cmd(&["SELECT", "1"]), Resp::ok());
    let mut in_db1 = server.raw_conn();
    assert_eq!(in_db1.cmd(&["SELECT", "1"]), Resp::ok());
    in_db1.send(&encode_str(&["BLPOP", "k", "0"]));
    wait_blocked(&mut ctl, 1);
    let in_db0 = block(&server, &mut ctl, &["BLPOP", "k", "0"]);
    // A push in database 1 serves the client of database 1 only.
    assert_eq!(c.cmd(&["RPUSH", "k", "one"]), Resp::Int(1));
    assert_eq!(in_db1.read(), popped("k", "one"));
    assert_eq!(c.cmd(&["RPUSH", "k", "two"]), Resp::Int(1));
    wait_blocked(&mut ctl, 1);
    assert!(!in_db0.done());
    assert_eq!(c.cmd(&["LLEN", "k"]), Resp::Int(1));
    q::<i64>(&mut ctl, &["RPUSH", "k", "zero"]);
    assert_eq!(in_db0.reply(), popped("k", "zero"));
}

/// Redis 7.0 serves a waiter only when its key holds a list: a key set to another type leaves
/// the client waiting (without an error), and a list pushed later serves it.
#[test]
fn a_key_written_with_another_type_leaves_the_client_waiting() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    for shard in 0..2 {
        let k = key_on_shard("type", shard, 2);
        let k = k.as_str();
        let p = block(&server, &mut ctl, &["BLPOP", k, "0"]);
        assert_ok(&mut ctl, &["SET", k, "string"]);
        // The server has run the SET by now; give a wrongly woken client time to show.
        assert_eq!(q::<String>(&mut ctl, &["TYPE", k]), "string");
        thread::sleep(ms(100));
        assert!(
            !p.done(),
            "the client blocked on {k} (shard {shard}) was woken by SET, with {}",
            show(&p.reply())
        );
        assert_eq!(blocked_clients(&mut ctl), 1);
        q::<i64>(&mut ctl, &["DEL", k]);
        q::<i64>(&mut ctl, &["RPUSH", k, "a"]);
        assert_eq!(p.reply(), popped(k, "a"));
    }
}

/// A list that arrives in a waiter's database by SWAPDB, MOVE or COPY ... DB serves it, as
/// Redis signals the keys of swapped databases and the keys its `dbAdd` creates.
#[test]
fn swapdb_move_and_copy_to_another_database_serve_waiters() {
    let server = Server::start(&[]);
    let mut ctl = server.client();
    let mut db1 = server.raw_conn();
    assert_eq!(db1.cmd(&["SELECT", "1"]), Resp::ok());

    let swapped = block(&server, &mut ctl, &["BRPOP", "k", "5"]);
    assert_eq!(db1.cmd(&["RPUSH", "k", "hello"]), Resp::Int(1));
    assert!(!swapped.done());
    assert_eq!(db1.cmd(&["SWAPDB", "1", "0"]), Resp::ok());
    assert_eq!(swapped.reply(), popped("k", "hello"));
    assert_eq!(q::<i64>(&mut ctl, &["DEL", "k"]), 0);

    let moved = block(&server, &mut ctl, &["BLPOP", "m", "5"]);
    assert_eq!(db1.cmd(&["RPUSH", "m", "x"]), Resp::Int(1));
    assert_eq!(db1.cmd(&["MOVE", "m", "0"]), Resp::Int(1));
    assert_eq!(moved.reply(), popped("m", "x"));

    let copied = block(&server, &mut ctl, &["BLPOP", "c{m}", "5"]);
    assert_eq!(db1.cmd(&["RPUSH", "src{m}", "y"]), Resp::Int(1));
    assert_eq!(
        db1.cmd(&["COPY", "src{m}", "c{m}", "DB", "0"]),
        Resp::Int(1)
    );
    assert_eq!(copied.reply(), popped("c{m}", "y"));
    wait_blocked(&mut ctl, 0);
}
