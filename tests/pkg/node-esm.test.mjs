// Node ESM harness: `import * as pkg from 'evolink-tasks'` must resolve to node.mjs (conditions
// "node" → "default"); one node:test test per suite case. run.sh runs it from the scratch project
// with `node --test --unhandled-rejections=strict` and BASE = the fake server's URL.
import test from 'node:test';
import * as pkg from 'evolink-tasks';
import { cases, runSuite } from './suite.mjs';

const resolved = import.meta.resolve('evolink-tasks');
if (!resolved.endsWith('/node_modules/evolink-tasks/node.mjs')) {
  throw new Error(`'evolink-tasks' resolved to ${resolved}, not node.mjs`);
}

for (const [name] of cases) {
  test(name, async () => {
    const [result] = await runSuite(pkg, process.env.BASE, (n) => n === name);
    if (!result.ok) throw new Error(result.error);
  });
}
