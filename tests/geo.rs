//! The geo commands of Redis 7.0: GEOADD's options, positions, distances and geohash strings
//! as Redis computes and formats them (the Sicily example of Redis's docs and more points),
//! error strings, and RESP3 replies.

mod common;

use common::*;

fn int(n: i64) -> Resp {
    Resp::Int(n)
}

fn error(s: &str) -> Resp {
    Resp::Error(s.to_string())
}

fn sicily(c: &mut RawConn) {
    assert_eq!(
        c.cmd(&[
            "GEOADD",
            "Sicily",
            "13.361389",
            "38.115556",
            "Palermo",
            "15.087269",
            "37.502669",
            "Catania"
        ]),
        int(2)
    );
}

const SYNTAX: &str = "ERR syntax error";
const NOT_FLOAT: &str = "ERR value is not a valid float";
const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

#[test]
fn geoadd_scores_and_options() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    sicily(&mut c);
    assert_eq!(c.cmd(&["TYPE", "Sicily"]), Resp::Simple("zset".into()));
    assert_eq!(
        c.cmd(&["ZRANGE", "Sicily", "0", "-1", "WITHSCORES"]),
        Resp::bulks(&["Palermo", "3479099956230698", "Catania", "3479447370796909"])
    );
    assert_eq!(
        c.cmd(&[
            "GEOADD",
            "Sicily",
            "CH",
            "13.361389",
            "38.115556",
            "Palermo",
            "15",
            "37",
            "Catania",
            "1",
            "1",
            "new"
        ]),
        int(2)
    );
    assert_eq!(
        c.cmd(&["GEOADD", "Sicily", "NX", "2", "2", "new", "3", "3", "other"]),
        int(1)
    );
    assert_eq!(
        c.cmd(&["GEOADD", "Sicily", "XX", "2", "2", "new", "3", "3", "absent"]),
        int(0)
    );
    assert_eq!(
        c.cmd(&["GEOADD", "Sicily", "XX", "CH", "4", "4", "new"]),
        int(1)
    );
    assert_eq!(c.cmd(&["ZCARD", "Sicily"]), int(4));
    assert_eq!(c.cmd(&["GEOADD", "nokey", "XX", "2", "2", "new"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "nokey"]), int(0));
    assert_eq!(
        c.cmd(&[
            "GEOADD",
            "e",
            "180",
            "85.05112878",
            "edge",
            "-180",
            "-85.05112878",
            "edge2"
        ]),
        int(2)
    );
    assert_eq!(c.cmd(&["ZSCORE", "e", "edge"]).text(), "13510798882111488");
}

#[test]
fn geoadd_errors() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    assert_eq!(
        c.cmd(&["GEOADD", "k", "181", "1", "x"]),
        error("ERR invalid longitude,latitude pair 181.000000,1.000000")
    );
    assert_eq!(
        c.cmd(&["GEOADD", "k", "1", "86", "x"]),
        error("ERR invalid longitude,latitude pair 1.000000,86.000000")
    );
    assert_eq!(c.cmd(&["GEOADD", "k", "a", "1", "x"]), error(NOT_FLOAT));
    assert_eq!(c.cmd(&["GEOADD", "k", "1", "b", "x"]), error(NOT_FLOAT));
    assert_eq!(
        c.cmd(&["GEOADD", "k", "XX", "NX", "1", "1", "x"]),
        error(SYNTAX)
    );
    assert_eq!(c.cmd(&["GEOADD", "k", "NX", "CH", "1", "1"]), error(SYNTAX));
    assert_eq!(c.cmd(&["GEOADD", "k", "1", "1", "x", "2"]), error(SYNTAX));
    assert_eq!(
        c.cmd(&["GEOADD", "k", "1", "1"]),
        error("ERR wrong number of arguments for 'geoadd' command")
    );
    assert_eq!(c.cmd(&["EXISTS", "k"]), int(0));
    c.cmd(&["SET", "s", "x"]);
    assert_eq!(c.cmd(&["GEOADD", "s", "1", "1", "x"]), error(WRONGTYPE));
    assert_eq!(c.cmd(&["GEOPOS", "s", "x"]), error(WRONGTYPE));
    assert_eq!(c.cmd(&["GEODIST", "s", "x", "y"]), error(WRONGTYPE));
    assert_eq!(c.cmd(&["GEOHASH", "s", "x"]), error(WRONGTYPE));
}

