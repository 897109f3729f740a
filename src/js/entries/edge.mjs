// Entry for edge runtimes that bundle an imported `.wasm?module` as a compiled module (Next.js's
// edge runtime, with Turbopack and with webpack; Vercel's edge functions): the `edge-light`
// condition. No fetch of a URL (Turbopack turns it into a `blob:` it cannot fetch), no compile
// of bytes (the edge runtime forbids it), no top-level await: the module is instantiated as this
// file runs, as in workerd. Should the runtime give no module, every call rejects saying so.
import wasm from './evolink_tasks.wasm?module';
import { EvoLinkError } from '../errors.js';
import { start } from './load.mjs';

const isModule = Object.prototype.toString.call(wasm) === '[object WebAssembly.Module]';
// Next's edge sandbox is a realm of its own, and the module it hands over was made outside it:
// not `instanceof` this realm's WebAssembly.Module, which wasm-bindgen's initSync checks (it would
// then try to compile the module as bytes). Its prototype is made this realm's.
if (isModule && !(wasm instanceof WebAssembly.Module)) Object.setPrototypeOf(wasm, WebAssembly.Module.prototype);

start(
  isModule
    ? wasm
    : Promise.reject(new EvoLinkError(`evolink-tasks: this runtime gave no WebAssembly module for 'evolink_tasks.wasm?module' (${typeof wasm})`, 'wasm_unavailable')),
);

export * from './lazy.mjs';
