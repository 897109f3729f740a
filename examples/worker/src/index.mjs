// A Cloudflare Worker that holds the EvoLink API key and gives a web page what it needs to run
// video tasks without ever seeing the key. Routes (see README.md):
//
//   POST /tasks          create a video task from the page's parameters → 201 { id, status }
//   GET  /tasks/:id      the task: as recorded if it has ended, else polled once and recorded
//   POST /callback       EvoLink's webhook: confirmed with one GET, then recorded; idempotent
//   GET  /v1/tasks/:id   the API's task query with the key added, for tasks created here, so a page
//                        can use `new EvoLinkClient({ baseUrl: '<this worker>' }).waitForTask(id)`
//   GET  /               which store is in use
import { ApiError, EvoLinkClient, EvoLinkError, parseTaskCallback } from 'evolink-tasks';
import { HttpError, errorResponse, json, preflight, readJson, readText, withCors } from './http.mjs';
import { isTerminal, storeKind, taskRecord } from './store.mjs';

export { TaskStore } from './store.mjs';

/** The parameters a page may choose; everything else in its body is dropped. */
const PARAMS = ['model', 'prompt', 'duration', 'quality', 'aspect_ratio', 'generate_audio',
  'image_urls', 'video_urls', 'audio_urls'];
const DEFAULT_MODEL = 'seedance-2.0-text-to-video';
const MAX_PARAMS_BYTES = 16 * 1024;
const MAX_CALLBACK_BYTES = 1024 * 1024;
const CONFIRM_TIMEOUT_MS = 8000; // EvoLink waits 10 s for the webhook's answer
const PROXY_TIMEOUT_MS = 30_000;
const TASK_ID = /^(?!\.\.?$)[A-Za-z0-9._:-]{1,256}$/; // what the client accepts

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const origin = env.ALLOWED_ORIGIN || '*';
    let response;
    try {
      response = await route(request, env, url, origin);
    } catch (e) {
      if (!(e instanceof HttpError)) console.error('internal error:', e?.name, e?.message);
      response = errorResponse(e instanceof HttpError ? e : new HttpError(500, 'internal_error', 'Internal error'));
    }
    return url.pathname === '/callback' ? response : withCors(response, origin);
  },
};

async function route(request, env, url, origin) {
  const { pathname } = url;
  if (request.method === 'OPTIONS' && pathname !== '/callback') return preflight(origin);
  if (pathname === '/tasks') return allow(request, 'POST') && createTask(request, env, url);
  if (pathname === '/callback') return allow(request, 'POST') && receiveCallback(request, env);
  let m = /^\/tasks\/([^/]+)$/.exec(pathname);
  if (m) return allow(request, 'GET') && showTask(env, taskId(m[1]));
  m = /^\/v1\/tasks\/([^/]+)$/.exec(pathname);
  if (m) return allow(request, 'GET') && proxyTask(env, taskId(m[1]));
  if (pathname === '/') return allow(request, 'GET') && json({ service: 'evolink-tasks worker', store: storeKind(env) });
  throw new HttpError(404, 'not_found', `No route for ${pathname}`);
}

function allow(request, method) {
  if (request.method === method) return true;
  throw new HttpError(405, 'method_not_allowed', `Use ${method}`, { allow: `${method}, OPTIONS` });
}

/** A task id from a path segment (still percent-encoded). */
function taskId(segment) {
  let id = null;
  try {
    id = decodeURIComponent(segment);
  } catch {}
  if (id === null || !TASK_ID.test(id)) throw new HttpError(400, 'invalid_task_id', 'That is not a task id');
  return id;
}

// POST /tasks: the page's parameters, checked by the client, with this worker's callback URL.
async function createTask(request, env, url) {
  const body = await readJson(request, MAX_PARAMS_BYTES);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_params', 'The body must be a JSON object of video parameters');
  }
  const params = { model: DEFAULT_MODEL };
  for (const name of PARAMS) if (body[name] !== undefined) params[name] = body[name];
  const callback = callbackUrl(url);
  if (callback) params.callback_url = callback;
  const task = await upstream(() => client(env).createVideo(params));
  await taskRecord(env, task.id).create(task);
  return json({ id: task.id, status: task.status }, 201, { location: `/tasks/${encodeURIComponent(task.id)}` });
}

/** `https://<this host>/callback` when EvoLink can reach it: https and a public DNS name. On
 * `wrangler dev` (http://localhost) there is none, and polling through GET /tasks/:id covers it. */
function callbackUrl(url) {
  const host = url.hostname;
  const local = host === 'localhost' || /\.(localhost|local|internal)$/.test(host)
    || /^[\d.]+$/.test(host) || host.startsWith('['); // IP literals: not how a worker is reached
  return url.protocol === 'https:' && !local ? `${url.origin}/callback` : undefined;
}

