// The hand-written app: one fetch, as a page would write it without the package.
const moduleRuns = performance.now();
const response = await fetch(`${location.origin}/v1/tasks/ok-pageload${Math.random().toString(36).slice(2)}`);
const task = await response.json();
window.__timings = { moduleRuns, firstAnswer: performance.now(), status: task.status };
