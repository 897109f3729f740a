//! The JavaScript API, exported with wasm-bindgen: `EvoLinkClient`, its watch iterator
//! (`TaskWatch`), `parseTaskCallback` and `planPoll`. Every method that returns a promise
//! returns one made from a Rust future (as `future_to_promise` does, its reject function tracked
//! so that a trap rejects it), and checks its arguments inside it, so bad input rejects with a
//! `TypeError`/`RangeError` before any request is sent.

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::Poll;

use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Object, Promise, Reflect};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use super::convert::{
    self, call_options, js_error, options, read_answer, task_id, type_error, wait_options, Pacing,
};
use super::fetch::{read_text, Request};
use super::scheduler::{
    Config, Failure, Mode, Observation, Oneshot, Progress, Shared, WaitFuture, WatchQueue,
};
use super::sys;
use crate::create::{self, Kind};
use crate::error::Error;
use crate::loose::Loose;
use crate::response;
use crate::schedule::{self, Forecast, DEFAULT_MAX_INTERVAL_MS, DEFAULT_MIN_INTERVAL_MS};
use crate::validate;

/// The API root used when `baseUrl` is left out.
pub const DEFAULT_BASE_URL: &str = "https://api.evolink.ai";

const CLIENT_OPTIONS: &[&str] = &[
    "allowInsecureHttp",
    "apiKey",
    "baseUrl",
    "headers",
    "fetch",
    "requestTimeoutMs",
    "maxRetries",
    "maxConcurrentRequests",
];

/// What a client is made of, read from JavaScript or given by Rust.
pub struct Settings {
    /// Sent as `Authorization: Bearer …`.
    pub api_key: Option<String>,
    /// The API root, or a path relative to the page.
    pub base_url: Option<String>,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
    /// The `fetch` to call instead of the global one.
    pub fetch: Option<Function>,
    /// Longest time one request may take.
    pub request_timeout_ms: Option<u64>,
    /// Transient failures tolerated in a row.
    pub max_retries: Option<u64>,
    /// Requests in flight at once.
    pub max_concurrent_requests: Option<u64>,
    /// Send the key over plain http to a host that is not this machine.
    pub allow_insecure_http: bool,
}

impl Settings {
    /// The client's shared state, once every setting is checked.
    pub fn build(self) -> Result<Rc<Shared>, Error> {
        let transport = validate::Transport {
            with_key: self.api_key.is_some(),
            allow_insecure_http: self.allow_insecure_http,
        };
        let base = base_url(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            transport,
        )?;
        if let Some(key) = &self.api_key {
            validate::api_key(key)?;
        }
        for (name, value) in &self.headers {
            validate::header(name, value)?;
        }
        let fetch = self.fetch.or_else(sys::global_fetch).ok_or_else(|| {
            type_error("this runtime has no global fetch; pass one as the fetch option".to_owned())
        })?;
        let headers = Object::new();
        let put = |name: &JsValue, value: &JsValue| {
            let _ = Reflect::set(&headers, name, value);
        };
        let json = sys::key("application/json");
        put(&sys::key("accept"), &json);
        for (name, value) in &self.headers {
            let is_auth = name.eq_ignore_ascii_case("authorization");
            if !(is_auth && self.api_key.is_some()) {
                put(&name.into(), &value.into());
            }
        }
        if let Some(key) = &self.api_key {
            put(&sys::key("authorization"), &format!("Bearer {key}").into());
        }
        // What errors must never show: the key, or the caller's own `authorization` header.
        let secret = self.api_key.clone().or_else(|| {
            let mut auth = self
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"));
            auth.next().map(|(_, value)| value.trim().to_owned())
        });
        let post_headers = Object::assign(&Object::new(), &headers);
        let _ = Reflect::set(&post_headers, &sys::key("content-type"), &json);
        let config = Config {
            base,
            headers: headers.into(),
            post_headers: post_headers.into(),
            fetch,
            request_timeout_ms: self.request_timeout_ms.unwrap_or(30_000),
            max_retries: self.max_retries.unwrap_or(3).min(u32::MAX.into()) as u32,
            secret,
        };
        let cap = self.max_concurrent_requests.unwrap_or(6).min(1 << 20) as usize;
        Ok(Shared::new(config, cap, sys::per_request_io()))
    }
}

