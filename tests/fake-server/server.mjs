// Fake EvoLink server for the tests and the demo: a real HTTP server on loopback, plain
// node:http, no dependencies (see README.md). This file owns the HTTP side: routing, CORS,
// the request log, per-task state, creation requests, static and media file serving, and
// the CLI. What each task id answers is decided in scenarios.mjs.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { answerTaskGet, createTask, errorReply, jsonReply, newTask } from './scenarios.mjs';

const MEDIA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'media');
const MAX_BODY_BYTES = 1024 * 1024;

const COMMON_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, content-type, x-test',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-expose-headers': 'retry-after, x-request-id',
  'cache-control': 'no-store',
};

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.mp4': 'video/mp4',
  '.mp3': 'audio/mpeg',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

const CREATE_ROUTES = new Map([
  ['/v1/videos/generations', 'video'],
  ['/v1/images/generations', 'image'],
  ['/v1/audios/generations', 'audio'],
]);

/**
 * Starts the server. `staticDirs` maps URL prefixes to directories served read-only.
 * Resolves to { url, port, close(), requests(id?), reset() }.
 */
export async function startFakeServer({ port = 0, host = '127.0.0.1', staticDirs = {}, evolinkIds = false } = {}) {
  const state = { log: [], tasks: new Map(), creates: new Map(), baseUrl: "", evolinkIds };
  const mounts = [['/media', MEDIA_DIR], ...staticMounts(staticDirs)];
  const server = createServer((req, res) => {
    handle(req, res, state, mounts).catch((err) => failRequest(res, err));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;
  state.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  return {
    url: state.baseUrl,
    port: actualPort,
    close: () => closeServer(server),
    requests: (id) => (id === undefined ? [...state.log] : state.log.filter((r) => r.taskId === id)),
    reset: () => resetState(state),
  };
}

function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function resetState(state) {
  state.log.length = 0;
  state.tasks.clear();
  state.creates.clear();
}

/** Static mounts as [prefix without trailing slash, absolute dir], longest prefix first. */
function staticMounts(staticDirs) {
  return Object.entries(staticDirs)
    .map(([prefix, dir]) => [prefix.replace(/\/+$/, ''), path.resolve(dir)])
    .sort(([a], [b]) => b.length - a.length);
}

/** A loopback port that was just free: a connection to it is refused (for network-error tests;
 * browsers block well-known ports such as 9, so a high one is needed). */
function closedPort() {
  return new Promise((resolve, reject) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

async function handle(req, res, state, mounts) {
  for (const [name, value] of Object.entries(COMMON_HEADERS)) res.setHeader(name, value);
  if (req.method === 'OPTIONS') return void res.writeHead(204).end();
  const [pathname, query = ''] = req.url.split(/\?(.*)/s);
  if (pathname.startsWith('/v1/')) return handleApi(req, res, state, pathname, query);
  // The API behind a gateway path (`/gw-<anything>/v1/...`), as a base URL with a path reaches it.
  const gateway = /^\/gw-[^/]+(\/v1\/.*)$/s.exec(pathname);
  if (gateway) return handleApi(req, res, state, gateway[1], query, pathname);
  if (pathname === '/__requests' && req.method === 'GET') {
    const id = new URLSearchParams(query).get('id');
    return send(res, jsonReply(200, id === null ? state.log : state.log.filter((r) => r.taskId === id)));
  }
  if (pathname === '/turnstile/v0/siteverify' && req.method === 'POST') return siteverify(req, res, state, query);
  if (pathname === '/__closed-port' && req.method === 'GET') {
    return send(res, jsonReply(200, { port: await closedPort() }));
  }
  if (pathname === '/__reset' && req.method === 'POST') {
    resetState(state);
    return send(res, jsonReply(200, { reset: true }));
  }
  const mount = mounts.find(([prefix]) => pathname === prefix || pathname.startsWith(`${prefix}/`));
  if (mount && (req.method === 'GET' || req.method === 'HEAD')) {
    return serveFile(req, res, mount[1], pathname.slice(mount[0].length), pathname);
  }
  return send(res, errorReply(404, { message: `No route for ${req.method} ${pathname}.` }));
}

async function handleApi(req, res, state, pathname, query, rawPath = pathname) {
  const record = recordRequest(state, req, rawPath, query);
  const taskPath = /^\/v1\/tasks\/([^/]+)$/.exec(pathname);
  if (taskPath && req.method === 'GET') return answerTask(res, state, record, taskPath[1]);
  if (pathname === '/v1/credits' && req.method === 'GET') return send(res, jsonReply(200, { credits: 1000 }));
  const kind = CREATE_ROUTES.get(pathname);
  if (kind && req.method === 'POST') return createFromRequest(req, res, state, record, kind);
  return send(res, errorReply(404, { message: `No route for ${req.method} ${pathname}.` }));
}

/** A fake of Cloudflare Turnstile's siteverify (form body `secret`, `response`, `remoteip`):
 * success when both are set and the token starts with "pass"; logged like the API's requests. */
async function siteverify(req, res, state, query) {
  const record = recordRequest(state, req, '/turnstile/v0/siteverify', query);
  const text = await readBody(req, MAX_BODY_BYTES);
  if (text === null) return send(res, errorReply(413));
  record.body = text;
  const form = new URLSearchParams(text);
  const codes = [];
  if (!form.get('secret')) codes.push('missing-input-secret');
  if (!form.get('response')) codes.push('missing-input-response');
  else if (!form.get('response').startsWith('pass')) codes.push('invalid-input-response');
  const answer = { success: codes.length === 0, 'error-codes': codes };
  // A token `pass…@<hostname>[/<action>]` was solved on that host, for that widget action.
  const where = /@([^/]+)(?:\/(.*))?$/.exec(form.get('response') ?? '');
  if (answer.success && where) Object.assign(answer, { hostname: where[1], ...(where[2] ? { action: where[2] } : {}) });
  return send(res, jsonReply(200, answer));
}

function recordRequest(state, req, pathname, query) {
  const record = {
    method: req.method,
    path: pathname,
    query,
    taskId: null,
    authorization: req.headers.authorization ?? null,
    headers: { ...req.headers },
    body: null,
    time: Date.now(),
  };
  state.log.push(record);
  return record;
}

function answerTask(res, state, record, encodedId) {
  const id = decodeOrNull(encodedId);
  if (id === null) return send(res, errorReply(400, { message: 'The task id is not valid.' }));
  record.taskId = id;
  if (!state.tasks.has(id)) state.tasks.set(id, newTask(id, Date.now()));
  const task = state.tasks.get(id);
  task.gets += 1;
  return send(res, answerTaskGet(task, { baseUrl: state.baseUrl, now: Date.now() }));
}

async function createFromRequest(req, res, state, record, kind) {
  const text = await readBody(req, MAX_BODY_BYTES);
  if (text === null) return send(res, errorReply(413));
  record.body = text;
  const attempt = (state.creates.get(text) ?? 0) + 1;
  state.creates.set(text, attempt);
  const { reply, task } = createTask(kind, text, Date.now(), attempt, { evolinkIds: state.evolinkIds });
  if (task) {
    state.tasks.set(task.id, task);
    record.taskId = task.id;
  }
  return send(res, reply);
}

/** The request body as text, or null when it is larger than `limit` bytes. */
async function readBody(req, limit) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? null : Buffer.concat(chunks).toString('utf8');
}

/** Writes a scenario reply, honouring `delayMs` and the `hang` / `reset` actions. */
function send(res, reply) {
  if (reply.action === 'hang') return;
  if (reply.action === 'drop') return void res.socket.destroy();
  if (reply.delayMs) {
    const timer = setTimeout(() => send(res, { ...reply, delayMs: 0 }), reply.delayMs);
    res.once('close', () => clearTimeout(timer));
    return;
  }
  let body = Buffer.from(reply.body ?? '');
  if (reply.encoding === 'chunked') {
    res.writeHead(reply.status, reply.headers);
    for (let at = 0; at < body.length; at += 64 * 1024) res.write(body.subarray(at, at + 64 * 1024));
    res.end();
    return;
  }
  if (reply.encoding === 'gzip') body = zlib.gzipSync(body);
  const encoding = reply.encoding === 'gzip' ? { 'content-encoding': 'gzip' } : {};
  res.writeHead(reply.status, { ...reply.headers, ...encoding, 'content-length': body.length });
  if (reply.action === 'reset') {
    const socket = res.socket;
    res.write(body.subarray(0, body.length >> 1), () => socket.destroy());
    return;
  }
  res.end(body);
}

function failRequest(res, err) {
  if (res.headersSent) return void res.destroy();
  send(res, errorReply(500, { message: String(err?.message ?? err) }));
}

async function serveFile(req, res, root, relPath, pathname) {
  const segments = safeSegments(relPath);
  if (!segments) return send(res, errorReply(403, { message: 'Path not allowed.' }));
  let file = path.join(root, ...segments);
  let info = await statOrNull(file);
  if (info?.isDirectory()) {
    if (!pathname.endsWith('/')) return void res.writeHead(301, { location: `${pathname}/` }).end();
    file = path.join(file, 'index.html');
    info = await statOrNull(file);
  }
  if (!info?.isFile()) return send(res, errorReply(404, { message: `No file at ${pathname}.` }));
  return streamFile(req, res, file, info.size);
}

/** Decoded path segments, or null if any is `..`, undecodable, or hides a separator. */
function safeSegments(relPath) {
  const segments = relPath.split('/').map(decodeOrNull);
  const unsafe = (s) => s === null || s === '..' || /[/\\\0]/.test(s);
  return segments.some(unsafe) ? null : segments.filter((s) => s !== '' && s !== '.');
}

function decodeOrNull(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

async function statOrNull(file) {
  try {
    return await stat(file);
  } catch {
    return null;
  }
}

function streamFile(req, res, file, size) {
  const headers = {
    'content-type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'accept-ranges': 'bytes',
  };
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    return void res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end();
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range ? 206 : 200, { ...headers, 'content-length': end - start + 1 });
  if (req.method === 'HEAD' || size === 0) return void res.end();
  createReadStream(file, { start, end })
    .on('error', () => res.destroy())
    .pipe(res);
}

/**
 * A single `bytes=` range as { start, end } (inclusive), 'unsatisfiable', or null when
 * there is no usable Range header (then the whole file is sent).
 */
function parseRange(header, size) {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header ?? '');
  if (!match || (match[1] === '' && match[2] === '')) return null;
  const [start, end] =
    match[1] === ''
      ? [Math.max(0, size - Number(match[2])), size - 1]
      : [Number(match[1]), match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)];
  return start > end || start >= size ? 'unsatisfiable' : { start, end };
}

/** CLI: `node server.mjs [--port N] [--static PREFIX=DIR]... [--evolink-ids]` */
async function main(args) {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '0' },
      static: { type: 'string', multiple: true, default: [] },
      'evolink-ids': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port: ${values.port}`);
  const staticDirs = Object.fromEntries(values.static.map(parseStaticArg));
  const server = await startFakeServer({ port, staticDirs, evolinkIds: values['evolink-ids'] });
  process.stdout.write(`listening ${server.url}\n`);
  const stop = () => server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function parseStaticArg(arg) {
  const eq = arg.indexOf('=');
  if (eq <= 0 || eq === arg.length - 1) throw new Error(`bad --static (want PREFIX=DIR): ${arg}`);
  return [arg.slice(0, eq), arg.slice(eq + 1)];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`fake-server: ${err.message}\n`);
    process.exit(2);
  });
}