// POST /callback: unsigned, so only a hint. Checked, limited to tasks created here, confirmed
// with one GET, recorded. A repeat for a task already ended (EvoLink retries) is answered at once.
async function receiveCallback(request, env) {
  const text = await readText(request, MAX_CALLBACK_BYTES);
  let hint;
  try {
    hint = await parseTaskCallback(text);
  } catch (e) {
    throw new HttpError(400, 'invalid_callback', e.message);
  }
  // (parseTaskCallback accepts a body without an id, or with a number: check it here)
  if (typeof hint.id !== 'string' || !TASK_ID.test(hint.id)) {
    throw new HttpError(400, 'invalid_callback', 'The callback has no valid task id');
  }
  const record = taskRecord(env, hint.id);
  const known = await record.read();
  if (!known) throw new HttpError(404, 'unknown_task', 'This worker did not create that task');
  if (isTerminal(known.task)) return json({ id: hint.id, status: known.task.status });
  const signal = AbortSignal.timeout(CONFIRM_TIMEOUT_MS);
  const task = await upstream(() => client(env).confirmCallback(text, { signal }));
  if (task.id !== hint.id) throw new HttpError(502, 'upstream_mismatch', 'EvoLink answered another task');
  const updated = await record.update(task, 'callback');
  return json({ id: hint.id, status: updated.task.status });
}

// GET /tasks/:id: an ended task as recorded; otherwise one poll (at most one per
// MIN_POLL_INTERVAL_MS, default 2000) — the fallback when no callback arrives.
async function showTask(env, id) {
  const record = taskRecord(env, id);
  let current = await record.read();
  if (!current) throw new HttpError(404, 'unknown_task', 'No task with that id was created here');
  const configured = parseInt(env.MIN_POLL_INTERVAL_MS, 10);
  const minInterval = configured >= 0 ? configured : 2000; // unset or not a number: the default
  if (!isTerminal(current.task) && Date.now() - current.checkedAt >= minInterval) {
    const task = await upstream(() => client(env).getTask(id));
    current = await record.update(task, 'poll');
  }
  return json(current.task, 200, { 'x-task-source': current.source });
}

// GET /v1/tasks/:id: EvoLink's answer as it is (status, body, Retry-After), the key added.
// Only for tasks created here: this is not an open proxy to the API.
async function proxyTask(env, id) {
  if (!(await taskRecord(env, id).read())) {
    throw new HttpError(404, 'unknown_task', 'No task with that id was created here');
  }
  const base = client(env).baseUrl.replace(/\/+$/, '');
  let answer;
  try {
    answer = await fetch(`${base}/v1/tasks/${encodeURIComponent(id)}`, {
      headers: { authorization: `Bearer ${env.EVOLINK_API_KEY}`, accept: 'application/json' },
      signal: AbortSignal.timeout(PROXY_TIMEOUT_MS),
    });
  } catch {
    throw new HttpError(502, 'upstream_unreachable', 'EvoLink could not be reached');
  }
  const headers = { 'content-type': answer.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-store' };
  if (answer.headers.has('retry-after')) headers['retry-after'] = answer.headers.get('retry-after');
  return new Response(answer.body, { status: answer.status, headers });
}

let cached = {};

/** One client per isolate (rebuilt if the key or base URL changes). */
function client(env) {
  const apiKey = env.EVOLINK_API_KEY;
  const baseUrl = env.EVOLINK_BASE_URL || undefined;
  if (!apiKey) throw new HttpError(500, 'not_configured', 'EVOLINK_API_KEY is not set (wrangler secret put EVOLINK_API_KEY)');
  if (cached.apiKey !== apiKey || cached.baseUrl !== baseUrl) {
    try {
      cached = { apiKey, baseUrl, client: new EvoLinkClient({ apiKey, baseUrl }) };
    } catch (e) {
      throw new HttpError(500, 'not_configured', `EVOLINK_BASE_URL: ${e.message}`);
    }
  }
  return cached.client;
}

/** Runs a client call, turning its errors into answers: bad parameters 400, the API's refusal of
 * the input 400, a timeout 504, anything else from the API or the network 502. */
async function upstream(call) {
  try {
    return await call();
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) throw new HttpError(400, 'invalid_params', e.message);
    if (e instanceof ApiError && [400, 413, 422].includes(e.status)) throw new HttpError(400, e.code, e.message);
    if (e instanceof EvoLinkError) {
      console.error('EvoLink:', e.name, e.code);
      throw new HttpError(502, e.code, `EvoLink: ${e.message}`);
    }
    if (e?.name === 'TimeoutError') throw new HttpError(504, 'upstream_timeout', 'EvoLink did not answer in time');
    throw e;
  }
}
