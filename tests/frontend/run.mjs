// The package in a web frontend: `node tests/frontend/run.mjs` (after `make pkg`; what
// `make test-frontend` runs). The packed package is installed by name in a scratch project
// (tests/artifacts/frontend) with React from tests/frontend/package-lock.json, served by the fake
// EvoLink server, and driven in headless Chromium:
//   remember    a page generates a remembered task, is reloaded mid-wait, resumes and completes
//               with one create; the same across a closed and reopened browser context
//   tabs        two tabs on one task: one polls; closing it mid-wait, the other takes over within
//               one poll interval and completes; a failure reaches both as a TaskFailedError
//               a hidden polling tab yields to a visible one; a frozen one to another
//   storage     disabled, full (quota exceeded) and corrupted storage: waits complete, the page
//               is told through onWarning
//   react       React 19 in a Vite build under StrictMode: mount, unmount mid-wait (no request
//               after), id change, resume after reload; no console error, no unhandled rejection
//   ssr         the hooks render with react-dom/server: idle, nothing runs
//   types       tsc --strict on a consumer of both entries (types.ts)
//   node, deno, workerd   asking to remember is a TypeError there; a plain wait works as the
//               client's (refusal.mjs, run by node-check.mjs, deno-check.mjs, workerd-worker.mjs)
// Pages, and the React app, are in tests/frontend/pages and tests/frontend/react-app. Prints
// `frontend: N passed, M failed` and exits non-zero when anything failed.

import { execFile, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../scripts/chromium.mjs';
import { startFakeServer } from '../fake-server/server.mjs';
import { escapeRegExp, expectAttribute as expectAttributeWithin, expectText as expectTextWithin, scenarioRun } from '../page-scenarios.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(HERE, '..', '..');
const SCRATCH = path.join(ROOT, 'tests', 'artifacts', 'frontend');
const RUN_LIMIT_MS = 240_000;
const SCENARIO_LIMIT_MS = 40_000;
const STEP_MS = 10_000;

const run = promisify(execFile);
let server;
const { scenario, run: runScenarios } = scenarioRun({ suite: 'frontend', runLimitMs: RUN_LIMIT_MS, scenarioLimitMs: SCENARIO_LIMIT_MS });

async function main(start) {
  prepareScratch();
  server = await startFakeServer({ staticDirs: { '/': SCRATCH } });
  start({ server });
  start({ browser: await launchChromium() });
  const only = process.env.FRONTEND_ONLY ? new RegExp(process.env.FRONTEND_ONLY) : null;
  for (const [name, body, options] of SCENARIOS) {
    if (only && !only.test(name)) continue;
    await scenario(name, body, options);
  }
}

/** Packs pkg/ and installs the tarball, React and react-dom in the scratch project (offline). */
function prepareScratch() {
  if (!existsSync(path.join(ROOT, 'pkg', 'evolink_tasks.wasm'))) throw new Error('pkg/ is not built: run make pkg');
  const lock = JSON.parse(readFileSync(path.join(HERE, 'package-lock.json'), 'utf8'));
  const version = (name) => lock.packages[`node_modules/${name}`].version;
  rmSync(SCRATCH, { recursive: true, force: true });
  mkdirSync(SCRATCH, { recursive: true });
  const quiet = { cwd: SCRATCH, stdio: ['ignore', 'pipe', 'inherit'], timeout: 120_000 };
  const tarball = execFileSync('npm', ['pack', path.join(ROOT, 'pkg'), '--pack-destination', '.', '--silent'], quiet).toString().trim();
  writeFileSync(path.join(SCRATCH, 'package.json'), '{ "name": "evolink-tasks-frontend", "private": true, "type": "module" }\n');
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', `./${tarball}`,
    `react@${version('react')}`, `react-dom@${version('react-dom')}`], quiet);
  cpSync(path.join(HERE, 'pages'), path.join(SCRATCH, 'pages'), { recursive: true });
  cpSync(path.join(HERE, 'react-app'), path.join(SCRATCH, 'react-app'), { recursive: true });
  // The npm README's React example goes into the build as it is written (compiled, not rendered:
  // its client's baseUrl is a proxy this server does not have).
  const readme = readFileSync(path.join(ROOT, 'src', 'js', 'README.md'), 'utf8');
  const jsx = /^```jsx\n([\s\S]*?)^```$/m.exec(readme);
  if (!jsx) throw new Error('src/js/README.md has no jsx example');
  writeFileSync(path.join(SCRATCH, 'react-app', 'readme-example.jsx'), jsx[1]);
  // The React app, built as users build it: Vite with @vitejs/plugin-react (from tests/frontend).
  execFileSync(path.join(HERE, 'node_modules', '.bin', 'vite'), ['build', '--config', path.join(HERE, 'vite.config.mjs'), '--logLevel', 'warn'], {
    cwd: SCRATCH,
    stdio: 'inherit',
    timeout: 120_000,
    env: { ...process.env, FRONTEND_APP: path.join(SCRATCH, 'react-app') },
  });
}

