//! What COMMAND INFO and COMMAND DOCS say about each command beyond the table itself: ACL
//! categories, key specs with their flags, tips, and the documentation fields.
//!
//! Generated from Redis 7.0.15's own COMMAND INFO and COMMAND DOCS by `tools/command_docs.py`,
//! so that cluster-aware clients and tools that read these replies see what Redis would say.

/// One key spec as COMMAND INFO reports it (index search, range find).
pub struct KeySpecDoc {
    /// Flags such as `RW`, `access`, `update`.
    pub flags: &'static [&'static str],
    /// Argument index where the search begins.
    pub index: i64,
    /// Last key, relative to the first (negative: from the end).
    pub lastkey: i64,
    /// Distance between keys.
    pub keystep: i64,
    /// Limit (0: none).
    pub limit: i64,
}

/// Documentation of one command.
pub struct CommandDoc {
    /// Lower-case name.
    pub name: &'static str,
    /// ACL categories, `@read`...
    pub acl: &'static [&'static str],
    /// Tips for clients and proxies (`request_policy:all_shards`...).
    pub tips: &'static [&'static str],
    /// Key specs.
    pub key_specs: &'static [KeySpecDoc],
    /// One-line summary.
    pub summary: &'static str,
    /// Version of Redis that introduced it.
    pub since: &'static str,
    /// Time complexity.
    pub complexity: &'static str,
}

/// The documentation of `name`, when there is some.
pub fn doc(name: &str) -> Option<&'static CommandDoc> {
    DOCS.iter().find(|d| d.name == name)
}

