//! The area search of GEOSEARCH and GEORADIUS (`geohashCalculateAreasByShapeWGS84` and
//! `membersOfAllNeighbors`): the centre's cell at a step fitting the radius and its eight
//! neighbours, each a score range of the set, every member in them filtered by its exact
//! distance or box, as Redis so the same members are found.

use super::hash::{self, Area, EARTH_RADIUS};
use crate::keyspace::ZSet;

/// Half the earth's circumference at the equator in Web Mercator meters (`MERCATOR_MAX`).
const MERCATOR_MAX: f64 = 20037726.37;
/// Degrees to radians as Redis's `D_R`.
const D_R: f64 = std::f64::consts::PI / 180.0;

/// What is searched: a circle of `radius` or a `width` x `height` box, in the unit that
/// `conversion` meters make one of, around (lon, lat).
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Centre longitude.
    pub lon: f64,
    /// Centre latitude.
    pub lat: f64,
    /// Meters in one unit of the sizes.
    pub conversion: f64,
    /// BYRADIUS's radius, or None for a box.
    pub radius: Option<f64>,
    /// BYBOX's width.
    pub width: f64,
    /// BYBOX's height.
    pub height: f64,
}

/// One member found: its position, distance from the centre in meters, score and name.
pub struct Point {
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Meters from the centre.
    pub dist: f64,
    /// The member's score (its geohash).
    pub score: f64,
    /// The member.
    pub member: Vec<u8>,
}

/// A hash at some step (Redis's `GeoHashBits`); all zero stands for no area.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Bits {
    bits: u64,
    step: u32,
}

/// `geohashEstimateStepsByRadius`.
fn estimate_steps(range: f64, lat: f64) -> u32 {
    if range == 0.0 {
        return 26;
    }
    let mut range = range;
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u32
}

/// `geohashBoundingBox`: (min lon, min lat, max lon, max lat).
fn bounding_box(s: &Shape) -> (f64, f64, f64, f64) {
    let (height, width) = match s.radius {
        Some(r) => (s.conversion * r, s.conversion * r),
        None => (s.conversion * s.height / 2.0, s.conversion * s.width / 2.0),
    };
    let lat_delta = (height / EARTH_RADIUS) / D_R;
    let lon_top = (width / EARTH_RADIUS / ((s.lat + lat_delta) * D_R).cos()) / D_R;
    let lon_bottom = (width / EARTH_RADIUS / ((s.lat - lat_delta) * D_R).cos()) / D_R;
    let d = if s.lat < 0.0 { lon_bottom } else { lon_top };
    (s.lon - d, s.lat - lat_delta, s.lon + d, s.lat + lat_delta)
}

/// `geohash_move_x`.
fn move_x(h: Bits, d: i8) -> Bits {
    let x = h.bits & 0xaaaa_aaaa_aaaa_aaaa;
    let y = h.bits & 0x5555_5555_5555_5555;
    let zz = 0x5555_5555_5555_5555u64 >> (64 - h.step * 2);
    let x = if d > 0 {
        x.wrapping_add(zz.wrapping_add(1))
    } else {
        (x | zz).wrapping_sub(zz.wrapping_add(1))
    };
    let x = x & (0xaaaa_aaaa_aaaa_aaaau64 >> (64 - h.step * 2));
    Bits {
        bits: x | y,
        step: h.step,
    }
}

/// `geohash_move_y`.
fn move_y(h: Bits, d: i8) -> Bits {
    let x = h.bits & 0xaaaa_aaaa_aaaa_aaaa;
    let y = h.bits & 0x5555_5555_5555_5555;
    let zz = 0xaaaa_aaaa_aaaa_aaaau64 >> (64 - h.step * 2);
    let y = if d > 0 {
        y.wrapping_add(zz.wrapping_add(1))
    } else {
        (y | zz).wrapping_sub(zz.wrapping_add(1))
    };
    let y = y & (0x5555_5555_5555_5555u64 >> (64 - h.step * 2));
    Bits {
        bits: x | y,
        step: h.step,
    }
}

/// The centre cell and its neighbours in Redis's order: centre, north, south, east, west,
/// north-east, north-west, south-east, south-west.
fn neighbours(h: Bits) -> [Bits; 9] {
    [
        h,
        move_y(h, 1),
        move_y(h, -1),
        move_x(h, 1),
        move_x(h, -1),
        move_y(move_x(h, 1), 1),
        move_y(move_x(h, -1), 1),
        move_y(move_x(h, 1), -1),
        move_y(move_x(h, -1), -1),
    ]
}

