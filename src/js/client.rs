//! The Rust-facing client for wasm frontends (Leptos, Yew, Dioxus): [`Client`] with
//! `get_task`, `wait_for_task` and `watch_task`, over the runtime's `fetch` and timers.
//! The exported JavaScript class is a thin wrapper around it.
//!
//! Cancellation is by drop: dropping a returned future aborts its request and clears its timer.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::fetch::{self, Request};
use super::scheduler::{page_hidden, Scheduler};
use super::sys;
use crate::create::{self, Kind};
use crate::error::{ArgumentKind, Error};
use crate::json::{self, Value};
use crate::poller::{self, Env, Watch};
use crate::schedule::{
    backoff_ms, retry_after_ms, Pace, Policy, DEFAULT_MAX_INTERVAL_MS, DEFAULT_MAX_RETRIES,
    DEFAULT_MIN_INTERVAL_MS, DEFAULT_REQUEST_TIMEOUT_MS,
};
use crate::task::Task;

/// Where EvoLink's API lives.
pub const DEFAULT_BASE_URL: &str = "https://api.evolink.ai";

/// How to build a [`Client`]. Every field has a default.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Sent as `Authorization: Bearer …`; leave it out when a proxy adds the key.
    pub api_key: Option<String>,
    /// The API's base URL: https, http to loopback, or a path relative to the page.
    pub base_url: Option<String>,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
    /// A `fetch` to call (unbound) instead of the global one.
    pub fetch: Option<Function>,
    /// The longest one request may take.
    pub request_timeout_ms: u64,
    /// Transient failures tolerated in a row during a wait.
    pub max_retries: u32,
    /// Requests in flight at once, across all waits (Cloudflare Workers allow 6).
    pub max_concurrent_requests: usize,
}

/// The default cap on requests in flight: the per-request limit of Cloudflare Workers.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 6;

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            api_key: None,
            base_url: None,
            headers: Vec::new(),
            fetch: None,
            request_timeout_ms: DEFAULT_REQUEST_TIMEOUT_MS,
            max_retries: DEFAULT_MAX_RETRIES,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
        }
    }
}

/// How one wait polls.
#[derive(Clone, Copy, Debug, Default)]
pub struct WaitOptions {
    /// A fixed pause between polls; without it the pace is adaptive.
    pub interval_ms: Option<u64>,
    /// The adaptive pace's shortest pause (default 1000 ms).
    pub min_interval_ms: Option<u64>,
    /// The adaptive pace's longest pause (default 30000 ms).
    pub max_interval_ms: Option<u64>,
    /// Overall deadline.
    pub timeout_ms: Option<u64>,
}

struct Inner {
    base: String,
    /// After a 429, no wait of this client sends a request before this time (ms since epoch).
    paused_until: Cell<f64>,
    headers: Vec<(String, String)>,
    fetch: Function,
    request_timeout_ms: u64,
    max_retries: u32,
    scheduler: Scheduler,
}

/// A client for EvoLink's task endpoints. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: Rc<Inner>,
}

impl std::fmt::Debug for Client {
    // The headers hold the API key: never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base)
            .finish_non_exhaustive()
    }
}

fn type_error(message: &str) -> Error {
    Error::Argument(ArgumentKind::Type, message.to_owned())
}

/// Resolves and checks the base URL; returns it without a trailing slash.
fn resolve_base_url(base: &str) -> Result<String, Error> {
    let url = match sys::Url::new(base) {
        Ok(url) => {
            crate::validate::base_url(&url.protocol(), &url.hostname())?;
            url
        }
        Err(_) => {
            let page = Reflect::get(&sys::global("location"), &"href".into())
                .ok()
                .and_then(|h| h.as_string());
            let Some(page) = page else {
                return Err(type_error(
                    "baseUrl is not an absolute URL, and this runtime has no page location to resolve it against",
                ));
            };
            sys::Url::new_with_base(base, &page)
                .map_err(|_| type_error("baseUrl is not a valid URL"))?
        }
    };
    if !url.username().is_empty() || !url.password().is_empty() {
        return Err(type_error(
            "baseUrl must not contain a user name or password",
        ));
    }
    if !url.search().is_empty() || !url.hash().is_empty() {
        return Err(type_error(
            "baseUrl must not have a query string or a fragment",
        ));
    }
    Ok(url.href().trim_end_matches('/').to_owned())
}

