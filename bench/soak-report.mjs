// Section "Memory soak": runs `node --expose-gc bench/soak.mjs --json` (100,000 polls after
// 30,000 of warm-up, waits that finish, fail, time out and get aborted) and shows its figures
// as soak.mjs's own table does. `node bench/soak-report.mjs` alone.
import { join } from 'node:path';
import { benchDir, runJson, table, target } from './lib.mjs';

export const title = 'Memory soak: 100,000 polls after warm-up';
const kib = (b) => `${(b / 1024).toFixed(0)} KiB`;

export async function run() {
  const r = await runJson(process.execPath, ['--expose-gc', join(benchDir, 'soak.mjs'), '--json'], { timeoutMs: 300_000 });
  const markdown = `${r.polls} polls after ${r.warmUpPolls} of warm-up, ${r.waits} waits in all (${r.seconds} s)\n\n` + table([
    ['', 'what', 'l'], ['after warm-up', (x) => kib(x.warm)], ['at the end', (x) => kib(x.end)], ['growth', (x) => kib(x.growth)],
  ], [
    { what: 'wasm memory', warm: r.warm.wasmBytes, end: r.end.wasmBytes, growth: r.growth.wasmBytes },
    { what: 'JS heap used', warm: r.warm.heapBytes, end: r.end.heapBytes, growth: r.growth.heapBytes },
  ]) + `\n\nwasm-bindgen's externref table (its length, a capacity; its slots are counted in the JS heap): ${r.warm.externrefSlots} slots after warm-up, ${r.end.externrefSlots} at the end.`;
  return {
    markdown,
    data: r,
    targets: [target('wasm memory flat and JS heap growth under 2 MiB after warm-up', r.pass, `wasm ${r.growth.wasmBytes} B, heap ${r.growth.heapBytes} B`)],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run();
  console.log(r.markdown);
  for (const t of r.targets) console.log(`${t.pass ? 'PASS' : 'FAIL'} ${t.target} (${t.value})`);
}
