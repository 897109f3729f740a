//! Every JavaScript binding the crate uses, in one place.
//!
//! Everything is reached through the global object (`fetch`, `setTimeout`, `AbortController`,
//! `URL`, `location`), never through `window`, so the same binary runs in a page, a web worker,
//! a service worker, Node, Deno and workerd. Anything that may throw is bound with `catch`, and
//! response members are read structurally, so a custom `fetch` returning a look-alike object
//! cannot make the wasm side trap.

// The bindings mirror the web platform's names; their documentation is the platform's.
#![allow(missing_docs)]

use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `setTimeout(callback, ms)`; the handle is a number or (in Node) an object.
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(callback: &Function, ms: f64) -> JsValue;

    /// `clearTimeout(handle)`.
    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(handle: &JsValue);

    /// `globalThis`, to find `fetch` and `location` when they exist.
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    pub static GLOBAL: Object;

    /// An `AbortController`.
    #[derive(Clone)]
    pub type AbortController;
    #[wasm_bindgen(constructor, catch)]
    pub fn new() -> Result<AbortController, JsValue>;
    #[wasm_bindgen(method, getter)]
    pub fn signal(this: &AbortController) -> AbortSignal;
    #[wasm_bindgen(method, catch)]
    pub fn abort(this: &AbortController) -> Result<(), JsValue>;

    /// An `AbortSignal`, ours or a caller's (read structurally: any object with the same shape).
    #[derive(Clone)]
    pub type AbortSignal;
    #[wasm_bindgen(method, getter, structural)]
    pub fn aborted(this: &AbortSignal) -> JsValue;
    #[wasm_bindgen(method, getter, structural)]
    pub fn reason(this: &AbortSignal) -> JsValue;
    #[wasm_bindgen(method, structural, catch, js_name = addEventListener)]
    pub fn add_event_listener(
        this: &AbortSignal,
        kind: &str,
        listener: &Function,
    ) -> Result<(), JsValue>;
    #[wasm_bindgen(method, structural, catch, js_name = removeEventListener)]
    pub fn remove_event_listener(
        this: &AbortSignal,
        kind: &str,
        listener: &Function,
    ) -> Result<(), JsValue>;

    /// A fetch `Response`, or whatever a custom `fetch` resolved with.
    pub type FetchResponse;
    #[wasm_bindgen(method, getter, structural)]
    pub fn status(this: &FetchResponse) -> JsValue;
    #[wasm_bindgen(method, getter, structural, js_name = statusText)]
    pub fn status_text(this: &FetchResponse) -> JsValue;
    #[wasm_bindgen(method, getter, structural)]
    pub fn headers(this: &FetchResponse) -> JsValue;

    /// A `Headers` object (only `get` is used).
    pub type FetchHeaders;
    #[wasm_bindgen(method, structural, catch)]
    pub fn get(this: &FetchHeaders, name: &str) -> Result<JsValue, JsValue>;

    /// A WHATWG `URL`.
    pub type Url;
    #[wasm_bindgen(constructor, catch, js_class = URL)]
    pub fn new(input: &str) -> Result<Url, JsValue>;
    #[wasm_bindgen(constructor, catch, js_class = URL)]
    pub fn new_with_base(input: &str, base: &str) -> Result<Url, JsValue>;
    #[wasm_bindgen(method, getter)]
    pub fn href(this: &Url) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn protocol(this: &Url) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn hostname(this: &Url) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn search(this: &Url) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn hash(this: &Url) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn username(this: &Url) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn password(this: &Url) -> String;
}

#[wasm_bindgen(module = "/src/js/glue.js")]
extern "C" {
    /// `new ApiError(message, code, status, type, param, fallbackSuggestion)`.
    #[wasm_bindgen(js_name = apiError)]
    pub fn api_error(
        message: &str,
        code: &str,
        status: u16,
        kind: Option<String>,
        param: Option<String>,
        fallback_suggestion: Option<String>,
    ) -> JsValue;

    /// `new TaskFailedError(message, code, task)`.
    #[wasm_bindgen(js_name = taskFailedError)]
    pub fn task_failed_error(message: &str, code: &str, task: JsValue) -> JsValue;

    /// `new TimeoutError(message, task)`.
    #[wasm_bindgen(js_name = timeoutError)]
    pub fn timeout_error(message: &str, task: JsValue) -> JsValue;

    /// `new NetworkError(message, cause)`.
    #[wasm_bindgen(js_name = networkError)]
    pub fn network_error(message: &str, cause: JsValue) -> JsValue;

    /// `new InvalidResponseError(message)`.
    #[wasm_bindgen(js_name = invalidResponseError)]
    pub fn invalid_response_error(message: &str) -> JsValue;

    /// Reads a body as text, or `null` past `limit` bytes (the download is cancelled).
    #[wasm_bindgen(js_name = readText)]
    pub fn read_text(response: &FetchResponse, limit: u32) -> Promise;

    /// Wraps a `TaskWatch` into an async iterable whose `next()` calls run one after another.
    #[wasm_bindgen(js_name = asyncIterable)]
    pub fn async_iterable(watch: JsValue) -> JsValue;
}

/// `globalThis[name]`, or `undefined`.
pub fn global(name: &str) -> JsValue {
    GLOBAL.with(|g| js_sys::Reflect::get(g, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED))
}
