//! What the JavaScript shell in `src/js/` asks the core, as plain synchronous functions over
//! numbers and strings (`src/wasm.rs` exports them from the wasm).
//!
//! The shell does the I/O (`fetch`, timers, abort signals, reading option objects); the core
//! decides what every answer means and what to do next. Nothing here holds a JavaScript value,
//! awaits a promise or allocates a closure. An error crosses as a *record*, one JSON object
//! (`{"name":"ApiError","message":…,"code":…}`, see [`Error::record`]) that `src/js/errors.js`
//! turns into the package's `Error` subclass.

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::string::String;

use crate::create::{self, Kind};
use crate::error::{ArgumentKind, Error};
use crate::json;
use crate::poller::{Poller, Step};
use crate::response::{self, Answer};
use crate::schedule::{Pace, Policy, DEFAULT_MAX_INTERVAL_MS, DEFAULT_MIN_INTERVAL_MS};
use crate::validate;

/// What the shell does after a call on [`Wait`].
pub mod code {
    /// Send one GET, allowing it `wait.ms` milliseconds.
    pub const FETCH: u8 = 0;
    /// Sleep `wait.ms` milliseconds, then call `wait.next`.
    pub const WAIT: u8 = 1;
    /// The task completed: the last reported observation is the result.
    pub const DONE: u8 = 2;
    /// Give up with `wait.error()`.
    pub const FAIL: u8 = 3;
}

/// One wait on one task: the [`Poller`] plus the outputs of its last step.
pub struct Wait {
    poller: Poller,
    /// A hidden page's pause: the wait's longest (`max_interval_ms`, 30 s by default).
    hidden_floor_ms: u64,
    ms: f64,
    reported: bool,
    pause_until: f64,
    error: Option<Error>,
}
impl Wait {
    /// A wait starting at `now`: a fixed pace when `interval_ms` is given, else adaptive
    /// within `min_interval_ms..=max_interval_ms`. The shell has checked the numbers; NaN
    /// stands for an option left out.
    pub fn new(
        interval_ms: f64,
        min_interval_ms: f64,
        max_interval_ms: f64,
        timeout_ms: f64,
        max_retries: u32,
        request_timeout_ms: f64,
        now: f64,
    ) -> Wait {
        let given = |ms: f64| (!ms.is_nan()).then_some(ms as u64);
        let pace = match given(interval_ms) {
            Some(ms) => Pace::Fixed(ms),
            None => Pace::Adaptive {
                min_ms: given(min_interval_ms).unwrap_or(DEFAULT_MIN_INTERVAL_MS),
                max_ms: given(max_interval_ms).unwrap_or(DEFAULT_MAX_INTERVAL_MS),
            },
        };
        let policy = Policy {
            pace,
            max_retries,
            timeout_ms: given(timeout_ms),
            request_timeout_ms: request_timeout_ms as u64,
        };
        Wait {
            poller: Poller::new(policy, now),
            hidden_floor_ms: given(max_interval_ms).unwrap_or(DEFAULT_MAX_INTERVAL_MS),
            ms: 0.0,
            reported: false,
            pause_until: 0.0,
            error: None,
        }
    }

    /// Starts from a create's answer (`body`, already read as a task): the next step is a wait.
    pub fn seed(&mut self, body: &str, now: f64) -> u8 {
        match response::parse_task(body, "response") {
            Ok(task) => {
                self.reported = false;
                let step = self.poller.seed(task, now);
                self.take(step)
            }
            Err(error) => self.take(Step::Fail(error)),
        }
    }

    /// The step after a pause (and the first one): usually a fetch.
    pub fn next(&mut self, now: f64, paused_until: f64) -> u8 {
        self.reported = false;
        let step = self.poller.after_wait(now, paused_until);
        self.take(step)
    }

    /// Takes the answer to the last fetch. `body` is `undefined` when it passed 1 MiB and was
    /// not read. Afterwards `reported` says whether the body is a changed observation.
    pub fn answer(
        &mut self,
        status: u16,
        status_text: &str,
        retry_after: Option<&str>,
        body: Option<&str>,
        now: f64,
        random: f64,
    ) -> u8 {
        self.react(read(status, status_text, retry_after, body), now, random)
    }

