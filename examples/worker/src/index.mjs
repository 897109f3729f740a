// A Cloudflare Worker that holds the EvoLink API key and gives a web page what it needs to run
// video tasks without ever seeing the key. Routes (see README.md):
//
//   POST /tasks          create a video task → 201 { id, status }; only for listed page origins
//                        (ALLOWED_ORIGINS) or servers with SERVER_TOKEN, within the create limits,
//                        with a Turnstile token when TURNSTILE_SECRET is set
//   GET  /tasks/:id      the task as recorded (its Durable Object's alarms keep polling it until it
//                        ends); polled first if it still runs and nobody asked for a while
//   POST /callback       EvoLink's webhook, with the task's token: confirmed with one GET; idempotent
//   GET  /v1/tasks/:id   GET /tasks/:id at the API's path, for tasks created here, so a page can use
//                        `new EvoLinkClient({ baseUrl: '<this worker>' }).waitForTask(id)`
//   GET  /results/:id/:n result n of the task, as saved in R2 (binding RESULTS, optional): a stable
//                        URL for a result whose own link expires after 24 hours; ranges, ETag
//   DELETE /results/:id  deletes the task's saved results (for the callers that may create)
//   GET  /               health
import { parseTaskCallback } from 'evolink-tasks';
import { callerAddress } from './address.mjs';
import { checkCaller, checkTurnstile, newCallbackToken, takeCreate, verifyCallbackToken } from './guard.mjs';
import { HttpError, errorResponse, json, preflight, readJson, readText, withCors } from './http.mjs';
import { isTaskId, mayExist, taskId, unknownTask } from './ids.mjs';
import { createParams } from './params.mjs';
import { savedView, serveResult } from './results.mjs';
import { allowedOrigins, createSettings, newClient, upstreamError } from './settings.mjs';
import { taskStub } from './store.mjs';

export { CreateLimits } from './guard.mjs';
export { TaskStore } from './store.mjs';

const MAX_PARAMS_BYTES = 16 * 1024;
const MAX_CALLBACK_BYTES = 1024 * 1024;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    let response;
    try {
      response = await route(request, env, url);
    } catch (e) {
      if (!(e instanceof HttpError)) console.error('internal error:', e?.name, e?.message);
      response = errorResponse(e instanceof HttpError ? e : new HttpError(500, 'internal_error', 'Internal error'));
    }
    if (url.pathname === '/callback') return response;
    let origins = [];
    try {
      origins = allowedOrigins(env);
    } catch {}
    return withCors(response, request.headers.get('origin'), origins);
  },
};

async function route(request, env, url) {
  const { pathname } = url;
  if (request.method === 'OPTIONS' && pathname !== '/callback') {
    return preflight(request.headers.get('origin'), allowedOrigins(env));
  }
  if (pathname === '/tasks') return allow(request, 'POST') && createTask(request, env, url);
  if (pathname === '/callback') return allow(request, 'POST') && receiveCallback(request, env, url);
  // GET /v1/tasks/:id is GET /tasks/:id at the API's path: the same throttled record, never a
  // request to EvoLink per request (it was one, so one task id could spend the key's rate).
  const m = /^(?:\/v1)?\/tasks\/([^/]+)$/.exec(pathname);
  if (m) return allow(request, 'GET') && showTask(env, taskId(m[1]), url);
  // Saved results: routes only when the RESULTS bucket is bound (unset, nothing changes).
  const r = /^\/results\/([^/]+)(?:\/(0|[1-9]\d{0,2}))?$/.exec(pathname);
  if (r && env.RESULTS) {
    if (r[2] === undefined) return allow(request, 'DELETE') && deleteResults(request, env, taskId(r[1]));
    if (request.method !== 'HEAD') allow(request, 'GET');
    return showResult(request, env, taskId(r[1]), Number(r[2]));
  }
  if (pathname === '/') return allow(request, 'GET') && json({ service: 'evolink-tasks worker' });
  throw new HttpError(404, 'not_found', `No route for ${pathname}`);
}

function allow(request, method) {
  if (request.method === method) return true;
  throw new HttpError(405, 'method_not_allowed', `Use ${method}`, { allow: `${method}, OPTIONS` });
}

/** The answer of a TaskStore call: { task, source } or { error } (thrown). */
function stored(answer) {
  if (answer.error) throw new HttpError(answer.error.status, answer.error.code, answer.error.message);
  return answer;
}