/// The API root of a base URL, resolved against the page when relative, without a trailing
/// slash or `/v1`.
fn base_url(base: &str, transport: validate::Transport) -> Result<String, Error> {
    thread_local! {
        /// The last absolute base URL that passed, with its transport and its API root: a
        /// client made per request (as the worker example does) checks the same one each time.
        static LAST: RefCell<Option<(String, validate::Transport, String)>> =
            const { RefCell::new(None) };
    }
    let last = LAST.with(|last| {
        let last = last.borrow();
        let (seen, how, root) = last.as_ref()?;
        (seen == base && *how == transport).then(|| root.clone())
    });
    if let Some(root) = last {
        return Ok(root);
    }
    let (root, absolute) = checked_base_url(base, transport)?;
    if absolute {
        LAST.with(|last| *last.borrow_mut() = Some((base.to_owned(), transport, root.clone())));
    }
    Ok(root)
}

/// [`base_url`] worked out: the API root, and whether `base` was absolute.
fn checked_base_url(base: &str, transport: validate::Transport) -> Result<(String, bool), Error> {
    let mut absolute = false;
    let url = match web_sys::Url::new(base) {
        Ok(url) => {
            validate::base_url(&url.protocol(), &url.hostname(), transport)?;
            absolute = true;
            url
        }
        Err(_) => {
            let page = sys::page_href().ok_or_else(|| {
                type_error("baseUrl is not an absolute URL, and this runtime has no page location to resolve it against".to_owned())
            })?;
            web_sys::Url::new_with_base(base, &page)
                .map_err(|_| type_error("baseUrl is not a valid URL".to_owned()))?
        }
    };
    if !url.username().is_empty() || !url.password().is_empty() {
        return Err(type_error(
            "baseUrl must not contain a user name or password".to_owned(),
        ));
    }
    if !url.search().is_empty() || !url.hash().is_empty() {
        return Err(type_error(
            "baseUrl must not have a query string or a fragment".to_owned(),
        ));
    }
    Ok((validate::api_root(&url.href()).to_owned(), absolute))
}

fn client_settings(value: &JsValue) -> Result<Settings, Error> {
    let what = "EvoLinkClient options";
    let o = options(value, what, CLIENT_OPTIONS)?;
    let mut headers = Vec::new();
    if !o.headers.is_undefined() {
        let h = &o.headers;
        if !h.is_object() || sys::is_array(h) || h.is_function() {
            return Err(type_error(format!(
                "{what}: \"headers\" must be an object of header names and string values"
            )));
        }
        let entries = sys::object_entries(h).map_err(|e| {
            type_error(format!(
                "{what}: \"headers\" could not be read: {}",
                sys::describe(&e)
            ))
        })?;
        for entry in entries.iter() {
            let name = Reflect::get_u32(&entry, 0).ok().and_then(|n| n.as_string());
            let value = Reflect::get_u32(&entry, 1).ok().and_then(|v| v.as_string());
            match (name, value) {
                (Some(name), Some(value)) => headers.push((name, value)),
                (name, _) => {
                    return Err(type_error(format!(
                        "{what}: header \"{}\" must be a string",
                        name.unwrap_or_default()
                    )))
                }
            }
        }
    }
    let allow_insecure_http = match o.allow_insecure_http.as_bool() {
        Some(allowed) => allowed,
        None if o.allow_insecure_http.is_undefined() => false,
        None => {
            return Err(type_error(format!(
                "{what}: \"allowInsecureHttp\" must be a boolean"
            )))
        }
    };
    Ok(Settings {
        allow_insecure_http,
        api_key: convert::string(&o.api_key, what, "apiKey")?,
        base_url: convert::string(&o.base_url, what, "baseUrl")?,
        headers,
        fetch: convert::function(&o.fetch, what, "fetch")?,
        request_timeout_ms: convert::whole(&o.request_timeout_ms, what, "requestTimeoutMs", 1)?,
        max_retries: convert::whole(&o.max_retries, what, "maxRetries", 0)?,
        max_concurrent_requests: convert::whole(
            &o.max_concurrent_requests,
            what,
            "maxConcurrentRequests",
            1,
        )?,
    })
}

