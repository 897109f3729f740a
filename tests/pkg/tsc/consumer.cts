// tsc, CJS consumer (tsc.run.mjs): `require` resolution of the types ("types" → "require" →
// index.d.cts). Type-checked only, never run.
import evolink = require('evolink-tasks');

const client = new evolink.EvoLinkClient({ apiKey: 'sk-test' });

export async function status(id: string): Promise<string> {
  try {
    const task: evolink.CompletedTask = await client.waitForTask(id, { intervalMs: 1000, signal: undefined });
    return `${task.status} ${task.results[0]}`;
  } catch (error) {
    if (error instanceof evolink.ApiError) return String(error.status);
    throw error;
  }
}

// @ts-expect-error: option names are checked
new evolink.EvoLinkClient({ apikey: 'sk-test' });
