// The load of the wasm for the entries that start without it (browser.mjs, inline.mjs, edge.mjs):
// each calls `start(source)` once as it runs; lazy.mjs's API waits on what this module holds.
import { initSync } from '#glue';

/** Whether the wasm is instantiated; what its load failed with; the load itself. */
export let loaded = false;
export let failure;
export let loading;

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
