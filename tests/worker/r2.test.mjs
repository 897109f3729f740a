// The example worker's saved results (issue 21) with a real local R2: the bundle wrangler made
// (DIST, its wasm WASM) served by Miniflare (from the repository ROOT's dev tools), an R2 bucket,
// Durable Objects and storage persisted under PERSIST; the fake EvoLink server at BASE serves the
// result files (generated on the fly, cut off, expired on demand). Started by r2.sh, which also
// sets KEY, SERVER_TOKEN, CALLBACK_SECRET, REPORT (figures) and LOGS.
//
// Miniflare instances (one workerd process each), all with fast alarms (100–300 ms):
//   saves    RESULTS bound, RESULT_RETRY_MS 200, RESULT_MAX_BYTES 64 MiB, default retention
//   short    RESULTS bound, RESULT_RETENTION_MS 4000: copies deleted 4 s after the completion
//   slow     RESULTS bound, alarms hourly: only a callback or a read can learn of the completion
//   nobucket no RESULTS: nothing saved, no /results routes (as the workerd suite runs it)
// and a page server on loopback (listed in ALLOWED_ORIGINS) for headless Chromium.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { EvoLinkClient } from 'evolink-tasks';

const { BASE, KEY, SERVER_TOKEN, CALLBACK_SECRET, DIST, WASM, PERSIST, ROOT, REPORT, LOGS } = process.env;
const requireDev = createRequire(`${ROOT}/package.json`); // the repository's dev tools
const { Miniflare, Log, LogLevel } = requireDev('miniflare');
const { generatedByte } = await import(pathToFileURL(`${ROOT}/tests/fake-server/server.mjs`).href);
const SAMPLE = readFileSync(`${ROOT}/tests/fake-server/media/sample.mp4`);
const compatibilityDate = /compatibility_date = "([\d-]+)"/.exec(readFileSync('wrangler.toml', 'utf8'))[1];
const T = { timeout: 30_000 };
const MAX_BYTES = 64 * 1024 * 1024;
const ORIGIN = 'https://app.example';
const figures = [];

const COMMON = {
  EVOLINK_API_KEY: KEY, EVOLINK_BASE_URL: BASE, SERVER_TOKEN, CALLBACK_SECRET, ALLOWED_ORIGINS: ORIGIN, // + the page's
  CREATES_PER_MINUTE: '1000', CREATES_PER_DAY: '100000', MIN_POLL_INTERVAL_MS: '100',
  ALARM_MIN_INTERVAL_MS: '100', ALARM_MAX_INTERVAL_MS: '300', RESULT_RETRY_MS: '200', RESULT_MAX_BYTES: String(MAX_BYTES),
};
const CONFIGS = {
  saves: { vars: COMMON, bucket: true },
  short: { vars: { ...COMMON, RESULT_RETENTION_MS: '4000' }, bucket: true },
  slow: { vars: { ...COMMON, ALARM_MIN_INTERVAL_MS: '3600000', ALARM_MAX_INTERVAL_MS: '3600000' }, bucket: true },
  nobucket: { vars: COMMON, bucket: false },
};
const W = {}; // name → { mf, url, pid }

/** The pids of this process's workerd children (Miniflare spawns one per instance). */
const workerdPids = () => execFileSync('ps', ['--ppid', String(process.pid), '-o', 'pid=,comm='], { encoding: 'utf8' })
  .split('\n').filter((l) => /workerd/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));

// The page: index.html below, and the installed package (as a page imports it) under /pkg/.
const PKG_DIR = path.resolve('node_modules/evolink-tasks');
const PAGE_TYPES = { '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
const pageServer = createServer((req, res) => {
  const { pathname } = new URL(req.url, 'http://x');
  if (pathname === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  const file = /^\/pkg\/([a-z_]+\.(mjs|wasm))$/.exec(pathname);
  if (!file) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': PAGE_TYPES[path.extname(file[1])] }).end(readFileSync(path.join(PKG_DIR, file[1])));
});
let PAGE_URL;

before(async () => {
  await new Promise((ok) => pageServer.listen(0, '127.0.0.1', ok));
  PAGE_URL = `http://127.0.0.1:${pageServer.address().port}`;
  for (const config of Object.values(CONFIGS)) config.vars = { ...config.vars, ALLOWED_ORIGINS: `${ORIGIN}, ${PAGE_URL}` };
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
      cf: false, // no request.cf data fetched from Cloudflare: the tests talk to loopback only
      log: new Log(LogLevel.WARN),
      // workerd's own output (a crash says why there), one file per instance
      handleRuntimeStdio(stdout, stderr) {
        const out = createWriteStream(`${LOGS}/workerd-${name}.log`);
        stdout.pipe(out);
        stderr.pipe(out);
      },
    });
    const url = (await mf.ready).origin;
    W[name] = { mf, url, pid: workerdPids().find((p) => !seen.has(p)) };
  }
});