/// The centre's cell at `step` with its area and neighbours.
fn cells(s: &Shape, step: u32) -> (Area, [Bits; 9]) {
    let bits = hash::encode(
        s.lon,
        s.lat,
        (hash::LON_MIN, hash::LON_MAX),
        (hash::LAT_MIN, hash::LAT_MAX),
        step,
    )
    .unwrap_or(0);
    let h = Bits { bits, step };
    (hash::decode_area(bits, step), neighbours(h))
}

/// `geohashCalculateAreasByShapeWGS84`: the nine areas to scan (zeroed ones skipped).
fn areas(s: &Shape) -> [Bits; 9] {
    let (min_lon, min_lat, max_lon, max_lat) = bounding_box(s);
    let radius = match s.radius {
        Some(r) => r,
        None => ((s.width / 2.0) * (s.width / 2.0) + (s.height / 2.0) * (s.height / 2.0)).sqrt(),
    } * s.conversion;
    let mut steps = estimate_steps(radius, s.lat);
    let (mut area, mut n) = cells(s, steps);
    let (north, south) = (
        hash::decode_area(n[1].bits, steps),
        hash::decode_area(n[2].bits, steps),
    );
    let (east, west) = (
        hash::decode_area(n[3].bits, steps),
        hash::decode_area(n[4].bits, steps),
    );
    let decrease = north.3 < max_lat || south.2 > min_lat || east.1 < max_lon || west.0 > min_lon;
    if steps > 1 && decrease {
        steps -= 1;
        (area, n) = cells(s, steps);
    }
    let zero = Bits { bits: 0, step: 0 };
    if steps >= 2 {
        if area.2 < min_lat {
            for i in [2, 7, 8] {
                n[i] = zero;
            }
        }
        if area.3 > max_lat {
            for i in [1, 5, 6] {
                n[i] = zero;
            }
        }
        if area.0 < min_lon {
            for i in [4, 8, 6] {
                n[i] = zero;
            }
        }
        if area.1 > max_lon {
            for i in [3, 7, 5] {
                n[i] = zero;
            }
        }
    }
    n
}

/// The distance of (lon, lat) from the centre when inside the shape
/// (`geoAppendIfWithinShape`'s test).
fn within(s: &Shape, lon: f64, lat: f64) -> Option<f64> {
    match s.radius {
        Some(r) => {
            let d = hash::distance(s.lon, s.lat, lon, lat);
            (d <= r * s.conversion).then_some(d)
        }
        None => {
            if hash::lat_distance(lat, s.lat) > s.height * s.conversion / 2.0 {
                return None;
            }
            if hash::distance(lon, lat, s.lon, lat) > s.width * s.conversion / 2.0 {
                return None;
            }
            Some(hash::distance(s.lon, s.lat, lon, lat))
        }
    }
}

/// Every member of `z` inside `s` (stopping at `limit` found when nonzero, for ANY), in the
/// order Redis finds them.
pub fn search(z: &ZSet, s: &Shape, limit: usize) -> Vec<Point> {
    let mut out = Vec::new();
    let n = areas(s);
    // Redis skips a cell equal to the last one scanned, unless that was the centre.
    let mut last: Option<Bits> = None;
    for (i, cell) in n.into_iter().enumerate() {
        if cell.bits == 0 && cell.step == 0 {
            continue;
        }
        if last == Some(cell) {
            continue;
        }
        if limit != 0 && out.len() >= limit {
            break;
        }
        let shift = 52 - cell.step * 2;
        let min = (cell.bits << shift) as f64;
        let max = ((cell.bits + 1) << shift) as f64;
        let start = z.count_prefix(|_, sc| sc < min);
        let len = z.run_while(start, false, |_, sc| sc < max);
        let mut done = false;
        z.for_each(start..start + len, false, |m, sc| {
            if done {
                return;
            }
            let (lon, lat) = hash::decode_score(sc);
            if let Some(dist) = within(s, lon, lat) {
                out.push(Point {
                    lon,
                    lat,
                    dist,
                    score: sc,
                    member: m.to_vec(),
                });
                if limit != 0 && out.len() >= limit {
                    done = true;
                }
            }
        });
        last = (i > 0).then_some(cell);
    }
    out
}