/// Runs a one-off call under `signal`: rejects at once with `signal.reason` when it aborts,
/// dropping (and so aborting) what the call was doing.
pub async fn under<T>(
    shared: &Shared,
    signal: Option<&AbortSignal>,
    work: impl Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    let Some(signal) = signal else {
        return work.await;
    };
    if sys::aborted(signal) {
        return Err(Failure::Thrown(sys::abort_reason(signal)));
    }
    let mut aborted = pin!(shared.on_abort(signal));
    let mut work = pin!(work);
    poll_fn(|cx| {
        if let Poll::Ready(reason) = aborted.as_mut().poll(cx) {
            return Poll::Ready(Err(Failure::Thrown(reason)));
        }
        work.as_mut().poll(cx)
    })
    .await
}

/// One `GET /v1/tasks/{id}`, shared with the waits asking for that task now; transient
/// failures are retried as a wait retries them (a GET is safe to repeat).
pub async fn fetch_once(shared: &Shared, id: String) -> Result<Observation, Failure> {
    let attempt = || async {
        match &*shared.get(id.clone()).await {
            Ok(answer) => read_answer(answer, Some(&id))
                .map(|(task, value)| Observation { task, value })
                .map_err(Failure::from),
            Err(failure) => Err(Failure::from(failure)),
        }
    };
    retrying(shared, attempt).await.map_err(|e| e.about(&id))
}

/// `GET {path}` alone (not shared), retried as [`fetch_once`] is; resolves with the parsed JSON.
pub async fn get_json(shared: &Shared, path: &str) -> Result<JsValue, Failure> {
    let attempt = || async {
        let request = Request {
            url: format!("{}{path}", shared.config.base),
            method: "GET",
            body: None,
            timeout_ms: shared.config.request_timeout_ms,
        };
        match &*shared.send(request).await {
            Err(failure) => Err(Failure::from(failure)),
            Ok(answer) if !(200..300).contains(&answer.status) => {
                Err(Failure::from(convert::api_error(answer)))
            }
            Ok(answer) => match convert::parse(answer.body.as_deref()) {
                response::Body::Parsed(value) if value.is_object() => Ok(value),
                _ => Err(Failure::from(Error::InvalidResponse(format!(
                    "The answer to GET {path} is not a JSON object"
                )))),
            },
        }
    };
    retrying(shared, attempt).await
}

/// Runs `attempt` until it succeeds or fails for good: transient failures are repeated after a
/// pause (the server's `Retry-After`, else a backoff), at most `maxRetries` in a row, as a wait
/// repeats them; the client's 429 pause holds every attempt back.
async fn retrying<T, F: Future<Output = Result<T, Failure>>>(
    shared: &Shared,
    mut attempt: impl FnMut() -> F,
) -> Result<T, Failure> {
    let mut failures = 0;
    loop {
        hold_back(shared).await;
        let failure = match attempt().await {
            Ok(value) => return Ok(value),
            Err(failure) => failure,
        };
        failures += 1;
        match retry_delay(shared, &failure, failures) {
            Some(ms) => TimeoutFuture::new(ms).await,
            None => return Err(failure),
        }
    }
}

/// Waits while the client is paused after a 429.
async fn hold_back(shared: &Shared) {
    // The clock is read only once a 429 has paused the client: a first request goes out before
    // anything reads it (a prerender, as Next.js's, refuses a clock read before its first fetch).
    let until = shared.paused_until();
    if until <= 0.0 {
        return;
    }
    let paused = until - sys::now();
    if paused > 0.0 {
        TimeoutFuture::new(paused.ceil().min(i32::MAX as f64) as u32).await;
    }
}

/// The pause before repeating a GET after its `failures`-th transient failure in a row (a 429
/// also pauses every request of the client), or `None` to give up.
fn retry_delay(shared: &Shared, failure: &Failure, failures: u32) -> Option<u32> {
    let Failure::Error { error, .. } = failure else {
        return None;
    };
    if !error.is_retryable() || failures > shared.config.max_retries {
        return None;
    }
    let now = sys::now();
    let hint = match error {
        Error::Api(api) => api
            .retry_after
            .as_deref()
            .and_then(|v| crate::schedule::retry_after_ms(v, now)),
        _ => None,
    };
    let ms = hint.unwrap_or_else(|| crate::schedule::backoff_ms(failures, sys::random()));
    if matches!(error, Error::Api(api) if api.status == 429) {
        shared.pause(now + ms as f64);
    }
    Some(ms.min(i32::MAX as u64) as u32)
}

