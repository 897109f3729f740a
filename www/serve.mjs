// Serves the demo page: `node www/serve.mjs [--port N]`.
// Starts the fake EvoLink server (tests/fake-server) on 127.0.0.1 with www/ at `/` and the
// built package (pkg/, run `make pkg` first) at `/pkg`, prints the page's address, and runs
// until Ctrl-C. Without --port it takes 8787, or any free port when 8787 is taken.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startFakeServer } from '../tests/fake-server/server.mjs';

const WWW_DIR = path.dirname(fileURLToPath(import.meta.url));
const PKG_DIR = path.join(WWW_DIR, '..', 'pkg');
const DEFAULT_PORT = 8787;

/** Starts the demo server on `port` (0 = any free port). Resolves to the fake server handle. */
export function startDemoServer({ port = 0 } = {}) {
  return startFakeServer({ port, staticDirs: { '/': WWW_DIR, '/pkg': PKG_DIR } });
}

async function startOnDefaultPort() {
  try {
    return await startDemoServer({ port: DEFAULT_PORT });
  } catch (err) {
    if (err?.code !== 'EADDRINUSE') throw err;
    return startDemoServer({ port: 0 });
  }
}

function parsePort(text) {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port: ${text}`);
  return port;
}

async function main(args) {
  const { values } = parseArgs({ args, options: { port: { type: 'string' } } });
  if (!existsSync(path.join(PKG_DIR, 'browser.mjs'))) {
    process.stderr.write('serve: pkg/browser.mjs is missing; run `make pkg` first.\n');
  }
  const server =
    values.port === undefined ? await startOnDefaultPort() : await startDemoServer({ port: parsePort(values.port) });
  process.stdout.write(`Demo: ${server.url}/\n`);
  const stop = () => server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`serve: ${err.message}\n`);
    process.exit(2);
  });
}
