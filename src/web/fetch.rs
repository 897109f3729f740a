//! One HTTP request through web-sys: the init object (method, headers, body, the
//! `AbortController`'s signal), `fetch` called unbound, and the body read under the 1 MiB limit (refused by `Content-Length`, else the stream is
//! cancelled once it passes the limit).
//!
//! [`send`] never fails: it resolves with an [`Answer`] or a [`Failure`], and what an answer
//! means is the core's business. Dropping its future aborts the request and clears the timer.

use std::cell::Cell;

use js_sys::Function;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestInit};

use super::sys::{describe, get, invoke, promise_of};
use crate::error::redact;
use crate::response::MAX_BODY_BYTES;

/// What a request is: sent as is by [`send`].
#[derive(Clone, Debug)]
pub struct Request {
    /// The whole URL.
    pub url: String,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The JSON body of a `POST`.
    pub body: Option<String>,
    /// The longest the request may take, in ms.
    pub timeout_ms: u64,
}

/// An answer: its head, and its body (`None` when it passed 1 MiB and was not read).
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// HTTP status text.
    pub status_text: String,
    /// The `Retry-After` header.
    pub retry_after: Option<String>,
    /// The request id header (`x-request-id`, else `request-id`).
    pub request_id: Option<String>,
    /// The body text, or `None` when it passed the limit.
    pub body: Option<String>,
}

/// No answer came: why, what `fetch` threw, and whether it threw before sending anything.
#[derive(Debug)]
pub struct Failure {
    /// Why, for people.
    pub message: String,
    /// What `fetch` threw or rejected with.
    pub cause: JsValue,
    /// `fetch` threw at once: nothing reached the server.
    pub unsent: bool,
}

/// The outcome of one request.
pub type Outcome = Result<Answer, Failure>;

/// Aborts the request when dropped before [`Abort::disarm`].
struct Abort<'a>(&'a AbortController, bool);

impl Abort<'_> {
    fn disarm(&mut self) {
        self.1 = false;
    }
}

impl Drop for Abort<'_> {
    fn drop(&mut self) {
        if self.1 {
            self.0.abort();
        }
    }
}

/// Sends `request` with `fetch` (called unbound) and `headers` (a plain object); `controller`
/// aborts it, and `timed_out` says whether that was its deadline (the scheduler's timer keeps
/// every request's deadline, see `scheduler.rs`).
pub async fn send(
    fetch: &Function,
    headers: &JsValue,
    request: &Request,
    controller: &AbortController,
    timed_out: &Cell<bool>,
    secret: Option<&str>,
) -> Outcome {
    let mut outcome = send_unredacted(fetch, headers, request, controller, timed_out).await;
    // Text a server or `fetch` sent may echo the key: it never reaches an error.
    if let Some(secret) = secret {
        match &mut outcome {
            Ok(answer) => {
                let texts = [Some(&mut answer.status_text), answer.retry_after.as_mut()];
                let more = [answer.request_id.as_mut(), answer.body.as_mut()];
                for text in texts.into_iter().chain(more).flatten() {
                    redact(text, secret);
                }
            }
            Err(failure) => redact(&mut failure.message, secret),
        }
    }
    outcome
}