/// Every documented command.
#[rustfmt::skip]
pub static DOCS: &[CommandDoc] = &[
    CommandDoc { name: "get", acl: &["@read", "@string", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RO", "access"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Get the value of a key", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "set", acl: &["@write", "@string", "@slow"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "access", "update", "variable_flags"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Set the string value of a key", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "setnx", acl: &["@write", "@string", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["OW", "insert"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Set the value of a key, only if the key does not exist", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "setex", acl: &["@write", "@string", "@slow"], tips: &[], key_specs: &[KeySpecDoc { flags: &["OW", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Set the value and expiration of a key", since: "2.0.0", complexity: "O(1)" },
    CommandDoc { name: "psetex", acl: &["@write", "@string", "@slow"], tips: &[], key_specs: &[KeySpecDoc { flags: &["OW", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Set the value and expiration in milliseconds of a key", since: "2.6.0", complexity: "O(1)" },
    CommandDoc { name: "mget", acl: &["@read", "@string", "@fast"], tips: &["request_policy:multi_shard"], key_specs: &[KeySpecDoc { flags: &["RO", "access"], index: 1, lastkey: -1, keystep: 1, limit: 0 }], summary: "Get the values of all the given keys", since: "1.0.0", complexity: "O(N) where N is the number of keys to retrieve." },
    CommandDoc { name: "mset", acl: &["@write", "@string", "@slow"], tips: &["request_policy:multi_shard", "response_policy:all_succeeded"], key_specs: &[KeySpecDoc { flags: &["OW", "update"], index: 1, lastkey: -1, keystep: 2, limit: 0 }], summary: "Set multiple keys to multiple values", since: "1.0.1", complexity: "O(N) where N is the number of keys to set." },
    CommandDoc { name: "msetnx", acl: &["@write", "@string", "@slow"], tips: &["request_policy:multi_shard", "response_policy:agg_min"], key_specs: &[KeySpecDoc { flags: &["OW", "insert"], index: 1, lastkey: -1, keystep: 2, limit: 0 }], summary: "Set multiple keys to multiple values, only if none of the keys exist", since: "1.0.1", complexity: "O(N) where N is the number of keys to set." },
    CommandDoc { name: "getset", acl: &["@write", "@string", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "access", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Set the string value of a key and return its old value", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "getdel", acl: &["@write", "@string", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "access", "delete"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Get the value of a key and delete the key", since: "6.2.0", complexity: "O(1)" },
    CommandDoc { name: "getex", acl: &["@write", "@string", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "access", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Get the value of a key and optionally set its expiration", since: "6.2.0", complexity: "O(1)" },
    CommandDoc { name: "append", acl: &["@write", "@string", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "insert"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Append a value to a key", since: "2.0.0", complexity: "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation." },
    CommandDoc { name: "strlen", acl: &["@read", "@string", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RO"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Get the length of the value stored in a key", since: "2.2.0", complexity: "O(1)" },
    CommandDoc { name: "incr", acl: &["@write", "@string", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "access", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Increment the integer value of a key by one", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "decr", acl: &["@write", "@string", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "access", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Decrement the integer value of a key by one", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "incrby", acl: &["@write", "@string", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "access", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Increment the integer value of a key by the given amount", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "decrby", acl: &["@write", "@string", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "access", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Decrement the integer value of a key by the given number", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "incrbyfloat", acl: &["@write", "@string", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "access", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Increment the float value of a key by the given amount", since: "2.6.0", complexity: "O(1)" },
    CommandDoc { name: "getrange", acl: &["@read", "@string", "@slow"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RO", "access"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Get a substring of the string stored at a key", since: "2.4.0", complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings." },
    CommandDoc { name: "setrange", acl: &["@write", "@string", "@slow"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Overwrite part of a string at key starting at the specified offset", since: "2.2.0", complexity: "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument." },
    CommandDoc { name: "substr", acl: &["@read", "@string", "@slow"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RO", "access"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Get a substring of the string stored at a key", since: "1.0.0", complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings." },
    CommandDoc { name: "lcs", acl: &["@read", "@string", "@slow"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RO", "access"], index: 1, lastkey: 1, keystep: 1, limit: 0 }], summary: "Find longest common substring", since: "7.0.0", complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively" },
    CommandDoc { name: "del", acl: &["@keyspace", "@write", "@slow"], tips: &["request_policy:multi_shard", "response_policy:agg_sum"], key_specs: &[KeySpecDoc { flags: &["RM", "delete"], index: 1, lastkey: -1, keystep: 1, limit: 0 }], summary: "Delete a key", since: "1.0.0", complexity: "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1)." },
    CommandDoc { name: "unlink", acl: &["@keyspace", "@write", "@fast"], tips: &["request_policy:multi_shard", "response_policy:agg_sum"], key_specs: &[KeySpecDoc { flags: &["RM", "delete"], index: 1, lastkey: -1, keystep: 1, limit: 0 }], summary: "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", since: "4.0.0", complexity: "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of." },
    CommandDoc { name: "exists", acl: &["@keyspace", "@read", "@fast"], tips: &["request_policy:multi_shard", "response_policy:agg_sum"], key_specs: &[KeySpecDoc { flags: &["RO"], index: 1, lastkey: -1, keystep: 1, limit: 0 }], summary: "Determine if a key exists", since: "1.0.0", complexity: "O(N) where N is the number of keys to check." },
    CommandDoc { name: "type", acl: &["@keyspace", "@read", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RO"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Determine the type stored at key", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "rename", acl: &["@keyspace", "@write", "@slow"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "access", "delete"], index: 1, lastkey: 0, keystep: 1, limit: 0 }, KeySpecDoc { flags: &["OW", "update"], index: 2, lastkey: 0, keystep: 1, limit: 0 }], summary: "Rename a key", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "renamenx", acl: &["@keyspace", "@write", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "access", "delete"], index: 1, lastkey: 0, keystep: 1, limit: 0 }, KeySpecDoc { flags: &["OW", "insert"], index: 2, lastkey: 0, keystep: 1, limit: 0 }], summary: "Rename a key, only if the new key does not exist", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "copy", acl: &["@keyspace", "@write", "@slow"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RO", "access"], index: 1, lastkey: 0, keystep: 1, limit: 0 }, KeySpecDoc { flags: &["OW", "update"], index: 2, lastkey: 0, keystep: 1, limit: 0 }], summary: "Copy a key", since: "6.2.0", complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values." },
    CommandDoc { name: "move", acl: &["@keyspace", "@write", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "access", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Move a key to another database", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "touch", acl: &["@keyspace", "@read", "@fast"], tips: &["request_policy:multi_shard", "response_policy:agg_sum"], key_specs: &[KeySpecDoc { flags: &["RO"], index: 1, lastkey: -1, keystep: 1, limit: 0 }], summary: "Alters the last access time of a key(s). Returns the number of existing keys specified.", since: "3.2.1", complexity: "O(N) where N is the number of keys that will be touched." },
    CommandDoc { name: "expire", acl: &["@keyspace", "@write", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Set a key's time to live in seconds", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "pexpire", acl: &["@keyspace", "@write", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Set a key's time to live in milliseconds", since: "2.6.0", complexity: "O(1)" },
    CommandDoc { name: "expireat", acl: &["@keyspace", "@write", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Set the expiration for a key as a UNIX timestamp", since: "1.2.0", complexity: "O(1)" },
    CommandDoc { name: "pexpireat", acl: &["@keyspace", "@write", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Set the expiration for a key as a UNIX timestamp specified in milliseconds", since: "2.6.0", complexity: "O(1)" },
    CommandDoc { name: "ttl", acl: &["@keyspace", "@read", "@fast"], tips: &["nondeterministic_output"], key_specs: &[KeySpecDoc { flags: &["RO", "access"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Get the time to live for a key in seconds", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "pttl", acl: &["@keyspace", "@read", "@fast"], tips: &["nondeterministic_output"], key_specs: &[KeySpecDoc { flags: &["RO", "access"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Get the time to live for a key in milliseconds", since: "2.6.0", complexity: "O(1)" },
    CommandDoc { name: "expiretime", acl: &["@keyspace", "@read", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RO", "access"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Get the expiration Unix timestamp for a key", since: "7.0.0", complexity: "O(1)" },
    CommandDoc { name: "pexpiretime", acl: &["@keyspace", "@read", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RO", "access"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Get the expiration Unix timestamp for a key in milliseconds", since: "7.0.0", complexity: "O(1)" },
    CommandDoc { name: "persist", acl: &["@keyspace", "@write", "@fast"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RW", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Remove the expiration from a key", since: "2.2.0", complexity: "O(1)" },
    CommandDoc { name: "keys", acl: &["@keyspace", "@read", "@slow", "@dangerous"], tips: &["request_policy:all_shards", "nondeterministic_output_order"], key_specs: &[], summary: "Find all keys matching the given pattern", since: "1.0.0", complexity: "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length." },
    CommandDoc { name: "scan", acl: &["@keyspace", "@read", "@slow"], tips: &["nondeterministic_output", "request_policy:special"], key_specs: &[], summary: "Incrementally iterate the keys space", since: "2.8.0", complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection." },
    CommandDoc { name: "randomkey", acl: &["@keyspace", "@read", "@slow"], tips: &["request_policy:all_shards", "nondeterministic_output"], key_specs: &[], summary: "Return a random key from the keyspace", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "dbsize", acl: &["@keyspace", "@read", "@fast"], tips: &["request_policy:all_shards", "response_policy:agg_sum"], key_specs: &[], summary: "Return the number of keys in the selected database", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "flushdb", acl: &["@keyspace", "@write", "@slow", "@dangerous"], tips: &["request_policy:all_shards", "response_policy:all_succeeded"], key_specs: &[], summary: "Remove all keys from the current database", since: "1.0.0", complexity: "O(N) where N is the number of keys in the selected database" },
    CommandDoc { name: "flushall", acl: &["@keyspace", "@write", "@slow", "@dangerous"], tips: &["request_policy:all_shards", "response_policy:all_succeeded"], key_specs: &[], summary: "Remove all keys from all databases", since: "1.0.0", complexity: "O(N) where N is the total number of keys in all databases" },
    CommandDoc { name: "swapdb", acl: &["@keyspace", "@write", "@fast", "@dangerous"], tips: &[], key_specs: &[], summary: "Swaps two Redis databases", since: "4.0.0", complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases." },
    CommandDoc { name: "object", acl: &["@slow"], tips: &[], key_specs: &[], summary: "A container for object introspection commands", since: "2.2.3", complexity: "Depends on subcommand." },
    CommandDoc { name: "dump", acl: &["@keyspace", "@read", "@slow"], tips: &["nondeterministic_output"], key_specs: &[KeySpecDoc { flags: &["RO", "access"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Return a serialized version of the value stored at the specified key.", since: "2.6.0", complexity: "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1)." },
    CommandDoc { name: "restore", acl: &["@keyspace", "@write", "@slow", "@dangerous"], tips: &[], key_specs: &[KeySpecDoc { flags: &["OW", "update"], index: 1, lastkey: 0, keystep: 1, limit: 0 }], summary: "Create a key using the provided serialized value, previously obtained using DUMP.", since: "2.6.0", complexity: "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N))." },
    CommandDoc { name: "ping", acl: &["@fast", "@connection"], tips: &["request_policy:all_shards", "response_policy:all_succeeded"], key_specs: &[], summary: "Ping the server", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "echo", acl: &["@fast", "@connection"], tips: &[], key_specs: &[], summary: "Echo the given string", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "hello", acl: &["@fast", "@connection"], tips: &[], key_specs: &[], summary: "Handshake with Redis", since: "6.0.0", complexity: "O(1)" },
    CommandDoc { name: "auth", acl: &["@fast", "@connection"], tips: &[], key_specs: &[], summary: "Authenticate to the server", since: "1.0.0", complexity: "O(N) where N is the number of passwords defined for the user" },
    CommandDoc { name: "quit", acl: &["@fast", "@connection"], tips: &[], key_specs: &[], summary: "Close the connection", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "reset", acl: &["@fast", "@connection"], tips: &[], key_specs: &[], summary: "Reset the connection", since: "6.2.0", complexity: "O(1)" },
    CommandDoc { name: "select", acl: &["@fast", "@connection"], tips: &[], key_specs: &[], summary: "Change the selected database for the current connection", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "client", acl: &["@slow"], tips: &[], key_specs: &[], summary: "A container for client connection commands", since: "2.4.0", complexity: "Depends on subcommand." },
    CommandDoc { name: "info", acl: &["@slow", "@dangerous"], tips: &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], key_specs: &[], summary: "Get information and statistics about the server", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "config", acl: &["@slow"], tips: &[], key_specs: &[], summary: "A container for server configuration commands", since: "2.0.0", complexity: "Depends on subcommand." },
    CommandDoc { name: "command", acl: &["@slow", "@connection"], tips: &["nondeterministic_output_order"], key_specs: &[], summary: "Get array of Redis command details", since: "2.8.13", complexity: "O(N) where N is the total number of Redis commands" },
    CommandDoc { name: "time", acl: &["@fast"], tips: &["nondeterministic_output"], key_specs: &[], summary: "Return the current server time", since: "2.6.0", complexity: "O(1)" },
    CommandDoc { name: "shutdown", acl: &["@admin", "@slow", "@dangerous"], tips: &[], key_specs: &[], summary: "Synchronously save the dataset to disk and then shut down the server", since: "1.0.0", complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)" },
    CommandDoc { name: "debug", acl: &["@admin", "@slow", "@dangerous"], tips: &[], key_specs: &[], summary: "A container for debugging commands", since: "1.0.0", complexity: "Depends on subcommand." },
    CommandDoc { name: "lastsave", acl: &["@admin", "@fast", "@dangerous"], tips: &["nondeterministic_output"], key_specs: &[], summary: "Get the UNIX time stamp of the last successful save to disk", since: "1.0.0", complexity: "O(1)" },
    CommandDoc { name: "multi", acl: &["@fast", "@transaction"], tips: &[], key_specs: &[], summary: "Mark the start of a transaction block", since: "1.2.0", complexity: "O(1)" },
    CommandDoc { name: "exec", acl: &["@slow", "@transaction"], tips: &[], key_specs: &[], summary: "Execute all commands issued after MULTI", since: "1.2.0", complexity: "Depends on commands in the transaction" },
    CommandDoc { name: "discard", acl: &["@fast", "@transaction"], tips: &[], key_specs: &[], summary: "Discard all commands issued after MULTI", since: "2.0.0", complexity: "O(N), when N is the number of queued commands" },
    CommandDoc { name: "watch", acl: &["@fast", "@transaction"], tips: &[], key_specs: &[KeySpecDoc { flags: &["RO"], index: 1, lastkey: -1, keystep: 1, limit: 0 }], summary: "Watch the given keys to determine execution of the MULTI/EXEC block", since: "2.2.0", complexity: "O(1) for every key." },
    CommandDoc { name: "unwatch", acl: &["@fast", "@transaction"], tips: &[], key_specs: &[], summary: "Forget about all watched keys", since: "2.2.0", complexity: "O(1)" },
];
