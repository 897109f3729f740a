// Chromium, Vite build: the package as a bundler user gets it, by name ("browser" → "production"
// → browser.mjs; Vite emits the wasm its `new URL(..., import.meta.url)` points at as an asset).
// The suite runs once the wasm is ready (what the entry does before is entry-cases.mjs's, and
// tests/bundlers'). Publishes the suite's results as window.__results.
import * as pkg from 'evolink-tasks';
import { runSuite } from '../suite.mjs';

await pkg.ready();
window.__results = await runSuite(pkg, location.origin);
