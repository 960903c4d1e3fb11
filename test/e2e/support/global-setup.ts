import { ownNamespaces, sweepStaleNamespaces } from '../../../scripts/e2e/vpc.ts';

// Runs in vitest's main process: removes namespaces left by a run that was killed outright, and after
// the suite reports (and removes) anything a test file failed to clean, so CI never keeps one.
export const setup = (): void => {
  const swept = sweepStaleNamespaces();
  if (swept.length > 0) process.stderr.write(`e2e: removed stale namespaces ${swept.join(' ')}\n`);
};

export const teardown = (): void => {
  const swept = sweepStaleNamespaces();
  if (swept.length > 0)
    process.stderr.write(`e2e: a test left namespaces behind, removed ${swept.join(' ')}\n`);
  const left = ownNamespaces();
  if (left.length > 0) process.stderr.write(`e2e: namespaces of live processes remain: ${left.join(' ')}\n`);
};
