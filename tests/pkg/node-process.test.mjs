// Node-only checks of clean shutdown, secrecy, bundling and scale, through the installed package:
// a process whose waits were all aborted or finished exits by itself at once (no timer, socket or
// listener left behind), listeners added to a caller's signal are removed when a wait settles,
// waits sharing a signal add one listener to it (no MaxListenersExceededWarning), no inspect or
// log output shows the API key, an uncaught error prints a short readable report (not a line of
// minified source), an app bundled into one file (esbuild, as server bundlers do, $ESBUILD) works
// with no wasm file beside it, and 60,000 concurrent waits in one process end cleanly (earlier
// builds aborted V8 at 20,000 to 42,000). Run with --unhandled-rejections=strict like every suite.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { inspect } from 'node:util';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pkg from 'evolink-tasks';
import { startFakeServer } from './fake-server/server.mjs';

const KEY = 'sk-test-SECRET-4b1e77';
let server;
before(async () => {
  server = await startFakeServer();
});
after(() => server.close());

let n = 0;
const id = (kind) => `${kind}-proc${Date.now().toString(36)}${n++}`;

/** Runs `body` (an ES module's text) in a child Node; resolves with how long the child lived
 * after printing "settled", or rejects if it is still alive 10 s later. */
function exitDelayAfterSettling(body) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--unhandled-rejections=strict', '--input-type=module', '-e', body], {
      cwd: process.cwd(),
      env: { ...process.env, FAKE_URL: server.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let settledAt;
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (settledAt === undefined && out.includes('settled')) settledAt = Date.now();
    });
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running 10 s after settling; output: ${out}`));
    }, 10_000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      if (code !== 0 || settledAt === undefined) reject(new Error(`exit ${code}, output: ${out}`));
      else resolve(Date.now() - settledAt);
    });
  });
}

const prelude = `
  import { EvoLinkClient } from 'evolink-tasks';
  const client = new EvoLinkClient({ baseUrl: process.env.FAKE_URL, apiKey: 'k' });
  const id = (kind) => kind + '-' + Math.random().toString(36).slice(2);
