//! Single-thread wake-up primitives for tasks of one shard (no atomics, no locks).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

struct OneshotState<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

/// Receives one value from the shard's own tasks or message handlers.
pub struct Oneshot<T>(Rc<RefCell<OneshotState<T>>>);

/// Sends the value a [`Oneshot`] waits for.
pub struct OneshotSender<T>(Rc<RefCell<OneshotState<T>>>);

/// A connected sender and receiver.
pub fn oneshot<T>() -> (OneshotSender<T>, Oneshot<T>) {
    let state = Rc::new(RefCell::new(OneshotState {
        value: None,
        waker: None,
    }));
    (OneshotSender(state.clone()), Oneshot(state))
}

impl<T> OneshotSender<T> {
    /// Delivers the value and wakes the receiver.
    pub fn send(self, value: T) {
        let waker = {
            let mut s = self.0.borrow_mut();
            s.value = Some(value);
            s.waker.take()
        };
        if let Some(w) = waker {
            WOKE_TASK.with(|f| f.set(true));
            w.wake();
        }
    }
}

thread_local! {
    static WOKE_TASK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True when a [`OneshotSender`] woke a task of this thread since the last call: the network
/// loop must then let it run before it sleeps in its ring, where glommio cannot run it.
pub fn take_woken_task() -> bool {
    WOKE_TASK.with(|f| f.replace(false))
}

impl<T> Future for Oneshot<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut s = self.0.borrow_mut();
        match s.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Tells the network loop that other tasks of the shard have work for it.
///
/// The loop sleeps awaiting one read of its ring's eventfd, which completes and is dropped on
/// every wake-up (a glommio read polled again and again across sleeps keeps a waker per poll and
/// overflows). So a notification while the loop sleeps writes that eventfd; while it is awake,
/// a flag it checks each turn is enough, and no system call is made.
#[derive(Clone, Default)]
pub struct Notify(Rc<RefCell<NotifyState>>);

#[derive(Default)]
struct NotifyState {
    pending: bool,
    sleeping: bool,
    fd: Option<std::os::fd::RawFd>,
}

impl Notify {
    /// Marks work pending, waking the loop if it sleeps.
    pub fn notify(&self) {
        let wake = {
            let mut s = self.0.borrow_mut();
            s.pending = true;
            std::mem::take(&mut s.sleeping).then_some(s.fd).flatten()
        };
        if let Some(fd) = wake {
            write_eventfd(fd);
        }
    }

    /// The periodic look at a sleeping loop (the safety net for a wake-up the ring did not
    /// deliver): wakes it for one turn.
    pub fn kick(&self) {
        let wake = {
            let mut s = self.0.borrow_mut();
            std::mem::take(&mut s.sleeping).then_some(s.fd).flatten()
        };
        if let Some(fd) = wake {
            write_eventfd(fd);
        }
    }

    /// Takes a pending notification.
    pub fn take(&self) -> bool {
        std::mem::take(&mut self.0.borrow_mut().pending)
    }

    /// The loop is about to sleep on `fd`: notifications must write it from now on.
    pub fn sleep_on(&self, fd: std::os::fd::RawFd) {
        let mut s = self.0.borrow_mut();
        s.fd = Some(fd);
        s.sleeping = true;
    }

    /// The loop is awake again.
    pub fn awake(&self) {
        self.0.borrow_mut().sleeping = false;
    }
}

/// Adds one to an eventfd (a shard's wake-up; nothing happens for a shard not running yet).
pub fn write_eventfd(fd: std::os::fd::RawFd) {
    if fd < 0 {
        return;
    }
    let one: u64 = 1;
    // SAFETY: writing 8 bytes to the shard's own eventfd, open for the life of its loop.
    unsafe { libc::write(fd, &one as *const u64 as *const libc::c_void, 8) };
}
