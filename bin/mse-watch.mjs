#!/usr/bin/env node
// The CLI ships as one bundled file built by `npm run prepare`; this shim keeps the bin path stable.
import { setFlagsFromString } from 'node:v8';

// Keep V8's young generation at its starting size instead of doubling it when much of what is allocated
// survives (parsing a large config does that): a 2,000-target check peaks at 68 MiB instead of 79 MiB, at the
// same CPU (docs/BENCHMARKS.md). V8 reads this flag each time it would grow the young generation, so setting
// it here, before anything is allocated, works where --max-semi-space-size (read once, at start) would need the
// command line.
setFlagsFromString('--semi-space-growth-factor=1');

import('../dist/cli/index.mjs').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli')) {
    process.stderr.write(
      'mse-watch: the CLI is not built yet; run `npm run prepare` (npm ci does it for you)\n',
    );
    process.exit(2);
  }
  throw error;
});
