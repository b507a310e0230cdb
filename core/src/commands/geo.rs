//! The geo commands, as Redis 7.0's `geo.c`: a geo set is a sorted set whose scores are the
//! 52-bit interleaved geohashes of its members' positions ([`hash`] holds the math), so the
//! sorted set commands work on it and TYPE says `zset`.

mod hash;

use hashbrown::HashMap;

use super::flags::*;
use super::{cmd, keys, Command, Ctx, Run, Span};
use crate::errors;
use crate::keyspace::zset::Limits;
use crate::keyspace::{Entry, Value, ZSet};
use crate::protocol::args::parse_float;
use crate::protocol::{Args, Reply};

/// A distance unit other than m, km, ft or mi (GEODIST, GEOSEARCH...).
pub const UNSUPPORTED_UNIT: &str = "ERR unsupported unit provided. please use M, KM, FT, MI";

/// The geo commands.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("geoadd", -5, WRITE | DENYOOM, keys(1, 1, 1), Span::Single, Run::Shard(geoadd), "geo", "Add one or more geospatial items in the geospatial index represented using a sorted set"),
    cmd("geopos", -2, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(geopos), "geo", "Returns longitude and latitude of members of a geospatial index"),
    cmd("geodist", -4, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(geodist), "geo", "Returns the distance between two members of a geospatial index"),
    cmd("geohash", -2, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(geohash), "geo", "Returns members of a geospatial index as standard geohash strings"),
];

/// The error GEOADD answers for a position out of range, formatted as Redis's `%f,%f`.
fn invalid_pair(lon: f64, lat: f64) -> String {
    format!("ERR invalid longitude,latitude pair {lon:.6},{lat:.6}")
}

