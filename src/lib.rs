//! # evolink-tasks
//!
//! A client for EvoLink's asynchronous generation tasks (video, image, audio): query a task,
//! wait for it to finish, watch its progress. It compiles to WebAssembly and ships as the npm
//! package `evolink-tasks` for browsers, web workers, Node, Deno and Cloudflare Workers.
//!
//! The crate is a sans-IO core: it never reads a clock, sends a request or starts a timer. The
//! npm package's JavaScript shell (`src/js/`) does the I/O and asks the core, through the
//! synchronous functions of [`boundary`], what each answer means and what to do next. Rust
//! programs drive the same core with [`Watch`] or [`wait`] over their own [`Env`].
//!
//! - [`boundary`]: what the JavaScript shell asks the core, over numbers and strings;
//! - [`create`]: creation endpoints, Seedance 2.0 limits and `callback_url` rules;
//! - [`json`]: a small strict JSON reader (no `serde_json` in the shipped wasm);
//! - [`task`]: [`Task`], [`TaskStatus`] and failure codes, read leniently;
//! - [`error`]: the one [`Error`] type, its stable codes and retry classification;
//! - [`response`]: an HTTP answer turned into a task or an error;
//! - [`schedule`]: the polling pace, backoff with jitter, `Retry-After`, deadlines;
//! - [`poller`]: the sans-IO poll state machine and its async driver over an injected [`Env`];
//! - [`validate`]: checks on task ids and base URLs, made before any request;
//! - `wasm` (wasm32, feature `npm`): `boundary` exported over a C ABI, the allocator, the
//!   panic handler.
//!
//! Everything but `wasm` runs natively, so `cargo test` covers the logic in milliseconds.
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
