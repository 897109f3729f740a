// The JavaScript API: `EvoLinkClient` and `parseTaskCallback`.
//
// This shell does the I/O (fetch, timers, abort signals) and reads option objects; the wasm
// core (`core`, see src/js/core.js and src/boundary.rs) checks ids and parameters, reads every answer, and decides
// what a wait does next. Methods check their arguments inside the promise they return, so bad
// input rejects with a `TypeError`/`RangeError` before any request is sent.

import * as core from './core.js';
import { InvalidResponseError, NetworkError, check, fromRecord } from './errors.js';
import { Scheduler } from './scheduler.js';
import { MAX_BODY_BYTES, readText, send } from './transport.js';

const DEFAULT_BASE_URL = 'https://api.evolink.ai';
const DEFAULT_MAX_INTERVAL_MS = 30_000;

// The step codes of `core.Wait` (src/boundary.rs, mod code).
const FETCH = 0;
const WAIT = 1;
const DONE = 2;

const CLIENT_OPTIONS = ['apiKey', 'baseUrl', 'headers', 'fetch', 'requestTimeoutMs', 'maxRetries',
  'maxConcurrentRequests'];
const REQUEST_OPTIONS = ['signal'];
const WATCH_OPTIONS = ['signal', 'timeoutMs', 'intervalMs', 'minIntervalMs', 'maxIntervalMs'];
const WAIT_OPTIONS = ['onProgress', ...WATCH_OPTIONS];

// ---- Reading arguments ----

