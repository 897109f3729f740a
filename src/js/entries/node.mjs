// Entry for Node (ESM) and Deno: reads the wasm next to this file synchronously, so importing
// the package needs no top-level await and no set-up call.
import { readFileSync } from 'node:fs';
import { init } from '../core.js';

init(new WebAssembly.Module(readFileSync(new URL('./evolink_tasks.wasm', import.meta.url))));

export * from './api.mjs';
