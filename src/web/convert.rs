//! Values across the boundary: option objects read into one Rust struct, each known name once
//! through a call that catches (unknown names refused, each bad value named), answers read into tasks (`JSON.parse`, then
//! the core reads the fields it needs through serde-wasm-bindgen), and errors turned into the
//! package's JavaScript classes.

use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use super::fetch::Answer;
use super::sys::{self, describe, get};
use crate::error::{ArgumentKind, Error};
use crate::response::{self, Body, Head, MAX_BODY_BYTES};
use crate::schedule::{Forecast, Pace, Policy, DEFAULT_MAX_INTERVAL_MS, DEFAULT_MIN_INTERVAL_MS};
use crate::task::{NotATask, Task};

/// A `TypeError` record.
pub fn type_error(message: String) -> Error {
    Error::Argument(ArgumentKind::Type, message)
}

/// A `RangeError` record.
pub fn range_error(message: String) -> Error {
    Error::Argument(ArgumentKind::Range, message)
}

/// The JavaScript error for `error`: the package's class, with the task object (for a failed
/// task or a timeout), what `fetch` threw (for a network error) and the id of the task it is
/// about (named in the message too, when the message does not name it yet).
pub fn js_error(error: &Error, task: &JsValue, cause: &JsValue, task_id: Option<&str>) -> JsValue {
    let mut record = error.record();
    if let Some(id) = task_id {
        record.task_id = Some(id.to_owned());
    }
    if matches!(error, Error::Argument(..) | Error::Aborted(_)) {
        record.task_id = None; // a bad argument or an abort is about the call, not a task
    }
    if let Some(id) = &record.task_id {
        if !crate::error::contains(&record.message, id) {
            record.message = format!("{} (task {id})", record.message);
        }
    }
    if let Error::Api(api) = error {
        record.retry_after_ms = api
            .retry_after
            .as_deref()
            .and_then(|v| crate::schedule::retry_after_hint_ms(v, sys::now()));
    }
    // The record as serde would write it, member by member (the members left out are absent).
    let object = js_sys::Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), &value);
    };
    set("name", JsValue::from_str(record.name));
    set("message", JsValue::from_str(&record.message));
    set("code", JsValue::from_str(&record.code));
    if let Some(status) = record.status {
        set("status", JsValue::from(status));
    }
    let texts = [
        ("type", &record.kind),
        ("param", &record.param),
        ("fallbackSuggestion", &record.fallback_suggestion),
        ("requestId", &record.request_id),
    ];
    for (key, text) in texts {
        if let Some(text) = text {
            set(key, JsValue::from_str(text));
        }
    }
    if let Some(ms) = record.retry_after_ms {
        if ms > 9_007_199_254_740_991 {
            // Not reached (`Retry-After` is capped), but a number JavaScript cannot hold
            // exactly is not sent as one (as serde-wasm-bindgen refuses it).
            return js_sys::Error::new(&record.message).into();
        }
        set("retryAfterMs", JsValue::from_f64(ms as f64));
    }
    if let Some(id) = &record.task_id {
        set("taskId", JsValue::from_str(id));
    }
    let record: JsValue = object.into();
    let task = if error.task().is_some() {
        task
    } else {
        &JsValue::UNDEFINED
    };
    let cause = if matches!(error, Error::Network(_)) {
        cause
    } else {
        &JsValue::UNDEFINED
    };
    sys::from_record(record, task, cause)
}

/// Every option any function takes, as the JavaScript values given (`undefined` when left
/// out); each function reads its own, after [`options`] has refused names it does not know.
#[derive(Default)]
pub struct JsOptions {
    pub api_key: JsValue,
    pub base_url: JsValue,
    pub headers: JsValue,
    pub fetch: JsValue,
    pub request_timeout_ms: JsValue,
    pub max_retries: JsValue,
    pub max_concurrent_requests: JsValue,
    pub on_progress: JsValue,
    pub signal: JsValue,
    pub timeout_ms: JsValue,
    pub interval_ms: JsValue,
    pub min_interval_ms: JsValue,
    pub max_interval_ms: JsValue,
    pub now_ms: JsValue,
    pub allow_insecure_http: JsValue,
    pub on_created: JsValue,
}

