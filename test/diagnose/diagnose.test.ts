import { describe, expect, it } from 'vitest';
import { loadCatalog, regionTargets, resolveRegion } from '../../shared/catalog/index.ts';
import { diagnose } from '../../shared/diagnose/index.ts';
import type { ProbeStatus } from '../../shared/probes/types.ts';
import type { ProbeRow } from '../../shared/report/schema.ts';

const catalog = loadCatalog();
const shanghai = resolveRegion(catalog, 'cn-shanghai');

/** Every ip:port of cn-shanghai as a probe row, with `fail` deciding each one's status. */
const rows = (
  fail: (ip: string, port: number, category: string) => ProbeStatus | undefined,
  includeArms = false,
) =>
  regionTargets(shanghai, { includeArms }).map(
    (t): ProbeRow => ({
      ip: t.ip,
      port: t.port,
      category: t.category,
      required: t.required,
      status: fail(t.ip, t.port, t.category) ?? 'ok',
      latencyMs: 1,
      attempts: 1,
    }),
  );

const run = (probes: ProbeRow[], includeArms = false) =>
  diagnose({ catalog, region: shanghai, includeArms, probes });

const verdicts = (probes: ProbeRow[], includeArms = false) =>
  Object.fromEntries(
    run(probes, includeArms).categories.map((c) => [c.category, `${c.verdict} ${c.reachable}/${c.total}`]),
  );

describe('verdicts per category', () => {
  it.each([
    {
      name: 'all reachable',
      fail: () => undefined,
      expected: {
        'basic-info': 'ok 2/2',
        'governance-rules': 'ok 12/12',
        diagnostics: 'ok 9/9',
        'arms-info': 'skipped 0/1',
      },
    },
    {
      name: 'one governance IP dropped on all its ports',
      fail: (ip: string) => (ip === '100.100.27.224' ? 'timeout' : undefined),
      expected: { 'governance-rules': 'partial 9/12', 'basic-info': 'ok 2/2' },
    },
    {
      name: 'diagnostics all refused',
      fail: (_: string, __: number, category: string) => (category === 'diagnostics' ? 'refused' : undefined),
      expected: { diagnostics: 'down 0/9', 'metrics-events': 'ok 1/1' },
    },
  ] as const)('$name', ({ fail, expected }) => {
    expect(verdicts(rows(fail as never))).toMatchObject(expected);
  });

  it('ARMS is skipped unless asked for, and judged when it is', () => {
    expect(verdicts(rows(() => undefined))['arms-monitoring']).toBe('skipped 0/7');
    const armsDown = rows((_, __, c) => (c.startsWith('arms') ? 'timeout' : undefined), true);
    expect(verdicts(armsDown, true)['arms-monitoring']).toBe('down 0/7');
    expect(run(armsDown, true).ok).toBe(false);
  });
});

describe('findings', () => {
  it('nothing wrong: ok and no findings', () => {
    const d = run(rows(() => undefined));
    expect(d.ok).toBe(true);
    expect(d.findings).toEqual([]);
  });

  it('a partial start-up category: critical start-up finding plus the intermittent one, with the exact endpoints', () => {
    const d = run(rows((ip) => (ip === '100.100.27.224' ? 'timeout' : undefined)));
    expect(d.ok).toBe(false);
    expect(d.findings.map((f) => [f.severity, f.category, f.symptom])).toEqual([
      ['critical', 'governance-rules', 'Application fails to start with a timeout error'],
      ['critical', 'governance-rules', 'Intermittent connectivity failures'],
    ]);
    for (const finding of d.findings) {
      expect(finding.endpoints).toEqual([
        '100.100.27.224:8080',
        '100.100.27.224:8848',
        '100.100.27.224:9848',
      ]);
      expect(finding.cause).toMatch(/firewall or security group drops/);
      expect(finding.action).toContain('mse-watch allowlist --region cn-shanghai');
      expect(finding.action).toContain('100.100.27.224:9848');
    }
  });

  it('blocked metrics or diagnostics: a warning that governance features do not work', () => {
    const d = run(rows((_, __, c) => (c === 'diagnostics' ? 'refused' : undefined)));
    expect(d.findings).toHaveLength(1);
    expect(d.findings[0]).toMatchObject({
      severity: 'warning',
      category: 'diagnostics',
      symptom: 'Application starts but governance features do not work',
    });
    expect(d.findings[0]?.cause).toMatch(/refused: a firewall rejects them/);
    expect(d.findings[0]?.endpoints).toHaveLength(9);
  });

  it('agent metadata has no row on the page: still a critical start-up finding', () => {
    const d = run(rows((_, __, c) => (c === 'agent-metadata' ? 'timeout' : undefined)));
    expect(d.findings[0]).toMatchObject({
      severity: 'critical',
      category: 'agent-metadata',
      endpoints: ['100.100.100.200:80'],
    });
    expect(d.findings[0]?.symptom).toMatch(/start-up/);
  });

  it('ARMS blocked when asked for: ARMS data is missing, and the command includes --include-arms', () => {
    const d = run(
      rows((_, __, c) => (c === 'arms-info' ? 'timeout' : undefined), true),
      true,
    );
    expect(d.findings[0]).toMatchObject({
      category: 'arms-info',
      symptom: 'ARMS monitoring data is missing',
    });
    expect(d.findings[0]?.action).toContain('--include-arms');
  });

  it('nothing reachable: one finding that says this host has no route to the region', () => {
    const d = run(rows(() => 'unreachable'));
    expect(d.findings).toHaveLength(1);
    expect(d.findings[0]?.category).toBe('all');
    expect(d.findings[0]?.symptom).toMatch(/no route/);
    expect(d.findings[0]?.cause).toMatch(/unreachable: no route from this network/);
    expect(d.findings[0]?.endpoints).toHaveLength(rows(() => undefined).length);
    expect(d.categories.every((c) => c.verdict === 'down' || c.verdict === 'skipped')).toBe(true);
  });

  it('mixed reasons are all named, the most frequent first', () => {
    const d = run(
      rows((ip, port) =>
        ip === '100.100.27.224'
          ? 'timeout'
          : ip === '100.100.27.223' && port === 9848
            ? 'refused'
            : undefined,
      ),
    );
    expect(d.findings[0]?.cause).toMatch(/3 × timeout.*1 × refused/);
  });

  it('extra targets: a failing required target is critical and breaks ok; an optional one does not', () => {
    const extra = (required: boolean): ProbeRow => ({
      ip: 'mse-abc-nacos-ans.mse.aliyuncs.com',
      port: 8848,
      category: 'targets',
      required,
      status: 'dns',
      latencyMs: 1,
      attempts: 2,
      name: 'my nacos',
    });
    const required = diagnose({ catalog, region: null, includeArms: false, probes: [extra(true)] });
    expect(required.ok).toBe(false);
    expect(required.findings[0]).toMatchObject({ severity: 'critical', category: 'targets' });
    expect(required.findings[0]?.cause).toMatch(/does not resolve/);
    expect(required.categories).toEqual([{ category: 'targets', verdict: 'down', reachable: 0, total: 1 }]);
    const optional = diagnose({ catalog, region: null, includeArms: false, probes: [extra(false)] });
    expect(optional.ok).toBe(true);
    expect(optional.findings[0]?.severity).toBe('warning');
  });
});