after(async () => {
  for (const { mf } of Object.values(W)) await mf.dispose();
  pageServer.close();
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
  let res;
  try {
    res = await fetch(W[worker].url + pathname, init);
  } catch (e) {
    // Say whether workerd itself is gone (its output is in logs/workerd-<name>.log).
    let alive = true;
    try {
      process.kill(W[worker].pid, 0);
    } catch {
      alive = false;
    }
    throw new Error(`${method} ${pathname} on ${worker}: ${e.message} (${e.cause?.code ?? e.cause?.message}); its workerd ${alive ? 'runs' : 'has exited'}`);
  }
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
    const sample = SAMPLE;
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
    assert.deepEqual(seen.saved_results, task.saved_results);
  });
});

/** The R2 keys under results/<id>/ in a worker's bucket. */
async function keys(worker, id) {
  const bucket = await W[worker].mf.getR2Bucket('RESULTS');
  return (await bucket.list({ prefix: `results/${id}/` })).objects.map((o) => o.key);
}

/** VmRSS of a process in bytes. */
const rss = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
const MB = 1024 * 1024;
/** The shortest wait before attempt k + 2 (RESULT_RETRY_MS 200, doubling, capped at 30 times, −25 %). */
const minWait = (k) => 0.75 * Math.min(200 * 2 ** k, 6000) - 5;

// Alone (nothing else runs in workerd meanwhile), so its memory is this copy's.
describe('a large result', () => {
  test('a 50 MB result is streamed into R2 within the worker’s memory limit (128 MB), whole and unchanged', { timeout: 60_000 }, async () => {
    const size = 50 * 1000 * 1000;
    const file = `/generated/${size}.mp4`;
    const id = await create('saves', `[as:ok] a long film [result:${file}?v=${uniq()}]`);
    // workerd's resident memory (the worker, its Durable Objects and Miniflare's R2 alike) from
    // just after the create until the copy is saved, every 20 ms.
    const base = rss(W.saves.pid);
    let peak = base;
    const sampler = setInterval(() => { peak = Math.max(peak, rss(W.saves.pid)); }, 20);
    const started = Date.now();
    let task;
    try {
      task = await until('saves', id, settled, 'saved', 50_000);
    } finally {
      clearInterval(sampler);
    }
    const seconds = (Date.now() - started) / 1000;
    assert.deepEqual(task.saved_results.map((s) => [s.state, s.size, s.content_type]), [['saved', size, 'video/mp4']]);
    figures.push(`50 MB result copied into R2 (Miniflare): workerd resident memory ${(base / MB).toFixed(0)} MB before, peak ${(peak / MB).toFixed(0)} MB (+${((peak - base) / MB).toFixed(1)} MB); created → saved in ${seconds.toFixed(1)} s`);
    // The whole process counts: the worker, the Durable Objects and Miniflare's R2 (a worker of
    // its own). Measured here: streaming +42–45 MB (+57–60 MB for 150 MB, +88 MB for 300 MB: not
    // in proportion to the size); the same copy through `await response.arrayBuffer()` +130 MB.
    assert.ok(peak - base < 80 * MB, `workerd grew by ${((peak - base) / MB).toFixed(1)} MB while copying 50 MB: the copy was buffered`);
    const bucket = await W.saves.mf.getR2Bucket('RESULTS');
    const object = await bucket.head(`results/${id}/0`);
    assert.equal(object.size, size);
    for (const offset of [0, 1, 65_535, 65_536, 8 * MB - 1, 8 * MB, 31_415_926, size - 100]) {
      const r = await call('saves', `/results/${id}/0`, { headers: { range: `bytes=${offset}-${offset + 99}` } });
      assert.equal(r.status, 206);
      assert.ok(r.bytes.every((b, i) => b === generatedByte(offset + i)), `bytes at ${offset}`);
    }
    assert.equal((await mediaLog(file)).filter((r) => r.method === 'GET').length, 1, 'fetched once');
  });
});

