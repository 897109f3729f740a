// Entry for Node (ESM) and Deno: reads the wasm next to this file synchronously, so importing
// the package needs no top-level await and no set-up call.
import { readFileSync } from 'node:fs';
import { initSync } from 'evolink-core';

initSync({ module: readFileSync(new URL('./evolink_tasks_bg.wasm', import.meta.url)) });

export * from './api.mjs';
