// Size entry (bench/size.mjs): @runwayml/sdk — tasks.retrieve once, then its `waitForTaskOutput`.
// (The SDK refuses to construct in a browser-like environment: this size is hypothetical.)
import RunwayML from '@runwayml/sdk';

export async function follow(id, onProgress) {
  const client = new RunwayML({ apiKey: 'proxy-adds-it', baseURL: '/runway' });
  const task = client.tasks.retrieve(id);
  onProgress(await task);
  return task.waitForTaskOutput();
}
