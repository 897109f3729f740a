// Reading what callers pass: option objects (known keys only, typed, ranges), task ids, the
// base URL and creation parameters. Each problem is a `TypeError` or `RangeError` naming the
// option, thrown before anything is sent; the core checks what needs its rules (ids, hosts).

import * as core from './core.js';
import { check } from './errors.js';

/** Options of `what`: absent, undefined and null mean none; else a plain object of known keys. */
export function options(value, what, allowed) {
  if (value === undefined || value === null) return { what };
  if (typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`${what} must be an object`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${what}: unknown option "${key}" (known options: ${allowed.join(', ')})`);
    }
  }
  return { ...value, what };
}

export function optional(o, key, type, expected) {
  const value = o[key];
  if (value !== undefined && typeof value !== type) throw new TypeError(`${o.what}: "${key}" must be ${expected}`);
  return value;
}

/** A whole number from `min` to 2^53 − 1 (rounded), or undefined. */
export function whole(o, key, min) {
  const n = optional(o, key, 'number', 'a number');
  if (n === undefined) return undefined;
  if (!(n >= min && n <= Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`${o.what}: "${key}" must be a finite number of at least ${min}`);
  }
  return Math.round(n);
}

export function signalOf(o) {
  const signal = o.signal;
  if (signal !== undefined && typeof signal?.addEventListener !== 'function') {
    throw new TypeError(`${o.what}: "signal" must be an AbortSignal`);
  }
  return signal;
}

export function headersOf(o) {
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
export function paceOf(o) {
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

export function taskId(id) {
  if (typeof id !== 'string') throw new TypeError('task id must be a string');
  check(core.checkTaskId(id));
  return id;
}

export const parseUrl = (url, base) => {
  try {
    return new URL(url, base);
  } catch {
    return undefined;
  }
};

/** The base URL, resolved against the page when relative, without a trailing slash. */
export function baseUrlOf(base) {
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
export function paramsJson(params) {
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
