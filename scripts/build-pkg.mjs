// Assembles the npm package in pkg/ (run by `make pkg`, after the wasm is built and optimised):
// bundles each runtime entry of src/js/entries/ with the shell, copies the types,
// copies the README, and checks that pkg/package.json carries the crate's version.
import { build } from 'esbuild';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkgDir = join(root, 'pkg');

// The browser and workerd entries load the wasm file that sits next to them; the Node entries
// (which Deno uses too) carry it inside, as base64.
const entries = [
  { file: 'browser.mjs', format: 'esm', platform: 'browser' },
  { file: 'node.mjs', format: 'esm', platform: 'node', inlineWasm: true },
  { file: 'node.cjs', format: 'cjs', platform: 'node', inlineWasm: true },
  { file: 'workerd.mjs', format: 'esm', platform: 'neutral' },
];

/** Resolves the entries' `./evolink_tasks.wasm` to the optimised file in pkg/, read as bytes. */
const inlineWasm = {
  name: 'inline-wasm',
  setup(b) {
    b.onResolve({ filter: /^\.\/evolink_tasks\.wasm$/ }, () => ({ path: join(pkgDir, 'evolink_tasks.wasm') }));
  },
};

for (const { file, format, platform, inlineWasm: inline = false } of entries) {
  await build({
    entryPoints: [join(root, 'src/js/entries', file)],
    outfile: join(pkgDir, file),
    bundle: true,
    format,
    platform,
    target: 'es2022',
    external: inline ? ['node:*'] : ['./evolink_tasks.wasm', 'node:*'],
    plugins: inline ? [inlineWasm] : [],
    loader: { '.wasm': 'binary' },
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

// Type declarations, written by hand (src/js/index.d.ts): the API is the JavaScript shell's.
copyFileSync(join(root, 'src/js/index.d.ts'), join(pkgDir, 'index.d.ts'));
copyFileSync(join(root, 'src/js/index.d.ts'), join(pkgDir, 'index.d.cts'));

copyFileSync(join(root, 'README.md'), join(pkgDir, 'README.md'));

const crateVersion = /^version = "([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
const pkgVersion = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
if (crateVersion !== pkgVersion) {
  throw new Error(`pkg/package.json version ${pkgVersion} differs from Cargo.toml's ${crateVersion}`);
}
