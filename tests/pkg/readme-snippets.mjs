// README snippets: `node readme-snippets.mjs SCRATCH ROOT` type-checks every ```js, ```javascript,
// ```mjs, ```cjs and ```ts block of the repository README (README.md) and of the npm package's
// (src/js/README.md) as a user's module in the scratch project, against the installed package's
// declarations, with `tsc --strict --exactOptionalPropertyTypes` (plus --allowJs --checkJs).
// Each block is a test case named by its README line; a failure gives each error's README line.
// Other blocks (sh, html, rust, the layout) are skipped by their language tag alone: a js or ts
// block that does not compile is a README to fix, not a case to skip.
//
// A block becomes a module (ESM; CommonJS when it uses `require` and neither `import` nor
// `export`) that imports the package's names it uses, unless it imports the package itself.
// What the text around a block introduces is declared once in GIVEN below: nothing else.
// Prints "readme: N passed, M failed".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { report } from './report.mjs';

const [scratch, root] = process.argv.slice(2);
const READMES = ['README.md', 'src/js/README.md'];
const CHECKED = { js: '.js', javascript: '.js', mjs: '.js', cjs: '.cjs', ts: '.ts', typescript: '.ts' };

/** The values and types a snippet may use without defining them, as the README's text gives them. */
const GIVEN = `// What the README's text gives its snippets (tests/pkg/readme-snippets.mjs): nothing more.
type Pkg = typeof import('evolink-tasks');
declare const client: InstanceType<Pkg['EvoLinkClient']>;
declare const params: import('evolink-tasks').VideoParams;
declare const id: string;
declare function render(task: import('evolink-tasks').Task): void;
declare function saveOnce(task: import('evolink-tasks').Task): Promise<void>;
declare function askForAnotherPrompt(): void;
declare function askForAKey(): void;
/** Node's process.env, typed as @types/node types it. */
declare const process: { env: { [name: string]: string | undefined } };
/** Deno's npm: specifier names the same package. */
declare module 'npm:evolink-tasks' {
  export * from 'evolink-tasks';
}
`;

// The package's exported names, from its declarations: values (classes, functions) and types.
const declarations = readFileSync(join(scratch, 'node_modules/evolink-tasks/index.d.ts'), 'utf8');
const exported = (kinds) => [...declarations.matchAll(new RegExp(`^export (?:declare )?(?:${kinds}) (\\w+)`, 'gm'))].map((m) => m[1]);
const VALUES = exported('class|function|const');
const TYPES = exported('interface|type');
if (!VALUES.includes('EvoLinkClient')) throw new Error('no EvoLinkClient export found in index.d.ts');

/** Every fenced block of `file`: its language tag, the README line of its first code line, its text. */
function blocks(file) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((line, j) => j > i && /^```\s*$/.test(line));
    if (end < 0) throw new Error(`${file}:${i + 1}: unclosed code block`);
    found.push({ file, tag: open[1].split(',')[0].toLowerCase(), line: i + 2, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return found;
}

/** The module a snippet becomes: its file extension and the lines put before its code. */
function wrap({ tag, code }) {
  const uses = (name) => new RegExp(`\\b${name}\\b`).test(code);
  const importsPackage = /(['"])(npm:)?evolink-tasks(\/[\w.]*)?\1/.test(code);
  const esm = /^\s*(import|export)\s/m.test(code);
  const ext = CHECKED[tag] === '.js' && !esm && /\brequire\(/.test(code) ? '.cjs' : CHECKED[tag];
  if (importsPackage) return { ext, prefix: [] };
  const values = VALUES.filter(uses);
  const types = ext === '.ts' ? TYPES.filter(uses).map((t) => `type ${t}`) : [];
  const names = [...values, ...types];
  if (names.length === 0) return { ext, prefix: [] };
  return {
    ext,
    prefix: [ext === '.cjs'
      ? `const { ${values.join(', ')} } = require('evolink-tasks');`
      : `import { ${names.join(', ')} } from 'evolink-tasks';`],
  };
}

const dir = join(scratch, 'readme');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir);
writeFileSync(join(dir, 'given.d.ts'), GIVEN);
const snippets = [];
for (const readme of READMES) {
  for (const block of blocks(readme)) {
    if (!(block.tag in CHECKED)) continue;
    const { ext, prefix } = wrap(block);
    const name = `${readme.replace(/\W+/g, '-')}-${block.line}${ext}`;
    writeFileSync(join(dir, name), [...prefix, block.code, ''].join('\n'));
    snippets.push({ ...block, name, offset: prefix.length });
  }
}

const tsc = new URL('../../node_modules/.bin/tsc', import.meta.url).pathname;
const run = spawnSync(tsc, [
  '--noEmit', '--pretty', 'false', '--strict', '--exactOptionalPropertyTypes',
  '--allowJs', '--checkJs', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--moduleDetection', 'force',
  'given.d.ts', ...snippets.map((s) => s.name),
], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
if (run.error) throw run.error;

// Diagnostics are "file(line,col): error TSnnnn: message" with indented continuation lines.
const diagnostics = [];
for (const line of run.stdout.split('\n')) {
  const head = /^(\S.*?)\((\d+),(\d+)\): error (TS\d+: .*)$/.exec(line);
  if (head) diagnostics.push({ file: head[1], line: Number(head[2]), text: head[4] });
  else if (/^\s/.test(line) && diagnostics.length) diagnostics[diagnostics.length - 1].text += `\n${line}`;
  else if (line) diagnostics.push({ file: '', line: 0, text: line });
}

const results = snippets.map((s) => {
  const errors = diagnostics.filter((d) => d.file === s.name)
    .map((d) => `${s.file}:${s.line + d.line - 1 - s.offset}: ${d.text}`);
  return { name: `${s.file}:${s.line} (${s.tag})`, ok: errors.length === 0, error: errors.join('\n') };
});
const others = diagnostics.filter((d) => !snippets.some((s) => s.name === d.file));
results.push({
  name: 'no other tsc errors (given.d.ts, the package)',
  ok: others.length === 0 && (run.status === 0 || diagnostics.length > 0),
  error: [...others.map((d) => `${d.file}(${d.line}): ${d.text}`), run.status !== 0 && diagnostics.length === 0 ? run.stdout + run.stderr : ''].filter(Boolean).join('\n'),
});
process.exitCode = report('readme', results) ? 0 : 1;
