//! Connection and server commands. They run in `tessera-io`, which holds the connection and the
//! node; this table gives them their arity, flags and documentation like every other command.

use super::flags::*;
use super::{cmd, Command, KeySpec, NodeCmd, Run, Span};

const fn node(
    name: &'static str,
    arity: i32,
    flags: u32,
    which: NodeCmd,
    group: &'static str,
    summary: &'static str,
) -> Command {
    cmd(
        name,
        arity,
        flags,
        KeySpec::None,
        Span::Single,
        Run::Node(which),
        group,
        summary,
    )
}

/// The connection, server and transaction commands.
pub static COMMANDS: &[Command] = &[
    node(
        "ping",
        -1,
        FAST,
        NodeCmd::Ping,
        "connection",
        "Returns the server's liveliness response.",
    ),
    node(
        "echo",
        2,
        FAST,
        NodeCmd::Echo,
        "connection",
        "Returns the given string.",
    ),
    node(
        "hello",
        -1,
        NO_AUTH | FAST | NOSCRIPT | LOADING | STALE,
        NodeCmd::Hello,
        "connection",
        "Handshakes with the Redis server.",
    ),
    node(
        "auth",
        -2,
        NO_AUTH | FAST | NOSCRIPT | LOADING | STALE,
        NodeCmd::Auth,
        "connection",
        "Authenticates the connection.",
    ),
    node(
        "quit",
        -1,
        NO_AUTH | FAST | NOSCRIPT | LOADING | STALE | NO_MULTI,
        NodeCmd::Quit,
        "connection",
        "Closes the connection.",
    ),
    node(
        "reset",
        1,
        NO_AUTH | FAST | NOSCRIPT | LOADING | STALE | NO_MULTI,
        NodeCmd::Reset,
        "connection",
        "Resets the connection.",
    ),
    node(
        "select",
        2,
        FAST | LOADING | STALE,
        NodeCmd::Select,
        "connection",
        "Changes the selected database.",
    ),
    node(
        "client",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        NodeCmd::Client,
        "connection",
        "A container for client connection commands.",
    ),
    node(
        "info",
        -1,
        LOADING | STALE,
        NodeCmd::Info,
        "server",
        "Returns information and statistics about the server.",
    ),
    node(
        "config",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        NodeCmd::Config,
        "server",
        "A container for server configuration commands.",
    ),
    node(
        "command",
        -1,
        LOADING | STALE,
        NodeCmd::Command,
        "server",
        "Returns detailed information about all commands.",
    ),
    node(
        "time",
        1,
        FAST | LOADING | STALE,
        NodeCmd::Time,
        "server",
        "Returns the server time.",
    ),
    node(
        "shutdown",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI,
        NodeCmd::Shutdown,
        "server",
        "Synchronously saves the database(s) to disk and shuts down the Redis server.",
    ),
    node(
        "debug",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        NodeCmd::Debug,
        "server",
        "A container for debugging commands.",
    ),
    node(
        "lastsave",
        1,
        FAST | LOADING | STALE,
        NodeCmd::Lastsave,
        "server",
        "Returns the Unix timestamp of the last successful save to disk.",
    ),
    node(
        "save",
        1,
        ADMIN | NOSCRIPT | NO_MULTI,
        NodeCmd::Save,
        "server",
        "Synchronously saves the database(s) to disk.",
    ),
    node(
        "bgsave",
        -1,
        ADMIN | NOSCRIPT,
        NodeCmd::Bgsave,
        "server",
        "Asynchronously saves the database(s) to disk.",
    ),
    node(
        "bgrewriteaof",
        1,
        ADMIN | NOSCRIPT,
        NodeCmd::Bgrewriteaof,
        "server",
        "Asynchronously rewrites the append-only file to disk.",
    ),
    node(
        "multi",
        1,
        FAST | NOSCRIPT | LOADING | STALE | NO_MULTI,
        NodeCmd::Multi,
        "transactions",
        "Starts a transaction.",
    ),
    node(
        "exec",
        1,
        NOSCRIPT | LOADING | STALE | NO_MULTI,
        NodeCmd::Exec,
        "transactions",
        "Executes all commands in a transaction.",
    ),
    node(
        "discard",
        1,
        FAST | NOSCRIPT | LOADING | STALE | NO_MULTI,
        NodeCmd::Discard,
        "transactions",
        "Discards a transaction.",
    ),
    node(
        "watch",
        -2,
        FAST | NOSCRIPT | LOADING | STALE | NO_MULTI,
        NodeCmd::Watch,
        "transactions",
        "Monitors changes to keys to determine the execution of a transaction.",
    ),
    node(
        "unwatch",
        1,
        FAST | NOSCRIPT | LOADING | STALE | NO_MULTI,
        NodeCmd::Unwatch,
        "transactions",
        "Forgets about watched keys of a transaction.",
    ),
];

/// Subcommands of the container commands, as COMMAND LIST and CLIENT LIST's `cmd=` name them.
pub static SUBCOMMANDS: &[&str] = &[
    "client|id",
    "client|getname",
    "client|setname",
    "client|info",
    "client|list",
    "client|kill",
    "client|pause",
    "client|unpause",
    "client|reply",
    "client|no-evict",
    "client|help",
    "config|get",
    "config|set",
    "config|resetstat",
    "config|rewrite",
    "config|help",
    "command|count",
    "command|info",
    "command|docs",
    "command|list",
    "command|getkeys",
    "command|help",
    "object|encoding",
    "object|freq",
    "object|idletime",
    "object|refcount",
    "object|help",
    "debug|sleep",
    "debug|set-active-expire",
    "debug|object",
    "debug|help",
];

/// The name a call goes by in CLIENT LIST's `cmd=`: `client|info` for a known subcommand.
/// Cheap for every other command: it runs on every call.
pub fn full_name(name: &'static str, sub: Option<&[u8]>) -> &'static str {
    if !matches!(name, "client" | "config" | "command" | "object" | "debug") {
        return name;
    }
    let Some(sub) = sub else { return name };
    SUBCOMMANDS
        .iter()
        .find(|full| {
            full.len() > name.len() + 1
                && full.starts_with(name)
                && full.as_bytes()[name.len()] == b'|'
                && full.as_bytes()[name.len() + 1..].eq_ignore_ascii_case(sub)
        })
        .copied()
        .unwrap_or(name)
}
