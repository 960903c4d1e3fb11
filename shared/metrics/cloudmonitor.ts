import type { Run } from '../history/index.ts';

/**
 * CloudMonitor custom metrics: the `MetricList` of CMS 2019-01-01 `PutCustomMetric`, as its API reference
 * documents it. Every field is a string; `Dimensions` and `Values` are JSON strings; `Type` "0" reports
 * raw values, which CloudMonitor aggregates per period itself (so no `Period`); `GroupId` "0" when the
 * metric belongs to no application group; `Time` an epoch-millisecond timestamp. One request carries at
 * most 21 entries ("Valid values of N: 1 to 21"). Dimension keys and values may hold letters, digits and
 * . - _ / \ only, at most 64 characters (longer ones are cut by the service): anything else is replaced
 * here, so two endpoints never silently merge into one truncated series.
 * The call itself (signing, the endpoint per region) belongs to the OpenAPI client; this is only its input.
 */
export type CmsMetric = {
  GroupId: string;
  MetricName: string;
  Dimensions: string;
  Time: string;
  Type: '0';
  Values: string;
};

export const CMS_MAX_METRICS_PER_REQUEST = 21;

const DIMENSION = /[^A-Za-z0-9._\-/\\]/g;
const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** A dimension value CloudMonitor accepts as is: disallowed characters become "_", at most 64 characters. */
export const dimensionValue = (value: string | number): string => {
  const text = String(value).replace(DIMENSION, '_');
  return text.length === 0 ? '_' : text.slice(0, 64);
};

export type CmsOptions = {
  /** The application group the metrics belong to; "0" for none. */
  groupId?: string;
};

const metric = (
  name: string,
  dimensions: ReadonlyArray<[string, string | number]>,
  value: number,
  time: number,
  groupId: string,
): CmsMetric => {
  if (!METRIC_NAME.test(name)) throw new Error(`bad CloudMonitor metric name "${name}"`);
  // key order is fixed by the caller: CloudMonitor wants the same dimensions in the same order every time
  const map: Record<string, string> = {};
  for (const [key, raw] of dimensions) map[key] = dimensionValue(raw);
  return {
    GroupId: groupId,
    MetricName: name,
    Dimensions: JSON.stringify(map),
    Time: String(Math.round(time)),
    Type: '0',
    Values: JSON.stringify({ value }),
  };
};

/**
 * One run as CloudMonitor metrics, split into requests of at most 21: per endpoint whether it answered and
 * how long it took, per category whether it was up, per Nacos step whether it succeeded, and the run's own
 * verdict and duration. Names match the Prometheus series; the endpoint's ip and port are two dimensions
 * because ":" is not allowed in a dimension value.
 */
export const cloudMonitorMetricLists = (run: Run, options: CmsOptions = {}): CmsMetric[][] => {
  const groupId = options.groupId ?? '0';
  const time = Date.parse(run.startedAt) + run.durationMs;
  const region = run.region;
  const all: CmsMetric[] = [
    metric('mse_watch_run_success', [['region', region]], run.ok ? 1 : 0, time, groupId),
    metric(
      'mse_watch_run_duration_seconds',
      [['region', region]],
      Math.round(run.durationMs) / 1000,
      time,
      groupId,
    ),
  ];
  for (const category of run.categories) {
    if (category.verdict === 'skipped') continue;
    all.push(
      metric(
        'mse_watch_category_up',
        [
          ['region', region],
          ['category', category.category],
        ],
        category.verdict === 'ok' ? 1 : 0,
        time,
        groupId,
      ),
    );
  }
  for (const endpoint of run.endpoints) {
    const dimensions: Array<[string, string | number]> = [
      ['region', region],
      ['ip', endpoint.ip],
      ['port', endpoint.port],
      ['category', endpoint.category],
    ];
    all.push(metric('mse_watch_probe_success', dimensions, endpoint.status === 'ok' ? 1 : 0, time, groupId));
    all.push(
      metric(
        'mse_watch_probe_duration_seconds',
        dimensions,
        Math.round(endpoint.latencyMs) / 1000,
        time,
        groupId,
      ),
    );
  }
  for (const step of run.nacos?.steps ?? []) {
    if (step.status === 'skipped') continue;
    all.push(
      metric(
        'mse_watch_nacos_step_success',
        [
          ['region', region],
          ['step', step.name],
        ],
        step.status === 'failed' ? 0 : 1,
        time,
        groupId,
      ),
    );
  }
  const batches: CmsMetric[][] = [];
  for (let i = 0; i < all.length; i += CMS_MAX_METRICS_PER_REQUEST) {
    batches.push(all.slice(i, i + CMS_MAX_METRICS_PER_REQUEST));
  }
  return batches;
};

/**
 * One batch as the RPC request parameters it becomes on the wire (`MetricList.1.MetricName=...`), the
 * form Alibaba Cloud's RPC-style APIs flatten repeated structures into: what a fake CloudMonitor endpoint
 * checks a real client's request against.
 */
export const metricListParameters = (batch: readonly CmsMetric[]): Record<string, string> => {
  if (batch.length === 0 || batch.length > CMS_MAX_METRICS_PER_REQUEST) {
    throw new Error(
      `a PutCustomMetric request carries 1 to ${CMS_MAX_METRICS_PER_REQUEST} metrics, not ${batch.length}`,
    );
  }
  const out: Record<string, string> = {};
  batch.forEach((entry, index) => {
    for (const [key, value] of Object.entries(entry)) out[`MetricList.${index + 1}.${key}`] = value;
  });
  return out;
};
