//! Unit tests of the sorted set family: commands run on a keyspace without I/O, replies compared
//! byte for byte with Redis 7.0's, and a long random run against a plain model.

use super::*;
use crate::commands::lookup;
use crate::config::Config;
use crate::keyspace::Keyspace;
use crate::protocol::reply::Protocol;

const NOW: u64 = 1_700_000_000_000;

/// Runs one command (given as separate arguments) and returns its reply as text.
fn call(ks: &mut Keyspace, config: &Config, proto: Protocol, rand: u64, argv: &[&[u8]]) -> String {
    let (base, spans) = crate::protocol::args::joined(argv);
    let args = Args::new(&base, &spans);
    let command = lookup(argv[0]).expect("a known command");
    let mut out = Vec::new();
    let mut reply = Reply::new(&mut out, proto);
    if !command.arity_ok(argv.len()) {
        reply.error(&errors::wrong_arity(command.name));
    } else {
        let Run::Shard(handler) = command.run else {
            panic!("not a shard command")
        };
        let mut ctx = Ctx {
            ks,
            db: 0,
            now_ms: NOW,
            config,
            rand,
            shard: (0, 1),
        };
        handler(&mut ctx, &args, &mut reply);
    }
    assert_eq!(
        crate::protocol::scan::reply_len(&out),
        Some(out.len()),
        "exactly one reply: {:?}",
        String::from_utf8_lossy(&out)
    );
    String::from_utf8_lossy(&out).into_owned()
}

fn run_with(ks: &mut Keyspace, config: &Config, proto: Protocol, line: &str) -> String {
    let argv: Vec<&[u8]> = line.split(' ').map(|w| w.as_bytes()).collect();
    call(ks, config, proto, 0, &argv)
}

fn run(ks: &mut Keyspace, line: &str) -> String {
    run_with(ks, &Config::default(), Protocol::Resp2, line)
}

fn run3(ks: &mut Keyspace, line: &str) -> String {
    run_with(ks, &Config::default(), Protocol::Resp3, line)
}

fn check(ks: &mut Keyspace, script: &[(&str, &str)]) {
    for (line, want) in script {
        assert_eq!(run(ks, line), *want, "{line}");
    }
}

fn ks() -> Keyspace {
    Keyspace::new(1)
}

fn small_config() -> Config {
    Config {
        zset_max_listpack_entries: 8,
        zset_max_listpack_value: 6,
        ..Config::default()
    }
}

#[test]
fn replies_match_redis_bytes() {
    let mut k = ks();
    check(
        &mut k,
        &[
            ("ZADD z 1 a 2.5 b 0.1 c", ":3\r\n"),
            ("ZRANGE z 0 -1", "*3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n"),
            (
                "ZRANGE z 0 0 WITHSCORES",
                "*2\r\n$1\r\nc\r\n$19\r\n0.10000000000000001\r\n",
            ),
            ("ZSCORE z b", "$3\r\n2.5\r\n"),
            ("ZSCORE z x", "$-1\r\n"),
            ("ZRANK z b", ":2\r\n"),
            ("ZREVRANK z b", ":0\r\n"),
            ("ZCARD z", ":3\r\n"),
            ("ZINCRBY z 1 a", "$1\r\n2\r\n"),
            ("ZPOPMAX z", "*2\r\n$1\r\nb\r\n$3\r\n2.5\r\n"),
            ("ZRANGEBYLEX z - +", "*2\r\n$1\r\nc\r\n$1\r\na\r\n"),
            ("ZMPOP 1 nokey MIN", "*-1\r\n"),
        ],
    );
    assert_eq!(run3(&mut k, "ZSCORE z a"), ",2\r\n");
    assert_eq!(run3(&mut k, "ZSCORE z x"), "_\r\n");
    assert_eq!(
        run3(&mut k, "ZRANGE z 0 -1 WITHSCORES"),
        "*2\r\n*2\r\n$1\r\nc\r\n,0.10000000000000001\r\n*2\r\n$1\r\na\r\n,2\r\n"
    );
    assert_eq!(
        run3(&mut k, "ZPOPMIN z"),
        "*2\r\n$1\r\nc\r\n,0.10000000000000001\r\n"
    );
    assert_eq!(run3(&mut k, "ZPOPMIN z 1"), "*1\r\n*2\r\n$1\r\na\r\n,2\r\n");
    assert_eq!(run(&mut k, "EXISTS z"), ":0\r\n");
}

#[test]
fn writes_count_as_redis_counts_them() {
    let mut k = ks();
    run(&mut k, "ZADD z 1 a 2 b 3 c");
    assert_eq!(k.dirty, 3);
    run(&mut k, "ZADD z 1 a 5 b");
    assert_eq!(k.dirty, 4);
    run(&mut k, "ZREM z a nope");
    assert_eq!(k.dirty, 5);
    run(&mut k, "ZPOPMIN z 5");
    assert_eq!(k.dirty, 7);
    run(&mut k, "ZADD {x}a 1 a");
    run(&mut k, "ZUNIONSTORE {x}d 1 {x}a");
    assert_eq!(k.dirty, 9);
}

