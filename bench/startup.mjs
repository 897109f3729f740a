// Section "Start-up": in a fresh Node process, the time to import a client and get one task
// through an in-memory fetch passed in its options (median of ROUNDS processes per client, run
// round-robin so every client shares the machine's noise); and in workerd, the time from the
// first request after workerd starts to its response, for a worker that imports a client,
// creates it and makes one get (bench/workerd/worker.mjs, bundled Wrangler-style), for every
// client that runs there. The targets compare ours with replicate's SDK, the fastest-starting
// SDK measured. Ours' Node start-up is also split: the script's load, the wasm's compile and
// instantiation (timed inside WebAssembly.Module and WebAssembly.Instance), the constructor and
// the first getTask. The floor of the stack (bench/floor: the least client on ours' stack, built
// like pkg/ by bench/floor/build.mjs when missing or stale) runs as one more client, split the
// same way, and the targets say its figure next to ours. `node bench/startup.mjs` prints this
// section alone; bench/startup-child.mjs is one measured Node process.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { clients } from './clients.mjs';
import { ensureFloor } from './floor/build.mjs';
import { benchDir, median, root, round, runJson, table, target } from './lib.mjs';

export const title = 'Start-up: import + first getTask in a fresh process';
const ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 21);
const WORKERD_ROUNDS = Number(process.env.BENCH_WORKERD_ROUNDS ?? 21);
const NAMES = ['ours', 'floor', 'hand', 'replicate', 'runway', 'fal', 'openai'];

/**
 * Resolves a workerd entry's import of its wasm (pkg/workerd.mjs's, bench/floor/dist/workerd.mjs's)
 * to a wasm module beside the worker, as Wrangler does; `found` maps each name to its file.
 */
const wasmPlugin = (found) => ({
  name: 'evolink-wasm',
  setup(b) {
    b.onResolve({ filter: /\.wasm$/ }, (args) => {
      const name = basename(args.path);
      found.set(name, join(args.resolveDir, args.path));
      return { path: `./${name}`, external: true };
    });
  },
});

async function nodeRounds() {
  const samples = Object.fromEntries(NAMES.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = NAMES.map((_, i) => NAMES[(i + r) % NAMES.length]); // rotate who goes first
    for (const name of order) {
      const started = performance.now();
      const s = await runJson(process.execPath, [join(benchDir, 'startup-child.mjs'), name], { timeoutMs: 60_000 });
      s.processMs = performance.now() - started;
      samples[name].push(s);
    }
  }
  return NAMES.map((name) => {
    const m = (key) => round(median(samples[name].map((s) => s[key])), 2);
    return {
      name, label: clients[name].label, importMs: m('importMs'), firstCallMs: m('firstCallMs'), totalMs: m('totalMs'),
      constructMs: m('constructMs'), getMs: m('getMs'), wasmCompileMs: m('wasmCompileMs'), wasmInstantiateMs: m('wasmInstantiateMs'),
      scriptMs: round(median(samples[name].map((s) => s.importMs - s.wasmCompileMs - s.wasmInstantiateMs)), 2),
      sinceProcessStartMs: m('sinceProcessStartMs'), processMs: m('processMs'),
      totalMinMs: round(Math.min(...samples[name].map((s) => s.totalMs)), 2),
      totalMaxMs: round(Math.max(...samples[name].map((s) => s.totalMs)), 2),
    };
  });
}

// ---- workerd ----

const CONFIG = (wasmNames) => `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),${wasmNames.map((n) => `\n    (name = "${n}", wasm = embed "${n}"),`).join('')}
  ],
  compatibilityDate = "2025-09-01",
);
`;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port (no HTTP request is sent). */
async function listening(port, child) {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`workerd exited (${child.exitCode})`);
    const up = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error('workerd did not listen within 30 s');
}

function get(port) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => { text += d; }).on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.once('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('workerd request timed out')));
    req.end();
  });
}

