// Self-test of the fake EvoLink server (server.mjs + scenarios.mjs).
// Run: node --test tests/fake-server/
// Every test starts its own server on a free loopback port and closes it afterwards.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generatedByte, startFakeServer } from './server.mjs';

const SERVER_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server.mjs');

async function withServer(t, options) {
  const server = await startFakeServer(options);
  t.after(() => server.close());
  return server;
}

async function getJson(url, init) {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: await res.json() };
}

/** GETs the task `count` times and returns the statuses seen. */
async function statusSequence(server, id, count) {
  const seen = [];
  for (let i = 0; i < count; i += 1) {
    seen.push((await getJson(`${server.url}/v1/tasks/${id}`)).body.status);
  }
  return seen;
}

/** A GET with the path sent byte for byte (fetch would normalise `..`). */
function rawGet(server, rawPath) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: rawPath }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Polls the (possibly async) `condition` every 10 ms, at most 200 times. */
async function waitFor(condition) {
  for (let i = 0; i < 200; i += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not met in time');
}

test('ok lifecycle: pending 0, processing 30, processing 70, completed 100', async (t) => {
  const server = await withServer(t);
  const bodies = [];
  for (let i = 0; i < 5; i += 1) bodies.push((await getJson(`${server.url}/v1/tasks/ok-1`)).body);
  assert.deepEqual(bodies.map((b) => [b.status, b.progress]), [
    ['pending', 0], ['processing', 30], ['processing', 70], ['completed', 100], ['completed', 100],
  ]);
  const [pending, , , done] = bodies;
  assert.equal(pending.object, 'video.generation.task');
  assert.equal(pending.model, 'seedance-2.0-text-to-video');
  assert.equal(pending.task_info.estimated_time, 165);
  assert.equal(pending.task_info.can_cancel, true);
  assert.deepEqual(pending.x_extra, { kept: true });
  assert.equal(done.created, pending.created);
  assert.equal(done.task_info.estimated_time, undefined);
  assert.deepEqual(done.results, [`${server.url}/media/sample.mp4`]);
  assert.deepEqual(done.result_data, [{ video_url: `${server.url}/media/sample.mp4`, result_id: 'r1' }]);
  assert.deepEqual(done.usage, { credits_used: 12.5 });
  assert.deepEqual(done.x_extra, { kept: true });
});

test('other count-driven lifecycles', async (t) => {
  const server = await withServer(t);
  const expected = {
    fail: ['pending', 'processing', 'failed', 'failed'],
    cancel: ['pending', 'cancelled', 'cancelled'],
    cancelfail: ['pending', 'failed'],
    weird: ['pending', 'queued_for_review', 'queued_for_review', 'completed'],
    regress: ['processing', 'pending', 'processing', 'completed'],
  };
  for (const [name, statuses] of Object.entries(expected)) {
    assert.deepEqual(await statusSequence(server, `${name}-1`, statuses.length), statuses, name);
  }
  const failed = (await getJson(`${server.url}/v1/tasks/fail-1`)).body;
  assert.equal(failed.error.code, 'content_policy_violation');
  assert.equal(failed.error.message, 'The prompt was flagged by the content filter — «内容审核» 🚫.');
  assert.equal((await getJson(`${server.url}/v1/tasks/cancel-1`)).body.error, undefined);
  assert.equal((await getJson(`${server.url}/v1/tasks/cancelfail-1`)).body.error.code, 'request_cancelled');
});

test('error forms: e (string code), n (integer code), h (HTML), z (empty)', async (t) => {
  const server = await withServer(t);
  const ids = [];
  for (const id of ['e401-x', 'e401-y', 'n404-x']) {
    const res = await fetch(`${server.url}/v1/tasks/${id}`);
    ids.push(res.headers.get('x-request-id'));
  }
  assert.ok(ids.every((r) => /^req_\d+_\d+$/.test(r)), `request ids: ${ids}`);
  assert.equal(new Set(ids).size, 3, 'a request id per error');
  const e401 = await getJson(`${server.url}/v1/tasks/e401-x`);
  assert.equal(e401.status, 401);
  assert.deepEqual(Object.keys(e401.body.error), ['code', 'message', 'type', 'param', 'fallback_suggestion']);
  assert.equal(e401.body.error.code, 'unauthorized');
  assert.equal((await getJson(`${server.url}/v1/tasks/e503-x`)).body.error.code, 'service_unavailable');
  assert.equal((await getJson(`${server.url}/v1/tasks/e418-x`)).body.error.code, 'error_418');
  const n402 = await getJson(`${server.url}/v1/tasks/n402-x`);
  assert.equal(n402.status, 402);
  assert.equal(n402.body.error.code, 402);

  const h502 = await fetch(`${server.url}/v1/tasks/h502-x`);
  assert.equal(h502.status, 502);
  assert.match(h502.headers.get('content-type'), /^text\/html/);
  assert.equal(await h502.text(), '<html><body><h1>502 Bad Gateway</h1></body></html>');

  const z500 = await fetch(`${server.url}/v1/tasks/z500-x`);
  assert.equal(z500.status, 500);
  assert.equal(await z500.text(), '');

  const unknown = await getJson(`${server.url}/v1/tasks/nosuchscenario-1`);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'resource_not_found');
});

