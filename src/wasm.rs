//! The wasm module's exports: [`crate::boundary`] behind a C ABI that `src/js/core.js` calls,
//! plus the allocator and the panic handler of a `no_std` build.
//!
//! No bindings generator: the boundary trades only numbers and strings, and doing that by hand
//! takes less code on both sides than any generated glue. The conventions:
//!
//! - A string goes in as `(ptr, len)`: UTF-8 bytes the shell wrote into memory it got from
//!   [`alloc()`]. The call takes them over and frees them. `ptr == 0` means "no string".
//! - A string comes out as its length in bytes (`-1` for none); the bytes stay at [`output()`]
//!   until the next call.
//! - A wait is a pointer to a boxed [`Wait`], from `wait_new` until `wait_free`.
//!
//! This is the crate's only `unsafe` code: each block relies on the shell keeping these rules,
//! and on wasm32 having a single thread.

#![allow(unsafe_code)]
// The exports take raw pointers without being `unsafe fn`: their one caller is the shell, which
// keeps the rules above (a JavaScript caller could not honour an `unsafe` marker anyway).
#![allow(clippy::not_unsafe_ptr_arg_deref)]

use alloc::alloc::{alloc as allocate, dealloc, Layout};
use alloc::boxed::Box;
use alloc::string::String;
use core::cell::UnsafeCell;

use crate::boundary::{self, Wait};

/// The allocator: TLSF, constant-time and about 1 KB of code (dlmalloc is about 7 KB).
#[global_allocator]
static ALLOCATOR: rlsf::SmallGlobalTlsf = rlsf::SmallGlobalTlsf::new();

/// A panic cannot happen on a checked path (the lints forbid `unwrap`, indexing and the like);
/// should one happen anyway, the wasm traps and the shell's call throws. Ignoring the message
/// keeps `core::fmt` out of the binary.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// `len` bytes for the shell to write a string into; null when memory is exhausted.
#[no_mangle]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    match Layout::from_size_align(len, 1) {
        Ok(_) if len == 0 => core::ptr::NonNull::dangling().as_ptr(),
        // SAFETY: the layout has a non-zero size.
        Ok(layout) => unsafe { allocate(layout) },
        Err(_) => core::ptr::null_mut(),
    }
}

/// A string handed in by the shell, freed when dropped.
struct Input {
    ptr: *mut u8,
    len: usize,
}

impl Input {
    /// The string, or `None` for a null pointer.
    fn get(&self) -> Option<&str> {
        if self.ptr.is_null() {
            return None;
        }
        // SAFETY: the shell wrote `len` bytes of UTF-8 (from `TextEncoder`) at `ptr`, which
        // `alloc` returned, and does not touch them until this input is dropped.
        Some(unsafe {
            core::str::from_utf8_unchecked(core::slice::from_raw_parts(self.ptr, self.len))
        })
    }

    /// The string, or `""` for a null pointer.
    fn text(&self) -> &str {
        self.get().unwrap_or("")
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        if !self.ptr.is_null() && self.len > 0 {
            // SAFETY: `alloc(len)` returned `ptr` with this layout, and nothing else frees it.
            unsafe { dealloc(self.ptr, Layout::from_size_align_unchecked(self.len, 1)) }
        }
    }
}

fn input(ptr: *mut u8, len: usize) -> Input {
    Input { ptr, len }
}

/// The last string a call returned, until the next call.
struct Output(UnsafeCell<String>);

// SAFETY: wasm32 without threads: one call at a time.
unsafe impl Sync for Output {}

static OUTPUT: Output = Output(UnsafeCell::new(String::new()));

/// Keeps `text` at [`output`] and returns its length, or -1 for none.
fn put(text: Option<String>) -> i32 {
    let Some(text) = text else { return -1 };
    let len = text.len() as i32;
    // SAFETY: single-threaded, and no reference into OUTPUT outlives a call.
    unsafe { *OUTPUT.0.get() = text };
    len
}

/// Where the last string returned lies.
#[no_mangle]
pub extern "C" fn output() -> *const u8 {
    // SAFETY: as in `put`.
    unsafe { (*OUTPUT.0.get()).as_ptr() }
}

/// Runs a check of two strings: the length of its error record, or -1.
fn check(a: Input, b: Input, check: fn(&str, &str) -> Option<String>) -> i32 {
    put(check(a.text(), b.text()))
}

/// See [`boundary::read_answer`].
#[no_mangle]
pub extern "C" fn read_answer(
    status: u32,
    status_text: *mut u8,
    status_text_len: usize,
    retry_after: *mut u8,
    retry_after_len: usize,
    body: *mut u8,
    body_len: usize,
) -> i32 {
    let (status_text, retry_after, body) = (
        input(status_text, status_text_len),
        input(retry_after, retry_after_len),
        input(body, body_len),
    );
    put(boundary::read_answer(
        status as u16,
        status_text.text(),
        retry_after.get(),
        body.get(),
    ))
}

/// See [`boundary::read_callback`].
#[no_mangle]
pub extern "C" fn read_callback(body: *mut u8, body_len: usize) -> i32 {
    put(boundary::read_callback(input(body, body_len).get()))
}

/// See [`boundary::check_task_id`].
#[no_mangle]
pub extern "C" fn check_task_id(id: *mut u8, id_len: usize) -> i32 {
    put(boundary::check_task_id(input(id, id_len).text()))
}