`;

test('a process whose waits were aborted mid-sleep and mid-request exits at once', async () => {
  const delay = await exitDelayAfterSettling(`${prelude}
    const controller = new AbortController();
    const sleeping = client.waitForTask(id('ok'), { intervalMs: 3_600_000, signal: controller.signal });
    const hanging = client.waitForTask(id('hang'), { signal: controller.signal });
    const watching = (async () => { for await (const t of client.watchTask(id('ok'), { intervalMs: 3_600_000, signal: controller.signal })); })();
    setTimeout(() => controller.abort(), 300);
    const results = await Promise.allSettled([sleeping, hanging, watching]);
    if (results.some((r) => r.status !== 'rejected' || r.reason.name !== 'AbortError')) throw new Error(JSON.stringify(results));
    console.log('settled');
  `);
  assert.ok(delay < 2_000, `exited ${delay} ms after settling`);
});

test('a process whose waits finished or timed out exits at once', async () => {
  const delay = await exitDelayAfterSettling(`${prelude}
    const done = await client.waitForTask(id('ok'), { intervalMs: 10 });
    const slow = new EvoLinkClient({ baseUrl: process.env.FAKE_URL, requestTimeoutMs: 100 });
    const timedOut = await slow.getTask(id('hang')).catch((e) => e.name);
    const deadline = await client.waitForTask(id('demo'), { intervalMs: 3_600_000, timeoutMs: 200 }).catch((e) => e.name);
    if (done.status !== 'completed' || timedOut !== 'NetworkError' || deadline !== 'TimeoutError') throw new Error('unexpected');
    console.log('settled');
  `);
  assert.ok(delay < 2_000, `exited ${delay} ms after settling`);
});

test('all the waits of a client share one timer', async () => {
  const client = new pkg.EvoLinkClient({ baseUrl: server.url });
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const controller = new AbortController();
  const seen = [];
  const waits = Array.from({ length: 50 }, (_, i) =>
    client.waitForTask(id('demo'), { intervalMs: 60_000 + i, signal: controller.signal, onProgress: () => seen.push(i) }).catch((e) => e.name));
  while (seen.length < 50) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(timers() - before, 1, '50 sleeping waits hold one timer');
  controller.abort();
  assert.deepEqual(new Set(await Promise.all(waits)), new Set(['AbortError']));
  assert.equal(timers() - before, 0, 'no timer left once they are aborted');
});

test('listeners added to the caller’s signal are removed when a wait settles', async () => {
  const client = new pkg.EvoLinkClient({ baseUrl: server.url });
  const controller = new AbortController();
  const { signal } = controller;
  const during = [];
  await client.waitForTask(id('ok'), { intervalMs: 10, signal, onProgress: () => during.push(getEventListeners(signal, 'abort').length) });
  assert.ok(during.every((count) => count === 1), `one listener while waiting: ${during}`);
  assert.equal(getEventListeners(signal, 'abort').length, 0, 'after success');
  await client.waitForTask(id('fail'), { intervalMs: 10, signal }).catch(() => {});
  await client.getTask(id('e404'), { signal }).catch(() => {});
  for await (const t of client.watchTask(id('ok'), { intervalMs: 10, signal })) if (t.progress > 0) break;
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(getEventListeners(signal, 'abort').length, 0, 'after failures and a break');
});

test('fifty waits sharing one signal add one listener to it: no MaxListenersExceededWarning', async () => {
  const warnings = [];
  const onWarning = (warning) => warnings.push(warning);
  process.on('warning', onWarning);
  const client = new pkg.EvoLinkClient({ baseUrl: server.url });
  const controller = new AbortController();
  const { signal } = controller;
  const reason = new Error('the caller gave up');
  const started = new Set();
  const promises = Array.from({ length: 50 }, (_, i) =>
    client.waitForTask(id('demo'), { intervalMs: 60_000, signal, onProgress: () => started.add(i) }));
  let outcomes = Promise.allSettled(promises); // handled from the start, whatever fails below
  try {
    const deadline = Date.now() + 10_000;
    while (started.size < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(started.size, 50, 'all 50 waits saw their task within 10 s');
    const calls = [1, 2, 3].map(() => client.getTask(id('hang'), { signal })); // calls in flight share it too
    promises.push(...calls);
    outcomes = Promise.allSettled(promises);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(getEventListeners(signal, 'abort').length, 1, '50 waits and 3 calls on one signal: abort listeners');
    controller.abort(reason);
    const wrong = (await outcomes).filter((o) => o.status !== 'rejected' || o.reason !== reason);
    assert.equal(wrong.length, 0, `all reject with signal.reason; not: ${inspect(wrong.slice(0, 3))}`);
    assert.equal(getEventListeners(signal, 'abort').length, 0, 'abort listeners left once they settled');
    await new Promise((r) => setImmediate(r)); // process.emitWarning emits on the next tick
    const leaks = warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message);
    assert.deepEqual(leaks, [], 'MaxListenersExceededWarning');
  } finally {
    process.off('warning', onWarning);
    if (!signal.aborted) controller.abort(reason);
    await outcomes;
  }
});

test('inspecting the client or its errors never shows the key', async () => {
  const client = new pkg.EvoLinkClient({ baseUrl: server.url, apiKey: KEY });
  const errors = [];
  for (const kind of ['e401', 'fail', 'cdn']) {
    await client.waitForTask(id(kind), { intervalMs: 10 }).catch((e) => errors.push(e));
  }
  const closed = new pkg.EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', apiKey: KEY, maxRetries: 0 });
  await closed.waitForTask(id('ok')).catch((e) => errors.push(e));
  assert.equal(errors.length, 4);
  for (const shown of [inspect(client, { depth: 10, showHidden: true }), JSON.stringify(client), String(client),
    ...errors.map((e) => inspect(e, { depth: 10, showHidden: true }))]) {
    assert.ok(!shown.includes(KEY), `shows the key: ${shown.slice(0, 200)}`);
  }
});

/** Runs a command without blocking this process (the fake server lives here); killed after `ms`.
 * Resolves with its exit `status` (null if a signal ended it: then `signal`), outputs, and
 * `killed` (true if it was still running after `ms`). */
function run(command, args, env, ms) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const killer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, ms);
    child.on('close', (status, signal) => {
      clearTimeout(killer);
      resolve({ status, signal, stdout, stderr, killed });
    });
  });
}

/** Runs `body`, an ES module's text, in a child Node in this project ('evolink-tasks' resolves to
 * the installed package), with the fake server's URL in FAKE_URL. */
const runModule = (body, ms) => run(process.execPath, ['--input-type=module', '-e', body], { FAKE_URL: server.url }, ms);

/** What Node printed for an uncaught error: a short report naming `className` (first line of its
 * stack), no line of minified source (a minified bundle's one line is hundreds of kB). */
function assertReadableCrash({ status, stderr, killed }, className) {
  assert.ok(!killed, 'the child was still running after 10 s');
  assert.ok(status !== 0 && status !== null, `exit status ${status}: it should fail as an uncaught error does; stderr: ${stderr}`);
  const lines = stderr.trimEnd().split('\n');
  const longest = Math.max(...lines.map((line) => line.length));
  const shown = stderr.length > 2_000 ? `${stderr.slice(0, 1_000)}…` : stderr;
  assert.ok(lines.length < 40, `${lines.length} lines on stderr:\n${shown}`);
  assert.ok(Buffer.byteLength(stderr) < 4_096, `${Buffer.byteLength(stderr)} bytes on stderr:\n${shown}`);
  assert.ok(longest <= 300, `a line of ${longest} characters on stderr (minified source?):\n${shown.slice(0, 600)}`);
  assert.match(stderr, new RegExp(`^${className}: `, 'm'), `no "${className}: ..." line:\n${shown}`);
  assert.ok(!stderr.includes(KEY), 'the report shows the API key');
}

test('an uncaught rejection from the package prints a short readable report', async () => {
  assertReadableCrash(await runModule(`
    import { EvoLinkClient } from 'evolink-tasks';
    const client = new EvoLinkClient({ baseUrl: process.env.FAKE_URL, apiKey: '${KEY}' });
    await client.getTask('e401-uncaught');
  `, 10_000), 'ApiError');
});

test('an uncaught TypeError thrown by the constructor prints a short readable report', async () => {
  const crash = await runModule(`
    import { EvoLinkClient } from 'evolink-tasks';
    new EvoLinkClient({ bogus: 1, apiKey: '${KEY}' });
  `, 10_000);
  assertReadableCrash(crash, 'TypeError');
  assert.match(crash.stderr, /bogus/, 'the message names the unknown option');
});

test('an app bundled into one file for Node needs no wasm file beside it', async () => {
  const out = mkdtempSync(join(tmpdir(), 'evolink-bundle-'));
  const app = `bundle-app-${process.pid}.mjs`; // in the project, so 'evolink-tasks' resolves
  try {
    writeFileSync(app, `import { EvoLinkClient } from 'evolink-tasks';
      const client = new EvoLinkClient({ baseUrl: process.env.FAKE_URL });
      console.log((await client.getTask(process.env.TASK_ID)).id);`);
    const bundled = await run(process.env.ESBUILD, [app, '--bundle', '--platform=node', '--format=esm',
      `--outfile=${join(out, 'app.mjs')}`, '--log-level=error'], {}, 30_000);
    assert.equal(bundled.status, 0, `esbuild ($ESBUILD=${process.env.ESBUILD}): ${bundled.stderr}`);
    assert.deepEqual(readdirSync(out), ['app.mjs']);
    const taskId = id('ok');
    const ran = await run(process.execPath, [join(out, 'app.mjs')], { FAKE_URL: server.url, TASK_ID: taskId }, 10_000);
    assert.equal(ran.status, 0, `the bundled app: ${ran.stderr}`);
    assert.equal(ran.stdout.trim(), taskId);
  } finally {
    rmSync(app, { force: true });
    rmSync(out, { recursive: true, force: true });
  }
});

test('60,000 concurrent waits in one process all complete and the process ends cleanly', async () => {
  // A fetch in memory: every task completes on its 3rd poll. Started in one loop, each with its
  // own options object, as an app would. Node 20's V8 aborts ("Fatal error in , line 0 /
  // unreachable code", SIGTRAP) when it lazily deoptimizes a hot caller that inlined a call to a
  // wasm export returning an externref; here a GC that decides to pretenure the options objects
  // does it, at about 42,000 waits with the builds of 03caaf1 and cfaa655 (20,000 with another).
  // Any abort or warning shows as the exit status or on stderr. About 15 s on 2 cores.
  const WAITS = 60_000;
  const child = await runModule(`
    import { EvoLinkClient } from 'evolink-tasks';
    const polls = new Map();
    const fetch = async (url) => {
      const taskId = url.slice(url.lastIndexOf('/') + 1);
      const n = (polls.get(taskId) ?? 0) + 1;
      polls.set(taskId, n);
      const task = n >= 3 ? { id: taskId, status: 'completed', progress: 100 } : { id: taskId, status: 'processing', progress: 30 * n };
      return new Response(JSON.stringify(task), { headers: { 'content-type': 'application/json' } });
    };
    const client = new EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', fetch, maxConcurrentRequests: 1_000 });
    const started = Date.now();
    const tasks = await Promise.all(Array.from({ length: ${WAITS} }, (_, i) => client.waitForTask('ok-' + i, { intervalMs: 10 })));
    console.log(JSON.stringify({
      completed: tasks.filter((t, i) => t.status === 'completed' && t.id === 'ok-' + i).length,
      polls: [...polls.values()].reduce((a, b) => a + b, 0),
      ms: Date.now() - started,
    }));
  `, 90_000);
  assert.ok(!child.killed, `still running after 90 s; stdout: ${child.stdout.slice(0, 500)}`);
  assert.equal(child.stderr, '', `stderr (exit status ${child.status}, signal ${child.signal})`);
  assert.equal(child.status, 0, `exit status (signal ${child.signal}); stdout: ${child.stdout.slice(0, 500)}`);
  const { completed, polls } = JSON.parse(child.stdout);
  assert.equal(completed, WAITS, 'waits resolved with their own task, completed');
  assert.equal(polls, 3 * WAITS, 'three polls per task');
});

// ---- Issue 18: one bad answer never costs the process ----

/** Module text that makes the wasm instance's exports `globalThis.wasm` (for its externref
 * table and memory), then imports the package. */
const capture = `
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = function (module, imports) {
    const instance = new Instance(module, imports);
    globalThis.wasm = instance.exports;
    return instance;
  };
  const { EvoLinkClient, parseTaskCallback } = await import('evolink-tasks');