async function workerdOnce(dir) {
  const port = await freePort();
  const spawned = performance.now();
  const child = spawn(join(root, 'node_modules/.bin/workerd'), ['serve', 'config.capnp', `--socket-addr=http=127.0.0.1:${port}`], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await listening(port, child);
    const listened = performance.now();
    const answer = await get(port);
    const answered = performance.now();
    if (answer.status !== 200 || !answer.text.includes('task-startup-1')) throw new Error(`workerd answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    return { firstRequestMs: answered - listened, spawnToResponseMs: answered - spawned };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  }
}

async function workerdRounds() {
  const { build } = await import('esbuild');
  const dirs = {};
  const errors = {};
  try {
    for (const name of NAMES) {
      const c = clients[name];
      const spec = c.workerdModule ?? c.module;
      const dir = mkdtempSync(join(tmpdir(), `evolink-bench-workerd-${name}-`));
      let built;
      const found = new Map();
      try {
        built = await build({
          entryPoints: [join(benchDir, 'workerd', 'worker.mjs')], outfile: join(dir, 'worker.mjs'),
          bundle: true, format: 'esm', platform: 'neutral', mainFields: ['module', 'main'],
          conditions: ['workerd', 'worker', 'browser'], plugins: [wasmPlugin(found)], logLevel: 'silent',
          absWorkingDir: benchDir, // where alias packages resolve from (bench/node_modules)
          alias: { 'bench-client': spec.startsWith('.') ? join(benchDir, spec) : spec },
          define: { CLIENT: JSON.stringify(name) }, metafile: true,
        });
      } catch (error) {
        errors[name] = `bundle: ${error?.errors?.[0]?.text ?? error}`;
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      dirs[name] = dir;
      // The worker gets each wasm module its bundle imports (ours: pkg/evolink_tasks.wasm).
      const imported = new Set(Object.values(built.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path)));
      const wasmNames = [...found.keys()].filter((n) => imported.has(`./${n}`));
      for (const n of wasmNames) copyFileSync(found.get(n), join(dir, n));
      writeFileSync(join(dir, 'config.capnp'), CONFIG(wasmNames));
    }
    const samples = Object.fromEntries(Object.keys(dirs).map((name) => [name, []]));
    for (let r = 0; r < WORKERD_ROUNDS; r++) {
      const names = Object.keys(samples);
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + r) % names.length]; // rotate who goes first
        if (errors[name]) continue;
        try {
          samples[name].push(await workerdOnce(dirs[name]));
        } catch (error) {
          errors[name] = String(error?.message ?? error).split('\n')[0];
        }
      }
    }
    return NAMES.map((name) => (errors[name] ? { name, label: clients[name].label, error: errors[name] } : {
      name, label: clients[name].label,
      firstRequestMs: round(median(samples[name].map((s) => s.firstRequestMs)), 2),
      spawnToResponseMs: round(median(samples[name].map((s) => s.spawnToResponseMs)), 1),
    }));
  } finally {
    for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  }
}

const signed = (ms) => `${ms >= 0 ? '+' : ''}${ms.toFixed(2)} ms`;

function workerdTarget(workerd) {
  const text = 'workerd: first request (import + first getTask) within 1 ms of replicate\'s (median)';
  const ours = workerd?.find((r) => r.name === 'ours');
  const replicate = workerd?.find((r) => r.name === 'replicate');
  const floor = workerd?.find((r) => r.name === 'floor');
  if (!ours || !replicate || ours.error || replicate.error) return target(text, false, 'not measured');
  const delta = ours.firstRequestMs - replicate.firstRequestMs;
  const floorText = !floor || floor.error ? `the floor of this stack not measured (${floor?.error ?? 'missing'})`
    : `the floor of this stack ${floor.firstRequestMs} ms: ${signed(floor.firstRequestMs - replicate.firstRequestMs)}`;
  return target(text, delta <= 1, `ours ${ours.firstRequestMs} ms vs replicate ${replicate.firstRequestMs} ms: ${signed(delta)}; ${floorText}`);
}

export async function run() {
  await ensureFloor();
  const node = await nodeRounds();
  let workerd;
  let workerdError;
  try {
    workerd = await workerdRounds();
  } catch (error) {
    workerdError = String(error?.stack ?? error);
  }
  const hand = node.find((r) => r.name === 'hand');
  const replicate = node.find((r) => r.name === 'replicate');
  const ours = node.find((r) => r.name === 'ours');
  const floor = node.find((r) => r.name === 'floor');
  const delta = ours.totalMs - replicate.totalMs;
  let markdown = `Node ${process.version}, median of ${ROUNDS} fresh processes per client (round-robin)\n\n` + table([
    ['client', 'label', 'l'], ['import (ms)', 'importMs'], ['construct (ms)', 'constructMs'], ['first getTask (ms)', 'getMs'],
    ['import + first call (ms)', 'totalMs'], ['min–max (ms)', (r) => `${r.totalMinMs}–${r.totalMaxMs}`],
    ['Δ vs replicate (ms)', (r) => (r.totalMs - replicate.totalMs).toFixed(2)],
    ['Δ vs hand (ms)', (r) => (r.totalMs - hand.totalMs).toFixed(2)],
    ['Δ vs the floor (ms)', (r) => (r.totalMs - floor.totalMs).toFixed(2)],
    ['process start → answer (ms)', 'sinceProcessStartMs'], ['spawn → exit (ms)', 'processMs'],
  ], node);
  markdown += `\n\nevolink-tasks and the floor of the stack in Node, split (the median of each part, so they need not add up exactly; the compile and the instantiation are timed inside WebAssembly.Module and WebAssembly.Instance, the script is the rest of the import)\n\n` + table([
    ['client', 'label', 'l'],
    ['load and run node.mjs → node.cjs (script)', 'scriptMs'], ['compile the wasm', 'wasmCompileMs'],
    ['instantiate it (with wasm-bindgen\'s start)', 'wasmInstantiateMs'], ['new client', 'constructMs'],
    ['first getTask', 'getMs'], ['total', 'totalMs'],
  ], [ours, floor]);
  if (workerd) {
    const wr = workerd.find((r) => r.name === 'replicate');
    const wh = workerd.find((r) => r.name === 'hand');
    const wf = workerd.find((r) => r.name === 'floor');
    const ran = (get) => (r) => (r.error ? '–' : get(r));
    const vs = (base) => ran((r) => (!base || base.error ? '–' : (r.firstRequestMs - base.firstRequestMs).toFixed(2)));
    markdown += `\n\nworkerd, median of ${WORKERD_ROUNDS} starts each (round-robin)\n\n` + table([
      ['worker', 'label', 'l'], ['first request → response (ms)', ran((r) => r.firstRequestMs)],
      ['Δ vs replicate (ms)', vs(wr)], ['Δ vs hand (ms)', vs(wh)], ['Δ vs the floor (ms)', vs(wf)],
      ['workerd spawn → first response (ms)', ran((r) => r.spawnToResponseMs)],
      ['not run because', (r) => r.error ?? '', 'l'],
    ], workerd);
  } else {
    markdown += `\n\nworkerd: not measured (${workerdError.split('\n')[0]})`;
  }
  return {
    markdown,
    data: { rounds: ROUNDS, node, workerdRounds: WORKERD_ROUNDS, workerd: workerd ?? null, workerdError: workerdError ?? null },
    targets: [
      target('Node: import + first getTask no slower than replicate\'s SDK (median)', delta <= 0,
        `ours ${ours.totalMs} ms vs replicate ${replicate.totalMs} ms: ${signed(delta)}; the floor of this stack ${floor.totalMs} ms: ${signed(floor.totalMs - replicate.totalMs)}`),
      workerdTarget(workerd),
    ],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run();
  console.log(r.markdown);
  for (const t of r.targets) console.log(`${t.pass ? 'PASS' : 'FAIL'} ${t.target} (${t.value})`);
}