impl Client {
    /// Builds a client; fails on a bad base URL or when there is no `fetch` to use.
    pub fn new(options: ClientOptions) -> Result<Client, Error> {
        let base = resolve_base_url(options.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let fetch = match options.fetch {
            Some(f) => f,
            None => sys::global("fetch").dyn_into::<Function>().map_err(|_| {
                type_error("this runtime has no global fetch; pass one as the fetch option")
            })?,
        };
        let mut headers = vec![("accept".to_owned(), "application/json".to_owned())];
        headers.extend(options.headers);
        if let Some(key) = options.api_key {
            headers.retain(|(name, _)| !name.eq_ignore_ascii_case("authorization"));
            headers.push(("authorization".to_owned(), ["Bearer ", &key].concat()));
        }
        Ok(Client {
            inner: Rc::new(Inner {
                base,
                paused_until: Cell::new(0.0),
                headers,
                fetch,
                request_timeout_ms: options.request_timeout_ms,
                max_retries: options.max_retries,
                scheduler: Scheduler::new(options.max_concurrent_requests),
            }),
        })
    }

    /// The resolved base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// The longest time one request may take.
    pub fn request_timeout_ms(&self) -> u64 {
        self.inner.request_timeout_ms
    }

    /// The polling policy for a wait with these options.
    pub fn policy(&self, options: WaitOptions) -> Policy {
        Policy {
            pace: match options.interval_ms {
                Some(ms) => Pace::Fixed(ms),
                None => Pace::Adaptive {
                    min_ms: options.min_interval_ms.unwrap_or(DEFAULT_MIN_INTERVAL_MS),
                    max_ms: options.max_interval_ms.unwrap_or(DEFAULT_MAX_INTERVAL_MS),
                },
            },
            max_retries: self.inner.max_retries,
            timeout_ms: options.timeout_ms,
            request_timeout_ms: self.inner.request_timeout_ms,
        }
    }

    /// The environment one wait runs in: this client's transport, the JS clock and timers.
    pub fn env(&self) -> JsEnv {
        self.env_for(WaitOptions::default())
    }

    fn env_for(&self, options: WaitOptions) -> JsEnv {
        JsEnv {
            client: self.inner.clone(),
            cause: Rc::default(),
            hidden_pause_ms: options.max_interval_ms.unwrap_or(DEFAULT_MAX_INTERVAL_MS),
        }
    }

    /// One `GET /v1/tasks/{id}`.
    pub async fn get_task(&self, id: &str) -> Result<Task, Error> {
        crate::validate::task_id(id)?;
        self.env().fetch_task(id, self.request_timeout_ms()).await
    }

    /// Polls task `id` until it ends; `on_progress` sees every changed observation.
    pub async fn wait_for_task(
        &self,
        id: &str,
        options: WaitOptions,
        on_progress: impl FnMut(&Task),
    ) -> Result<Task, Error> {
        crate::validate::task_id(id)?;
        poller::wait(
            self.env_for(options),
            id.to_owned(),
            self.policy(options),
            on_progress,
        )
        .await
    }

    /// Creates a task of `kind` from its parameters as JSON text and returns the pending task.
    /// Seedance 2.0 limits and `callback_url` rules are checked first. The POST is repeated
    /// only after a 429 or when `fetch` threw before sending: a task is never created twice.
    pub async fn create(&self, kind: Kind, params_json: &str) -> Result<Task, Error> {
        self.env().create(kind, params_json).await
    }

    /// The observations of task `id`, one per change, pulled with [`Watch::next`].
    pub fn watch_task(&self, id: &str, options: WaitOptions) -> Result<Watch<JsEnv>, Error> {
        crate::validate::task_id(id)?;
        Ok(Watch::new(
            self.env_for(options),
            id.to_owned(),
            self.policy(options),
        ))
    }
}

/// The [`Env`] of one wait: the client's transport, `Date.now`, `Math.random`, `setTimeout`.
/// It remembers what `fetch` threw last, for `NetworkError.cause`.
#[derive(Clone)]
pub struct JsEnv {
    client: Rc<Inner>,
    cause: Rc<RefCell<JsValue>>,
    /// The pause while the page is hidden: the wait's longest.
    hidden_pause_ms: u64,
}

impl JsEnv {
    /// What `fetch` threw on the last failed request, or `undefined`.
    pub fn last_cause(&self) -> JsValue {
        self.cause.borrow().clone()
    }