describe('what is saved, when, and how', { concurrency: true }, () => {

  test('a copy cut off midway is retried by the alarms until whole; the partial copy is never served', T, async () => {
    const size = 3_000_000;
    const file = `/generated/${size}.mp4`;
    const id = await create('saves', `[as:ok] cut [result:${file}?cut=1000000&cuts=3&v=${uniq()}]`);
    const seen = await until('saves', id, (t) => t.saved_results?.[0]?.reason === 'cut_off', 'cut off');
    assert.equal(seen.saved_results[0].state, 'saving');
    assert.ok(seen.saved_results[0].attempts >= 1);
    const meanwhile = await call('saves', `/results/${id}/0`);
    assert.equal(meanwhile.status, 404, 'nothing is served while the copy is not whole');
    assert.equal(meanwhile.data.error.code, 'result_not_saved');
    const task = await until('saves', id, settled, 'saved');
    assert.deepEqual(task.saved_results.map((s) => [s.state, s.size]), [['saved', size]]);
    const log = (await mediaLog(file)).filter((r) => r.method === 'GET');
    assert.deepEqual(log.map((r) => r.cut), [1_000_000, 1_000_000, 1_000_000, null], 'three cut-off attempts, then a whole one');
    const gaps = log.slice(1).map((r, k) => r.time - log[k].time);
    assert.ok(gaps.every((gap, k) => gap >= minWait(k)), `the waits grow: ${gaps} ms`);
    const r = await call('saves', `/results/${id}/0`);
    assert.equal(r.bytes.length, size);
    assert.ok(r.bytes.every((b, i) => b === generatedByte(i)));
  });

  test('a copy that keeps failing: 8 attempts with growing waits, then failed with the reason; nothing in R2', { timeout: 60_000 }, async () => {
    const file = '/generated/100000.mp4';
    const query = `cut=5000&v=${uniq()}`;
    const id = await create('saves', `[as:ok] never whole [result:${file}?${query}]`);
    // RESULT_RETRY_MS 200: waits of about 0.2, 0.4, 0.8, 1.6, 3.2, 6, 6 s (capped at 30 times it)
    const task = await until('saves', id, settled, 'given up', 50_000);
    assert.deepEqual(task.saved_results, [{
      state: 'failed', reason: 'cut_off', message: 'the copy broke off before the end (the connection or the storage failed) (gave up after 8 attempts)',
    }]);
    const times = (await mediaLog(file)).filter((r) => r.query === query).map((r) => r.time);
    assert.equal(times.length, 8);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // Each wait is at least its planned minimum (a busy machine only makes them longer).
    assert.ok(gaps.every((gap, k) => gap >= minWait(k)), `the waits grow: ${gaps} ms`);
    assert.deepEqual(await keys('saves', id), []);
  });

  test('without a Content-Length: a multipart upload (8 MiB parts); one cut off after a part is retried whole', T, async () => {
    const size = 20_000_000;
    const file = `/generated/${size}.mp4`;
    const id = await create('saves', `[as:ok] chunked [result:${file}?chunked=1&v=${uniq()}] [result:${file}?chunked=1&cut=9000000&cuts=1&v=${uniq()}]`);
    const task = await until('saves', id, settled, 'saved');
    assert.deepEqual(task.saved_results.map((s) => [s.state, s.size]), [['saved', size], ['saved', size]]);
    for (const index of [0, 1]) {
      for (const offset of [0, 8 * MB - 3, 16 * MB - 3, size - 50]) {
        const r = await call('saves', `/results/${id}/${index}`, { headers: { range: `bytes=${offset}-${offset + 49}` } });
        assert.ok(r.bytes.length === 50 && r.bytes.every((b, i) => b === generatedByte(offset + i)), `result ${index} at ${offset}`);
      }
    }
    assert.deepEqual((await mediaLog(file)).filter((r) => r.method === 'GET' && r.query.includes('cut=')).map((r) => r.cut), [9_000_000, null]);
  });

  test('six copies without a length at once (tasks whose Durable Objects share an isolate): all saved whole', { timeout: 60_000 }, async () => {
    const size = 9_000_000; // two parts each
    const ids = await Promise.all(Array.from({ length: 6 }, () => create('saves', `[as:ok] many [result:/generated/${size}.mp4?chunked=1&v=${uniq()}]`)));
    for (const id of ids) {
      const task = await until('saves', id, settled, 'saved', 50_000);
      assert.deepEqual(task.saved_results.map((s) => [s.state, s.size]), [['saved', size]], id);
      const r = await call('saves', `/results/${id}/0`, { headers: { range: `bytes=${size - 10}-` } });
      assert.ok(r.bytes.length === 10 && r.bytes.every((b, i) => b === generatedByte(size - 10 + i)), id);
    }
  });

  test('a result over RESULT_MAX_BYTES is refused, with the reason, whether its length is told or not', { timeout: 60_000 }, async () => {
    const file = `/generated/${MAX_BYTES + 1}.mp4`;
    const id = await create('saves', `[as:ok] too big [result:${file}?v=${uniq()}] [result:${file}?chunked=1&v=${uniq()}]`);
    const task = await until('saves', id, settled, 'refused', 50_000);
    for (const s of task.saved_results) {
      assert.equal(s.state, 'failed');
      assert.equal(s.reason, 'too_large');
      assert.match(s.message, /RESULT_MAX_BYTES \(67108864\)/);
      assert.equal(s.url, undefined);
    }
    assert.equal((await mediaLog(file)).length, 2, 'never retried');
    assert.deepEqual(await keys('saves', id), [], 'nothing left in R2 (the multipart upload was aborted)');
  });

  test('a result URL that expired before the copy: recorded as failed with the reason, not retried', T, async () => {
    const sig = uniq();
    const id = await create('saves', `[as:ok] late [result:/media/sample.mp4?sig=${sig}]`);
    await fetch(`${BASE}/__expire?sig=${sig}`, { method: 'POST' });
    const task = await until('saves', id, settled, 'failed');
    assert.deepEqual(task.saved_results, [{
      state: 'failed', reason: 'http_403', message: 'the result URL answered HTTP 403: the link has expired or was never valid',
    }]);
    await sleep(600); // three retry waits (200 ms) would have passed
    assert.equal((await mediaLog('/media/sample.mp4')).filter((r) => r.query === `sig=${sig}`).length, 1);
    assert.equal((await call('saves', `/results/${id}/0`)).status, 404);
  });
});

