//! The long double model against replies of Redis 7.0.15 on x86_64 (each expected string below
//! is what `INCRBYFLOAT` answered there).

use super::*;

/// `SET k a`, `INCRBYFLOAT k b` in the model: `None` for "value is not a valid float",
/// `Some(None)` for "increment would produce NaN or Infinity".
fn incr(a: &str, b: &str) -> Option<Option<String>> {
    let (a, b) = (string2ld(a.as_bytes())?, string2ld(b.as_bytes())?);
    Some(a.checked_add(b).map(LongDouble::to_human_string))
}

/// What INCRBYFLOAT of a missing key answers.
fn from_zero(s: &str) -> Option<Option<String>> {
    incr("0", s)
}

fn ok(s: &str) -> Option<Option<String>> {
    Some(Some(s.to_string()))
}

#[test]
fn long_double_error_shows_in_the_seventeenth_decimal() {
    assert_eq!(incr("5000", "10.6"), ok("5010.60000000000000009"));
    assert_eq!(incr("0.1", "0.2"), ok("0.3"));
    assert_eq!(incr("1.1", "-1"), ok("0.1"));
    assert_eq!(incr("10.5", "-10.5"), ok("0"));
}

#[test]
fn decimal_forms() {
    assert_eq!(from_zero("1e20"), ok("100000000000000000000"));
    assert_eq!(from_zero("1e30"), ok("1000000000000000000024696061952"));
    assert_eq!(from_zero("1.5e-10"), ok("0.00000000015"));
    assert_eq!(from_zero("-0.1"), ok("-0.1"));
    assert_eq!(from_zero("3.0e3"), ok("3000"));
    assert_eq!(from_zero("+.5"), ok("0.5"));
    assert_eq!(from_zero("5."), ok("5"));
    assert_eq!(from_zero("00012"), ok("12"));
    assert_eq!(from_zero("0e99999"), ok("0"));
    assert_eq!(from_zero("-0"), ok("0"));
    assert_eq!(from_zero("1E+2"), ok("100"));
}

#[test]
fn hexadecimal_forms() {
    assert_eq!(from_zero("0x1p3"), ok("8"));
    assert_eq!(from_zero("0X1.8P1"), ok("3"));
    assert_eq!(from_zero("0x.8"), ok("0.5"));
    assert_eq!(from_zero("-0x10"), ok("-16"));
}

#[test]
fn refused_forms() {
    for bad in [
        "", "  1", "1 ", "\t1", "0x", "1e", "1e+", "nan", "-nan", "NaN(123)", ".", ".e1", "1_0",
        "0x.p1", "0x1p", "1.2.3", "- 1", "+-1", "infin", "1e5.5", "1\x00", "0xg",
    ] {
        assert_eq!(from_zero(bad), None, "{bad:?}");
    }
    assert_eq!(
        from_zero(&"1".repeat(5119)),
        None,
        "past the largest long double"
    );
    assert_eq!(
        from_zero(&format!("{}1", "0".repeat(5118))),
        ok("1"),
        "5119 bytes"
    );
    assert_eq!(
        from_zero(&format!("{}1", "0".repeat(5119))),
        None,
        "5120 bytes"
    );
    assert_eq!(
        from_zero(&format!("0.{}1", "0".repeat(5116))),
        None,
        "1e-5117"
    );
}

#[test]
fn infinities_are_read_and_then_refused() {
    for word in ["inf", "-inf", "INF", "infinity", "-Infinity", "+inf"] {
        let value = string2ld(word.as_bytes()).expect(word);
        assert!(value.is_infinite(), "{word}");
        assert_eq!(incr("1", word), Some(None), "{word}");
        assert_eq!(incr(word, "1"), Some(None), "{word}");
    }
    assert_eq!(incr("inf", "-inf"), Some(None));
}

