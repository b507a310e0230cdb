//! Whole replies as values, for the handful of set-up commands whose answers the generator
//! reads (HELLO, CLIENT INFO, INFO, CLUSTER SLOTS). Never used per request.

use super::resp::{find_crlf, int, scan, Kind, ProtocolError};

/// A parsed reply. RESP3 types the set-up never needs to tell apart (doubles, booleans, big
/// numbers) are kept as their text.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `+text`, or the text of `,` `#` `(`.
    Simple(String),
    /// `-message` or `!message`.
    Error(String),
    /// `:n`.
    Int(i64),
    /// `$` or `=` (the verbatim format prefix such as `txt:` removed).
    Bulk(Vec<u8>),
    /// `$-1`, `*-1`, `_`.
    Null,
    /// `*`, `~`, `>`.
    Array(Vec<Value>),
    /// `%`.
    Map(Vec<(Value, Value)>),
}

impl Value {
    /// The reply as text, when it is a string of either kind: INFO and CLIENT INFO answer with
    /// a bulk in RESP2 and a verbatim string in RESP3.
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Simple(s) => Some(s.clone()),
            Value::Bulk(b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        }
    }

    /// The reply as an integer, when it is one (or a string holding one).
    pub fn int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            Value::Simple(_) | Value::Bulk(_) => self.text()?.parse().ok(),
            _ => None,
        }
    }
}

/// Parses the reply at the start of `buf`, skipping attributes and pushes before it: `Ok(None)`
/// while incomplete, else the value and the bytes consumed.
pub fn parse(buf: &[u8]) -> Result<Option<(Value, usize)>, ProtocolError> {
    let mut start = 0;
    loop {
        let Some(frame) = scan(&buf[start..])? else {
            return Ok(None);
        };
        if matches!(frame.kind, Kind::Push | Kind::Attribute) {
            start += frame.len;
            continue;
        }
        let mut pos = start;
        let value = parse_at(buf, &mut pos)?;
        return Ok(Some((value, pos)));
    }
}

/// Parses one complete element at `pos` (the scan already proved it complete and well formed).
fn parse_at(buf: &[u8], pos: &mut usize) -> Result<Value, ProtocolError> {
    let tag = buf[*pos];
    let eol = find_crlf(buf, *pos + 1)?.ok_or_else(truncated)?;
    let header = &buf[*pos + 1..eol];
    *pos = eol + 2;
    let text = || String::from_utf8_lossy(header).into_owned();
    Ok(match tag {
        b'+' | b',' | b'#' | b'(' => Value::Simple(text()),
        b'-' => Value::Error(text()),
        b':' => Value::Int(int(header)?),
        b'_' => Value::Null,
        b'$' | b'=' | b'!' => {
            let len = int(header)?;
            if len < 0 {
                return Ok(Value::Null);
            }
            let body = buf.get(*pos..*pos + len as usize).ok_or_else(truncated)?;
            *pos += len as usize + 2;
            match tag {
                b'!' => Value::Error(String::from_utf8_lossy(body).into_owned()),
                b'=' => Value::Bulk(body.get(4..).unwrap_or_default().to_vec()),
                _ => Value::Bulk(body.to_vec()),
            }
        }
        b'*' | b'~' | b'>' => {
            let count = int(header)?;
            if count < 0 {
                return Ok(Value::Null);
            }
            let mut items = Vec::with_capacity(count.min(1024) as usize);
            for _ in 0..count {
                items.push(parse_at(buf, pos)?);
            }
            Value::Array(items)
        }
        b'%' | b'|' => {
            let count = int(header)?.max(0);
            let mut pairs = Vec::with_capacity(count.min(1024) as usize);
            for _ in 0..count {
                let key = parse_at(buf, pos)?;
                pairs.push((key, parse_at(buf, pos)?));
            }
            if tag == b'|' {
                // Attribute metadata: the annotated element follows.
                return parse_at(buf, pos);
            }
            Value::Map(pairs)
        }
        other => {
            return Err(ProtocolError(format!(
                "unexpected type byte {:?}",
                other as char
            )))
        }
    })
}

fn truncated() -> ProtocolError {
    ProtocolError("truncated reply".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_replies() {
        let wire = b"*3\r\n:0\r\n$-1\r\n*2\r\n$9\r\n127.0.0.1\r\n:7000\r\n";
        let (value, used) = parse(wire).unwrap().unwrap();
        assert_eq!(used, wire.len());
        assert_eq!(
            value,
            Value::Array(vec![
                Value::Int(0),
                Value::Null,
                Value::Array(vec![Value::Bulk(b"127.0.0.1".to_vec()), Value::Int(7000)]),
            ])
        );
    }

    #[test]
    fn resp3_text_and_maps() {
        let (value, _) = parse(b"=9\r\ntxt:a b c\r\n").unwrap().unwrap();
        assert_eq!(value.text().as_deref(), Some("a b c"));
        let (value, _) = parse(b"%1\r\n+server\r\n+redis\r\n").unwrap().unwrap();
        assert_eq!(
            value,
            Value::Map(vec![(
                Value::Simple("server".into()),
                Value::Simple("redis".into())
            )])
        );
        let (value, _) = parse(b"!5\r\nERR x\r\n").unwrap().unwrap();
        assert_eq!(value, Value::Error("ERR x".into()));
    }

    #[test]
    fn skips_pushes_and_attributes_and_waits_for_more() {
        let wire = b">2\r\n+message\r\n+x\r\n|1\r\n+a\r\n+b\r\n+OK\r\n";
        let (value, used) = parse(wire).unwrap().unwrap();
        assert_eq!(value, Value::Simple("OK".into()));
        assert_eq!(used, wire.len());
        assert_eq!(parse(&wire[..wire.len() - 1]), Ok(None));
    }
}
