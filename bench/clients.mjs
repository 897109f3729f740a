// The clients compared by bench/startup.mjs and bench/many.mjs, each behind the same small
// interface, and the in-memory fetch that plays each one's API. Importing this file loads no
// client: `load(client)` does, so a child process can time it (and a workerd bundle of this
// file takes in none of them).
//
// For each client: module → what to import in Node (workerdModule: in workerd, if different);
// create(module, fetch) → client; get(client, id) → one request; wait(client, id, intervalMs)
// → polls until done with the client's own wait (where it has one); body(id, n, done) → the
// JSON its API answers on poll n.

const BASE = 'https://api.example.test';

const evolinkBody = (id, n, done) => ({
  id, object: 'video.generation.task', created: 1756817821, model: 'seedance-2.0-text-to-video',
  status: done ? 'completed' : 'processing', progress: done ? 100 : Math.min(95, n * 20), type: 'video',
  task_info: { can_cancel: !done, video_duration: 5 },
  ...(done ? { results: [`https://cdn.example.test/${id}.mp4`], usage: { credits_used: 12 } } : {}),
});

export const clients = {
  ours: {
    label: 'evolink-tasks',
    module: '../pkg/node.mjs',
    workerdModule: '../pkg/workerd.mjs',
    create: (m, fetch) => new m.EvoLinkClient({ baseUrl: BASE, apiKey: 'k', fetch }),
    get: (c, id) => c.getTask(id),
    wait: (c, id, intervalMs) => c.waitForTask(id, { intervalMs }),
    body: evolinkBody,
  },
  // The floor of the stack (bench/floor, built into bench/floor/dist/ by bench/floor/build.mjs):
  // the least client on ours' stack, with the same entries (node.mjs → node.cjs with the wasm
  // inlined; workerd.mjs importing the wasm module).
  floor: {
    label: 'the floor of the stack (bench/floor)',
    module: './floor/dist/node.mjs',
    workerdModule: './floor/dist/workerd.mjs',
    create: (m, fetch) => new m.FloorClient(BASE, fetch),
    get: (c, id) => c.getTask(id),
    wait: (c, id, intervalMs) => c.waitForTask(id, intervalMs),
    body: evolinkBody,
  },
  hand: {
    label: 'hand-written loop',
    module: './hand/loop.mjs',
    create: (m, fetch) => m.createClient({ baseUrl: BASE, apiKey: 'k', fetch }),
    get: (c, id) => c.getTask(id),
    wait: (c, id, intervalMs) => c.waitForTask(id, { intervalMs }),
    body: evolinkBody,
  },
  replicate: {
    label: 'replicate',
    module: 'replicate',
    create: (m, fetch) => new m.default({ auth: 'k', baseUrl: `${BASE}/v1`, fetch }),
    get: (c, id) => c.predictions.get(id),
    // `wait` polls at a fixed interval (default 500 ms), starting with an immediate get.
    wait: (c, id, intervalMs) => c.wait({ id, status: 'starting' }, { interval: intervalMs }),
    body: (id, n, done) => ({
      id, model: 'owner/model', version: 'v1', status: done ? 'succeeded' : 'processing', input: { prompt: 'x' },
      output: done ? [`https://cdn.example.test/${id}.mp4`] : null, error: null, logs: '',
      created_at: '2025-09-02T12:00:00Z', urls: { get: `${BASE}/v1/predictions/${id}` },
    }),
  },
  runway: {
    label: '@runwayml/sdk',
    module: '@runwayml/sdk',
    create: (m, fetch) => new m.default({ apiKey: 'k', baseURL: BASE, fetch }),
    get: (c, id) => c.tasks.retrieve(id),
    // waitForTaskOutput: its pause is fixed at 6 s ± 1.5 s (not configurable), so `intervalMs`
    // cannot apply; its first call sends two requests back to back (the retrieve, then the loop's).
    wait: (c, id) => c.tasks.retrieve(id).waitForTaskOutput(),
    body: (id, n, done) => ({
      id, createdAt: '2025-09-02T12:00:00.000Z', status: done ? 'SUCCEEDED' : 'RUNNING',
      ...(done ? { output: [`https://cdn.example.test/${id}.mp4`] } : { progress: Math.min(0.95, n * 0.2) }),
    }),
  },
  fal: {
    label: '@fal-ai/client',
    module: '@fal-ai/client',
    create: (m, fetch) => m.createFalClient({ credentials: 'k', fetch }),
    get: (c, id) => c.queue.status('fal-ai/some-model', { requestId: id }),
    wait: (c, id, intervalMs) => c.queue.subscribeToStatus('fal-ai/some-model', { requestId: id, pollInterval: intervalMs }),
    body: (id, n, done) => ({
      status: done ? 'COMPLETED' : 'IN_PROGRESS', request_id: id,
      response_url: `https://queue.fal.run/fal-ai/some-model/requests/${id}`,
      status_url: `https://queue.fal.run/fal-ai/some-model/requests/${id}/status`,
      cancel_url: `https://queue.fal.run/fal-ai/some-model/requests/${id}/cancel`, logs: null, metrics: {},
    }),
  },
  openai: {
    label: 'openai',
    module: 'openai',
    create: (m, fetch) => new m.default({ apiKey: 'k', baseURL: `${BASE}/v1`, fetch }),
    get: (c, id) => c.videos.retrieve(id),
    wait: null, // no wait helper for videos
    body: (id, n, done) => ({
      id, object: 'video', created_at: 1756817821, model: 'sora-2', status: done ? 'completed' : 'in_progress',
      progress: done ? 100 : Math.min(95, n * 20), seconds: '4', size: '720x1280', error: null,
    }),
  },
};

/** Imports `client`'s module (in Node). */
export const load = (client) => import(client.module);

/**
 * A fetch answering from memory for `client`: the task whose id is the last path segment
 * (`…/requests/<id>/status` for fal) completes on its `completeOn`-th request; `never` ids stay
 * running. Counts every request in `stats.requests`.
 */
export function inMemoryFetch(client, { completeOn = 5 } = {}) {
  const polls = new Map();
  const stats = { requests: 0 };
  const headers = { 'content-type': 'application/json' };
  const fetch = (input) => {
    stats.requests++;
    const url = typeof input === 'string' ? input : input.url ?? String(input);
    const path = url.split('?')[0];
    const parts = path.split('/');
    const id = parts[parts.length - 1] === 'status' ? parts[parts.length - 2] : parts[parts.length - 1];
    const n = (polls.get(id) ?? 0) + 1;
    const done = n >= completeOn && !id.startsWith('never');
    if (done) polls.delete(id); else polls.set(id, n);
    return Promise.resolve(new Response(JSON.stringify(client.body(id, n, done)), { status: 200, headers }));
  };
  return { fetch, stats };
}