`;

test('answers that are not JSON, look-alikes and throwing getters leave nothing behind in the instance', async () => {
  // Each throw caught by wasm-bindgen's `catch` cost an externref slot it never freed: 30,000
  // getTask calls against a CDN page grew the table by 57,344 slots and the wasm memory by
  // 640 KiB; 300,000 parseTaskCallback('{bad') took 78 MiB.
  const child = await runModule(`${capture}
    const boom = () => { throw new Error('boom'); };
    const answers = [() => new Response('<html>cdn</html>'), () => Object.create(Response.prototype),
      () => Object.defineProperty(new Response('{}'), 'status', { get: boom })];
    const clients = answers.map((answer) => new EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', maxRetries: 0, fetch: async () => answer() }));
    const getter = { get signal() { return boom(); } };
    const run = async (n) => {
      for (let i = 0; i < n; i++) {
        for (const client of clients) await client.getTask('task-1').catch(() => {});
        await parseTaskCallback('{bad').catch(() => {});
        await clients[0].getTask('task-1', getter).catch(() => {});
      }
    };
    await run(1_000); // warm-up
    const table = wasm.__wbindgen_externrefs.length;
    const memory = wasm.memory.buffer.byteLength;
    await run(5_000);
    console.log(JSON.stringify({ table: wasm.__wbindgen_externrefs.length - table, memory: wasm.memory.buffer.byteLength - memory }));
  `, 120_000);
  assert.equal(child.status, 0, `exit status ${child.status}; stderr: ${child.stderr.slice(0, 800)}`);
  const grown = JSON.parse(child.stdout);
  assert.ok(grown.table <= 128, `the externref table grew by ${grown.table} slots over 25,000 failed calls`);
  assert.ok(grown.memory <= 64 * 1024, `the wasm memory grew by ${grown.memory} bytes over 25,000 failed calls`);
});

test('a pending watchTask().next() settles after the client and the iterator are garbage collected', async () => {
  // The wait's timer holds its client weakly: once the client and the iterator were collected,
  // the wait was dropped and next() never settled (a pending waitForTask did complete).
  const child = await run(process.execPath, ['--expose-gc', '--input-type=module', '-e', `
    import { EvoLinkClient } from 'evolink-tasks';
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    let polls = 0;
    const fetch = async () => new Response(JSON.stringify({ id: 'task-1', status: polls++ ? 'completed' : 'pending' }));
    let second;
    await (async () => {
      const watch = new EvoLinkClient({ baseUrl: 'http://127.0.0.1:9', fetch }).watchTask('task-1', { intervalMs: 300 });
      await watch.next();
      second = watch.next(); // sleeps 300 ms before its poll
    })();
    for (let i = 0; i < 5; i++) { gc(); await sleep(10); }
    console.log(JSON.stringify(await Promise.race([second, sleep(3_000).then(() => 'still pending')])));
  `], {}, 20_000);
  assert.equal(child.status, 0, `exit status ${child.status}; stderr: ${child.stderr.slice(0, 800)}`);
  assert.deepEqual(JSON.parse(child.stdout), { done: false, value: { id: 'task-1', status: 'completed' } });
});

// Every import the wasm declares, as the glue defines it, either catches what it runs (a
// `#[wasm_bindgen(catch)]` binding, wrapped in the glue's handleError), or is a helper of the
// snippet that catches in JS, or is listed here with why nothing from outside reaches it. A new
// import fails this test until it is one of those: a throw through the wasm breaks every client
// of the process.
const CANNOT_THROW = {
  // wasm-bindgen's own conversions and checks: typeof, ===, casts, its externref table.
  ...Object.fromEntries(['__wbindgen_bigint_get_as_i64', '__wbindgen_boolean_get', '__wbindgen_is_bigint', '__wbindgen_is_falsy',
    '__wbindgen_is_function', '__wbindgen_is_null', '__wbindgen_is_object', '__wbindgen_is_undefined', '__wbindgen_jsval_eq',
    '__wbindgen_number_get', '__wbindgen_string_get', '__wbindgen_generic', '__wbindgen_init_externref_table',
    'static_accessor_GLOBAL_THIS', 'static_accessor_GLOBAL',
    'static_accessor_SELF', 'static_accessor_WINDOW', 'static_accessor_RETURN_THIS', 'static_accessor_THROWN_MARK']
    .map((name) => [name, 'typeof, ===, a cast, instanceof inside try, or a global read'])),
  __wbindgen_jsval_loose_eq: '`== null` only (serde-wasm-bindgen), which runs no user code',
  __wbindgen_debug_string: 'Debug formatting of a JsValue: no shipped path formats one',
  __wbindgen_throw: "wasm-bindgen's own errors (a null or borrowed `this`), which the classes' guard keeps callers from",
  __wbindgen_in: 'serde-wasm-bindgen, on values JSON.parse made',
  __wbindgen_reinit: 'sets a flag of the glue (a fresh instance for the next call)',
  Error: 'Error(message)', Number: 'serde-wasm-bindgen, on values JSON.parse made', isSafeInteger: 'never coerces', is: 'Object.is',
  random: 'Math.random()', asyncIterator: 'Symbol.asyncIterator', iterator: 'Symbol.iterator', queueMicrotask: 'queueMicrotask',
  reject: 'Promise.reject()', new: 'new Array(), new TypeError(message), new Uint8Array(our copy)',
  new_typed: 'new Promise() with a closure of ours (wasm-bindgen-futures)', then: 'then() of a native promise of this realm (promiseOf makes one or checks it is one: its prototype, no own then, Promise.resolve gives it back), the futures queue',
  _wbg_cb_unref: 'a closure of ours', evolinkclient_new: 'EvoLinkClient.__wrap', taskwatch_new: 'TaskWatch.__wrap',
  abort: 'our AbortController: its event target reports a listener\'s throw, never rethrows it',
  signal: 'our AbortController', reason: 'our AbortController\'s signal',
  set_headers: 'our RequestInit', set_method: 'our RequestInit', set_signal: 'our RequestInit', set_name: 'our Error',
  set: 'an array or object of ours (js-sys, serde-wasm-bindgen)',
  hash: 'our URL', hostname: 'our URL', href: 'our URL', password: 'our URL', protocol: 'our URL', search: 'our URL', username: 'our URL',
  length: 'arrays from Object.keys/entries or JSON.parse, and our copy of a chunk',
  get_unchecked: 'arrays from Object.keys/entries or JSON.parse', get_with_ref_key: 'serde-wasm-bindgen, on values JSON.parse made or our copy of options',
  entries: 'serde-wasm-bindgen, on values JSON.parse made', isArray: 'values JSON.parse made (convert::object, serde-wasm-bindgen)',
  done: 'serde-wasm-bindgen iterating values JSON.parse made', value: 'serde-wasm-bindgen iterating values JSON.parse made',
  prototypesetcall: 'copies our own Uint8Array (sys::bytes) into the wasm memory',
  assign: 'Object.assign() of objects of ours (the request headers)', get: 'arrays from Object.keys/entries or JSON.parse',
  set_body: 'our RequestInit', clearTimeout: 'clearTimeout', now: 'Date.now()',
  resolve: 'Promise.resolve() of a value of ours (a watch step, the futures queue)',
  next: 'serde-wasm-bindgen iterating values JSON.parse made',
  // The snippet's helpers that do not need a try.
  returnThis: 'return this', thrown: 'reads a variable', reinitWith: 'stores a function', promiseOf: 'catches what its checks run; new Promise(resolve => resolve(value)): resolve never throws',
};

test('no import of the wasm can throw through it uncaught', async () => {
  const child = await runModule(`
    let declared;
    const Instance = WebAssembly.Instance;
    WebAssembly.Instance = function (module, imports) {
      // The snippet's exports: an import of the glue that only passes its arguments on to one of
      // them (converting a string) is judged by that helper's source.
      const snippet = Object.assign({}, ...Object.entries(imports).filter(([m]) => m.includes('/snippets/')).map(([, ns]) => ns));
      declared = WebAssembly.Module.imports(module).filter((i) => i.kind === 'function').map((i) => {
        let source = String(imports[i.module][i.name]);
        const helpers = [...source.matchAll(/(?<![.\\w])(\\w+)\\(/g)].map((m) => m[1]).filter((n) => typeof snippet[n] === 'function');
        if (helpers.length === 1) source = String(snippet[helpers[0]]);
        return { module: helpers.length === 1 ? 'snippet' : i.module, name: i.name, source };
      });
      return new Instance(module, imports);
    };
    await import('evolink-tasks');
    console.log(JSON.stringify(declared));
  `, 20_000);
  assert.equal(child.status, 0, child.stderr);
  const declared = JSON.parse(child.stdout);
  assert.ok(declared.length > 50, `${declared.length} imports`);
  const unsafe = declared.filter(({ module, name, source }) => {
    const base = name.replace(/^__wbg_/, '').replace(/_[0-9a-f]{16}$/, '');
    if (/^function\s*\(\)\s*\{\s*return handleError\w*\(/.test(source)) return false; // #[wasm_bindgen(catch)]
    if (/^instanceof_/.test(base) && /\btry\s*\{\s*result = arg0 instanceof /.test(source)) return false;
    const fromSnippet = module === 'snippet' || module.includes('/snippets/');
    if (fromSnippet && /\btry\s*\{[\s\S]*\bcatch\b/.test(source)) return false; // a helper that catches
    return !Object.hasOwn(CANNOT_THROW, base);
  });
  assert.deepEqual(unsafe.map(({ name, source }) => `${name}: ${source.replace(/\s+/g, ' ').slice(0, 160)}`), []);
});