describe('who learns of the completion first starts the saving, once', { concurrency: true }, () => {
  test('a callback (alarms hourly): saved; the same callback four more times (two at once) saves nothing twice', T, async () => {
    const file = `/generated/2000000.mp4`;
    const query = `v=${uniq()}`;
    const r = await call('slow', '/tasks', {
      method: 'POST', body: { prompt: `[as:ok] called back [result:${file}?${query}]` },
      headers: { ...serverAuth(), 'mf-original-url': 'https://tasks.example.com/tasks' },
    });
    assert.equal(r.status, 201, r.text);
    const { id } = r.data;
    const created = (await (await fetch(`${BASE}/__requests?id=${id}`)).json()).find((q) => q.method === 'POST');
    const callbackUrl = new URL(JSON.parse(created.body).callback_url);
    assert.equal(callbackUrl.origin, 'https://tasks.example.com');
    let sent;
    for (let i = 0; i < 4; i++) sent = await (await fetch(`${BASE}/v1/tasks/${id}`)).json();
    assert.equal(sent.status, 'completed');
    const path = callbackUrl.pathname + callbackUrl.search;
    const first = await call('slow', path, { method: 'POST', body: sent });
    assert.deepEqual([first.status, first.data.status], [200, 'completed'], first.text);
    const again = [await call('slow', path, { method: 'POST', body: sent }), await call('slow', path, { method: 'POST', body: sent }),
      ...await Promise.all([1, 2].map(() => call('slow', path, { method: 'POST', body: sent })))];
    assert.deepEqual(again.map((a) => a.status), [200, 200, 200, 200]);
    const task = await until('slow', id, settled, 'saved');
    assert.equal((await call('slow', `/tasks/${id}`)).headers.get('x-task-source'), 'callback');
    assert.deepEqual(task.saved_results.map((s) => [s.state, s.size]), [['saved', 2_000_000]]);
    await sleep(500);
    assert.equal((await mediaLog(file)).filter((q) => q.query === query).length, 1, 'copied once');
    assert.deepEqual(await keys('slow', id), [`results/${id}/0`]);
  });

  test('a page’s GET /tasks/:id (alarms hourly): the read that finds it completed starts the saving', T, async () => {
    const query = `v=${uniq()}`;
    const id = await create('slow', `[as:ok] read [result:/media/sample.mp4?${query}]`);
    let task;
    for (let i = 0; i < 10 && task?.status !== 'completed'; i++) {
      await sleep(120); // MIN_POLL_INTERVAL_MS 100
      task = (await call('slow', `/tasks/${id}`)).data;
    }
    assert.equal(task.status, 'completed');
    assert.deepEqual(task.saved_results.map((s) => s.state), ['saving'], 'the answer does not wait for the copy');
    const saved = await until('slow', id, settled, 'saved');
    assert.equal(saved.saved_results[0].state, 'saved');
    assert.equal((await mediaLog('/media/sample.mp4')).filter((q) => q.query === query).length, 1);
  });
});

