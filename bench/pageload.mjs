// Section "Page load" (issue 23): in headless Chromium on a throttled line (CDP
// `Network.emulateNetworkConditions`: Lighthouse's "slow 4G", 150 ms round trip and 1.6 Mbit/s
// down, and a 28 ms, 5 Mbit/s line), cache off, every file gzipped, the time from navigation to
// "the app's module runs" and to "the first getTask answer", median of ROUNDS loads per page, for
// an app using the package (bench/pageload/ours.js: a module-scope client, one getTask) against
// the same app with a hand-written fetch (hand.js): unbundled (an import map to browser.mjs), in
// a Vite build, and each with the preload hints a page can add to start the wasm's download at
// once (`<link rel="modulepreload">` for the entry, `<link rel="preload" as="fetch" crossorigin>`
// for the wasm). The server (here) serves the pages gzipped and forwards /v1/ to the fake
// EvoLink server. With BENCH_PAGELOAD_BASELINE=DIR (another build's pkg/, e.g. the landed one's),
// its pages run in the same rounds, as "(baseline)". `node bench/pageload.mjs` prints this
// section alone.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchChromium } from '../scripts/chromium.mjs';
import { startFakeServer } from '../tests/fake-server/server.mjs';
import { benchDir, median, root, round, table, target } from './lib.mjs';

export const title = 'Page load: the app runs and gets its first answer, on a throttled line (Chromium)';
const ROUNDS = Number(process.env.BENCH_PAGELOAD_ROUNDS ?? 5);
const LINES = {
  'slow 4G (150 ms, 1.6 Mbit/s)': { latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 },
  'fast (28 ms, 5 Mbit/s)': { latency: 28, downloadThroughput: 5e6 / 8, uploadThroughput: 1e6 / 8 },
};
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const BASELINE = process.env.BENCH_PAGELOAD_BASELINE;
// Relative to a page (DIR/<page>/): each build's pages sit beside their own node_modules.
const ENTRY = '../node_modules/evolink-tasks/browser.mjs';
const WASM = '../node_modules/evolink-tasks/evolink_tasks.wasm';

const page = ({ app, importMap = false, hints = '' }) => `<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
${importMap ? `<script type="importmap">{ "imports": { "evolink-tasks": "${ENTRY}" } }</script>\n` : ''}${hints}<script type="module" src="./${app}"></script>
`;
const preload = (entry, wasm) => `${entry ? `<link rel="modulepreload" href="${entry}">\n` : ''}<link rel="preload" as="fetch" crossorigin href="${wasm}">\n`;

/** The pages of the build in `pkg`, in dir/: unbundled (hand/, ours/, ours-preload/) and Vite builds (vite-*). */
function buildPages(dir, pkg) {
  rmSync(dir, { recursive: true, force: true });
  const pkgDir = join(dir, 'node_modules/evolink-tasks');
  mkdirSync(pkgDir, { recursive: true });
  for (const file of readdirSync(pkg)) if (/\.(mjs|cjs|wasm|json)$/.test(file)) copyFileSync(join(pkg, file), join(pkgDir, file));
  writeFileSync(join(dir, 'package.json'), '{ "private": true, "type": "module" }\n');
  const write = (name, html, app) => {
    mkdirSync(join(dir, name), { recursive: true });
    copyFileSync(join(benchDir, 'pageload', app), join(dir, name, app));
    writeFileSync(join(dir, name, 'index.html'), html);
  };
  write('hand', page({ app: 'hand.js' }), 'hand.js');
  write('ours', page({ app: 'ours.js', importMap: true }), 'ours.js');
  write('ours-preload', page({ app: 'ours.js', importMap: true, hints: preload(ENTRY, WASM) }), 'ours.js');
  const vite = join(root, 'node_modules/.bin/vite');
  for (const [name, app] of [['vite-hand', 'hand.js'], ['vite-ours', 'ours.js']]) {
    write(`${name}-src`, page({ app }), app);
    execFileSync(vite, ['build', '--base=./', `--outDir=${join(dir, name)}`, '--emptyOutDir', '--logLevel=error'], { cwd: join(dir, `${name}-src`) });
  }
  // What a Vite app can add to its index.html: the hashed wasm's URL, preloaded.
  const wasm = readdirSync(join(dir, 'vite-ours/assets')).find((f) => f.endsWith('.wasm'));
  cpSync(join(dir, 'vite-ours'), join(dir, 'vite-ours-preload'), { recursive: true });
  const html = readFileSync(join(dir, 'vite-ours/index.html'), 'utf8');
  writeFileSync(join(dir, 'vite-ours-preload/index.html'), html.replace('<script', `${preload(null, `./assets/${wasm}`)}<script`));
}