async fn send_unredacted(
    fetch: &Function,
    headers: &JsValue,
    request: &Request,
    controller: &AbortController,
    timed_out: &Cell<bool>,
) -> Outcome {
    let mut guard = Abort(controller, true);
    let url = request.url.as_str();
    let broke = |thrown: JsValue, what: &str| {
        if timed_out.get() {
            return out_of_time(request, thrown);
        }
        Failure {
            message: format!("{what} {url}: {}", describe(&thrown)),
            cause: thrown,
            unsent: false,
        }
    };

    let init = RequestInit::new();
    super::sys::set_request_method(&init, request.method);
    init.set_headers(headers);
    if let Some(body) = &request.body {
        init.set_body(&JsValue::from_str(body));
    }
    init.set_signal(Some(&controller.signal()));
    let sent = match super::sys::call(fetch, &JsValue::from_str(url), &init) {
        Ok(sent) => sent,
        Err(thrown) => {
            return Err(Failure {
                message: format!("Could not send the request to {url}: {}", describe(&thrown)),
                cause: thrown,
                unsent: true,
            })
        }
    };
    let response = match JsFuture::from(promise_of(&sent)).await {
        Ok(response) => response,
        Err(thrown) => return Err(broke(thrown, "Could not reach")),
    };
    // Whatever fetch resolved with (a Response, a subclass, a test double, a look-alike) is read
    // through property reads that catch what its getters throw, and checked in Rust.
    let status = get(&response, "status").as_f64().unwrap_or(0.0);
    if !(100.0..=599.0).contains(&status) {
        return Err(Failure {
            message: "fetch resolved with something that is not a Response".to_owned(),
            cause: JsValue::UNDEFINED,
            unsent: false,
        });
    }
    let headers = get(&response, "headers");
    let header = |name: &'static str| {
        let headers = Some(&headers).filter(|h| h.is_object())?;
        invoke(headers, "get", &super::sys::key(name))
            .ok()?
            .as_string()
    };
    // The status text, `Retry-After` and the request id matter only to an error: a 2xx answer
    // (every poll that goes well) does not pay for reading them.
    let failed = !(200.0..300.0).contains(&status);
    let mut answer = Answer {
        status: status as u16,
        status_text: (failed
            .then(|| get(&response, "statusText").as_string())
            .flatten())
        .unwrap_or_default(),
        retry_after: failed.then(|| header("retry-after")).flatten(),
        request_id: failed
            .then(|| header("x-request-id").or_else(|| header("request-id")))
            .flatten(),
        body: None,
    };
    let length = header("content-length").and_then(|l| l.trim().parse::<u64>().ok());
    if length.is_some_and(|l| l > MAX_BODY_BYTES as u64) {
        return Ok(answer); // not read: the guard aborts the download
    }
    // A body whose length the server stated, uncompressed, is read whole: it cannot pass that
    // length. Otherwise (no length, or compressed: the length is then the compressed size) the
    // stream is read and cut off past 1 MiB.
    let whole = length.is_some()
        && header("content-encoding").is_none_or(|e| e.trim().eq_ignore_ascii_case("identity"));
    let read = if whole {
        read_whole(&response).await
    } else {
        read_text(&response).await
    };
    match read {
        Ok(body) => answer.body = body,
        Err(thrown) => {
            return Err(broke(
                thrown,
                "The connection broke while reading the answer from",
            ))
        }
    }
    guard.disarm();
    Ok(answer)
}

/// The failure of a request that ran out of time, with `cause` (what the abort rejected with).
pub fn out_of_time(request: &Request, cause: JsValue) -> Failure {
    Failure {
        message: format!(
            "No answer from {} within {} ms",
            request.url, request.timeout_ms
        ),
        cause,
        unsent: false,
    }
}

/// Reads a body whole with `text()` (its length is known, or there is no stream to read): `None`
/// when it is over the limit all the same.
async fn read_whole(response: &JsValue) -> Result<Option<String>, JsValue> {
    // A double's `text()` may return a string, or a thenable whose `then` throws.
    let text = invoke(response, "text", &JsValue::UNDEFINED)?;
    let text = JsFuture::from(promise_of(&text))
        .await?
        .as_string()
        .unwrap_or_default();
    Ok((text.len() <= MAX_BODY_BYTES).then_some(text))
}

/// Reads a body as text, giving up (and cancelling the stream) as soon as it passes 1 MiB:
/// `None` when the body is too large. `response` is a `Response`, a callback's `Request` or
/// anything shaped like one: its stream, reader, results and chunks are read through calls that
/// catch, and a chunk counts only when it is a genuine `Uint8Array`.
pub async fn read_text(response: &JsValue) -> Result<Option<String>, JsValue> {
    let stream = get(response, "body");
    if !stream.is_object() {
        return read_whole(response).await;
    }
    let reader = invoke(&stream, "getReader", &JsValue::UNDEFINED)?;
    let cancel = || {
        if let Ok(cancelled) = invoke(&reader, "cancel", &JsValue::UNDEFINED) {
            super::sys::ignore(&cancelled);
        }
    };
    let mut bytes = Vec::new();
    loop {
        let next = invoke(&reader, "read", &JsValue::UNDEFINED)?;
        let chunk = JsFuture::from(promise_of(&next)).await?;
        // Anything but `done: false` ends the stream (a result that is not an object: an error).
        let Some(value) = super::sys::chunk_of(&chunk)? else {
            break;
        };
        // A body stream of a `Response` yields bytes; one a test double made may yield anything.
        let Some(value) = value else {
            cancel();
            return Err(js_sys::TypeError::new(
                "the body stream yielded something other than bytes",
            )
            .into());
        };
        let start = bytes.len();
        let size = value.length() as usize;
        if start + size > MAX_BODY_BYTES {
            cancel();
            return Ok(None);
        }
        bytes.resize(start + size, 0);
        if let Some(into) = bytes.get_mut(start..) {
            value.copy_to(into);
        }
    }
    // Valid UTF-8 (the usual case) is taken as it is; otherwise bad bytes become U+FFFD, as
    // `TextDecoder` does.
    Ok(Some(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }))
}
