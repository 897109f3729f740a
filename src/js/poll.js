// How a call runs: `Call`, one request (or a few, for a create) under the caller's
// `AbortSignal`, and `Poll`, one wait on one task, whose every step the core decides.

import * as core from './core.js';
import { InvalidResponseError, fromRecord } from './errors.js';
import { send } from './transport.js';

// The step codes of `core.Wait` (src/boundary.rs, mod code).
const FETCH = 0;
const WAIT = 1;
const DONE = 2;

/** The reason an aborted signal rejects with (an `AbortError` where the runtime gives none). */
function abortReason(signal) {
  const reason = signal.reason;
  if (reason !== undefined) return reason;
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  return error;
}

/** Why a poll was stopped without an error: its wait settled, or its iterator was closed. */
export const ENDED = Symbol('ended');

/**
 * The lifetime of a one-off call (get, create, confirm): its caller's signal (one listener,
 * removed by `end`) and the one step it is waiting on, undone when the signal aborts.
 */
export class Call {
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
export async function run(signal, work) {
  const call = new Call(signal);
  try {
    return await work(call);
  } finally {
    call.end();
  }
}

/** `JSON.parse`, for a body the core has already read as JSON. */
export function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidResponseError('The body is not JSON');
  }
}

/** Sends `GET /v1/tasks/{id}` for the client whose `context` it is; resolves with the answer. */
export function getTask(context, id, timeoutMs, controller) {
  const { base, scheduler, fetch, headers } = context;
  const url = `${base}/v1/tasks/${encodeURIComponent(id)}`;
  return send(scheduler, fetch, url, { method: 'GET', headers }, timeoutMs, controller);
}

/**
 * One wait on one task: the core's `Wait` decides each step, this carries it out. A poll is its
 * own timer target (`wake`), request sender (`send`) and request waiter (`deliver`), so a task
 * waiting costs a few small objects, not a chain of promises and closures.
 *
 * It runs in one of two ways: `all(onProgress)` runs it to the end, calling `onProgress` with
 * each change (`waitForTask`); `next()` runs it until the next change (`watchTask`).
 */
export class Poll {
  constructor(context, id, pace, signal, created) {
    if (signal?.aborted) throw abortReason(signal);
    this.context = context;
    this.id = id;
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
      const ms = scheduler.hidden ? this.wait.hiddenMs(Date.now()) : this.wait.ms;
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
    this.guard(() => {
      this.step = this.wait.next(Date.now(), this.context.scheduler.pausedUntil);
      this.run();
    });
  }

  /** Sends the GET for a flight this poll started. */
  send(controller) {
    return getTask(this.context, this.id, this.wait.ms, controller);
  }

  /** The answer to the GET. */
  deliver(answer) {
    this.flight = null;
    this.guard(() => this.take(answer));
  }

  /**
   * Runs `work` for the scheduler, which has no one to report to: anything it throws (a
   * throwing `onProgress`, a trap in the core) ends this poll with that error instead.
   */
  guard(work) {
    try {
      work();
    } catch (error) {
      this.stop(error);
    }
  }

  /** Gives the core the answer and carries out what it decides. */
  take(answer) {
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
    const task = parse(answer.body);
    if (!this.running) {
      const resolve = this.resolve;
      this.resolve = this.reject = null;
      return resolve(task);
    }
    const onProgress = this.onProgress; // called unbound: it must not see this poll
    if (onProgress !== undefined) onProgress(task);
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
