// Run by run.mjs with Node in the scratch project: the hooks render on the server with
// react-dom/server. The state is idle and nothing runs: the client's fetch is never called.
// Prints the HTML, then `ssr: ok`.
import assert from 'node:assert/strict';
import { createElement as h } from 'react';
import { renderToString } from 'react-dom/server';
import { EvoLinkClient } from 'evolink-tasks';
import { BrowserTasks } from 'evolink-tasks/browser-tasks';
import { useGenerateTask, useRememberedTasks, useTask } from 'evolink-tasks/react';

const calls = [];
const client = new EvoLinkClient({
  baseUrl: 'https://api.example.invalid',
  fetch: (url) => {
    calls.push(url);
    return Promise.reject(new Error('no request may run on the server'));
  },
});
const tasks = new BrowserTasks(client);

function App() {
  const watched = useTask(tasks, 'ok-ssr1', { intervalMs: 100, remember: true });
  const direct = useTask(client, 'ok-ssr2');
  const generated = useGenerateTask(tasks, 'video');
  const remembered = useRememberedTasks(tasks);
  return h('main', null,
    h('p', { id: 'watched' }, `${watched.phase} ${watched.status ?? '-'}`),
    h('p', { id: 'direct' }, `${direct.phase} ${direct.task === undefined}`),
    h('p', { id: 'generated' }, `${generated.phase} ${typeof generated.generate}`),
    h('p', { id: 'remembered' }, `remembered ${remembered.length}`),
  );
}

const html = renderToString(h(App));
console.log(html);
assert.match(html, /<p id="watched">idle -<\/p>/);
assert.match(html, /<p id="direct">idle true<\/p>/);
assert.match(html, /<p id="generated">idle function<\/p>/);
assert.match(html, /<p id="remembered">remembered 0<\/p>/);
await new Promise((resolve) => setTimeout(resolve, 200));
assert.deepEqual(calls, []);
console.log('ssr: ok');
