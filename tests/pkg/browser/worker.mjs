// Chromium, module Web Worker (started by index.html): the browser entry and the whole suite in
// a scope with no `window`; posts the results to the page. It starts on its own rather than on a
// message: browser.mjs's top-level await delays this module, and a message sent before its
// handler exists would be lost.
import * as pkg from '/node_modules/evolink-tasks/browser.mjs';
import { runSuite } from '/suite.mjs';

postMessage(await runSuite(pkg, location.origin));
