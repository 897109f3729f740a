// workerd harness, the driver: `node workerd.run.mjs SCRATCH BASE`. Bundles workerd-worker.mjs
// with esbuild the way Wrangler does (conditions workerd,worker,browser; `*.wasm` left external,
// so it must come from workerd.mjs's `import wasm from './evolink_tasks.wasm'`), then, once per
// compatibility date, serves it with `workerd serve` on a free loopback port, asks it to run the
// suite and reports "workerd-<date>: N passed, M failed".
//
// The dates: the current one (workerd.capnp's, copied to SCRATCH: its embeds are relative) and
// older ones that deployed workers still use. Before 2025-05-05 workerd has no
// FinalizationRegistry or WeakRef (an earlier build failed to load there with
// "FinalizationRegistry is not defined"); the worker says what this date has, and the report
// prints it. A date whose worker does not load or answer counts as one failure.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { report } from './report.mjs';

const [scratch, base] = process.argv.slice(2);
const bin = new URL('../../node_modules/.bin/', import.meta.url).pathname;
const OLDER_DATES = ['2023-05-18', '2024-09-23'];

execFileSync(join(bin, 'esbuild'), [
  'workerd-worker.mjs', '--bundle', '--format=esm', '--platform=neutral', '--main-fields=module,main',
  '--conditions=workerd,worker,browser', '--external:*.wasm', '--outfile=dist/worker.mjs', '--log-level=warning',
], { cwd: scratch, stdio: 'inherit' });
const bundle = readFileSync(join(scratch, 'dist/worker.mjs'), 'utf8');
if (!/from\s*"\.\/evolink_tasks\.wasm"/.test(bundle)) {
  throw new Error('the bundle does not import ./evolink_tasks.wasm: esbuild did not pick workerd.mjs');
}

const config = readFileSync(join(scratch, 'workerd.capnp'), 'utf8');
const DATE = /compatibilityDate = "(\d{4}-\d{2}-\d{2})"/;
const current = DATE.exec(config)?.[1];
if (!current) throw new Error('workerd.capnp has no compatibilityDate = "YYYY-MM-DD"');

let allPassed = true;
for (const date of [...new Set([...OLDER_DATES, current])]) {
  const file = `workerd-${date}.capnp`;
  writeFileSync(join(scratch, file), config.replace(DATE, `compatibilityDate = "${date}"`));
  let results;
  const logged = [];
  try {
    const answer = await runWorkerd(file, logged);
    console.log(`    workerd at ${date}: FinalizationRegistry ${answer.runtime.FinalizationRegistry}, WeakRef ${answer.runtime.WeakRef}`);
    results = answer.results;
  } catch (error) {
    results = [{ name: `the worker loads and answers at compatibility date ${date}`, ok: false, error: String(error.stack || error) }];
  }
  // An exception the worker did not catch (one thrown outside any request, say, by a clean-up
  // Workers refuses there) is only logged: read the log.
  const uncaught = logged.join('').match(/.*Uncaught.*/)?.[0];
  results.push({ name: 'workerd logged no uncaught exception', ok: !uncaught, error: uncaught?.slice(0, 400) });
  allPassed = report(`workerd-${date}`, results) && allPassed;
}
process.exitCode = allPassed ? 0 : 1;

/** Serves the bundle with config `file`, has it run the suite; resolves with its JSON answer.
 * What workerd prints is shown, and kept in `logged`. */
async function runWorkerd(file, logged) {
  const port = await freePort();
  const workerd = spawn(join(bin, 'workerd'), [
    'serve', file, `--socket-addr=http=127.0.0.1:${port}`,
  ], { cwd: scratch, env: { ...process.env, BASE: base }, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [workerd.stdout, workerd.stderr]) {
    stream.on('data', (chunk) => {
      logged.push(String(chunk));
      process.stderr.write(chunk);
    });
  }
  const exited = new Promise((resolve) => workerd.once('exit', (code, signal) => resolve(code ?? signal)));
  try {
    const gone = (code, why = '') => new Error(`workerd exited (${code}) before answering${why}: see its output above`);
    const response = await Promise.race([
      fetchWhenUp(`http://127.0.0.1:${port}/`).catch(async (error) => {
        // A worker that fails to load makes workerd exit: say so rather than how the fetch broke.
        const code = await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 1_000))]);
        throw code === undefined ? error : gone(code, ` (${error.message})`);
      }),
      exited.then((code) => { throw gone(code); }),
    ]);
    const text = await response.text();
    if (!response.ok) throw new Error(`workerd answered ${response.status}: ${text}`);
    return JSON.parse(text);
  } finally {
    workerd.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  }
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
