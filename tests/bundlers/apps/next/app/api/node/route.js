// A Route Handler on the Node.js runtime (the default).
import { EvoLinkClient, EvoLinkError } from 'evolink-tasks';

export async function GET(request) {
  const id = new URL(request.url).searchParams.get('id');
  const client = new EvoLinkClient({ baseUrl: process.env.EVOLINK_BASE_URL });
  const task = await client.getTask(id);
  const error = await client.waitForTask(`fail-${id}`, { intervalMs: 20 }).catch((e) => e);
  return Response.json({ status: task.status, failed: error instanceof EvoLinkError ? error.name : String(error) });
}
