//! The manifest of the append-only files, in Redis 7's multi-part layout: one line per file,
//! `file <name> seq <n> type <b|i>`, the base first, then the incremental files in order.
//!
//! Tessera's shards each append to their own incremental file, so its incremental lines say
//! which shard wrote them and how many shards there were: `... type i shard <k> shards <n>`.
//! The files of one sequence number are one generation, written by one set of shards; a
//! restart with another number of shards starts a new generation.

/// One incremental file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incr {
    /// File name in the append-only folder.
    pub name: String,
    /// Its generation.
    pub seq: u64,
    /// The shard that writes it.
    pub shard: usize,
    /// How many shards the generation has.
    pub shards: usize,
}

/// The whole manifest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The base file (an RDB image, or RESP records) and its sequence number.
    pub base: Option<(String, u64)>,
    /// The incremental files, oldest generation first.
    pub incrs: Vec<Incr>,
}

impl Manifest {
    /// Reads a manifest's text.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let mut m = Manifest::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            if !words.len().is_multiple_of(2) {
                return Err(format!("Invalid AOF manifest file format (line {})", n + 1));
            }
            let get = |key: &str| words.chunks(2).find(|p| p[0] == key).map(|p| p[1]);
            let bad = || format!("Invalid AOF manifest file format (line {})", n + 1);
            let name = get("file").ok_or_else(bad)?.to_string();
            if name.contains('/') {
                return Err(bad());
            }
            let seq: u64 = get("seq").and_then(|s| s.parse().ok()).ok_or_else(bad)?;
            match get("type").ok_or_else(bad)? {
                "b" => m.base = Some((name, seq)),
                "i" => {
                    let shard = get("shard").map_or(Some(0), |s| s.parse().ok());
                    let shards = get("shards").map_or(Some(1), |s| s.parse().ok());
                    let (Some(shard), Some(shards)) = (shard, shards) else {
                        return Err(bad());
                    };
                    if shard >= shards {
                        return Err(bad());
                    }
                    m.incrs.push(Incr {
                        name,
                        seq,
                        shard,
                        shards,
                    });
                }
                // History files of an interrupted rewrite: nothing to load.
                "h" => {}
                _ => return Err(bad()),
            }
        }
        Ok(m)
    }

    /// The manifest's text.
    pub fn render(&self) -> String {
        let mut s = String::new();
        if let Some((name, seq)) = &self.base {
            s.push_str(&format!("file {name} seq {seq} type b\n"));
        }
        for i in &self.incrs {
            s.push_str(&format!(
                "file {} seq {} type i shard {} shards {}\n",
                i.name, i.seq, i.shard, i.shards
            ));
        }
        s
    }

    /// The highest sequence number of an incremental file.
    pub fn last_seq(&self) -> u64 {
        self.incrs.iter().map(|i| i.seq).max().unwrap_or(0)
    }

    /// The files of the newest generation, by shard, if it was written by `shards` shards.
    pub fn current(&self, shards: usize) -> Option<Vec<&Incr>> {
        let seq = self.last_seq();
        let mut gen: Vec<&Incr> = self.incrs.iter().filter(|i| i.seq == seq).collect();
        gen.sort_by_key(|i| i.shard);
        let whole = gen.len() == shards
            && gen
                .iter()
                .enumerate()
                .all(|(k, i)| i.shard == k && i.shards == shards);
        whole.then_some(gen)
    }

    /// Adds a generation of `shards` incremental files after the others; returns it.
    pub fn add_generation(&mut self, base_name: &str, shards: usize) -> Vec<Incr> {
        let seq = self.last_seq() + 1;
        let gen: Vec<Incr> = (0..shards)
            .map(|shard| Incr {
                name: incr_name(base_name, seq, shard, shards),
                seq,
                shard,
                shards,
            })
            .collect();
        self.incrs.extend(gen.iter().cloned());
        gen
    }
}

/// The manifest's file name: `<appendfilename>.manifest`.
pub fn manifest_name(base_name: &str) -> String {
    format!("{base_name}.manifest")
}

/// An incremental file's name: Redis's `<appendfilename>.<seq>.incr.aof` for a node of one
/// shard, with the shard's number before `incr` otherwise.
pub fn incr_name(base_name: &str, seq: u64, shard: usize, shards: usize) -> String {
    if shards == 1 {
        format!("{base_name}.{seq}.incr.aof")
    } else {
        format!("{base_name}.{seq}.shard{shard}.incr.aof")
    }
}

/// A base file's name: `<appendfilename>.<seq>.base.rdb` (or `.aof` without a preamble).
pub fn base_name(base_name: &str, seq: u64, rdb: bool) -> String {
    let ext = if rdb { "rdb" } else { "aof" };
    format!("{base_name}.{seq}.base.{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trips_and_reads_redis_lines() {
        let redis = "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n";
        let m = Manifest::parse(redis).unwrap();
        assert_eq!(m.base, Some(("appendonly.aof.1.base.rdb".into(), 1)));
        assert_eq!(m.incrs[0].shards, 1);
        assert!(m.current(1).is_some());
        assert!(m.current(2).is_none());
        let mut m2 = m.clone();
        let gen = m2.add_generation("appendonly.aof", 2);
        assert_eq!(gen[1].name, "appendonly.aof.2.shard1.incr.aof");
        assert_eq!(Manifest::parse(&m2.render()).unwrap(), m2);
        assert!(m2.current(2).is_some());
        assert!(Manifest::parse("file x seq 1").is_err());
        assert!(Manifest::parse("file ../x seq 1 type i").is_err());
    }
}
