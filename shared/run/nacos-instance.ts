import { loadCatalog, resolveRegion } from '../catalog/index.ts';
import type { Config } from '../config/schema.ts';
import type { MaintenancePeriod } from '../diagnose/audit/instances.ts';
import { MseWatchError } from '../util/errors.ts';
import { openApiLimits, type PartBudget, withinBudget } from './openapi-budget.ts';
import type { PartDeps } from './part-deps.ts';

// `nacos: {instanceId}`: the instance read through the OpenAPI. Loaded only by a run that names an instance,
// since it brings the OpenAPI client (docs/BENCHMARKS.md: a plain run does not pay for it).

/** What an MSE instance id resolves to for the Nacos check. */
export type NacosInstanceTarget = {
  instanceId: string;
  /** Its intranet address, `host:port` (8848), as `nacos.server`. */
  server: string;
  maintenancePeriod: MaintenancePeriod | null;
  /** Whether `now` falls inside the maintenance period. */
  inMaintenance: boolean;
};

/**
 * Reads the instance (QueryClusterInfo) in the config's region with the run's credentials (a function's role,
 * the user's chain) and the OpenAPI settings of the `audit:` section (endpoint, network, the zone of
 * maintenance periods), if there is one. Throws a one-line MseWatchError: no region, an unknown id, not a Nacos
 * engine, no intranet address yet, a RAM denial, no credentials, or the budget running out.
 */
export const resolveNacosInstanceTarget = async (
  config: Config,
  instanceId: string,
  deps: PartDeps,
  budget: PartBudget = {},
): Promise<NacosInstanceTarget> => {
  if (!config.region)
    throw new MseWatchError(
      'config-invalid',
      `nacos.instanceId: ${instanceId} is looked up in the config's region: set region (e.g. cn-hangzhou)`,
    );
  const region = resolveRegion(deps.catalog ?? loadCatalog(), config.region);
  const [{ createOpenApi }, { inMaintenancePeriod, openApiOptionsFromConfig, resolveNacosInstance }] =
    await Promise.all([import('../aliyun/openapi.ts'), import('./audit.ts')]);
  const api = createOpenApi({
    ...openApiOptionsFromConfig(
      config.audit,
      region.id,
      deps.credentials ?? { kind: 'chain' },
      deps.openApiEndpoint,
    ),
    ...openApiLimits(budget.budgetMs),
  });
  const resolved = await withinBudget(
    resolveNacosInstance(api, instanceId, {
      ...(config.audit ? { timezone: config.audit.maintenanceTimezone } : {}),
    }),
    budget,
    `nacos.instanceId: reading MSE instance ${instanceId}`,
  );
  const period = resolved.instance.maintenancePeriod ?? null;
  const now = deps.clock?.wall() ?? new Date();
  return {
    instanceId,
    server: resolved.server,
    maintenancePeriod: period,
    inMaintenance: period ? inMaintenancePeriod(period, now) : false,
  };
};
