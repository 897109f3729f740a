//! Property-based fuzzing of everything a server or a caller can feed the core:
//!
//! - HTTP answers (random status, status text, `Retry-After`; bodies of JSON-ish text, random
//!   text, random JSON values and task-like objects, serialized): each becomes a task (2xx only)
//!   or an error, the same from the text and from the parsed value, and every error's record
//!   serializes to JSON with a `name`, `message` and `code` (and the API fields of an API error);
//! - task objects whose members (`id`, `status`, `progress`, `task_info`, `error`, `created`,
//!   `results`, `model`) are absent, of their type or of a random type: read the same from a
//!   value and from text, and as the lenient rules say (a string `status` makes a task, progress
//!   within 0..=100, wrong types read as absent);
//! - `Retry-After` (capped), task ids and base URLs (never panic);
//! - the poll state machine over random answer sequences (always ends, never spins).
//!
//! Nothing may panic, since a panic would poison the wasm instance for the whole page.
//!
//! `cargo test --test fuzz` runs a few thousand cases per target. A long run, bounded in time:
//! `FUZZ_SECONDS=600 cargo test --release --test fuzz -- --nocapture` (what `make fuzz` does).

// A harness reports a finding by panicking, as a test does.
#![allow(clippy::panic)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

use evolink_tasks::poller::{Env, Watch};
use evolink_tasks::response::{api_error_of_text, read, read_task, Answer, Body, Head};
use evolink_tasks::schedule::{retry_after_ms, Pace, RETRY_AFTER_CAP_MS};
use evolink_tasks::task::NotATask;
use evolink_tasks::{validate, Error, Policy, Task, TaskStatus};
use proptest::option::of;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Number, Value};

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

/// JSON-ish text: fragments that make a JSON parser take every branch, glued at random.
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
        Just("\"error\"".to_owned()),
        Just("\"task_info\"".to_owned()),
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

/// A JSON number: any `i64`, `u64` or finite `f64`, and values near the edges the reader clamps
/// or rounds at.
fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
        (-20.0f64..130.0).prop_filter_map("finite", Number::from_f64),
        prop_oneof![
            Just(-0.0),
            Just(0.5),
            Just(99.5),
            Just(100.5),
            Just(1e15),
            Just(-1e15 + 1.0),
            Just(4_294_967_295.5),
            Just(1e300),
        ]
        .prop_filter_map("finite", Number::from_f64),
    ]
}

fn status_text() -> BoxedStrategy<String> {
    prop_oneof![
        Just("pending"),
        Just("processing"),
        Just("completed"),
        Just("failed"),
        Just("cancelled"),
        Just("queued"),
        Just(""),
    ]
    .prop_map(str::to_owned)
    .boxed()
}

/// A scalar JSON value.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number().prop_map(Value::Number),
        status_text().prop_map(Value::String),
        "\\PC{0,8}".prop_map(Value::String),
    ]
}

