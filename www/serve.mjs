// Serves the demo page: `node www/serve.mjs [--port N]` (what `make demo` runs).
//
// Two modes, chosen by the environment:
//   - fake server (the default): the fake EvoLink server from tests/fake-server plays the API;
//     nothing leaves the machine and no key is needed.
//   - real API, when EVOLINK_API_KEY is set: `/v1/*` is proxied to https://api.evolink.ai (or
//     EVOLINK_BASE_URL) and this server adds `Authorization: Bearer $EVOLINK_API_KEY` on the way
//     out. The page never sees the key: it is not in any page, script, JSON or header sent back.
//
// Either way one server on 127.0.0.1 answers the page: www/ at `/`, the built package (pkg/,
// run `make pkg` first) at `/pkg`, `/demo-config.json` (the mode, never the key) and `/v1/*`.
// Behind it a fake server on another loopback port serves the files (and, in fake mode, the API
// and its test hooks `/__requests`, `/__reset`). Without --port it takes 8787, or any free port
// when 8787 is taken. Runs until Ctrl-C.

import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startFakeServer } from '../tests/fake-server/server.mjs';

const WWW_DIR = path.dirname(fileURLToPath(import.meta.url));
const PKG_DIR = path.join(WWW_DIR, '..', 'pkg');
const DEFAULT_PORT = 8787;
const DEFAULT_UPSTREAM = 'https://api.evolink.ai';
const UPSTREAM_TIMEOUT_MS = 60_000;
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

// Request headers passed on to the real API (everything else, cookies included, stays here),
// and response headers passed back to the page.
const UPSTREAM_REQUEST_HEADERS = ['accept', 'content-type', 'content-length', 'user-agent'];
const UPSTREAM_RESPONSE_HEADERS = ['content-type', 'content-length', 'retry-after', 'date'];

/**
 * Starts the demo server on `host:port` (0 = any free port). With `apiKey` it proxies `/v1/*`
 * to `upstream` adding the key; without, the fake server answers the API.
 * Resolves to { url, port, mode, fake, requests(id?), close() }; `fake` is the fake server
 * behind (its `requests` log is the fake API's in fake mode).
 */
export async function startDemoServer({ port = 0, host = '127.0.0.1', apiKey, upstream = DEFAULT_UPSTREAM } = {}) {
  const real = typeof apiKey === 'string' && apiKey !== '';
  const upstreamUrl = real ? parseUpstream(upstream) : null;
  const fake = await startFakeServer({ staticDirs: { '/': WWW_DIR, '/pkg': PKG_DIR } });
  const ctx = { real, apiKey: real ? apiKey : null, upstream: upstreamUrl, fake, origins: [] };
  const server = http.createServer((req, res) => {
    route(req, res, ctx).catch((err) => replyError(res, 500, 'demo_server_error', String(err?.message ?? err)));
  });
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
  } catch (err) {
    await fake.close();
    throw err;
  }
  const actualPort = server.address().port;
  ctx.origins = LOOPBACK_NAMES.map((name) => `${name}:${actualPort}`);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  return {
    url,
    port: actualPort,
    mode: real ? 'real' : 'fake',
    fake,
    requests: (id) => fake.requests(id),
    close: async () => {
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await fake.close();
    },
  };
}

function parseUpstream(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`EVOLINK_BASE_URL is not a URL: ${text}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`EVOLINK_BASE_URL must be http(s): ${text}`);
  // A base path is kept (`https://host/prefix` proxies `/v1/x` to `/prefix/v1/x`).
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, ''), href: url.href };
}

async function route(req, res, ctx) {
  // Only loopback names may reach this server: a page on another site cannot rebind its own
  // domain name to 127.0.0.1 and use the proxy (and the key behind it).
  if (!ctx.origins.includes(String(req.headers.host ?? '').toLowerCase())) {
    return replyError(res, 421, 'misdirected_request', 'Open the demo at http://127.0.0.1 (the address serve.mjs printed).');
  }
  const pathname = req.url.split('?', 1)[0];
  if (pathname === '/demo-config.json') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return replyError(res, 405, 'method_not_allowed', 'GET only.');
    return replyJson(res, 200, demoConfig(ctx));
  }
  if (ctx.real && pathname.startsWith('/v1/')) return proxyToUpstream(req, res, ctx);
  // The fake server's test hooks would show the upstream's traffic; there is none in real mode.
  if (ctx.real && pathname.startsWith('/__')) return replyError(res, 404, 'not_found', `No route for ${pathname}.`);
  return forward(req, res, new URL(req.url, ctx.fake.url), { ...req.headers, host: new URL(ctx.fake.url).host });
}

