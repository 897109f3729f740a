// Entry for pages, web workers and bundlers: fetches the wasm that sits next to this file (a
// bundler sees the `new URL(…, import.meta.url)` and ships it), then exports the API ready to use.
import init from 'evolink-core';

await init({ module_or_path: new URL('./evolink_tasks_bg.wasm', import.meta.url) });

export * from './api.mjs';
