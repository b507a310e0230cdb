//! RESP, both ways: the request reader and the reply writer.

pub mod args;
pub mod reader;
pub mod reply;
pub mod scan;

pub use args::Args;
pub use reader::{parse_request, ArgSource, Parsed, ProtocolError, ReaderLimits};
pub use reply::{Protocol, Reply};
