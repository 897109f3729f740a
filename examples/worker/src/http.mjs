// HTTP helpers: JSON answers, JSON errors, CORS and size-limited bodies.

/** An error that becomes the answer `{ error: { code, message } }` with this status. */
export class HttpError extends Error {
  constructor(status, code, message, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** A JSON answer that no cache keeps. */
export function json(body, status = 200, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** The JSON error answer for an HttpError. */
export function errorResponse(e) {
  return json({ error: { code: e.code, message: e.message } }, e.status, e.headers);
}

/** `response` with the CORS headers for the request's `origin` when it is one of `allowed`. */
export function withCors(response, origin, allowed) {
  const out = new Response(response.body, response); // a copy: fetched headers are immutable
  out.headers.append('vary', 'Origin');
  if (origin === null || !allowed.includes(origin)) return out;
  out.headers.set('access-control-allow-origin', origin);
  out.headers.set('access-control-expose-headers', 'x-task-source, retry-after, location, content-range, accept-ranges, etag');
  return out;
}

/** The answer to a CORS preflight (no CORS headers for an origin not allowed). */
export function preflight(origin, allowed) {
  return withCors(new Response(null, {
    status: 204,
    headers: {
      'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
      'access-control-allow-headers': 'content-type, range',
      'access-control-max-age': '86400',
    },
  }), origin, allowed);
}

/** The body as text, at most `limit` bytes (else a 413), read as it streams in. */
export async function readText(request, limit) {
  const tooLarge = () => new HttpError(413, 'body_too_large', `The body is larger than ${limit} bytes`);
  if (Number(request.headers.get('content-length')) > limit) throw tooLarge();
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** The body parsed as JSON, at most `limit` bytes (400 if it is not JSON, 413 if too large). */
export async function readJson(request, limit) {
  const text = await readText(request, limit);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_json', 'The body is not JSON');
  }
}
