//! The Rust client for web frontends (`evolink_tasks::web::Client`) against the fake EvoLink
//! server (tests/fake-server) over real HTTP on loopback, in Node and in headless Chromium.
//!
//! `tests/web/run.sh` starts the server, exports its URL as `EVOLINK_FAKE_BASE` (read here at
//! compile time: a wasm test cannot read the environment when it runs) and runs this file twice
//! with `wasm-bindgen-test-runner`: in Node (its default for a test without
//! `wasm_bindgen_test_configure!`), then in Chromium (`WASM_BINDGEN_USE_BROWSER=1`, the page
//! fetching the server cross-origin, which its CORS headers allow). Each test uses fresh task ids,
//! whose prefix picks the server's scenario, and checks the server's request log
//! (`GET /__requests?id=`) to see what was sent.
#![cfg(target_arch = "wasm32")]
// A test reports a failure by panicking.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;

use evolink_tasks::create::Kind;
use evolink_tasks::web::{Client, ClientOptions, Observation, WaitOptions};
use evolink_tasks::{ArgumentKind, Error, TaskStatus};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{AbortController, Response};

/// The fake server's URL, fixed when this file was compiled.
fn base() -> &'static str {
    match option_env!("EVOLINK_FAKE_BASE") {
        Some(base) if !base.is_empty() => base,
        _ => panic!(
            "EVOLINK_FAKE_BASE was not set when tests/web.rs was compiled: run tests/web/run.sh, \
             which starts the fake EvoLink server and exports its URL"
        ),
    }
}

/// A task id no other test (or earlier run against the same server) uses: `<scenario>-<random>`.
fn fresh(scenario: &str) -> String {
    let n = (js_sys::Math::random() * 1e12) as u64;
    format!("{scenario}-{n:x}")
}

fn client() -> Client {
    Client::new(ClientOptions {
        api_key: Some("test-key".into()),
        base_url: Some(base().into()),
        ..Default::default()
    })
    .expect("a client for the fake server")
}

fn now() -> f64 {
    js_sys::Date::now()
}

async fn sleep(ms: u32) {
    TimeoutFuture::new(ms).await;
}

/// `GET base + path` with the global `fetch`, parsed as JSON.
async fn get_json(path: &str) -> JsValue {
    let fetch: Function = Reflect::get(&js_sys::global(), &"fetch".into())
        .expect("globalThis.fetch")
        .dyn_into()
        .expect("fetch is a function");
    let url = format!("{}{path}", base());
    let promise = fetch
        .call1(&JsValue::UNDEFINED, &url.into())
        .expect("fetch");
    let response: Response = JsFuture::from(js_sys::Promise::from(promise))
        .await
        .expect("the fake server answers")
        .unchecked_into();
    assert_eq!(response.status(), 200, "{path}");
    JsFuture::from(response.json().expect("json()"))
        .await
        .expect("a JSON answer")
}

/// The fake server's log of API requests, for one task id or (`None`) all of them.
async fn requests(id: Option<&str>) -> Vec<JsValue> {
    let path = match id {
        Some(id) => format!(
            "/__requests?id={}",
            String::from(js_sys::encode_uri_component(id))
        ),
        None => "/__requests".to_owned(),
    };
    Array::from(&get_json(&path).await).iter().collect()
}

/// `value.a.b…` as a JavaScript value (`undefined` when missing).
fn at(value: &JsValue, path: &[&str]) -> JsValue {
    path.iter().fold(value.clone(), |v, key| {
        Reflect::get(&v, &(*key).into()).unwrap_or(JsValue::UNDEFINED)
    })
}

fn text(value: &JsValue, path: &[&str]) -> Option<String> {
    at(value, path).as_string()
}

/// Which of two futures finished first; the other is dropped (cancelled) on return.
enum First<A, B> {
    Left(A),
    Right(B),
}

async fn race<A: Future, B: Future>(a: A, b: B) -> First<A::Output, B::Output> {
    let mut a = pin!(a);
    let mut b = pin!(b);
    poll_fn(|cx| {
        if let Poll::Ready(x) = a.as_mut().poll(cx) {
            return Poll::Ready(First::Left(x));
        }
        if let Poll::Ready(y) = b.as_mut().poll(cx) {
            return Poll::Ready(First::Right(y));
        }
        Poll::Pending
    })
    .await
}

