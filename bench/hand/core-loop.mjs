// The floor (bench/startup.mjs, bench/size.mjs): the hand-written loop's getTask
// (bench/hand/loop.mjs) doing the least that the issues ask of this project's getTask: a
// request deadline that aborts the request, the body read under the 1 MiB limit, and the
// answer read by the wasm core. It uses the package's own pieces for the last two
// (src/js/transport.js, src/js/core.js) and none of its shell (no option checks, no
// scheduler). What it costs over the plain loop, no JavaScript shell on this core can save.
// It needs a bundler for its wasm import, as the package's entries do: the bench bundles it as
// pkg/node.mjs is built (wasm inlined) and as pkg/workerd.mjs is (a wasm module).
import wasm from '../../pkg/evolink_tasks.wasm';
import { init, readAnswer } from '../../src/js/core.js';
import { MAX_BODY_BYTES, readText } from '../../src/js/transport.js';

init(wasm instanceof WebAssembly.Module ? wasm : new WebAssembly.Module(wasm));

export function createClient({ apiKey, baseUrl = 'https://api.evolink.ai', fetch = globalThis.fetch } = {}) {
  const headers = apiKey ? { Authorization: `Bearer ${apiKey}` } : {};

  async function getTask(id) {
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(), 30_000);
    try {
      const url = `${baseUrl}/v1/tasks/${encodeURIComponent(id)}`;
      const response = await fetch(url, { headers, signal: controller.signal });
      const text = (await readText(response, MAX_BODY_BYTES)) ?? undefined;
      const retryAfter = response.headers.get('retry-after') ?? undefined;
      const record = readAnswer(response.status, response.statusText, retryAfter, text);
      if (record !== undefined) throw new Error(JSON.parse(record).message);
      return JSON.parse(text);
    } finally {
      clearTimeout(deadline);
    }
  }

  return { getTask };
}
