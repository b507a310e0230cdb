//! The list commands (placeholder: the family fills it in).

use super::Command;

/// The list commands.
pub static COMMANDS: &[Command] = &[];
