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
  try {
    const error = errorOf(r, task, cause);
    // Set only when known, so that `'taskId' in error` says whether the error is about a task.
    for (const key of ['taskId', 'retryAfterMs', 'requestId']) {
      if (r[key] !== undefined) error[key] = r[key];
    }
    return error;
  } catch (e) {
    return new TypeError('evolink-tasks could not build its error', { cause: e }); // never thrown through the wasm
  }
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

// ---- Reading what comes from outside ----
// Every value a caller, a server or a `fetch` (or a double of it) hands the wasm is read through
// these helpers. None of them throws: an exception thrown through the wasm skips Rust's clean-up
// (about 45 of them left the instance trapping), and one caught by wasm-bindgen's `catch` costs
// an externref slot it never frees. What threw comes back as THROWN, and `thrown()` gives it.

/** What a helper returns when what it ran threw; `thrown()` gives the thrown value. */
export const THROWN = Symbol('thrown');
let lastThrown;

function caught(e) {
  lastThrown = e;
  return THROWN;
}

/** What the last helper that returned THROWN caught (once). */
export function thrown() {
  const e = lastThrown;
  lastThrown = undefined;
  return e;
}

/** `target[key]`: a getter or a Proxy trap runs here. */
export function read(target, key) {
  try {
    return target[key];
  } catch (e) {
    return caught(e);
  }
}

/** `target[key](arg)`: a method of a Response, a reader, a stream or a Headers (or a double). */
export function invoke(target, key, arg) {
  try {
    return target[key](arg);
  } catch (e) {
    return caught(e);
  }
}

/** `f(a, b)`, unbound: `fetch`, `onProgress`, `onCreated`. */
export function call(f, a, b) {
  try {
    return f(a, b);
  } catch (e) {
    return caught(e);
  }
}

const NativePromise = Promise;
const promiseProto = Promise.prototype;
const resolveNative = Promise.resolve.bind(Promise);
const hasOwn = Object.prototype.hasOwnProperty;
const protoOf = Object.getPrototypeOf;

/**
 * A promise of this realm that settles as `value` would: a thenable's `then`, an own `then` of a
 * promise or a getter of either runs inside the promise machinery, where a throw rejects. A
 * promise of this realm with no `then` or `constructor` of its own is given back as it is
 * (`Promise.resolve` checks it is a real one): wrapping it cost a promise and two more turns at
 * every await of a request.
 */
export function promiseOf(value) {
  try {
    if (protoOf(value) === promiseProto && !hasOwn.call(value, 'then') && !hasOwn.call(value, 'constructor') && resolveNative(value) === value) {
      return value;
    }
  } catch {
    // A Proxy's trap or a getter threw: wrapped below, where `then` is read inside the machinery.
  }
  return new NativePromise((resolve) => resolve(value));
}

/**
 * `now.call(target)` as a number: `performance.now()`, or `NaN` when it throws or gives no number
 * (the client then reads `Date.now()`). Cheaper than a binding wasm-bindgen wraps in its catch.
 */
export function clock(target, now) {
  try {
    const t = now.call(target);
    return typeof t === 'number' ? t : NaN;
  } catch {
    return NaN;
  }
}

/** `JSON.parse(text)`. */
export function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    return caught(e);
  }
}

/** `JSON.stringify(value)`: getters and `toJSON` run here. */
export function stringify(value) {
  try {
    return JSON.stringify(value);
  } catch (e) {
    return caught(e);
  }
}

/**
 * Creation parameters as the JSON body to send; a member JSON cannot carry (a function, a
 * symbol) throws a `TypeError` naming it instead of vanishing from the body (`undefined` members
 * are left out, as JSON does).
 */
export function stringifyParams(value) {
  try {
    return JSON.stringify(value, function (key, member) {
      const type = typeof member;
      if (type === 'function' || type === 'symbol') {
        const where = Array.isArray(this) ? "an item of a list" : `"${key}"`;
        throw new TypeError(`${where} is a ${type}, which JSON cannot carry`);
      }
      return member;
    });
  } catch (e) {
    return caught(e);
  }
}

