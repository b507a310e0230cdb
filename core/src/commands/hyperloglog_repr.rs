//! Redis's HyperLogLog representation, byte for byte as Redis 7.0's `hyperloglog.c`, so that a
//! HyperLogLog written here reads the same in Redis (GET, DUMP, replication) and back.
//!
//! A HyperLogLog is a string: a 16-byte header (`HYLL`, the encoding, three unused bytes, and
//! the cached cardinality, little endian, whose top bit set means "stale"), then the 16384
//! registers, either dense (6 bits each, least significant bits first) or sparse (run-length
//! opcodes: ZERO `00xxxxxx` for 1..64 empty registers, XZERO `01xxxxxx yyyyyyyy` for 1..16384,
//! VAL `1vvvvvxx` for 1..4 registers holding 1..32). A sparse one turns dense when a register
//! needs more than 32 or the string would grow past `hll-sparse-max-bytes`.

/// Bits of the hash that choose the register.
pub const HLL_P: u32 = 14;
/// Bits of the hash left to count the run of zeros in.
pub const HLL_Q: usize = 64 - HLL_P as usize;
/// Number of registers.
pub const REGISTERS: usize = 1 << HLL_P;
/// Size of the header.
pub const HDR_SIZE: usize = 16;
/// Size of a dense HyperLogLog, header included.
pub const DENSE_SIZE: usize = HDR_SIZE + (REGISTERS * 6).div_ceil(8);
/// The encoding byte of a dense HyperLogLog.
pub const DENSE: u8 = 0;
/// The encoding byte of a sparse HyperLogLog.
pub const SPARSE: u8 = 1;
/// Redis's seed for MurmurHash64A.
const SEED: u64 = 0xadc8_3b19;
/// Largest value a sparse VAL opcode holds.
const SPARSE_VAL_MAX_VALUE: u8 = 32;
/// Most registers a VAL opcode covers.
const SPARSE_VAL_MAX_LEN: usize = 4;
/// Most registers a ZERO opcode covers.
const SPARSE_ZERO_MAX_LEN: usize = 64;
/// Redis's `HLL_ALPHA_INF`, 0.5/ln(2).
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;

/// A sparse representation that does not add up to 16384 registers (Redis's "Corrupted HLL
/// object detected").
#[derive(Debug, PartialEq, Eq)]
pub struct Corrupt;

