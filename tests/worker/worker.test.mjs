// The example worker (examples/worker), bundled by `wrangler deploy --dry-run` and served by
// workerd, driven over HTTP; started by run.sh, which sets BASE (the fake EvoLink server), KEY
// (the worker's API key), SERVER_TOKEN, CALLBACK_SECRET, GATEWAY_PATH (the secret path of the
// gateway configuration's EVOLINK_BASE_URL), DO_STORAGE (the Durable Objects' directory),
// WORKERD_LOG, REPORT (where the figures of the 1,000-task run go) and WORKER_<NAME> for each
// configuration of workerd.capnp: MAIN, ALARMS, TWIN, FAST, LIMITS, TURNSTILE, NOKEY, NOCALLER,
// GATEWAY.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, EvoLinkClient } from 'evolink-tasks';

const { BASE, KEY, SERVER_TOKEN, CALLBACK_SECRET, GATEWAY_PATH, DO_STORAGE, WORKERD_LOG, REPORT } = process.env;
const W = {
  main: process.env.WORKER_MAIN,
  twin: process.env.WORKER_TWIN,
  alarms: process.env.WORKER_ALARMS,
  fast: process.env.WORKER_FAST,
  limits: process.env.WORKER_LIMITS,
  turnstile: process.env.WORKER_TURNSTILE,
  nokey: process.env.WORKER_NOKEY,
  nocaller: process.env.WORKER_NOCALLER,
  gateway: process.env.WORKER_GATEWAY,
};
const T = { timeout: 30_000 };
const POLL_MS = 250; // main's MIN_POLL_INTERVAL_MS
const FAST = { minMs: 100, maxMs: 300, maxAgeMs: 4000 }; // fast's ALARM_* vars
const TIMED_S = 30; // how long the tasks of the 1,000-task run take
const answers = []; // every answer of the worker, headers and body, for the secrets check
const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/** A task id of EvoLink's shape that no one created (dated now). */
const unknownId = (seconds = Math.floor(Date.now() / 1000)) =>
  `task-unified-${seconds}-${[...randomBytes(8)].map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('')}`;

/** A fresh caller address (CF-Connecting-IP, which Cloudflare sets and workerd passes through). */
const newAddress = () => `10.${[...randomBytes(3)].join('.')}`;
const serverAuth = () => ({ authorization: `Bearer ${SERVER_TOKEN}`, 'cf-connecting-ip': newAddress() });

