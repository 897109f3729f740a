// The floor's workerd entry (as src/js/entries/workerd.mjs): the wasm imported as a module.
import wasm from './evolink_floor.wasm';
import { initSync } from '#glue';

initSync({ module: wasm });

export { FloorClient } from '#glue';