/// Checks creation parameters and returns the JSON body to send.
pub fn create_body(kind: Kind, params: &JsValue) -> Result<String, Error> {
    if !params.is_object() || sys::is_array(params) || params.is_function() {
        return Err(create::not_an_object());
    }
    let body = sys::stringify_params(params)
        .map_err(|e| {
            let mut m = String::from("create parameters cannot be sent as JSON: ");
            m.push_str(&sys::describe(&e));
            type_error(m)
        })?
        .as_string()
        .ok_or_else(|| type_error("create parameters must be JSON-serialisable".to_owned()))?;
    // What is checked is what is sent: the body as `JSON.parse` reads it back (`NaN` → `null`,
    // `undefined` members dropped, `toJSON` applied).
    let sent = sys::parse_json(&body)
        .map_err(|_| type_error("create parameters must be JSON-serialisable".to_owned()))?;
    if convert::object(&sent).is_none() {
        return Err(create::not_an_object());
    }
    create::check_members(kind, |name| {
        let member = sys::get(&sent, name);
        if member.is_undefined() {
            return Ok(None);
        }
        Loose::deserialize(serde_wasm_bindgen::Deserializer::from(member)).map(Some)
    })?;
    if let Some(url) = sys::get(&sent, "callback_url").as_string() {
        let url = web_sys::Url::new(&url)
            .map_err(|_| type_error("\"callback_url\" is not a valid URL".to_owned()))?;
        create::callback_host(&url.protocol(), &url.hostname())?;
    }
    Ok(body)
}

/// Creates a task. Repeated only after a 429 or when `fetch` threw before sending: a task is
/// never created twice.
pub async fn create_task(
    shared: &Shared,
    kind: Kind,
    body: String,
) -> Result<Observation, Failure> {
    let url = format!("{}{}", shared.config.base, kind.path());
    let mut failures = 0;
    loop {
        hold_back(shared).await;
        let request = Request {
            url: url.clone(),
            method: "POST",
            body: Some(body.clone()),
            timeout_ms: shared.config.request_timeout_ms,
        };
        let outcome = shared.send(request).await;
        let (status, retry_after, unsent, failure) = match &*outcome {
            Ok(answer) => match read_answer(answer, None) {
                Ok((task, value)) => return Ok(Observation { task, value }),
                Err(error) => (
                    answer.status,
                    answer.retry_after.clone(),
                    false,
                    Failure::from(error),
                ),
            },
            Err(f) => (0, None, f.unsent, Failure::from(f)),
        };
        failures += 1;
        let now = sys::now();
        let hint = (status == 429).then_some(retry_after.as_deref());
        let max = shared.config.max_retries;
        let Some(delay) = create::retry_delay(failures, max, hint, unsent, now, sys::random())
        else {
            return Err(failure);
        };
        if status == 429 {
            shared.pause(now + delay as f64);
        }
        TimeoutFuture::new(delay.min(i32::MAX as u64) as u32).await;
    }
}

/// Reads a callback body (a string, a parsed object or a `Request`) into the task it
/// describes, refusing one without a valid id.
pub async fn read_callback(body: JsValue) -> Result<Observation, Failure> {
    let invalid = |m: &str| Failure::from(Error::InvalidResponse(m.to_owned()));
    let text = if let Some(text) = body.as_string() {
        Some(text)
    } else if sys::get(&body, "text").is_function() {
        read_text(&body).await.map_err(|thrown| {
            invalid(&format!(
                "The callback body could not be read: {}",
                sys::describe(&thrown)
            ))
        })?
    } else if body.is_object() {
        let text = sys::stringify(&body).ok().and_then(|s| s.as_string());
        Some(text.ok_or_else(|| invalid("The callback body is not JSON"))?)
    } else {
        return Err(
            type_error("a callback body is a string, an object or a Request".to_owned()).into(),
        );
    };
    let (task, value) = convert::task_of(convert::parse(text.as_deref()), "callback body")?;
    if validate::task_id(&task.id).is_err() {
        return Err(invalid("The callback body has no valid task id"));
    }
    Ok(Observation { task, value })
}

/// The promise of a Rust future, as wasm-bindgen-futures' `future_to_promise` makes it, with
/// its reject function tracked by the snippet: if the instance traps, the call rejects (see
/// `trapped` in the snippet) instead of never settling. Boxed, so that every method shares one
/// instantiation of the machinery.
fn promise(work: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    promise_of(Box::pin(work), true)
}

