// Node-only checks of clean shutdown, secrecy and bundling, through the installed package: a
// process whose waits were all aborted or finished exits by itself at once (no timer, socket or
// listener left behind), listeners added to a caller's signal are removed when a wait settles,
// no inspect or log output shows the API key, and an app bundled into one file (esbuild, as
// server bundlers do, $ESBUILD) works with no wasm file beside it. Run with
// --unhandled-rejections=strict like every suite.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { inspect } from 'node:util';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pkg from 'evolink-tasks';
import { startFakeServer } from './fake-server/server.mjs';

const KEY = 'sk-test-SECRET-4b1e77';
let server;
before(async () => {
  server = await startFakeServer();
});
after(() => server.close());

let n = 0;
const id = (kind) => `${kind}-proc${Date.now().toString(36)}${n++}`;

/** Runs `body` (an ES module's text) in a child Node; resolves with how long the child lived
 * after printing "settled", or rejects if it is still alive 10 s later. */
function exitDelayAfterSettling(body) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--unhandled-rejections=strict', '--input-type=module', '-e', body], {
      cwd: process.cwd(),
      env: { ...process.env, FAKE_URL: server.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let settledAt;
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (settledAt === undefined && out.includes('settled')) settledAt = Date.now();
    });
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running 10 s after settling; output: ${out}`));
    }, 10_000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      if (code !== 0 || settledAt === undefined) reject(new Error(`exit ${code}, output: ${out}`));
      else resolve(Date.now() - settledAt);
    });
  });
}

const prelude = `
  import { EvoLinkClient } from 'evolink-tasks';
  const client = new EvoLinkClient({ baseUrl: process.env.FAKE_URL, apiKey: 'k' });
  const id = (kind) => kind + '-' + Math.random().toString(36).slice(2);
`;

test('a process whose waits were aborted mid-sleep and mid-request exits at once', async () => {
  const delay = await exitDelayAfterSettling(`${prelude}
    const controller = new AbortController();
    const sleeping = client.waitForTask(id('ok'), { intervalMs: 3_600_000, signal: controller.signal });
    const hanging = client.waitForTask(id('hang'), { signal: controller.signal });
    const watching = (async () => { for await (const t of client.watchTask(id('ok'), { intervalMs: 3_600_000, signal: controller.signal })); })();
    setTimeout(() => controller.abort(), 300);
    const results = await Promise.allSettled([sleeping, hanging, watching]);
    if (results.some((r) => r.status !== 'rejected' || r.reason.name !== 'AbortError')) throw new Error(JSON.stringify(results));
    console.log('settled');
  `);
  assert.ok(delay < 2_000, `exited ${delay} ms after settling`);
});

test('a process whose waits finished or timed out exits at once', async () => {
  const delay = await exitDelayAfterSettling(`${prelude}
    const done = await client.waitForTask(id('ok'), { intervalMs: 10 });
    const slow = new EvoLinkClient({ baseUrl: process.env.FAKE_URL, requestTimeoutMs: 100 });
    const timedOut = await slow.getTask(id('hang')).catch((e) => e.name);
    const deadline = await client.waitForTask(id('demo'), { intervalMs: 3_600_000, timeoutMs: 200 }).catch((e) => e.name);
    if (done.status !== 'completed' || timedOut !== 'NetworkError' || deadline !== 'TimeoutError') throw new Error('unexpected');
    console.log('settled');
  `);
  assert.ok(delay < 2_000, `exited ${delay} ms after settling`);
});

test('all the waits of a client share one timer', async () => {
  const client = new pkg.EvoLinkClient({ baseUrl: server.url });
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const controller = new AbortController();
  const seen = [];
  const waits = Array.from({ length: 50 }, (_, i) =>
    client.waitForTask(id('demo'), { intervalMs: 60_000 + i, signal: controller.signal, onProgress: () => seen.push(i) }).catch((e) => e.name));
  while (seen.length < 50) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(timers() - before, 1, '50 sleeping waits hold one timer');
  controller.abort();
  assert.deepEqual(new Set(await Promise.all(waits)), new Set(['AbortError']));
  assert.equal(timers() - before, 0, 'no timer left once they are aborted');
});

test('listeners added to the caller’s signal are removed when a wait settles', async () => {
  const client = new pkg.EvoLinkClient({ baseUrl: server.url });
  const controller = new AbortController();
  const { signal } = controller;
  const during = [];
  await client.waitForTask(id('ok'), { intervalMs: 10, signal, onProgress: () => during.push(getEventListeners(signal, 'abort').length) });
  assert.ok(during.every((count) => count === 1), `one listener while waiting: ${during}`);
  assert.equal(getEventListeners(signal, 'abort').length, 0, 'after success');
  await client.waitForTask(id('fail'), { intervalMs: 10, signal }).catch(() => {});
  await client.getTask(id('e404'), { signal }).catch(() => {});
  for await (const t of client.watchTask(id('ok'), { intervalMs: 10, signal })) if (t.progress > 0) break;
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(getEventListeners(signal, 'abort').length, 0, 'after failures and a break');
});

test('inspecting the client or its errors never shows the key', async () => {
  const client = new pkg.EvoLinkClient({ baseUrl: server.url, apiKey: KEY });
  const errors = [];
  for (const kind of ['e401', 'fail', 'cdn']) {
    await client.waitForTask(id(kind), { intervalMs: 10 }).catch((e) => errors.push(e));
  }
  const closed = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', apiKey: KEY, maxRetries: 0 });
  await closed.waitForTask(id('ok')).catch((e) => errors.push(e));
  assert.equal(errors.length, 4);
  for (const shown of [inspect(client, { depth: 10, showHidden: true }), JSON.stringify(client), String(client),
    ...errors.map((e) => inspect(e, { depth: 10, showHidden: true }))]) {
    assert.ok(!shown.includes(KEY), `shows the key: ${shown.slice(0, 200)}`);
  }
});

/** Runs a command without blocking this process (the fake server lives here); killed after `ms`. */
function run(command, args, env, ms) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const killer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (status) => {
      clearTimeout(killer);
      resolve({ status, stdout, stderr });
    });
  });
}

test('an app bundled into one file for Node needs no wasm file beside it', async () => {
  const out = mkdtempSync(join(tmpdir(), 'evolink-bundle-'));
  const app = `bundle-app-${process.pid}.mjs`; // in the project, so 'evolink-tasks' resolves
  try {
    writeFileSync(app, `import { EvoLinkClient } from 'evolink-tasks';
      const client = new EvoLinkClient({ baseUrl: process.env.FAKE_URL });
      console.log((await client.getTask(process.env.TASK_ID)).id);`);
    const bundled = await run(process.env.ESBUILD, [app, '--bundle', '--platform=node', '--format=esm',
      `--outfile=${join(out, 'app.mjs')}`, '--log-level=error'], {}, 30_000);
    assert.equal(bundled.status, 0, `esbuild ($ESBUILD=${process.env.ESBUILD}): ${bundled.stderr}`);
    assert.deepEqual(readdirSync(out), ['app.mjs']);
    const taskId = id('ok');
    const ran = await run(process.execPath, [join(out, 'app.mjs')], { FAKE_URL: server.url, TASK_ID: taskId }, 10_000);
    assert.equal(ran.status, 0, `the bundled app: ${ran.stderr}`);
    assert.equal(ran.stdout.trim(), taskId);
  } finally {
    rmSync(app, { force: true });
    rmSync(out, { recursive: true, force: true });
  }
});
