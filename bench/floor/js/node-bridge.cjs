// As src/js/entries/node-bridge.cjs: `module.exports = api`, not `= require(…)`, which Node
// would follow and scan.
const api = require('./node.cjs');
module.exports = api;