/** `Object.keys(value)`: a Proxy's `ownKeys` trap runs here. */
export function keys(value) {
  try {
    return Object.keys(value);
  } catch (e) {
    return caught(e);
  }
}

/** `Object.entries(value)`: getters run here. */
export function entries(value) {
  try {
    return Object.entries(value);
  } catch (e) {
    return caught(e);
  }
}

/** `Array.isArray(value)`: throws for a revoked Proxy. */
export function isArray(value) {
  try {
    return Array.isArray(value);
  } catch (e) {
    return caught(e);
  }
}

// The brand check of typed arrays: their own internal slot, which neither a Proxy nor an own
// property can fake (`undefined` for anything else).
const typedArrayKind = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype),
  Symbol.toStringTag,
).get;

/**
 * What one `read()` of a body stream gave: `null` once the stream is done (`done` is not
 * `false`), a fresh copy of `value` when it is a `Uint8Array`, `undefined` when it is anything
 * else; a getter's throw or a detached buffer comes back as THROWN. One call where reading
 * `done`, `value` and copying took three.
 */
export function chunkOf(result) {
  try {
    if (result.done !== false) return null;
    const value = result.value;
    return typedArrayKind.call(value) === 'Uint8Array' ? new Uint8Array(value) : undefined;
  } catch (e) {
    return caught(e);
  }
}

// ---- `this` and `free` ----
// wasm-bindgen's classes keep their Rust object's address in `this.__wbg_ptr` and trust it: a
// method called on `Object.create(client)` or on `{ __wbg_ptr: 8 }` reads whatever memory that
// names, and `Object.create(client).free()` frees the client under `client`. `guard` (run once
// per class, at start) keeps each instance's address where only the glue's own writes reach it,
// and lets a method run only on an instance the glue made and nobody freed.

const addresses = new WeakMap(); // instance → its address, 0 once freed
const generations = new WeakMap(); // instance → the instance generation it was made in

// ---- A trap never becomes a hang ----
// If the instance traps anyway (a future bug: a panic, reported by Rust's panic hook before the
// trap, or a WebAssembly.RuntimeError seen here), every pending call rejects with an error naming
// the cause, and so does every later call on a client made before it. A panic also schedules a
// fresh instance (wasm-bindgen's reinit): clients made after it work.

let generation = 0; // bumped by each trap: instances made before are dead
let trapError; // what calls on a dead instance reject with
let expectingRuntimeError = false; // a panic was reported: the RuntimeError that follows is the same trap
const pending = new Set(); // the reject functions of the calls in flight

let reinit; // schedules a fresh instance for the next call (wasm-bindgen's reinit)

/** Keeps the instance's function that schedules a fresh instance, for a trap seen here. */
export function reinitWith(f) {
  reinit = f;
}

/** The instance trapped: `cause` is the panic's message, or the RuntimeError. */
export function trapped(cause) {
  try {
    const panic = typeof cause === 'string';
    if (!panic && expectingRuntimeError) {
      expectingRuntimeError = false;
      return;
    }
    expectingRuntimeError = panic;
    const why = panic ? cause : String(cause && cause.message);
    trapError = new EvoLinkError(
      `evolink-tasks failed inside its WebAssembly instance (${why}): every pending call was rejected; make a new client`,
      'internal_error',
      panic ? undefined : { cause },
    );
    generation++;
    if (!panic && typeof reinit === 'function') {
      try {
        reinit(); // a panic has scheduled it already
      } catch {
        // The instance cannot even do that: later calls run on it as it is.
      }
    }
    const rejects = [...pending];
    pending.clear();
    for (const reject of rejects) reject(trapError);
  } catch {
    // Nothing may throw into the instance.
  }
}

