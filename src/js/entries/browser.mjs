// Entry for pages, web workers and bundlers: loads the wasm that sits next to this file (a
// bundler sees the `new URL(…, import.meta.url)` and ships it), then exports the API ready to use.
import init from '#glue';

await init({ module_or_path: new URL('./evolink_tasks.wasm', import.meta.url) });

export * from './api.mjs';
