//! Tessera's measuring instruments, as a library so the binaries stay thin and the pieces can be
//! unit-tested: today the load generator behind `tessera-load`.

pub mod load;