fn describe(result: &Result<Observation, Error>) -> String {
    match result {
        Ok(seen) => format!("Ok(task {} {:?})", seen.task.id, seen.task.status),
        Err(e) => format!("Err({e:?})"),
    }
}

#[wasm_bindgen_test]
async fn get_task_returns_the_task_and_keeps_unknown_fields() {
    let client = client();
    assert_eq!(client.base_url(), base());
    let id = fresh("ok");
    let seen = client.get_task(&id).await.expect("the task");
    let task = &seen.task;
    assert_eq!(task.id, id);
    assert_eq!(task.status, TaskStatus::Pending);
    assert_eq!(task.progress, Some(0));
    assert_eq!(task.estimated_time, Some(165));
    assert_eq!(task.can_cancel, Some(true));
    assert_eq!(task.model.as_deref(), Some("seedance-2.0-text-to-video"));
    assert!(task.results.is_empty());
    // The object as the server sent it, with a field the client does not know.
    assert_eq!(at(&seen.value, &["x_extra", "kept"]), JsValue::TRUE);
    assert_eq!(
        text(&seen.value, &["object"]).as_deref(),
        Some("video.generation.task")
    );

    let log = requests(Some(&id)).await;
    assert_eq!(log.len(), 1, "one request");
    let request = log.first().expect("the request");
    assert_eq!(text(request, &["method"]).as_deref(), Some("GET"));
    assert_eq!(text(request, &["path"]), Some(format!("/v1/tasks/{id}")));
    assert_eq!(
        text(request, &["authorization"]).as_deref(),
        Some("Bearer test-key")
    );
}

#[wasm_bindgen_test]
async fn wait_for_task_reports_each_change_and_returns_the_completed_task() {
    let client = client();
    let id = fresh("ok");
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = seen.clone();
    let options = WaitOptions {
        interval_ms: Some(10),
        on_progress: Some(Box::new(move |o: &Observation| {
            let progress = o.task.progress.map_or("-".to_owned(), |p| p.to_string());
            log.borrow_mut()
                .push(format!("{} {progress}", o.task.status.as_str()));
        })),
        ..Default::default()
    };
    let done = client
        .wait_for_task(&id, options)
        .await
        .expect("the completed task");
    assert_eq!(
        *seen.borrow(),
        [
            "pending 0",
            "processing 30",
            "processing 70",
            "completed 100"
        ]
    );
    assert_eq!(done.task.id, id);
    assert_eq!(done.task.status, TaskStatus::Completed);
    assert_eq!(done.task.progress, Some(100));
    assert_eq!(done.task.can_cancel, Some(false));
    assert_eq!(done.task.results, [format!("{}/media/sample.mp4", base())]);
    assert_eq!(at(&done.value, &["x_extra", "kept"]), JsValue::TRUE);
    assert_eq!(
        requests(Some(&id)).await.len(),
        4,
        "one request per observation"
    );
}

#[wasm_bindgen_test]
async fn a_failed_task_is_task_failed_with_its_code() {
    let client = client();
    let id = fresh("fail");
    let options = WaitOptions {
        interval_ms: Some(10),
        ..Default::default()
    };
    let result = client.wait_for_task(&id, options).await;
    let Err(Error::TaskFailed(task)) = &result else {
        panic!("expected TaskFailed, got {}", describe(&result));
    };
    assert_eq!(task.id, id);
    assert_eq!(task.status, TaskStatus::Failed);
    let error = result.as_ref().expect_err("an error");
    assert_eq!(error.code(), "content_policy_violation");
    // Non-ASCII text from the server, intact.
    let text = "The prompt was flagged by the content filter — «内容审核» 🚫.";
    assert_eq!(error.to_string(), format!("Task {id} failed: {text}"));
    assert_eq!(error.task().map(|t| t.progress), Some(Some(40)));
    assert_eq!(requests(Some(&id)).await.len(), 3);
}

