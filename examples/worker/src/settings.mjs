// The worker's settings, read from `env` (vars and secrets, see README.md), and what is shared by
// the routes and the Durable Objects: the EvoLink client and the mapping of its errors to answers.
import { ApiError, EvoLinkClient, EvoLinkError, InvalidResponseError, NetworkError } from 'evolink-tasks';
import { HttpError } from './http.mjs';

const notConfigured = (message) => new HttpError(503, 'not_configured', message);

// ALLOWED_MODELS when unset: the Seedance 2.0 video models, whose parameters the package checks
// (duration, quality per tier, aspect ratio, how many URLs of each kind per mode).
const SEEDANCE_MODELS = ['text', 'image', 'reference'].flatMap((mode) =>
  ['', 'fast-', 'mini-'].map((tier) => `seedance-2.0-${tier}${mode}-to-video`));

/** A whole-number var: `fallback` when unset; a 503 naming it when it is not a whole number ≥ `min`. */
export function wholeVar(env, name, fallback, min = 0) {
  const raw = env[name];
  if (raw === undefined || raw === null || String(raw).trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw notConfigured(`${name} must be a whole number ≥ ${min} (it is "${raw}")`);
  }
  return value;
}

/** The page origins of ALLOWED_ORIGINS (comma-separated), each checked to be an origin. */
export function allowedOrigins(env) {
  const list = String(env.ALLOWED_ORIGINS ?? '').split(',').map((s) => s.trim().replace(/\/+$/, '')).filter(Boolean);
  for (const entry of list) {
    let origin = null;
    try {
      origin = new URL(entry).origin;
    } catch {}
    if (origin !== entry) {
      throw notConfigured(`ALLOWED_ORIGINS lists page origins such as https://app.example.com, not "${entry}"`);
    }
  }
  return list;
}

/** The models a page may create tasks with: ALLOWED_MODELS (comma-separated), else the Seedance
 * 2.0 video models. */
export function allowedModels(env) {
  const list = String(env.ALLOWED_MODELS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return list.length > 0 ? list : SEEDANCE_MODELS;
}

/** What POST /tasks needs, or a 503 naming the first missing setting. */
export function createSettings(env) {
  if (!env.EVOLINK_API_KEY) throw notConfigured('EVOLINK_API_KEY is not set (wrangler secret put EVOLINK_API_KEY)');
  const origins = allowedOrigins(env);
  if (origins.length === 0 && !env.SERVER_TOKEN) {
    throw notConfigured('Neither ALLOWED_ORIGINS (the pages that may create tasks) nor SERVER_TOKEN (for servers) is set');
  }
  if (!env.TASKS || !env.LIMITS) throw notConfigured('The Durable Object bindings TASKS and LIMITS are required (see wrangler.toml)');
  if (env.RESULTS) resultSettings(env); // a RESULT_* var that is not a whole number: 503 naming it
  return {
    origins,
    serverToken: env.SERVER_TOKEN || null,
    callbackSecret: env.CALLBACK_SECRET || null,
    turnstileSecret: env.TURNSTILE_SECRET || null,
    turnstileVerifyUrl: env.TURNSTILE_VERIFY_URL || 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
    turnstileAction: env.TURNSTILE_ACTION || null,
    models: allowedModels(env),
    perMinute: wholeVar(env, 'CREATES_PER_MINUTE', 5, 1),
    perDay: wholeVar(env, 'CREATES_PER_DAY', 200, 1),
  };
}

/** How the Durable Object of a task polls: the pace options for planPoll, the poll interval of
 * GET /tasks/:id and the age after which its alarms stop. */
export function pollSettings(env) {
  const pace = {};
  const min = wholeVar(env, 'ALARM_MIN_INTERVAL_MS', undefined, 1);
  const max = wholeVar(env, 'ALARM_MAX_INTERVAL_MS', undefined, 1);
  if (min !== undefined) pace.minIntervalMs = min;
  if (max !== undefined) pace.maxIntervalMs = max;
  return {
    pace,
    backoffMs: [min ?? 1000, Math.max(min ?? 1000, max ?? 30_000)],
    maxAgeMs: wholeVar(env, 'ALARM_MAX_AGE_MS', 2 * 3600_000, 1),
    showIntervalMs: wholeVar(env, 'MIN_POLL_INTERVAL_MS', 2000, 0),
  };
}

/** Saved results (README "Saved results"): the R2 bucket (binding RESULTS; null when unset:
 * nothing is saved), the largest result copied, the first wait before a failed copy is retried,
 * and how long copies are kept. */
export function resultSettings(env) {
  return {
    bucket: env.RESULTS ?? null,
    maxBytes: wholeVar(env, 'RESULT_MAX_BYTES', 1024 ** 3, 1),
    retryMs: wholeVar(env, 'RESULT_RETRY_MS', 60_000, 1),
    retentionMs: wholeVar(env, 'RESULT_RETENTION_MS', 30 * 86_400_000, 1),
  };
}

/** A client for this env's key and base URL; `fetch` replaces the global one (optional). */
export function newClient(env, fetch, options = {}) {
  if (!env.EVOLINK_API_KEY) throw notConfigured('EVOLINK_API_KEY is not set (wrangler secret put EVOLINK_API_KEY)');
  try {
    return new EvoLinkClient({ apiKey: env.EVOLINK_API_KEY, baseUrl: env.EVOLINK_BASE_URL || undefined, fetch, ...options });
  } catch (e) {
    // The message may quote the URL, and a path in EVOLINK_BASE_URL can be a secret: log it only.
    console.error('EVOLINK_BASE_URL:', e.message);
    throw notConfigured('EVOLINK_BASE_URL is not a usable base URL (the log says why)');
  }
}

/** The HttpError for an error of a client call: bad parameters 400, the API's refusal of the
 * input 400, a timeout 504, anything else from the API or the network 502. The answer says what
 * failed, never where: the package's messages quote the request's URL (EVOLINK_BASE_URL, whose
 * path can be a secret), so they go to the log only. */
export function upstreamError(e) {
  if (e instanceof HttpError) return e;
  if (e instanceof TypeError || e instanceof RangeError) return new HttpError(400, 'invalid_params', e.message);
  if (e instanceof EvoLinkError || e?.name === 'TimeoutError') console.error('EvoLink:', e.name, e.code, e.message);
  // EvoLink's own error message about the input is for the caller (the API writes it, not us).
  if (e instanceof ApiError && [400, 413, 422].includes(e.status)) return new HttpError(400, e.code, e.message);
  if (e instanceof ApiError) return new HttpError(502, e.code, `EvoLink answered HTTP ${e.status}`);
  if (e instanceof NetworkError) return new HttpError(502, 'upstream_unreachable', 'EvoLink could not be reached');
  if (e instanceof InvalidResponseError) return new HttpError(502, 'invalid_response', 'EvoLink answered something that is not a task');
  if (e instanceof EvoLinkError) return new HttpError(502, String(e.code), 'EvoLink failed');
  if (e?.name === 'TimeoutError') return new HttpError(504, 'upstream_timeout', 'EvoLink did not answer in time');
  console.error('internal error:', e?.name, e?.message);
  return new HttpError(500, 'internal_error', 'Internal error');
}
