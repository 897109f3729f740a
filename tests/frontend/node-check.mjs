// Run by run.mjs with Node in the scratch project: `node node-check.mjs BASE` (refusal.mjs's
// checks). Prints one line per check, then `node-check: ok` when all passed.
import * as pkg from 'evolink-tasks';
import * as browserTasks from 'evolink-tasks/browser-tasks';
import { refusalChecks } from './refusal.mjs';

const results = await refusalChecks(pkg, browserTasks, process.argv[2]);
for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.name}${r.ok ? '' : `\n${r.error}`}`);
if (results.every((r) => r.ok)) console.log('node-check: ok');
