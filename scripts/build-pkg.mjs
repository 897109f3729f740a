// Assembles the npm package in pkg/ (run by `make pkg`, after cargo, wasm-bindgen and wasm-opt):
// bundles each runtime entry of src/js/entries/ with wasm-bindgen's glue (target/bindgen), copies
// the types, the package's README (src/js/README.md, not the repository's), the licences and the
// changelog, and checks that pkg/package.json carries the crate's version.
// Nothing is minified: an error's stack and source line stay readable in production.
import { build } from 'esbuild';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkgDir = join(root, 'pkg');
const bindgen = join(root, 'target/bindgen');
const errors = join(root, 'src/js/errors.js');

// The browser and workerd entries load the wasm file that sits next to them; the CommonJS
// entry (which node.mjs and Deno use too) carries it inside, as base64. node.mjs and
// node-bridge.cjs are copied as they are: they only re-export node.cjs.
const entries = [
  { file: 'browser.mjs', format: 'esm', platform: 'browser' },
  { file: 'node.cjs', format: 'cjs', platform: 'node', inlineWasm: true },
  { file: 'workerd.mjs', format: 'esm', platform: 'neutral' },
];

/**
 * `#glue` is wasm-bindgen's output; its snippet copy of errors.js is the source file itself, so
 * that the classes Rust throws are the classes the package exports.
 */
const glue = {
  name: 'glue',
  setup(b) {
    b.onResolve({ filter: /^#glue$/ }, () => ({ path: join(bindgen, 'evolink_tasks.js') }));
    // The glue's default wasm path names wasm-bindgen's file; ours sits next to the entry. A
    // bundler (Vite) resolves it at build time, so it must name a file that exists.
    b.onLoad({ filter: /target\/bindgen\/evolink_tasks\.js$/ }, () => ({
      contents: readFileSync(join(bindgen, 'evolink_tasks.js'), 'utf8')
        .replaceAll("'evolink_tasks_bg.wasm'", "'./evolink_tasks.wasm'"),
      loader: 'js',
    }));
    b.onResolve({ filter: /\/snippets\/[^/]+\/src\/js\/errors\.js$/ }, () => ({ path: errors }));
  },
};

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
    plugins: inline ? [glue, inlineWasm] : [glue],
    loader: { '.wasm': 'binary' },
    // The glue's default init path (`new URL(…, import.meta.url)`) is never taken in CommonJS.
    logOverride: { 'empty-import-meta': 'silent' },
    legalComments: 'none',
    logLevel: 'warning',
  });
}
for (const file of ['node.mjs', 'node-bridge.cjs']) {
  copyFileSync(join(root, 'src/js/entries', file), join(pkgDir, file));
}

// Type declarations, written by hand (src/js/index.d.ts).
copyFileSync(join(root, 'src/js/index.d.ts'), join(pkgDir, 'index.d.ts'));
copyFileSync(join(root, 'src/js/index.d.ts'), join(pkgDir, 'index.d.cts'));

// What npm shows is the package's own README: installation and use. The repository's README
// (development, benchmarks, internals) stays in the repository.
copyFileSync(join(root, 'src/js/README.md'), join(pkgDir, 'README.md'));
for (const file of ['LICENSE-MIT', 'LICENSE-APACHE', 'CHANGELOG.md']) {
  copyFileSync(join(root, file), join(pkgDir, file));
}

if (readdirSync(join(bindgen, 'snippets')).length !== 1) {
  throw new Error('target/bindgen/snippets holds several crates\' snippets: run make clean');
}
const crateVersion = /^version = "([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
const pkgVersion = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
if (crateVersion !== pkgVersion) {
  throw new Error(`pkg/package.json version ${pkgVersion} differs from Cargo.toml's ${crateVersion}`);
}

// Opt-in parts, each its own subpath (evolink-tasks/browser-tasks, evolink-tasks/react): plain
// modules copied as they are, with their types. They import 'evolink-tasks' and 'react' by name,
// so that they share the app's own instance of each; a page that imports neither downloads nothing
// of them.
for (const [file, types] of [['browser-tasks.mjs', 'browser-tasks.d.ts'], ['react.mjs', 'react.d.ts']]) {
  copyFileSync(join(root, 'src/js', file), join(pkgDir, file));
  copyFileSync(join(root, 'src/js', types), join(pkgDir, types));
}
