// The JavaScript API: `EvoLinkClient` and `parseTaskCallback`.
//
// This shell does the I/O (fetch, timers, abort signals) and reads option objects; the wasm
// core (src/js/core.js over src/boundary.rs) checks ids and parameters, reads every answer and
// decides what a wait does next. Methods check their arguments inside the promise they return,
// so bad input rejects with a `TypeError`/`RangeError` before any request is sent.

import * as core from './core.js';
import { InvalidResponseError, NetworkError, check, fromRecord } from './errors.js';
import {
  baseUrlOf, headersOf, optional, options, paceOf, paramsJson, parseUrl, signalOf, taskId, whole,
} from './options.js';
import { ENDED, Poll, getTask, parse, run } from './poll.js';
import { Scheduler } from './scheduler.js';
import { MAX_BODY_BYTES, readText, send } from './transport.js';

const DEFAULT_BASE_URL = 'https://api.evolink.ai';

const CLIENT_OPTIONS = ['apiKey', 'baseUrl', 'headers', 'fetch', 'requestTimeoutMs', 'maxRetries',
  'maxConcurrentRequests'];
const REQUEST_OPTIONS = ['signal'];
const WATCH_OPTIONS = ['signal', 'timeoutMs', 'intervalMs', 'minIntervalMs', 'maxIntervalMs'];
const WAIT_OPTIONS = ['onProgress', ...WATCH_OPTIONS];

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
    const context = this.#context;
    const { scheduler } = context;
    const answer = await call.step((resolve) => {
      const waiter = {
        send: (controller) => getTask(context, id, context.requestTimeoutMs, controller),
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
