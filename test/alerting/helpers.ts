import { AlertingConfig } from '../../shared/alerting/config.ts';
import { type EvaluationConfig, evaluate } from '../../shared/alerting/evaluate.ts';
import {
  type AlertEvent,
  type AlertState,
  freshAlertState,
  Observation,
  type ObservationInput,
} from '../../shared/alerting/model.ts';
import type { CheckReport, ProbeRow } from '../../shared/report/schema.ts';

export const T0 = Date.parse('2026-11-21T04:00:00.000Z');
export const MINUTE = 60_000;
export const at = (minutes: number): Date => new Date(T0 + minutes * MINUTE);

export const alertingConfig = (input: Partial<Parameters<typeof AlertingConfig.parse>[0]> = {}) =>
  AlertingConfig.parse(input);

export const obs = (key: string, outcome: 'ok' | 'fail' | 'skip', extra: Partial<ObservationInput> = {}) =>
  Observation.parse({
    key,
    group: key.split('/')[0] ?? key,
    category: 'basic-info',
    label: key.split('/').at(-1) ?? key,
    outcome,
    ...(outcome === 'fail' ? { detail: 'timeout: connect ETIMEDOUT' } : {}),
    ...extra,
  });

/**
 * Runs the pure evaluator over a script: one string per run, one character per key
 * ("F" fail, "." ok, "-" skip), a run per minute. Returns the events of each run as "change key".
 */
export const script = (
  keys: string[],
  runs: string[],
  config: EvaluationConfig = alertingConfig(),
  options: { start?: number; every?: number; state?: AlertState } = {},
): { events: string[][]; state: AlertState; all: AlertEvent[][] } => {
  let state = options.state ?? freshAlertState();
  const events: string[][] = [];
  const all: AlertEvent[][] = [];
  runs.forEach((run, index) => {
    const observations = keys.map((key, k) => {
      const c = run[k];
      return obs(key, c === 'F' ? 'fail' : c === '-' ? 'skip' : 'ok');
    });
    const now = at((options.start ?? 0) + index * (options.every ?? 1));
    const result = evaluate(state, observations, now, config);
    state = result.state;
    all.push(result.events);
    events.push(result.events.map((event) => `${event.change} ${event.key}`));
  });
  return { events, state, all };
};

export const row = (
  ip: string,
  port: number,
  status: ProbeRow['status'],
  extra: Partial<ProbeRow> = {},
): ProbeRow => ({
  ip,
  port,
  category: 'basic-info',
  required: true,
  status,
  latencyMs: 1,
  attempts: 1,
  ...(status === 'ok'
    ? {}
    : { error: { code: status === 'timeout' ? 'ETIMEDOUT' : 'ECONNREFUSED', message: `connect ${status}` } }),
  ...extra,
});

export const report = (region: string | null, probes: ProbeRow[], now = at(0)): CheckReport => {
  const categories = [...new Set(probes.map((p) => p.category))].map((category) => {
    const rows = probes.filter((p) => p.category === category);
    const reachable = rows.filter((p) => p.status === 'ok').length;
    return {
      category,
      verdict:
        reachable === rows.length
          ? ('ok' as const)
          : reachable === 0
            ? ('down' as const)
            : ('partial' as const),
      reachable,
      total: rows.length,
    };
  });
  return {
    region,
    startedAt: now.toISOString(),
    durationMs: 5,
    ok: probes.every((p) => p.status === 'ok'),
    complete: true,
    catalogVersion: 'test',
    probes,
    categories,
    findings: [],
  };
};
