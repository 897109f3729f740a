// Size entry (bench/size.mjs): the floor, the hand-written loop's getTask reading its answer
// through the wasm core (bench/hand/core-loop.mjs); its wasm is counted with it.
import { createClient } from '../hand/core-loop.mjs';

export async function follow(id, onProgress) {
  const client = createClient({ baseUrl: '/evolink' });
  const task = await client.getTask(id);
  onProgress(task);
  return task;
}
