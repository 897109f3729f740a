// Section "Polling in real time": the built package (pkg/, as bench/ loads it) against the fake
// server, in real time: TASKS tasks of 60–90 s created with `[as:timed<s>]` (pending for the
// first tenth, then progress rising linearly, `estimated_time` exact), all at once, each policy
// on tasks of its own, with the default adaptive pace and with a fixed 5 s; the oracle would ask once, at
// completion. Requests are counted through the client's `fetch` option; the delay is from the
// task's completion (its creation, as the create's answer arrived, plus s) to the wait's end.
// About 95 s of wall time, mostly idle. `node bench/realtime.mjs [TASKS]` alone (REALTIME_TASKS,
// default 24; REALTIME_SECONDS=lo-hi for other durations).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { root, round, table, target } from './lib.mjs';

export const title = 'Polling in real time: the packed package against the fake server (tasks of 60–90 s)';

async function startServer() {
  const child = spawn(process.execPath, [join(root, 'tests/fake-server/server.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  for await (const chunk of child.stdout) {
    out += chunk;
    const m = /^listening (\S+)/m.exec(out);
    if (m) return { base: m[1], child };
  }
  throw new Error(`the fake server did not start: ${out}`);
}

function summarise(runs) {
  const delays = runs.map((r) => r.delayMs / 1000).sort((a, b) => a - b);
  return {
    requests: runs.reduce((s, r) => s + r.requests, 0) / runs.length,
    mean: delays.reduce((s, d) => s + d, 0) / delays.length,
    p95: delays[Math.min(delays.length - 1, Math.floor(delays.length * 0.95))],
  };
}

export async function run(count = Number(process.env.REALTIME_TASKS ?? 24)) {
  const { EvoLinkClient } = await import(join(root, 'pkg/node.mjs'));
  const { base, child } = await startServer();
  try {
    const one = async (seconds, waitOptions) => {
      let requests = 0;
      const fetch = (input, init) => {
        if ((init?.method ?? 'GET') === 'GET') requests += 1;
        return globalThis.fetch(input, init);
      };
      const client = new EvoLinkClient({ apiKey: 'sk-bench', baseUrl: base, fetch });
      let doneAt;
      await client.generateVideo(
        { model: 'seedance-2.0-text-to-video', prompt: `[as:timed${seconds}] bench` },
        { ...waitOptions, onCreated: () => (doneAt = performance.now() + seconds * 1000) },
      );
      return { requests: requests + 1, delayMs: performance.now() - doneAt }; // + the create's answer, the first observation
    };
    const [lo, hi] = (process.env.REALTIME_SECONDS ?? '60-90').split('-').map(Number);
    const seconds = Array.from({ length: count }, (_, i) => lo + Math.round(((hi - lo) * i) / Math.max(1, count - 1)));
    const [adaptive, fixed] = await Promise.all([
      Promise.all(seconds.map((s) => one(s, {}))),
      Promise.all(seconds.map((s) => one(s, { intervalMs: 5000 }))),
    ]);
    const a = summarise(adaptive);
    const f = summarise(fixed);
    const rows = [
      ['**evolink-tasks adaptive (default)**', a],
      ['fixed 5 s (EvoLink docs)', f],
      ['oracle (one request at completion)', { requests: 1, mean: 0, p95: 0 }],
    ].map(([name, r]) => ({ name, requests: round(r.requests, 1), ratio: `${round(r.requests / f.requests, 2)}×`, mean: `${round(r.mean, 2)} s`, p95: `${round(r.p95, 2)} s` }));
    return {
      markdown: `${count} tasks of ${lo}–${hi} s at once, each policy on tasks of its own (the create's answer counts as the first request)\n\n${table([['policy', 'name', 'l'], ['requests / task', 'requests'], ['× fixed 5 s', 'ratio'], ['mean detection delay', 'mean'], ['p95 detection delay', 'p95']], rows)}`,
      data: { tasks: count, adaptive: a, fixed5: f },
      targets: [target('(a) in real time: ≤ 5 requests per task, mean delay ≤ 1.5 s', a.requests <= 5 && a.mean <= 1.5, `${round(a.requests, 1)} requests, ${round(a.mean, 2)} s`)],
    };
  } finally {
    child.kill();
    await once(child, 'exit');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run(process.argv[2] ? Number(process.argv[2]) : undefined);
  console.log(r.markdown);
  for (const t of r.targets) console.log(`${t.pass ? 'PASS' : 'FAIL'} ${t.target} (${t.value})`);
}
