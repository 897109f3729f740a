// What the Chromium suites (tests/demo, tests/frontend) share: a run of scenarios, each in fresh
// browser contexts and bounded in time, failing on anything a page reports (an uncaught error, an
// unhandled rejection, a console error); the whole run bounded too, ending with the line
// `<suite>: N passed, M failed` and a non-zero exit when anything failed. And the waits for what a
// page shows.

/**
 * A run named `suite`: `run(main)` calls `main(start)`, which sets it up (`start({ browser,
 * server })` hands over what the end closes) and runs `scenario(name, body)`s; `body(context, { newContext, problems })` gets a
 * fresh context (`null` with `{ context: false }`), and more from `newContext(options)`.
 * `contextOptions` are every context's; `onFailure(context)` runs when a scenario fails (a
 * screenshot, say).
 */
export function scenarioRun({ suite, runLimitMs, scenarioLimitMs, contextOptions = {}, onFailure }) {
  const results = [];
  let browser;
  let server;
  let finishing = false;

  const hardStop = setTimeout(() => {
    process.stdout.write(`${suite}: the run took longer than ${runLimitMs / 1000} s, stopping\n`);
    finish(1);
  }, runLimitMs);

  async function finish(code) {
    if (finishing) return;
    finishing = true;
    clearTimeout(hardStop);
    await Promise.race([Promise.allSettled([browser?.close(), server?.close()]), new Promise((resolve) => setTimeout(resolve, 5000))]);
    const passed = results.filter((r) => r.ok).length;
    process.stdout.write(`${suite}: ${passed} passed, ${results.length - passed} failed\n`);
    process.exit(code === 0 && results.length - passed === 0 ? 0 : 1);
  }

  async function scenario(name, body, { context: wantsContext = true } = {}) {
    const contexts = [];
    const problems = [];
    const newContext = async (options = {}) => {
      const context = await browser.newContext({ ...contextOptions, ...options });
      contexts.push(context);
      context.on('page', (page) => watchPage(page, problems));
      return context;
    };
    const started = Date.now();
    let timer;
    try {
      await Promise.race([
        body(wantsContext ? await newContext() : null, { newContext, problems }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`took longer than ${scenarioLimitMs / 1000} s`)), scenarioLimitMs);
        }),
      ]);
      if (problems.length) throw new Error(`the page reported errors:\n    ${problems.join('\n    ')}`);
      results.push({ name, ok: true });
      process.stdout.write(`ok    ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    } catch (err) {
      results.push({ name, ok: false });
      process.stdout.write(`FAIL  ${name}\n    ${String(err?.stack ?? err).split('\n').slice(0, 8).join('\n    ')}\n`);
      if (onFailure && contexts[0]) await Promise.resolve(onFailure(contexts[0], results.length)).catch(() => {});
    } finally {
      clearTimeout(timer);
      for (const context of contexts) await context.close().catch(() => {});
    }
  }

  return {
    scenario,
    /** Runs `main`, which hands over what the end closes with `start({ browser, server })`. */
    run(main) {
      const startedAt = Date.now();
      const start = (parts) => {
        browser = parts.browser ?? browser;
        server = parts.server ?? server;
      };
      main(start).then(
        () => {
          process.stdout.write(`${suite}: ran in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
          return finish(results.some((r) => !r.ok) ? 1 : 0);
        },
        (err) => {
          process.stdout.write(`${suite}: ${err?.stack ?? err}\n`);
          results.push({ name: 'harness', ok: false });
          return finish(1);
        },
      );
    },
  };
}

/** Uncaught errors, unhandled rejections and console errors of `page` go to `problems`. */
export function watchPage(page, problems) {
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // Chromium logs each non-2xx answer as a failed resource load; some scenarios cause those.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(`console: ${msg.text()}`);
  });
}

/** Waits until `locator`'s first element's text matches `pattern`. */
export async function expectText(locator, pattern, timeout) {
  const deadline = Date.now() + timeout;
  let text = '';
  for (;;) {
    text = ((await locator.first().textContent({ timeout }).catch(() => null)) ?? '').trim();
    if (pattern.test(text)) return;
    if (Date.now() > deadline) throw new Error(`expected ${pattern} in ${locator}, got "${text}"`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until `locator`'s first element has attribute `name` equal to `value`. */
export async function expectAttribute(locator, name, value, timeout) {
  const deadline = Date.now() + timeout;
  let seen;
  for (;;) {
    seen = await locator.first().getAttribute(name, { timeout }).catch(() => null);
    if (seen === value) return;
    if (Date.now() > deadline) throw new Error(`expected ${name}="${value}" on ${locator}, got "${seen}"`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
