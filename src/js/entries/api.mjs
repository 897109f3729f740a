// What every ES module entry exports: the client, the callback reader and the error classes.
export { EvoLinkClient, parseTaskCallback } from '../client.js';
export {
  EvoLinkError,
  ApiError,
  TaskFailedError,
  TimeoutError,
  NetworkError,
  InvalidResponseError,
} from '../errors.js';
