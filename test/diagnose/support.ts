import { loadCatalog, regionTargets, resolveRegion } from '../../shared/catalog/index.ts';
import { type DiagnoseInput, diagnose } from '../../shared/diagnose/index.ts';
import type { ProbeStatus } from '../../shared/probes/types.ts';
import type { ProbeRow } from '../../shared/report/schema.ts';

export const catalog = loadCatalog();

/**
 * How one endpoint fails, as the probers report it. The error messages are the ones Node prints for each case
 * (measured: see test/probes/classify.test.ts): a failure inside connect() itself carries " - Local (…)".
 */
export const FAILURES = {
  ok: { status: 'ok' },
  ok404: { status: 'ok', httpStatus: 404 },
  ok503: { status: 'ok', httpStatus: 503 },
  timeout: { status: 'timeout', error: { code: 'ETIMEDOUT', message: 'no TCP handshake within 1500 ms' } },
  refused: { status: 'refused', error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED {ep}' } },
  'no-route': {
    status: 'unreachable',
    error: { code: 'ENETUNREACH', message: 'connect ENETUNREACH {ep} - Local (0.0.0.0:0)' },
  },
  'admin-prohibited': {
    status: 'unreachable',
    error: { code: 'EHOSTUNREACH', message: 'connect EHOSTUNREACH {ep}' },
  },
  reset: {
    status: 'reset',
    error: { code: 'ECONNRESET', message: 'read ECONNRESET' },
    connectMs: 0.4,
  },
  'no-answer': {
    status: 'no-answer',
    error: { code: 'NO_HTTP_ANSWER', message: 'connected, but no HTTP answer within 1500 ms' },
    connectMs: 0.3,
  },
} as const satisfies Record<
  string,
  { status: ProbeStatus; error?: { code: string; message: string }; connectMs?: number; httpStatus?: number }
>;
export type Failure = keyof typeof FAILURES;

export type Fail = (ip: string, port: number, category: string) => Failure | undefined;

/** Every ip:port of a region as probe rows, `fail` deciding how each one fares (undefined: ok). */
export const rowsOf = (regionId: string, fail: Fail, includeArms = false): ProbeRow[] => {
  const region = resolveRegion(catalog, regionId);
  return regionTargets(region, { includeArms }).map((t): ProbeRow => {
    const failure = FAILURES[fail(t.ip, t.port, t.category) ?? 'ok'];
    const ep = `${t.ip}:${t.port}`;
    return {
      ip: t.ip,
      port: t.port,
      category: t.category,
      required: t.required,
      status: failure.status,
      latencyMs: 1,
      attempts: 1,
      ...('error' in failure
        ? { error: { code: failure.error.code, message: failure.error.message.replace('{ep}', ep) } }
        : {}),
      ...(failure.status === 'ok'
        ? { connectMs: 0.2 }
        : 'connectMs' in failure
          ? { connectMs: failure.connectMs }
          : {}),
      ...('httpStatus' in failure ? { httpStatus: failure.httpStatus } : {}),
    };
  });
};

export const run = (
  regionId: string,
  fail: Fail,
  options: { includeArms?: boolean; interception?: ProbeRow } = {},
) => {
  const input: DiagnoseInput = {
    catalog,
    region: resolveRegion(catalog, regionId),
    includeArms: options.includeArms ?? false,
    probes: rowsOf(regionId, fail, options.includeArms),
    ...(options.interception ? { interception: options.interception } : {}),
  };
  return diagnose(input);
};
