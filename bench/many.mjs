// Section "Many tasks": 10,000 concurrent waits in one Node process against an in-memory fetch,
// for our client, the floor of the stack (bench/floor: the least client on ours' stack, built by
// bench/floor/build.mjs when missing or stale), the hand-written loop and @runwayml/sdk's
// waitForTaskOutput. Each measurement
// is a fresh `node --expose-gc bench/many.mjs --child NAME PHASE` process, after a warm-up:
//   cpu: tasks complete on their 5th poll (intervalMs 50 where the client takes one); CPU time
//        (process.cpuUsage, user + system) over the run ÷ requests sent. Ours, the floor and the
//        hand loop are run CPU_ROUNDS times in rotation; the median is kept.
//   fresh: a client constructed per task (as the worker example does per request): CPU per
//        construction alone, then CPU per poll with each task waited for by a client of its own.
//   mem: tasks never complete and the pause is long (60 s; Runway's own is 6 s ± 1.5 s); once
//        every wait has made its first poll and gone quiet, gc() and (JS heap + wasm memory)
//        growth over the baseline ÷ 10,000. The JS heap is process.memoryUsage().heapUsed: it
//        holds every JS object, closure and timer, and wasm-bindgen's externref table (the JS
//        values Rust holds: 8 bytes a slot on V8's heap, checked by growing it). The wasm memory
//        is the instance's linear memory, memory.buffer.byteLength, which neither heapUsed nor
//        memoryUsage().arrayBuffers counts: it is read from the `memory` export of the instance
//        wasm-bindgen's initSync creates, caught by wrapping WebAssembly.Instance before
//        importing (as bench/soak.mjs does). The externref table's length is reported too.
// Also, per child: the in-memory fetch's own cost (fetch → Response → .json()) per request, so
// the client's share of the CPU per poll can be read off.
import { join } from 'node:path';
import { clients, inMemoryFetch, load } from './clients.mjs';
import { ensureFloor } from './floor/build.mjs';
import { benchDir, median, round, runJson, table, target } from './lib.mjs';

