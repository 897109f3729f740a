// Saved results (binding `RESULTS`, an R2 bucket; optional): a completed task's result URLs
// expire 24 hours after generation, so the task's Durable Object copies each one into R2 as soon
// as it learns of the completion, and the worker serves the copies from its own stable URL,
// `GET /results/:taskId/:index`, until the retention runs out. This module owns the copy (one
// result URL streamed into one R2 object, never held whole in memory), the per-result states the
// task record shows, and the serving of a copy (type, length, ETag, ranges, conditional GETs).
// When to copy, retry and delete is decided by TaskStore (store.mjs), with its alarms.
import { HttpError } from './http.mjs';

// Attempts per result before it is recorded as failed; the waits between them double from
// RESULT_RETRY_MS up to 30 times it (by default 1, 2, 4, 8, 16, 30, 30 minutes: all within about
// 1.5 hours of the completion, far inside the links' 24 hours).
export const MAX_ATTEMPTS = 8;
const MAX_BACKOFF_FACTOR = 30;
// Without a Content-Length (a chunked answer, a compressed one), a copy goes up as a multipart
// upload of parts of this size (R2: at least 5 MiB, all the same size but the last), one part in
// memory at a time.
const PART_BYTES = 8 * 1024 * 1024;
// Copies holding a part in memory at once in this isolate: the Durable Objects of several tasks
// may share one isolate, and its 128 MB. Beyond this, a copy without a length waits its turn.
const MAX_BUFFERED_COPIES = 4;
let bufferedCopies = 0;
// A copy that has not finished in this long is abandoned (and retried): an alarm may run 15 minutes.
const COPY_TIMEOUT_MS = 10 * 60_000;

/** The R2 key of result `index` of task `id`. */
export const resultKey = (id, index) => `results/${id}/${index}`;

/** The saving state of a task that just completed: one item per result URL, all due now. */
export function newSaves(task, now, retentionMs) {
  const urls = Array.isArray(task.results) ? task.results : [];
  return {
    since: now,
    deleteAt: now + retentionMs,
    items: urls.map((url) => (typeof url === 'string' && /^https?:\/\//.test(url)
      ? { state: 'saving', attempts: 0, retryAt: now }
      : { state: 'failed', attempts: 0, reason: 'invalid_url', message: 'the result is not an http(s) URL' })),
  };
}

/** When an item that failed `attempts` times is tried again (±25 %). */
export function retryAt(attempts, retryMs, now) {
  const wait = Math.min(retryMs * MAX_BACKOFF_FACTOR, retryMs * 2 ** (attempts - 1));
  return now + Math.round(wait * (0.75 + Math.random() * 0.5));
}

/** What the task answers show of the saves, beside EvoLink's `results`: per result its state and,
 * once saved, the worker's stable URL (under `origin`). */
export function savedView(saves, id, origin) {
  return saves.items.map((item, index) => {
    const view = { state: item.state };
    if (item.state === 'saved') {
      Object.assign(view, {
        url: `${origin}/results/${encodeURIComponent(id)}/${index}`,
        content_type: item.contentType,
        size: item.size,
        expires_at: new Date(saves.deleteAt).toISOString(),
      });
    } else if (item.reason) {
      Object.assign(view, { reason: item.reason, message: item.message });
    }
    if (item.state === 'saving') Object.assign(view, { attempts: item.attempts });
    return view;
  });
}

const retry = (reason, message) => ({ ok: false, retry: true, reason, message });
/** Not an attempt: tried again soon, without counting (the isolate's part buffers are in use). */
const busy = () => ({ ok: false, retry: true, busy: true, reason: 'busy', message: 'waiting for memory to copy a result without a length' });
const refuse = (reason, message) => ({ ok: false, retry: false, reason, message });

/**
 * Copies `url` into `bucket` under `key`, streaming: with a Content-Length, the body goes through
 * a FixedLengthStream into one `put` (R2 needs a known length; a body that ends early errors the
 * stream and the put stores nothing); without one, a multipart upload of PART_BYTES parts.
 * Resolves to { ok: true, size, contentType, etag } or { ok: false, retry, reason, message }
 * (`retry`: worth trying again later: the network, a 5xx, a 408/429, a cut-off body). Never throws.
 */
export async function copyResult(bucket, url, key, { maxBytes, signal, customMetadata }) {
  const stop = AbortSignal.any([signal, AbortSignal.timeout(COPY_TIMEOUT_MS)]);
  let response;
  try {
    response = await fetch(url, { signal: stop, headers: { 'accept-encoding': 'identity' } });
  } catch {
    return retry('unreachable', 'the result URL could not be reached');
  }
  const { status } = response;
  if (status !== 200) {
    response.body?.cancel().catch(() => {});
    if (status === 408 || status === 429 || status >= 500) return retry(`http_${status}`, `the result URL answered HTTP ${status}`);
    const expired = [401, 403, 404, 410].includes(status) ? ': the link has expired or was never valid' : '';
    return refuse(`http_${status}`, `the result URL answered HTTP ${status}${expired}`);
  }
  const contentType = response.headers.get('content-type') || 'application/octet-stream';
  const header = response.headers.get('content-length');
  const length = header !== null && /^\d+$/.test(header) && !response.headers.get('content-encoding') ? Number(header) : null;
  if (length !== null && length > maxBytes) {
    response.body?.cancel().catch(() => {});
    return refuse('too_large', `the result is ${length} bytes, over RESULT_MAX_BYTES (${maxBytes})`);
  }
  const options = { httpMetadata: { contentType }, customMetadata };
  const buffered = response.body !== null && length === null;
  if (buffered && bufferedCopies >= MAX_BUFFERED_COPIES) {
    response.body.cancel().catch(() => {});
    return busy();
  }
  if (buffered) bufferedCopies += 1;
  try {
    const object = response.body === null || length === 0
      ? await bucket.put(key, new Uint8Array(0), options)
      : length === null
        ? await uploadInParts(bucket, key, response.body, maxBytes, options, stop)
        : await putWhole(bucket, key, response.body, length, options, stop);
    if (object === 'too_large') return refuse('too_large', `the result is over RESULT_MAX_BYTES (${maxBytes}) bytes`);
    if (length !== null && object.size !== length) {
      await bucket.delete(key);
      return retry('cut_off', `${object.size} of ${length} bytes arrived`);
    }
    return { ok: true, size: object.size, contentType, etag: object.httpEtag };
  } catch (e) {
    if (signal.aborted) return retry('aborted', 'the copy was stopped');
    console.error('result copy failed:', key, e?.name, e?.message);
    return retry('cut_off', 'the copy broke off before the end (the connection or the storage failed)');
  } finally {
    if (buffered) bufferedCopies -= 1;
  }
}

