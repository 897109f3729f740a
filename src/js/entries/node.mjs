// Entry for Node (ESM) and Deno: the CommonJS entry's exports, so that `import` and `require`
// share one wasm instance and one set of error classes (`instanceof` holds across them). It is
// loaded with `require`: importing a CommonJS file makes Node scan its 300 kB for export names
// first (about 6 ms at start-up).
import { createRequire } from 'node:module';

const cjs = createRequire(import.meta.url)('./node.cjs');

export const {
  EvoLinkClient,
  parseTaskCallback,
  planPoll,
  EvoLinkError,
  ApiError,
  TaskFailedError,
  TimeoutError,
  NetworkError,
  InvalidResponseError,
} = cjs;