/// The sorted set at `key` for a read (counted as a hit or miss): None when absent, WRONGTYPE
/// when the key holds something else.
fn read_zset<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<&'c ZSet>, &'static str> {
    match ctx.lookup_read(key) {
        None => Ok(None),
        Some(Entry {
            value: Value::ZSet(z),
            ..
        }) => Ok(Some(z)),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// The meters in one `unit` (`extractUnitOrReply`), case-insensitive.
fn unit_factor(unit: &[u8]) -> Option<f64> {
    match unit.to_ascii_lowercase().as_slice() {
        b"m" => Some(1.0),
        b"km" => Some(1000.0),
        b"ft" => Some(0.3048),
        b"mi" => Some(1609.34),
        _ => None,
    }
}

/// A coordinate as Redis's `addReplyHumanLongDouble`: `%.17Lf` of the double, trailing zeros
/// dropped (a bulk string in RESP2, a double in RESP3).
fn coord_reply(reply: &mut Reply<'_>, d: f64) {
    let mut s = format!("{d:.17}");
    let kept = s.trim_end_matches('0').trim_end_matches('.').len();
    s.truncate(kept);
    if s == "-0" {
        s.remove(0);
    }
    if reply.is_resp3() {
        reply.raw(format!(",{s}\r\n").as_bytes());
    } else {
        reply.bulk(s.as_bytes());
    }
}

/// A distance as Redis's `addReplyDoubleDistance`: `%.4f`, always a bulk string.
fn dist_reply(reply: &mut Reply<'_>, d: f64) {
    reply.bulk(format!("{d:.4}").as_bytes());
}

/// GEOADD key [NX|XX] [CH] longitude latitude member [longitude latitude member ...]
fn geoadd(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let (mut nx, mut xx, mut ch) = (false, false, false);
    let mut at = 2;
    while at < args.len() {
        match () {
            _ if args.is(at, "nx") => nx = true,
            _ if args.is(at, "xx") => xx = true,
            _ if args.is(at, "ch") => ch = true,
            _ => break,
        }
        at += 1;
    }
    let n = args.len() - at;
    if n == 0 || !n.is_multiple_of(3) || (nx && xx) {
        return reply.error(errors::SYNTAX);
    }
    let mut items: Vec<(f64, &[u8])> = Vec::with_capacity(n / 3);
    for i in (at..args.len()).step_by(3) {
        let (Some(lon), Some(lat)) = (parse_float(args.get(i)), parse_float(args.get(i + 1)))
        else {
            return reply.error(errors::NOT_FLOAT);
        };
        let Some(bits) = hash::encode_wgs84(lon, lat) else {
            return reply.error(&invalid_pair(lon, lat));
        };
        items.push((bits as f64, args.get(i + 2)));
    }
    let key = args.get(1);
    let now = ctx.now_ms;
    let current = match ctx.db().get(key, now) {
        None => None,
        Some(Entry {
            value: Value::ZSet(z),
            ..
        }) => Some(&**z),
        Some(_) => return reply.error(errors::WRONGTYPE),
    };
    // Work out the changes as ZADD would: a member given twice sees its first change.
    let mut touched: HashMap<&[u8], f64> = HashMap::new();
    let mut changes: Vec<(&[u8], f64, bool)> = Vec::new();
    let (mut added, mut updated) = (0usize, 0usize);
    for &(score, member) in &items {
        let cur = touched
            .get(member)
            .copied()
            .or_else(|| current.and_then(|z| z.score(member)));
        match cur {
            None if !xx => {
                changes.push((member, score, true));
                touched.insert(member, score);
                added += 1;
            }
            Some(cur) if !nx && cur != score => {
                changes.push((member, score, false));
                touched.insert(member, score);
                updated += 1;
            }
            _ => {}
        }
    }
    let exists = current.is_some();
    if !changes.is_empty() {
        let limits = Limits::of(ctx.config);
        let apply = |z: &mut ZSet| {
            for &(member, score, new) in &changes {
                if new && z.score(member).is_none() {
                    z.insert(member, score, limits);
                } else {
                    z.update(member, score);
                }
            }
        };
        if exists {
            if let Some(Entry {
                value: Value::ZSet(z),
                ..
            }) = ctx.db().get_mut(key, now)
            {
                apply(z);
            }
        } else {
            let mut z = ZSet::new();
            apply(&mut z);
            ctx.db().set(key, Value::ZSet(Box::new(z)), 0);
        }
        ctx.ks.dirty += (added + updated) as u64;
    }
    reply.int(if ch { added + updated } else { added } as i64);
}

/// GEOPOS key [member ...]
fn geopos(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let z = match read_zset(ctx, args.get(1)) {
        Ok(z) => z,
        Err(e) => return reply.error(e),
    };
    reply.array(args.len() - 2);
    for member in args.iter().skip(2) {
        match z.and_then(|z| z.score(member)) {
            Some(score) => {
                let (lon, lat) = hash::decode_score(score);
                reply.array(2);
                coord_reply(reply, lon);
                coord_reply(reply, lat);
            }
            None => reply.null_array(),
        }
    }
}

/// GEODIST key member1 member2 [m|km|ft|mi]
fn geodist(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let factor = match args.len() {
        4 => 1.0,
        5 => match unit_factor(args.get(4)) {
            Some(f) => f,
            None => return reply.error(UNSUPPORTED_UNIT),
        },
        _ => return reply.error(errors::SYNTAX),
    };
    let z = match read_zset(ctx, args.get(1)) {
        Ok(Some(z)) => z,
        Ok(None) => return reply.null(),
        Err(e) => return reply.error(e),
    };
    let (Some(a), Some(b)) = (z.score(args.get(2)), z.score(args.get(3))) else {
        return reply.null();
    };
    let (lon1, lat1) = hash::decode_score(a);
    let (lon2, lat2) = hash::decode_score(b);
    dist_reply(reply, hash::distance(lon1, lat1, lon2, lat2) / factor);
}

/// GEOHASH key [member ...]
fn geohash(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    let z = match read_zset(ctx, args.get(1)) {
        Ok(z) => z,
        Err(e) => return reply.error(e),
    };
    reply.array(args.len() - 2);
    for member in args.iter().skip(2) {
        match z.and_then(|z| z.score(member)) {
            Some(score) => reply.bulk(&hash::standard_string(score)),
            None => reply.null(),
        }
    }
}

#[cfg(test)]
#[path = "geo_tests.rs"]
mod tests;
