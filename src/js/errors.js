// The error classes the package exports, and the error records of the Rust client turned into
// them. wasm-bindgen imports this file as a snippet (src/web/sys.rs); the entries export the
// same module's classes. Each class spells its name as a static field, which minifiers keep
// (they rename classes), and every instance takes its `name` from its class.

/** Base class of every error this package creates. */
export class EvoLinkError extends Error {
  static name = 'EvoLinkError';

  constructor(message, code, options) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /** What `JSON.stringify` keeps: the name, message, code and the plain fields (no task, no cause). */
  toJSON() {
    const json = { name: this.name, message: this.message, code: this.code };
    for (const key of ['status', 'taskId', 'type', 'param', 'fallbackSuggestion', 'retryAfterMs', 'requestId']) {
      if (this[key] !== undefined) json[key] = this[key];
    }
    return json;
  }
}

/** A non-2xx answer from the API or a proxy in front of it. */
export class ApiError extends EvoLinkError {
  static name = 'ApiError';

  constructor(message, code, status, type, param, fallbackSuggestion) {
    super(message, code);
    this.status = status;
    this.type = type;
    this.param = param;
    this.fallbackSuggestion = fallbackSuggestion;
  }
}

/** The task ended as failed or cancelled; `task` is the last observation. */
export class TaskFailedError extends EvoLinkError {
  static name = 'TaskFailedError';

  constructor(message, code, task) {
    super(message, code);
    this.task = task;
  }
}

/** The overall deadline passed; `task` is the last observation, if any. */
export class TimeoutError extends EvoLinkError {
  static name = 'TimeoutError';

  constructor(message, task) {
    super(message, 'timeout');
    this.task = task;
  }
}

/** `fetch` itself failed or a request timed out; `cause` is what fetch threw, if anything. */
export class NetworkError extends EvoLinkError {
  static name = 'NetworkError';

  constructor(message, cause) {
    super(message, 'network_error', cause === undefined ? undefined : { cause });
  }
}

/** A 2xx answer that is not a task object. */
export class InvalidResponseError extends EvoLinkError {
  static name = 'InvalidResponseError';

  constructor(message) {
    super(message, 'invalid_response');
  }
}

/**
 * The error a record from Rust describes (`error::Record`): `{ name: 'ApiError', message, … }`,
 * with the task object (a failed task, a timeout's last observation), for a `NetworkError` what
 * `fetch` threw, and the id of the task it is about (`taskId`).
 */
export function fromRecord(r, task, cause) {
  const error = errorOf(r, task, cause);
  // Set only when known, so that `'taskId' in error` says whether the error is about a task.
  for (const key of ['taskId', 'retryAfterMs', 'requestId']) {
    if (r[key] !== undefined) error[key] = r[key];
  }
  return error;
}

function errorOf(r, task, cause) {
  switch (r.name) {
    case 'ApiError':
      return new ApiError(r.message, r.code, r.status, r.type, r.param, r.fallbackSuggestion);
    case 'TaskFailedError':
      return new TaskFailedError(r.message, r.code, task);
    case 'TimeoutError':
      return new TimeoutError(r.message, task);
    case 'NetworkError':
      return new NetworkError(r.message, cause);
    case 'InvalidResponseError':
      return new InvalidResponseError(r.message);
    case 'RangeError':
      return new RangeError(r.message);
    default:
      return new TypeError(r.message);
  }
}

/** The `[Symbol.asyncIterator]` method of `watchTask`'s iterator. */
export function returnThis() {
  return this;
}
