// The app, CommonJS style: `require('evolink-tasks')` in browser code bundled by webpack.
const pkg = require('evolink-tasks');
const { early, runChecks } = require('../shared/checks.mjs');

runChecks(pkg, early(pkg));
