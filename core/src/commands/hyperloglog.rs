//! The HyperLogLog commands (placeholder: the family fills it in).

use super::Command;

/// The HyperLogLog commands.
pub static COMMANDS: &[Command] = &[];
