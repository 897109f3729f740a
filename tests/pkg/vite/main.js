// Chromium, Vite build: the package as a bundler user gets it, by name ("default" → browser.mjs;
// Vite emits the wasm its `new URL(..., import.meta.url)` points at as an asset). Publishes the
// suite's results as window.__results.
import * as pkg from 'evolink-tasks';
import { runSuite } from '../suite.mjs';

window.__results = await runSuite(pkg, location.origin);
