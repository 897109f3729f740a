// Run by run.mjs with Deno in the scratch project (package.json present, so 'evolink-tasks' comes
// from its node_modules): `deno run --allow-net=127.0.0.1 deno-check.mjs BASE`. Deno has a
// localStorage of its own, but no page: remembering is refused there too. Prints `deno-check: ok`.
import * as pkg from 'evolink-tasks';
import * as browserTasks from 'evolink-tasks/browser-tasks';
import { refusalChecks } from './refusal.mjs';

const results = await refusalChecks(pkg, browserTasks, Deno.args[0]);
for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.name}${r.ok ? '' : `\n${r.error}`}`);
if (results.every((r) => r.ok)) console.log('deno-check: ok');
