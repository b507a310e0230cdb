//! The geo commands, as Redis 7.0's `geo.c`: a geo set is a sorted set whose scores are the
//! 52-bit interleaved geohashes of its members' positions ([`hash`] holds the math), so the
//! sorted set commands work on it and TYPE says `zset`.

mod hash;
mod search;

use hashbrown::HashMap;

use super::flags::*;
use super::{cmd, keys, Command, Ctx, KeySpec, Run, Span};
use crate::errors;
use crate::keyspace::zset::Limits;
use crate::keyspace::{Entry, Value, ZSet};
use crate::protocol::args::parse_float;
use crate::protocol::{Args, Reply};

/// A distance unit other than m, km, ft or mi (GEODIST, GEOSEARCH...).
pub const UNSUPPORTED_UNIT: &str = "ERR unsupported unit provided. please use M, KM, FT, MI";

/// GEORADIUSBYMEMBER or FROMMEMBER naming a member the set lacks.
pub const CANNOT_DECODE: &str = "ERR could not decode requested zset member";
/// A radius that is not a number.
pub const NEED_RADIUS: &str = "ERR need numeric radius";
/// A negative radius.
pub const RADIUS_NEGATIVE: &str = "ERR radius cannot be negative";
/// BYBOX's width that is not a number.
pub const NEED_WIDTH: &str = "ERR need numeric width";
/// BYBOX's height that is not a number.
pub const NEED_HEIGHT: &str = "ERR need numeric height";
/// BYBOX with a negative side.
pub const BOX_NEGATIVE: &str = "ERR height or width cannot be negative";
/// COUNT of zero or less.
pub const COUNT_POSITIVE: &str = "ERR COUNT must be > 0";
/// ANY without COUNT.
pub const ANY_NEEDS_COUNT: &str = "ERR the ANY argument requires COUNT argument";

/// The geo commands.
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("geoadd", -5, WRITE | DENYOOM, keys(1, 1, 1), Span::Single, Run::Shard(geoadd), "geo", "Add one or more geospatial items in the geospatial index represented using a sorted set"),
    cmd("geopos", -2, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(geopos), "geo", "Returns longitude and latitude of members of a geospatial index"),
    cmd("geodist", -4, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(geodist), "geo", "Returns the distance between two members of a geospatial index"),
    cmd("georadius", -6, WRITE | DENYOOM, KeySpec::StoreOption { from: 6 }, Span::Single, Run::Shard(georadius), "geo", "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point"),
    cmd("georadius_ro", -6, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(georadius_ro), "geo", "A read-only variant for GEORADIUS"),
    cmd("georadiusbymember", -5, WRITE | DENYOOM, KeySpec::StoreOption { from: 5 }, Span::Single, Run::Shard(georadiusbymember), "geo", "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member"),
    cmd("georadiusbymember_ro", -5, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(georadiusbymember_ro), "geo", "A read-only variant for GEORADIUSBYMEMBER"),
    cmd("geosearch", -7, READONLY, keys(1, 1, 1), Span::Single, Run::Shard(geosearch), "geo", "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle."),
    cmd("geosearchstore", -8, WRITE | DENYOOM, keys(1, 2, 1), Span::Single, Run::Shard(geosearchstore), "geo", "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key."),
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
        }) => Some(z),
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
            ctx.db().set(key, Value::ZSet(z), 0);
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

/// The kind of search a call makes (Redis's `RADIUS_COORDS`, `RADIUS_MEMBER`, `GEOSEARCH`...).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// GEORADIUS(_RO): centre and radius in the fixed arguments.
    Coords,
    /// GEORADIUSBYMEMBER(_RO): a member and radius in the fixed arguments.
    Member,
    /// GEOSEARCH.
    Search,
    /// GEOSEARCHSTORE.
    SearchStore,
}

/// GEORADIUS key longitude latitude radius unit [options]
fn georadius(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    search_generic(ctx, args, Kind::Coords, true, reply);
}

/// GEORADIUS_RO key longitude latitude radius unit [options]
fn georadius_ro(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    search_generic(ctx, args, Kind::Coords, false, reply);
}

/// GEORADIUSBYMEMBER key member radius unit [options]
fn georadiusbymember(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    search_generic(ctx, args, Kind::Member, true, reply);
}

/// GEORADIUSBYMEMBER_RO key member radius unit [options]
fn georadiusbymember_ro(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    search_generic(ctx, args, Kind::Member, false, reply);
}