/// [`promise`], tracked or not (`parseTaskCallback`, which belongs to no client, is not).
fn promise_of(
    work: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>,
    tracked: bool,
) -> Promise {
    let mut work = Some(work);
    Promise::new(&mut |resolve, reject| {
        let Some(work) = work.take() else {
            return;
        };
        if tracked {
            sys::track(&reject);
        }
        wasm_bindgen_futures::spawn_local(async move {
            match work.await {
                Ok(value) => sys::settle(&resolve, &value, &reject),
                Err(error) => sys::settle(&reject, &error, &reject),
            }
        });
    })
}

/// Settles a promise from a Rust result.
fn settle<T: Into<JsValue>>(result: Result<T, Failure>) -> Result<JsValue, JsValue> {
    result.map(Into::into).map_err(|f| f.to_js())
}

impl From<Observation> for JsValue {
    fn from(seen: Observation) -> JsValue {
        seen.value
    }
}

fn reject(error: Error) -> JsValue {
    js_error(&error, &JsValue::UNDEFINED, &JsValue::UNDEFINED, None)
}

/// What an exported method returns: always `Ok` (a promise rejects; it never throws). The
/// `Result` makes wasm-bindgen return the promise through its table, as an index, instead of as
/// a direct `externref` result. Node 20's V8 inlines a JS→Wasm call into a hot caller, and
/// crashes ("unreachable code" in `DoComputeBuiltinContinuation`) when a garbage collection
/// deoptimizes that caller while the call, returning an `externref`, is on the stack: it took
/// about 50,000 waits created in one loop (`tests/pkg/node-process.test.mjs` creates 100,000).
type Returned = Result<Promise, JsValue>;

