//! What every wait and request of one client shares, on one timer:
//! - the waits, each plain data (its [`Poller`], where it is, how to settle it): no future or
//!   promise chain exists while a wait sleeps;
//! - one gloo-timers `Timeout` for every pause and every request's deadline (a heap of what is
//!   due; pauses ending within 10 ms of each other end together, and the waits one answer is
//!   handed to pause from when it landed, so waits on one task poll together);
//! - one request per task id at a time (a *flight*): every wait on that id gets its answer, and
//!   the request is aborted when the last of them leaves;
//! - a cap on requests in flight, and a client-wide pause after a 429;
//! - one `abort` listener per distinct `AbortSignal`, whatever the number of waits and calls
//!   sharing it;
//! - in a page, a poll at once when the tab is shown again or the network comes back.
//!
//! Where one request may not touch another's I/O (Cloudflare Workers: a request's timers die
//! with it, and a request awaiting I/O that another started is cancelled as hung), the calls a
//! client gets in one turn of the event loop (one `Promise.all`, say: necessarily from one
//! request) run on a scheduler of their own ([`Shared::for_call`]), with its own timer and
//! requests, sharing with the client's other calls only its settings and its 429 pause.
//!
//! Settling a wait sets a [`Oneshot`] that a future (the promise's) waits on; the only
//! JavaScript called synchronously is `onProgress`, and never while the state is borrowed.

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use gloo_timers::callback::Timeout;
use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, AbortSignal, EventTarget};

use super::convert::{js_error, read_answer, Pacing};
use super::fetch::{self, Outcome, Request};
use super::hasher::Map;
use super::sys;
use crate::error::{ArgumentKind, Error};
use crate::poller::{Poller, Step};
use crate::task::Task;

/// Pauses ending this close together end together.
const COALESCE_MS: f64 = 10.0;
/// The longest delay `setTimeout` can hold.
const MAX_DELAY_MS: f64 = 2_147_483_647.0;

/// A value set once, and a future waiting for it.
pub struct Oneshot<T> {
    value: RefCell<Option<T>>,
    waker: RefCell<Option<Waker>>,
}

impl<T> Default for Oneshot<T> {
    fn default() -> Self {
        Oneshot {
            value: RefCell::new(None),
            waker: RefCell::new(None),
        }
    }
}

impl<T> Oneshot<T> {
    /// An empty cell.
    pub fn new() -> Rc<Oneshot<T>> {
        Rc::default()
    }

    /// Sets the value and wakes the future waiting for it.
    pub fn set(&self, value: T) {
        *self.value.borrow_mut() = Some(value);
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }

    /// True once the value is set (and not yet taken).
    pub fn is_set(&self) -> bool {
        self.value.borrow().is_some()
    }

    /// Takes the value, or registers `cx`'s waker.
    pub fn poll_take(&self, cx: &mut Context<'_>) -> Poll<T> {
        if let Some(value) = self.value.borrow_mut().take() {
            return Poll::Ready(value);
        }
        *self.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Why a wait or a call ended without its result.
#[derive(Debug, Clone)]
pub enum Failure {
    /// The client's error, with the task object (failed task, last observation) and what
    /// `fetch` threw (network error).
    Error {
        /// The error.
        error: Error,
        /// The task object it is about, or `undefined`.
        task: JsValue,
        /// What `fetch` threw, or `undefined`.
        cause: JsValue,
        /// The id of the task the call was about, if any.
        task_id: Option<String>,
    },
    /// A JavaScript value to reject with as it is: an abort reason, what `onProgress` threw.
    Thrown(JsValue),
}

impl Failure {
    /// The value a promise rejects with.
    pub fn to_js(&self) -> JsValue {
        match self {
            Failure::Error {
                error,
                task,
                cause,
                task_id,
            } => js_error(error, task, cause, task_id.as_deref()),
            Failure::Thrown(value) => value.clone(),
        }
    }
}

impl Failure {
    /// The same failure, said to be about task `id` (unless it names a task already).
    pub fn about(self, id: &str) -> Failure {
        match self {
            Failure::Error {
                error,
                task,
                cause,
                task_id: None,
            } => Failure::Error {
                error,
                task,
                cause,
                task_id: Some(id.to_owned()),
            },
            other => other,
        }
    }
}

impl From<&fetch::Failure> for Failure {
    /// A request that got no answer: a network error, with what `fetch` threw as its cause.
    fn from(failure: &fetch::Failure) -> Failure {
        Failure::Error {
            error: Error::Network(failure.message.clone()),
            task: JsValue::UNDEFINED,
            cause: failure.cause.clone(),
            task_id: None,
        }
    }
}

impl Failure {
    /// A wait asked for while the scheduler is busy: from inside its own call into JavaScript
    /// (a signal's `addEventListener` or `removeEventListener` that calls the client back).
    pub fn busy() -> Failure {
        Failure::from(Error::Argument(
            ArgumentKind::Type,
            "the client was called back from inside its own call to a signal's \
             addEventListener or removeEventListener: start the wait after that call returns"
                .to_owned(),
        ))
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure::Error {
            error,
            task: JsValue::UNDEFINED,
            cause: JsValue::UNDEFINED,
            task_id: None,
        }
    }
}

/// One observation: what the core read, and the object as the API sent it.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The fields the client decides with.
    pub task: Task,
    /// The task object, every field as the API sent it.
    pub value: JsValue,
}

/// A Rust progress callback.
pub type OnProgress = Box<dyn FnMut(&Observation)>;

/// How a wait reports each change.
pub enum Progress {
    /// Not at all.
    None,
    /// A JavaScript `onProgress(task)`; if it throws, the wait rejects with that.
    Js(Function),
    /// A Rust callback.
    Rust(OnProgress),
}

/// What one `next()` of a watch settles with: a change, the end (`None`), or a failure.
pub type Next = Rc<Oneshot<Result<Option<JsValue>, Failure>>>;

/// A watch's side of a wait: the `next()` calls waiting, and how the watch ended when nobody
/// was waiting.
#[derive(Default)]
pub struct WatchQueue {
    /// Pending `next()` calls, oldest first: `Ok(Some(task))`, `Ok(None)` (done) or a failure.
    pub requests: VecDeque<Next>,
    /// The failure that ended the watch while no `next()` waited, for the next one.
    pub ended: Option<Failure>,
    /// True once the wait has ended.
    pub finished: bool,
}

/// How a wait is settled.
pub enum Mode {
    /// `waitForTask`: one result, every change reported to `progress`.
    All {
        /// Settled with the completed task or the failure.
        result: Rc<Oneshot<Result<JsValue, Failure>>>,
        /// Called with each change.
        progress: Progress,
    },
    /// `watchTask`: each change answers one `next()`.
    Watch(Rc<RefCell<WatchQueue>>),
}

/// Where a wait is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    /// Between steps (being stepped, or reporting).
    Nowhere,
    /// Sleeping until its heap entry with this sequence number fires.
    Timer(u64),
    /// Waiting for the answer of this flight.
    Flight(u64),
    /// A watch that reported a change and waits for the next `next()`, with its next step.
    Parked,
}

