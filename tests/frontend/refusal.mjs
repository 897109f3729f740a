// Outside a web page (Node, Deno, workerd), what BrowserTasks does: asking it to remember a task
// (or to list or forget remembered ones) is a TypeError that says why, before any request, and
// nothing else changes (a wait polls alone, as the client does). Plain JavaScript, no runtime
// module: node-check.mjs, deno-check.mjs and workerd-worker.mjs run it. Returns
// [{ name, ok, error }].
export async function refusalChecks({ EvoLinkClient, TaskFailedError }, { BrowserTasks }, base) {
  const results = [];
  // Fresh ids per run: the fake server counts each id's requests.
  const fresh = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const check = async (name, body) => {
    try {
      await body();
      results.push({ name, ok: true });
    } catch (error) {
      results.push({ name, ok: false, error: String(error?.stack ?? error) });
    }
  };
  const requests = async () => (await (await fetch(`${base}/__requests`)).json()).length;
  const client = new EvoLinkClient({ baseUrl: base });
  const tasks = new BrowserTasks(client);
  const refused = async (promise, pattern) => {
    try {
      await promise;
    } catch (error) {
      if (error instanceof TypeError && pattern.test(error.message)) return;
      throw new Error(`rejected with ${error?.name}: ${error?.message}`);
    }
    throw new Error('resolved');
  };

  await check('remember is a TypeError before any request', async () => {
    const before = await requests();
    for (const remember of [true, { data: { prompt: 'x' } }]) {
      await refused(tasks.waitForTask('ok-refused1', { remember }), /needs a web page's localStorage/);
      await refused(tasks.generateVideo({ model: 'seedance-2.0-text-to-video', prompt: 'never sent [as:ok]' }, { remember }), /remember a task/);
      const watch = tasks.watchTask('ok-refused2', { remember });
      await refused(watch.next(), /remember a task/);
    }
    const after = await requests();
    if (after !== before) throw new Error(`${after - before} request(s) were sent`);
  });
  await check('list, forget and remember(id) are TypeErrors', async () => {
    for (const call of [() => tasks.list(), () => tasks.forget('ok-1'), () => tasks.remember('ok-1')]) {
      let thrown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      if (!(thrown instanceof TypeError) || !/web page/.test(thrown.message)) throw new Error(`threw ${thrown}`);
    }
  });
  await check('a wait without remember is the client\'s', async () => {
    const seen = [];
    const done = await tasks.waitForTask(`ok-refused3${fresh}`, { intervalMs: 50, remember: false, onProgress: (t) => seen.push(t.progress) });
    if (done.status !== 'completed' || seen.join() !== '0,30,70,100') throw new Error(`${done.status}, saw ${seen}`);
    let failed;
    try {
      await tasks.waitForTask(`fail-refused4${fresh}`, { intervalMs: 50 });
    } catch (error) {
      failed = error;
    }
    if (!(failed instanceof TaskFailedError) || failed.taskId !== `fail-refused4${fresh}`) throw new Error(`failure: ${failed}`);
  });
  await check('bad ids and options are the client\'s errors', async () => {
    for (const [id, options, type] of [['bad/id', {}, TypeError], ['ok-1', { intervalMs: -1 }, RangeError], ['ok-1', { typo: 1 }, TypeError]]) {
      let thrown;
      try {
        await tasks.waitForTask(id, options);
      } catch (error) {
        thrown = error;
      }
      if (!(thrown instanceof type)) throw new Error(`${id} ${JSON.stringify(options)}: ${thrown}`);
    }
  });
  return results;
}