/// See [`boundary::check_base_url`].
#[no_mangle]
pub extern "C" fn check_base_url(
    protocol: *mut u8,
    protocol_len: usize,
    hostname: *mut u8,
    hostname_len: usize,
) -> i32 {
    check(
        input(protocol, protocol_len),
        input(hostname, hostname_len),
        boundary::check_base_url,
    )
}

/// See [`boundary::create_path`].
#[no_mangle]
pub extern "C" fn create_path(kind: *mut u8, kind_len: usize) -> i32 {
    put(Some(boundary::create_path(input(kind, kind_len).text())))
}

/// See [`boundary::check_create`].
#[no_mangle]
pub extern "C" fn check_create(
    kind: *mut u8,
    kind_len: usize,
    params: *mut u8,
    params_len: usize,
) -> i32 {
    check(
        input(kind, kind_len),
        input(params, params_len),
        boundary::check_create,
    )
}

/// See [`boundary::check_callback_url`].
#[no_mangle]
pub extern "C" fn check_callback_url(
    protocol: *mut u8,
    protocol_len: usize,
    hostname: *mut u8,
    hostname_len: usize,
) -> i32 {
    check(
        input(protocol, protocol_len),
        input(hostname, hostname_len),
        boundary::check_callback_url,
    )
}

/// See [`boundary::create_retry`].
#[no_mangle]
pub extern "C" fn create_retry(
    failures: u32,
    max_retries: u32,
    status: u32,
    retry_after: *mut u8,
    retry_after_len: usize,
    unsent: bool,
    now: f64,
    random: f64,
) -> f64 {
    let retry_after = input(retry_after, retry_after_len);
    boundary::create_retry(
        failures,
        max_retries,
        status as u16,
        retry_after.get(),
        unsent,
        now,
        random,
    )
}

/// A new wait; see [`Wait::new`]. Freed by `wait_free`.
#[no_mangle]
pub extern "C" fn wait_new(
    interval_ms: f64,
    min_interval_ms: f64,
    max_interval_ms: f64,
    timeout_ms: f64,
    max_retries: u32,
    request_timeout_ms: f64,
    now: f64,
) -> *mut Wait {
    Box::into_raw(Box::new(Wait::new(
        interval_ms,
        min_interval_ms,
        max_interval_ms,
        timeout_ms,
        max_retries,
        request_timeout_ms,
        now,
    )))
}

/// The wait behind a pointer from `wait_new`.
fn wait<'a>(wait: *mut Wait) -> &'a mut Wait {
    // SAFETY: the shell passes only pointers from `wait_new` that it has not freed, and holds
    // no other reference while a call runs.
    unsafe { &mut *wait }
}

/// Frees a wait.
#[no_mangle]
pub extern "C" fn wait_free(wait: *mut Wait) {
    // SAFETY: `wait` came from `wait_new` and the shell frees it once.
    drop(unsafe { Box::from_raw(wait) });
}

/// See [`Wait::seed`].
#[no_mangle]
pub extern "C" fn wait_seed(w: *mut Wait, body: *mut u8, body_len: usize, now: f64) -> u32 {
    wait(w).seed(input(body, body_len).text(), now).into()
}

/// See [`Wait::next`].
#[no_mangle]
pub extern "C" fn wait_next(w: *mut Wait, now: f64, paused_until: f64) -> u32 {
    wait(w).next(now, paused_until).into()
}

/// See [`Wait::answer`].
#[no_mangle]
pub extern "C" fn wait_answer(
    w: *mut Wait,
    status: u32,
    status_text: *mut u8,
    status_text_len: usize,
    retry_after: *mut u8,
    retry_after_len: usize,
    body: *mut u8,
    body_len: usize,
    now: f64,
    random: f64,
) -> u32 {
    let (status_text, retry_after, body) = (
        input(status_text, status_text_len),
        input(retry_after, retry_after_len),
        input(body, body_len),
    );
    wait(w)
        .answer(
            status as u16,
            status_text.text(),
            retry_after.get(),
            body.get(),
            now,
            random,
        )
        .into()
}

/// See [`Wait::failure`].
#[no_mangle]
pub extern "C" fn wait_failure(
    w: *mut Wait,
    message: *mut u8,
    message_len: usize,
    now: f64,
    random: f64,
) -> u32 {
    wait(w)
        .failure(input(message, message_len).text(), now, random)
        .into()
}

/// See [`Wait::ms`].
#[no_mangle]
pub extern "C" fn wait_ms(w: *mut Wait) -> f64 {
    wait(w).ms()
}

/// See [`Wait::hidden_ms`].
#[no_mangle]
pub extern "C" fn wait_hidden_ms(w: *mut Wait, now: f64) -> f64 {
    wait(w).hidden_ms(now)
}

/// See [`Wait::reported`].
#[no_mangle]
pub extern "C" fn wait_reported(w: *mut Wait) -> bool {
    wait(w).reported()
}

/// See [`Wait::pause_until`].
#[no_mangle]
pub extern "C" fn wait_pause_until(w: *mut Wait) -> f64 {
    wait(w).pause_until()
}

/// See [`Wait::error`].
#[no_mangle]
pub extern "C" fn wait_error(w: *mut Wait) -> i32 {
    put(wait(w).error())
}
