//! `tessera-load`: a memtier-style load generator for any RESP server.
//!
//! The run has three steps, each in its own module: [`setup`] connects every client (blocking,
//! from the main thread, so a refused connection is reported before any load starts), [`worker`]
//! drives one thread's connections from an epoll loop (an optional preload phase, then the
//! measured phase), and [`report`] merges the per-thread [`stats`] into the table and the JSON.

pub mod args;
pub mod clock;
pub mod cluster;
pub mod conn;
pub mod keys;
pub mod poller;
pub mod report;
pub mod request;
pub mod resp;
pub mod run;
pub mod setup;
pub mod shards;
pub mod stats;
pub mod value;
pub mod worker;

pub use args::Args;
pub use run::run;
