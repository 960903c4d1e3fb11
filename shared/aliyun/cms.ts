import { z } from 'zod';
import { MseWatchError } from '../util/errors.ts';
import type { OpenApi } from './openapi.ts';

/** One custom metric data point for CloudMonitor (what users can alarm on). */
export type CustomMetric = {
  /** Letters, digits, `_`, e.g. `mse_watch_reachable_ratio`. */
  metricName: string;
  /** Identifying keys, in the order they should be kept (CloudMonitor matches dimensions in order). */
  dimensions: Record<string, string>;
  /** Milliseconds since the epoch. */
  time: number;
  /** Raw values ("type 0"): CloudMonitor aggregates them per period. */
  values: Record<string, number>;
  /** The application group, 0 for none. */
  groupId?: number;
};

export const PutCustomMetricAnswer = z.object({
  /** "200" means accepted; a failure is answered as another code (handled by the client). */
  Code: z.union([z.string(), z.number()]).optional(),
  RequestId: z.string().optional(),
});

/** PutCustomMetric takes MetricList.N with N from 1 to 21. */
export const METRICS_PER_CALL = 21;

// Key and value: 1 to 64 letters, digits, and . - _ / \ (longer ones would be cut by CloudMonitor).
const DIMENSION = /^[A-Za-z0-9._\-/\\]{1,64}$/;

const invalidDimension = (metric: CustomMetric): string | undefined =>
  Object.entries(metric.dimensions)
    .flat()
    .find((text) => !DIMENSION.test(text));

/** Sends the points in calls of at most 21; returns the request id of each call. */
export const putCustomMetric = async (api: OpenApi, metrics: readonly CustomMetric[]): Promise<string[]> => {
  for (const metric of metrics) {
    const bad = invalidDimension(metric);
    if (bad !== undefined)
      throw new MseWatchError(
        'usage',
        `metric ${metric.metricName}: dimension text "${bad}" must be 1 to 64 letters, digits or . - _ / \\`,
      );
  }
  const requestIds: string[] = [];
  for (let i = 0; i < metrics.length; i += METRICS_PER_CALL) {
    const answer = await api.call(
      'cms',
      'PutCustomMetric',
      {
        MetricList: metrics.slice(i, i + METRICS_PER_CALL).map((metric) => ({
          GroupId: String(metric.groupId ?? 0),
          MetricName: metric.metricName,
          Dimensions: JSON.stringify(metric.dimensions),
          Time: String(metric.time),
          Type: '0',
          Values: JSON.stringify(metric.values),
        })),
      },
      PutCustomMetricAnswer,
    );
    if (answer.RequestId) requestIds.push(answer.RequestId);
  }
  return requestIds;
};
