// The demo page (www/) in headless Chromium: `node tests/demo/run.mjs` (needs `make pkg`).
//
// Starts www/serve.mjs's demo server on a free loopback port (fake server mode) and checks, each
// scenario in a fresh browser context (its own localStorage):
//   create    a video is created, progresses, completes and plays; timeline and link expiry shown
//   failure   a failing task shows what happened and what to do, in words
//   retries   failed polls show in the timeline as retried, and the task still completes
//   reload    a reload mid-task brings the card back and it completes; a finished one is re-fetched
//   tabs      a second tab shows the task from the library's record and follows the first tab's
//             poll without requests of its own; closing the first, it takes over and completes
//   stop      Stop aborts: the card says stopped and the server sees no request for it afterwards
//   invalid   a bad duration / 1080p on a fast tier shows the client's RangeError, nothing sent
//   keyboard  the form is filled and submitted with Tab/Enter; focus is visible; controls labelled
//   proxy     real-API mode against a second local fake server as upstream: the upstream gets the
//             key, nothing the page can read contains it, other sites are refused
// Tasks use the fake server's request-counted scenarios (`[as:ok]` in the prompt) and
// `?interval=` so each takes a second or two. Screenshots go to tests/artifacts/demo-test-*.png.
// The whole run is bounded (RUN_LIMIT_MS); it ends with the line `demo: N passed, M failed` and
// exits non-zero when anything failed.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../scripts/chromium.mjs';
import { startFakeServer } from '../fake-server/server.mjs';
import { startDemoServer } from '../../www/serve.mjs';
import { escapeRegExp, expectText as expectTextWithin, scenarioRun } from '../page-scenarios.mjs';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ARTIFACTS = path.join(ROOT, 'tests', 'artifacts');
const RUN_LIMIT_MS = 110_000;
const SCENARIO_LIMIT_MS = 30_000;
const STEP_MS = 10_000;
const TEST_KEY = 'sk-demo-proxy-test-7f3a9c1e5b2d4068';

let server;
const { scenario, run } = scenarioRun({
  suite: 'demo',
  runLimitMs: RUN_LIMIT_MS,
  scenarioLimitMs: SCENARIO_LIMIT_MS,
  contextOptions: { viewport: { width: 1180, height: 900 } },
  onFailure: (context, n) => {
    const page = context.pages()[0];
    return page && shot(page, `demo-test-fail-${n}.png`);
  },
});

async function main(start) {
  await mkdir(ARTIFACTS, { recursive: true });
  server = await startDemoServer({ port: 0 });
  start({ server });
  start({ browser: await launchChromium() });
  await scenario('create: progress, completion, the video plays', createsAndPlays);
  await scenario('failure: a failed task says what happened and what to do', showsAFailure);
  await scenario('retries: failed polls show as retried in the timeline', showsRetries);
  await scenario('reload: a task being watched comes back and completes', resumesAfterReload);
  await scenario('tabs: a second tab follows the first one\'s poll, then takes over', sharesTheTabsPoll);
  await scenario('stop: no request for the task after Stop', stops);
  await scenario('invalid: the client\'s RangeError is shown, nothing is sent', showsArgumentErrors);
  await scenario('keyboard: fill and submit with Tab and Enter, focus visible', worksWithTheKeyboard);
  await scenario('proxy: real-API mode adds the key upstream and never shows it', proxiesWithTheKey);
}

// ---------------------------------------------------------------------------------------
// Scenarios

