// Size entry (bench/size.mjs): @fal-ai/client — queue.status once, subscribeToStatus (its polling
// wait), then queue.result (a completed status carries no output).
import { createFalClient } from '@fal-ai/client';

export async function follow(requestId, onProgress) {
  const fal = createFalClient({ proxyUrl: '/fal' });
  const endpoint = 'fal-ai/kling-video/v2.1/standard/text-to-video';
  onProgress(await fal.queue.status(endpoint, { requestId }));
  await fal.queue.subscribeToStatus(endpoint, { requestId, pollInterval: 5000, onQueueUpdate: onProgress });
  return fal.queue.result(endpoint, { requestId });
}
