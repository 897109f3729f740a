// The page tests/frontend/run.mjs drives: a client (its requests tagged with `x-test: <tab>`, so the
// fake server's log says which tab polled) and a BrowserTasks over it, exposed as window.app.
// `?resume=MS` waits again on every unfinished remembered task at load, polling every MS.
import { EvoLinkClient, EvoLinkError, TaskFailedError } from 'evolink-tasks';
import { BrowserTasks } from 'evolink-tasks/browser-tasks';

const query = new URLSearchParams(location.search);
const tab = query.get('tab') ?? 'A';
const direct = new EvoLinkClient({ baseUrl: location.origin, headers: { 'x-test': tab } });
// `?lazy=MS`: a client as an entry that loads its wasm in the background makes it: its calls wait
// for the load, its `baseUrl` throws until then.
const lazyMs = query.get('lazy');
const client = lazyMs === null ? direct : loadingClient(direct, Number(lazyMs));

function loadingClient(inner, ms) {
  let loaded = false;
  const ready = new Promise((resolve) => setTimeout(resolve, ms)).then(() => (loaded = true));
  return new Proxy(inner, {
    get(target, name) {
      if (name === 'baseUrl') {
        if (!loaded) throw new EvoLinkError('client.baseUrl needs the WebAssembly, which is still loading', 'not_ready');
        return target.baseUrl;
      }
      const value = target[name];
      return typeof value === 'function' ? (...args) => ready.then(() => value.apply(target, args)) : value;
    },
  });
}
const warnings = [];
const tasks = new BrowserTasks(client, { onWarning: (w) => warnings.push({ code: w.code, message: w.message }) });
const results = {};
const progress = {};

/** Records how a wait ended, as plain data the test reads. */
function track(id, promise) {
  results[id] = { state: 'waiting' };
  return promise.then(
    (task) => {
      results[id] = { state: 'completed', status: task.status, results: task.results };
    },
    (error) => {
      results[id] = {
        state: 'failed',
        name: error?.name,
        code: error?.code,
        taskId: error?.taskId,
        evolink: error instanceof EvoLinkError,
        taskFailed: error instanceof TaskFailedError,
        taskStatus: error?.task?.status,
        message: String(error?.message ?? error),
      };
    },
  );
}

function onProgress(id) {
  return (task) => (progress[id] ??= []).push(`${task.status} ${task.progress}`);
}

window.app = {
  tab,
  tasks,
  warnings,
  results,
  progress,
  /** Creates a video task, remembered with its prompt; resolves with its id once created. */
  generate(prompt, intervalMs) {
    return new Promise((created, failed) => {
      const done = tasks.generateVideo(
        { model: 'seedance-2.0-fast-text-to-video', prompt },
        {
          intervalMs,
          remember: { data: { prompt } },
          onCreated: (task) => {
            track(task.id, done);
            created(task.id);
          },
          onProgress: (task) => onProgress(task.id)(task),
        },
      );
      done.catch(failed);
    });
  },
  wait(id, intervalMs, options = {}) {
    track(id, tasks.waitForTask(id, { intervalMs, onProgress: onProgress(id), ...options }));
  },
  list: () => tasks.list().map((r) => ({ ...r })),
};

const resume = query.get('resume');
window.app.listedAtLoad = tasks.list().length;
// The package's browser entry loads its wasm while the page starts: the remembered tasks can be
// listed once the client can name its base URL, as the README's example waits for.
await tasks.ready();
if (resume !== null) {
  for (const record of tasks.list()) {
    if (record.status !== 'completed') app.wait(record.id, Number(resume), { remember: true });
  }
}
document.getElementById('state').textContent = 'ready';