test('flaky2: two 503s, then the ok lifecycle from its start', async (t) => {
  const server = await withServer(t);
  const answers = [];
  for (let i = 0; i < 6; i += 1) {
    const { status, body } = await getJson(`${server.url}/v1/tasks/flaky2-x`);
    answers.push(status === 200 ? body.status : status);
  }
  assert.deepEqual(answers, [503, 503, 'pending', 'processing', 'processing', 'completed']);
});

test('ratelimit: 429 with Retry-After in seconds, then ok lifecycle', async (t) => {
  const server = await withServer(t);
  const first = await getJson(`${server.url}/v1/tasks/ratelimit-x`);
  assert.equal(first.status, 429);
  assert.equal(first.headers.get('retry-after'), '1');
  assert.equal(first.body.error.code, 'rate_limit_exceeded');
  assert.deepEqual(await statusSequence(server, 'ratelimit-x', 4), ['pending', 'processing', 'processing', 'completed']);
});

test('ratedate: 429 with Retry-After as an HTTP date about 1 s ahead', async (t) => {
  const server = await withServer(t);
  const before = Date.now();
  const first = await getJson(`${server.url}/v1/tasks/ratedate-x`);
  assert.equal(first.status, 429);
  const header = first.headers.get('retry-after');
  assert.match(header, /GMT$/);
  const delay = Date.parse(header) - before;
  assert.ok(delay >= 1000 && delay <= 2500, `delay ${delay} ms`);
  assert.equal((await getJson(`${server.url}/v1/tasks/ratedate-x`)).body.status, 'pending');
});

test('request log records /v1 requests with headers; filter and reset', async (t) => {
  const server = await withServer(t);
  const headers = { authorization: 'Bearer test-key', 'x-test': 'yes' };
  await fetch(`${server.url}/v1/tasks/ok-log`, { headers });
  await fetch(`${server.url}/v1/tasks/ok-other`);
  await fetch(`${server.url}/v1/credits`, { headers });

  const [record] = server.requests('ok-log');
  assert.equal(server.requests('ok-log').length, 1);
  assert.equal(record.method, 'GET');
  assert.equal(record.path, '/v1/tasks/ok-log');
  assert.equal(record.taskId, 'ok-log');
  assert.equal(record.authorization, 'Bearer test-key');
  assert.equal(record.headers['x-test'], 'yes');
  assert.ok(Math.abs(record.time - Date.now()) < 5000);
  assert.equal(server.requests('ok-other')[0].authorization, null);
  assert.equal(server.requests().length, 3);

  const viaHttp = (await getJson(`${server.url}/__requests?id=ok-log`)).body;
  assert.deepEqual(viaHttp, server.requests('ok-log'));
  assert.equal((await getJson(`${server.url}/__requests`)).body.length, 3);

  await fetch(`${server.url}/__reset`, { method: 'POST' });
  assert.deepEqual(server.requests(), []);
  assert.equal((await getJson(`${server.url}/v1/tasks/ok-log`)).body.status, 'pending', 'per-task state cleared');
  server.reset();
  assert.deepEqual(server.requests(), []);
});

test('percent-encoded ids are decoded and recorded', async (t) => {
  const server = await withServer(t);
  const { body } = await getJson(`${server.url}/v1/tasks/${encodeURIComponent('ok-a/b?c')}`);
  assert.equal(body.id, 'ok-a/b?c');
  assert.equal(server.requests('ok-a/b?c')[0].path, '/v1/tasks/ok-a%2Fb%3Fc');
});

