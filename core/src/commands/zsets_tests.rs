//! Unit tests of the sorted set family (filled in below).
use super::*;