    /// See [`Client::create`].
    pub async fn create(&self, kind: Kind, params_json: &str) -> Result<Task, Error> {
        let params = json::parse(params_json)
            .map_err(|_| type_error("create parameters must be a JSON object"))?;
        create::check_params(kind, &params)?;
        if let Some(url) = params.get("callback_url").and_then(Value::as_str) {
            let url = sys::Url::new(url)
                .map_err(|_| type_error("\"callback_url\" is not a valid URL"))?;
            create::callback_host(&url.protocol(), &url.hostname())?;
        }
        let url = [self.client.base.as_str(), kind.path()].concat();
        let mut headers = self.client.headers.clone();
        headers.push(("content-type".to_owned(), "application/json".to_owned()));
        let mut failures = 0;
        loop {
            let paused = self.paused_until() - self.now_ms();
            if paused > 0.0 {
                self.client.scheduler.sleep(paused.ceil() as u64).await;
            }
            let request = Request {
                url: &url,
                method: "POST",
                headers: &headers,
                body: Some(params_json),
                timeout_ms: self.client.request_timeout_ms,
            };
            let timeout = self.client.scheduler.sleep(self.client.request_timeout_ms);
            let send = fetch::send(&self.client.fetch, request, timeout);
            let failure = match self.client.scheduler.limited(send).await {
                Ok(task) => return Ok(task),
                Err(failure) => failure,
            };
            let hint = match &failure.error {
                Error::Api(api) if api.status == 429 => Some(api.retry_after.as_deref()),
                _ => None,
            };
            failures += 1;
            if (hint.is_none() && !failure.unsent) || failures > self.client.max_retries {
                *self.cause.borrow_mut() = failure.cause;
                return Err(failure.error);
            }
            let now = self.now_ms();
            let delay = hint
                .flatten()
                .and_then(|v| retry_after_ms(v, now))
                .unwrap_or_else(|| backoff_ms(failures, self.random()));
            if hint.is_some() {
                self.pause_until(now + delay as f64);
            }
            self.client.scheduler.sleep(delay).await;
        }
    }
}

impl Env for JsEnv {
    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }

    async fn fetch_task(&self, id: &str, timeout_ms: u64) -> Result<Task, Error> {
        let encoded: String = js_sys::encode_uri_component(id).into();
        let url = [self.client.base.as_str(), "/v1/tasks/", &encoded].concat();
        let client = self.client.clone();
        let send = async move {
            let request = Request {
                url: &url,
                method: "GET",
                headers: &client.headers,
                body: None,
                timeout_ms,
            };
            let timeout = client.scheduler.sleep(timeout_ms);
            fetch::send(&client.fetch, request, timeout).await
        };
        self.client
            .scheduler
            // Boxed: a wait's future stays small while it sleeps (it holds no request state).
            .fetch_shared(id, Box::pin(send))
            .await
            .map_err(|(error, cause)| {
                *self.cause.borrow_mut() = cause;
                error
            })
    }

    async fn sleep(&self, ms: u64) {
        // A hidden tab polls at the wait's longest pause, and at once when shown again.
        let ms = if page_hidden() {
            ms.max(self.hidden_pause_ms)
        } else {
            ms
        };
        self.client.scheduler.sleep(ms).await
    }

    fn paused_until(&self) -> f64 {
        self.client.paused_until.get()
    }

    fn pause_until(&self, until: f64) {
        let pause = &self.client.paused_until;
        pause.set(pause.get().max(until));
    }
}
