//! Every binding to JavaScript beyond what js-sys and web-sys already give, and the few facts
//! read off the global object. Nothing here goes through `window()`: pages, web workers,
//! service workers, Node, Deno and workerd share one binary, and all of them have
//! `globalThis`.
//!
//! What a caller, a server or a `fetch` (or a double of it) hands us is read only through the
//! snippet's helpers (`src/js/errors.js`), which never throw: a getter or a Proxy trap that
//! throws would otherwise throw through the wasm, which skips Rust's clean-up and leaks the
//! wasm's stack (measured: about 45 such throws left the instance trapping on every call), and a
//! throw caught by wasm-bindgen's `catch` costs an externref slot it never frees. Each helper
//! returns the value as a `JsValue` (never a typed string or number, whose conversion in the glue
//! could throw or trap), or `THROWN`, and then `thrown()` gives what was thrown.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise};
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

    /// What a helper returns when what it ran threw.
    #[wasm_bindgen(thread_local_v2, js_name = THROWN)]
    static THROWN_MARK: JsValue;
    /// What the last helper that returned `THROWN` caught.
    #[wasm_bindgen(js_name = thrown)]
    fn take_thrown() -> JsValue;

    /// Guards an exported class (its prototype, its name): see `guard` in the snippet.
    #[wasm_bindgen(js_name = guard)]
    fn js_guard(proto: &JsValue, name: &str);

    /// The instance is about to trap: rejects every pending call (see the snippet).
    #[wasm_bindgen(js_name = trapped)]
    fn js_trapped(cause: &str);
    /// Gives the snippet the function that schedules a fresh instance.
    #[wasm_bindgen(js_name = reinitWith)]
    fn js_reinit_with(f: &JsValue);

    /// Tracks the reject function of a call's promise: a trap rejects it.
    #[wasm_bindgen(js_name = track)]
    pub fn track(reject: &Function);
    /// Settles a call's promise with `value` through `how` (its resolve or reject function),
    /// and stops tracking it.
    #[wasm_bindgen(js_name = settle)]
    pub fn settle(how: &Function, value: &JsValue, reject: &Function);
    #[wasm_bindgen(js_name = read)]
    fn js_read(target: &JsValue, key: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = invoke)]
    fn js_invoke(target: &JsValue, key: &JsValue, arg: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = call)]
    fn js_call(f: &JsValue, a: &JsValue, b: &JsValue) -> JsValue;
    /// A promise of this realm that settles as `value` would (never throws).
    #[wasm_bindgen(js_name = promiseOf)]
    pub fn promise_of(value: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = clock)]
    fn js_clock(target: &JsValue, now: &Function) -> f64;
    #[wasm_bindgen(js_name = parseJson)]
    fn js_parse(text: &str) -> JsValue;
    #[wasm_bindgen(js_name = stringify)]
    fn js_stringify(value: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = stringifyParams)]
    fn js_stringify_params(value: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = keys)]
    fn js_keys(value: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = entries)]
    fn js_entries(value: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = isArray)]
    fn js_is_array(value: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = chunkOf)]
    fn js_chunk_of(result: &JsValue) -> JsValue;
}

#[wasm_bindgen]
extern "C" {
    /// A request's init object, as [`set_request_method`] sees it.
    #[wasm_bindgen(extends = js_sys::Object)]
    type Init;
    /// `init.method = method`.
    #[wasm_bindgen(method, setter = method)]
    fn set_method(this: &Init, method: &JsValue);
}

/// `init.method = method`, the method as a JavaScript string made once (web-sys's setter takes
/// a `&str`, decoded at every request).
pub fn set_request_method(init: &web_sys::RequestInit, method: &'static str) {
    init.unchecked_ref::<Init>().set_method(&key(method));
}

/// `value`, or what the helper that returned it caught.
fn caught(value: JsValue) -> Result<JsValue, JsValue> {
    if THROWN_MARK.with(|mark| value == *mark) {
        Err(take_thrown())
    } else {
        Ok(value)
    }
}