struct WaitSlot {
    id: String,
    poller: Poller,
    max_interval_ms: u64,
    mode: Mode,
    signal: Option<AbortSignal>,
    /// The last task object received (a failed task's, or a timeout's last observation).
    last: JsValue,
    /// What `fetch` threw last (a network error's cause).
    cause: JsValue,
    at: At,
    parked: Option<Step>,
}

/// Who waits for a flight's answer.
enum Waiter {
    Wait(u64),
    Call(Rc<Oneshot<Rc<Outcome>>>),
}

struct Flight {
    id: Option<String>,
    request: Request,
    controller: AbortController,
    waiters: Vec<Waiter>,
    started: bool,
    done: bool,
    /// The sequence number of its deadline's heap entry, while the request runs.
    deadline: Option<u64>,
    /// Its deadline as the request's future sees it.
    expiry: Rc<Expiry>,
}

/// A request's deadline as its future sees it: `timed_out` is set when the deadline aborts the
/// request, and `ended` just after, once the abort has run: the request ends then, whether or
/// not `fetch` (or the body) heeded the abort.
#[derive(Default)]
struct Expiry {
    timed_out: std::cell::Cell<bool>,
    ended: Oneshot<()>,
}

/// Who listens to a signal.
enum User {
    Wait(u64),
    Call(Rc<Oneshot<JsValue>>),
}

struct SignalEntry {
    signal: AbortSignal,
    listener: Closure<dyn FnMut()>,
    users: Vec<User>,
}

/// The settings every request of a client uses.
pub struct Config {
    /// The API root, without a trailing slash.
    pub base: String,
    /// Request headers, a plain object (`authorization`, `accept`, the caller's).
    pub headers: JsValue,
    /// The same with `content-type: application/json`, for creates.
    pub post_headers: JsValue,
    /// The `fetch` to call, unbound.
    pub fetch: Function,
    /// The longest one request may take.
    pub request_timeout_ms: u64,
    /// Transient failures tolerated in a row.
    pub max_retries: u32,
    /// Replaced by `[redacted]` in any text copied into an error (the API key).
    pub secret: Option<String>,
}

#[derive(Default)]
struct State {
    /// Boxed: a bucket of the map then holds a pointer, not a whole slot.
    waits: Map<u64, Box<WaitSlot>>,
    next_key: u64,
    heap: BinaryHeap<Reverse<(u64, u64, u64)>>,
    seq: u64,
    live: usize,
    timer: Option<Timeout>,
    armed_for: u64,
    /// While one answer is handed to its waits: when it landed, so that waits that go on pause
    /// from the same moment and end their pauses together, however long the hand-over takes.
    landed_at: Option<f64>,
    /// Boxed, as the waits are: 10,000 waits starting at once queue 10,000 flights behind the
    /// cap, and a map of whole flights keeps the room they took (the wasm's memory never shrinks).
    flights: Map<u64, Box<Flight>>,
    by_id: Map<String, u64>,
    free: usize,
    line: VecDeque<u64>,
    signals: Vec<SignalEntry>,
    page: Option<Closure<dyn FnMut()>>,
}

