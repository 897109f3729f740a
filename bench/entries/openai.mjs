// Size entry (bench/size.mjs): openai — videos.retrieve once, then a loop over videos.retrieve:
// the SDK has no wait helper for videos (its poll helpers cover vector-store files only).
import OpenAI from 'openai';

export async function follow(id, onProgress) {
  const client = new OpenAI({ apiKey: 'proxy-adds-it', baseURL: '/openai/v1', dangerouslyAllowBrowser: true });
  let video = await client.videos.retrieve(id);
  onProgress(video);
  while (video.status === 'queued' || video.status === 'in_progress') {
    await new Promise((resolve) => setTimeout(resolve, 5000));
    video = await client.videos.retrieve(id);
    onProgress(video);
  }
  if (video.status === 'failed') throw new Error(video.error?.message ?? 'video failed');
  return video;
}
