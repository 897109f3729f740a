// Entry for Cloudflare Workers (workerd): the wasm is imported as a compiled module, as Wrangler
// and workerd's config provide it (no top-level await, no fetch).
import wasm from './evolink_tasks.wasm';
import { initSync } from '#glue';

initSync({ module: wasm });

export * from './api.mjs';
