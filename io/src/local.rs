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
            w.wake();
        }
    }
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

/// Wakes one sleeping task (the network loop) when others have work for it.
#[derive(Clone, Default)]
pub struct Notify(Rc<RefCell<(bool, Option<Waker>)>>);

impl Notify {
    /// Marks work pending and wakes the waiter.
    pub fn notify(&self) {
        let waker = {
            let mut s = self.0.borrow_mut();
            s.0 = true;
            s.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Completes once `notify` was called since the last completion.
    pub fn notified(&self) -> Notified {
        Notified(self.0.clone())
    }

    /// Takes a pending notification without waiting.
    pub fn take(&self) -> bool {
        std::mem::take(&mut self.0.borrow_mut().0)
    }
}

/// The future of [`Notify::notified`].
pub struct Notified(Rc<RefCell<(bool, Option<Waker>)>>);

impl Future for Notified {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.0.borrow_mut();
        if std::mem::take(&mut s.0) {
            Poll::Ready(())
        } else {
            s.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}
