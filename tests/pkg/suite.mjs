// The package's behaviour, as one list of cases that runs unchanged in every runtime: Node (ESM
// and CJS), Deno, workerd and Chromium. Each case gets the imported package and the fake
// server's URL; it uses only what every runtime has (fetch, AbortController, setTimeout).
//
//   import * as pkg from 'evolink-tasks';
//   const results = await runSuite(pkg, 'http://127.0.0.1:PORT');  // [{ name, ok, error }]

const KEY = 'sk-test-SECRET-7f3a9c';
let counter = 0;
/** A fresh task id for scenario `kind` (see tests/fake-server/README.md). */
const id = (kind) => `${kind}-${Date.now().toString(36)}${(counter++).toString(36)}`;

function check(condition, message) {
  if (!condition) throw new Error(message);
}
function equal(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(a === e, `${what}: expected ${e}, got ${a}`);
}
async function rejects(promise, test, what) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  check(error !== undefined, `${what}: expected a rejection, but it resolved`);
  test(error);
  return error;
}
function throws(fn, test, what) {
  let error;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  check(error !== undefined, `${what}: expected a throw`);
  test(error);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The fake server's request log: for one task id, or all of it. */
async function requests(base, taskId) {
  const query = taskId === undefined ? '' : `?id=${encodeURIComponent(taskId)}`;
  const response = await fetch(`${base}/__requests${query}`);
  return response.json();
}

function isError(e, pkg, cls, code) {
  check(e instanceof cls, `expected ${cls.name}, got ${e && e.name}: ${e && e.message}`);
  check(e instanceof pkg.EvoLinkError && e instanceof Error, `${cls.name} extends EvoLinkError`);
  equal(e.name, cls.name, 'name');
  if (code !== undefined) equal(e.code, code, 'code');
}

const TASK_TEXT = '{"id":"task-1","status":"pending"}';
const boom = () => { throw new Error('boom'); };
/** A seeded PRNG in [0, 1): the same run every time. */
function seeded(seed) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}
/** A copy of `items` in a seeded random order. */
function shuffled(items, rand) {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
/** `promise`, failing the case if it is still pending after `ms` (a trap left calls pending). */
function settles(promise, ms, what) {
  return withTimeout(promise, ms).catch((e) => {
    throw /still running/.test(e && e.message) ? new Error(`${what}: never settled`) : e;
  });
}
/** A fresh client still works: the instance survived what the case did. */
async function healthy(pkg) {
  const fresh = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', fetch: async () => new Response(TASK_TEXT) });
  equal((await settles(fresh.getTask('task-1'), 5_000, 'health check')).status, 'pending', 'a fresh client after the case');
}

/** The cases: [name, async ({ pkg, base, client }) => void]. */
export const cases = [
  ['getTask returns the task exactly as sent, unknown fields kept', async ({ base, client }) => {
    const taskId = id('ok');
    const task = await client.getTask(taskId);
    equal([task.id, task.status, task.progress], [taskId, 'pending', 0], 'task');
    equal(task.task_info, { can_cancel: true, estimated_time: 165, video_duration: 5 }, 'task_info');
    equal(task.x_extra, { kept: true }, 'unknown field');
    const log = await requests(base, taskId);
    equal(log.map((r) => [r.method, r.path, r.authorization]), [['GET', `/v1/tasks/${taskId}`, `Bearer ${KEY}`]], 'requests');
  }],

  ['without apiKey no Authorization header is sent; extra headers are', async ({ pkg, base }) => {
    const client = new pkg.EvoLinkClient({ baseUrl: base, headers: { 'x-test': 'yes' } });
    const taskId = id('ok');
    await client.getTask(taskId);
    const [r] = await requests(base, taskId);
    equal([r.authorization, r.headers['x-test']], [null, 'yes'], 'headers');
  }],

  ['waitForTask reports each change and resolves with the completed task', async ({ base, client }) => {
    const seen = [];
    const taskId = id('ok');
    const task = await client.waitForTask(taskId, { intervalMs: 10, onProgress: (t) => seen.push(`${t.status} ${t.progress}`) });
    equal(seen, ['pending 0', 'processing 30', 'processing 70', 'completed 100'], 'observations');
    equal([task.status, task.results.length, task.x_extra.kept], ['completed', 1, true], 'result');
    equal((await requests(base, taskId)).length, 4, 'requests');
  }],

  ['a failed task rejects with TaskFailedError carrying the task', async ({ pkg, client }) => {
    const seen = [];
    await rejects(client.waitForTask(id('fail'), { intervalMs: 10, onProgress: (t) => seen.push(t.status) }), (e) => {
      isError(e, pkg, pkg.TaskFailedError, 'content_policy_violation');
      equal([e.task.status, e.task.error.code], ['failed', 'content_policy_violation'], 'task');
      // Built by the core from the task, so the non-ASCII text crossed the wasm boundary twice.
      const text = 'The prompt was flagged by the content filter — «内容审核» 🚫.';
      equal(e.message, `Task ${e.task.id} failed: ${text}`, 'message');
      equal(e.task.error.message, text, 'task error message');
    }, 'fail');
    equal(seen, ['pending', 'processing', 'failed'], 'observations');
  }],

  ['a cancelled task rejects with code "cancelled", or the request_cancelled code', async ({ pkg, client }) => {
    await rejects(client.waitForTask(id('cancel'), { intervalMs: 10 }), (e) => {
      isError(e, pkg, pkg.TaskFailedError, 'cancelled');
      equal(e.task.status, 'cancelled', 'status');
    }, 'cancel');
    await rejects(client.waitForTask(id('cancelfail'), { intervalMs: 10 }),
      (e) => isError(e, pkg, pkg.TaskFailedError, 'request_cancelled'), 'cancelfail');
  }],

  ['an unknown status is reported and polled at the normal pace', async ({ client }) => {
    const seen = [];
    const task = await client.waitForTask(id('weird'), { intervalMs: 10, onProgress: (t) => seen.push(t.status) });
    equal(seen, ['pending', 'queued_for_review', 'completed'], 'observations');
    equal(task.status, 'completed', 'status');
  }],

  ['ApiError reads the string code form', async ({ pkg, base, client }) => {
    const taskId = id('e401');
    await rejects(client.getTask(taskId), (e) => {
      isError(e, pkg, pkg.ApiError, 'unauthorized');
      equal(e.status, 401, 'status');
      check(typeof e.type === 'string' && e.type.length > 0, 'type is kept');
      check(e.message.length > 0 && !e.message.includes(KEY), 'server message, no key');
    }, 'e401');
    equal((await requests(base, taskId)).length, 1, 'one request');
  }],

  ['ApiError reads the integer code form, HTML and empty bodies', async ({ pkg, client }) => {
    await rejects(client.getTask(id('n404')), (e) => {
      isError(e, pkg, pkg.ApiError, '404');
      equal(e.status, 404, 'status');
    }, 'n404');
    await rejects(client.getTask(id('h502')), (e) => {
      isError(e, pkg, pkg.ApiError, 'http_502');
      check(!e.message.includes('<'), `no HTML in the message: ${e.message}`);
    }, 'h502');
    await rejects(client.getTask(id('z500')), (e) => isError(e, pkg, pkg.ApiError, 'http_500'), 'z500');
  }],

  ['client errors are not retried by waitForTask', async ({ pkg, base, client }) => {
    for (const status of [400, 401, 402, 403, 404, 413]) {
      const taskId = id(`e${status}`);
      await rejects(client.waitForTask(taskId, { intervalMs: 10 }), (e) => isError(e, pkg, pkg.ApiError), `e${status}`);
      equal((await requests(base, taskId)).length, 1, `requests for ${status}`);
    }
  }],

  ['transient failures are retried up to maxRetries in a row', async ({ pkg, base }) => {
    const patient = new pkg.EvoLinkClient({ baseUrl: base, maxRetries: 2 });
    const ok = await patient.waitForTask(id('flaky2'), { intervalMs: 10 });
    equal(ok.status, 'completed', 'survives two 503s');
    const strict = new pkg.EvoLinkClient({ baseUrl: base, maxRetries: 1 });
    const taskId = id('flaky2');
    await rejects(strict.waitForTask(taskId, { intervalMs: 10 }), (e) => {
      isError(e, pkg, pkg.ApiError, 'service_unavailable');
      equal(e.status, 503, 'status');
    }, 'flaky2 with maxRetries 1');
    equal((await requests(base, taskId)).length, 2, 'requests');
  }],

  ['NetworkError when nothing answers, with the cause kept', async ({ pkg, base }) => {
    const { port } = await (await fetch(`${base}/__closed-port`)).json();
    const client = new pkg.EvoLinkClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: KEY });
    await rejects(client.getTask(id('ok')), (e) => {
      isError(e, pkg, pkg.NetworkError, 'network_error');
      check(e.cause !== undefined, 'cause kept');
      check(!String(e).includes(KEY) && !e.stack.includes(KEY), 'no key in the error');
    }, 'closed port');
  }],

  ['requestTimeoutMs bounds one request with a NetworkError', async ({ pkg, base }) => {
    const client = new pkg.EvoLinkClient({ baseUrl: base, requestTimeoutMs: 100, maxRetries: 0 });
    const started = Date.now();
    await rejects(client.getTask(id('slow3000')), (e) => {
      isError(e, pkg, pkg.NetworkError, 'network_error');
      check(e.message.includes('100 ms'), e.message);
    }, 'slow');
    check(Date.now() - started < 2500, 'gave up before the answer came');
  }],

  ['InvalidResponseError for a 2xx that is not a task', async ({ pkg, client }) => {
    for (const kind of ['malformed', 'notask', 'cdn']) {
      await rejects(client.getTask(id(kind)), (e) => isError(e, pkg, pkg.InvalidResponseError, 'invalid_response'), kind);
    }
  }],

  ['a fetch double that answers twice with one Response, or streams strings, gets a NetworkError, not a crash', async ({ pkg }) => {
    // The second read finds the body's stream locked: getReader() throws, which once went
    // through the wasm uncaught (an uncaught exception in Node).
    const once = new Response(JSON.stringify({ id: 'task-1', status: 'pending' }));
    const reused = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', maxRetries: 0, fetch: async () => once });
    equal((await reused.getTask('task-1')).status, 'pending', 'first answer');
    await rejects(reused.getTask('task-1'), (e) => { isError(e, pkg, pkg.NetworkError, 'network_error'); check(e.cause instanceof Error, `cause ${e.cause}`); }, 'second answer');
    const stream = () => new ReadableStream({ start(c) { c.enqueue('{"id":"task-1","status":"pending"}'); c.close(); } });
    const strings = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', maxRetries: 0, fetch: async () => new Response(stream()) });
    await rejects(strings.getTask('task-1'), (e) => isError(e, pkg, pkg.NetworkError, 'network_error'), 'string chunks');
    const fresh = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', fetch: async () => new Response('{"id":"task-1","status":"pending"}') });
    equal((await fresh.getTask('task-1')).status, 'pending', 'the module still works');
  }],

  ['getters and Proxy traps that throw are refused with a TypeError, 1,000 times over, and the module keeps working', async ({ pkg }) => {
    // A throw that went through the wasm skipped Rust's clean-up and leaked its stack: about 45
    // of them left every later call trapping ("unreachable").
    const boom = () => { throw new Error('boom'); };
    const proxy = new Proxy({}, { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom });
    const getter = (key) => Object.defineProperty({}, key, { get: boom, enumerable: true });
    const fetch = async () => new Response('{"id":"task-1","status":"pending"}');
    const client = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', fetch });
    const typeError = (what) => (e) => check(e instanceof TypeError && /boom/.test(e.message), `${what}: ${e}`);
    for (let i = 0; i < 1_000; i++) {
      throws(() => new pkg.EvoLinkClient(proxy), typeError('client options (Proxy)'), 'client options');
      throws(() => new pkg.EvoLinkClient(getter('baseUrl')), typeError('client options (getter)'), 'client option');
      throws(() => new pkg.EvoLinkClient({ fetch, headers: getter('x-a') }), typeError('headers'), 'headers');
      throws(() => pkg.planPoll({ id: 'task-1', get status() { return boom(); } }), typeError('planPoll task'), 'planPoll task');
      await rejects(client.getTask('task-1', proxy), typeError('getTask options'), 'getTask options');
      await rejects(client.waitForTask('task-1', getter('timeoutMs')), typeError('waitForTask options'), 'waitForTask options');
    }
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke(); // every operation on it throws, Array.isArray too
    const isTypeError = (what) => (e) => check(e instanceof TypeError, `${what}: ${e}`);
    for (let i = 0; i < 100; i++) {
      throws(() => new pkg.EvoLinkClient(revoked), isTypeError('revoked client options'), 'revoked options');
      throws(() => new pkg.EvoLinkClient({ fetch, headers: revoked }), isTypeError('revoked headers'), 'revoked headers');
      throws(() => pkg.planPoll(revoked), isTypeError('revoked planPoll task'), 'revoked task');
      await rejects(client.getTask('task-1', revoked), isTypeError('revoked getTask options'), 'revoked call options');
      await rejects(client.createVideo(revoked), isTypeError('revoked create parameters'), 'revoked parameters');
      await rejects(pkg.parseTaskCallback(revoked), (e) => isError(e, pkg, pkg.InvalidResponseError), 'revoked callback');
    }
    const signal = { addEventListener() {}, removeEventListener() {}, get aborted() { return boom(); } };
    equal((await client.getTask('task-1', { signal })).status, 'pending', 'a signal whose aborted getter throws reads as not aborted');
    equal((await client.getTask('task-1')).status, 'pending', 'still working');
  }],

  ['a signal whose addEventListener calls the client back gets a TypeError for that call, and nothing breaks', async ({ pkg }) => {
    const fetch = async (url) => new Response(JSON.stringify({ id: String(url).split('/').pop(), status: 'completed', results: ['https://r.example/1'] }));
    const client = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', fetch });
    const inner = [];
    for (let i = 0; i < 100; i++) {
      const signal = {
        aborted: false,
        addEventListener() { inner.push(client.waitForTask('task-2').catch((e) => e)); },
        removeEventListener() { inner.push(client.waitForTask('task-3').catch((e) => e)); },
      };
      equal((await client.waitForTask('task-1', { signal })).status, 'completed', 'the outer wait');
    }
    // In Cloudflare Workers the calls of each turn run on a scheduler of their own: a call from
    // removeEventListener (made when the wait ends, in a later turn) is not inside a busy
    // scheduler there, and completes.
    const workers = globalThis.navigator?.userAgent === 'Cloudflare-Workers';
    for (const [i, e] of (await Promise.all(inner)).entries()) {
      const refused = e instanceof TypeError && /called back from inside/.test(e.message);
      const completed = workers && i % 2 === 1 && e?.status === 'completed';
      check(refused || completed, `inner: ${e instanceof Error ? e : JSON.stringify(e)}`);
    }
    equal(inner.length, 200, 'every inner call settled');
    equal((await client.waitForTask('task-1')).status, 'completed', 'still working');
  }],

  ['a Retry-After too large for a JavaScript number gives an ApiError with retryAfterMs capped at MAX_SAFE_INTEGER', async ({ pkg }) => {
    // Its milliseconds (above 2^53) once failed to become a record: an uncaught TypeError in Node.
    const fetch = async () => new Response('{"error":{"code":"bad","message":"bad"}}', { status: 400, headers: { 'retry-after': '9007199254741' } });
    const client = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', fetch });
    for (const call of [() => client.getTask('task-1'), () => client.waitForTask('task-1'), () => client.getCredits()]) {
      await rejects(call(), (e) => { isError(e, pkg, pkg.ApiError, 'bad'); equal(e.retryAfterMs, Number.MAX_SAFE_INTEGER, 'retryAfterMs'); }, 'huge Retry-After');
    }
  }],

  ['Response doubles and subclasses are read whatever their text() returns and whatever their getters throw', async ({ pkg }) => {
    const text = '{"id":"task-1","status":"pending"}';
    const boom = () => { throw new Error('boom'); };
    class Throwing extends Response {
      get headers() { return boom(); }
      get statusText() { return boom(); }
    }
    class Sync extends Response { // no stream to read: its text() is what is read
      get body() { return null; }
      text() { return text; }
    }
    const answers = [
      [() => ({ status: 200, text: () => text }), 'pending'], // text() returns a string
      [() => new Sync('ignored'), 'pending'],
      [() => new Throwing(text), 'pending'],
      [() => ({ status: 200, text: () => undefined }), pkg.InvalidResponseError],
      [() => ({ status: 200, text: () => ({ get then() { return boom(); } }) }), pkg.NetworkError],
      [() => new Throwing('{}', { status: 500 }), pkg.ApiError],
    ];
    for (let i = 0; i < 100; i++) { // 100 rounds: each throw through the wasm used to leak its stack
      for (const [answer, expected] of answers) {
        const client = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', maxRetries: 0, fetch: async () => answer() });
        if (typeof expected === 'string') equal((await client.getTask('task-1')).status, expected, String(answer));
        else await rejects(client.getTask('task-1'), (e) => check(e instanceof expected, `${expected.name}: ${e}`), String(answer));
      }
    }
    equal((await pkg.parseTaskCallback({ text: () => '{"id":"task-1","status":"completed"}' })).status, 'completed', 'text() returning a string');
  }],

  ['the request deadline holds when fetch or the body ignores the abort', async ({ pkg }) => {
    const never = () => new Promise(() => {});
    const ignoring = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', maxRetries: 0, requestTimeoutMs: 100, fetch: never });
    await rejects(ignoring.getTask('task-1'), (e) => { isError(e, pkg, pkg.NetworkError, 'network_error'); check(/within 100 ms/.test(e.message), e.message); }, 'fetch never settles');
    const retrying = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', requestTimeoutMs: 100, fetch: never });
    await rejects(retrying.waitForTask('task-1', { timeoutMs: 300 }), (e) => isError(e, pkg, pkg.TimeoutError, 'timeout'), 'timeoutMs wins');
    const slowBody = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', maxRetries: 0, requestTimeoutMs: 100, fetch: async () => ({ status: 200, text: never }) });
    await rejects(slowBody.getTask('task-1'), (e) => isError(e, pkg, pkg.NetworkError, 'network_error'), 'text() never settles');
    const stalled = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', maxRetries: 0, requestTimeoutMs: 100, fetch: async () => new Response(new ReadableStream({ pull: never })) });
    await rejects(stalled.getTask('task-1'), (e) => isError(e, pkg, pkg.NetworkError, 'network_error'), 'the stream never ends');
  }],

  ['lists nested 10,000 deep are refused with a clear error, and the client keeps working', async ({ pkg, client }) => {
    // Read recursively, they would overflow the wasm's stack (a trap, not an error).
    const tooDeep = (e) => check(/nests lists more than 32 levels deep/.test(e.message), e.message);
    await rejects(client.getTask(id('deep')), (e) => { isError(e, pkg, pkg.InvalidResponseError, 'invalid_response'); tooDeep(e); }, 'answer');
    const text = `{"id":"task-deep-1","status":"completed","results":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    await rejects(pkg.parseTaskCallback(text), (e) => { isError(e, pkg, pkg.InvalidResponseError, 'invalid_response'); tooDeep(e); }, 'callback');
    // Objects made in JS: 1,000 levels (JSON.stringify of 10,000 overflows the JS stack first).
    let nested = [];
    for (let i = 0; i < 1_000; i++) nested = [nested];
    const task = { id: 'task-deep-1', status: 'completed', results: nested };
    throws(() => pkg.planPoll(task), (e) => { check(e instanceof TypeError, 'TypeError'); tooDeep(e); }, 'planPoll');
    const params = { model: 'seedance-2.0-reference-to-video', prompt: 'x', image_urls: nested };
    await rejects(client.createVideo(params), (e) => { check(e instanceof TypeError, 'TypeError'); tooDeep(e); }, 'create');
    let shallow = [];
    for (let i = 0; i < 31; i++) shallow = [shallow];
    equal((await pkg.parseTaskCallback({ ...task, results: shallow })).status, 'completed', '32 levels read');
    equal((await client.getTask(id('ok'))).status, 'pending', 'still working');
  }],

  ['TimeoutError after timeoutMs, carrying the last observation', async ({ pkg, client }) => {
    await rejects(client.waitForTask(id('demo'), { intervalMs: 60_000, timeoutMs: 150 }), (e) => {
      isError(e, pkg, pkg.TimeoutError, 'timeout');
      equal(e.task && e.task.status, 'pending', 'last observation');
    }, 'timeout');
  }],

  ['intervalMs fixes the pace; by default it is adaptive, within minIntervalMs..maxIntervalMs', async ({ base, client }) => {
    const count = async (options) => {
      const taskId = id('demo'); // pending, estimated_time 20 s: the adaptive pace waits ~7 s
      await client.waitForTask(taskId, { timeoutMs: 400, ...options }).catch(() => {});
      return (await requests(base, taskId)).length;
    };
    const fixed = await count({ intervalMs: 20 });
    check(fixed >= 5, `intervalMs 20 for 400 ms made ${fixed} requests`);
    equal(await count({}), 1, 'requests at the adaptive pace within 400 ms');
    const capped = await count({ maxIntervalMs: 20, minIntervalMs: 1 });
    check(capped >= 5, `maxIntervalMs 20 for 400 ms made ${capped} requests`);
    await rejects(client.waitForTask('x', { minIntervalMs: 50, maxIntervalMs: 10 }),
      (e) => check(e instanceof RangeError && e.message.includes('minIntervalMs'), e.message), 'min > max');
  }],

  ['a pre-aborted signal rejects with its reason and sends nothing', async ({ base, client }) => {
    const controller = new AbortController();
    const reason = new Error('stop now');
    controller.abort(reason);
    const taskId = id('ok');
    await rejects(client.waitForTask(taskId, { signal: controller.signal }), (e) => check(e === reason, 'signal.reason'), 'wait');
    await rejects(client.getTask(taskId, { signal: controller.signal }), (e) => check(e === reason, 'signal.reason'), 'get');
    equal((await requests(base, taskId)).length, 0, 'requests');
  }],

  ['aborting a wait rejects at once and sends no further request', async ({ base, client }) => {
    const controller = new AbortController();
    const taskId = id('ok');
    const wait = client.waitForTask(taskId, { intervalMs: 60_000, signal: controller.signal });
    await sleep(100);
    const started = Date.now();
    controller.abort();
    await rejects(wait, (e) => equal(e.name, 'AbortError', 'reason'), 'abort');
    check(Date.now() - started < 100, 'settled at once');
    await sleep(50);
    equal((await requests(base, taskId)).length, 1, 'requests');
  }],

  ['aborting cancels the request in flight', async ({ client }) => {
    const controller = new AbortController();
    const get = client.getTask(id('hang'), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('bye')), 50);
    await rejects(get, (e) => equal(e.message, 'bye', 'reason'), 'hang');
  }],

  ['bad arguments reject with TypeError or RangeError before any request', async ({ base, client }) => {
    const unused = id('ok'); // a fresh id: no other case can send a request for it
    const bad = [
      [() => client.getTask(''), TypeError, 'empty'],
      [() => client.getTask(42), TypeError, 'string'],
      [() => client.getTask('a/b'), TypeError, "'/'"],
      [() => client.getTask('..'), TypeError, '".."'],
      [() => client.getTask(unused, 5), TypeError, 'object'],
      [() => client.getTask(unused, { signal: 'no' }), TypeError, 'AbortSignal'],
      [() => client.waitForTask(unused, { intervalMs: -1 }), RangeError, 'intervalMs'],
      [() => client.waitForTask(unused, { timeoutMs: NaN }), RangeError, 'timeoutMs'],
      [() => client.waitForTask(unused, { intervalMs: '5' }), TypeError, 'intervalMs'],
      [() => client.waitForTask(unused, { onProgress: 3 }), TypeError, 'onProgress'],
      [() => client.waitForTask(unused, { interval: 5 }), TypeError, 'interval'],
    ];
    for (const [call, cls, mentions] of bad) {
      await rejects(call(), (e) => {
        check(e instanceof cls, `${call}: expected ${cls.name}, got ${e && e.name}`);
        check(e.message.includes(mentions), `"${e.message}" should mention ${mentions}`);
      }, String(call));
    }
    equal((await requests(base, unused)).length, 0, 'requests');
  }],

  ['bad client options throw with the option named', async ({ pkg }) => {
    const bad = [
      [{ apikey: KEY }, TypeError, 'apikey'],
      [{ apiKey: 5 }, TypeError, 'apiKey'],
      [{ apiKey: KEY, baseUrl: 'http://example.com' }, TypeError, 'allowInsecureHttp'],
      [{ allowInsecureHttp: 'yes' }, TypeError, 'allowInsecureHttp'],
      [{ baseUrl: 'ftp://127.0.0.1' }, TypeError, 'baseUrl'],
      [{ requestTimeoutMs: 0 }, RangeError, 'requestTimeoutMs'],
      [{ maxRetries: -1 }, RangeError, 'maxRetries'],
      [{ maxRetries: Infinity }, RangeError, 'maxRetries'],
      [{ headers: { a: 1 } }, TypeError, 'header'],
      [{ fetch: 'fetch' }, TypeError, 'fetch'],
      [{ maxConcurrentRequests: 0 }, RangeError, 'maxConcurrentRequests'],
      ['https://api.evolink.ai', TypeError, 'object'],
    ];
    for (const [options, cls, mentions] of bad) {
      throws(() => new pkg.EvoLinkClient(options), (e) => {
        check(e instanceof cls, `${JSON.stringify(options)}: expected ${cls.name}, got ${e.name}`);
        check(e.message.includes(mentions), `"${e.message}" should mention ${mentions}`);
      }, JSON.stringify(options));
    }
    equal(new pkg.EvoLinkClient().baseUrl, 'https://api.evolink.ai', 'default baseUrl');
    equal(new pkg.EvoLinkClient({ baseUrl: 'http://localhost:8787/' }).baseUrl, 'http://localhost:8787', 'loopback http');
  }],

  ['a custom fetch is used, called unbound', async ({ pkg, base }) => {
    const calls = [];
    const client = new pkg.EvoLinkClient({
      baseUrl: base,
      apiKey: KEY,
      fetch: function (url, init) {
        calls.push([url, init.method, init.headers.authorization, this]);
        return fetch(url, init);
      },
    });
    const taskId = id('ok');
    await client.getTask(taskId);
    equal(calls, [[`${base}/v1/tasks/${taskId}`, 'GET', `Bearer ${KEY}`, undefined]], 'calls');
    // An id with ':' (allowed) is escaped in the path as encodeURIComponent escapes it.
    await client.getTask(`${taskId}:2`);
    equal(calls[1][0], `${base}/v1/tasks/${encodeURIComponent(`${taskId}:2`)}`, 'escaped');
  }],

  ['watchTask yields each change and ends after the terminal one', async ({ client }) => {
    const seen = [];
    for await (const t of client.watchTask(id('ok'), { intervalMs: 10 })) seen.push(t.progress);
    equal(seen, [0, 30, 70, 100], 'progress');
  }],

  ['watchTask throws what waitForTask would reject with', async ({ pkg, client }) => {
    const seen = [];
    await rejects((async () => {
      for await (const t of client.watchTask(id('fail'), { intervalMs: 10 })) seen.push(t.status);
    })(), (e) => isError(e, pkg, pkg.TaskFailedError, 'content_policy_violation'), 'fail');
    equal(seen, ['pending', 'processing', 'failed'], 'observations');
    throws(() => client.watchTask('a b'), (e) => check(e instanceof TypeError, 'TypeError'), 'bad id');
  }],

  ['breaking out of watchTask stops polling', async ({ base, client }) => {
    const taskId = id('ok');
    for await (const t of client.watchTask(taskId, { intervalMs: 10 })) {
      if (t.status === 'pending') break;
    }
    await sleep(100);
    equal((await requests(base, taskId)).length, 1, 'requests');
  }],

  ['watchTask as a plain iterator: impatient next() calls, return() mid-wait, a pre-aborted signal', async ({ base, client }) => {
    // Three next() calls at once get the first three changes, in order.
    const watch = client.watchTask(id('ok'), { intervalMs: 10 });
    const first = await Promise.all([watch.next(), watch.next(), watch.next()]);
    equal(first.map((r) => [r.done, r.value.progress]), [[false, 0], [false, 30], [false, 70]], 'in order');
    equal(await watch.return('bye'), { done: true, value: 'bye' }, 'return');
    equal(await watch.next(), { done: true }, 'after return');
    // return() while a next() waits out a long pause: the next() ends as done at once, and no
    // further request goes out.
    const taskId = id('ok');
    const slow = client.watchTask(taskId, { intervalMs: 60_000 });
    await slow.next();
    const pending = slow.next();
    await sleep(20);
    const started = Date.now();
    await slow.return();
    equal(await pending, { done: true }, 'the pending next()');
    check(Date.now() - started < 100, 'settled at once');
    equal((await requests(base, taskId)).length, 1, 'requests');
    // A signal aborted before the first next(): it rejects with the reason and sends nothing.
    const reason = new Error('not now');
    const aborted = id('ok');
    const controller = new AbortController();
    const early = client.watchTask(aborted, { signal: controller.signal });
    controller.abort(reason);
    await rejects(early.next(), (e) => check(e === reason, 'signal.reason'), 'pre-aborted');
    equal((await requests(base, aborted)).length, 0, 'nothing sent');
  }],

  ['an onProgress that throws rejects the wait with its error', async ({ client }) => {
    const boom = new Error('boom');
    await rejects(client.waitForTask(id('ok'), { intervalMs: 10, onProgress: () => { throw boom; } }),
      (e) => check(e === boom, 'the thrown error'), 'onProgress');
  }],

  ['errors never show the API key', async ({ pkg, base, client }) => {
    const errors = [];
    for (const kind of ['e401', 'h502', 'malformed', 'fail']) {
      await client.waitForTask(id(kind), { intervalMs: 10 }).catch((e) => errors.push(e));
    }
    await client.waitForTask(id('demo'), { timeoutMs: 50 }).catch((e) => errors.push(e));
    const slow = new pkg.EvoLinkClient({ baseUrl: base, apiKey: KEY, requestTimeoutMs: 50 });
    await slow.getTask(id('slow500')).catch((e) => errors.push(e));
    equal(errors.map((e) => e.name).sort(), ['ApiError', 'ApiError', 'InvalidResponseError', 'NetworkError', 'TaskFailedError', 'TimeoutError'], 'errors');
    for (const e of errors) {
      for (const text of [e.message, e.stack, String(e), JSON.stringify(e), JSON.stringify(Object.entries(e))]) {
        check(!String(text).includes(KEY), `${e.name} shows the key`);
      }
    }
  }],

  ['callbacks that call back into the client never break it', async ({ pkg, base }) => {
    let client;
    // A fetch whose abort listener calls the client again, from inside the client's abort.
    const reentrant = (url, init) => {
      init.signal.addEventListener('abort', () => client.getTask(id('ok')).catch(() => {}));
      return fetch(url, init);
    };
    client = new pkg.EvoLinkClient({ baseUrl: base, fetch: reentrant });
    const controller = new AbortController();
    const get = client.getTask(id('hang'), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('bye')), 50);
    await rejects(get, (e) => equal(e.message, 'bye', 'reason'), 'abort');
    // A signal-like object that calls its listener from inside addEventListener.
    const reason = new Error('eager');
    const eager = { aborted: false, reason, addEventListener: (type, listener) => listener(), removeEventListener() {} };
    await rejects(client.waitForTask(id('ok'), { signal: eager, intervalMs: 10 }), (e) => check(e === reason, 'its reason'), 'eager');
    // onProgress calling the client.
    const task = await client.waitForTask(id('ok'), { intervalMs: 10, onProgress: () => void client.getTask(id('ok')).catch(() => {}) });
    equal(task.status, 'completed', 'the wait completed');
    equal((await client.getTask(id('ok'))).status, 'pending', 'the client still works');
  }],

  // ---- A user's first hour (issue 12) ----

  ['generate* calls onCreated once before the first poll; every error after the create carries taskId', async ({ pkg, base, client }) => {
    const events = [];
    const counting = new pkg.EvoLinkClient({ baseUrl: base, fetch: (url, init) => (events.push(init.method), fetch(url, init)) });
    const task = await counting.generateVideo({ model: 'seedance-2.0-text-to-video', prompt: '[as:ok] a fox' }, {
      intervalMs: 10,
      onCreated: (t) => events.push(`created ${t.status}`),
      onProgress: (t) => events.push(`${t.status} ${t.progress}`),
    });
    equal(events, ['POST', 'created pending', 'pending 0', 'GET', 'GET', 'processing 30', 'GET', 'processing 70', 'GET', 'completed 100'], 'events');
    equal(task.status, 'completed', 'status');
    // A failed task, and a network failure after the create: both name the created task.
    let created;
    await rejects(client.generateVideo({ model: 'veo-9', prompt: '[as:fail] x' }, { intervalMs: 10, onCreated: (t) => (created = t) }),
      (e) => { isError(e, pkg, pkg.TaskFailedError); equal(e.taskId, created.id, 'taskId'); }, 'failed');
    let posted;
    const flaky = new pkg.EvoLinkClient({ baseUrl: base, maxRetries: 0, fetch: (url, init) => (init.method === 'POST' ? fetch(url, init).then((r) => (posted = r, r)) : Promise.reject(new TypeError('network down'))) });
    await rejects(flaky.generateImage({ model: 'gpt-image-1', prompt: '[as:ok] x' }, { intervalMs: 10, onCreated: (t) => (created = t) }), (e) => {
      isError(e, pkg, pkg.NetworkError);
      equal([e.taskId, e.message.includes(created.id)], [created.id, true], 'taskId and message');
    }, 'network');
    check(posted !== undefined, 'the create went through');
    // The pattern the README shows: keep the id, resume with waitForTask.
    equal((await client.waitForTask(created.id, { intervalMs: 10 })).status, 'completed', 'resumed');
  }],

  ['generateImage, generateAudio and getCredits', async ({ base, client }) => {
    const image = await client.generateImage({ model: 'gpt-image-1', prompt: '[as:ok] a fox' }, { intervalMs: 10 });
    const audio = await client.generateAudio({ model: 'suno-v5', prompt: '[as:ok] a fox' }, { intervalMs: 10 });
    equal([image.status, image.object, audio.status, audio.object], ['completed', 'image.generation.task', 'completed', 'audio.generation.task'], 'generated');
    const posts = (await requests(base)).filter((r) => r.method === 'POST').map((r) => r.path);
    check(posts.includes('/v1/images/generations') && posts.includes('/v1/audios/generations'), `posted to ${posts}`);
    equal(await client.getCredits(), { credits: 1000 }, 'credits');
    const log = await requests(base);
    equal([log.at(-1).path, log.at(-1).authorization], ['/v1/credits', `Bearer ${KEY}`], 'GET /v1/credits with the key');
  }],

  ['http base URLs: any host without a key, loopback or allowInsecureHttp with one; a trailing /v1 is the same root', async ({ pkg, base }) => {
    for (const baseUrl of ['http://evolink-proxy:8080', 'http://10.1.2.3/evolink', 'http://api.test']) {
      equal(new pkg.EvoLinkClient({ baseUrl }).baseUrl, baseUrl, 'no key: any http host');
    }
    throws(() => new pkg.EvoLinkClient({ apiKey: KEY, baseUrl: 'http://evolink-proxy:8080' }), (e) => {
      check(e instanceof TypeError, 'TypeError');
      check(e.message.includes('evolink-proxy') && e.message.includes('allowInsecureHttp') && !e.message.includes(KEY), e.message);
    }, 'a key over http');
    equal(new pkg.EvoLinkClient({ apiKey: KEY, baseUrl: 'http://evolink-proxy:8080', allowInsecureHttp: true }).baseUrl, 'http://evolink-proxy:8080', 'allowed');
    // A test host with an injected fetch.
    const seen = [];
    const faked = new pkg.EvoLinkClient({ baseUrl: 'http://api.test', fetch: async (url) => (seen.push(url), new Response('{"id":"t-1","status":"pending"}')) });
    equal((await faked.getTask('t-1')).status, 'pending', 'through the injected fetch');
    equal(seen, ['http://api.test/v1/tasks/t-1'], 'url');
    for (const suffix of ['/v1', '/v1/']) {
      const client = new pkg.EvoLinkClient({ baseUrl: base + suffix });
      equal(client.baseUrl, base, `${suffix} names the root`);
      const taskId = id('ok');
      await client.getTask(taskId);
      equal((await requests(base, taskId)).map((r) => r.path), [`/v1/tasks/${taskId}`], 'one /v1');
    }
  }],

  ['getTask retries transient failures, at most maxRetries in a row', async ({ pkg, base }) => {
    const patient = new pkg.EvoLinkClient({ baseUrl: base, maxRetries: 2 });
    const taskId = id('flaky2');
    equal((await patient.getTask(taskId)).status, 'pending', 'after two 503s');
    equal((await requests(base, taskId)).length, 3, 'requests');
    const strict = new pkg.EvoLinkClient({ baseUrl: base, maxRetries: 1 });
    const failing = id('flaky2');
    await rejects(strict.getTask(failing), (e) => isError(e, pkg, pkg.ApiError, 'service_unavailable'), 'maxRetries 1');
    equal((await requests(base, failing)).length, 2, 'requests with maxRetries 1');
    const unauthorized = id('e401');
    await rejects(patient.getTask(unauthorized), (e) => isError(e, pkg, pkg.ApiError, 'unauthorized'), '401');
    equal((await requests(base, unauthorized)).length, 1, 'a 401 is not retried');
  }],

  ['ApiError carries retryAfterMs and requestId; JSON.stringify keeps the plain fields, never the key', async ({ pkg, base }) => {
    const once = new pkg.EvoLinkClient({ baseUrl: base, apiKey: KEY, maxRetries: 0 });
    const seconds = id('ratelimit');
    const e = await rejects(once.getTask(seconds), (e) => {
      isError(e, pkg, pkg.ApiError, 'rate_limit_exceeded');
      equal([e.status, e.retryAfterMs, e.taskId], [429, 1000, seconds], 'fields');
      check(/^req_429_\d+$/.test(e.requestId), `requestId ${e.requestId}`);
      check(e.message.includes(seconds), `the message names the task: ${e.message}`);
    }, 'ratelimit');
    await rejects(once.getTask(id('ratedate')), (d) => check(d.retryAfterMs >= 0 && d.retryAfterMs <= 2000, `an HTTP date: ${d.retryAfterMs}`), 'ratedate');
    const json = JSON.parse(JSON.stringify(e));
    equal(Object.keys(json).sort(), ['code', 'fallbackSuggestion', 'message', 'name', 'param', 'requestId', 'retryAfterMs', 'status', 'taskId', 'type'].filter((k) => e[k] !== undefined).sort(), 'keys');
    equal([json.name, json.code, json.status, json.taskId], ['ApiError', 'rate_limit_exceeded', 429, seconds], 'values');
    const failed = await once.waitForTask(id('fail'), { intervalMs: 10 }).catch((x) => x);
    const stringified = JSON.parse(JSON.stringify(failed));
    equal([stringified.name, stringified.code, stringified.taskId], ['TaskFailedError', 'content_policy_violation', failed.task.id], 'a failed task');
    check(!JSON.stringify(failed).includes(KEY) && !JSON.stringify(e).includes(KEY), 'never the key');
    const bad = await once.getTask('a/b').catch((x) => x);
    check(!('taskId' in bad), 'a bad argument is about no task');
  }],

  ['an option or a create field given as undefined is left out', async ({ pkg, base }) => {
    const client = new pkg.EvoLinkClient({ baseUrl: base, apiKey: undefined, headers: undefined, fetch: undefined, maxRetries: undefined });
    const taskId = id('ok');
    const task = await client.waitForTask(taskId, { intervalMs: 10, timeoutMs: undefined, signal: undefined, onProgress: undefined });
    equal(task.status, 'completed', 'waited');
    equal((await requests(base, taskId))[0].authorization, null, 'no key sent');
    const created = await client.createVideo({ model: 'seedance-2.0-text-to-video', prompt: 'x', duration: undefined, callback_url: undefined });
    const [post] = await requests(base, created.id);
    equal(Object.keys(JSON.parse(post.body)).sort(), ['model', 'prompt'], 'undefined members are not sent');
  }],

  // ---- Faults: what a long wait meets on real networks (the README's fault matrix) ----

  ['408, 429, 500, 502, 503, 504 are retried, at most maxRetries in a row', async ({ pkg, base }) => {
    // The client's attempts are counted at its fetch: Chromium itself repeats some requests
    // answered 408 on a reused connection, so the server may see more.
    for (const status of [408, 429, 500, 502, 503, 504]) {
      let attempts = 0;
      const counting = (url, init) => (attempts++, fetch(url, init));
      const client = new pkg.EvoLinkClient({ baseUrl: base, maxRetries: 2, fetch: counting });
      await rejects(client.waitForTask(id(`e${status}`), { intervalMs: 10 }), (e) => {
        isError(e, pkg, pkg.ApiError);
        equal(e.status, status, 'status');
      }, `e${status}`);
      equal(attempts, 3, `attempts for ${status} with maxRetries 2`);
    }
  }],

  ['a CDN page, truncated JSON or a reset connection during a wait is retried', async ({ pkg, base }) => {
    const client = new pkg.EvoLinkClient({ baseUrl: base, maxRetries: 2 });
    for (const [kind, cls] of [['cdn', pkg.InvalidResponseError], ['malformed', pkg.InvalidResponseError], ['reset', pkg.NetworkError]]) {
      const taskId = id(kind);
      await rejects(client.waitForTask(taskId, { intervalMs: 10 }), (e) => isError(e, pkg, cls), kind);
      equal((await requests(base, taskId)).length, 3, `requests for ${kind}`);
    }
  }],

  ['a hanging server is cut off by requestTimeoutMs and retried', async ({ pkg, base }) => {
    const client = new pkg.EvoLinkClient({ baseUrl: base, requestTimeoutMs: 100, maxRetries: 1 });
    const taskId = id('hang');
    await rejects(client.waitForTask(taskId), (e) => isError(e, pkg, pkg.NetworkError, 'network_error'), 'hang');
    equal((await requests(base, taskId)).length, 2, 'requests');
  }],

  ['a body over 1 MiB is refused without being parsed', async ({ pkg, base }) => {
    // By its Content-Length, or (chunked, or gzip whose length is the compressed size) by
    // reading the stream no further than 1 MiB.
    const client = new pkg.EvoLinkClient({ baseUrl: base, maxRetries: 0 });
    for (const kind of ['huge', 'hugechunked', 'hugegzip']) {
      await rejects(client.getTask(id(kind)), (e) => {
        isError(e, pkg, pkg.InvalidResponseError, 'invalid_response');
        check(e.message.includes('1 MiB'), e.message);
      }, kind);
    }
  }],

  ['Retry-After is honoured in seconds and as an HTTP date', async ({ base, client }) => {
    for (const kind of ['ratelimit', 'ratedate']) {
      const taskId = id(kind);
      const task = await client.waitForTask(taskId, { intervalMs: 10 });
      equal(task.status, 'completed', kind);
      const [first, second] = await requests(base, taskId);
      check(second.time - first.time >= 900, `${kind}: retried after ${second.time - first.time} ms`);
    }
  }],

  ['a 429 slows every wait of the client, not just one task', async ({ base, client }) => {
    const limited = id('ratelimit');
    const other = id('long');
    const waits = [client.waitForTask(limited, { intervalMs: 50 })];
    await sleep(100); // the 429 has arrived; the other wait starts during the pause
    waits.push(client.waitForTask(other, { intervalMs: 50 }).catch(() => {}));
    await waits[0];
    const [rateLimited] = await requests(base, limited);
    const [first] = await requests(base, other);
    check(first.time - rateLimited.time >= 900, `the other task was polled ${first.time - rateLimited.time} ms after the 429`);
  }],

  ['spread-out faults over a long task reset nothing but the count in a row', async ({ pkg, base }) => {
    const client = new pkg.EvoLinkClient({ baseUrl: base, maxRetries: 1 });
    const seen = [];
    const task = await client.waitForTask(id('spread'), { intervalMs: 10, onProgress: (t) => seen.push(t.progress) });
    equal(task.status, 'completed', 'status');
    equal(seen, [0, 10, 20, 35, 50, 65, 80, 95, 100], 'progress');
  }],

  ['a status regression is reported as it is and the wait goes on', async ({ client }) => {
    const seen = [];
    await client.waitForTask(id('regress'), { intervalMs: 10, onProgress: (t) => seen.push(`${t.status} ${t.progress}`) });
    equal(seen, ['processing 50', 'pending 0', 'processing 60', 'completed 100'], 'observations');
  }],

  ['timeoutMs wins over retries', async ({ pkg, base }) => {
    const client = new pkg.EvoLinkClient({ baseUrl: base, maxRetries: 1000 });
    const started = Date.now();
    await rejects(client.waitForTask(id('e503'), { timeoutMs: 400 }), (e) => isError(e, pkg, pkg.TimeoutError, 'timeout'), 'e503');
    check(Date.now() - started < 3000, 'ended near the deadline');
  }],

  ['the key goes only to baseUrl, whatever the task says', async ({ pkg, base }) => {
    const urls = [];
    const client = new pkg.EvoLinkClient({ baseUrl: base, apiKey: KEY, fetch: (url, init) => (urls.push(url), fetch(url, init)) });
    const task = await client.waitForTask(id('ok'), { intervalMs: 10 });
    check(task.results[0].includes('/media/'), 'a result URL');
    check(urls.length === 4 && urls.every((u) => u.startsWith(`${base}/v1/tasks/`)), `requests went to ${urls}`);
  }],

  ['random options, ids and parameters get clear errors and never break the client', async ({ pkg, base, client }) => {
    let seed = 20261129;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = (xs) => xs[Math.floor(rand() * xs.length)];
    const values = () => [undefined, null, true, 0, -1, 1.5, NaN, Infinity, 2 ** 53, '', 'x', 'a/b', '\u0000',
      'é'.repeat(300), [], [1], {}, { a: 1 }, () => 1, Symbol('s'), 10n, new Date(0), new AbortController().signal];
    const names = ['apiKey', 'baseUrl', 'headers', 'fetch', 'requestTimeoutMs', 'maxRetries', 'maxConcurrentRequests',
      'onProgress', 'signal', 'timeoutMs', 'intervalMs', 'minIntervalMs', 'maxIntervalMs', 'model', 'prompt', 'duration', 'bogus'];
    const randomObject = () => Object.fromEntries(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => [pick(names), pick(values())]));
    const settle = async (call) => {
      try {
        await call();
      } catch (e) {
        check(e instanceof TypeError || e instanceof RangeError || e instanceof pkg.EvoLinkError,
          `unexpected ${e && e.name}: ${e && e.message}`);
      }
    };
    const quick = new pkg.EvoLinkClient({ baseUrl: base, requestTimeoutMs: 200, maxRetries: 0 });
    for (let i = 0; i < 300; i++) {
      const options = rand() < 0.5 ? randomObject() : pick(values());
      await settle(() => new pkg.EvoLinkClient(options));
      await settle(() => quick.getTask(pick(values()), rand() < 0.5 ? undefined : options));
      await settle(() => quick.waitForTask(`e404-${i}`, { ...randomObject(), timeoutMs: 300, intervalMs: 10 }));
      await settle(() => quick.createVideo(rand() < 0.5 ? randomObject() : pick(values())));
      await settle(() => pkg.parseTaskCallback(pick(values())));
    }
    const task = await client.getTask(id('ok'));
    equal(task.status, 'pending', 'the client still works');
  }],

  // ---- One scheduler for many tasks ----

  ['concurrent waits on the same task share each poll', async ({ base, client }) => {
    const taskId = id('ok');
    const tasks = await Promise.all(Array.from({ length: 5 }, () => client.waitForTask(taskId, { intervalMs: 20 })));
    equal(tasks.map((t) => t.status), Array(5).fill('completed'), 'statuses');
    equal((await requests(base, taskId)).length, 4, 'one request per poll for all five waits');
  }],

  ['waits on one task pause from the answer they share, however long it takes to hand it out', async ({ base, client }) => {
    // The first and last waits' onProgress hold the event loop for 60 ms at each answer: the
    // waits handed the answer after one of them still pause from when it landed, so all three
    // poll together, 4 requests in all.
    const taskId = id('ok');
    const busy = () => {
      const start = performance.now();
      // workerd's clock stands still while code runs (so the hand-over takes no time there).
      for (let i = 0; performance.now() < start + 60; i++) if (i === 1e6 && performance.now() === start) return;
    };
    const tasks = await Promise.all([
      client.waitForTask(taskId, { intervalMs: 20, onProgress: busy }),
      client.waitForTask(taskId, { intervalMs: 20 }),
      client.waitForTask(taskId, { intervalMs: 20, onProgress: busy }),
    ]);
    equal(tasks.map((t) => t.status), Array(3).fill('completed'), 'statuses');
    equal((await requests(base, taskId)).length, 4, 'one request per poll for all three waits');
  }],

  ['maxConcurrentRequests caps the requests in flight, 6 by default', async ({ pkg, base }) => {
    const peak = async (options) => {
      let now = 0;
      let most = 0;
      const counting = (url, init) => {
        most = Math.max(most, ++now);
        return fetch(url, init).finally(() => now--);
      };
      const client = new pkg.EvoLinkClient({ baseUrl: base, fetch: counting, ...options });
      await Promise.all(Array.from({ length: 10 }, () => client.waitForTask(id('slow150'), { intervalMs: 10 })));
      return most;
    };
    equal(await peak({ maxConcurrentRequests: 2 }), 2, 'in flight with maxConcurrentRequests 2');
    equal(await peak({}), 6, 'in flight by default');
  }],

  // ---- Creating tasks and receiving callbacks ----

  ['createVideo posts the parameters and resolves with the pending task', async ({ base, client }) => {
    const marker = id('mark');
    const params = { model: 'seedance-2.0-text-to-video', prompt: `a fox ${marker}`, duration: 6, quality: '720p', aspect_ratio: '16:9' };
    const task = await client.createVideo(params);
    equal(task.status, 'pending', 'status');
    const [post] = await requests(base, task.id);
    equal([post.method, post.path, post.authorization, JSON.parse(post.body)], ['POST', '/v1/videos/generations', `Bearer ${KEY}`, params], 'request');
    const image = await client.createImage({ model: 'gpt-image-1', prompt: 'a fox' });
    const audio = await client.createAudio({ model: 'suno-v5', prompt: 'a fox' });
    equal([image.object, audio.object], ['image.generation.task', 'audio.generation.task'], 'kinds');
  }],

  ['Seedance limits are checked before sending; other models pass through', async ({ base, client }) => {
    const model = 'seedance-2.0-text-to-video';
    const bad = [
      [{ model, prompt: 'x', duration: 16 }, RangeError, 'duration'],
      [{ model, prompt: 'x', quality: '4k' }, RangeError, 'quality'],
      [{ model: 'seedance-2.0-fast-text-to-video', prompt: 'x', quality: '1080p' }, RangeError, 'standard tier'],
      [{ model, prompt: 'x', aspect_ratio: '2:1' }, RangeError, 'aspect_ratio'],
      [{ model, prompt: 'x', image_urls: ['https://a.example/1.png'] }, RangeError, 'image_urls'],
      [{ model: 'seedance-2.0-image-to-video', prompt: 'x' }, RangeError, 'image_urls'],
      [{ model }, TypeError, 'prompt'],
      [{ prompt: 'x' }, TypeError, 'model'],
      [{ model, prompt: 'x', callback_url: 'http://hooks.example.com/cb' }, TypeError, 'https'],
      [{ model, prompt: 'x', callback_url: 'https://127.0.0.1/cb' }, TypeError, 'loopback'],
      [{ model, prompt: 'x', callback_url: 'https://192.168.1.5/cb' }, TypeError, 'private'],
      [{ model, prompt: 'x', callback_url: `https://a.example/${'x'.repeat(2048)}` }, RangeError, '2048'],
      ['prompt', TypeError, 'object'],
    ];
    const before = (await requests(base)).length;
    for (const [params, cls, mentions] of bad) {
      await rejects(client.createVideo(params), (e) => {
        check(e instanceof cls, `${JSON.stringify(params).slice(0, 80)}: expected ${cls.name}, got ${e.name}: ${e.message}`);
        check(e.message.includes(mentions), `"${e.message}" should mention ${mentions}`);
      }, JSON.stringify(params).slice(0, 80));
    }
    equal((await requests(base)).length, before, 'nothing was sent');
    const other = await client.createVideo({ model: 'veo-9', prompt: 'x', duration: 99, quality: '8k' });
    equal(other.status, 'pending', 'an unknown model is sent unchecked');
  }],

  ['a create is retried after a 429, never after a 5xx or a lost answer', async ({ pkg, base, client }) => {
    const posts = async (marker) => (await requests(base)).filter((r) => r.method === 'POST' && r.body.includes(marker));
    const limited = id('mark');
    const task = await client.createVideo({ model: 'veo-9', prompt: `[create-429-once] ${limited}` });
    equal([task.status, (await posts(limited)).length], ['pending', 2], 'retried after 429');
    const failing = id('mark');
    await rejects(client.createVideo({ model: 'veo-9', prompt: `[create-fail:503] ${failing}` }),
      (e) => isError(e, pkg, pkg.ApiError, 'service_unavailable'), '503');
    equal((await posts(failing)).length, 1, 'a 503 is not retried');
    const lost = id('mark');
    // The POST reaches the server, but its answer never comes back to the client.
    const lostAnswer = (url, init) => {
      fetch(url, { method: init.method, headers: init.headers, body: init.body }).catch(() => {});
      return new Promise((resolve, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
    };
    const lostClient = new pkg.EvoLinkClient({ baseUrl: base, requestTimeoutMs: 100, fetch: lostAnswer });
    await rejects(lostClient.createVideo({ model: 'veo-9', prompt: `${lost}` }), (e) => isError(e, pkg, pkg.NetworkError), 'lost answer');
    await sleep(100);
    equal((await posts(lost)).length, 1, 'a create whose answer was lost is not repeated');
  }],

  ['generateVideo creates and waits in one call', async ({ client }) => {
    const seen = [];
    const task = await client.generateVideo({ model: 'seedance-2.0-text-to-video', prompt: '[as:ok] a fox' }, { intervalMs: 10, onProgress: (t) => seen.push(`${t.status} ${t.progress}`) });
    equal(task.status, 'completed', 'status');
    equal(seen, ['pending 0', 'processing 30', 'processing 70', 'completed 100'], 'observations, the created task first');
  }],

  ['planPoll plans the adaptive pace as a pure function whose state survives JSON', async ({ pkg }) => {
    const now = 1_700_000_000_000;
    const pending = { id: 'task-1', status: 'pending', progress: 0, task_info: { estimated_time: 60 } };
    const first = pkg.planPoll(pending, undefined, { nowMs: now });
    equal(first.delayMs, 21_000, 'a third-ish of the 60 s estimate');
    const stored = JSON.parse(JSON.stringify(first.state));
    const running = { ...pending, status: 'processing', progress: 50 };
    const later = { nowMs: now + 21_000 };
    equal(pkg.planPoll(running, stored, later), pkg.planPoll(running, first.state, later), 'state through JSON');
    equal(pkg.planPoll({ id: 'x', status: 'pending' }, undefined, { nowMs: now }).delayMs, 5000, 'no hint: every 5 s');
    equal(pkg.planPoll({ id: 'x', status: 'pending' }, undefined, { nowMs: now, maxIntervalMs: 2000 }).delayMs, 2000, 'bounded');
    for (const status of ['completed', 'failed', 'cancelled']) {
      equal(pkg.planPoll({ id: 'x', status }, stored, later).delayMs, null, `${status} ends`);
    }
    throws(() => pkg.planPoll({ id: 'x' }), (e) => check(e instanceof TypeError, 'no status'), 'not a task');
    throws(() => pkg.planPoll(pending, 'state'), (e) => check(e instanceof TypeError, 'bad state'), 'bad state');
    // A state is read as planPoll writes it: `seen`, `first`, `last` and `latest` each an array
    // that starts with two numbers (or null), `estimate` and `lead` numbers (or null); members it
    // does not know are ignored, and so are items after the first two.
    const bad = [{ seen: 'x' }, { seen: [1] }, { seen: [1, '2'] }, { latest: { 0: 1, 1: 2 } }, { estimate: '1' }, { lead: [1] }, 5, true];
    for (const state of bad) {
      throws(() => pkg.planPoll(running, state, later), (e) => check(e instanceof TypeError && e.message === 'planPoll: state is not a state planPoll returned', e.message), `state ${JSON.stringify(state)}`);
    }
    equal(pkg.planPoll(running, { ...stored, extra: [1] }, later), pkg.planPoll(running, stored, later), 'a member it does not know');
    equal(pkg.planPoll(running, { ...stored, seen: [...stored.seen, 'more'] }, later), pkg.planPoll(running, stored, later), 'a longer pair');
    equal(pkg.planPoll(running, { seen: null, estimate: null, lead: null }, later), pkg.planPoll(running, {}, later), 'nulls are absent');
    equal(pkg.planPoll(running, [], later), pkg.planPoll(running, {}, later), 'an array has none of the members');
    throws(() => pkg.planPoll(pending, undefined, { now: 1 }), (e) => check(e instanceof TypeError && e.message.includes('now'), e.message), 'unknown option');
  }],

  ['parseTaskCallback reads a string, an object or a Request, and refuses the rest', async ({ pkg }) => {
    const body = { id: 'task-unified-1-abc', status: 'completed', progress: 100, results: ['https://r.example/v.mp4'], x_new: 1 };
    const text = JSON.stringify(body);
    for (const input of [text, body, new Request('https://hooks.example/cb', { method: 'POST', body: text })]) {
      const task = await pkg.parseTaskCallback(input);
      equal(task, body, `from ${typeof input}`);
    }
    const noIds = [{ status: 'completed' }, { id: 7, status: 'completed' }, { id: '', status: 'completed' }, { id: '../x', status: 'completed' }];
    for (const input of ['not json', '{"hello":1}', '[]', JSON.stringify({ ...body, pad: 'x'.repeat(1 << 20) }), ...noIds.map((b) => JSON.stringify(b))]) {
      await rejects(pkg.parseTaskCallback(input), (e) => isError(e, pkg, pkg.InvalidResponseError, 'invalid_response'), input.slice(0, 20));
    }
    await rejects(pkg.parseTaskCallback(42), (e) => check(e instanceof TypeError, 'TypeError'), 'number');
  }],

  ['confirmCallback trusts only the task fetched by the callback’s id', async ({ pkg, base, client }) => {
    const taskId = id('ok');
    const forged = { id: taskId, status: 'completed', progress: 100, results: ['https://evil.example/x.mp4'] };
    const task = await client.confirmCallback(JSON.stringify(forged));
    equal([task.status, task.results], ['pending', undefined], 'the server’s answer, not the callback’s');
    equal((await requests(base, taskId)).length, 1, 'one GET');
    await rejects(client.confirmCallback({ id: '../x', status: 'completed' }), (e) => isError(e, pkg, pkg.InvalidResponseError), 'bad id');
  }],

  // ---- One bad answer never costs the process (issue 18) ----
  // The wasm instance is shared by every client of the process: a throw through it or a trap
  // breaks every call, so each family below ends with a fresh client's health check.

  ['Response look-alikes, throwing getters, odd readers and odd promises get a result or a clear error, never a crash or a hang (seeded)', async ({ pkg }) => {
    // Each once threw through the wasm (a TypeError uncaught in Node, then `unreachable`) or
    // trapped it: read through typed getters, web-sys reader methods or `Promise.resolve`.
    const { NetworkError } = pkg;
    const own = (object, key, descriptor) => Object.defineProperty(object, key, { configurable: true, ...descriptor });
    const streamWith = (reader) => own(new ReadableStream(), 'getReader', { value: () => reader });
    const withBody = (body) => ({ status: 200, headers: new Headers(), body, text: async () => TASK_TEXT });
    const detachedChunk = () => {
      const chunk = new TextEncoder().encode(TASK_TEXT);
      try { structuredClone(chunk.buffer, { transfer: [chunk.buffer] }); } catch { /* this runtime cannot detach */ }
      return chunk;
    };
    const detaches = detachedChunk().byteLength === 0;
    const shapes = [
      ['an object with Response.prototype as its prototype', () => Object.setPrototypeOf({ status: 200, ok: true, headers: new Headers(), text: async () => TASK_TEXT }, Response.prototype), 'pending'],
      ['Object.create(Response.prototype)', () => Object.create(Response.prototype), NetworkError],
      ['a Response whose headers getter throws', () => own(new Response(TASK_TEXT), 'headers', { get: boom }), 'pending'],
      ['a Response whose status getter throws', () => own(new Response(TASK_TEXT), 'status', { get: boom }), NetworkError],
      ['a Response whose statusText getter throws', () => own(new Response(TASK_TEXT), 'statusText', { get: boom }), 'pending'],
      ['a Response whose body getter throws', () => own(new Response(TASK_TEXT), 'body', { get: boom }), 'pending'],
      ['a Response whose statusText is a number', () => own(new Response(TASK_TEXT), 'statusText', { value: 42 }), 'pending'],
      ['a chunk over a detached buffer', () => new Response(new ReadableStream({ start(c) { c.enqueue(detachedChunk()); c.close(); } })), detaches ? NetworkError : 'pending'],
      ['a reader whose read() throws', () => withBody(streamWith({ read: boom, cancel() {} })), NetworkError],
      ['a reader whose read() returns results, not promises', () => {
        let sent = false;
        return withBody(streamWith({ read: () => (sent ? { done: true } : (sent = true, { done: false, value: new TextEncoder().encode(TASK_TEXT) })), cancel() {} }));
      }, 'pending'],
      ['a read result whose done getter throws', () => withBody(streamWith({ read: async () => own({}, 'done', { get: boom }), cancel() {} })), NetworkError],
      ['a reader whose cancel() throws', () => withBody(streamWith({ read: async () => ({ done: false, value: 'text' }), cancel: boom })), NetworkError],
      ['a chunk that is a Proxy of bytes', () => withBody(streamWith({ read: async () => ({ done: false, value: new Proxy(new TextEncoder().encode(TASK_TEXT), {}) }), cancel() {} })), NetworkError],
      ['fetch returning a promise whose own then throws', () => own(Promise.resolve(new Response(TASK_TEXT)), 'then', { value: boom }), NetworkError],
      ['fetch returning a promise whose constructor getter throws', () => own(Promise.resolve(new Response(TASK_TEXT)), 'constructor', { get: boom }), NetworkError], // its then() reads the constructor
      ['text() returning a promise whose own then throws', () => ({ status: 200, text: () => own(Promise.resolve(TASK_TEXT), 'then', { value: boom }) }), NetworkError],
      ['text() returning a promise whose constructor getter throws', () => ({ status: 200, text: () => own(Promise.resolve(TASK_TEXT), 'constructor', { get: boom }) }), NetworkError], // its then() reads the constructor
      ['fetch that throws', boom, NetworkError],
    ];
    const rand = seeded(20261202);
    for (let round = 0; round < 20; round++) {
      for (const [name, answer, expected] of shuffled(shapes, rand)) {
        const client = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', maxRetries: 0, requestTimeoutMs: 2_000, fetch: () => answer() });
        const outcome = await settles(client.getTask('task-1').then((t) => t.status, (e) => e), 3_000, name);
        if (typeof expected === 'string') equal(outcome, expected, name);
        else check(outcome instanceof expected, `${name}: expected ${expected.name}, got ${outcome}`);
      }
    }
    await healthy(pkg);
  }],

  ['an async onProgress or onCreated is awaited, and its rejection rejects the call and stops polling', async ({ pkg, base, client }) => {
    // The promise was dropped: Node exited on the unhandled rejection, and the wait went on.
    const reason = new Error('db down');
    const taskId = id('ok');
    await rejects(client.waitForTask(taskId, { intervalMs: 10, onProgress: async () => { throw reason; } }),
      (e) => check(e === reason, `the rejection: ${e}`), 'async onProgress');
    await sleep(50);
    equal((await requests(base, taskId)).length, 1, 'no poll after the rejection');
    const thenable = { then() { throw reason; } };
    await rejects(client.waitForTask(id('ok'), { intervalMs: 10, onProgress: () => thenable }), (e) => check(e === reason, `thenable: ${e}`), 'thenable');
    for (const key of ['onCreated', 'onProgress']) {
      await rejects(client.generateVideo({ model: 'veo-9', prompt: '[as:ok] x' }, { intervalMs: 10, [key]: async () => { throw reason; } }),
        (e) => check(e === reason, `${key}: ${e}`), key);
    }
    // Awaited: each save ends before the next poll, and the wait resolves after the last one.
    const saved = [];
    const task = await client.waitForTask(id('ok'), { intervalMs: 10, onProgress: async (t) => { await sleep(5); saved.push(t.progress); } });
    equal([task.status, saved], ['completed', [0, 30, 70, 100]], 'every save done');
    await healthy(pkg);
  }],

  ['an answer about another task, or without the id asked for, is an InvalidResponseError', async ({ pkg }) => {
    // Behind a misrouted or caching proxy, one user would see another user's video.
    const isInvalid = (e) => isError(e, pkg, pkg.InvalidResponseError, 'invalid_response');
    for (const answered of ['someone-elses-task', 'task-1\ud800', 'task-1 ', '', undefined]) {
      const body = JSON.stringify({ id: answered, status: 'completed', results: ['https://r.example/other.mp4'] });
      const client = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', maxRetries: 0, fetch: async () => new Response(body) });
      const what = `answered ${JSON.stringify(answered)}`;
      await rejects(client.getTask('task-1'), isInvalid, `getTask, ${what}`);
      await rejects(client.waitForTask('task-1', { intervalMs: 10 }), isInvalid, `waitForTask, ${what}`);
      await rejects((async () => { for await (const t of client.watchTask('task-1', { intervalMs: 10 })); })(), isInvalid, `watchTask, ${what}`);
      await rejects(client.confirmCallback({ id: 'task-1', status: 'completed' }), isInvalid, `confirmCallback, ${what}`);
    }
    const created = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', fetch: async () => new Response('{"id":"t\\ud800","status":"pending"}') });
    await rejects(created.createVideo({ model: 'veo-9', prompt: 'x' }), isInvalid, 'a created id outside the id format');
    await healthy(pkg);
  }],

  ['a key or header that cannot be sent is refused without showing it; text that echoes the key is redacted', async ({ pkg }) => {
    const noKey = (e, what) => {
      for (const text of [e.message, e.stack, String(e), JSON.stringify(e), JSON.stringify(Object.entries(e))]) {
        check(!String(text).includes(KEY), `${what}: ${e.name} shows the key`);
      }
    };
    const bad = [`${KEY}\n`, `${KEY}\r\nx-evil: 1`, `${KEY}\u0000`, `${KEY}\ud800`, `${KEY}\u20ac`];
    bad.forEach((apiKey, i) => throws(() => new pkg.EvoLinkClient({ apiKey, baseUrl: 'http://127.0.0.1:9' }),
      (e) => { check(e instanceof TypeError && e.message.includes('apiKey'), e.message); noKey(e, `key ${i}`); }, `key ${i}`));
    for (const headers of [{ 'x-a': 'v\r\n' }, { 'x-a\n': 'v' }, { 'x-a': 'v\u0000' }, { 'x-a': '\ud800' }, { 'x a': 'v' }]) {
      throws(() => new pkg.EvoLinkClient({ headers, baseUrl: 'http://127.0.0.1:9' }), (e) => check(e instanceof TypeError && e.message.includes('header'), e.message), JSON.stringify(headers));
    }
    const echo = `the key ${KEY} is not valid`;
    const answers = [
      [() => new Response(JSON.stringify({ error: { code: 'unauthorized', message: echo } }), { status: 401, headers: { 'x-request-id': `req-${KEY}` } }), pkg.ApiError],
      [() => new Response('', { status: 403, statusText: `Forbidden ${KEY}` }), pkg.ApiError],
      [() => new Response(JSON.stringify({ id: 'task-1', status: 'failed', error: { code: 'x', message: echo } })), pkg.TaskFailedError],
      [() => new Response(`${KEY} is no JSON`), pkg.InvalidResponseError], // JSON.parse's message quotes the text
      [() => { throw new TypeError(`Headers: Bearer ${KEY} is invalid`); }, pkg.NetworkError],
      [() => Promise.reject(new TypeError(`Headers: Bearer ${KEY} is invalid`)), pkg.NetworkError],
    ];
    for (const [answer, cls] of answers) {
      const client = new pkg.EvoLinkClient({ apiKey: KEY, baseUrl: 'http://127.0.0.1:9', maxRetries: 0, fetch: () => answer() });
      await rejects(client.waitForTask('task-1', { intervalMs: 10 }), (e) => {
        isError(e, pkg, cls);
        noKey(e, cls.name);
        if (cls !== pkg.InvalidResponseError) check(/\[redacted\]/.test(e.message + e.requestId), `${cls.name}: ${e.message}`);
      }, cls.name);
    }
    await healthy(pkg);
  }],

  ['a create member JSON cannot carry (a function, a symbol) is refused, and nothing is sent', async ({ pkg }) => {
    // It vanished from the body, and the task was created (and billed) with the defaults.
    const sent = [];
    const client = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', fetch: async (url, init) => (sent.push(init.body), new Response(TASK_TEXT)) });
    const model = 'seedance-2.0-text-to-video';
    for (const [key, value] of [['duration', Symbol('d')], ['quality', () => '720p'], ['image_urls', [Symbol('u')]], ['x_extra', { deep: () => 1 }]]) {
      await rejects(client.createVideo({ model, prompt: 'x', [key]: value }),
        (e) => check(e instanceof TypeError && e.message.includes('JSON cannot carry'), `${key}: ${e.message}`), key);
    }
    equal(sent, [], 'nothing sent');
    equal((await client.createVideo({ model, prompt: 'x', duration: undefined })).status, 'pending', 'undefined is still left out');
    equal(JSON.parse(sent[0]), { model, prompt: 'x' }, 'the body');
  }],

  ['a JSON body after a byte order mark is read', async ({ pkg }) => {
    const bom = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', fetch: async () => new Response(new TextEncoder().encode(`\ufeff${TASK_TEXT}`)) });
    equal((await bom.getTask('task-1')).status, 'pending', 'streamed');
    equal((await pkg.parseTaskCallback(`\ufeff${TASK_TEXT}`)).status, 'pending', 'a callback string');
  }],

  ['free(), a wrong this and calls after free() reject with a TypeError and never touch another client', async ({ pkg }) => {
    // Object.create(client).free() freed the client under `client`, and a method called on
    // { __wbg_ptr: 8 } read whatever memory that named (a hang, or a trap).
    const make = () => new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', fetch: async () => new Response(TASK_TEXT) });
    const isTypeError = (what) => (e) => check(e instanceof TypeError, `${what}: ${e}`);
    const client = make();
    for (let i = 0; i < 100; i++) {
      Object.create(client).free();
      await rejects(client.getTask.call(Object.create(client), 'task-1'), isTypeError('derived this'), 'derived this');
      await rejects(client.getTask.call({ __wbg_ptr: 8 }, 'task-1'), isTypeError('forged this'), 'forged this');
      await rejects(pkg.EvoLinkClient.prototype.waitForTask.call(Object.setPrototypeOf({ __wbg_ptr: 16 }, pkg.EvoLinkClient.prototype), 'task-1'), isTypeError('forged prototype'), 'forged prototype');
      throws(() => client.watchTask.call({}, 'task-1'), isTypeError('watchTask'), 'watchTask');
      const watch = client.watchTask('task-1');
      await rejects(watch.next.call({}), isTypeError('next'), 'next');
      equal((await client.getTask('task-1')).status, 'pending', 'the client is untouched');
    }
    const freed = make();
    freed.free();
    freed.free(); // a second free does nothing
    if (typeof Symbol.dispose === 'symbol') freed[Symbol.dispose]();
    await rejects(freed.getTask('task-1'), (e) => check(e instanceof TypeError && /freed/.test(e.message), e.message), 'after free');
    throws(() => freed.baseUrl, (e) => check(e instanceof TypeError && /freed/.test(e.message), e.message), 'baseUrl after free');
    equal((await client.getTask('task-1')).status, 'pending', 'the other client still works');
    await healthy(pkg);
  }],
];

/** Rejects if `promise` takes longer than `ms`, so that one stuck case fails instead of hanging. */
function withTimeout(promise, ms) {
  let timer;
  const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Runs every case against the fake server at `base`; never throws. */
export async function runSuite(pkg, base, only) {
  const results = [];
  for (const [name, run] of cases) {
    if (only && !only(name)) continue;
    const client = new pkg.EvoLinkClient({ baseUrl: base, apiKey: KEY });
    try {
      await withTimeout(run({ pkg, base, client }), 30_000);
      results.push({ name, ok: true });
    } catch (error) {
      results.push({ name, ok: false, error: String((error && error.stack) || error) });
    }
  }
  return results;
}
