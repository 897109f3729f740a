// The floor's Node ESM entry (as src/js/entries/node.mjs): node.cjs's exports, loaded with
// `require` (importing a CommonJS file would make Node scan it for export names first).
import { createRequire } from 'node:module';

const cjs = createRequire(import.meta.url)('./node.cjs');

export const { FloorClient } = cjs;