describe('serving, retention, deletion', { concurrency: true }, () => {
  test('range requests on a saved video (players seek): 206, 416, suffixes, If-Range, If-None-Match → 304', T, async () => {
    const sample = SAMPLE;
    const size = sample.length;
    const id = await create('saves', `[as:ok] seek [result:/media/sample.mp4?v=${uniq()}]`);
    await until('saves', id, settled, 'saved');
    const url = `/results/${id}/0`;
    const whole = await call('saves', url);
    const etag = whole.headers.get('etag');
    const cases = [['bytes=0-99', 0, 99], ['bytes=1000-', 1000, size - 1], ['bytes=-500', size - 500, size - 1],
      ['bytes=5000-9999999', 5000, size - 1], [`bytes=${size - 1}-`, size - 1, size - 1]];
    for (const [range, start, end] of cases) {
      const r = await call('saves', url, { headers: { range } });
      assert.equal(r.status, 206, range);
      assert.equal(r.headers.get('content-range'), `bytes ${start}-${end}/${size}`, range);
      assert.equal(r.headers.get('content-length'), String(end - start + 1), range);
      assert.equal(r.headers.get('content-type'), 'video/mp4');
      assert.equal(r.headers.get('etag'), etag);
      assert.ok(Buffer.from(r.bytes).equals(sample.subarray(start, end + 1)), range);
    }
    for (const range of [`bytes=${size}-`, 'bytes=-0']) {
      const r = await call('saves', url, { headers: { range } });
      assert.deepEqual([r.status, r.headers.get('content-range')], [416, `bytes */${size}`], range);
    }
    const several = await call('saves', url, { headers: { range: 'bytes=0-1,5-6' } });
    assert.deepEqual([several.status, several.bytes.length], [200, size], 'several ranges: the whole file');
    const stale = await call('saves', url, { headers: { range: 'bytes=0-9', 'if-range': '"another"' } });
    assert.deepEqual([stale.status, stale.bytes.length], [200, size], 'If-Range with another ETag: the whole file');
    const fresh = await call('saves', url, { headers: { range: 'bytes=0-9', 'if-range': etag } });
    assert.equal(fresh.status, 206);
    const cached = await call('saves', url, { headers: { 'if-none-match': etag } });
    assert.deepEqual([cached.status, cached.bytes.length, cached.headers.get('etag')], [304, 0, etag]);
    // CORS for the listed page origins (a page reading it with fetch), as for the task.
    const page = await call('saves', url, { headers: { origin: ORIGIN, range: 'bytes=0-9' } });
    assert.equal(page.headers.get('access-control-allow-origin'), ORIGIN);
    assert.match(page.headers.get('access-control-expose-headers'), /content-range/);
    assert.equal((await call('saves', url, { headers: { origin: 'https://evil.example' } })).headers.get('access-control-allow-origin'), null);
    assert.equal((await call('saves', `/results/${id}/1`)).status, 404, 'no such result');
    assert.equal((await call('saves', `/results/${id}/x`)).status, 404);
    assert.equal((await call('saves', '/results/not-a-task/0')).status, 400);
    assert.equal((await call('saves', url, { method: 'POST', body: '{}' })).status, 405);
  });

  test('retention (RESULT_RETENTION_MS 4 s): the copies are deleted by the task’s alarm, recorded as deleted', T, async () => {
    const id = await create('short', `[as:ok] brief [result:/media/sample.mp4?v=${uniq()}] [result:/generated/1000.bin?v=${uniq()}]`);
    const saved = await until('short', id, settled, 'saved');
    assert.deepEqual(saved.saved_results.map((s) => s.state), ['saved', 'saved']);
    const expiresAt = Date.parse(saved.saved_results[0].expires_at);
    assert.ok(expiresAt > Date.now() && expiresAt < Date.now() + 4000);
    assert.equal((await call('short', local(saved.saved_results[0].url))).status, 200);
    assert.equal((await keys('short', id)).length, 2);
    const gone = await until('short', id, (t) => t.saved_results.every((s) => s.state === 'deleted'), 'deleted', 15_000);
    assert.ok(Date.now() >= expiresAt);
    assert.deepEqual(gone.saved_results.map((s) => s.reason), ['retention', 'retention']);
    assert.equal((await call('short', `/results/${id}/0`)).status, 404);
    assert.deepEqual(await keys('short', id), []);
  });

  test('DELETE /results/:id: for the callers that may create; the copies are gone, recorded as deleted', T, async () => {
    const id = await create('saves', `[as:ok] delete me [result:/media/sample.mp4?v=${uniq()}] [result:/generated/5000.bin?v=${uniq()}]`);
    await until('saves', id, settled, 'saved');
    assert.equal((await keys('saves', id)).length, 2);
    const refused = [[{}, 401], [{ authorization: 'Bearer wrong' }, 401], [{ origin: 'https://evil.example' }, 403]];
    for (const [headers, status] of refused) {
      const r = await call('saves', `/results/${id}`, { method: 'DELETE', headers });
      assert.equal(r.status, status, `${JSON.stringify(headers)} → ${r.text}`);
    }
    assert.equal((await keys('saves', id)).length, 2, 'nothing deleted by refused callers');
    const pre = await call('saves', `/results/${id}`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'DELETE' } });
    assert.match(pre.headers.get('access-control-allow-methods'), /DELETE/);
    const page = await call('saves', `/results/${id}`, { method: 'DELETE', headers: { origin: ORIGIN } });
    assert.deepEqual([page.status, page.data], [200, { id, deleted: 2 }], page.text);
    assert.deepEqual(await keys('saves', id), []);
    assert.equal((await call('saves', `/results/${id}/0`)).status, 404);
    const task = (await call('saves', `/tasks/${id}`)).data;
    assert.deepEqual(task.saved_results.map((s) => [s.state, s.reason]), [['deleted', 'request'], ['deleted', 'request']]);
    const again = await call('saves', `/results/${id}`, { method: 'DELETE', headers: serverAuth() });
    assert.deepEqual([again.status, again.data], [200, { id, deleted: 0 }]);
    const unknown = await call('saves', `/results/task-unified-${Math.floor(Date.now() / 1000)}-abcdefgh`, { method: 'DELETE', headers: serverAuth() });
    assert.equal(unknown.status, 404);
  });

  test('DELETE /results/:id while a copy is under way: the copy is stopped, nothing is left in R2', { timeout: 60_000 }, async () => {
    const file = '/generated/2000000.mp4';
    const query = `pace=100&v=${uniq()}`; // about 3 s to download
    const id = await create('saves', `[as:ok] deleted midway [result:${file}?${query}]`);
    const end = Date.now() + 30_000;
    while (!(await mediaLog(file)).some((r) => r.query === query) && Date.now() < end) await sleep(20);
    const r = await call('saves', `/results/${id}`, { method: 'DELETE', headers: serverAuth() });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.data.deleted, 0, 'the copy had not finished');
    await sleep(3500); // until the download would have ended
    const task = (await call('saves', `/tasks/${id}`)).data;
    assert.deepEqual(task.saved_results.map((x) => [x.state, x.reason]), [['deleted', 'request']]);
    assert.deepEqual(await keys('saves', id), []);
    assert.equal((await call('saves', `/results/${id}/0`)).status, 404);
  });

  test('RESULTS unset: nothing fetched, nothing saved, no saved_results, no /results routes', T, async () => {
    const query = `v=${uniq()}`;
    const id = await create('nobucket', `[as:ok] unsaved [result:/media/sample.mp4?${query}]`);
    const task = await until('nobucket', id, (t) => t.status === 'completed', 'completed');
    assert.equal(task.saved_results, undefined);
    assert.deepEqual(task.results, [`${BASE}/media/sample.mp4?${query}`]);
    assert.equal('saved_results' in (await new EvoLinkClient({ baseUrl: W.nobucket.url }).getTask(id)), false);
    for (const [method, path] of [['GET', `/results/${id}/0`], ['HEAD', `/results/${id}/0`], ['DELETE', `/results/${id}`]]) {
      const r = await call('nobucket', path, { method, headers: serverAuth() });
      assert.equal(r.status, 404, `${method} ${path}`);
      if (method !== 'HEAD') assert.equal(r.data.error.code, 'not_found');
    }
    await sleep(500);
    assert.deepEqual((await mediaLog('/media/sample.mp4')).filter((q) => q.query === query), [], 'the worker never fetched the result');
  });
});

