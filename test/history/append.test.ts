import { describe, expect, it } from 'vitest';
import { packSamples, unpackSamples } from '../../shared/history/codes.ts';
import {
  appendRun,
  currentRun,
  DEFAULT_LIMITS,
  freshHistory,
  History,
  HistoryLimits,
  uptime,
} from '../../shared/history/index.ts';
import {
  DAY,
  failingNacos,
  HOUR,
  healthyNacos,
  MINUTE,
  makeRun,
  SECOND,
  simulateRuns,
  T0,
  targetsOf,
} from './fixtures.ts';

const hangzhou = targetsOf('cn-hangzhou');
const first = hangzhou[0]!;
const firstKey = `${first.ip}:${first.port}`;

describe('sample packing', () => {
  it.each([
    [['o', 'o', 'o', 'o'], 'o4'],
    [['o', 'o', 't', 'o', 'o', 'o'], 'ooto3'],
    [['o', '-', '-', 'p'], 'o--p'],
    [['o', 'o', '-', '-', '-'], 'oo'],
    [Array.from({ length: 42 }, () => 'A'), 'A42'],
    [[], ''],
  ])('%j packs to %s and back', (codes, packed) => {
    expect(packSamples(codes, '-')).toBe(packed);
    expect(unpackSamples(packed, codes.length, '-')).toStrictEqual(codes);
  });

  it('pads unpacked samples with "not observed" up to the subject count', () => {
    expect(unpackSamples('o3', 5, '-')).toStrictEqual(['o', 'o', 'o', '-', '-']);
  });
});

describe('appendRun', () => {
  it('records subjects once and one sample code per subject and run', () => {
    let history = freshHistory();
    history = appendRun(history, makeRun('cn-hangzhou', T0, hangzhou), T0);
    history = appendRun(
      history,
      makeRun('cn-hangzhou', T0 + MINUTE, hangzhou, { failing: { [firstKey]: 'timeout' } }),
      T0 + MINUTE,
    );
    expect(History.parse(history)).toStrictEqual(history);
    const series = history.regions['cn-hangzhou']!;
    const categories = [...new Set(hangzhou.map((t) => t.category))];
    expect(series.subjects.map((s) => s.kind)).toStrictEqual([
      'run',
      ...categories.map(() => 'category'),
      ...hangzhou.map(() => 'endpoint'),
    ]);
    expect(series.subjects.filter((s) => s.kind === 'endpoint').map((s) => s.id)).toStrictEqual(
      hangzhou.map((t) => `${t.ip}:${t.port}`),
    );
    expect(series.runs).toHaveLength(2);
    const size = series.subjects.length;
    expect(series.runs[0]!.s).toBe(`o${size}`);
    const second = unpackSamples(series.runs[1]!.s, size, '-');
    const endpointIndex = series.subjects.findIndex((s) => s.kind === 'endpoint' && s.id === firstKey);
    const categoryIndex = series.subjects.findIndex((s) => s.kind === 'category' && s.id === first.category);
    expect(second[0]).toBe('F');
    expect(second[endpointIndex]).toBe('t');
    expect(second[categoryIndex]).toBe('p');
    expect(second.filter((code) => code === 'o')).toHaveLength(size - 3);
  });

  it('is pure, and appending the same run twice keeps one', () => {
    const run = makeRun('cn-hangzhou', T0, hangzhou);
    const empty = freshHistory();
    const once = appendRun(empty, run, T0);
    expect(empty).toStrictEqual(freshHistory());
    expect(appendRun(once, run, T0 + SECOND)).toStrictEqual(once);
  });

  it('keeps runs in start order when they arrive out of order (a slow run saves after a faster one)', () => {
    let history = freshHistory();
    for (const minute of [0, 2, 1, 4, 3]) {
      history = appendRun(history, makeRun('cn-hangzhou', T0 + minute * MINUTE, hangzhou), T0 + 5 * MINUTE);
    }
    expect(history.regions['cn-hangzhou']!.runs.map((r) => (r.t - T0) / MINUTE)).toStrictEqual([
      0, 1, 2, 3, 4,
    ]);
  });

  it('ignores a run older than what is kept, instead of storing it', () => {
    const history = appendRun(freshHistory(), makeRun('cn-hangzhou', T0, hangzhou), T0 + 31 * DAY);
    expect(history.regions['cn-hangzhou']!.runs).toStrictEqual([]);
    expect(history.regions['cn-hangzhou']!.buckets).toStrictEqual([]);
  });

  it('keeps regions apart: many regions feed one history', () => {
    const beijing = targetsOf('cn-beijing');
    let history = freshHistory();
    for (let minute = 0; minute < 60; minute++) {
      const at = T0 + minute * MINUTE;
      history = appendRun(history, makeRun('cn-hangzhou', at, hangzhou), at);
      history = appendRun(
        history,
        makeRun('cn-beijing', at + 10 * SECOND, beijing, {
          failing: minute < 30 ? { [`${beijing[0]!.ip}:${beijing[0]!.port}`]: 'refused' } : {},
        }),
        at + 10 * SECOND,
      );
    }
    expect(Object.keys(history.regions)).toStrictEqual(['cn-beijing', 'cn-hangzhou']);
    const report = uptime(history, HOUR, T0 + HOUR);
    const overall = Object.fromEntries(report.regions.map((r) => [r.region, r.overall]));
    expect(overall['cn-hangzhou']).toStrictEqual({ up: 60, observed: 60, ratio: 1 });
    expect(overall['cn-beijing']).toStrictEqual({ up: 30, observed: 60, ratio: 0.5 });
  });

  it('forgets a region that stopped reporting once its samples are older than `keep`', () => {
    let history = appendRun(freshHistory(), makeRun('cn-beijing', T0, targetsOf('cn-beijing')), T0);
    history = appendRun(history, makeRun('cn-hangzhou', T0 + 29 * DAY, hangzhou), T0 + 29 * DAY);
    expect(Object.keys(history.regions)).toStrictEqual(['cn-beijing', 'cn-hangzhou']);
    history = appendRun(history, makeRun('cn-hangzhou', T0 + 31 * DAY, hangzhou), T0 + 31 * DAY);
    expect(Object.keys(history.regions)).toStrictEqual(['cn-hangzhou']);
  });
});