/// A random JSON value, with the names the client reads likely to appear as keys.
fn json_value() -> BoxedStrategy<Value> {
    let key = prop_oneof![
        Just("status"),
        Just("progress"),
        Just("id"),
        Just("task_info"),
        Just("estimated_time"),
        Just("can_cancel"),
        Just("error"),
        Just("code"),
        Just("message"),
        Just("type"),
        Just("param"),
        Just("fallback_suggestion"),
        Just("results"),
        Just("created"),
        Just("model"),
        Just("x"),
    ]
    .prop_map(str::to_owned);
    leaf()
        .prop_recursive(4, 64, 8, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
        .boxed()
}

/// An object from `members`, the `Some` ones only, after `extra` members.
fn object(extra: Vec<(String, Value)>, members: Vec<(&str, Option<Value>)>) -> Value {
    let mut map: Map<String, Value> = extra.into_iter().collect();
    for (key, value) in members {
        if let Some(value) = value {
            map.insert(key.to_owned(), value);
        }
    }
    Value::Object(map)
}

/// A task-like object: each member the client reads is absent, of its documented type or of a
/// random type; `task_info` and `error` are objects with random-typed members or other values;
/// a few unknown members are mixed in.
fn task_object() -> impl Strategy<Value = Value> {
    let other = json_value;
    let string = || {
        prop_oneof![status_text(), "\\PC{0,12}".boxed()]
            .prop_map(Value::String)
            .boxed()
    };
    let num = || number().prop_map(Value::Number).boxed();
    let boolean = any::<bool>().prop_map(Value::Bool).boxed();
    let info = prop_oneof![
        2 => (of(prop_oneof![num(), other()]), of(prop_oneof![boolean, other()]))
            .prop_map(|(estimated_time, can_cancel)| object(
                vec![],
                vec![("estimated_time", estimated_time), ("can_cancel", can_cancel)],
            )).boxed(),
        1 => other(),
    ];
    let error = prop_oneof![
        2 => (of(prop_oneof![string(), num(), other()]), of(prop_oneof![string(), other()]))
            .prop_map(|(code, message)| object(vec![], vec![("code", code), ("message", message)])).boxed(),
        1 => other(),
    ];
    let results = prop_oneof![
        2 => prop::collection::vec(prop_oneof![3 => string(), 1 => other()], 0..5).prop_map(Value::Array).boxed(),
        1 => other(),
    ];
    (
        (
            of(prop_oneof![string(), other()]),
            prop::option::weighted(
                0.9,
                prop_oneof![3 => status_text().prop_map(Value::String).boxed(), 1 => other()],
            ),
            of(prop_oneof![num(), other()]),
            of(info),
        ),
        (
            of(error),
            of(prop_oneof![num(), other()]),
            of(results),
            of(prop_oneof![string(), other()]),
            prop::collection::vec(("[a-z_]{1,8}", other()), 0..3),
        ),
    )
        .prop_map(
            |((id, status, progress, info), (error, created, results, model, extra))| {
                object(
                    extra,
                    vec![
                        ("id", id),
                        ("status", status),
                        ("progress", progress),
                        ("task_info", info),
                        ("error", error),
                        ("created", created),
                        ("results", results),
                        ("model", model),
                    ],
                )
            },
        )
}

/// Checks `read` (one way of reading `v`) against what the lenient rules say `v` holds.
fn check_task(v: &Value, read: Result<Task, NotATask>) -> Result<(), TestCaseError> {
    let Some(fields) = v.as_object() else {
        prop_assert_eq!(read, Err(NotATask::NotAnObject));
        return Ok(());
    };
    let Some(status) = fields.get("status").and_then(Value::as_str) else {
        prop_assert_eq!(read, Err(NotATask::NoStatus));
        return Ok(());
    };
    let task = read.map_err(|e| TestCaseError::fail(format!("{e:?} for a string status")))?;
    prop_assert_eq!(task.status.as_str(), status);
    prop_assert_eq!(
        matches!(task.status, TaskStatus::Other(_)),
        !["pending", "processing", "completed", "failed", "cancelled"].contains(&status)
    );
    prop_assert_eq!(
        task.status.is_terminal(),
        ["completed", "failed", "cancelled"].contains(&status)
    );
    let str_of = |m: Option<&Value>| m.and_then(Value::as_str).map(str::to_owned);
    prop_assert_eq!(&task.id, &str_of(fields.get("id")).unwrap_or_default());
    prop_assert_eq!(&task.model, &str_of(fields.get("model")));
    prop_assert_eq!(task.created, fields.get("created").and_then(Value::as_f64));
    match fields.get("progress").and_then(Value::as_f64) {
        Some(n) => {
            let p = task.progress.map(f64::from);
            prop_assert!(
                p.is_some_and(|p| p <= 100.0 && (p - n.clamp(0.0, 100.0)).abs() <= 0.5),
                "progress {n} read as {p:?}"
            );
        }
        None => prop_assert_eq!(task.progress, None),
    }
    let info = fields.get("task_info").and_then(Value::as_object);
    let member = |name: &str| info.and_then(|i| i.get(name));
    match member("estimated_time").and_then(Value::as_f64) {
        Some(n) if n >= 0.0 => {
            let e = task.estimated_time.map(f64::from);
            prop_assert!(
                e.is_some_and(|e| (e - n.min(f64::from(u32::MAX))).abs() <= 0.5),
                "estimated_time {n} read as {e:?}"
            );
        }
        _ => prop_assert_eq!(task.estimated_time, None),
    }
    prop_assert_eq!(
        task.can_cancel,
        member("can_cancel").and_then(Value::as_bool)
    );
    match (fields.get("error").and_then(Value::as_object), &task.error) {
        (None, error) => prop_assert_eq!(error, &None),
        (Some(_), None) => prop_assert!(false, "an error object was not read"),
        (Some(e), Some(read)) => {
            prop_assert_eq!(&read.message, &str_of(e.get("message")));
            match (e.get("code"), &read.code) {
                // A blank code is no code: the failure code then falls back as for none.
                (Some(Value::String(s)), code) if s.trim().is_empty() => {
                    prop_assert_eq!(code, &None)
                }
                (Some(Value::String(s)), code) => prop_assert_eq!(Some(s), code.as_ref()),
                (Some(Value::Number(n)), Some(code)) => {
                    // A whole number, kept as its digits.
                    prop_assert_eq!(code.parse::<f64>().ok(), n.as_f64(), "{}", code);
                    prop_assert!(code.bytes().all(|b| b.is_ascii_digit() || b == b'-'));
                }
                (Some(Value::Number(n)), None) => {
                    let n = n.as_f64().unwrap_or(0.5);
                    prop_assert!(n.fract() != 0.0 || n.abs() >= 1e15, "code {n} dropped");
                }
                (_, code) => prop_assert_eq!(code, &None),
            }
        }
    }
    let results: Vec<&str> = match fields.get("results") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    prop_assert_eq!(task.results(), results.as_slice());
    let code = task.error.as_ref().and_then(|e| e.code.clone());
    let fallback = match task.status {
        TaskStatus::Cancelled => "cancelled",
        _ => "task_failed",
    };
    prop_assert_eq!(
        task.failure_code(),
        code.unwrap_or_else(|| fallback.to_owned())
    );
    let _ = task.failure_kind();
    prop_assert!(!task.differs_from(&task));
    Ok(())
}

#[test]
fn task_objects_are_read_leniently() {
    let value = prop_oneof![4 => task_object(), 1 => json_value()];
    fuzz("task", value, |v| {
        // The same object read as a borrowed value, an owned value and as text.
        let borrowed = Task::read(&v);
        check_task(&v, borrowed.clone())?;
        prop_assert_eq!(&Task::read(v.clone()), &borrowed);
        prop_assert_eq!(&Task::from_json(&v.to_string()), &borrowed);
        Ok(())
    });
}

/// Checks the record an error crosses to JavaScript with: JSON with a `name`, `message` and
/// `code`, and the API fields of an API error.
fn check_record(error: &Error) -> Result<(), TestCaseError> {
    let record = serde_json::to_value(error.record())
        .map_err(|e| TestCaseError::fail(format!("record does not serialize: {e}")))?;
    // What JSON.parse reads back is the same record.
    let text = record.to_string();
    let parsed: Option<Value> = serde_json::from_str(&text).ok();
    prop_assert_eq!(parsed.as_ref(), Some(&record));
    let field = |key: &str| record.get(key).and_then(Value::as_str);
    let name = field("name").unwrap_or("");
    prop_assert!(
        [
            "ApiError",
            "TaskFailedError",
            "TimeoutError",
            "NetworkError",
            "InvalidResponseError",
            "TypeError",
            "RangeError"
        ]
        .contains(&name),
        "name {name:?}"
    );
    let (message, code) = (error.message(), error.code());
    prop_assert_eq!(field("message"), Some(message.as_str()));
    prop_assert_eq!(field("code"), Some(code.as_str()));
    match error {
        Error::Api(e) => {
            prop_assert_eq!(name, "ApiError");
            prop_assert_eq!(
                record.get("status").and_then(Value::as_u64),
                Some(u64::from(e.status))
            );
            prop_assert_eq!(field("type"), e.kind.as_deref());
            prop_assert_eq!(field("param"), e.param.as_deref());
            prop_assert_eq!(
                field("fallbackSuggestion"),
                e.fallback_suggestion.as_deref()
            );
        }
        _ => {
            let api_fields = ["status", "type", "param", "fallbackSuggestion"];
            prop_assert!(api_fields.iter().all(|k| record.get(k).is_none()), "{text}");
        }
    }
    Ok(())
}

#[test]
fn any_answer_becomes_a_task_or_an_error() {
    let body = prop_oneof![
        1 => jsonish(),
        1 => json_value().prop_map(|v| v.to_string()),
        2 => task_object().prop_map(|v| v.to_string()),
        1 => any::<String>()
    ];
    let status = prop_oneof![
        3 => 100u16..600,
        2 => Just(200),
        1 => 200u16..300,
        1 => prop_oneof![Just(404), Just(429), Just(503)],
    ];
    fuzz(
        "answer",
        (
            status,
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
            // Every error crosses to JavaScript as a record.
            let error = match &result {
                Ok(task) => Error::TaskFailed(Box::new(task.clone())),
                Err(e) => e.clone(),
            };
            check_record(&error)?;
            // A host that hands the core a parsed value gets the same answer.
            if let Ok(value) = serde_json::from_str::<Value>(&body) {
                let head = Head {
                    status,
                    status_text: &text,
                    retry_after: retry.as_deref(),
                    request_id: None,
                };
                prop_assert_eq!(&read(head, Body::Parsed(&value)), &result);
            }
            match result {
                Ok(task) => {
                    prop_assert!((200..300).contains(&status));
                    prop_assert!(task.progress.is_none_or(|p| p <= 100));
                    prop_assert_eq!(error.record().name, "TaskFailedError");
                }
                Err(Error::Api(e)) => {
                    prop_assert!(!(200..300).contains(&status));
                    prop_assert_eq!(e.status, status);
                    prop_assert!(!e.code.is_empty() && !e.message.is_empty());
                    prop_assert_eq!(e.retry_after.as_deref(), retry.as_deref());
                }
                Err(Error::InvalidResponse(m)) => {
                    prop_assert!((200..300).contains(&status));
                    prop_assert!(!m.is_empty());
                }
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
            // What reads as a task from text is read the same way from the answer.
            if let (Ok(task), true) = (Task::from_json(&body), (200..300).contains(&status)) {
                prop_assert_eq!(read_task(answer), Ok(task));
            }
            Ok(())
        },
    );
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
            let _ = validate::base_url(&protocol, &host, validate::Transport::default());
            let _ = validate::api_root(&host);
            let _ = validate::is_loopback_host(&host);
            Ok(())
        },
    );
}

