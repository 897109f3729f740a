// The floor's browser entry (as src/js/entries/browser.mjs): loads the wasm beside it.
import init from '#glue';

await init({ module_or_path: new URL('./evolink_floor.wasm', import.meta.url) });

export { FloorClient } from '#glue';
