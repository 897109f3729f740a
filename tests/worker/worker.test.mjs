// The example worker (examples/worker) inside workerd, driven over HTTP; started by run.sh, which
// sets BASE (the fake EvoLink server), KEY (the worker's API key), WORKER_DO / WORKER_MEMORY (the
// worker with the TASKS Durable Object binding / without it: in-memory fallback, 250 ms poll
// interval, one allowed origin) and WORKERD_LOG. Every case runs against both.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, EvoLinkClient } from 'evolink-tasks';

const { BASE, KEY, WORKER_DO, WORKER_MEMORY, WORKERD_LOG } = process.env;
const TARGETS = [
  { name: 'with the TASKS Durable Object', origin: WORKER_DO, store: 'durable-object', pollMs: 0, cors: '*' },
  { name: 'without it (memory)', origin: WORKER_MEMORY, store: 'memory', pollMs: 250, cors: 'https://app.example' },
];
const T = { timeout: 30_000 };
const answers = []; // every answer of the worker, headers and body, for the key check

/** One request to the worker: { status, headers, text, data (parsed JSON or null) }. */
async function call(origin, path, { method = 'GET', body, headers } = {}) {
  const response = await fetch(origin + path, {
    method,
    headers,
    body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  answers.push(`${JSON.stringify([...response.headers])}\n${text}`);
  let data = null;
  try {
    data = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, text, data };
}

/** The fake server's request log (for one task id, or all). */
async function upstreamLog(id) {
  const query = id === undefined ? '' : `?id=${encodeURIComponent(id)}`;
  return (await fetch(`${BASE}/__requests${query}`, { signal: AbortSignal.timeout(5000) })).json();
}
const gets = (log) => log.filter((r) => r.method === 'GET');
const creates = (log) => log.filter((r) => r.method === 'POST');
const byWorker = (log) => log.filter((r) => r.authorization === `Bearer ${KEY}`);

/** Creates a task through the worker; the prompt's directive picks the fake server's scenario. */
async function create(origin, prompt = '[as:ok] a lighthouse at dawn', extra = {}) {
  const r = await call(origin, '/tasks', { method: 'POST', body: { prompt, ...extra } });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(Object.keys(r.data).sort(), ['id', 'status']);
  assert.equal(r.data.status, 'pending');
  assert.equal(r.headers.get('location'), `/tasks/${r.data.id}`);
  return r.data.id;
}

/** GETs the task straight from the fake server (as EvoLink would see it) until `status`. */
async function upstreamUntil(id, status) {
  for (let i = 0; i < 10; i++) {
    const task = await (await fetch(`${BASE}/v1/tasks/${id}`, { signal: AbortSignal.timeout(5000) })).json();
    if (task.status === status) return task;
  }
  throw new Error(`${id} never became ${status}`);
}

const callback = (origin, body) => call(origin, '/callback', { method: 'POST', body });

for (const target of TARGETS) {
  const { origin, pollMs } = target;
  /** GET /tasks/:id after the poll interval has passed (so the worker may poll). */
  const show = async (id) => {
    await sleep(pollMs);
    return call(origin, `/tasks/${id}`);
  };

  describe(`worker ${target.name}`, () => {
    test('GET / names the store in use', T, async () => {
      const r = await call(origin, '/');
      assert.equal(r.status, 200);
      assert.equal(r.data.store, target.store);
    });

    test('create → the same callback twice → the confirmed completed state, one confirmation', T, async () => {
      const id = await create(origin);
      assert.match(id, /^ok-/);
      const sent = await upstreamUntil(id, 'completed'); // the 4th GET; the callback's body
      const before = await upstreamLog(id);
      for (let delivery = 0; delivery < 2; delivery++) {
        const r = await callback(origin, JSON.stringify(sent));
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.data, { id, status: 'completed' });
      }
      const shown = await call(origin, `/tasks/${id}`);
      assert.equal(shown.status, 200);
      assert.equal(shown.data.status, 'completed');
      assert.deepEqual(shown.data.results, sent.results);
      assert.deepEqual(shown.data.x_extra, { kept: true }); // the task as the API sent it
      assert.equal(shown.headers.get('x-task-source'), 'callback');

      const log = await upstreamLog(id);
      assert.equal(creates(log).length, 1, 'one create');
      assert.equal(JSON.parse(creates(log)[0].body).callback_url, undefined, 'no callback_url on http loopback');
      const confirmations = gets(log).slice(gets(before).length);
      assert.equal(confirmations.length, 1, 'one confirmation GET; the repeat and GET /tasks use the record');
      assert.equal(confirmations[0].authorization, `Bearer ${KEY}`);
      assert.equal(byWorker(log).length, 2, 'the create and the confirmation carry the key');
    });

    test('create → callback of a failed task → recorded as failed', T, async () => {
      const id = await create(origin, '[as:fail] a storm');
      const sent = await upstreamUntil(id, 'failed');
      const r = await callback(origin, sent);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.data.status, 'failed');
      const shown = await show(id);
      assert.equal(shown.data.status, 'failed');
      assert.equal(shown.data.error.code, 'content_policy_violation');
      assert.equal(gets(byWorker(await upstreamLog(id))).length, 1);
    });

    test('the same callback four times at once → all 200, recorded completed', T, async () => {
      const id = await create(origin);
      const sent = JSON.stringify(await upstreamUntil(id, 'completed'));
      const all = await Promise.all([1, 2, 3, 4].map(() => callback(origin, sent)));
      for (const r of all) assert.deepEqual([r.status, r.data.status], [200, 'completed'], r.text);
      assert.equal((await call(origin, `/tasks/${id}`)).data.status, 'completed');
      assert.equal(creates(await upstreamLog(id)).length, 1);
    });

    test('create → no callback → GET /tasks/:id polls through the client until completed', T, async () => {
      const id = await create(origin);
      const seen = [];
      for (let i = 0; i < 8 && seen.at(-1)?.status !== 'completed'; i++) {
        const r = await show(id);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.headers.get('x-task-source'), 'poll');
        seen.push(r.data);
      }
      assert.deepEqual(seen.map((t) => [t.status, t.progress]),
        [['pending', 0], ['processing', 30], ['processing', 70], ['completed', 100]]);
      assert.ok(seen.at(-1).results[0]);
      const again = await show(id);
      assert.equal(again.data.status, 'completed');
      const log = await upstreamLog(id);
      assert.equal(gets(log).length, 4, 'no poll once completed');
      assert.equal(byWorker(gets(log)).length, 4, 'every poll carries the key');
    });

    if (pollMs > 0) {
      test('GET /tasks/:id polls at most once per MIN_POLL_INTERVAL_MS', T, async () => {
        const id = await create(origin);
        const fresh = await call(origin, `/tasks/${id}`); // right after the create: the record
        assert.equal(fresh.headers.get('x-task-source'), 'create');
        await sleep(pollMs);
        const [a, b] = [await call(origin, `/tasks/${id}`), await call(origin, `/tasks/${id}`)];
        assert.equal(a.data.status, 'pending');
        assert.deepEqual(b.data, a.data);
        assert.equal(gets(await upstreamLog(id)).length, 1);
      });
    }

    test('bad callback bodies → 400, nothing recorded, nothing fetched', T, async () => {
      const total = (await upstreamLog()).length;
      const cases = ['not json', '', 'null', '[]', '{}', '"ok-1"', '{"status":"completed"}',
        '{"id":42,"status":"completed"}', '{"id":"","status":"completed"}', '{"id":"ok-1"}', '{"id":"../v1/credits","status":"completed"}',
        `{"id":"${'a'.repeat(300)}","status":"completed"}`];
      for (const body of cases) {
        const r = await callback(origin, body);
        assert.equal(r.status, 400, `${body.slice(0, 40)} → ${r.status} ${r.text}`);
        assert.equal(r.data.error.code, 'invalid_callback');
        assert.equal(typeof r.data.error.message, 'string');
      }
      const big = await callback(origin, JSON.stringify({ id: 'ok-1', status: 'completed', pad: 'x'.repeat(1 << 20) }));
      assert.equal(big.status, 413);
      assert.equal((await call(origin, '/callback')).status, 405);
      assert.equal((await upstreamLog()).length, total, 'no request reached EvoLink');
    });

    test('a callback for a task this worker never created → 404, not fetched, not recorded', T, async () => {
      const id = `ok-never${Math.random().toString(36).slice(2, 10)}`;
      const r = await callback(origin, { id, status: 'completed', results: ['https://evil.example/a.mp4'] });
      assert.equal(r.status, 404, r.text);
      assert.equal(r.data.error.code, 'unknown_task');
      assert.equal((await call(origin, `/tasks/${id}`)).status, 404);
      assert.equal((await call(origin, `/v1/tasks/${id}`)).status, 404);
      assert.deepEqual(await upstreamLog(id), []);
    });

    test('a forged callback claiming completed for a pending task → the server’s state is recorded', T, async () => {
      const id = await create(origin);
      const forged = { id, status: 'completed', progress: 100, results: ['https://evil.example/a.mp4'] };
      const r = await callback(origin, forged);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.data, { id, status: 'pending' }); // what the confirmation GET said
      const shown = await show(id); // a poll: the fake server's next step
      assert.equal(shown.data.status, 'processing');
      assert.equal(shown.data.results, undefined);
      assert.ok(!shown.text.includes('evil.example'));
      assert.equal(gets(byWorker(await upstreamLog(id))).length, 2, 'the confirmation and one poll');
    });

    test('a callback that EvoLink cannot confirm → 502 (EvoLink retries), nothing recorded', T, async () => {
      const id = await create(origin, '[as:e404] a lost task'); // every GET answers 404
      const r = await callback(origin, { id, status: 'completed', results: ['https://evil.example/a.mp4'] });
      assert.equal(r.status, 502, r.text);
      assert.equal(r.data.error.code, 'resource_not_found');
      if (pollMs > 0) { // still inside the poll interval after the create: the record as it is
        const recorded = await call(origin, `/tasks/${id}`);
        assert.deepEqual([recorded.data.status, recorded.headers.get('x-task-source')], ['pending', 'create']);
      }
      const shown = await show(id); // polls, and EvoLink still answers 404
      assert.equal(shown.status, 502);
      assert.equal(shown.data.error.code, 'resource_not_found');
    });

    test('GET /v1/tasks/:id proxies with the key; a page’s client waits through it', T, async () => {
      const id = await create(origin);
      const r = await call(origin, `/v1/tasks/${id}`, { headers: { origin: 'https://app.example' } });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual([r.data.id, r.data.status], [id, 'pending']);
      assert.equal(r.headers.get('access-control-allow-origin'), target.cors);
      assert.match(r.headers.get('content-type'), /^application\/json/);
      const proxied = gets(await upstreamLog(id)).at(-1);
      assert.equal(proxied.authorization, `Bearer ${KEY}`);
      assert.equal(proxied.path, `/v1/tasks/${id}`);

      const page = new EvoLinkClient({ baseUrl: origin }); // no key: the worker adds it
      const done = await page.waitForTask(id, { intervalMs: 20, timeoutMs: 10_000 });
      assert.equal(done.status, 'completed');
      assert.ok(byWorker(gets(await upstreamLog(id))).length >= 4);

      const missing = await page.getTask('ok-notcreatedhere').catch((e) => e);
      assert.ok(missing instanceof ApiError, String(missing));
      assert.deepEqual([missing.status, missing.code], [404, 'unknown_task']);
    });

    test('the proxy is not open: other paths and methods are refused, unsent', T, async () => {
      const id = await create(origin);
      const total = (await upstreamLog()).length;
      const refused = [
        ['/v1/credits', 'GET', 404], ['/v1/videos/generations', 'POST', 404], [`/v1/tasks/${id}`, 'POST', 405],
        [`/v1/tasks/${id}`, 'DELETE', 405], [`/v1/tasks/${id}/cancel`, 'GET', 404],
        ['/v1/tasks/..%2Fcredits', 'GET', 400], ['/v1/tasks/%E0%A4%A', 'GET', 400], ['/v1/tasks/', 'GET', 404],
      ];
      for (const [path, method, status] of refused) {
        const r = await call(origin, path, { method, body: method === 'POST' ? '{}' : undefined });
        assert.equal(r.status, status, `${method} ${path} → ${r.status} ${r.text}`);
        assert.equal(typeof r.data.error.code, 'string');
      }
      assert.equal((await upstreamLog()).length, total);
    });

    test('CORS: preflight and headers on the browser routes, the configured origin', T, async () => {
      const pre = await call(origin, '/tasks', {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), target.cors);
      assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
      assert.match(pre.headers.get('access-control-allow-headers'), /content-type/);
      if (target.cors !== '*') assert.match(pre.headers.get('vary'), /Origin/);
      const missing = await call(origin, '/tasks/ok-unknown');
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get('access-control-allow-origin'), target.cors);
      assert.deepEqual(Object.keys(missing.data.error).sort(), ['code', 'message']);
      assert.equal((await call(origin, '/tasks/a%20b')).status, 400);
    });

    test('bad POST /tasks bodies → 400 naming the field, nothing created', T, async () => {
      const total = creates(await upstreamLog()).length;
      const cases = [
        ['not json', 'invalid_json', /JSON/],
        ['[]', 'invalid_params', /object/],
        ['"a cat"', 'invalid_params', /object/],
        ['{}', 'invalid_params', /"prompt" is required/],
        [{ prompt: 'a cat', duration: 99 }, 'invalid_params', /"duration".*4 to 15/],
        [{ prompt: 'a cat', duration: '5' }, 'invalid_params', /"duration"/],
        [{ prompt: 'a cat', quality: '4k' }, 'invalid_params', /"quality"/],
        [{ prompt: 'a cat', aspect_ratio: '2:1' }, 'invalid_params', /"aspect_ratio"/],
        [{ prompt: 'a cat', model: 7 }, 'invalid_params', /"model"/],
        [{ prompt: 'a cat', image_urls: ['https://a.example/1.png'] }, 'invalid_params', /"image_urls"/],
        [{ prompt: 'a cat', model: 'seedance-2.0-fast-text-to-video', quality: '1080p' }, 'invalid_params', /1080p/],
      ];
      for (const [body, code, message] of cases) {
        const r = await call(origin, '/tasks', { method: 'POST', body });
        assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${r.text}`);
        assert.equal(r.data.error.code, code, r.text);
        assert.match(r.data.error.message, message);
      }
      const big = await call(origin, '/tasks', { method: 'POST', body: { prompt: 'x'.repeat(20_000) } });
      assert.equal(big.status, 413);
      assert.equal((await call(origin, '/tasks')).status, 405);
      assert.equal(creates(await upstreamLog()).length, total, 'no create reached EvoLink');
    });

    test('POST /tasks forwards only the chosen parameters; the callback_url is the worker’s own', T, async () => {
      const id = await create(origin, '[as:ok] a fox', {
        duration: 6, quality: '480p', callback_url: 'https://evil.example/hook', apiKey: 'x', evil: true,
      });
      const sent = JSON.parse(creates(await upstreamLog(id))[0].body);
      assert.deepEqual(sent, { model: 'seedance-2.0-text-to-video', prompt: '[as:ok] a fox', duration: 6, quality: '480p' });

      // Reached over https by a public name (X-Forwarded-Proto, as a TLS-terminating front would
      // set it): EvoLink is told to call back. Over https to localhost it is not.
      for (const [host, expected] of [['tasks.example.com', 'https://tasks.example.com/callback'], ['localhost', undefined]]) {
        const r = await rawPost(origin, '/tasks', { host, 'x-forwarded-proto': 'https' }, { prompt: '[as:ok] a fox' });
        assert.equal(r.status, 201, r.text);
        const body = JSON.parse(creates(await upstreamLog(JSON.parse(r.text).id))[0].body);
        assert.equal(body.callback_url, expected);
      }
    });

    test('errors from EvoLink: its refusal of the input → 400, its failures → 502', T, async () => {
      const refused = await call(origin, '/tasks', { method: 'POST', body: { prompt: 'a cat [create-fail:400]' } });
      assert.equal(refused.status, 400, refused.text);
      const down = await call(origin, '/tasks', { method: 'POST', body: { prompt: 'a cat [create-fail:503]' } });
      assert.equal(down.status, 502, down.text);
      assert.equal(typeof down.data.error.code, 'string');
      const id = await create(origin, '[as:e500] a broken task');
      const broken = await show(id);
      assert.equal(broken.status, 502, broken.text);
      assert.equal(broken.data.error.code, 'internal_error');
    });
  });
}

test('the API key is in no answer of the worker and in no workerd log line', () => {
  assert.ok(answers.length > 100, `${answers.length} answers checked`);
  for (const answer of answers) assert.ok(!answer.includes(KEY), answer.slice(0, 300));
  const log = readFileSync(WORKERD_LOG, 'utf8');
  assert.ok(!log.includes(KEY), 'workerd log');
});

after(() => {}); // (nothing to close: run.sh owns the processes)

/** A POST with headers fetch will not send as given (Host). */
function rawPost(origin, path, headers, body) {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(origin + path, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      timeout: 20_000,
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => { text += chunk; }).on('end', () => {
        answers.push(`${JSON.stringify(res.headers)}\n${text}`);
        resolve({ status: res.statusCode, text });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out'))).on('error', reject);
    req.end(data);
  });
}
