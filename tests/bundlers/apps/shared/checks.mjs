// What every bundled page checks (each app's main imports 'evolink-tasks' by name and hands its
// exports here): the API works as a user of that bundler gets it. `early` is what the app saw
// while its module ran: a client made at module scope, and whether the wasm was ready by then.
// Publishes [{ name, ok, error }] as window.__results (index.html of each app loads the build).
const id = (kind) => `${kind}-bundled${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

export async function runChecks(pkg, early) {
  const cases = [
    ['the module ran before the wasm was ready (importing it waits for nothing)', () => {
      check(early.wasmWasReady === false, 'the wasm was already loaded when the importing module ran: the import waited for it');
    }],
    ['a module-scope client answers getTask', async () => {
      const task = await early.client.getTask(id('ok'));
      check(task.status === 'pending', `status ${task.status}`);
    }],
    ['waitForTask resolves with the completed task', async () => {
      const task = await early.client.waitForTask(id('ok'), { intervalMs: 20 });
      check(task.status === 'completed' && Array.isArray(task.results), JSON.stringify(task));
    }],
    ['a failed task rejects with the exported TaskFailedError', async () => {
      const error = await early.client.waitForTask(id('fail'), { intervalMs: 20 }).catch((e) => e);
      check(error instanceof pkg.TaskFailedError && error instanceof pkg.EvoLinkError, `${error?.name}: ${error?.message}`);
      check(error.code === 'content_policy_violation', error.code);
    }],
    ['bad options: a TypeError, at the first call when given before the wasm was ready', async () => {
      const error = early.badClient instanceof Error ? early.badClient : await early.badClient.getTask('x').catch((e) => e);
      check(error instanceof TypeError && /baseUrl/.test(error.message), `${error?.name}: ${error?.message}`);
    }],
    ['once ready(), bad options throw at construction', async () => {
      await pkg.ready();
      let error;
      try {
        new pkg.EvoLinkClient({ baseUrl: 'ftp://127.0.0.1' });
      } catch (e) {
        error = e;
      }
      check(error instanceof TypeError, `constructed without a throw: ${error}`);
    }],
  ];
  const results = [];
  for (const [name, run] of cases) {
    try {
      await run();
      results.push({ name, ok: true });
    } catch (error) {
      results.push({ name, ok: false, error: String(error?.stack ?? error) });
    }
  }
  window.__results = results;
}

/**
 * What the app's module sees as it runs (call it at module scope, before any await); its client
 * talks to `baseUrl`, the fake server (the page's origin, unless the page is served elsewhere).
 */
export function early(pkg, baseUrl = location.origin) {
  let wasmWasReady;
  try {
    pkg.planPoll({ id: 'x', status: 'pending' });
    wasmWasReady = true;
  } catch (error) {
    wasmWasReady = error?.code === 'not_ready' ? false : String(error);
  }
  let badClient;
  try {
    badClient = new pkg.EvoLinkClient({ baseUrl: 'ftp://127.0.0.1' });
  } catch (error) {
    badClient = error;
  }
  return { wasmWasReady, badClient, client: new pkg.EvoLinkClient({ baseUrl }) };
}
