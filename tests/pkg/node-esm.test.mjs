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

// A prerender (Next.js's with cacheComponents) refuses `Date.now()` before the page's first
// request; a plain `fetch` passes. getTask and a create must call `fetch` before they read the
// clock, the first time and after.
test('getTask and createVideo call fetch before they read the clock', async () => {
  const order = [];
  const now = Date.now;
  const client = new pkg.EvoLinkClient({
    baseUrl: process.env.BASE,
    fetch: (...args) => { order.push('fetch'); return fetch(...args); },
  });
  Date.now = () => { order.push('clock'); return now(); };
  try {
    await client.getTask('ok-clock1');
    const first = order.slice();
    order.length = 0;
    await client.createVideo({ model: 'seedance-2.0-text-to-video', prompt: 'x' });
    for (const seen of [first, order]) {
      if (seen[0] !== 'fetch') throw new Error(`the first call was ${seen[0]}: ${seen.join(', ')}`);
    }
  } finally {
    Date.now = now;
  }
});
