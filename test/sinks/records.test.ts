// The records every sink gets, built once: what a saved search can rely on (docs/logs.md).
import { describe, expect, it } from 'vitest';
import type { CheckReport, Finding, ProbeRow } from '../../shared/report/schema.ts';
import { closingRecords, runRecords, warningRecord } from '../../shared/sinks/records.ts';

const base = {
  runId: 'r-1',
  time: '2026-11-21T04:02:00.000Z',
  origin: 'cli' as const,
  monitor: 'cli',
  region: 'cn-shanghai',
};

const row = (ip: string, status: ProbeRow['status']): ProbeRow => ({
  ip,
  port: 8848,
  category: 'governance-rules',
  required: true,
  status,
  latencyMs: 1.2,
  attempts: 1,
});

const finding: Finding = {
  severity: 'critical',
  category: 'governance-rules',
  symptom: 's',
  cause: 'c',
  action: 'a',
  endpoints: ['100.100.27.224:8848'],
  kind: 'ip-missing',
  reason: 'timeout',
};

const report = (interception?: CheckReport['interception']) => ({
  probes: [row('100.100.27.5', 'ok'), row('100.100.27.224', 'timeout')],
  findings: [finding],
  catalogVersion: '2026-11-21+dfc2f766',
  ...(interception ? { interception } : {}),
});

describe('log records', () => {
  it('a finding record carries the root cause kind and the reason, beside the record kind', () => {
    const [record] = closingRecords(base, {
      check: 'endpoints',
      ok: false,
      complete: true,
      durationMs: 10,
      report: report(),
    });
    expect(record).toMatchObject({
      kind: 'finding',
      findingKind: 'ip-missing',
      reason: 'timeout',
      severity: 'critical',
    });
  });

  it('the run record says the interception verdict when the run made the check', () => {
    const interception = {
      probe: { ...row('100.100.27.5', 'ok'), port: 9 },
      verdict: 'intercepted' as const,
    };
    const records = closingRecords(base, {
      check: 'endpoints',
      ok: false,
      complete: true,
      durationMs: 12.345,
      report: report(interception),
    });
    expect(records.at(-1)).toMatchObject({
      kind: 'run',
      interception: 'intercepted',
      durationMs: 12.3,
      probesFailed: 1,
    });
    const plain = closingRecords(base, {
      check: 'endpoints',
      ok: false,
      complete: true,
      durationMs: 1,
      report: report(),
    });
    expect(plain.at(-1)).not.toHaveProperty('interception');
  });

  it('a whole run: probes first, then findings, then the run; a warning is a record of its own', () => {
    const kinds = runRecords(base, {
      check: 'endpoints',
      ok: false,
      complete: true,
      durationMs: 1,
      report: report(),
    }).map((r) => r.kind);
    expect(kinds).toEqual(['probe', 'probe', 'finding', 'run']);
    expect(warningRecord(base, 'targets[1] repeats targets[0]')).toEqual({
      ...base,
      kind: 'warning',
      message: 'targets[1] repeats targets[0]',
    });
  });
});
