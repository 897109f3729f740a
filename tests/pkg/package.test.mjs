// The packed tarball as npm publishes it (run.sh's step "package", in the scratch project; the
// tarball is $TARBALL, else the one .tgz there): it ships both licences and the changelog and
// every file its `files` list names; its manifest names the repository, homepage and issue
// tracker, has no `module` field, and leads bundlers to entries without top-level await or
// `Buffer`; its README is the package's own (src/js/README.md): installation first, then usage
// per runtime, with links that work outside the repository and none of the repository README's
// development sections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const tarball = process.env.TARBALL || readdirSync('.').find((f) => f.endsWith('.tgz'));
assert.ok(tarball, 'no tarball: run from tests/pkg/run.sh');
const entries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
  .split('\n').filter(Boolean).map((e) => e.replace(/^package\//, ''));
const read = (file) => execFileSync('tar', ['-xzOf', tarball, `package/${file}`], { encoding: 'utf8' });
const manifest = JSON.parse(read('package.json'));
const readme = read('README.md');

test('the tarball ships both licences and the changelog', () => {
  for (const file of ['LICENSE-MIT', 'LICENSE-APACHE', 'CHANGELOG.md', 'README.md']) {
    assert.ok(entries.includes(file), `${file} is not in the tarball: ${entries.join(', ')}`);
  }
  assert.match(read('LICENSE-MIT'), /Permission is hereby granted, free of charge/);
  assert.match(read('LICENSE-MIT'), /Copyright \(c\) \d{4} The evolink-tasks developers/);
  assert.match(read('LICENSE-APACHE'), /Apache License\s+Version 2\.0, January 2004/);
  assert.match(read('LICENSE-APACHE'), /END OF TERMS AND CONDITIONS/);
  assert.match(read('CHANGELOG.md'), /^# Changelog$/m);
  assert.match(read('CHANGELOG.md'), /^## \[Unreleased\]$/m);
  assert.equal(manifest.license, 'MIT OR Apache-2.0');
});

test('every file the manifest lists is in the tarball (npm skips missing ones silently)', () => {
  for (const file of manifest.files) {
    assert.ok(entries.includes(file), `files lists ${file}, the tarball lacks it`);
  }
});

test('the manifest names the repository, homepage and issue tracker', () => {
  assert.deepEqual(manifest.repository, {
    type: 'git',
    url: 'git+https://github.com/evolink-tasks/evolink-tasks.git',
  });
  assert.equal(manifest.homepage, 'https://github.com/evolink-tasks/evolink-tasks#readme');
  const bugs = typeof manifest.bugs === 'string' ? manifest.bugs : manifest.bugs?.url;
  assert.equal(bugs, 'https://github.com/evolink-tasks/evolink-tasks/issues');
});

test('no module field; the browser field and exports lead bundlers to an entry without top-level await', () => {
  assert.equal('module' in manifest, false, `module: ${manifest.module}`);
  // Parcel ignores exports by default and reads the browser field: the entry that fetches the
  // wasm next to it (Parcel ships it), never main's Node build.
  assert.equal(manifest.browser, './browser.mjs');
  const root = manifest.exports['.'];
  assert.equal(root.workerd, './workerd.mjs');
  assert.equal(root['edge-light'], './edge.mjs');
  // The bundlers that ship a `new URL(…, import.meta.url)` file (webpack; Vite, Parcel and
  // Next.js in a production build) get browser.mjs; any other (esbuild, Bun, Rollup), the wasm inline.
  assert.deepEqual(root.browser, { webpack: './browser.mjs', production: './browser.mjs', default: './inline.mjs' });
  assert.equal(root.default, './inline.mjs');
  // Browser code never falls through to the Node build: no top-level require condition.
  assert.equal('require' in root, false, 'a require condition would give browser code the Node build');
  const keys = Object.keys(root);
  for (const runtime of ['workerd', 'deno', 'node', 'edge-light']) {
    assert.ok(keys.indexOf(runtime) < keys.indexOf('browser'), `${runtime} must come before browser (workerd, Deno and Next's edge also match browser)`);
  }
  for (const file of ['browser.mjs', 'inline.mjs', 'edge.mjs']) {
    assert.ok(!/^await /m.test(read(file)), `${file} has top-level await`);
    assert.ok(!/\bBuffer\b/.test(read(file)), `${file} uses Buffer`);
  }
});

test('README: a heading, then npm install evolink-tasks before anything else', () => {
  const lines = readme.split('\n').filter((line) => line.trim() !== '');
  assert.match(lines[0], /^# /, `first line: ${lines[0]}`);
  const install = lines.findIndex((line) => line.trim() === 'npm install evolink-tasks');
  assert.ok(install > 0 && install <= 3, `npm install evolink-tasks is line ${install} of the README, not among the first`);
});

test('README: usage in each runtime', () => {
  const section = readme.match(/^## In each runtime$([\s\S]*?)^## /m)?.[1] ?? '';
  assert.ok(section, 'no "## In each runtime" section');
  for (const [runtime, needle] of [
    ['Node ESM', "import { EvoLinkClient } from 'evolink-tasks'"],
    ['Node CommonJS', "require('evolink-tasks')"],
    ['Deno', "from 'npm:evolink-tasks'"],
    ['Cloudflare Workers', 'env.EVOLINK_API_KEY'],
    ['a browser without a bundler', "from '/node_modules/evolink-tasks/browser.mjs'"],
    ['a bundler', 'bundler'],
    ['web workers', 'worker'],
  ]) {
    assert.ok(section.includes(needle), `${runtime}: "${needle}" is not in "In each runtime"`);
  }
  for (const heading of ['## The client', '## Errors']) {
    assert.ok(readme.includes(`\n${heading}\n`), `no "${heading}" section`);
  }
  for (const name of [
    'apiKey', 'baseUrl', 'allowInsecureHttp', 'maxRetries', 'waitForTask', 'watchTask', 'generateVideo', 'generateImage',
    'generateAudio', 'onCreated', 'getCredits', 'planPoll', 'ApiError', 'TaskFailedError', 'taskId', 'retryAfterMs',
    'requestId', 'CompletedTask',
  ]) {
    assert.ok(readme.includes(`\`${name}`), `${name} is not documented`);
  }
});

test("README: none of the repository README's development material", () => {
  for (const heading of ['## Benchmarks', '## The fault matrix', '## How it is built', '**Fuzzing.**', 'make demo', 'make test']) {
    assert.ok(!readme.includes(heading), `the package README contains "${heading}"`);
  }
});

test('README: links work outside the repository (absolute or in-page)', () => {
  const targets = [...readme.matchAll(/\]\(([^)\s]+)\)|<(https?:[^>\s]+)>/g)].map((m) => m[1] ?? m[2]);
  assert.ok(targets.length > 0, 'no links: the README should point to the repository');
  for (const target of targets) {
    assert.match(target, /^(https:\/\/|#)/, `relative link ${target} breaks where npm shows the README`);
  }
  assert.ok(targets.some((t) => t.startsWith('https://github.com/evolink-tasks/evolink-tasks')), 'no link to the repository');
});
