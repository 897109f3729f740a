//! Property-based fuzzing of everything a server or a caller can feed the core: the JSON reader
//! (checked against `serde_json`), HTTP answers, task objects, `Retry-After`, task ids, base URLs
//! and the poll state machine over random answer sequences. Nothing may panic, since a panic
//! would poison the wasm instance for the whole page.
//!
//! `cargo test --test fuzz` runs a few thousand cases per target. A long run, bounded in time:
//! `FUZZ_SECONDS=600 cargo test --release --test fuzz -- --nocapture` (what `make fuzz` does).

// A harness reports a finding by panicking, as a test does.
#![allow(clippy::panic)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

use evolink_tasks::json::{self, Value};
use evolink_tasks::poller::{Env, Watch};
use evolink_tasks::response::{api_error, read_task, Answer};
use evolink_tasks::schedule::{retry_after_ms, Pace, RETRY_AFTER_CAP_MS};
use evolink_tasks::{validate, Error, Policy, Task};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Runs `test` on values of `strategy`: a fixed number of cases, or for `FUZZ_SECONDS`.
fn fuzz<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let seconds: u64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut rounds = 0u64;
    loop {
        let mut runner = TestRunner::new(Config {
            cases: 2_000,
            failure_persistence: None,
            ..Config::default()
        });
        if let Err(e) = runner.run(&strategy, &test) {
            panic!("{name}: {e}");
        }
        rounds += 1;
        if Instant::now() >= deadline {
            break;
        }
    }
    if seconds > 0 {
        println!(
            "{name}: {} cases in {seconds} s, no finding",
            rounds * 2_000
        );
    }
}

/// JSON-ish text: fragments that make the parser take every branch, glued at random.
fn jsonish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(",".to_owned()),
        Just(":".to_owned()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("\"status\"".to_owned()),
        Just("\"progress\"".to_owned()),
        Just("\"pending\"".to_owned()),
        Just("true".to_owned()),
        Just("null".to_owned()),
        Just("-".to_owned()),
        Just("1e309".to_owned()),
        Just("0.5".to_owned()),
        Just("\\u00e9".to_owned()),
        Just("\\ud83d".to_owned()),
        Just(" ".to_owned()),
        "[0-9]{1,20}",
        "\\PC{0,4}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|p| p.concat())
}

/// A random JSON value, with the task's field names likely to appear.
fn value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("status"),
        Just("progress"),
        Just("id"),
        Just("task_info"),
        Just("estimated_time"),
        Just("error"),
        Just("code"),
        Just("message"),
        Just("results"),
        Just("x"),
    ]
    .prop_map(str::to_owned);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_map(Value::Number),
        prop_oneof![
            Just("pending"),
            Just("completed"),
            Just("failed"),
            Just("cancelled"),
            Just("queued")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
        "\\PC{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|m| Value::Object(json::Object(m))),
        ]
    })
}

/// Numbers with at most 15 significant digits and a small exponent are read exactly (the fast
/// path); others within a few units in the last place (see `json::Decimal::to_f64`).
fn close(a: f64, b: f64) -> bool {
    let (x, y) = (a.abs(), b.abs());
    a == b
        || (a - b).abs() <= 1e-14 * x.max(y)
        || (a - b).abs() < 1e-300
        || (a.is_infinite() && y > 1.79e308 && a.signum() == b.signum())
}

fn same_value(ours: &Value, theirs: &serde_json::Value) -> bool {
    match (ours, theirs) {
        (Value::Null, serde_json::Value::Null) => true,
        (Value::Bool(a), serde_json::Value::Bool(b)) => a == b,
        (Value::Number(a), serde_json::Value::Number(b)) => {
            b.as_f64().is_some_and(|b| close(*a, b))
        }
        (Value::String(a), serde_json::Value::String(b)) => a == b,
        (Value::Array(a), serde_json::Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(x, y))
        }
        (Value::Object(a), serde_json::Value::Object(b)) => a.iter().all(|(k, v)| {
            b.get(k)
                .is_some_and(|w| a.get(k) != Some(v) || same_value(v, w))
        }),
        _ => false,
    }
}

