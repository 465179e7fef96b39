#!/usr/bin/env node
// The `nfvperf` executable: the compiled CLI (npm ci builds dist/ through the prepare script).
import('../dist/src/cli/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('nfvperf: not built yet (dist/ is missing): run `npm ci` or `npm run build`');
    process.exit(70);
  }
  throw error;
});
