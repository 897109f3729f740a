//! The poll loop as a sans-IO state machine ([`Poller`]) and the small async driver
//! ([`Watch`], [`wait`]) that runs it with an injected [`Env`]: transport, sleeper, clock and
//! random source.
//!
//! The machine decides "fetch now", "wait this long", "done" or "fail"; the driver only carries
//! those steps out. Tests drive it with a scripted transport and a recording sleeper, so no real
//! time passes, and the JavaScript edge drives it with `fetch` and `setTimeout`.

use core::future::Future;

use crate::error::Error;
use crate::schedule::{backoff_ms, retry_after_ms, Forecast, Pace, Policy};
use crate::task::{Task, TaskStatus};

/// What the poll loop should do next.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Send one GET, allowing it at most `timeout_ms`.
    Fetch {
        /// The request's time budget: the per-request timeout, or less near the deadline.
        timeout_ms: u64,
    },
    /// Sleep this many milliseconds, then call [`Poller::after_wait`].
    Wait(u64),
    /// The task completed; the completed observation was the last one reported.
    Done,
    /// Give up with this error.
    Fail(Error),
}

/// What a response changed: an observation to report (first one, or status or progress moved),
/// whether every wait of the client must pause (a 429), and the next step.
#[derive(Clone, Debug, PartialEq)]
pub struct Reaction {
    /// The task to hand to `onProgress` or the iterator, when it changed.
    pub report: Option<Task>,
    /// After a 429: no wait of this client should send a request before this time.
    pub pause_until: Option<f64>,
    /// What to do next.
    pub next: Step,
}

/// The state of one wait: the policy, the deadline, failures in a row and the last observation.
#[derive(Clone, Debug)]
pub struct Poller {
    policy: Policy,
    deadline: Option<f64>,
    failures: u32,
    last: Option<Task>,
    forecast: Forecast,
}

impl Poller {
    /// A wait that starts at `now` (milliseconds since the Unix epoch).
    pub fn new(policy: Policy, now: f64) -> Poller {
        let deadline = policy.timeout_ms.map(|t| now + t as f64);
        Poller {
            policy,
            deadline,
            failures: 0,
            last: None,
            forecast: Forecast::default(),
        }
    }

    /// The last observation, if any.
    pub fn last(&self) -> Option<&Task> {
        self.last.as_ref()
    }

    /// Takes an observation made elsewhere (a create's answer) as the first one, and returns
    /// the wait before the first poll.
    pub fn seed(&mut self, task: Task, now: f64) -> Step {
        let pause = self.pause_ms(&task, now);
        self.last = Some(task);
        self.wait(pause, now)
    }

    fn timeout(&self) -> Step {
        Step::Fail(Error::Timeout(self.last.clone().map(Box::new)))
    }

    fn remaining(&self, now: f64) -> Option<f64> {
        self.deadline.map(|d| (d - now).max(0.0))
    }

    /// The first step, and the step after every wait: fetch, unless the deadline has passed or
    /// the client is paused until `paused_until` (after a 429 seen by any of its waits).
    pub fn after_wait(&self, now: f64, paused_until: f64) -> Step {
        if paused_until > now {
            return self.wait((paused_until - now).ceil() as u64, now);
        }
        match self.remaining(now) {
            Some(left) if left <= 0.0 => self.timeout(),
            Some(left) => Step::Fetch {
                timeout_ms: self.policy.request_timeout_ms.min(left.ceil() as u64),
            },
            None => Step::Fetch {
                timeout_ms: self.policy.request_timeout_ms,
            },
        }
    }

    /// The pause of a page that is hidden, instead of `ms`: at least `floor_ms`, but never past
    /// the deadline (0 once it has passed: the next step then fails with the timeout).
    pub fn hidden_pause_ms(&self, ms: u64, floor_ms: u64, now: f64) -> u64 {
        match self.wait(ms.max(floor_ms), now) {
            Step::Wait(ms) => ms,
            _ => 0,
        }
    }

