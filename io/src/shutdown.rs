//! SHUTDOWN and SIGTERM, as Redis does them: a final save when save rules exist (or SAVE is
//! asked for), then every shard stops. A final save that fails keeps the server running,
//! unless FORCE says to stop anyway.

use std::sync::atomic::Ordering;

use tessera_core::errors;
use tessera_core::protocol::Args;

use crate::dispatch::{park_for, reply_now, Flow};
use crate::log;
use crate::mesh::Msg;
use crate::shard::{current, Shard};

/// How a shutdown goes.
#[derive(Clone, Copy, Debug, Default)]
struct Plan {
    save: bool,
    nosave: bool,
    force: bool,
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT].
pub(crate) fn command(sh: &mut Shard, idx: usize, args: &Args<'_>) -> Flow {
    let mut plan = Plan::default();
    let mut abort = false;
    let mut now = false;
    for i in 1..args.len() {
        if args.is(i, "nosave") {
            plan.nosave = true;
        } else if args.is(i, "save") {
            plan.save = true;
        } else if args.is(i, "now") {
            now = true;
        } else if args.is(i, "force") {
            plan.force = true;
        } else if args.is(i, "abort") {
            abort = true;
        } else {
            reply_now(sh, idx, |r| r.error(errors::SYNTAX));
            return Flow::Continue;
        }
    }
    let flagged = plan.save || plan.nosave || plan.force || now;
    if (abort && flagged) || (plan.save && plan.nosave) {
        reply_now(sh, idx, |r| r.error(errors::SYNTAX));
        return Flow::Continue;
    }
    if abort {
        reply_now(sh, idx, |r| r.error("ERR No shutdown in progress."));
        return Flow::Continue;
    }
    log::warn("User requested shutdown...");
    if !must_save(sh, plan) {
        stop_all(sh);
        return Flow::Hold;
    }
    park_for(sh, idx, async move {
        if final_save(plan).await {
            stop_all(&mut current().borrow_mut());
            Vec::new()
        } else {
            b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n".to_vec()
        }
    });
    Flow::Continue
}

/// SIGTERM or SIGINT, seen by shard 0: a SHUTDOWN without arguments.
pub(crate) fn on_signal(sh: &mut Shard) {
    log::warn("Received SIGTERM scheduling shutdown...");
    let plan = Plan::default();
    if !must_save(sh, plan) {
        return stop_all(sh);
    }
    glommio::spawn_local(async move {
        glommio::executor().yield_now().await;
        if final_save(plan).await {
            stop_all(&mut current().borrow_mut());
        } else {
            log::warn(
                "SIGTERM received but errors trying to shut down the server, check the logs for more information",
            );
        }
    })
    .detach();
}

fn must_save(sh: &Shard, plan: Plan) -> bool {
    crate::persistence::get().is_some()
        && (plan.save || (!plan.nosave && !sh.config.save.is_empty()))
}

/// Saves before exiting, after any save in progress; true when the server may stop.
async fn final_save(plan: Plan) -> bool {
    let node = current().borrow().node.clone();
    while node.saving.swap(true, Ordering::AcqRel) {
        glommio::timer::sleep(std::time::Duration::from_millis(10)).await;
    }
    log::notice("Saving the final RDB snapshot before exiting.");
    let result = crate::save::snapshot().await;
    node.saving.store(false, Ordering::Release);
    match result {
        Ok(()) => {
            log::notice("DB saved on disk");
            true
        }
        Err(e) => {
            log::warn(&format!("Error trying to save the DB, can't exit: {e}"));
            if plan.force {
                log::warn("Errors trying to shut down the server. Exit anyway (FORCE).");
            }
            plan.force
        }
    }
}

/// Tells every shard to stop.
pub(crate) fn stop_all(sh: &mut Shard) {
    for s in 0..sh.shards() {
        if s != sh.id {
            sh.send(s, Msg::Shutdown);
        }
    }
    sh.node.shutdown.store(true, Ordering::Release);
    sh.notify.notify();
}