test('CORS: preflight answers 204 and is not recorded; headers on every response', async (t) => {
  const server = await withServer(t);
  const preflight = await fetch(`${server.url}/v1/tasks/ok-1`, { method: 'OPTIONS' });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.equal(preflight.headers.get('access-control-allow-headers'), 'authorization, content-type, x-test');
  assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
  assert.equal(preflight.headers.get('access-control-expose-headers'), 'retry-after, x-request-id');
  assert.deepEqual(server.requests(), []);
  for (const id of ['ok-1', 'e404-1', 'h502-1']) {
    const res = await fetch(`${server.url}/v1/tasks/${id}`);
    await res.arrayBuffer();
    assert.equal(res.headers.get('access-control-allow-origin'), '*', id);
  }
});

test('body scenarios: malformed, notask, deep, cdn, huge, credits', async (t) => {
  const server = await withServer(t);
  const malformed = await fetch(`${server.url}/v1/tasks/malformed-1`);
  assert.equal(malformed.headers.get('content-type'), 'application/json');
  assert.equal(await malformed.text(), '{"id": "malformed-');
  assert.deepEqual((await getJson(`${server.url}/v1/tasks/notask-1`)).body, { hello: 'world' });
  let deep = (await getJson(`${server.url}/v1/tasks/deep-1`)).body;
  assert.equal(deep.status, 'completed');
  let levels = 0;
  for (deep = deep.results; Array.isArray(deep); deep = deep[0]) levels++;
  assert.equal(levels, 10_000);
  const cdn = await fetch(`${server.url}/v1/tasks/cdn-1`);
  assert.equal(cdn.status, 200);
  assert.match(cdn.headers.get('content-type'), /^text\/html/);
  assert.match(await cdn.text(), /<html>/);
  const huge = await (await fetch(`${server.url}/v1/tasks/huge-1`)).text();
  assert.equal(huge.length, 2 * 1024 * 1024);
  assert.equal(JSON.parse(huge).status, 'pending');
  for (const kind of ['hugechunked', 'hugegzip']) {
    const res = await fetch(`${server.url}/v1/tasks/${kind}-1`);
    const length = res.headers.get('content-length');
    if (kind === 'hugechunked') assert.equal(length, null, 'no length');
    else assert.ok(Number(length) < 1024 * 1024 && res.headers.get('content-encoding') === 'gzip', `gzip, ${length} bytes`);
    assert.equal((await res.text()).length, 2 * 1024 * 1024, kind);
  }
  assert.deepEqual((await getJson(`${server.url}/v1/credits`)).body, { credits: 1000 });
});

test('slow300 waits before answering', async (t) => {
  const server = await withServer(t);
  const start = Date.now();
  assert.equal((await getJson(`${server.url}/v1/tasks/slow300-x`)).body.status, 'pending');
  assert.ok(Date.now() - start >= 280);
});

test('demo starts pending with a 20 s estimate', async (t) => {
  const server = await withServer(t);
  const { body } = await getJson(`${server.url}/v1/tasks/demo-abc`);
  assert.equal(body.status, 'pending');
  assert.equal(body.task_info.estimated_time, 20);
});

test('timed2: pending with the seconds left for a tenth of 2 s, processing, completed at 2 s', async (t) => {
  const server = await withServer(t);
  const created = await getJson(`${server.url}/v1/videos/generations`, {
    method: 'POST', body: JSON.stringify({ model: 'm', prompt: '[as:timed2] a cat' }),
  });
  const { id } = created.body;
  assert.match(id, /^timed2-/);
  assert.equal(created.body.task_info.estimated_time, 2);
  const first = (await getJson(`${server.url}/v1/tasks/${id}`)).body;
  assert.deepEqual([first.status, first.task_info.estimated_time], ['pending', 2]);
  await new Promise((resolve) => setTimeout(resolve, 700));
  const middle = (await getJson(`${server.url}/v1/tasks/${id}`)).body;
  assert.equal(middle.status, 'processing');
  assert.ok(middle.progress >= 30 && middle.progress < 100, String(middle.progress));
  await new Promise((resolve) => setTimeout(resolve, 1400));
  const done = (await getJson(`${server.url}/v1/tasks/${id}`)).body;
  assert.deepEqual([done.status, done.progress], ['completed', 100]);
});

