//! Every binding to JavaScript beyond what js-sys and web-sys already give, and the few facts
//! read off the global object. Nothing here goes through `window()`: pages, web workers,
//! service workers, Node, Deno and workerd share one binary, and all of them have
//! `globalThis`.
//!
//! What a caller or a `fetch` double hands us is read only through calls that catch: a getter
//! or a Proxy trap that throws would otherwise throw through the wasm, which skips Rust's
//! clean-up and leaks the wasm's stack (measured: about 45 such throws left the instance
//! trapping on every call).

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/src/js/errors.js")]
extern "C" {
    /// Builds the package's `Error` subclass (or a `TypeError`/`RangeError`) from an
    /// [`crate::error::Record`], with the task object and `fetch`'s thrown value attached.
    #[wasm_bindgen(js_name = fromRecord)]
    pub fn from_record(record: JsValue, task: &JsValue, cause: &JsValue) -> JsValue;

    /// `function () { return this; }`: the `[Symbol.asyncIterator]` method of a watch.
    #[wasm_bindgen(thread_local_v2, js_name = returnThis)]
    pub static RETURN_THIS: JsValue;
}

#[wasm_bindgen]
extern "C" {
    /// A `ReadableStream`, seen through the one method web-sys binds as if it could not throw.
    type Stream;

    /// `getReader()` throws when the stream is locked or was read already (a test double
    /// answering every call with one `Response`); an exception thrown through wasm would skip
    /// Rust's clean-up, so it is caught here.
    #[wasm_bindgen(catch, method, js_name = getReader)]
    fn get_reader(this: &Stream) -> Result<web_sys::ReadableStreamDefaultReader, JsValue>;

    /// `Object.keys(value)`: runs a Proxy's `ownKeys` trap, which may throw.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    pub fn object_keys(value: &JsValue) -> Result<js_sys::Array, JsValue>;

    /// `Object.getPrototypeOf(value)`: throws for `undefined`, `null` or a Proxy whose trap does.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = getPrototypeOf)]
    fn prototype_of(value: &JsValue) -> Result<JsValue, JsValue>;

    /// `Array.isArray(value)`: throws for a revoked Proxy.
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn array_is_array(value: &JsValue) -> Result<bool, JsValue>;

    /// `Object.entries(value)`: runs getters, which may throw.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = entries)]
    pub fn object_entries(value: &JsValue) -> Result<js_sys::Array, JsValue>;
}

/// A reader of `stream`, or what `getReader()` threw.
pub fn reader(
    stream: &web_sys::ReadableStream,
) -> Result<web_sys::ReadableStreamDefaultReader, JsValue> {
    stream.unchecked_ref::<Stream>().get_reader()
}

/// A property of `target`, or `undefined` when it has none or reading it throws. Only objects
/// and functions are asked: a value caught from a thrown exception costs an externref slot that
/// wasm-bindgen never frees, so the common case (no `document` outside a page) must not throw.
pub fn get(target: &JsValue, key: &str) -> JsValue {
    if !(target.is_object() || target.is_function()) {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// True when `value` is an array, or a revoked Proxy (which cannot be read as anything).
pub fn is_array(value: &JsValue) -> bool {
    array_is_array(value).unwrap_or(true)
}

thread_local! {
    static RESPONSE_PROTOTYPE: JsValue = get(&get(&js_sys::global(), "Response"), "prototype");
}

/// True when `value` is a plain `Response` of this realm (its prototype is `Response.prototype`
/// itself), whose getters and `text()` are the runtime's own and cannot throw; a subclass, a
/// Proxy or a look-alike may override them, and is read through [`get`].
pub fn is_plain_response(value: &JsValue) -> bool {
    RESPONSE_PROTOTYPE.with(|response| {
        !response.is_undefined() && prototype_of(value).is_ok_and(|p| &p == response)
    })
}

/// A property of `target` (an object or a function), or what reading it threw.
pub fn read(target: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    Reflect::get(target, &JsValue::from_str(key))
}

/// `value` as plain data: what `JSON.parse(JSON.stringify(value))` gives (getters and `toJSON`
/// run once, inside a call that catches), or what they threw.
pub fn plain(value: &JsValue) -> Result<JsValue, JsValue> {
    let text = js_sys::JSON::stringify(value)?;
    match text.as_string() {
        Some(text) => js_sys::JSON::parse(&text),
        None => Ok(JsValue::UNDEFINED), // `undefined`, a function or a symbol
    }
}

/// True once `signal` has aborted (read through [`get`]: a signal may be any object with
/// `addEventListener`, and its getters may throw).
pub fn aborted(signal: &web_sys::AbortSignal) -> bool {
    get(signal, "aborted").is_truthy()
}

/// The runtime's global `fetch`, if it has one.
pub fn global_fetch() -> Option<Function> {
    get(&js_sys::global(), "fetch").dyn_into().ok()
}

/// True in Cloudflare Workers (workerd), where each incoming request has I/O of its own: a
/// timer or a request made while serving one may not be awaited by another, and dies with it.
pub fn per_request_io() -> bool {
    let navigator = get(&js_sys::global(), "navigator");
    get(&navigator, "userAgent").as_string().as_deref() == Some("Cloudflare-Workers")
}

/// Milliseconds since the Unix epoch.
pub fn now() -> f64 {
    js_sys::Date::now()
}

/// A number in `[0, 1)`, for jitter.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// What an aborted signal rejects with: `signal.reason`, or an `AbortError` where the runtime
/// gives none.
pub fn abort_reason(signal: &web_sys::AbortSignal) -> JsValue {
    let reason = get(signal, "reason");
    if !reason.is_undefined() {
        return reason;
    }
    let error = js_sys::Error::new("The operation was aborted");
    error.set_name("AbortError");
    error.into()
}

/// A thrown value in words: its `message`, else the string itself, else its type.
pub fn describe(thrown: &JsValue) -> String {
    get(thrown, "message")
        .as_string()
        .filter(|m| !m.is_empty())
        .or_else(|| thrown.as_string())
        .unwrap_or_else(|| "an unknown error".to_owned())
}

/// The page's `document`, in a page (not in workers, Node, Deno or workerd).
pub fn document() -> Option<web_sys::EventTarget> {
    let document = get(&js_sys::global(), "document");
    let listens = get(&document, "addEventListener").is_function();
    listens.then(|| document.unchecked_into())
}

/// True in a page whose tab is hidden.
pub fn page_hidden() -> bool {
    let document = get(&js_sys::global(), "document");
    get(&document, "visibilityState").as_string().as_deref() == Some("hidden")
}

/// The page's address, for resolving a relative base URL.
pub fn page_href() -> Option<String> {
    get(&get(&js_sys::global(), "location"), "href").as_string()
}

/// Lets `promise` reject without an unhandled-rejection report (a cancelled body stream).
pub fn ignore(promise: &js_sys::Promise) {
    let promise = wasm_bindgen_futures::JsFuture::from(promise.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let _ = promise.await;
    });
}
