// tsc harness: `node tsc.run.mjs SCRATCH` type-checks the consumers in the scratch project's tsc/
// with `tsc --noEmit --strict --exactOptionalPropertyTypes --module nodenext --moduleResolution
// nodenext --explainFiles`: consumer.ts (ESM) must resolve index.d.ts, consumer.cts (CJS)
// index.d.cts, and neither they nor the package's declarations may have errors. Prints "tsc: N passed, M failed".
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { report } from './report.mjs';

const tsc = new URL('../../node_modules/.bin/tsc', import.meta.url).pathname;
const run = spawnSync(tsc, [
  '--noEmit', '--strict', '--exactOptionalPropertyTypes', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--explainFiles',
  'consumer.ts', 'consumer.cts',
], { cwd: join(process.argv[2], 'tsc'), encoding: 'utf8', timeout: 120_000 });
if (run.error) throw run.error;

// The output is entries, each an unindented line and its indented continuation: diagnostics
// ("file(line,col): error TSnnnn: ...") and --explainFiles' "file" + why it is in the program.
const entries = [];
for (const line of run.stdout.split('\n')) {
  if (/^\s/.test(line) && entries.length) entries[entries.length - 1] += `\n${line}`;
  else if (line) entries.push(line);
}
const diagnostics = entries.map((e) => [/^(\S.*?)\(\d+,\d+\): error TS\d+:/.exec(e)?.[1], e]).filter(([file]) => file);
const errorsIn = (test) => diagnostics.filter(([file]) => test(file)).map(([, text]) => text);
/** Whether --explainFiles says `consumer` imported the package's `declaration`. */
const resolves = (consumer, declaration) => entries.some((e) =>
  e.split('\n')[0].endsWith(`/node_modules/evolink-tasks/${declaration}`) && e.includes(`Imported via 'evolink-tasks' from file '${consumer}'`));

const check = (name, errors) => ({ name, ok: errors.length === 0, error: errors.join('\n') });
const known = (file) => file === 'consumer.ts' || file === 'consumer.cts' || file.includes('node_modules/evolink-tasks/');
const results = [
  check('consumer.ts (ESM) resolves index.d.ts', resolves('consumer.ts', 'index.d.ts') ? [] : ['index.d.ts not imported by consumer.ts']),
  check('consumer.ts (ESM) type-checks', errorsIn((f) => f === 'consumer.ts')),
  check('consumer.cts (CJS) resolves index.d.cts', resolves('consumer.cts', 'index.d.cts') ? [] : ['index.d.cts not imported by consumer.cts']),
  check('consumer.cts (CJS) type-checks', errorsIn((f) => f === 'consumer.cts')),
  check("the package's declarations type-check", errorsIn((f) => f.includes('node_modules/evolink-tasks/'))),
  check('no other tsc errors', [...errorsIn((f) => !known(f)), ...(run.status !== 0 && diagnostics.length === 0 ? [run.stdout, run.stderr] : [])]),
];
process.exitCode = report('tsc', results) ? 0 : 1;
