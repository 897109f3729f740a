//! The floor of the stack: the least EvoLink client that evolink-tasks' stack (wasm-bindgen,
//! wasm-bindgen-futures, js-sys, web-sys, serde + serde-wasm-bindgen, gloo-timers, the rlsf
//! allocator) can be. `make bench` measures it next to the package, to tell what the stack
//! costs from what the package adds.
//!
//! `new FloorClient(baseUrl, fetch?)`, `getTask(id)`, `waitForTask(id, intervalMs)`: one GET
//! through `fetch` (the given one, else the global one; called unbound) with a web-sys
//! `RequestInit`, the body read with `response.text()` and parsed with `JSON.parse`, the status
//! read with serde-wasm-bindgen, one gloo-timers `TimeoutFuture` between polls. A non-2xx answer
//! or a failed task rejects with a plain `Error`. No retries, limits, abort, validation or
//! options: nothing beyond the path itself.

use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Promise, Reflect, JSON};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{RequestInit, Response};

#[global_allocator]
static ALLOCATOR: rlsf::SmallGlobalTlsf = rlsf::SmallGlobalTlsf::new();

/// The one field the loop reads.
#[derive(Deserialize)]
struct Status {
    status: String,
}

/// The client: where the API is and the `fetch` to call.
#[wasm_bindgen]
pub struct FloorClient {
    base: String,
    fetch: Function,
}

#[wasm_bindgen]
impl FloorClient {
    /// `new FloorClient(baseUrl, fetch?)`.
    #[wasm_bindgen(constructor)]
    pub fn new(base_url: String, fetch: Option<Function>) -> FloorClient {
        let fetch = fetch.unwrap_or_else(|| {
            Reflect::get(&js_sys::global(), &JsValue::from_str("fetch"))
                .unwrap_or(JsValue::UNDEFINED)
                .unchecked_into()
        });
        FloorClient {
            base: base_url,
            fetch,
        }
    }

    /// One GET of the task: resolves with the parsed answer.
    #[wasm_bindgen(js_name = getTask)]
    pub fn get_task(&self, id: &str) -> Promise {
        let (fetch, url) = (self.fetch.clone(), self.url(id));
        future_to_promise(async move { get(&fetch, &url).await })
    }

    /// Polls every `interval_ms` until the task is completed (resolves with it) or failed or
    /// cancelled (rejects).
    #[wasm_bindgen(js_name = waitForTask)]
    pub fn wait_for_task(&self, id: &str, interval_ms: u32) -> Promise {
        let (fetch, url) = (self.fetch.clone(), self.url(id));
        future_to_promise(async move {
            loop {
                let task = get(&fetch, &url).await?;
                let Status { status } = serde_wasm_bindgen::from_value(task.clone())?;
                match status.as_str() {
                    "completed" => return Ok(task),
                    "failed" | "cancelled" => return Err(js_sys::Error::new("task failed").into()),
                    _ => drop(task), // not held while asleep
                }
                TimeoutFuture::new(interval_ms).await;
            }
        })
    }
}

impl FloorClient {
    fn url(&self, id: &str) -> String {
        let id = String::from(js_sys::encode_uri_component(id));
        let mut url = String::with_capacity(self.base.len() + 10 + id.len());
        url.push_str(&self.base);
        url.push_str("/v1/tasks/");
        url.push_str(&id);
        url
    }
}

/// `fetch(url, { method: 'GET' })`, then the body as JSON; a plain `Error` on a non-2xx answer.
async fn get(fetch: &Function, url: &str) -> Result<JsValue, JsValue> {
    let init = RequestInit::new();
    init.set_method("GET");
    let sent = fetch.call2(&JsValue::UNDEFINED, &JsValue::from_str(url), &init)?;
    let response: Response = JsFuture::from(Promise::resolve(&sent))
        .await?
        .unchecked_into();
    if !response.ok() {
        return Err(js_sys::Error::new("EvoLink answered with an error status").into());
    }
    let text = JsFuture::from(response.text()?).await?;
    JSON::parse(&text.as_string().unwrap_or_default())
}
