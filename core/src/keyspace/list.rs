//! A placeholder for the lists family's value type: the family replaces it with the real
//! encodings. The interface below is what the rest of the keyspace relies on.

use super::dump::RdbObject;
use crate::config::Config;

/// A list value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct List {
    items: Vec<Vec<u8>>,
}

impl List {
    /// RDB object types this value is written as and read from.
    pub const RDB_TYPES: &'static [u8] = &[];

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when it holds nothing (an empty collection is never stored).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The name OBJECT ENCODING answers.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }
}

impl RdbObject for List {
    fn write_rdb(&self, _out: &mut Vec<u8>, _compress: bool) {}

    fn read_rdb(_rdb_type: u8, _input: &mut &[u8], _config: &Config) -> Option<Self> {
        None
    }
}
