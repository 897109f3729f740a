// tests/isolate: clients kept for the life of a Cloudflare Workers isolate (`make test-isolate`).
// Workers gives each incoming request its own I/O context: its timers die when it ends, and a
// request may not await I/O that another request started. A client at module scope, or in a
// Durable Object, is shared by every request all the same; this checks that it keeps working.
//
// The packed package is installed by name next to worker.mjs (in tests/artifacts/isolate), bundled
// by the real `wrangler deploy --dry-run`, and served by `workerd serve` at each compatibility
// date the package supports, against the fake EvoLink server started here. For each of the
// module-scope client, the Durable Object's own client and the module-scope client used from the
// Durable Object: overlapping multi-poll waits (some on one task), then later waits one by one,
// then a request cancelled by its caller mid-wait, then more. Prints
// "isolate-<date>: N passed, M failed" per date and exits non-zero on any failure.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startFakeServer } from '../fake-server/server.mjs';
import { report } from '../pkg/report.mjs';

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '../..');
const bin = join(root, 'node_modules/.bin');
const scratch = join(root, 'tests/artifacts/isolate');
const DATES = ['2023-05-18', '2024-09-23', '2025-09-01'];


/** Installs the packed package next to the worker and bundles it as `wrangler deploy` would. */
function bundle(base) {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(join(scratch, 'logs'), { recursive: true });
  for (const file of ['worker.mjs', 'wrangler.toml', 'workerd.capnp']) copyFileSync(join(here, file), join(scratch, file));
  writeFileSync(join(scratch, 'base.mjs'), `export const BASE = ${JSON.stringify(base)};\n`);
  writeFileSync(join(scratch, 'package.json'), '{ "name": "isolate-worker", "private": true, "type": "module" }\n');
  const run = (file, args, env = {}) => execFileSync(file, args, {
    cwd: scratch, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000,
  });
  const tarball = run('npm', ['pack', process.env.PKG_DIR ?? join(root, 'pkg'), '--pack-destination', '.', '--silent']).toString().trim();
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', `./${tarball}`]);
  try {
    run(join(bin, 'wrangler'), ['deploy', '--dry-run', '--outdir', 'dist'], {
      WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', WRANGLER_HIDE_BANNER: 'true',
      XDG_CONFIG_HOME: join(scratch, '.config'), WRANGLER_LOG_PATH: join(scratch, 'logs/wrangler.log'),
    });
  } catch (error) {
    throw new Error(`wrangler deploy --dry-run failed:\n${error.stdout}${error.stderr}`);
  }
  const wasm = readdirSync(join(scratch, 'dist')).filter((f) => f.endsWith('.wasm'));
  if (wasm.length !== 1) throw new Error(`wrangler's output has not one .wasm: ${wasm}`);
  const config = readFileSync(join(scratch, 'workerd.capnp'), 'utf8').replaceAll('WASM_MODULE', wasm[0]);
  writeFileSync(join(scratch, 'workerd.capnp'), config);
}

/** Serves the bundle at compatibility date `date` and runs the cases against it. */
async function runAt(date) {
  const file = `workerd-${date}.capnp`;
  writeFileSync(join(scratch, file), readFileSync(join(scratch, 'workerd.capnp'), 'utf8').replace('"COMPATIBILITY_DATE"', `"${date}"`));
  const port = await freePort();
  const log = join(scratch, `logs/workerd-${date}.log`);
  const out = [];
  const workerd = spawn(join(bin, 'workerd'), ['serve', file, `--socket-addr=http=127.0.0.1:${port}`], {
    cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'],
  });
  workerd.stdout.on('data', (d) => out.push(d));
  workerd.stderr.on('data', (d) => out.push(d));
  const exited = new Promise((resolve) => workerd.once('exit', resolve));
  const results = [];
  try {
    const worker = `http://127.0.0.1:${port}`;
    try {
      await up(worker, exited);
    } catch (error) {
      results.push({ name: 'the worker loads and answers', ok: false, error: String(error) });
      return results;
    }
    for (const [label, query] of [['module-scope client', ''], ['Durable Object client', '&via=do'],
      ['module-scope client used in a Durable Object', '&via=do&client=module']]) {
      for (const [name, run] of CASES) {
        try {
          await run((path) => `${worker}${path}${query}`);
          results.push({ name: `${label}: ${name}`, ok: true });
        } catch (error) {
          results.push({ name: `${label}: ${name}`, ok: false, error: error.stack ?? String(error) });
        }
      }
    }
  } finally {
    workerd.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    writeFileSync(log, Buffer.concat(out));
  }
  const hung = Buffer.concat(out).toString().match(/.*(hung|different request|Disallowed operation).*/);
  results.push({
    name: 'workerd logged no hung request, no cross-request I/O and no operation refused outside a request',
    ok: !hung,
    error: hung && `workerd said: ${hung[0]} (logs/workerd-${date}.log)`,
  });
  return results;
}

const fresh = (scenario) => `${scenario}-${randomBytes(4).toString('hex')}`;

/** One request to the worker; resolves with its JSON answer, which must be a 200. */
async function ask(url, signal = AbortSignal.timeout(20_000)) {
  const response = await fetch(url, { signal });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

async function completes(url) {
  const answer = await ask(url);
  if (answer.status !== 'completed') throw new Error(`${url} answered ${JSON.stringify(answer)}`);
  return answer;
}

const CASES = [
  ['six overlapping waits of several polls each, three of them on one task', async (at) => {
    const shared = fresh('timed1');
    const ids = [fresh('ok'), fresh('ok'), fresh('ok'), shared, shared, shared];
    const answers = await Promise.all(ids.map((id) => completes(at(`/wait?id=${id}`))));
    if (answers.some((a) => a.polls < 2)) throw new Error(`a wait saw fewer than two observations: ${JSON.stringify(answers)}`);
  }],
  ['then three waits one after the other, and a get', async (at) => {
    for (let i = 0; i < 3; i++) await completes(at(`/wait?id=${fresh('ok')}`));
    await ask(at(`/get?id=${fresh('ok')}`));
  }],
  ['a request cancelled by its caller mid-wait, then overlapping and later waits', async (at) => {
    const gone = fresh('timed30');
    await ask(at(`/wait?id=${gone}`), AbortSignal.timeout(600)).then(
      () => { throw new Error('the 30 s wait answered'); },
      (error) => { if (error.name !== 'TimeoutError') throw error; },
    );
    // The cancelled wait's timer is armed; the next ones must not depend on it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await Promise.all([fresh('ok'), fresh('ok'), fresh('timed1')].map((id) => completes(at(`/wait?id=${id}`))));
    await completes(at(`/wait?id=${fresh('ok')}`));
  }],
];

async function up(url, exited) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const code = await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 100, 'running'))]);
    if (code !== 'running') throw new Error(`workerd exited (${code}) before answering`);
    try {
      await fetch(`${url}/nothing`, { signal: AbortSignal.timeout(5_000) });
      return;
    } catch (error) {
      if (error.cause?.code !== 'ECONNREFUSED') throw error;
    }
  }
  throw new Error('workerd did not start');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const fake = await startFakeServer();
let allPassed = true;
try {
  bundle(fake.url);
  for (const date of DATES) {
    const results = await runAt(date);
    allPassed = report(`isolate-${date}`, results) && allPassed;
  }
} finally {
  await fake.close();
}
process.exitCode = allPassed ? 0 : 1;
