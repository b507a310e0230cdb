//! The ceiling: fixed replies on Tessera's own network path, storing nothing.
//!
//! A server that answers every command from a constant shows the most this machine's sockets,
//! rings and parser allow; Tessera's figures are read as a fraction of it. It runs the same
//! executors, rings, accept/recv/send loop and RESP parser as the real node: only the step from
//! a parsed command to its reply is replaced, so the difference between the two is the cost of
//! storage and routing.

use tessera_core::protocol::reply::Protocol;
use tessera_core::protocol::{Args, Reply};

use crate::dispatch::Flow;
use crate::shard::Shard;

/// What the ceiling answers.
#[derive(Clone, Debug)]
pub struct FixedReplies {
    /// The value every GET (and each key of MGET) returns.
    pub value: Vec<u8>,
}

/// Answers one command of connection `idx` from constants.
pub fn answer(sh: &mut Shard, fixed: &FixedReplies, idx: usize, args: &Args<'_>) -> Flow {
    let shards = sh.node.shards;
    let id = sh.id;
    let Some(conn) = sh.conns[idx].as_mut() else {
        return Flow::Hold;
    };
    let name = args.get(0);
    let is = |w: &str| name.eq_ignore_ascii_case(w.as_bytes());
    if is("hello") && args.try_get(1) == Some(b"3") {
        conn.proto = Protocol::Resp3;
    }
    let mut r = Reply::new(&mut conn.out, conn.proto);
    if is("get") {
        r.bulk(&fixed.value);
    } else if is("mget") {
        r.array(args.len() - 1);
        for _ in 1..args.len() {
            r.bulk(&fixed.value);
        }
    } else if is("ping") {
        r.simple("PONG");
    } else if is("incr") || is("del") || is("exists") {
        r.int(1);
    } else if is("config") && args.len() == 3 {
        // CONFIG GET name: tools (redis-benchmark) read `save` and `appendonly` at start.
        r.array(2);
        r.bulk(args.get(2));
        r.bulk(b"");
    } else if is("config") || is("command") {
        r.array(0);
    } else if is("hello") {
        r.map(1);
        r.bulk(b"server");
        r.bulk(b"tessera-ceiling");
    } else if is("client")
        && args
            .try_get(1)
            .is_some_and(|s| s.eq_ignore_ascii_case(b"info"))
    {
        r.bulk(
            format!(
                "id={idx} addr=? resp={} shard={id}\n",
                if r.is_resp3() { 3 } else { 2 }
            )
            .as_bytes(),
        );
    } else if is("info") {
        r.bulk(format!("# Server\r\nredis_mode:standalone\r\nthreads:{shards}\r\n").as_bytes());
    } else if is("quit") {
        r.ok();
        conn.closing = true;
        return Flow::Hold;
    } else {
        r.ok();
    }
    Flow::Continue
}
