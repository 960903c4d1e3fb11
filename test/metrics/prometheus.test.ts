import { describe, expect, it } from 'vitest';
import { AlertState } from '../../shared/alerting/model.ts';
import { loadCatalog } from '../../shared/catalog/index.ts';
import { appendRun, freshHistory, type History, uptime } from '../../shared/history/index.ts';
import {
  alertSummary,
  escapeLabelValue,
  formatValue,
  renderExposition,
  renderMetrics,
} from '../../shared/metrics/index.ts';
import {
  DAY,
  failingNacos,
  HOUR,
  MINUTE,
  makeRun,
  SECOND,
  T0,
  type Target,
  targetsOf,
} from '../history/fixtures.ts';
import { parseExposition, promtoolCheck, samplesOf } from './promtool.ts';

const catalog = loadCatalog();
const hangzhou = targetsOf('cn-hangzhou');
const beijing = targetsOf('cn-beijing');
const down = hangzhou.find((t) => t.category === 'governance-rules')!;
const downKey = `${down.ip}:${down.port}`;
/** Foreign strings where labels carry them: an extra target's host and a category from a config. */
const hostile: Target = {
  ip: 'gw"1\\.example',
  port: 443,
  category: 'line\nbreak "quoted" \\ back',
  required: false,
  name: 'partner',
};

const buildHistory = (): { history: History; now: number } => {
  let history = freshHistory();
  // two hours of cn-hangzhou: the governance endpoint fails in the second hour; Nacos fails at the end
  for (let minute = 0; minute < 120; minute++) {
    const at = T0 + minute * MINUTE;
    history = appendRun(
      history,
      makeRun('cn-hangzhou', at, [...hangzhou, hostile], {
        failing: minute >= 60 ? { [downKey]: 'timeout', [`${hostile.ip}:${hostile.port}`]: 'dns' } : {},
        ...(minute === 119 ? { nacos: failingNacos() } : {}),
        skipped: ['arms-monitoring', 'arms-info'],
      }),
      at + 2 * SECOND,
    );
  }
  // cn-beijing: a healthy simulation
  for (let minute = 0; minute < 120; minute++) {
    const at = T0 + minute * MINUTE + 20 * SECOND;
    history = appendRun(
      history,
      makeRun('cn-beijing', at, beijing, { simulation: 'demo scenario on 127.77.0.0/16' }),
      at + 2 * SECOND,
    );
  }
  return { history, now: T0 + 120 * MINUTE };
};

const alertState = AlertState.parse({
  version: 1,
  keys: {
    [`cn-hangzhou/${downKey}`]: {
      group: 'cn-hangzhou',
      category: 'governance-rules',
      label: downKey,
      status: 'firing',
      since: '2026-11-01T01:02:00.000Z',
      consecutiveFailures: 58,
      consecutiveSuccesses: 0,
      history: [true, true],
      changes: [],
      flapping: false,
      announced: 'firing',
      lastSeen: '2026-11-01T01:59:00.000Z',
    },
    'cn-hangzhou/100.100.1.1:8848': {
      group: 'cn-hangzhou',
      category: 'basic-info',
      label: '100.100.1.1:8848',
      status: 'ok',
      since: '2026-11-01T00:00:00.000Z',
      consecutiveFailures: 0,
      consecutiveSuccesses: 3,
      history: [false, true, false],
      changes: ['2026-11-01T01:00:00.000Z', '2026-11-01T01:10:00.000Z'],
      flapping: true,
      announced: 'flapping',
      lastSeen: '2026-11-01T01:59:00.000Z',
    },
  },
  outbox: ['a', 'b', 'c'].map((id) => ({
    id: `${id}/ops`,
    channel: 'ops "dingtalk"',
    notice: {
      id,
      kind: 'alert',
      source: 'mse-watch',
      createdAt: '2026-11-01T01:02:00.000Z',
      timezone: 'UTC',
      events: [],
    },
    queuedAt: '2026-11-01T01:02:00.000Z',
    attempts: 2,
  })),
  channels: {
    'ops "dingtalk"': { consecutiveFailures: 4, sentAt: [], dropped: 0, lastError: 'HTTP 500' },
    webhook: { consecutiveFailures: 0, sentAt: [], dropped: 0 },
  },
  delivered: [],
});

const { history, now } = buildHistory();
const text = renderMetrics({
  history,
  now,
  build: { version: '0.1.0', catalogVersion: catalog.version },
  alerts: alertSummary(alertState),
});
const parsed = parseExposition(text);