impl State {
    /// True while heap entry `seq` of `key` still counts: a wait sleeping on it, or a request
    /// whose deadline it is.
    fn is_due(&self, key: u64, seq: u64) -> bool {
        self.waits.get(&key).is_some_and(|s| s.at == At::Timer(seq))
            || self
                .flights
                .get(&key)
                .is_some_and(|f| f.deadline == Some(seq))
    }
}

/// A client's shared state: its settings and its scheduler.
pub struct Shared {
    /// The request settings.
    pub config: Rc<Config>,
    /// After a 429, no request of the client starts before this time (ms since the epoch);
    /// shared by every scheduler of the client.
    paused_until: Rc<Cell<f64>>,
    /// Requests in flight at once, at most.
    cap: usize,
    /// True where each turn's calls must run on a scheduler of their own (see the module's docs).
    per_call: bool,
    /// With `per_call`, the scheduler of this turn's calls, until the turn ends.
    turn: RefCell<Option<Rc<Shared>>>,
    state: RefCell<State>,
    me: Weak<Shared>,
}

/// What to do once the state is no longer borrowed.
enum After {
    Nothing,
    /// Call `onProgress` (or the Rust callback) of wait `key` with `value`, then carry on.
    Report(u64, Observation),
}

impl Shared {
    /// A client's scheduler, with at most `max_in_flight` requests at once; with `per_call`,
    /// each call gets a scheduler of its own from [`Shared::for_call`].
    pub fn new(config: Config, max_in_flight: usize, per_call: bool) -> Rc<Shared> {
        Shared::with(Rc::new(config), Rc::default(), max_in_flight, per_call)
    }

    fn with(config: Rc<Config>, paused: Rc<Cell<f64>>, cap: usize, per_call: bool) -> Rc<Shared> {
        Rc::new_cyclic(|me| Shared {
            config,
            paused_until: paused,
            cap,
            per_call,
            turn: RefCell::new(None),
            state: RefCell::new(State {
                free: cap,
                armed_for: u64::MAX,
                landed_at: None,
                ..State::default()
            }),
            me: me.clone(),
        })
    }

