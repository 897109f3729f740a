// Entry for Node (ESM) and Deno: the CommonJS entry's exports, so that `import` and `require`
// share one wasm instance and one set of error classes (`instanceof` holds across them). A
// static import, so that bundlers (esbuild, ncc) follow it into one file (`createRequire` would
// skip Node's scan of the imported file's source for export names, but bundlers do not follow
// it). The import goes through node-bridge.cjs, a few lines for Node to scan, not node.cjs's
// 337 kB.
import cjs from './node-bridge.cjs';

export const {
  EvoLinkClient,
  parseTaskCallback,
  planPoll,
  ready,
  EvoLinkError,
  ApiError,
  TaskFailedError,
  TimeoutError,
  NetworkError,
  InvalidResponseError,
} = cjs;
