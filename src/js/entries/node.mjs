// Entry for Node (ESM) and Deno. The build inlines the wasm into this file (esbuild's binary
// loader, see scripts/build-pkg.mjs), so importing it reads no file: no top-level await, no
// set-up call, no read permission in Deno, and a server bundler that knows nothing of wasm
// still ships a working copy.
import wasm from './evolink_tasks.wasm';
import { init } from '../core.js';

init(new WebAssembly.Module(wasm));

export * from './api.mjs';
