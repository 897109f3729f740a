// Entry for Node through `require` (CommonJS): the same API as node.mjs.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { init } = require('../core.js');
const client = require('../client.js');
const errors = require('../errors.js');

init(new WebAssembly.Module(readFileSync(join(__dirname, 'evolink_tasks.wasm'))));

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
