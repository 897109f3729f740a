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
