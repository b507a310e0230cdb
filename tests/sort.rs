//! SORT and SORT_RO as Redis 7.0 has them: numeric and ALPHA order, ASC/DESC, LIMIT, BY with
//! string keys and hash fields, BY nosort, GET # and GET patterns, STORE, and the error replies.
//!
//! The keys BY and GET patterns name are chosen to live on both shards of the two-shard server,
//! and STORE destinations on the source's shard and on the other one. Every test passes against
//! real Redis too (`TESSERA_TEST_SERVER=redis`).

mod common;

use common::*;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const SYNTAX: &str = "ERR syntax error";
const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
const NOT_DOUBLE: &str = "ERR One or more scores can't be converted into double";

fn strs(c: &mut redis::Connection, args: &[&str]) -> Vec<String> {
    q(c, args)
}

fn list(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A reply of bulk strings and nils, as `Some`/`None`.
fn opts(c: &mut redis::Connection, args: &[&str]) -> Vec<Option<String>> {
    q(c, args)
}

/// Asserts that the keys `pattern` names for `elements` live on both shards.
fn spans_both_shards(pattern: &str, elements: &[&str]) {
    let shards: std::collections::HashSet<usize> = elements
        .iter()
        .map(|e| key_shard(&pattern.replace('*', e), 2))
        .collect();
    assert_eq!(shards.len(), 2, "{pattern} over {elements:?}");
}

#[test]
fn numeric_and_alpha_order_with_limit() {
    let server = Server::start(&[]);
    let mut c = server.client();
    q::<i64>(&mut c, &["RPUSH", "l", "3", "1", "2", "10", "-5", "1.5"]);
    assert_eq!(
        strs(&mut c, &["SORT", "l"]),
        list(&["-5", "1", "1.5", "2", "3", "10"])
    );
    assert_eq!(
        strs(&mut c, &["SORT", "l", "DESC"]),
        list(&["10", "3", "2", "1.5", "1", "-5"])
    );
    assert_eq!(
        strs(&mut c, &["SORT", "l", "ALPHA"]),
        list(&["-5", "1", "1.5", "10", "2", "3"])
    );
    assert_eq!(
        strs(&mut c, &["SORT", "l", "ALPHA", "DESC", "ASC"]),
        list(&["-5", "1", "1.5", "10", "2", "3"])
    );
    assert_eq!(
        strs(&mut c, &["SORT", "l", "LIMIT", "1", "2"]),
        list(&["1", "1.5"])
    );
    assert_eq!(
        strs(&mut c, &["SORT", "l", "DESC", "LIMIT", "1", "2"]),
        list(&["3", "2"])
    );
    assert_eq!(
        strs(&mut c, &["SORT", "l", "LIMIT", "4", "-1"]),
        list(&["3", "10"])
    );
    assert_eq!(
        strs(&mut c, &["SORT", "l", "LIMIT", "-3", "2"]),
        list(&["-5", "1"])
    );
    assert!(strs(&mut c, &["SORT", "l", "LIMIT", "6", "2"]).is_empty());
    assert!(strs(&mut c, &["SORT", "l", "LIMIT", "0", "0"]).is_empty());
    // Duplicates, and equal scores ordered by their bytes.
    q::<i64>(&mut c, &["RPUSH", "d", "2", "02", "1", "2", "1.0"]);
    assert_eq!(
        strs(&mut c, &["SORT", "d"]),
        list(&["1", "1.0", "02", "2", "2"])
    );
    // Sets and sorted sets sort by their members.
    q::<i64>(&mut c, &["SADD", "s", "b", "c", "a"]);
    assert_eq!(
        strs(&mut c, &["SORT", "s", "ALPHA"]),
        list(&["a", "b", "c"])
    );
    q::<i64>(&mut c, &["ZADD", "z", "1", "30", "2", "10", "3", "20"]);
    assert_eq!(strs(&mut c, &["SORT", "z"]), list(&["10", "20", "30"]));
    assert!(strs(&mut c, &["SORT", "missing"]).is_empty());
    // The empty string counts as 0.
    q::<i64>(&mut c, &["RPUSH", "e", "1", "", "-1"]);
    assert_eq!(strs(&mut c, &["SORT", "e"]), list(&["-1", "", "1"]));
}

#[test]
fn by_string_keys_and_hash_fields_on_both_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let elems = ["1", "2", "3", "4", "5", "6"];
    spans_both_shards("w_*", &elems);
    spans_both_shards("h_*", &elems);
    let mut push = vec!["RPUSH", "l"];
    push.extend(elems);
    q::<i64>(&mut c, &push);
    // w_6 is missing: it sorts as 0.
    for (k, v) in [
        ("w_1", "50"),
        ("w_2", "-3"),
        ("w_3", "7.5"),
        ("w_4", "100"),
        ("w_5", "1"),
    ] {
        assert_ok(&mut c, &["SET", k, v]);
    }
    assert_eq!(
        strs(&mut c, &["SORT", "l", "BY", "w_*"]),
        list(&["2", "6", "5", "3", "1", "4"])
    );
    assert_eq!(
        strs(
            &mut c,
            &["SORT", "l", "BY", "w_*", "DESC", "LIMIT", "1", "3"]
        ),
        list(&["1", "3", "5"])
    );
    // Hash fields; h_5 has no field f and h_6 is missing: both sort first (as 0, then by bytes).
    for (k, f, g) in [
        ("h_1", "4", "one"),
        ("h_2", "2", "two"),
        ("h_3", "3", "three"),
        ("h_4", "1", "four"),
    ] {
        q::<i64>(&mut c, &["HSET", k, "f", f, "g", g]);
    }
    q::<i64>(&mut c, &["HSET", "h_5", "g", "five"]);
    assert_eq!(
        strs(&mut c, &["SORT", "l", "BY", "h_*->f"]),
        list(&["5", "6", "4", "2", "3", "1"])
    );
    assert_eq!(
        opts(
            &mut c,
            &["SORT", "l", "BY", "h_*->f", "GET", "#", "GET", "h_*->g"]
        ),
        vec![
            Some("5".into()),
            Some("five".into()),
            Some("6".into()),
            None,
            Some("4".into()),
            Some("four".into()),
            Some("2".into()),
            Some("two".into()),
            Some("3".into()),
            Some("three".into()),
            Some("1".into()),
            Some("one".into()),
        ]
    );
    // ALPHA by a pattern: the values' bytes, a missing value first.
    assert_eq!(
        strs(&mut c, &["SORT", "l", "BY", "h_*->g", "ALPHA"]),
        list(&["6", "5", "4", "1", "3", "2"])
    );
    // A BY value that is not a number.
    assert_ok(&mut c, &["SET", "w_6", "abc"]);
    assert_eq!(err(&mut c, &["SORT", "l", "BY", "w_*"]), NOT_DOUBLE);
    // A wrong-typed key reads as missing.
    assert_eq!(q::<i64>(&mut c, &["DEL", "w_6"]), 1);
    q::<i64>(&mut c, &["RPUSH", "w_6", "x"]);
    assert_eq!(
        strs(&mut c, &["SORT", "l", "BY", "w_*", "LIMIT", "0", "2"]),
        list(&["2", "6"])
    );
}

