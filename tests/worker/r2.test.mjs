// The example worker's saved results (issue 21) with a real local R2: the bundle wrangler made
// (DIST, its wasm WASM) served by Miniflare (MINIFLARE: the package's directory), an R2 bucket,
// Durable Objects and storage persisted under PERSIST; the fake EvoLink server at BASE serves the
// result files (generated on the fly, cut off, expired on demand). Started by r2.sh, which also
// sets KEY, SERVER_TOKEN, CALLBACK_SECRET, REPORT (figures) and LOGS.
//
// Miniflare instances (one workerd process each), all with fast alarms (100–300 ms):
//   saves    RESULTS bound, RESULT_RETRY_MS 200, RESULT_MAX_BYTES 64 MiB, default retention
//   short    RESULTS bound, RESULT_RETENTION_MS 4000: copies deleted 4 s after the completion
//   nobucket no RESULTS: nothing saved, no /results routes (as the workerd suite runs it)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { EvoLinkClient } from 'evolink-tasks';

const { BASE, KEY, SERVER_TOKEN, CALLBACK_SECRET, DIST, WASM, PERSIST, MINIFLARE, REPORT, LOGS } = process.env;
const { Miniflare, Log, LogLevel } = await import(pathToFileURL(createRequire(`${MINIFLARE}/`).resolve('miniflare')).href);
const { generatedByte } = await import(pathToFileURL(path.resolve(MINIFLARE, '../../tests/fake-server/server.mjs')).href);
const compatibilityDate = /compatibility_date = "([\d-]+)"/.exec(readFileSync('wrangler.toml', 'utf8'))[1];
const T = { timeout: 30_000 };
const MAX_BYTES = 64 * 1024 * 1024;
const ORIGIN = 'https://app.example';
const figures = [];

const COMMON = {
  EVOLINK_API_KEY: KEY, EVOLINK_BASE_URL: BASE, SERVER_TOKEN, CALLBACK_SECRET, ALLOWED_ORIGINS: ORIGIN,
  CREATES_PER_MINUTE: '1000', CREATES_PER_DAY: '100000', MIN_POLL_INTERVAL_MS: '100',
  ALARM_MIN_INTERVAL_MS: '100', ALARM_MAX_INTERVAL_MS: '300', RESULT_RETRY_MS: '200', RESULT_MAX_BYTES: String(MAX_BYTES),
};
const CONFIGS = {
  saves: { vars: COMMON, bucket: true },
  short: { vars: { ...COMMON, RESULT_RETENTION_MS: '4000' }, bucket: true },
  nobucket: { vars: COMMON, bucket: false },
};
const W = {}; // name → { mf, url, pid }

/** The pids of this process's workerd children (Miniflare spawns one per instance). */
const workerdPids = () => execFileSync('ps', ['--ppid', String(process.pid), '-o', 'pid=,comm='], { encoding: 'utf8' })
  .split('\n').filter((l) => /workerd/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));

before(async () => {
  for (const [name, { vars, bucket }] of Object.entries(CONFIGS)) {
    const seen = new Set(workerdPids());
    const mf = new Miniflare({
      host: '127.0.0.1',
      port: 0,
      modulesRoot: DIST,
      modules: [{ type: 'ESModule', path: `${DIST}/index.js` }, { type: 'CompiledWasm', path: `${DIST}/${WASM}` }],
      compatibilityDate,
      bindings: vars,
      durableObjects: { TASKS: { className: 'TaskStore', useSQLite: true }, LIMITS: { className: 'CreateLimits', useSQLite: true } },
      ...(bucket ? { r2Buckets: ['RESULTS'], r2Persist: `${PERSIST}/${name}/r2` } : {}),
      durableObjectsPersist: `${PERSIST}/${name}/do`,
      log: new Log(LogLevel.WARN),
    });
    const url = (await mf.ready).origin;
    W[name] = { mf, url, pid: workerdPids().find((p) => !seen.has(p)) };
  }
});

after(async () => {
  for (const { mf } of Object.values(W)) await mf.dispose();
  if (figures.length > 0) writeFileSync(REPORT, `${figures.join('\n')}\n`);
});

