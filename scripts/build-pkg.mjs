// Assembles the npm package in pkg/ (run by `make pkg`, after cargo, wasm-bindgen and wasm-opt):
// bundles each runtime entry of src/js/entries/ with wasm-bindgen's glue (target/bindgen), copies
// the types, the package's README (src/js/README.md, not the repository's), the licences and the
// changelog, and checks that pkg/package.json carries the crate's version.
// Nothing is minified: an error's stack and source line stay readable in production.
import { build } from 'esbuild';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renamed, renameWasm, shortNames } from './wasm-names.mjs';

const root = new URL('..', import.meta.url).pathname;
const pkgDir = join(root, 'pkg');
const bindgen = join(root, 'target/bindgen');
const errors = join(root, 'src/js/errors.js');

// Which entry gets the wasm how (pkg/package.json's exports map picks among them):
// - browser.mjs fetches the file that sits next to it (`new URL`, which webpack, Vite, Parcel
//   and Next.js ship), and inline.mjs carries it inside as base64 (for esbuild, Bun, Rollup and
//   any other tool): both compile it while the app starts (load.mjs), and export lazy.mjs;
// - workerd.mjs and edge.mjs import it as a compiled module (Wrangler; Next.js's edge runtime);
// - node.cjs (which node.mjs and Deno use too) carries it inside as bytes.
// node.mjs and node-bridge.cjs are copied as they are: they only re-export node.cjs.
const entries = [
  { file: 'browser.mjs', format: 'esm', platform: 'browser' },
  { file: 'inline.mjs', format: 'esm', platform: 'browser', wasm: 'base64' },
  { file: 'node.cjs', format: 'cjs', platform: 'node', wasm: 'binary' },
  { file: 'workerd.mjs', format: 'esm', platform: 'neutral' },
  { file: 'edge.mjs', format: 'esm', platform: 'neutral' },
];

const glueSource = readFileSync(join(bindgen, 'evolink_tasks.js'), 'utf8');
const renames = shortNames(glueSource);
renameWasm(join(pkgDir, 'evolink_tasks.wasm'), renames, glueSource);

/**
 * `#glue` is wasm-bindgen's output; its snippet copy of errors.js is the source file itself, so
 * that the classes Rust throws are the classes the package exports.
 */
const glue = {
  name: 'glue',
  setup(b) {
    b.onResolve({ filter: /^#glue$/ }, () => ({ path: join(bindgen, 'evolink_tasks.js') }));
    // The glue's default wasm path (`new URL('evolink_tasks_bg.wasm', import.meta.url)`, taken
    // when init is called with nothing) goes: every entry says where its wasm comes from, and a
    // second URL would make bundlers ship the file where no entry fetches it.
    b.onLoad({ filter: /target\/bindgen\/evolink_tasks\.js$/ }, () => {
      const defaultPath = "new URL('evolink_tasks_bg.wasm', import.meta.url)";
      if (!glueSource.includes(defaultPath)) throw new Error(`the glue no longer says ${defaultPath}: update scripts/build-pkg.mjs`);
      const source = renamed(withoutDocComments(glueSource.replace(defaultPath, 'undefined')), renames);
      return { contents: oneImportPerModule(source), loader: 'js' };
    });
    b.onResolve({ filter: /\/snippets\/[^/]+\/src\/js\/errors\.js$/ }, () => ({ path: errors }));
  },
};

/**
 * wasm-bindgen 0.2.130 imports the snippet module once per function it binds (`import * as
 * import1 … import11` from the same file) and lists each under the same key of the wasm's import
 * object: the same module under one key is harmless, but every bundler that reads the glue warns
 * about the duplicate keys. One namespace import and one key per module say the same.
 */
function oneImportPerModule(source) {
  const first = new Map(); // module path → the name of its first namespace import
  const imports = source.replace(/^import \* as (import\d+) from "([^"]+)";?\n/gm, (line, name, path) => {
    if (first.has(path)) return '';
    first.set(path, name);
    return line;
  });
  const listed = new Set();
  return imports.replace(/^(\s*)"([^"]+)": import\d+,\n/gm, (line, indent, path) => {
    if (!first.has(path)) return line;
    if (listed.has(path)) return '';
    listed.add(path);
    return `${indent}"${path}": ${first.get(path)},\n`;
  });
}

/**
 * wasm-bindgen copies each exported function's Rust doc comment into the glue as JSDoc: the
 * package's documented types are index.d.ts, and the copies cost 0.65 kB brotli in every entry.
 * A block that opens a line with `/**` and closes with `*\/` is one of them (the glue writes
 * no other comment of that shape).
 */
function withoutDocComments(source) {
  return source.replace(/^[ \t]*\/\*\*(?:(?!\*\/)[\s\S])*\*\/[ \t]*\n/gm, '');
}

/** An entry that carries the wasm reads `./evolink_tasks.wasm` as the optimised file in pkg/. */
const inlineWasm = {
  name: 'inline-wasm',
  setup(b) {
    b.onResolve({ filter: /^\.\/evolink_tasks\.wasm$/ }, () => ({ path: join(pkgDir, 'evolink_tasks.wasm') }));
  },
};

/** The others import it at run time: `./evolink_tasks.wasm`, `./evolink_tasks.wasm?module`. */
const externalWasm = {
  name: 'external-wasm',
  setup(b) {
    b.onResolve({ filter: /^\.\/evolink_tasks\.wasm(\?module)?$/ }, ({ path }) => ({ path, external: true }));
  },
};

for (const { file, format, platform, wasm } of entries) {
  await build({
    entryPoints: [join(root, 'src/js/entries', file)],
    outfile: join(pkgDir, file),
    bundle: true,
    format,
    platform,
    target: 'es2022',
    external: ['node:*'],
    plugins: [glue, wasm ? inlineWasm : externalWasm],
    loader: { '.wasm': wasm ?? 'binary' },
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
// of them. abort.mjs is what both import (by relative path; not an export of the package).
for (const [file, types] of [['browser-tasks.mjs', 'browser-tasks.d.ts'], ['react.mjs', 'react.d.ts']]) {
  copyFileSync(join(root, 'src/js', file), join(pkgDir, file));
  copyFileSync(join(root, 'src/js', types), join(pkgDir, types));
}
copyFileSync(join(root, 'src/js/abort.mjs'), join(pkgDir, 'abort.mjs'));
