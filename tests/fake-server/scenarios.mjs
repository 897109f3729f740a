// Scenario logic of the fake EvoLink server (see README.md): what `GET /v1/tasks/{id}`
// answers for a given task id and request count, how `POST /v1/*/generations` creates a
// task, and the shape of task and error bodies. Everything here is a pure function that
// returns a "reply" ({ status, headers, body, delayMs?, action? }); server.mjs owns HTTP.

import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';

const DEFAULT_MODEL = 'seedance-2.0-text-to-video';
const PENDING_ETA_SECONDS = 165;
const DEMO_ETA_SECONDS = 20;
const DEMO_PENDING_MS = 2_000;
const DEMO_PROCESSING_MS = 18_000;
const DEMOFAIL_AT_PROGRESS = 60;
const HUGE_BODY_BYTES = 2 * 1024 * 1024;
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

// HTTP status -> [string code, type, message] of the error body.
const HTTP_ERRORS = {
  400: ['invalid_request', 'invalid_request_error', 'The request is invalid.'],
  401: ['unauthorized', 'authentication_error', 'The API key is missing, invalid or expired.'],
  402: ['insufficient_quota', 'billing_error', 'Not enough credits.'],
  403: ['model_access_denied', 'permission_error', 'No access to this model or resource.'],
  404: ['resource_not_found', 'not_found_error', 'The resource was not found or has expired.'],
  413: ['request_too_large', 'invalid_request_error', 'The request body is too large.'],
  429: ['rate_limit_exceeded', 'rate_limit_error', 'Too many requests, slow down.'],
  500: ['internal_error', 'api_error', 'Internal server error.'],
  502: ['upstream_error', 'upstream_error', 'The upstream provider failed.'],
  503: ['service_unavailable', 'api_error', 'The service is temporarily unavailable.'],
  504: ['gateway_timeout', 'api_error', 'The gateway timed out.'],
};

// error.code inside a failed task -> error.message (one of them not ASCII, as messages from a
// model provider can be: it must cross the wasm boundary intact).
const TASK_FAILURES = {
  content_policy_violation: 'The prompt was flagged by the content filter — «内容审核» 🚫.',
  request_cancelled: 'The task was cancelled.',
  generation_timeout: 'The generation took too long and was stopped.',
};

// Result file and result_data key per task kind (files live in media/).
const MEDIA = {
  video: ['sample.mp4', 'video_url'],
  image: ['sample.png', 'image_url'],
  audio: ['sample.mp3', 'audio_url'],
};

const step = (status, progress, errorCode) => ({ status, progress, errorCode });
const COMPLETED = step('completed', 100);

// Count-driven lifecycles: the n-th answer is steps[min(n, length) - 1].
const LIFECYCLES = {
  ok: [step('pending', 0), step('processing', 30), step('processing', 70), COMPLETED],
  fail: [step('pending', 0), step('processing', 40), step('failed', 40, 'content_policy_violation')],
  cancel: [step('pending', 0), step('cancelled', 0)],
  cancelfail: [step('pending', 0), step('failed', 0, 'request_cancelled')],
  weird: [step('pending', 0), step('queued_for_review', 10), step('queued_for_review', 10), COMPLETED],
  regress: [step('processing', 50), step('pending', 0), step('processing', 60), COMPLETED],
  long: [step('pending', 0), ...[10, 20, 35, 50, 65, 80, 95].map((p) => step('processing', p)), COMPLETED],
};

/** A fresh per-task record; `gets` counts the GETs received for this id. */
export function newTask(id, nowMs, fields = {}) {
  return {
    id,
    gets: 0,
    firstSeenMs: nowMs,
    created: Math.floor(nowMs / 1000),
    kind: 'video',
    model: DEFAULT_MODEL,
    callbackUrl: null,
    ...fields,
  };
}

/** The scenario name of a task id: the part before the first `-`. */
function scenarioName(id) {
  return id.split('-', 1)[0];
}

