//! JavaScript events as Rust futures, cleaned up on drop: [`Aborted`] (an `AbortSignal`
//! listener that is removed when dropped) and [`race`] (the first of two futures; the other is
//! dropped, which cancels it). Pauses live in the client's [`scheduler`](super::scheduler).
//!
//! None of these goes through a `Promise`: a promise that never settles would keep its
//! callbacks alive forever, while a dropped `Aborted` frees everything at once.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::sys;

#[derive(Default)]
struct State {
    fired: bool,
    waker: Option<Waker>,
}

/// A one-shot flag that a JavaScript callback raises and a future waits for.
struct Trigger {
    state: Rc<RefCell<State>>,
    callback: Closure<dyn FnMut()>,
}

impl Trigger {
    fn new() -> Trigger {
        let state = Rc::new(RefCell::new(State::default()));
        let shared = state.clone();
        let callback = Closure::new(move || {
            let mut s = shared.borrow_mut();
            s.fired = true;
            if let Some(w) = s.waker.take() {
                w.wake();
            }
        });
        Trigger { state, callback }
    }

    fn function(&self) -> &Function {
        self.callback.as_ref().unchecked_ref()
    }

    fn poll_fired(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.state.borrow_mut();
        if s.fired {
            Poll::Ready(())
        } else {
            s.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// Resolves when an `AbortSignal` fires; dropping it removes the listener.
pub struct Aborted {
    trigger: Trigger,
    signal: sys::AbortSignal,
}

impl Aborted {
    /// Listens to `signal`. Fails when the object has no `addEventListener`.
    pub fn new(signal: sys::AbortSignal) -> Result<Aborted, JsValue> {
        let trigger = Trigger::new();
        signal.add_event_listener("abort", trigger.function())?;
        Ok(Aborted { trigger, signal })
    }
}

impl Future for Aborted {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.trigger.poll_fired(cx)
    }
}

impl Drop for Aborted {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener("abort", self.trigger.function());
    }
}

/// Which of two raced futures finished first.
pub enum Either<A, B> {
    /// The first.
    Left(A),
    /// The second.
    Right(B),
}

/// Polls both futures, returns the first output and drops the other future (cancelling it).
/// The first future is polled first, so it wins a tie.
pub async fn race<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(x) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(x));
        }
        if let Poll::Ready(y) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(y));
        }
        Poll::Pending
    })
    .await
}
