//! The set commands (placeholder: the family fills it in).

use super::Command;

/// The set commands.
pub static COMMANDS: &[Command] = &[];
