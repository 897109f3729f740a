//! The JavaScript API: the exported `EvoLinkClient` class and the `TaskWatch` behind
//! `watchTask`. Every method takes plain JS values, checks them inside its body and rejects
//! with a `TypeError`/`RangeError` before any request; `AbortSignal`s are honoured at once.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

use super::client::{Client, ClientOptions, JsEnv, WaitOptions};
use super::convert::{self, error_to_js, task_to_js, Options};
use super::event::{race, Aborted, Either};
use super::sys;
use crate::create::Kind;
use crate::error::Error;
use crate::poller::{Env, Watch};
use crate::response::{self, MAX_BODY_BYTES};

const CLIENT_OPTIONS: &[&str] = &[
    "apiKey",
    "baseUrl",
    "headers",
    "fetch",
    "requestTimeoutMs",
    "maxRetries",
    "maxConcurrentRequests",
];
const REQUEST_OPTIONS: &[&str] = &["signal"];
const WAIT_OPTIONS: &[&str] = &[
    "onProgress",
    "signal",
    "timeoutMs",
    "intervalMs",
    "minIntervalMs",
    "maxIntervalMs",
];
const WATCH_OPTIONS: &[&str] = &[
    "signal",
    "timeoutMs",
    "intervalMs",
    "minIntervalMs",
    "maxIntervalMs",
];

fn js(error: Error) -> JsValue {
    error_to_js(&error, JsValue::UNDEFINED)
}

/// The reason an aborted signal rejects with (an `AbortError` where the runtime gives none).
fn abort_reason(signal: &sys::AbortSignal) -> JsValue {
    let reason = signal.reason();
    if !reason.is_undefined() {
        return reason;
    }
    let error = js_sys::Error::new("This operation was aborted");
    error.set_name("AbortError");
    error.into()
}

/// Runs `work` unless `signal` aborts first; an abort rejects with `signal.reason` and drops
/// `work`, which aborts its request and clears its timer.
async fn abortable<T>(
    signal: Option<sys::AbortSignal>,
    work: impl Future<Output = Result<T, JsValue>>,
) -> Result<T, JsValue> {
    let Some(signal) = signal else {
        return work.await;
    };
    if signal.aborted().is_truthy() {
        return Err(abort_reason(&signal));
    }
    let aborted = Aborted::new(signal.clone())?;
    match race(work, aborted).await {
        Either::Left(result) => result,
        Either::Right(()) => Err(abort_reason(&signal)),
    }
}

fn wait_options(options: &Options) -> Result<WaitOptions, Error> {
    let wait = WaitOptions {
        interval_ms: options.whole("intervalMs", 1)?,
        min_interval_ms: options.whole("minIntervalMs", 1)?,
        max_interval_ms: options.whole("maxIntervalMs", 1)?,
        timeout_ms: options.whole("timeoutMs", 1)?,
    };
    crate::validate::interval_bounds(wait.min_interval_ms, wait.max_interval_ms)?;
    Ok(wait)
}

fn iterator_result(done: bool, value: JsValue) -> JsValue {
    let result = Object::new();
    let _ = Reflect::set(&result, &"done".into(), &done.into());
    let _ = Reflect::set(&result, &"value".into(), &value);
    result.into()
}

/// A client for EvoLink's task API.
#[wasm_bindgen(js_name = EvoLinkClient)]
pub struct EvoLinkClient {
    client: Client,
}

