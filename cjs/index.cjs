'use strict';
// `require('keras-ts')`. The package is an ES module; Node.js >= 20.19 (and >= 22.12) load it with
// require(). Older versions get this message instead of a generic error.
try {
  module.exports = require('../dist/index.js');
} catch (e) {
  if (e && (e.code === 'ERR_REQUIRE_ESM' || e.code === 'ERR_REQUIRE_ASYNC_MODULE')) {
    const err = new Error(
      `keras-ts is an ES module: require('keras-ts') needs Node.js >= 20.19 (this Node.js ${process.version} cannot require() an ES module). ` +
        "Upgrade Node.js, or load it with `const keras = await import('keras-ts')`.",
    );
    err.code = e.code;
    err.cause = e;
    throw err;
  }
  throw e;
}
