// Takes the README's picture of the demo: `node www/screenshot.mjs` (needs `make pkg`).
// Starts the demo server (fake server mode) on a free port, opens the page in headless Chromium
// (/usr/bin/chromium, or $CHROMIUM) and, with the real time-based fake tasks (about 20 s each):
//   1. generates a first video and, 11 s later, a second one;
//   2. when the first has completed and its video shows a frame (the second is then mid-way),
//      saves docs/demo.png: the form, a completed task with its video, link expiry and timeline,
//      and a task in progress;
//   3. saves tests/artifacts/demo-dark.png (dark colour scheme) and demo-mobile.png (phone width).
// Takes about 30 s. Exits non-zero when a step fails or the page logs an error. The behaviour
// itself is tested by tests/demo/run.mjs; this script only makes pictures.

import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../scripts/chromium.mjs';
import { startDemoServer } from './serve.mjs';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const ARTIFACTS = path.join(ROOT, 'tests', 'artifacts');
const DOCS = path.join(ROOT, 'docs');
const DEMO_TASK_MS = 30_000;
const WIDTH = 1040;

async function main() {
  await mkdir(ARTIFACTS, { recursive: true });
  await mkdir(DOCS, { recursive: true });
  const server = await startDemoServer({ port: 0 });
  const browser = await launchChromium();
  const pageErrors = [];
  const timer = setTimeout(() => {
    process.stderr.write('screenshot: took longer than 90 s\n');
    process.exit(1);
  }, 90_000);
  try {
    // 0.85 device pixels per CSS pixel: about the width GitHub shows a README picture at anyway,
    // and it keeps docs/demo.png small.
    const page = await browser.newPage({ viewport: { width: WIDTH, height: 900 }, deviceScaleFactor: 0.85 });
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => msg.type() === 'error' && pageErrors.push(`console: ${msg.text()}`));
    await page.goto(`${server.url}/`);
    await page.locator('#generate-form button[type="submit"]:enabled').waitFor();

    await page.getByRole('button', { name: 'Generate video' }).click();
    const first = page.locator('#tasks > li').first();
    await first.locator('.task-id', { hasText: /^demo-/ }).waitFor();
    await page.waitForTimeout(11_000);

    await page.getByLabel('Model').selectOption('seedance-2.0-fast-text-to-video');
    await page.getByLabel('Prompt').fill('A red fox trotting through fresh snow at golden hour, shallow depth of field.');
    await page.getByLabel(/^Duration/).fill('8');
    await page.getByLabel('Aspect ratio').selectOption('9:16');
    await page.getByRole('button', { name: 'Generate video' }).click();
    const second = page.locator('#tasks > li').first();
    await second.locator('.task-id', { hasText: /^demo-/ }).waitFor();

    const video = page.locator('#tasks > li video').first();
    await video.waitFor({ timeout: DEMO_TASK_MS });
    await page.waitForFunction((el) => el.readyState >= 2, await video.elementHandle(), { timeout: 20_000 });
    // Show a frame from the first second of the clip: play it (muted) briefly, so that a frame
    // is surely painted (a seek on a paused video is not always painted in headless Chromium).
    await video.evaluate(async (el) => {
      el.muted = true;
      await el.play();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      el.pause();
    });
    await page.waitForTimeout(500);
    // Nothing focused, the pointer away from the cards.
    await page.evaluate(() => document.activeElement?.blur());
    await page.mouse.move(0, 0);
    // Down to the end of the task cards (the footer adds nothing to the picture).
    const bottom = await page.evaluate(() => Math.ceil(document.querySelector('.tasks-section').getBoundingClientRect().bottom + window.scrollY + 24));
    await shot(page, path.join(DOCS, 'demo.png'), { clip: { x: 0, y: 0, width: WIDTH, height: bottom } });

    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, path.join(ARTIFACTS, 'demo-dark.png'));
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(500);
    await shot(page, path.join(ARTIFACTS, 'demo-mobile.png'));
  } finally {
    clearTimeout(timer);
    await browser.close();
    await server.close();
  }
  if (pageErrors.length) throw new Error(`the page reported errors:\n${pageErrors.join('\n')}`);
}

async function shot(page, file, options = {}) {
  await page.screenshot({ path: file, fullPage: true, ...options });
  await writeFile(file, recompressPng(await readFile(file)));
  const { size } = await stat(file);
  process.stdout.write(`saved ${path.relative(process.cwd(), file)} (${Math.round(size / 1024)} KB)\n`);
}

/**
 * Chromium writes PNGs quickly, not small. This re-encodes an 8-bit RGB(A) PNG losslessly: the
 * alpha channel is dropped when every pixel is opaque, each row gets the PNG filter that suits
 * it best (minimum sum of absolute differences), and the data is deflated at level 9.
 * Anything else (palette, 16-bit, interlaced) is returned unchanged.
 */
function recompressPng(png) {
  const chunks = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    chunks.push({ type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  const header = chunks[0].data;
  const [width, height] = [header.readUInt32BE(0), header.readUInt32BE(4)];
  const [depth, colour, interlace] = [header[8], header[9], header[12]];
  if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0) return png;
  const channels = colour === 6 ? 4 : 3;
  const raw = zlib.inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : null;
    for (let i = 0; i < stride; i += 1) {
      const a = i >= channels ? row[i - channels] : 0;
      const b = up ? up[i] : 0;
      const c = up && i >= channels ? up[i - channels] : 0;
      row[i] = (line[i] + [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter]) & 255;
    }
  }
  const opaque = channels === 4 && pixels.every((v, i) => i % 4 !== 3 || v === 255);
  const outChannels = opaque ? 3 : channels;
  const outStride = width * outChannels;
  const flat = opaque ? Buffer.alloc(outStride * height) : pixels;
  if (opaque) for (let p = 0, q = 0; p < pixels.length; p += 4, q += 3) pixels.copy(flat, q, p, p + 3);
  const out = Buffer.alloc((outStride + 1) * height);
  const candidate = Buffer.alloc(outStride);
  for (let y = 0; y < height; y += 1) {
    const row = flat.subarray(y * outStride, (y + 1) * outStride);
    const up = y > 0 ? flat.subarray((y - 1) * outStride, y * outStride) : null;
    let best = Infinity;
    for (let filter = 0; filter < 5; filter += 1) {
      let cost = 0;
      for (let i = 0; i < outStride; i += 1) {
        const a = i >= outChannels ? row[i - outChannels] : 0;
        const b = up ? up[i] : 0;
        const c = up && i >= outChannels ? up[i - outChannels] : 0;
        const v = (row[i] - [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter]) & 255;
        candidate[i] = v;
        cost += v < 128 ? v : 256 - v;
      }
      if (cost < best) {
        best = cost;
        out[y * (outStride + 1)] = filter;
        candidate.copy(out, y * (outStride + 1) + 1);
      }
    }
  }
  const newHeader = Buffer.from(header);
  newHeader[9] = opaque ? 2 : colour;
  return Buffer.concat([
    png.subarray(0, 8),
    pngChunk('IHDR', newHeader),
    pngChunk('IDAT', zlib.deflateSync(out, { level: 9, memLevel: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function paeth(a, b, c) {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function pngChunk(type, data) {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

function crc32(bytes) {
  if (zlib.crc32) return zlib.crc32(bytes);
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

main().catch((err) => {
  process.stderr.write(`screenshot: ${err.stack ?? err}\n`);
  process.exit(1);
});
