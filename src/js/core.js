// The wasm core, as JavaScript functions: strings are copied into its memory and back, under
// the conventions of src/wasm.rs. Each entry (src/js/entries/) calls `init` with the compiled
// module before anything else runs.

let exports;
let bytes = new Uint8Array(0); // a view of the wasm memory, renewed when the memory grows
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Instantiates the compiled core (a `WebAssembly.Module`); it imports nothing. */
export function init(module) {
  exports = new WebAssembly.Instance(module, {}).exports;
}

function memory() {
  if (bytes.buffer !== exports.memory.buffer) bytes = new Uint8Array(exports.memory.buffer);
  return bytes;
}

/**
 * Copies `text` into the core's memory: pushes its pointer and length onto `args`, for the
 * core to take over. `undefined` becomes a null pointer.
 */
function pass(args, text) {
  if (text === undefined) {
    args.push(0, 0);
    return args;
  }
  const utf8 = encoder.encode(text);
  const ptr = exports.alloc(utf8.length);
  if (ptr === 0) throw new RangeError('evolink-tasks: out of memory');
  memory().set(utf8, ptr);
  args.push(ptr, utf8.length);
  return args;
}

/** The string a call returned (its length; -1 for none), or undefined. */
function take(len) {
  if (len < 0) return undefined;
  const ptr = exports.output();
  return decoder.decode(memory().subarray(ptr, ptr + len));
}

/** Calls export `name` with `strings`: returns its string result. */
const call = (name, strings) => take(exports[name](...strings.reduce(pass, [])));

// What the core checks and reads: each returns an error record (see src/js/errors.js), or
// undefined when all is well.
export const readAnswer = (status, statusText, retryAfter, body) =>
  take(exports.read_answer(status, ...[statusText, retryAfter, body].reduce(pass, [])));
export const readCallback = (body) => call('read_callback', [body]);
export const checkTaskId = (id) => call('check_task_id', [id]);
export const checkBaseUrl = (protocol, hostname) => call('check_base_url', [protocol, hostname]);
export const checkCreate = (kind, params) => call('check_create', [kind, params]);
export const checkCallbackUrl = (protocol, hostname) => call('check_callback_url', [protocol, hostname]);

/** The creation endpoint's path for `kind` (`video`, `image`, `audio`). */
export const createPath = (kind) => call('create_path', [kind]);

/** The pause before repeating a create, or -1 to give up (see `create::retry_delay`). */
export const createRetry = (failures, maxRetries, status, retryAfter, unsent, now, random) =>
  exports.create_retry(failures, maxRetries, status, ...pass([], retryAfter), unsent, now, random);

// A wait the shell dropped without `free()` (an abandoned `watchTask` iterator) is freed when
// collected.
const unfreed = new FinalizationRegistry((ptr) => exports.wait_free(ptr));

/**
 * One wait on one task (`boundary::Wait`): each method returns the next step (FETCH, WAIT,
 * DONE or FAIL); `ms`, `reported`, `pauseUntil` and `error()` describe it. Call `free()` once
 * done. Options left out are passed as undefined (NaN to the core).
 */
export class Wait {
  constructor(intervalMs, minIntervalMs, maxIntervalMs, timeoutMs, maxRetries, requestTimeoutMs, now) {
    this.ptr = exports.wait_new(intervalMs, minIntervalMs, maxIntervalMs, timeoutMs, maxRetries,
      requestTimeoutMs, now);
    unfreed.register(this, this.ptr, this);
  }

  seed(body, now) {
    return exports.wait_seed(this.ptr, ...pass([], body), now);
  }

  next(now, pausedUntil) {
    return exports.wait_next(this.ptr, now, pausedUntil);
  }

  answer(status, statusText, retryAfter, body, now, random) {
    const strings = [statusText, retryAfter, body].reduce(pass, []);
    return exports.wait_answer(this.ptr, status, ...strings, now, random);
  }

  failure(message, now, random) {
    return exports.wait_failure(this.ptr, ...pass([], message), now, random);
  }

  get ms() {
    return exports.wait_ms(this.ptr);
  }

  /** The pause instead of `ms` while the page is hidden. */
  hiddenMs(now) {
    return exports.wait_hidden_ms(this.ptr, now);
  }

  get reported() {
    return exports.wait_reported(this.ptr) !== 0;
  }

  get pauseUntil() {
    return exports.wait_pause_until(this.ptr);
  }

  error() {
    return take(exports.wait_error(this.ptr));
  }

  free() {
    if (this.ptr === 0) return;
    unfreed.unregister(this);
    exports.wait_free(this.ptr);
    this.ptr = 0;
  }
}
