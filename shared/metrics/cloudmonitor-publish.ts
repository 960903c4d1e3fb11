import { z } from 'zod';
import { putCustomMetric } from '../aliyun/cms.ts';
import type { CredentialSource } from '../aliyun/credential-source.ts';
import type { OpenApi, OpenApiOptions } from '../aliyun/openapi.ts';
import { parseEndpointUrl } from '../aliyun/openapi-products.ts';
import type { History, Run } from '../history/index.ts';
import { StateConfig } from '../state/config.ts';
import { createFileStore, defaultStateDir } from '../state/file-store.ts';
import type { StateStore } from '../state/store.ts';
import { cloudMonitorMetricLists } from './cloudmonitor.ts';

// CloudMonitor custom metrics, published from the run history by the `status` function on a timer trigger.
//
// Why here and not in the run's own post-step (shared/run/record.ts): the OpenAPI client it takes
// (@alicloud/openapi-client with @alicloud/credentials and its XML parsers) adds ~235 KB to a function bundle, and
// the probe functions are built as one file each with a 1 MB budget they already use 97 % of (1,013,562 bytes
// before this feature). The status function reads the same history and has the room; the probe functions stay
// lean, and a slow CloudMonitor answer never eats into a probe run's time budget. The price is a delay of at most
// one timer tick (a minute) before a run's metrics reach CloudMonitor.

const isEndpoint = (value: string): boolean => {
  try {
    parseEndpointUrl(value);
    return true;
  } catch {
    return false;
  }
};

/**
 * The switch and its settings: the status function's timer trigger payload `{"cloudMonitor": {...}}`. RAM: the
 * function's role needs `cms:PutCustomMetric`.
 */
export const CloudMonitorConfig = z.strictObject({
  enabled: z.boolean().default(true),
  /** Whose CloudMonitor receives the metrics: default the function's own region. */
  region: z.string().min(1).optional(),
  /** The CloudMonitor application group the metrics belong to; "0" for none. */
  groupId: z.string().regex(/^\d+$/, 'an application group id (digits), or "0" for none').default('0'),
  /** One OpenAPI base URL (a private gateway): https://host[:port]. Default: metrics.<region>.aliyuncs.com. */
  endpoint: z.string().refine(isEndpoint, 'https://<host>[:port], no path').optional(),
  /** `vpc` uses metrics-vpc.<region>.aliyuncs.com, reachable from a VPC without internet access. */
  network: z.enum(['public', 'vpc']).default('public'),
});
export type CloudMonitorConfig = z.infer<typeof CloudMonitorConfig>;
export type CloudMonitorConfigInput = z.input<typeof CloudMonitorConfig>;

/** What was published last, per region and kind of run: a run is published once. */
export const CURSOR_FILE = 'cloudmonitor.json';
const Cursor = z.strictObject({ version: z.literal(1), published: z.record(z.string(), z.string()) });
type Cursor = z.infer<typeof Cursor>;

export const cursorStore = (state: StateConfig): StateStore<Cursor> =>
  createFileStore({
    dir: state.dir ?? defaultStateDir(),
    file: CURSOR_FILE,
    schema: Cursor,
    fresh: () => ({ version: 1, published: {} }),
    lockWaitMs: state.lockWait,
    lockStaleAfterMs: state.lockStaleAfter,
  });

export type PublishDeps = {
  credentials: CredentialSource;
  /** The OpenAPI client (tests point it at a loopback fake). */
  openApi: (options: OpenApiOptions) => OpenApi;
  cursor: StateStore<Cursor>;
};

export type Published = { region: string; kind: 'probes' | 'nacos'; startedAt: string; metrics: number };

export type PublishOutcome = {
  /** The CloudMonitor region the metrics went to. */
  target?: string;
  published: Published[];
  /** Runs already published by an earlier tick. */
  unchanged: number;
  problems: string[];
};

