// Chromium, module Web Worker (started by index.html): the browser entry, what it promises while
// its wasm loads (entry-cases.mjs) and the whole suite in a scope with no `window`; posts the
// results to the page. It starts on its own rather than on a message, so that a message sent
// before its handler exists cannot be lost.
import * as pkg from '/node_modules/evolink-tasks/browser.mjs';
import { runSuite } from '/suite.mjs';
import { early, runEntryCases } from './entry-cases.mjs';

const seen = early(pkg);
const entry = await runEntryCases(pkg, seen);
postMessage([...entry, ...(await runSuite(pkg, location.origin))]);
