//! Turning one HTTP answer (status, status text, `Retry-After`, body) into a [`Task`] or an
//! [`Error`]. Decisions start from the HTTP status, since a proxy in front of the API may answer
//! with HTML or nothing at all; both documented error-body forms (integer or string `code`) are
//! read.
//!
//! The body arrives parsed by the host ([`Body`]: any serde deserializer, `serde_json` natively,
//! `JSON.parse` + serde-wasm-bindgen in wasm), too large to read, or not JSON at all.

use serde::{Deserialize, Deserializer};

use crate::error::{ApiError, Error};
use crate::loose::{Loose, MaybeObject};
use crate::task::Task;

/// Bodies larger than this (1 MiB) are refused without being parsed.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The head of an answer, as the transport saw it.
#[derive(Clone, Copy, Debug)]
pub struct Head<'a> {
    /// HTTP status.
    pub status: u16,
    /// HTTP status text (may be empty, as with HTTP/2).
    pub status_text: &'a str,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<&'a str>,
    /// The request id header (`x-request-id` or `request-id`), if any.
    pub request_id: Option<&'a str>,
}

/// An answer's body, as the host read it.
#[derive(Debug)]
pub enum Body<D> {
    /// Over [`MAX_BODY_BYTES`]: not read.
    TooLarge,
    /// Not JSON; says why.
    NotJson(String),
    /// Parsed JSON, ready to deserialize.
    Parsed(D),
}

/// The error for a body over [`MAX_BODY_BYTES`].
pub fn body_too_large() -> Error {
    Error::InvalidResponse("The body is larger than 1 MiB; it was not read".to_owned())
}

/// Reads an answer to `GET /v1/tasks/{id}` (or a creation request).
pub fn read<'de, D: Deserializer<'de>>(head: Head<'_>, body: Body<D>) -> Result<Task, Error> {
    if !(200..300).contains(&head.status) {
        return Err(Error::Api(Box::new(api_error(head, body))));
    }
    task_of(body, "response")
}

/// Reads a task from a body (a response or a callback, named by `what` in messages): JSON, an
/// object with a string `status`.
pub fn task_of<'de, D: Deserializer<'de>>(body: Body<D>, what: &str) -> Result<Task, Error> {
    Task::read(parsed(body, what)?).map_err(|e| not_a_task(what, e))
}

/// The parsed value of a body (named by `what` in messages), or the error a body too large or
/// not JSON is.
pub fn parsed<D>(body: Body<D>, what: &str) -> Result<D, Error> {
    match body {
        Body::TooLarge => Err(body_too_large()),
        Body::NotJson(why) => Err(Error::InvalidResponse(format!(
            "The {what} is not JSON ({why})"
        ))),
        Body::Parsed(d) => Ok(d),
    }
}

/// The error for a body (named by `what`) that is JSON but not a task.
pub fn not_a_task(what: &str, why: crate::task::NotATask) -> Error {
    Error::InvalidResponse(format!("The {what} is not a task: {}", why.describe()))
}

/// Checks that an answer to `GET /v1/tasks/{asked}` is about that task: behind a misrouted or
/// caching proxy, an answer about another task would hand one user another's results.
pub fn check_id(task: &Task, asked: &str) -> Result<(), Error> {
    if task.id == asked {
        return Ok(());
    }
    Err(Error::InvalidResponse(
        "The answer is about another task than the one asked for".to_owned(),
    ))
}

/// Strips a leading UTF-8 byte order mark, as `Response.text()` and `TextDecoder` do.
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{FEFF}').unwrap_or(text)
}