#[wasm_bindgen(js_class = EvoLinkClient)]
impl EvoLinkClient {
    /// Creates a client. Throws a `TypeError`/`RangeError` for bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "ClientOptions")] options: Option<JsValue>,
    ) -> Result<EvoLinkClient, JsValue> {
        let o = Options::read(options, "EvoLinkClient options", CLIENT_OPTIONS).map_err(js)?;
        let defaults = ClientOptions::default();
        let options = ClientOptions {
            api_key: o.string("apiKey").map_err(js)?,
            base_url: o.string("baseUrl").map_err(js)?,
            headers: o.headers("headers").map_err(js)?,
            fetch: o.function("fetch").map_err(js)?,
            request_timeout_ms: o
                .whole("requestTimeoutMs", 1)
                .map_err(js)?
                .unwrap_or(defaults.request_timeout_ms),
            max_retries: o
                .whole("maxRetries", 0)
                .map_err(js)?
                .map_or(defaults.max_retries, |n| n.min(u32::MAX as u64) as u32),
            max_concurrent_requests: o
                .whole("maxConcurrentRequests", 1)
                .map_err(js)?
                .map_or(defaults.max_concurrent_requests, |n| {
                    n.min(1 << 20) as usize
                }),
        };
        Ok(EvoLinkClient {
            client: Client::new(options).map_err(js)?,
        })
    }

    /// The resolved base URL.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.client.base_url().to_owned()
    }

    /// Fetches a task once: `GET /v1/tasks/{id}`.
    #[wasm_bindgen(js_name = getTask, unchecked_return_type = "Promise<Task>")]
    pub fn get_task(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> Promise {
        let client = self.client.clone();
        future_to_promise(async move {
            let o = Options::read(options, "getTask options", REQUEST_OPTIONS).map_err(js)?;
            let signal = o.signal("signal").map_err(js)?;
            let id = convert::task_id(&id).map_err(js)?;
            abortable(signal, fetch_once(&client, &id)).await
        })
    }

    /// Polls a task until it ends and resolves with the completed task.
    #[wasm_bindgen(js_name = waitForTask, unchecked_return_type = "Promise<Task>")]
    pub fn wait_for_task(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "WaitOptions")] options: Option<JsValue>,
    ) -> Promise {
        let client = self.client.clone();
        future_to_promise(async move {
            let o = Options::read(options, "waitForTask options", WAIT_OPTIONS).map_err(js)?;
            let on_progress = o.function("onProgress").map_err(js)?;
            let signal = o.signal("signal").map_err(js)?;
            let wait = wait_options(&o).map_err(js)?;
            let mut watch = client
                .watch_task(&convert::task_id(&id).map_err(js)?, wait)
                .map_err(js)?;
            abortable(signal, drive(&mut watch, on_progress.as_ref())).await
        })
    }

    /// Creates a video task (`POST /v1/videos/generations`) and resolves with the pending task.
    #[wasm_bindgen(js_name = createVideo, unchecked_return_type = "Promise<Task>")]
    pub fn create_video(
        &self,
        #[wasm_bindgen(unchecked_param_type = "VideoParams")] params: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> Promise {
        self.create(Kind::Video, params, options)
    }

    /// Creates an image task (`POST /v1/images/generations`) and resolves with the pending task.
    #[wasm_bindgen(js_name = createImage, unchecked_return_type = "Promise<Task>")]
    pub fn create_image(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CreateParams")] params: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> Promise {
        self.create(Kind::Image, params, options)
    }

    /// Creates an audio task (`POST /v1/audios/generations`) and resolves with the pending task.
    #[wasm_bindgen(js_name = createAudio, unchecked_return_type = "Promise<Task>")]
    pub fn create_audio(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CreateParams")] params: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> Promise {
        self.create(Kind::Audio, params, options)
    }

    /// Creates a video task and waits for it: `createVideo` then `waitForTask` in one call.
    /// `onProgress` sees the created task first.
    #[wasm_bindgen(js_name = generateVideo, unchecked_return_type = "Promise<Task>")]
    pub fn generate_video(
        &self,
        #[wasm_bindgen(unchecked_param_type = "VideoParams")] params: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "WaitOptions")] options: Option<JsValue>,
    ) -> Promise {
        let client = self.client.clone();
        future_to_promise(async move {
            let o = Options::read(options, "generateVideo options", WAIT_OPTIONS).map_err(js)?;
            let on_progress = o.function("onProgress").map_err(js)?;
            let signal = o.signal("signal").map_err(js)?;
            let wait = wait_options(&o).map_err(js)?;
            let body = params_json(&params)?;
            abortable(signal, async {
                let env = client.env();
                let created = env
                    .create(Kind::Video, &body)
                    .await
                    .map_err(|e| error_to_js(&e, env.last_cause()))?;
                if let Some(f) = &on_progress {
                    f.call1(&JsValue::UNDEFINED, &task_to_js(&created))?;
                }
                let mut watch = client.watch_task(&created.id, wait).map_err(js)?;
                watch.seed(created);
                drive(&mut watch, on_progress.as_ref()).await
            })
            .await
        })
    }

    /// Confirms a callback: reads its body (see `parseTaskCallback`) and resolves with the task
    /// as `GET /v1/tasks/{id}` returns it now. A callback is unsigned: trust only this answer.
    #[wasm_bindgen(js_name = confirmCallback, unchecked_return_type = "Promise<Task>")]
    pub fn confirm_callback(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | object | Request")] body: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: Option<JsValue>,
    ) -> Promise {
        let client = self.client.clone();
        future_to_promise(async move {
            let o =
                Options::read(options, "confirmCallback options", REQUEST_OPTIONS).map_err(js)?;
            let signal = o.signal("signal").map_err(js)?;
            abortable(signal, async {
                let hinted = read_callback(&body).await?;
                fetch_once(&client, &hinted.id).await
            })
            .await
        })
    }

    /// The observations of a task, one per change, as an async iterable.
    #[wasm_bindgen(js_name = watchTask, unchecked_return_type = "AsyncIterableIterator<Task>")]
    pub fn watch_task(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "WatchOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let o = Options::read(options, "watchTask options", WATCH_OPTIONS).map_err(js)?;
        let signal = o.signal("signal").map_err(js)?;
        let wait = wait_options(&o).map_err(js)?;
        let watch = self
            .client
            .watch_task(&convert::task_id(&id).map_err(js)?, wait)
            .map_err(js)?;
        let stop = sys::AbortController::new()?;
        let watch = TaskWatch {
            watch: Rc::new(RefCell::new(Some(watch))),
            signal,
            stop,
        };
        Ok(sys::async_iterable(watch.into()))
    }
}

