// The React test app (tests/frontend/run.mjs builds it with Vite and drives it through
// window.control): a task watched by id, a generate button, and the remembered tasks resumed
// after a reload, all under StrictMode, with BrowserTasks sharing polls and remembering.
import { StrictMode, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { EvoLinkClient } from 'evolink-tasks';
import { BrowserTasks } from 'evolink-tasks/browser-tasks';
import { useGenerateTask, useRememberedTasks, useTask } from 'evolink-tasks/react';
// The npm README's example, copied in by run.mjs: built, so that it compiles as written.
import { Videos } from './readme-example.jsx';

window.readmeExample = Videos;

const client = new EvoLinkClient({ baseUrl: location.origin });
const tasks = new BrowserTasks(client);
const INTERVAL_MS = 200;

// What the test sets: { id, shown } (a tiny store outside React).
let controls = { id: null, shown: true };
const listeners = new Set();
window.control = {
  set(patch) {
    controls = { ...controls, ...patch };
    for (const listener of listeners) listener();
  },
};
const useControls = () =>
  useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => controls,
  );

/** A task by id; `remember` keeps it recorded (the resumed ones), else it is only watched. */
function TaskView({ id, label, remember = false }) {
  const { phase, status, progress, result, error } = useTask(tasks, id, { intervalMs: INTERVAL_MS, remember });
  return (
    <p className="task" data-label={label} data-id={id ?? ''} data-phase={phase}>
      {id ?? 'no id'}: {phase} {status ?? ''} {progress ?? ''}
      {result && <a href={result.results[0]}> result</a>}
      {error && <span className="error"> {error.name}: {error.message}</span>}
    </p>
  );
}

function Generate() {
  const { phase, id, progress, generate } = useGenerateTask(tasks, 'video');
  return (
    <section>
      <button
        type="button"
        onClick={() =>
          generate(
            { model: 'seedance-2.0-fast-text-to-video', prompt: window.nextPrompt },
            { intervalMs: INTERVAL_MS, remember: { data: { prompt: window.nextPrompt } } },
          )
        }
      >
        Generate
      </button>
      <p className="generated" data-phase={phase} data-id={id ?? ''}>
        {phase} {id ?? ''} {progress ?? ''}
      </p>
    </section>
  );
}

function Remembered() {
  const remembered = useRememberedTasks(tasks);
  return (
    <ul className="remembered">
      {remembered.map((r) => (
        <li key={r.id} data-id={r.id} data-status={r.status}>
          {r.data?.prompt}: {r.status === 'completed' ? 'completed' : <TaskView id={r.id} label="resumed" remember />}
        </li>
      ))}
    </ul>
  );
}

function App() {
  const { id, shown } = useControls();
  return (
    <main>
      {shown && <TaskView id={id} label="watched" />}
      <Generate />
      <Remembered />
    </main>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
