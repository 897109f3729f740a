// One HTTP request through the runtime's `fetch` (or the caller's), bounded by a deadline on
// the client's scheduler and by an abort signal, read into an *answer*:
//   { status, statusText, retryAfter, body }   body is null when it passed the 1 MiB limit
//   { status: 0, message, cause, unsent }      no answer; `unsent` when fetch threw at once
// It never rejects: what an answer means is the core's business.

/** Bodies larger than this are not read (the core refuses them). */
export const MAX_BODY_BYTES = 1 << 20;

const decoder = new TextDecoder(); // UTF-8; `decode` without `stream` keeps no state between calls

const describe = (thrown) =>
  (thrown && typeof thrown.message === 'string' && thrown.message) || String(thrown);

const failure = (message, cause, unsent = false) => ({ status: 0, message, cause, unsent });

/**
 * Sends `init` to `url` with `fetch` (called unbound), abandoned after `timeoutMs` (on the
 * scheduler's timer) or when `controller` aborts; resolves with the answer.
 */
export function send(scheduler, fetch, url, init, timeoutMs, controller) {
  return new Promise((resolve) => {
    const deadline = {
      wake() {
        controller.abort();
        resolve(failure(`No answer from ${url} within ${timeoutMs} ms`));
      },
    };
    const timer = scheduler.sleep(timeoutMs, deadline);
    init.signal = controller.signal;
    exchange(fetch, url, init, controller).then((answer) => {
      scheduler.cancel(timer);
      resolve(answer);
    });
  });
}

async function exchange(fetch, url, init, controller) {
  let response;
  try {
    response = fetch(url, init);
  } catch (thrown) {
    return failure(`Could not send the request to ${url}: ${describe(thrown)}`, thrown, true);
  }
  try {
    response = await response;
  } catch (thrown) {
    return failure(`Could not reach ${url}: ${describe(thrown)}`, thrown);
  }
  const status = response?.status;
  if (!(typeof status === 'number' && status >= 100 && status <= 599)) {
    return failure('fetch resolved with something that is not a Response');
  }
  const header = (name) => {
    try {
      return response.headers.get(name) ?? undefined;
    } catch {
      return undefined;
    }
  };
  const answer = {
    status: Math.floor(status),
    statusText: typeof response.statusText === 'string' ? response.statusText : '',
    retryAfter: header('retry-after'),
    body: null,
  };
  if (Number(header('content-length')) > MAX_BODY_BYTES) {
    controller.abort(); // not read: stop the download
    return answer;
  }
  try {
    answer.body = await readText(response, MAX_BODY_BYTES);
  } catch (thrown) {
    return failure(`The connection broke while reading the answer from ${url}: ${describe(thrown)}`, thrown);
  }
  return answer;
}

/**
 * Reads a body as text, giving up (and cancelling the download) as soon as it passes `limit`
 * bytes: resolves with the text, or null when the body is too large.
 */
export async function readText(response, limit) {
  const body = response.body;
  if (!body || typeof body.getReader !== 'function') {
    const text = await response.text();
    return typeof text === 'string' && text.length <= limit ? text : null;
  }
  const reader = body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return decoder.decode(chunks[0]);
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return decoder.decode(bytes);
}