/** The reply to `GET /v1/tasks/{id}`; `task.gets` already counts this request. */
export function answerTaskGet(task, ctx) {
  const name = task.scenario ?? scenarioName(task.id);
  if (Object.hasOwn(PLAIN_SCENARIOS, name)) return PLAIN_SCENARIOS[name](task, ctx);
  const match = /^([a-z]+)(\d+)$/.exec(name);
  if (match && Object.hasOwn(NUMBERED_SCENARIOS, match[1])) {
    return NUMBERED_SCENARIOS[match[1]](task, ctx, Number(match[2]));
  }
  return unknownTask(task.id);
}

const PLAIN_SCENARIOS = {
  ok: (task, ctx) => lifecycleReply(task, ctx, 'ok', task.gets),
  fail: (task, ctx) => lifecycleReply(task, ctx, 'fail', task.gets),
  cancel: (task, ctx) => lifecycleReply(task, ctx, 'cancel', task.gets),
  cancelfail: (task, ctx) => lifecycleReply(task, ctx, 'cancelfail', task.gets),
  weird: (task, ctx) => lifecycleReply(task, ctx, 'weird', task.gets),
  regress: (task, ctx) => lifecycleReply(task, ctx, 'regress', task.gets),
  ratelimit: (task, ctx) =>
    task.gets === 1
      ? errorReply(429, { headers: { 'retry-after': '1' } })
      : lifecycleReply(task, ctx, 'ok', task.gets - 1),
  ratedate: (task, ctx) =>
    task.gets === 1
      ? errorReply(429, { headers: { 'retry-after': httpDateInOneSecond(ctx.now) } })
      : lifecycleReply(task, ctx, 'ok', task.gets - 1),
  // Every other GET fails with 503 through a nine-step lifecycle: faults spread over a long task.
  spread: (task, ctx) =>
    task.gets % 2 === 1 ? errorReply(503) : lifecycleReply(task, ctx, 'long', task.gets / 2),
  malformed: () => rawReply(200, 'application/json', '{"id": "malformed-'),
  notask: () => jsonReply(200, { hello: 'world' }),
  cdn: () => rawReply(200, 'text/html; charset=utf-8', CDN_PAGE),
  // A completed task whose results nest lists 10,000 deep: valid JSON, but no task.
  deep: (task) => rawReply(200, 'application/json', `{"id":${JSON.stringify(task.id)},"status":"completed","results":${'['.repeat(DEEP_LEVELS)}${']'.repeat(DEEP_LEVELS)}}`),
  huge: (task, ctx) =>
    jsonReply(200, paddedTo(HUGE_BODY_BYTES, taskBody(task, lifecycleStep('ok', task.gets), ctx))),
  // The same 2 MiB without a length (chunked), and gzip-compressed (its length is then the
  // compressed size, far under 1 MiB): only reading the stream finds it too large.
  hugechunked: (task, ctx) => ({ ...PLAIN_SCENARIOS.huge(task, ctx), encoding: 'chunked' }),
  hugegzip: (task, ctx) => ({ ...PLAIN_SCENARIOS.huge(task, ctx), encoding: 'gzip' }),
  hang: () => ({ action: 'hang' }),
  reset: (task, ctx) => ({ ...lifecycleReply(task, ctx, 'ok', task.gets), action: 'reset' }),
  demo: (task, ctx) => demoReply(task, ctx, undefined),
  demofail: (task, ctx) => demoReply(task, ctx, DEMOFAIL_AT_PROGRESS),
};

const NUMBERED_SCENARIOS = {
  e: (task, ctx, status) => withValidStatus(task, status, () => errorReply(status)),
  n: (task, ctx, status) => withValidStatus(task, status, () => errorReply(status, { numericCode: true })),
  h: (task, ctx, status) => withValidStatus(task, status, () => rawReply(status, 'text/html', statusPage(status))),
  z: (task, ctx, status) => withValidStatus(task, status, () => rawReply(status, undefined, '')),
  flaky: (task, ctx, failures) =>
    task.gets <= failures ? errorReply(503) : lifecycleReply(task, ctx, 'ok', task.gets - failures),
  slow: (task, ctx, ms) => ({ ...lifecycleReply(task, ctx, 'ok', task.gets), delayMs: ms }),
  timed: (task, ctx, seconds) => jsonReply(200, taskBody(task, timedStep(ctx.now - task.firstSeenMs, seconds), ctx)),
};