    /// The scheduler a call (a wait, a get, a create) runs on: this one, or where a request may
    /// not touch another's I/O, one for the calls of this turn of the event loop, with the same
    /// settings and the same 429 pause. Every timer and request of those calls is then made
    /// while serving the request that made them, and no other request's call waits for them.
    pub fn for_call(self: &Rc<Shared>) -> Rc<Shared> {
        if !self.per_call {
            return self.clone();
        }
        if let Some(current) = self.turn.borrow().as_ref() {
            return current.clone();
        }
        let config = self.config.clone();
        let fresh = Shared::with(config, self.paused_until.clone(), self.cap, self.per_call);
        *self.turn.borrow_mut() = Some(fresh.clone());
        // A task runs at the next microtask checkpoint: the end of this turn.
        let me = self.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(client) = me.upgrade() {
                client.turn.borrow_mut().take();
            }
        });
        fresh
    }

    /// After a 429: no request of this client starts before this time (ms since the epoch).
    pub fn paused_until(&self) -> f64 {
        self.paused_until.get()
    }

    /// Holds every request of the client back until `until` (a later pause wins).
    pub fn pause(&self, until: f64) {
        let until = until.max(self.paused_until.get());
        self.paused_until.set(until);
    }

    // ---- Waits ----

    /// Starts a wait on task `id` (a watch's when `mode` is [`Mode::Watch`]): from a task
    /// already observed (`seed`, a create's answer), or with a poll at once. Returns its key.
    pub fn start_wait(
        &self,
        id: String,
        pacing: Pacing,
        mode: Mode,
        signal: Option<AbortSignal>,
        seed: Option<Observation>,
    ) -> Option<u64> {
        let now = sys::now();
        let policy = pacing.policy(self.config.max_retries, self.config.request_timeout_ms);
        let mut poller = Poller::new(policy, now);
        let Ok(mut state) = self.state.try_borrow_mut() else {
            return None; // see `Failure::busy`
        };
        let key = state.next_key;
        state.next_key += 1;
        let (step, last) = match seed {
            Some(seen) => (poller.seed(seen.task, now), seen.value),
            None => (
                poller.after_wait(now, self.paused_until()),
                JsValue::UNDEFINED,
            ),
        };
        if let Some(signal) = &signal {
            self.listen(&mut state, signal, User::Wait(key));
        }
        state.waits.insert(
            key,
            Box::new(WaitSlot {
                id,
                poller,
                max_interval_ms: pacing.max_interval_ms,
                mode,
                signal,
                last,
                cause: JsValue::UNDEFINED,
                at: At::Nowhere,
                parked: None,
            }),
        );
        self.apply(&mut state, key, step);
        Some(key)
    }

    /// Runs the parked step of a watch (a `next()` came).
    pub fn resume(&self, key: u64) {
        let Ok(mut state) = self.state.try_borrow_mut() else {
            // A `next()` from inside the scheduler's call into JavaScript: resume once it
            // has returned.
            let me = self.me.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(shared) = me.upgrade() {
                    shared.resume(key);
                }
            });
            return;
        };
        let Some(slot) = state.waits.get_mut(&key) else {
            return;
        };
        if slot.at != At::Parked {
            return;
        }
        slot.at = At::Nowhere;
        if let Some(step) = slot.parked.take() {
            self.apply(&mut state, key, step);
        }
    }

    /// Stops wait `key`, undoing its timer or its share of a flight, and settles it with
    /// `failure` (none: a dropped future or a closed watch, settled as done).
    pub fn stop(&self, key: u64, failure: Option<Failure>) {
        let Ok(mut state) = self.state.try_borrow_mut() else {
            // Called back from inside the scheduler (a JavaScript object acting on a call into
            // it): stop once the scheduler has returned.
            let me = self.me.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(shared) = me.upgrade() {
                    shared.stop(key, failure);
                }
            });
            return;
        };
        self.end(&mut state, key, failure.map(Err).unwrap_or(Ok(None)));
    }

    /// Carries out `step` for wait `key`.
    fn apply(&self, state: &mut State, key: u64, step: Step) {
        let Some(slot) = state.waits.get_mut(&key) else {
            return;
        };
        match step {
            Step::Fetch { timeout_ms } => {
                let id = slot.id.clone();
                let flight = self.join(state, id, Waiter::Wait(key), timeout_ms);
                if let Some(slot) = state.waits.get_mut(&key) {
                    slot.at = At::Flight(flight);
                }
            }
            Step::Wait(ms) => {
                let now = state.landed_at.unwrap_or_else(sys::now);
                let ms = if sys::page_hidden() {
                    slot.poller.hidden_pause_ms(ms, slot.max_interval_ms, now)
                } else {
                    ms
                };
                let seq = state.seq;
                state.seq += 1;
                slot.at = At::Timer(seq);
                state.live += 1;
                let due = (now + ms as f64).ceil().min(u64::MAX as f64) as u64;
                state.heap.push(Reverse((due, seq, key)));
                self.arm(state);
            }
            Step::Done => {
                let last = slot.last.clone();
                self.end(state, key, Ok(Some(last)));
            }
            Step::Fail(error) => {
                let failure = Failure::Error {
                    error,
                    task: slot.last.clone(),
                    cause: slot.cause.clone(),
                    task_id: Some(slot.id.clone()),
                };
                self.end(state, key, Err(failure));
            }
        }
    }

    /// Removes wait `key` and settles it: `Ok(Some(task))` completed, `Ok(None)` stopped
    /// quietly, `Err` failed.
    fn end(&self, state: &mut State, key: u64, result: Result<Option<JsValue>, Failure>) {
        let Some(slot) = state.waits.remove(&key) else {
            return;
        };
        match slot.at {
            At::Timer(_) => {
                state.live -= 1;
                self.arm(state);
            }
            At::Flight(flight) => {
                self.leave(state, flight, |w| matches!(w, Waiter::Wait(k) if *k == key))
            }
            At::Nowhere | At::Parked => {}
        }
        if let Some(signal) = &slot.signal {
            self.unlisten(state, signal, |u| matches!(u, User::Wait(k) if *k == key));
        }
        match slot.mode {
            Mode::All { result: cell, .. } => match result {
                Ok(Some(task)) => cell.set(Ok(task)),
                Ok(None) => {}
                Err(failure) => cell.set(Err(failure)),
            },
            Mode::Watch(queue) => {
                let mut queue = queue.borrow_mut();
                queue.finished = true;
                let mut requests = std::mem::take(&mut queue.requests).into_iter();
                if let Err(failure) = result {
                    match requests.next() {
                        Some(first) => first.set(Err(failure)),
                        None => queue.ended = Some(failure),
                    }
                }
                for request in requests {
                    request.set(Ok(None));
                }
            }
        }
    }

    /// Gives wait `key` the outcome of its flight.
    fn deliver(&self, key: u64, outcome: &Outcome) {
        let after = {
            let mut state = self.state.borrow_mut();
            self.react(&mut state, key, outcome)
        };
        let After::Report(key, seen) = after else {
            return;
        };
        // The wait's callback, taken out of its slot while it runs: it may call the client.
        let mut progress = {
            let mut state = self.state.borrow_mut();
            match state.waits.get_mut(&key).map(|s| &mut s.mode) {
                Some(Mode::All { progress, .. }) => std::mem::replace(progress, Progress::None),
                _ => return,
            }
        };
        let outcome = match &mut progress {
            Progress::Js(f) => sys::call(f, &seen.value, &JsValue::UNDEFINED),
            Progress::Rust(f) => {
                f(&seen);
                Ok(JsValue::UNDEFINED)
            }
            Progress::None => Ok(JsValue::UNDEFINED),
        };
        match outcome {
            // An async `onProgress`: the wait goes on once its promise fulfils, and stops with
            // its rejection.
            Ok(returned) if returned.is_object() || returned.is_function() => {
                let settled = wasm_bindgen_futures::JsFuture::from(sys::promise_of(&returned));
                let me = self.me.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let outcome = settled.await.map(drop);
                    if let Some(shared) = me.upgrade() {
                        shared.reported(key, progress, outcome);
                    }
                });
            }
            outcome => self.reported(key, progress, outcome.map(drop)),
        }
    }

    /// Wait `key`'s callback has returned (or its promise settled): carries on, or stops the
    /// wait with what it threw.
    fn reported(&self, key: u64, progress: Progress, outcome: Result<(), JsValue>) {
        let mut state = self.state.borrow_mut();
        let Some(slot) = state.waits.get_mut(&key) else {
            return; // stopped from inside the callback
        };
        if let Mode::All { progress: p, .. } = &mut slot.mode {
            *p = progress;
        }
        match outcome {
            Ok(()) => {
                let step = slot.parked.take().unwrap_or(Step::Done);
                slot.at = At::Nowhere;
                self.apply(&mut state, key, step);
            }
            Err(thrown) => self.end(&mut state, key, Err(Failure::Thrown(thrown))),
        }
    }

    /// Gives the poller of wait `key` an outcome; reports a change and carries out the next
    /// step (or leaves the report to the caller, outside the borrow).
    fn react(&self, state: &mut State, key: u64, outcome: &Outcome) -> After {
        let Some(slot) = state.waits.get_mut(&key) else {
            return After::Nothing;
        };
        slot.at = At::Nowhere;
        let result = match outcome {
            Ok(answer) => read_answer(answer, Some(&slot.id)).map(|(task, value)| {
                slot.last = value;
                task
            }),
            Err(failure) => {
                slot.cause = failure.cause.clone();
                Err(Error::Network(failure.message.clone()))
            }
        };
        let reaction = slot.poller.on_response(result, sys::now(), sys::random());
        let next = reaction.next;
        let report = match (reaction.report, &slot.mode) {
            (None, _)
            | (
                Some(_),
                Mode::All {
                    progress: Progress::None,
                    ..
                },
            ) => None,
            (Some(task), Mode::All { .. }) => {
                slot.parked = Some(next.clone());
                Some(Observation {
                    task,
                    value: slot.last.clone(),
                })
            }
            (Some(_), Mode::Watch(queue)) => {
                let mut queue = queue.borrow_mut();
                if let Some(request) = queue.requests.pop_front() {
                    request.set(Ok(Some(slot.last.clone())));
                }
                if queue.requests.is_empty() {
                    slot.parked = Some(next.clone());
                    slot.at = At::Parked;
                }
                None
            }
        };
        let parked = slot.at == At::Parked;
        if let Some(until) = reaction.pause_until {
            self.pause(until);
        }
        match report {
            Some(seen) => After::Report(key, seen),
            None => {
                if !parked {
                    self.apply(state, key, next);
                }
                After::Nothing
            }
        }
    }

    // ---- The timer ----

    /// Makes the armed timeout (and the page listeners) match what is pending.
    fn arm(&self, state: &mut State) {
        while let Some(&Reverse((_, seq, key))) = state.heap.peek() {
            if state.is_due(key, seq) {
                break;
            }
            state.heap.pop();
        }
        self.listen_page(state, state.live > 0);
        let Some(Reverse((due, _, _))) = state.heap.peek().copied() else {
            state.heap.clear();
            state.timer = None;
            state.armed_for = u64::MAX;
            return;
        };
        if state.timer.is_some() && state.armed_for <= due {
            return;
        }
        state.armed_for = due;
        let delay = (due as f64 - sys::now()).ceil().clamp(0.0, MAX_DELAY_MS) as u32;
        let me = self.me.clone();
        state.timer = Some(Timeout::new(delay, move || {
            if let Some(shared) = me.upgrade() {
                shared.fire(false);
            }
        }));
    }

    /// Wakes the waits whose pause is over (every sleeping one with `early`), then re-arms.
    fn fire(&self, early: bool) {
        let mut state = self.state.borrow_mut();
        // The timer that fired is running this call: drop it once the call has returned, not
        // inside its own callback; and soon, while serving the request that armed it (dropping
        // a timer clears it, which Workers refuses outside a request, as when an object holding
        // a scheduler is collected).
        let spent = state.timer.take();
        wasm_bindgen_futures::spawn_local(async move { drop(spent) });
        state.armed_for = u64::MAX;
        let now = sys::now();
        let limit = (now + COALESCE_MS) as u64;
        let mut ready = Vec::new();
        let mut keep = Vec::new();
        while let Some(Reverse((due, seq, key))) = state.heap.peek().copied() {
            if due > limit && !early {
                break;
            }
            state.heap.pop();
            if let Some(slot) = state.waits.get_mut(&key) {
                if slot.at == At::Timer(seq) {
                    slot.at = At::Nowhere;
                    state.live -= 1;
                    ready.push((key, due));
                }
            } else if let Some(flight) = state.flights.get_mut(&key) {
                if flight.deadline == Some(seq) && due > limit {
                    keep.push(Reverse((due, seq, key))); // woken early: not a deadline yet
                } else if flight.deadline == Some(seq) {
                    // The request ran out of time: abort it (once the scheduler has returned,
                    // since aborting runs the signal's listeners).
                    flight.deadline = None;
                    flight.expiry.timed_out.set(true);
                    let controller = flight.controller.clone();
                    let expiry = flight.expiry.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        controller.abort();
                        expiry.ended.set(());
                    });
                }
            }
        }
        state.heap.extend(keep);
        let paused_until = self.paused_until();
        for (key, due) in ready {
            if let Some(slot) = state.waits.get(&key) {
                // A pause ended with others up to 10 ms early counts as ended at its due time,
                // so that a deadline due then is not taken for time left.
                let ended = if early { now } else { now.max(due as f64) };
                let step = slot.poller.after_wait(ended, paused_until);
                self.apply(&mut state, key, step);
            }
        }
        self.arm(&mut state);
    }

    /// In a page, listens for the tab being shown and the network coming back while waits sleep.
    fn listen_page(&self, state: &mut State, on: bool) {
        if on == state.page.is_some() {
            return;
        }
        let Some(document) = sys::document() else {
            return;
        };
        let global: EventTarget = js_sys::global().unchecked_into();
        if on {
            let me = self.me.clone();
            let listener = Closure::<dyn FnMut()>::new(move || {
                if let Some(shared) = me.upgrade() {
                    if !sys::page_hidden() {
                        shared.fire(true);
                    }
                }
            });
            let f = listener.as_ref().unchecked_ref();
            let _ = document.add_event_listener_with_callback("visibilitychange", f);
            let _ = global.add_event_listener_with_callback("online", f);
            state.page = Some(listener);
        } else if let Some(listener) = state.page.take() {
            let f = listener.as_ref().unchecked_ref();
            let _ = document.remove_event_listener_with_callback("visibilitychange", f);
            let _ = global.remove_event_listener_with_callback("online", f);
        }
    }

    // ---- Flights ----

    /// Joins `waiter` to the flight for task `id`, or starts one. Returns the flight's key.
    fn join(&self, state: &mut State, id: String, waiter: Waiter, timeout_ms: u64) -> u64 {
        if let Some(&key) = state.by_id.get(&id) {
            if let Some(flight) = state.flights.get_mut(&key) {
                flight.waiters.push(waiter);
                return key;
            }
        }
        // A valid id (see `validate::task_id`) is letters, digits and `-_.:`, of which only `:`
        // is escaped in a path segment, as `encodeURIComponent` does.
        let url = format!("{}/v1/tasks/{}", self.config.base, id.replace(':', "%3A"));
        let request = Request {
            url,
            method: "GET",
            body: None,
            timeout_ms,
        };
        let key = self.fly(state, Some(id.clone()), request, waiter);
        state.by_id.insert(id, key);
        key
    }

    /// A new flight for `request`, started now or queued behind the cap.
    fn fly(&self, state: &mut State, id: Option<String>, request: Request, waiter: Waiter) -> u64 {
        let key = state.next_key;
        state.next_key += 1;
        let controller = AbortController::new().unwrap_or_else(|_| unreachable_controller());
        state.flights.insert(
            key,
            Box::new(Flight {
                id,
                request,
                controller,
                waiters: vec![waiter],
                started: false,
                done: false,
                deadline: None,
                expiry: Rc::default(),
            }),
        );
        if state.free > 0 {
            self.start(state, key);
        } else {
            state.line.push_back(key);
        }
        key
    }

    fn start(&self, state: &mut State, key: u64) {
        let Some(flight) = state.flights.get_mut(&key) else {
            return;
        };
        state.free -= 1;
        flight.started = true;
        let request = flight.request.clone();
        let controller = flight.controller.clone();
        let expiry = flight.expiry.clone();
        let me = self.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let Some(shared) = me.upgrade() else {
                return;
            };
            let config = &shared.config;
            let headers = match request.body {
                Some(_) => &config.post_headers,
                None => &config.headers,
            };
            let timed_out = &expiry.timed_out;
            let secret = config.secret.as_deref();
            let send = fetch::send(
                &config.fetch,
                headers,
                &request,
                &controller,
                timed_out,
                secret,
            );
            let mut send = pin!(send);
            let mut timed = false;
            // The answer, or the deadline when `fetch` (a double, or a body that never ends)
            // ignores the abort: dropping `send` then leaves whatever it awaited.
            let outcome = poll_fn(|cx| match send.as_mut().poll(cx) {
                Poll::Ready(outcome) => Poll::Ready(outcome),
                Poll::Pending => {
                    if !timed {
                        // Once `fetch` has been called: the clock is read after the request
                        // has started (a prerender, as Next.js's, refuses the other order).
                        timed = true;
                        shared.time(key, request.timeout_ms);
                    }
                    expiry
                        .ended
                        .poll_take(cx)
                        .map(|()| Err(fetch::out_of_time(&request, controller.signal().reason())))
                }
            })
            .await;
            shared.landed(key, outcome);
        });
    }

    /// Starts the deadline of flight `key`, `timeout_ms` from now: an entry of the same heap,
    /// on the same timer.
    fn time(&self, key: u64, timeout_ms: u64) {
        let Ok(mut state) = self.state.try_borrow_mut() else {
            // Polled from inside the scheduler's own call into JavaScript: once it returns.
            let me = self.me.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(shared) = me.upgrade() {
                    shared.time(key, timeout_ms);
                }
            });
            return;
        };
        let seq = state.seq;
        let Some(flight) = state.flights.get_mut(&key).filter(|f| !f.done) else {
            return;
        };
        flight.deadline = Some(seq);
        state.seq += 1;
        let due = (sys::now() + timeout_ms as f64).ceil().min(u64::MAX as f64) as u64;
        state.heap.push(Reverse((due, seq, key)));
        self.arm(&mut state);
    }

    /// A flight's answer came: frees its slot and gives the answer to everyone waiting for it.
    fn landed(&self, key: u64, outcome: Outcome) {
        let waiters = {
            let mut state = self.state.borrow_mut();
            state.free += 1;
            self.next_in_line(&mut state);
            let Some(flight) = state.flights.remove(&key) else {
                return;
            };
            // Its deadline is stale now: let the timer go if nothing else is due.
            self.arm(&mut state);
            if flight.done {
                return;
            }
            if let Some(id) = &flight.id {
                if state.by_id.get(id) == Some(&key) {
                    state.by_id.remove(id);
                }
            }
            flight.waiters
        };
        let outcome = Rc::new(outcome);
        let previous = self.state.borrow_mut().landed_at.replace(sys::now());
        for waiter in waiters {
            match waiter {
                Waiter::Wait(wait) => self.deliver(wait, &outcome),
                Waiter::Call(cell) => cell.set(outcome.clone()),
            }
        }
        self.state.borrow_mut().landed_at = previous;
    }

    fn next_in_line(&self, state: &mut State) {
        while state.free > 0 {
            let Some(key) = state.line.pop_front() else {
                return;
            };
            if state.flights.get(&key).is_some_and(|f| !f.done) {
                self.start(state, key);
            } else {
                state.flights.remove(&key);
            }
        }
    }

    /// Gives up a waiter's share of flight `key`; the last one to leave aborts the request.
    fn leave(&self, state: &mut State, key: u64, is_it: impl Fn(&Waiter) -> bool) {
        let Some(flight) = state.flights.get_mut(&key) else {
            return;
        };
        let Some(at) = flight.waiters.iter().position(is_it) else {
            return;
        };
        flight.waiters.remove(at);
        if !flight.waiters.is_empty() || flight.done {
            return;
        }
        flight.done = true;
        // Aborting dispatches `abort` to whatever listens on the request's signal (a custom
        // `fetch` may): let that run once the scheduler has returned, not inside it.
        let controller = flight.controller.clone();
        wasm_bindgen_futures::spawn_local(async move { controller.abort() });
        let started = flight.started;
        if let Some(id) = flight.id.take() {
            if state.by_id.get(&id) == Some(&key) {
                state.by_id.remove(&id);
            }
        }
        if !started {
            state.flights.remove(&key);
        }
        self.arm(state);
    }

    /// The answer to `GET /v1/tasks/{id}`, sharing the flight of any wait asking now.
    pub fn get(&self, id: String) -> Share {
        let cell = Oneshot::new();
        let timeout = self.config.request_timeout_ms;
        let mut state = self.state.borrow_mut();
        let flight = self.join(&mut state, id, Waiter::Call(cell.clone()), timeout);
        Share {
            shared: self.me.clone(),
            flight,
            cell,
        }
    }

    /// Sends `request` alone (a create), under the cap.
    pub fn send(&self, request: Request) -> Share {
        let cell = Oneshot::new();
        let mut state = self.state.borrow_mut();
        let flight = self.fly(&mut state, None, request, Waiter::Call(cell.clone()));
        Share {
            shared: self.me.clone(),
            flight,
            cell,
        }
    }

    // ---- Signals ----

    fn listen(&self, state: &mut State, signal: &AbortSignal, user: User) {
        if let Some(entry) = state.signals.iter_mut().find(|e| &e.signal == signal) {
            entry.users.push(user);
            return;
        }
        let me = self.me.clone();
        let observed = signal.clone();
        let listener = Closure::<dyn FnMut()>::new(move || {
            if let Some(shared) = me.upgrade() {
                shared.aborted(&observed);
            }
        });
        let _ = signal.add_event_listener_with_callback("abort", listener.as_ref().unchecked_ref());
        state.signals.push(SignalEntry {
            signal: signal.clone(),
            listener,
            users: vec![user],
        });
    }

    fn unlisten(&self, state: &mut State, signal: &AbortSignal, is_it: impl Fn(&User) -> bool) {
        let Some(at) = state.signals.iter().position(|e| &e.signal == signal) else {
            return;
        };
        let Some(entry) = state.signals.get_mut(at) else {
            return;
        };
        entry.users.retain(|u| !is_it(u));
        if entry.users.is_empty() {
            let entry = state.signals.swap_remove(at);
            let f = entry.listener.as_ref().unchecked_ref();
            let _ = entry.signal.remove_event_listener_with_callback("abort", f);
        }
    }

    /// `signal` aborted: everything of this client under it ends with its reason.
    fn aborted(&self, signal: &AbortSignal) {
        let reason = sys::abort_reason(signal);
        let Ok(mut state) = self.state.try_borrow_mut() else {
            // A signal-like object that calls its listener from inside `addEventListener`:
            // handle the abort once the scheduler has returned.
            let me = self.me.clone();
            let signal = signal.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(shared) = me.upgrade() {
                    shared.aborted(&signal);
                }
            });
            return;
        };
        let Some(at) = state.signals.iter().position(|e| &e.signal == signal) else {
            return;
        };
        let entry = state.signals.swap_remove(at);
        let f = entry.listener.as_ref().unchecked_ref();
        let _ = entry.signal.remove_event_listener_with_callback("abort", f);
        for user in entry.users {
            match user {
                User::Wait(key) => {
                    if let Some(slot) = state.waits.get_mut(&key) {
                        slot.signal = None; // its listener is gone already
                    }
                    self.end(&mut state, key, Err(Failure::Thrown(reason.clone())));
                }
                User::Call(cell) => cell.set(reason.clone()),
            }
        }
    }

    /// Runs `f` on the state of the client `shared` refers to, if it still exists and is not
    /// busy (a guard dropped from inside the scheduler has nothing left to undo there).
    fn with_idle(shared: &Weak<Shared>, f: impl FnOnce(&Shared, &mut State)) {
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let Ok(mut state) = shared.state.try_borrow_mut() else {
            return;
        };
        f(&shared, &mut state);
    }

    /// Watches `signal` for a one-off call: the returned guard stops watching when dropped.
    pub fn on_abort(&self, signal: &AbortSignal) -> AbortWatch {
        let cell = Oneshot::new();
        let mut state = self.state.borrow_mut();
        self.listen(&mut state, signal, User::Call(cell.clone()));
        AbortWatch {
            shared: self.me.clone(),
            signal: signal.clone(),
            cell,
        }
    }
}