describe('compaction', () => {
  it('keeps the last day at run resolution and folds older runs into hourly buckets, bounded', () => {
    const { history } = simulateRuns(appendRun, freshHistory(), {
      region: 'cn-hangzhou',
      targets: hangzhou,
      start: T0,
      minutes: 3 * 24 * 60,
      pattern: () => undefined,
    });
    const series = history.regions['cn-hangzhou']!;
    const now = T0 + 3 * DAY - MINUTE + 2 * SECOND;
    // at least the last 24 h are raw, and at most one bucket more
    expect(series.runs[0]!.t).toBeLessThanOrEqual(now - DAY);
    expect(series.runs.length).toBeGreaterThanOrEqual(24 * 60);
    expect(series.runs.length).toBeLessThanOrEqual(25 * 60);
    // every older run is in exactly one bucket, none lost, none counted twice
    const folded = series.buckets.reduce((sum, bucket) => sum + bucket.n, 0);
    expect(folded + series.runs.length).toBe(3 * 24 * 60);
    expect(series.buckets.every((b) => b.w === HOUR && b.t % HOUR === 0 && b.n === 60)).toBe(true);
    expect(series.buckets.at(-1)!.t + HOUR).toBe(series.runs[0]!.t);
    // a healthy bucket is one short string
    expect(series.buckets[0]!.s).toBe(`A${series.subjects.length}`);
    expect(series.buckets[0]!.x).toBeUndefined();
  });

  it('caps raw runs at maxRuns whatever the schedule, and drops everything older than `keep`', () => {
    const limits = HistoryLimits.parse({ raw: '1h', bucket: '10m', keep: '1d', maxRuns: 50 });
    const { history } = simulateRuns((h, run, now) => appendRun(h, run, now, limits), freshHistory(), {
      region: 'cn-hangzhou',
      targets: hangzhou,
      start: T0,
      minutes: 2 * 24 * 60 * 4,
      every: 15 * SECOND,
      pattern: () => undefined,
    });
    const series = history.regions['cn-hangzhou']!;
    expect(series.runs).toHaveLength(50);
    const now = T0 + 2 * DAY;
    expect(series.buckets[0]!.t + series.buckets[0]!.w).toBeGreaterThan(now - DAY - 10 * MINUTE);
    expect(series.buckets.length).toBeLessThanOrEqual(24 * 6 + 1);
    expect(series.buckets.every((b) => b.w === 10 * MINUTE)).toBe(true);
  });

  it('forgets an endpoint that left the catalog once no kept sample mentions it, renumbering the rest', () => {
    const limits = HistoryLimits.parse({ raw: '1h', bucket: '1h', keep: '3h' });
    const gone = hangzhou[1]!;
    const goneKey = `${gone.ip}:${gone.port}`;
    const rest = hangzhou.filter((t) => t !== gone);
    const last = rest.at(-1)!;
    let history = freshHistory();
    for (let minute = 0; minute < 60; minute++) {
      history = appendRun(
        history,
        makeRun('cn-hangzhou', T0 + minute * MINUTE, hangzhou, { failing: { [goneKey]: 'timeout' } }),
        T0 + minute * MINUTE,
      );
    }
    for (let minute = 60; minute < 6 * 60; minute++) {
      const at = T0 + minute * MINUTE;
      history = appendRun(
        history,
        makeRun('cn-hangzhou', at, rest, {
          failing: minute % 2 ? { [`${last.ip}:${last.port}`]: 'refused' } : {},
        }),
        at,
        limits,
      );
    }
    const series = history.regions['cn-hangzhou']!;
    expect(series.subjects.map((s) => s.id)).not.toContain(goneKey);
    expect(series.subjects.filter((s) => s.kind === 'endpoint')).toHaveLength(rest.length);
    // the renumbered samples still belong to the right endpoint: the last one fails every other run
    const report = uptime(history, 3 * HOUR, T0 + 6 * HOUR, { regions: ['cn-hangzhou'] });
    const endpoints = report.regions[0]!.endpoints;
    expect(endpoints.find((e) => e.endpoint === `${last.ip}:${last.port}`)?.ratio).toBe(0.5);
    expect(endpoints.filter((e) => e.ratio === 1)).toHaveLength(rest.length - 1);
  });

  it('uses the default limits: 1 day raw, 1 h buckets, 30 days kept, 2,000 raw runs, 200 incidents a category', () => {
    expect(DEFAULT_LIMITS).toStrictEqual({
      raw: DAY,
      bucket: HOUR,
      keep: 30 * DAY,
      maxRuns: 2000,
      maxIncidents: 200,
    });
  });
});

