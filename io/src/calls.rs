//! How a shard runs what reaches it from elsewhere: the batches its peers send (commands,
//! replies, locks, barrier rounds...), and the commands it runs for a client of another shard,
//! for a transaction, or once a lock they waited for is released.

use std::sync::atomic::Ordering;

use tessera_core::commands;
use tessera_core::protocol::{Args, Protocol, Reply};

use crate::locks::{Footprint, TxId};
use crate::mesh::{Batch, Item, Msg};
use crate::shard::{footprint_of, now_ms, parse_internal, Deferred, Shard};

impl Shard {
    /// Handles a batch of messages from peer `from`.
    pub fn handle_batch(&mut self, from: usize, mut batch: Batch) {
        // Messages in flight belong to no shard's share of `maxmemory`: the sender gave their
        // bytes up when it sent them, and this shard takes them on only once it is done with
        // them, just before they are freed (see `memory::hand_over`).
        let in_flight = batch.heap_bytes();
        self.clock = now_ms();
        let mut keys = std::mem::take(&mut self.call_keys);
        keys.start(self, &batch);
        let mut spans = std::mem::take(&mut self.call_spans);
        let mut others = batch.take_others();
        let mut rest = others.drain(..);
        let mut pos = 0;
        while let Some(item) = batch.next_item(&mut pos, &mut spans) {
            let msg = match item {
                Item::Call(call) => {
                    keys.next_call(&self.ks);
                    let args = Args::new(batch.data(), &spans);
                    // Behind a write of this peer that waits for a barrier round, the peer's
                    // later messages wait too, in order (see `barrier`).
                    if self.barrier.holds(from) {
                        crate::barrier::hold_peer_call(self, from, &call, &args);
                    } else {
                        self.run_call(
                            from,
                            call.token,
                            call.db as usize,
                            call.proto,
                            call.tx,
                            &args,
                        );
                    }
                    continue;
                }
                Item::Reply { token, bytes } => {
                    self.awaiting_peers = self.awaiting_peers.saturating_sub(1);
                    self.deliver(token, &batch.data()[bytes]);
                    continue;
                }
                Item::Other => match rest.next() {
                    Some(msg) => msg,
                    None => break,
                },
            };
            if self.barrier.holds(from) && crate::barrier::holdable(&msg) {
                crate::barrier::hold_msg(self, from, msg);
            } else {
                self.handle_msg(from, msg);
            }
        }
        drop(rest);
        batch.put_others(others);
        self.call_spans = spans;
        self.call_keys = keys;
        crate::memory::take_over(in_flight);
        // The emptied buffers carry this shard's next batch back to the sender, so a steady
        // exchange allocates nothing (nor frees on another thread than the one that allocated).
        self.spare_batches[from] = batch.recycle();
    }

    /// Handles one of the rare messages (anything but a call or a reply) from peer `from`.
    pub fn handle_msg(&mut self, from: usize, msg: Msg) {
        match msg {
            Msg::Lock {
                tx,
                footprint,
                token,
            } => {
                if let Some(Deferred::Grant { from, token }) =
                    self.locks
                        .acquire(tx, *footprint, Deferred::Grant { from, token })
                {
                    self.send(from, Msg::Granted { token });
                }
            }
            Msg::Granted { token } => self.deliver(token, &[]),
            Msg::Unlock { tx } => self.release(tx),
            Msg::TxEnd { tx, parts, token } => {
                if let Some(aof) = self.aof.as_mut() {
                    aof.end_tx(tx, parts);
                }
                // The acknowledgement leaves once the frame is safe in the log.
                match self.aof.as_ref().map(|a| a.pending_end()) {
                    Some(need) => self
                        .write_replies
                        .push((need, from, token, b"+OK\r\n".to_vec())),
                    None => self.send_reply(from, token, b"+OK\r\n"),
                }
            }
            Msg::Change { token, change } => {
                self.apply_change(change);
                self.send_reply(from, token, b"+OK\r\n");
            }
            Msg::Kill { token, filter } => {
                let n = crate::client_cmd::kill_local(self, &filter);
                self.send_reply(from, token, format!(":{n}\r\n").as_bytes());
            }
            Msg::Report { token, kind } => {
                let bytes = crate::admin::report(self, kind);
                self.send_reply(from, token, &bytes);
            }
            Msg::Unwait { token, how } => crate::blocking::unwait(self, from, token, how),
            Msg::Unblock { token, id, how } => {
                let n = crate::client_cmd::unblock_local(self, id, how);
                self.send_reply(from, token, format!(":{n}\r\n").as_bytes());
            }
            Msg::Barrier { round } => crate::barrier::on_barrier(self, from, round),
            Msg::BarrierAck { round } => crate::barrier::on_ack(self, from, round),
            Msg::Shutdown => {
                self.node.shutdown.store(true, Ordering::Release);
                self.notify.notify();
            }
        }
    }

    /// Runs a RESP-encoded command for shard `from`, as [`Shard::run_call`] does once it is
    /// parsed.
    pub fn run_call_resp(
        &mut self,
        from: usize,
        token: u64,
        db: usize,
        proto: Protocol,
        tx: Option<TxId>,
        bytes: &[u8],
    ) {
        let spans = parse_internal(bytes).unwrap_or_default();
        self.run_call(from, token, db, proto, tx, &Args::new(bytes, &spans));
    }