async function createsAndPlays(context) {
  const page = await openDemo(context, server, '?interval=150');
  await expectText(page.locator('#mode-badge'), /^fake server$/);
  await page.getByLabel('Model').selectOption('seedance-2.0-fast-text-to-video');
  const card = await generate(page, 'A paper lantern drifting over a calm lake at dawn [as:ok]');
  await card.locator('.task-id', { hasText: /^ok-/ }).waitFor({ timeout: STEP_MS });
  await expectText(card.locator('.meta'), /Seedance 2\.0 Fast · 5 s · 720p · 16:9/);
  // Mid-way: processing, a partial bar, an estimate of the time left.
  await page.waitForFunction(
    (li) => li.querySelector('.badge').textContent === 'processing' && li.querySelector('progress').value >= 20,
    await card.elementHandle(),
    { timeout: STEP_MS, polling: 20 },
  );
  await expectText(card.locator('.eta'), /left|moment|Estimating/);
  await shot(page, 'demo-test-progress.png');

  await card.locator('.badge', { hasText: /^completed$/ }).waitFor({ timeout: STEP_MS });
  const video = card.locator('video');
  await video.waitFor({ timeout: STEP_MS });
  const played = await video.evaluate(playBriefly);
  if (!(played.readyState >= 2)) throw new Error(`video readyState ${played.readyState} after play()`);
  if (!(played.currentTime > 0.2)) throw new Error(`the video did not advance (currentTime ${played.currentTime})`);
  const href = await card.locator('a.download').getAttribute('href');
  if (!/\/media\/sample\.mp4$/.test(href ?? '')) throw new Error(`download link ${href}`);
  await expectText(card.locator('.expiry-countdown'), /^Link expires in 2[34] h \d\d min \d\d s \(tomorrow at /);
  await expectText(card.locator('.expiry-basis'), /last check that saw the task still running/);
  // Timeline: the creation, one row per poll, with what came back.
  const rows = await card.locator('.polls li').allTextContents();
  if (rows.length !== 5) throw new Error(`timeline has ${rows.length} rows:\n${rows.join('\n')}`);
  if (!rows.at(-1).includes('POST 200') || !rows.at(-1).includes('created, pending')) throw new Error(`first row: ${rows.at(-1)}`);
  if (!/GET 200\s*completed\s*100 %/.test(rows[0])) throw new Error(`last row: ${rows[0]}`);
  await expectText(page.locator('#announcer'), /completed/);
  const id = await card.locator('.task-id').textContent();
  const polls = (await serverLog(server, id)).filter((r) => r.method === 'GET').length;
  if (polls !== 4) throw new Error(`the fake server saw ${polls} GETs for ${id}, expected 4`);
  await shot(page, 'demo-test-done.png');
}

/** Runs in the page: plays the muted video briefly; returns its state. */
async function playBriefly(video) {
  video.muted = true;
  await video.play();
  const start = video.currentTime;
  await new Promise((resolve) => setTimeout(resolve, 700));
  video.pause();
  return { readyState: video.readyState, currentTime: video.currentTime - start };
}

async function showsAFailure(context) {
  const page = await openDemo(context, server, '?interval=150');
  const card = await generate(page, 'A storm over the harbour [as:fail]');
  await card.locator('.task-id', { hasText: /^fail-/ }).waitFor({ timeout: STEP_MS });
  const problem = card.locator('.problem');
  await problem.waitFor({ state: 'visible', timeout: STEP_MS });
  await expectText(problem.locator('.problem-title'), /refused by the content filter/);
  await expectText(problem.locator('.problem-advice'), /Change the prompt/);
  await expectText(problem.locator('.problem-detail'), /TaskFailedError · content_policy_violation/);
  await expectText(card.locator('.badge'), /^failed$/);
  await expectText(page.locator('#announcer'), /refused by the content filter/);
  if (!(await card.locator('.remove').isVisible())) throw new Error('no Remove button on a failed task');
  // An HTTP error while watching: what it means, no retry.
  await page.getByLabel('Task id').fill('e404-gone');
  await page.getByLabel('Task id').press('Enter');
  const gone = page.locator('#tasks > li[data-task-id="e404-gone"]');
  await expectText(gone.locator('.problem-title'), /No task with this id was found/, STEP_MS);
  await shot(page, 'demo-test-error.png');
}

async function showsRetries(context) {
  const page = await openDemo(context, server, '?interval=150');
  const id = `flaky2-${Date.now().toString(36)}`;
  await page.getByLabel('Task id').fill(id);
  await page.getByRole('button', { name: 'Watch' }).click();
  const card = page.locator(`#tasks > li[data-task-id="${id}"]`);
  await card.locator('.badge', { hasText: /^completed$/ }).waitFor({ timeout: STEP_MS });
  const rows = await card.locator('.polls li').allTextContents();
  const retried = rows.filter((r) => /GET 503\s*unavailable, retried/.test(r));
  if (retried.length !== 2) throw new Error(`expected 2 retried 503 rows:\n${rows.join('\n')}`);
}

async function resumesAfterReload(context) {
  const page = await openDemo(context, server, '?interval=400');
  const card = await generate(page, 'A slow pan across a snowy forest [as:ok]');
  await card.locator('.task-id', { hasText: /^ok-/ }).waitFor({ timeout: STEP_MS });
  const id = await card.locator('.task-id').textContent();
  await page.waitForFunction((li) => li.querySelector('progress').value >= 10, await card.elementHandle(), { timeout: STEP_MS });
  await page.reload();
  const again = page.locator(`#tasks > li[data-task-id="${id}"]`);
  await again.waitFor({ timeout: STEP_MS });
  await expectText(again.locator('.prompt'), /snowy forest/);
  await expectText(again.locator('.polls'), /Page loaded: watching again/);
  await again.locator('.badge', { hasText: /^completed$/ }).waitFor({ timeout: STEP_MS });
  await again.locator('video').waitFor({ timeout: STEP_MS });
  const expiry = await again.locator('.expiry-basis').textContent();
  // A second reload: the finished task is fetched once and shown as it was.
  const before = (await serverLog(server, id)).length;
  await page.reload();
  const third = page.locator(`#tasks > li[data-task-id="${id}"]`);
  await third.locator('video').waitFor({ timeout: STEP_MS });
  await expectText(third.locator('.badge'), /^completed$/);
  await expectText(third.locator('.expiry-basis'), new RegExp(escapeRegExp(expiry.trim())));
  await page.waitForTimeout(600);
  const after = (await serverLog(server, id)).length;
  if (after !== before + 1) throw new Error(`a finished task made ${after - before} requests after a reload, expected 1`);
  await shot(page, 'demo-test-reload.png');
}

async function sharesTheTabsPoll(context) {
  const first = await openDemo(context, server, '?interval=300');
  const card = await generate(first, 'Two tabs, one poll [as:timed6]');
  await card.locator('.task-id', { hasText: /^timed6-/ }).waitFor({ timeout: STEP_MS });
  const id = await card.locator('.task-id').textContent();
  await expectText(card.locator('.badge'), /^processing$/, STEP_MS);
  // The second tab lists the remembered task and waits on it: the first tab's poll serves both.
  const second = await openDemo(context, server, '?interval=300');
  const follower = second.locator(`#tasks > li[data-task-id="${id}"]`);
  await expectText(follower.locator('.prompt'), /Two tabs, one poll/, STEP_MS);
  await expectText(follower.locator('.polls'), /seen by another tab/, STEP_MS);
  await second.waitForTimeout(900);
  await expectText(follower.locator('.timeline .count'), /^\(0\)$/);
  // The first tab closes: the second polls from then on and sees the task complete.
  await first.close();
  await follower.locator('.badge', { hasText: /^completed$/ }).waitFor({ timeout: STEP_MS });
  const requests = Number(/\d+/.exec(await follower.locator('.timeline .count').textContent())[0]);
  if (requests < 1) throw new Error('the second tab never polled after the first one closed');
  await shot(second, 'demo-test-tabs.png');
}

async function stops(context) {
  const page = await openDemo(context, server, '?interval=300');
  const card = await generate(page, 'A lighthouse in fog [as:timed6]'); // processing long enough to be stopped
  await card.locator('.badge', { hasText: /^processing$/ }).waitFor({ timeout: STEP_MS });
  const id = await card.locator('.task-id').textContent();
  await card.getByRole('button', { name: 'Stop' }).click({ timeout: STEP_MS });
  await expectText(card.locator('.badge'), /^stopped$/, STEP_MS);
  await expectText(card.locator('.problem-title'), /Stopped watching/);
  const focused = await page.evaluate(() => document.activeElement?.textContent);
  if (focused !== 'Watch again') throw new Error(`focus after Stop is on "${focused}", expected "Watch again"`);
  await page.waitForTimeout(100);
  const atStop = await serverLog(server, id);
  await page.waitForTimeout(1500);
  const later = await serverLog(server, id);
  if (later.length !== atStop.length) throw new Error(`${later.length - atStop.length} request(s) for ${id} after Stop`);
  // A stopped task stays stopped after a reload, without any request.
  await page.reload();
  const again = page.locator(`#tasks > li[data-task-id="${id}"]`);
  await expectText(again.locator('.badge'), /^stopped$/, STEP_MS);
  await page.waitForTimeout(700);
  if ((await serverLog(server, id)).length !== atStop.length) throw new Error('a stopped task was polled after a reload');
  // Watch again picks it up.
  await again.getByRole('button', { name: 'Watch again' }).click();
  await again.locator('.badge', { hasText: /^completed$/ }).waitFor({ timeout: STEP_MS });
  await shot(page, 'demo-test-stopped.png');
}

async function showsArgumentErrors(context) {
  const page = await openDemo(context, server);
  const postsBefore = (await serverLog(server)).filter((r) => r.method === 'POST').length;
  await page.getByLabel(/^Duration/).fill('3');
  await page.getByRole('button', { name: 'Generate video' }).click();
  const error = page.locator('#generate-error');
  await expectText(error.locator('.form-error-title'), /^Duration must be a whole number of seconds from 4 to 15\.$/);
  await expectText(error.locator('.form-error-detail'), /RangeError from the client: "duration" must be a whole number of seconds from 4 to 15/);
  if ((await page.getByLabel(/^Duration/).getAttribute('aria-invalid')) !== 'true') throw new Error('duration not marked invalid');
  if ((await page.evaluate(() => document.activeElement?.id)) !== 'duration') throw new Error('focus did not move to the duration field');
  await shot(page, 'demo-test-invalid.png');
  // Correcting the field clears the message.
  await page.getByLabel(/^Duration/).fill('6');
  if (await error.isVisible()) throw new Error('the error stayed after the field was corrected');
  await page.getByLabel('Model').selectOption('seedance-2.0-mini-text-to-video');
  await page.getByLabel('Quality').selectOption('1080p');
  await page.getByRole('button', { name: 'Generate video' }).click();
  await expectText(error.locator('.form-error-title'), /^Quality 1080p is only available on the standard tier, not on mini\.$/);
  await page.getByLabel(/^Duration/).fill('');
  await page.getByLabel('Quality').selectOption('720p');
  await page.getByRole('button', { name: 'Generate video' }).click();
  await expectText(error.locator('.form-error-title'), /^Duration must be a number of seconds\.$/);
  // The watch form: the client's TypeError for a bad task id, next to the field.
  const requestsBefore = (await serverLog(server)).length;
  await page.getByLabel('Task id').fill('tasks/../credits');
  await page.getByRole('button', { name: 'Watch' }).click();
  const watchError = page.locator('#watch-error');
  await expectText(watchError.locator('.form-error-title'), /^Task id contains '\/'; ids are ASCII letters/);
  if ((await page.getByLabel('Task id').getAttribute('aria-invalid')) !== 'true') throw new Error('task id not marked invalid');
  await page.getByLabel('Task id').fill('');
  await page.getByRole('button', { name: 'Watch' }).click();
  await expectText(watchError.locator('.form-error-title'), /^Task id is empty\.$/);
  if ((await serverLog(server)).length !== requestsBefore) throw new Error('a request was sent for a bad task id');
  const postsAfter = (await serverLog(server)).filter((r) => r.method === 'POST').length;
  if (postsAfter !== postsBefore) throw new Error(`${postsAfter - postsBefore} creation request(s) were sent`);
  if ((await page.locator('#tasks > li').count()) !== 0) throw new Error('a card was added for refused values');
}

async function worksWithTheKeyboard(context) {
  const page = await openDemo(context, server, '?interval=150');
  // Every form control has a label; the live region is there.
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea')].filter((el) => el.labels.length === 0).map((el) => el.id || el.name),
  );
  if (unlabelled.length) throw new Error(`controls without a label: ${unlabelled.join(', ')}`);
  if ((await page.locator('[aria-live="polite"]').count()) === 0) throw new Error('no aria-live region');

  await page.locator('body').focus();
  const order = [];
  for (let i = 0; i < 8; i += 1) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim());
    order.push(id);
    if (id === 'prompt') {
      await page.keyboard.press('Control+A');
      await page.keyboard.type('Waves rolling onto a pebble beach [as:ok]');
    }
    if (id === 'duration') {
      await page.keyboard.press('Control+A');
      await page.keyboard.type('7');
    }
    if (id === 'Generate video') break;
  }
  const expected = ['Skip to tasks', 'model', 'prompt', 'duration', 'quality', 'aspect-ratio', 'Generate video'];
  if (order.join(',') !== expected.join(',')) throw new Error(`tab order ${order.join(', ')}`);
  const outline = await page.evaluate(() => {
    const style = getComputedStyle(document.activeElement);
    return `${style.outlineStyle} ${style.outlineWidth}`;
  });
  if (!/^solid [1-9]/.test(outline)) throw new Error(`focus on the button is not visible (outline ${outline})`);
  await shot(page, 'demo-test-keyboard-focus.png');
  await page.keyboard.press('Enter');
  const card = page.locator('#tasks > li').first();
  await card.locator('.badge', { hasText: /^completed$/ }).waitFor({ timeout: STEP_MS });
  await expectText(card.locator('.meta'), /7 s/);
  // The watch form too: Tab to the id field, type, Enter.
  await page.getByLabel('Task id').focus();
  await page.keyboard.type('ok-keyboard');
  await page.keyboard.press('Enter');
  await page.locator('#tasks > li[data-task-id="ok-keyboard"] .badge', { hasText: /^completed$/ }).waitFor({ timeout: STEP_MS });
}

