// Size entry (bench/size.mjs): replicate — predictions.get once, then the SDK's own `wait`.
import Replicate from 'replicate';

export async function follow(id, onProgress) {
  const replicate = new Replicate({ auth: 'proxy-adds-it', baseUrl: '/replicate/v1' });
  const prediction = await replicate.predictions.get(id);
  onProgress(prediction);
  return replicate.wait(prediction, { interval: 5000 }, (p) => { onProgress(p); });
}
