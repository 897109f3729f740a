// Deno 2 harness: 'evolink-tasks' from the scratch project's node_modules (package.json present,
// so Deno uses it; condition "deno" → node.mjs). Run with
// `deno run --allow-net=127.0.0.1 deno.test.mjs BASE` (no read permission: the wasm is inlined);
// prints "deno: N passed, M failed".
import * as pkg from 'evolink-tasks';
import { runSuite } from './suite.mjs';
import { report } from './report.mjs';

const resolved = import.meta.resolve('evolink-tasks');
if (!resolved.endsWith('/node_modules/evolink-tasks/node.mjs')) {
  throw new Error(`'evolink-tasks' resolved to ${resolved}, not node.mjs`);
}
Deno.exit(report('deno', await runSuite(pkg, Deno.args[0])) ? 0 : 1);
