// Cases that only a page can show: a relative baseUrl resolved against the page, the slow pace
// of a hidden tab, and an immediate poll when the tab is shown again or the network comes back.
// Run by index.html after the shared suite; results in the suite's format.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let n = 0;
const id = (kind) => `${kind}-page${Date.now().toString(36)}${n++}`;
const requests = async (taskId) => (await fetch(`/__requests?id=${taskId}`)).json();
function check(condition, message) {
  if (!condition) throw new Error(message);
}

let hidden = false;
Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
function setHidden(value) {
  hidden = value;
  document.dispatchEvent(new Event('visibilitychange'));
}

/** Starts a wait; resolves with `{ done }` (the wait's promise) once the first observation
 * arrived. (Resolving with the promise itself would wait for the whole wait.) */
async function started(client, taskId, options) {
  let first;
  const seen = new Promise((resolve) => (first = resolve));
  const done = client.waitForTask(taskId, { ...options, onProgress: () => first() });
  await seen;
  return { done };
}

const cases = [
  ['a relative baseUrl resolves against the page', async ({ EvoLinkClient }) => {
    const client = new EvoLinkClient({ baseUrl: '/' });
    check(client.baseUrl === location.origin, `baseUrl ${client.baseUrl}`);
    const task = await client.getTask(id('ok'));
    check(task.status === 'pending', task.status);
  }],

  ['a hidden tab polls at maxIntervalMs and at once when shown again', async ({ EvoLinkClient }) => {
    const client = new EvoLinkClient({ baseUrl: location.origin });
    const taskId = id('ok');
    setHidden(true);
    try {
      const { done } = await started(client, taskId, { intervalMs: 50, maxIntervalMs: 60_000 });
      await sleep(400);
      check((await requests(taskId)).length === 1, 'no poll while hidden');
      const shown = Date.now();
      setHidden(false);
      await sleep(100);
      check((await requests(taskId)).length >= 2, 'polled as soon as the tab was shown');
      hidden = false;
      const task = await done;
      check(task.status === 'completed', task.status);
      check(Date.now() - shown < 5_000, 'completed at the normal pace once visible');
    } finally {
      hidden = false;
    }
  }],

  ['a hidden tab still keeps timeoutMs', async ({ EvoLinkClient }) => {
    const client = new EvoLinkClient({ baseUrl: location.origin });
    setHidden(true);
    try {
      const started = Date.now();
      const error = await client.waitForTask(id('demo'), { timeoutMs: 300 }).catch((e) => e);
      check(error.name === 'TimeoutError', `${error.name}: ${error.message}`);
      check(Date.now() - started < 2_000, `timed out after ${Date.now() - started} ms, not at the hidden pace`);
    } finally {
      hidden = false;
    }
  }],

  ['the network coming back triggers a poll at once', async ({ EvoLinkClient }) => {
    const client = new EvoLinkClient({ baseUrl: location.origin });
    const taskId = id('ok');
    const controller = new AbortController();
    const { done } = await started(client, taskId, { intervalMs: 60_000, signal: controller.signal });
    window.dispatchEvent(new Event('online'));
    await sleep(150);
    check((await requests(taskId)).length === 2, 'polled when the network came back');
    controller.abort();
    await done.catch(() => {});
  }],
];

/** Rejects if `promise` takes longer than `ms`, so that one stuck case fails instead of hanging. */
function withTimeout(promise, ms) {
  let timer;
  const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export async function runPageCases(pkg) {
  const results = [];
  for (const [name, run] of cases) {
    try {
      await withTimeout(run(pkg), 30_000);
      results.push({ name, ok: true });
    } catch (error) {
      results.push({ name, ok: false, error: String(error?.stack ?? error) });
    }
  }
  return results;
}