#[test]
fn get_patterns() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let elems = ["a", "b", "c", "d"];
    spans_both_shards("v_*", &elems);
    q::<i64>(&mut c, &["SADD", "s", "a", "b", "c", "d"]);
    assert_ok(&mut c, &["MSET", "v_a", "1", "v_c", "3", "v_d", "4"]);
    q::<i64>(&mut c, &["HSET", "v_b", "x", "hash"]);
    assert_eq!(
        opts(&mut c, &["SORT", "s", "ALPHA", "GET", "v_*"]),
        vec![Some("1".into()), None, Some("3".into()), Some("4".into())]
    );
    assert_eq!(
        opts(
            &mut c,
            &["SORT", "s", "ALPHA", "DESC", "GET", "v_*->x", "GET", "#"]
        ),
        vec![
            None,
            Some("d".into()),
            None,
            Some("c".into()),
            Some("hash".into()),
            Some("b".into()),
            None,
            Some("a".into()),
        ]
    );
    // A pattern without '*' names no key; '->' with no field after it is part of the key name.
    assert_eq!(
        opts(
            &mut c,
            &["SORT", "s", "ALPHA", "LIMIT", "0", "2", "GET", "v_a"]
        ),
        vec![None, None]
    );
    assert_ok(&mut c, &["SET", "v_a->", "arrow"]);
    assert_eq!(
        opts(
            &mut c,
            &["SORT", "s", "ALPHA", "LIMIT", "0", "1", "GET", "v_*->"]
        ),
        vec![Some("arrow".into())]
    );
    // BY a constant and GET: the list keeps its order.
    q::<i64>(&mut c, &["RPUSH", "l", "d", "a", "c"]);
    assert_eq!(
        opts(
            &mut c,
            &["SORT", "l", "BY", "nosort", "GET", "v_*", "GET", "#"]
        ),
        vec![
            Some("4".into()),
            Some("d".into()),
            Some("1".into()),
            Some("a".into()),
            Some("3".into()),
            Some("c".into()),
        ]
    );
}