// ---------------------------------------------------------------------------------------------
// Remembered tasks

async function remembersAcrossReloads(context, { newContext }) {
  // Reloaded mid-wait: the task comes back from the storage and completes, created once.
  const page = await openTasks(context, '?tab=A');
  const prompt = `reload ${Date.now()} [as:ok]`;
  const id = await page.evaluate((p) => app.generate(p, 700), prompt);
  await page.waitForFunction((id) => (app.progress[id] ?? []).length >= 2, id, { timeout: STEP_MS });
  const listed = await page.evaluate(() => app.list());
  expect(listed.length === 1 && listed[0].id === id && listed[0].data?.prompt === prompt, `remembered before the reload: ${JSON.stringify(listed)}`);
  await page.reload();
  await page.locator('#state', { hasText: 'ready' }).waitFor();
  await page.evaluate(() => {
    for (const r of app.tasks.list()) if (r.status !== 'completed') app.wait(r.id, 150, { remember: true });
  });
  await waitForResult(page, id, 'completed');
  const creates = server.requests().filter((r) => r.method === 'POST' && r.body.includes(prompt));
  expect(creates.length === 1, `${creates.length} creates for the task`);
  const after = await page.evaluate(() => app.list());
  expect(after.length === 1 && after[0].status === 'completed' && after[0].task?.results?.length === 1, `completed record: ${JSON.stringify(after)}`);
  const left = after[0].expiresAt - Date.now();
  expect(left > 23 * 3600e3 && left <= 24 * 3600e3, `the results expire in ${left} ms`);
  expect(after[0].data.prompt === prompt, 'the caller data is kept');

  // The browser closed and reopened with its storage: the same.
  const second = `reopen ${Date.now()} [as:ok]`;
  const id2 = await page.evaluate((p) => app.generate(p, 700), second);
  await page.waitForFunction((id) => (app.progress[id] ?? []).length >= 2, id2, { timeout: STEP_MS });
  const storageState = await context.storageState();
  await context.close();
  const reopened = await newContext({ storageState });
  const page2 = await openTasks(reopened, '?tab=A&resume=150');
  await waitForResult(page2, id2, 'completed');
  expect(server.requests().filter((r) => r.method === 'POST' && r.body.includes(second)).length === 1, 'one create after reopening');
  // The finished one is listed with its results and was not waited on again.
  const ids = await page2.evaluate(() => app.list().map((r) => `${r.id} ${r.status}`));
  expect(ids.includes(`${id} completed`) && ids.includes(`${id2} completed`), `listed: ${ids}`);
  expect((await page2.evaluate((id) => app.results[id], id)) === undefined, 'a completed task was waited on again');
  // Forgetting, and a failed task leaving the record on its own.
  await page2.evaluate((id) => app.tasks.forget(id), id);
  const failing = await page2.evaluate(() => app.generate(`fails ${Date.now()} [as:fail]`, 100));
  const failure = await waitForResult(page2, failing, 'failed');
  expect(failure.taskFailed && failure.taskId === failing, `failure: ${JSON.stringify(failure)}`);
  const finalIds = await page2.evaluate(() => app.list().map((r) => r.id));
  expect(finalIds.join() === id2, `after forget and a failure: ${finalIds}`);
}