#[wasm_bindgen_test]
async fn the_deadline_gives_timeout_with_the_last_observation() {
    let client = client();
    let id = fresh("ok");
    let options = WaitOptions {
        interval_ms: Some(60_000),
        timeout_ms: Some(300),
        ..Default::default()
    };
    let started = now();
    let result = client.wait_for_task(&id, options).await;
    let elapsed = now() - started;
    let Err(Error::Timeout(last)) = &result else {
        panic!("expected Timeout, got {}", describe(&result));
    };
    let last = last.as_deref().expect("the last observation");
    assert_eq!(
        (last.id.as_str(), &last.status),
        (id.as_str(), &TaskStatus::Pending)
    );
    assert!(
        (250.0..5_000.0).contains(&elapsed),
        "ended after {elapsed} ms"
    );
    assert_eq!(
        result.as_ref().err().map(Error::code).as_deref(),
        Some("timeout")
    );
    assert_eq!(
        requests(Some(&id)).await.len(),
        1,
        "no poll after the deadline"
    );
}

#[wasm_bindgen_test]
async fn an_api_error_is_api_with_its_status() {
    let client = client();
    let id = fresh("e401");
    let result = client.get_task(&id).await;
    let Err(Error::Api(api)) = &result else {
        panic!("expected Api, got {}", describe(&result));
    };
    assert_eq!(api.status, 401);
    assert_eq!(api.code, "unauthorized");
    assert_eq!(api.kind.as_deref(), Some("authentication_error"));
    assert_eq!(api.message, "The API key is missing, invalid or expired.");

    // A wait gives up at once on a status not worth repeating.
    let result = client.wait_for_task(&id, WaitOptions::default()).await;
    let Err(Error::Api(api)) = &result else {
        panic!("expected Api from the wait, got {}", describe(&result));
    };
    assert_eq!(api.status, 401);
    assert_eq!(requests(Some(&id)).await.len(), 2, "no retry");
}

#[wasm_bindgen_test]
async fn aborting_the_signal_mid_wait_ends_it_at_once_and_sends_nothing_more() {
    let client = client();
    let id = fresh("ok");
    let controller = AbortController::new().expect("an AbortController");
    let aborted_at = Rc::new(RefCell::new(None::<f64>));
    // 50 ms after the first observation, while the wait sleeps before its second poll.
    let on_progress = {
        let controller = controller.clone();
        let aborted_at = aborted_at.clone();
        move |_: &Observation| {
            let controller = controller.clone();
            let aborted_at = aborted_at.clone();
            gloo_timers::callback::Timeout::new(50, move || {
                *aborted_at.borrow_mut() = Some(now());
                controller.abort();
            })
            .forget();
        }
    };
    let options = WaitOptions {
        interval_ms: Some(1_000),
        signal: Some(controller.signal()),
        on_progress: Some(Box::new(on_progress)),
        ..Default::default()
    };
    let result = client.wait_for_task(&id, options).await;
    let ended = now();
    let Err(Error::Aborted(_)) = &result else {
        panic!("expected Aborted, got {}", describe(&result));
    };
    let aborted_at = aborted_at.borrow().expect("the abort ran");
    assert!(
        ended - aborted_at < 200.0,
        "ended {} ms after the abort",
        ended - aborted_at
    );
    assert_eq!(
        result.as_ref().err().map(Error::code).as_deref(),
        Some("aborted")
    );
    assert_eq!(
        requests(Some(&id)).await.len(),
        1,
        "one poll before the abort"
    );
    sleep(1_300).await; // past the next poll's time
    assert_eq!(
        requests(Some(&id)).await.len(),
        1,
        "no poll after the abort"
    );

    // Already aborted: nothing is sent at all.
    let id = fresh("ok");
    let options = WaitOptions {
        signal: Some(controller.signal()),
        ..Default::default()
    };
    let result = client.wait_for_task(&id, options).await;
    assert!(
        matches!(result, Err(Error::Aborted(_))),
        "{}",
        describe(&result)
    );
    assert_eq!(requests(Some(&id)).await.len(), 0, "nothing sent");
}

#[wasm_bindgen_test]
async fn aborting_the_signal_cuts_a_request_in_flight() {
    let client = client();
    let id = fresh("slow3000");
    let controller = AbortController::new().expect("an AbortController");
    let abort = {
        let controller = controller.clone();
        gloo_timers::callback::Timeout::new(150, move || controller.abort())
    };
    let options = WaitOptions {
        signal: Some(controller.signal()),
        ..Default::default()
    };
    let started = now();
    let result = client.wait_for_task(&id, options).await;
    let elapsed = now() - started;
    drop(abort);
    assert!(
        matches!(result, Err(Error::Aborted(_))),
        "{}",
        describe(&result)
    );
    assert!(
        elapsed < 1_500.0,
        "ended after {elapsed} ms, not when aborted"
    );
    assert_eq!(requests(Some(&id)).await.len(), 1);
}

