import { describe, expect, it } from 'vitest';
import { compareRuns, renderComparison } from '../../shared/diagnose/compare.ts';
import type { FunctionSummary } from '../../shared/fc/summary.ts';
import type { CheckReport, ProbeRow } from '../../shared/report/schema.ts';

const row = (
  ip: string,
  port: number,
  status: ProbeRow['status'],
  category = 'nacos',
  required = true,
): ProbeRow => ({
  ip,
  port,
  category,
  required,
  status,
  latencyMs: 1,
  attempts: 1,
});

const local = (probes: ProbeRow[], over: Partial<CheckReport> = {}): CheckReport => ({
  region: 'cn-hangzhou',
  startedAt: '2026-11-21T05:00:00.000Z',
  durationMs: 10,
  ok: probes.every((p) => p.status === 'ok'),
  complete: true,
  catalogVersion: 'v',
  probes,
  categories: [],
  findings: [],
  ...over,
});

const remote = (rows: ProbeRow[], over: Partial<FunctionSummary> = {}): FunctionSummary => ({
  ok: rows.every((p) => p.status === 'ok'),
  complete: true,
  check: 'endpoints',
  region: 'cn-hangzhou',
  runId: 'r',
  function: 'mse-watch-probe-endpoints',
  startedAt: '2026-11-21T05:00:00.000Z',
  durationMs: 10,
  budgetMs: 51_000,
  counts: { probes: rows.length, ok: 0, failed: 0, findings: 0, critical: 0 },
  findings: [],
  failed: rows
    .filter((r) => r.status !== 'ok')
    .map((r) => ({ ip: r.ip, port: r.port, category: r.category, required: r.required, status: r.status })),
  reachable: rows.filter((r) => r.status === 'ok').map((r) => `${r.ip}:${r.port}`),
  ...over,
});

describe('compareRuns: where a failure lives', () => {
  it.each([
    ['ok', 'ok', 'none'],
    ['timeout', 'ok', 'here'],
    ['refused', 'ok', 'here'],
    ['timeout', 'timeout', 'mse'],
    ['refused', 'unreachable', 'mse'],
    ['ok', 'timeout', 'vpc'],
  ] as const)('here %s, VPC %s -> %s', (here, vpc, blame) => {
    const comparison = compareRuns(
      local([row('100.1.1.1', 8848, here)]),
      remote([row('100.1.1.1', 8848, vpc)]),
    );
    expect(comparison.rows).toEqual([
      { endpoint: '100.1.1.1:8848', category: 'nacos', required: true, local: here, remote: vpc, blame },
    ]);
    expect(comparison.ok).toBe(blame === 'none');
  });

  it('explains each group in words that name the place to look', () => {
    const comparison = compareRuns(
      local([
        row('100.1.1.1', 8848, 'timeout'),
        row('100.1.1.1', 9848, 'timeout'),
        row('100.1.1.2', 80, 'refused', 'acm'),
        row('100.1.1.3', 443, 'ok', 'sls'),
      ]),
      remote([
        row('100.1.1.1', 8848, 'ok'),
        row('100.1.1.1', 9848, 'ok'),
        row('100.1.1.2', 80, 'refused', 'acm'),
        row('100.1.1.3', 443, 'ok', 'sls'),
      ]),
    );
    expect(comparison.counts).toEqual({ none: 1, here: 2, mse: 1, vpc: 0, unknown: 0 });
    const [here, mse] = comparison.explanations;
    expect(here).toMatchObject({
      blame: 'here',
      endpoints: ['100.1.1.1:8848', '100.1.1.1:9848'],
      categories: ['nacos'],
    });
    expect(here!.text).toMatch(/reachable from the VPC but not from here.*firewall or route/);
    expect(here!.text).toContain('mse-watch allowlist --region cn-hangzhou');
    expect(mse).toMatchObject({ blame: 'mse', endpoints: ['100.1.1.2:80'] });
    expect(mse!.text).toMatch(/unreachable from both.*MSE side/);
    expect(renderComparison(comparison)).toContain('2 blocked here only, 1 unreachable from both');
  });

  it('does not judge what one side did not probe, and says why', () => {
    const comparison = compareRuns(
      local([row('100.1.1.1', 8848, 'timeout'), row('100.1.1.2', 8848, 'ok')]),
      remote([row('100.1.1.2', 8848, 'ok'), row('100.9.9.9', 80, 'timeout')], {
        complete: false,
        reason: 'time budget',
      }),
    );
    expect(comparison.rows.map((r) => [r.endpoint, r.blame])).toEqual([
      ['100.1.1.1:8848', 'unknown'],
      ['100.1.1.2:8848', 'none'],
      ['100.9.9.9:80', 'unknown'],
    ]);
    expect(comparison.caveats).toEqual(["the function's run was incomplete: time budget"]);
    expect(comparison.ok).toBe(false);
  });

  it('notes a region mismatch', () => {
    const comparison = compareRuns(local([]), remote([], { region: 'cn-shanghai' }));
    expect(comparison.caveats[0]).toMatch(/different regions: here cn-hangzhou, the function cn-shanghai/);
  });

  it('ignores optional endpoints for the overall verdict', () => {
    const comparison = compareRuns(
      local([row('100.1.1.1', 80, 'timeout', 'arms', false)]),
      remote([row('100.1.1.1', 80, 'ok', 'arms', false)]),
    );
    expect(comparison.counts.here).toBe(1);
    expect(comparison.ok).toBe(true);
  });
});