/** A client still loading its wasm (calls wait, `baseUrl` throws until then): BrowserTasks waits too. */
async function worksWithALoadingClient(context) {
  const page = await openTasks(context, '?tab=A');
  const prompt = `loading ${Date.now()} [as:timed3]`;
  const id = await page.evaluate((p) => app.generate(p, 300), prompt);
  const loading = await openTasks(context, '?tab=L&lazy=700&resume=150');
  expect((await loading.evaluate(() => app.listedAtLoad)) === 0, 'list() before the client could name its base URL');
  await waitForResult(loading, id, 'completed');
  await waitForResult(page, id, 'completed');
  const listed = await loading.evaluate(() => app.list().map((r) => `${r.id} ${r.status} ${r.data?.prompt}`));
  expect(listed.includes(`${id} completed ${prompt}`), `listed: ${listed}`);
}

// ---------------------------------------------------------------------------------------------
// Tabs

async function sharesOnePollAcrossTabs(context) {
  const INTERVAL = 500;
  const id = `timed6-tabs${Date.now().toString(36)}`;
  const a = await openTasks(context, '?tab=A');
  await a.evaluate(([id, ms]) => app.wait(id, ms), [id, INTERVAL]);
  await waitForProgress(a, id, 1);
  const b = await openTasks(context, '?tab=B');
  await b.evaluate(([id, ms]) => app.wait(id, ms), [id, INTERVAL]);
  // B follows A: it hears the observations (the first one at once) without polling.
  await waitForProgress(b, id, 1);
  await a.waitForTimeout(INTERVAL * 4);
  const shared = server.requests(id);
  const tabs = new Set(shared.map((r) => r.headers['x-test']));
  expect(tabs.size === 1 && tabs.has('A'), `while both waited, requests came from ${[...tabs]} (${shared.length})`);
  const seenByB = await b.evaluate((id) => app.progress[id], id);
  expect(seenByB.length >= 2, `B heard ${JSON.stringify(seenByB)}`);

  // A closes mid-wait: B takes over within one poll interval and completes.
  const lastOfA = server.requests(id).at(-1).time;
  await a.close();
  const closedAt = Date.now();
  await waitForResult(b, id, 'completed', 12_000);
  const fromB = server.requests(id).filter((r) => r.headers['x-test'] === 'B');
  expect(fromB.length > 0, 'B never polled');
  const gap = fromB[0].time - lastOfA;
  // A polls every INTERVAL; B's first poll comes at most one interval later than A's next would have.
  expect(gap <= 2 * INTERVAL + 250, `B's first poll came ${gap} ms after A's last (closed ${closedAt - lastOfA} ms after it)`);
  const heard = await b.evaluate((id) => app.progress[id], id);
  expect(heard.at(-1) === 'completed 100', `B's observations: ${heard}`);
  expect(new Set(heard).size === heard.length, `B saw an observation twice: ${heard}`);

  // A failure: both tabs reject with the package's TaskFailedError; one tab polled.
  const failing = `fail-tabs${Date.now().toString(36)}`;
  const c = await openTasks(context, '?tab=C');
  await c.evaluate(([id, ms]) => app.wait(id, ms), [failing, 400]);
  await waitForProgress(c, failing, 1);
  await b.evaluate(([id, ms]) => app.wait(id, ms), [failing, 400]);
  const inC = await waitForResult(c, failing, 'failed');
  const inB = await waitForResult(b, failing, 'failed');
  for (const [tab, r] of [['C', inC], ['B', inB]]) {
    expect(r.taskFailed && r.evolink && r.code === 'content_policy_violation' && r.taskId === failing && r.taskStatus === 'failed', `${tab}: ${JSON.stringify(r)}`);
  }
  const failTabs = new Set(server.requests(failing).map((r) => r.headers['x-test']));
  expect(failTabs.size === 1 && failTabs.has('C'), `the failing task was polled by ${[...failTabs]}`);
  const bHeard = await b.evaluate((id) => app.progress[id], failing);
  expect(bHeard.at(-1) === 'failed 40', `B's observations of the failure: ${bHeard}`);
}

