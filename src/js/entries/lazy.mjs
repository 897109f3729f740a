// The API of the entries that load the wasm while the app starts (browser.mjs, inline.mjs), and of
// edge.mjs, whose wasm may be missing when Next.js evaluates a route at build time: it is exported
// at once, with no top-level await, so importing the package never holds up the module
// that imports it. `start(source)` begins the load; until it is done, the client waits for it:
// - `new EvoLinkClient(options)` after the wasm is ready is the wasm client's constructor (bad
//   options throw); before, it keeps the options and each call waits for the wasm, then makes the
//   wasm client (bad options then reject the first call, and every call after).
// - The error classes are errors.js's, the very classes the wasm throws: importable and
//   `instanceof`-stable before the wasm is ready.
// - A failed load is never an unhandled rejection: each call that needs the wasm rejects with it.
// - The two synchronous members that need the wasm, `client.baseUrl` and `planPoll`, throw an
//   `EvoLinkError` (code `not_ready`) until `await ready()`, then the load's failure if it failed.
import { initSync, EvoLinkClient as WasmClient, parseTaskCallback as wasmParseTaskCallback, planPoll as wasmPlanPoll } from '#glue';
import { EvoLinkError } from '../errors.js';

export {
  EvoLinkError,
  ApiError,
  TaskFailedError,
  TimeoutError,
  NetworkError,
  InvalidResponseError,
} from '../errors.js';

let loaded = false;
let failure;
let loading;

/**
 * Starts loading the wasm: `compiled` is the `WebAssembly.Module`, or a promise of it (compiled
 * off the main thread: `compileStreaming`, `compile`); what it rejects with, every call then
 * rejects with. Instantiating a compiled module is quick and allowed on a page's main thread, so
 * wasm-bindgen's `initSync` does it (and its async loader stays out of the build). A module at
 * hand is instantiated at once: the API is then ready as the entry's module runs.
 */
export function start(compiled) {
  if (compiled instanceof WebAssembly.Module) {
    initSync({ module: compiled });
    loaded = true;
    loading = Promise.resolve();
    return;
  }
  loading = compiled.then(
    (module) => {
      initSync({ module });
      loaded = true;
    },
    (error) => {
      throw (failure = error);
    },
  );
  loading.catch(() => {}); // each call that needs the wasm reports the failure
}

/** Resolves once the wasm is ready; rejects with the reason it could not load. */
export function ready() {
  return loading;
}

/** For the synchronous members: the load's failure, or `not_ready` while it runs. */
function notReady(what) {
  return failure ?? new EvoLinkError(`${what} needs the WebAssembly, which is still loading: await ready() first`, 'not_ready');
}

const CALL = Symbol('call');

export class EvoLinkClient {
  #options;
  #client;

  constructor(options) {
    if (loaded) this.#client = new WasmClient(options);
    else this.#options = options;
  }

  /** Calls the wasm client's `method`; the client is made on the first call once the wasm is ready. */
  [CALL](method, args) {
    if (this.#client) return this.#client[method](...args);
    return loading.then(() => (this.#client ??= new WasmClient(this.#options))[method](...args));
  }

  get baseUrl() {
    if (!loaded) throw notReady('client.baseUrl');
    return (this.#client ??= new WasmClient(this.#options)).baseUrl;
  }

  /** An iterator at once; before the wasm is ready, its steps wait for the wasm's iterator. */
  watchTask(...args) {
    if (this.#client) return this.#client.watchTask(...args);
    const watch = this[CALL]('watchTask', args);
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
    return this[CALL](method, args);
  };
}

export function parseTaskCallback(body) {
  return loaded ? wasmParseTaskCallback(body) : loading.then(() => wasmParseTaskCallback(body));
}

export function planPoll(task, state, options) {
  if (!loaded) throw notReady('planPoll');
  return wasmPlanPoll(task, state, options);
}