test('turnstile siteverify fake: tokens starting with "pass" succeed, logged', async (t) => {
  const server = await withServer(t);
  const verify = (form) => getJson(`${server.url}/turnstile/v0/siteverify`, { method: 'POST', body: new URLSearchParams(form) });
  assert.deepEqual((await verify({ secret: 's', response: 'pass-1', remoteip: '10.0.0.1' })).body, { success: true, 'error-codes': [] });
  assert.deepEqual((await verify({ secret: 's', response: 'nope' })).body, { success: false, 'error-codes': ['invalid-input-response'] });
  assert.deepEqual((await verify({ response: 'pass-1' })).body.success, false);
  const log = server.requests().filter((r) => r.path === '/turnstile/v0/siteverify');
  assert.equal(log.length, 3);
  assert.equal(new URLSearchParams(log[0].body).get('remoteip'), '10.0.0.1');
});

test('turnstile siteverify fake: a token pass…@host/action answers that hostname and action', async (t) => {
  const server = await withServer(t);
  const verify = (response) => getJson(`${server.url}/turnstile/v0/siteverify`, { method: 'POST', body: new URLSearchParams({ secret: 's', response }) });
  assert.deepEqual((await verify('pass-1@app.example/create')).body, { success: true, 'error-codes': [], hostname: 'app.example', action: 'create' });
  assert.deepEqual((await verify('pass-2@app.example')).body, { success: true, 'error-codes': [], hostname: 'app.example' });
  assert.equal((await verify('nope@app.example')).body.hostname, undefined);
});

test('evolinkIds: created ids have EvoLink\'s shape and keep the [as:…] scenario; a /gw-… path prefix reaches the API', async (t) => {
  const server = await withServer(t, { evolinkIds: true });
  const before = Math.floor(Date.now() / 1000);
  const created = await getJson(`${server.url}/gw-secret/v1/videos/generations`, {
    method: 'POST', body: JSON.stringify({ model: 'm', prompt: '[as:fail] a storm' }),
  });
  const id = created.body.id;
  assert.match(id, /^task-unified-\d{10}-[a-z0-9]{8}$/);
  assert.ok(Number(id.split('-')[2]) >= before);
  assert.deepEqual(await statusSequence(server, id, 3), ['pending', 'processing', 'failed']);
  assert.deepEqual(server.requests(id).map((r) => r.path), [`/gw-secret/v1/videos/generations`, ...Array(3).fill(`/v1/tasks/${id}`)]);
  assert.equal((await getJson(`${server.url}/v1/tasks/task-unified-1700000000-abcdefgh`)).status, 404);
});

test('[create-drop]: the connection closes without an answer', async (t) => {
  const server = await withServer(t);
  await assert.rejects(fetch(`${server.url}/v1/videos/generations`, { method: 'POST', body: JSON.stringify({ model: 'm', prompt: '[create-drop] x' }) }));
});

test('hang: close() ends the hanging request and returns promptly', async (t) => {
  const server = await withServer(t);
  const pending = fetch(`${server.url}/v1/tasks/hang-1`);
  await waitFor(() => server.requests('hang-1').length === 1);
  const start = Date.now();
  await server.close();
  assert.ok(Date.now() - start < 1000);
  await assert.rejects(pending);
});

test('reset: half a body then a destroyed socket is a client error', async (t) => {
  const server = await withServer(t);
  await assert.rejects(fetch(`${server.url}/v1/tasks/reset-1`).then((res) => res.text()));
});