export const title = 'Many tasks: 10,000 concurrent waits in one process';
const TASKS = Number(process.env.BENCH_MANY_TASKS ?? 10_000);
const COMPLETE_ON = 5;
const INTERVAL_MS = 50;
const CPU_ROUNDS = Number(process.env.BENCH_MANY_ROUNDS ?? 3);
const NAMES = ['ours', 'floor', 'hand', 'runway'];
const ROTATED = ['ours', 'floor', 'hand'];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function child(name, phase) {
  const Instance = WebAssembly.Instance;
  let memory = null;
  let externrefs = null;
  WebAssembly.Instance = function (module, imports) {
    const instance = new Instance(module, imports);
    memory ??= instance.exports.memory ?? null;
    externrefs ??= instance.exports.__wbindgen_externrefs ?? null;
    return instance;
  };
  const spec = clients[name];
  const module = await load(spec);
  WebAssembly.Instance = Instance;
  const wasmBytes = () => memory?.buffer.byteLength ?? 0;
  const tableSlots = () => externrefs?.length ?? 0;
  const gc = () => { globalThis.gc(); globalThis.gc(); };

  // Warm-up: 200 waits to completion (Runway's complete on its 2nd request, before any pause).
  const warm = inMemoryFetch(spec, { completeOn: name === 'runway' ? 2 : 3 });
  const warmClient = spec.create(module, warm.fetch);
  await Promise.all(Array.from({ length: 200 }, (_, i) => spec.wait(warmClient, `task-warm-${i}`, 1)));

  const api = inMemoryFetch(spec, { completeOn: COMPLETE_ON });
  const client = spec.create(module, api.fetch);
  const result = { name };

  if (phase === 'fresh') {
    // A client per task, as the worker example builds one per request: constructing them alone
    // first (CPU per client), then each waiting for its own task (CPU per poll, constructions
    // included, as a server that builds a client per request pays them).
    gc();
    const c0 = process.cpuUsage();
    const built = Array.from({ length: TASKS }, () => spec.create(module, api.fetch));
    const c1 = process.cpuUsage(c0);
    built.length = 0;
    gc();
    const fresh = inMemoryFetch(spec, { completeOn: COMPLETE_ON });
    const cpu0 = process.cpuUsage();
    const done = await Promise.all(Array.from({ length: TASKS }, (_, i) => spec.wait(spec.create(module, fresh.fetch), `task-${i}`, INTERVAL_MS)));
    const cpu = process.cpuUsage(cpu0);
    if (done.length !== TASKS || done.some((t) => !t || !t.id)) throw new Error('a wait did not resolve with its task');
    Object.assign(result, {
      requests: fresh.stats.requests,
      constructUs: (c1.user + c1.system) / TASKS,
      cpuPerPollUs: (cpu.user + cpu.system) / fresh.stats.requests,
    });
  } else if (phase === 'cpu') {
    gc();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const done = await Promise.all(Array.from({ length: TASKS }, (_, i) => spec.wait(client, `task-${i}`, INTERVAL_MS)));
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (done.length !== TASKS || done.some((t) => !t || !t.id)) throw new Error('a wait did not resolve with its task');
    Object.assign(result, {
      requests: api.stats.requests, wallMs, cpuMs: (cpu.user + cpu.system) / 1000,
      cpuPerPollUs: (cpu.user + cpu.system) / api.stats.requests,
    });
  } else {
    const intervalMs = 60_000;
    gc();
    const before = { heap: process.memoryUsage().heapUsed, wasm: wasmBytes(), external: process.memoryUsage().external, table: tableSlots() };
    const waits = Array.from({ length: TASKS }, (_, i) => spec.wait(client, `never-${i}`, intervalMs).catch(() => {}));
    const firstPolls = name === 'runway' ? 2 * TASKS : TASKS; // Runway's first call sends two
    const deadline = performance.now() + 60_000;
    while (api.stats.requests < firstPolls && performance.now() < deadline) await sleep(5);
    // Quiet: no request for 100 ms, so every wait is in its pause.
    for (let seen = -1; seen !== api.stats.requests;) { seen = api.stats.requests; await sleep(100); }
    gc();
    const after = { heap: process.memoryUsage().heapUsed, wasm: wasmBytes(), external: process.memoryUsage().external, table: tableSlots() };
    Object.assign(result, {
      requests: api.stats.requests, pending: waits.length,
      heapPerTask: (after.heap - before.heap) / TASKS, wasmPerTask: (after.wasm - before.wasm) / TASKS,
      externalPerTask: (after.external - before.external) / TASKS,
      tableSlotsPerTask: (after.table - before.table) / TASKS, tableSlots: after.table,
      bytesPerTask: (after.heap - before.heap + after.wasm - before.wasm) / TASKS,
    });
  }

  // The in-memory API alone: the same fetch, body read with .json(), 1,000 at a time (after a
  // first, unmeasured pass).
  const alone = inMemoryFetch(spec, { completeOn: 1e9 });
  const N = 20_000;
  const pass = async () => {
    for (let b = 0; b < N; b += 1000) {
      await Promise.all(Array.from({ length: 1000 }, (_, i) => alone.fetch(`https://api.example.test/v1/tasks/task-${b + i}`).then((r) => r.json())));
    }
  };
  await pass();
  gc();
  const c0 = process.cpuUsage();
  await pass();
  const c = process.cpuUsage(c0);
  result.fakeApiPerPollUs = (c.user + c.system) / N;
  console.log(JSON.stringify(result));
  process.exit(0);
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);

const spawnChild = (name, phase) =>
  runJson(process.execPath, ['--expose-gc', join(benchDir, 'many.mjs'), '--child', name, phase], { timeoutMs: 180_000 });