fn unreachable_controller() -> AbortController {
    // `new AbortController()` does not throw in any runtime this package supports; a runtime
    // without it still gets a controller-shaped object, so that requests run unabortable.
    js_sys::Object::new().unchecked_into()
}

/// A call's share of a flight: resolves with its outcome; dropping it leaves the flight (the
/// last to leave aborts the request).
pub struct Share {
    shared: Weak<Shared>,
    flight: u64,
    cell: Rc<Oneshot<Rc<Outcome>>>,
}

impl Future for Share {
    type Output = Rc<Outcome>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Rc<Outcome>> {
        self.cell.poll_take(cx)
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        let cell = &self.cell;
        Shared::with_idle(&self.shared, |shared, state| {
            let is_it = |w: &Waiter| matches!(w, Waiter::Call(c) if Rc::ptr_eq(c, cell));
            shared.leave(state, self.flight, is_it);
        });
    }
}

/// A one-off call's watch on its signal: resolves with the abort reason; dropping it stops
/// watching.
pub struct AbortWatch {
    shared: Weak<Shared>,
    signal: AbortSignal,
    cell: Rc<Oneshot<JsValue>>,
}

impl Future for AbortWatch {
    type Output = JsValue;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<JsValue> {
        self.cell.poll_take(cx)
    }
}

