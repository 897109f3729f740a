// Node CJS harness: `require('evolink-tasks')` must resolve to node.cjs (conditions "node" →
// "require"); the suite (ESM) comes in by dynamic import. Run from the scratch project with
// BASE = the fake server's URL; prints "node-cjs: N passed, M failed".
const pkg = require('evolink-tasks');

async function main() {
  const { runSuite } = await import('./suite.mjs');
  const { report } = await import('./report.mjs');
  const resolved = require.resolve('evolink-tasks');
  if (!resolved.endsWith('/node_modules/evolink-tasks/node.cjs') || !require.cache[resolved]) {
    throw new Error(`require('evolink-tasks') loaded ${resolved}, not node.cjs`);
  }
  process.exitCode = report('node-cjs', await runSuite(pkg, process.env.BASE)) ? 0 : 1;
}

main().catch((error) => {
  console.log(`node-cjs: did not run: ${error.stack}`);
  process.exitCode = 1;
});