#[test]
fn writes_that_change_nothing_do_not_touch_watchers() {
    let mut k = ks();
    run(&mut k, "ZADD z 1 a 2 b");
    k.dbs[0].watch(b"z", 7);
    for line in [
        "ZADD z 1 a",
        "ZADD z NX 5 a",
        "ZADD z XX 5 c",
        "ZADD z GT 0 a",
        "ZREM z nope",
        "ZREMRANGEBYSCORE z 10 20",
        "ZREMRANGEBYRANK z 5 9",
        "ZREMRANGEBYLEX z (b +",
        "ZINCRBY z 0 a",
    ] {
        run(&mut k, line);
        assert!(k.dbs[0].dirty_watchers.is_empty(), "{line}");
    }
    run(&mut k, "ZADD z 3 a");
    assert!(k.dbs[0].dirty_watchers.contains(&7));
}

#[test]
fn conversions_happen_on_the_crossing_write() {
    let mut k = ks();
    let cfg = small_config();
    let run_c = |k: &mut Keyspace, line: &str| run_with(k, &cfg, Protocol::Resp2, line);
    run_c(&mut k, "ZADD z 1 a 2 b 3 c 4 d 5 e 6 f 7 g 8 h");
    assert_eq!(run(&mut k, "OBJECT ENCODING z"), "$8\r\nlistpack\r\n");
    run_c(&mut k, "ZADD z 9 i");
    assert_eq!(run(&mut k, "OBJECT ENCODING z"), "$8\r\nskiplist\r\n");
    run_c(&mut k, "ZADD y 1 abcdef");
    assert_eq!(run(&mut k, "OBJECT ENCODING y"), "$8\r\nlistpack\r\n");
    run_c(&mut k, "ZADD y 1 abcdefg");
    assert_eq!(run(&mut k, "OBJECT ENCODING y"), "$8\r\nskiplist\r\n");
    // ZUNIONSTORE picks the encoding of its result by size.
    run_c(&mut k, "ZUNIONSTORE s 1 y");
    assert_eq!(run(&mut k, "OBJECT ENCODING s"), "$8\r\nskiplist\r\n");
    run_c(&mut k, "ZINTERSTORE s 2 y z");
    assert_eq!(run(&mut k, "EXISTS s"), ":0\r\n");
    run_c(&mut k, "ZUNIONSTORE s 1 z WEIGHTS 2");
    assert_eq!(run(&mut k, "OBJECT ENCODING s"), "$8\r\nskiplist\r\n");
    run_c(&mut k, "ZREMRANGEBYRANK z 0 5");
    run_c(&mut k, "ZUNIONSTORE s 1 z");
    assert_eq!(run(&mut k, "OBJECT ENCODING s"), "$8\r\nlistpack\r\n");
}

#[test]
fn random_draws_follow_the_call_seed() {
    let mut k = ks();
    run(&mut k, "ZADD z 1 a 2 b 3 c 4 d 5 e");
    let cfg = Config::default();
    let mut seen = std::collections::HashSet::new();
    for seed in 0..200u64 {
        let r = call(&mut k, &cfg, Protocol::Resp2, seed, &[b"ZRANDMEMBER", b"z"]);
        seen.insert(r);
    }
    assert_eq!(seen.len(), 5);
    // Distinct members for a positive count, in every strategy (shuffle and sampling).
    run(
        &mut k,
        "ZADD big 0 m0 1 m1 2 m2 3 m3 4 m4 5 m5 6 m6 7 m7 8 m8 9 m9 10 m10 11 m11",
    );
    for (seed, count) in [(1u64, &b"2"[..]), (2, b"3"), (3, b"8"), (4, b"11")] {
        let r = call(
            &mut k,
            &cfg,
            Protocol::Resp2,
            seed,
            &[b"ZRANDMEMBER", b"big", count],
        );
        let n: usize = std::str::from_utf8(count).unwrap().parse().unwrap();
        let members: Vec<&str> = r.split("\r\n").filter(|l| l.starts_with('m')).collect();
        let uniq: std::collections::HashSet<&&str> = members.iter().collect();
        assert_eq!(members.len(), n);
        assert_eq!(uniq.len(), n);
    }
}

/// A splitmix64 generator for the model run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The sorted set as a plain vector of (score, member), kept sorted.
#[derive(Default)]
struct Model(Vec<(f64, String)>);

impl Model {
    fn sort(&mut self) {
        self.0
            .sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap().then(a.1.cmp(&b.1)));
    }

    fn set(&mut self, m: &str, s: f64) -> bool {
        let new = match self.0.iter_mut().find(|(_, x)| x == m) {
            Some(e) => {
                e.0 = s;
                false
            }
            None => {
                self.0.push((s, m.to_string()));
                true
            }
        };
        self.sort();
        new
    }

    /// What ZRANGE key 0 -1 WITHSCORES answers in RESP2.
    fn reply(&self) -> String {
        let mut out = format!("*{}\r\n", self.0.len() * 2);
        for (s, m) in &self.0 {
            let mut b = [0u8; 64];
            let n = crate::protocol::reply::format_double(*s, &mut b);
            out += &format!(
                "${}\r\n{m}\r\n${n}\r\n{}\r\n",
                m.len(),
                std::str::from_utf8(&b[..n]).unwrap()
            );
        }
        out
    }
}

