import { loadCatalog } from '../catalog/index.ts';
import type { Config } from '../config/schema.ts';
import { defaultProbeDeps } from '../probes/deps.ts';
import { simulateTargets } from '../simulate/plan.ts';
import { planRun } from './plan.ts';
import { type RunDeps, type RunOptions, type RunOutcome, runCheck } from './run.ts';

export { planRun, type RunPlan } from './plan.ts';
export { type RunDeps, type RunOptions, type RunOutcome, type RunParts, runCheck, toRow } from './run.ts';

/** A run as the shells start it (CLI, functions, service): from a parsed config. */
export type CheckFn = (config: Config, deps?: Partial<RunDeps>, options?: RunOptions) => Promise<RunOutcome>;

/**
 * Plans the config's run and starts it. A `simulation:` section points the catalog targets at their loopback
 * stand-ins here, before the run: the run itself only ever sees a plan and a dialer.
 */
export const checkConfig: CheckFn = (config, deps = {}, options = {}) => {
  const catalog = deps.catalog ?? loadCatalog();
  const plan = planRun(config, catalog);
  if (!config.simulation) return runCheck(plan, { ...deps, catalog }, options);
  const simulated = simulateTargets(plan.targets, config.simulation, deps.dialer ?? defaultProbeDeps.dialer);
  return runCheck(
    {
      ...plan,
      targets: simulated.targets,
      banner: { note: config.simulation.note, mapping: config.simulation.addressMap },
    },
    { ...deps, catalog, dialer: simulated.dialer },
    options,
  );
};
