import { describe, expect, it } from 'vitest';
import { resolveRegion } from '../../shared/catalog/index.ts';
import {
  INTERCEPTION_CATEGORY,
  INTERCEPTION_PORT,
  interceptionAddress,
} from '../../shared/diagnose/index.ts';
import type { ProbeRow } from '../../shared/report/schema.ts';
import { catalog, type Fail, run } from './support.ts';

// The interception check (docs/diagnosis.md): a connection where MSE serves nothing means something on the path
// answers for every address. Pure table tests over the probe row the run hands to diagnose.

const probe = (over: Partial<ProbeRow>): ProbeRow => ({
  ip: '100.103.16.42',
  port: INTERCEPTION_PORT,
  category: INTERCEPTION_CATEGORY,
  required: true,
  status: 'ok',
  latencyMs: 0.4,
  attempts: 1,
  name: 'interception check',
  ...over,
});

describe('where the check probes', () => {
  it('the first catalog IP of every region, on a port none of its endpoints serve', () => {
    expect(INTERCEPTION_PORT).toBe(9);
    for (const region of catalog.regions) {
      const address = interceptionAddress(region);
      expect(address).toEqual({ ip: region.endpoints[0]?.ip, port: INTERCEPTION_PORT });
      // nothing in the catalog serves it, anywhere: MSE and ARMS ports are 80, 8080, 8848 and 9848
      for (const endpoint of region.endpoints) expect(endpoint.ports).not.toContain(INTERCEPTION_PORT);
    }
    expect(interceptionAddress(resolveRegion(catalog, 'cn-zhangjiakou'))?.ip).toBe('100.100.2.86');
  });
});

describe('the verdict and its finding', () => {
  const healthy: Fail = () => undefined;
  it.each([
    {
      name: 'connected: intercepted, one critical finding, the run is not ok although every endpoint is green',
      row: probe({ status: 'ok', connectMs: 0.4 }),
      verdict: 'intercepted',
      findings: 1,
      ok: false,
    },
    {
      name: 'refused (nothing listens on port 9): clear',
      row: probe({ status: 'refused', error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } }),
      verdict: 'clear',
      findings: 0,
      ok: true,
    },
    {
      name: 'dropped by a firewall: clear',
      row: probe({
        status: 'timeout',
        error: { code: 'ETIMEDOUT', message: 'no TCP handshake within 1500 ms' },
      }),
      verdict: 'clear',
      findings: 0,
      ok: true,
    },
    {
      name: 'no route: clear',
      row: probe({ status: 'unreachable', error: { code: 'ENETUNREACH', message: 'connect ENETUNREACH' } }),
      verdict: 'clear',
      findings: 0,
      ok: true,
    },
    {
      name: 'not probed (the budget ran out): inconclusive, no finding',
      row: probe({ status: 'timeout', attempts: 0, error: { code: 'DEADLINE', message: 'not probed' } }),
      verdict: 'inconclusive',
      findings: 0,
      ok: true,
    },
    {
      name: 'an unexpected error: inconclusive',
      row: probe({ status: 'error', error: { code: 'EPERM', message: 'connect EPERM' } }),
      verdict: 'inconclusive',
      findings: 0,
      ok: true,
    },
  ] as const)('$name', ({ row, verdict, findings, ok }) => {
    const d = run('cn-shanghai', healthy, { interception: row });
    expect(d.interception).toEqual({ probe: row, verdict });
    expect(d.findings).toHaveLength(findings);
    expect(d.ok).toBe(ok);
  });

  it('an intercepting proxy that answers HTTP 404 everywhere: the finding says green proves nothing, with the evidence', () => {
    const d = run('cn-shanghai', (_, port) => (port === 80 || port === 8080 ? 'ok404' : undefined), {
      interception: probe({ status: 'ok', connectMs: 0.4 }),
    });
    expect(d.categories.every((c) => c.verdict === 'ok' || c.verdict === 'skipped')).toBe(true);
    expect(d.ok).toBe(false);
    expect(d.findings).toHaveLength(1);
    const [finding] = d.findings;
    expect(finding).toMatchObject({
      kind: 'interception',
      severity: 'critical',
      category: 'interception',
      endpoints: ['100.103.16.42:9'],
    });
    expect(finding?.symptom).toMatch(/answers in MSE's place/);
    expect(finding?.symptom).toMatch(/green results included/);
    expect(finding?.cause).toMatch(/100\.103\.16\.42:9 accepted a TCP connection/);
    expect(finding?.cause).toMatch(/catalog lists only port 8080 for this basic-info address/);
    expect(finding?.cause).toMatch(/transparent proxy/);
    expect(finding?.cause).toMatch(/HTTP 404 ×17/);
    expect(finding?.action).toMatch(/probe\.interceptionCheck: false/);
  });

  it('comes first: it makes every other result suspect', () => {
    const d = run('cn-shanghai', (ip) => (ip === '100.100.27.224' ? 'timeout' : undefined), {
      interception: probe({ status: 'ok' }),
    });
    expect(d.findings.map((f) => f.kind)).toEqual(['interception', 'ip-missing']);
  });

  it('without a region there is no check, whatever is passed', () => {
    const d = run('cn-shanghai', () => undefined);
    expect(d.interception).toBeUndefined();
  });
});
