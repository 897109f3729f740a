// Entry for Node through `require` (CommonJS): the same API as node.mjs, the wasm inlined too.
const wasm = require('./evolink_tasks.wasm');
const { init } = require('../core.js');
const client = require('../client.js');
const errors = require('../errors.js');

init(new WebAssembly.Module(wasm));

module.exports = {
  EvoLinkClient: client.EvoLinkClient,
  parseTaskCallback: client.parseTaskCallback,
  EvoLinkError: errors.EvoLinkError,
  ApiError: errors.ApiError,
  TaskFailedError: errors.TaskFailedError,
  TimeoutError: errors.TimeoutError,
  NetworkError: errors.NetworkError,
  InvalidResponseError: errors.InvalidResponseError,
};