/** The latest runs of each region (the last endpoint run, and the last Nacos run when it is another one). */
const latestRuns = (history: History): Array<{ key: string; kind: Published['kind']; run: Run }> =>
  Object.entries(history.regions).flatMap(([region, series]) => [
    ...(series.lastProbes
      ? [{ key: `${region}/probes`, kind: 'probes' as const, run: series.lastProbes }]
      : []),
    ...(series.lastNacos && series.lastNacos !== series.lastProbes
      ? series.lastProbes?.startedAt === series.lastNacos.startedAt
        ? []
        : [{ key: `${region}/nacos`, kind: 'nacos' as const, run: series.lastNacos }]
      : []),
  ]);

const describe = (error: unknown): string => (error as Error)?.message ?? String(error);

/**
 * Publishes every latest run not published yet (per region: the last endpoint run and the last Nacos run) as
 * CloudMonitor custom metrics, in calls of at most 21, and remembers it under a lock, so two ticks never send a
 * run twice. A run whose call fails stays unpublished and is tried again at the next tick.
 */
export const publishLatest = async (
  history: History,
  settings: CloudMonitorConfig,
  options: { region?: string; signal?: AbortSignal; timeoutMs?: number },
  deps: PublishDeps,
): Promise<PublishOutcome> => {
  const problems: string[] = [];
  const target = settings.region ?? options.region;
  if (!settings.enabled) return { published: [], unchanged: 0, problems };
  if (!target) {
    problems.push('cloudMonitor: no region to publish to; set cloudMonitor.region in the trigger payload');
    return { published: [], unchanged: 0, problems };
  }
  const lock = await deps.cursor.lock(options.signal ? { signal: options.signal } : {});
  if (!lock) {
    problems.push(`cloudMonitor: another tick holds ${deps.cursor.location}; this one published nothing`);
    return { target, published: [], unchanged: 0, problems };
  }
  try {
    const loaded = await deps.cursor.load();
    const published: Published[] = [];
    let unchanged = 0;
    const timeoutMs = options.timeoutMs ?? 20_000;
    const api = deps.openApi({
      region: target,
      credentials: deps.credentials,
      network: settings.network,
      deadlineMs: timeoutMs,
      readTimeoutMs: timeoutMs,
      connectTimeoutMs: Math.min(5000, timeoutMs),
      ...(settings.endpoint
        ? { endpoint: parseEndpointUrl(settings.endpoint, 'cloudMonitor.endpoint') }
        : {}),
    });
    let cursor = loaded.state;
    for (const { key, kind, run } of latestRuns(history)) {
      const last = cursor.published[key];
      if (last !== undefined && Date.parse(last) >= Date.parse(run.startedAt)) {
        unchanged++;
        continue;
      }
      if (options.signal?.aborted) break;
      const metrics = cloudMonitorMetricLists(run, { groupId: settings.groupId }).flat();
      try {
        // the payload builder made every dimension acceptable already; the client checks them again
        await putCustomMetric(
          api,
          metrics.map((metric) => ({
            metricName: metric.MetricName,
            dimensions: JSON.parse(metric.Dimensions) as Record<string, string>,
            time: Number(metric.Time),
            values: JSON.parse(metric.Values) as Record<string, number>,
            groupId: Number(metric.GroupId),
          })),
        );
      } catch (error) {
        problems.push(
          `cloudMonitor: ${metrics.length} metrics of ${key} (run of ${run.startedAt}) not published in ${target}: ${describe(error)}; tried again next time`,
        );
        continue;
      }
      cursor = { ...cursor, published: { ...cursor.published, [key]: run.startedAt } };
      await deps.cursor.save(cursor);
      published.push({ region: run.region, kind, startedAt: run.startedAt, metrics: metrics.length });
    }
    return { target, published, unchanged, problems };
  } finally {
    await lock.release();
  }
};

export const defaultPublishDeps = async (
  state: StateConfig | undefined,
  credentials: CredentialSource,
): Promise<PublishDeps> => {
  const { createOpenApi } = await import('../aliyun/openapi.ts');
  return {
    credentials,
    openApi: (options) => createOpenApi(options),
    cursor: cursorStore(state ?? StateConfig.parse({})),
  };
};
