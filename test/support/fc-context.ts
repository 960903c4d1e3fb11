/** An FC-shaped context as the nodejs20 runtime passes it (FC docs: context object). */
export const fakeContext = (over: { timeout?: number; name?: string; credentials?: boolean } = {}) => ({
  requestId: 'c0ffee00-1111-2222-3333-444455556666',
  credentials:
    over.credentials === false
      ? { accessKeyId: '', accessKeySecret: '', securityToken: '' }
      : {
          accessKeyId: 'STS.NUkey1234567890',
          accessKeySecret: 'sts-secret-must-never-be-logged-42',
          securityToken: 'CAIS-token-must-never-be-logged-xyz',
        },
  function: {
    name: over.name ?? 'probe-endpoints',
    handler: 'index.handler',
    memory: 256,
    timeout: over.timeout ?? 60,
  },
  service: { logProject: 'mse-watch', logStore: 'runs', qualifier: 'LATEST' },
  region: 'cn-hangzhou',
  accountId: '1234567890123456',
  logger: { info: () => undefined, error: () => undefined },
});

export const timerEvent = (payload: string) =>
  Buffer.from(
    JSON.stringify({ triggerTime: '2026-11-21T05:00:00Z', triggerName: 'every-minute', payload }),
    'utf8',
  );
