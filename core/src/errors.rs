//! Every error reply Tessera sends, worded exactly as Redis 7.0 words it.
//!
//! Clients and test suites match on these strings, so they live in one place and are never
//! paraphrased at the call site.

/// A value that must be an integer is not one.
pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
/// A value that must be a float is not one.
pub const NOT_FLOAT: &str = "ERR value is not a valid float";
/// Options that make no sense together, or an unknown option.
pub const SYNTAX: &str = "ERR syntax error";
/// An operation on a key holding the wrong kind of value.
pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
/// The key of RENAME and friends does not exist.
pub const NO_SUCH_KEY: &str = "ERR no such key";
/// INCR and friends would overflow.
pub const OVERFLOW: &str = "ERR increment or decrement would overflow";
/// INCRBYFLOAT would produce NaN or infinity.
pub const NAN_OR_INF: &str = "ERR increment would produce NaN or Infinity";
/// SETRANGE and APPEND would make a string over `proto-max-bulk-len`.
pub const STRING_TOO_LONG: &str = "ERR string exceeds maximum allowed size (proto_max_bulk_len)";
/// A database index out of range.
pub const DB_INDEX: &str = "ERR DB index is out of range";
/// Source and destination are the same object (MOVE, COPY in the same db).
pub const SAME_OBJECT: &str = "ERR source and destination objects are the same";
/// An expire time that is not a positive integer in range.
pub const INVALID_EXPIRE: &str = "ERR invalid expire time in 'set' command";
/// The password was wrong or the user unknown.
pub const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";
/// A command before AUTH on a server with a password.
pub const NOAUTH: &str = "NOAUTH Authentication required.";
/// AUTH on a server without a password.
pub const AUTH_NOT_CONFIGURED: &str = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?";
/// The limit of connected clients is reached.
pub const MAX_CLIENTS: &str = "ERR max number of clients reached";
/// MULTI inside MULTI.
pub const MULTI_NESTED: &str = "ERR MULTI calls can not be nested";
/// EXEC without MULTI.
pub const EXEC_WITHOUT_MULTI: &str = "ERR EXEC without MULTI";
/// DISCARD without MULTI.
pub const DISCARD_WITHOUT_MULTI: &str = "ERR DISCARD without MULTI";
/// WATCH inside MULTI.
pub const WATCH_IN_MULTI: &str = "ERR WATCH inside MULTI is not allowed";
/// EXEC after a command was refused while queueing.
pub const EXECABORT: &str = "EXECABORT Transaction discarded because of previous errors.";
/// DUMP payload that does not check out.
pub const BAD_DUMP_PAYLOAD: &str = "ERR DUMP payload version or checksum are wrong";
/// RESTORE onto an existing key without REPLACE.
pub const BUSYKEY: &str = "BUSYKEY Target key name already exists.";
/// A DEBUG command while `enable-debug-command` is off.
pub const DEBUG_DISABLED: &str = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";

/// The error for a command name nobody knows, with Redis's preview of its arguments.
pub fn unknown_command(name: &[u8], args: &[&[u8]]) -> String {
    let mut preview = String::new();
    for a in args.iter().take(128) {
        preview.push('\'');
        preview.push_str(&String::from_utf8_lossy(a));
        preview.push_str("' ");
    }
    format!(
        "ERR unknown command '{}', with args beginning with: {}",
        String::from_utf8_lossy(&name[..name.len().min(128)]),
        preview
    )
}

/// The error for a call with the wrong number of arguments.
pub fn wrong_arity(name: &str) -> String {
    format!("ERR wrong number of arguments for '{name}' command")
}

/// The error for an unknown subcommand of a container command (CLIENT, CONFIG, OBJECT...).
pub fn unknown_subcommand(sub: &[u8], container: &str) -> String {
    format!(
        "ERR unknown subcommand '{}'. Try {} HELP.",
        String::from_utf8_lossy(&sub[..sub.len().min(128)]),
        container.to_ascii_uppercase()
    )
}
