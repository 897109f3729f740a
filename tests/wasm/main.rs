//! The JavaScript edge, tested from Rust in every wasm host (Node, a Chromium page, a worker):
//! the Rust `Client` over an in-memory `fetch`, timers and abort signals, value conversion.
//! `tests/wasm/run.sh` picks the host; the tests are the same.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::cell::RefCell;
use std::rc::Rc;

use evolink_tasks::js::client::{Client, ClientOptions, WaitOptions};
use evolink_tasks::js::convert::task_to_js;
use evolink_tasks::js::event::{race, Aborted, Either};
use evolink_tasks::js::scheduler::Scheduler;
use evolink_tasks::js::sys;
use evolink_tasks::{Error, TaskStatus};
use js_sys::{Array, Function, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

/// A `fetch` that answers from a script of `[status, body, headers?]` entries (status 0: throw
/// a TypeError, as a failed connection does; script exhausted: never answer) and records each
/// call's `[url, init]`.
fn scripted_fetch(script: &str) -> (Function, Array) {
    let make = Function::new_with_args(
        "answers, calls",
        "return function (url, init) {
            calls.push([url, init]);
            const a = answers.shift();
            if (!a) return new Promise(() => {});
            if (a[0] === 0) return Promise.reject(new TypeError('fetch failed: ' + a[1]));
            return Promise.resolve(new Response(a[1], { status: a[0], headers: a[2] || {} }));
        };",
    );
    let calls = Array::new();
    let answers = JSON::parse(script).unwrap();
    let fetch = make.call2(&JsValue::UNDEFINED, &answers, &calls).unwrap();
    (fetch.unchecked_into(), calls)
}

fn client(fetch: Function) -> Client {
    Client::new(ClientOptions {
        api_key: Some("sk-wasm".into()),
        base_url: Some("https://api.example.test/".into()),
        fetch: Some(fetch),
        request_timeout_ms: 200,
        ..ClientOptions::default()
    })
    .unwrap()
}

fn get(value: &JsValue, path: &[&str]) -> JsValue {
    path.iter().fold(value.clone(), |v, key| {
        Reflect::get(&v, &(*key).into()).unwrap()
    })
}

#[wasm_bindgen_test]
async fn get_task_sends_the_key_to_the_base_url_and_reads_the_task() {
    let (fetch, calls) = scripted_fetch(
        r#"[[200, "{\"id\":\"t1\",\"status\":\"processing\",\"progress\":65,\"x\":[1]}"]]"#,
    );
    let task = client(fetch).get_task("t1").await.unwrap();
    assert_eq!(
        (task.status.clone(), task.progress),
        (TaskStatus::Processing, Some(65))
    );
    assert!(task.raw().get("x").is_some());
    let call = calls.get(0);
    assert_eq!(
        get(&call, &["0"]).as_string().unwrap(),
        "https://api.example.test/v1/tasks/t1"
    );
    assert_eq!(
        get(&call, &["1", "headers", "authorization"])
            .as_string()
            .unwrap(),
        "Bearer sk-wasm"
    );
    assert_eq!(get(&call, &["1", "method"]).as_string().unwrap(), "GET");
}

#[wasm_bindgen_test]
async fn wait_for_task_reports_changes_and_survives_a_503() {
    let (fetch, calls) = scripted_fetch(
        r#"[[200, "{\"id\":\"t\",\"status\":\"pending\",\"progress\":0}"],
            [503, "{\"error\":{\"code\":\"service_unavailable\",\"message\":\"busy\"}}"],
            [200, "{\"id\":\"t\",\"status\":\"processing\",\"progress\":50}"],
            [200, "{\"id\":\"t\",\"status\":\"completed\",\"progress\":100}"]]"#,
    );
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = seen.clone();
    let options = WaitOptions {
        interval_ms: Some(5),
        timeout_ms: Some(10_000),
        ..WaitOptions::default()
    };
    let done = client(fetch)
        .wait_for_task("t", options, move |t| log.borrow_mut().push(t.progress))
        .await
        .unwrap();
    assert_eq!(done.status, TaskStatus::Completed);
    assert_eq!(*seen.borrow(), [Some(0), Some(50), Some(100)]);
    assert_eq!(calls.length(), 4);
}

