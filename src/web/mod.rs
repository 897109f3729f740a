//! The only part of the crate that knows JavaScript (wasm32 only): the client on
//! wasm-bindgen, web-sys, js-sys, wasm-bindgen-futures, serde-wasm-bindgen and gloo-timers.
//!
//! - `sys`: the bindings beyond js-sys and web-sys (the error classes' snippet, the global
//!   object's `fetch`, `document`, `location`);
//! - `fetch`: one request (init object, abort, deadline, 1 MiB body limit);
//! - `scheduler`: per client, one timer for every wait, flights shared per task id, the cap,
//!   the 429 pause, one listener per signal;
//! - `hasher`: the scheduler's maps' hasher (FNV-1a);
//! - `convert`: option objects, answers and errors across the boundary;
//! - `client`: the JavaScript API (`EvoLinkClient`, `parseTaskCallback`, `planPoll`);
//! - `rust`: the same client for Rust web frontends ([`Client`]).

mod client;
mod convert;
mod fetch;
mod hasher;
mod rust;
mod scheduler;
mod sys;

pub use rust::{Client, ClientOptions, WaitOptions};
pub use scheduler::{Observation, OnProgress};

#[global_allocator]
static ALLOCATOR: rlsf::SmallGlobalTlsf = rlsf::SmallGlobalTlsf::new();