#[test]
fn range_limits() {
    let max = "0x1.fffffffffffffffep16383";
    let printed = from_zero(max).unwrap().unwrap();
    assert_eq!(printed.len(), 4933);
    assert!(printed.starts_with("11897314953572317650212638530309702051690633222946242004403237338917370055229707226164102903365288828535456978074955773"));
    assert_eq!(
        incr(max, "0x1p16319"),
        Some(None),
        "a tie rounds up to infinity"
    );
    assert_eq!(incr(max, "0x1p16320"), Some(None));
    let below = from_zero("0x1.fffffffffffffffcp16383");
    assert_eq!(incr(max, "-0x1p16319"), below, "a tie rounds to even");
    assert_ne!(below, ok(&printed));
    assert_eq!(incr("1e4932", "1e4932"), Some(None));
    assert_eq!(incr("1e4932", "-1e4932"), ok("0"));
    assert!(from_zero("1e4932").unwrap().unwrap().starts_with("10000000000000000000060189493879638913238377742545331147737850413525330194866087224075333277794331427736665255636662776820618609064404603366234161649310975421086536237399472378242736077556462820773377"));
    assert!(from_zero("0x1p16383").unwrap().unwrap().starts_with("59486574767861588254287966331400356538172234354825511873633741061663067909024184345224429773630601995755771874241965462944883369065434371313726234917078250304043581718300244876107162580976572342297617"));
    assert_eq!(from_zero("1e4933"), None);
    assert_eq!(from_zero("0x1p16384"), None);
    assert_eq!(from_zero("1e99999999999999999999999"), None);
}

#[test]
fn underflow_to_zero_is_refused_but_subnormals_are_read() {
    for accepted in [
        "1e-4950",
        "3.7e-4951",
        "1.9e-4951",
        "0x1p-16445",
        "0x1.8p-16446",
    ] {
        assert_eq!(from_zero(accepted), ok("0"), "{accepted}");
    }
    for refused in [
        "1.8e-4951",
        "1e-4951",
        "1e-5000",
        "0x1p-16446",
        "1e-99999999999999999",
    ] {
        assert_eq!(from_zero(refused), None, "{refused}");
    }
    let tiny = string2ld(b"0x1p-16445").unwrap();
    let twice = tiny.checked_add(tiny).unwrap();
    assert_eq!(twice, string2ld(b"0x1p-16444").unwrap());
    let smallest_normal = string2ld(b"0x1p-16382").unwrap();
    let below = string2ld(b"0x0.fffffffffffffffep-16382").unwrap();
    assert_eq!(below.checked_add(tiny).unwrap(), smallest_normal);
}

#[test]
fn sums_round_to_nearest_even_at_64_bits() {
    assert_eq!(
        incr("18446744073709551616", "1"),
        ok("18446744073709551616")
    );
    assert_eq!(
        incr("18446744073709551616", "3"),
        ok("18446744073709551620")
    );
    assert_eq!(
        incr("9223372036854775807", "9223372036854775807"),
        ok("18446744073709551614")
    );
    assert_eq!(
        incr("-9223372036854775808", "-9223372036854775808"),
        ok("-18446744073709551616")
    );
    assert_eq!(incr("1.5", "0.000000000000000005"), ok("1.5"));
}

#[test]
fn parsing_rounds_to_nearest_even_at_64_bits() {
    assert_eq!(
        from_zero("18446744073709551617"),
        ok("18446744073709551616")
    );
    assert_eq!(
        from_zero("18446744073709551619"),
        ok("18446744073709551620")
    );
    assert_eq!(
        from_zero("18446744073709551617.000000000000000000000000001"),
        ok("18446744073709551618")
    );
}

#[test]
fn printing_rounds_the_exact_value_half_to_even() {
    // 2^-18 and 2^-19 end in 5 and 25 after the 17th decimal.
    assert_eq!(from_zero("3.814697265625e-6"), ok("0.00000381469726562"));
    assert_eq!(from_zero("-3.814697265625e-6"), ok("-0.00000381469726562"));
    assert_eq!(from_zero("1.9073486328125e-6"), ok("0.00000190734863281"));
    assert_eq!(from_zero("-1e-20"), ok("0"));
}

#[test]
fn integers_convert_exactly() {
    for n in [0, 1, -1, 42, i64::MAX, i64::MIN, 1 << 62, -(1 << 53) - 1] {
        assert_eq!(LongDouble::from_i64(n).to_human_string(), n.to_string());
        assert_eq!(
            Some(LongDouble::from_i64(n)),
            string2ld(n.to_string().as_bytes())
        );
    }
    assert_eq!(LongDouble::ZERO, LongDouble::from_i64(0));
}
