//! A shard's periodic work, `hz` times a second: the active expiry cycle, idle client
//! timeouts and the end of CLIENT PAUSE.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::shard::{current, now_ms};

static ACTIVE_EXPIRE: AtomicBool = AtomicBool::new(true);

/// DEBUG SET-ACTIVE-EXPIRE: turns the active expiry cycle on or off on every shard.
pub fn set_active_expire(on: bool) {
    ACTIVE_EXPIRE.store(on, Ordering::Relaxed);
}

/// Runs the shard's periodic work until shutdown.
pub async fn run() {
    let shard = current();
    let mut last_timeout_check = 0u64;
    let mut last_save_check = 0u64;
    loop {
        let hz = shard.borrow().config.hz.clamp(1, 500);
        glommio::timer::sleep(Duration::from_millis(1000 / hz)).await;
        let mut sh = shard.borrow_mut();
        if sh.node.shutdown.load(Ordering::Acquire) {
            return;
        }
        // Like Redis's serverCron, an idle shard looks at its ring `hz` times a second: a
        // wake-up the eventfd did not deliver costs at most that long.
        sh.notify.kick();
        if ACTIVE_EXPIRE.load(Ordering::Relaxed) {
            sh.expire_cycle();
        }
        crate::blocking::expire(&mut sh);
        crate::evict::background(&mut sh);
        let now = now_ms();
        sh.node.dirty[sh.id].store(sh.ks.dirty, Ordering::Release);
        let aof_size = sh
            .aof
            .as_ref()
            .map_or(0, |a| a.file_size + a.pending_end() - a.written);
        sh.node.aof_sizes[sh.id].store(aof_size, Ordering::Release);
        if sh.node.loading.load(Ordering::Acquire) {
            let mine = sh
                .node
                .preload
                .lock()
                .ok()
                .and_then(|mut slots| slots.get_mut(sh.id).and_then(Option::take));
            if let Some(keys) = mine {
                glommio::spawn_local(crate::persistence::insert(keys)).detach();
            }
        }
        if sh.id == 0 && sh.node.terminate.swap(false, Ordering::AcqRel) {
            crate::shutdown::on_signal(&mut sh);
        }
        if sh.id == 0 && now - last_save_check >= 1000 {
            last_save_check = now;
            crate::save::cron(&mut sh);
            crate::rewrite::cron(&mut sh);
        }
        if sh.pause.0 != 0 && sh.pause.0 <= now {
            sh.pause = (0, false);
            sh.resume_all();
        }
        let timeout = sh.config.timeout;
        if timeout > 0 && now - last_timeout_check >= 1000 {
            last_timeout_check = now;
            for idx in 0..sh.conns.len() {
                let idle = sh.conns[idx].as_ref().is_some_and(|c| {
                    c.fd >= 0
                        && !c.closing
                        && !c.parked
                        && c.multi.is_none()
                        && now.saturating_sub(c.last_ms) > timeout * 1000
                });
                if idle {
                    if let Some(c) = sh.conns[idx].as_mut() {
                        c.closing = true;
                    }
                    sh.to_close.push(idx as u32);
                    sh.notify.notify();
                }
            }
        }
    }
}