    /// Runs a command for shard `from` (this one included) and sends the reply to `token`
    /// there, unless it must wait for a transaction's locks (it runs when they are released),
    /// it is a write that must wait for a barrier round before it serves blocked clients (see
    /// `barrier`), or it is a blocking command that found nothing (it waits here, see
    /// `blocking`).
    pub fn run_call(
        &mut self,
        from: usize,
        token: u64,
        db: usize,
        proto: Protocol,
        tx: Option<TxId>,
        whole: &Args<'_>,
    ) {
        if whole.is_empty() {
            let mut out = Vec::new();
            Reply::new(&mut out, proto).error("ERR malformed internal command");
            self.reply_to(from, token, &out);
            return;
        }
        // A blocking command comes as `__blk <stamp> command...` (see `blocking`).
        let mut stamp = None;
        let mut args = *whole;
        if whole.get(0).starts_with(b"__") {
            match whole.get(0) {
                b"__blockon" => {
                    crate::blocking::notify_on(self, from, token, db, whole);
                    return;
                }
                b"__blk" => match crate::blocking::unstamped(whole) {
                    Some((s, inner)) => {
                        stamp = Some(s);
                        args = inner;
                    }
                    None => {
                        let mut out = Vec::new();
                        Reply::new(&mut out, proto).error("ERR malformed internal command");
                        self.reply_to(from, token, &out);
                        return;
                    }
                },
                _ => {}
            }
        }
        let cmd = commands::lookup(args.get(0));
        if tx.is_none() && !self.locks.idle() {
            let fp = match cmd {
                Some(cmd) => Some(footprint_of(cmd, &args, db, None)),
                None => crate::multi::exec_footprint(whole, db),
            };
            if let Some(fp) = fp.filter(|fp| self.locks.must_wait(fp)) {
                let mut resp = Vec::new();
                whole.encode_into(&mut resp);
                let work = Deferred::Cmd {
                    from,
                    token,
                    db: db as u16,
                    proto,
                    args: resp,
                };
                self.locks.defer(fp, work);
                return;
            }
        }
        if tx.is_none() && !self.waiters.is_empty() {
            if let Some(cmd) = cmd {
                if crate::barrier::must_hold(self, cmd, &args, db) {
                    crate::barrier::hold_call(self, from, token, db, proto, whole);
                    return;
                }
            }
        }
        if tx.is_none() && self.config.maxmemory != 0 && crate::evict::refuses_here(self, cmd) {
            let mut out = Vec::new();
            Reply::new(&mut out, proto).error(tessera_core::errors::OOM);
            self.reply_to(from, token, &out);
            return;
        }
        // The reply is built in a reused buffer, then copied into the batch for `from`.
        let mut out = std::mem::take(&mut self.reply_scratch);
        out.clear();
        self.running_tx = tx;
        let logged = self.aof.as_ref().map(|a| a.pending_end());
        // The command was looked up above: run it without a second lookup, unless it is one
        // of the shard-to-shard commands `execute` answers itself (all named `__...`).
        match cmd {
            Some(cmd) if !args.get(0).starts_with(b"__") => {
                self.run_command(cmd, db, proto, &args, &mut out)
            }
            _ => self.execute(db, proto, &args, &mut out),
        }
        self.running_tx = None;
        let need = self
            .aof
            .as_ref()
            .map(|a| a.pending_end())
            .filter(|&end| Some(end) != logged);
        let waits = crate::blocking::keep_if_blocked(
            self,
            tx.is_none(),
            from,
            token,
            db,
            proto,
            &args,
            stamp.unwrap_or(self.read_ns),
        );
        if !waits {
            match need {
                Some(need) => self.write_replies.push((need, from, token, out.clone())),
                None => self.reply_to(from, token, &out),
            }
        }
        self.reply_scratch = out;
        crate::blocking::serve(self);
    }

    /// Sends a reply to `token` on shard `from`, this one included.
    pub fn reply_to(&mut self, from: usize, token: u64, bytes: &[u8]) {
        if from == self.id {
            self.deliver(token, bytes);
        } else {
            self.send_reply(from, token, bytes);
        }
    }

    /// What a RESP-encoded command locks here.
    pub fn footprint_resp(&self, db: usize, bytes: &[u8]) -> Option<Footprint> {
        let spans = parse_internal(bytes)?;
        let args = Args::new(bytes, &spans);
        let cmd = commands::lookup(args.get(0))?;
        Some(footprint_of(cmd, &args, db, None))
    }

    /// Releases a transaction's locks and runs what was waiting for them.
    pub fn release(&mut self, tx: TxId) {
        let ready = self.locks.release(tx);
        for work in ready {
            self.run_deferred(work);
        }
    }

    /// Runs work whose locks were granted.
    pub fn run_deferred(&mut self, work: Deferred) {
        match work {
            Deferred::Cmd {
                from,
                token,
                db,
                proto,
                args: bytes,
            } => {
                let db = db as usize;
                let spans = parse_internal(&bytes).unwrap_or_default();
                let whole = Args::new(&bytes, &spans);
                let mut out = Vec::new();
                if whole.is_empty() {
                    Reply::new(&mut out, proto).error("ERR malformed internal command");
                    self.reply_to(from, token, &out);
                    return;
                }
                // A blocking command keeps the stamp it was read with.
                let (stamp, args) =
                    crate::blocking::unstamped(&whole).unwrap_or((self.read_ns, whole));
                self.execute(db, proto, &args, &mut out);
                let waits = crate::blocking::keep_if_blocked(
                    self, true, from, token, db, proto, &args, stamp,
                );
                if !waits {
                    self.reply_to(from, token, &out);
                }
                crate::blocking::serve(self);
            }
            Deferred::Grant { from, token } => self.send(from, Msg::Granted { token }),
            Deferred::LocalGrant(tx) => tx.send(Vec::new()),
        }
    }
}
