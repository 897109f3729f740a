// Shared helpers of the bench sections: statistics, markdown tables, child processes, the
// machine description. No timing happens here.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export const root = new URL('..', import.meta.url).pathname;
export const benchDir = new URL('.', import.meta.url).pathname;

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Rounds to `digits` decimals (as a number, for the JSON). */
export const round = (value, digits = 2) => (value == null ? value : +value.toFixed(digits));

/** A markdown table: `columns` is [[header, key or (row) => text, align 'l'|'r'], …]. */
export function table(columns, rows) {
  const cell = (row, get) => String(typeof get === 'function' ? get(row) : row[get] ?? '');
  const lines = [
    `| ${columns.map(([h]) => h).join(' | ')} |`,
    `|${columns.map(([, , a = 'r']) => (a === 'l' ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${columns.map(([, get]) => cell(row, get)).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** A target: { target, pass, value } printed as `PASS target (value)`. */
export const target = (text, pass, value) => ({ target: text, pass: !!pass, value });

/**
 * Runs a command and resolves with its stdout (stderr passes through); rejects on a non-zero
 * exit or after `timeoutMs` (the child is killed).
 */
export function run(command, args, { cwd = root, env, timeoutMs = 300_000, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} took over ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}\n${out.slice(-2000)}`));
    });
    child.stdin.end(input ?? '');
  });
}

/** Runs a child that prints one JSON line last, and parses it. */
export async function runJson(command, args, options) {
  const out = await run(command, args, options);
  const last = out.trim().split('\n').pop();
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`${command} ${args.join(' ')} printed no JSON:\n${out.slice(-2000)}`);
  }
}

/** Date, CPU model, cores, Node version and the commit benchmarked. */
export function machine() {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch { /* not Linux */ }
  return {
    date: new Date().toISOString(),
    cpu,
    cores: cpus().length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

export const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
