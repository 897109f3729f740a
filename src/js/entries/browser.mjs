// Entry for pages, web workers and bundlers: fetches the wasm that sits next to this file (a
// bundler sees the `new URL(…, import.meta.url)` and ships it), then exports the API ready to use.
import { init } from '../core.js';

const url = new URL('./evolink_tasks.wasm', import.meta.url);
init(await WebAssembly.compileStreaming(fetch(url)).catch(async () =>
  // Served without the application/wasm type (or compiled elsewhere): compile the bytes.
  WebAssembly.compile(await (await fetch(url)).arrayBuffer())));

export * from './api.mjs';
