// What node.mjs imports: node.cjs's exports, unchanged. When ESM imports a CommonJS file, Node
// first scans its whole source for export names; node.cjs is 337 kB (the wasm inlined as
// base64), and this file is what gets scanned instead (measured: about 7 ms less start-up).
// node.mjs takes the default export only, so there are no names to find here; and it must stay
// `module.exports = api`: Node would follow `module.exports = require(…)` and scan node.cjs too.
// node.cjs itself is loaded by `require`, which scans nothing.
const api = require('./node.cjs');
module.exports = api;
