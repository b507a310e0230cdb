//! Redis's listpack format (placeholder; written next).