/// GEOSEARCH key FROMMEMBER m|FROMLONLAT lon lat BYRADIUS r unit|BYBOX w h unit [options]
fn geosearch(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    search_generic(ctx, args, Kind::Search, false, reply);
}

/// GEOSEARCHSTORE dst src ... [STOREDIST]
fn geosearchstore(ctx: &mut Ctx<'_>, args: &Args<'_>, reply: &mut Reply<'_>) {
    search_generic(ctx, args, Kind::SearchStore, false, reply);
}

/// A radius and unit (`extractDistanceOrReply`): (radius, meters per unit).
fn distance_arg(args: &Args<'_>, at: usize) -> Result<(f64, f64), &'static str> {
    let r = parse_float(args.get(at)).ok_or(NEED_RADIUS)?;
    if r < 0.0 {
        return Err(RADIUS_NEGATIVE);
    }
    let conv = unit_factor(args.get(at + 1)).ok_or(UNSUPPORTED_UNIT)?;
    Ok((r, conv))
}

/// A position argument pair (`extractLongLatOrReply`).
fn lonlat_arg(args: &Args<'_>, at: usize) -> Result<(f64, f64), String> {
    let (Some(lon), Some(lat)) = (parse_float(args.get(at)), parse_float(args.get(at + 1))) else {
        return Err(errors::NOT_FLOAT.to_string());
    };
    if !hash::valid(lon, lat) {
        return Err(invalid_pair(lon, lat));
    }
    Ok((lon, lat))
}

/// Redis's `georadiusGeneric`.
fn search_generic(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    kind: Kind,
    can_store: bool,
    reply: &mut Reply<'_>,
) {
    let src_at = if kind == Kind::SearchStore { 2 } else { 1 };
    let name = args.get(0).to_ascii_uppercase();
    let name = String::from_utf8_lossy(&name).into_owned();
    let z = match read_zset(ctx, args.get(src_at)) {
        Ok(z) => z,
        Err(e) => return reply.error(e),
    };
    let member_pos = |m: &[u8]| z.and_then(|z| z.score(m)).map(hash::decode_score);
    let mut shape = search::Shape {
        lon: 0.0,
        lat: 0.0,
        conversion: 1.0,
        radius: None,
        width: 0.0,
        height: 0.0,
    };
    let base = match kind {
        Kind::Coords => {
            match lonlat_arg(args, 2) {
                Ok((lon, lat)) => (shape.lon, shape.lat) = (lon, lat),
                Err(e) => return reply.error(&e),
            }
            match distance_arg(args, 4) {
                Ok((r, c)) => (shape.radius, shape.conversion) = (Some(r), c),
                Err(e) => return reply.error(e),
            }
            6
        }
        Kind::Member => {
            if z.is_some() {
                match member_pos(args.get(2)) {
                    Some((lon, lat)) => (shape.lon, shape.lat) = (lon, lat),
                    None => return reply.error(CANNOT_DECODE),
                }
                match distance_arg(args, 3) {
                    Ok((r, c)) => (shape.radius, shape.conversion) = (Some(r), c),
                    Err(e) => return reply.error(e),
                }
            }
            5
        }
        Kind::Search => 2,
        Kind::SearchStore => 3,
    };
    let geosearch = matches!(kind, Kind::Search | Kind::SearchStore);
    let mut store: Option<&[u8]> = (kind == Kind::SearchStore).then(|| args.get(1));
    let (mut withdist, mut withhash, mut withcoord, mut any, mut storedist) =
        (false, false, false, false, false);
    let (mut frommember, mut fromloc, mut byradius, mut bybox) = (false, false, false, false);
    let mut sort = 0i8;
    let mut count: i64 = 0;
    let remaining = args.len().saturating_sub(base);
    let mut i = 0;
    while i < remaining {
        let at = base + i;
        let is = |w: &str| args.is(at, w);
        if is("withdist") {
            withdist = true;
        } else if is("withhash") {
            withhash = true;
        } else if is("withcoord") {
            withcoord = true;
        } else if is("any") {
            any = true;
        } else if is("asc") {
            sort = 1;
        } else if is("desc") {
            sort = -1;
        } else if is("count") && i + 1 < remaining {
            count = match args.int(at + 1) {
                Ok(n) => n,
                Err(e) => return reply.error(e),
            };
            if count <= 0 {
                return reply.error(COUNT_POSITIVE);
            }
            i += 1;
        } else if (is("store") || is("storedist")) && i + 1 < remaining && can_store && !geosearch {
            store = Some(args.get(at + 1));
            storedist = is("storedist");
            i += 1;
        } else if is("storedist") && kind == Kind::SearchStore {
            storedist = true;
        } else if is("frommember") && i + 1 < remaining && geosearch && !fromloc {
            if z.is_some() {
                match member_pos(args.get(at + 1)) {
                    Some((lon, lat)) => (shape.lon, shape.lat) = (lon, lat),
                    None => return reply.error(CANNOT_DECODE),
                }
            }
            frommember = true;
            i += 1;
        } else if is("fromlonlat") && i + 2 < remaining && geosearch && !frommember {
            match lonlat_arg(args, at + 1) {
                Ok((lon, lat)) => (shape.lon, shape.lat) = (lon, lat),
                Err(e) => return reply.error(&e),
            }
            fromloc = true;
            i += 2;
        } else if is("byradius") && i + 2 < remaining && geosearch && !bybox {
            match distance_arg(args, at + 1) {
                Ok((r, c)) => (shape.radius, shape.conversion) = (Some(r), c),
                Err(e) => return reply.error(e),
            }
            byradius = true;
            i += 2;
        } else if is("bybox") && i + 3 < remaining && geosearch && !byradius {
            let Some(w) = parse_float(args.get(at + 1)) else {
                return reply.error(NEED_WIDTH);
            };
            let Some(h) = parse_float(args.get(at + 2)) else {
                return reply.error(NEED_HEIGHT);
            };
            if w < 0.0 || h < 0.0 {
                return reply.error(BOX_NEGATIVE);
            }
            let Some(c) = unit_factor(args.get(at + 3)) else {
                return reply.error(UNSUPPORTED_UNIT);
            };
            (shape.width, shape.height, shape.conversion, shape.radius) = (w, h, c, None);
            bybox = true;
            i += 3;
        } else {
            return reply.error(errors::SYNTAX);
        }
        i += 1;
    }
    if store.is_some() && (withdist || withhash || withcoord) {
        let what = if kind == Kind::SearchStore {
            "GEOSEARCHSTORE"
        } else {
            "STORE option in GEORADIUS"
        };
        return reply.error(&format!(
            "ERR {what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        ));
    }
    if geosearch && !(frommember || fromloc) {
        return reply.error(&format!(
            "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}"
        ));
    }
    if geosearch && !(byradius || bybox) {
        return reply.error(&format!(
            "ERR exactly one of BYRADIUS and BYBOX can be specified for {name}"
        ));
    }
    if any && count == 0 {
        return reply.error(ANY_NEEDS_COUNT);
    }
    let Some(z) = z else {
        return match store {
            Some(dst) => {
                let now = ctx.now_ms;
                if ctx.db().remove(dst, now).is_some() {
                    ctx.ks.dirty += 1;
                }
                reply.int(0)
            }
            None => reply.array(0),
        };
    };
    if count != 0 && sort == 0 && !any {
        sort = 1;
    }
    let limit = if any { count as usize } else { 0 };
    let mut found = search::search(z, &shape, limit);
    if sort != 0 {
        found.sort_by(|a, b| a.dist.total_cmp(&b.dist));
        if sort < 0 {
            found.reverse();
        }
    }
    if count > 0 && (found.len() as u64) > count as u64 {
        found.truncate(count as usize);
    }
    let Some(dst) = store else {
        let extra = usize::from(withdist) + usize::from(withhash) + usize::from(withcoord);
        reply.array(found.len());
        for p in &found {
            if extra > 0 {
                reply.array(extra + 1);
            }
            reply.bulk(&p.member);
            if withdist {
                dist_reply(reply, p.dist / shape.conversion);
            }
            if withhash {
                reply.int(p.score as i64);
            }
            if withcoord {
                reply.array(2);
                coord_reply(reply, p.lon);
                coord_reply(reply, p.lat);
            }
        }
        return;
    };
    let now = ctx.now_ms;
    if found.is_empty() {
        if ctx.db().remove(dst, now).is_some() {
            ctx.ks.dirty += 1;
        }
        return reply.int(0);
    }
    let n = found.len();
    let mut items: Vec<(Vec<u8>, f64)> = found
        .into_iter()
        .map(|p| {
            let s = if storedist {
                p.dist / shape.conversion
            } else {
                p.score
            };
            (p.member, s)
        })
        .collect();
    items.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    let z = ZSet::from_sorted(items, Limits::of(ctx.config));
    ctx.db().set(dst, Value::ZSet(z), 0);
    ctx.ks.dirty += n as u64;
    reply.int(n as i64);
}
