//! Walks encoded replies without decoding them: how a coordinator merges what shards answered.

/// Length in bytes of the complete reply at the start of `bytes`, or None if it is malformed or
/// cut short. Understands every RESP2 and RESP3 reply type Tessera writes.
pub fn reply_len(bytes: &[u8]) -> Option<usize> {
    let line_end = bytes.windows(2).position(|w| w == b"\r\n")?;
    let head = bytes.first()?;
    let body = &bytes[1..line_end];
    let after = line_end + 2;
    match head {
        b'+' | b'-' | b':' | b',' | b'#' | b'_' | b'(' => Some(after),
        b'$' | b'=' | b'!' => {
            let n = crate::protocol::reader::parse_i64(body)?;
            if n < 0 {
                return Some(after);
            }
            let end = after + n as usize + 2;
            (end <= bytes.len()).then_some(end)
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = crate::protocol::reader::parse_i64(body)?;
            if n < 0 {
                return Some(after);
            }
            let items = if *head == b'%' || *head == b'|' {
                n * 2
            } else {
                n
            };
            let mut at = after;
            for _ in 0..items {
                at += reply_len(&bytes[at..])?;
            }
            Some(at)
        }
        _ => None,
    }
}

/// The integer of a `:N` reply.
pub fn reply_int(bytes: &[u8]) -> Option<i64> {
    if bytes.first() != Some(&b':') {
        return None;
    }
    let end = bytes.windows(2).position(|w| w == b"\r\n")?;
    crate::protocol::reader::parse_i64(&bytes[1..end])
}

/// True when the reply is an error.
pub fn is_error(bytes: &[u8]) -> bool {
    bytes.first() == Some(&b'-')
}

/// Splits an array reply into its elements' encoded bytes. None if `bytes` is not an array.
pub fn array_items(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    if !matches!(bytes.first(), Some(b'*') | Some(b'~')) {
        return None;
    }
    let line_end = bytes.windows(2).position(|w| w == b"\r\n")?;
    let n = crate::protocol::reader::parse_i64(&bytes[1..line_end])?;
    let mut at = line_end + 2;
    let mut items = Vec::with_capacity(n.max(0) as usize);
    for _ in 0..n.max(0) {
        let len = reply_len(&bytes[at..])?;
        items.push(&bytes[at..at + len]);
        at += len;
    }
    Some(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_nested_replies() {
        let r = b"*3\r\n$1\r\na\r\n$-1\r\n*1\r\n:5\r\nextra";
        assert_eq!(reply_len(r), Some(r.len() - 5));
        let items = array_items(r).unwrap();
        assert_eq!(items[1], b"$-1\r\n");
        assert_eq!(reply_int(b":42\r\n"), Some(42));
    }
}
