// Checks the demo page in a real browser and saves screenshots: `node www/screenshot.mjs`.
// Starts the demo server on a free port, opens the page in headless Chromium
// (/usr/bin/chromium, or $CHROMIUM), and
//   1. generates a video: saves tests/artifacts/demo-progress.png mid-way, waits until the
//      <video> has decoded a frame and plays, saves tests/artifacts/demo-done.png;
//   2. generates with a failing prompt: waits for the error message, saves demo-error.png;
//   3. saves demo-mobile.png at a phone width and demo-dark.png in the dark colour scheme.
// Exits non-zero when a step fails or the page logs an error.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startDemoServer } from './serve.mjs';

const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'artifacts');
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const DEMO_TASK_MS = 25_000;

async function main() {
  await mkdir(ARTIFACTS, { recursive: true });
  const server = await startDemoServer({ port: 0 });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const pageErrors = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1180, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => msg.type() === 'error' && pageErrors.push(`console: ${msg.text()}`));
    await page.goto(`${server.url}/`);
    await page.locator('#generate-form button[type="submit"]:enabled').waitFor();

    await generatesAVideo(page);
    await showsAFailure(page);
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'demo-mobile.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'demo-dark.png');
  } finally {
    await browser.close();
    await server.close();
  }
  if (pageErrors.length) throw new Error(`the page reported errors:\n${pageErrors.join('\n')}`);
}

async function generatesAVideo(page) {
  await page.getByRole('button', { name: 'Generate video' }).click();
  const card = page.locator('#tasks > li').first();
  await card.locator('.task-id', { hasText: /^demo-/ }).waitFor();
  await card.locator('.badge', { hasText: 'processing' }).waitFor({ timeout: 10_000 });
  await page.waitForFunction((el) => el.value >= 40, await card.locator('progress').elementHandle(), { timeout: DEMO_TASK_MS });
  await expectText(card.locator('.eta'), /left|moment/);
  await shot(page, 'demo-progress.png');

  const video = card.locator('video');
  await video.waitFor({ timeout: DEMO_TASK_MS });
  await expectText(card.locator('.badge'), /^completed$/);
  await page.waitForFunction((el) => el.readyState >= 2, await video.elementHandle(), { timeout: 20_000 });
  const played = await video.evaluate(playBriefly);
  if (!(played > 0.2)) throw new Error(`the video did not play (currentTime ${played})`);
  await expectText(card.locator('a.download'), /Download video/);
  await shot(page, 'demo-done.png');
}

/** Runs in the page: plays the muted video for a moment, pauses, returns the time reached. */
async function playBriefly(video) {
  video.muted = true;
  await video.play();
  await new Promise((resolve) => setTimeout(resolve, 800));
  video.pause();
  return video.currentTime;
}

async function showsAFailure(page) {
  await page.getByLabel('Prompt').fill('A storm over the harbour. This one should fail, on purpose.');
  await page.getByRole('button', { name: 'Generate video' }).click();
  const card = page.locator('#tasks > li').first();
  await card.locator('.task-id', { hasText: /^demofail-/ }).waitFor();
  const problem = card.locator('.problem');
  await problem.waitFor({ state: 'visible', timeout: DEMO_TASK_MS });
  await expectText(problem.locator('.problem-title'), /took too long/);
  await expectText(card.locator('.badge'), /^failed$/);
  await shot(page, 'demo-error.png');
}

async function expectText(locator, pattern) {
  const text = (await locator.textContent()) ?? '';
  if (!pattern.test(text.trim())) throw new Error(`expected ${pattern} in ${locator}, got "${text}"`);
}

async function shot(page, name) {
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file, fullPage: true });
  process.stdout.write(`saved ${path.relative(process.cwd(), file)}\n`);
}

main().catch((err) => {
  process.stderr.write(`screenshot: ${err.stack ?? err}\n`);
  process.exit(1);
});
