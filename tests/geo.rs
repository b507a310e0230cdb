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

/// Sicily with three more points (all one hash tag, so STORE keys share the shard).
fn sicily5(c: &mut RawConn) {
    assert_eq!(
        c.cmd(&[
            "GEOADD",
            "{g}Sicily",
            "13.361389",
            "38.115556",
            "Palermo",
            "15.087269",
            "37.502669",
            "Catania",
            "13.583333",
            "37.316667",
            "Agrigento",
            "12.758489",
            "38.788135",
            "edge1",
            "17.241510",
            "38.788135",
            "edge2"
        ]),
        int(5)
    );
}

fn strs(r: &Resp) -> Vec<String> {
    r.items().iter().map(|i| i.text()).collect()
}

/// Flattens nested arrays into their texts.
fn flat(r: &Resp) -> Vec<String> {
    match r {
        Resp::Array(Some(items)) => items.iter().flat_map(flat).collect(),
        Resp::Int(n) => vec![n.to_string()],
        other => vec![other.text()],
    }
}

#[test]
fn geosearch_radius_and_box() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    sicily5(&mut c);
    let s = |c: &mut RawConn, a: &str| c.cmd(&a.split(' ').collect::<Vec<_>>());
    assert_eq!(
        strs(&s(
            &mut c,
            "GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC"
        )),
        ["Catania", "Agrigento", "Palermo"]
    );
    assert_eq!(
        flat(&s(
            &mut c,
            "GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYRADIUS 200 km DESC WITHCOORD WITHDIST WITHHASH"
        )),
        [
            "Palermo",
            "190.4424",
            "3479099956230698",
            "13.36138933897018433",
            "38.11555639549629859",
            "Agrigento",
            "130.4235",
            "3479030013248308",
            "13.5833314061164856",
            "37.31666804993816555",
            "Catania",
            "56.4413",
            "3479447370796909",
            "15.08726745843887329",
            "37.50266842333162032"
        ]
    );
    assert_eq!(
        flat(&s(
            &mut c,
            "GEOSEARCH {g}Sicily FROMMEMBER Palermo BYBOX 400 400 km ASC WITHDIST"
        )),
        [
            "Palermo",
            "0.0000",
            "Agrigento",
            "90.9778",
            "edge1",
            "91.4007",
            "Catania",
            "166.2742"
        ]
    );
    assert_eq!(
        flat(&s(
            &mut c,
            "GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST"
        ))
        .len(),
        20
    );
    assert_eq!(
        strs(&s(
            &mut c,
            "GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1"
        )),
        ["Catania"]
    );
    assert_eq!(
        strs(&s(
            &mut c,
            "GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYRADIUS 500 km COUNT 2 ANY"
        )),
        ["Agrigento", "Palermo"]
    );
    assert_eq!(
        s(&mut c, "GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYRADIUS 1 km"),
        Resp::Array(Some(vec![]))
    );
    assert_eq!(
        s(&mut c, "GEOSEARCH nokey FROMMEMBER x BYRADIUS 1 km"),
        Resp::Array(Some(vec![]))
    );
    c.cmd(&[
        "GEOADD", "big", "0", "0", "a", "0", "10", "b", "10", "0", "c", "-0.5", "0.3", "d",
        "179.9", "0", "e", "-179.9", "0", "f", "0", "84", "g", "90", "84", "h", "180", "-85", "i",
        "45", "45", "j",
    ]);
    assert_eq!(
        flat(&s(
            &mut c,
            "GEOSEARCH big FROMLONLAT 0 0 BYRADIUS 5000 km ASC WITHDIST"
        )),
        [
            "a",
            "0.0003",
            "d",
            "64.8552",
            "b",
            "1112.2631",
            "c",
            "1112.2632"
        ]
    );
    assert_eq!(
        flat(&s(
            &mut c,
            "GEOSEARCH big FROMLONLAT 180 0 BYRADIUS 50 km ASC WITHDIST"
        )),
        ["e", "11.1227"]
    );
    assert_eq!(
        flat(&s(
            &mut c,
            "GEOSEARCH big FROMLONLAT 0 84 BYBOX 10000 1000 km ASC WITHDIST"
        )),
        ["g", "0.0001", "h", "942.9224"]
    );
    assert_eq!(
        strs(&s(
            &mut c,
            "GEOSEARCH big FROMLONLAT 0 0 BYRADIUS 20000 km DESC"
        )),
        ["h", "g", "j", "c", "b", "d", "a"]
    );
    assert_eq!(
        flat(&s(
            &mut c,
            "GEOSEARCH big FROMMEMBER d BYBOX 200 200 km WITHCOORD"
        )),
        [
            "d",
            "-0.49999862909317017",
            "0.30000072489530538",
            "a",
            "0.00000268220901489",
            "0.00000126736058093"
        ]
    );
}