/** One put of a body of known length, streamed through a FixedLengthStream. */
async function putWhole(bucket, key, body, length, options, signal) {
  const fixed = new FixedLengthStream(length);
  const piping = body.pipeTo(fixed.writable, { signal });
  const [put, piped] = await Promise.allSettled([bucket.put(key, fixed.readable, options), piping]);
  if (piped.status === 'rejected') {
    // The put may still have stored nothing, or (if the stream ended exactly) the whole object.
    if (put.status === 'fulfilled' && put.value?.size !== length) await bucket.delete(key);
    throw piped.reason;
  }
  if (put.status === 'rejected') throw put.reason;
  return put.value;
}

/** A body of unknown length: one plain put if it fits in one part, else a multipart upload of
 * PART_BYTES parts (aborted on any failure, so nothing partial is left). Counts the bytes and
 * gives up beyond `maxBytes` ('too_large'). */
async function uploadInParts(bucket, key, body, maxBytes, options, signal) {
  const reader = body.getReader();
  let upload = null;
  const parts = [];
  let part = new Uint8Array(PART_BYTES);
  let filled = 0;
  let total = 0;
  const onAbort = () => reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        reader.cancel().catch(() => {});
        await upload?.abort();
        return 'too_large';
      }
      for (let at = 0; at < value.byteLength;) {
        const n = Math.min(PART_BYTES - filled, value.byteLength - at);
        part.set(value.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === PART_BYTES) {
          upload ??= await bucket.createMultipartUpload(key, options);
          parts.push(await upload.uploadPart(parts.length + 1, part));
          part = new Uint8Array(PART_BYTES);
          filled = 0;
        }
      }
    }
    // A stop (DELETE, the copy's time limit) cancels the reader, which then reads as ended: the
    // bytes so far are not the result.
    if (signal.aborted) throw signal.reason ?? new Error('stopped');
    if (!upload) return await bucket.put(key, part.subarray(0, filled), options);
    if (filled > 0) parts.push(await upload.uploadPart(parts.length + 1, part.subarray(0, filled)));
    return await upload.complete(parts);
  } catch (e) {
    await upload?.abort().catch(() => {});
    throw e;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` against `size`: { offset, length }, 'unsatisfiable', or
 * null (no Range, or one this does not serve, such as several ranges: the whole object then). */
export function parseRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec((header ?? '').trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start;
  let end;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null; // not a valid range: ignored
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { offset: start, length: end - start + 1 };
}

/** GET or HEAD /results/:id/:index from R2: its type, length, ETag, one byte range (206, 416),
 * If-None-Match / If-Modified-Since (304), If-Range. An object exists in R2 only once its copy
 * is whole (a put is atomic, a multipart upload shows nothing until completed). */
export async function serveResult(request, bucket, id, index) {
  const key = resultKey(id, index);
  const rangeHeader = request.headers.get('range');
  const head = request.method === 'HEAD' || rangeHeader !== null ? await bucket.head(key) : null;
  if ((request.method === 'HEAD' || rangeHeader !== null) && head === null) throw notSaved();
  const headers = new Headers({ 'accept-ranges': 'bytes', 'cache-control': 'private, max-age=3600' });
  if (request.method === 'HEAD') {
    head.writeHttpMetadata(headers);
    headers.set('etag', head.httpEtag);
    headers.set('content-length', String(head.size));
    return new Response(null, { status: 200, headers });
  }
  let range = null;
  if (head !== null) {
    const ifRange = request.headers.get('if-range');
    range = ifRange === null || ifRange === head.httpEtag ? parseRange(rangeHeader, head.size) : null;
    if (range === 'unsatisfiable') {
      return new Response(null, { status: 416, headers: { 'content-range': `bytes */${head.size}`, etag: head.httpEtag } });
    }
  }
  const object = await bucket.get(key, { onlyIf: request.headers, ...(range ? { range } : {}) });
  if (object === null) throw notSaved();
  object.writeHttpMetadata(headers);
  headers.set('etag', object.httpEtag);
  if (!('body' in object) || !object.body) {
    // A condition failed: If-None-Match / If-Modified-Since → 304; If-Match / If-Unmodified-Since → 412.
    const notModified = request.headers.has('if-none-match') || request.headers.has('if-modified-since');
    return new Response(null, { status: notModified ? 304 : 412, headers });
  }
  if (range) {
    headers.set('content-range', `bytes ${range.offset}-${range.offset + range.length - 1}/${object.size}`);
    headers.set('content-length', String(range.length));
    return new Response(object.body, { status: 206, headers });
  }
  headers.set('content-length', String(object.size));
  return new Response(object.body, { status: 200, headers });
}

const notSaved = () => new HttpError(404, 'result_not_saved', 'No saved result there (not saved yet, failed, deleted, or no such task)');