// A page as a user writes it: the package's client waits for the task through the worker, and the
// page shows the result from the task it received: the worker's stable URL once saved.
const PAGE = `<!doctype html><meta charset="utf-8"><title>saved result</title><body><script type="module">
import { EvoLinkClient } from '/pkg/browser.mjs';
const { worker, id } = Object.fromEntries(new URLSearchParams(location.search));
const client = new EvoLinkClient({ baseUrl: worker });
let task = await client.waitForTask(id, { minIntervalMs: 200, maxIntervalMs: 500 });
// The task completes before its copy is made: ask again until the copy is saved.
while (task.saved_results?.[0]?.state === 'saving') {
  await new Promise((ok) => setTimeout(ok, 200));
  task = await client.getTask(id);
}
window.__task = task;
</script>`;

/** Runs in the page: plays `src` in a muted video, seeks to `at` s; what the element reports. */
async function playAndSeek([src, at]) {
  const video = document.createElement('video');
  video.muted = true;
  document.body.append(video);
  const event = (name) => new Promise((ok, fail) => {
    video.addEventListener(name, ok, { once: true });
    video.addEventListener('error', () => fail(new Error(`media error ${video.error?.code}: ${video.error?.message}`)), { once: true });
  });
  try {
    const loaded = event('loadedmetadata');
    video.src = src;
    await loaded;
    await video.play();
    const start = performance.now();
    while (video.currentTime < 0.3 && performance.now() - start < 10_000) await new Promise((ok) => setTimeout(ok, 50));
    const played = video.currentTime;
    const seeked = event('seeked');
    video.currentTime = at;
    await seeked;
    return { error: null, duration: video.duration, played, at: video.currentTime, readyState: video.readyState,
      seekable: video.seekable.length ? [video.seekable.start(0), video.seekable.end(0)] : [] };
  } catch (e) {
    return { error: e.message };
  } finally {
    video.remove();
  }
}