describe('currentRun', () => {
  it('puts the latest Nacos result beside the latest endpoint run when they come from different functions', () => {
    const endpoints = makeRun('cn-hangzhou', T0, hangzhou);
    const nacosOnly = {
      ...makeRun('cn-hangzhou', T0 + 30 * SECOND, []),
      categories: [],
      probesOk: undefined,
      ok: false,
      nacos: failingNacos(),
      findings: [
        {
          severity: 'critical' as const,
          category: 'nacos',
          symptom: 'Nacos naming-roundtrip failed',
          cause: 'auth: HTTP 403',
          action: 'see docs/nacos.md',
          endpoints: ['mse-abc-nacos-ans.mse.aliyuncs.com:8848'],
        },
      ],
    };
    delete (nacosOnly as { probesOk?: boolean }).probesOk;
    let history = appendRun(freshHistory(), endpoints, T0);
    history = appendRun(history, nacosOnly, T0 + 30 * SECOND);
    const series = history.regions['cn-hangzhou']!;
    expect(series.lastProbes?.startedAt).toBe(endpoints.startedAt);
    expect(series.lastNacos?.startedAt).toBe(nacosOnly.startedAt);
    const current = currentRun(series)!;
    expect(current.endpoints).toHaveLength(hangzhou.length);
    expect(current.nacos?.ok).toBe(false);
    expect(current.ok).toBe(false);
    expect(current.startedAt).toBe(nacosOnly.startedAt);
    expect(current.findings.map((f) => f.category)).toStrictEqual(['nacos']);

    // a later endpoint run that checked Nacos itself replaces both
    const both = makeRun('cn-hangzhou', T0 + MINUTE, hangzhou, { nacos: healthyNacos() });
    history = appendRun(history, both, T0 + MINUTE);
    expect(currentRun(history.regions['cn-hangzhou']!)).toStrictEqual(both);
  });
});
