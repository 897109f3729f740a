// Prints what a browser downloads to use the package (the wasm and the browser entry), raw,
// gzip and brotli, after every `make pkg`.
import { readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const files = ['pkg/evolink_tasks.wasm', 'pkg/browser.mjs'];
const sizes = files.map((file) => {
  const bytes = readFileSync(new URL(`../${file}`, import.meta.url));
  const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, brotli: brotli.length };
});
const total = sizes.reduce((t, s) => ({ raw: t.raw + s.raw, gzip: t.gzip + s.gzip, brotli: t.brotli + s.brotli }), { raw: 0, gzip: 0, brotli: 0 });
for (const s of [...sizes, { file: 'total', ...total }]) {
  console.log(`    ${s.file.padEnd(26)} ${String(s.raw).padStart(7)} B  gzip ${String(s.gzip).padStart(6)} B  brotli ${String(s.brotli).padStart(6)} B`);
}

// The opt-in entries, downloaded only by a page that imports them (on top of the above): as
// shipped, and minified as a bundler would ship them.
const { transformSync } = await import('esbuild');
for (const file of ['pkg/browser-tasks.mjs', 'pkg/react.mjs']) {
  const source = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
  const minified = transformSync(source, { minify: true, format: 'esm', target: 'es2022' }).code;
  const br = (text) => brotliCompressSync(Buffer.from(text), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  console.log(`    ${`${file} (opt-in)`.padEnd(26)} ${String(source.length).padStart(7)} B  brotli ${String(br(source)).padStart(6)} B  minified ${String(minified.length).padStart(6)} B  brotli ${String(br(minified)).padStart(5)} B`);
}