// POST /tasks: settings, caller, body, parameters (model, types, the package's checks), Turnstile,
// limits, then the create with this worker's callback URL (carrying the task's token), recorded
// in the task's Durable Object. Everything that can refuse the request for free comes before the
// limits count it: a refused request must not use up the creates of others.
async function createTask(request, env, url) {
  const settings = createSettings(env);
  const caller = checkCaller(request, settings);
  const body = await readJson(request, MAX_PARAMS_BYTES);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_params', 'The body must be a JSON object of video parameters');
  }
  const params = await createParams(body, settings.models);
  const address = callerAddress(request);
  if (settings.turnstileSecret && caller === 'page') await checkTurnstile(body['cf-turnstile-response'], address, settings);
  await takeCreate(env, address, settings);
  let nonce;
  if (settings.callbackSecret && reachable(url)) {
    const callback = await newCallbackToken(settings.callbackSecret);
    nonce = callback.nonce;
    params.callback_url = `${url.origin}/callback?token=${callback.token}`;
  }
  let task;
  try {
    task = await newClient(env).createVideo(params);
  } catch (e) {
    throw upstreamError(e);
  }
  // Lookups refuse ids of another shape without asking a Durable Object: say so loudly if
  // EvoLink's ids change (the task exists and is billed; ids.mjs needs updating).
  if (!isTaskId(task.id)) console.error('EvoLink returned an unexpected task id; update EVOLINK_ID in ids.mjs:', task.id);
  await taskStub(env, task.id).create(task, nonce);
  return json({ id: task.id, status: task.status }, 201, { location: `/tasks/${encodeURIComponent(task.id)}` });
}

/** Whether EvoLink can call this URL back: https and a public DNS name. On `wrangler dev`
 * (http://localhost) it cannot, and the alarms cover it. */
function reachable(url) {
  const host = url.hostname;
  const local = host === 'localhost' || /\.(localhost|local|internal)$/.test(host)
    || /^[\d.]+$/.test(host) || host.startsWith('['); // IP literals: not how a worker is reached
  return url.protocol === 'https:' && !local;
}

// POST /callback?token=…: the token first (403 before anything is read, fetched or recorded),
// then the body, then the task's Durable Object confirms it with one GET and records it. A repeat
// for a task already ended (EvoLink retries) is answered at once.
async function receiveCallback(request, env, url) {
  const nonce = await verifyCallbackToken(env.CALLBACK_SECRET, url.searchParams.get('token'));
  if (!nonce) throw new HttpError(403, 'invalid_callback_token', 'The callback has no valid token');
  const text = await readText(request, MAX_CALLBACK_BYTES);
  let hint;
  try {
    hint = await parseTaskCallback(text);
  } catch (e) {
    throw new HttpError(400, 'invalid_callback', e.message);
  }
  // (parseTaskCallback accepts a body without an id, or with a number: check it here)
  if (!isTaskId(hint.id)) {
    throw new HttpError(400, 'invalid_callback', 'The callback has no valid task id');
  }
  const { task } = stored(await taskStub(env, hint.id).callback(nonce, text));
  return json({ id: hint.id, status: task.status });
}

// GET /tasks/:id: the record (polled first when it is older than MIN_POLL_INTERVAL_MS). An id
// dated in the future is unknown without waking a Durable Object; any other id wakes its
// object, which answers 404 if this worker did not create it.
async function showTask(env, id, url) {
  if (!mayExist(id)) throw unknownTask();
  const { task, source, saves } = stored(await taskStub(env, id).show());
  // Beside EvoLink's `results`: what became of each one's copy, and its stable URL once saved.
  const shown = saves && env.RESULTS ? { ...task, saved_results: savedView(saves, id, url.origin) } : task;
  return json(shown, 200, { 'x-task-source': source });
}

// GET /results/:id/:index: served from R2 without waking the task's Durable Object (a player
// seeking asks many times). Open to whoever may read the task (its id), as GET /tasks/:id is.
async function showResult(request, env, id, index) {
  if (!mayExist(id)) throw unknownTask();
  return serveResult(request, env.RESULTS, id, index);
}

// DELETE /results/:id: the same callers that may create (a listed page origin, a server with
// SERVER_TOKEN), as saving costs storage; the task's Durable Object deletes and records it.
async function deleteResults(request, env, id) {
  checkCaller(request, { origins: allowedOrigins(env), serverToken: env.SERVER_TOKEN || null });
  if (!mayExist(id)) throw unknownTask();
  const { deleted } = stored(await taskStub(env, id).deleteResults());
  return json({ id, deleted });
}