/** Serves dir/ gzipped, never cached, and forwards /v1/ to the fake server. */
function serve(dir, fake) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname.startsWith('/v1/')) {
      const answer = await fetch(`${fake}${url.pathname}${url.search}`);
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-store' });
      return void res.end(Buffer.from(await answer.arrayBuffer()));
    }
    let file = join(dir, decodeURIComponent(url.pathname));
    if (file.endsWith('/')) file += 'index.html';
    let body;
    try {
      body = readFileSync(file);
    } catch {
      return void res.writeHead(404).end();
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-encoding': 'gzip', 'cache-control': 'no-store' });
    res.end(gzipSync(body));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function load(browser, url, line) {
  const context = await browser.newContext();
  try {
    const tab = await context.newPage();
    const cdp = await context.newCDPSession(tab);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...line });
    await tab.goto(url);
    await tab.waitForFunction(() => window.__timings, null, { timeout: 60_000, polling: 20 });
    return await tab.evaluate(() => window.__timings);
  } finally {
    await context.close();
  }
}

const PAGES = [
  ['hand-written fetch, unbundled', 'now/hand/'],
  ['evolink-tasks, unbundled', 'now/ours/'],
  ['evolink-tasks, unbundled + preload hints', 'now/ours-preload/'],
  ['hand-written fetch, Vite', 'now/vite-hand/'],
  ['evolink-tasks, Vite', 'now/vite-ours/'],
  ['evolink-tasks, Vite + wasm preload', 'now/vite-ours-preload/'],
  ...(BASELINE ? [['(baseline) evolink-tasks, unbundled', 'baseline/ours/'], ['(baseline) evolink-tasks, Vite', 'baseline/vite-ours/']] : []),
];

export async function run() {
  const dir = join(root, 'tests/artifacts/bench-pageload');
  buildPages(join(dir, 'now'), join(root, 'pkg'));
  if (BASELINE) buildPages(join(dir, 'baseline'), BASELINE);
  const fake = await startFakeServer();
  const server = await serve(dir, fake.url);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchChromium();
  const data = {};
  try {
    for (const [lineName, line] of Object.entries(LINES)) {
      const samples = Object.fromEntries(PAGES.map(([name]) => [name, []]));
      for (let i = 0; i < ROUNDS; i++) {
        for (const [name, path] of PAGES) samples[name].push(await load(browser, `${origin}/${path}`, line));
      }
      data[lineName] = Object.fromEntries(PAGES.map(([name]) => [name, {
        moduleRuns: round(median(samples[name].map((s) => s.moduleRuns)), 0),
        firstAnswer: round(median(samples[name].map((s) => s.firstAnswer)), 0),
      }]));
    }
  } finally {
    await browser.close();
    server.close();
    await fake.close();
  }
  const rows = [];
  for (const [lineName, byPage] of Object.entries(data)) {
    for (const [name] of PAGES) {
      const hand = byPage[name.includes('Vite') ? 'hand-written fetch, Vite' : 'hand-written fetch, unbundled'];
      const r = byPage[name];
      const added = (key) => (name.startsWith('hand') ? '' : `${r[key] - hand[key] < 0 ? '' : '+'}${r[key] - hand[key]}`);
      rows.push({ line: lineName, page: name, runs: r.moduleRuns, runsAdded: added('moduleRuns'), answer: r.firstAnswer, answerAdded: added('firstAnswer') });
    }
  }
  const markdown = table([
    ['line', 'line', 'l'], ['page', 'page', 'l'], ['app module runs, ms', 'runs'], ['added', 'runsAdded'],
    ['first getTask answer, ms', 'answer'], ['added', 'answerAdded'],
  ], rows);
  const slow = data['slow 4G (150 ms, 1.6 Mbit/s)'];
  const targets = [];
  for (const [ours, hand] of [['evolink-tasks, unbundled', 'hand-written fetch, unbundled'], ['evolink-tasks, Vite', 'hand-written fetch, Vite']]) {
    const runs = slow[ours].moduleRuns - slow[hand].moduleRuns;
    const answer = slow[ours].firstAnswer - slow[hand].firstAnswer;
    targets.push(target(`slow 4G, ${ours.split(', ')[1]}: the app's module runs at most 50 ms later than with a hand-written fetch`, runs <= 50, `+${runs} ms`));
    targets.push(target(`slow 4G, ${ours.split(', ')[1]}: the first answer at most 500 ms later`, answer <= 500, `+${answer} ms`));
  }
  return { markdown, targets, data };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run();
  console.log(r.markdown);
  for (const t of r.targets) console.log(`${t.pass ? 'PASS' : 'FAIL'} ${t.target} (${t.value})`);
}
