//! Crossing the boundary: tasks into JavaScript objects, core errors into the
//! package's `Error` subclasses, and option objects read and checked key by key.

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::sys;
use crate::error::{ArgumentKind, Error};
use crate::task::Task;

/// A task as a plain object, exactly as the API sent it: one `JSON.parse` of the body (which
/// our stricter reader accepted, so it cannot fail; `null` if it somehow did).
pub fn task_to_js(task: &Task) -> JsValue {
    js_sys::JSON::parse(&task.json).unwrap_or(JsValue::NULL)
}

/// A core error as the package's `Error` subclass (or `TypeError`/`RangeError` for a bad
/// argument). `cause` is what `fetch` threw, for a `NetworkError`.
pub fn error_to_js(error: &Error, cause: JsValue) -> JsValue {
    let message = error.message();
    match error {
        Error::Api(e) => sys::api_error(
            &message,
            &e.code,
            e.status,
            e.kind.clone(),
            e.param.clone(),
            e.fallback_suggestion.clone(),
        ),
        Error::TaskFailed(task) => {
            sys::task_failed_error(&message, &task.failure_code(), task_to_js(task))
        }
        Error::Timeout(last) => sys::timeout_error(
            &message,
            last.as_deref().map_or(JsValue::UNDEFINED, task_to_js),
        ),
        Error::Network(_) => sys::network_error(&message, cause),
        Error::InvalidResponse(_) => sys::invalid_response_error(&message),
        Error::Argument(ArgumentKind::Range, _) => js_sys::RangeError::new(&message).into(),
        Error::Argument(..) => js_sys::TypeError::new(&message).into(),
    }
}

/// A `TypeError` for the core.
pub fn type_error(parts: &[&str]) -> Error {
    Error::Argument(ArgumentKind::Type, parts.concat())
}

/// An options object whose keys were checked against the allowed names.
pub struct Options {
    object: Option<Object>,
    what: &'static str,
}

impl Options {
    /// Reads `value` as the options of `what` (e.g. `waitForTask options`): absent, `undefined`
    /// and `null` mean none; anything but a plain object, or an unknown key, is a `TypeError`.
    pub fn read(
        value: Option<JsValue>,
        what: &'static str,
        allowed: &[&str],
    ) -> Result<Options, Error> {
        let Some(value) = value.filter(|v| !v.is_undefined() && !v.is_null()) else {
            return Ok(Options { object: None, what });
        };
        if !value.is_object() || Array::is_array(&value) || value.is_function() {
            return Err(type_error(&[what, " must be an object"]));
        }
        let object: Object = value.unchecked_into();
        for key in Object::keys(&object).iter() {
            let key = key.as_string().unwrap_or_default();
            if !allowed.contains(&key.as_str()) {
                let list = allowed.join(", ");
                return Err(type_error(&[
                    what,
                    ": unknown option \"",
                    &key,
                    "\" (known options: ",
                    &list,
                    ")",
                ]));
            }
        }
        Ok(Options {
            object: Some(object),
            what,
        })
    }

    fn get(&self, key: &str) -> JsValue {
        match &self.object {
            Some(o) => Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED),
            None => JsValue::UNDEFINED,
        }
    }

    fn wrong(&self, key: &str, expected: &str) -> Error {
        type_error(&[self.what, ": \"", key, "\" must be ", expected])
    }

    /// An optional string.
    pub fn string(&self, key: &str) -> Result<Option<String>, Error> {
        let v = self.get(key);
        if v.is_undefined() {
            return Ok(None);
        }
        v.as_string()
            .map(Some)
            .ok_or_else(|| self.wrong(key, "a string"))
    }

    /// An optional function.
    pub fn function(&self, key: &str) -> Result<Option<Function>, Error> {
        let v = self.get(key);
        if v.is_undefined() {
            return Ok(None);
        }
        v.dyn_into::<Function>()
            .map(Some)
            .map_err(|_| self.wrong(key, "a function"))
    }

    /// An optional `AbortSignal` (anything with `aborted` and `addEventListener`).
    pub fn signal(&self, key: &str) -> Result<Option<sys::AbortSignal>, Error> {
        let v = self.get(key);
        if v.is_undefined() {
            return Ok(None);
        }
        let listens =
            Reflect::get(&v, &JsValue::from_str("addEventListener")).is_ok_and(|f| f.is_function());
        if !v.is_object() || !listens {
            return Err(self.wrong(key, "an AbortSignal"));
        }
        Ok(Some(v.unchecked_into()))
    }

    /// An optional whole number of milliseconds (or count) of at least `min`.
    pub fn whole(&self, key: &str, min: u64) -> Result<Option<u64>, Error> {
        let v = self.get(key);
        if v.is_undefined() {
            return Ok(None);
        }
        let Some(n) = v.as_f64() else {
            return Err(self.wrong(key, "a number"));
        };
        crate::validate::whole_number(self.what, key, n, min).map(Some)
    }

    /// An optional object of string header values.
    pub fn headers(&self, key: &str) -> Result<Vec<(String, String)>, Error> {
        let v = self.get(key);
        if v.is_undefined() {
            return Ok(Vec::new());
        }
        if !v.is_object() || Array::is_array(&v) {
            return Err(self.wrong(key, "an object of header names and string values"));
        }
        let object: Object = v.unchecked_into();
        let mut headers = Vec::new();
        for entry in Object::entries(&object).iter() {
            let pair: Array = entry.unchecked_into();
            let name = pair.get(0).as_string().unwrap_or_default();
            let Some(value) = pair.get(1).as_string() else {
                return Err(type_error(&[
                    self.what,
                    ": header \"",
                    &name,
                    "\" must be a string",
                ]));
            };
            headers.push((name, value));
        }
        Ok(headers)
    }
}

/// A task id passed from JavaScript: a string, checked by [`crate::validate::task_id`].
pub fn task_id(value: &JsValue) -> Result<String, Error> {
    let id = value
        .as_string()
        .ok_or_else(|| type_error(&["task id must be a string"]))?;
    crate::validate::task_id(&id)?;
    Ok(id)
}
