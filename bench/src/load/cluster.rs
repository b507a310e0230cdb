//! The cluster slot map: which master serves each hash slot, learnt from CLUSTER SLOTS and
//! corrected by `-MOVED` redirections while the run goes on.

use tessera_core::slot::SLOTS;

use super::value::Value;

/// Marks a slot no master was reported for.
const UNASSIGNED: u16 = u16::MAX;

/// Slot → master, with the masters' addresses. Each load thread keeps its own copy, so a
/// redirection updates it without any locking.
#[derive(Debug, Clone)]
pub struct SlotMap {
    nodes: Vec<String>,
    owner: Vec<u16>,
}

impl SlotMap {
    /// Reads a CLUSTER SLOTS reply. `seed_host` stands in for masters announced with an empty
    /// host, as Redis does for the node that answered.
    pub fn from_cluster_slots(reply: &Value, seed_host: &str) -> Result<SlotMap, String> {
        let ranges = match reply {
            Value::Array(ranges) => ranges,
            Value::Error(message) => return Err(message.clone()),
            other => return Err(format!("unexpected CLUSTER SLOTS reply {other:?}")),
        };
        let mut map = SlotMap {
            nodes: Vec::new(),
            owner: vec![UNASSIGNED; SLOTS as usize],
        };
        for range in ranges {
            let bad = || format!("malformed CLUSTER SLOTS entry {range:?}");
            let Value::Array(fields) = range else {
                return Err(bad());
            };
            let (Some(start), Some(end), Some(Value::Array(master))) = (
                fields.first().and_then(Value::int),
                fields.get(1).and_then(Value::int),
                fields.get(2),
            ) else {
                return Err(bad());
            };
            let host = master.first().and_then(Value::text).ok_or_else(bad)?;
            let port = master.get(1).and_then(Value::int).ok_or_else(bad)?;
            if !(0..i64::from(SLOTS)).contains(&start) || !(start..i64::from(SLOTS)).contains(&end)
            {
                return Err(bad());
            }
            let host = if host.is_empty() || host == "?" {
                seed_host.to_string()
            } else {
                host
            };
            let node = map.node(&join_host_port(&host, port));
            for slot in start..=end {
                map.owner[slot as usize] = node;
            }
        }
        if map.nodes.is_empty() {
            return Err("CLUSTER SLOTS lists no master".into());
        }
        Ok(map)
    }

    /// The masters' addresses, `host:port`, indexed by node number.
    pub fn nodes(&self) -> &[String] {
        &self.nodes
    }

    /// The node serving `slot`, if any was reported.
    #[inline]
    pub fn node_of(&self, slot: u16) -> Option<usize> {
        match self.owner.get(slot as usize) {
            Some(&UNASSIGNED) | None => None,
            Some(&node) => Some(node as usize),
        }
    }

    /// Records that `addr` serves `slot` (a MOVED told us so); returns its node number, adding
    /// the node when it is new.
    pub fn assign(&mut self, slot: u16, addr: &str) -> usize {
        let node = self.node(addr);
        if let Some(owner) = self.owner.get_mut(slot as usize) {
            *owner = node;
        }
        node as usize
    }

    /// The node number of `addr`, added if unknown (an ASK may name a node the map lacks).
    pub fn node_index(&mut self, addr: &str) -> usize {
        self.node(addr) as usize
    }

    /// The node number of `addr`, added if unknown.
    fn node(&mut self, addr: &str) -> u16 {
        match self.nodes.iter().position(|n| n == addr) {
            Some(i) => i as u16,
            None => {
                self.nodes.push(addr.to_string());
                (self.nodes.len() - 1) as u16
            }
        }
    }
}

/// A cluster redirection, from an error reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    /// `MOVED slot addr`: the slot now lives at `addr`; update the map and resend there.
    Moved {
        /// The key's slot.
        slot: u16,
        /// `host:port` of its master.
        addr: String,
    },
    /// `ASK slot addr`: the slot is migrating; resend this one request to `addr` after ASKING,
    /// and keep the map as it is.
    Ask {
        /// The key's slot.
        slot: u16,
        /// `host:port` of the importing master.
        addr: String,
    },
}

