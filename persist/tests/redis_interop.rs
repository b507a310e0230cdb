//! RDB files between Tessera's format code and Redis 7.0 itself (Debian's `redis-server` and
//! `redis-check-rdb`, installed by `.ci/run`): what Tessera writes, Redis checks and serves;
//! what Redis writes, Tessera reads to the same values.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redis::Value as R;
use tessera_core::config::Config;
use tessera_core::keyspace::list::End;
use tessera_core::keyspace::zset::Limits;
use tessera_core::keyspace::{Hash, List, Set, Value, ZSet};
use tessera_persist::rdb::{Item, KeyEncoder, KeyHint, RdbReader, RdbWriter};

/// A redis-server on a free port, serving `dir/file`, stopped on drop.
struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    fn start(dir: &Path, file: &str) -> Redis {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--appendonly",
                "no",
            ])
            .args([
                "--save",
                "",
                "--dir",
                dir.to_str().unwrap(),
                "--dbfilename",
                file,
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (Debian's redis-server package) must be installed");
        let redis = Redis { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while redis.try_client().is_none() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        redis
    }

    fn try_client(&self) -> Option<redis::Connection> {
        let client = redis::Client::open(format!("redis://127.0.0.1:{}/", self.port)).ok()?;
        let mut c = client.get_connection().ok()?;
        redis::cmd("PING").query::<String>(&mut c).ok()?;
        Some(c)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tessera-rdb-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every type in every encoding, as (key, the commands that make it on Redis, the value).
fn dataset() -> Vec<(String, Vec<Vec<String>>, Value)> {
    let config = Config::default();
    let limits = Limits::of(&config);
    let mut out = Vec::new();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    out.push((
        "s:embstr".into(),
        vec![s(&["SET", "s:embstr", "hello"])],
        Value::string(b"hello"),
    ));
    out.push((
        "s:int".into(),
        vec![s(&["SET", "s:int", "-123456"])],
        Value::string(b"-123456"),
    ));
    let long = "abc".repeat(100);
    out.push((
        "s:long".into(),
        vec![s(&["SET", "s:long", &long])],
        Value::string(long.as_bytes()),
    ));
    for (name, n) in [("small", 5usize), ("big", 700)] {
        let items: Vec<String> = (0..n).map(|i| format!("item:{i}")).collect();
        let nums: Vec<String> = (0..n).map(|i| (i * 7).to_string()).collect();

        let key = format!("l:{name}");
        let mut list = List::new(-2);
        let mut cmds = Vec::new();
        for it in &items {
            list.push(End::Tail, it.as_bytes());
            cmds.push(s(&["RPUSH", &key, it]));
        }
        out.push((key, cmds, Value::List(Box::new(list))));

        let key = format!("h:{name}");
        let mut hash = Hash::new();
        let mut cmds = Vec::new();
        for (it, v) in items.iter().zip(&nums) {
            hash.set(it.as_bytes(), v.as_bytes(), &config);
            cmds.push(s(&["HSET", &key, it, v]));
        }
        out.push((key, cmds, Value::Hash(hash)));

        for (kind, members) in [("str", &items), ("int", &nums)] {
            let key = format!("set:{name}:{kind}");
            let mut set = Set::new();
            let mut cmds = Vec::new();
            for m in members {
                set.add(m.as_bytes(), config.set_max_intset_entries);
                cmds.push(s(&["SADD", &key, m]));
            }
            out.push((key, cmds, Value::Set(set)));
        }

        let key = format!("z:{name}");
        let mut zset = ZSet::new();
        let mut cmds = Vec::new();
        for (i, it) in items.iter().enumerate() {
            let score = i as f64 * 1.5 - 3.25;
            zset.insert(it.as_bytes(), score, limits);
            cmds.push(s(&["ZADD", &key, &score.to_string(), it]));
        }
        out.push((key, cmds, Value::ZSet(zset)));
    }
    out
}

#[test]
fn redis_checks_and_serves_a_file_tessera_wrote() {
    let dir = temp_dir("ours");
    let data = dataset();
    let mut writer = RdbWriter::new(true, true);
    writer.standard_aux(1_700_000_000, 1 << 20, false);
    let expire_at = 4_000_000_000_000u64; // 2096
    writer.select_db(0, data.len() as u64, 1);
    let mut enc = KeyEncoder::new(true);
    let mut chunk = Vec::new();
    for (i, (key, _, value)) in data.iter().enumerate() {
        let expiry = if i == 0 { expire_at } else { 0 };
        enc.key(&mut chunk, key.as_bytes(), value, expiry, KeyHint::None);
    }
    writer.encoded(&chunk);
    writer.select_db(5, 1, 0);
    chunk.clear();
    enc.key(
        &mut chunk,
        b"in-db-5",
        &Value::string(b"five"),
        0,
        KeyHint::Idle(7),
    );
    writer.encoded(&chunk);
    let mut file = writer.take();
    file.extend(writer.finish());
    std::fs::write(dir.join("ours.rdb"), &file).unwrap();

    let check = Command::new("redis-check-rdb")
        .arg(dir.join("ours.rdb"))
        .output()
        .expect("redis-check-rdb (Debian's redis-tools) must be installed");
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success() && said.contains("RDB looks OK!"),
        "{said}"
    );

    let redis = Redis::start(&dir, "ours.rdb");
    let mut c = redis.try_client().unwrap();
    for (key, cmds, _) in &data {
        // Replaying the same commands on a scratch key must give the same DUMP-independent view.
        let scratch = format!("replay:{key}");
        for cmd in cmds {
            let mut q = redis::cmd(&cmd[0]);
            q.arg(&scratch);
            for a in &cmd[2..] {
                q.arg(a);
            }
            q.query::<R>(&mut c).unwrap();
        }
        assert_eq!(view(&mut c, key), view(&mut c, &scratch), "{key}");
        let enc_ours: String = redis::cmd("OBJECT")
            .arg("ENCODING")
            .arg(key)
            .query(&mut c)
            .unwrap();
        let enc_replay: String = redis::cmd("OBJECT")
            .arg("ENCODING")
            .arg(&scratch)
            .query(&mut c)
            .unwrap();
        assert_eq!(enc_ours, enc_replay, "{key}");
    }
    let pexpiretime: i64 = redis::cmd("PEXPIRETIME")
        .arg(&data[0].0)
        .query(&mut c)
        .unwrap();
    assert_eq!(pexpiretime, expire_at as i64);
    let five: String = redis::cmd("SELECT").arg(5).query(&mut c).unwrap();
    assert_eq!(five, "OK");
    let v: String = redis::cmd("GET").arg("in-db-5").query(&mut c).unwrap();
    assert_eq!(v, "five");
    let _ = std::fs::remove_dir_all(&dir);
}

/// What a key holds, read in an order-independent way.
fn view(c: &mut redis::Connection, key: &str) -> Vec<String> {
    let kind: String = redis::cmd("TYPE").arg(key).query(c).unwrap();
    let mut items: Vec<String> = match kind.as_str() {
        "string" => vec![redis::cmd("GET").arg(key).query(c).unwrap()],
        "list" => redis::cmd("LRANGE")
            .arg(key)
            .arg(0)
            .arg(-1)
            .query(c)
            .unwrap(),
        "hash" => redis::cmd("HGETALL").arg(key).query(c).unwrap(),
        "set" => redis::cmd("SMEMBERS").arg(key).query(c).unwrap(),
        "zset" => redis::cmd("ZRANGE")
            .arg(key)
            .arg(0)
            .arg(-1)
            .arg("WITHSCORES")
            .query(c)
            .unwrap(),
        other => panic!("{key}: unexpected type {other}"),
    };
    if kind == "hash" {
        let mut pairs: Vec<String> = items.chunks(2).map(|p| p.join("=")).collect();
        pairs.sort();
        items = pairs;
    } else if kind == "set" {
        items.sort();
    }
    items.insert(0, kind);
    items
}

#[test]
fn tessera_reads_a_file_redis_wrote() {
    let dir = temp_dir("theirs");
    let data = dataset();
    let redis = Redis::start(&dir, "theirs.rdb");
    let mut c = redis.try_client().unwrap();
    for (_, cmds, _) in &data {
        for cmd in cmds {
            let mut q = redis::cmd(&cmd[0]);
            for a in &cmd[1..] {
                q.arg(a);
            }
            q.query::<R>(&mut c).unwrap();
        }
    }
    let _: R = redis::cmd("PEXPIREAT")
        .arg("s:embstr")
        .arg(4_000_000_000_000u64)
        .query(&mut c)
        .unwrap();
    let _: R = redis::cmd("SAVE").query(&mut c).unwrap();
    drop(redis);

    let bytes = std::fs::read(dir.join("theirs.rdb")).unwrap();
    let config = Config::default();
    let mut reader = RdbReader::new(&bytes, &config).unwrap();
    assert_eq!(reader.version(), 10);
    let mut aux = Vec::new();
    let mut keys = std::collections::HashMap::new();
    while let Some(item) = reader.next_item().unwrap() {
        match item {
            Item::Aux { name, .. } => aux.push(String::from_utf8(name).unwrap()),
            Item::Key(k) => {
                keys.insert(String::from_utf8(k.key.clone()).unwrap(), k);
            }
        }
    }
    assert!(aux.contains(&"redis-ver".to_string()), "{aux:?}");
    assert_eq!(keys.len(), data.len());
    for (key, _, value) in &data {
        let got = &keys[key];
        assert_eq!(got.db, 0);
        assert_eq!(&got.value, value, "{key}");
        assert_eq!(got.value.encoding(), value.encoding(), "{key}");
        let want_expiry = if key == "s:embstr" {
            4_000_000_000_000
        } else {
            0
        };
        assert_eq!(got.expire_at, want_expiry, "{key}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
