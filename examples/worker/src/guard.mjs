// Who may create tasks, and how many: the caller check (page origin or server token), the
// optional Turnstile check, the create limits (the CreateLimits Durable Object, so every isolate
// counts the same) and the per-task callback token (HMAC-SHA-256 with CALLBACK_SECRET).
import { DurableObject } from 'cloudflare:workers';
import { limitKey } from './address.mjs';
import { HttpError } from './http.mjs';

const encoder = new TextEncoder();

/** Equal strings, compared in time that does not depend on where they differ. */
function sameSecret(a, b) {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  return x.byteLength === y.byteLength && crypto.subtle.timingSafeEqual(x, y);
}

/**
 * Who is calling POST /tasks: 'server' with `Authorization: Bearer <SERVER_TOKEN>`, else 'page'
 * when the browser's Origin is listed in ALLOWED_ORIGINS. A listed-nowhere Origin → 403; no Origin
 * and no valid token → 401.
 */
export function checkCaller(request, settings) {
  const auth = request.headers.get('authorization') ?? '';
  const bearer = /^Bearer +(\S+)$/i.exec(auth)?.[1];
  if (bearer !== undefined && settings.serverToken && sameSecret(bearer, settings.serverToken)) return 'server';
  const origin = request.headers.get('origin');
  if (origin !== null) {
    if (settings.origins.includes(origin)) return 'page';
    throw new HttpError(403, 'origin_not_allowed', 'This page may not create tasks here (its origin is not in ALLOWED_ORIGINS)');
  }
  throw new HttpError(401, 'unauthorized', 'Send Authorization: Bearer <SERVER_TOKEN> (requests without an Origin come from servers)', {
    'www-authenticate': 'Bearer',
  });
}

/**
 * Checks the Turnstile token of a page's request with Cloudflare's siteverify (403 if refused).
 * A token is good only for a widget served on one of ALLOWED_ORIGINS' hosts (siteverify's
 * `hostname`: the site key may also be valid on hosts that may not create here, such as a
 * staging or local one) and, with TURNSTILE_ACTION set, for that widget action.
 */
export async function checkTurnstile(token, address, settings) {
  if (typeof token !== 'string' || token === '' || token.length > 2048) {
    throw new HttpError(403, 'turnstile_required', 'A Turnstile token ("cf-turnstile-response") is required');
  }
  const form = new URLSearchParams({ secret: settings.turnstileSecret, response: token });
  if (address !== 'unknown') form.set('remoteip', address);
  let outcome;
  try {
    const answer = await fetch(settings.turnstileVerifyUrl, { method: 'POST', body: form, signal: AbortSignal.timeout(10_000) });
    outcome = await answer.json();
  } catch {
    throw new HttpError(502, 'turnstile_unreachable', 'The Turnstile token could not be verified');
  }
  if (outcome?.success !== true) throw new HttpError(403, 'turnstile_failed', 'The Turnstile token is not valid');
  const hosts = settings.origins.map((origin) => new URL(origin).hostname);
  if (typeof outcome.hostname !== 'string' || !hosts.includes(outcome.hostname)) {
    throw new HttpError(403, 'turnstile_failed', 'The Turnstile token was not issued on an allowed origin');
  }
  if (settings.turnstileAction && outcome.action !== settings.turnstileAction) {
    throw new HttpError(403, 'turnstile_failed', 'The Turnstile token was issued for another action');
  }
}

/** Takes one create from the limits (429 with Retry-After when over one); the per-minute limit is
 * counted per IPv4 address or IPv6 /64 (limitKey). */
export async function takeCreate(env, address, settings) {
  const limits = env.LIMITS.get(env.LIMITS.idFromName('creates'));
  const verdict = await limits.take(limitKey(address), settings.perMinute, settings.perDay);
  if (!verdict.ok) {
    const what = verdict.limit === 'minute'
      ? `${settings.perMinute} tasks per minute from one address or IPv6 /64 (CREATES_PER_MINUTE)`
      : `${settings.perDay} tasks per day for this worker (CREATES_PER_DAY)`;
    throw new HttpError(429, 'rate_limited', `Over the limit of ${what}`, { 'retry-after': String(verdict.retryAfter) });
  }
}

/**
 * The create counters: one instance (named "creates") for the whole deployment. Fixed windows:
 * the current minute per address, the current UTC day for everyone. One storage write per create.
 */
export class CreateLimits extends DurableObject {
  async take(address, perMinute, perDay, now = Date.now()) {
    const minute = Math.floor(now / 60_000);
    const day = Math.floor(now / 86_400_000);
    this.counts ??= (await this.ctx.storage.get('counts')) ?? { minute, day, perAddress: {}, today: 0 };
    const c = this.counts;
    if (c.minute !== minute) Object.assign(c, { minute, perAddress: {} });
    if (c.day !== day) Object.assign(c, { day, today: 0 });
    const key = `a:${address}`;
    const mine = c.perAddress[key] ?? 0;
    if (mine >= perMinute) return { ok: false, limit: 'minute', retryAfter: Math.ceil(((minute + 1) * 60_000 - now) / 1000) };
    if (c.today >= perDay) return { ok: false, limit: 'day', retryAfter: Math.ceil(((day + 1) * 86_400_000 - now) / 1000) };
    c.perAddress[key] = mine + 1;
    c.today += 1;
    await this.ctx.storage.put('counts', c);
    return { ok: true };
  }
}

// The callback token: `<nonce>.<HMAC-SHA-256(CALLBACK_SECRET, "evolink-callback:" + nonce)>`,
// base64url. The nonce is random per task and recorded with it, so a token is good for one task.
let keyCache = { secret: null, key: null };

async function callbackKey(secret) {
  if (keyCache.secret !== secret) {
    const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keyCache = { secret, key };
  }
  return keyCache.key;
}

const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function fromBase64url(text) {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** A fresh token for a new task: { nonce, token }. */
export async function newCallbackToken(secret) {
  const nonce = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const mac = await crypto.subtle.sign('HMAC', await callbackKey(secret), encoder.encode(`evolink-callback:${nonce}`));
  return { nonce, token: `${nonce}.${base64url(new Uint8Array(mac))}` };
}

/** Whether `text` is the one spelling base64url gives its bytes: the last character of an
 * encoding whose length is not a multiple of 4 has unused bits, which must be zero. */
const canonical = (text) => base64url(fromBase64url(text)) === text;

/** The nonce of a valid token, else null. Only the spelling newCallbackToken wrote is valid: the
 * MAC's last character has 4 spellings of the same bytes, which a check comparing token strings
 * (a log search, a replay filter) would take for 4 tokens. */
export async function verifyCallbackToken(secret, token) {
  const m = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(token ?? '');
  if (!secret || !m || !canonical(m[1]) || !canonical(m[2])) return null;
  const ok = await crypto.subtle.verify('HMAC', await callbackKey(secret), fromBase64url(m[2]), encoder.encode(`evolink-callback:${m[1]}`));
  return ok ? m[1] : null;
}
