import { WEEKDAYS } from '../alerting/config.ts';
import type { Config } from '../config/schema.ts';
import { runNacosCheck } from '../nacos/check.ts';
import { hasServer } from '../nacos/config.ts';
import type { NacosReport } from '../nacos/report.ts';
import { unresolvedNacosReport } from '../nacos/unresolved.ts';
import { isMseWatchError } from '../util/errors.ts';
import { round1 } from '../util/format.ts';
import type { PartBudget } from './openapi-budget.ts';
import type { PartDeps } from './part-deps.ts';

// The Nacos part of a run (loaded on demand: the gRPC stack is a cost a plain endpoint check does not pay).

export type NacosPart = {
  report: NacosReport;
  /**
   * The config as the run applies it: for `nacos: {instanceId}`, `nacos.server` resolved and the instance's
   * maintenance period in `alerting.maintenanceWindows` (over `nacos/<server>/*`), so its alerts are held while
   * MSE maintains it. The config given when there is nothing to apply.
   */
  config: Config;
};

const elapsed = (started: number) => round1(performance.now() - started);

/** What is left of the run's budget after `started`. */
const rest = (budget: PartBudget, started: number): PartBudget => ({
  ...(budget.budgetMs === undefined
    ? {}
    : { budgetMs: Math.max(1, budget.budgetMs - (performance.now() - started)) }),
  ...(budget.signal ? { signal: budget.signal } : {}),
});

/**
 * The Nacos check of `config.nacos`. A `server` is checked as it is. An `instanceId` is first read through the
 * OpenAPI (in the run's budget, with its credentials) and its intranet address checked; one that cannot be read
 * is, with `unresolved: 'report'` (a run), a failed check whose first step says why, so the run alerts; with
 * `'throw'` (`mse-watch nacos`), the one-line error, exit 2.
 */
export const runNacosPart = async (
  config: Config,
  deps: PartDeps,
  budget: PartBudget = {},
  options: { unresolved?: 'report' | 'throw' } = {},
): Promise<NacosPart | undefined> => {
  const nacos = config.nacos;
  if (!nacos) return undefined;
  if (hasServer(nacos)) return { report: await runNacosCheck(nacos, deps.nacos ?? {}, budget), config };
  const instanceId = nacos.instanceId ?? '';
  const started = performance.now();
  // the OpenAPI client loads only for an instance id
  const { resolveNacosInstanceTarget } = await import('./nacos-instance.ts');
  let target: Awaited<ReturnType<typeof resolveNacosInstanceTarget>>;
  try {
    target = await resolveNacosInstanceTarget(config, instanceId, deps, budget);
  } catch (error) {
    if (options.unresolved === 'throw' || !isMseWatchError(error)) throw error;
    return { report: unresolvedNacosReport(instanceId, error.message, elapsed(started)), config };
  }
  const { instanceId: _resolved, ...withoutId } = nacos;
  const resolved = { ...withoutId, server: target.server };
  const checked = await runNacosCheck(resolved, deps.nacos ?? {}, rest(budget, started));
  const report: NacosReport = {
    ...checked,
    instance: {
      instanceId,
      maintenancePeriod: target.maintenancePeriod,
      inMaintenance: target.inMaintenance,
    },
  };
  const period = target.maintenancePeriod;
  const alerting =
    config.alerting && period
      ? {
          ...config.alerting,
          maintenanceWindows: [
            ...config.alerting.maintenanceWindows,
            {
              // the report's server is the alert keys' (nacos/<server>/<step>): the same spelling, always
              match: [`nacos/${report.server}/*`],
              days: [...WEEKDAYS],
              start: period.start,
              end: period.end,
              timezone: period.timezone,
              comment: `MSE maintenance period of ${instanceId}`,
            },
          ],
        }
      : config.alerting;
  return {
    report,
    config: { ...config, nacos: resolved, ...(alerting ? { alerting } : {}) },
  };
};
