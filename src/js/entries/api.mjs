// What every ES module entry exports: the client, the callback reader and the error classes.
export { EvoLinkClient, parseTaskCallback } from 'evolink-glue';
export {
  EvoLinkError,
  ApiError,
  TaskFailedError,
  TimeoutError,
  NetworkError,
  InvalidResponseError,
} from 'evolink-errors';
