// Next.js 16, as create-next-app sets it up, built with Turbopack (its default) and with webpack
// (`next build --webpack`), then served by `next start`, three apps (one failing build must not
// hide the others' cases): apps/next (Cache Components on), a Client Component page run in
// Chromium (the shared checks) and a Route Handler on the Node.js runtime; apps/next-server
// (Cache Components on), a Server Component awaiting a task in <Suspense>; apps/next-edge (Next
// refuses the edge runtime under Cache Components), a Route Handler on the edge runtime. Each
// route is hit with a real request. A warning about the package or its wasm, at build or while serving, fails; so does
// `Buffer` in the browser's chunks. Called by run.mjs; resolves with one outcome per bundler.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { report } from '../pkg/report.mjs';
import { packageWarning, resultsFromPage, runBuild } from './lib.mjs';

const BUNDLERS = { 'next-turbopack': [], 'next-webpack': ['--webpack'] };

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** `next start` on a free port; resolves once it listens, with { url, log(), stop() }. */
async function start(next, app, env) {
  const port = await freePort();
  const child = spawn(next, ['start', '-p', String(port), '-H', '127.0.0.1'], { cwd: app, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`next start exited: ${log}`);
    if (await fetch(url).then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    log: () => log,
    stop: () => new Promise((resolve) => {
      child.once('close', resolve);
      try { process.kill(-child.pid, 'SIGTERM'); } catch { resolve(); }
    }),
  };
}

/** The browser's JS chunks that hold the package, and the wasm, under .next/static. */
function shippedToBrowser(app) {
  const dir = join(app, '.next/static');
  const files = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.wasm') || (entry.name.endsWith('.js') && readFileSync(path, 'utf8').includes('evolink'))) {
        const bytes = readFileSync(path);
        files.push({ file: relative(dir, path), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  const sum = (wasm, key) => files.filter((f) => f.file.endsWith('.wasm') === wasm).reduce((n, f) => n + f[key], 0);
  return { files, js: sum(false, 'raw'), jsGzip: sum(false, 'gzip'), wasm: sum(true, 'raw'), wasmGzip: sum(true, 'gzip') };
}

async function request(url) {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

/** Builds `app` (a copy of apps/<dir>) and serves it; `check(url)` resolves with its cases. */
async function buildAndCheck(label, app, flags, env, check) {
  const next = join(app, '../../node_modules/.bin/next');
  const results = [];
  const { code, output } = await runBuild(next, ['build', ...flags], { cwd: app, seconds: 600, env });
  const built = code === 0;
  results.push({ name: `${label}: next build`, ok: built, error: output.trim().split('\n').slice(-40).join('\n') });
  const warning = packageWarning(output);
  results.push({ name: `${label}: next build prints no warning about the package or its wasm`, ok: built && !warning, error: warning ?? 'did not build' });
  if (!built) return results;
  const server = await start(next, app, env);
  try {
    results.push(...(await check(server.url)).map((r) => ({ ...r, name: `${label}: ${r.name}` })));
  } finally {
    await server.stop();
  }
  const served = packageWarning(server.log());
  results.push({ name: `${label}: next start prints no warning about the package or its wasm`, ok: !served, error: served });
  return results;
}

/** A route's JSON answer: the task's status and the class of a failed task's error. */
async function routeCase(url, route) {
  const { status, text } = await request(`${url}${route}`).catch((e) => ({ status: 0, text: String(e) }));
  let body;
  try { body = JSON.parse(text); } catch { body = {}; }
  return { ok: status === 200 && body.status === 'pending' && body.failed === 'TaskFailedError', error: `HTTP ${status}: ${text.slice(0, 1500)}` };
}

async function runOne(name, flags, { scratch, here, base, browser }) {
  const env = { EVOLINK_BASE_URL: base, NEXT_PUBLIC_EVOLINK_BASE_URL: base, NEXT_TELEMETRY_DISABLED: '1' };
  const id = `ok-next${Date.now().toString(36)}`;
  const app = (dir) => {
    const path = join(scratch, `${name}${dir.slice('next'.length)}`);
    cpSync(join(here, 'apps', dir), path, { recursive: true });
    return path;
  };
  const main = app('next');
  cpSync(join(here, 'apps/shared/checks.mjs'), join(main, 'app/client/checks.mjs'));
  const started = performance.now();
  const results = await buildAndCheck('client page and Node route', main, flags, env, async (url) => [
    { name: 'a Route Handler on the Node.js runtime answers', ...(await routeCase(url, `/api/node?id=${id}-node`)) },
    ...(await resultsFromPage(browser, `${url}/client`)).map((r) => ({ ...r, name: `client component: ${r.name}` })),
  ]);
  const size = shippedToBrowser(main);
  const buffer = size.files.filter((f) => f.file.endsWith('.js') && /\bBuffer\b/.test(readFileSync(join(main, '.next/static', f.file), 'utf8')));
  results.push({ name: "the browser's chunks hold no Buffer", ok: size.files.length > 0 && buffer.length === 0, error: `Buffer in ${buffer.map((f) => f.file).join(', ') || '(no chunk holds the package)'}` });
  results.push(...(await buildAndCheck('Server Component', app('next-server'), flags, env, async (url) => {
    const page = await request(`${url}/server`).catch((e) => ({ status: 0, text: String(e) }));
    return [{
      name: 'a Server Component in <Suspense> renders the task',
      ok: page.status === 200 && /task (<!-- -->)?ok-next-server(<!-- -->)?: (<!-- -->)?(pending|processing|completed)/.test(page.text),
      error: `HTTP ${page.status}: ${page.text.slice(-1500)}`,
    }];
  })));
  results.push(...(await buildAndCheck('edge route', app('next-edge'), flags, env, async (url) => [
    { name: 'a Route Handler on the edge runtime answers', ...(await routeCase(url, `/api/edge?id=${id}-edge`)) },
  ])));
  const seconds = (performance.now() - started) / 1000;
  return { name, ok: report(name, results), results, size, seconds };
}

export async function runNext(context) {
  const outcomes = [];
  for (const [name, flags] of Object.entries(BUNDLERS)) outcomes.push(await runOne(name, flags, context));
  return outcomes;
}