/// The members of an error body the client reads.
#[derive(Default, Deserialize)]
#[serde(default)]
struct ErrorBody {
    error: MaybeObject<ErrorObject>,
    message: Option<Loose>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct ErrorObject {
    code: Option<Loose>,
    message: Option<Loose>,
    #[serde(rename = "type")]
    kind: Option<Loose>,
    param: Option<Loose>,
    fallback_suggestion: Option<Loose>,
}

fn non_empty(v: Option<&Loose>) -> Option<String> {
    v.and_then(Loose::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

/// Reads a non-2xx answer: the body's `error` object when there is one, else the status alone.
pub fn api_error<'de, D: Deserializer<'de>>(head: Head<'_>, body: Body<D>) -> ApiError {
    let parsed = match body {
        Body::Parsed(d) => MaybeObject::<ErrorBody>::deserialize(d)
            .ok()
            .and_then(MaybeObject::object),
        _ => None,
    };
    api_error_of(head, parsed)
}

/// [`api_error`] for a host that knows whether the body is an object: `object` is the body when
/// it is one (read as a struct: only the members the client reads are looked up), else `None`
/// (no body, not JSON, or another value), and the status alone speaks.
pub fn api_error_of_object<'de, D: Deserializer<'de>>(
    head: Head<'_>,
    object: Option<D>,
) -> ApiError {
    api_error_of(head, object.and_then(|d| ErrorBody::deserialize(d).ok()))
}

fn api_error_of(head: Head<'_>, parsed: Option<ErrorBody>) -> ApiError {
    let status = head.status;
    let parsed = parsed.unwrap_or_default();
    // `{"error": {...}}` is documented; `{"error": "text"}` and `{"message": "text"}` are seen
    // in front of APIs often enough to read too.
    let (object, error_text) = match parsed.error {
        MaybeObject::Object(o) => (o, None),
        MaybeObject::Other(v) => (ErrorObject::default(), non_empty(Some(&v))),
    };
    let code = object
        .code
        .as_ref()
        .and_then(Loose::code)
        .filter(|c| !c.trim().is_empty());
    let message = non_empty(object.message.as_ref())
        .or(error_text)
        .or_else(|| non_empty(parsed.message.as_ref()))
        .or_else(|| (!head.status_text.trim().is_empty()).then(|| head.status_text.to_owned()));
    ApiError {
        status,
        code: code.unwrap_or_else(|| format!("http_{status}")),
        message: message.unwrap_or_else(|| format!("HTTP {status}")),
        kind: non_empty(object.kind.as_ref()),
        param: non_empty(object.param.as_ref()),
        fallback_suggestion: non_empty(object.fallback_suggestion.as_ref()),
        retry_after: head.retry_after.map(str::to_owned),
        request_id: head.request_id.map(str::to_owned),
    }
}

/// An answer with its body as text, for Rust hosts that read JSON with `serde_json`.
#[cfg(not(target_arch = "wasm32"))]
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

#[cfg(not(target_arch = "wasm32"))]
impl<'a> Answer<'a> {
    fn head(&self) -> Head<'a> {
        Head {
            status: self.status,
            status_text: self.status_text,
            retry_after: self.retry_after,
            request_id: None,
        }
    }
}

/// Parses body text with `serde_json` (refusing more than 1 MiB unread).
#[cfg(not(target_arch = "wasm32"))]
pub fn parse_text(text: &str) -> Body<serde_json::Value> {
    if text.len() > MAX_BODY_BYTES {
        return Body::TooLarge;
    }
    match serde_json::from_str(without_bom(text)) {
        Ok(value) => Body::Parsed(value),
        Err(e) => Body::NotJson(e.to_string()),
    }
}

/// Reads an answer whose body is text (natively, with `serde_json`).
#[cfg(not(target_arch = "wasm32"))]
pub fn read_task(answer: Answer<'_>) -> Result<Task, Error> {
    read(answer.head(), parse_text(answer.body))
}

/// Reads a non-2xx answer whose body is text (natively, with `serde_json`).
#[cfg(not(target_arch = "wasm32"))]
pub fn api_error_of_text(answer: Answer<'_>) -> ApiError {
    api_error(answer.head(), parse_text(answer.body))
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

    /// Both readings agree: any body, and a body the host knows to be an object (or not).
    fn api(status: u16, status_text: &str, body: &str) -> ApiError {
        let answer = Answer {
            status,
            status_text,
            retry_after: Some("7"),
            body,
        };
        let any = api_error_of_text(answer);
        let value = serde_json::from_str::<serde_json::Value>(body).ok();
        let object = value.as_ref().filter(|v| v.is_object());
        assert_eq!(api_error_of_object(answer.head(), object), any, "{body}");
        any
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
    fn an_answer_must_be_about_the_task_asked_for() {
        let task = read_task(answer(200, r#"{"id":"t1","status":"completed"}"#)).expect("task");
        assert_eq!(check_id(&task, "t1"), Ok(()));
        for asked in ["t2", "t1 ", "T1", ""] {
            let e = check_id(&task, asked).expect_err(asked);
            assert_eq!(e.code(), "invalid_response", "{asked}");
        }
        let anonymous = read_task(answer(200, r#"{"status":"completed"}"#)).expect("task");
        assert!(
            check_id(&anonymous, "t1").is_err(),
            "an answer without an id"
        );
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_json() {
        let task = read_task(answer(
            200,
            "\u{FEFF}{\"id\":\"t1\",\"status\":\"pending\"}",
        ));
        assert_eq!(task.map(|t| t.id), Ok("t1".to_owned()));
        assert_eq!(
            without_bom("\u{FEFF}\u{FEFF}x"),
            "\u{FEFF}x",
            "one mark only"
        );
    }

    #[test]
    fn non_2xx_is_an_api_error_even_with_a_task_body() {
        let e = read_task(answer(500, r#"{"status":"pending"}"#)).expect_err("500");
        assert!(matches!(e, Error::Api(api) if api.status == 500));
    }
}