/** What the page may know about this server. Never the key. */
function demoConfig(ctx) {
  return ctx.real
    ? { mode: 'real', api: ctx.upstream.origin, keyHeldByServer: true }
    : { mode: 'fake', api: 'fake EvoLink server on 127.0.0.1', keyHeldByServer: false };
}

/** Proxies one `/v1/*` request of the page to the real API, adding the key. */
function proxyToUpstream(req, res, ctx) {
  if (req.method !== 'GET' && req.method !== 'POST') return replyError(res, 405, 'method_not_allowed', 'GET and POST only.');
  // Only this page may spend the key: refuse requests sent from other sites' pages.
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  const ownOrigin = origin !== undefined && ctx.origins.some((o) => origin.toLowerCase() === `http://${o}`);
  if ((origin !== undefined && !ownOrigin) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
    return replyError(res, 403, 'cross_site_request', 'The demo proxy only answers the demo page itself.');
  }
  const target = new URL(`${ctx.upstream.basePath}${req.url}`, ctx.upstream.origin);
  const headers = {};
  for (const name of UPSTREAM_REQUEST_HEADERS) if (req.headers[name] !== undefined) headers[name] = req.headers[name];
  headers.authorization = `Bearer ${ctx.apiKey}`;
  return forward(req, res, target, headers, { responseHeaders: UPSTREAM_RESPONSE_HEADERS, timeoutMs: UPSTREAM_TIMEOUT_MS });
}

/**
 * Streams `req` to `target` and the answer back. `responseHeaders` limits the headers passed
 * back (all when omitted). Errors become a JSON 502/504 the client understands.
 */
function forward(req, res, target, headers, { responseHeaders, timeoutMs } = {}) {
  return new Promise((resolve) => {
    const transport = target.protocol === 'https:' ? https : http;
    const out = transport.request(target, { method: req.method, headers }, (answer) => {
      const passed = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (responseHeaders === undefined || responseHeaders.includes(name)) passed[name] = value;
      }
      passed['cache-control'] = 'no-store';
      res.writeHead(answer.statusCode ?? 502, passed);
      answer.pipe(res);
      answer.on('end', resolve);
      answer.on('error', () => {
        res.destroy();
        resolve();
      });
    });
    if (timeoutMs) {
      out.setTimeout(timeoutMs, () => out.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    }
    out.on('error', (err) => {
      if (!res.headersSent) {
        const timedOut = err.code === 'ETIMEDOUT';
        replyError(
          res,
          timedOut ? 504 : 502,
          timedOut ? 'upstream_timeout' : 'upstream_unreachable',
          `The demo server could not reach ${target.origin} (${err.code ?? err.message}).`,
        );
      } else {
        res.destroy();
      }
      resolve();
    });
    // The page gave up (Stop, or the client's own timeout): give up upstream too.
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    req.pipe(out);
  });
}

function replyJson(res, status, value) {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length, 'cache-control': 'no-store' });
  res.end(body);
}

/** An error in the API's own error-body form, so the client reads it like any other. */
function replyError(res, status, code, message) {
  if (res.headersSent) return void res.destroy();
  replyJson(res, status, { error: { code, message, type: 'demo_server_error', param: '', fallback_suggestion: '' } });
}

async function startOnDefaultPort(options) {
  try {
    return await startDemoServer({ ...options, port: DEFAULT_PORT });
  } catch (err) {
    if (err?.code !== 'EADDRINUSE') throw err;
    return startDemoServer({ ...options, port: 0 });
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
  const options = {
    apiKey: process.env.EVOLINK_API_KEY || undefined,
    upstream: process.env.EVOLINK_BASE_URL || DEFAULT_UPSTREAM,
  };
  const server =
    values.port === undefined ? await startOnDefaultPort(options) : await startDemoServer({ ...options, port: parsePort(values.port) });
  const how =
    server.mode === 'real'
      ? `real API: /v1/* is proxied to ${parseUpstream(options.upstream).origin} with EVOLINK_API_KEY added here (tasks are billed)`
      : 'fake server: nothing leaves this machine (set EVOLINK_API_KEY to use the real API)';
  process.stdout.write(`Demo: ${server.url}/\n  ${how}\n`);
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