#[test]
fn by_nosort_keeps_native_order() {
    let server = Server::start(&[]);
    let mut c = server.client();
    q::<i64>(&mut c, &["RPUSH", "l", "3", "1", "2", "10", "-5"]);
    assert_eq!(
        strs(&mut c, &["SORT", "l", "BY", "nosort"]),
        list(&["3", "1", "2", "10", "-5"])
    );
    assert_eq!(
        strs(&mut c, &["SORT", "l", "BY", "nosort", "DESC"]),
        list(&["-5", "10", "2", "1", "3"])
    );
    assert_eq!(
        strs(&mut c, &["SORT", "l", "BY", "nosort", "LIMIT", "1", "2"]),
        list(&["1", "2"])
    );
    assert_eq!(
        strs(
            &mut c,
            &["SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"]
        ),
        list(&["10", "2"])
    );
    // A later BY with '*' does not undo a constant one.
    assert_eq!(
        strs(&mut c, &["SORT", "l", "BY", "nosort", "BY", "w_*"]),
        list(&["3", "1", "2", "10", "-5"])
    );
    // A sorted set in score order.
    q::<i64>(
        &mut c,
        &["ZADD", "z", "3", "a", "1", "b", "2", "c", "0", "d"],
    );
    assert_eq!(
        strs(&mut c, &["SORT", "z", "BY", "nosort"]),
        list(&["d", "b", "c", "a"])
    );
    assert_eq!(
        strs(
            &mut c,
            &["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "0", "2"]
        ),
        list(&["a", "c"])
    );
    assert_eq!(
        strs(&mut c, &["SORT", "z", "BY", "nosort", "LIMIT", "1", "10"]),
        list(&["b", "c", "a"])
    );
    assert_eq!(
        strs(&mut c, &["SORT", "z", "ALPHA", "DESC"]),
        list(&["d", "c", "b", "a"])
    );
    // A set stored unsorted is sorted ALPHA.
    q::<i64>(&mut c, &["SADD", "s", "b", "10", "a", "2"]);
    assert_eq!(
        q::<i64>(&mut c, &["SORT", "s", "BY", "nosort", "STORE", "sd"]),
        4
    );
    assert_eq!(
        strs(&mut c, &["LRANGE", "sd", "0", "-1"]),
        list(&["10", "2", "a", "b"])
    );
}

#[test]
fn store_on_the_same_and_the_other_shard() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let src = "{src}list";
    let (d0, d1) = key_pair("dst");
    let same = "{src}dst";
    assert_eq!(key_shard(same, 2), key_shard(src, 2));
    q::<i64>(&mut c, &["RPUSH", src, "3", "1", "2"]);
    for dst in [same, d0.as_str(), d1.as_str()] {
        assert_ok(&mut c, &["SET", dst, "old"]);
        assert_eq!(q::<i64>(&mut c, &["SORT", src, "STORE", dst]), 3);
        assert_eq!(
            strs(&mut c, &["LRANGE", dst, "0", "-1"]),
            list(&["1", "2", "3"])
        );
        assert_eq!(q::<String>(&mut c, &["TYPE", dst]), "list");
        // BY and GET patterns with the destination anywhere; a missing value is stored empty.
        let elems = ["1", "2", "3"];
        spans_both_shards("k_*", &elems);
        assert_ok(&mut c, &["MSET", "k_1", "30", "k_2", "10"]);
        assert_eq!(
            q::<i64>(
                &mut c,
                &["SORT", src, "BY", "k_*", "GET", "#", "GET", "k_*", "STORE", dst]
            ),
            6
        );
        assert_eq!(
            strs(&mut c, &["LRANGE", dst, "0", "-1"]),
            list(&["3", "", "2", "10", "1", "30"])
        );
        // An empty result deletes the destination.
        assert_eq!(
            q::<i64>(&mut c, &["SORT", src, "LIMIT", "5", "1", "STORE", dst]),
            0
        );
        assert_eq!(q::<i64>(&mut c, &["EXISTS", dst]), 0);
        assert_eq!(
            q::<i64>(&mut c, &["SORT", "nothing", "BY", "k_*", "STORE", dst]),
            0
        );
        assert_eq!(q::<i64>(&mut c, &["DEL", "k_1", "k_2"]), 2);
    }
    // The source itself as the destination; the last STORE wins.
    assert_eq!(
        q::<i64>(&mut c, &["SORT", src, "DESC", "STORE", "x", "STORE", src]),
        3
    );
    assert_eq!(
        strs(&mut c, &["LRANGE", src, "0", "-1"]),
        list(&["3", "2", "1"])
    );
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "x"]), 0);
    // Inside MULTI, with patterns over both shards.
    assert_ok(&mut c, &["MSET", "k_1", "3", "k_2", "2", "k_3", "1"]);
    assert_ok(&mut c, &["MULTI"]);
    assert_eq!(
        q::<String>(&mut c, &["SORT", src, "BY", "k_*", "STORE", &d1]),
        "QUEUED"
    );
    assert_eq!(q::<String>(&mut c, &["LRANGE", &d1, "0", "-1"]), "QUEUED");
    assert_eq!(
        q::<(i64, Vec<String>)>(&mut c, &["EXEC"]),
        (3, list(&["3", "2", "1"]))
    );
}

