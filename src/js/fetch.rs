//! The transport: one HTTP request through the runtime's `fetch` (or the caller's), bounded by
//! a timeout and aborted when dropped, read into a [`Task`] or an [`Error`].
//!
//! Each request gets its own `AbortController`; dropping the request future (a timeout, an
//! aborted wait, a dropped watch) aborts it, so no request outlives the code that asked for it.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use std::future::Future;

use super::event::{race, Either};
use super::sys;
use crate::error::Error;
use crate::response::{self, Answer, MAX_BODY_BYTES};
use crate::task::Task;

/// One request to send.
pub struct Request<'a> {
    /// The absolute URL.
    pub url: &'a str,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Header names and values.
    pub headers: &'a [(String, String)],
    /// The JSON body of a `POST`.
    pub body: Option<&'a str>,
    /// The longest the request (answer and body) may take.
    pub timeout_ms: u64,
}

/// A transport failure with what `fetch` threw, kept for `NetworkError.cause`.
pub struct Failure {
    /// The error for the core.
    pub error: Error,
    /// What `fetch` or the body read threw, or `undefined`.
    pub cause: JsValue,
    /// True when `fetch` threw before starting the request: nothing reached the server.
    pub unsent: bool,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure {
            error,
            cause: JsValue::UNDEFINED,
            unsent: false,
        }
    }
}

struct AbortOnDrop(Option<sys::AbortController>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(c) = &self.0 {
            let _ = c.abort();
        }
    }
}

/// The `message` of a thrown value, or its string form.
pub fn describe(thrown: &JsValue) -> String {
    Reflect::get(thrown, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| thrown.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

fn network(what: &str, url: &str, thrown: JsValue) -> Failure {
    let mut m = String::from(what);
    m.push_str(url);
    m.push_str(": ");
    m.push_str(&describe(&thrown));
    Failure {
        error: Error::Network(m),
        cause: thrown,
        unsent: false,
    }
}

/// Sends `request` with `fetch` (called unbound) and reads the answer, unless `timeout` (a
/// pause of `request.timeout_ms`) ends first.
pub async fn send(
    fetch: &Function,
    request: Request<'_>,
    timeout: impl Future<Output = ()>,
) -> Result<Task, Failure> {
    match race(exchange(fetch, &request), timeout).await {
        Either::Left(result) => result,
        Either::Right(()) => {
            let mut m = String::from("No answer from ");
            m.push_str(request.url);
            m.push_str(" within ");
            m.push_str(&crate::decimal(request.timeout_ms as i64));
            m.push_str(" ms");
            Err(Error::Network(m).into())
        }
    }
}

fn init(request: &Request<'_>, controller: &Option<sys::AbortController>) -> Object {
    let headers = Object::new();
    for (name, value) in request.headers {
        let _ = Reflect::set(
            &headers,
            &JsValue::from_str(name),
            &JsValue::from_str(value),
        );
    }
    let init = Object::new();
    let _ = Reflect::set(&init, &"method".into(), &request.method.into());
    let _ = Reflect::set(&init, &"headers".into(), &headers);
    if let Some(body) = request.body {
        let _ = Reflect::set(&init, &"body".into(), &body.into());
    }
    if let Some(c) = controller {
        let _ = Reflect::set(&init, &"signal".into(), &c.signal());
    }
    init
}

async fn exchange(fetch: &Function, request: &Request<'_>) -> Result<Task, Failure> {
    let url = request.url;
    let mut guard = AbortOnDrop(sys::AbortController::new().ok());
    let init = init(request, &guard.0);
    let returned = fetch
        .call2(&JsValue::UNDEFINED, &JsValue::from_str(url), &init)
        .map_err(|e| Failure {
            unsent: true,
            ..network("Could not send the request to ", url, e)
        })?;
    let promise = returned
        .dyn_into::<Promise>()
        .unwrap_or_else(|value| Promise::resolve(&value));
    let response: sys::FetchResponse = JsFuture::from(promise)
        .await
        .map_err(|e| network("Could not reach ", url, e))?
        .unchecked_into();
    let status = response
        .status()
        .as_f64()
        .filter(|s| (100.0..=599.0).contains(s));
    let Some(status) = status else {
        return Err(Error::InvalidResponse(
            "fetch resolved with something that is not a Response".to_owned(),
        )
        .into());
    };
    let status = status as u16;
    let headers: sys::FetchHeaders = response.headers().unchecked_into();
    let header = |name: &str| headers.get(name).ok().and_then(|v| v.as_string());
    let retry_after = header("retry-after");
    let status_text = response.status_text().as_string().unwrap_or_default();
    let declared_len = header("content-length").and_then(|v| v.trim().parse::<u64>().ok());
    let body = if declared_len.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        None // not read: dropping the guard aborts the download
    } else {
        let read = sys::read_text(&response, MAX_BODY_BYTES as u32);
        let text = JsFuture::from(read).await.map_err(|e| {
            network(
                "The connection broke while reading the answer from ",
                url,
                e,
            )
        })?;
        text.as_string() // `null` when the body passed the limit
    };
    if body.is_some() {
        guard.0 = None; // read to the end: nothing left to abort
    }
    drop(guard);
    let answer = Answer {
        status,
        status_text: &status_text,
        retry_after: retry_after.as_deref(),
        body: body.as_deref().unwrap_or(""),
    };
    match body {
        Some(_) => response::read_task(answer).map_err(Failure::from),
        None if (200..300).contains(&status) => Err(response::body_too_large().into()),
        None => Err(Error::Api(Box::new(response::api_error(answer))).into()),
    }
}
