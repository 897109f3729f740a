// `make test-bundlers` (after `make pkg`): the packed package, installed by name, in a tiny app
// per bundler, each built with that tool's defaults (its CLI defaults; no config entry for the
// package), each page run in headless Chromium against the fake EvoLink server, and (next.mjs)
// Next.js with Turbopack and with webpack, each route hit with a real request. A build that prints
// a warning about the package or its wasm fails; so does a build that ships `Buffer`. Prints
// "<tool>: N passed, M failed" per app, the bytes each build ships, then
// "bundlers: N passed, M failed"; exits 1 on any failure.
//
// node tests/bundlers/run.mjs [--tarball FILE] [tool...]   (--tarball: test another build, e.g.
// an older release's; tools: esbuild bun rollup parcel webpack webpack-require vite next)
// The tools are pinned in tests/bundlers/package-lock.json (scripts/setup.sh installs them).
// Apps are assembled in tests/bundlers/scratch/<tool>/, below tests/bundlers/node_modules (the
// tools, React) and scratch/node_modules (the package), as in a user's project.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium } from '../../scripts/chromium.mjs';
import { startFakeServer } from '../fake-server/server.mjs';
import { report } from '../pkg/report.mjs';
import { packageWarning, resultsFromPage, runBuild, shipped } from './lib.mjs';
import { runNext } from './next.mjs';

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '../..');
const scratch = join(here, 'scratch');
const bin = (name) => join(here, 'node_modules/.bin', name);

// Each tool at its defaults, as its docs show the build command; `html`: the page loading
// dist/main.js is ours (the tool does not make one).
const TOOLS = {
  esbuild: { build: [bin('esbuild'), 'main.js', '--bundle', '--platform=browser', '--format=esm', '--outdir=dist'], html: 'module' },
  bun: { build: [bin('bun'), 'build', 'main.js', '--target=browser', '--outdir=dist'], html: 'module' },
  rollup: { build: [bin('rollup'), '-c'], html: 'module' },
  // --public-url ./: the page is served from /parcel/dist/, not from the root.
  parcel: { build: [bin('parcel'), 'build', 'index.html', '--dist-dir=dist', '--public-url=./'], html: 'source' },
  webpack: { build: [bin('webpack'), './main.js', '--mode=production', '--output-path=dist'], html: 'classic' },
  'webpack-require': { build: [bin('webpack'), './main.cjs', '--mode=production', '--output-path=dist'], html: 'classic' },
  // --base=./: as above.
  vite: { build: [bin('vite'), 'build', '--base=./', '--outDir=dist'], html: 'source' },
};

const { values, positionals } = parseArgs({ options: { tarball: { type: 'string' } }, allowPositionals: true });
const wanted = positionals.length ? positionals : [...Object.keys(TOOLS), 'next'];
for (const name of wanted) if (!TOOLS[name] && name !== 'next') throw new Error(`unknown tool ${name}`);

async function runTool(name, base, browser) {
  const tool = TOOLS[name];
  const app = join(scratch, name);
  // An app whose only files are the shared ones has no folder of its own (git keeps no empty one).
  mkdirSync(app, { recursive: true });
  if (existsSync(join(here, 'apps', name))) cpSync(join(here, 'apps', name), app, { recursive: true });
  if (!existsSync(join(app, 'main.cjs'))) cpSync(join(here, 'apps/shared/main.js'), join(app, 'main.js'));
  if (tool.html === 'source') cpSync(join(here, 'apps/shared/index.html'), join(app, 'index.html'));
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: `app-${name}`, private: true, type: 'module' }, null, 2)}\n`);
  const manifest = readFileSync(join(app, 'package.json'), 'utf8');

  const results = [];
  const started = performance.now();
  const { code, output } = await runBuild(tool.build[0], tool.build.slice(1), { cwd: app });
  const seconds = (performance.now() - started) / 1000;
  const built = code === 0;
  results.push({ name: 'builds with its defaults', ok: built, error: output.trim().split('\n').slice(-30).join('\n') });
  const warning = packageWarning(output);
  results.push({ name: 'prints no warning about the package or its wasm', ok: built && !warning, error: warning ?? 'did not build' });
  results.push({ name: "leaves the app's package.json as it was", ok: readFileSync(join(app, 'package.json'), 'utf8') === manifest, error: readFileSync(join(app, 'package.json'), 'utf8') });
  const dist = join(app, 'dist');
  const size = shipped(dist);
  const buffer = size.files.filter((f) => !f.file.endsWith('.wasm') && /\bBuffer\b/.test(readFileSync(join(dist, f.file), 'utf8')));
  results.push({ name: 'ships no Buffer', ok: built && buffer.length === 0, error: `Buffer in ${buffer.map((f) => f.file).join(', ')}` });
  if (built) {
    if (tool.html) {
      const html = readFileSync(join(here, 'apps/shared/index.html'), 'utf8');
      if (tool.html === 'module') writeFileSync(join(dist, 'index.html'), html);
      if (tool.html === 'classic') cpSync(join(app, 'index.html'), join(dist, 'index.html'));
    }
    results.push(...(await resultsFromPage(browser, `${base}/${name}/dist/index.html`)));
  }
  return { ok: report(name, results), results, size, seconds };
}

// --- main ---
const t0 = performance.now();
rmSync(scratch, { recursive: true, force: true });
// Parcel keeps its cache at the project root it finds (here, by the lockfile): a cache from an
// earlier build of the package can build a broken page, so every run starts without one.
rmSync(join(here, '.parcel-cache'), { recursive: true, force: true });
mkdirSync(scratch, { recursive: true });
let tarball = values.tarball;
if (!tarball) {
  if (!existsSync(join(root, 'pkg/evolink_tasks.wasm'))) throw new Error('pkg/ is not built: run make pkg');
  tarball = join(scratch, execFileSync('npm', ['pack', join(root, 'pkg'), '--pack-destination', scratch, '--silent'], { encoding: 'utf8' }).trim());
}
if (tarball !== join(scratch, basename(tarball))) cpSync(tarball, join(scratch, basename(tarball)));
writeFileSync(join(scratch, 'package.json'), '{ "name": "bundler-apps", "private": true }\n');
execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', `./${basename(tarball)}`], { cwd: scratch, stdio: 'inherit' });
cpSync(join(here, 'apps/shared'), join(scratch, 'shared'), { recursive: true });

const server = await startFakeServer({ staticDirs: { '/': scratch } });
const base = server.url ?? `http://127.0.0.1:${server.address().port}`;
const browser = await launchChromium();
const rows = [];
let passed = 0;
let failed = 0;
try {
  for (const name of wanted) {
    console.log(`--> ${name}`);
    const outcomes = name === 'next' ? await runNext({ scratch, here, base, browser }) : [{ name, ...(await runTool(name, base, browser)) }];
    for (const o of outcomes) {
      for (const r of o.results) (r.ok ? passed++ : failed++);
      rows.push(o);
    }
  }
} finally {
  await browser.close();
  await server.close?.();
}

const kB = (n) => (n / 1000).toFixed(1);
console.log('\nWhat each build ships (all its JS, the app\'s few lines included, and the wasm), kB raw / gzip:');
console.log('| tool | build s | JS | JS gzip | wasm | wasm gzip |\n|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  if (r.size) console.log(`| ${r.name} | ${r.seconds.toFixed(0)} | ${kB(r.size.js)} | ${kB(r.size.jsGzip)} | ${kB(r.size.wasm)} | ${kB(r.size.wasmGzip)} |`);
}
console.log(`\n--> done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
console.log(`bundlers: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
