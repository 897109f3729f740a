//! The one error type of the client, its stable codes and its classification.
//!
//! [`Error`] holds only plain Rust data (no JavaScript values), so the core can build and test it
//! natively; the JavaScript edge turns each variant into its own `Error` subclass. Messages never
//! contain request headers, so an API key cannot leak through an error.

use core::fmt;

use serde::Serialize;

use crate::task::{Task, TaskStatus};

/// A non-2xx answer from the API (or from a proxy or CDN in front of it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The body's `error.code` as a string (an integer code as its digits), else `http_<status>`.
    pub code: String,
    /// The server's `error.message`, else the status text, else `HTTP <status>`.
    pub message: String,
    /// The body's `error.type`, when present and not empty.
    pub kind: Option<String>,
    /// The body's `error.param`, when present and not empty.
    pub param: Option<String>,
    /// The body's `error.fallback_suggestion`, when present and not empty.
    pub fallback_suggestion: Option<String>,
    /// The raw `Retry-After` header, when the server sent one.
    pub retry_after: Option<String>,
    /// The answer's request id header (`x-request-id` or `request-id`), for support requests.
    pub request_id: Option<String>,
}

impl ApiError {
    /// True for statuses worth retrying on a GET: 408, 429, 500, 502, 503, 504.
    pub fn is_retryable(&self) -> bool {
        matches!(self.status, 408 | 429 | 500 | 502 | 503 | 504)
    }
}

/// Whether a bad argument has the wrong type or a value out of range: JavaScript's `TypeError`
/// and `RangeError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgumentKind {
    /// The wrong type, or a malformed string (`TypeError`).
    Type,
    /// A value outside what is allowed (`RangeError`).
    Range,
}

/// Everything that can go wrong talking to EvoLink.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-2xx status.
    Api(Box<ApiError>),
    /// The task ended as `failed` or `cancelled`.
    TaskFailed(Box<Task>),
    /// The overall deadline passed; holds the last observation, if any.
    Timeout(Option<Box<Task>>),
    /// The request never got an answer (connection refused, reset, per-request timeout…).
    Network(String),
    /// A 2xx answer that is not a task object (a CDN page, truncated JSON, a body too large).
    InvalidResponse(String),
    /// A caller passed a bad argument; nothing was sent.
    Argument(ArgumentKind, String),
    /// The caller aborted (an `AbortSignal` in Rust code; JavaScript callers receive the
    /// signal's own reason instead).
    Aborted(String),
}

impl Error {
    /// A stable, machine-readable code: the API's own code for [`Error::Api`], the task's
    /// failure code for [`Error::TaskFailed`], otherwise `timeout`, `network_error`,
    /// `invalid_response`, `invalid_argument`.
    pub fn code(&self) -> String {
        match self {
            Error::Api(e) => e.code.clone(),
            Error::TaskFailed(task) => task.failure_code(),
            Error::Timeout(_) => "timeout".to_owned(),
            Error::Network(_) => "network_error".to_owned(),
            Error::InvalidResponse(_) => "invalid_response".to_owned(),
            Error::Argument(..) => "invalid_argument".to_owned(),
            Error::Aborted(_) => "aborted".to_owned(),
        }
    }

    /// The human-readable message.
    pub fn message(&self) -> String {
        match self {
            Error::Api(e) => e.message.clone(),
            Error::TaskFailed(task) => {
                let mut m = String::from("Task ");
                m.push_str(&task.id);
                m.push_str(if task.status == TaskStatus::Cancelled {
                    " was cancelled"
                } else {
                    " failed"
                });
                if let Some(text) = task.error.as_ref().and_then(|e| e.message.as_deref()) {
                    m.push_str(": ");
                    m.push_str(text);
                }
                m
            }
            Error::Timeout(_) => "Timed out waiting for the task".to_owned(),
            Error::Network(m)
            | Error::InvalidResponse(m)
            | Error::Argument(_, m)
            | Error::Aborted(m) => m.clone(),
        }
    }

    /// True when the same GET may succeed if repeated: network failures, invalid 2xx bodies and
    /// API statuses 408, 429, 500, 502, 503, 504.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.is_retryable(),
            Error::Network(_) | Error::InvalidResponse(_) => true,
            _ => false,
        }
    }

    /// The task this error is about, when it has one (failed task, last observation).
    pub fn task(&self) -> Option<&Task> {
        match self {
            Error::TaskFailed(task) => Some(task),
            Error::Timeout(last) => last.as_deref(),
            _ => None,
        }
    }
}

/// What replaces a secret (the API key) in text copied into an error.
pub const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are not searched for: replacing every `a` of an answer would
/// wreck it, and no API key is that short.
pub const MIN_REDACTED_LEN: usize = 8;