#[test]
fn geosearch_errors() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    sicily5(&mut c);
    let cases = [
        ("GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYRADIUS 500 km ANY", "ERR the ANY argument requires COUNT argument"),
        ("GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYRADIUS 500 km COUNT 0", "ERR COUNT must be > 0"),
        ("GEOSEARCH {g}Sicily FROMMEMBER nope BYRADIUS 500 km", "ERR could not decode requested zset member"),
        ("GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYRADIUS x km", "ERR need numeric radius"),
        ("GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYRADIUS -1 km", "ERR radius cannot be negative"),
        ("GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYBOX x 1 km", "ERR need numeric width"),
        ("GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYBOX 1 x km", "ERR need numeric height"),
        ("GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYBOX -1 1 km", "ERR height or width cannot be negative"),
        ("GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYRADIUS 1 yd", "ERR unsupported unit provided. please use M, KM, FT, MI"),
        ("GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYRADIUS 1 km STORE x", SYNTAX),
        ("GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST", SYNTAX),
        ("GEOSEARCH {g}Sicily FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 200 km", SYNTAX),
        ("GEOSEARCH {g}Sicily FROMLONLAT 15 37 BYRADIUS 200 km BYBOX 1 1 km", SYNTAX),
        ("GEOSEARCH {g}Sicily FROMLONLAT 200 37 BYRADIUS 1 km", "ERR invalid longitude,latitude pair 200.000000,37.000000"),
        ("GEOSEARCH {g}Sicily BYRADIUS 500 km", "ERR wrong number of arguments for 'geosearch' command"),
        ("GEOSEARCHSTORE {g}dst {g}Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST", "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"),
        ("GEORADIUS {g}Sicily 15 37 200 km STORE {g}dst2 WITHDIST", "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"),
        ("GEORADIUSBYMEMBER {g}Sicily Palermo 200 km STORE {g}dst WITHDIST", "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"),
        ("GEORADIUS_RO {g}Sicily 15 37 200 km STORE {g}dst2", SYNTAX),
        ("GEORADIUSBYMEMBER {g}Sicily nope 100 km", "ERR could not decode requested zset member"),
        ("GEORADIUS {g}Sicily 15 37 200 km FROMLONLAT 1 1", SYNTAX),
        ("GEORADIUS {g}Sicily 15 37 200 km COUNT x", "ERR value is not an integer or out of range"),
        ("GEOSEARCH {g}Sicily BYRADIUS 1 km ASC ASC", "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH"),
        ("GEOSEARCH {g}Sicily FROMLONLAT 1 1 ASC WITHDIST", "ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH"),
        ("GEOSEARCHSTORE {g}d {g}Sicily FROMLONLAT 1 1 ASC COUNT 1", "ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCHSTORE"),
    ];
    for (line, want) in cases {
        assert_eq!(
            c.cmd(&line.split(' ').collect::<Vec<_>>()),
            error(want),
            "{line}"
        );
    }
    c.cmd(&["SET", "s", "x"]);
    assert_eq!(
        c.cmd(&[
            "GEOSEARCH",
            "s",
            "FROMLONLAT",
            "1",
            "1",
            "BYRADIUS",
            "1",
            "km"
        ]),
        error(WRONGTYPE)
    );
}

