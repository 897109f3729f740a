//! The scheduler every wait of one client shares: a single `setTimeout` for all their pauses,
//! one request per task id at a time (concurrent waits on the same task share its answer), a cap
//! on requests in flight, and, in a page, the pace of a hidden tab and an immediate poll when the
//! tab is shown again or the network comes back.
//!
//! Everything here is a future that cleans up when dropped: a dropped pause leaves the timer
//! queue (and the timer is cleared when nothing waits), a request nobody waits for any more is
//! aborted, and an unused permit passes to the next request in line.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::event::{race, Aborted, Either};
use super::fetch::Failure;
use super::sys;
use crate::task::Task;

/// Pauses ending this close together end together, so that waits on the same task poll in the
/// same turn (and share one request) and many waits cost few timer callbacks.
const COALESCE_MS: u64 = 10;

/// A flag a callback raises and a future waits for.
#[derive(Default)]
struct Signal {
    fired: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl Signal {
    fn fire(&self) {
        self.fired.set(true);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.fired.get() {
            return Poll::Ready(());
        }
        *self.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

// ---- One timer for every pause ----

#[derive(Default)]
struct Queue {
    /// Pending pauses by (due time in ms, sequence number).
    due: BTreeMap<(u64, u64), Rc<Signal>>,
    next_seq: u64,
    /// The armed `setTimeout`: its due time and handle.
    armed: Option<(u64, JsValue)>,
}

struct Timers {
    queue: RefCell<Queue>,
    on_timer: Closure<dyn FnMut()>,
}

impl Timers {
    fn new() -> Rc<Timers> {
        Rc::new_cyclic(|weak: &Weak<Timers>| {
            let weak = weak.clone();
            Timers {
                queue: RefCell::default(),
                on_timer: Closure::new(move || {
                    if let Some(timers) = weak.upgrade() {
                        timers.fire(false);
                    }
                }),
            }
        })
    }

    /// Wakes the pauses that are due (or all of them), then arms the timer for the next one.
    fn fire(&self, all: bool) {
        let now = js_sys::Date::now() as u64 + COALESCE_MS;
        let mut ready = Vec::new();
        {
            let mut q = self.queue.borrow_mut();
            q.armed = None;
            while let Some(entry) = q.due.first_entry() {
                if !all && entry.key().0 > now {
                    break;
                }
                ready.push(entry.remove());
            }
        }
        self.arm();
        for signal in ready {
            signal.fire();
        }
    }

    /// Makes the armed timer match the earliest pause: none when nothing waits.
    fn arm(&self) {
        let mut q = self.queue.borrow_mut();
        let first = q.due.keys().next().map(|k| k.0);
        match (first, &q.armed) {
            (Some(due), Some((armed, _))) if *armed <= due => {}
            (None, None) => {}
            (first, _) => {
                if let Some((_, handle)) = q.armed.take() {
                    sys::clear_timeout(&handle);
                }
                if let Some(due) = first {
                    let delay = due
                        .saturating_sub(js_sys::Date::now() as u64)
                        .min(2_147_483_647);
                    let handle =
                        sys::set_timeout(self.on_timer.as_ref().unchecked_ref(), delay as f64);
                    q.armed = Some((due, handle));
                }
            }
        }
    }

    fn sleep(self: &Rc<Self>, ms: u64) -> Pause {
        let signal = Rc::new(Signal::default());
        let key = {
            let mut q = self.queue.borrow_mut();
            q.next_seq += 1;
            let key = (js_sys::Date::now() as u64 + ms, q.next_seq);
            q.due.insert(key, signal.clone());
            key
        };
        self.arm();
        Pause {
            signal,
            key,
            timers: Rc::downgrade(self),
        }
    }
}

/// A pause on the client's shared timer; dropping it leaves the queue.
pub struct Pause {
    signal: Rc<Signal>,
    key: (u64, u64),
    timers: Weak<Timers>,
}

impl Future for Pause {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.signal.poll(cx)
    }
}

impl Drop for Pause {
    fn drop(&mut self) {
        if let Some(timers) = self.timers.upgrade() {
            let removed = timers.queue.borrow_mut().due.remove(&self.key).is_some();
            if removed {
                timers.arm();
            }
        }
    }
}

// ---- A cap on requests in flight ----

struct Ticket {
    granted: Cell<bool>,
    gone: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

struct Permits {
    free: Cell<usize>,
    line: RefCell<VecDeque<Rc<Ticket>>>,
}

impl Permits {
    fn release(&self) {
        loop {
            let next = self.line.borrow_mut().pop_front();
            match next {
                Some(ticket) if ticket.gone.get() => continue,
                Some(ticket) => {
                    ticket.granted.set(true);
                    if let Some(w) = ticket.waker.borrow_mut().take() {
                        w.wake();
                    }
                    return;
                }
                None => {
                    self.free.set(self.free.get() + 1);
                    return;
                }
            }
        }
    }
}

/// A permit to send one request; it returns to the pool when dropped.
struct Permit(Rc<Permits>);

impl Drop for Permit {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// Waits for a permit; dropped while waiting, it leaves the line (or passes the permit on).
struct Acquire {
    permits: Rc<Permits>,
    ticket: Option<Rc<Ticket>>,
}

impl Future for Acquire {
    type Output = Permit;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        if let Some(ticket) = &self.ticket {
            if !ticket.granted.get() {
                *ticket.waker.borrow_mut() = Some(cx.waker().clone());
                return Poll::Pending;
            }
            self.ticket = None;
            return Poll::Ready(Permit(self.permits.clone()));
        }
        let free = self.permits.free.get();
        if free > 0 {
            self.permits.free.set(free - 1);
            return Poll::Ready(Permit(self.permits.clone()));
        }
        let ticket = Rc::new(Ticket {
            granted: Cell::new(false),
            gone: Cell::new(false),
            waker: RefCell::new(Some(cx.waker().clone())),
        });
        self.permits.line.borrow_mut().push_back(ticket.clone());
        self.ticket = Some(ticket);
        Poll::Pending
    }
}

impl Drop for Acquire {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            ticket.gone.set(true);
            if ticket.granted.get() {
                self.permits.release();
            }
        }
    }
}

/// Runs `send` once a permit is free, and returns the permit when it ends.
async fn limited<T>(permits: Rc<Permits>, send: impl Future<Output = T>) -> T {
    let _permit = Acquire {
        permits,
        ticket: None,
    }
    .await;
    send.await
}

// ---- One request per task id ----

type Answer = Result<Task, (crate::error::Error, JsValue)>;

/// A request in flight for one task id, and the waits that want its answer.
struct Flight {
    answer: RefCell<Option<Answer>>,
    wakers: RefCell<Vec<Waker>>,
    waiting: Cell<usize>,
    stop: sys::AbortController,
}

/// The share of one wait in a [`Flight`]; the last one dropped before the answer aborts it.
struct Join(Rc<Flight>);

impl Future for Join {
    type Output = Answer;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Answer> {
        if let Some(answer) = self.0.answer.borrow().as_ref() {
            return Poll::Ready(answer.clone());
        }
        self.0.wakers.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Join {
    fn drop(&mut self) {
        let left = self.0.waiting.get() - 1;
        self.0.waiting.set(left);
        if left == 0 && self.0.answer.borrow().is_none() {
            let _ = self.0.stop.abort();
        }
    }
}

/// The client-wide scheduler. Cheap to share; see the module documentation.
pub struct Scheduler {
    timers: Rc<Timers>,
    permits: Rc<Permits>,
    flights: Rc<RefCell<BTreeMap<String, Rc<Flight>>>>,
    wake_listener: Option<Closure<dyn FnMut()>>,
}

fn document() -> Option<JsValue> {
    Some(sys::global("document")).filter(|d| d.is_object())
}

/// True in a page whose tab is hidden.
pub fn page_hidden() -> bool {
    document()
        .and_then(|d| Reflect::get(&d, &"visibilityState".into()).ok())
        .and_then(|v| v.as_string())
        .is_some_and(|v| v == "hidden")
}

fn listen(target: &JsValue, kind: &str, listener: &Function, add: bool) {
    let method = if add {
        "addEventListener"
    } else {
        "removeEventListener"
    };
    if let Ok(f) = Reflect::get(target, &method.into()).and_then(|f| f.dyn_into::<Function>()) {
        let _ = f.call2(target, &kind.into(), listener);
    }
}

/// Adds (or removes) `listener` for the tab being shown again and the network coming back.
fn listen_for_wake(doc: &JsValue, listener: &Closure<dyn FnMut()>, add: bool) {
    let listener: &Function = listener.as_ref().unchecked_ref();
    listen(doc, "visibilitychange", listener, add);
    listen(&sys::global("globalThis"), "online", listener, add);
}

impl Scheduler {
    /// A scheduler allowing `max_in_flight` requests at once.
    pub fn new(max_in_flight: usize) -> Scheduler {
        let timers = Timers::new();
        // In a page: poll at once when the tab is shown again or the network comes back.
        let wake_listener = document().map(|doc| {
            let weak = Rc::downgrade(&timers);
            let listener = Closure::<dyn FnMut()>::new(move || {
                if let Some(timers) = weak.upgrade() {
                    if !page_hidden() {
                        timers.fire(true);
                    }
                }
            });
            listen_for_wake(&doc, &listener, true);
            listener
        });
        Scheduler {
            timers,
            permits: Rc::new(Permits {
                free: Cell::new(max_in_flight.max(1)),
                line: RefCell::default(),
            }),
            flights: Rc::default(),
            wake_listener,
        }
    }

    /// A pause of `ms` on the shared timer.
    pub fn sleep(&self, ms: u64) -> Pause {
        self.timers.sleep(ms)
    }

    /// Runs `send` under the cap on requests in flight.
    pub async fn limited<T>(&self, send: impl Future<Output = T>) -> T {
        limited(self.permits.clone(), send).await
    }

    /// The answer for task `id`: joins the request in flight for it, or starts one with `send`.
    pub async fn fetch_shared<F>(&self, id: &str, send: F) -> Answer
    where
        F: Future<Output = Result<Task, Failure>> + 'static,
    {
        let existing = self.flights.borrow().get(id).cloned();
        let flight = match existing {
            Some(flight) => flight,
            None => self.start(id, send)?,
        };
        flight.waiting.set(flight.waiting.get() + 1);
        Join(flight).await
    }

    fn start<F>(&self, id: &str, send: F) -> Result<Rc<Flight>, (crate::error::Error, JsValue)>
    where
        F: Future<Output = Result<Task, Failure>> + 'static,
    {
        let stop = sys::AbortController::new().map_err(|e| {
            (
                crate::error::Error::Network("AbortController is not available".to_owned()),
                e,
            )
        })?;
        let flight = Rc::new(Flight {
            answer: RefCell::default(),
            wakers: RefCell::default(),
            waiting: Cell::new(0),
            stop,
        });
        self.flights
            .borrow_mut()
            .insert(id.to_owned(), flight.clone());
        let (shared, flights, permits, key) = (
            flight.clone(),
            self.flights.clone(),
            self.permits.clone(),
            id.to_owned(),
        );
        wasm_bindgen_futures::spawn_local(async move {
            let stopped = Aborted::new(shared.stop.signal());
            let request = limited(permits, send);
            let answer = match stopped {
                Ok(stopped) => match race(request, stopped).await {
                    Either::Left(answer) => Some(answer.map_err(|f| (f.error, f.cause))),
                    Either::Right(()) => None,
                },
                Err(_) => Some(request.await.map_err(|f| (f.error, f.cause))),
            };
            flights.borrow_mut().remove(&key);
            if let Some(answer) = answer {
                *shared.answer.borrow_mut() = Some(answer);
                for waker in shared.wakers.borrow_mut().drain(..) {
                    waker.wake();
                }
            }
        });
        Ok(flight)
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        if let (Some(listener), Some(doc)) = (&self.wake_listener, document()) {
            listen_for_wake(&doc, listener, false);
        }
        let armed = self.timers.queue.borrow_mut().armed.take();
        if let Some((_, handle)) = armed {
            sys::clear_timeout(&handle);
        }
    }
}
