// Chromium, plain page harness: `node browser.run.mjs BASE` opens BASE/browser/ (browser/index.html
// in the scratch project, served by the fake server) and reports the page's and the worker's results.
import { resultsFromPage } from './chromium.mjs';
import { report } from './report.mjs';

const { page, worker } = await resultsFromPage(`${process.argv[2]}/browser/`);
const pageOk = report('chromium-page', page);
const workerOk = report('chromium-worker', worker);
process.exitCode = pageOk && workerOk ? 0 : 1;
