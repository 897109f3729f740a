// Entry for the bundlers that do not ship the file a `new URL('…', import.meta.url)` names
// (esbuild, `bun build`, Rollup), and the fallback of every tool the exports map does not know:
// the wasm is inside this file (base64, decoded without `Buffer`) and compiled while the app
// starts; the API is exported at once and waits for it as browser.mjs's does (see lazy.mjs).
import wasm from './evolink_tasks.wasm';
import { start } from './load.mjs';

const bytes = Uint8Array.fromBase64?.(wasm) ?? Uint8Array.from(atob(wasm), (c) => c.charCodeAt(0));

start(WebAssembly.compile(bytes));

export * from './lazy.mjs';
