//! Unit tests of the geo family: the geohash math against values Redis 7.0 computes, and
//! command replies byte for byte.

use super::*;
use crate::commands::lookup;
use crate::config::Config;
use crate::keyspace::Keyspace;
use crate::protocol::reply::Protocol;

/// Runs one command line (words split on spaces) and returns its reply bytes as text.
fn run_p(ks: &mut Keyspace, proto: Protocol, line: &str) -> String {
    let words: Vec<&[u8]> = line.split(' ').map(|w| w.as_bytes()).collect();
    let (base, spans) = crate::protocol::args::joined(&words);
    let args = Args::new(&base, &spans);
    let command = lookup(words[0]).expect("a command");
    let config = Config::default();
    let mut out = Vec::new();
    let mut reply = Reply::new(&mut out, proto);
    if !command.arity_ok(words.len()) {
        reply.error(&errors::wrong_arity(command.name));
    } else {
        let Run::Shard(handler) = command.run else {
            panic!("not a shard command")
        };
        let mut ctx = Ctx {
            ks,
            db: 0,
            now_ms: 1_700_000_000_000,
            config: &config,
            rand: 0,
            shard: (0, 1),
        };
        handler(&mut ctx, &args, &mut reply);
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn run(ks: &mut Keyspace, line: &str) -> String {
    run_p(ks, Protocol::Resp2, line)
}

fn sicily() -> Keyspace {
    let mut ks = Keyspace::new(16);
    assert_eq!(
        run(
            &mut ks,
            "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania"
        ),
        ":2\r\n"
    );
    ks
}

#[test]
fn scores_are_redis_geohashes() {
    assert_eq!(
        hash::encode_wgs84(13.361389, 38.115556),
        Some(3479099956230698)
    );
    assert_eq!(
        hash::encode_wgs84(15.087269, 37.502669),
        Some(3479447370796909)
    );
    assert_eq!(
        hash::encode_wgs84(180.0, 85.05112878),
        Some(13510798882111488)
    );
    assert_eq!(hash::encode_wgs84(181.0, 1.0), None);
    assert_eq!(hash::encode_wgs84(1.0, 86.0), None);
    for &(lat, lon) in &[
        (0u32, 0u32),
        (1, 2),
        (0x3ff_ffff, 0x155_5555),
        (12345, 67890),
    ] {
        assert_eq!(hash::deinterleave(hash::interleave(lat, lon)), (lat, lon));
    }
}

#[test]
fn decode_and_distance() {
    let (lon, lat) = hash::decode_score(3479099956230698.0);
    assert_eq!(format!("{lon:.17}"), "13.36138933897018433");
    assert_eq!(format!("{lat:.17}"), "38.11555639549629859");
    let (lon2, lat2) = hash::decode_score(3479447370796909.0);
    assert_eq!(
        format!("{:.4}", hash::distance(lon, lat, lon2, lat2)),
        "166274.1516"
    );
    assert_eq!(&hash::standard_string(3479099956230698.0), b"sqc8b49rny0");
    assert_eq!(&hash::standard_string(3479447370796909.0), b"sqdtr74hyu0");
}

#[test]
fn geoadd_options_and_errors() {
    let mut ks = sicily();
    assert_eq!(
        run(&mut ks, "ZRANGE Sicily 0 -1 WITHSCORES"),
        "*4\r\n$7\r\nPalermo\r\n$16\r\n3479099956230698\r\n$7\r\nCatania\r\n$16\r\n3479447370796909\r\n"
    );
    assert_eq!(
        run(
            &mut ks,
            "GEOADD Sicily CH 13.361389 38.115556 Palermo 15 37 Catania 1 1 new"
        ),
        ":2\r\n"
    );
    assert_eq!(run(&mut ks, "GEOADD Sicily NX 2 2 new 3 3 other"), ":1\r\n");
    assert_eq!(
        run(&mut ks, "GEOADD Sicily XX 2 2 new 3 3 absent"),
        ":0\r\n"
    );
    assert_eq!(run(&mut ks, "GEOADD nokey XX 2 2 new"), ":0\r\n");
    assert_eq!(run(&mut ks, "EXISTS nokey"), ":0\r\n");
    assert_eq!(
        run(&mut ks, "GEOADD Sicily 181 1 x"),
        "-ERR invalid longitude,latitude pair 181.000000,1.000000\r\n"
    );
    assert_eq!(
        run(&mut ks, "GEOADD Sicily a 1 x"),
        "-ERR value is not a valid float\r\n"
    );
    assert_eq!(
        run(&mut ks, "GEOADD Sicily XX NX 1 1 x"),
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        run(&mut ks, "GEOADD Sicily NX CH 1 1"),
        "-ERR syntax error\r\n"
    );
    run(&mut ks, "SET s x");
    assert!(run(&mut ks, "GEOADD s 1 1 x").starts_with("-WRONGTYPE"));
}

#[test]
fn geopos_geodist_geohash() {
    let mut ks = sicily();
    assert_eq!(
        run(&mut ks, "GEOPOS Sicily Palermo nope"),
        "*2\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*-1\r\n"
    );
    assert_eq!(
        run_p(&mut ks, Protocol::Resp3, "GEOPOS Sicily Palermo nope"),
        "*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n"
    );
    assert_eq!(run(&mut ks, "GEOPOS nokey a"), "*1\r\n*-1\r\n");
    assert_eq!(
        run(&mut ks, "GEODIST Sicily Palermo Catania"),
        "$11\r\n166274.1516\r\n"
    );
    assert_eq!(
        run(&mut ks, "GEODIST Sicily Palermo Catania KM"),
        "$8\r\n166.2742\r\n"
    );
    assert_eq!(
        run(&mut ks, "GEODIST Sicily Palermo Catania mi"),
        "$8\r\n103.3182\r\n"
    );
    assert_eq!(
        run(&mut ks, "GEODIST Sicily Palermo Catania xx"),
        format!("-{UNSUPPORTED_UNIT}\r\n")
    );
    assert_eq!(
        run(&mut ks, "GEODIST Sicily Palermo Catania km x"),
        "-ERR syntax error\r\n"
    );
    assert_eq!(run(&mut ks, "GEODIST Sicily Palermo nope"), "$-1\r\n");
    assert_eq!(run(&mut ks, "GEODIST nokey a b"), "$-1\r\n");
    assert_eq!(
        run(&mut ks, "GEOHASH Sicily Palermo Catania nope"),
        "*3\r\n$11\r\nsqc8b49rny0\r\n$11\r\nsqdtr74hyu0\r\n$-1\r\n"
    );
    assert_eq!(run(&mut ks, "GEOHASH nokey a"), "*1\r\n$-1\r\n");
}

#[test]
fn search_commands() {
    let mut ks = sicily();
    assert_eq!(
        run(
            &mut ks,
            "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC WITHDIST"
        ),
        "*2\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n"
    );
    assert_eq!(
        run(
            &mut ks,
            "GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 1 1 km WITHHASH"
        ),
        "*1\r\n*2\r\n$7\r\nPalermo\r\n:3479099956230698\r\n"
    );
    assert_eq!(
        run(&mut ks, "GEOSEARCH Sicily BYRADIUS 1 km ASC ASC"),
        "-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH\r\n"
    );
    assert_eq!(
        run(
            &mut ks,
            "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST"
        ),
        ":2\r\n"
    );
    assert_eq!(
        run(&mut ks, "ZSCORE d Catania"),
        "$18\r\n56.441257870158204\r\n"
    );
    assert_eq!(
        run(&mut ks, "GEORADIUS Sicily 15 37 200 km STORE d2"),
        ":2\r\n"
    );
    assert_eq!(run(&mut ks, "GEORADIUS_RO Sicily 15 37 1 km"), "*0\r\n");
    assert_eq!(
        run(&mut ks, "GEORADIUSBYMEMBER Sicily nope 1 km"),
        format!("-{CANNOT_DECODE}\r\n")
    );
}