impl Drop for AbortWatch {
    fn drop(&mut self) {
        let cell = &self.cell;
        Shared::with_idle(&self.shared, |shared, state| {
            let is_it = |u: &User| matches!(u, User::Call(c) if Rc::ptr_eq(c, cell));
            shared.unlisten(state, &self.signal, is_it);
        });
    }
}

/// A running wait: resolves with the completed task object or the failure; dropping it stops
/// the wait (its timer is cleared, its request left).
pub struct WaitFuture {
    shared: Rc<Shared>,
    key: u64,
    result: Rc<Oneshot<Result<JsValue, Failure>>>,
    settled: bool,
}

impl WaitFuture {
    /// Starts a wait that reports to `progress`.
    pub fn start(
        shared: &Rc<Shared>,
        id: String,
        pacing: Pacing,
        progress: Progress,
        signal: Option<AbortSignal>,
        seed: Option<Observation>,
    ) -> WaitFuture {
        let result = Oneshot::new();
        let mode = Mode::All {
            result: result.clone(),
            progress,
        };
        let key = shared.start_wait(id, pacing, mode, signal, seed);
        if key.is_none() {
            result.set(Err(Failure::busy()));
        }
        WaitFuture {
            shared: shared.clone(),
            key: key.unwrap_or(u64::MAX),
            result,
            settled: false,
        }
    }
}

impl Future for WaitFuture {
    type Output = Result<JsValue, Failure>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let result = self.result.poll_take(cx);
        if result.is_ready() {
            self.settled = true;
        }
        result
    }
}

impl Drop for WaitFuture {
    fn drop(&mut self) {
        if !self.settled && !self.result.is_set() {
            self.shared.stop(self.key, None);
        }
    }
}
