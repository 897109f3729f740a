// Type-checked by run.mjs in the scratch project (tsc --strict --exactOptionalPropertyTypes,
// module nodenext): the declarations of evolink-tasks/browser-tasks and evolink-tasks/react read
// as a user writes them, and what they must refuse (`@ts-expect-error`). Never run.
import { EvoLinkClient, type CompletedTask, type Task } from 'evolink-tasks';
import { BrowserTasks, type RememberedTask, type StorageWarning } from 'evolink-tasks/browser-tasks';
import { useGenerateTask, useRememberedTasks, useTask, type TaskState } from 'evolink-tasks/react';

interface Prompt { prompt: string }

const client = new EvoLinkClient({ baseUrl: '/evolink' });
const tasks = new BrowserTasks<Prompt>(client, {
  maxAgeMs: 86_400_000,
  onWarning: (w: StorageWarning) => console.log(w.code === 'storage_full', w.message),
  shareAcrossTabs: true,
});
// @ts-expect-error not a warning code
const _code: StorageWarning['code'] = 'storage_gone';
// @ts-expect-error unknown option
new BrowserTasks(client, { maxAge: 1 });

async function flows(): Promise<void> {
  const done: CompletedTask = await tasks.generateVideo(
    { model: 'seedance-2.0-fast-text-to-video', prompt: 'a lake' },
    { remember: { data: { prompt: 'a lake' } }, onCreated: (t: Task) => console.log(t.id), timeoutMs: 600_000 },
  );
  const url: string = done.results[0]!;
  await tasks.waitForTask('task-1', { remember: true, intervalMs: 1000, onProgress: (t) => console.log(t.progress) });
  // @ts-expect-error the data has the instance's type
  await tasks.waitForTask('task-1', { remember: { data: { prompt: 3 } } });
  for await (const t of tasks.watchTask('task-1', { remember: true })) console.log(t.status);
  await tasks.ready();
  const listed: readonly RememberedTask<Prompt>[] = tasks.list();
  for (const r of listed) {
    const prompt: string | undefined = r.data?.prompt;
    const expires: number | undefined = r.expiresAt;
    const results: string[] | undefined = r.task?.results;
    console.log(prompt, expires, results, url);
  }
  tasks.remember('task-2', { data: { prompt: 'elsewhere' } });
  tasks.forget('task-1');
  const off: () => void = tasks.subscribe(() => {});
  off();
}

function Component(id: string | null): string {
  const state: TaskState = useTask(tasks, id, { intervalMs: 500, remember: true });
  const direct = useTask(client, 'task-1');
  const { phase, progress, result, error, generate, abort, reset } = useGenerateTask(tasks, 'video');
  void generate({ model: 'seedance-2.0-text-to-video', prompt: 'x' }, { remember: { data: { prompt: 'x' } } });
  abort();
  reset();
  // @ts-expect-error not a kind
  useGenerateTask(tasks, 'text');
  const remembered = useRememberedTasks(tasks);
  const first: string | undefined = remembered[0]?.data?.prompt;
  const url: string | undefined = result?.results[0];
  return `${state.phase} ${direct.status} ${phase} ${progress} ${String(error)} ${first} ${url}`;
}

void flows;
void Component;