/// Creation parameters: an object whose members the checks read are absent, plausible or random
/// values (lists nested past the limit included), read three ways: as any value, as an object
/// (the struct reading) and member by member (as the wasm reads a JavaScript object). All three
/// give the same verdict and message.
#[test]
fn create_parameters_are_judged_alike_however_they_are_read() {
    use evolink_tasks::create::{check_members, check_object, check_params, Kind};
    use evolink_tasks::loose::Loose;
    use serde::Deserialize;
    const MEMBERS: [&str; 10] = [
        "model",
        "prompt",
        "duration",
        "quality",
        "aspect_ratio",
        "generate_audio",
        "image_urls",
        "video_urls",
        "audio_urls",
        "callback_url",
    ];
    let plausible = prop_oneof![
        prop::sample::select(vec![
            "seedance-2.0-text-to-video",
            "seedance-2.0-fast-reference-to-video",
            "seedance-2.0-image-to-video",
            "720p",
            "1080p",
            "16:9",
            "https://example.com/a.png",
            "http://10.0.0.1/cb",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
        (0u64..20).prop_map(Value::from),
        prop::collection::vec(
            "https://[a-z]{1,4}\\.com/[a-z]{0,3}".prop_map(Value::String),
            0..11
        )
        .prop_map(Value::Array),
        (30usize..36).prop_map(|depth| {
            (0..depth).fold(Value::Null, |inner, _| Value::Array(vec![inner]))
        }),
    ];
    let member = prop_oneof![plausible, json_value()];
    let kind = prop::sample::select(vec![Kind::Video, Kind::Image, Kind::Audio]);
    fuzz(
        "create",
        (
            kind,
            prop::collection::vec((prop::sample::select(MEMBERS.to_vec()), member), 0..8),
        ),
        |(kind, members)| {
            let params = Value::Object(
                members
                    .into_iter()
                    .map(|(name, value)| (name.to_owned(), value))
                    .collect(),
            );
            let Value::Object(map) = &params else {
                unreachable!()
            };
            let any = check_params(kind, &params).map_err(|e| e.message());
            let object = check_object(kind, &params).map_err(|e| e.message());
            let read = |name| map.get(name).map(Loose::deserialize).transpose();
            let one_by_one = check_members(kind, read).map_err(|e| e.message());
            prop_assert_eq!(&any, &object);
            prop_assert_eq!(&any, &one_by_one);
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
            Task::from_json(&text).map_err(|_| Error::Network("x".into()))
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
            Err(Error::Api(Box::new(api_error_of_text(answer))))
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
