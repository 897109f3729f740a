// Bundled by run.mjs as Wrangler would (conditions workerd,worker,browser; the wasm a separate
// module) and served by workerd: any request runs refusal.mjs's checks against env.BASE and
// answers them as JSON.
import * as pkg from 'evolink-tasks';
import * as browserTasks from 'evolink-tasks/browser-tasks';
import { refusalChecks } from './refusal.mjs';

export default {
  async fetch(request, env) {
    return Response.json(await refusalChecks(pkg, browserTasks, env.BASE));
  },
};