export async function run() {
  await ensureFloor();
  const cpu = Object.fromEntries(NAMES.map((n) => [n, []]));
  for (let r = 0; r < CPU_ROUNDS; r++) {
    for (let i = 0; i < ROTATED.length; i++) {
      const name = ROTATED[(i + r) % ROTATED.length]; // rotate who goes first
      cpu[name].push(await spawnChild(name, 'cpu'));
    }
  }
  cpu.runway.push(await spawnChild('runway', 'cpu')); // ~20 s of wall time: its pauses are fixed at 6 s
  const mem = {};
  for (const name of NAMES) mem[name] = await spawnChild(name, 'mem');
  const fresh = {};
  for (const name of ROTATED) fresh[name] = await spawnChild(name, 'fresh');

  const rows = NAMES.map((name) => {
    const runs = cpu[name];
    const pick = (key) => median(runs.map((x) => x[key]));
    const cpuPerPollUs = pick('cpuPerPollUs');
    const fake = pick('fakeApiPerPollUs');
    return {
      name, label: clients[name].label, runs: runs.length,
      requests: runs[0].requests, requestsPerTask: runs[0].requests / TASKS,
      wallMs: round(pick('wallMs'), 0), cpuPerPollUs: round(cpuPerPollUs, 2),
      fakeApiPerPollUs: round(fake, 2), clientPerPollUs: round(cpuPerPollUs - fake, 2),
      cpuPerPollSamples: runs.map((x) => round(x.cpuPerPollUs, 2)),
      bytesPerTask: round(mem[name].bytesPerTask, 0), heapPerTask: round(mem[name].heapPerTask, 0),
      wasmPerTask: round(mem[name].wasmPerTask, 0), externalPerTask: round(mem[name].externalPerTask, 0),
      tableSlotsPerTask: round(mem[name].tableSlotsPerTask, 1), tableSlots: mem[name].tableSlots,
      freshPerPollUs: fresh[name] ? round(fresh[name].cpuPerPollUs, 2) : null,
      constructUs: fresh[name] ? round(fresh[name].constructUs, 2) : null,
    };
  });
  const ours = rows.find((r) => r.name === 'ours');
  const hand = rows.find((r) => r.name === 'hand');
  const floor = rows.find((r) => r.name === 'floor');
  const ratio = ours.cpuPerPollUs / hand.cpuPerPollUs;
  const markdown = `${TASKS} waits, tasks complete on poll ${COMPLETE_ON}, intervalMs ${INTERVAL_MS} (Runway: fixed 6 s ± 1.5 s); CPU median of ${CPU_ROUNDS} runs in rotation (Runway: 1)\n\n` + table([
    ['client', 'label', 'l'], ['requests', 'requests'], ['wall (ms)', 'wallMs'],
    ['CPU / poll (µs)', 'cpuPerPollUs'], ['× hand', (r) => (r.cpuPerPollUs / hand.cpuPerPollUs).toFixed(2)],
    ['× the floor', (r) => (r.cpuPerPollUs / floor.cpuPerPollUs).toFixed(2)],
    ['of which in-memory API (µs)', 'fakeApiPerPollUs'], ['client only (µs)', 'clientPerPollUs'],
    ['memory / waiting task (B)', 'bytesPerTask'], ['JS heap (B)', 'heapPerTask'], ['wasm (B)', 'wasmPerTask'],
    ['externref table growth / task', (r) => (r.tableSlots ? `${r.tableSlotsPerTask} slots (${r.tableSlots} in all)` : '–')],
    ['a client per task: CPU / poll (µs)', (r) => r.freshPerPollUs ?? '–'],
    ['× hand', (r) => (r.freshPerPollUs ? (r.freshPerPollUs / hand.freshPerPollUs).toFixed(2) : '–')],
    ['constructing a client (µs)', (r) => r.constructUs ?? '–'],
  ], rows);
  const freshRatio = ours.freshPerPollUs / hand.freshPerPollUs;
  return {
    markdown,
    data: { tasks: TASKS, completeOn: COMPLETE_ON, intervalMs: INTERVAL_MS, rows },
    targets: [
      target('CPU per poll within 1.3× of the hand-written loop, one shared client', ratio <= 1.3,
        `ours ${ratio.toFixed(2)}×; the floor of this stack ${(floor.cpuPerPollUs / hand.cpuPerPollUs).toFixed(2)}×`),
      target('CPU per poll within 1.3× of the hand-written loop, a client per task', freshRatio <= 1.3,
        `ours ${freshRatio.toFixed(2)}× (constructing one ${ours.constructUs} µs); the floor of this stack ${(floor.freshPerPollUs / hand.freshPerPollUs).toFixed(2)}×`),
      target('memory per waiting task under 1.5 kB (JS heap + wasm; 1 kB = 1000 B)', ours.bytesPerTask < 1500,
        `ours ${ours.bytesPerTask} B; the floor of this stack ${floor.bytesPerTask} B`),
    ],
  };
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] !== '--child') {
  const r = await run();
  console.log(r.markdown);
  for (const t of r.targets) console.log(`${t.pass ? 'PASS' : 'FAIL'} ${t.target} (${t.value})`);
}
