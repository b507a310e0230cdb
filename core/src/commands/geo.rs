//! The geo commands (placeholder: the family fills it in).

use super::Command;

/// The geo commands.
pub static COMMANDS: &[Command] = &[];
