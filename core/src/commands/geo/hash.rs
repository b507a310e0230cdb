//! Redis's geohash math (`geohash.c`, `geohash_helper.c`): 26-step interleaved hashes of
//! (longitude, latitude), their decoding to a cell's centre, and the haversine distance, with
//! Redis's constants so scores and distances are bit-for-bit those Redis computes.

/// The most steps of a hash (52 bits), the precision of a geo set's scores.
pub const STEP_MAX: u32 = 26;
/// Longitude bounds accepted by GEOADD.
pub const LON_MIN: f64 = -180.0;
/// Longitude bounds accepted by GEOADD.
pub const LON_MAX: f64 = 180.0;
/// Latitude bounds accepted by GEOADD (the Web Mercator limits Redis uses).
pub const LAT_MIN: f64 = -85.05112878;
/// Latitude bounds accepted by GEOADD.
pub const LAT_MAX: f64 = 85.05112878;
/// Redis's earth radius in meters, for the haversine distance.
pub const EARTH_RADIUS: f64 = 6372797.560856;
/// Degrees to radians as Redis's `D_R`.
const D_R: f64 = std::f64::consts::PI / 180.0;

/// Spreads the 32 bits of `x` over the even bits of a u64 (`interleave64`'s halves).
fn spread(x: u32) -> u64 {
    let mut x = x as u64;
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    (x | (x << 1)) & 0x5555_5555_5555_5555
}

/// Gathers the even bits of `x` into a u32 (inverse of [`spread`]).
fn squash(x: u64) -> u32 {
    let mut x = x & 0x5555_5555_5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
    x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
    ((x | (x >> 16)) & 0x0000_0000_FFFF_FFFF) as u32
}

/// Interleaves latitude bits (even positions) and longitude bits (odd), as `interleave64`.
pub fn interleave(lat: u32, lon: u32) -> u64 {
    spread(lat) | (spread(lon) << 1)
}

/// Splits a hash into its (latitude, longitude) cell indexes, as `deinterleave64`.
pub fn deinterleave(bits: u64) -> (u32, u32) {
    (squash(bits), squash(bits >> 1))
}

/// True when (lon, lat) is inside the range GEOADD accepts.
pub fn valid(lon: f64, lat: f64) -> bool {
    (LON_MIN..=LON_MAX).contains(&lon) && (LAT_MIN..=LAT_MAX).contains(&lat)
}

/// `geohashEncode`: the `step`-step hash of (lon, lat) within the given ranges; None outside
/// the WGS84 limits or the ranges.
pub fn encode(
    lon: f64,
    lat: f64,
    lon_range: (f64, f64),
    lat_range: (f64, f64),
    step: u32,
) -> Option<u64> {
    if !valid(lon, lat)
        || lat < lat_range.0
        || lat > lat_range.1
        || lon < lon_range.0
        || lon > lon_range.1
    {
        return None;
    }
    let scale = (1u64 << step) as f64;
    let lat_off = (lat - lat_range.0) / (lat_range.1 - lat_range.0) * scale;
    let lon_off = (lon - lon_range.0) / (lon_range.1 - lon_range.0) * scale;
    // C's double to uint32_t conversion truncates, as `as` does for these non-negative values.
    Some(interleave(lat_off as u32, lon_off as u32))
}

/// The 52-bit score of (lon, lat) in a geo set (`geohashEncodeWGS84` at the most steps).
pub fn encode_wgs84(lon: f64, lat: f64) -> Option<u64> {
    encode(lon, lat, (LON_MIN, LON_MAX), (LAT_MIN, LAT_MAX), STEP_MAX)
}

/// A decoded cell: (lon min, lon max, lat min, lat max).
pub type Area = (f64, f64, f64, f64);

/// `geohashDecode` over the WGS84 ranges at `step` steps.
pub fn decode_area(bits: u64, step: u32) -> Area {
    let (ilat, ilon) = deinterleave(bits);
    let scale = (1u64 << step) as f64;
    let lat_scale = LAT_MAX - LAT_MIN;
    let lon_scale = LON_MAX - LON_MIN;
    (
        LON_MIN + (ilon as f64 / scale) * lon_scale,
        LON_MIN + ((ilon as f64 + 1.0) / scale) * lon_scale,
        LAT_MIN + (ilat as f64 / scale) * lat_scale,
        LAT_MIN + ((ilat as f64 + 1.0) / scale) * lat_scale,
    )
}

/// The (lon, lat) a geo set score stands for: its cell's centre, clamped to the limits
/// (`geohashDecodeToLongLatWGS84`).
pub fn decode_score(score: f64) -> (f64, f64) {
    let bits = score as u64;
    let (lo, hi, la, ha) = decode_area(bits, STEP_MAX);
    let lon = ((lo + hi) / 2.0).clamp(LON_MIN, LON_MAX);
    let lat = ((la + ha) / 2.0).clamp(LAT_MIN, LAT_MAX);
    (lon, lat)
}

/// Distance in meters along a meridian (`geohashGetLatDistance`).
pub fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS * (lat2 * D_R - lat1 * D_R).abs()
}

/// Redis's haversine distance in meters (`geohashGetDistance`).
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let lon1r = lon1 * D_R;
    let lon2r = lon2 * D_R;
    let v = ((lon2r - lon1r) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let lat1r = lat1 * D_R;
    let lat2r = lat2 * D_R;
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS * a.sqrt().asin()
}

/// The alphabet of standard geohash strings.
const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";

/// GEOHASH's 11-character string for a geo set score: the point re-encoded over latitudes
/// -90..90 (the standard geohash), five bits a character, the 11th always '0' as Redis.
pub fn standard_string(score: f64) -> [u8; 11] {
    let (lon, lat) = decode_score(score);
    let bits = encode(lon, lat, (-180.0, 180.0), (-90.0, 90.0), STEP_MAX).unwrap_or(0);
    let mut out = [b'0'; 11];
    for (i, c) in out.iter_mut().enumerate().take(10) {
        let idx = (bits >> (52 - (i + 1) * 5)) & 0x1f;
        *c = ALPHABET[idx as usize];
    }
    out
}
