//! SIGTERM and SIGINT as a stop flag, the way Redis treats them: a clean shutdown, not a kill.
//!
//! A signal handler may only touch atomics, so it sets a static flag; a small thread turns that
//! into the flag `serve` watches, which then wakes every shard to shut down.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

static SIGNALLED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    SIGNALLED.store(true, Ordering::Release);
}

/// Installs handlers for SIGTERM and SIGINT (and ignores SIGPIPE, whose default would kill the
/// process on a write to a closed socket); returns the flag to hand to [`crate::serve`].
pub fn stop_on_signals() -> Arc<AtomicBool> {
    // SAFETY: installing handlers that only store to an atomic.
    unsafe {
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = stop.clone();
    std::thread::spawn(move || loop {
        if SIGNALLED.load(Ordering::Acquire) {
            watcher.store(true, Ordering::Release);
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    });
    stop
}