#[wasm_bindgen_test]
async fn a_thrown_fetch_is_a_network_error_and_client_errors_are_api_errors() {
    let (fetch, _) = scripted_fetch(r#"[[0, "refused"], [404, "<html>nope</html>"]]"#);
    let c = client(fetch);
    match c.get_task("t").await {
        Err(Error::Network(m)) => assert!(m.contains("refused"), "{m}"),
        other => panic!("expected a network error, got {other:?}"),
    }
    match c.get_task("t").await {
        Err(Error::Api(e)) => assert_eq!((e.status, e.code.as_str()), (404, "http_404")),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn a_request_past_its_timeout_is_abandoned_and_aborted() {
    let (fetch, calls) = scripted_fetch("[]");
    match client(fetch).get_task("t").await {
        Err(Error::Network(m)) => assert!(m.contains("within 200 ms"), "{m}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    let signal = get(&calls.get(0), &["1", "signal", "aborted"]);
    assert_eq!(
        signal.as_bool(),
        Some(true),
        "the fetch's signal was aborted"
    );
}

#[wasm_bindgen_test]
async fn a_deadline_ends_a_wait_with_the_last_observation() {
    let (fetch, _) = scripted_fetch(r#"[[200, "{\"id\":\"t\",\"status\":\"pending\"}"]]"#);
    let options = WaitOptions {
        interval_ms: Some(50),
        timeout_ms: Some(120),
        ..WaitOptions::default()
    };
    match client(fetch).wait_for_task("t", options, |_| {}).await {
        Err(Error::Timeout(Some(last))) => assert_eq!(last.status, TaskStatus::Pending),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn race_returns_the_first_and_pauses_end_in_order() {
    let scheduler = Scheduler::new(6);
    match race(scheduler.sleep(10), scheduler.sleep(200)).await {
        Either::Left(()) => {}
        Either::Right(()) => panic!("the longer pause won"),
    }
    // A dropped pause leaves the queue: the one after it still ends.
    let dropped = scheduler.sleep(5);
    drop(dropped);
    match race(scheduler.sleep(30), scheduler.sleep(500)).await {
        Either::Left(()) => {}
        Either::Right(()) => panic!("the longer pause won"),
    }
}

#[wasm_bindgen_test]
async fn an_abort_signal_wakes_its_listener() {
    let controller = sys::AbortController::new().unwrap();
    let aborted = Aborted::new(controller.signal()).unwrap();
    let abort = Closure::once_into_js(move || controller.abort().unwrap());
    sys::set_timeout(abort.unchecked_ref(), 5.0);
    match race(aborted, Scheduler::new(6).sleep(2_000)).await {
        Either::Left(()) => {}
        Either::Right(()) => panic!("the abort was not seen"),
    }
}

#[wasm_bindgen_test]
fn tasks_reach_javascript_exactly_as_sent() {
    let text = r#"{"status":"completed","z":[1,2.5,true,null,"x"],"a":{"c":"\u00e9"},"n":-0.5}"#;
    let task = evolink_tasks::response::parse_task(text, "test body").unwrap();
    let theirs = JSON::parse(text).unwrap();
    assert_eq!(
        JSON::stringify(&task_to_js(&task)).unwrap(),
        JSON::stringify(&theirs).unwrap()
    );
}

#[wasm_bindgen_test]
fn base_urls_are_checked_and_relative_ones_need_a_page() {
    let bad = Client::new(ClientOptions {
        base_url: Some("http://example.com".into()),
        ..ClientOptions::default()
    });
    assert!(matches!(bad, Err(Error::Argument(..))));
    let relative = Client::new(ClientOptions {
        base_url: Some("/evolink".into()),
        ..ClientOptions::default()
    });
    let has_page = !get(&js_sys::global().into(), &["location"]).is_undefined();
    match (has_page, relative) {
        (true, Ok(c)) => assert!(c.base_url().ends_with("/evolink"), "{}", c.base_url()),
        (false, Err(Error::Argument(_, m))) => assert!(m.contains("no page location"), "{m}"),
        (page, other) => panic!("page {page}: unexpected {other:?}"),
    }
}