/// Makes the class of `instance` (a throwaway instance, freed here) accept method calls only on
/// instances the glue made and nobody freed: a wrong `this` or a use after `free()` rejects with
/// a `TypeError` instead of reading whatever memory `__wbg_ptr` names. Run before the first
/// instance the glue keeps: its address is then recorded where only the glue's writes reach it.
pub fn guard_class(instance: JsValue, name: &str) {
    let proto = get(&get(&instance, "constructor"), "prototype");
    let _ = invoke(&instance, "free", &JsValue::UNDEFINED);
    js_guard(&proto, name);
}

/// Makes a panic (a bug: with `panic = "abort"` the instance traps right after the hook) reject
/// every pending call of the JavaScript API with an error naming it, instead of leaving them
/// pending forever, and gives the next call a fresh instance (wasm-bindgen's reinit). Installed
/// by the JavaScript API only: a Rust app keeps its own panic hook.
pub fn reject_all_on_panic() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload.downcast_ref::<&str>().copied();
        let message = message.or_else(|| payload.downcast_ref::<String>().map(String::as_str));
        js_trapped(message.unwrap_or("a panic"));
        wasm_bindgen::handler::schedule_reinit();
    }));
    // For a trap the snippet sees (a RuntimeError without a panic): lives as long as the instance.
    let reinit = Closure::<dyn FnMut()>::new(wasm_bindgen::handler::schedule_reinit);
    js_reinit_with(reinit.as_ref());
    reinit.forget();
}

thread_local! {
    /// Property names as JavaScript strings, each made once (by the address of its text, which
    /// a `&'static str` keeps): decoding a name out of the wasm's memory at every read cost more
    /// than the read itself.
    static KEYS: RefCell<Vec<(usize, usize, Rc<JsValue>)>> = const { RefCell::new(Vec::new()) };
}

/// `name` as a JavaScript string, made on its first use.
pub fn key(name: &'static str) -> Rc<JsValue> {
    let at = (name.as_ptr() as usize, name.len());
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some((_, _, key)) = keys.iter().find(|(p, l, _)| (*p, *l) == at) {
            return key.clone();
        }
        let key = Rc::new(JsValue::from_str(name));
        keys.push((at.0, at.1, key.clone()));
        key
    })
}

/// A property of `target`, or `undefined` when it has none or reading it throws.
pub fn get(target: &JsValue, key: &'static str) -> JsValue {
    if !(target.is_object() || target.is_function()) {
        return JsValue::UNDEFINED;
    }
    read(target, key).unwrap_or(JsValue::UNDEFINED)
}

/// A property of `target`, or what reading it threw.
pub fn read(target: &JsValue, key: &'static str) -> Result<JsValue, JsValue> {
    caught(js_read(target, &self::key(key)))
}

/// `target[key](arg)`, or what it threw (`target` has no such method: a `TypeError`).
pub fn invoke(target: &JsValue, key: &'static str, arg: &JsValue) -> Result<JsValue, JsValue> {
    caught(js_invoke(target, &self::key(key), arg))
}

/// `f(a, b)` called unbound, or what it threw.
pub fn call(f: &Function, a: &JsValue, b: &JsValue) -> Result<JsValue, JsValue> {
    caught(js_call(f, a, b))
}

/// `JSON.parse(text)`, or what it threw.
pub fn parse_json(text: &str) -> Result<JsValue, JsValue> {
    caught(js_parse(text))
}

/// `JSON.stringify(value)` (a string, or `undefined` for a function, a symbol or `undefined`),
/// or what its getters or `toJSON` threw.
pub fn stringify(value: &JsValue) -> Result<JsValue, JsValue> {
    caught(js_stringify(value))
}

/// Creation parameters as JSON text (`JSON.stringify`), or a `TypeError` naming a member JSON
/// cannot carry (a function, a symbol), or what a getter or `toJSON` threw.
pub fn stringify_params(value: &JsValue) -> Result<JsValue, JsValue> {
    caught(js_stringify_params(value))
}

