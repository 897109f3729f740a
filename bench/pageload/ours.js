// The same app with the package: a client made at module scope, as its README shows.
import { EvoLinkClient } from 'evolink-tasks';

const moduleRuns = performance.now();
const client = new EvoLinkClient({ baseUrl: location.origin });
const task = await client.getTask(`ok-pageload${Math.random().toString(36).slice(2)}`);
window.__timings = { moduleRuns, firstAnswer: performance.now(), status: task.status };
