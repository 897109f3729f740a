// workerd harness, the driver: `node workerd.run.mjs SCRATCH BASE`. Bundles workerd-worker.mjs
// with esbuild the way Wrangler does (conditions workerd,worker,browser; `*.wasm` left external,
// so it must come from workerd.mjs's `import wasm from './evolink_tasks.wasm'`), serves it with
// `workerd serve workerd.capnp` (copied to SCRATCH: its embeds are relative) on a free loopback
// port, asks it to run the suite and reports.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { report } from './report.mjs';

const [scratch, base] = process.argv.slice(2);
const bin = new URL('../../node_modules/.bin/', import.meta.url).pathname;

execFileSync(join(bin, 'esbuild'), [
  'workerd-worker.mjs', '--bundle', '--format=esm', '--platform=neutral', '--main-fields=module,main',
  '--conditions=workerd,worker,browser', '--external:*.wasm', '--outfile=dist/worker.mjs', '--log-level=warning',
], { cwd: scratch, stdio: 'inherit' });
const bundle = readFileSync(join(scratch, 'dist/worker.mjs'), 'utf8');
if (!/from\s*"\.\/evolink_tasks\.wasm"/.test(bundle)) {
  throw new Error('the bundle does not import ./evolink_tasks.wasm: esbuild did not pick workerd.mjs');
}

const port = await freePort();
const workerd = spawn(join(bin, 'workerd'), [
  'serve', 'workerd.capnp', `--socket-addr=http=127.0.0.1:${port}`,
], { cwd: scratch, env: { ...process.env, BASE: base }, stdio: ['ignore', 'inherit', 'inherit'] });
const exited = new Promise((resolve) => workerd.once('exit', (code, signal) => resolve(code ?? signal)));
try {
  const response = await Promise.race([
    fetchWhenUp(`http://127.0.0.1:${port}/`),
    exited.then((code) => { throw new Error(`workerd exited (${code}) before answering`); }),
  ]);
  const text = await response.text();
  if (!response.ok) throw new Error(`workerd answered ${response.status}: ${text}`);
  process.exitCode = report('workerd', JSON.parse(text)) ? 0 : 1;
} finally {
  workerd.kill('SIGTERM');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Fetches `url`, retrying while nothing listens yet (workerd takes a moment to start). */
async function fetchWhenUp(url) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url, { signal: AbortSignal.timeout(120_000) });
    } catch (error) {
      if (attempt >= 100 || error.cause?.code !== 'ECONNREFUSED') throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
