// The error classes every entry exports: errors.js's, the very classes the wasm throws (errors.js
// is also wasm-bindgen's snippet, whose other exports are the glue's, not the package's).
export {
  EvoLinkError,
  ApiError,
  TaskFailedError,
  TimeoutError,
  NetworkError,
  InvalidResponseError,
} from '../errors.js';
