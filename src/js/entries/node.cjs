// Entry for Node through `require` (CommonJS): the same API as node.mjs.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const glue = require('evolink-glue');
const errors = require('evolink-errors');

glue.initSync({ module: readFileSync(join(__dirname, 'evolink_tasks_bg.wasm')) });

module.exports = {
  EvoLinkClient: glue.EvoLinkClient,
  parseTaskCallback: glue.parseTaskCallback,
  EvoLinkError: errors.EvoLinkError,
  ApiError: errors.ApiError,
  TaskFailedError: errors.TaskFailedError,
  TimeoutError: errors.TimeoutError,
  NetworkError: errors.NetworkError,
  InvalidResponseError: errors.InvalidResponseError,
};