/// MurmurHash2, 64-bit version, as Redis computes it (little-endian words).
pub fn murmurhash64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for c in chunks.by_ref() {
        let mut k = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// Redis's `hllPatLen`: the register an element falls in, and the length of the `000..1`
/// pattern of its hash past the register bits (1..=51).
pub fn pattern(element: &[u8]) -> (usize, u8) {
    let hash = murmurhash64a(element, SEED);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    let rest = (hash >> HLL_P) | (1u64 << HLL_Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// A new, empty HyperLogLog: sparse, one XZERO over every register, cached cardinality 0.
pub fn new_sparse() -> Vec<u8> {
    let mut v = Vec::with_capacity(HDR_SIZE + 2 + 3);
    v.extend_from_slice(b"HYLL");
    v.push(SPARSE);
    v.extend_from_slice(&[0; 11]);
    v.extend_from_slice(&xzero(REGISTERS));
    v
}

/// Redis's `isHLLObjectOrReply` checks on a string's bytes: long enough for the header, the
/// magic, a known encoding, and the exact size when dense.
pub fn is_valid(bytes: &[u8]) -> bool {
    bytes.len() >= HDR_SIZE
        && bytes.starts_with(b"HYLL")
        && bytes[4] <= SPARSE
        && (bytes[4] != DENSE || bytes.len() == DENSE_SIZE)
}

/// The cached cardinality, when valid.
pub fn cached_card(bytes: &[u8]) -> Option<u64> {
    let card: [u8; 8] = bytes.get(8..16)?.try_into().ok()?;
    (card[7] & 0x80 == 0).then(|| u64::from_le_bytes(card))
}

/// Stores `card` as the cached cardinality (valid).
pub fn set_cached_card(bytes: &mut [u8], card: u64) {
    bytes[8..16].copy_from_slice(&card.to_le_bytes());
}

/// Marks the cached cardinality stale (Redis's `HLL_INVALIDATE_CACHE`).
pub fn invalidate_cache(bytes: &mut [u8]) {
    bytes[15] |= 0x80;
}

// ---------------------------------------------------------------------------------------------
// Dense registers
// ---------------------------------------------------------------------------------------------

/// Register `i` of the dense registers `regs` (Redis's `HLL_DENSE_GET_REGISTER`).
pub fn dense_get(regs: &[u8], i: usize) -> u8 {
    let byte = i * 6 / 8;
    let fb = (i * 6) & 7;
    let b0 = u16::from(regs[byte]);
    let b1 = u16::from(regs.get(byte + 1).copied().unwrap_or(0));
    (((b0 >> fb) | (b1 << (8 - fb))) & 63) as u8
}

/// Sets register `i` of the dense registers `regs` to `val` (Redis's `HLL_DENSE_SET_REGISTER`).
pub fn dense_set(regs: &mut [u8], i: usize, val: u8) {
    let byte = i * 6 / 8;
    let fb = (i * 6) & 7;
    let v = u16::from(val);
    regs[byte] = ((u16::from(regs[byte]) & !(63 << fb)) | (v << fb)) as u8;
    if let Some(b1) = regs.get_mut(byte + 1) {
        *b1 = ((u16::from(*b1) & !(63 >> (8 - fb))) | (v >> (8 - fb))) as u8;
    }
}

/// Redis's `hllDenseSet`: raises register `i` to `count`; true when it changed.
fn dense_raise(regs: &mut [u8], i: usize, count: u8) -> bool {
    if count > dense_get(regs, i) {
        dense_set(regs, i, count);
        true
    } else {
        false
    }
}

// ---------------------------------------------------------------------------------------------
// Sparse opcodes
// ---------------------------------------------------------------------------------------------

/// One sparse opcode, read at a position.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    /// `len` empty registers, in one byte.
    Zero(usize),
    /// `len` empty registers, in two bytes.
    XZero(usize),
    /// `len` registers holding `value`.
    Val(u8, usize),
}

impl Op {
    /// Bytes the opcode takes.
    fn size(self) -> usize {
        if matches!(self, Op::XZero(_)) {
            2
        } else {
            1
        }
    }

    /// Registers the opcode covers.
    fn span(self) -> usize {
        match self {
            Op::Zero(n) | Op::XZero(n) | Op::Val(_, n) => n,
        }
    }
}

/// The opcode at `p`. An XZERO cut off by the end of the string reads the byte past it as
/// zero, as Redis reads the string's terminating NUL there.
fn op_at(bytes: &[u8], p: usize) -> Op {
    let b = bytes[p];
    if b & 0xc0 == 0 {
        Op::Zero(usize::from(b & 0x3f) + 1)
    } else if b & 0x80 != 0 {
        Op::Val(((b >> 2) & 0x1f) + 1, usize::from(b & 3) + 1)
    } else {
        let low = bytes.get(p + 1).copied().unwrap_or(0);
        Op::XZero(((usize::from(b & 0x3f) << 8) | usize::from(low)) + 1)
    }
}

/// The VAL opcode byte for `len` registers holding `value`.
fn val(value: u8, len: usize) -> u8 {
    ((value - 1) << 2) | (len as u8 - 1) | 0x80
}

/// The XZERO opcode bytes for `len` empty registers.
fn xzero(len: usize) -> [u8; 2] {
    let l = len - 1;
    [(l >> 8) as u8 | 0x40, (l & 0xff) as u8]
}

/// The shortest opcode for `len` empty registers, appended to `seq`.
fn push_zeros(seq: &mut Vec<u8>, len: usize) {
    if len > SPARSE_ZERO_MAX_LEN {
        seq.extend_from_slice(&xzero(len));
    } else {
        seq.push(len as u8 - 1);
    }
}

/// The value of register `index` in a sparse HyperLogLog.
fn sparse_get(bytes: &[u8], index: usize) -> Result<u8, Corrupt> {
    let mut p = HDR_SIZE;
    let mut first = 0;
    while p < bytes.len() {
        let op = op_at(bytes, p);
        if index < first + op.span() {
            return Ok(if let Op::Val(v, _) = op { v } else { 0 });
        }
        first += op.span();
        p += op.size();
    }
    Err(Corrupt)
}

/// The value of register `index`, whatever the encoding.
pub fn get_register(bytes: &[u8], index: usize) -> Result<u8, Corrupt> {
    if bytes[4] == DENSE {
        Ok(dense_get(&bytes[HDR_SIZE..], index))
    } else {
        sparse_get(bytes, index)
    }
}

/// Walks a sparse HyperLogLog's opcodes, calling `f(first, len, value)` for each run. Corrupt
/// when a run would pass the last register or the runs stop short of it (the bounds Redis
/// checks since the fix for CVE-2025-32023, which Redis 7.0.15 as shipped by Debian has).
fn for_each_run(bytes: &[u8], mut f: impl FnMut(usize, usize, u8)) -> Result<(), Corrupt> {
    let mut idx = 0;
    let mut p = HDR_SIZE;
    while p < bytes.len() {
        let op = op_at(bytes, p);
        if idx + op.span() > REGISTERS {
            return Err(Corrupt);
        }
        let value = if let Op::Val(v, _) = op { v } else { 0 };
        f(idx, op.span(), value);
        idx += op.span();
        p += op.size();
    }
    if idx != REGISTERS {
        return Err(Corrupt);
    }
    Ok(())
}

/// Redis's `hllSparseToDense`: the dense form of a sparse HyperLogLog, header (and so the
/// cached cardinality) kept.
pub fn sparse_to_dense(bytes: &[u8]) -> Result<Vec<u8>, Corrupt> {
    let mut dense = vec![0u8; DENSE_SIZE];
    dense[..HDR_SIZE].copy_from_slice(&bytes[..HDR_SIZE]);
    dense[4] = DENSE;
    let regs = &mut dense[HDR_SIZE..];
    for_each_run(bytes, |first, len, value| {
        if value != 0 {
            for i in first..first + len {
                dense_set(regs, i, value);
            }
        }
    })?;
    Ok(dense)
}

/// Turns a sparse HyperLogLog dense in place; true when it was sparse.
pub fn promote(bytes: &mut Vec<u8>) -> Result<bool, Corrupt> {
    if bytes[4] == DENSE {
        return Ok(false);
    }
    *bytes = sparse_to_dense(bytes)?;
    Ok(true)
}

/// Redis's `hllSparseSet`: raises register `index` to `count` in a sparse HyperLogLog, splitting
/// the opcode that covers it and merging equal VAL neighbours after; turns it dense when
/// `count` is too large for a VAL or the string would grow past `max_bytes`. True when the
/// register changed.
pub fn sparse_set(
    bytes: &mut Vec<u8>,
    index: usize,
    count: u8,
    max_bytes: u64,
) -> Result<bool, Corrupt> {
    if count > SPARSE_VAL_MAX_VALUE {
        return promote_and_set(bytes, index, count);
    }
    // Step 1: the opcode covering `index`, where it starts, and the opcode before it.
    let (mut p, mut first, mut prev) = (HDR_SIZE, 0, None);
    let op = loop {
        if p >= bytes.len() {
            return Err(Corrupt);
        }
        let op = op_at(bytes, p);
        if index < first + op.span() {
            break op;
        }
        prev = Some(p);
        p += op.size();
        first += op.span();
    };
    // Step 2: the cases changed in place, then the general split.
    match op {
        Op::Val(old, _) if old >= count => return Ok(false),
        Op::Val(_, 1) | Op::Zero(1) => bytes[p] = val(count, 1),
        _ => {
            let seq = split(op, first, index, count);
            let end = bytes.len();
            if seq.len() > op.size() && (end + seq.len() - op.size()) as u64 > max_bytes {
                return promote_and_set(bytes, index, count);
            }
            // An XZERO cut off by the end covered the terminator past it too: Redis's string
            // then ends one byte before the new opcodes do.
            let new_len = end + seq.len() - op.size();
            bytes.splice(p..(p + op.size()).min(end), seq);
            bytes.truncate(new_len);
        }
    }
    merge_vals(bytes, prev.unwrap_or(HDR_SIZE));
    invalidate_cache(bytes);
    Ok(true)
}

/// The opcodes that replace `op` (covering registers from `first`) once register `index` holds
/// `count`: at most XZERO-VAL-XZERO.
fn split(op: Op, first: usize, index: usize, count: u8) -> Vec<u8> {
    let last = first + op.span() - 1;
    let mut seq = Vec::with_capacity(5);
    match op {
        Op::Val(cur, _) => {
            if index != first {
                seq.push(val(cur, index - first));
            }
            seq.push(val(count, 1));
            if index != last {
                seq.push(val(cur, last - index));
            }
        }
        Op::Zero(_) | Op::XZero(_) => {
            if index != first {
                push_zeros(&mut seq, index - first);
            }
            seq.push(val(count, 1));
            if index != last {
                push_zeros(&mut seq, last - index);
            }
        }
    }
    seq
}

/// Redis's step 4 of `hllSparseSet`: from `p`, over up to five opcodes, merges adjacent VALs of
/// the same value while their run fits one opcode.
fn merge_vals(bytes: &mut Vec<u8>, mut p: usize) {
    let mut scans = 5;
    while p < bytes.len() && scans > 0 {
        scans -= 1;
        let b = bytes[p];
        if b & 0xc0 == 0x40 {
            p += 2;
            continue;
        }
        if b & 0xc0 == 0 {
            p += 1;
            continue;
        }
        if let (Some(&next), Op::Val(v1, l1)) = (bytes.get(p + 1), op_from_val_byte(b)) {
            if let Op::Val(v2, l2) = op_from_val_byte(next) {
                if next & 0x80 != 0 && v1 == v2 && l1 + l2 <= SPARSE_VAL_MAX_LEN {
                    bytes[p + 1] = val(v1, l1 + l2);
                    bytes.remove(p);
                    continue;
                }
            }
        }
        p += 1;
    }
}

/// Reads a byte as a VAL opcode (whatever its type bits say).
fn op_from_val_byte(b: u8) -> Op {
    Op::Val(((b >> 2) & 0x1f) + 1, usize::from(b & 3) + 1)
}

/// The end of `hllSparseSet` when the sparse form cannot hold the change: turns dense, then
/// raises the register (which always changes it).
fn promote_and_set(bytes: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    promote(bytes)?;
    dense_raise(&mut bytes[HDR_SIZE..], index, count);
    Ok(true)
}

/// Redis's `hllAdd`: adds an element; true when a register changed.
pub fn add(bytes: &mut Vec<u8>, element: &[u8], max_bytes: u64) -> Result<bool, Corrupt> {
    let (index, count) = pattern(element);
    set_register(bytes, index, count, max_bytes)
}

/// Raises register `index` to `count`, whatever the encoding; true when it changed.
pub fn set_register(
    bytes: &mut Vec<u8>,
    index: usize,
    count: u8,
    max_bytes: u64,
) -> Result<bool, Corrupt> {
    match bytes[4] {
        DENSE => Ok(dense_raise(&mut bytes[HDR_SIZE..], index, count)),
        SPARSE => sparse_set(bytes, index, count, max_bytes),
        _ => Err(Corrupt),
    }
}

/// Redis's `hllMerge`: raises each of `max`'s registers to the HyperLogLog's.
pub fn merge_into(max: &mut [u8], bytes: &[u8]) -> Result<(), Corrupt> {
    if bytes[4] == DENSE {
        let regs = &bytes[HDR_SIZE..];
        for (i, m) in max.iter_mut().enumerate().take(REGISTERS) {
            *m = (*m).max(dense_get(regs, i));
        }
        return Ok(());
    }
    for_each_run(bytes, |first, len, value| {
        for m in &mut max[first..first + len] {
            *m = (*m).max(value);
        }
    })
}

/// Redis's `PFDEBUG DECODE` text of a sparse HyperLogLog: `z:N`, `Z:N` and `v:VALUE,N`.
pub fn decode(bytes: &[u8]) -> Result<String, Corrupt> {
    let mut words = Vec::new();
    let mut p = HDR_SIZE;
    while p < bytes.len() {
        let op = op_at(bytes, p);
        words.push(match op {
            Op::Zero(n) => format!("z:{n}"),
            Op::XZero(n) => format!("Z:{n}"),
            Op::Val(v, n) => format!("v:{v},{n}"),
        });
        p += op.size();
    }
    Ok(words.join(" "))
}

// ---------------------------------------------------------------------------------------------
// Cardinality
// ---------------------------------------------------------------------------------------------

/// How many registers hold each value 0..=63.
pub type Histogram = [u32; 64];

/// The histogram of a HyperLogLog's registers; Err for a sparse one that does not cover
/// exactly 16384 registers.
pub fn histogram(bytes: &[u8]) -> Result<Histogram, Corrupt> {
    let mut h = [0u32; 64];
    if bytes[4] == DENSE {
        let regs = &bytes[HDR_SIZE..];
        for i in 0..REGISTERS {
            h[usize::from(dense_get(regs, i))] += 1;
        }
        return Ok(h);
    }
    for_each_run(bytes, |_, len, value| h[usize::from(value)] += len as u32)?;
    Ok(h)
}

/// The histogram of registers kept one per byte (PFCOUNT over several keys).
pub fn raw_histogram(regs: &[u8]) -> Histogram {
    let mut h = [0u32; 64];
    for &r in regs {
        h[usize::from(r & 63)] += 1;
    }
    h
}

/// Ertl's sigma function ("New cardinality estimation algorithms for HyperLogLog sketches").
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let z_prev = z;
        z += x * y;
        y += y;
        if z_prev == z {
            return z;
        }
    }
}

/// Ertl's tau function.
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let z_prev = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if z_prev == z {
            return z / 3.0;
        }
    }
}

/// Redis's estimator (Ertl's improved raw estimator, as `hllCount`) from a register
/// histogram.
pub fn estimate(h: &Histogram) -> u64 {
    let m = REGISTERS as f64;
    let mut z = m * tau((m - f64::from(h[HLL_Q + 1])) / m);
    for j in (1..=HLL_Q).rev() {
        z += f64::from(h[j]);
        z *= 0.5;
    }
    z += m * sigma(f64::from(h[0]) / m);
    (ALPHA_INF * m * m / z).round() as u64
}
