// Fake EvoLink server for the tests and the demo: a real HTTP server on loopback, plain
// node:http, no dependencies (see README.md). This file owns the HTTP side: routing, CORS,
// the request log, per-task state, creation requests, static and media file serving, and
// the CLI. What each task id answers is decided in scenarios.mjs.

import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
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
  const state = {
    log: [], tasks: new Map(), creates: new Map(), baseUrl: "", evolinkIds,
    // Result files: their request log, the signatures expired on demand, GETs per URL (for cuts).
    mediaLog: [], expired: new Set(), mediaGets: new Map(),
  };
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
    mediaRequests: () => [...state.mediaLog],
    expire: (sig) => void state.expired.add(sig),
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
  state.mediaLog.length = 0;
  state.expired.clear();
  state.mediaGets.clear();
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
  if (pathname === '/__media' && req.method === 'GET') return send(res, jsonReply(200, state.mediaLog));
  if (pathname === '/__expire' && req.method === 'POST') {
    const sig = new URLSearchParams(query).get('sig');
    if (!sig) return send(res, errorReply(400, { message: 'POST /__expire?sig=<signature>' }));
    state.expired.add(sig);
    return send(res, jsonReply(200, { expired: sig }));
  }
  const result = /^\/(media|generated)\//.test(pathname) && (req.method === 'GET' || req.method === 'HEAD');
  const media = result ? mediaOptions(req, state, pathname, query) : null;
  if (media?.expired) {
    // As a storage provider's signed URL answers once its time is up (S3, R2: 403 AccessDenied).
    res.writeHead(403, { 'content-type': 'application/xml' });
    return void res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
  }
  const generated = /^\/generated\/(\d{1,11})(\.[a-z0-9]+)?$/.exec(pathname);
  if (generated && result) {
    const size = Number(generated[1]);
    const type = CONTENT_TYPES[generated[2] ?? ''] ?? 'application/octet-stream';
    return sendBytes(req, res, size, type, (start, end) => generatedStream(start, end), media);
  }
  const mount = mounts.find(([prefix]) => pathname === prefix || pathname.startsWith(`${prefix}/`));
  if (mount && (req.method === 'GET' || req.method === 'HEAD')) {
    return serveFile(req, res, mount[1], pathname.slice(mount[0].length), pathname, media);
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

async function serveFile(req, res, root, relPath, pathname, media = null) {
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
  if (media) {
    const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    return sendBytes(req, res, info.size, type, (start, end) => createReadStream(file, { start, end }), media);
  }
  return streamFile(req, res, file, info.size);
}

/**
 * What a request for a result file (/media/…, /generated/…) asks of it, from its query, and its
 * entry in the media log: `sig=S` (expired once POST /__expire?sig=S was called), `cut=N` (the
 * answer promises the whole length but the socket is destroyed after N bytes of body) for the
 * first `cuts=K` GETs of that exact URL (every GET when `cuts` is absent), `chunked=1` (no
 * Content-Length: sent chunked, as from a server that does not know the length), `pace=MS` (a
 * pause of MS ms after each 64 KiB of body: a slow download).
 */
function mediaOptions(req, state, pathname, query) {
  const params = new URLSearchParams(query);
  const url = `${pathname}?${query}`;
  const gets = (state.mediaGets.get(url) ?? 0) + (req.method === 'GET' ? 1 : 0);
  state.mediaGets.set(url, gets);
  const sig = params.get('sig');
  const expired = sig !== null && state.expired.has(sig);
  const cut = /^\d+$/.test(params.get('cut') ?? '') ? Number(params.get('cut')) : null;
  const cuts = /^\d+$/.test(params.get('cuts') ?? '') ? Number(params.get('cuts')) : Infinity;
  const options = {
    expired,
    cutAt: cut !== null && req.method === 'GET' && gets <= cuts ? cut : null,
    chunked: params.get('chunked') === '1',
    paceMs: /^\d{1,5}$/.test(params.get('pace') ?? '') ? Number(params.get('pace')) : 0,
  };
  state.mediaLog.push({
    method: req.method, path: pathname, query, range: req.headers.range ?? null,
    status: expired ? 403 : null, cut: options.cutAt, time: Date.now(),
  });
  return options;
}

/** Sends `size` bytes from `open(start, end)` (a Readable), with Range support, honouring a
 * result file's options (`cutAt`, `chunked`). Streams with backpressure: nothing is held whole. */
function sendBytes(req, res, size, contentType, open, { cutAt = null, chunked = false, paceMs = 0 } = {}) {
  const headers = { 'content-type': contentType, 'accept-ranges': 'bytes' };
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    return void res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end();
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  if (!chunked) headers['content-length'] = end - start + 1;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || size === 0) return void res.end();
  const stream = paceMs > 0 ? paced(open(start, end), paceMs) : open(start, end);
  if (cutAt === null) {
    stream.on('error', () => res.destroy()).pipe(res);
    return;
  }
  // Cut off midway: the first cutAt bytes, then the connection is destroyed.
  let sent = 0;
  stream.on('data', (chunk) => {
    const room = cutAt - sent;
    if (chunk.length >= room) {
      stream.destroy();
      res.write(chunk.subarray(0, room), () => res.socket?.destroy());
      sent = cutAt;
      return;
    }
    sent += chunk.length;
    if (!res.write(chunk)) {
      stream.pause();
      res.once('drain', () => stream.resume());
    }
  });
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
}

/** `source` re-chunked to 64 KiB pieces with a pause of `ms` after each. */
function paced(source, ms) {
  return Readable.from((async function* pieces() {
    for await (const chunk of source) {
      for (let at = 0; at < chunk.length; at += 64 * 1024) {
        yield chunk.subarray(at, at + 64 * 1024);
        await new Promise((ok) => setTimeout(ok, ms));
      }
    }
  })());
}

/** The byte at `offset` of every generated file: varied, and computable from the offset alone
 * (a test checks any range of a copy without the original). */
export const generatedByte = (offset) => (offset ^ (offset >>> 8) ^ (offset >>> 16) ^ (offset >>> 24)) & 255;

/** Bytes start..end (inclusive) of a generated file, made as they are read (64 KiB at a time). */
function generatedStream(start, end) {
  let at = start;
  return new Readable({
    read() {
      if (at > end) return void this.push(null);
      const n = Math.min(64 * 1024, end - at + 1);
      const chunk = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i += 1) chunk[i] = generatedByte(at + i);
      at += n;
      this.push(chunk);
    },
  });
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