/**
 * The reject function of a call's promise, made by the instance: a trap rejects it (see
 * `trapped`) until `settle` has settled it. Tracking the promise the instance made, rather than
 * wrapping it in one more, saved about 540 bytes and two closures per pending call.
 */
export function track(reject) {
  try {
    pending.add(reject);
  } catch {
    // Not reached (a Set of ours): nothing may throw into the instance.
  }
}

/** Settles a call's promise with `value` (`how` is its resolve or its reject function). */
export function settle(how, value, reject) {
  try {
    pending.delete(reject);
    how(value);
  } catch {
    // Not reached (resolving functions do not throw): nothing may throw into the instance.
  }
}

/** The file this module runs from, to tell the instance's traps from other errors. */
const ownFile = (() => {
  try {
    const frame = new Error().stack.split('\n').find((line) => /:\d+:\d+\)?$/.test(line));
    return /(?:\(|at |@)([^()\s@]+?):\d+:\d+\)?$/.exec(frame)[1];
  } catch {
    return undefined;
  }
})();

/** An uncaught error: a RuntimeError out of the glue is the instance trapping. */
function onUncaught(error) {
  if (error instanceof WebAssembly.RuntimeError && ownFile && String(error.stack).includes(ownFile)) trapped(error);
}

let watching = false;
/** Watches uncaught errors, without changing what the runtime does with them. */
function watchTraps() {
  if (watching) return;
  watching = true;
  try {
    const process = globalThis.process;
    if (process && typeof process.on === 'function') process.on('uncaughtExceptionMonitor', onUncaught);
    else if (typeof globalThis.addEventListener === 'function') globalThis.addEventListener('error', (event) => onUncaught(event.error));
  } catch {
    // No way to watch: a trap in a timer leaves pending calls as they are.
  }
}

/** Guards the class whose prototype is `proto`; `name` is the class's name, for messages. */
export function guard(proto, name) {
  try {
    if (Object.prototype.hasOwnProperty.call(proto, '__wbg_ptr')) return;
    Object.defineProperty(proto, '__wbg_ptr', {
      get() {
        return addresses.get(this) ?? 0;
      },
      set(ptr) {
        addresses.set(this, ptr);
        if (!generations.has(this)) generations.set(this, generation);
      },
    });
    watchTraps();
    const alive = (self) => addresses.get(self) && generations.get(self) === generation;
    const misuse = (self, key) => {
      if (generations.has(self) && generations.get(self) !== generation) return trapError;
      return new TypeError(addresses.has(self)
        ? `${name}.${key}: this ${name} was freed (free() or [Symbol.dispose])`
        : `${name}.${key} was called on an object that is not a ${name}`);
    };
    const unguardedFree = proto.free;
    const guardedFree = function free() {
      if (alive(this)) unguardedFree.call(this); // a second free, not ours, or dead: nothing
    };
    for (const key of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, key);
      if (key === 'constructor' || key === '__wbg_ptr' || key === '__destroy_into_raw') continue;
      if (key === 'free') {
        d.value = guardedFree;
      } else if (d.get) {
        const get = d.get;
        d.get = function () {
          if (!alive(this)) throw misuse(this, key);
          return get.call(this);
        };
      } else if (typeof d.value === 'function') {
        const method = d.value;
        const sync = key === 'watchTask';
        d.value = { [key](...args) {
          if (!alive(this)) {
            if (sync) throw misuse(this, key);
            return Promise.reject(misuse(this, key));
          }
          let result;
          try {
            result = method.apply(this, args);
          } catch (e) {
            if (!(e instanceof WebAssembly.RuntimeError)) throw e;
            trapped(e);
            if (sync) throw trapError;
            return Promise.reject(trapError);
          }
          return result; // a promise the instance tracks (`track`)
        } }[key];
      }
      Object.defineProperty(proto, key, d);
    }
    if (typeof Symbol.dispose === 'symbol') proto[Symbol.dispose] = guardedFree;
  } catch {
    // A frozen prototype: left as wasm-bindgen made it.
  }
}
