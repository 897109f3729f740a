// Assembles the npm package in pkg/ from wasm-bindgen's output in build/glue/ (run by `make pkg`):
// bundles each runtime entry of src/js/entries/ with the glue, writes the type declarations,
// copies the README, and checks that pkg/package.json carries the crate's version.
import { build } from 'esbuild';
import { copyFileSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const glueDir = join(root, 'build/glue');
const pkgDir = join(root, 'pkg');

function findSnippet() {
  const snippets = join(glueDir, 'snippets');
  for (const dir of readdirSync(snippets)) {
    const file = join(snippets, dir, 'src/js/glue.js');
    if (existsSync(file)) return file;
  }
  throw new Error('wasm-bindgen output has no src/js/glue.js snippet');
}

const alias = {
  'evolink-glue': join(glueDir, 'evolink_tasks.js'),
  // The same file the glue imports, so the error classes thrown and exported are one.
  'evolink-errors': findSnippet(),
};

const entries = [
  { file: 'browser.mjs', format: 'esm', platform: 'browser' },
  { file: 'node.mjs', format: 'esm', platform: 'node' },
  { file: 'node.cjs', format: 'cjs', platform: 'node' },
  { file: 'workerd.mjs', format: 'esm', platform: 'neutral' },
];

for (const { file, format, platform } of entries) {
  await build({
    entryPoints: [join(root, 'src/js/entries', file)],
    outfile: join(pkgDir, file),
    bundle: true,
    format,
    platform,
    target: 'es2022',
    alias,
    external: ['./evolink_tasks_bg.wasm', 'node:*'],
    minify: true,
    keepNames: true, // error classes keep their names (`ApiError.name`)
    legalComments: 'none',
    logLevel: 'warning',
    // The glue's default loader mentions import.meta.url; the CJS entry never calls it.
    logOverride: { 'empty-import-meta': 'silent' },
  });
}

// Type declarations: wasm-bindgen's, minus its init functions (the entries initialise).
const generated = readFileSync(join(glueDir, 'evolink_tasks.d.ts'), 'utf8');
const cut = generated.indexOf('export type InitInput');
const types = (cut === -1 ? generated : generated.slice(0, cut))
  // `Symbol.dispose` needs TypeScript's esnext lib; `free()` does the same for everyone.
  .replace(/^.*\[Symbol\.dispose\]\(\): void;\n/gm, '')
  .trimEnd() + '\n';
writeFileSync(join(pkgDir, 'index.d.ts'), types);
writeFileSync(join(pkgDir, 'index.d.cts'), types);

copyFileSync(join(root, 'README.md'), join(pkgDir, 'README.md'));

const crateVersion = /^version = "([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
const pkgVersion = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
if (crateVersion !== pkgVersion) {
  throw new Error(`pkg/package.json version ${pkgVersion} differs from Cargo.toml's ${crateVersion}`);
}