impl EvoLinkClient {
    fn create(&self, kind: Kind, params: JsValue, options: Option<JsValue>) -> Promise {
        let client = self.client.clone();
        future_to_promise(async move {
            let o = Options::read(options, "create options", REQUEST_OPTIONS).map_err(js)?;
            let signal = o.signal("signal").map_err(js)?;
            let body = params_json(&params)?;
            abortable(signal, async {
                let env = client.env();
                match env.create(kind, &body).await {
                    Ok(task) => Ok(task_to_js(&task)),
                    Err(e) => Err(error_to_js(&e, env.last_cause())),
                }
            })
            .await
        })
    }
}

/// One `GET /v1/tasks/{id}` (id already checked), as a JS task or a JS error.
async fn fetch_once(client: &Client, id: &str) -> Result<JsValue, JsValue> {
    let env = client.env();
    match env.fetch_task(id, client.request_timeout_ms()).await {
        Ok(task) => Ok(task_to_js(&task)),
        Err(e) => Err(error_to_js(&e, env.last_cause())),
    }
}

/// Creation parameters as JSON text: a plain object that `JSON.stringify` accepts.
fn params_json(params: &JsValue) -> Result<String, JsValue> {
    if !params.is_object() || js_sys::Array::is_array(params) || params.is_function() {
        return Err(js(convert::type_error(&[
            "create parameters must be an object",
        ])));
    }
    js_sys::JSON::stringify(params)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| {
            js(convert::type_error(&[
                "create parameters must be JSON-serialisable",
            ]))
        })
}

