// Builds the floor of the stack (bench/floor: the least client on evolink-tasks' stack) into
// bench/floor/dist/ the way `make pkg` builds the package: cargo build --release for
// wasm32-unknown-unknown (this crate's profile is the main crate's; the repository's
// .cargo/config.toml applies here too, cargo reads it from the parent folders: the same
// rustflags), wasm-bindgen --target web, node_modules/.bin/wasm-opt with the Makefile's
// WASM_OPT_FLAGS, then the entries of js/ bundled as scripts/build-pkg.mjs bundles the package's:
//   browser.mjs  ESM, awaits init with the wasm's URL (the size measure: with evolink_floor.wasm)
//   node.cjs     CommonJS, the wasm inlined (esbuild's binary loader), initSync on load
//   node.mjs     ESM, re-exports node.cjs through node-bridge.cjs (both copied as they are)
//   workerd.mjs  ESM, the wasm imported as a compiled module
// `node bench/floor/build.mjs` builds it; the bench sections call ensureFloor(), which builds it
// when dist/ is missing or older than any source (src/, js/, Cargo.toml, Cargo.lock, this file,
// the repository's .cargo/config.toml and Makefile).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const floorDir = new URL('.', import.meta.url).pathname;
const root = join(floorDir, '../..');
export const dist = join(floorDir, 'dist');
const STAMP = join(dist, '.built');
export const RELEASE_WASM = join(floorDir, 'target/wasm32-unknown-unknown/release/evolink_floor.wasm');
const bindgenDir = join(floorDir, 'target/bindgen');

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
}

export function isStale() {
  if (!existsSync(STAMP)) return true;
  const sources = ['src', 'js', 'Cargo.toml', 'Cargo.lock', 'build.mjs'].map((f) => join(floorDir, f))
    .concat([join(root, '.cargo/config.toml'), join(root, 'Makefile')]).filter(existsSync);
  return Math.max(...sources.map(newest)) > statSync(STAMP).mtimeMs;
}

/** wasm-opt's optimisation and feature flags as the Makefile gives them (WASM_OPT_FLAGS). */
function makefileWasmOpt() {
  const make = readFileSync(join(root, 'Makefile'), 'utf8');
  const line = /^WASM_OPT_FLAGS :=(.*)$/m.exec(make);
  if (!line) throw new Error('Makefile has no WASM_OPT_FLAGS line');
  return line[1].trim().split(/\s+/);
}

export async function build({ log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const sh = (cmd, args, cwd = floorDir) => {
    log(`    ${cmd.replace(`${root}/`, '')} ${args.map((a) => a.replace(`${root}/`, '')).join(' ')}`);
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 2, 2] });
  };
  log('==> building the floor of the stack (bench/floor)');
  sh('cargo', ['build', '--quiet', '--locked', '--release', '--target', 'wasm32-unknown-unknown', '--lib']);
  rmSync(bindgenDir, { recursive: true, force: true });
  sh('wasm-bindgen', ['--target', 'web', '--out-dir', bindgenDir, '--no-typescript', RELEASE_WASM]);
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  sh(join(root, 'node_modules/.bin/wasm-opt'), [...makefileWasmOpt(), '--strip-debug', '--strip-producers', '--strip-target-features',
    join(bindgenDir, 'evolink_floor_bg.wasm'), '-o', join(dist, 'evolink_floor.wasm')]);

  const { build: esbuild } = await import(join(root, 'node_modules/esbuild/lib/main.js'));
  const glueFile = join(bindgenDir, 'evolink_floor.js');
  const glue = {
    name: 'glue',
    setup(b) {
      b.onResolve({ filter: /^#glue$/ }, () => ({ path: glueFile }));
      b.onLoad({ filter: /target\/bindgen\/evolink_floor\.js$/ }, () => ({
        contents: readFileSync(glueFile, 'utf8').replaceAll("'evolink_floor_bg.wasm'", "'./evolink_floor.wasm'"),
        loader: 'js',
      }));
    },
  };
  const inlineWasm = {
    name: 'inline-wasm',
    setup(b) {
      b.onResolve({ filter: /^\.\/evolink_floor\.wasm$/ }, () => ({ path: join(dist, 'evolink_floor.wasm') }));
    },
  };
  for (const { file, format, platform, inline = false } of [
    { file: 'browser.mjs', format: 'esm', platform: 'browser' },
    { file: 'node.cjs', format: 'cjs', platform: 'node', inline: true },
    { file: 'workerd.mjs', format: 'esm', platform: 'neutral' },
  ]) {
    await esbuild({
      entryPoints: [join(floorDir, 'js', file)], outfile: join(dist, file),
      bundle: true, format, platform, target: 'es2022',
      external: inline ? ['node:*'] : ['./evolink_floor.wasm', 'node:*'],
      plugins: inline ? [glue, inlineWasm] : [glue], loader: { '.wasm': 'binary' },
      logOverride: { 'empty-import-meta': 'silent' }, legalComments: 'none', logLevel: 'warning',
    });
  }
  for (const file of ['node.mjs', 'node-bridge.cjs']) copyFileSync(join(floorDir, 'js', file), join(dist, file));
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}

/** Builds dist/ when it is missing or older than its sources. */
export async function ensureFloor(options) {
  if (isStale()) await build(options);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await build();
  for (const f of readdirSync(dist)) if (!f.startsWith('.')) console.log(`${f}\t${statSync(join(dist, f)).size} bytes`);
}