const DEEP_LEVELS = 10_000;

const CDN_PAGE =
  '<!DOCTYPE html><html><head><title>Just a moment...</title></head>' +
  '<body><h1>Checking your browser before accessing the site.</h1></body></html>';

function withValidStatus(task, status, makeReply) {
  return status >= 200 && status <= 599 ? makeReply() : unknownTask(task.id);
}

function unknownTask(id) {
  return errorReply(404, { message: `Task ${id} was not found or has expired.` });
}

function statusPage(status) {
  return `<html><body><h1>${status} ${STATUS_CODES[status] ?? ''}</h1></body></html>`;
}

function httpDateInOneSecond(nowMs) {
  // HTTP dates have whole seconds: round up so the date is at least 1 s ahead.
  return new Date(Math.ceil((nowMs + 1000) / 1000) * 1000).toUTCString();
}

function lifecycleStep(name, n) {
  const steps = LIFECYCLES[name];
  return steps[Math.min(n, steps.length) - 1];
}

function lifecycleReply(task, ctx, name, n) {
  return jsonReply(200, taskBody(task, lifecycleStep(name, n), ctx));
}

/** Time-driven lifecycle for a person watching the demo; fails at `failAt` progress if set. */
function demoReply(task, ctx, failAt) {
  return jsonReply(200, taskBody(task, demoStep(ctx.now - task.firstSeenMs, failAt), ctx));
}

function demoStep(elapsedMs, failAt) {
  if (elapsedMs < DEMO_PENDING_MS) return { ...step('pending', 0), eta: DEMO_ETA_SECONDS };
  const progress = Math.min(100, Math.floor(((elapsedMs - DEMO_PENDING_MS) / DEMO_PROCESSING_MS) * 100));
  if (failAt !== undefined && progress >= failAt) return step('failed', failAt, 'generation_timeout');
  return progress >= 100 ? COMPLETED : step('processing', progress);
}

/** Time-driven lifecycle of `seconds` in all: pending for the first tenth (estimated_time = the
 * seconds left), then processing with progress rising linearly, completed at `seconds`. */
function timedStep(elapsedMs, seconds) {
  const totalMs = seconds * 1000;
  if (elapsedMs >= totalMs) return COMPLETED;
  if (elapsedMs < totalMs / 10) return { ...step('pending', 0), eta: Math.ceil((totalMs - elapsedMs) / 1000) };
  return step('processing', Math.min(99, Math.floor((elapsedMs / totalMs) * 100)));
}

/** A task object shaped like the spec's query response, plus the unknown `x_extra`. */
function taskBody(task, { status, progress, errorCode, eta }, ctx) {
  const body = {
    id: task.id,
    object: `${task.kind}.generation.task`,
    created: task.created,
    model: task.model,
    status,
    progress,
    type: task.kind,
    task_info: taskInfo(task, status, eta),
  };
  if (status === 'completed') Object.assign(body, completion(task.kind, ctx.baseUrl, task.resultPaths));
  if (errorCode) body.error = { code: errorCode, message: TASK_FAILURES[errorCode] };
  body.x_extra = { kept: true };
  return body;
}

function taskInfo(task, status, eta = PENDING_ETA_SECONDS) {
  const info = { can_cancel: !TERMINAL.has(status) };
  if (status === 'pending') info.estimated_time = eta;
  if (task.kind === 'video') info.video_duration = task.videoDuration ?? 5;
  return info;
}

function completion(kind, baseUrl, resultPaths = []) {
  const [file, key] = MEDIA[kind];
  const urls = resultPaths.length > 0 ? resultPaths.map((p) => `${baseUrl}${p}`) : [`${baseUrl}/media/${file}`];
  return {
    results: urls,
    result_data: urls.map((url, i) => ({ [key]: url, result_id: `r${i + 1}` })),
    usage: { credits_used: 12.5 },
  };
}

function paddedTo(bytes, body) {
  const withoutPadding = JSON.stringify({ ...body, x_padding: '' }).length;
  return { ...body, x_padding: 'x'.repeat(bytes - withoutPadding) };
}