async function handsOverFromHiddenAndFrozenTabs(context) {
  const INTERVAL = 400;
  // Hidden: the client of a hidden tab polls at maxIntervalMs; a visible tab takes the lock.
  const id = `timed6-hide${Date.now().toString(36)}`;
  const a = await openTasks(context, '?tab=A');
  await a.evaluate(([id, ms]) => app.wait(id, ms, { maxIntervalMs: 20_000 }), [id, INTERVAL]);
  await waitForProgress(a, id, 1);
  const b = await openTasks(context, '?tab=B');
  await b.evaluate(([id, ms]) => app.wait(id, ms), [id, INTERVAL]);
  await waitForProgress(b, id, 1);
  await b.waitForTimeout(INTERVAL * 2);
  expect(server.requests(id).every((r) => r.headers['x-test'] === 'A'), 'B polled while A, visible, was polling');
  const hiddenAt = Date.now();
  await a.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await waitForResult(b, id, 'completed', 12_000);
  await waitForResult(a, id, 'completed');
  const fromB = server.requests(id).filter((r) => r.headers['x-test'] === 'B');
  expect(fromB.length > 0 && fromB[0].time - hiddenAt <= 2 * INTERVAL + 250, `B's first poll came ${fromB[0]?.time - hiddenAt} ms after A was hidden`);
  const lateFromA = server.requests(id).filter((r) => r.headers['x-test'] === 'A' && r.time > fromB[0].time);
  expect(lateFromA.length === 0, `A, hidden, polled ${lateFromA.length} more time(s) after B took over`);
  await a.close();

  // Frozen: the page lifecycle's `freeze` event (headless Chromium freezes no visible page, and
  // CDP's Page.setWebLifecycleState refuses them silently, so the events are dispatched): the
  // frozen tab lets go of the lock, another takes over; on `resume` it waits in line again and
  // hears the end.
  const frozen = `timed5-freeze${Date.now().toString(36)}`;
  const c = await openTasks(context, '?tab=C');
  await c.evaluate(([id, ms]) => app.wait(id, ms), [frozen, INTERVAL]);
  await waitForProgress(c, frozen, 1);
  await b.evaluate(([id, ms]) => app.wait(id, ms), [frozen, INTERVAL]);
  await waitForProgress(b, frozen, 1);
  const frozenAt = Date.now();
  await c.evaluate(() => document.dispatchEvent(new Event('freeze')));
  await b.waitForFunction((id) => (app.progress[id] ?? []).length >= 3, frozen, { timeout: STEP_MS, polling: 50 });
  await c.evaluate(() => document.dispatchEvent(new Event('resume')));
  await waitForResult(b, frozen, 'completed', 12_000);
  await waitForResult(c, frozen, 'completed');
  const byB = server.requests(frozen).filter((r) => r.headers['x-test'] === 'B');
  expect(byB.length > 0 && byB[0].time - frozenAt <= 2 * INTERVAL + 250, `B's first poll came ${byB[0]?.time - frozenAt} ms after C froze`);
  const cAfter = server.requests(frozen).filter((r) => r.headers['x-test'] === 'C' && r.time > byB[0].time);
  expect(cAfter.length === 0, `C polled ${cAfter.length} time(s) after B took over`);
}

// ---------------------------------------------------------------------------------------------
// Storage problems

