// Memory soak: after 30,000 polls of warm-up (the allocator settles), 100,000 more polls
// through a fast in-memory fetch, in waits that finish, fail, time out and get aborted; the wasm
// memory and the JS heap are compared after warm-up and at the end. Run with `node --expose-gc bench/soak.mjs [--json]` (make bench does).
const POLLS = Number(process.env.SOAK_POLLS ?? 100_000);
const WARM_UP = 30_000;
const POLLS_PER_WAIT = 50;
const CONCURRENT = 200;

// Capture the package's wasm memory and wasm-bindgen's externref table (the JS values Rust
// holds; its slots are on the JS heap): the Node entry instantiates synchronously, with
// wasm-bindgen's initSync.
const Instance = WebAssembly.Instance;
let memory;
let externrefs;
WebAssembly.Instance = function (module, imports) {
  const instance = new Instance(module, imports);
  memory ??= instance.exports.memory;
  externrefs ??= instance.exports.__wbindgen_externrefs;
  return instance;
};
const { EvoLinkClient } = await import('../pkg/node.mjs');
WebAssembly.Instance = Instance;

/** A fetch answering from memory: task `<kind>-<n>` completes (or fails) on its 50th poll. */
function inMemoryFetch() {
  const polls = new Map();
  return (url) => {
    const id = url.slice(url.lastIndexOf('/') + 1);
    const n = (polls.get(id) ?? 0) + 1;
    polls.set(id, n);
    const last = n >= POLLS_PER_WAIT;
    if (last) polls.delete(id);
    const status = !last ? 'processing' : id.startsWith('fail') ? 'failed' : 'completed';
    const body = { id, status, progress: Math.min(100, n * 2), task_info: { can_cancel: !last } };
    if (status === 'failed') body.error = { code: 'generation_timeout', message: 'too slow' };
    return Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
  };
}

const client = new EvoLinkClient({ baseUrl: 'https://api.example.test', apiKey: 'k', fetch: inMemoryFetch() });
let polls = 0;
let serial = 0;

/** One wait of one of four kinds, each making at most POLLS_PER_WAIT polls. */
async function oneWait() {
  const kind = ['ok', 'fail', 'abort', 'timeout'][serial % 4];
  const id = `${kind}-${serial++}`;
  const controller = new AbortController();
  if (kind === 'abort') setTimeout(() => controller.abort(), 5);
  const options = { intervalMs: 1, signal: controller.signal, onProgress: () => polls++ };
  if (kind === 'timeout') options.timeoutMs = 10;
  await client.waitForTask(id, options).catch(() => {});
}

async function runPolls(target) {
  while (polls < target) {
    await Promise.all(Array.from({ length: CONCURRENT }, oneWait));
  }
}

function measure() {
  globalThis.gc?.();
  return { wasmBytes: memory.buffer.byteLength, heapBytes: process.memoryUsage().heapUsed, externrefSlots: externrefs?.length ?? 0 };
}

const started = performance.now();
await runPolls(WARM_UP);
const warm = measure();
const before = polls;
await runPolls(WARM_UP + POLLS);
const end = measure();
const seconds = (performance.now() - started) / 1000;

const growth = { wasmBytes: end.wasmBytes - warm.wasmBytes, heapBytes: end.heapBytes - warm.heapBytes, externrefSlots: end.externrefSlots - warm.externrefSlots };
const pass = growth.wasmBytes === 0 && growth.heapBytes < 2 * 1024 * 1024;
const result = { polls: polls - before, warmUpPolls: before, waits: serial, seconds: +seconds.toFixed(2), warm, end, growth, pass, gc: !!globalThis.gc };
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(result));
} else {
  const kb = (b) => `${(b / 1024).toFixed(0)} KiB`;
  console.log(`Memory soak: ${polls - before} polls after ${before} of warm-up, ${serial} waits in all (${seconds.toFixed(1)} s)`);
  console.log('| | after warm-up | at the end | growth |');
  console.log('|---|---:|---:|---:|');
  console.log(`| wasm memory | ${kb(warm.wasmBytes)} | ${kb(end.wasmBytes)} | ${kb(growth.wasmBytes)} |`);
  console.log(`| JS heap used | ${kb(warm.heapBytes)} | ${kb(end.heapBytes)} | ${kb(growth.heapBytes)} |`);
  console.log(`| externref table (slots, a capacity) | ${warm.externrefSlots} | ${end.externrefSlots} | ${growth.externrefSlots} |`);
  console.log(`${pass ? 'PASS' : 'FAIL'} wasm memory flat and JS heap growth under 2 MiB after warm-up`);
}
