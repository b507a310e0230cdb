//! What the append-only file's tests share: a directory that outlives one server (restarts
//! load it), starting and SIGKILLing servers on it, a dump of everything a server holds, and
//! reading and cutting the files of the append-only folder.

use std::collections::hash_map::RandomState;
use std::fs;
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::time::Duration;

use crate::common::*;

/// A directory of the test's own, kept across restarts and removed when dropped.
pub struct Dir(pub PathBuf);

impl Dir {
    pub fn new(what: &str) -> Dir {
        let path = temp_path(what, "d");
        fs::create_dir_all(&path).unwrap();
        Dir(path)
    }

    pub fn arg(&self) -> String {
        self.0.display().to_string()
    }

    /// A path in the append-only folder (`appendonlydir`).
    pub fn aof(&self, name: &str) -> PathBuf {
        self.0.join("appendonlydir").join(name)
    }

    /// The manifest's text.
    pub fn manifest(&self) -> String {
        fs::read_to_string(self.aof("appendonly.aof.manifest")).expect("read the manifest")
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A server with `appendonly yes` on `dir` (loading what the folder holds), then `extra`.
pub fn start(dir: &Dir, extra: &[&str]) -> Server {
    let d = dir.arg();
    let mut args = vec!["--dir", d.as_str(), "--appendonly", "yes"];
    args.extend_from_slice(extra);
    Server::start(&args)
}

/// The command line [`start`] would use, for a start that must fail.
pub fn args_for(dir: &Dir, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["--port", &free_port().to_string(), "--bind", "127.0.0.1"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if !is_redis() {
        args.extend(["--threads".to_string(), "2".to_string()]);
    }
    args.extend(["--save", "", "--dir", &dir.arg(), "--appendonly", "yes"].map(String::from));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Kills the server with SIGKILL, as a crash would, and reaps it.
pub fn kill(mut server: Server) {
    signal(server.pid(), "KILL");
    assert!(
        server.wait_exit(Duration::from_secs(10)).is_some(),
        "the server outlived SIGKILL"
    );
}

/// A random number in `lo..hi` (the standard library's randomly seeded hasher).
pub fn random(lo: u64, hi: u64) -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(lo);
    lo + h.finish() % (hi - lo)
}

/// Everything the server holds, comparable across restarts (see [`dataset`]).
pub fn contents(c: &mut redis::Connection) -> Vec<String> {
    dataset(c, false)
}

/// INFO persistence's `aof_written` and `aof_synced` (Tessera's own fields).
pub fn written_synced(c: &mut redis::Connection) -> (u64, u64) {
    let n = |c: &mut redis::Connection, f| info_field(c, f).parse::<u64>().expect(f);
    (n(c, "aof_written"), n(c, "aof_synced"))
}

/// Where the last occurrence of `needle` begins in `hay`.
pub fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// Where the record `SET key ...` begins in `file` (its last one).
pub fn set_record_at(file: &[u8], key: &str) -> usize {
    let needle = encode_str(&["SET", key]);
    // `SET key value`: an array of 3, then the same words as `SET key`'s encoding.
    let needle = [b"*3".as_slice(), &needle[2..]].concat();
    rfind(file, &needle)
        .unwrap_or_else(|| panic!("no SET {key} record in {:?}", String::from_utf8_lossy(file)))
}

/// Stops the server with SIGKILL and starts another on the same folder, checking that it holds
/// exactly what the first one did.
pub fn restart_same(server: Server, dir: &Dir, extra: &[&str]) -> Server {
    let before = contents(&mut server.client());
    kill(server);
    let server = start(dir, extra);
    assert_eq!(contents(&mut server.client()), before, "after a restart");
    server
}

/// Reads one reply on `conn`, waiting at most `wait`; `None` when none came.
pub fn reply_within(conn: &mut RawConn, wait: Duration) -> Option<Resp> {
    conn.stream().set_read_timeout(Some(wait)).unwrap();
    let got = conn.try_read();
    conn.stream()
        .set_read_timeout(Some(CLIENT_TIMEOUT))
        .unwrap();
    got
}
