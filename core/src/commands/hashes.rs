//! The hash commands (placeholder: the family fills it in).

use super::Command;

/// The hash commands.
pub static COMMANDS: &[Command] = &[];
