//! Ziplists, the packed format of Redis before 7.0, as Redis 7.0 reads them from an RDB file or
//! a DUMP payload: every entry checked (`ziplistValidateIntegrity` with deep checks, which 7.0
//! runs on every ziplist it converts), then handed over to become a listpack. Never written.
//!
//! Layout: total bytes (u32 LE), offset of the last entry (u32 LE), count (u16 LE; 65535 when
//! too many to count), the entries, then 0xFF. An entry is the previous entry's length (one
//! byte, or 0xFE and a u32 LE), an encoding, and the data: strings with 6, 14 (big endian) or
//! 32 bits (big endian) of length, integers of 16, 32, 64, 24 or 8 bits (little endian), or
//! 0..=12 inside the encoding byte. Lists (quicklist nodes, and whole lists before 3.2), small
//! hashes and small sorted sets of Redis 6 files are ziplists: one reader serves them all.

use super::listpack::Listpack;

/// The byte that ends a ziplist.
const END: u8 = 0xFF;

/// Total bytes, tail offset, count.
const HEADER: usize = 10;

/// Calls `each` with every element of the ziplist `zl`, integers in decimal, after checking each
/// entry as Redis does: inside the bounds, its previous-length field equal to the length of the
/// entry before, the tail offset naming the last entry and the count (unless 65535) matching.
/// Returns the element count; None when malformed (`each` may have seen some elements then).
pub fn for_each(zl: &[u8], mut each: impl FnMut(&[u8])) -> Option<usize> {
    let word = |at: usize| -> Option<usize> {
        let b: [u8; 4] = zl.get(at..at + 4)?.try_into().ok()?;
        Some(u32::from_le_bytes(b) as usize)
    };
    if zl.len() <= HEADER || word(0)? != zl.len() || zl.last() != Some(&END) {
        return None;
    }
    let tail = word(4)?;
    let declared = u16::from_le_bytes([zl[8], zl[9]]);
    let (mut pos, mut prev_len, mut count, mut last) = (HEADER, 0, 0usize, HEADER);
    while zl[pos] != END {
        let (prev, header) = match zl[pos] {
            0xFE => (word(pos + 1)?, 5),
            b => (b as usize, 1),
        };
        if prev != prev_len {
            return None;
        }
        let end = entry(zl, pos + header, &mut each)?;
        (prev_len, last, pos, count) = (end - pos, pos, end, count + 1);
    }
    let count_ok = declared == u16::MAX || declared as usize == count;
    (tail == last && count_ok).then_some(count)
}

/// The elements of the ziplist `zl` as a listpack (integers packed as integers again); None
/// when malformed.
pub fn to_listpack(zl: &[u8]) -> Option<Listpack> {
    let mut lp = Listpack::new();
    // A listpack entry is never much larger than the ziplist entry it comes from.
    lp.reserve(zl.len());
    for_each(zl, |v| lp.push_back(v))?;
    lp.shrink_to_fit();
    Some(lp)
}