const serverAuth = () => ({ authorization: `Bearer ${SERVER_TOKEN}` });

/** One request to a worker: { status, headers, bytes, text, data }. */
async function call(worker, pathname, { method = 'GET', body, headers = {} } = {}) {
  const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(20_000) };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(W[worker].url + pathname, init);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes.subarray(0, 4096));
  let data = null;
  try {
    data = JSON.parse(new TextDecoder().decode(bytes));
  } catch {}
  return { status: res.status, headers: res.headers, bytes, text, data };
}

/** Creates a task (the prompt's directives pick the scenario and the result files): its id. */
async function create(worker, prompt, headers = serverAuth()) {
  const r = await call(worker, '/tasks', { method: 'POST', body: { prompt }, headers });
  assert.equal(r.status, 201, r.text);
  return r.data.id;
}

/** GET /tasks/:id until `done(task)` (the alarms poll every 100–300 ms and do the copies). */
async function until(worker, id, done, what, ms = 20_000) {
  const end = Date.now() + ms;
  let task = null;
  while (Date.now() < end) {
    task = (await call(worker, `/tasks/${id}`)).data;
    if (done(task)) return task;
    await sleep(100);
  }
  throw new Error(`${id}: never ${what}; last: ${JSON.stringify(task?.saved_results ?? task)}`);
}
const settled = (task) => task.status === 'completed' && task.saved_results?.every((s) => s.state !== 'saving');

/** The fake server's log of result-file requests (for one path, or all). */
async function mediaLog(pathname) {
  const log = await (await fetch(`${BASE}/__media`)).json();
  return pathname === undefined ? log : log.filter((r) => r.path === pathname);
}
const uniq = () => randomBytes(4).toString('hex');
/** A local path of a stable URL (the worker names itself by the request's origin). */
const local = (url) => new URL(url).pathname;

describe('saving results into R2', { concurrency: true }, () => {
  test('a completed task: each result streamed into R2, recorded as saved, served from its stable URL', T, async () => {
    const sample = readFileSync(path.resolve(MINIFLARE, '../../tests/fake-server/media/sample.mp4'));
    const id = await create('saves', `[as:ok] two [result:/media/sample.mp4?v=${uniq()}] [result:/generated/300001.bin?v=${uniq()}]`);
    const task = await until('saves', id, settled, 'saved');
    assert.equal(task.results.length, 2);
    assert.deepEqual(task.saved_results.map((s) => s.state), ['saved', 'saved']);
    const [video, other] = task.saved_results;
    assert.equal(video.url, `${W.saves.url}/results/${id}/0`);
    assert.deepEqual([video.content_type, video.size], ['video/mp4', sample.length]);
    assert.deepEqual([other.content_type, other.size], ['application/octet-stream', 300001]);
    assert.ok(Math.abs(Date.parse(video.expires_at) - (Date.now() + 30 * 86_400_000)) < 60_000, video.expires_at);
    const served = await call('saves', local(video.url));
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), 'video/mp4');
    assert.equal(served.headers.get('content-length'), String(sample.length));
    assert.equal(served.headers.get('accept-ranges'), 'bytes');
    assert.match(served.headers.get('etag'), /^"[^"]+"$/);
    assert.ok(Buffer.from(served.bytes).equals(sample), 'the same bytes');
    const second = await call('saves', local(other.url));
    assert.equal(second.bytes.length, 300001);
    assert.ok(second.bytes.every((b, i) => b === generatedByte(i)));
    const head = await call('saves', local(video.url), { method: 'HEAD' });
    assert.deepEqual([head.status, head.headers.get('content-length'), head.headers.get('etag')], [200, String(sample.length), served.headers.get('etag')]);
    // GET /v1/tasks/:id (the package's client through the worker) shows the same.
    const client = new EvoLinkClient({ baseUrl: W.saves.url });
    const seen = await client.getTask(id);
    assert.deepEqual(seen.saved_results ?? seen.raw?.saved_results, task.saved_results);
  });
});
