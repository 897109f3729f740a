// Run by run.mjs with Node in the scratch project: `node node-check.mjs BASE`. Outside a web page,
// asking BrowserTasks to remember a task (or to list or forget remembered ones) is a TypeError
// that says why, before any request; everything else is the client's behaviour (a wait without
// `remember` polls alone and completes). Prints `node-check: ok` last.
import assert from 'node:assert/strict';
import { EvoLinkClient, TaskFailedError } from 'evolink-tasks';
import { BrowserTasks } from 'evolink-tasks/browser-tasks';

const base = process.argv[2];
const client = new EvoLinkClient({ baseUrl: base });
const tasks = new BrowserTasks(client);
const log = async () => (await fetch(`${base}/__requests`)).json();
const before = (await log()).length;

for (const remember of [true, { data: { prompt: 'x' } }]) {
  await assert.rejects(tasks.waitForTask('ok-node1', { remember }), (e) => e instanceof TypeError && /needs a web page's localStorage/.test(e.message));
  await assert.rejects(
    tasks.generateVideo({ model: 'seedance-2.0-text-to-video', prompt: 'never sent [as:ok]' }, { remember }),
    (e) => e instanceof TypeError && /remember a task/.test(e.message),
  );
}
assert.throws(() => tasks.list(), TypeError);
assert.throws(() => tasks.forget('ok-node1'), TypeError);
assert.equal((await log()).length, before, 'a refused call sent a request');

// Nothing else changes: no sharing here, waits and their errors are the client's.
assert.equal(tasks.sharesAcrossTabs, typeof navigator === 'object' && typeof navigator.locks?.request === 'function');
const seen = [];
const done = await tasks.waitForTask('ok-node2', { intervalMs: 50, remember: false, onProgress: (t) => seen.push(t.progress) });
assert.equal(done.status, 'completed');
assert.deepEqual(seen, [0, 30, 70, 100]);
await assert.rejects(tasks.waitForTask('fail-node3', { intervalMs: 50 }), TaskFailedError);
await assert.rejects(tasks.waitForTask('bad/id'), TypeError);
await assert.rejects(tasks.waitForTask('ok-node4', { intervalMs: -1 }), RangeError);
console.log('node-check: ok');
