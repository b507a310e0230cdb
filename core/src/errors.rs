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
pub const STRING_TOO_LONG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
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
/// EXEC refused before it ran (Redis's `execCommandAbort`): the transaction is discarded.
pub fn exec_abort(why: &str) -> String {
    format!("EXECABORT Transaction discarded because of: {why}")
}

/// A command that may need memory while `maxmemory` is reached and nothing can be evicted.
pub const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";
/// A command that needs the data while start-up still loads it.
pub const LOADING: &str = "LOADING Redis is loading the dataset in memory";
/// A write while the last background save failed (`stop-writes-on-bgsave-error`).
pub const MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
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

/// The error of a command that parses its subcommands by hand (DEBUG) for one it does not know,
/// or that got the wrong number of arguments (Redis's `addReplySubcommandSyntaxError`).
pub fn subcommand_syntax(sub: &[u8], container: &str) -> String {
    format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        String::from_utf8_lossy(&sub[..sub.len().min(128)]),
        container.to_ascii_uppercase()
    )
}

/// A count that must be a non-negative integer is not one (`getPositiveLongFromObjectOrReply`).
pub const NOT_POSITIVE: &str = "ERR value is out of range, must be positive";

/// SETEX with an expire time that is not positive or overflows.
pub const INVALID_EXPIRE_SETEX: &str = "ERR invalid expire time in 'setex' command";
/// PSETEX with an expire time that is not positive or overflows.
pub const INVALID_EXPIRE_PSETEX: &str = "ERR invalid expire time in 'psetex' command";
/// GETEX with an expire time that is not positive or overflows.
pub const INVALID_EXPIRE_GETEX: &str = "ERR invalid expire time in 'getex' command";
/// DECRBY by the smallest 64-bit integer, whose negation overflows.
pub const DECREMENT_OVERFLOW: &str = "ERR decrement would overflow";
/// SETRANGE with a negative offset.
pub const OFFSET_OUT_OF_RANGE: &str = "ERR offset is out of range";
/// LCS over a key that is not a string.
pub const LCS_WRONGTYPE: &str = "ERR The specified keys must contain string values";
/// LCS with both LEN and IDX.
pub const LCS_LEN_AND_IDX: &str =
    "ERR If you want both the length and indexes, please just use IDX.";
/// LCS whose table would exceed `proto-max-bulk-len`.
pub const LCS_TOO_BIG: &str =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
/// LCS whose table could not be allocated.
pub const LCS_NO_MEMORY: &str =
    "ERR Insufficient memory, failed allocating transient memory for LCS";

/// RESTORE of a payload whose checksum is right but whose data cannot be read.
pub const BAD_DATA_FORMAT: &str = "ERR Bad data format";
/// SCAN's cursor is not an unsigned number.
pub const INVALID_CURSOR: &str = "ERR invalid cursor";
/// EXPIRE and friends with NX beside XX, GT or LT.
pub const EXPIRE_NX_AND_OTHERS: &str =
    "ERR NX and XX, GT or LT options at the same time are not compatible";
/// EXPIRE and friends with both GT and LT.
pub const EXPIRE_GT_AND_LT: &str = "ERR GT and LT options at the same time are not compatible";
/// RESTORE with a negative TTL.
pub const INVALID_TTL: &str = "ERR Invalid TTL value, must be >= 0";
/// RESTORE with a negative IDLETIME.
pub const INVALID_IDLETIME: &str = "ERR Invalid IDLETIME value, must be >= 0";
/// RESTORE with a FREQ outside 0..=255.
pub const INVALID_FREQ: &str = "ERR Invalid FREQ value, must be >= 0 and <= 255";
/// SWAPDB's first index is not a 32-bit integer.
pub const INVALID_FIRST_DB: &str = "ERR invalid first DB index";
/// SWAPDB's second index is not a 32-bit integer.
pub const INVALID_SECOND_DB: &str = "ERR invalid second DB index";
/// An integer argument outside the 32-bit range (Redis's `getIntFromObjectOrReply`, words included).
pub const INT_OUT_OF_RANGE: &str =
    "ERR value is out of range, value must between -2147483648 and 2147483647";
/// OBJECT FREQ without an LFU `maxmemory-policy`.
pub const LFU_NOT_SELECTED: &str = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
/// OBJECT IDLETIME under an LFU `maxmemory-policy`.
pub const LFU_SELECTED: &str = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

/// The error for an expire time that overflows, naming the command as Redis does.
pub fn invalid_expire_time(command: &str) -> String {
    format!("ERR invalid expire time in '{command}' command")
}

/// The error for an option EXPIRE and friends do not know.
pub fn unsupported_option(option: &[u8]) -> String {
    format!("ERR Unsupported option {}", String::from_utf8_lossy(option))
}