#[wasm_bindgen_test]
async fn dropping_the_wait_future_stops_polling() {
    let client = client();
    let id = fresh("ok");
    let observed = Rc::new(Cell::new(false));
    let seen = observed.clone();
    let options = WaitOptions {
        interval_ms: Some(300),
        on_progress: Some(Box::new(move |_: &Observation| seen.set(true))),
        ..Default::default()
    };
    // Dropped 50 ms after its first observation, while it sleeps before the second poll.
    let first_seen = async {
        while !observed.get() {
            sleep(5).await;
        }
        sleep(50).await;
    };
    match race(client.wait_for_task(&id, options), first_seen).await {
        First::Left(result) => panic!("the wait ended first: {}", describe(&result)),
        First::Right(()) => {}
    }
    assert_eq!(
        requests(Some(&id)).await.len(),
        1,
        "one poll before the drop"
    );
    sleep(1_000).await; // the wait would have finished (4 polls, 300 ms apart) by now
    assert_eq!(requests(Some(&id)).await.len(), 1, "no poll after the drop");

    // Dropped with its request in flight: nothing follows either.
    let id = fresh("slow1000");
    let options = WaitOptions {
        interval_ms: Some(10),
        ..Default::default()
    };
    let sent = async {
        while requests(Some(&id)).await.is_empty() {
            sleep(10).await;
        }
    };
    match race(client.wait_for_task(&id, options), sent).await {
        First::Left(result) => panic!("the wait ended first: {}", describe(&result)),
        First::Right(()) => {}
    }
    sleep(1_500).await; // the answer would have come, and the next poll 10 ms later
    assert_eq!(requests(Some(&id)).await.len(), 1, "no poll after the drop");
    // The client still works.
    let seen = client.get_task(&fresh("ok")).await.expect("a task");
    assert_eq!(seen.task.status, TaskStatus::Pending);
}

#[wasm_bindgen_test]
async fn create_posts_the_params_and_returns_the_pending_task() {
    let client = client();
    let marker = fresh("marker");
    let params = serde_json::json!({
        "model": "seedance-2.0-text-to-video",
        "prompt": format!("[as:ok] a paper lantern over a calm lake {marker}"),
        "duration": 5,
        "quality": "720p",
    });
    let created = client
        .create(Kind::Video, &params, None)
        .await
        .expect("a task");
    let task = &created.task;
    assert!(task.id.starts_with("ok-"), "{}", task.id);
    assert_eq!(task.status, TaskStatus::Pending);
    assert_eq!(task.model.as_deref(), Some("seedance-2.0-text-to-video"));
    assert_eq!(
        at(&created.value, &["usage", "credits_reserved"]).as_f64(),
        Some(10.0)
    );

    let log = requests(Some(&task.id)).await;
    assert_eq!(log.len(), 1, "one request");
    let request = log.first().expect("the request");
    assert_eq!(text(request, &["method"]).as_deref(), Some("POST"));
    assert_eq!(
        text(request, &["path"]).as_deref(),
        Some("/v1/videos/generations")
    );
    assert_eq!(
        text(request, &["headers", "content-type"]).as_deref(),
        Some("application/json")
    );
    assert_eq!(
        text(request, &["authorization"]).as_deref(),
        Some("Bearer test-key")
    );
    let body = text(request, &["body"]).expect("a body");
    let sent: serde_json::Value = serde_json::from_str(&body).expect("a JSON body");
    assert_eq!(sent, params);

    // The created task can be waited for.
    let options = WaitOptions {
        interval_ms: Some(10),
        ..Default::default()
    };
    let done = client
        .wait_for_task(&task.id, options)
        .await
        .expect("completed");
    assert_eq!(done.task.status, TaskStatus::Completed);
}

#[wasm_bindgen_test]
async fn a_seedance_limit_violation_is_an_argument_error_and_sends_nothing() {
    let client = client();
    let marker = fresh("marker");
    let params = serde_json::json!({
        "model": "seedance-2.0-text-to-video",
        "prompt": format!("[as:ok] too long {marker}"),
        "duration": 99,
    });
    let result = client.create(Kind::Video, &params, None).await;
    let Err(Error::Argument(kind, message)) = &result else {
        panic!("expected Argument, got {}", describe(&result));
    };
    assert_eq!(*kind, ArgumentKind::Range);
    assert!(message.contains("duration"), "{message}");
    let sent = requests(None).await;
    let with_marker = sent
        .iter()
        .filter(|r| text(r, &["body"]).is_some_and(|b| b.contains(&marker)))
        .count();
    assert_eq!(with_marker, 0, "nothing sent");
}

