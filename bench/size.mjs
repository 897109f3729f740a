// Section "Size": the bytes a browser downloads to follow one task, brotli (quality 11) and gzip
// (level 9). Ours is pkg/evolink_tasks.wasm + pkg/browser.mjs as published (the target), and
// also bundled from bench/entries/ours.mjs like the others. Each comparison is an entry in
// bench/entries/ (create the client, get once, wait with the SDK's own helper) bundled with
// esbuild --bundle --minify --format=esm --platform=browser. The floor (bench/entries/floor.mjs)
// is the hand-written loop's getTask reading answers through the wasm core: no client on this
// core can be smaller. `node bench/size.mjs` prints it alone.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { benchDir, root, table, target } from './lib.mjs';

export const title = 'Size: what a browser downloads to follow a task';
const BUDGET = 16_000; // bytes: 16 kB, read strictly
const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;

const COMPARED = [
  { name: 'evolink-tasks (bundled entry)', entry: 'ours.mjs', wasm: true },
  { name: 'hand-written loop', entry: 'hand.mjs' },
  { name: 'hand-written loop + the wasm core (floor)', entry: 'floor.mjs', wasm: true },
  { name: 'replicate', entry: 'replicate.mjs', pkg: 'replicate' },
  { name: '@runwayml/sdk', entry: 'runway.mjs', pkg: '@runwayml/sdk' },
  { name: '@fal-ai/client', entry: 'fal.mjs', pkg: '@fal-ai/client' },
  { name: 'openai', entry: 'openai.mjs', pkg: 'openai' },
];

function sizes(buffers) {
  const sum = (f) => buffers.reduce((n, b) => n + f(b), 0);
  return {
    raw: sum((b) => b.length),
    gzip: sum((b) => gzipSync(b, { level: 9 }).length),
    brotli: sum((b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length),
  };
}

function version(pkg) {
  if (!pkg) return '';
  return JSON.parse(readFileSync(join(benchDir, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

/** The biggest inputs of a bundle, by bytes in the minified output, grouped by package or folder. */
function contents(metafile) {
  const groups = new Map();
  for (const output of Object.values(metafile.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(file);
      const key = m ? `${m[1]}/${m[2].replace(/\.[cm]?js$/, '')}` : relative(root, join(root, 'bench', file)).replace(/^bench\/\.\.\//, '');
      groups.set(key, (groups.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...groups].sort((a, b) => b[1] - a[1]).map(([file, bytes]) => ({ file, bytes }));
}

export async function run() {
  const wasm = readFileSync(join(root, 'pkg/evolink_tasks.wasm'));
  const browser = readFileSync(join(root, 'pkg/browser.mjs'));
  const rows = [{ name: 'evolink-tasks (pkg: wasm + browser.mjs)', version: 'this', ...sizes([wasm, browser]), wasmBrotli: sizes([wasm]).brotli, contains: [] }];

  const out = mkdtempSync(join(tmpdir(), 'evolink-bench-size-'));
  try {
    for (const c of COMPARED) {
      const outfile = join(out, c.entry.replace('.mjs', '.js'));
      const result = await build({
        entryPoints: [join(benchDir, 'entries', c.entry)],
        outfile, bundle: true, minify: true, format: 'esm', platform: 'browser',
        metafile: true, logLevel: 'error', absWorkingDir: benchDir, external: ['*.wasm'],
      });
      const js = readFileSync(outfile);
      const files = c.wasm ? [js, wasm] : [js];
      rows.push({ name: c.name, entry: c.entry, version: c.wasm ? 'this' : version(c.pkg) || '-', ...sizes(files), jsBytes: js.length, contains: contents(result.metafile).slice(0, 8) });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }

  const hand = rows.find((r) => r.name === 'hand-written loop');
  const ours = rows[0];
  const top = (r) => r.contains.slice(0, 3).map((c) => `${c.file} ${(c.bytes / 1024).toFixed(1)}K`).join(', ');
  const markdown = table([
    ['client', 'name', 'l'], ['version', 'version', 'l'],
    ['raw', (r) => kB(r.raw)], ['gzip -9', (r) => kB(r.gzip)], ['brotli 11', (r) => kB(r.brotli)],
    ['× hand (brotli)', (r) => (r.brotli / hand.brotli).toFixed(1)],
    ['largest inputs (minified bytes)', top, 'l'],
  ], rows);
  const note = `Ours, brotli: wasm ${kB(ours.wasmBrotli)} + JS ${kB(ours.brotli - ours.wasmBrotli)} (${ours.brotli} bytes). 1 kB = 1000 bytes.`;
  return {
    markdown: `${markdown}\n\n${note}`,
    data: { rows, budgetBrotliBytes: BUDGET },
    targets: [target('evolink-tasks pkg (wasm + browser.mjs) < 16 kB brotli', ours.brotli < BUDGET,
      `${ours.brotli} bytes; the floor alone: ${rows.find((r) => r.entry === 'floor.mjs').brotli} bytes`)],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run();
  console.log(r.markdown);
  for (const t of r.targets) console.log(`${t.pass ? 'PASS' : 'FAIL'} ${t.target} (${t.value})`);
}
