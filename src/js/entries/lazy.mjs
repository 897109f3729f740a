// The API of the entries that load the wasm while the app starts (browser.mjs, inline.mjs), and of
// edge.mjs, whose wasm may be missing when Next.js evaluates a route at build time: it is exported
// at once, with no top-level await, so importing the package never holds up the module
// that imports it. Each entry begins the load (load.mjs's `start`); until it is done, the client
// waits for it:
// - `new EvoLinkClient(options)` after the wasm is ready is the wasm client's constructor (bad
//   options throw); before, it keeps the options and each call waits for the wasm, then makes the
//   wasm client (bad options then reject the first call, and every call after).
// - The error classes are errors.js's, the very classes the wasm throws: importable and
//   `instanceof`-stable before the wasm is ready.
// - A failed load is never an unhandled rejection: each call that needs the wasm rejects with it.
// - The two synchronous members that need the wasm, `client.baseUrl` and `planPoll`, throw an
//   `EvoLinkError` (code `not_ready`) until `await ready()`, then the load's failure if it failed.
import { EvoLinkClient as WasmClient, parseTaskCallback as wasmParseTaskCallback, planPoll as wasmPlanPoll } from '#glue';
import { EvoLinkError } from '../errors.js';
import { failure, loaded, loading } from './load.mjs';

export * from './classes.mjs';
export { ready } from './load.mjs';

/** For the synchronous members: the load's failure, or `not_ready` while it runs. */
function notReady(what) {
  return failure ?? new EvoLinkError(`${what} needs the WebAssembly, which is still loading: await ready() first`, 'not_ready');
}

// Each client's state: its options until the wasm client is made, that client, and whether it
// was freed. Kept here, not on the object, so that a method called on something that is not a
// client (`Object.create(client)`, another `this`) finds none and says so.
const clients = new WeakMap();

/** The state of `self`, a live client; else throws the `TypeError` that says what is wrong. */
function live(self, key) {
  const state = clients.get(self);
  if (state && !state.freed) return state;
  throw new TypeError(state
    ? `EvoLinkClient.${key}: this EvoLinkClient was freed (free() or [Symbol.dispose])`
    : `EvoLinkClient.${key} was called on an object that is not an EvoLinkClient`);
}

/** The wasm client of `state`, made now from its options (the wasm is ready). */
function wasmClient(state) {
  state.client ??= new WasmClient(state.options);
  return state.client;
}

/** Calls the wasm client's `method`; the client is made on the first call once the wasm is ready. */
function call(self, method, args) {
  let state;
  try {
    state = live(self, method);
  } catch (error) {
    return Promise.reject(error);
  }
  if (state.client) return state.client[method](...args);
  return loading.then(() => wasmClient(live(self, method))[method](...args));
}

export class EvoLinkClient {
  constructor(options) {
    clients.set(this, loaded ? { client: new WasmClient(options) } : { options });
  }

  get baseUrl() {
    const state = live(this, 'baseUrl');
    if (!loaded) throw notReady('client.baseUrl');
    return wasmClient(state).baseUrl;
  }

  /** Frees the wasm client (if made); later calls reject with a `TypeError`. A second call does nothing. */
  free() {
    const state = clients.get(this);
    if (!state || state.freed) return;
    state.freed = true;
    state.client?.free();
    state.client = undefined;
  }

  /** An iterator at once; before the wasm is ready, its steps wait for the wasm's iterator. */
  watchTask(...args) {
    const state = live(this, 'watchTask');
    if (state.client) return state.client.watchTask(...args);
    const watch = call(this, 'watchTask', args);
    watch.catch(() => {}); // reported by next()
    return {
      next: () => watch.then((w) => w.next()),
      return: (value) => watch.then((w) => w.return(value)),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}

// The methods that return a promise: the wasm client's, once it is there.
for (const method of ['getTask', 'waitForTask', 'createVideo', 'createImage', 'createAudio', 'generateVideo', 'generateImage', 'generateAudio', 'getCredits', 'confirmCallback']) {
  EvoLinkClient.prototype[method] = function (...args) {
    return call(this, method, args);
  };
}
if (typeof Symbol.dispose === 'symbol') EvoLinkClient.prototype[Symbol.dispose] = EvoLinkClient.prototype.free;

export function parseTaskCallback(body) {
  return loaded ? wasmParseTaskCallback(body) : loading.then(() => wasmParseTaskCallback(body));
}

export function planPoll(task, state, options) {
  if (!loaded) throw notReady('planPoll');
  return wasmPlanPoll(task, state, options);
}
