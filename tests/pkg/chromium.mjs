// Shared by the Chromium harnesses (browser.run.mjs, vite.run.mjs): launches headless
// /usr/bin/chromium with playwright-core, opens a page served by the fake server and returns what
// the page publishes as `window.__results`. Console errors (but resource load failures) are printed, and an
// uncaught page error (say, a module that fails to load) fails at once instead of timing out.
import { launchChromium } from '../../scripts/chromium.mjs';

export async function resultsFromPage(url, { timeoutMs = 120_000 } = {}) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      // The suite's error cases make Chromium log every non-2xx answer; those are expected.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) console.log(`[console.error] ${m.text()}`);
    });
    const pageError = new Promise((_, reject) => page.on('pageerror', (e) => reject(new Error(`page error: ${e.stack || e}`))));
    await page.goto(url);
    const published = page.waitForFunction(() => window.__results !== undefined, null, { timeout: timeoutMs, polling: 100 });
    await Promise.race([published, pageError]);
    return await page.evaluate(() => window.__results);
  } finally {
    await browser.close();
  }
}
