// Size entry (bench/size.mjs): the hand-written loop, used the same way.
import { createClient } from '../hand/loop.mjs';

export async function follow(id, onProgress) {
  const client = createClient({ baseUrl: '/evolink' });
  const first = await client.getTask(id);
  onProgress(first);
  return client.waitForTask(id, { onProgress });
}
