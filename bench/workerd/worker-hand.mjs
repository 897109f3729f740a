// Start-up in workerd (bench/startup.mjs): the hand-written loop, the same request as worker-ours.mjs.
import { createClient } from '../hand/loop.mjs';

const body = JSON.stringify({ id: 'task-startup-1', object: 'video.generation.task', status: 'processing', progress: 40, task_info: { can_cancel: true } });
const fetchInMemory = () => Promise.resolve(new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }));

export default {
  async fetch() {
    const client = createClient({ baseUrl: 'https://api.example.test', apiKey: 'k', fetch: fetchInMemory });
    return Response.json(await client.getTask('task-startup-1'));
  },
};