thread_local! {
    /// True once `EvoLinkClient`'s and `TaskWatch`'s prototypes are guarded (`sys::guard_class`).
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    static WATCH_GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// A client for EvoLink's task API.
#[wasm_bindgen]
pub struct EvoLinkClient {
    shared: Rc<Shared>,
}

#[wasm_bindgen]
impl EvoLinkClient {
    /// Creates a client. Throws a `TypeError`/`RangeError` for bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<EvoLinkClient, JsValue> {
        let shared = client_settings(&options)
            .and_then(Settings::build)
            .map_err(reject)?;
        if !GUARDED.with(|g| g.replace(true)) {
            let instance = JsValue::from(EvoLinkClient {
                shared: shared.clone(),
            });
            sys::guard_class(instance, "EvoLinkClient");
            sys::reject_all_on_panic();
        }
        Ok(EvoLinkClient { shared })
    }

    /// The resolved base URL.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.shared.config.base.clone()
    }

    /// Fetches a task once: `GET /v1/tasks/{id}`.
    #[wasm_bindgen(js_name = getTask)]
    pub fn get_task(&self, id: JsValue, options: JsValue) -> Returned {
        #[cfg(feature = "trap-test")]
        trap_test::now(&id);
        Ok({
            let shared = self.shared.for_call();
            promise(async move {
                let signal = call_options(&options, "getTask options").map_err(reject)?;
                let id = task_id(&id).map_err(reject)?;
                #[cfg(feature = "trap-test")]
                trap_test::later(&id);
                settle(under(&shared, signal.as_ref(), fetch_once(&shared, id)).await)
            })
        })
    }

    /// Polls a task until it ends and resolves with the completed task.
    #[wasm_bindgen(js_name = waitForTask)]
    pub fn wait_for_task(&self, id: JsValue, options: JsValue) -> Returned {
        // Checked and started now, so that the future behind the promise holds the wait alone.
        let checked = wait_options(&options, "waitForTask options", convert::WAIT_OPTIONS)
            .and_then(|o| Ok((task_id(&id)?, o)));
        let (id, o) = match checked {
            Ok(checked) => checked,
            Err(error) => return Ok(promise(async move { Err(reject(error)) })),
        };
        if let Some(signal) = o.signal.as_ref().filter(|s| sys::aborted(s)) {
            let reason = sys::abort_reason(signal);
            return Ok(promise(async move { Err(reason) }));
        }
        let progress = o.on_progress.map_or(Progress::None, Progress::Js);
        let wait = WaitFuture::start(
            &self.shared.for_call(),
            id,
            o.pacing,
            progress,
            o.signal,
            None,
        );
        Ok(promise(async move { settle(wait.await) }))
    }

    /// The observations of a task, one per change, as an async iterator.
    #[wasm_bindgen(js_name = watchTask)]
    pub fn watch_task(&self, id: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let o =
            wait_options(&options, "watchTask options", convert::WATCH_OPTIONS).map_err(reject)?;
        let id = task_id(&id).map_err(reject)?;
        let watch = TaskWatch {
            shared: self.shared.for_call(),
            id,
            pacing: o.pacing,
            signal: o.signal,
            queue: Rc::new(RefCell::new(WatchQueue::default())),
            key: Cell::new(None),
            closed: Cell::new(false),
        };
        if !WATCH_GUARDED.with(|g| g.replace(true)) {
            let instance = JsValue::from(TaskWatch {
                shared: self.shared.clone(),
                id: String::new(),
                pacing: watch.pacing,
                signal: None,
                queue: Rc::default(),
                key: Cell::new(None),
                closed: Cell::new(true),
            });
            sys::guard_class(instance, "TaskWatch");
        }
        let object = JsValue::from(watch);
        let method = sys::RETURN_THIS.with(JsValue::clone);
        Reflect::set(&object, &js_sys::Symbol::async_iterator(), &method)?;
        Ok(object)
    }

    /// Creates a video task (`POST /v1/videos/generations`); resolves with the pending task.
    #[wasm_bindgen(js_name = createVideo)]
    pub fn create_video(&self, params: JsValue, options: JsValue) -> Returned {
        Ok(self.create(Kind::Video, params, options))
    }

    /// Creates an image task (`POST /v1/images/generations`); resolves with the pending task.
    #[wasm_bindgen(js_name = createImage)]
    pub fn create_image(&self, params: JsValue, options: JsValue) -> Returned {
        Ok(self.create(Kind::Image, params, options))
    }

    /// Creates an audio task (`POST /v1/audios/generations`); resolves with the pending task.
    #[wasm_bindgen(js_name = createAudio)]
    pub fn create_audio(&self, params: JsValue, options: JsValue) -> Returned {
        Ok(self.create(Kind::Audio, params, options))
    }

    /// Creates a video task and waits for it: `onCreated` gets the created task (keep its id),
    /// then `onProgress` sees it and every change.
    #[wasm_bindgen(js_name = generateVideo)]
    pub fn generate_video(&self, params: JsValue, options: JsValue) -> Returned {
        Ok(self.generate(Kind::Video, "generateVideo options", params, options))
    }

    /// Creates an image task and waits for it, as `generateVideo` does.
    #[wasm_bindgen(js_name = generateImage)]
    pub fn generate_image(&self, params: JsValue, options: JsValue) -> Returned {
        Ok(self.generate(Kind::Image, "generateImage options", params, options))
    }

    /// Creates an audio task and waits for it, as `generateVideo` does.
    #[wasm_bindgen(js_name = generateAudio)]
    pub fn generate_audio(&self, params: JsValue, options: JsValue) -> Returned {
        Ok(self.generate(Kind::Audio, "generateAudio options", params, options))
    }

    /// The account's credits: `GET /v1/credits`, as the API answers it. Checks a key without
    /// creating a task.
    #[wasm_bindgen(js_name = getCredits)]
    pub fn get_credits(&self, options: JsValue) -> Returned {
        let shared = self.shared.for_call();
        Ok(promise(async move {
            let signal = call_options(&options, "getCredits options").map_err(reject)?;
            settle(under(&shared, signal.as_ref(), get_json(&shared, "/v1/credits")).await)
        }))
    }

    /// Confirms a callback: reads its body (see `parseTaskCallback`) and resolves with the
    /// task as `GET /v1/tasks/{id}` returns it now. A callback is unsigned: trust only this.
    #[wasm_bindgen(js_name = confirmCallback)]
    pub fn confirm_callback(&self, body: JsValue, options: JsValue) -> Returned {
        Ok({
            let shared = self.shared.for_call();
            promise(async move {
                let signal = call_options(&options, "confirmCallback options").map_err(reject)?;
                let work = async {
                    let hinted = read_callback(body).await?;
                    fetch_once(&shared, hinted.task.id).await
                };
                settle(under(&shared, signal.as_ref(), work).await)
            })
        })
    }

    /// Creates a task of `kind`, then waits for it. Once created, every error names the task
    /// (`taskId`), so that nobody creates (and pays for) it twice.
    fn generate(
        &self,
        kind: Kind,
        what: &'static str,
        params: JsValue,
        options: JsValue,
    ) -> Promise {
        let shared = self.shared.for_call();
        promise(async move {
            let o = wait_options(&options, what, convert::GENERATE_OPTIONS).map_err(reject)?;
            let body = create_body(kind, &params).map_err(reject)?;
            let signal = o.signal.as_ref();
            let created =
                settle_err(under(&shared, signal, create_task(&shared, kind, body)).await)?;
            let id = created.task.id.clone(); // a valid id: `read_answer` checked it
            for callback in [&o.on_created, &o.on_progress].into_iter().flatten() {
                // An async callback is awaited: its rejection rejects the call.
                let returned = sys::call(callback, &created.value, &JsValue::UNDEFINED)?;
                if returned.is_object() || returned.is_function() {
                    JsFuture::from(sys::promise_of(&returned)).await?;
                }
            }
            if let Some(signal) = signal.filter(|s| sys::aborted(s)) {
                return Err(sys::abort_reason(signal));
            }
            let progress = o.on_progress.map_or(Progress::None, Progress::Js);
            let wait = WaitFuture::start(&shared, id, o.pacing, progress, o.signal, Some(created));
            settle(wait.await)
        })
    }

    fn create(&self, kind: Kind, params: JsValue, options: JsValue) -> Promise {
        let shared = self.shared.for_call();
        promise(async move {
            let signal = call_options(&options, "create options").map_err(reject)?;
            let body = create_body(kind, &params).map_err(reject)?;
            settle(under(&shared, signal.as_ref(), create_task(&shared, kind, body)).await)
        })
    }
}

