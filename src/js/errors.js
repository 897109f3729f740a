// The error classes the package exports, and the error records of the core turned into them.
// Each class spells its name as a static field, which minifiers keep (they rename classes), and
// every instance takes its `name` from its class.

/** Base class of every error this package creates. */
export class EvoLinkError extends Error {
  static name = 'EvoLinkError';

  constructor(message, code, options) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
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
 * The error a core record describes (see src/wasm.rs): `{"name":"ApiError","message":…}`.
 * `cause` is what `fetch` threw, for a `NetworkError`.
 */
export function fromRecord(record, cause) {
  const r = JSON.parse(record);
  switch (r.name) {
    case 'ApiError':
      return new ApiError(r.message, r.code, r.status, r.type, r.param, r.fallbackSuggestion);
    case 'TaskFailedError':
      return new TaskFailedError(r.message, r.code, r.task);
    case 'TimeoutError':
      return new TimeoutError(r.message, r.task);
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

/** Throws the error `record` describes, if there is one. */
export function check(record) {
  if (record !== undefined) throw fromRecord(record);
}
