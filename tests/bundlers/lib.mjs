// Shared by run.mjs and next.mjs: running a build, spotting a warning about the package,
// sizing what a build ships, and reading a page's results in Chromium.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Runs a build; resolves with { code, output } (stdout and stderr together), killed after `seconds`. */
export function runBuild(command, args, { cwd, seconds = 300, env = {} }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', npm_config_offline: 'true', NEXT_TELEMETRY_DISABLED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n(killed after ${seconds} s)`;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    }, seconds * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A warning the build printed about the package or its wasm, if any. */
export function packageWarning(output) {
  const lines = output.split('\n');
  const warned = lines.some((l) => /\bwarn(ing|ings)?\b|⚠/i.test(l));
  const about = /evolink|\.wasm\b|webassembly/i.test(output);
  return warned && about ? output.trim().split('\n').slice(-40).join('\n') : undefined;
}

/** Files a build ships (JS and wasm), with their raw and gzip sizes. */
export function shipped(dir) {
  const files = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(m?js|cjs|wasm)$/.test(entry.name) && !entry.name.endsWith('.map')) {
        const bytes = readFileSync(path);
        files.push({ file: relative(dir, path), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  const sum = (pick) => files.reduce((n, f) => n + (pick(f) ? f.raw : 0), 0);
  const sumGz = (pick) => files.reduce((n, f) => n + (pick(f) ? f.gzip : 0), 0);
  const isWasm = (f) => f.file.endsWith('.wasm');
  return {
    files,
    js: sum((f) => !isWasm(f)), jsGzip: sumGz((f) => !isWasm(f)),
    wasm: sum(isWasm), wasmGzip: sumGz(isWasm),
  };
}

/** Opens `url` in Chromium; resolves with window.__results, failing on a page error or a console
 * warning/error (a 404, a MIME warning, an unhandled rejection). */
export async function resultsFromPage(browser, url, seconds = 60) {
  const page = await browser.newPage();
  const noise = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') noise.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => noise.push(`page error: ${e.stack || e}`));
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.__results !== undefined, null, { timeout: seconds * 1000, polling: 100 })
      .catch(() => noise.push(`no results after ${seconds} s`));
    const results = (await page.evaluate(() => window.__results)) ?? [];
    results.push({ name: 'the page logs no warning or error', ok: noise.length === 0, error: noise.join('\n') });
    return results;
  } finally {
    await page.close();
  }
}

