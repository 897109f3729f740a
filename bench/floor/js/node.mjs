// The floor's Node ESM entry, as src/js/entries/node.mjs: node.cjs's exports through
// node-bridge.cjs (a few lines for Node to scan for export names, instead of node.cjs).
import cjs from './node-bridge.cjs';

export const { FloorClient } = cjs;
