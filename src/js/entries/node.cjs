// Entry for Node (CommonJS, and through node.mjs ESM and Deno): the build inlines the wasm into
// this file (esbuild's binary loader, see scripts/build-pkg.mjs), so loading it reads no file:
// no top-level await, no set-up call, no read permission in Deno.
import wasm from './evolink_tasks.wasm';
import { initSync } from '#glue';

initSync({ module: new WebAssembly.Module(wasm) });

export * from './api.mjs';
