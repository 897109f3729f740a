// The floor's Node entry (as src/js/entries/node.cjs): the wasm inlined by esbuild's binary
// loader, compiled and instantiated synchronously on load.
import wasm from './evolink_floor.wasm';
import { initSync } from '#glue';

initSync({ module: new WebAssembly.Module(wasm) });

export { FloorClient } from '#glue';