/**
 * Handles a creation request body (text). Returns { reply, task }; `task` is only set
 * when a task was created (the caller stores it).
 */
export function createTask(kind, text, nowMs, attempt = 1, { evolinkIds = false } = {}) {
  const parsed = parseJsonObject(text);
  if (!parsed) return { reply: errorReply(400, { message: 'The body must be a JSON object.' }) };
  for (const field of ['model', 'prompt']) {
    if (typeof parsed[field] !== 'string' || parsed[field] === '') {
      return { reply: errorReply(400, { param: field, message: `\`${field}\` is required.` }) };
    }
  }
  // Directives in the prompt, for tests: [create-fail:503] answers that status every time,
  // [create-429-once] answers the first attempt with 429 + Retry-After: 1, and [as:ok] names the
  // task after a request-counted scenario (ok-…) instead of a time-based demo task.
  const failWith = /\[create-fail:(\d{3})\]/.exec(parsed.prompt);
  if (failWith) return { reply: errorReply(Number(failWith[1])) };
  if (parsed.prompt.includes('[create-429-once]') && attempt === 1) {
    return { reply: errorReply(429, { headers: { 'retry-after': '1' } }) };
  }
  // [create-drop]: the connection is closed without an answer, as when the API is down.
  if (parsed.prompt.includes('[create-drop]')) return { reply: { action: 'drop' } };
  const as = /\[as:([a-z0-9]+)\]/.exec(parsed.prompt);
  const prefix = as ? as[1] : /\bfail\b/i.test(parsed.prompt) ? 'demofail' : 'demo';
  // With evolinkIds, ids have EvoLink's shape (task-unified-<unix seconds>-<8 chars>) and the
  // scenario is kept with the task instead of in its id.
  const id = evolinkIds ? `task-unified-${Math.floor(nowMs / 1000)}-${randomId(8)}` : `${prefix}-${randomId(8)}`;
  // [result:/PATH] (any number): the completed task's results are these paths on this server
  // (/media/… or /generated/<bytes>.mp4, with the query options of result files) instead of the
  // sample file of its kind.
  const resultPaths = [...parsed.prompt.matchAll(/\[result:(\/[^\]\s]*)\]/g)].map((m) => m[1]);
  const task = newTask(id, nowMs, {
    ...(evolinkIds ? { scenario: prefix } : {}),
    ...(resultPaths.length > 0 ? { resultPaths } : {}),
    kind,
    model: parsed.model,
    callbackUrl: typeof parsed.callback_url === 'string' ? parsed.callback_url : null,
    videoDuration: Number.isInteger(parsed.duration) ? parsed.duration : 5,
  });
  const timed = /^timed(\d+)$/.exec(prefix);
  const body = taskBody(task, { ...step('pending', 0), eta: timed ? Number(timed[1]) : DEMO_ETA_SECONDS }, {});
  body.usage = { credits_reserved: 10, billing_rule: 'per_call', user_group: 'default' };
  return { reply: jsonReply(200, body), task };
}

function parseJsonObject(text) {
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

function randomId(length) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');
}

/**
 * An EvoLink error reply. `code` is the spec's string code, or the HTTP status as an
 * integer (the older documented form) when `numericCode` is set.
 */
let errorCount = 0;

/** An error in the API's documented shape, with a request id header as gateways send one. */
export function errorReply(status, { numericCode = false, param = '', message, headers = {} } = {}) {
  const [code, type, defaultMessage] = HTTP_ERRORS[status] ?? [`error_${status}`, 'api_error', STATUS_CODES[status] ?? 'Error'];
  const error = { code: numericCode ? status : code, message: message ?? defaultMessage, type, param, fallback_suggestion: '' };
  return jsonReply(status, { error }, { 'x-request-id': `req_${status}_${++errorCount}`, ...headers });
}

export function jsonReply(status, value, headers = {}) {
  return rawReply(status, 'application/json', JSON.stringify(value), headers);
}

function rawReply(status, contentType, body, headers = {}) {
  return { status, headers: contentType ? { 'content-type': contentType, ...headers } : headers, body };
}
