//! The sorted set commands (placeholder: the family fills it in).

use super::Command;

/// The sorted set commands.
pub static COMMANDS: &[Command] = &[];
