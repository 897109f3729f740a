// Section "Size": the bytes a browser downloads to follow one task, brotli (quality 11) and gzip
// (level 9). Ours is pkg/evolink_tasks.wasm + pkg/browser.mjs as published (the target), and
// also bundled from bench/entries/ours.mjs like the others. Each comparison is an entry in
// bench/entries/ (create the client, get once, wait with the SDK's own helper) bundled with
// esbuild --bundle --minify --format=esm --platform=browser.
//
// Then what each part of ours weighs. The wasm: the release wasm of `make pkg`
// (target/wasm32-unknown-unknown/release/evolink_tasks.wasm) goes again through wasm-bindgen
// (--keep-debug) and wasm-opt with the Makefile's WASM_OPT_FLAGS plus -g, so that its functions
// keep their names; `twiggy top -f csv` lists every function and data segment, each is put in
// one part (PARTS, by its Rust path), and each part's bytes are scaled to the shipped wasm's
// brotli size (brotli of the whole ÷ raw size of the whole: approximate, as parts compress
// unevenly). The named build is checked to have the shipped file's code and data, byte for
// byte in total. The JavaScript: pkg/browser.mjs split at esbuild's `// path` comments, scaled
// the same way. `node bench/size.mjs` prints this section alone.
//
// And the floor of the stack (bench/floor, built by bench/floor/build.mjs when missing or stale):
// the least client on the same stack (wasm-bindgen, wasm-bindgen-futures, js-sys, web-sys, serde
// + serde-wasm-bindgen, gloo-timers, rlsf) built the same way: its wasm + browser.mjs is a row,
// its wasm is split into the same parts (a sentence), and the target says its figure next to ours.
import { build } from 'esbuild';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { renameWasm, shortNames } from '../scripts/wasm-names.mjs';
import { ensureFloor, dist as floorDist, RELEASE_WASM as FLOOR_RELEASE_WASM } from './floor/build.mjs';
import { benchDir, root, run as exec, table, target } from './lib.mjs';

export const title = 'Size: what a browser downloads to follow a task';
const BUDGET = 70_000; // bytes: 70 kB, at most (issue 19; 40 kB before)
const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
// `make pkg` builds with nightly into target/nightly; `make pkg NIGHTLY=0` (NIGHTLY=0 here too)
// with stable into target. The named build is checked against the shipped file either way.
const NIGHTLY_WASM = 'target/nightly/wasm32-unknown-unknown/release/evolink_tasks.wasm';
const RELEASE_WASM = process.env.NIGHTLY !== '0' && existsSync(join(root, NIGHTLY_WASM))
  ? NIGHTLY_WASM
  : 'target/wasm32-unknown-unknown/release/evolink_tasks.wasm';

const COMPARED = [
  { name: 'evolink-tasks (bundled entry)', entry: 'ours.mjs', wasm: true },
  { name: 'hand-written loop', entry: 'hand.mjs' },
  { name: 'replicate', entry: 'replicate.mjs', pkg: 'replicate' },
  { name: '@runwayml/sdk', entry: 'runway.mjs', pkg: '@runwayml/sdk' },
  { name: '@fal-ai/client', entry: 'fal.mjs', pkg: '@fal-ai/client' },
  { name: 'openai', entry: 'openai.mjs', pkg: 'openai' },
];