#[test]
fn sort_ro_reads_only() {
    let server = Server::start(&[]);
    let mut c = server.client();
    q::<i64>(&mut c, &["RPUSH", "l", "b", "a", "c"]);
    assert_ok(&mut c, &["MSET", "n_a", "2", "n_b", "3", "n_c", "1"]);
    assert_eq!(
        strs(&mut c, &["SORT_RO", "l", "ALPHA"]),
        list(&["a", "b", "c"])
    );
    assert_eq!(
        strs(
            &mut c,
            &["SORT_RO", "l", "BY", "n_*", "GET", "n_*", "GET", "#"]
        ),
        list(&["1", "c", "2", "a", "3", "b"])
    );
    assert_eq!(
        err(&mut c, &["SORT_RO", "l", "ALPHA", "STORE", "d"]),
        SYNTAX
    );
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "d"]), 0);
    assert_eq!(
        q::<Vec<String>>(&mut c, &["COMMAND", "GETKEYS", "SORT", "l", "STORE", "d"]),
        list(&["l", "d"])
    );
    assert_eq!(
        q::<Vec<String>>(
            &mut c,
            &["COMMAND", "GETKEYS", "SORT", "l", "LIMIT", "0", "1", "GET", "store", "STORE", "e"]
        ),
        list(&["l", "e"])
    );
}

#[test]
fn errors() {
    let server = Server::start(&[]);
    let mut c = server.client();
    q::<i64>(&mut c, &["RPUSH", "l", "1", "x", "2"]);
    assert_ok(&mut c, &["SET", "str", "1"]);
    q::<i64>(&mut c, &["HSET", "h", "f", "v"]);
    assert_eq!(err(&mut c, &["SORT", "l"]), NOT_DOUBLE);
    assert_eq!(
        strs(&mut c, &["SORT", "l", "ALPHA"]),
        list(&["1", "2", "x"])
    );
    assert_eq!(err(&mut c, &["SORT", "str"]), WRONGTYPE);
    assert_eq!(err(&mut c, &["SORT", "h", "ALPHA"]), WRONGTYPE);
    assert_eq!(err(&mut c, &["SORT", "l", "ALPHA", "foo"]), SYNTAX);
    assert_eq!(err(&mut c, &["SORT", "l", "LIMIT", "1"]), SYNTAX);
    assert_eq!(err(&mut c, &["SORT", "l", "STORE"]), SYNTAX);
    assert_eq!(err(&mut c, &["SORT", "l", "GET"]), SYNTAX);
    assert_eq!(err(&mut c, &["SORT", "l", "BY"]), SYNTAX);
    assert_eq!(err(&mut c, &["SORT", "l", "LIMIT", "a", "1"]), NOT_INTEGER);
    assert_eq!(
        err(&mut c, &["SORT", "l", "LIMIT", "0", "1.5"]),
        NOT_INTEGER
    );
    // Options are checked before the key's type.
    assert_eq!(
        err(&mut c, &["SORT", "str", "LIMIT", "x", "1"]),
        NOT_INTEGER
    );
    assert_eq!(err(&mut c, &["SORT", "str", "bad"]), SYNTAX);
    assert_eq!(
        err(&mut c, &["SORT", "str", "BY", "w_*", "GET", "g_*"]),
        WRONGTYPE
    );
    assert_eq!(
        err(&mut c, &["SORT"]),
        "ERR wrong number of arguments for 'sort' command"
    );
    assert_eq!(
        err(&mut c, &["SORT_RO"]),
        "ERR wrong number of arguments for 'sort_ro' command"
    );
    // Scores that overflow or are not numbers at all.
    q::<i64>(&mut c, &["RPUSH", "big", "1e400"]);
    assert_eq!(err(&mut c, &["SORT", "big"]), NOT_DOUBLE);
    q::<i64>(&mut c, &["RPUSH", "nan", "nan"]);
    assert_eq!(err(&mut c, &["SORT", "nan"]), NOT_DOUBLE);
    // A failed SORT ... STORE leaves the destination alone.
    assert_ok(&mut c, &["SET", "dst", "keep"]);
    assert_eq!(err(&mut c, &["SORT", "l", "STORE", "dst"]), NOT_DOUBLE);
    assert_eq!(q::<String>(&mut c, &["GET", "dst"]), "keep");
}