/** One request to a worker (any headers, Host and Origin too): { status, headers, text, data }. */
function call(worker, path, { method = 'GET', body, headers = {} } = {}) {
  const data = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
  const all = { ...headers };
  if (data !== undefined) all['content-length'] = Buffer.byteLength(data);
  if (data !== undefined && !all['content-type']) all['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = httpRequest(worker + path, { method, headers: all, agent, timeout: 20_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => { text += chunk; }).on('end', () => {
        answers.push(`${JSON.stringify(res.headers)}\n${text}`);
        let parsed = null;
        try {
          parsed = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode, headers: new Headers(res.headers), text, data: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`))).on('error', reject);
    req.end(data);
  });
}

/** The fake server's request log (for one task id, or all). */
async function upstreamLog(id) {
  const query = id === undefined ? '' : `?id=${encodeURIComponent(id)}`;
  return (await fetch(`${BASE}/__requests${query}`, { signal: AbortSignal.timeout(10_000) })).json();
}
const gets = (log) => log.filter((r) => r.method === 'GET');
const creates = (log) => log.filter((r) => r.method === 'POST' && r.path.startsWith('/v1/'));
const byWorker = (log) => log.filter((r) => r.authorization === `Bearer ${KEY}`);
const createCount = async () => creates(await upstreamLog()).length;

/** POST /tasks; headers default to a server's (token, fresh address). */
const post = (worker, body, headers = serverAuth()) => call(worker, '/tasks', { method: 'POST', body, headers });

/** Creates a task through the worker; the prompt's directive picks the fake server's scenario. */
async function create(worker, prompt = '[as:ok] a lighthouse at dawn', extra = {}, headers = serverAuth()) {
  const r = await post(worker, { prompt, ...extra }, headers);
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(Object.keys(r.data).sort(), ['id', 'status']);
  assert.equal(r.data.status, 'pending');
  assert.equal(r.headers.get('location'), `/tasks/${r.data.id}`);
  return r.data.id;
}

/** Creates a task through the worker reached over https by a public name (as X-Forwarded-Proto
 * from a TLS-terminating front says), so EvoLink is given a callback URL: { id, callbackUrl, path }. */
async function createWithCallback(worker, prompt = '[as:ok] a lighthouse at dawn') {
  const id = await create(worker, prompt, {}, { ...serverAuth(), host: 'tasks.example.com', 'x-forwarded-proto': 'https' });
  const callbackUrl = JSON.parse(creates(await upstreamLog(id))[0].body).callback_url;
  const url = new URL(callbackUrl);
  return { id, callbackUrl, path: url.pathname + url.search };
}

/** GETs the task straight from the fake server (as EvoLink would see it) until `status`. */
async function upstreamUntil(id, status) {
  for (let i = 0; i < 10; i++) {
    const task = await (await fetch(`${BASE}/v1/tasks/${id}`, { signal: AbortSignal.timeout(5000) })).json();
    if (task.status === status) return task;
  }
  throw new Error(`${id} never became ${status}`);
}

const callback = (worker, path, body) => call(worker, path, { method: 'POST', body });
/** GET /tasks/:id on main after its poll interval has passed (so the worker may poll). */
const show = async (id) => {
  await sleep(POLL_MS);
  return call(W.main, `/tasks/${id}`);
};

describe('who may create tasks', () => {
  test('GET / answers', T, async () => {
    const r = await call(W.main, '/');
    assert.equal(r.status, 200);
    assert.equal(r.data.service, 'evolink-tasks worker');
  });

  test('a listed page origin creates; an unlisted one → 403; no Origin and no valid token → 401', T, async () => {
    const before = await createCount();
    for (const origin of ['https://app.example', 'https://other.example']) {
      const r = await post(W.main, { prompt: '[as:ok] a fox' }, { origin, 'cf-connecting-ip': newAddress() });
      assert.equal(r.status, 201, `${origin}: ${r.text}`);
      assert.equal(r.headers.get('access-control-allow-origin'), origin);
    }
    const refused = [
      [{ origin: 'https://evil.example' }, 403, 'origin_not_allowed'],
      [{ origin: 'https://app.example.evil.example' }, 403, 'origin_not_allowed'],
      [{ origin: 'null' }, 403, 'origin_not_allowed'],
      [{}, 401, 'unauthorized'],
      [{ authorization: 'Bearer wrong-token' }, 401, 'unauthorized'],
      [{ authorization: `Bearer ${SERVER_TOKEN}x` }, 401, 'unauthorized'],
      [{ authorization: SERVER_TOKEN }, 401, 'unauthorized'],
      [{ origin: 'https://evil.example', authorization: 'Bearer wrong-token' }, 403, 'origin_not_allowed'],
    ];
    for (const [headers, status, code] of refused) {
      const r = await post(W.main, { prompt: '[as:ok] a fox' }, { ...headers, 'cf-connecting-ip': newAddress() });
      assert.equal(r.status, status, `${JSON.stringify(headers)} → ${r.status} ${r.text}`);
      assert.equal(r.data.error.code, code);
      assert.equal(r.headers.get('access-control-allow-origin'), null);
    }
    assert.equal(await createCount(), before + 2, 'only the two allowed requests reached EvoLink');
    // A server with the token, with or without an Origin.
    await create(W.main);
    await create(W.main, undefined, {}, { ...serverAuth(), origin: 'https://evil.example' });
  });

  test('CREATES_PER_MINUTE (default 5) per address → 429 with Retry-After; other addresses go on', T, async () => {
    for (let attempt = 0; ; attempt++) {
      const minute = Math.floor(Date.now() / 60_000);
      const address = newAddress();
      const headers = { authorization: `Bearer ${SERVER_TOKEN}`, 'cf-connecting-ip': address };
      for (let i = 0; i < 5; i++) await create(W.main, '[as:ok] a fox', {}, headers);
      const before = await createCount();
      const over = await post(W.main, { prompt: '[as:ok] a fox' }, headers);
      if (Math.floor(Date.now() / 60_000) !== minute && attempt < 2) continue; // a new window began
      assert.equal(over.status, 429, over.text);
      assert.equal(over.data.error.code, 'rate_limited');
      assert.match(over.data.error.message, /CREATES_PER_MINUTE/);
      const retryAfter = Number(over.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assert.equal(await createCount(), before, 'the refused create did not reach EvoLink');
      await create(W.main); // another address
      break;
    }
  });

  test('the limits are counted in a Durable Object: another isolate of the deployment sees the same count', T, async () => {
    const headers = { authorization: `Bearer ${SERVER_TOKEN}`, 'cf-connecting-ip': newAddress() };
    for (let attempt = 0; ; attempt++) {
      const minute = Math.floor(Date.now() / 60_000);
      headers['cf-connecting-ip'] = newAddress();
      for (const worker of [W.main, W.twin, W.main, W.twin, W.main]) await create(worker, '[as:ok] a fox', {}, headers);
      const over = await post(W.twin, { prompt: '[as:ok] a fox' }, headers);
      if (Math.floor(Date.now() / 60_000) !== minute && attempt < 2) continue;
      assert.equal(over.status, 429, over.text);
      break;
    }
    const id = await create(W.twin); // and the tasks: one Durable Object per task, whichever isolate created it
    assert.equal((await call(W.main, `/tasks/${id}`)).data.id, id);
  });

  test('CREATES_PER_DAY (default 200) for the deployment → 429 with Retry-After; and the default 5 per minute', { timeout: 60_000 }, async () => {
    const addresses = Array.from({ length: 40 }, newAddress);
    const made = [];
    for (let batch = 0; batch < 5; batch++) { // 40 addresses × 5 = 200, in parallel batches
      made.push(...await Promise.all(addresses.map((address) => create(W.limits, '[as:e404] gone at once', {},
        { authorization: `Bearer ${SERVER_TOKEN}`, 'cf-connecting-ip': address }))));
    }
    assert.equal(new Set(made).size, 200);
    const before = await createCount();
    const sixth = await post(W.limits, { prompt: '[as:ok] a fox' }, { authorization: `Bearer ${SERVER_TOKEN}`, 'cf-connecting-ip': addresses[0] });
    assert.equal(sixth.status, 429, sixth.text);
    assert.match(sixth.data.error.message, /CREATES_PER_MINUTE/);
    const over = await post(W.limits, { prompt: '[as:ok] a fox' });
    assert.equal(over.status, 429, over.text);
    assert.match(over.data.error.message, /200 tasks per day.*CREATES_PER_DAY/);
    const retryAfter = Number(over.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 86_400, `Retry-After ${retryAfter}`);
    assert.equal(await createCount(), before, 'no create over the limits reached EvoLink');
  });

  test('TURNSTILE_SECRET: a page needs a token verified by siteverify; a server with the token does not', T, async () => {
    const page = { origin: 'https://app.example' };
    const verifications = async () => (await upstreamLog()).filter((r) => r.path === '/turnstile/v0/siteverify');
    const before = await createCount();
    const checked = (await verifications()).length;
    const missing = await post(W.turnstile, { prompt: '[as:ok] a fox' }, { ...page, 'cf-connecting-ip': newAddress() });
    assert.equal(missing.status, 403, missing.text);
    assert.equal(missing.data.error.code, 'turnstile_required');
    const bad = await post(W.turnstile, { prompt: '[as:ok] a fox', 'cf-turnstile-response': 'forged' }, { ...page, 'cf-connecting-ip': '10.9.8.7' });
    assert.equal(bad.status, 403, bad.text);
    assert.equal(bad.data.error.code, 'turnstile_failed');
    assert.equal(await createCount(), before, 'nothing created without a valid token');
    const good = await post(W.turnstile, { prompt: '[as:ok] a fox', 'cf-turnstile-response': 'pass-1@app.example/create-task' }, { ...page, 'cf-connecting-ip': '10.9.8.6' });
    assert.equal(good.status, 201, good.text);
    const sent = (await verifications()).slice(checked).map((r) => Object.fromEntries(new URLSearchParams(r.body)));
    assert.deepEqual(sent, [
      { secret: 'turnstile-secret-for-tests', response: 'forged', remoteip: '10.9.8.7' },
      { secret: 'turnstile-secret-for-tests', response: 'pass-1@app.example/create-task', remoteip: '10.9.8.6' },
    ]);
    const body = JSON.parse(creates(await upstreamLog(good.data.id))[0].body);
    assert.equal(body['cf-turnstile-response'], undefined, 'the token is not sent to EvoLink');
    await create(W.turnstile); // a server: SERVER_TOKEN, no Turnstile
    assert.equal((await verifications()).length, checked + 2);
  });

  test('not configured → 503 naming the missing setting, nothing created', T, async () => {
    const before = await createCount();
    const nokey = await post(W.nokey, { prompt: '[as:ok] a fox' }, { origin: 'https://app.example' });
    assert.equal(nokey.status, 503, nokey.text);
    assert.equal(nokey.data.error.code, 'not_configured');
    assert.match(nokey.data.error.message, /EVOLINK_API_KEY/);
    for (const headers of [{ origin: 'https://app.example' }, serverAuth(), {}]) {
      const r = await post(W.nocaller, { prompt: '[as:ok] a fox' }, headers);
      assert.equal(r.status, 503, r.text);
      assert.match(r.data.error.message, /ALLOWED_ORIGINS.*SERVER_TOKEN/);
    }
    assert.equal(await createCount(), before);
  });
});

describe('callbacks', () => {
  test('the callback URL carries a per-task token; other paths and methods of /tasks', T, async () => {
    const a = await createWithCallback(W.main);
    const b = await createWithCallback(W.main);
    assert.match(a.callbackUrl, /^https:\/\/tasks\.example\.com\/callback\?token=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a.callbackUrl, b.callbackUrl);
    assert.ok(!a.callbackUrl.includes(CALLBACK_SECRET));
    assert.ok(a.callbackUrl.length <= 2048);
  });

  test('a callback without a valid token → 403, nothing fetched, nothing recorded', T, async () => {
    const a = await createWithCallback(W.main);
    const b = await createWithCallback(W.main);
    const sent = JSON.stringify(await upstreamUntil(a.id, 'completed'));
    const before = (await upstreamLog()).length;
    const [nonce, mac] = new URL(a.callbackUrl).searchParams.get('token').split('.');
    const flipped = mac.slice(0, -2) + (mac.at(-2) === 'A' ? 'B' : 'A') + mac.at(-1);
    const forgedNonce = `${nonce.slice(0, -2)}${nonce.at(-2) === 'A' ? 'B' : 'A'}${nonce.at(-1)}`;
    for (const path of ['/callback', '/callback?token=', '/callback?token=abc', `/callback?token=${nonce}`,
      `/callback?token=${nonce}.${flipped}`, `/callback?token=${forgedNonce}.${mac}`,
      b.path /* a valid token, of another task */]) {
      const r = await callback(W.main, path, sent);
      assert.equal(r.status, 403, `${path} → ${r.status} ${r.text}`);
      assert.equal(r.data.error.code, 'invalid_callback_token');
    }
    const unknown = await callback(W.main, a.path, { id: unknownId(), status: 'completed' });
    assert.equal(unknown.status, 403, unknown.text);
    assert.equal((await upstreamLog()).length, before, 'no request reached EvoLink');
    // Nothing was recorded from the forged callbacks: the record is still the create's (or, if
    // this machine took longer than the 250 ms poll interval to get here, the read's own poll).
    const recorded = await call(W.main, `/tasks/${a.id}`);
    const source = recorded.headers.get('x-task-source');
    assert.ok(['create', 'poll'].includes(source), `the record's source: ${source}`);
    if (source === 'create') assert.equal(recorded.data.status, 'pending');
    const genuine = await callback(W.main, a.path, sent); // the real token still works
    assert.deepEqual([genuine.status, genuine.data.status], [200, 'completed'], genuine.text);
  });

  test('create → the same callback twice → the confirmed completed state, one confirmation', T, async () => {
    const { id, path } = await createWithCallback(W.main);
    const sent = await upstreamUntil(id, 'completed'); // the 4th GET; the callback's body
    const before = await upstreamLog(id);
    for (let delivery = 0; delivery < 2; delivery++) {
      const r = await callback(W.main, path, JSON.stringify(sent));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.data, { id, status: 'completed' });
    }
    const shown = await call(W.main, `/tasks/${id}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.data.status, 'completed');
    assert.deepEqual(shown.data.results, sent.results);
    assert.deepEqual(shown.data.x_extra, { kept: true }); // the task as the API sent it
    assert.equal(shown.headers.get('x-task-source'), 'callback');
    const log = await upstreamLog(id);
    assert.equal(creates(log).length, 1, 'one create');
    const confirmations = gets(log).slice(gets(before).length);
    assert.equal(confirmations.length, 1, 'one confirmation GET; the repeat and GET /tasks use the record');
    assert.equal(confirmations[0].authorization, `Bearer ${KEY}`);
    assert.equal(byWorker(log).length, 2, 'the create and the confirmation carry the key');
  });

  test('create → callback of a failed task → recorded as failed', T, async () => {
    const { id, path } = await createWithCallback(W.main, '[as:fail] a storm');
    const sent = await upstreamUntil(id, 'failed');
    const r = await callback(W.main, path, sent);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.data.status, 'failed');
    const shown = await show(id);
    assert.equal(shown.data.status, 'failed');
    assert.equal(shown.data.error.code, 'content_policy_violation');
    assert.equal(gets(byWorker(await upstreamLog(id))).length, 1);
  });

  test('the same callback four times at once → all 200, recorded completed', T, async () => {
    const { id, path } = await createWithCallback(W.main);
    const sent = JSON.stringify(await upstreamUntil(id, 'completed'));
    const all = await Promise.all([1, 2, 3, 4].map(() => callback(W.main, path, sent)));
    for (const r of all) assert.deepEqual([r.status, r.data.status], [200, 'completed'], r.text);
    assert.equal((await call(W.main, `/tasks/${id}`)).data.status, 'completed');
    assert.equal(gets(byWorker(await upstreamLog(id))).length, 1, 'one confirmation');
  });

  test('bad callback bodies with a valid token → 400, nothing recorded, nothing fetched', T, async () => {
    const { path } = await createWithCallback(W.main);
    const total = (await upstreamLog()).length;
    const cases = ['not json', '', 'null', '[]', '{}', '"ok-1"', '{"status":"completed"}',
      '{"id":42,"status":"completed"}', '{"id":"","status":"completed"}', `{"id":"${unknownId()}"}`, '{"id":"../v1/credits","status":"completed"}',
      `{"id":"${'a'.repeat(300)}","status":"completed"}`];
    for (const body of cases) {
      const r = await callback(W.main, path, body);
      assert.equal(r.status, 400, `${body.slice(0, 40)} → ${r.status} ${r.text}`);
      assert.equal(r.data.error.code, 'invalid_callback');
      assert.equal(typeof r.data.error.message, 'string');
    }
    const big = await callback(W.main, path, JSON.stringify({ id: 'ok-1', status: 'completed', pad: 'x'.repeat(1 << 20) }));
    assert.equal(big.status, 413);
    assert.equal((await call(W.main, path)).status, 405);
    assert.equal((await upstreamLog()).length, total, 'no request reached EvoLink');
  });

  test('a forged callback claiming completed for a pending task → the server’s state is recorded', T, async () => {
    const { id, path } = await createWithCallback(W.main);
    const forged = { id, status: 'completed', progress: 100, results: ['https://evil.example/a.mp4'] };
    const r = await callback(W.main, path, forged);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.data, { id, status: 'pending' }); // what the confirmation GET said
    const shown = await show(id); // a poll: the fake server's next step
    assert.equal(shown.data.status, 'processing');
    assert.equal(shown.data.results, undefined);
    assert.ok(!shown.text.includes('evil.example'));
    assert.equal(gets(byWorker(await upstreamLog(id))).length, 2, 'the confirmation and one poll');
  });

  test('a callback that EvoLink cannot confirm → 502 (EvoLink retries), nothing recorded', T, async () => {
    const { id, path } = await createWithCallback(W.main, '[as:e404] a lost task'); // every GET answers 404
    const r = await callback(W.main, path, { id, status: 'completed', results: ['https://evil.example/a.mp4'] });
    assert.equal(r.status, 502, r.text);
    assert.equal(r.data.error.code, 'resource_not_found');
    const recorded = await call(W.main, `/tasks/${id}`);
    assert.deepEqual([recorded.data.status, recorded.headers.get('x-task-source')], ['pending', 'create']);
    const shown = await show(id); // polls, and EvoLink still answers 404
    assert.equal(shown.status, 502);
    assert.equal(shown.data.error.code, 'resource_not_found');
  });
});

describe('routes', () => {
  test('create → no callback → GET /tasks/:id polls until completed', T, async () => {
    const id = await create(W.main);
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

  test('GET /tasks/:id polls at most once per MIN_POLL_INTERVAL_MS', T, async () => {
    const id = await create(W.main);
    const fresh = await call(W.main, `/tasks/${id}`); // right after the create: the record
    assert.equal(fresh.headers.get('x-task-source'), 'create');
    await sleep(POLL_MS);
    const [a, b] = [await call(W.main, `/tasks/${id}`), await call(W.main, `/tasks/${id}`)];
    assert.equal(a.data.status, 'pending');
    assert.deepEqual(b.data, a.data);
    assert.equal(gets(await upstreamLog(id)).length, 1);
  });

  test('GET /v1/tasks/:id proxies with the key; a page’s client waits through it', T, async () => {
    const id = await create(W.main);
    await sleep(POLL_MS); // (within MIN_POLL_INTERVAL_MS of the create, the record answers)
    const r = await call(W.main, `/v1/tasks/${id}`, { headers: { origin: 'https://app.example' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual([r.data.id, r.data.status], [id, 'pending']);
    assert.equal(r.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(r.headers.get('content-type'), /^application\/json/);
    const proxied = gets(await upstreamLog(id)).at(-1);
    assert.equal(proxied.authorization, `Bearer ${KEY}`);
    assert.equal(proxied.path, `/v1/tasks/${id}`);

    const page = new EvoLinkClient({ baseUrl: W.main }); // no key: the worker adds it
    const done = await page.waitForTask(id, { intervalMs: 20, timeoutMs: 10_000 });
    assert.equal(done.status, 'completed');
    assert.ok(byWorker(gets(await upstreamLog(id))).length >= 4);

    const missing = await page.getTask(unknownId()).catch((e) => e);
    assert.ok(missing instanceof ApiError, String(missing));
    assert.deepEqual([missing.status, missing.code], [404, 'unknown_task']);
  });

  test('the proxy is not open: other paths and methods are refused, unsent', T, async () => {
    const id = await create(W.main);
    const total = (await upstreamLog()).length;
    const refused = [
      ['/v1/credits', 'GET', 404], ['/v1/videos/generations', 'POST', 404], [`/v1/tasks/${id}`, 'POST', 405],
      [`/v1/tasks/${id}`, 'DELETE', 405], [`/v1/tasks/${id}/cancel`, 'GET', 404],
      ['/v1/tasks/..%2Fcredits', 'GET', 400], ['/v1/tasks/%E0%A4%A', 'GET', 400], ['/v1/tasks/', 'GET', 404],
    ];
    for (const [path, method, status] of refused) {
      const r = await call(W.main, path, { method, body: method === 'POST' ? '{}' : undefined });
      assert.equal(r.status, status, `${method} ${path} → ${r.status} ${r.text}`);
      assert.equal(typeof r.data.error.code, 'string');
    }
    const log = await upstreamLog();
    assert.equal(log.length, total, JSON.stringify(log.slice(total).map((r) => [r.method, r.path, r.time])));
  });

  test('CORS: only the listed origins get CORS headers, on preflights and answers', T, async () => {
    for (const origin of ['https://app.example', 'https://other.example']) {
      const pre = await call(W.main, '/tasks', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), origin);
      assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
      assert.match(pre.headers.get('access-control-allow-headers'), /content-type/);
      assert.match(pre.headers.get('vary'), /Origin/);
    }
    const other = await call(W.main, '/tasks', { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const missing = await call(W.main, `/tasks/${unknownId()}`, { headers: { origin: 'https://app.example' } });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.deepEqual(Object.keys(missing.data.error).sort(), ['code', 'message']);
    assert.equal((await call(W.main, '/tasks/a%20b')).status, 400);
  });

  test('bad POST /tasks bodies → 400 naming the field, nothing created', T, async () => {
    const total = await createCount();
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
      const r = await post(W.main, body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${r.text}`);
      assert.equal(r.data.error.code, code, r.text);
      assert.match(r.data.error.message, message);
    }
    const big = await post(W.main, { prompt: 'x'.repeat(20_000) });
    assert.equal(big.status, 413);
    assert.equal((await call(W.main, '/tasks')).status, 405);
    assert.equal(await createCount(), total, 'no create reached EvoLink');
  });

  test('POST /tasks forwards only the chosen parameters; a callback URL only over https by a public name', T, async () => {
    const id = await create(W.main, '[as:ok] a fox', {
      duration: 6, quality: '480p', callback_url: 'https://evil.example/hook', apiKey: 'x', evil: true,
    });
    const sent = JSON.parse(creates(await upstreamLog(id))[0].body);
    assert.deepEqual(sent, { model: 'seedance-2.0-text-to-video', prompt: '[as:ok] a fox', duration: 6, quality: '480p' });
    for (const [host, expected] of [['tasks.example.com', /^https:\/\/tasks\.example\.com\/callback\?token=/], ['localhost', undefined], ['127.0.0.1', undefined]]) {
      const r = await post(W.main, { prompt: '[as:ok] a fox' }, { ...serverAuth(), host, 'x-forwarded-proto': 'https' });
      assert.equal(r.status, 201, r.text);
      const body = JSON.parse(creates(await upstreamLog(r.data.id))[0].body);
      if (expected) assert.match(body.callback_url, expected);
      else assert.equal(body.callback_url, undefined);
    }
  });

  test('errors from EvoLink: its refusal of the input → 400, its failures → 502', T, async () => {
    const refused = await post(W.main, { prompt: 'a cat [create-fail:400]' });
    assert.equal(refused.status, 400, refused.text);
    const down = await post(W.main, { prompt: 'a cat [create-fail:503]' });
    assert.equal(down.status, 502, down.text);
    assert.equal(typeof down.data.error.code, 'string');
    const id = await create(W.main, '[as:e500] a broken task');
    const broken = await show(id);
    assert.equal(broken.status, 502, broken.text);
    assert.equal(broken.data.error.code, 'internal_error');
  });
});

