//! The JavaScript edge: the only part of the crate that knows about JavaScript.
//!
//! - [`sys`]: every `extern` binding (global `fetch`, timers, `AbortSignal`, `URL`, the JS glue);
//! - [`event`]: abort signals as Rust futures that clean up when dropped, and `race`;
//! - [`fetch`]: the transport, one request with a timeout and an abort guard;
//! - [`scheduler`]: what every wait of a client shares: one timer, one request per task id,
//!   a cap on requests in flight, the pace of a hidden page;
//! - [`convert`]: values, tasks and errors across the boundary, option objects checked;
//! - [`client`]: the Rust-facing [`Client`](client::Client) for wasm frontends;
//! - [`exports`]: the exported JavaScript API (`EvoLinkClient`, `watchTask`'s iterator);
//! - `types`: the TypeScript declarations of that API.

pub mod client;
pub mod convert;
pub mod event;
pub mod exports;
pub mod fetch;
pub mod scheduler;
pub mod sys;
mod types;