#[test]
fn store_forms_and_georadius() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    sicily5(&mut c);
    let s = |c: &mut RawConn, a: &str| c.cmd(&a.split(' ').collect::<Vec<_>>());
    assert_eq!(
        s(
            &mut c,
            "GEOSEARCHSTORE {g}dst {g}Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC COUNT 2"
        ),
        int(2)
    );
    assert_eq!(
        strs(&s(&mut c, "ZRANGE {g}dst 0 -1 WITHSCORES")),
        [
            "Agrigento",
            "3479030013248308",
            "Catania",
            "3479447370796909"
        ]
    );
    assert_eq!(
        s(
            &mut c,
            "GEOSEARCHSTORE {g}dst {g}Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST"
        ),
        int(3)
    );
    assert_eq!(
        strs(&s(&mut c, "ZRANGE {g}dst 0 -1 WITHSCORES")),
        [
            "Catania",
            "56.441257870158204",
            "Agrigento",
            "130.42348706714702",
            "Palermo",
            "190.44242984775784"
        ]
    );
    assert_eq!(
        s(
            &mut c,
            "GEOSEARCHSTORE {g}dst {g}Sicily FROMLONLAT 15 37 BYRADIUS 1 km"
        ),
        int(0)
    );
    assert_eq!(s(&mut c, "EXISTS {g}dst"), int(0));
    assert_eq!(
        flat(&s(
            &mut c,
            "GEORADIUS {g}Sicily 15 37 200 km WITHDIST ASC COUNT 1"
        )),
        ["Catania", "56.4413"]
    );
    assert_eq!(
        s(&mut c, "GEORADIUS {g}Sicily 15 37 200 km STORE {g}dst2"),
        int(3)
    );
    assert_eq!(
        strs(&s(&mut c, "ZRANGE {g}dst2 0 -1 WITHSCORES")),
        [
            "Agrigento",
            "3479030013248308",
            "Palermo",
            "3479099956230698",
            "Catania",
            "3479447370796909"
        ]
    );
    assert_eq!(
        s(&mut c, "GEORADIUS {g}Sicily 15 37 200 km STOREDIST {g}dst2"),
        int(3)
    );
    assert_eq!(
        strs(&s(&mut c, "ZRANGE {g}dst2 0 -1")),
        ["Catania", "Agrigento", "Palermo"]
    );
    assert_eq!(
        flat(&s(
            &mut c,
            "GEORADIUS_RO {g}Sicily 15 37 200 km WITHDIST DESC"
        )),
        [
            "Palermo",
            "190.4424",
            "Agrigento",
            "130.4235",
            "Catania",
            "56.4413"
        ]
    );
    assert_eq!(
        flat(&s(
            &mut c,
            "GEORADIUSBYMEMBER {g}Sicily Agrigento 100 km WITHDIST"
        )),
        ["Agrigento", "0.0000", "Palermo", "90.9778"]
    );
    assert_eq!(
        flat(&s(
            &mut c,
            "GEORADIUSBYMEMBER_RO {g}Sicily Palermo 300 km ASC WITHHASH"
        )),
        [
            "Palermo",
            "3479099956230698",
            "Agrigento",
            "3479030013248308",
            "edge1",
            "3479273021651468",
            "Catania",
            "3479447370796909"
        ]
    );
    assert_eq!(
        s(&mut c, "GEORADIUSBYMEMBER nokey nope 100 km"),
        Resp::Array(Some(vec![]))
    );
    assert_eq!(
        s(
            &mut c,
            "GEORADIUSBYMEMBER {g}nokey nope 100 km STORE {g}dst2"
        ),
        int(0)
    );
    assert_eq!(s(&mut c, "EXISTS {g}dst2"), int(0));
}

#[test]
fn georadius_store_keys_on_another_shard() {
    let server = Server::start(&[]);
    let mut c = server.raw_conn();
    let (src, dst) = key_pair("geostore");
    let add = c.cmd(&[
        "GEOADD",
        &src,
        "13.361389",
        "38.115556",
        "Palermo",
        "15.087269",
        "37.502669",
        "Catania",
    ]);
    assert_eq!(add, int(2));
    for (cmd, from) in [
        (
            vec!["GEORADIUS", &src, "15", "37", "200", "km"],
            "GEORADIUS",
        ),
        (
            vec!["GEORADIUSBYMEMBER", &src, "Palermo", "200", "km"],
            "BYMEMBER",
        ),
    ] {
        let mut store = cmd.clone();
        store.extend(["STORE", &dst]);
        assert_eq!(c.cmd(&store), int(2), "{from}");
        assert_eq!(
            c.cmd(&["ZCARD", &dst]),
            int(2),
            "{from}: the destination lives on its shard"
        );
        let mut dist = cmd.clone();
        dist.extend(["STOREDIST", &dst]);
        assert_eq!(c.cmd(&dist), int(2), "{from}");
        assert_eq!(c.cmd(&["ZCARD", &dst]), int(2));
        assert_eq!(c.cmd(&["DEL", &dst]), int(1));
    }
    assert_eq!(
        strs(&c.cmd(&[
            "COMMAND",
            "GETKEYS",
            "GEORADIUS",
            &src,
            "15",
            "37",
            "200",
            "km",
            "STORE",
            &dst
        ])),
        vec![src.clone(), dst.clone()]
    );
}
