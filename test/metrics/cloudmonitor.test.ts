import { describe, expect, it } from 'vitest';
import {
  CMS_MAX_METRICS_PER_REQUEST,
  type CmsMetric,
  cloudMonitorMetricLists,
  dimensionValue,
  metricListParameters,
} from '../../shared/metrics/index.ts';
import { failingNacos, makeRun, T0, type Target, targetsOf } from '../history/fixtures.ts';

const hangzhou = targetsOf('cn-hangzhou');
const odd: Target = {
  ip: 'gateway:internal ü',
  port: 443,
  category: 'partner api',
  required: false,
  name: 'gw',
};
const down = hangzhou.find((t) => t.category === 'governance-rules')!;
const run = makeRun('cn-hangzhou', T0, [...hangzhou, odd], {
  failing: { [`${down.ip}:${down.port}`]: 'timeout' },
  nacos: failingNacos(),
  skipped: ['arms-monitoring', 'arms-info'],
});
const batches = cloudMonitorMetricLists(run);
const all = batches.flat();
const find = (name: string, dims: Record<string, string>): CmsMetric | undefined =>
  all.find(
    (m) => m.MetricName === name && Object.entries(dims).every(([k, v]) => JSON.parse(m.Dimensions)[k] === v),
  );

describe('CloudMonitor PutCustomMetric MetricList', () => {
  it('splits into requests of at most 21 entries, losing none', () => {
    const categories = run.categories.filter((c) => c.verdict !== 'skipped').length;
    const steps = run.nacos!.steps.filter((s) => s.status !== 'skipped').length;
    expect(all).toHaveLength(2 + categories + 2 * run.endpoints.length + steps);
    expect(batches.every((batch) => batch.length >= 1 && batch.length <= CMS_MAX_METRICS_PER_REQUEST)).toBe(
      true,
    );
    expect(batches.slice(0, -1).every((batch) => batch.length === 21)).toBe(true);
  });

  it('has exactly the documented fields, every one a string: raw values (Type 0), no group (GroupId 0)', () => {
    for (const entry of all) {
      expect(Object.keys(entry).sort()).toStrictEqual([
        'Dimensions',
        'GroupId',
        'MetricName',
        'Time',
        'Type',
        'Values',
      ]);
      expect(Object.values(entry).every((value) => typeof value === 'string')).toBe(true);
      expect(entry.Type).toBe('0');
      expect(entry.GroupId).toBe('0');
      expect(entry.Time).toBe(String(T0 + 1500));
      expect(entry.MetricName).toMatch(/^[A-Za-z][A-Za-z0-9_]{0,63}$/);
      expect(Object.keys(JSON.parse(entry.Values))).toStrictEqual(['value']);
      for (const [key, value] of Object.entries(JSON.parse(entry.Dimensions) as Record<string, string>)) {
        expect(key).toMatch(/^[A-Za-z0-9._\-/\\]{1,64}$/);
        expect(value).toMatch(/^[A-Za-z0-9._\-/\\]{1,64}$/);
      }
    }
    expect(cloudMonitorMetricLists(run, { groupId: '12345' }).flat()[0]?.GroupId).toBe('12345');
  });

  it('says what failed: per endpoint, category, Nacos step and run, with dimensions in a fixed order', () => {
    const failing = find('mse_watch_probe_success', { ip: down.ip, port: String(down.port) })!;
    expect(failing.Dimensions).toBe(
      JSON.stringify({
        region: 'cn-hangzhou',
        ip: down.ip,
        port: String(down.port),
        category: 'governance-rules',
      }),
    );
    expect(JSON.parse(failing.Values)).toStrictEqual({ value: 0 });
    expect(JSON.parse(find('mse_watch_probe_duration_seconds', { ip: down.ip })!.Values)).toStrictEqual({
      value: 3,
    });
    const ok = hangzhou.find((t) => t.category === 'basic-info')!;
    expect(JSON.parse(find('mse_watch_probe_success', { ip: ok.ip })!.Values)).toStrictEqual({ value: 1 });
    expect(JSON.parse(find('mse_watch_category_up', { category: 'governance-rules' })!.Values)).toStrictEqual(
      {
        value: 0,
      },
    );
    expect(find('mse_watch_category_up', { category: 'arms-info' })).toBeUndefined();
    expect(
      JSON.parse(find('mse_watch_nacos_step_success', { step: 'naming-roundtrip' })!.Values),
    ).toStrictEqual({
      value: 0,
    });
    expect(find('mse_watch_nacos_step_success', { step: 'cluster' })).toBeUndefined();
    expect(JSON.parse(find('mse_watch_run_success', { region: 'cn-hangzhou' })!.Values)).toStrictEqual({
      value: 0,
    });
  });

  it('replaces characters CloudMonitor does not allow in dimensions, and cuts at 64', () => {
    expect(find('mse_watch_probe_success', { ip: 'gateway_internal__' })).toBeDefined();
    expect(find('mse_watch_category_up', { category: 'partner_api' })).toBeDefined();
    expect(dimensionValue('a'.repeat(70))).toBe('a'.repeat(64));
    expect(dimensionValue('')).toBe('_');
    expect(dimensionValue('cn-hangzhou/x\\y.z_1')).toBe('cn-hangzhou/x\\y.z_1');
  });

  it('flattens a batch into the RPC parameters MetricList.N.Field, N from 1', () => {
    const parameters = metricListParameters(batches[0]!);
    expect(Object.keys(parameters)).toHaveLength(21 * 6);
    expect(parameters['MetricList.1.MetricName']).toBe('mse_watch_run_success');
    expect(parameters['MetricList.1.Dimensions']).toBe('{"region":"cn-hangzhou"}');
    expect(parameters['MetricList.21.Type']).toBe('0');
    expect(parameters['MetricList.22.Type']).toBeUndefined();
    expect(() => metricListParameters([])).toThrow('1 to 21');
    expect(() => metricListParameters(all.slice(0, 22))).toThrow('1 to 21');
  });
});
