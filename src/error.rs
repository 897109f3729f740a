//! The one error type of the client, its stable codes and its classification.
//!
//! [`Error`] holds only plain Rust data (no JavaScript values), so the core can build and test it
//! natively; the JavaScript edge turns each variant into its own `Error` subclass. Messages never
//! contain request headers, so an API key cannot leak through an error.

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;

use crate::json;
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
            Error::Network(m) | Error::InvalidResponse(m) | Error::Argument(_, m) => m.clone(),
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

impl Error {
    /// The error as a *record*, how it crosses to JavaScript: one JSON object whose `name` is
    /// the class to throw (`ApiError`, …, `TypeError`, `RangeError`) and whose other members
    /// are its fields: `message`, `code`, and `status`, `type`, `param`, `fallbackSuggestion`
    /// (API errors) or `task` (the task object as the API sent it) when there are some.
    pub fn record(&self) -> String {
        let name = match self {
            Error::Api(_) => "ApiError",
            Error::TaskFailed(_) => "TaskFailedError",
            Error::Timeout(_) => "TimeoutError",
            Error::Network(_) => "NetworkError",
            Error::InvalidResponse(_) => "InvalidResponseError",
            Error::Argument(ArgumentKind::Type, _) => "TypeError",
            Error::Argument(ArgumentKind::Range, _) => "RangeError",
        };
        let mut out = String::from("{\"name\":\"");
        out.push_str(name);
        out.push_str("\",\"message\":");
        json::write_string(&mut out, &self.message());
        out.push_str(",\"code\":");
        json::write_string(&mut out, &self.code());
        if let Error::Api(api) = self {
            out.push_str(",\"status\":");
            out.push_str(&crate::text::decimal(api.status.into()));
            let fields = [
                ("type", &api.kind),
                ("param", &api.param),
                ("fallbackSuggestion", &api.fallback_suggestion),
            ];
            for (key, value) in fields {
                if let Some(value) = value {
                    out.push_str(",\"");
                    out.push_str(key);
                    out.push_str("\":");
                    json::write_string(&mut out, value);
                }
            }
        }
        if let Some(task) = self.task() {
            out.push_str(",\"task\":");
            out.push_str(&task.json);
        }
        out.push('}');
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn failed(text: &str) -> Error {
        let task = Task::from_value(&parse(text).expect("JSON"), text).expect("task");
        Error::TaskFailed(Box::new(task))
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
            Error::Api(Box::new(crate::response::api_error(answer)))
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
}