/// `text` with every occurrence of `secret` replaced by [`REDACTED`], as it is and as JSON
/// escapes it (`\"`, `\\`, `\/`): text from a server or from `fetch` (a body, a status text, a
/// header, an exception's message) may echo the key, and errors go to logs.
pub fn redact(text: &mut String, secret: &str) {
    if secret.len() < MIN_REDACTED_LEN {
        return;
    }
    let escaped = secret.replace('\\', "\\\\").replace('"', "\\\"");
    let slashed = escaped.replace('/', "\\/");
    for form in [secret, &escaped, &slashed] {
        let table = prefix_table(form.as_bytes());
        let Some(mut at) = find(text, form, &table) else {
            continue;
        };
        // As `str::replace` does: every match, left to right, none overlapping.
        let mut redacted = String::with_capacity(text.len());
        let mut rest = text.as_str();
        loop {
            // A match of a whole string starts and ends on character boundaries.
            redacted.push_str(rest.get(..at).unwrap_or_default());
            redacted.push_str(REDACTED);
            rest = rest.get(at + form.len()..).unwrap_or_default();
            match find(rest, form, &table) {
                Some(next) => at = next,
                None => break,
            }
        }
        redacted.push_str(rest);
        *text = redacted;
    }
}

/// True when `needle` occurs in `text` (as `str::contains`, in time linear in both).
#[cfg(any(target_arch = "wasm32", test))]
pub(crate) fn contains(text: &str, needle: &str) -> bool {
    find(text, needle, &prefix_table(needle.as_bytes())).is_some()
}

/// Where `needle` first occurs in `text`: Knuth–Morris–Pratt, with `table` from
/// [`prefix_table`], in time linear in both whatever they hold (a server's body may be 1 MiB).
/// Smaller in the wasm than the standard library's Two-Way search, and as safe from slow cases.
fn find(text: &str, needle: &str, table: &[usize]) -> Option<usize> {
    let needle = needle.as_bytes();
    if needle.is_empty() {
        return Some(0);
    }
    let mut matched = 0;
    for (i, &byte) in text.as_bytes().iter().enumerate() {
        while matched > 0 && needle.get(matched) != Some(&byte) {
            matched = *table.get(matched - 1)?;
        }
        if needle.get(matched) == Some(&byte) {
            matched += 1;
        }
        if matched == needle.len() {
            return Some(i + 1 - matched);
        }
    }
    None
}

/// For each prefix of `needle`, the length of its longest proper prefix that is also its
/// suffix: where [`find`] resumes after a mismatch.
fn prefix_table(needle: &[u8]) -> Vec<usize> {
    let mut table = Vec::with_capacity(needle.len());
    let mut matched = 0;
    for (i, &byte) in needle.iter().enumerate() {
        while i > 0 && matched > 0 && needle.get(matched) != Some(&byte) {
            matched = table.get(matched - 1).copied().unwrap_or(0);
        }
        if i > 0 && needle.get(matched) == Some(&byte) {
            matched += 1;
        }
        table.push(matched);
    }
    table
}

/// An error as it crosses to JavaScript: the class to throw (`name`: `ApiError`, …,
/// `TypeError`, `RangeError`) and its fields. The JavaScript edge adds what Rust does not hold:
/// the task object (`task`) and what `fetch` threw (`cause`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// The JavaScript class.
    pub name: &'static str,
    /// [`Error::message`].
    pub message: String,
    /// [`Error::code`].
    pub code: String,
    /// The HTTP status of an API error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `error.type` of an API error.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `error.param` of an API error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// `error.fallback_suggestion` of an API error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_suggestion: Option<String>,
    /// The request id header of an API error's answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// An API error's `Retry-After`, in ms from when it was read (either form); the edge that
    /// has a clock fills it in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// The task the error is about, when there is one; filled in by the edge that knows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
}

