//! Differential test of INCRBYFLOAT and HINCRBYFLOAT against the reference: the same sequences
//! of increments go to Tessera (two shards) and to a real `redis-server` 7.0 started here, and
//! every reply must be the same, byte for byte.
//!
//! Redis computes in the x86 80-bit `long double` and prints `%.17Lf`, so its replies carry the
//! binary rounding of a 64-bit significand (`5000 + 10.6` is `5010.60000000000000009`), print
//! every integer digit of numbers up to 1.19e4932, and read what glibc's `strtold` reads (hex
//! floats, `inf`) while refusing what underflows to zero or overflows. The sequences are a fixed
//! list of such edge cases, then seeded random decimals and hex floats with varied digits and
//! exponents. Each sequence starts from a missing key or a SET (or HSET) of a random value,
//! increments a few times, so that every printed result is read back, then reads the value and
//! its encoding.
//!
//! On a mismatch the test fails with the sequence so far. `TESSERA_FLOAT_SEED` picks another
//! random stream. There is no skip: without a redis-server on PATH the test fails.

mod common;

use common::reference::Reference;
use common::rng::Rng;
use common::*;

/// The random stream's seed, unless `TESSERA_FLOAT_SEED` says otherwise.
const SEED: u64 = 0x10d0_b1e5_eed0_0001;

/// How many random sequences follow the fixed ones.
const RANDOM_SEQUENCES: usize = 400;

