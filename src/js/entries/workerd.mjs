// Entry for Cloudflare Workers (workerd): the wasm is imported as a compiled module, as
// Wrangler and workerd's config provide it, and instantiated synchronously (no top-level await).
import wasm from './evolink_tasks_bg.wasm';
import { initSync } from 'evolink-core';

initSync({ module: wasm });

export * from './api.mjs';