/** `n` requests made by `lanes` callers at once: `make(i)` → a promise of an answer. */
async function flood(n, make, lanes = 16) {
  const all = [];
  let next = 0;
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (next < n) all.push(await make(next++));
  }));
  return all;
}

/** What `body()` resolves with, run again (up to twice) if a new minute began meanwhile: the
 * per-minute limit counts fixed windows, so only a run within one minute can be judged. */
async function withinOneMinute(body) {
  for (let attempt = 0; ; attempt++) {
    const minute = Math.floor(Date.now() / 60_000);
    const result = await body();
    if (Math.floor(Date.now() / 60_000) === minute || attempt >= 2) return result;
  }
}

describe('what an attacker chooses costs nothing', () => {
  test('GET /v1/tasks/:id ×1,000 without credentials → EvoLink asked at most once per MIN_POLL_INTERVAL_MS, never after the end', { timeout: 60_000 }, async () => {
    const id = await create(W.main);
    const createdAt = Date.now();
    const first = await flood(1000, () => call(W.main, `/v1/tasks/${id}`));
    const elapsed = Date.now() - createdAt;
    for (const r of first) assert.equal(r.status, 200, r.text);
    const asked = gets(await upstreamLog(id)).length;
    assert.ok(asked <= Math.ceil(elapsed / POLL_MS), `${asked} GETs in ${elapsed} ms`);
    assert.ok(asked <= 4, `${asked} GETs: the task ends at the 4th`);
    for (let i = 0; i < 8 && (await show(id)).data.status !== 'completed'; i++);
    const ended = gets(await upstreamLog(id)).length;
    const after = await flood(1000, () => call(W.main, `/v1/tasks/${id}`));
    for (const r of after) assert.deepEqual([r.status, r.data.status], [200, 'completed'], r.text);
    assert.equal(gets(await upstreamLog(id)).length, ended, 'no GET once the task ended');
  });

  test('a model not in ALLOWED_MODELS → 400 before anything is counted or sent', T, async () => {
    const expensive = { model: 'veo-3.1-pro-ultra-expensive', prompt: 'x', duration: 100000, quality: '4k' };
    const total = await createCount();
    const over = await withinOneMinute(async () => {
      const page = { origin: 'https://app.example', 'cf-connecting-ip': newAddress() };
      for (let i = 0; i < 6; i++) {
        const r = await post(W.main, expensive, page);
        assert.equal(r.status, 400, r.text);
        assert.equal(r.data.error.code, 'model_not_allowed');
        assert.match(r.data.error.message, /ALLOWED_MODELS/);
      }
      assert.equal(await createCount(), total, 'nothing sent');
      for (let i = 0; i < 5; i++) await create(W.main, '[as:ok] a fox', {}, page); // nothing counted
      return post(W.main, { prompt: '[as:ok] a fox' }, page);
    });
    assert.equal(over.status, 429, 'the five creates were the first counted');
  });

  test('ALLOWED_MODELS unset: the Seedance 2.0 models, each checked by the package; others refused', T, async () => {
    const total = await createCount();
    const seedance = ['text', 'image', 'reference'].flatMap((mode) =>
      ['', 'fast-', 'mini-'].map((tier) => `seedance-2.0-${tier}${mode}-to-video`));
    for (const model of seedance) {
      const r = await post(W.limits, { model, prompt: 'x', duration: 99 });
      assert.equal(r.status, 400, `${model}: ${r.text}`);
      assert.deepEqual([r.data.error?.code, /"duration".*4 to 15/.test(r.data.error?.message)], ['invalid_params', true], r.text);
    }
    for (const model of ['veo-3.1-pro-ultra-expensive', 'seedance-2.0-audio-to-video', 'acme-video-1']) {
      const r = await post(W.limits, { model, prompt: 'x' });
      assert.deepEqual([r.status, r.data.error?.code], [400, 'model_not_allowed'], r.text);
    }
    assert.equal(await createCount(), total);
  });

  test('every forwarded field has its type checked, for a model the package does not check', T, async () => {
    const total = await createCount();
    const model = 'acme-video-1'; // in main's ALLOWED_MODELS
    const cases = [
      [{ duration: { a: 1 } }, /"duration"/], [{ duration: 5.5 }, /"duration"/], [{ duration: -1 }, /"duration"/],
      [{ image_urls: 'http://169.254.169.254/latest/meta-data/' }, /"image_urls"/],
      [{ image_urls: ['http://169.254.169.254/latest/meta-data/'] }, /"image_urls".*https/],
      [{ video_urls: [1] }, /"video_urls"/], [{ audio_urls: Array(10).fill('https://a.example/a.mp3') }, /"audio_urls"/],
      [{ quality: ['4k'] }, /"quality"/], [{ aspect_ratio: 16 }, /"aspect_ratio"/], [{ generate_audio: 'yes' }, /"generate_audio"/],
      [{ prompt: { text: 'x' } }, /"prompt"/], [{ prompt: null }, /"prompt"/], [{ model: '' }, /"model"/],
    ];
    for (const [extra, message] of cases) {
      const r = await post(W.main, { model, prompt: '[as:ok] a fox', ...extra });
      assert.equal(r.status, 400, `${JSON.stringify(extra)} → ${r.status} ${r.text}`);
      assert.equal(r.data.error.code, 'invalid_params');
      assert.match(r.data.error.message, message);
    }
    assert.equal(await createCount(), total, 'nothing sent');
    const params = { duration: 8, quality: '4k', image_urls: ['https://a.example/1.png'], generate_audio: false };
    const id = await create(W.main, '[as:ok] a fox', { model, ...params });
    assert.deepEqual(JSON.parse(creates(await upstreamLog(id))[0].body), { model, prompt: '[as:ok] a fox', ...params });
  });

  test('IPv6: 20 addresses of one /64 share CREATES_PER_MINUTE (5); another /64 does not', T, async () => {
    const net = () => `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`;
    const statuses = await withinOneMinute(async () => {
      const prefix = net();
      const [a, b] = prefix.split(':').slice(2);
      const spellings = (i) => [`${prefix}::${i.toString(16)}`, `2001:0DB8:${a.padStart(4, '0')}:${b.toUpperCase()}:0:0:0:${i.toString(16)}`,
        `${prefix}:${i.toString(16)}:ffff:1:2`, `${prefix}:0:0:${i.toString(16)}:0`][i % 4];
      const seen = [];
      for (let i = 1; i <= 20; i++) {
        const r = await post(W.main, { prompt: '[as:ok] a fox' }, { authorization: `Bearer ${SERVER_TOKEN}`, 'cf-connecting-ip': spellings(i) });
        seen.push(r.status);
      }
      return seen;
    });
    assert.deepEqual(statuses, [...Array(5).fill(201), ...Array(15).fill(429)], `${statuses}`);
    await create(W.main, '[as:ok] a fox', {}, { authorization: `Bearer ${SERVER_TOKEN}`, 'cf-connecting-ip': `${net()}::1` });
  });

  test('invalid parameters are refused before the limits count them: 6 × 400, then 5 × 201 and 429', T, async () => {
    const bad = [{ duration: 99 }, { quality: '4k' }, { aspect_ratio: '2:1' }, { duration: '5' },
      { image_urls: ['https://a.example/1.png'] }, { model: 'seedance-2.0-fast-text-to-video', quality: '1080p' }];
    const total = await createCount();
    const over = await withinOneMinute(async () => {
      const headers = { authorization: `Bearer ${SERVER_TOKEN}`, 'cf-connecting-ip': newAddress() };
      for (const extra of bad) {
        const r = await post(W.main, { prompt: '[as:ok] a fox', ...extra }, headers);
        assert.deepEqual([r.status, r.data.error.code], [400, 'invalid_params'], `${JSON.stringify(extra)} → ${r.text}`);
      }
      assert.equal(await createCount(), total);
      for (let i = 0; i < 5; i++) await create(W.main, '[as:ok] a fox', {}, headers);
      return post(W.main, { prompt: '[as:ok] a fox' }, headers);
    });
    assert.equal(over.status, 429, 'the five creates were the first counted');
  });

  test('a callback replayed 300 times → at most 4 confirming GETs; the record answers the rest', { timeout: 60_000 }, async () => {
    const { id, path } = await createWithCallback(W.main, '[as:timed600] a long task'); // pending for a minute
    const forged = JSON.stringify({ id, status: 'completed', results: ['https://evil.example/a.mp4'] });
    for (let i = 0; i < 300; i++) {
      const r = await callback(W.main, path, forged);
      assert.deepEqual([r.status, r.data.status], [200, 'pending'], r.text);
    }
    const confirmations = gets(byWorker(await upstreamLog(id))).length;
    assert.ok(confirmations >= 1 && confirmations <= 4, `${confirmations} GETs`);
  });

  test('a callback token is valid in one spelling only (the MAC’s last character has 4)', T, async () => {
    const { id, path } = await createWithCallback(W.main);
    const sent = JSON.stringify(await upstreamUntil(id, 'completed'));
    const before = (await upstreamLog()).length;
    const [nonce, mac] = new URL(path, 'https://x').searchParams.get('token').split('.');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(mac.at(-1));
    assert.equal(last & 3, 0, 'the canonical spelling has the unused bits zero');
    for (const unused of [1, 2, 3]) {
      const r = await callback(W.main, `/callback?token=${nonce}.${mac.slice(0, -1)}${alphabet[last | unused]}`, sent);
      assert.deepEqual([r.status, r.data.error?.code], [403, 'invalid_callback_token'], r.text);
    }
    assert.equal((await upstreamLog()).length, before, 'nothing fetched');
    const genuine = await callback(W.main, path, sent);
    assert.deepEqual([genuine.status, genuine.data.status], [200, 'completed'], genuine.text);
  });

  test('upstream failures are logged, not answered: EVOLINK_BASE_URL (its path) appears in no answer', T, async () => {
    const host = new URL(BASE).host;
    const seen = [];
    const check = (r, status, code) => {
      assert.equal(r.status, status, r.text);
      assert.equal(r.data.error.code, code, r.text);
      seen.push(r.text);
    };
    check(await post(W.gateway, { prompt: '[create-drop] the API is down' }), 502, 'upstream_unreachable');
    check(await post(W.gateway, { prompt: 'a cat [create-fail:503]' }), 502, 'service_unavailable');
    for (const [scenario, code] of [['reset', 'upstream_unreachable'], ['malformed', 'invalid_response'], ['e404', 'resource_not_found']]) {
      const id = await create(W.gateway, `[as:${scenario}] a task`);
      check(await call(W.gateway, `/tasks/${id}`), 502, code);
      check(await call(W.gateway, `/v1/tasks/${id}`), 502, code);
    }
    for (const text of seen) {
      assert.ok(!text.includes(GATEWAY_PATH) && !text.includes(host), text);
    }
    const logged = () => readFileSync(WORKERD_LOG, 'utf8').includes(`${GATEWAY_PATH}/v1/videos/generations`);
    for (let i = 0; i < 20 && !logged(); i++) await sleep(100); // workerd writes its log as it goes
    assert.ok(logged(), 'the details are in the log');
  });

  test('ids not of EvoLink’s shape or dated in the future → 400/404 without waking a Durable Object', { timeout: 60_000 }, async () => {
    // Each Durable Object that touches its storage gets a file; workerd may delete the empty ones
    // of objects it evicts meanwhile, so new names are counted, not the total.
    const objects = () => new Set(readdirSync(`${DO_STORAGE}/main-TaskStore`));
    const before = objects();
    const later = Math.floor(Date.now() / 1000) + 86_400;
    const results = await flood(1000, (i) => {
      const random = randomBytes(6).toString('hex');
      const id = [`ok-${random}`, `task-unified-${random}`, unknownId(later), `${unknownId()}x`][i % 4];
      return call(W.main, `/${i % 2 ? 'v1/' : ''}tasks/${id}`).then((r) => [id, r]);
    });
    assert.deepEqual([...objects()].filter((name) => !before.has(name)), [], 'no Durable Object was woken');
    for (const [id, r] of results) {
      const expected = id.length === unknownId().length && id.startsWith('task-unified-') ? [404, 'unknown_task'] : [400, 'invalid_task_id'];
      assert.deepEqual([r.status, r.data.error?.code], expected, `${id}: ${r.text}`);
    }
    const dated = await call(W.main, `/tasks/${unknownId()}`); // a well-shaped id of now: its object says
    assert.deepEqual([dated.status, dated.data.error.code], [404, 'unknown_task']);
  });

  test('Turnstile: a token solved on a host not in ALLOWED_ORIGINS, or for another action → 403', T, async () => {
    const page = () => ({ origin: 'https://app.example', 'cf-connecting-ip': newAddress() });
    const before = await createCount();
    for (const token of ['pass-2@evil.example/create-task', 'pass-3', 'pass-4@app.example', 'pass-5@app.example/other-action',
      'pass-6@other.example/create-task']) {
      const r = await post(W.turnstile, { prompt: '[as:ok] a fox', 'cf-turnstile-response': token }, page());
      assert.deepEqual([r.status, r.data.error?.code], [403, 'turnstile_failed'], `${token}: ${r.text}`);
    }
    assert.equal(await createCount(), before, 'nothing created');
    const good = await post(W.turnstile, { prompt: '[as:ok] a fox', 'cf-turnstile-response': 'pass-7@app.example/create-task' }, page());
    assert.equal(good.status, 201, good.text);
  });
});

