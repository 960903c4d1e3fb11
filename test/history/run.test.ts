import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type NacosInput,
  NO_REGION,
  type ReportInput,
  Run,
  runFromNacos,
  runFromReport,
} from '../../shared/history/index.ts';
import { NacosReport } from '../../shared/nacos/report.ts';
import { CheckReport } from '../../shared/report/schema.ts';

const report = CheckReport.parse({
  region: 'cn-hangzhou',
  startedAt: '2026-11-21T05:00:00.000+08:00',
  durationMs: 3012.4,
  ok: false,
  complete: true,
  catalogVersion: '2026-11-21+dfc2f766',
  simulation: { note: 'scenario demo', mapping: { '100.100.45.175:9848': '127.77.0.1:9848' } },
  probes: [
    {
      ip: '100.100.45.175',
      port: 9848,
      category: 'governance-rules',
      required: true,
      status: 'timeout',
      latencyMs: 3001.2,
      attempts: 2,
      error: { code: 'ETIMEDOUT', message: 'no answer in 3000 ms' },
      probed: '127.77.0.1:9848',
    },
    {
      ip: '100.100.45.176',
      port: 8848,
      category: 'governance-rules',
      required: true,
      status: 'ok',
      latencyMs: 3.1,
      attempts: 1,
      connectMs: 3.1,
    },
    {
      ip: 'gateway.internal',
      port: 8080,
      category: 'targets',
      required: false,
      status: 'http-status',
      latencyMs: 8,
      attempts: 1,
      name: 'gateway',
      httpStatus: 503,
      error: { code: 'HTTP_503', message: 'HTTP 503' },
    },
  ],
  categories: [
    { category: 'governance-rules', verdict: 'partial', reachable: 1, total: 2 },
    { category: 'arms-info', verdict: 'skipped', reachable: 0, total: 2 },
    { category: 'targets', verdict: 'down', reachable: 0, total: 1 },
  ],
  findings: [
    {
      severity: 'critical',
      category: 'governance-rules',
      symptom: 'start-up times out',
      cause: 'timeout',
      action: 'allow 100.100.45.175:9848',
      endpoints: ['100.100.45.175:9848'],
    },
  ],
});

const nacos = NacosReport.parse({
  server: 'mse-abc-nacos-ans.mse.aliyuncs.com:8848',
  version: '2.3.2',
  ok: false,
  durationMs: 200,
  steps: [
    { name: 'liveness', status: 'ok', latencyMs: 5 },
    { name: 'config-roundtrip', status: 'degraded', latencyMs: 900, detail: 'slow' },
    {
      name: 'naming-roundtrip',
      status: 'failed',
      latencyMs: 31,
      error: { code: 'auth', message: 'HTTP 403' },
    },
  ],
});

describe('runFromReport', () => {
  it('accepts the real report types (checked by the compiler)', () => {
    expectTypeOf<CheckReport>().toExtend<ReportInput>();
    expectTypeOf<NacosReport>().toExtend<NacosInput>();
  });

  it('keeps what history needs of every probe row, category and finding, keyed by region', () => {
    const run = runFromReport(report);
    expect(Run.parse(run)).toStrictEqual(run);
    expect(run.region).toBe('cn-hangzhou');
    // normalised to UTC, so runs from hosts in different zones sort together
    expect(run.startedAt).toBe('2026-11-20T21:00:00.000Z');
    expect(run.ok).toBe(false);
    expect(run.probesOk).toBe(false);
    expect(run.simulation).toBe('scenario demo');
    expect(run.catalogVersion).toBe('2026-11-21+dfc2f766');
    expect(run.endpoints).toStrictEqual([
      {
        ip: '100.100.45.175',
        port: 9848,
        category: 'governance-rules',
        required: true,
        status: 'timeout',
        latencyMs: 3001.2,
        error: { code: 'ETIMEDOUT', message: 'no answer in 3000 ms' },
      },
      {
        ip: '100.100.45.176',
        port: 8848,
        category: 'governance-rules',
        required: true,
        status: 'ok',
        latencyMs: 3.1,
      },
      {
        ip: 'gateway.internal',
        port: 8080,
        category: 'targets',
        required: false,
        name: 'gateway',
        status: 'http-status',
        latencyMs: 8,
        error: { code: 'HTTP_503', message: 'HTTP 503' },
      },
    ]);
    expect(run.categories).toStrictEqual(report.categories);
    expect(run.findings).toStrictEqual(report.findings);
    expect(run.nacos).toBeUndefined();
  });

  it('a report without a region is keyed by NO_REGION', () => {
    expect(runFromReport({ ...report, region: null }).region).toBe(NO_REGION);
  });

  it('adds the Nacos check beside it: its steps, and its failed and degraded steps as findings', () => {
    const healthy = CheckReport.parse({ ...report, ok: true, findings: [] });
    const run = runFromReport(healthy, nacos);
    expect(run.ok).toBe(false);
    expect(run.probesOk).toBe(true);
    expect(run.nacos?.steps.map((s) => [s.name, s.status])).toStrictEqual([
      ['liveness', 'ok'],
      ['config-roundtrip', 'degraded'],
      ['naming-roundtrip', 'failed'],
    ]);
    expect(run.findings.map((f) => [f.severity, f.category, f.symptom, f.cause])).toStrictEqual([
      ['warning', 'nacos', 'Nacos config-roundtrip degraded', 'config-roundtrip slower than its threshold'],
      ['critical', 'nacos', 'Nacos naming-roundtrip failed', 'auth: HTTP 403'],
    ]);
    expect(runFromReport(healthy, { ...nacos, ok: true }).ok).toBe(true);
  });
});

describe('runFromReport with a report that already carries its Nacos findings', () => {
  it('keeps each finding once', () => {
    const derived = runFromReport(CheckReport.parse({ ...report, findings: [] }), nacos).findings;
    const carried = CheckReport.parse({ ...report, findings: derived });
    const run = runFromReport(carried, nacos);
    expect(run.findings).toStrictEqual(derived);
  });
});

describe('runFromNacos', () => {
  it('makes a Nacos-only run under the given region and start', () => {
    const run = runFromNacos(nacos, { region: 'cn-hangzhou', startedAt: new Date('2026-11-21T05:00:00Z') });
    expect(run.region).toBe('cn-hangzhou');
    expect(run.startedAt).toBe('2026-11-21T05:00:00.000Z');
    expect(run.endpoints).toStrictEqual([]);
    expect(run.categories).toStrictEqual([]);
    expect(run.probesOk).toBeUndefined();
    expect(run.ok).toBe(false);
    expect(run.findings).toHaveLength(2);
    expect(runFromNacos(nacos, { startedAt: '2026-11-21T05:00:00Z' }).region).toBe(NO_REGION);
  });
});
