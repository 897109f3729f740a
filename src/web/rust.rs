//! The client for Rust web frontends (Leptos, Yew, Dioxus, …) on wasm32: the same transport,
//! scheduler and rules as the JavaScript `EvoLinkClient`, with Rust types.
//!
//! ```ignore
//! use evolink_tasks::web::{Client, ClientOptions, WaitOptions};
//!
//! let client = Client::new(ClientOptions { base_url: Some("/evolink".into()), ..Default::default() })?;
//! let created = client.create(Kind::Video, &serde_json::json!({
//!     "model": "seedance-2.0-text-to-video", "prompt": "a paper lantern over a calm lake",
//! })).await?;
//! let done = client
//!     .wait_for_task(&created.task.id, WaitOptions {
//!         on_progress: Some(Box::new(|seen| log(seen.task.progress))),
//!         timeout_ms: Some(15 * 60_000),
//!         ..Default::default()
//!     })
//!     .await?;
//! let url = &done.task.results()[0];
//! ```
//!
//! Dropping a returned future cancels it: its request is aborted (unless another wait shares
//! it) and its timer cleared. An `AbortSignal` in the options does the same from JavaScript.

use std::rc::Rc;

use serde::Serialize;
use wasm_bindgen::JsValue;
use web_sys::AbortSignal;

use super::client::{create_body, create_task, fetch_once, under, Settings};
use super::convert::{range_error, Pacing};
use super::scheduler::{Failure, Observation, OnProgress, Progress, Shared, WaitFuture};
use super::sys;
use crate::create::Kind;
use crate::error::Error;
use crate::validate;

/// How a [`Client`] talks to the API; every field is optional.
#[derive(Clone, Debug, Default)]
pub struct ClientOptions {
    /// Sent as `Authorization: Bearer …`; leave it out behind a proxy that adds it.
    pub api_key: Option<String>,
    /// The API root (default `https://api.evolink.ai`), or a path relative to the page.
    pub base_url: Option<String>,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
    /// Longest time one request may take (default 30 s).
    pub request_timeout_ms: Option<u64>,
    /// Transient failures tolerated in a row during a wait (default 3).
    pub max_retries: Option<u32>,
    /// Requests in flight at once across all waits (default 6).
    pub max_concurrent_requests: Option<u32>,
    /// Send the key over plain http to a host that is not this machine (default false).
    pub allow_insecure_http: bool,
}

/// How [`Client::wait_for_task`] waits; every field is optional.
#[derive(Default)]
pub struct WaitOptions {
    /// Called with the first observation and each change of status or progress.
    pub on_progress: Option<OnProgress>,
    /// Aborting it ends the wait with [`Error::Aborted`].
    pub signal: Option<AbortSignal>,
    /// Overall deadline; then [`Error::Timeout`] with the last observation.
    pub timeout_ms: Option<u64>,
    /// A fixed pause between polls instead of the adaptive pace.
    pub interval_ms: Option<u64>,
    /// The adaptive pace's shortest pause (default 1 s).
    pub min_interval_ms: Option<u64>,
    /// The adaptive pace's longest pause (default 30 s).
    pub max_interval_ms: Option<u64>,
}

/// A client for EvoLink's task API, for Rust code compiled to wasm32.
#[derive(Clone)]
pub struct Client {
    shared: Rc<Shared>,
}

fn error_of(failure: Failure) -> Error {
    match failure {
        Failure::Error { error, .. } => error,
        Failure::Thrown(reason) => Error::Aborted(sys::describe(&reason)),
    }
}

impl Client {
    /// A client, once the options are checked (the base URL's scheme and host, …).
    pub fn new(options: ClientOptions) -> Result<Client, Error> {
        let positive = |value: Option<u64>, name: &str| match value {
            Some(0) => Err(range_error(format!("\"{name}\" must be at least 1"))),
            _ => Ok(value),
        };
        let settings = Settings {
            allow_insecure_http: options.allow_insecure_http,
            api_key: options.api_key,
            base_url: options.base_url,
            headers: options.headers,
            fetch: None,
            request_timeout_ms: positive(options.request_timeout_ms, "request_timeout_ms")?,
            max_retries: options.max_retries.map(u64::from),
            max_concurrent_requests: positive(
                options.max_concurrent_requests.map(u64::from),
                "max_concurrent_requests",
            )?,
        };
        Ok(Client {
            shared: settings.build()?,
        })
    }

    /// The resolved base URL.
    pub fn base_url(&self) -> &str {
        &self.shared.config.base
    }

    /// Fetches a task once: `GET /v1/tasks/{id}`.
    pub async fn get_task(&self, id: &str) -> Result<Observation, Error> {
        validate::task_id(id)?;
        fetch_once(&self.shared.for_call(), id.to_owned())
            .await
            .map_err(error_of)
    }

    /// Polls a task until it ends: the completed task, or why it did not complete.
    pub async fn wait_for_task(
        &self,
        id: &str,
        options: WaitOptions,
    ) -> Result<Observation, Error> {
        validate::task_id(id)?;
        let options_in_ms = [
            ("interval_ms", options.interval_ms),
            ("min_interval_ms", options.min_interval_ms),
            ("max_interval_ms", options.max_interval_ms),
            ("timeout_ms", options.timeout_ms),
        ];
        for (name, value) in options_in_ms {
            if value == Some(0) {
                return Err(range_error(format!("\"{name}\" must be at least 1")));
            }
        }
        if let (Some(min), Some(max)) = (options.min_interval_ms, options.max_interval_ms) {
            if min > max {
                let message = "\"min_interval_ms\" must not be larger than \"max_interval_ms\"";
                return Err(range_error(message.to_owned()));
            }
        }
        let pacing = Pacing::new(
            options.interval_ms,
            options.min_interval_ms,
            options.max_interval_ms,
            options.timeout_ms,
        )?;
        if let Some(signal) = options.signal.as_ref().filter(|s| sys::aborted(s)) {
            return Err(Error::Aborted(sys::describe(&sys::abort_reason(signal))));
        }
        let progress = options.on_progress.map_or(Progress::None, Progress::Rust);
        let wait = WaitFuture::start(
            &self.shared.for_call(),
            id.to_owned(),
            pacing,
            progress,
            options.signal,
            None,
        );
        let value = wait.await.map_err(error_of)?;
        let task = super::convert::task(&value)
            .map_err(|e| Error::InvalidResponse(e.describe().to_owned()))?;
        Ok(Observation { task, value })
    }

    /// Creates a task of `kind` with `params` (any serializable object; the Seedance 2.0 limits
    /// and the `callback_url` rules are checked first) and returns the pending task. Repeated
    /// only after a 429 or when nothing was sent: a task is never created twice.
    pub async fn create(
        &self,
        kind: Kind,
        params: &impl Serialize,
        signal: Option<&AbortSignal>,
    ) -> Result<Observation, Error> {
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        let params: JsValue = params
            .serialize(&serializer)
            .map_err(|_| range_error("the create parameters could not be serialized".to_owned()))?;
        let body = create_body(kind, &params)?;
        let shared = self.shared.for_call();
        let work = create_task(&shared, kind, body);
        under(&shared, signal, work).await.map_err(error_of)
    }
}
