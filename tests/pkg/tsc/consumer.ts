// tsc, ESM consumer (tsc.run.mjs): the public API as a TypeScript user writes it, checked against
// index.d.ts ("types" → "default"). Each @ts-expect-error line must be an error, which proves the
// types are not `any`. Type-checked only, never run.
import { ApiError, EvoLinkClient, EvoLinkError, TaskFailedError, TimeoutError, planPoll, ready } from 'evolink-tasks';
import type { ClientOptions, CompletedTask, PollState, Task, TaskStatus } from 'evolink-tasks';

const options: ClientOptions = {
  apiKey: 'sk-test',
  baseUrl: 'http://127.0.0.1:8787',
  headers: { 'x-request-source': 'consumer' },
  requestTimeoutMs: 10_000,
  maxRetries: 2,
  maxConcurrentRequests: 4,
  fetch: (input, init) => fetch(input, init),
};
const client = new EvoLinkClient(options);
const url: string = client.baseUrl;

// @ts-expect-error: option names are checked (apikey is not apiKey)
new EvoLinkClient({ apikey: 'sk-test' });
// @ts-expect-error: option types are checked
new EvoLinkClient({ maxRetries: '3' });

// exactOptionalPropertyTypes: an option may be given as undefined (the runtime reads it as left
// out), as `process.env.X` gives it; null is refused at runtime, and so it is here.
declare const fromEnv: string | undefined;
new EvoLinkClient({ apiKey: fromEnv, baseUrl: fromEnv, maxRetries: undefined });
// @ts-expect-error: null is not undefined
new EvoLinkClient({ apiKey: null });

export async function use(id: string, signal: AbortSignal): Promise<string> {
  const pending: Promise<Task> = client.getTask(id);
  const task = await pending;
  const progress: number | undefined = task.progress;
  // @ts-expect-error: progress is a number, not a string
  const wrong: string = task.progress;

  const onProgress = (t: Task): void => console.log(t.status, t.progress);
  const done: CompletedTask = await client.waitForTask(id, { intervalMs: 1000, timeoutMs: 60_000, signal, onProgress });
  // A completed task has its results; an observation may not.
  const first: string = done.results[0];
  // @ts-expect-error: a completed task's status is "completed"
  const notCompleted: 'failed' = done.status;
  // @ts-expect-error: results are strings, not any
  const notAString: number = done.results[0];
  // @ts-expect-error: an observation's results may be absent
  const maybe: string[] = task.results;
  const observed: Task = done;
  void [first, notCompleted, notAString, maybe, observed];
  await client.waitForTask(id, { minIntervalMs: 2000, maxIntervalMs: 20_000 });
  const created: Task = await client.createVideo({ model: 'seedance-2.0-text-to-video', prompt: 'a fox', duration: 5, quality: '720p' });
  // @ts-expect-error: quality is one of the documented values
  await client.createVideo({ model: 'seedance-2.0-text-to-video', prompt: 'a fox', quality: '4k' });
  void created;
  await client.waitForTask(id, { onProgress: (t) => console.log(t.id.toUpperCase()) });
  // @ts-expect-error: onProgress is called with a Task
  await client.waitForTask(id, { onProgress: (t: number) => t });
  // @ts-expect-error: wait option names are checked (interval is not intervalMs)
  await client.waitForTask(id, { interval: 5 });

  for await (const observed of client.watchTask(id, { intervalMs: 500, signal })) {
    const status: TaskStatus = observed.status;
    if (status === 'completed') break;
  }

  try {
    await client.getTask(id, { signal });
  } catch (error) {
    if (error instanceof ApiError) {
      const status: number = error.status;
      const code: string = error.code;
      return `${status} ${code}`;
    }
    if (error instanceof TaskFailedError) {
      const failed: Task = error.task;
      // @ts-expect-error: only ApiError has a status
      error.status;
      return failed.id;
    }
    if (error instanceof TimeoutError) return error.task?.status ?? 'no observation';
    if (error instanceof EvoLinkError) return error.code;
    throw error;
  }

  const known: TaskStatus = 'processing';
  const unknown: TaskStatus = 'queued_for_review';
  // @ts-expect-error: a status is a string
  const notAStatus: TaskStatus = 42;
  return [url, progress, wrong, done.status, known, unknown, notAStatus].join();
}

/** planPoll: a pure pace for durable schedulers; its state goes back in as it came out. */
export function plan(task: Task, stored?: PollState): number | null {
  const first = planPoll(task);
  const next = planPoll(task, stored ?? first.state, { nowMs: Date.now(), minIntervalMs: 500 });
  // @ts-expect-error: the delay may be null (the task ended)
  const ms: number = next.delayMs;
  return ms ?? next.delayMs;
}

/** Issue 12's API: onCreated and taskId, getCredits, allowInsecureHttp, retryAfterMs/requestId. */
export async function firstHour(): Promise<string> {
  const proxied = new EvoLinkClient({ baseUrl: 'http://evolink-proxy:8080' });
  const insecure = new EvoLinkClient({ apiKey: 'k', baseUrl: 'http://10.0.0.2', allowInsecureHttp: true });
  let kept: string | undefined;
  try {
    const image: CompletedTask = await proxied.generateImage({ model: 'gpt-image-1', prompt: 'a fox' }, { onCreated: (t) => { kept = t.id; } });
    const song = await proxied.generateAudio({ model: 'suno-v5', prompt: 'a song', callback_url: undefined });
    const video = await proxied.generateVideo({ model: 'seedance-2.0-text-to-video', prompt: 'a fox', duration: undefined }, { signal: undefined });
    // @ts-expect-error: a completed task's results are not optional numbers
    const urls: number[] | undefined = video.results;
    return [image.results[0], song.results[0], video.results[0], urls].join();
  } catch (error) {
    if (error instanceof ApiError) {
      const wait: number | undefined = error.retryAfterMs;
      const support: string | undefined = error.requestId;
      return `${wait} ${support}`;
    }
    if (error instanceof EvoLinkError && (error.taskId ?? kept) !== undefined) {
      return (await insecure.waitForTask(error.taskId ?? kept ?? '')).id;
    }
    throw error;
  } finally {
    const credits = await proxied.getCredits();
    // @ts-expect-error: credits are an object, not a number
    const n: number = credits;
    void n;
  }
}

// ready(): a promise of nothing, to await before planPoll or client.baseUrl in a page.
const loaded: Promise<void> = ready();