impl JsOptions {
    /// Where the option named `key` (as JavaScript spells it) goes.
    fn slot(&mut self, key: &str) -> Option<&mut JsValue> {
        Some(match key {
            "apiKey" => &mut self.api_key,
            "baseUrl" => &mut self.base_url,
            "headers" => &mut self.headers,
            "fetch" => &mut self.fetch,
            "requestTimeoutMs" => &mut self.request_timeout_ms,
            "maxRetries" => &mut self.max_retries,
            "maxConcurrentRequests" => &mut self.max_concurrent_requests,
            "onProgress" => &mut self.on_progress,
            "signal" => &mut self.signal,
            "timeoutMs" => &mut self.timeout_ms,
            "intervalMs" => &mut self.interval_ms,
            "minIntervalMs" => &mut self.min_interval_ms,
            "maxIntervalMs" => &mut self.max_interval_ms,
            "nowMs" => &mut self.now_ms,
            "allowInsecureHttp" => &mut self.allow_insecure_http,
            "onCreated" => &mut self.on_created,
            _ => return None,
        })
    }
}

/// An options argument: `undefined`/`null` (none), or a plain object whose keys are all in
/// `known`, each read once through a call that catches what a getter throws.
pub fn options(value: &JsValue, what: &str, known: &[&'static str]) -> Result<JsOptions, Error> {
    let mut options = JsOptions::default();
    if value.is_undefined() || value.is_null() {
        return Ok(options);
    }
    if !value.is_object() || sys::is_array(value) || value.is_function() {
        return Err(type_error(format!("{what} must be an object")));
    }
    let keys = sys::object_keys(value)
        .map_err(|e| type_error(format!("{what} could not be read: {}", describe(&e))))?;
    for key in keys.iter() {
        let key = key.as_string().unwrap_or_default();
        if !known.contains(&key.as_str()) {
            return Err(type_error(format!(
                "{what}: unknown option \"{key}\" (known options: {})",
                known.join(", ")
            )));
        }
    }
    // Each known option is read once, through a call that catches: the caller's getters run
    // here, where a throw is caught.
    for &key in known {
        let option = sys::read(value, key).map_err(|e| {
            type_error(format!(
                "{what}: \"{key}\" could not be read: {}",
                describe(&e)
            ))
        })?;
        if let Some(slot) = options.slot(key) {
            *slot = option;
        }
    }
    Ok(options)
}

/// An optional string option.
pub fn string(value: &JsValue, what: &str, key: &str) -> Result<Option<String>, Error> {
    if value.is_undefined() {
        return Ok(None);
    }
    value
        .as_string()
        .map(Some)
        .ok_or_else(|| type_error(format!("{what}: \"{key}\" must be a string")))
}

/// An optional function option.
pub fn function(value: &JsValue, what: &str, key: &str) -> Result<Option<Function>, Error> {
    if value.is_undefined() {
        return Ok(None);
    }
    value
        .dyn_ref::<Function>()
        .cloned()
        .map(Some)
        .ok_or_else(|| type_error(format!("{what}: \"{key}\" must be a function")))
}

/// An optional whole number from `min` to 2^53 − 1 (rounded).
pub fn whole(value: &JsValue, what: &str, key: &str, min: u32) -> Result<Option<u64>, Error> {
    if value.is_undefined() {
        return Ok(None);
    }
    let n = value
        .as_f64()
        .ok_or_else(|| type_error(format!("{what}: \"{key}\" must be a number")))?;
    if !(n >= f64::from(min) && n <= 9_007_199_254_740_991.0) {
        return Err(range_error(format!(
            "{what}: \"{key}\" must be a finite number of at least {min}"
        )));
    }
    Ok(Some(n.round() as u64))
}

/// An optional `AbortSignal`.
pub fn signal(value: &JsValue, what: &str) -> Result<Option<AbortSignal>, Error> {
    if value.is_undefined() {
        return Ok(None);
    }
    if !get(value, "addEventListener").is_function() {
        return Err(type_error(format!(
            "{what}: \"signal\" must be an AbortSignal"
        )));
    }
    Ok(Some(value.clone().unchecked_into()))
}

/// The option names of a request.
pub const CALL_OPTIONS: &[&str] = &["signal"];

/// Reads a request's options: its signal, if any.
pub fn call_options(value: &JsValue, what: &str) -> Result<Option<AbortSignal>, Error> {
    let o = options(value, what, CALL_OPTIONS)?;
    signal(&o.signal, what)
}

/// The option names of a `generate*` call; a wait takes all but `onCreated`, a watch neither
/// `onCreated` nor `onProgress`.
pub const GENERATE_OPTIONS: &[&str] = &[
    "onCreated",
    "onProgress",
    "signal",
    "timeoutMs",
    "intervalMs",
    "minIntervalMs",
    "maxIntervalMs",
];
/// The option names of a wait.
pub const WAIT_OPTIONS: &[&str] = GENERATE_OPTIONS.split_at(1).1;
/// The option names of a watch.
pub const WATCH_OPTIONS: &[&str] = GENERATE_OPTIONS.split_at(2).1;

/// How one wait runs: its pace and deadline, and its longest pause (a hidden page's pace).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pacing {
    /// The pace between polls.
    pub pace: Pace,
    /// The overall deadline.
    pub timeout_ms: Option<u64>,
    /// The longest pause: what a hidden page polls at.
    pub max_interval_ms: u64,
}