async function survivesBadStorage(_context, { newContext }) {
  // Disabled: reading localStorage throws, as with site data blocked.
  const disabled = await newContext();
  await disabled.addInitScript(() => {
    Object.defineProperty(window, 'localStorage', {
      get() {
        throw new DOMException('Access is denied for this document.', 'SecurityError');
      },
    });
  });
  await expectRememberedWaitCompletes(await openTasks(disabled, '?tab=D'), 'storage_unavailable');

  // Full: the origin's quota is used up by other data.
  const full = await newContext();
  const fullPage = await openTasks(full, '?tab=F');
  const filled = await fullPage.evaluate(() => {
    const chunk = 'x'.repeat(512 * 1024);
    let i = 0;
    try {
      for (; i < 100; i += 1) localStorage.setItem(`filler-${i}`, chunk);
    } catch (error) {
      // Top it up to the last few bytes.
      for (let size = 256 * 1024; size >= 1; size = Math.floor(size / 2)) {
        try {
          localStorage.setItem(`filler-${(i += 1)}`, 'y'.repeat(size));
        } catch {}
      }
      return error.name;
    }
    return 'never full';
  });
  expect(filled === 'QuotaExceededError', `filling localStorage: ${filled}`);
  await expectRememberedWaitCompletes(fullPage, 'storage_full');

  // Corrupted: something else wrote under the key.
  const corrupt = await newContext();
  const corruptPage = await openTasks(corrupt, '?tab=K');
  const key = await corruptPage.evaluate(() => `evolink-tasks:v1:${app.tasks.baseUrl}`);
  await corruptPage.evaluate((key) => localStorage.setItem(key, '{"tasks": [oops'), key);
  await corruptPage.reload();
  await corruptPage.locator('#state', { hasText: 'ready' }).waitFor();
  await expectRememberedWaitCompletes(corruptPage, 'storage_corrupt');
  const rebuilt = await corruptPage.evaluate((key) => JSON.parse(localStorage.getItem(key)), key);
  expect(Array.isArray(rebuilt) && rebuilt.length === 1 && rebuilt[0].status === 'completed', `rebuilt record: ${JSON.stringify(rebuilt)}`);
}

/** A remembered wait completes, is listed (in memory at least), and the page heard `code`. */
async function expectRememberedWaitCompletes(page, code) {
  const id = `ok-${code.replace('_', '')}${Date.now().toString(36)}`;
  await page.evaluate((id) => app.wait(id, 100, { remember: { data: { note: 'kept' } } }), id);
  await waitForResult(page, id, 'completed');
  const listed = await page.evaluate(() => app.list());
  expect(listed.some((r) => r.id === id && r.status === 'completed' && r.data?.note === 'kept'), `${code}: listed ${JSON.stringify(listed)}`);
  const warnings = await page.evaluate(() => app.warnings);
  expect(warnings.some((w) => w.code === code), `${code}: warnings ${JSON.stringify(warnings)}`);
}

// ---------------------------------------------------------------------------------------------
// React

