// Entry for Node (ESM) and Deno: the CommonJS entry's exports, so that `import` and `require`
// share one wasm instance and one set of error classes (`instanceof` holds across them). A
// static import, so that bundlers (esbuild, ncc) follow it into one file; Node scans node.cjs
// for its export names first (measured: about 6 ms of start-up; `createRequire` would save
// them, but bundlers do not follow it).
import cjs from './node.cjs';

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