describe('renderMetrics checked by promtool', () => {
  it('passes `promtool check metrics` with no complaint (lint included)', () => {
    const result = promtoolCheck(text);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('promtool really checks: a broken exposition and a lint problem are refused', () => {
    expect(promtoolCheck('# TYPE x gauge\nx{a="1} 1\n').status).not.toBe(0);
    const lint = promtoolCheck(
      '# HELP requests_count Requests.\n# TYPE requests_count counter\nrequests_count 1\n',
    );
    expect(lint.status).not.toBe(0);
    expect(lint.output).toContain('_total');
  });

  it('has one HELP and one TYPE per family, every family a gauge, no series twice', () => {
    const names = [...new Set(parsed.samples.map((s) => s.name))];
    for (const name of names) {
      expect(parsed.help.get(name), name).toBeTruthy();
      expect(parsed.type.get(name), name).toBe('gauge');
    }
    const series = parsed.samples.map((s) => `${s.name}${JSON.stringify(s.labels)}`);
    expect(new Set(series).size).toBe(series.length);
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('renderMetrics values', () => {
  it('probe success is 1 for the reachable endpoints and 0 for the failing ones, per region', () => {
    const success = samplesOf(parsed, 'mse_watch_probe_success');
    expect(success).toHaveLength(hangzhou.length + 1 + beijing.length);
    for (const t of hangzhou) {
      const sample = success.find(
        (s) => s.labels.region === 'cn-hangzhou' && s.labels.ip === t.ip && s.labels.port === String(t.port),
      );
      expect(sample?.labels).toStrictEqual({
        region: 'cn-hangzhou',
        ip: t.ip,
        port: String(t.port),
        category: t.category,
      });
      expect(sample?.value, `${t.ip}:${t.port}`).toBe(t === down ? 0 : 1);
    }
    expect(success.filter((s) => s.labels.region === 'cn-beijing').every((s) => s.value === 1)).toBe(true);
  });

  it('escapes hostile label values so they read back exactly', () => {
    const sample = samplesOf(parsed, 'mse_watch_probe_success').find((s) => s.labels.port === '443');
    expect(sample?.labels).toStrictEqual({
      region: 'cn-hangzhou',
      ip: hostile.ip,
      port: '443',
      category: hostile.category,
    });
    expect(sample?.value).toBe(0);
    expect(text).toContain('category="line\\nbreak \\"quoted\\" \\\\ back"');
  });

  it('probe duration in seconds, the timeout for a timed-out probe', () => {
    const duration = samplesOf(parsed, 'mse_watch_probe_duration_seconds');
    expect(duration.find((s) => s.labels.ip === down.ip && s.labels.port === String(down.port))?.value).toBe(
      3,
    );
    expect(duration.every((s) => s.value >= 0 && s.value < 10)).toBe(true);
  });

  it('category up, endpoints and reachable; skipped categories have no series', () => {
    const up = samplesOf(parsed, 'mse_watch_category_up').filter((s) => s.labels.region === 'cn-hangzhou');
    expect(Object.fromEntries(up.map((s) => [s.labels.category, s.value]))).toStrictEqual({
      'basic-info': 1,
      'governance-rules': 0,
      'agent-metadata': 1,
      'metrics-events': 1,
      diagnostics: 1,
      [hostile.category]: 0,
    });
    const total = samplesOf(parsed, 'mse_watch_category_endpoints').find(
      (s) => s.labels.region === 'cn-hangzhou' && s.labels.category === 'governance-rules',
    );
    const reachable = samplesOf(parsed, 'mse_watch_category_reachable_endpoints').find(
      (s) => s.labels.region === 'cn-hangzhou' && s.labels.category === 'governance-rules',
    );
    const governance = hangzhou.filter((t) => t.category === 'governance-rules').length;
    expect(total?.value).toBe(governance);
    expect(reachable?.value).toBe(governance - 1);
  });

  it('the Nacos steps of the latest Nacos check, skipped ones left out', () => {
    const steps = samplesOf(parsed, 'mse_watch_nacos_step_success');
    expect(steps.map((s) => [s.labels.step, s.value])).toStrictEqual([
      ['liveness', 1],
      ['readiness', 1],
      ['login', 1],
      ['config-roundtrip', 1],
      ['naming-roundtrip', 0],
      ['grpc-server-check', 1],
    ]);
    expect(steps[0]?.labels.server).toBe('mse-abc-nacos-ans.mse.aliyuncs.com:8848');
  });

  it('the last run: success, completeness, duration, completion time and whether it was a simulation', () => {
    const byRegion = (name: string) =>
      Object.fromEntries(samplesOf(parsed, name).map((s) => [s.labels.region, s.value]));
    expect(byRegion('mse_watch_run_success')).toStrictEqual({ 'cn-beijing': 1, 'cn-hangzhou': 0 });
    expect(byRegion('mse_watch_run_complete')).toStrictEqual({ 'cn-beijing': 1, 'cn-hangzhou': 1 });
    expect(byRegion('mse_watch_run_duration_seconds')).toStrictEqual({
      'cn-beijing': 1.5,
      'cn-hangzhou': 1.5,
    });
    expect(byRegion('mse_watch_last_run_timestamp_seconds')).toStrictEqual({
      'cn-beijing': (T0 + 119 * MINUTE + 20 * SECOND + 1500) / 1000,
      'cn-hangzhou': (T0 + 119 * MINUTE + 1500) / 1000,
    });
    expect(byRegion('mse_watch_run_simulated')).toStrictEqual({ 'cn-beijing': 1, 'cn-hangzhou': 0 });
  });

  it('uptime ratios per region and per category for 1h, 24h, 7d and 30d, as the history computes them', () => {
    const region = samplesOf(parsed, 'mse_watch_uptime_ratio').filter(
      (s) => s.labels.region === 'cn-hangzhou',
    );
    expect(region.map((s) => s.labels.window)).toStrictEqual(['1h', '24h', '7d', '30d']);
    expect(region.find((s) => s.labels.window === '1h')?.value).toBe(0);
    expect(region.find((s) => s.labels.window === '24h')?.value).toBe(0.5);
    const governance = samplesOf(parsed, 'mse_watch_category_uptime_ratio').find(
      (s) =>
        s.labels.region === 'cn-hangzhou' &&
        s.labels.category === 'governance-rules' &&
        s.labels.window === '24h',
    );
    const expected = uptime(history, DAY, now).regions.find((r) => r.region === 'cn-hangzhou')!;
    expect(governance?.value).toBe(expected.categories.find((c) => c.category === 'governance-rules')?.ratio);
    expect(governance?.value).toBe(0.5);
    expect(uptime(history, HOUR, now).regions[0]?.runs).toBe(60);
  });

  it('build info carries the version and the catalog version', () => {
    expect(samplesOf(parsed, 'mse_watch_build_info')).toStrictEqual([
      {
        name: 'mse_watch_build_info',
        labels: { version: '0.1.0', catalog_version: catalog.version },
        value: 1,
      },
    ]);
  });

  it('alert state: keys firing and flapping, notices pending and failing deliveries per channel', () => {
    expect(samplesOf(parsed, 'mse_watch_alerts_firing')[0]?.value).toBe(1);
    expect(samplesOf(parsed, 'mse_watch_alerts_flapping')[0]?.value).toBe(1);
    expect(
      samplesOf(parsed, 'mse_watch_notices_pending').map((s) => [s.labels.channel, s.value]),
    ).toStrictEqual([
      ['ops "dingtalk"', 3],
      ['webhook', 0],
    ]);
    expect(
      samplesOf(parsed, 'mse_watch_channel_consecutive_failures').map((s) => [s.labels.channel, s.value]),
    ).toStrictEqual([
      ['ops "dingtalk"', 4],
      ['webhook', 0],
    ]);
  });

  it('without alerting, no alert families; an empty history is still a valid exposition', () => {
    const empty = renderMetrics({
      history: freshHistory(),
      now,
      build: { version: '0.1.0', catalogVersion: 'x' },
    });
    expect(empty).not.toContain('mse_watch_notices_pending');
    expect(parseExposition(empty).samples.map((s) => s.name)).toStrictEqual(['mse_watch_build_info']);
    const result = promtoolCheck(empty);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('is a pure function of its input', () => {
    expect(
      renderMetrics({
        history,
        now,
        build: { version: '0.1.0', catalogVersion: catalog.version },
        alerts: alertSummary(alertState),
      }),
    ).toBe(text);
  });
});

describe('renderExposition', () => {
  it.each([
    ['plain', 'plain'],
    ['a"b', 'a\\"b'],
    ['a\\b', 'a\\\\b'],
    ['a\nb', 'a\\nb'],
    ['\\"\n', '\\\\\\"\\n'],
  ])('escapes the label value %j as %s', (raw, escaped) => {
    expect(escapeLabelValue(raw)).toBe(escaped);
  });

  it.each([
    [1, '1'],
    [0.25, '0.25'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '+Inf'],
    [Number.NEGATIVE_INFINITY, '-Inf'],
  ])('writes %s as %s', (value, written) => {
    expect(formatValue(value)).toBe(written);
  });

  it('refuses bad names (a bug of ours), drops a second identical series', () => {
    expect(() => renderExposition([{ name: 'bad-name', help: 'x', type: 'gauge', samples: [] }])).toThrow(
      'bad metric name',
    );
    expect(() =>
      renderExposition([
        { name: 'ok_name', help: 'x', type: 'gauge', samples: [{ labels: { __x: 1 }, value: 1 }] },
      ]),
    ).toThrow('bad label name');
    expect(() =>
      renderExposition([
        { name: 'twice', help: 'x', type: 'gauge', samples: [] },
        { name: 'twice', help: 'x', type: 'gauge', samples: [] },
      ]),
    ).toThrow('given twice');
    expect(
      renderExposition([
        {
          name: 'dup',
          help: 'back\\slash\nnewline',
          type: 'gauge',
          samples: [
            { labels: { a: 'x' }, value: 1 },
            { labels: { a: 'x' }, value: 2 },
          ],
        },
      ]),
    ).toBe('# HELP dup back\\\\slash\\nnewline\n# TYPE dup gauge\ndup{a="x"} 1\n');
  });
});
