//! # evolink-tasks
//!
//! A client for EvoLink's asynchronous generation tasks (video, image, audio): query a task,
//! wait for it to finish, watch its progress. It compiles to WebAssembly and ships as the npm
//! package `evolink-tasks` for browsers, web workers, Node, Deno and Cloudflare Workers.
//!
//! The crate has two layers:
//!
//! - a sans-IO core that never reads a clock, sends a request or starts a timer, and compiles
//!   and tests natively:
//!   - [`task`]: [`Task`], [`TaskStatus`] and failure codes, read leniently with serde;
//!   - [`loose`]: lenient serde value types (a field of the wrong type reads as absent);
//!   - [`error`]: the one [`Error`] type, its stable codes, retry classification and the
//!     record the JavaScript edge turns into an `Error` subclass;
//!   - [`response`]: an HTTP answer (head and parsed body) turned into a task or an error;
//!   - [`schedule`]: the polling pace, backoff with jitter, `Retry-After`, deadlines;
//!   - [`poller`]: the sans-IO poll state machine and its async driver over an injected
//!     [`Env`];
//!   - [`create`]: creation endpoints, Seedance 2.0 limits and `callback_url` rules;
//!   - [`validate`]: checks on task ids and base URLs, made before any request;
//! - on wasm32, `web` (see [below](crate#the-web-layer)): the client itself, on wasm-bindgen, web-sys,
//!   js-sys, wasm-bindgen-futures, serde-wasm-bindgen and gloo-timers. It is the npm
//!   package's `EvoLinkClient`, and `web::Client` for Rust web frontends.
//!
//! `cargo test` covers the core natively in milliseconds; `tests/web.rs` runs the web layer
//! with `wasm-bindgen-test` in Node and headless Chromium.
//!
//! # The web layer
//!
//! On `wasm32` only, `evolink_tasks::web` holds the client: one request is a web-sys `fetch`
//! with an `AbortController` and a gloo-timers deadline; a wait is plain data in its client's
//! scheduler (one timer for all waits, one request per task id, a cap, the 429 pause); every
//! promise is made from a Rust future. Rust frontends use `web::Client`:
//!
//! ```ignore
//! use evolink_tasks::web::{Client, ClientOptions, WaitOptions};
//!
//! let client = Client::new(ClientOptions { base_url: Some("/evolink".into()), ..Default::default() })?;
//! let done = client
//!     .wait_for_task(&id, WaitOptions {
//!         on_progress: Some(Box::new(|seen| set_progress(seen.task.progress))),
//!         timeout_ms: Some(15 * 60_000),
//!         ..Default::default()
//!     })
//!     .await?;
//! let video_url = &done.task.results()[0];
//! ```
//!
//! # Waiting for a task from Rust
//!
//! Give [`wait`] an [`Env`]: how to send `GET /v1/tasks/{id}` (read the answer with
//! [`response::read_task`]), how to sleep, a clock and a random source. This one answers from
//! a script and sleeps in virtual time, as the crate's own tests do:
//!
//! ```
//! use std::cell::{Cell, RefCell};
//! use evolink_tasks::response::{read_task, Answer};
//! use evolink_tasks::{wait, Env, Error, Policy, Task};
//!
//! struct Scripted {
//!     bodies: RefCell<Vec<&'static str>>,
//!     now: Cell<f64>,
//! }
//!
//! impl Env for Scripted {
//!     fn now_ms(&self) -> f64 {
//!         self.now.get()
//!     }
//!     fn random(&self) -> f64 {
//!         0.5
//!     }
//!     async fn fetch_task(&self, _id: &str, _timeout_ms: u64) -> Result<Task, Error> {
//!         let body = self.bodies.borrow_mut().remove(0);
//!         read_task(Answer { status: 200, status_text: "OK", retry_after: None, body })
//!     }
//!     async fn sleep(&self, ms: u64) {
//!         self.now.set(self.now.get() + ms as f64);
//!     }
//! }
//!
//! let env = Scripted {
//!     bodies: RefCell::new(vec![
//!         r#"{"id":"task-1","status":"processing","progress":40,"task_info":{"estimated_time":30}}"#,
//!         r#"{"id":"task-1","status":"completed","progress":100,"results":["https://…/v.mp4"]}"#,
//!     ]),
//!     now: Cell::new(0.0),
//! };
//! let mut seen = Vec::new();
//! let task = pollster::block_on(wait(env, "task-1".into(), Policy::default(), |t| {
//!     seen.push(t.progress)
//! }))?;
//! assert_eq!(task.results(), ["https://…/v.mp4"]);
//! assert_eq!(seen, [Some(40), Some(100)]);
//! # Ok::<(), Error>(())
//! ```

pub mod create;
pub mod error;
pub mod loose;
pub mod poller;
pub mod response;
pub mod schedule;
pub mod task;
pub mod validate;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::{ApiError, ArgumentKind, Error};
pub use poller::{wait, Env, Watch};
pub use schedule::Policy;
pub use task::{FailureKind, Task, TaskError, TaskStatus};
