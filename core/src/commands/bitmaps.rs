//! The bitmap commands (placeholder: the family fills it in).

use super::Command;

/// The bitmap commands.
pub static COMMANDS: &[Command] = &[];
