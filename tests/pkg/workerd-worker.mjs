// workerd harness, the worker: bundled by workerd.run.mjs as Wrangler would (conditions
// workerd,worker,browser → workerd.mjs, whose wasm import stays a separate `wasm` module).
// Any request runs the suite against env.BASE (the fake server) and answers the results as JSON,
// with what this compatibility date offers that wasm-bindgen's glue may look for.
import * as pkg from 'evolink-tasks';
import { runSuite } from './suite.mjs';

export default {
  async fetch(request, env) {
    const results = await runSuite(pkg, env.BASE);
    const runtime = { FinalizationRegistry: typeof FinalizationRegistry, WeakRef: typeof WeakRef };
    return Response.json({ results, runtime });
  },
};
