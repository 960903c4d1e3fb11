#!/usr/bin/env node
// The CLI ships as one bundled file built by `npm run prepare`; this shim keeps the bin path stable.
import('../dist/cli/index.mjs').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli')) {
    process.stderr.write(
      'mse-watch: the CLI is not built yet; run `npm run prepare` (npm ci does it for you)\n',
    );
    process.exit(2);
  }
  throw error;
});