#[test]
fn store_wakes_a_blocked_client() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let (d0, d1) = key_pair("woken");
    q::<i64>(&mut c, &["RPUSH", "src", "3", "1", "2"]);
    assert_ok(&mut c, &["MSET", "k_1", "3", "k_2", "2", "k_3", "1"]);
    for (dst, by) in [(d0, "nosort"), (d1, "k_*")] {
        let mut waiter = server.client();
        let key = dst.clone();
        let t = std::thread::spawn(move || q::<Vec<String>>(&mut waiter, &["BLPOP", &key, "10"]));
        // Wait until the client is blocked.
        while !q::<String>(&mut c, &["CLIENT", "LIST"]).contains("cmd=blpop") {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(
            q::<i64>(&mut c, &["SORT", "src", "BY", by, "STORE", &dst]),
            3
        );
        // Unsorted the list keeps its order; sorted by k_* the element 3 comes first too.
        assert_eq!(t.join().unwrap(), vec![dst.clone(), "3".to_string()]);
        assert_eq!(q::<i64>(&mut c, &["LLEN", &dst]), 2);
    }
}

#[test]
fn patterns_see_one_point_in_time() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let elems: Vec<String> = (0..8).map(|i| i.to_string()).collect();
    let refs: Vec<&str> = elems.iter().map(|s| s.as_str()).collect();
    spans_both_shards("p_*", &refs);
    let mut push = vec!["RPUSH", "src"];
    push.extend(refs.iter().copied());
    q::<i64>(&mut c, &push);
    let keys: Vec<String> = elems.iter().map(|e| format!("p_{e}")).collect();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let mut w = server.client();
        let keys = keys.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let v = n.to_string();
                let mut args = vec!["MSET"];
                for k in &keys {
                    args.push(k);
                    args.push(&v);
                }
                assert_ok(&mut w, &args);
            }
            n
        })
    };
    let mut changes_seen = 0;
    let mut last: Option<String> = None;
    for _ in 0..300 {
        let got: Vec<Option<String>> = q(&mut c, &["SORT", "src", "BY", "nosort", "GET", "p_*"]);
        assert!(got.windows(2).all(|w| w[0] == w[1]), "{got:?}");
        if got[0] != last {
            changes_seen += 1;
            last = got[0].clone();
        }
        let stored = q::<i64>(
            &mut c,
            &["SORT", "src", "BY", "p_*", "GET", "p_*", "STORE", "dst"],
        );
        assert_eq!(stored, 8);
        let got: Vec<String> = q(&mut c, &["LRANGE", "dst", "0", "-1"]);
        assert!(got.windows(2).all(|w| w[0] == w[1]), "{got:?}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let writes = writer.join().unwrap();
    // The check means something only if the writer ran between the sorts, many times.
    assert!(
        writes > 300 && changes_seen > 50,
        "the writer made {writes} MSETs and the sorts saw {changes_seen} changes"
    );
}
