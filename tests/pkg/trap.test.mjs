// A trap never becomes a hang (tests/pkg/trap.run.sh builds the glue it runs, $GLUE, and the wasm,
// $WASM): in a build
// with `--features trap-test`, getTask('trap-panic') panics inside its future (from a microtask:
// Rust's panic hook runs, then the instance traps; the nightly build aborts at once, and the
// RuntimeError names it) and getTask('trap-unreachable') traps at once
// (no hook runs; the class guard sees the RuntimeError). Either way every pending call rejects
// with an EvoLinkError naming the cause, later calls on the clients made before reject the same
// way, and a client made after runs on a fresh instance. Each case runs in its own Node, which
// handles uncaught exceptions as a server would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const prelude = `
  import { readFileSync } from 'node:fs';
  const glue = await import(${JSON.stringify(process.env.GLUE)});
  glue.initSync({ module: readFileSync(${JSON.stringify(process.env.WASM)}) });
  const { EvoLinkClient } = glue;
  const uncaught = [];
  process.on('uncaughtException', (e) => uncaught.push(e.constructor.name));
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const fetch = async () => new Response('{"id":"task-1","status":"pending"}');
  const options = { baseUrl: 'http://127.0.0.1:9', fetch };
  const outcome = (promise) => Promise.race([promise.then((t) => t.status ?? t.done, (e) => ({ name: e.name, code: e.code, message: e.message })), sleep(3_000).then(() => 'still pending')]);
  const client = new EvoLinkClient(options);
  const waiting = outcome(client.waitForTask('task-1', { intervalMs: 60_000 }));
  const watch = client.watchTask('task-1', { intervalMs: 60_000 });
  await watch.next();
  const next = outcome(watch.next());
  await sleep(50);
`;

function run(trapId) {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', `${prelude}
    const trap = await outcome(new EvoLinkClient(options).getTask('${trapId}'));
    const pending = { wait: await waiting, next: await next };
    const later = await outcome(client.getTask('task-1'));
    const fresh = await outcome(new EvoLinkClient(options).getTask('task-1'));
    console.log(JSON.stringify({ trap, pending, later, fresh, uncaught }));
    process.exit(0); // the dead instance's timers would keep Node alive
  `], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(child.status, 0, `exit ${child.status} ${child.signal}: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

function assertTrap(error, cause) {
  assert.equal(typeof error, 'object', `a rejection, not ${JSON.stringify(error)}`);
  assert.deepEqual([error.name, error.code], ['EvoLinkError', 'internal_error']);
  assert.match(error.message, cause);
}

test('a panic rejects every pending call naming it (by its message where the build keeps it), and a new client runs on a fresh instance', () => {
  const { trap, pending, later, fresh, uncaught } = run('trap-panic');
  const cause = process.env.PANIC_MESSAGE === 'lost' ? /\(unreachable\)/ : /a panic provoked on purpose/;
  for (const error of [trap, pending.wait, pending.next, later]) assertTrap(error, cause);
  assert.equal(fresh, 'pending');
  assert.deepEqual(uncaught, ['RuntimeError'], 'the trap itself reaches the runtime, as any uncaught error does');
});

test('a trap without a panic rejects every pending call naming it, and a new client runs on a fresh instance', () => {
  const { trap, pending, later, fresh, uncaught } = run('trap-unreachable');
  for (const error of [trap, pending.wait, pending.next, later]) assertTrap(error, /unreachable/);
  assert.equal(fresh, 'pending');
  assert.deepEqual(uncaught, []);
});