    /// Takes a fetch that got no answer (`message` says why).
    pub fn failure(&mut self, message: &str, now: f64, random: f64) -> u8 {
        self.react(Err(Error::Network(message.to_owned())), now, random)
    }

    /// Gives the poller the outcome of the last fetch and keeps what it decided.
    fn react(&mut self, result: Result<crate::task::Task, Error>, now: f64, random: f64) -> u8 {
        let reaction = self.poller.on_response(result, now, random);
        self.reported = reaction.report.is_some();
        self.pause_until = reaction.pause_until.unwrap_or(0.0);
        self.take(reaction.next)
    }

    /// Milliseconds for the last step: the request's time budget, or the pause.
    pub fn ms(&self) -> f64 {
        self.ms
    }

    /// The last WAIT step's pause for a page that is hidden: the wait's longest pause unless
    /// the step's is longer, and never past the deadline.
    pub fn hidden_ms(&self, now: f64) -> f64 {
        self.poller
            .hidden_pause_ms(self.ms as u64, self.hidden_floor_ms, now) as f64
    }

    /// True when the last answer is a changed observation to report.
    pub fn reported(&self) -> bool {
        self.reported
    }

    /// After a 429: no wait of the client may send before this time (else 0).
    pub fn pause_until(&self) -> f64 {
        self.pause_until
    }

    /// The error record of a failed wait.
    pub fn error(&self) -> Option<String> {
        self.error.as_ref().map(Error::record)
    }

    fn take(&mut self, step: Step) -> u8 {
        match step {
            Step::Fetch { timeout_ms } => {
                self.ms = timeout_ms as f64;
                code::FETCH
            }
            Step::Wait(ms) => {
                self.ms = ms as f64;
                code::WAIT
            }
            Step::Done => code::DONE,
            Step::Fail(error) => {
                self.error = Some(error);
                code::FAIL
            }
        }
    }
}

fn read(
    status: u16,
    status_text: &str,
    retry_after: Option<&str>,
    body: Option<&str>,
) -> Result<crate::task::Task, Error> {
    let answer = Answer {
        status,
        status_text,
        retry_after,
        body: body.unwrap_or(""),
    };
    match body {
        Some(_) => response::read_task(answer),
        None if (200..300).contains(&status) => Err(response::body_too_large()),
        None => Err(Error::Api(Box::new(response::api_error(answer)))),
    }
}

/// Reads one answer to a GET or a create: `undefined` when `body` is a task, else the error
/// record.
pub fn read_answer(
    status: u16,
    status_text: &str,
    retry_after: Option<&str>,
    body: Option<&str>,
) -> Option<String> {
    read(status, status_text, retry_after, body)
        .err()
        .map(|e| e.record())
}

/// Reads a callback body (`undefined` when it passed 1 MiB and was not read): `undefined` when
/// it describes a task with a valid id, else the error record.
pub fn read_callback(body: Option<&str>) -> Option<String> {
    let Some(body) = body else {
        return Some(response::body_too_large().record());
    };
    let task = match response::parse_task(body, "callback body") {
        Ok(task) => task,
        Err(e) => return Some(e.record()),
    };
    validate::task_id(&task.id).err().map(|_| {
        Error::InvalidResponse("The callback body has no valid task id".to_owned()).record()
    })
}

/// Checks a task id: `undefined`, or the record of a `TypeError`.
pub fn check_task_id(id: &str) -> Option<String> {
    validate::task_id(id).err().map(|e| e.record())
}

/// Checks an absolute base URL's scheme and host.
pub fn check_base_url(protocol: &str, hostname: &str) -> Option<String> {
    validate::base_url(protocol, hostname)
        .err()
        .map(|e| e.record())
}

/// The creation endpoint of `kind` (`video`, `image` or `audio`).
pub fn create_path(kind: &str) -> String {
    Kind::from_name(kind)
        .map(Kind::path)
        .unwrap_or("")
        .to_owned()
}