#[test]
fn json_reader_agrees_with_serde_json() {
    fuzz(
        "json",
        prop_oneof![jsonish(), "\\PC{0,64}", any::<String>()],
        |text| {
            let ours = json::parse(&text);
            // serde_json refuses lone surrogates and nests up to 128; we replace and stop at 64.
            if text.contains("\\u") || text.matches(['[', '{']).count() > json::MAX_DEPTH {
                return Ok(());
            }
            match (ours, serde_json::from_str::<serde_json::Value>(&text)) {
                (Ok(a), Ok(b)) => prop_assert!(same_value(&a, &b), "{text:?}: {a:?} vs {b:?}"),
                (Err(_), Err(_)) => {}
                // JSON.parse reads 1e309 as Infinity, and so do we; serde_json refuses it.
                (Ok(_), Err(e)) if e.to_string().starts_with("number out of range") => {}
                (a, b) => prop_assert!(false, "{text:?}: ours {a:?}, serde_json {b:?}"),
            }
            Ok(())
        },
    );
}

#[test]
fn any_answer_becomes_a_task_or_an_error() {
    let body = prop_oneof![
        jsonish(),
        value().prop_map(|v| to_json(&v)),
        any::<String>()
    ];
    fuzz(
        "answer",
        (
            100u16..600,
            "\\PC{0,12}",
            proptest::option::of("\\PC{0,30}"),
            body,
        ),
        |(status, text, retry, body)| {
            let answer = Answer {
                status,
                status_text: &text,
                retry_after: retry.as_deref(),
                body: &body,
            };
            let result = read_task(answer);
            // Every error crosses to JavaScript as a record that JSON.parse must read.
            let error = match &result {
                Ok(task) => Error::TaskFailed(Box::new(task.clone())),
                Err(e) => e.clone(),
            };
            let record: serde_json::Value = serde_json::from_str(&error.record())
                .map_err(|e| TestCaseError::fail(format!("record is not JSON: {e}")))?;
            let (message, code) = (error.message(), error.code());
            prop_assert_eq!(record["message"].as_str(), Some(message.as_str()));
            prop_assert_eq!(record["code"].as_str(), Some(code.as_str()));
            match result {
                Ok(task) => {
                    prop_assert!((200..300).contains(&status));
                    prop_assert!(task.progress.is_none_or(|p| p <= 100));
                    prop_assert!(record["task"].is_object());
                }
                Err(Error::Api(e)) => {
                    prop_assert!(!(200..300).contains(&status));
                    prop_assert!(!e.code.is_empty() && !e.message.is_empty());
                }
                Err(Error::InvalidResponse(m)) => prop_assert!(!m.is_empty()),
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
            Ok(())
        },
    );
}

fn to_json(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.is_finite() => n.to_string(),
        Value::Number(_) => "0".into(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(a) => format!("[{}]", a.iter().map(to_json).collect::<Vec<_>>().join(",")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{k:?}:{}", to_json(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

#[test]
fn task_objects_are_read_leniently() {
    fuzz("task", value(), |v| {
        let status = v.get("status").and_then(Value::as_str).map(str::to_owned);
        let text = to_json(&v);
        match Task::from_value(&v, &text) {
            Ok(task) => {
                prop_assert_eq!(Some(task.status.as_str().to_owned()), status);
                prop_assert!(task.progress.is_none_or(|p| p <= 100));
                let _ = (
                    task.failure_code(),
                    task.failure_kind(),
                    task.results(),
                    task.can_cancel(),
                );
            }
            Err(_) => prop_assert!(status.is_none()),
        }
        Ok(())
    });
}

#[test]
fn retry_after_is_bounded() {
    let header = prop_oneof![
        "[0-9]{0,30}",
        "\\PC{0,40}",
        (
            0u32..7,
            1u32..40,
            0u32..13,
            1900i64..2200,
            0u32..25,
            0u32..61,
            0u32..62
        )
            .prop_map(|(d, day, m, y, h, mi, s)| {
                let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d as usize % 7];
                let months = [
                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                    "Dec", "Foo",
                ];
                format!(
                    "{days}, {day:02} {} {y} {h:02}:{mi:02}:{s:02} GMT",
                    months[m as usize % 13]
                )
            }),
    ];
    fuzz("retry-after", (header, any::<f64>()), |(value, now)| {
        if let Some(ms) = retry_after_ms(&value, now) {
            prop_assert!(ms <= RETRY_AFTER_CAP_MS);
        }
        Ok(())
    });
}

#[test]
fn task_ids_and_base_urls_never_panic() {
    fuzz(
        "ids",
        ("\\PC{0,300}", any::<String>(), "[a-z:]{0,8}"),
        |(id, host, protocol)| {
            if validate::task_id(&id).is_ok() {
                prop_assert!(!id.is_empty() && id.len() <= 256 && id != "." && id != "..");
                prop_assert!(id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)));
            }
            let _ = validate::base_url(&protocol, &host);
            let _ = validate::is_loopback_host(&host);
            Ok(())
        },
    );
}

/// A virtual-time environment answering from a script; it counts steps to catch hot loops.
#[derive(Clone)]
struct Scripted {
    answers: Rc<RefCell<VecDeque<Result<Task, Error>>>>,
    now: Rc<RefCell<f64>>,
    fetches: Rc<RefCell<u32>>,
}

impl Env for Scripted {
    fn now_ms(&self) -> f64 {
        *self.now.borrow()
    }
    fn random(&self) -> f64 {
        0.37
    }
    async fn fetch_task(&self, _: &str, timeout_ms: u64) -> Result<Task, Error> {
        *self.fetches.borrow_mut() += 1;
        *self.now.borrow_mut() += (timeout_ms as f64).min(5.0);
        let next = self.answers.borrow_mut().pop_front();
        next.unwrap_or_else(|| Err(Error::Network("out of script".into())))
    }
    async fn sleep(&self, ms: u64) {
        *self.now.borrow_mut() += ms as f64;
    }
}

fn answer() -> impl Strategy<Value = Result<Task, Error>> {
    let task = (
        prop_oneof![
            Just("pending"),
            Just("processing"),
            Just("completed"),
            Just("failed"),
            Just("cancelled"),
            Just("odd")
        ],
        any::<i16>(),
    )
        .prop_map(|(status, progress)| {
            let text = format!(r#"{{"id":"t","status":"{status}","progress":{progress}}}"#);
            Task::from_value(&json::parse(&text).unwrap_or(Value::Null), &text)
                .map_err(|_| Error::Network("x".into()))
        });
    let error = (
        prop_oneof![
            Just(400u16),
            Just(404),
            Just(408),
            Just(429),
            Just(500),
            Just(503)
        ],
        proptest::option::of("[0-9]{1,4}"),
    )
        .prop_map(|(status, retry)| {
            let answer = Answer {
                status,
                status_text: "",
                retry_after: retry.as_deref(),
                body: "",
            };
            Err(Error::Api(Box::new(api_error(answer))))
        });
    prop_oneof![4 => task, 1 => error, 1 => Just(Err(Error::Network("reset".into())))]
}

#[test]
fn the_poll_loop_always_ends_and_never_spins() {
    let pace = prop_oneof![
        (1u64..10_000).prop_map(Pace::Fixed),
        (1u64..10_000, 1u64..60_000).prop_map(|(min_ms, max_ms)| Pace::Adaptive { min_ms, max_ms }),
    ];
    let policy = (pace, 0u32..6, 1u64..600_000, 1u64..60_000).prop_map(
        |(pace, retries, timeout, request)| Policy {
            pace,
            max_retries: retries,
            timeout_ms: Some(timeout),
            request_timeout_ms: request,
        },
    );
    fuzz(
        "poller",
        (policy, prop::collection::vec(answer(), 0..60)),
        |(policy, answers)| {
            let env = Scripted {
                answers: Rc::new(RefCell::new(answers.into())),
                now: Rc::new(RefCell::new(0.0)),
                fetches: Rc::new(RefCell::new(0)),
            };
            let mut watch = Watch::new(env.clone(), "t".into(), policy);
            let mut reports = 0;
            let ended = pollster::block_on(async {
                for _ in 0..10_000 {
                    match watch.next().await {
                        None | Some(Err(_)) => return true,
                        Some(Ok(_)) => reports += 1,
                    }
                }
                false
            });
            prop_assert!(ended, "the watch did not end");
            prop_assert!(
                *env.fetches.borrow() <= 61,
                "more fetches than answers plus one"
            );
            prop_assert!(
                *env.now.borrow() <= policy.timeout_ms.unwrap_or(0) as f64 + 5.0,
                "ran past the deadline"
            );
            prop_assert!(reports <= 61);
            Ok(())
        },
    );
}