describe('the page sees it', () => {
  test('Chromium: the task the page receives has the stable URL; the video plays and seeks from it after the original link expired', { timeout: 60_000 }, async () => {
    const sig = uniq();
    const id = await create('saves', `[as:ok] for the page [result:/media/sample.mp4?sig=${sig}]`);
    const { chromium } = requireDev('playwright-core');
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${PAGE_URL}/?worker=${encodeURIComponent(W.saves.url)}&id=${id}`);
      await page.waitForFunction(() => window.__task !== undefined || false, null, { timeout: 30_000, polling: 100 }).catch((e) => {
        throw new Error(`${e.message}; page errors: ${errors.join('; ')}`);
      });
      const task = await page.evaluate(() => window.__task);
      assert.equal(task.status, 'completed');
      const original = task.results[0];
      const saved = task.saved_results[0];
      assert.deepEqual([saved.state, saved.url, saved.content_type], ['saved', `${W.saves.url}/results/${id}/0`, 'video/mp4']);
      await fetch(`${BASE}/__expire?sig=${sig}`, { method: 'POST' });
      assert.equal((await fetch(original)).status, 403, 'the original link has expired');
      const fromOriginal = await page.evaluate(playAndSeek, [original, 3]);
      assert.match(fromOriginal.error ?? '', /media error/, 'the expired link no longer plays');
      const played = await page.evaluate(playAndSeek, [saved.url, 3]);
      assert.equal(played.error, null);
      assert.ok(Math.abs(played.duration - 5) < 0.2, `duration ${played.duration}`);
      assert.ok(played.played >= 0.3, `it played (currentTime ${played.played})`);
      assert.ok(Math.abs(played.at - 3) < 0.1, `seeked to ${played.at}`);
      assert.ok(played.readyState >= 1);
      assert.deepEqual(played.seekable.map(Math.round), [0, 5], 'seekable throughout (ranges are served)');
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