async function reactHooks(context) {
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__unhandled = [];
    addEventListener('unhandledrejection', (event) => window.__unhandled.push(String(event.reason?.stack ?? event.reason)));
  });
  await page.goto(`${server.url}/react-app/dist/`);
  const watched = page.locator('p.task[data-label="watched"]');
  await expectAttribute(watched, 'data-phase', 'idle');

  // Mount: a task by id, polled once per observation even under StrictMode's double mount.
  const first = `ok-react${Date.now().toString(36)}`;
  await page.evaluate((id) => control.set({ id }), first);
  await expectAttribute(watched, 'data-phase', 'completed');
  await expectText(watched, new RegExp(`^${first}: completed completed 100 result$`));
  const gets = server.requests(first).length;
  expect(gets === 4, `${gets} GETs for a task that completes on the 4th (StrictMode mounted twice?)`);

  // Unmount mid-wait: no request after.
  const second = `timed8-react${Date.now().toString(36)}`;
  await page.evaluate((id) => control.set({ id }), second);
  await expectText(watched, /: waiting (pending|processing) \d+$/);
  await page.evaluate(() => control.set({ shown: false }));
  await watched.waitFor({ state: 'detached' });
  const atUnmount = server.requests(second).length;
  await page.waitForTimeout(1200);
  expect(server.requests(second).length === atUnmount, `${server.requests(second).length - atUnmount} request(s) after unmount`);

  // Id change: the old wait stops, the new one completes.
  const third = `timed8-react3${Date.now().toString(36)}`;
  const fourth = `ok-react4${Date.now().toString(36)}`;
  await page.evaluate((id) => control.set({ id, shown: true }), third);
  await expectText(watched, new RegExp(`^${third}: waiting (pending|processing) \\d+$`));
  await page.evaluate((id) => control.set({ id }), fourth);
  const atChange = server.requests(third).length;
  await expectAttribute(watched, 'data-phase', 'completed');
  await expectAttribute(watched, 'data-id', fourth);
  await page.waitForTimeout(800);
  expect(server.requests(third).length === atChange, `${server.requests(third).length - atChange} request(s) for the old id after the change`);

  // Generate, reload mid-wait: the remembered task shows up through useRememberedTasks + useTask.
  const prompt = `react reload ${Date.now()} [as:timed4]`;
  await page.evaluate((p) => (window.nextPrompt = p), prompt);
  await page.getByRole('button', { name: 'Generate' }).click();
  const generated = page.locator('p.generated');
  await expectAttribute(generated, 'data-phase', 'waiting');
  const id = await generated.getAttribute('data-id');
  expect(/^timed4-/.test(id), `generated ${id}`);
  await page.reload();
  const resumed = page.locator(`ul.remembered li[data-id="${id}"]`);
  await resumed.waitFor({ timeout: STEP_MS });
  await expectText(resumed, new RegExp(`^${escapeRegExp(prompt)}: `));
  await expectAttribute(resumed, 'data-status', 'completed', STEP_MS);
  const creates = server.requests().filter((r) => r.method === 'POST' && r.body.includes(prompt));
  expect(creates.length === 1, `${creates.length} creates`);
  const unhandled = await page.evaluate(() => window.__unhandled);
  expect(unhandled.length === 0, `unhandled rejections: ${unhandled.join('; ')}`);
}

async function rendersOnTheServer() {
  cpSync(path.join(HERE, 'ssr.mjs'), path.join(SCRATCH, 'ssr.mjs'));
  const { stdout, stderr } = await run(process.execPath, ['--unhandled-rejections=strict', 'ssr.mjs'], { cwd: SCRATCH, timeout: 60_000 })
    .catch((error) => ({ stdout: error.stdout ?? '', stderr: `${error.stderr ?? ''}${error.message}` }));
  expect(stdout.trim().endsWith('ssr: ok') && !/Warning|Error/.test(stderr), `${stdout}${stderr}`);
}

// ---------------------------------------------------------------------------------------------
// Types