/** GET times of task `id` relative to its create, as the fake server logged them. */
async function timeline(id) {
  const log = await upstreamLog(id);
  const created = creates(log)[0].time;
  return gets(log).map((r) => r.time - created);
}

describe('alarms finish what nobody watches (fast: 100–300 ms, stopped after 4 s)', { concurrency: true }, () => {
  test('a task nobody asks about is polled by its alarms until it ends, recorded, then left alone', T, async () => {
    const id = await create(W.fast);
    let shown;
    for (let i = 0; i < 40 && shown?.data.status !== 'completed'; i++) {
      await sleep(100);
      shown = await call(W.fast, `/tasks/${id}`); // never polls on this configuration
    }
    assert.equal(shown.data.status, 'completed', shown.text);
    assert.equal(shown.headers.get('x-task-source'), 'alarm');
    await sleep(1000);
    const log = await upstreamLog(id);
    assert.equal(gets(log).length, 4, 'four GETs: pending, processing, processing, completed; none after');
    assert.equal(byWorker(gets(log)).length, 4);
  });

  for (const [scenario, why] of [['e404', 'not found'], ['e401', 'the key refused'], ['e403', 'no access']]) {
    test(`alarms stop at once on ${scenario.slice(1)} (${why})`, T, async () => {
      const id = await create(W.fast, `[as:${scenario}] gone`);
      await sleep(2000); // several intervals
      const times = await timeline(id);
      assert.equal(times.length, 1, `GETs at ${times} ms`);
      const shown = await call(W.fast, `/tasks/${id}`);
      assert.deepEqual([shown.data.status, shown.headers.get('x-task-source')], ['pending', 'create']);
    });
  }

  test('a 429 delays the alarms by its Retry-After (1 s), then they go on to the end', T, async () => {
    const id = await create(W.fast, '[as:ratelimit] busy');
    let shown;
    for (let i = 0; i < 50 && shown?.data.status !== 'completed'; i++) {
      await sleep(100);
      shown = await call(W.fast, `/tasks/${id}`);
    }
    assert.equal(shown.data.status, 'completed');
    const times = await timeline(id);
    assert.equal(times.length, 5, `GETs at ${times} ms`);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(gaps[0] >= 950, `after the 429: ${gaps[0]} ms`);
    for (const gap of gaps.slice(1)) assert.ok(gap < 950, `then the usual pace: ${gaps}`);
  });

  test('failures (503) are retried with a backoff until ALARM_MAX_AGE_MS, then the alarms stop', { timeout: 20_000 }, async () => {
    const id = await create(W.fast, '[as:e503] down');
    await sleep(FAST.maxAgeMs + 1500);
    const first = await timeline(id);
    await sleep(1500);
    const times = await timeline(id);
    assert.deepEqual(times, first, 'no GET after the maximum age');
    assert.ok(times.length >= 8, `retried: GETs at ${times} ms`);
    assert.ok(times.at(-1) < FAST.maxAgeMs + FAST.maxMs * 1.25 + 200, `last GET at ${times.at(-1)} ms`);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(gaps.every((g) => g >= FAST.minMs * 0.75 - 20 && g <= FAST.maxMs * 1.25 + 200), `gaps ${gaps}`);
  });
});