    /// A pause of `ms`, cut short by the deadline.
    fn wait(&self, ms: u64, now: f64) -> Step {
        match self.remaining(now) {
            Some(left) if left <= 0.0 => self.timeout(),
            Some(left) => Step::Wait(ms.min(left.ceil() as u64)),
            None => Step::Wait(ms),
        }
    }

    /// Takes the result of a fetch made at the last [`Step::Fetch`]. `now` is in milliseconds
    /// since the Unix epoch (it also dates `Retry-After`); `random` is in `[0, 1)`.
    pub fn on_response(&mut self, result: Result<Task, Error>, now: f64, random: f64) -> Reaction {
        match result {
            Ok(task) => self.on_task(task, now),
            Err(error) => {
                let rate_limited = matches!(&error, Error::Api(api) if api.status == 429);
                let next = self.on_error(error, now, random);
                let pause_until = match next {
                    Step::Wait(ms) if rate_limited => Some(now + ms as f64),
                    _ => None,
                };
                Reaction {
                    report: None,
                    pause_until,
                    next,
                }
            }
        }
    }

    fn on_task(&mut self, task: Task, now: f64) -> Reaction {
        self.failures = 0;
        let changed = self
            .last
            .as_ref()
            .is_none_or(|last| task.differs_from(last));
        let next = match task.status {
            TaskStatus::Completed => Step::Done,
            TaskStatus::Failed | TaskStatus::Cancelled => {
                Step::Fail(Error::TaskFailed(Box::new(task.clone())))
            }
            _ => {
                let pause = self.pause_ms(&task, now);
                self.wait(pause, now)
            }
        };
        let report = changed.then(|| task.clone());
        self.last = Some(task);
        Reaction {
            report,
            pause_until: None,
            next,
        }
    }

    /// The pause after an observation of a running task.
    fn pause_ms(&mut self, task: &Task, now: f64) -> u64 {
        self.forecast.observe(task, now);
        match self.policy.pace {
            Pace::Fixed(ms) => ms,
            Pace::Adaptive { min_ms, max_ms } => self.forecast.pause_ms(now, min_ms, max_ms),
        }
    }

    fn on_error(&mut self, error: Error, now: f64, random: f64) -> Step {
        if !error.is_retryable() {
            return Step::Fail(error);
        }
        if self.remaining(now) == Some(0.0) {
            return self.timeout();
        }
        self.failures += 1;
        if self.failures > self.policy.max_retries {
            return Step::Fail(error);
        }
        let hint = match &error {
            Error::Api(api) => api
                .retry_after
                .as_deref()
                .and_then(|v| retry_after_ms(v, now)),
            _ => None,
        };
        self.wait(
            hint.unwrap_or_else(|| backoff_ms(self.failures, random)),
            now,
        )
    }
}

/// What the driver needs from its host: a transport, a sleeper, a clock and a random source.
pub trait Env {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> f64;
    /// A number in `[0, 1)` for jitter.
    fn random(&self) -> f64;
    /// One `GET /v1/tasks/{id}`, abandoned after `timeout_ms` with [`Error::Network`].
    fn fetch_task(&self, id: &str, timeout_ms: u64) -> impl Future<Output = Result<Task, Error>>;
    /// Resolves after `ms` milliseconds; dropping it cancels the timer.
    fn sleep(&self, ms: u64) -> impl Future<Output = ()>;
    /// Until when every wait sharing this environment's client must hold back (a 429 pause).
    fn paused_until(&self) -> f64 {
        0.0
    }
    /// Records a 429 pause for every wait sharing this environment's client.
    fn pause_until(&self, _until: f64) {}
}

/// One task's observations, one per change, pulled with [`Watch::next`].
///
/// Dropping a `next()` future mid-way cancels its request or timer, and ends the watch.
#[derive(Debug)]
pub struct Watch<E> {
    env: E,
    id: String,
    poller: Poller,
    step: Option<Step>,
}

