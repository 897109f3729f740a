// What the browser entry promises while its wasm loads (issue 23): importing it waits for
// nothing, the API is there at once, a client made before the wasm is ready works once it is,
// and a wasm that cannot load is a clear error on the next call, never an unhandled rejection.
// `early(pkg)` runs at the importing module's top, before any await; `runEntryCases` after it.
// Copies of the entry whose wasm cannot load sit in missing/ (no wasm beside it: a 404) and in
// html/ (an HTML page where the wasm should be); browser.run.mjs puts them there. Runs in the
// page and in the worker; results in the suite's format.
const id = (kind) => `${kind}-entry${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
function check(condition, message) {
  if (!condition) throw new Error(message);
}
const codeOf = (fn) => {
  try {
    fn();
    return 'no throw';
  } catch (error) {
    return error?.code ?? String(error);
  }
};

export function early(pkg) {
  const client = new pkg.EvoLinkClient({ baseUrl: location.origin });
  const bad = (() => {
    try {
      return new pkg.EvoLinkClient({ baseUrl: 'ftp://127.0.0.1' });
    } catch (error) {
      return error;
    }
  })();
  return {
    client,
    bad,
    planPoll: codeOf(() => pkg.planPoll({ id: 'x', status: 'pending' })),
    baseUrl: codeOf(() => client.baseUrl),
    watch: client.watchTask(id('ok'), { intervalMs: 20 }),
    failed: new pkg.TaskFailedError('m', 'c', { id: 'x', status: 'failed' }),
  };
}

const unhandled = [];
globalThis.addEventListener('unhandledrejection', (event) => unhandled.push(String(event.reason?.message ?? event.reason)));

/** Imports a copy of the entry whose wasm cannot load; resolves with { pkg, failure }. */
async function broken(dir) {
  const pkg = await import(new URL(`./${dir}/browser.mjs`, import.meta.url));
  const failure = await pkg.ready().then(() => undefined, (e) => e);
  return { pkg, failure };
}

export async function runEntryCases(pkg, seen) {
  const cases = [
    ['the importing module ran before the wasm was ready', () => {
      check(seen.planPoll === 'not_ready', `planPoll at module scope: ${seen.planPoll}`);
      check(seen.baseUrl === 'not_ready', `client.baseUrl at module scope: ${seen.baseUrl}`);
    }],
    ['the error classes work before the wasm is ready', () => {
      check(seen.failed instanceof pkg.TaskFailedError && seen.failed instanceof pkg.EvoLinkError && seen.failed instanceof Error, 'instanceof');
      check(seen.failed.name === 'TaskFailedError' && seen.failed.code === 'c', `${seen.failed.name} ${seen.failed.code}`);
    }],
    ['a client made before the wasm was ready answers once it is', async () => {
      const task = await seen.client.getTask(id('ok'));
      check(task.status === 'pending', task.status);
      check(seen.client instanceof pkg.EvoLinkClient, 'instanceof EvoLinkClient');
      check(seen.client.baseUrl === location.origin, `baseUrl ${seen.client.baseUrl}`);
    }],
    ['a watch started before the wasm was ready runs to the end', async () => {
      const statuses = [];
      for await (const task of seen.watch) statuses.push(task.status);
      check(statuses.at(-1) === 'completed', statuses.join(' '));
    }],
    ['bad options given before the wasm was ready reject the first call (and the next)', async () => {
      check(seen.bad instanceof pkg.EvoLinkClient, `the constructor threw: ${seen.bad}`);
      for (const call of [() => seen.bad.getTask('x'), () => seen.bad.waitForTask('x')]) {
        const error = await call().then(() => 'resolved', (e) => e);
        check(error instanceof TypeError && /baseUrl/.test(error.message), `${error?.name}: ${error?.message ?? error}`);
      }
    }],
    ['once ready() resolved, bad options throw at construction and planPoll answers', async () => {
      await pkg.ready();
      check(codeOf(() => new pkg.EvoLinkClient({ baseUrl: 'ftp://127.0.0.1' })) !== 'no throw', 'no throw');
      check(pkg.planPoll({ id: 'x', status: 'pending' }).delayMs > 0, 'planPoll');
    }],
    ['a wasm answered by a 404: ready() and every call reject naming the URL, the status and the fix', async () => {
      const { pkg: lost, failure } = await broken('missing');
      check(failure instanceof lost.EvoLinkError && failure.code === 'wasm_unavailable', `${failure?.name} ${failure?.code}: ${failure?.message}`);
      check(failure.message.includes(new URL('./missing/evolink_tasks.wasm', import.meta.url).href), failure.message);
      check(failure.message.includes('HTTP 404') && failure.message.includes("'evolink-tasks/inline'"), failure.message);
      const client = new lost.EvoLinkClient({ baseUrl: location.origin });
      check((await client.getTask('x').catch((e) => e)) === failure, 'getTask rejects with the load failure');
      check((await lost.parseTaskCallback('{}').catch((e) => e)) === failure, 'parseTaskCallback rejects with it');
      check(codeOf(() => lost.planPoll({ id: 'x', status: 'pending' })) === 'wasm_unavailable', 'planPoll throws it');
    }],
    ['a wasm answered by an HTML page: a clear error, not a compile error', async () => {
      const { pkg: lost, failure } = await broken('html');
      check(failure instanceof lost.EvoLinkError && failure.code === 'wasm_unavailable', `${failure?.name} ${failure?.code}: ${failure?.message}`);
      check(/HTTP 200/.test(failure.message) && failure.message.includes("'evolink-tasks/inline'"), failure.message);
      check(failure.cause instanceof WebAssembly.CompileError, `cause: ${failure.cause}`);
    }],
    ['a wasm that fails to load is never an unhandled rejection', async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      check(unhandled.length === 0, unhandled.join('\n'));
    }],
  ];
  const results = [];
  for (const [name, run] of cases) {
    try {
      await run();
      results.push({ name: `entry: ${name}`, ok: true });
    } catch (error) {
      results.push({ name: `entry: ${name}`, ok: false, error: String(error?.stack ?? error) });
    }
  }
  return results;
}
