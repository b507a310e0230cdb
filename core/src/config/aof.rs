//! The append-only file's directives (redis.conf's names, defaults and checks).

use super::{parse_bool, parse_memory, parse_num, yes_no, Directive};

/// When the append-only file is synced to disk (`appendfsync`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fsync {
    /// Before a write's reply leaves: nothing acknowledged is lost, even by a machine crash.
    Always,
    /// Once a second, off the request path: a machine crash loses about the last second.
    Everysec,
    /// When the kernel decides.
    No,
}

impl Fsync {
    /// The name redis.conf and CONFIG use.
    pub fn name(self) -> &'static str {
        match self {
            Fsync::Always => "always",
            Fsync::Everysec => "everysec",
            Fsync::No => "no",
        }
    }
}

/// A file name that must stay inside `dir` (Redis refuses paths for these).
fn plain_name(v: &str, what: &str) -> Result<String, String> {
    if v.is_empty() || v.contains('/') || v == "." || v == ".." {
        return Err(format!("{what} can't be a path, just a filename"));
    }
    Ok(v.to_string())
}

/// The directives of the append-only file.
pub static DIRECTIVES: &[Directive] = &[
    Directive {
        name: "appendonly",
        get: |c| yes_no(c.appendonly),
        set: |c, v| {
            c.appendonly = parse_bool(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "appendfsync",
        get: |c| c.appendfsync.name().to_string(),
        set: |c, v| {
            c.appendfsync = match v.to_ascii_lowercase().as_str() {
                "always" => Fsync::Always,
                "everysec" => Fsync::Everysec,
                "no" => Fsync::No,
                _ => {
                    return Err(
                        "argument(s) must be one of the following: everysec, always, no".into(),
                    )
                }
            };
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "appenddirname",
        get: |c| c.appenddirname.clone(),
        set: |c, v| {
            c.appenddirname = plain_name(v, "appenddirname")?;
            Ok(())
        },
        mutable: false,
    },
    Directive {
        name: "appendfilename",
        get: |c| c.appendfilename.clone(),
        set: |c, v| {
            c.appendfilename = plain_name(v, "appendfilename")?;
            Ok(())
        },
        mutable: false,
    },
    Directive {
        name: "aof-load-truncated",
        get: |c| yes_no(c.aof_load_truncated),
        set: |c, v| {
            c.aof_load_truncated = parse_bool(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "aof-use-rdb-preamble",
        get: |c| yes_no(c.aof_use_rdb_preamble),
        set: |c, v| {
            c.aof_use_rdb_preamble = parse_bool(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "auto-aof-rewrite-percentage",
        get: |c| c.auto_aof_rewrite_percentage.to_string(),
        set: |c, v| {
            c.auto_aof_rewrite_percentage = parse_num(v)?;
            Ok(())
        },
        mutable: true,
    },
    Directive {
        name: "auto-aof-rewrite-min-size",
        get: |c| c.auto_aof_rewrite_min_size.to_string(),
        set: |c, v| {
            c.auto_aof_rewrite_min_size = parse_memory(v)?;
            Ok(())
        },
        mutable: true,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn aof_directives_read_and_show_as_redis() {
        let mut c = Config::default();
        assert_eq!(
            c.config_get("appendfsync"),
            vec![("appendfsync".into(), "everysec".into())]
        );
        c.load_str("appendonly yes\nappendfsync always\nauto-aof-rewrite-min-size 1mb")
            .unwrap();
        assert!(c.appendonly);
        assert_eq!(c.appendfsync, Fsync::Always);
        assert_eq!(c.auto_aof_rewrite_min_size, 1 << 20);
        assert!(c.config_set("appendfsync", "sometimes").is_err());
        assert!(c.config_set("appendfilename", "x.aof").is_err());
        assert!(c.load_str("appenddirname ../elsewhere").is_err());
    }
}
