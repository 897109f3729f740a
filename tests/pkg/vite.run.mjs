// Chromium, Vite build harness: `node vite.run.mjs SCRATCH BASE` runs `vite build` on the scratch
// project's vite/ app (no config file: the defaults a user gets, plus a relative base), checks the
// wasm was emitted as an asset, then opens BASE/vite/dist/ in Chromium and reports.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resultsFromPage } from './chromium.mjs';
import { report } from './report.mjs';

const [scratch, base] = process.argv.slice(2);
const vite = new URL('../../node_modules/.bin/vite', import.meta.url).pathname;
const app = join(scratch, 'vite');

execFileSync(vite, ['build', '--base=./', '--outDir=dist', '--emptyOutDir', '--logLevel=warn'], { cwd: app, stdio: 'inherit' });
const assets = readdirSync(join(app, 'dist/assets'));
if (!assets.some((file) => file.endsWith('.wasm'))) throw new Error(`vite emitted no .wasm asset: ${assets.join(', ')}`);

process.exitCode = report('chromium-vite', await resultsFromPage(`${base}/vite/dist/`)) ? 0 : 1;