/// Reads a callback body given as a string, a parsed object or a `Request`, into a task.
async fn read_callback(body: &JsValue) -> Result<crate::task::Task, JsValue> {
    let text = if let Some(text) = body.as_string() {
        text
    } else if Reflect::get(body, &"text".into()).is_ok_and(|f| f.is_function()) {
        let request: sys::FetchResponse = body.clone().unchecked_into();
        let read = sys::read_text(&request, MAX_BODY_BYTES as u32);
        let text = wasm_bindgen_futures::JsFuture::from(read).await?;
        text.as_string()
            .ok_or_else(|| js(response::body_too_large()))?
    } else if body.is_object() {
        params_json(body).map_err(|_| {
            js(Error::InvalidResponse(
                "The callback body is not JSON".to_owned(),
            ))
        })?
    } else {
        return Err(js(convert::type_error(&[
            "a callback body is a string, an object or a Request",
        ])));
    };
    let task = response::parse_task(&text, "callback body").map_err(js)?;
    if crate::validate::task_id(&task.id).is_err() {
        let e = Error::InvalidResponse("The callback body has no valid task id".to_owned());
        return Err(js(e));
    }
    Ok(task)
}

/// Reads and checks a callback body (a string, a parsed object or a `Request`) into the task
/// it describes. EvoLink signs nothing: treat the result as a hint and confirm it with
/// `client.confirmCallback` (or `getTask`) before acting on it.
#[wasm_bindgen(js_name = parseTaskCallback, unchecked_return_type = "Promise<Task>")]
pub fn parse_task_callback(
    #[wasm_bindgen(unchecked_param_type = "string | object | Request")] body: JsValue,
) -> Promise {
    future_to_promise(async move { read_callback(&body).await.map(|t| task_to_js(&t)) })
}

/// Runs a wait to its end, calling `on_progress` with each changed observation. A throwing
/// `on_progress` stops the wait and rejects with what it threw.
async fn drive(
    watch: &mut Watch<JsEnv>,
    on_progress: Option<&Function>,
) -> Result<JsValue, JsValue> {
    let mut last = JsValue::UNDEFINED;
    while let Some(result) = watch.next().await {
        match result {
            Ok(task) => {
                last = task_to_js(&task);
                if let Some(f) = on_progress {
                    f.call1(&JsValue::UNDEFINED, &last)?;
                }
            }
            Err(e) => return Err(error_to_js(&e, watch_cause(watch))),
        }
    }
    Ok(last)
}

fn watch_cause(watch: &Watch<JsEnv>) -> JsValue {
    watch.env().last_cause()
}

/// The state behind one `watchTask` iterator. Dropping it (the iterator's `return()`) stops a
/// pending `next()`, which then resolves as done.
#[wasm_bindgen(skip_typescript)]
pub struct TaskWatch {
    watch: Rc<RefCell<Option<Watch<JsEnv>>>>,
    signal: Option<sys::AbortSignal>,
    stop: sys::AbortController,
}

#[wasm_bindgen]
impl TaskWatch {
    /// The next change, as an iterator result.
    pub fn next(&self) -> Promise {
        let cell = self.watch.clone();
        let signal = self.signal.clone();
        let stop = self.stop.signal();
        future_to_promise(async move {
            let Some(mut watch) = cell.borrow_mut().take() else {
                return Ok(iterator_result(true, JsValue::UNDEFINED));
            };
            let stopped = Aborted::new(stop)?;
            let step = abortable(signal, async { Ok(race(watch.next(), stopped).await) }).await?;
            match step {
                Either::Right(()) | Either::Left(None) => {
                    Ok(iterator_result(true, JsValue::UNDEFINED))
                }
                Either::Left(Some(Ok(task))) => {
                    *cell.borrow_mut() = Some(watch);
                    Ok(iterator_result(false, task_to_js(&task)))
                }
                Either::Left(Some(Err(e))) => Err(error_to_js(&e, watch_cause(&watch))),
            }
        })
    }
}

impl Drop for TaskWatch {
    fn drop(&mut self) {
        let _ = self.stop.abort();
    }
}