/// Checks creation parameters (JSON text of an object) before anything is sent.
pub fn check_create(kind: &str, params_json: &str) -> Option<String> {
    let checked = match (Kind::from_name(kind), json::parse(params_json)) {
        (Some(kind), Ok(params)) => create::check_params(kind, &params),
        _ => Err(Error::Argument(
            ArgumentKind::Type,
            "create parameters must be a JSON object".to_owned(),
        )),
    };
    checked.err().map(|e| e.record())
}

/// Checks a parsed `callback_url`'s scheme and host.
pub fn check_callback_url(protocol: &str, hostname: &str) -> Option<String> {
    create::callback_host(protocol, hostname)
        .err()
        .map(|e| e.record())
}

/// The pause before repeating a create, or -1 to give up: see [`create::retry_delay`].
/// `status` is 0 when no answer came; `unsent` is true when `fetch` threw before sending.
pub fn create_retry(
    failures: u32,
    max_retries: u32,
    status: u16,
    retry_after: Option<&str>,
    unsent: bool,
    now: f64,
    random: f64,
) -> f64 {
    let hint = (status == 429).then_some(retry_after);
    match create::retry_delay(failures, max_retries, hint, unsent, now, random) {
        Some(ms) => ms as f64,
        None => -1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::code::{DONE, FAIL, FETCH, WAIT};
    use super::*;

    const NONE: f64 = f64::NAN;

    fn record(text: Option<String>) -> serde_json::Value {
        serde_json::from_str(&text.expect("an error record")).expect("a record is JSON")
    }

    fn body(status: &str, progress: u8) -> String {
        format!(r#"{{"id":"t1","status":"{status}","progress":{progress}}}"#)
    }

    #[test]
    fn a_wait_steps_through_fetch_wait_and_done_reporting_each_change() {
        let mut wait = Wait::new(1000.0, NONE, NONE, NONE, 3, 30_000.0, 0.0);
        assert_eq!(wait.next(0.0, 0.0), FETCH);
        assert_eq!(wait.ms(), 30_000.0, "the request's budget");
        let pending = body("pending", 0);
        assert_eq!(
            wait.answer(200, "OK", None, Some(&pending), 10.0, 0.5),
            WAIT
        );
        assert!(wait.reported());
        assert_eq!(wait.ms(), 1000.0, "the fixed pace");
        assert_eq!(wait.next(1010.0, 0.0), FETCH);
        assert!(!wait.reported());
        assert_eq!(
            wait.answer(200, "OK", None, Some(&pending), 1020.0, 0.5),
            WAIT
        );
        assert!(
            !wait.reported(),
            "the same observation is not reported twice"
        );
        assert_eq!(wait.next(2020.0, 0.0), FETCH);
        let done = body("completed", 100);
        assert_eq!(wait.answer(200, "OK", None, Some(&done), 2030.0, 0.5), DONE);
        assert!(wait.reported());
        assert_eq!(wait.error(), None);
    }

    #[test]
    fn options_left_out_are_nan_and_the_pace_is_then_adaptive() {
        let mut wait = Wait::new(NONE, 2000.0, 2000.0, NONE, 3, 30_000.0, 0.0);
        wait.next(0.0, 0.0);
        assert_eq!(
            wait.answer(200, "", None, Some(&body("pending", 0)), 0.0, 0.5),
            WAIT
        );
        assert_eq!(wait.ms(), 2000.0, "min = max = 2 s pins the adaptive pace");
    }

    #[test]
    fn a_hidden_page_pauses_at_the_longest_pace_but_keeps_the_deadline() {
        let mut wait = Wait::new(50.0, NONE, 60_000.0, NONE, 3, 30_000.0, 0.0);
        wait.next(0.0, 0.0);
        assert_eq!(
            wait.answer(200, "", None, Some(&body("pending", 0)), 0.0, 0.5),
            WAIT
        );
        assert_eq!((wait.ms(), wait.hidden_ms(0.0)), (50.0, 60_000.0));
        let mut bounded = Wait::new(50.0, NONE, NONE, 300.0, 3, 30_000.0, 0.0);
        bounded.next(0.0, 0.0);
        bounded.answer(200, "", None, Some(&body("pending", 0)), 100.0, 0.5);
        assert_eq!(
            bounded.hidden_ms(100.0),
            200.0,
            "the default 30 s, cut to the deadline"
        );
        assert_eq!(bounded.hidden_ms(400.0), 0.0, "past the deadline");
    }

    #[test]
    fn failures_are_retried_then_end_in_a_record() {
        let mut wait = Wait::new(1000.0, NONE, NONE, NONE, 1, 30_000.0, 0.0);
        wait.next(0.0, 0.0);
        assert_eq!(wait.failure("Could not reach x: refused", 0.0, 0.5), WAIT);
        assert_eq!(wait.next(1000.0, 0.0), FETCH);
        assert_eq!(
            wait.failure("Could not reach x: refused", 1000.0, 0.5),
            FAIL
        );
        let r = record(wait.error());
        assert_eq!(r["name"], "NetworkError");
        assert_eq!(r["message"], "Could not reach x: refused");
    }

    #[test]
    fn a_429_reports_the_client_wide_pause_and_a_failed_task_its_record() {
        let mut wait = Wait::new(1000.0, NONE, NONE, NONE, 3, 30_000.0, 0.0);
        wait.next(0.0, 0.0);
        assert_eq!(wait.answer(429, "", Some("2"), Some(""), 0.0, 0.5), WAIT);
        assert_eq!(wait.pause_until(), 2000.0);
        assert_eq!(wait.next(2000.0, 2000.0), FETCH);
        let failed = r#"{"id":"t1","status":"failed","error":{"code":"content_policy_violation","message":"é"}}"#;
        assert_eq!(wait.answer(200, "", None, Some(failed), 2000.0, 0.5), FAIL);
        assert!(wait.reported(), "the failed observation is reported first");
        let r = record(wait.error());
        assert_eq!(r["name"], "TaskFailedError");
        assert_eq!(r["code"], "content_policy_violation");
        assert_eq!(r["task"]["error"]["message"], "é");
    }

    #[test]
    fn a_body_too_large_to_read_is_an_error_for_a_2xx_and_the_status_otherwise() {
        assert_eq!(
            record(read_answer(200, "OK", None, None))["name"],
            "InvalidResponseError"
        );
        let r = record(read_answer(503, "Service Unavailable", Some("5"), None));
        assert_eq!(
            (r["name"].as_str(), r["status"].as_u64()),
            (Some("ApiError"), Some(503))
        );
        assert_eq!(
            read_answer(200, "OK", None, Some(&body("pending", 0))),
            None
        );
        assert_eq!(record(read_callback(None))["name"], "InvalidResponseError");
    }

    #[test]
    fn checks_answer_nothing_when_all_is_well_and_a_record_otherwise() {
        assert_eq!(check_task_id("task-1"), None);
        assert_eq!(record(check_task_id("a/b"))["name"], "TypeError");
        assert_eq!(check_base_url("https:", "api.evolink.ai"), None);
        assert_eq!(
            record(check_base_url("http:", "example.com"))["name"],
            "TypeError"
        );
        assert_eq!(check_callback_url("https:", "hooks.example.com"), None);
        assert_eq!(
            record(check_callback_url("https:", "10.0.0.1"))["name"],
            "TypeError"
        );
        let seedance = r#"{"model":"seedance-2.0-text-to-video","prompt":"x","duration":99}"#;
        assert_eq!(
            record(check_create("video", seedance))["name"],
            "RangeError"
        );
        assert_eq!(record(check_create("movie", "{}"))["name"], "TypeError");
        assert_eq!(create_path("audio"), "/v1/audios/generations");
    }

    #[test]
    fn creates_are_repeated_after_a_429_or_an_unsent_request_only() {
        assert_eq!(create_retry(1, 3, 429, Some("3"), false, 0.0, 0.5), 3000.0);
        assert!(create_retry(1, 3, 0, None, true, 0.0, 0.5) > 0.0);
        assert_eq!(create_retry(1, 3, 503, None, false, 0.0, 0.5), -1.0);
        assert_eq!(
            create_retry(1, 3, 0, None, false, 0.0, 0.5),
            -1.0,
            "a lost answer"
        );
    }
}