async function typeChecks() {
  cpSync(path.join(HERE, 'types.ts'), path.join(SCRATCH, 'types.ts'));
  const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
  const args = ['--noEmit', '--strict', '--exactOptionalPropertyTypes', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2022,dom,dom.iterable', 'types.ts'];
  const { stdout, stderr } = await run(tsc, args, { cwd: SCRATCH, timeout: 120_000 })
    .catch((error) => ({ stdout: error.stdout ?? '', stderr: `${error.stderr ?? ''}${error.message}` }));
  expect(stdout.trim() === '' && !/error/i.test(stderr), `${stdout}${stderr}`);
}

// ---------------------------------------------------------------------------------------------
// Node

async function refusesInNode() {
  for (const file of ['refusal.mjs', 'node-check.mjs']) cpSync(path.join(HERE, file), path.join(SCRATCH, file));
  // Asynchronously: the fake server answering it runs in this process.
  const { stdout, stderr } = await run(process.execPath, ['--unhandled-rejections=strict', 'node-check.mjs', server.url], { cwd: SCRATCH, timeout: 60_000 })
    .catch((error) => ({ stdout: error.stdout ?? '', stderr: `${error.stderr ?? ''}${error.message}` }));
  expect(stdout.trim().endsWith('node-check: ok'), `${stdout}${stderr}`);
}

async function refusesInDeno() {
  for (const file of ['refusal.mjs', 'deno-check.mjs']) cpSync(path.join(HERE, file), path.join(SCRATCH, file));
  const deno = path.join(ROOT, 'node_modules', '.bin', 'deno');
  const env = { ...process.env, DENO_DIR: path.join(SCRATCH, '.deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
  const { stdout, stderr } = await run(deno, ['run', '--no-prompt', '--cached-only', '--allow-net=127.0.0.1', 'deno-check.mjs', server.url], { cwd: SCRATCH, env, timeout: 60_000 })
    .catch((error) => ({ stdout: error.stdout ?? '', stderr: `${error.stderr ?? ''}${error.message}` }));
  expect(stdout.trim().endsWith('deno-check: ok'), `${stdout}${stderr}`);
}

async function refusesInWorkerd() {
  for (const file of ['refusal.mjs', 'workerd-worker.mjs', 'workerd.capnp']) cpSync(path.join(HERE, file), path.join(SCRATCH, file));
  const bin = path.join(ROOT, 'node_modules', '.bin');
  await run(path.join(bin, 'esbuild'), ['workerd-worker.mjs', '--bundle', '--format=esm', '--platform=neutral', '--main-fields=module,main',
    '--conditions=workerd,worker,browser', '--external:*.wasm', '--outfile=dist/worker.mjs', '--log-level=warning'], { cwd: SCRATCH, timeout: 60_000 });
  const port = await freePort();
  const workerd = spawn(path.join(bin, 'workerd'), ['serve', 'workerd.capnp', `--socket-addr=http=127.0.0.1:${port}`], {
    cwd: SCRATCH, env: { ...process.env, BASE: server.url }, stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    let response;
    for (let attempt = 0; !response; attempt += 1) {
      try {
        response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(30_000) });
      } catch (error) {
        if (attempt >= 100 || error.cause?.code !== 'ECONNREFUSED') throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const checks = await response.json();
    const failed = checks.filter((c) => !c.ok);
    expect(checks.length > 0 && failed.length === 0, failed.map((c) => `${c.name}: ${c.error}`).join('\n'));
  } finally {
    workerd.kill('SIGTERM');
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

async function openTasks(context, query = '') {
  const page = await context.newPage();
  await page.goto(`${server.url}/pages/tasks.html${query}`);
  await page.locator('#state', { hasText: 'ready' }).waitFor({ timeout: STEP_MS });
  return page;
}

async function waitForResult(page, id, state, timeout = STEP_MS) {
  const handle = await page.waitForFunction((id) => app.results[id]?.state !== 'waiting' && app.results[id], id, { timeout, polling: 50 });
  const result = await handle.jsonValue();
  expect(result.state === state, `${id} ended ${JSON.stringify(result)}, expected ${state}`);
  return result;
}

function waitForProgress(page, id, count) {
  return page.waitForFunction(([id, n]) => (app.progress[id] ?? []).length >= n, [id, count], { timeout: STEP_MS, polling: 50 });
}

function expectAttribute(locator, name, value, timeout = STEP_MS) {
  return expectAttributeWithin(locator, name, value, timeout);
}

function expectText(locator, pattern, timeout = STEP_MS) {
  return expectTextWithin(locator, pattern, timeout);
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

const SCENARIOS = [
  ['remember: reload and reopen resume the task, created once', remembersAcrossReloads],
  ['remember: a client still loading its wasm', worksWithALoadingClient],
  ['tabs: one tab polls, another takes over when it closes', sharesOnePollAcrossTabs],
  ['tabs: a hidden or frozen polling tab hands over to another', handsOverFromHiddenAndFrozenTabs],
  ['storage: disabled, full and corrupted storage never break a wait', survivesBadStorage],
  ['react: StrictMode mount, unmount, id change, resume after reload', reactHooks],
  ['ssr: the hooks render idle on the server, nothing runs', rendersOnTheServer, { context: false }],
  ['types: the declarations of both entries type-check as a user writes them', typeChecks, { context: false }],
  ['node: remembering is refused outside a page, nothing else changes', refusesInNode, { context: false }],
  ['deno: remembering is refused, nothing else changes', refusesInDeno, { context: false }],
  ['workerd: remembering is refused, nothing else changes', refusesInWorkerd, { context: false }],
];

runScenarios(main);