#[wasm_bindgen_test]
async fn a_key_over_plain_http_to_another_host_is_refused_unless_allowed() {
    let options = |url: &str, key: Option<&str>, allow: bool| ClientOptions {
        base_url: Some(url.into()),
        api_key: key.map(str::to_owned),
        allow_insecure_http: allow,
        ..Default::default()
    };
    match Client::new(options("http://example.com", Some("k"), false)) {
        Err(Error::Argument(ArgumentKind::Type, message)) => {
            assert!(
                message.contains("allowInsecureHttp") && message.contains("example.com"),
                "{message}"
            )
        }
        Err(other) => panic!("expected a TypeError-like Argument, got {other:?}"),
        Ok(client) => panic!("accepted, as {}", client.base_url()),
    }
    // The allowed ones, for contrast: https anywhere, http to loopback, http without a key
    // (a proxy adds it), http with a key when allowed; a trailing /v1 names the same root.
    let https = Client::new(options("https://api.evolink.ai/v1", Some("k"), false)).expect("https");
    assert_eq!(https.base_url(), "https://api.evolink.ai");
    assert!(Client::new(options("http://127.0.0.1:9/", Some("k"), false)).is_ok());
    assert!(Client::new(options("http://evolink-proxy:8080", None, false)).is_ok());
    assert!(Client::new(options("http://example.com", Some("k"), true)).is_ok());
}

#[wasm_bindgen_test]
async fn a_refused_connection_is_a_network_error() {
    let port = at(&get_json("/__closed-port").await, &["port"])
        .as_f64()
        .expect("a port");
    let client = Client::new(ClientOptions {
        base_url: Some(format!("http://127.0.0.1:{port}")),
        ..Default::default()
    })
    .expect("a loopback client");
    let result = client.get_task(&fresh("ok")).await;
    let Err(error @ Error::Network(_)) = &result else {
        panic!("expected Network, got {}", describe(&result));
    };
    assert_eq!(error.code(), "network_error");
    assert!(error.is_retryable());
}

#[wasm_bindgen_test]
fn a_relative_base_url_resolves_against_the_page_only_in_a_page() {
    let location = at(&js_sys::global(), &["location", "href"]).as_string();
    let in_page = !at(&js_sys::global(), &["document"]).is_undefined();
    let made = Client::new(ClientOptions {
        base_url: Some("/evolink/".into()),
        ..Default::default()
    });
    match (in_page, made, location) {
        (true, Ok(client), Some(href)) => {
            let origin = web_sys::Url::new(&href).expect("the page URL").origin();
            assert_eq!(client.base_url(), format!("{origin}/evolink"));
        }
        (false, Err(Error::Argument(ArgumentKind::Type, message)), None) => {
            assert!(
                message.contains("relative") || message.contains("absolute"),
                "{message}"
            );
        }
        (in_page, made, location) => panic!(
            "in a page: {in_page}, location: {location:?}, client: {:?}",
            made.map(|c| c.base_url().to_owned())
        ),
    }
}

#[wasm_bindgen_test]
async fn zero_or_crossed_wait_options_are_argument_errors_and_send_nothing() {
    let id = fresh("ok");
    let cases = [
        (
            WaitOptions {
                interval_ms: Some(0),
                ..Default::default()
            },
            "interval_ms",
        ),
        (
            WaitOptions {
                timeout_ms: Some(0),
                ..Default::default()
            },
            "timeout_ms",
        ),
        (
            WaitOptions {
                min_interval_ms: Some(50),
                max_interval_ms: Some(10),
                ..Default::default()
            },
            "min_interval_ms",
        ),
    ];
    for (options, named) in cases {
        match client().wait_for_task(&id, options).await {
            Err(Error::Argument(_, message)) => assert!(message.contains(named), "{message}"),
            other => panic!(
                "{named}: expected an argument error, got {}",
                describe(&other)
            ),
        }
    }
    assert!(requests(Some(&id)).await.is_empty(), "nothing was sent");
}