/// Reads `MOVED|ASK <slot> <host>:<port>`; `None` for any other error.
pub fn parse_redirect(message: &[u8]) -> Option<Redirect> {
    let text = std::str::from_utf8(message).ok()?;
    let mut words = text.split_ascii_whitespace();
    let kind = words.next()?;
    let slot: u16 = words.next()?.parse().ok()?;
    let (host, port) = words.next()?.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    if slot >= SLOTS || host.is_empty() {
        return None;
    }
    let addr = join_host_port(host, i64::from(port));
    match kind {
        "MOVED" => Some(Redirect::Moved { slot, addr }),
        "ASK" => Some(Redirect::Ask { slot, addr }),
        _ => None,
    }
}

/// `host:port`, bracketing IPv6 addresses so the result parses as a socket address.
pub fn join_host_port(host: &str, port: i64) -> String {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::Bulk(s.as_bytes().to_vec())
    }

    fn slots_reply() -> Value {
        Value::Array(vec![
            Value::Array(vec![
                Value::Int(0),
                Value::Int(8191),
                Value::Array(vec![bulk("10.0.0.1"), Value::Int(7000), bulk("id1")]),
                Value::Array(vec![bulk("10.0.0.3"), Value::Int(7002), bulk("id3")]),
            ]),
            Value::Array(vec![
                Value::Int(8192),
                Value::Int(16383),
                Value::Array(vec![bulk(""), Value::Int(7001), bulk("id2")]),
            ]),
        ])
    }

    #[test]
    fn reads_cluster_slots() {
        let map = SlotMap::from_cluster_slots(&slots_reply(), "seed").expect("valid");
        assert_eq!(map.nodes(), &["10.0.0.1:7000", "seed:7001"]);
        assert_eq!(map.node_of(0), Some(0));
        assert_eq!(map.node_of(8191), Some(0));
        assert_eq!(map.node_of(8192), Some(1));
        assert_eq!(map.node_of(16383), Some(1));
    }

    #[test]
    fn cluster_slots_errors_are_reported() {
        let err = SlotMap::from_cluster_slots(
            &Value::Error("ERR This instance has cluster support disabled".into()),
            "seed",
        )
        .unwrap_err();
        assert!(err.contains("cluster support disabled"));
        assert!(SlotMap::from_cluster_slots(&Value::Array(vec![]), "seed").is_err());
        let bad = Value::Array(vec![Value::Array(vec![Value::Int(5)])]);
        assert!(SlotMap::from_cluster_slots(&bad, "seed").is_err());
    }

    fn moved(slot: u16, addr: &str) -> Option<Redirect> {
        Some(Redirect::Moved {
            slot,
            addr: addr.into(),
        })
    }

    #[test]
    fn moved_updates_the_map() {
        let mut map = SlotMap::from_cluster_slots(&slots_reply(), "seed").expect("valid");
        let redirect = parse_redirect(b"MOVED 3999 10.0.0.9:7005");
        assert_eq!(redirect, moved(3999, "10.0.0.9:7005"));
        let node = map.assign(3999, "10.0.0.9:7005");
        assert_eq!(node, 2);
        assert_eq!(map.node_of(3999), Some(2));
        assert_eq!(map.node_of(3998), Some(0));
        // A known address keeps its node number.
        assert_eq!(map.assign(1, "seed:7001"), 1);
        assert_eq!(map.node_index("10.0.0.9:7005"), 2);
    }

    #[test]
    fn redirect_parsing_is_strict() {
        assert_eq!(parse_redirect(b"MOVED 1 ::1:7000"), moved(1, "[::1]:7000"));
        assert_eq!(
            parse_redirect(b"ASK 1 h:1"),
            Some(Redirect::Ask {
                slot: 1,
                addr: "h:1".into()
            })
        );
        assert_eq!(parse_redirect(b"MOVED 16384 h:1"), None);
        assert_eq!(parse_redirect(b"MOVED x h:1"), None);
        assert_eq!(parse_redirect(b"MOVED 1 h"), None);
        assert_eq!(parse_redirect(b"MOVED 1 :1"), None);
        assert_eq!(parse_redirect(b"TRYAGAIN 1 h:1"), None);
        assert_eq!(parse_redirect(b"ERR wrong"), None);
    }
}