impl Pacing {
    /// The pacing of the given options; adaptive within the defaults when none is given.
    pub fn new(
        interval_ms: Option<u64>,
        min_interval_ms: Option<u64>,
        max_interval_ms: Option<u64>,
        timeout_ms: Option<u64>,
    ) -> Result<Pacing, Error> {
        if let (Some(min), Some(max)) = (min_interval_ms, max_interval_ms) {
            if min > max {
                return Err(range_error(
                    "\"minIntervalMs\" must not be larger than \"maxIntervalMs\"".to_owned(),
                ));
            }
        }
        let max_ms = max_interval_ms.unwrap_or(DEFAULT_MAX_INTERVAL_MS);
        let pace = match interval_ms {
            Some(ms) => Pace::Fixed(ms),
            None => Pace::Adaptive {
                min_ms: min_interval_ms.unwrap_or(DEFAULT_MIN_INTERVAL_MS.min(max_ms)),
                max_ms,
            },
        };
        Ok(Pacing {
            pace,
            timeout_ms,
            max_interval_ms: max_ms,
        })
    }

    /// The poll policy of a wait of a client with these request settings.
    pub fn policy(&self, max_retries: u32, request_timeout_ms: u64) -> Policy {
        Policy {
            pace: self.pace,
            max_retries,
            timeout_ms: self.timeout_ms,
            request_timeout_ms,
        }
    }
}

/// A wait's options, read and checked.
pub struct WaitOptions {
    /// Called with each change.
    pub on_progress: Option<Function>,
    /// `generate*` only: called once with the created task, before the first poll.
    pub on_created: Option<Function>,
    /// The caller's signal.
    pub signal: Option<AbortSignal>,
    /// Pace and deadline.
    pub pacing: Pacing,
}

/// Reads the options of a wait, a watch or a `generate*` call (`known`: `WAIT_OPTIONS`,
/// `WATCH_OPTIONS` or `GENERATE_OPTIONS`).
pub fn wait_options(
    value: &JsValue,
    what: &str,
    known: &[&'static str],
) -> Result<WaitOptions, Error> {
    let o = options(value, what, known)?;
    let on_progress = function(&o.on_progress, what, "onProgress")?;
    let on_created = function(&o.on_created, what, "onCreated")?;
    let signal = signal(&o.signal, what)?;
    let pacing = Pacing::new(
        whole(&o.interval_ms, what, "intervalMs", 1)?,
        whole(&o.min_interval_ms, what, "minIntervalMs", 1)?,
        whole(&o.max_interval_ms, what, "maxIntervalMs", 1)?,
        whole(&o.timeout_ms, what, "timeoutMs", 1)?,
    )?;
    Ok(WaitOptions {
        on_progress,
        on_created,
        signal,
        pacing,
    })
}

/// A state `planPoll` returned, read from its plain (JSON) copy as serde-wasm-bindgen reads a
/// [`Forecast`] (without its struct reading in the wasm): an object whose members `seen`,
/// `first`, `last` and `latest` are each absent, `null` or an array that starts with two
/// numbers, and `estimate` and `lead` absent, `null` or a number; other members are ignored.
/// `None` for anything else.
pub fn forecast(state: &JsValue) -> Option<Forecast> {
    if !state.is_object() {
        return None;
    }
    let number = |v: &JsValue| v.as_f64();
    let pair = |key: &'static str| -> Option<Option<(f64, f64)>> {
        let v = get(state, key);
        if v.is_undefined() || v.is_null() {
            return Some(None);
        }
        let list = v.dyn_ref::<js_sys::Array>()?;
        Some(Some((number(&list.get(0))?, number(&list.get(1))?)))
    };
    let single = |key: &'static str| -> Option<Option<f64>> {
        let v = get(state, key);
        if v.is_undefined() || v.is_null() {
            return Some(None);
        }
        Some(Some(number(&v)?))
    };
    Some(Forecast::from_stored(
        [
            pair("seen")?,
            pair("first")?,
            pair("last")?,
            pair("latest")?,
        ],
        single("estimate")?,
        single("lead")?,
        match get(state, "silent") {
            v if v.is_undefined() || v.is_null() => false,
            v => v.as_bool()?,
        },
    ))
}