fn settle_err<T>(result: Result<T, Failure>) -> Result<T, JsValue> {
    result.map_err(|f| f.to_js())
}

/// `watchTask`'s async iterator: each `next()` resolves with the next change; calls queue, so
/// an impatient caller still sees every change in order. `return()` stops it.
#[wasm_bindgen]
pub struct TaskWatch {
    shared: Rc<Shared>,
    id: String,
    pacing: Pacing,
    signal: Option<AbortSignal>,
    queue: Rc<RefCell<WatchQueue>>,
    key: Cell<Option<u64>>,
    closed: Cell<bool>,
}

fn step_result(done: bool, value: &JsValue) -> JsValue {
    let result = Object::new();
    let _ = Reflect::set(&result, &"done".into(), &done.into());
    if !value.is_undefined() {
        let _ = Reflect::set(&result, &"value".into(), value);
    }
    result.into()
}

#[wasm_bindgen]
impl TaskWatch {
    /// The next change: `{ done: false, value: task }`, or `{ done: true }` after the end.
    pub fn next(&self) -> Returned {
        Ok(self.next_promise())
    }

    /// Stops the watch: a pending `next()` ends as done, and no further request goes out.
    #[wasm_bindgen(js_name = "return")]
    pub fn stop(&self, value: JsValue) -> Returned {
        Ok({
            self.closed.set(true);
            if let Some(key) = self.key.get() {
                self.shared.stop(key, None);
            }
            for request in self.queue.borrow_mut().requests.drain(..) {
                request.set(Ok(None));
            }
            Promise::resolve(&step_result(true, &value))
        })
    }
}

impl TaskWatch {
    /// Ends the watch before it started, rejecting the `next()` that asked with `reason`.
    fn close_with(&self, reason: &JsValue) -> Promise {
        self.closed.set(true);
        self.queue.borrow_mut().requests.clear();
        Promise::reject(reason)
    }

    fn next_promise(&self) -> Promise {
        if let Some(failure) = self.queue.borrow_mut().ended.take() {
            self.closed.set(true);
            return Promise::reject(&failure.to_js());
        }
        if self.closed.get() || self.queue.borrow().finished {
            return Promise::resolve(&step_result(true, &JsValue::UNDEFINED));
        }
        let request = Oneshot::new();
        self.queue.borrow_mut().requests.push_back(request.clone());
        match self.key.get() {
            Some(key) => self.shared.resume(key),
            None => {
                if let Some(signal) = self.signal.as_ref().filter(|s| sys::aborted(s)) {
                    return self.close_with(&sys::abort_reason(signal));
                }
                let mode = Mode::Watch(self.queue.clone());
                let id = self.id.clone();
                let key = self
                    .shared
                    .start_wait(id, self.pacing, mode, self.signal.clone(), None);
                if key.is_none() {
                    return self.close_with(&Failure::busy().to_js());
                }
                self.key.set(key);
            }
        }
        // The pending `next()` keeps the client alive, as a pending `waitForTask` does: once the
        // client and the iterator are garbage, the wait still ends and settles it.
        let shared = self.shared.clone();
        promise(async move {
            let _client = shared;
            match poll_fn(|cx| request.poll_take(cx)).await {
                Ok(Some(task)) => Ok(step_result(false, &task)),
                Ok(None) => Ok(step_result(true, &JsValue::UNDEFINED)),
                Err(failure) => Err(failure.to_js()),
            }
        })
    }
}

