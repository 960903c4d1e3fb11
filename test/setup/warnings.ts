// The suite prints no warnings: a process warning (a deprecation, an unhandled-listener leak, an experimental
// API) emitted while a test file runs fails that file, so it is fixed where it comes from, not scrolled past.
import { afterAll, expect } from 'vitest';

/**
 * Warnings known, reported to their owners and not yet fixed at the source. Each entry names where it comes
 * from; remove it with the fix.
 */
const KNOWN: ReadonlyArray<{ code: string; where: RegExp; why: string }> = [
  {
    code: 'DEP0123',
    where: /test\/nacos\/(check-faults|tls|test-server-script)\.test\.ts$/,
    why: 'grpc-js always sets the TLS ServerName to the target host, an IP in these tests (gRPC over TLS to 127.0.0.1); a real MSE endpoint is a name',
  },
];

const seen: Array<{ code: string; message: string }> = [];
// Node's own printer goes: a warning is either known (listed above, silent) or fails the file, never scrolls past
process.removeAllListeners('warning');
process.on('warning', (warning: Error & { code?: string }) => {
  seen.push({ code: warning.code ?? warning.name, message: warning.message });
});

afterAll(async () => {
  // 'warning' is emitted on the next tick: let the last test's warnings arrive
  await new Promise((resolve) => setImmediate(resolve));
  const file = expect.getState().testPath ?? '';
  const unexpected = seen.filter(
    (warning) => !KNOWN.some((known) => known.code === warning.code && known.where.test(file)),
  );
  expect(unexpected, 'process warnings while this file ran').toStrictEqual([]);
});
