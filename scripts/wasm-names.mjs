// Shorter names for what wasm-bindgen names with hashes, in the wasm and its glue alike: used by
// scripts/build-pkg.mjs on the package's wasm and glue, and by bench/size.mjs on the build with
// names it measures (so that its parts add up to the shipped file).
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Names wasm-bindgen writes in the wasm and in the glue alike, whose hashes brotli cannot shrink
 * (about 1.6 kB of the two): each import's `__wbg_<name>_<16 hex digits>` (about 90) becomes
 * `__wbg_<name>` where no other import is called so, and otherwise `__wbg_<name>_<its ordinal
 * among them, as 16 digits>` (the shape of wasm-bindgen's own `__wbindgen_generic_…0001`); each
 * exported closure entry `wasm_bindgen_<crate hash>___convert__closures_____invoke_<its Rust
 * types>` (up to 330 characters) becomes `__wbg_closure_invoke_<ordinal>`. Old name → new name.
 */
export function shortNames(source) {
  const names = new Set(source.match(/\b__wbg_\w+\b/g));
  const byBase = new Map();
  for (const name of names) {
    const m = /^(__wbg_\w+)_[0-9a-f]{16}$/.exec(name);
    if (m) byBase.set(m[1], [...(byBase.get(m[1]) ?? []), name]);
  }
  const renames = new Map();
  for (const [base, hashed] of byBase) {
    if (hashed.length === 1 && !names.has(base)) {
      renames.set(hashed[0], base);
    } else {
      hashed.forEach((name, i) => renames.set(name, `${base}_${String(i + 1).padStart(16, '0')}`));
    }
  }
  const invokes = new Set(source.match(/\bwasm_bindgen_[0-9a-f]{16}___convert__closures_____invoke\w*/g));
  [...invokes].forEach((name, i) => renames.set(name, `__wbg_closure_invoke_${i + 1}`));
  return renames;
}

/** The glue with its names renamed. */
export function renamed(source, renames) {
  return source.replace(/\b(?:__wbg_\w+_[0-9a-f]{16}|wasm_bindgen_[0-9a-f]{16}_\w+)\b/g, (name) => renames.get(name) ?? name);
}

/**
 * Renames the imports and exports of the wasm at `path` as `renames` says (a name already
 * renamed stays). Then every import from the glue's module must be one the glue defines, and
 * every export the glue calls must be there.
 */
export function renameWasm(path, renames, source) {
  const glue = renamed(source, renames);
  const defined = new Set([...glue.matchAll(/^\s*(__wbg\w*|__wbindgen\w*): function\b/gm)].map((m) => m[1]));
  const called = new Set([...glue.matchAll(/\bwasm\.(\w+)/g)].map((m) => m[1]));
  const wasm = readFileSync(path);
  let at = 8;
  const uleb = () => {
    let value = 0, shift = 0, byte;
    do {
      byte = wasm[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  const encode = (value) => {
    const bytes = [];
    do {
      let byte = value % 128;
      value = Math.floor(value / 128);
      if (value) byte |= 0x80;
      bytes.push(byte);
    } while (value);
    return Buffer.from(bytes);
  };
  const name = () => {
    const length = uleb();
    at += length;
    return wasm.subarray(at - length, at).toString('utf8');
  };
  const encodeName = (text) => {
    const bytes = Buffer.from(text, 'utf8');
    return [encode(bytes.length), bytes];
  };
  const limits = () => {
    const flags = wasm[at++];
    uleb();
    if (flags & 1) uleb();
  };
  const parts = [wasm.subarray(0, 8)];
  const exported = new Set();
  while (at < wasm.length) {
    const start = at;
    const id = wasm[at++];
    const size = uleb();
    const end = at + size;
    if (id !== 2 && id !== 7) {
      parts.push(wasm.subarray(start, end));
      at = end;
      continue;
    }
    const count = uleb();
    const out = [encode(count)];
    for (let i = 0; i < count; i++) {
      if (id === 2) {
        const module = name();
        const field = name();
        const desc = at;
        const kind = wasm[at++];
        if (kind === 0) uleb(); // function: its type
        else if (kind === 1) { at++; limits(); } // table: reference type, limits
        else if (kind === 2) limits(); // memory
        else if (kind === 3) at += 2; // global: value type, mutability
        else if (kind === 4) { at++; uleb(); } // tag
        else throw new Error(`${path}: import kind ${kind} unknown`);
        const fromGlue = module === './evolink_tasks_bg.js';
        const newName = fromGlue ? (renames.get(field) ?? field) : field;
        if (fromGlue && !defined.has(newName)) {
          throw new Error(`${path}: import ${field} is not one the glue defines: run make pkg`);
        }
        out.push(...encodeName(module), ...encodeName(newName), wasm.subarray(desc, at));
      } else {
        const field = name();
        const desc = at;
        at++; // kind
        uleb(); // index
        const newName = renames.get(field) ?? field;
        exported.add(newName);
        out.push(...encodeName(newName), wasm.subarray(desc, at));
      }
    }
    if (at !== end) throw new Error(`${path}: section ${id} did not read to its end`);
    const payload = Buffer.concat(out);
    parts.push(Buffer.from([id]), encode(payload.length), payload);
  }
  const missing = [...called].filter((name) => !exported.has(name));
  if (missing.length) throw new Error(`${path} does not export what the glue calls: ${missing.join(', ')}`);
  writeFileSync(path, Buffer.concat(parts));
}
