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

// One package, one set of classes: `require` and `import` share the instance, so an error thrown
// through one is `instanceof` the other's class.
test('import and require give the same classes and the same instance', async () => {
  const { createRequire } = await import('node:module');
  const cjs = createRequire(import.meta.url)('evolink-tasks');
  for (const name of ['EvoLinkClient', 'EvoLinkError', 'ApiError', 'TaskFailedError', 'TimeoutError', 'NetworkError', 'InvalidResponseError', 'parseTaskCallback', 'planPoll']) {
    if (cjs[name] !== pkg[name]) throw new Error(`${name} differs between require and import`);
  }
  const error = await new cjs.EvoLinkClient({ baseUrl: process.env.BASE }).getTask('e401-classes').catch((e) => e);
  if (!(error instanceof pkg.ApiError)) throw new Error(`a required client's error is not the imported ApiError: ${error}`);
});