/// Increments and stored values worth a look of their own.
fn edge_cases() -> Vec<Vec<u8>> {
    let mut all: Vec<Vec<u8>> = [
        "10.6",
        "0.1",
        "-0.1",
        "0.2",
        "1",
        "-1",
        "0",
        "-0",
        "+0",
        "1e20",
        "1e30",
        "-1e30",
        "1.5e-10",
        "3.0e3",
        "5.0e3",
        "2.0e2",
        "10.50",
        "1e308",
        "1e309",
        "-1e308",
        "1e-308",
        "1e-400",
        "1e4932",
        "-1e4932",
        "1.18973149535723176502e4932",
        "1.2e4932",
        "1e4933",
        "1e-4950",
        "3.7e-4951",
        "1.9e-4951",
        "1.8e-4951",
        "1e-4951",
        "1e-5000",
        "0e99999",
        "0e-99999",
        "1e99999999999999999999",
        "1e-99999999999999999999",
        "0x1p3",
        "0X1.8P1",
        "0x.8",
        "-0x10",
        "0x1p-16445",
        "0x1p-16446",
        "0x1.8p-16446",
        "0x1p16383",
        "0x1p16384",
        "0x1.fffffffffffffffep16383",
        "0x1.fffffffffffffffcp16383",
        "0x1p16319",
        "-0x1p16319",
        "0x0.fffffffffffffffep-16382",
        "0x1p-1074",
        "0xffffffffffffffff",
        "0x1ffffffffffffffff",
        "0x",
        "0x.",
        "0x.p1",
        "0x1p",
        "0xg",
        "inf",
        "-inf",
        "+inf",
        "INF",
        "infinity",
        "-Infinity",
        "infin",
        "nan",
        "-nan",
        "NaN(1)",
        "",
        " ",
        "  1",
        "1 ",
        "\t1",
        "\n1",
        "\x0b1",
        "\x0c1",
        "\r1",
        "1\n",
        ".",
        "5.",
        ".5",
        "+.5",
        "-.5",
        ".e1",
        "1e",
        "1e+",
        "1e-",
        "1E+2",
        "1e5.5",
        "1.2.3",
        "- 1",
        "+-1",
        "--1",
        "1_0",
        "00012",
        "007.5",
        "abc",
        "1,5",
        "3.814697265625e-6",
        "-3.814697265625e-6",
        "1.9073486328125e-6",
        "0.000000000000000005",
        "0.00000000000000001",
        "0.000000000000000015",
        "0.000000000000000025",
        "-1e-20",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "18446744073709551617",
        "18446744073709551619",
        "18446744073709551617.000000000000000000000000001",
        "9007199254740993",
        "17179869184",
        "0.30000000000000004",
        "0.024390243902439025",
        "123456789.123456789",
        "99.99",
        "1.1",
        "2.2",
        "3.3",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    all.push(b"1\x00".to_vec());
    all.push(b"\x001".to_vec());
    all.push(b"1\x002".to_vec());
    // Redis reads at most 5119 bytes; 1e4932 and 1e4933 written out in full.
    all.push(format!("{}1", "0".repeat(5118)).into_bytes());
    all.push(format!("{}1", "0".repeat(5119)).into_bytes());
    all.push(format!("1{}", "0".repeat(4932)).into_bytes());
    all.push(format!("1{}", "0".repeat(4933)).into_bytes());
    all.push(format!("0.{}1", "0".repeat(4949)).into_bytes());
    all.push(format!("0.{}", "3".repeat(5000)).into_bytes());
    all
}

/// A random decimal: sign, up to 25 integer and 25 fractional digits, sometimes an exponent
/// (small, as large as doubles go, or near the long double's own limits).
fn random_decimal(rng: &mut Rng) -> String {
    let sign = ["", "", "", "-", "+"][rng.below(5)];
    let whole_len = [0, 1, 1, 2, 3, 5, 10, 19, 25][rng.below(9)];
    let fraction_len = [0, 0, 1, 1, 2, 3, 5, 10, 17, 18, 25][rng.below(11)];
    let mut s = sign.to_string();
    s += &rng.digits(whole_len, b"0123456789");
    if fraction_len > 0 || rng.chance(10) {
        s.push('.');
        s += &rng.digits(fraction_len, b"0123456789");
    }
    if whole_len + fraction_len == 0 {
        s.push('7');
    }
    if rng.chance(40) {
        s.push(if rng.chance(50) { 'e' } else { 'E' });
        s += ["", "+", "-", "-"][rng.below(4)];
        let exponent = match rng.below(10) {
            0..=4 => rng.below(25),
            5..=7 => rng.below(400),
            _ => 4900 + rng.below(60),
        };
        s += &exponent.to_string();
    }
    s
}

/// A random hexadecimal float: up to 20 hex digits around a point, and a binary exponent.
fn random_hex(rng: &mut Rng) -> String {
    let sign = ["", "-"][rng.below(2)];
    let (whole_len, fraction_len) = (rng.below(20), rng.below(20));
    let whole = rng.digits(whole_len, b"0123456789abcdefABCDEF");
    let fraction = rng.digits(fraction_len, b"0123456789abcdef");
    let mut s = format!("{sign}0{}{whole}", ["x", "X"][rng.below(2)]);
    if !fraction.is_empty() || rng.chance(10) {
        s.push('.');
        s += &fraction;
    }
    if whole.is_empty() && fraction.is_empty() {
        s.push('1');
    }
    if rng.chance(70) {
        let exponent = match rng.below(10) {
            0..=5 => rng.below(80) as i64 - 40,
            6..=7 => rng.below(2000) as i64 - 1000,
            _ => [-16460, -16445, -16380, 16300, 16380][rng.below(5)] + rng.below(20) as i64,
        };
        s += &format!("{}{exponent}", ["p", "P"][rng.below(2)]);
    }
    s
}

/// A random operand: mostly decimals, then integers (some near the 64-bit limits), hex floats
/// and edge cases.
fn random_value(rng: &mut Rng, edges: &[Vec<u8>]) -> Vec<u8> {
    match rng.below(20) {
        0..=12 => random_decimal(rng).into_bytes(),
        13..=14 => {
            let n = match rng.below(3) {
                0 => rng.below(20000) as i64 - 10000,
                1 => rng.next() as i64,
                _ => i64::MAX - rng.below(5) as i64,
            };
            n.to_string().into_bytes()
        }
        15..=16 => random_hex(rng).into_bytes(),
        _ => edges[rng.below(edges.len())].clone(),
    }
}

/// The two connections, and the sequence being run (for the report of a mismatch).
struct Pair {
    tessera: RawConn,
    redis: RawConn,
    sequence: Vec<String>,
    commands: usize,
}

impl Pair {
    /// Sends one command to both and fails the test unless the replies are the same.
    fn run(&mut self, args: &[&[u8]]) -> Resp {
        let ours = self.tessera.cmd_bytes(args);
        let theirs = self.redis.cmd_bytes(args);
        let shown: Vec<String> = args.iter().map(|a| format!("\"{}\"", shorten(a))).collect();
        let line = format!("{} -> {}", shown.join(" "), show(&theirs));
        assert!(
            ours == theirs,
            "Tessera and redis-server disagree\n  command: {}\n  tessera: {}\n  redis:   {}\n\
             the sequence so far:\n  {}",
            shown.join(" "),
            show(&ours),
            show(&theirs),
            self.sequence.join("\n  ")
        );
        self.sequence.push(line);
        self.commands += 1;
        theirs
    }

    /// One sequence on a fresh key: an optional starting value, the increments, then the value
    /// read back and its encoding. On a hash, `pad` first adds a long field, so that the hash
    /// is a hashtable rather than a listpack.
    fn sequence(&mut self, hash: bool, pad: bool, start: Option<&[u8]>, incrs: &[Vec<u8>]) {
        self.sequence.clear();
        let (key, field): (&[u8], &[u8]) = if hash {
            (b"float:h", b"f")
        } else {
            (b"float:k", b"")
        };
        self.run(&[b"DEL", key]);
        if hash && pad {
            self.run(&[b"HSET", key, b"pad", &[b'x'; 70]]);
        }
        match (start, hash) {
            (Some(v), false) => drop(self.run(&[b"SET", key, v])),
            (Some(v), true) => drop(self.run(&[b"HSET", key, field, v])),
            (None, _) => {}
        }
        for incr in incrs {
            if hash {
                self.run(&[b"HINCRBYFLOAT", key, field, incr]);
            } else {
                self.run(&[b"INCRBYFLOAT", key, incr]);
            }
        }
        if hash {
            self.run(&[b"HGET", key, field]);
        } else {
            self.run(&[b"GET", key]);
        }
        self.run(&[b"OBJECT", b"ENCODING", key]);
    }
}

/// A long argument or reply cut down for the report.
fn shorten(bytes: &[u8]) -> String {
    let text = bytes.escape_ascii().to_string();
    if text.len() <= 120 {
        return text;
    }
    format!(
        "{}...({} bytes)...{}",
        &text[..60],
        bytes.len(),
        &text[text.len() - 40..]
    )
}

fn show(r: &Resp) -> String {
    match r {
        Resp::Error(s) => format!("(error) {s}"),
        Resp::Bulk(Some(b)) => format!("\"{}\"", shorten(b)),
        other => format!("{other:?}"),
    }
}

#[test]
fn incrbyfloat_and_hincrbyfloat_reply_as_redis() {
    let seed: u64 = std::env::var("TESSERA_FLOAT_SEED")
        .map(|v| v.parse().expect("TESSERA_FLOAT_SEED is a number"))
        .unwrap_or(SEED);
    let server = Server::start(&[]);
    let reference = Reference::start();
    let mut pair = Pair {
        tessera: server.raw_conn(),
        redis: RawConn::connect(reference.port()),
        sequence: Vec::new(),
        commands: 0,
    };
    let edges = edge_cases();

    // Every edge case as an increment of a missing key and of a few stored values, and as a
    // stored value incremented by 1.
    let starts: [Option<&[u8]>; 6] = [
        None,
        Some(b"5000"),
        Some(b"1.5"),
        Some(b"-1e4932"),
        Some(b"0x1.fffffffffffffffep16383"),
        Some(b"9223372036854775807"),
    ];
    for (i, incr) in edges.iter().enumerate() {
        for start in starts {
            pair.sequence(false, false, start, std::slice::from_ref(incr));
        }
        pair.sequence(false, false, Some(incr), &[b"1".to_vec()]);
        pair.sequence(true, i % 2 == 0, None, std::slice::from_ref(incr));
        pair.sequence(true, i % 2 == 1, Some(incr), &[b"1".to_vec()]);
    }
    // Each type's command on the other's key.
    pair.run(&[b"SET", b"float:k", b"1"]);
    pair.run(&[b"HINCRBYFLOAT", b"float:k", b"f", b"1"]);
    pair.run(&[b"HSET", b"float:h", b"f", b"1"]);
    pair.run(&[b"INCRBYFLOAT", b"float:h", b"1"]);

    let mut rng = Rng::new(seed);
    for n in 0..RANDOM_SEQUENCES {
        let start = rng.chance(70).then(|| random_value(&mut rng, &edges));
        let steps = 1 + rng.below(5);
        let incrs: Vec<Vec<u8>> = (0..steps).map(|_| random_value(&mut rng, &edges)).collect();
        pair.sequence(n % 3 == 0, rng.chance(30), start.as_deref(), &incrs);
    }
    eprintln!(
        "float differential: {} commands agreed ({} edge cases, {RANDOM_SEQUENCES} random \
         sequences, seed {seed:#x}) against redis-server on port {}",
        pair.commands,
        edges.len(),
        reference.port()
    );
}
