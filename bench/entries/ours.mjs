// Size entry (bench/size.mjs): what a page needs to follow one task with evolink-tasks.
import { EvoLinkClient } from '../../pkg/browser.mjs';

export async function follow(id, onProgress) {
  const client = new EvoLinkClient({ baseUrl: '/evolink' });
  const first = await client.getTask(id);
  onProgress(first);
  return client.waitForTask(id, { onProgress });
}
