// Entry for Node (ESM) and Deno: the CommonJS entry's exports, so that `import` and `require`
// share one wasm instance and one set of error classes (`instanceof` holds across them).
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
