//! Tessera's core: the RESP protocol, a shard's keyspace, the data types and the command table.
//!
//! Nothing here does I/O or knows about executors: every function takes a shard's data and a
//! parsed command and produces the reply, so all of it is testable with plain unit tests.

#![warn(missing_docs)]

pub mod commands;
pub mod config;
pub mod errors;
pub mod keyspace;
pub mod long_double;
pub mod protocol;
pub mod slot;

/// Tessera's own version, reported as `tessera_version` beside `redis_version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The Redis version Tessera speaks (clients gate features on it).
pub const REDIS_VERSION: &str = "7.0.15";