test('creation: pending demo task, validation errors, size limit', async (t) => {
  const server = await withServer(t);
  const post = (route, body) =>
    fetch(`${server.url}/v1/${route}/generations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  const created = await post('videos', JSON.stringify({ model: 'seedance-2.0-text-to-video', prompt: 'a cat', callback_url: 'https://example.invalid/cb' }));
  const task = await created.json();
  assert.equal(created.status, 200);
  assert.match(task.id, /^demo-[a-z0-9]{8}$/);
  assert.equal(task.status, 'pending');
  assert.equal(task.task_info.estimated_time, 20);
  assert.equal(task.usage.credits_reserved, 10);
  assert.equal(server.requests(task.id)[0].method, 'POST');
  assert.equal((await getJson(`${server.url}/v1/tasks/${task.id}`)).body.model, 'seedance-2.0-text-to-video');

  const image = await (await post('images', JSON.stringify({ model: 'm', prompt: 'this should fail' }))).json();
  assert.match(image.id, /^demofail-/);
  assert.equal(image.object, 'image.generation.task');

  const invalid = await post('videos', '{nope');
  assert.equal(invalid.status, 400);
  assert.equal((await invalid.json()).error.code, 'invalid_request');
  const missing = await post('audios', JSON.stringify({ model: 'm' }));
  assert.equal(missing.status, 400);
  assert.equal((await missing.json()).error.param, 'prompt');
  const tooLarge = await post('videos', JSON.stringify({ model: 'm', prompt: 'x'.repeat(1024 * 1024) }));
  assert.equal(tooLarge.status, 413);
  assert.equal((await tooLarge.json()).error.code, 'request_too_large');
});

test('static serving: files, index.html, ranges, traversal rejected', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'fake-server-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(path.join(root, 'www', 'sub'), { recursive: true });
  await writeFile(path.join(root, 'secret.txt'), 'secret');
  await writeFile(path.join(root, 'www', 'index.html'), '<h1>home</h1>');
  await writeFile(path.join(root, 'www', 'app.wasm'), Buffer.from([0, 97, 115, 109]));
  await writeFile(path.join(root, 'www', 'sub', 'data.json'), '0123456789');
  const server = await withServer(t, { staticDirs: { '/www': path.join(root, 'www') } });

  const index = await fetch(`${server.url}/www/`);
  assert.match(index.headers.get('content-type'), /^text\/html/);
  assert.equal(await index.text(), '<h1>home</h1>');
  const wasm = await fetch(`${server.url}/www/app.wasm`);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.equal(wasm.headers.get('access-control-allow-origin'), '*');
  assert.equal((await wasm.arrayBuffer()).byteLength, 4);

  const ranged = await fetch(`${server.url}/www/sub/data.json`, { headers: { range: 'bytes=2-5' } });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get('content-range'), 'bytes 2-5/10');
  assert.equal(await ranged.text(), '2345');
  const outside = await fetch(`${server.url}/www/sub/data.json`, { headers: { range: 'bytes=20-' } });
  assert.equal(outside.status, 416);
  await outside.arrayBuffer();

  assert.equal(await rawGet(server, '/www'), 301);
  assert.equal(await rawGet(server, '/www/missing.js'), 404);
  assert.equal(await rawGet(server, '/www/../secret.txt'), 403);
  assert.equal(await rawGet(server, '/www/%2e%2e/secret.txt'), 403);
  assert.equal(await rawGet(server, '/www/sub%2F..%2F..%2Fsecret.txt'), 403);
  assert.equal(await rawGet(server, '/elsewhere/index.html'), 404);
  assert.deepEqual(server.requests(), [], 'only /v1 requests are recorded');
});

test('[result:/PATH] directives: a completed task lists those results on this server', async (t) => {
  const server = await withServer(t, { evolinkIds: true });
  const prompt = '[as:ok] two [result:/generated/1000.mp4?sig=a] [result:/media/sample.mp4?cut=10]';
  const { body } = await getJson(`${server.url}/v1/videos/generations`, { method: 'POST', body: JSON.stringify({ model: 'm', prompt }) });
  await statusSequence(server, body.id, 3);
  const done = (await getJson(`${server.url}/v1/tasks/${body.id}`)).body;
  assert.equal(done.status, 'completed');
  assert.deepEqual(done.results, [`${server.url}/generated/1000.mp4?sig=a`, `${server.url}/media/sample.mp4?cut=10`]);
  assert.deepEqual(done.result_data.map((r) => r.video_url), done.results);
});

test('generated results: N bytes made on the fly, computable from the offset, with ranges; logged', async (t) => {
  const server = await withServer(t);
  const whole = await fetch(`${server.url}/generated/300000.mp4`);
  assert.equal(whole.headers.get('content-type'), 'video/mp4');
  assert.equal(whole.headers.get('content-length'), '300000');
  assert.equal(whole.headers.get('accept-ranges'), 'bytes');
  const bytes = new Uint8Array(await whole.arrayBuffer());
  assert.equal(bytes.length, 300000);
  assert.ok(bytes.every((b, i) => b === generatedByte(i)));
  assert.notEqual(generatedByte(65536), generatedByte(0), 'not a 64 KiB repetition');
  const ranged = await fetch(`${server.url}/generated/300000.mp4`, { headers: { range: 'bytes=70000-70009' } });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get('content-range'), 'bytes 70000-70009/300000');
  assert.deepEqual([...new Uint8Array(await ranged.arrayBuffer())], Array.from({ length: 10 }, (_, i) => generatedByte(70000 + i)));
  const big = await fetch(`${server.url}/generated/52428800.bin`);
  assert.equal(big.headers.get('content-type'), 'application/octet-stream');
  assert.equal(big.headers.get('content-length'), '52428800');
  let size = 0;
  for await (const chunk of big.body) size += chunk.length;
  assert.equal(size, 52428800);
  assert.deepEqual(server.mediaRequests().map((r) => [r.method, r.path, r.range]), [
    ['GET', '/generated/300000.mp4', null], ['GET', '/generated/300000.mp4', 'bytes=70000-70009'], ['GET', '/generated/52428800.bin', null],
  ]);
  assert.deepEqual(await (await fetch(`${server.url}/__media`)).json(), server.mediaRequests());
  await fetch(`${server.url}/__reset`, { method: 'POST' });
  assert.deepEqual(server.mediaRequests(), []);
});

test('result files: cut off midway (the first cuts=K GETs), chunked, paced, expired on demand (403)', async (t) => {
  const server = await withServer(t);
  const url = `${server.url}/generated/200000.mp4?cut=100000&cuts=1`;
  const cut = await fetch(url);
  assert.equal(cut.headers.get('content-length'), '200000');
  await assert.rejects(cut.arrayBuffer(), 'the body ends early');
  assert.equal((await (await fetch(url)).arrayBuffer()).byteLength, 200000, 'the second GET is whole');
  const always = `${server.url}/media/sample.mp4?cut=5000`;
  for (let i = 0; i < 2; i += 1) await assert.rejects(fetch(always).then((r) => r.arrayBuffer()));
  const started = Date.now();
  const paced = await fetch(`${server.url}/generated/300000.mp4?pace=100`);
  assert.equal((await paced.arrayBuffer()).byteLength, 300000);
  assert.ok(Date.now() - started >= 400, 'five 64 KiB pieces, 100 ms after each');
  const chunked = await fetch(`${server.url}/generated/100000.mp4?chunked=1`);
  assert.equal(chunked.headers.get('content-length'), null);
  assert.equal((await chunked.arrayBuffer()).byteLength, 100000);
  const signed = `${server.url}/media/sample.mp4?sig=s1`;
  assert.equal((await fetch(signed)).status, 200);
  assert.equal((await getJson(`${server.url}/__expire?sig=s1`, { method: 'POST' })).status, 200);
  const expired = await fetch(signed);
  assert.equal(expired.status, 403);
  assert.match(await expired.text(), /Request has expired/);
  assert.equal((await fetch(`${server.url}/generated/10.mp4?sig=s1`)).status, 403, 'a signature expires wherever it is used');
  assert.equal((await fetch(`${server.url}/media/sample.mp4?sig=s2`)).status, 200);
  assert.deepEqual(server.mediaRequests().filter((r) => r.query.includes('sig=')).map((r) => r.status), [null, 403, 403, null]);
  assert.deepEqual(server.mediaRequests().slice(0, 2).map((r) => r.cut), [100000, null]);
});

test('CLI: prints the listening line and exits on SIGTERM despite a hanging request', async () => {
  const child = spawn(process.execPath, [SERVER_SCRIPT, '--port', '0', '--static', `/www=${tmpdir()}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
  try {
    const line = await Promise.race([firstLine(child.stdout), exited.then(() => 'exited early')]);
    const match = /^listening (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
    assert.ok(match, `first line: ${line}`);
    const hanging = fetch(`${match[1]}/v1/tasks/hang-cli`).catch((err) => err);
    await waitFor(async () => (await (await fetch(`${match[1]}/__requests?id=hang-cli`)).json()).length > 0);
    child.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null]);
    assert.ok((await hanging) instanceof Error);
  } finally {
    clearTimeout(killTimer);
    child.kill('SIGKILL');
  }
});

function firstLine(stream) {
  return new Promise((resolve) => {
    let text = '';
    stream.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
    });
  });
}
