// A Server Component that awaits a task inside <Suspense>, under Cache Components, as a plain
// `fetch` would be written: the page's shell is prerendered at build time and the task read at
// request time. (The client must not read the clock before its first request: Next refuses
// `Date.now()` before uncached data while prerendering.)
import { Suspense } from 'react';
import { EvoLinkClient } from 'evolink-tasks';

async function Status() {
  const client = new EvoLinkClient({ baseUrl: process.env.EVOLINK_BASE_URL });
  const task = await client.getTask('ok-next-server');
  return <p id="status">task {task.id}: {task.status}</p>;
}

export default function ServerPage() {
  return (
    <Suspense fallback={<p>loading…</p>}>
      <Status />
    </Suspense>
  );
}
