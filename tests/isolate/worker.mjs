// The worker of tests/isolate: clients kept for the isolate's life, as users keep them. One client
// at module scope (created when the isolate loads, before any request) and one per Durable Object
// (created by its constructor); every request of the isolate, or of the object, shares it.
//
//   GET /wait?id=ID[&via=do][&client=module]   waitForTask(ID) → 200 {status, polls}
//   GET /get?id=ID[&via=do]                    getTask(ID)     → 200 {status}
// A failure answers 500 with the error's name and message. `via=do` serves the request in the
// Durable Object, with its own client (or the module's with `client=module`).
import { EvoLinkClient } from 'evolink-tasks';
import { BASE } from './base.mjs';

const moduleClient = new EvoLinkClient({ baseUrl: BASE });
const pace = { minIntervalMs: 100, maxIntervalMs: 200 };

async function serve(client, url) {
  const id = url.searchParams.get('id') ?? '';
  try {
    if (url.pathname === '/get') {
      const task = await client.getTask(id);
      return Response.json({ status: task.status });
    }
    if (url.pathname === '/wait') {
      let polls = 0;
      const task = await client.waitForTask(id, { ...pace, onProgress: () => { polls += 1; } });
      return Response.json({ status: task.status, polls });
    }
    return new Response('not found', { status: 404 });
  } catch (error) {
    return Response.json({ name: error?.name, message: String(error?.message ?? error) }, { status: 500 });
  }
}

export class Waiter {
  constructor() {
    this.client = new EvoLinkClient({ baseUrl: BASE });
  }

  fetch(request) {
    const url = new URL(request.url);
    return serve(url.searchParams.get('client') === 'module' ? moduleClient : this.client, url);
  }
}

export default {
  fetch(request, env) {
    const url = new URL(request.url);
    if (url.searchParams.get('via') === 'do') {
      return env.WAITER.get(env.WAITER.idFromName('one')).fetch(request);
    }
    return serve(moduleClient, url);
  },
};
