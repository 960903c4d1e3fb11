import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { defaultProbeDeps } from '../../shared/probes/deps.ts';
import { probeOnce } from '../../shared/probes/engine.ts';

describe('the network guard every test runs under', () => {
  it.each([
    '100.100.27.5',
    '10.157.201.65',
    '47.94.108.11',
    'mse-abc-nacos-ans.mse.aliyuncs.com',
  ])('refuses to dial %s from the host network', (host) => {
    expect(() => connect({ host, port: 8848 })).toThrow(/network rule/);
  });

  it('a probe of a catalog address fails the test instead of sending a packet', async () => {
    await expect(
      probeOnce(
        { host: '100.100.27.5', port: 8848, spec: { kind: 'tcp' }, category: 't', required: true },
        { timeoutMs: 100 },
        defaultProbeDeps,
      ),
    ).rejects.toThrow(/network rule/);
  });

  it('covers fetch too (undici dials through net)', async () => {
    const failure = await fetch('http://100.100.100.200/').catch((error: Error) => error);
    expect(String((failure as Error & { cause?: unknown }).cause)).toMatch(/network rule/);
  });

  it('lets loopback through', async () => {
    const attempt = await probeOnce(
      { host: '127.0.0.1', port: 9, spec: { kind: 'tcp' }, category: 't', required: true },
      { timeoutMs: 500 },
      defaultProbeDeps,
    );
    expect(['refused', 'ok']).toContain(attempt.status);
  });
});
