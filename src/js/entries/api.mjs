// What every entry exports: the client and the functions made in Rust (wasm-bindgen's glue,
// `#glue`), and the error classes (the same module the glue imports as its snippet).
export { EvoLinkClient, parseTaskCallback, planPoll } from '#glue';
export {
  EvoLinkError,
  ApiError,
  TaskFailedError,
  TimeoutError,
  NetworkError,
  InvalidResponseError,
} from '../errors.js';