impl<E: Env> Watch<E> {
    /// Starts watching task `id` (nothing is sent until the first [`Watch::next`]).
    pub fn new(env: E, id: String, policy: Policy) -> Watch<E> {
        let poller = Poller::new(policy, env.now_ms());
        let step = Some(poller.after_wait(env.now_ms(), env.paused_until()));
        Watch {
            env,
            id,
            poller,
            step,
        }
    }

    /// The last observation, if any.
    pub fn last(&self) -> Option<&Task> {
        self.poller.last()
    }

    /// Starts from an observation already made (the task a create returned), so that the
    /// first poll reports only a change from it.
    pub fn seed(&mut self, task: Task) {
        let now = self.env.now_ms();
        self.step = Some(self.poller.seed(task, now));
    }

    /// The environment the watch runs in.
    pub fn env(&self) -> &E {
        &self.env
    }

    /// The next observation that differs from the previous one; `Some(Err(_))` once when the
    /// wait fails (a failed task is reported first, then its error); `None` after the end.
    pub async fn next(&mut self) -> Option<Result<Task, Error>> {
        loop {
            match self.step.take()? {
                Step::Fetch { timeout_ms } => {
                    let result = self.env.fetch_task(&self.id, timeout_ms).await;
                    let now = self.env.now_ms();
                    let reaction = self.poller.on_response(result, now, self.env.random());
                    if let Some(until) = reaction.pause_until {
                        self.env.pause_until(until);
                    }
                    self.step = Some(reaction.next);
                    if let Some(task) = reaction.report {
                        return Some(Ok(task));
                    }
                }
                Step::Wait(ms) => {
                    self.env.sleep(ms).await;
                    let now = self.env.now_ms();
                    self.step = Some(self.poller.after_wait(now, self.env.paused_until()));
                }
                Step::Done => return None,
                Step::Fail(error) => return Some(Err(error)),
            }
        }
    }
}

