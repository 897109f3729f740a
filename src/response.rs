//! Turning one HTTP answer (status, status text, `Retry-After`, body text) into a [`Task`] or an
//! [`Error`]. Decisions start from the HTTP status, since a proxy in front of the API may answer
//! with HTML or nothing at all; both documented error-body forms (integer or string `code`) are
//! read.

use crate::error::{ApiError, Error};
use crate::json::{self, Value};
use crate::task::{code_string, Task};
use crate::text;
use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::string::String;

/// Bodies larger than this (1 MiB) are refused without being parsed.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The answer to a request, as the transport saw it.
#[derive(Clone, Copy, Debug)]
pub struct Answer<'a> {
    /// HTTP status.
    pub status: u16,
    /// HTTP status text (may be empty, as with HTTP/2).
    pub status_text: &'a str,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<&'a str>,
    /// The body text.
    pub body: &'a str,
}

/// The error for a body over [`MAX_BODY_BYTES`].
pub fn body_too_large() -> Error {
    Error::InvalidResponse("The body is larger than 1 MiB; it was not read".to_owned())
}

/// Reads an answer to `GET /v1/tasks/{id}` (or a creation request).
pub fn read_task(answer: Answer<'_>) -> Result<Task, Error> {
    if !(200..300).contains(&answer.status) {
        return Err(Error::Api(Box::new(api_error(answer))));
    }
    parse_task(answer.body, "response")
}

/// Reads a task object from JSON text (a response body or a callback body, named by `what` in
/// messages): at most 1 MiB, JSON, an object with a string `status`.
pub fn parse_task(body: &str, what: &str) -> Result<Task, Error> {
    if body.len() > MAX_BODY_BYTES {
        return Err(body_too_large());
    }
    let value = json::parse(body).map_err(|e| {
        let parts = ["The ", what, " is not JSON (", &e.describe(), ")"];
        Error::InvalidResponse(crate::text::concat(&parts))
    })?;
    Task::from_value(&value, body).map_err(|e| {
        Error::InvalidResponse(crate::text::concat(&[
            "The ",
            what,
            " is not a task: ",
            e.describe(),
        ]))
    })
}

fn non_empty(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) if !text::is_blank(s) => Some(s.clone()),
        _ => None,
    }
}

/// Reads a non-2xx answer: the body's `error` object when there is one, else the status alone.
pub fn api_error(answer: Answer<'_>) -> ApiError {
    let status = answer.status;
    let parsed = if answer.body.len() <= MAX_BODY_BYTES {
        json::parse(answer.body).ok()
    } else {
        None
    };
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    // `{"error": {...}}` is documented; `{"error": "text"}` and `{"message": "text"}` are seen
    // in front of APIs often enough to read too.
    let object = error.filter(|e| e.as_object().is_some());
    let code = object
        .and_then(|e| e.get("code"))
        .and_then(code_string)
        .filter(|c| !text::is_blank(c));
    let message = non_empty(object.and_then(|e| e.get("message")))
        .or_else(|| non_empty(error))
        .or_else(|| non_empty(parsed.as_ref().and_then(|v| v.get("message"))))
        .or_else(|| {
            (!answer.status_text.trim_ascii().is_empty()).then(|| answer.status_text.to_owned())
        });
    let digits = || text::decimal(status.into());
    ApiError {
        status,
        code: code.unwrap_or_else(|| text::concat(&["http_", &digits()])),
        message: message.unwrap_or_else(|| text::concat(&["HTTP ", &digits()])),
        kind: non_empty(object.and_then(|e| e.get("type"))),
        param: non_empty(object.and_then(|e| e.get("param"))),
        fallback_suggestion: non_empty(object.and_then(|e| e.get("fallback_suggestion"))),
        retry_after: answer.retry_after.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer<'_> {
        Answer {
            status,
            status_text: "",
            retry_after: None,
            body,
        }
    }

    fn api(status: u16, status_text: &str, body: &str) -> ApiError {
        api_error(Answer {
            status,
            status_text,
            retry_after: Some("7"),
            body,
        })
    }

    #[test]
    fn string_code_form() {
        let e = api(
            401,
            "Unauthorized",
            r#"{"error":{"code":"unauthorized","message":"Invalid key","type":"authentication_error","param":"","fallback_suggestion":""}}"#,
        );
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("unauthorized", "Invalid key")
        );
        assert_eq!(e.kind.as_deref(), Some("authentication_error"));
        assert_eq!((e.param, e.fallback_suggestion), (None, None));
        assert_eq!(e.retry_after.as_deref(), Some("7"));
    }

    #[test]
    fn integer_code_form() {
        let e = api(
            404,
            "",
            r#"{"error":{"code":404,"message":"Task not found","param":"task_id"}}"#,
        );
        assert_eq!(
            (e.code.as_str(), e.param.as_deref()),
            ("404", Some("task_id"))
        );
    }

    #[test]
    fn html_and_empty_bodies_fall_back_to_the_status() {
        let e = api(502, "Bad Gateway", "<html><h1>502</h1></html>");
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("http_502", "Bad Gateway")
        );
        let e = api(503, "", "");
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("http_503", "HTTP 503")
        );
        let e = api(500, "", r#"{"error":"boom"}"#);
        assert_eq!((e.code.as_str(), e.message.as_str()), ("http_500", "boom"));
    }

    #[test]
    fn a_2xx_must_be_a_task() {
        assert!(read_task(answer(200, r#"{"id":"a","status":"pending"}"#)).is_ok());
        for body in ["<html></html>", "{\"id\":", "{\"hello\":1}", "[]", ""] {
            let e = read_task(answer(200, body)).expect_err(body);
            assert_eq!(e.code(), "invalid_response", "{body}");
        }
    }

    #[test]
    fn bodies_over_a_mebibyte_are_refused_unparsed() {
        let big = format!(
            r#"{{"status":"pending","pad":"{}"}}"#,
            "x".repeat(MAX_BODY_BYTES)
        );
        assert_eq!(read_task(answer(200, &big)), Err(body_too_large()));
    }

    #[test]
    fn non_2xx_is_an_api_error_even_with_a_task_body() {
        let e = read_task(answer(500, r#"{"status":"pending"}"#)).expect_err("500");
        assert!(matches!(e, Error::Api(api) if api.status == 500));
    }
}