#[test]
fn random_commands_match_a_model() {
    let cfg = small_config();
    for seed in 0..4u64 {
        let mut rng = Rng(seed);
        let mut k = ks();
        let mut model = Model::default();
        for step in 0..1500 {
            let m = if rng.below(10) == 0 {
                format!("long-{}", rng.below(30))
            } else {
                format!("m{}", rng.below(30))
            };
            let s = rng.below(12) as f64 / 2.0 - 2.0;
            let st = s.to_string();
            let line = match rng.below(8) {
                0..=2 => {
                    model.set(&m, s);
                    format!("ZADD z {st} {m}")
                }
                3 => {
                    let cur = model.0.iter().find(|(_, x)| *x == m).map_or(0.0, |e| e.0);
                    model.set(&m, cur + s);
                    format!("ZINCRBY z {st} {m}")
                }
                4 => {
                    model.0.retain(|(_, x)| *x != m);
                    format!("ZREM z {m}")
                }
                5 => {
                    let a = rng.below(6) as usize;
                    let b = a + rng.below(4) as usize;
                    let hi = b.min(model.0.len().saturating_sub(1));
                    if a < model.0.len() {
                        model.0.drain(a..=hi);
                    }
                    format!("ZREMRANGEBYRANK z {a} {b}")
                }
                6 => {
                    let hi = s + 1.0;
                    model.0.retain(|(x, _)| !(*x > s && *x <= hi));
                    format!("ZREMRANGEBYSCORE z ({st} {hi}")
                }
                _ => {
                    if !model.0.is_empty() {
                        model.0.pop();
                    }
                    "ZPOPMAX z".to_string()
                }
            };
            run_with(&mut k, &cfg, Protocol::Resp2, &line);
            let got = run(&mut k, "ZRANGE z 0 -1 WITHSCORES");
            assert_eq!(got, model.reply(), "seed {seed} step {step}: {line}");
            let exists = run(&mut k, "EXISTS z");
            assert_eq!(exists == ":1\r\n", !model.0.is_empty(), "{line}");
            if step % 50 == 0 && !model.0.is_empty() {
                let lo = model.0[0].0;
                let count = model
                    .0
                    .iter()
                    .filter(|(x, _)| *x > lo && *x <= lo + 2.0)
                    .count();
                let q = format!("ZCOUNT z ({lo} {}", lo + 2.0);
                assert_eq!(run(&mut k, &q), format!(":{count}\r\n"));
                let (_, m) = &model.0[model.0.len() / 2];
                assert_eq!(
                    run(&mut k, &format!("ZRANK z {m}")),
                    format!(":{}\r\n", model.0.len() / 2)
                );
            }
        }
    }
}

#[test]
fn lex_and_score_bounds_parse_as_redis() {
    let mut k = ks();
    run(&mut k, "ZADD l 0 a 0 b 0 c");
    check(
        &mut k,
        &[
            ("ZLEXCOUNT l [a [b", ":2\r\n"),
            ("ZLEXCOUNT l (a (c", ":1\r\n"),
            ("ZLEXCOUNT l - (b", ":1\r\n"),
            ("ZLEXCOUNT l ( +", ":3\r\n"),
            ("ZLEXCOUNT l [ (", ":0\r\n"),
            ("ZLEXCOUNT l + +", ":0\r\n"),
            ("ZLEXCOUNT l - -", ":0\r\n"),
            (
                "ZLEXCOUNT l x +",
                "-ERR min or max not valid string range item\r\n",
            ),
            ("ZCOUNT l (0 0", ":0\r\n"),
            ("ZCOUNT l 0 (0", ":0\r\n"),
            ("ZCOUNT l -inf inf", ":3\r\n"),
            ("ZCOUNT l ( 0", ":0\r\n"),
            ("ZCOUNT l 0x0 -0", ":3\r\n"),
        ],
    );
}

#[test]
fn zrandmember_counts_are_bounded() {
    let mut k = ks();
    run(&mut k, "ZADD z 1 a");
    assert_eq!(
        run(&mut k, "ZRANDMEMBER z -3"),
        "*3\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n"
    );
    assert_eq!(
        run(&mut k, "ZRANDMEMBER z -16777217"),
        "-ERR value is out of range\r\n"
    );
    assert_eq!(
        run(&mut k, "ZRANDMEMBER z -9223372036854775808"),
        format!("-{RANDMEMBER_RANGE}\r\n")
    );
    assert_eq!(
        run(&mut k, "ZRANDMEMBER z 9223372036854775807"),
        "*1\r\n$1\r\na\r\n"
    );
}