impl Error {
    /// The error as a [`Record`], how it crosses to JavaScript.
    pub fn record(&self) -> Record {
        let name = match self {
            Error::Api(_) => "ApiError",
            Error::TaskFailed(_) => "TaskFailedError",
            Error::Timeout(_) => "TimeoutError",
            Error::Network(_) => "NetworkError",
            Error::InvalidResponse(_) => "InvalidResponseError",
            Error::Argument(ArgumentKind::Type, _) => "TypeError",
            Error::Argument(ArgumentKind::Range, _) => "RangeError",
            Error::Aborted(_) => "AbortError",
        };
        let api = match self {
            Error::Api(api) => Some(api.as_ref()),
            _ => None,
        };
        Record {
            name,
            message: self.message(),
            code: self.code(),
            status: api.map(|a| a.status),
            kind: api.and_then(|a| a.kind.clone()),
            param: api.and_then(|a| a.param.clone()),
            fallback_suggestion: api.and_then(|a| a.fallback_suggestion.clone()),
            request_id: api.and_then(|a| a.request_id.clone()),
            retry_after_ms: None,
            task_id: self
                .task()
                .map(|t| t.id.clone())
                .filter(|id| !id.is_empty()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    fn failed(text: &str) -> Error {
        Error::TaskFailed(Box::new(Task::from_json(text).expect("task")))
    }

    #[test]
    fn task_failures_carry_the_task_code_and_message() {
        let e = failed(
            r#"{"id":"t1","status":"failed","error":{"code":"content_policy_violation","message":"flagged"}}"#,
        );
        assert_eq!(e.code(), "content_policy_violation");
        assert_eq!(e.to_string(), "Task t1 failed: flagged");
        assert!(!e.is_retryable());
        let c = failed(r#"{"id":"t2","status":"cancelled"}"#);
        assert_eq!(
            (c.code(), c.message()),
            ("cancelled".into(), "Task t2 was cancelled".into())
        );
    }

    #[test]
    fn records_carry_the_class_and_the_api_fields() {
        let e = Error::Api(Box::new(ApiError {
            status: 401,
            code: "unauthorized".into(),
            message: "Invalid key".into(),
            kind: Some("authentication_error".into()),
            param: None,
            fallback_suggestion: Some("check the key".into()),
            retry_after: None,
            request_id: Some("req-1".into()),
        }));
        let record = serde_json::to_value(e.record()).expect("a record serializes");
        assert_eq!(
            record,
            serde_json::json!({"name": "ApiError", "message": "Invalid key", "code": "unauthorized",
                "status": 401, "type": "authentication_error", "fallbackSuggestion": "check the key",
                "requestId": "req-1"})
        );
        let r = Error::Argument(ArgumentKind::Range, "x".into()).record();
        assert_eq!((r.name, r.status), ("RangeError", None));
    }

    #[test]
    fn secrets_are_redacted_as_they_are_and_as_json_escapes_them() {
        let key = "sk-a/b\"c\\d-123";
        let mut text = format!(
            "{key} and {} and {}",
            serde_json::to_string(key).expect("json"),
            r#"sk-a\/b\"c\\d-123"#
        );
        redact(&mut text, key);
        assert_eq!(text, "[redacted] and \"[redacted]\" and [redacted]");
        let mut short = "status".to_owned();
        redact(&mut short, "s");
        assert_eq!(short, "status", "short secrets are not searched for");
    }

    #[test]
    fn codes_are_stable() {
        assert_eq!(Error::Timeout(None).code(), "timeout");
        assert_eq!(Error::Network("x".into()).code(), "network_error");
        assert_eq!(
            Error::InvalidResponse("x".into()).code(),
            "invalid_response"
        );
        assert_eq!(
            Error::Argument(ArgumentKind::Type, "x".into()).code(),
            "invalid_argument"
        );
    }

    #[test]
    fn retryable_statuses_are_exactly_the_transient_ones() {
        let api = |status| {
            let answer = crate::response::Answer {
                status,
                status_text: "",
                retry_after: None,
                body: "",
            };
            Error::Api(Box::new(crate::response::api_error_of_text(answer)))
        };
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(api(s).is_retryable(), "{s}");
        }
        for s in [400, 401, 402, 403, 404, 413, 501] {
            assert!(!api(s).is_retryable(), "{s}");
        }
        assert!(Error::Network("reset".into()).is_retryable());
        assert!(!Error::Timeout(None).is_retryable());
    }

    /// The search behind `redact` and `contains` finds what the standard library's does, and
    /// `redact` replaces as `str::replace` does, on texts and needles over a small alphabet
    /// (where partial matches and overlaps are common) and with multi-byte characters.
    #[test]
    #[cfg(not(target_arch = "wasm32"))] // proptest is a native dev-dependency
    fn search_and_redaction_agree_with_the_standard_library() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let redacted_by_std = |text: &str, secret: &str| {
            let escaped = secret.replace('\\', "\\\\").replace('"', "\\\"");
            let slashed = escaped.replace('/', "\\/");
            let mut text = text.to_owned();
            if secret.len() >= MIN_REDACTED_LEN {
                for form in [secret, &escaped, &slashed] {
                    text = text.replace(form, REDACTED);
                }
            }
            text
        };
        let mut runner = TestRunner::new(Config {
            cases: 20_000,
            failure_persistence: None,
            ..Config::default()
        });
        let strategy = ("[ab/\\\"é]{0,40}", "[ab/\\\"é]{0,12}");
        runner
            .run(&strategy, |(text, needle)| {
                prop_assert_eq!(contains(&text, &needle), text.contains(&needle));
                let repeated = needle.repeat(3);
                let mut ours = text.clone() + &repeated + &text;
                let expected = redacted_by_std(&ours, &needle);
                redact(&mut ours, &needle);
                prop_assert_eq!(ours, expected);
                Ok(())
            })
            .expect("agrees");
    }
}
