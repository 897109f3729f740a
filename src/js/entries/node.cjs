// Entry for Node through `require` (CommonJS): the same API as node.mjs.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { initSync } = require('evolink-core');
const client = require('../client.js');
const errors = require('../errors.js');

initSync({ module: readFileSync(join(__dirname, 'evolink_tasks_bg.wasm')) });

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