/// `Object.keys(value)`, or what a Proxy's trap threw.
pub fn object_keys(value: &JsValue) -> Result<js_sys::Array, JsValue> {
    caught(js_keys(value)).map(JsCast::unchecked_into)
}

/// `Object.entries(value)`, or what a getter threw.
pub fn object_entries(value: &JsValue) -> Result<js_sys::Array, JsValue> {
    caught(js_entries(value)).map(JsCast::unchecked_into)
}

/// True when `value` is an array, or a revoked Proxy (which cannot be read as anything).
pub fn is_array(value: &JsValue) -> bool {
    caught(js_is_array(value)).map_or(true, |is| is.is_truthy())
}

/// One `read()` result of a body stream: `None` once it is done, `Some(Some(copy))` for a chunk
/// of bytes, `Some(None)` for a chunk that is anything else, or what reading it threw.
pub fn chunk_of(result: &JsValue) -> Result<Option<Option<js_sys::Uint8Array>>, JsValue> {
    let copy = caught(js_chunk_of(result))?;
    if copy.is_null() {
        return Ok(None);
    }
    Ok(Some((!copy.is_undefined()).then(|| copy.unchecked_into())))
}

/// `value` as plain data: what `JSON.parse(JSON.stringify(value))` gives (getters and `toJSON`
/// run once, inside a call that catches), or what they threw.
pub fn plain(value: &JsValue) -> Result<JsValue, JsValue> {
    match stringify(value)?.as_string() {
        Some(text) => parse_json(&text),
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
    thread_local! {
        /// Read once: the runtime does not change (a client per request made it a cost).
        static WORKERS: bool = {
            let navigator = get(&js_sys::global(), "navigator");
            get(&navigator, "userAgent").as_string().as_deref() == Some("Cloudflare-Workers")
        };
    }
    WORKERS.with(|w| *w)
}

thread_local! {
    /// `performance` and its `now`, where its time origin is a moment of the Unix epoch (a page,
    /// a worker, Node, Deno; not workerd, whose origin is 0).
    static PERFORMANCE: Option<(JsValue, js_sys::Function, f64)> = {
        let performance = get(&js_sys::global(), "performance");
        let origin = get(&performance, "timeOrigin").as_f64().filter(|o| *o > 0.0);
        let now = get(&performance, "now").dyn_into::<js_sys::Function>().ok();
        origin.zip(now).map(|(origin, now)| (performance, now, origin))
    };
}

/// Milliseconds since the Unix epoch: `performance.timeOrigin + performance.now()` where it has
/// one, else `Date.now()`. A prerender (Next.js's, with Cache Components) refuses `Date.now()`
/// before a page's request has its answer, and a request's deadline is set before.
pub fn now() -> f64 {
    let high_resolution = PERFORMANCE.with(|p| {
        let (performance, now, origin) = p.as_ref()?;
        Some(origin + js_clock(performance, now))
    });
    high_resolution
        .filter(|t| t.is_finite())
        .unwrap_or_else(js_sys::Date::now)
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
    thread_local! {
        /// The page's `document` (`undefined` outside a page), read once: every pause asks.
        static DOCUMENT: JsValue = get(&js_sys::global(), "document");
    }
    DOCUMENT
        .with(|document| get(document, "visibilityState").as_string().as_deref() == Some("hidden"))
}

/// The page's address, for resolving a relative base URL.
pub fn page_href() -> Option<String> {
    get(&get(&js_sys::global(), "location"), "href").as_string()
}

/// Lets `promise` (or whatever a method returned) reject without an unhandled-rejection report (a cancelled body stream).
pub fn ignore(promise: &JsValue) {
    let promise = wasm_bindgen_futures::JsFuture::from(promise_of(promise));
    wasm_bindgen_futures::spawn_local(async move {
        let _ = promise.await;
    });
}