const brotli = (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

function sizes(buffers) {
  const sum = (f) => buffers.reduce((n, b) => n + f(b), 0);
  return { raw: sum((b) => b.length), gzip: sum((b) => gzipSync(b, { level: 9 }).length), brotli: sum(brotli) };
}

function version(pkg) {
  if (!pkg) return '';
  return JSON.parse(readFileSync(join(benchDir, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

/** The biggest inputs of a bundle, by bytes in the minified output, grouped by package or folder. */
function contents(metafile) {
  const groups = new Map();
  for (const output of Object.values(metafile.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(file);
      const key = m ? `${m[1]}/${m[2].replace(/\.[cm]?js$/, '')}` : relative(root, join(root, 'bench', file)).replace(/^bench\/\.\.\//, '');
      groups.set(key, (groups.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...groups].sort((a, b) => b[1] - a[1]).map(([file, bytes]) => ({ file, bytes }));
}

// ---- What each part of the wasm weighs ----

/** The parts, in the order printed. */
const PARTS = {
  float: 'float formatting (`<f64 as Display>`: flt2dec, Grisu, Dragon, bignum)',
  fmt: 'other `core::fmt`: Display/Debug impls, `Formatter`, panic and assert messages',
  serde: 'serde + serde-wasm-bindgen (with the derived code for our types)',
  bindgen: 'js-sys, wasm-bindgen, wasm-bindgen-futures, web-sys, gloo-timers (and the externref table)',
  exports: 'our exported methods: wasm-bindgen\'s export shims, with the Rust bodies wasm-opt inlined into them',
  alloc: 'the allocator (rlsf, `__rust_alloc`, `__wbindgen_malloc`)',
  hash: '`HashMap`: hashbrown, SipHash, `RandomState`',
  std: 'other `core`/`alloc`/`std`: strings, `Vec`, `Rc`, drop glue, closures, compiler builtins',
  core: 'our sans-IO core: task, error, schedule, poller, create, validate, response, loose',
  web: 'our web layer: client, scheduler, fetch, convert, sys, rust',
  floor: 'the floor\'s own code (bench/floor/src/lib.rs)',
  data: 'data: messages, tables, vtables (`.rodata`, `.data`)',
  wasm: 'wasm structure: types, import and export names, table, element, section headers',
  other: 'unnamed functions (`code[…]`)',
};

const BINDGEN_CRATES = /^(js_sys|wasm_bindgen|wasm_bindgen_futures|web_sys|gloo_timers|futures_channel|futures_core|futures_util)$/;
const FMT_WORDS = /fmt::|Formatter|escape_debug|panick|panic_|assert_failed|unicode::|count_chars|Utf8Chunks|slice_error_fail|slice_index_fail|unwrap_failed|expect_failed|panic_bounds_check|already_borrowed|already_mutably_borrowed/;
const HASH_WORDS = /hash::|sip::|Sip13|DefaultHasher|RandomState|BuildHasher/;

/**
 * The crate and first module of the type or function a twiggy item is about: for
 * `<Type as Trait>::method` the type (the trait when the type is generic or a primitive), for
 * drop glue and `Rc`/`Option`/… the type inside.
 */
function subject(name) {
  let s = name;
  const wrappers = /^(?:<+|&+|mut |core(?:\[[0-9a-f]+\])?::ptr::drop_in_place(?:::)?<|(?:alloc::rc::(?:Rc|Weak)|alloc::sync::Arc|core::option::Option|alloc::boxed::Box|core::cell::(?:Ref)?Cell|alloc::vec::Vec|core::result::Result|alloc::collections::vec_deque::VecDeque|core::pin::Pin|wasm_bindgen::__rt::WasmRefCell)<)/;
  for (let m; (m = wrappers.exec(s));) s = s.slice(m[0].length);
  let path = /^([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::([A-Za-z_][A-Za-z0-9_]*)/.exec(s);
  if (!path) {
    // A generic or primitive type: `<T as Trait>`, `<str>::…`, `<[u8]>::…`; use the trait.
    const trait = / as (?:&|<)*([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::([A-Za-z_][A-Za-z0-9_]*)/.exec(s);
    if (trait) path = trait;
  }
  return path ? { crate: path[1], module: path[2] } : null;
}

/**
 * The part (a key of PARTS) of one twiggy item, or null for the custom sections. `exported`: the
 * module's export names (an export wasm-bindgen needed no shim for keeps its bare name).
 */
export function classify(name, exported = new Set()) {
  if (/subsection$|^custom section /.test(name)) return null; // names, producers: not shipped
  if (/^data segment |^data (count )?section headers/.test(name)) return 'data';
  if (/^(type\[\d+\]|import |export |table\[|elem\[|global\[|memory\[|wasm magic bytes|.* section headers$)/.test(name)) return 'wasm';
  if (/ (externref|multivalue) shim$/.test(name) || /^__wbg_\w+_free$/.test(name)) return 'exports';
  if (/^__wbindgen_(malloc|realloc|free)$|^__rust_(alloc|dealloc|realloc)|::__rust_(alloc|dealloc|realloc)|^__rdl_|rlsf::|alloc::alloc::Global|Global as core(\[[0-9a-f]+\])?::alloc::Allocator|Global>::alloc_impl/.test(name)) return 'alloc';
  if (/^(__wbindgen_|__externref_|__wbg_)/.test(name)) return 'bindgen';
  if (exported.has(name) && !name.startsWith('wasm_bindgen')) return 'exports';
  if (/^code\[\d+\]$/.test(name)) return 'other';
  if (/flt2dec|dec2flt|bignum|<f(32|64) as core(\[[0-9a-f]+\])?::fmt|fmt::float/.test(name)) return 'float';
  if (/impl serde(_core)?::|__FieldVisitor|__Visitor|__DeserializeWith|\b__Field\b/.test(name)) return 'serde';
  const s = subject(name);
  const crate = s?.crate ?? '';
  if (crate === 'evolink_tasks') return s.module === 'web' ? 'web' : 'core';
  if (crate === 'evolink_floor') return 'floor';
  if (/^serde/.test(crate)) return 'serde';
  if (BINDGEN_CRATES.test(crate)) return 'bindgen';
  if (crate === 'rlsf') return 'alloc';
  if (crate === 'hashbrown' || HASH_WORDS.test(name)) return 'hash';
  if (FMT_WORDS.test(name)) return 'fmt';
  return 'std';
}

/** The first program found: on PATH, else in ~/.cargo/bin, else in node_modules/.bin. */
function program(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), join(homedir(), '.cargo/bin'), join(root, 'node_modules/.bin')];
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}

/** wasm-opt's optimisation and feature flags as the Makefile gives them (WASM_OPT_FLAGS). */
function makefileWasmOpt() {
  const make = readFileSync(join(root, 'Makefile'), 'utf8');
  const line = /^WASM_OPT_FLAGS :=(.*)$/m.exec(make);
  if (!line) throw new Error('Makefile has no WASM_OPT_FLAGS line');
  return line[1].trim().split(/\s+/);
}

/**
 * Twiggy's items of the wasm built with names, grouped into PARTS: `release` (a cargo release
 * wasm) through wasm-bindgen and wasm-opt as `shipped` (its bytes) was made (with `shortNames`,
 * and its imports and exports renamed as scripts/build-pkg.mjs renames the package's). Resolves with
 * { parts: [{ key, bytes }], total, matchesShipped } or { error } (said in the output).
 */
async function wasmParts(shipped, release = join(root, RELEASE_WASM), { shortNames: short = false } = {}) {
  const shippedRaw = shipped.length;
  const exported = new Set(WebAssembly.Module.exports(new WebAssembly.Module(shipped)).map((e) => e.name));
  const twiggy = program('twiggy');
  const bindgen = program('wasm-bindgen');
  const wasmOpt = join(root, 'node_modules/.bin/wasm-opt');
  const missing = [
    !existsSync(release) && `${relative(root, release)} (make pkg, or bench/floor/build.mjs, builds it)`,
    !twiggy && 'twiggy (cargo install twiggy)',
    !bindgen && 'wasm-bindgen',
    !existsSync(wasmOpt) && 'node_modules/.bin/wasm-opt',
  ].filter(Boolean);
  if (missing.length) return { error: `not measured: missing ${missing.join(', ')}` };
  const dir = mkdtempSync(join(tmpdir(), 'evolink-bench-twiggy-'));
  try {
    await exec(bindgen, ['--target', 'web', '--keep-debug', '--no-typescript', '--out-dir', dir, release], { timeoutMs: 120_000 });
    const named = join(dir, 'named.wasm');
    const bg = join(dir, `${release.split('/').pop().replace(/\.wasm$/, '')}_bg.wasm`);
    await exec(wasmOpt, [...makefileWasmOpt(), '-g', bg, '-o', named], { timeoutMs: 300_000 });
    if (short) {
      // As scripts/build-pkg.mjs names the package's imports and exports.
      const glue = readFileSync(bg.replace(/_bg\.wasm$/, '.js'), 'utf8');
      renameWasm(named, shortNames(glue), glue);
    }
    const csv = await exec(twiggy, ['top', '-n', '1000000', '-f', 'csv', named], { timeoutMs: 120_000 });
    const bytes = Object.fromEntries(Object.keys(PARTS).map((k) => [k, 0]));
    const items = Object.fromEntries(Object.keys(PARTS).map((k) => [k, []]));
    let total = 0;
    for (const [name, size] of parseCsv(csv)) {
      const key = classify(name, exported);
      if (!key) continue;
      bytes[key] += size;
      items[key].push([name, size]);
      total += size;
    }
    const parts = Object.keys(PARTS).map((key) => ({
      key, bytes: bytes[key],
      largest: items[key].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([n, b]) => ({ name: n.replace(/::h[0-9a-f]{16}$/, '').replace(/\[[0-9a-f]{16}\]/g, ''), bytes: b })),
    }));
    return { parts, total, matchesShipped: total === shippedRaw };
  } catch (error) {
    return { error: `not measured: ${String(error?.message ?? error).split('\n')[0]}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** twiggy's CSV (Name,ShallowSize,…): [name, shallow bytes] per row; names may be quoted. */
function parseCsv(text) {
  const rows = [];
  for (const line of text.split('\n').slice(1)) {
    if (!line) continue;
    let name;
    let rest;
    if (line.startsWith('"')) {
      let i = 1;
      name = '';
      for (; i < line.length; i++) {
        if (line[i] === '"' && line[i + 1] === '"') { name += '"'; i++; } else if (line[i] === '"') break; else name += line[i];
      }
      rest = line.slice(i + 2);
    } else {
      const comma = line.indexOf(',');
      name = line.slice(0, comma);
      rest = line.slice(comma + 1);
    }
    rows.push([name, Number(rest.split(',')[0])]);
  }
  return rows;
}

/** pkg/browser.mjs split at esbuild's `// path` comments: [{ file, bytes }]. */
function jsParts(text) {
  const bytes = new Map();
  let file = '(esbuild prelude)';
  for (const line of text.split(/(?<=\n)/)) {
    const m = /^\/\/ ((?:src|target|node_modules)\/\S+)\n$/.exec(line);
    if (m) file = m[1];
    bytes.set(file, (bytes.get(file) ?? 0) + Buffer.byteLength(line));
  }
  return [...bytes].map(([f, b]) => ({ file: f, bytes: b }));
}

const JS_LABELS = {
  'target/bindgen/evolink_tasks.js': 'JS: wasm-bindgen\'s glue (imports, exports, the loader)',
  'src/js/errors.js': 'JS: the error classes (src/js/errors.js)',
  'src/js/entries/browser.mjs': 'JS: the browser entry',
  '(esbuild prelude)': 'JS: esbuild\'s prelude',
};

export async function run() {
  const wasm = readFileSync(join(root, 'pkg/evolink_tasks.wasm'));
  const browser = readFileSync(join(root, 'pkg/browser.mjs'));
  const wasmSizes = sizes([wasm]);
  const jsSizes = sizes([browser]);
  const rows = [{ name: 'evolink-tasks (pkg: wasm + browser.mjs)', version: 'this', ...sizes([wasm, browser]), wasmBrotli: wasmSizes.brotli, contains: [] }];
  await ensureFloor();
  const floorWasm = readFileSync(join(floorDist, 'evolink_floor.wasm'));
  const floorJs = readFileSync(join(floorDist, 'browser.mjs'));
  const floorWasmSizes = sizes([floorWasm]);
  const floorJsSizes = sizes([floorJs]);
  const floor = { name: 'the floor of the stack (bench/floor: wasm + browser.mjs)', version: 'same stack', ...sizes([floorWasm, floorJs]), wasmBrotli: floorWasmSizes.brotli, jsBrotli: floorJsSizes.brotli, contains: [] };
  rows.push(floor);

  const out = mkdtempSync(join(tmpdir(), 'evolink-bench-size-'));
  try {
    for (const c of COMPARED) {
      const outfile = join(out, c.entry.replace('.mjs', '.js'));
      const result = await build({
        entryPoints: [join(benchDir, 'entries', c.entry)],
        outfile, bundle: true, minify: true, format: 'esm', platform: 'browser',
        metafile: true, logLevel: 'error', absWorkingDir: benchDir, external: ['*.wasm'],
      });
      const js = readFileSync(outfile);
      const files = c.wasm ? [js, wasm] : [js];
      rows.push({ name: c.name, entry: c.entry, version: c.wasm ? 'this' : version(c.pkg) || '-', ...sizes(files), jsBytes: js.length, contains: contents(result.metafile).slice(0, 8) });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }

  const hand = rows.find((r) => r.name === 'hand-written loop');
  const replicate = rows.find((r) => r.entry === 'replicate.mjs');
  const ours = rows[0];
  const top = (r) => r.contains.slice(0, 3).map((c) => `${c.file} ${(c.bytes / 1024).toFixed(1)}K`).join(', ');
  let markdown = table([
    ['client', 'name', 'l'], ['version', 'version', 'l'],
    ['raw', (r) => kB(r.raw)], ['gzip -9', (r) => kB(r.gzip)], ['brotli 11', (r) => kB(r.brotli)],
    ['× hand (brotli)', (r) => (r.brotli / hand.brotli).toFixed(1)],
    ['× replicate (brotli)', (r) => (r.brotli / replicate.brotli).toFixed(1)],
    ['largest inputs (minified bytes)', top, 'l'],
  ], rows);
  markdown += `\n\nOurs, brotli: wasm ${kB(ours.wasmBrotli)} (${wasm.length} bytes raw) + JS ${kB(jsSizes.brotli)} (${browser.length} bytes raw, not minified) = ${ours.brotli} bytes. 1 kB = 1000 bytes.`;
  markdown += `\n\nThe floor of the stack (bench/floor: one class, getTask and waitForTask over web-sys fetch, JSON.parse, serde-wasm-bindgen for the status, one gloo-timers sleep, rlsf; no retries, limits, abort or options; built like pkg/), brotli: wasm ${kB(floor.wasmBrotli)} (${floorWasm.length} bytes raw) + JS ${kB(floor.jsBrotli)} (${floorJs.length} bytes raw, not minified) = ${floor.brotli} bytes; ours is ${(ours.brotli / floor.brotli).toFixed(1)}× it, ${kB(ours.brotli - floor.brotli)} above it.`;
  const fw = await wasmParts(floorWasm, FLOOR_RELEASE_WASM);
  if (fw.error) {
    markdown += ` Its wasm by part (twiggy): ${fw.error}.`;
  } else {
    const scale = floorWasmSizes.brotli / floorWasm.length;
    const parts = fw.parts.filter((p) => p.bytes > 0).sort((a, b) => b.bytes - a.bytes);
    floor.parts = parts.map((p) => ({ key: p.key, raw: p.bytes, brotli: Math.round(p.bytes * scale), largest: p.largest }));
    markdown += ` Its wasm by part (twiggy, the same parts as below, scaled by its brotli ratio ${(scale * 100).toFixed(1)} %${fw.matchesShipped ? '' : `; the named build is ${fw.total} bytes, not the shipped ${floorWasm.length}`}): ` +
      parts.map((p) => `${p.key} ${kB(p.bytes * scale)} (${p.bytes} B; ${p.largest[0]?.name.slice(0, 50) ?? ''})`).join(', ') +
      `; and its JS (wasm-bindgen's glue and the entry) ${kB(floor.jsBrotli)}.`;
  }

  // Where ours' bytes go.
  const w = await wasmParts(wasm, undefined, { shortNames: true });
  const wasmScale = wasmSizes.brotli / wasm.length;
  const jsScale = jsSizes.brotli / browser.length;
  const js = jsParts(browser.toString('utf8'));
  let partRows = [];
  if (w.error) {
    markdown += `\n\nWhere the wasm's bytes go (twiggy): ${w.error}.`;
  } else {
    partRows = w.parts.filter((p) => p.bytes > 0).map((p) => ({
      part: PARTS[p.key], key: p.key, raw: p.bytes, brotli: p.bytes * wasmScale,
      largest: p.largest.slice(0, 2).map((l) => `${l.name.length > 60 ? `${l.name.slice(0, 59)}…` : l.name} ${l.bytes}`).join('; '),
    })).sort((a, b) => b.brotli - a.brotli);
  }
  const jsRows = js.map((p) => ({ part: JS_LABELS[p.file] ?? `JS: ${p.file}`, key: `js:${p.file}`, raw: p.bytes, brotli: p.bytes * jsScale, largest: '' }));
  const all = [...partRows, ...jsRows];
  {
    const how = partRows.length
      ? `twiggy's items of the wasm built with names (${RELEASE_WASM} through wasm-bindgen --keep-debug and wasm-opt with WASM_OPT_FLAGS -g; ` +
        `its code and data ${w.matchesShipped ? `are the shipped file's ${wasm.length} bytes` : `are **${w.total} bytes, not the shipped ${wasm.length}**: target/ was rebuilt after pkg/, or the build differs; the parts are of that build`}), ` +
        `each part scaled by the shipped wasm's brotli ratio (${(wasmScale * 100).toFixed(1)} %); `
      : 'the wasm not split (see above); ';
    markdown += `\n\nWhere ours' bytes go: ${how}the JS split at esbuild's module comments in pkg/browser.mjs, ` +
      `scaled by its ratio (${(jsScale * 100).toFixed(1)} %). Approximate: parts compress unevenly.\n\n` + table([
      ['part', 'part', 'l'], ['raw (B)', 'raw'], ['≈ brotli', (r) => kB(r.brotli)], ['share', (r) => `${((100 * r.brotli) / ours.brotli).toFixed(0)} %`],
      ['largest items (raw bytes)', 'largest', 'l'],
    ], all);
    const dominant = all.slice().sort((a, b) => b.brotli - a.brotli).slice(0, 4).map((r) => `${r.key} ${kB(r.brotli)}`).join(', ');
    markdown += `\n\nLargest parts: ${dominant}.`;
  }
  return {
    markdown,
    data: { rows, floor, budgetBrotliBytes: BUDGET, wasmBrotli: wasmSizes.brotli, jsBrotli: jsSizes.brotli, parts: all, twiggy: w.error ?? null, namedBuildMatchesShipped: w.matchesShipped ?? null },
    targets: [target('evolink-tasks pkg (wasm + browser.mjs) at most 70 kB brotli', ours.brotli <= BUDGET,
      `ours ${ours.brotli} bytes: wasm ${wasmSizes.brotli} + JS ${jsSizes.brotli}; the floor of this stack ${floor.brotli} bytes: wasm ${floor.wasmBrotli} + JS ${floor.jsBrotli}`)],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run();
  console.log(r.markdown);
  for (const t of r.targets) console.log(`${t.pass ? 'PASS' : 'FAIL'} ${t.target} (${t.value})`);
}