#[test]
fn geopos_replies() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    sicily(&mut c);
    let r = c.cmd(&["GEOPOS", "Sicily", "Palermo", "nope", "Catania"]);
    let items = r.items();
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[0],
        Resp::bulks(&["13.36138933897018433", "38.11555639549629859"])
    );
    assert_eq!(items[1], Resp::Array(None));
    assert_eq!(
        items[2],
        Resp::bulks(&["15.08726745843887329", "37.50266842333162032"])
    );
    assert_eq!(c.cmd(&["GEOPOS", "Sicily"]), Resp::Array(Some(vec![])));
    assert_eq!(
        c.cmd(&["GEOPOS", "nokey", "a"]),
        Resp::Array(Some(vec![Resp::Array(None)]))
    );
    c.cmd(&[
        "GEOADD",
        "e",
        "180",
        "85.05112878",
        "edge",
        "-180",
        "-85.05112878",
        "edge2",
    ]);
    assert_eq!(
        c.cmd(&["GEOPOS", "e", "edge", "edge2"]),
        Resp::Array(Some(vec![
            Resp::bulks(&["180", "85.0511287799999991"]),
            Resp::bulks(&["-179.99999731779098511", "-85.05112751263942528"]),
        ]))
    );
    let mut c3 = server.raw_conn();
    c3.cmd(&["HELLO", "3"]);
    let r = c3.cmd(&["GEOPOS", "Sicily", "Palermo", "nope"]);
    assert_eq!(
        r.items()[0]
            .items()
            .iter()
            .map(|i| i.text())
            .collect::<Vec<_>>(),
        vec!["13.36138933897018433", "38.11555639549629859"]
    );
    assert!(matches!(r.items()[1], Resp::Null));
}

#[test]
fn geodist_units_and_errors() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    sicily(&mut c);
    let dist = |c: &mut RawConn, extra: &[&str]| {
        let mut args = vec!["GEODIST", "Sicily", "Palermo", "Catania"];
        args.extend_from_slice(extra);
        c.cmd(&args)
    };
    assert_eq!(dist(&mut c, &[]), Resp::bulk("166274.1516"));
    assert_eq!(dist(&mut c, &["m"]), Resp::bulk("166274.1516"));
    assert_eq!(dist(&mut c, &["km"]), Resp::bulk("166.2742"));
    assert_eq!(dist(&mut c, &["KM"]), Resp::bulk("166.2742"));
    assert_eq!(dist(&mut c, &["mi"]), Resp::bulk("103.3182"));
    assert_eq!(dist(&mut c, &["ft"]), Resp::bulk("545518.8700"));
    assert_eq!(
        dist(&mut c, &["yd"]),
        error("ERR unsupported unit provided. please use M, KM, FT, MI")
    );
    assert_eq!(dist(&mut c, &["km", "x"]), error(SYNTAX));
    assert_eq!(
        c.cmd(&["GEODIST", "Sicily", "Palermo", "nope"]),
        Resp::Bulk(None)
    );
    assert_eq!(c.cmd(&["GEODIST", "nokey", "a", "b"]), Resp::Bulk(None));
    assert_eq!(
        c.cmd(&["GEODIST", "Sicily", "Palermo", "Palermo"]),
        Resp::bulk("0.0000")
    );
    c.cmd(&[
        "GEOADD",
        "p",
        "0",
        "0",
        "a",
        "0",
        "10",
        "b",
        "-122.27652",
        "37.805186",
        "oak",
        "2.3488",
        "48.8534",
        "paris",
    ]);
    assert_eq!(
        c.cmd(&["GEODIST", "p", "a", "b"]),
        Resp::bulk("1112262.9623")
    );
    assert_eq!(
        c.cmd(&["GEODIST", "p", "oak", "paris", "km"]),
        Resp::bulk("8946.3161")
    );
    let mut c3 = server.raw_conn();
    c3.cmd(&["HELLO", "3"]);
    assert_eq!(
        c3.cmd(&["GEODIST", "Sicily", "Palermo", "Catania"]),
        Resp::bulk("166274.1516")
    );
}

#[test]
fn geohash_strings() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    sicily(&mut c);
    assert_eq!(
        c.cmd(&["GEOHASH", "Sicily", "Palermo", "Catania", "nope"]),
        Resp::Array(Some(vec![
            Resp::bulk("sqc8b49rny0"),
            Resp::bulk("sqdtr74hyu0"),
            Resp::Bulk(None)
        ]))
    );
    assert_eq!(
        c.cmd(&["GEOHASH", "nokey", "a"]),
        Resp::Array(Some(vec![Resp::Bulk(None)]))
    );
    assert_eq!(c.cmd(&["GEOHASH", "Sicily"]), Resp::Array(Some(vec![])));
    c.cmd(&[
        "GEOADD",
        "e",
        "180",
        "85.05112878",
        "edge",
        "-180",
        "-85.05112878",
        "edge2",
    ]);
    assert_eq!(
        c.cmd(&["GEOHASH", "e", "edge", "edge2"]),
        Resp::bulks(&["bp05b5048p0", "00bh0hbj200"])
    );
}
