// Chromium, plain page harness: `node browser.run.mjs BASE`, from the scratch project, opens
// BASE/browser/ (browser/index.html there, served by the fake server) and reports the page's and
// the worker's results. First it puts beside it two copies of the browser entry whose wasm cannot
// load (entry-cases.mjs): browser/missing/ (no wasm: a 404) and browser/html/ (an HTML page).
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { resultsFromPage } from './chromium.mjs';
import { report } from './report.mjs';

for (const dir of ['browser/missing', 'browser/html']) {
  mkdirSync(dir, { recursive: true });
  copyFileSync('node_modules/evolink-tasks/browser.mjs', `${dir}/browser.mjs`);
}
writeFileSync('browser/html/evolink_tasks.wasm', '<!doctype html><title>Not found</title><p>An app shell served for every path.\n');

const { page, worker } = await resultsFromPage(`${process.argv[2]}/browser/`);
const pageOk = report('chromium-page', page);
const workerOk = report('chromium-worker', worker);
process.exitCode = pageOk && workerOk ? 0 : 1;