/// Polls task `id` until it ends, calling `on_change` with every changed observation, and
/// returns the completed task.
pub async fn wait<E: Env>(
    env: E,
    id: String,
    policy: Policy,
    mut on_change: impl FnMut(&Task),
) -> Result<Task, Error> {
    let mut watch = Watch::new(env, id, policy);
    let mut last = None;
    while let Some(result) = watch.next().await {
        let task = result?;
        on_change(&task);
        last = Some(task);
    }
    // `Done` follows only a completed observation, which is always a change and so reported.
    last.ok_or(Error::Timeout(None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::VecDeque;
    use std::rc::Rc;

    /// A scripted transport, a recording sleeper and a virtual clock.
    #[derive(Clone, Default)]
    struct Script {
        answers: Rc<RefCell<VecDeque<Result<Task, Error>>>>,
        log: Rc<RefCell<Vec<String>>>,
        now: Rc<RefCell<f64>>,
        pause: Rc<RefCell<f64>>,
    }

    fn task(status: &str, progress: u8) -> Task {
        let text = format!(r#"{{"id":"t","status":"{status}","progress":{progress}}}"#);
        Task::from_json(&text).expect("task")
    }

    fn api(status: u16, retry_after: Option<&str>) -> Error {
        let answer = crate::response::Answer {
            status,
            status_text: "",
            retry_after,
            body: "",
        };
        Error::Api(Box::new(crate::response::api_error_of_text(answer)))
    }

    impl Script {
        fn new(answers: Vec<Result<Task, Error>>) -> Script {
            let s = Script::default();
            s.answers.borrow_mut().extend(answers);
            s
        }
        fn log(&self) -> Vec<String> {
            self.log.borrow().clone()
        }
    }

    impl Env for Script {
        fn now_ms(&self) -> f64 {
            *self.now.borrow()
        }
        fn random(&self) -> f64 {
            0.5
        }
        async fn fetch_task(&self, _id: &str, timeout_ms: u64) -> Result<Task, Error> {
            self.log.borrow_mut().push(format!("get {timeout_ms}"));
            let next = self.answers.borrow_mut().pop_front();
            next.unwrap_or_else(|| Err(Error::Network("script ran out".into())))
        }
        async fn sleep(&self, ms: u64) {
            self.log.borrow_mut().push(format!("sleep {ms}"));
            *self.now.borrow_mut() += ms as f64;
        }
        fn paused_until(&self) -> f64 {
            *self.pause.borrow()
        }
        fn pause_until(&self, until: f64) {
            let mut pause = self.pause.borrow_mut();
            *pause = pause.max(until);
        }
    }

    fn policy() -> Policy {
        Policy {
            pace: Pace::Fixed(5_000),
            ..Policy::default()
        }
    }

    fn run(script: &Script, policy: Policy) -> (Result<Task, Error>, Vec<String>) {
        let mut seen = Vec::new();
        let result = pollster::block_on(wait(script.clone(), "t".into(), policy, |t| {
            seen.push(format!("{} {}", t.status.as_str(), t.progress.unwrap_or(0)));
        }));
        (result, seen)
    }

    #[test]
    fn polls_at_the_interval_and_reports_each_change_once() {
        let s = Script::new(vec![
            Ok(task("pending", 0)),
            Ok(task("pending", 0)),
            Ok(task("processing", 40)),
            Ok(task("completed", 100)),
        ]);
        let (result, seen) = run(&s, policy());
        assert_eq!(result.map(|t| t.status), Ok(TaskStatus::Completed));
        assert_eq!(seen, ["pending 0", "processing 40", "completed 100"]);
        assert_eq!(
            s.log(),
            [
                "get 30000",
                "sleep 5000",
                "get 30000",
                "sleep 5000",
                "get 30000",
                "sleep 5000",
                "get 30000"
            ]
        );
    }

    #[test]
    fn failed_and_cancelled_tasks_are_reported_then_fail() {
        for status in ["failed", "cancelled"] {
            let s = Script::new(vec![Ok(task("pending", 0)), Ok(task(status, 0))]);
            let (result, seen) = run(&s, policy());
            let error = result.expect_err(status);
            assert!(matches!(&error, Error::TaskFailed(t) if t.status.as_str() == status));
            assert_eq!(seen, ["pending 0", format!("{status} 0").as_str()]);
        }
    }

    #[test]
    fn unknown_statuses_keep_the_normal_pace() {
        let s = Script::new(vec![
            Ok(task("queued_for_review", 10)),
            Ok(task("queued_for_review", 10)),
            Ok(task("completed", 100)),
        ]);
        let (result, seen) = run(&s, policy());
        assert!(result.is_ok());
        assert_eq!(seen, ["queued_for_review 10", "completed 100"]);
        assert_eq!(s.log().iter().filter(|l| *l == "sleep 5000").count(), 2);
    }

    #[test]
    fn transient_failures_back_off_and_a_success_resets_the_count() {
        let s = Script::new(vec![
            Err(api(503, None)),
            Err(Error::Network("reset".into())),
            Err(api(502, None)),
            Ok(task("processing", 10)),
            Err(api(500, None)),
            Err(api(500, None)),
            Err(api(500, None)),
            Ok(task("completed", 100)),
        ]);
        let (result, _) = run(
            &s,
            Policy {
                max_retries: 3,
                ..policy()
            },
        );
        assert!(result.is_ok(), "{result:?}");
        let sleeps: Vec<_> = s
            .log()
            .into_iter()
            .filter(|l| l.starts_with("sleep"))
            .collect();
        assert_eq!(
            sleeps,
            [
                "sleep 250",
                "sleep 500",
                "sleep 1000",
                "sleep 5000",
                "sleep 250",
                "sleep 500",
                "sleep 1000"
            ]
        );
    }

    #[test]
    fn too_many_failures_in_a_row_give_up_with_the_last_error() {
        let s = Script::new(vec![
            Err(api(503, None)),
            Err(api(503, None)),
            Err(api(502, None)),
        ]);
        let (result, _) = run(
            &s,
            Policy {
                max_retries: 2,
                ..policy()
            },
        );
        assert!(matches!(result, Err(Error::Api(e)) if e.status == 502));
        assert_eq!(s.log().iter().filter(|l| l.starts_with("get")).count(), 3);
    }

    #[test]
    fn client_errors_are_not_retried() {
        for status in [400, 401, 402, 403, 404, 413] {
            let s = Script::new(vec![Err(api(status, None)), Ok(task("completed", 100))]);
            let (result, _) = run(&s, policy());
            assert!(matches!(result, Err(Error::Api(e)) if e.status == status));
            assert_eq!(s.log(), ["get 30000"], "{status}");
        }
    }

    #[test]
    fn retry_after_wins_over_backoff_in_both_forms() {
        let s = Script::new(vec![
            Err(api(429, Some("3"))),
            Err(api(429, Some("Thu, 01 Jan 1970 00:00:10 GMT"))),
            Ok(task("completed", 100)),
        ]);
        let (result, _) = run(&s, policy());
        assert!(result.is_ok());
        // 3 s, then the date 10 s after the epoch when the virtual clock reads 3 s: 7 s.
        assert_eq!(
            s.log(),
            [
                "get 30000",
                "sleep 3000",
                "get 30000",
                "sleep 7000",
                "get 30000"
            ]
        );
    }

    #[test]
    fn a_429_pauses_every_wait_sharing_the_client() {
        let pause = Rc::new(RefCell::new(0.0));
        let shared = |answers| Script {
            pause: pause.clone(),
            ..Script::new(answers)
        };
        let first = shared(vec![Err(api(429, Some("4"))), Ok(task("completed", 100))]);
        let (result, _) = run(&first, policy());
        assert!(result.is_ok());
        assert_eq!(*pause.borrow(), 4_000.0);
        // A second wait on the same client, starting at 1 s, holds back for the remaining 3 s.
        let second = shared(vec![Ok(task("completed", 100))]);
        *second.now.borrow_mut() = 1_000.0;
        let (result, _) = run(&second, policy());
        assert!(result.is_ok());
        assert_eq!(second.log(), ["sleep 3000", "get 30000"]);
    }

    #[test]
    fn the_deadline_wins_and_keeps_the_last_observation() {
        let s = Script::new(vec![Ok(task("processing", 10)); 10]);
        let (result, _) = run(
            &s,
            Policy {
                timeout_ms: Some(12_000),
                ..policy()
            },
        );
        match result {
            Err(Error::Timeout(Some(last))) => assert_eq!(last.progress, Some(10)),
            other => panic!("expected a timeout, got {other:?}"),
        }
        assert_eq!(
            s.log(),
            [
                "get 12000",
                "sleep 5000",
                "get 7000",
                "sleep 5000",
                "get 2000",
                "sleep 2000"
            ]
        );
    }

    #[test]
    fn the_deadline_also_cuts_retries_short() {
        let s = Script::new(vec![Err(api(429, Some("100")))]);
        let (result, _) = run(
            &s,
            Policy {
                timeout_ms: Some(1_000),
                ..policy()
            },
        );
        assert!(matches!(result, Err(Error::Timeout(None))));
        assert_eq!(s.log(), ["get 1000", "sleep 1000"]);
    }

    #[test]
    fn a_watch_yields_changes_then_ends() {
        let s = Script::new(vec![Ok(task("pending", 0)), Ok(task("completed", 100))]);
        let mut watch = Watch::new(s, "t".into(), policy());
        let statuses = pollster::block_on(async {
            let mut out = Vec::new();
            while let Some(r) = watch.next().await {
                out.push(r.map(|t| t.status));
            }
            out
        });
        assert_eq!(
            statuses,
            [Ok(TaskStatus::Pending), Ok(TaskStatus::Completed)]
        );
        assert!(pollster::block_on(watch.next()).is_none());
    }
}