/// A state for `planPoll` to return, as serde-wasm-bindgen's serializer wrote a [`Forecast`]:
/// an object with `seen`, `estimate`, `first` and `last` (`undefined` when unknown), then
/// `latest` and `lead` when known, and `silent` when true; a pair is an array of two numbers.
pub fn forecast_value(forecast: &Forecast) -> JsValue {
    let ([seen, first, last, latest], estimate, lead, silent) = forecast.stored();
    let object = js_sys::Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), &value);
    };
    let pair = |pair: Option<(f64, f64)>| {
        pair.map_or(JsValue::UNDEFINED, |(a, b)| {
            let array = js_sys::Array::new();
            array.set(0, JsValue::from_f64(a));
            array.set(1, JsValue::from_f64(b));
            array.into()
        })
    };
    let number = |n: Option<f64>| n.map_or(JsValue::UNDEFINED, JsValue::from_f64);
    set("seen", pair(seen));
    set("estimate", number(estimate));
    set("first", pair(first));
    set("last", pair(last));
    if latest.is_some() {
        set("latest", pair(latest));
    }
    if lead.is_some() {
        set("lead", number(lead));
    }
    if silent {
        set("silent", JsValue::TRUE);
    }
    object.into()
}

/// A task id argument: a string that [`crate::validate::task_id`] accepts.
pub fn task_id(id: &JsValue) -> Result<String, Error> {
    let id = id
        .as_string()
        .ok_or_else(|| type_error("task id must be a string".to_owned()))?;
    crate::validate::task_id(&id)?;
    Ok(id)
}

/// Body text parsed with `JSON.parse`.
pub fn parse(text: Option<&str>) -> Body<JsValue> {
    let Some(text) = text.filter(|t| t.len() <= MAX_BODY_BYTES) else {
        return Body::TooLarge;
    };
    match sys::parse_json(response::without_bom(text)) {
        Ok(value) => Body::Parsed(value),
        Err(thrown) => Body::NotJson(describe(&thrown)),
    }
}

/// `value` ready for serde-wasm-bindgen's struct reading, when it is a plain object (not an
/// array). Every reading of an answer goes through here: serde then looks up only the members
/// the client reads, and the wasm carries one reading of each type (serde's "any value" reading
/// would add one per kind of map).
pub fn object(value: &JsValue) -> Option<serde_wasm_bindgen::Deserializer> {
    (value.is_object() && !js_sys::Array::is_array(value)).then(|| value.clone().into())
}

/// Reads a task from a parsed value: an object with a string `status`.
pub fn task(value: &JsValue) -> Result<Task, NotATask> {
    Task::read_object(object(value).ok_or(NotATask::NotAnObject)?)
}

/// Reads a task from a body (named by `what` in messages); the parsed object too.
pub fn task_of(body: Body<JsValue>, what: &str) -> Result<(Task, JsValue), Error> {
    let value = response::parsed(body, what)?;
    let task = task(&value).map_err(|why| response::not_a_task(what, why))?;
    Ok((task, value))
}

fn head(answer: &Answer) -> Head<'_> {
    Head {
        status: answer.status,
        status_text: &answer.status_text,
        retry_after: answer.retry_after.as_deref(),
        request_id: answer.request_id.as_deref(),
    }
}

/// The error a non-2xx answer is.
pub fn api_error(answer: &Answer) -> Error {
    let object = match parse(answer.body.as_deref()) {
        Body::Parsed(value) => object(&value),
        _ => None,
    };
    Error::Api(Box::new(response::api_error_of_object(
        head(answer),
        object,
    )))
}

/// Reads an answer to a GET of task `asked`, or to a create (`None`): the task and the object as
/// the API sent it. A GET's answer must be about the task asked for; a create's must name a
/// valid id.
pub fn read_answer(answer: &Answer, asked: Option<&str>) -> Result<(Task, JsValue), Error> {
    if !(200..300).contains(&answer.status) {
        return Err(api_error(answer));
    }
    let (task, value) = task_of(parse(answer.body.as_deref()), "response")?;
    match asked {
        Some(asked) => response::check_id(&task, asked)?,
        None => crate::validate::task_id(&task.id)
            .map_err(|_| Error::InvalidResponse("The created task has no valid id".to_owned()))?,
    }
    Ok((task, value))
}
