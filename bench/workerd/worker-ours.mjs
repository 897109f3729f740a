// Start-up in workerd (bench/startup.mjs): each request imports nothing new; the first one after
// workerd starts creates the client and makes one getTask against an in-memory fetch.
import { EvoLinkClient } from '../../pkg/workerd.mjs';

const body = JSON.stringify({ id: 'task-startup-1', object: 'video.generation.task', status: 'processing', progress: 40, task_info: { can_cancel: true } });
const fetchInMemory = () => Promise.resolve(new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }));

export default {
  async fetch() {
    const client = new EvoLinkClient({ baseUrl: 'https://api.example.test', apiKey: 'k', fetch: fetchInMemory });
    return Response.json(await client.getTask('task-startup-1'));
  },
};