describe('1,000 tasks created, nobody watching, no callbacks: all recorded as ended by alarms', () => {
  test(`1,000 timed${TIMED_S} tasks on the package's default pace, next to a fixed 5 s loop`, { timeout: 240_000 }, async (t) => {
    const started = Date.now();
    const N = 1000;
    // A fixed 5 s loop, as the docs advise, over 20 tasks of the same kind straight at the fake server.
    const fixedLoop = (async () => {
      const counts = await Promise.all(Array.from({ length: 20 }, async () => {
        const made = await (await fetch(`${BASE}/v1/videos/generations`, {
          method: 'POST', body: JSON.stringify({ model: 'm', prompt: `[as:timed${TIMED_S}] loop` }),
        })).json();
        for (let n = 1; ; n++) {
          await sleep(5000);
          const task = await (await fetch(`${BASE}/v1/tasks/${made.id}`)).json();
          if (task.status === 'completed') return n;
        }
      }));
      return counts.reduce((a, b) => a + b, 0) / counts.length;
    })();

    const ids = [];
    let next = 0;
    await Promise.all(Array.from({ length: 25 }, async () => {
      while (next < N) {
        next++;
        ids.push(await create(W.alarms, `[as:timed${TIMED_S}] a lighthouse`));
      }
    }));
    const createdMs = Date.now() - started;
    assert.equal(new Set(ids).size, N);

    await sleep(Math.max(0, started + createdMs + TIMED_S * 1000 - Date.now()));
    let open = ids;
    const deadline = Date.now() + 60_000;
    while (open.length > 0 && Date.now() < deadline) {
      const still = [];
      for (let i = 0; i < open.length; i += 50) {
        const batch = open.slice(i, i + 50);
        const shown = await Promise.all(batch.map((id) => call(W.alarms, `/tasks/${id}`)));
        shown.forEach((r, j) => {
          if (r.data?.status !== 'completed') still.push(batch[j]);
          else assert.equal(r.headers.get('x-task-source'), 'alarm', r.text);
        });
      }
      open = still;
      if (open.length > 0) await sleep(2000);
    }
    const endedMs = Date.now() - started;
    assert.equal(open.length, 0, `${open.length} tasks not recorded as ended`);

    const log = await upstreamLog();
    const mine = new Set(ids);
    const perTask = new Map(ids.map((id) => [id, { created: 0, gets: [] }]));
    for (const r of log) {
      if (!mine.has(r.taskId)) continue;
      if (r.method === 'POST') {
        perTask.get(r.taskId).created = r.time;
        assert.equal(JSON.parse(r.body).callback_url, undefined, 'no callback URL: callbacks impossible');
      } else {
        assert.equal(r.authorization, `Bearer ${KEY}`);
        perTask.get(r.taskId).gets.push(r.time);
      }
    }
    const counts = [];
    for (const [id, { created, gets: times }] of perTask) {
      counts.push(times.length);
      // The last GET saw it completed (at or after TIMED_S), the one before did not: no GET after the end.
      assert.ok(times.at(-1) - created >= TIMED_S * 1000, `${id}: last GET ${times.at(-1) - created} ms`);
      if (times.length > 1) assert.ok(times.at(-2) - created < TIMED_S * 1000 + 500, `${id}: GETs after the end`);
    }
    const mean = counts.reduce((a, b) => a + b, 0) / N;
    const fixed = await fixedLoop;
    const report = [
      `1,000-task alarm run (timed${TIMED_S}: ${TIMED_S} s tasks, pending for the first ${TIMED_S / 10} s):`,
      `  GETs per task by alarms (planPoll, default pace): mean ${mean.toFixed(2)}, min ${Math.min(...counts)}, max ${Math.max(...counts)}`,
      `  GETs per task by a fixed 5 s loop (20 tasks of the same kind): mean ${fixed.toFixed(2)}`,
      `  created in ${(createdMs / 1000).toFixed(1)} s, all recorded as ended after ${(endedMs / 1000).toFixed(1)} s`,
    ].join('\n');
    t.diagnostic(report);
    if (REPORT) writeFileSync(REPORT, `${report}\n`);
    assert.ok(mean <= fixed + 1, 'the alarms poll no more than a fixed 5 s loop');
  });
});

test('no secret (API key, server token, callback secret) in any answer of the worker or in workerd’s log', () => {
  assert.ok(answers.length > 1000, `${answers.length} answers checked`);
  const log = readFileSync(WORKERD_LOG, 'utf8');
  for (const secret of [KEY, SERVER_TOKEN, CALLBACK_SECRET]) {
    for (const answer of answers) assert.ok(!answer.includes(secret), answer.slice(0, 300));
    assert.ok(!log.includes(secret), 'workerd log');
  }
});