/// Reads and checks a callback body (a string, a parsed object or a `Request`) into the task
/// it describes. EvoLink signs nothing: confirm it with `client.confirmCallback` before acting.
#[wasm_bindgen(js_name = parseTaskCallback)]
pub fn parse_task_callback(body: JsValue) -> Returned {
    Ok(promise_of(
        Box::pin(async move { settle(read_callback(body).await) }),
        false,
    ))
}

/// The adaptive pace as a plain function, for schedulers that keep no wait in memory (a
/// Durable Object's alarm): `planPoll(task, state?, { nowMs, minIntervalMs, maxIntervalMs }?)`
/// returns `{ delayMs, state }`, `delayMs` `null` once the task has ended; keep `state` (a
/// JSON-able value) for the next call.
#[wasm_bindgen(js_name = planPoll)]
pub fn plan_poll(task: JsValue, state: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let what = "planPoll options";
    let known = &["nowMs", "minIntervalMs", "maxIntervalMs"];
    let o = convert::options(&options, what, known).map_err(reject)?;
    let now = match o.now_ms.as_f64() {
        Some(n) if n.is_finite() => n,
        None if o.now_ms.is_undefined() => sys::now(),
        _ => {
            return Err(reject(type_error(format!(
                "{what}: \"nowMs\" must be a finite number"
            ))))
        }
    };
    let max = convert::whole(&o.max_interval_ms, what, "maxIntervalMs", 1)
        .map_err(reject)?
        .unwrap_or(DEFAULT_MAX_INTERVAL_MS);
    let min = convert::whole(&o.min_interval_ms, what, "minIntervalMs", 1)
        .map_err(reject)?
        .unwrap_or(DEFAULT_MIN_INTERVAL_MS.min(max));
    // Both are read as the JSON they would be stored as: getters run once, where a throw is
    // caught.
    let unreadable = |what: &str, e: JsValue| {
        reject(type_error(format!(
            "planPoll: {what} cannot be read as JSON: {}",
            sys::describe(&e)
        )))
    };
    let task = sys::plain(&task).map_err(|e| unreadable("task", e))?;
    let task = convert::task(&task).map_err(|e| {
        reject(type_error(format!(
            "planPoll: task is not a task: {}",
            e.describe()
        )))
    })?;
    let mut forecast = if state.is_undefined() || state.is_null() {
        Forecast::default()
    } else {
        let state = sys::plain(&state).map_err(|e| unreadable("state", e))?;
        convert::forecast(&state).ok_or_else(|| {
            reject(type_error(
                "planPoll: state is not a state planPoll returned".to_owned(),
            ))
        })?
    };
    let delay = schedule::plan(&mut forecast, &task, now, min, max);
    let result = Object::new();
    let delay = delay.map_or(JsValue::NULL, |ms| JsValue::from_f64(ms as f64));
    Reflect::set(&result, &"delayMs".into(), &delay)?;
    let state = convert::forecast_value(&forecast);
    Reflect::set(&result, &"state".into(), &state)?;
    Ok(result.into())
}

/// Traps provoked on purpose, in a test build only (`--features trap-test`, see
/// `tests/pkg/trap.run.sh`): `getTask('trap-unreachable')` traps at once (no panic hook runs),
/// `getTask('trap-panic')` panics inside its future, from a microtask.
#[cfg(feature = "trap-test")]
mod trap_test {
    use wasm_bindgen::JsValue;

    pub fn now(id: &JsValue) {
        if id.as_string().as_deref() == Some("trap-unreachable") {
            core::arch::wasm32::unreachable();
        }
    }

    #[allow(clippy::panic)]
    pub fn later(id: &str) {
        if id == "trap-panic" {
            panic!("a panic provoked on purpose (trap-test)");
        }
    }
}
