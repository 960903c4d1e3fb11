// Runs built from the real catalog for the history, metrics and status-page tests.
import { loadCatalog, regionTargets, resolveRegion } from '../../shared/catalog/index.ts';
import type { Run, RunCategory, RunEndpoint, RunNacos } from '../../shared/history/index.ts';
import type { ProbeStatus } from '../../shared/probes/types.ts';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** A Sunday midnight UTC: bucket and day boundaries fall on round numbers. */
export const T0 = Date.parse('2026-11-01T00:00:00.000Z');

const catalog = loadCatalog();

export type Target = { ip: string; port: number; category: string; required: boolean; name?: string };

export const targetsOf = (region: string, includeArms = false): Target[] =>
  regionTargets(resolveRegion(catalog, region), { includeArms }).map((t) => ({ ...t }));

const ERRORS: Partial<Record<ProbeStatus, { code: string; message: string }>> = {
  timeout: { code: 'ETIMEDOUT', message: 'no answer in 3000 ms' },
  refused: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' },
  unreachable: { code: 'ENETUNREACH', message: 'connect ENETUNREACH' },
  reset: { code: 'ECONNRESET', message: 'read ECONNRESET' },
  dns: { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND' },
  'http-status': { code: 'HTTP_503', message: 'HTTP 503 Service Unavailable' },
};

/** Verdicts counted from the rows, as the diagnosis defines them. */
export const verdictsOf = (endpoints: RunEndpoint[], skipped: string[] = []): RunCategory[] => {
  const categories = [...new Set(endpoints.map((e) => e.category))];
  return [
    ...categories.map((category) => {
      const own = endpoints.filter((e) => e.category === category);
      const reachable = own.filter((e) => e.status === 'ok').length;
      const verdict = reachable === own.length ? 'ok' : reachable === 0 ? 'down' : 'partial';
      return { category, verdict, reachable, total: own.length } as const;
    }),
    ...skipped.map((category) => ({ category, verdict: 'skipped' as const, reachable: 0, total: 0 })),
  ];
};

export type RunOptions = {
  /** "ip:port" → failure status for this run. */
  failing?: ReadonlyMap<string, ProbeStatus> | Record<string, ProbeStatus>;
  durationMs?: number;
  nacos?: RunNacos;
  simulation?: string;
  skipped?: string[];
};

export const makeRun = (region: string, at: number, targets: Target[], options: RunOptions = {}): Run => {
  const failing =
    options.failing instanceof Map
      ? options.failing
      : new Map(Object.entries((options.failing ?? {}) as Record<string, ProbeStatus>));
  const endpoints: RunEndpoint[] = targets.map((t, index) => {
    const status: ProbeStatus = failing.get(`${t.ip}:${t.port}`) ?? 'ok';
    const error = ERRORS[status];
    return {
      ...t,
      status,
      latencyMs: status === 'timeout' ? 3000 : 2 + (index % 17) + 0.5,
      ...(error ? { error } : {}),
    };
  });
  const probesOk = endpoints.every((e) => e.status === 'ok' || !e.required);
  const nacosOk = options.nacos?.ok ?? true;
  const failed = endpoints.filter((e) => e.status !== 'ok');
  const byCategory = [...new Set(failed.map((e) => e.category))];
  return {
    region,
    startedAt: new Date(at).toISOString(),
    durationMs: options.durationMs ?? 1500,
    ok: probesOk && nacosOk,
    probesOk,
    complete: true,
    catalogVersion: catalog.version,
    ...(options.simulation ? { simulation: options.simulation } : {}),
    endpoints,
    categories: verdictsOf(endpoints, options.skipped),
    ...(options.nacos ? { nacos: options.nacos } : {}),
    findings: [
      ...byCategory.map((category) => {
        const mine = failed.filter((e) => e.category === category);
        return {
          severity: 'critical' as const,
          category,
          symptom: `${category}: ${mine.length} endpoints do not answer`,
          cause: `${mine[0]?.status}: a firewall drops or rejects the traffic`,
          action: `allow outbound TCP to ${mine.map((e) => `${e.ip}:${e.port}`).join(', ')}`,
          endpoints: mine.map((e) => `${e.ip}:${e.port}`),
        };
      }),
      // as runFromReport adds them
      ...(options.nacos?.steps ?? [])
        .filter((step) => step.status === 'failed')
        .map((step) => ({
          severity: 'critical' as const,
          category: 'nacos',
          symptom: `Nacos ${step.name} failed`,
          cause: step.error ? `${step.error.code}: ${step.error.message}` : 'failed',
          action: 'see docs/nacos.md for this step',
          endpoints: [options.nacos?.server ?? ''],
        })),
    ],
  };
};

export const healthyNacos = (server = 'mse-abc-nacos-ans.mse.aliyuncs.com:8848'): RunNacos => ({
  server,
  ok: true,
  durationMs: 120,
  steps: [
    { name: 'liveness', status: 'ok', latencyMs: 4 },
    { name: 'readiness', status: 'ok', latencyMs: 5 },
    { name: 'login', status: 'ok', latencyMs: 12 },
    { name: 'config-roundtrip', status: 'ok', latencyMs: 40 },
    { name: 'naming-roundtrip', status: 'ok', latencyMs: 38 },
    { name: 'grpc-server-check', status: 'ok', latencyMs: 6 },
    { name: 'cluster', status: 'skipped', latencyMs: 0 },
  ],
});

export const failingNacos = (server = 'mse-abc-nacos-ans.mse.aliyuncs.com:8848'): RunNacos => ({
  ...healthyNacos(server),
  ok: false,
  steps: healthyNacos(server).steps.map((step) =>
    step.name === 'naming-roundtrip'
      ? {
          name: step.name,
          status: 'failed' as const,
          latencyMs: 31,
          error: { code: 'auth', message: 'HTTP 403: user not authorized' },
        }
      : step,
  ),
});

export type Pattern = (minute: number, at: number) => ReadonlyMap<string, ProbeStatus> | undefined;

/**
 * Appends one run a minute for `minutes` minutes from `start` and returns the history and the list of
 * what every run saw, so tests can count the truth by brute force.
 */
export const simulateRuns = <H>(
  append: (history: H, run: Run, now: number) => H,
  initial: H,
  options: {
    region: string;
    targets: Target[];
    start: number;
    minutes: number;
    pattern: Pattern;
    every?: number;
  },
): { history: H; seen: Array<{ at: number; failing: ReadonlyMap<string, ProbeStatus> }> } => {
  let history = initial;
  const seen: Array<{ at: number; failing: ReadonlyMap<string, ProbeStatus> }> = [];
  const every = options.every ?? MINUTE;
  const none = new Map<string, ProbeStatus>();
  for (let minute = 0; minute < options.minutes; minute++) {
    const at = options.start + minute * every;
    const failing = options.pattern(minute, at) ?? none;
    history = append(history, makeRun(options.region, at, options.targets, { failing }), at + 2 * SECOND);
    seen.push({ at, failing });
  }
  return { history, seen };
};
