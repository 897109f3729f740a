// The JavaScript half of the edge: the error classes the package exports, the factories the
// wasm side calls to build them, and the async-iterator adapter behind `watchTask`.
// Names are set explicitly (not from `new.target.name`) so that minifiers cannot change them.

/** Base class of every error this package creates. */
export class EvoLinkError extends Error {
  constructor(message, code, options) {
    super(message, options);
    this.name = 'EvoLinkError';
    this.code = code;
  }
}

/** A non-2xx answer from the API or a proxy in front of it. */
export class ApiError extends EvoLinkError {
  constructor(message, code, status, type, param, fallbackSuggestion) {
    super(message, code);
    this.name = 'ApiError';
    this.status = status;
    this.type = type;
    this.param = param;
    this.fallbackSuggestion = fallbackSuggestion;
  }
}

/** The task ended as failed or cancelled; `task` is the last observation. */
export class TaskFailedError extends EvoLinkError {
  constructor(message, code, task) {
    super(message, code);
    this.name = 'TaskFailedError';
    this.task = task;
  }
}

/** The overall deadline passed; `task` is the last observation, if any. */
export class TimeoutError extends EvoLinkError {
  constructor(message, task) {
    super(message, 'timeout');
    this.name = 'TimeoutError';
    this.task = task;
  }
}

/** `fetch` itself failed or a request timed out; `cause` is what fetch threw, if anything. */
export class NetworkError extends EvoLinkError {
  constructor(message, cause) {
    super(message, 'network_error', cause === undefined ? undefined : { cause });
    this.name = 'NetworkError';
  }
}

/** A 2xx answer that is not a task object. */
export class InvalidResponseError extends EvoLinkError {
  constructor(message) {
    super(message, 'invalid_response');
    this.name = 'InvalidResponseError';
  }
}

export const apiError = (message, code, status, type, param, fallbackSuggestion) =>
  new ApiError(message, code, status, type, param, fallbackSuggestion);
export const taskFailedError = (message, code, task) => new TaskFailedError(message, code, task);
export const timeoutError = (message, task) => new TimeoutError(message, task);
export const networkError = (message, cause) => new NetworkError(message, cause);
export const invalidResponseError = (message) => new InvalidResponseError(message);

/**
 * Turns a wasm `TaskWatch` into an async iterable. Calls to `next()` are chained, so an
 * impatient caller still sees every observation in order; `return()` stops the watch.
 */
export function asyncIterable(watch) {
  let queue = Promise.resolve();
  let closed = false;
  const close = () => {
    if (!closed) {
      closed = true;
      watch.free();
    }
  };
  const step = () => {
    if (closed) return { done: true, value: undefined };
    return watch.next().then(
      (result) => {
        if (result.done) close();
        return result;
      },
      (error) => {
        close();
        throw error;
      },
    );
  };
  return {
    next() {
      const result = queue.then(step);
      queue = result.catch(() => {});
      return result;
    },
    return(value) {
      close();
      return Promise.resolve({ done: true, value });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * Reads a response body as text, giving up (and cancelling the download) as soon as it passes
 * `limit` bytes: resolves with the text, or `null` when the body is too large.
 */
export async function readText(response, limit) {
  const body = response.body;
  if (!body || typeof body.getReader !== 'function') {
    const text = await response.text();
    return text.length > limit ? null : text;
  }
  const reader = body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