/** Options of `what`: absent, undefined and null mean none; else a plain object of known keys. */
function options(value, what, allowed) {
  if (value === undefined || value === null) return { what };
  if (typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`${what} must be an object`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${what}: unknown option "${key}" (known options: ${allowed.join(', ')})`);
    }
  }
  return { ...value, what };
}

function optional(o, key, type, expected) {
  const value = o[key];
  if (value !== undefined && typeof value !== type) throw new TypeError(`${o.what}: "${key}" must be ${expected}`);
  return value;
}

/** A whole number from `min` to 2^53 − 1 (rounded), or undefined. */
function whole(o, key, min) {
  const n = optional(o, key, 'number', 'a number');
  if (n === undefined) return undefined;
  if (!(n >= min && n <= Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`${o.what}: "${key}" must be a finite number of at least ${min}`);
  }
  return Math.round(n);
}

function signalOf(o) {
  const signal = o.signal;
  if (signal !== undefined && typeof signal?.addEventListener !== 'function') {
    throw new TypeError(`${o.what}: "signal" must be an AbortSignal`);
  }
  return signal;
}

function headersOf(o) {
  const headers = o.headers;
  if (headers === undefined) return {};
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new TypeError(`${o.what}: "headers" must be an object of header names and string values`);
  }
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') throw new TypeError(`${o.what}: header "${name}" must be a string`);
  }
  return headers;
}

/** The pace and deadline of a wait. */
function paceOf(o) {
  const pace = {
    intervalMs: whole(o, 'intervalMs', 1),
    minIntervalMs: whole(o, 'minIntervalMs', 1),
    maxIntervalMs: whole(o, 'maxIntervalMs', 1),
    timeoutMs: whole(o, 'timeoutMs', 1),
  };
  if (pace.minIntervalMs > pace.maxIntervalMs) {
    throw new RangeError('"minIntervalMs" must not be larger than "maxIntervalMs"');
  }
  return pace;
}

function taskId(id) {
  if (typeof id !== 'string') throw new TypeError('task id must be a string');
  check(core.checkTaskId(id));
  return id;
}

const parseUrl = (url, base) => {
  try {
    return new URL(url, base);
  } catch {
    return undefined;
  }
};

/** The base URL, resolved against the page when relative, without a trailing slash. */
function baseUrlOf(base) {
  let url = parseUrl(base);
  if (url) {
    check(core.checkBaseUrl(url.protocol, url.hostname));
  } else {
    const page = globalThis.location?.href;
    if (typeof page !== 'string') {
      throw new TypeError('baseUrl is not an absolute URL, and this runtime has no page location to resolve it against');
    }
    url = parseUrl(base, page);
    if (!url) throw new TypeError('baseUrl is not a valid URL');
  }
  if (url.username || url.password) throw new TypeError('baseUrl must not contain a user name or password');
  if (url.search || url.hash) throw new TypeError('baseUrl must not have a query string or a fragment');
  return url.href.replace(/\/+$/, '');
}

/** Creation parameters as JSON text: a plain object that `JSON.stringify` accepts. */
function paramsJson(params) {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new TypeError('create parameters must be an object');
  }
  let json;
  try {
    json = JSON.stringify(params);
  } catch {
    json = undefined;
  }
  if (typeof json !== 'string') throw new TypeError('create parameters must be JSON-serialisable');
  return json;
}

// ---- Cancellation ----

/** The reason an aborted signal rejects with (an `AbortError` where the runtime gives none). */
function abortReason(signal) {
  const reason = signal.reason;
  if (reason !== undefined) return reason;
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  return error;
}

/** Why a poll was stopped without an error: its wait settled, or its iterator was closed. */
const ENDED = Symbol('ended');

/**
 * The lifetime of a one-off call (get, create, confirm): its caller's signal (one listener,
 * removed by `end`) and the one step it is waiting on, undone when the signal aborts.
 */
class Call {
  constructor(signal) {
    this.signal = signal;
    this.reason = undefined;
    this.pending = null;
    if (signal !== undefined) {
      if (signal.aborted) throw abortReason(signal);
      this.onAbort = () => this.stop(abortReason(signal));
      signal.addEventListener('abort', this.onAbort);
    }
  }

  /**
   * Runs `start(resolve, reject)`, which begins a step and returns how to undo it; settles as
   * the step does, or rejects at once (undoing the step) when the call is stopped first.
   */
  step(start) {
    return new Promise((resolve, reject) => {
      if (this.reason !== undefined) return reject(this.reason);
      const pending = { reject, undo: undefined };
      this.pending = pending;
      const settle = (then) => (value) => {
        if (this.pending === pending) this.pending = null;
        then(value);
      };
      pending.undo = start(settle(resolve), settle(reject));
    });
  }

  stop(reason) {
    if (this.reason !== undefined) return;
    this.reason = reason;
    const pending = this.pending;
    this.pending = null;
    if (pending) {
      pending.undo();
      pending.reject(reason);
    }
  }

  end() {
    if (this.onAbort) this.signal.removeEventListener('abort', this.onAbort);
  }
}

/** Runs `work(call)` for a caller's `signal`, removing the listener when it settles. */
async function run(signal, work) {
  const call = new Call(signal);
  try {
    return await work(call);
  } finally {
    call.end();
  }
}

/** `JSON.parse`, for a body the core has already read as JSON. */
function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidResponseError('The body is not JSON');
  }
}

// ---- Polling ----

/**
 * One wait on one task: the core's `Wait` decides each step, this carries it out. A poll is its
 * own timer target (`wake`), request sender (`send`) and request waiter (`deliver`), so a task
 * waiting costs a few small objects, not a chain of promises and closures.
 *
 * It runs in one of two ways: `all(onProgress)` runs it to the end, calling `onProgress` with
 * each change (`waitForTask`); `next()` runs it until the next change (`watchTask`).
 */
class Poll {
  constructor(context, id, pace, signal, created) {
    if (signal?.aborted) throw abortReason(signal);
    this.context = context;
    this.id = id;
    this.hiddenMs = pace.maxIntervalMs ?? DEFAULT_MAX_INTERVAL_MS;
    this.wait = new core.Wait(pace.intervalMs, pace.minIntervalMs, pace.maxIntervalMs, pace.timeoutMs,
      context.maxRetries, context.requestTimeoutMs, Date.now());
    this.step = created === undefined
      ? this.wait.next(Date.now(), context.scheduler.pausedUntil)
      : this.wait.seed(created, Date.now());
    this.timer = null; // the pause in progress
    this.flight = null; // the request in progress
    this.cause = undefined; // what fetch threw last, for NetworkError.cause
    this.resolve = null; // the pending `all()` or `next()`
    this.reject = null;
    this.onProgress = undefined; // with `all()`: called with each change
    this.running = false; // true with `all()`: a change does not stop the poll
    this.stopped = undefined; // why it ended, once it has
    this.signal = signal;
    if (signal !== undefined) {
      this.onAbort = () => this.stop(abortReason(signal));
      signal.addEventListener('abort', this.onAbort);
    }
  }

  /** Runs to the end: resolves with the completed task, or rejects with the error. */
  all(onProgress) {
    this.onProgress = onProgress;
    this.running = true;
    return this.next();
  }

  /**
   * The next changed observation, or undefined once the task has completed; rejects with the
   * error the wait ends with (once; then undefined).
   */
  next() {
    return new Promise((resolve, reject) => {
      if (this.stopped !== undefined) {
        const reason = this.stopped;
        this.stopped = ENDED;
        return reason === ENDED ? resolve(undefined) : reject(reason);
      }
      this.resolve = resolve;
      this.reject = reject;
      this.run();
    });
  }

  /** Carries out the current step: a request, a pause, or the end. */
  run() {
    const scheduler = this.context.scheduler;
    if (this.step === FETCH) {
      this.flight = scheduler.share(this.id, this);
    } else if (this.step === WAIT) {
      const ms = scheduler.hidden ? Math.max(this.wait.ms, this.hiddenMs) : this.wait.ms;
      this.timer = scheduler.sleep(ms, this, true);
    } else if (this.step === DONE) {
      this.end(ENDED);
    } else {
      this.end(fromRecord(this.wait.error(), this.cause));
    }
  }

  /** The pause is over. */
  wake() {
    this.timer = null;
    this.step = this.wait.next(Date.now(), this.context.scheduler.pausedUntil);
    this.run();
  }

  /** Sends the GET for a flight this poll started. */
  send(controller) {
    const { base, scheduler, fetch, headers } = this.context;
    const url = `${base}/v1/tasks/${encodeURIComponent(this.id)}`;
    return send(scheduler, fetch, url, { method: 'GET', headers }, this.wait.ms, controller);
  }

  /** The answer to the GET. */
  deliver(answer) {
    this.flight = null;
    const wait = this.wait;
    if (answer.status === 0) {
      this.cause = answer.cause;
      this.step = wait.failure(answer.message, Date.now(), Math.random());
      return this.run();
    }
    this.step = wait.answer(answer.status, answer.statusText, answer.retryAfter, answer.body ?? undefined,
      Date.now(), Math.random());
    if (wait.pauseUntil > 0) this.context.scheduler.pause(wait.pauseUntil);
    if (!wait.reported) return this.run();
    let task;
    try {
      task = parse(answer.body);
      if (!this.running) {
        const resolve = this.resolve;
        this.resolve = this.reject = null;
        return resolve(task);
      }
      const onProgress = this.onProgress; // called unbound: it must not see this poll
      if (onProgress !== undefined) onProgress(task);
    } catch (error) {
      return this.end(error); // a throwing onProgress ends the wait with what it threw
    }
    // A completed task is always a change: the end of `all()` resolves with it.
    if (this.step === DONE) this.end(ENDED, task);
    else this.run();
  }

  /** Stops the poll with `reason` (or ENDED): the step in progress is undone. */
  stop(reason) {
    const scheduler = this.context.scheduler;
    if (this.timer !== null) scheduler.cancel(this.timer);
    if (this.flight !== null) scheduler.leave(this.flight, this);
    this.timer = this.flight = null;
    this.end(reason);
  }

  /** Ends the poll once: frees the core's wait, settles a pending `all()` or `next()`. */
  end(reason, task) {
    if (this.stopped !== undefined) return;
    this.stopped = reason;
    this.wait.free();
    if (this.onAbort) this.signal.removeEventListener('abort', this.onAbort);
    const { resolve, reject } = this;
    this.resolve = this.reject = null;
    if (resolve !== null) {
      this.stopped = ENDED;
      if (reason === ENDED) resolve(task);
      else reject(reason);
    }
  }
}

// ---- The client ----

/** A client for EvoLink's task API. */
export class EvoLinkClient {
  static name = 'EvoLinkClient'; // kept through minifiers

  /** What requests and polls share: `{ base, headers, fetch, requestTimeoutMs, maxRetries, scheduler }`. */
  #context;

  /** Creates a client. Throws a `TypeError`/`RangeError` for bad options. */
  constructor(value) {
    const o = options(value, 'EvoLinkClient options', CLIENT_OPTIONS);
    const apiKey = optional(o, 'apiKey', 'string', 'a string');
    const baseUrl = optional(o, 'baseUrl', 'string', 'a string');
    const extra = headersOf(o);
    const fetch = optional(o, 'fetch', 'function', 'a function') ?? globalThis.fetch;
    const requestTimeoutMs = whole(o, 'requestTimeoutMs', 1) ?? 30_000;
    const maxRetries = Math.min(whole(o, 'maxRetries', 0) ?? 3, 2 ** 32 - 1);
    const maxInFlight = Math.min(whole(o, 'maxConcurrentRequests', 1) ?? 6, 2 ** 20);
    const base = baseUrlOf(baseUrl ?? DEFAULT_BASE_URL);
    if (typeof fetch !== 'function') {
      throw new TypeError('this runtime has no global fetch; pass one as the fetch option');
    }
    const headers = { accept: 'application/json', ...extra };
    if (apiKey !== undefined) {
      for (const name of Object.keys(headers)) {
        if (name.toLowerCase() === 'authorization') delete headers[name];
      }
      headers.authorization = `Bearer ${apiKey}`;
    }
    this.#context = { base, headers, fetch, requestTimeoutMs, maxRetries, scheduler: new Scheduler(maxInFlight) };
  }

  /** The resolved base URL. */
  get baseUrl() {
    return this.#context.base;
  }

  /** Fetches a task once: `GET /v1/tasks/{id}`. */
  async getTask(id, value) {
    const o = options(value, 'getTask options', REQUEST_OPTIONS);
    const signal = signalOf(o);
    taskId(id);
    return run(signal, (call) => this.#fetchOnce(id, call));
  }

  /** Polls a task until it ends and resolves with the completed task. */
  async waitForTask(id, value) {
    const o = options(value, 'waitForTask options', WAIT_OPTIONS);
    const onProgress = optional(o, 'onProgress', 'function', 'a function');
    const signal = signalOf(o);
    const pace = paceOf(o);
    taskId(id);
    return new Poll(this.#context, id, pace, signal).all(onProgress);
  }

  /** The observations of a task, one per change, as an async iterable. */
  watchTask(id, value) {
    const o = options(value, 'watchTask options', WATCH_OPTIONS);
    const signal = signalOf(o);
    const pace = paceOf(o);
    taskId(id);
    const context = this.#context;
    let poll;
    let closed = false;
    const step = () => {
      if (closed) return DONE_RESULT;
      poll ??= new Poll(context, id, pace, signal);
      return poll.next().then((task) => (task === undefined ? DONE_RESULT : { done: false, value: task }));
    };
    // Calls to next() are chained, so an impatient caller still sees every change in order.
    let queue = Promise.resolve();
    return {
      next() {
        const result = queue.then(step);
        queue = result.catch(() => {});
        return result;
      },
      return(value) {
        closed = true;
        poll?.stop(ENDED);
        return Promise.resolve({ done: true, value });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Creates a video task (`POST /v1/videos/generations`) and resolves with the pending task. */
  createVideo(params, value) {
    return this.#createCall('video', params, value);
  }

  /** Creates an image task (`POST /v1/images/generations`) and resolves with the pending task. */
  createImage(params, value) {
    return this.#createCall('image', params, value);
  }

  /** Creates an audio task (`POST /v1/audios/generations`) and resolves with the pending task. */
  createAudio(params, value) {
    return this.#createCall('audio', params, value);
  }

  /**
   * Creates a video task and waits for it: `createVideo` then `waitForTask` in one call.
   * `onProgress` sees the created task first.
   */
  async generateVideo(params, value) {
    const o = options(value, 'generateVideo options', WAIT_OPTIONS);
    const onProgress = optional(o, 'onProgress', 'function', 'a function');
    const signal = signalOf(o);
    const pace = paceOf(o);
    const body = paramsJson(params);
    const created = await run(signal, (call) => this.#create('video', params, body, call));
    const task = parse(created);
    onProgress?.(task);
    return new Poll(this.#context, task.id, pace, signal, created).all(onProgress);
  }

  /**
   * Confirms a callback: reads its body (see `parseTaskCallback`) and resolves with the task
   * as `GET /v1/tasks/{id}` returns it now. A callback is unsigned: trust only this answer.
   */
  async confirmCallback(body, value) {
    const o = options(value, 'confirmCallback options', REQUEST_OPTIONS);
    const signal = signalOf(o);
    return run(signal, async (call) => {
      const hinted = await call.step((resolve, reject) => {
        readCallback(body).then(resolve, reject);
        return () => {};
      });
      return this.#fetchOnce(hinted.id, call);
    });
  }

  async #createCall(kind, params, value) {
    const o = options(value, 'create options', REQUEST_OPTIONS);
    const signal = signalOf(o);
    const body = paramsJson(params);
    return run(signal, async (call) => parse(await this.#create(kind, params, body, call)));
  }

  /** One GET of task `id` (shared with the polls asking for it now), as a task or an error. */
  async #fetchOnce(id, call) {
    const { base, scheduler, fetch, headers, requestTimeoutMs } = this.#context;
    const url = `${base}/v1/tasks/${encodeURIComponent(id)}`;
    const answer = await call.step((resolve) => {
      const waiter = {
        send: (controller) => send(scheduler, fetch, url, { method: 'GET', headers }, requestTimeoutMs, controller),
        deliver: resolve,
      };
      const flight = scheduler.share(id, waiter);
      return () => scheduler.leave(flight, waiter);
    });
    if (answer.status === 0) throw new NetworkError(answer.message, answer.cause);
    check(core.readAnswer(answer.status, answer.statusText, answer.retryAfter, answer.body ?? undefined));
    return parse(answer.body);
  }

  /**
   * Creates a task and resolves with its JSON text. Repeated only after a 429 or when fetch
   * threw before sending: a task is never created twice.
   */
  async #create(kind, params, body, call) {
    check(core.checkCreate(kind, body));
    const callbackUrl = params.callback_url;
    if (typeof callbackUrl === 'string') {
      const url = parseUrl(callbackUrl);
      if (!url) throw new TypeError('"callback_url" is not a valid URL');
      check(core.checkCallbackUrl(url.protocol, url.hostname));
    }
    const { base, scheduler, fetch, requestTimeoutMs, maxRetries } = this.#context;
    const url = base + core.createPath(kind);
    const headers = { ...this.#context.headers, 'content-type': 'application/json' };
    const sender = {
      send: (controller) => send(scheduler, fetch, url, { method: 'POST', headers, body }, requestTimeoutMs, controller),
    };
    const sleep = (ms) => call.step((resolve) => {
      const timer = scheduler.sleep(ms, { wake: resolve });
      return () => scheduler.cancel(timer);
    });
    for (let failures = 1; ; failures++) {
      const paused = scheduler.pausedUntil - Date.now();
      if (paused > 0) await sleep(Math.ceil(paused));
      const answer = await call.step((resolve) => {
        const waiter = { deliver: resolve };
        const flight = scheduler.request(sender, undefined, waiter);
        return () => scheduler.leave(flight, waiter);
      });
      const record = answer.status === 0
        ? undefined
        : core.readAnswer(answer.status, answer.statusText, answer.retryAfter, answer.body ?? undefined);
      if (answer.status !== 0 && record === undefined) return answer.body;
      const now = Date.now();
      const delay = core.createRetry(failures, maxRetries, answer.status, answer.retryAfter,
        answer.unsent === true, now, Math.random());
      if (delay < 0) throw record === undefined ? new NetworkError(answer.message, answer.cause) : fromRecord(record);
      if (answer.status === 429) scheduler.pause(now + delay);
      await sleep(delay);
    }
  }
}

const DONE_RESULT = Object.freeze({ done: true, value: undefined });

/**
 * Reads and checks a callback body (a string, a parsed object or a `Request`) into the task
 * it describes. EvoLink signs nothing: treat the result as a hint and confirm it with
 * `client.confirmCallback` (or `getTask`) before acting on it.
 */
export async function parseTaskCallback(body) {
  return readCallback(body);
}

async function readCallback(body) {
  let text;
  if (typeof body === 'string') {
    text = body;
  } else if (typeof body?.text === 'function') {
    text = (await readText(body, MAX_BODY_BYTES)) ?? undefined; // undefined: over the limit
  } else if (typeof body === 'object' && body !== null) {
    try {
      text = paramsJson(body);
    } catch {
      throw new InvalidResponseError('The callback body is not JSON');
    }
  } else {
    throw new TypeError('a callback body is a string, an object or a Request');
  }
  check(core.readCallback(text));
  return parse(text);
}