/// Decodes the entry whose encoding starts at `at`, hands its value to `each`, and returns where
/// the next entry starts (always before the end byte); None when out of bounds or unknown.
fn entry(zl: &[u8], at: usize, each: &mut impl FnMut(&[u8])) -> Option<usize> {
    let enc = *zl.get(at)?;
    let byte = |i: usize| zl.get(at + i).copied();
    let (header, data) = match enc >> 6 {
        0 => (1, (enc & 0x3f) as usize),
        1 => (2, ((enc & 0x3f) as usize) << 8 | byte(1)? as usize),
        2 if enc == 0x80 => {
            let b: [u8; 4] = zl.get(at + 1..at + 5)?.try_into().ok()?;
            (5, u32::from_be_bytes(b) as usize)
        }
        2 => return None,
        _ => (1, 0),
    };
    if enc >> 6 != 3 {
        let end = (at + header).checked_add(data)?;
        if end >= zl.len() {
            return None;
        }
        each(&zl[at + header..end]);
        return Some(end);
    }
    let (width, value) = match enc {
        0xC0 => (2, 0),
        0xD0 => (4, 0),
        0xE0 => (8, 0),
        0xF0 => (3, 0),
        0xFE => (1, 0),
        0xF1..=0xFD => (0, i64::from(enc & 0x0f) - 1),
        _ => return None,
    };
    let end = at + 1 + width;
    if end >= zl.len() {
        return None;
    }
    let value = if width == 0 {
        value
    } else {
        // Little endian, sign-extended from `width` bytes.
        let mut le = [0u8; 8];
        le[..width].copy_from_slice(&zl[at + 1..end]);
        let shift = 64 - 8 * width as u32;
        (i64::from_le_bytes(le) << shift) >> shift
    };
    let mut buf = itoa::Buffer::new();
    each(buf.format(value).as_bytes());
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a ziplist from entries given as (encoding and data), computing the back links,
    /// the tail and the count.
    fn build(entries: &[&[u8]]) -> Vec<u8> {
        let mut body = Vec::new();
        let (mut prev, mut last) = (0usize, HEADER);
        for e in entries {
            last = HEADER + body.len();
            if prev < 254 {
                body.push(prev as u8);
            } else {
                body.push(0xFE);
                body.extend_from_slice(&(prev as u32).to_le_bytes());
            }
            body.extend_from_slice(e);
            prev = HEADER + body.len() - last;
        }
        let mut zl = ((HEADER + body.len() + 1) as u32).to_le_bytes().to_vec();
        zl.extend_from_slice(&(last as u32).to_le_bytes());
        zl.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        zl.extend_from_slice(&body);
        zl.push(END);
        zl
    }

    fn items(zl: &[u8]) -> Option<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        let n = for_each(zl, |v| out.push(v.to_vec()))?;
        assert_eq!(n, out.len());
        Some(out)
    }

    fn long_string(n: usize) -> Vec<u8> {
        let mut e = vec![0x40 | (n >> 8) as u8, n as u8];
        e.extend(std::iter::repeat_n(b'L', n));
        e
    }

    /// Every encoding, and a back link of 5 bytes after a long entry.
    #[test]
    fn every_encoding_is_read() {
        let long = long_string(300);
        let mut s32 = vec![0x80];
        s32.extend_from_slice(&3u32.to_be_bytes());
        s32.extend_from_slice(b"abc");
        let zl = build(&[
            b"\x02f1",
            b"\xF1",
            b"\xFD",
            &long,
            b"\xFE\x85",
            b"\xC0\x48\xF4",
            b"\xF0\x40\x42\x0F",
            b"\xF0\x00\x00\x80",
            b"\xD0\x90\xEE\xFE\xFF",
            b"\xE0\x00\x00\x00\x00\x00\x00\x00\x80",
            &s32,
        ]);
        let got = items(&zl).unwrap();
        let text: Vec<String> = got
            .iter()
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect();
        assert_eq!(
            text[..3].to_vec(),
            vec!["f1".to_string(), "0".into(), "12".into()]
        );
        assert_eq!(got[3], vec![b'L'; 300]);
        assert_eq!(
            text[4..],
            [
                "-123",
                "-3000",
                "1000000",
                "-8388608",
                "-70000",
                "-9223372036854775808",
                "abc"
            ]
        );
        let lp = to_listpack(&zl).unwrap();
        assert_eq!(lp.len(), 11);
        assert_eq!(
            lp.get(lp.seek(9).unwrap()).to_vec(),
            b"-9223372036854775808"
        );
        // An empty ziplist is well formed (the callers refuse an empty value).
        assert_eq!(items(&build(&[])), Some(vec![]));
    }

    /// What `ziplistValidateIntegrity` refuses: every single byte of a back link, the tail, the
    /// count or an encoding changed, and the ziplist cut anywhere.
    #[test]
    fn damage_is_refused() {
        let long = long_string(300);
        let zl = build(&[b"\x01a", &long, b"\x02bc", b"\xF5"]);
        assert!(items(&zl).is_some());
        let second = HEADER + 2 + 1;
        let third = second + 1 + long.len();
        let fourth = third + 5 + 3;
        // Back links (one-byte and five-byte), the tail, the count, an encoding.
        for at in [second, third, third + 1, fourth, 4, 8, 1, HEADER + 1] {
            let mut bad = zl.clone();
            bad[at] ^= 0x01;
            assert!(items(&bad).is_none(), "byte {at} changed");
        }
        // A count of 65535 means "count them".
        let mut unknown = zl.clone();
        unknown[8..10].copy_from_slice(&u16::MAX.to_le_bytes());
        assert_eq!(items(&unknown).map(|v| v.len()), Some(4));
        // Unknown encodings: 0x81 (a 32-bit length has no other bits), 0xCx..0xEx others.
        for enc in [0x81u8, 0xC1, 0xE5] {
            assert!(items(&build(&[&[enc, 0, 0, 0, 0, 0, 0, 0, 0]])).is_none());
        }
        for cut in 0..zl.len() {
            assert!(items(&zl[..cut]).is_none(), "cut {cut}");
        }
    }

    proptest::proptest! {
        #[test]
        fn garbage_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80)) {
            let _ = for_each(&body, |_| {});
            let _ = to_listpack(&body);
        }
    }
}
