// `make bench`: runs the benchmark sections and prints one markdown table per section, each
// target marked PASS or FAIL, then writes the same figures as JSON to bench/results/latest.json
// and bench/results/YYYY-MM-DD.json. `node bench/run.mjs [section...]` runs some sections only
// (their results replace those sections in the JSON files; the others are kept).
// Sections: schedule, realtime, size, startup, pageload, many, soak — each its own file (see SECTIONS).
// The comparison SDKs are installed into bench/node_modules by `npm ci` here when missing; the
// floor of the stack (bench/floor, the least client on ours' stack, a row of size, startup and
// many) is built into bench/floor/dist/ by bench/floor/build.mjs when missing or stale.
// Exit status: 1 if a section could not run; targets that FAIL are reported, not fatal
// (pass --strict to exit 1 on any FAIL too).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, machine, root } from './lib.mjs';

const SECTIONS = {
  schedule: { file: './schedule.mjs' },
  realtime: { file: './realtime.mjs' },
  size: { file: './size.mjs', sdks: true },
  startup: { file: './startup.mjs', sdks: true },
  pageload: { file: './pageload.mjs' },
  many: { file: './many.mjs', sdks: true },
  soak: { file: './soak-report.mjs' },
};

const args = process.argv.slice(2);
const strict = args.includes('--strict');
const asked = args.filter((a) => !a.startsWith('--'));
for (const name of asked) {
  if (!SECTIONS[name]) {
    console.error(`unknown section "${name}"; sections: ${Object.keys(SECTIONS).join(', ')}`);
    process.exit(2);
  }
}
const names = asked.length ? asked : Object.keys(SECTIONS);

function git(...a) {
  try {
    return execFileSync('git', a, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function version(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  } catch {
    return 'missing';
  }
}

/** npm ci in bench/ when bench/node_modules is missing or older than the lock file. */
function installSdks() {
  const installed = join(benchDir, 'node_modules/.package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(join(benchDir, 'package-lock.json')).mtimeMs) return;
  console.log('==> installing the comparison SDKs (npm ci in bench/)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: benchDir, stdio: 'inherit' });
}

if (!existsSync(join(root, 'pkg/evolink_tasks.wasm')) || !existsSync(join(root, 'pkg/node.mjs'))) {
  console.error('pkg/ is not built: run `make pkg` (or `make bench`, which builds it first)');
  process.exit(2);
}
if (names.some((n) => SECTIONS[n].sdks)) installSdks();

const head = git('rev-parse', '--short', 'HEAD');
const dirty = git('status', '--porcelain', '--untracked-files=no') ? '+dirty' : '';
const info = {
  ...machine(),
  commit: `${head}${dirty}`,
  esbuild: version(join(root, 'node_modules/esbuild')),
  workerd: version(join(root, 'node_modules/workerd')),
};
console.log(`# evolink-tasks benchmarks\n`);
console.log(`${info.date.slice(0, 10)} · ${info.cpu} · ${info.cores} cores · Node ${info.node} · ${info.platform} · commit ${info.commit} · esbuild ${info.esbuild} · workerd ${info.workerd}\n`);

const results = {};
let broken = false;
const started = performance.now();
for (const [i, name] of names.entries()) {
  const section = await import(SECTIONS[name].file);
  console.log(`## ${i + 1}. ${section.title}\n`);
  const t0 = performance.now();
  try {
    const r = await section.run();
    const seconds = +((performance.now() - t0) / 1000).toFixed(1);
    console.log(r.markdown);
    console.log('');
    for (const t of r.targets) console.log(`**${t.pass ? 'PASS' : 'FAIL'}** ${t.target}${t.value !== undefined ? ` (${t.value})` : ''}  `);
    console.log(`\n_(${seconds} s)_\n`);
    results[name] = { title: section.title, at: new Date().toISOString(), machine: info, seconds, targets: r.targets, data: r.data, markdown: r.markdown };
  } catch (error) {
    broken = true;
    console.log(`**ERROR** the section could not run: ${String(error?.stack ?? error).split('\n').slice(0, 6).join('\n')}\n`);
    results[name] = { title: section.title, at: new Date().toISOString(), machine: info, error: String(error?.message ?? error) };
  }
}

// Summary of every target run now.
const all = Object.entries(results).flatMap(([name, r]) => (r.targets ?? []).map((t) => ({ name, ...t })));
console.log('## Targets\n');
console.log('| section | target | value | result |\n|---|---|---|---|');
for (const t of all) console.log(`| ${t.name} | ${t.target} | ${t.value ?? ''} | ${t.pass ? 'PASS' : '**FAIL**'} |`);
for (const [name, r] of Object.entries(results)) if (r.error) console.log(`| ${name} | (section) | ${r.error.split('\n')[0]} | **ERROR** |`);
console.log(`\n${all.filter((t) => t.pass).length} passed, ${all.filter((t) => !t.pass).length} failed (${((performance.now() - started) / 1000).toFixed(0)} s)`);

// The JSON files: this run's sections replace the same sections of an earlier run.
const dir = join(benchDir, 'results');
mkdirSync(dir, { recursive: true });
for (const file of ['latest.json', `${info.date.slice(0, 10)}.json`]) {
  const path = join(dir, file);
  let previous = {};
  try {
    previous = JSON.parse(readFileSync(path, 'utf8'));
  } catch { /* first run */ }
  const merged = { machine: info, sections: { ...(previous.sections ?? {}), ...results } };
  writeFileSync(path, `${JSON.stringify(merged, null, 2)}\n`);
}
console.log(`\nwritten: bench/results/latest.json, bench/results/${info.date.slice(0, 10)}.json`);

process.exitCode = broken || (strict && all.some((t) => !t.pass)) ? 1 : 0;