async function proxiesWithTheKey(context) {
  const upstream = await startFakeServer();
  const demo = await startDemoServer({ port: 0, apiKey: TEST_KEY, upstream: upstream.url });
  try {
    const config = await fetch(`${demo.url}/demo-config.json`).then((r) => r.text());
    if (!config.includes('"mode":"real"')) throw new Error(`demo-config.json: ${config}`);
    const seen = [];
    const page = await context.newPage();
    page.on('response', async (response) => {
      const type = response.headers()['content-type'] ?? '';
      const body = /json|text|javascript/.test(type) ? await response.text().catch(() => '') : '';
      seen.push(`${response.url()}\n${JSON.stringify(response.headers())}\n${body}`);
    });
    await page.goto(`${demo.url}/?interval=150`);
    await page.locator('#generate-form button[type="submit"]:enabled').waitFor({ timeout: STEP_MS });
    await expectText(page.locator('#mode-badge'), /^real API$/);
    await expectText(page.locator('#mode-note'), /adds the API key itself/);
    const card = await generate(page, 'Through the proxy [as:ok]');
    await card.locator('.badge', { hasText: /^completed$/ }).waitFor({ timeout: STEP_MS });
    await card.locator('video').waitFor({ timeout: STEP_MS });
    await shot(page, 'demo-test-proxy.png');

    // The upstream saw every API request with the key, the page never.
    const log = upstream.requests();
    if (log.length < 5) throw new Error(`the upstream saw ${log.length} requests`);
    const withoutKey = log.filter((r) => r.authorization !== `Bearer ${TEST_KEY}`);
    if (withoutKey.length) throw new Error(`requests reached the upstream without the key: ${withoutKey.map((r) => r.path)}`);
    const html = await page.content();
    const storage = await page.evaluate(() => JSON.stringify(localStorage));
    const leaks = [html, storage, config, ...seen].filter((text) => text.includes(TEST_KEY) || text.includes('7f3a9c1e5b2d4068'));
    if (leaks.length) throw new Error(`the key reached the page:\n${leaks[0].slice(0, 300)}`);
    if (seen.length < 8) throw new Error(`only ${seen.length} responses were checked`);

    // Another site's page cannot spend the key, nor can a rebound host name; no test hooks.
    const before = upstream.requests().length;
    const crossSite = await fetch(`${demo.url}/v1/videos/generations`, {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'text/plain' },
      body: '{"model":"seedance-2.0-text-to-video","prompt":"x"}',
    });
    if (crossSite.status !== 403) throw new Error(`a cross-site POST got ${crossSite.status}`);
    const rebound = await rawGet(demo.port, '/v1/tasks/ok-1', 'evil.example');
    if (rebound !== 421) throw new Error(`a foreign Host header got ${rebound}`);
    const hooks = await fetch(`${demo.url}/__requests`);
    if (hooks.status !== 404) throw new Error(`/__requests answered ${hooks.status} in real mode`);
    if (upstream.requests().length !== before) throw new Error('a refused request reached the upstream');
    // The fake mode's config says so, and carries no key either.
    const fakeConfig = await fetch(`${server.url}/demo-config.json`).then((r) => r.json());
    if (fakeConfig.mode !== 'fake') throw new Error(`fake mode config: ${JSON.stringify(fakeConfig)}`);
  } finally {
    await demo.close();
    await upstream.close();
  }
}

// ---------------------------------------------------------------------------------------
// Helpers

async function openDemo(context, demo, query = '') {
  const page = await context.newPage();
  await page.goto(`${demo.url}/${query}`);
  await page.locator('#generate-form button[type="submit"]:enabled').waitFor({ timeout: STEP_MS });
  return page;
}

/** Fills the prompt and presses Generate video; returns the new task's card (the first). */
async function generate(page, prompt) {
  await page.getByLabel('Prompt').fill(prompt);
  await page.getByRole('button', { name: 'Generate video' }).click();
  return page.locator('#tasks > li').first();
}

/** The fake server's request log, over HTTP as a person would read it. */
async function serverLog(demo, id) {
  const query = id === undefined ? '' : `?id=${encodeURIComponent(id)}`;
  const response = await fetch(`${demo.url}/__requests${query}`);
  if (!response.ok) throw new Error(`/__requests answered ${response.status}`);
  return response.json();
}

/** A GET with a chosen Host header (fetch does not allow setting it). */
async function rawGet(port, pathname, host) {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathname, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end();
  });
}

function expectText(locator, pattern, timeout = 2000) {
  return expectTextWithin(locator, pattern, timeout);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

run(main);
