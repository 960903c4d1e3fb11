import { CategoryId } from '../catalog/schema.ts';
import { INTERCEPTION_CATEGORY } from '../diagnose/index.ts';
import type { Dialer } from '../probes/deps.ts';
import type { ProbeTarget } from '../probes/types.ts';
import { MseWatchError } from '../util/errors.ts';
import type { SimulationConfig } from './config.ts';
import { simulationDialer } from './dialer.ts';

/**
 * Points a plan's catalog targets (and the interception check) at the simulation's stand-ins, keeping the catalog address each one stands
 * for (reports show both), and wraps the dialer so "absent" stand-ins fail like a missing route. Extra targets
 * the simulation does not serve are left as they are: they are the user's own, not the region's.
 */
export const simulateTargets = (
  targets: readonly ProbeTarget[],
  simulation: SimulationConfig,
  dialer: Dialer,
): { targets: ProbeTarget[]; dialer: Dialer } => ({
  targets: targets.map((target) => {
    const mapped = simulation.addressMap[`${target.host}:${target.port}`];
    if (!mapped) {
      const interception = target.category === INTERCEPTION_CATEGORY;
      if (!interception && !CategoryId.safeParse(target.category).success) return target;
      // a simulation must never let a catalog address through to the real network
      throw new MseWatchError(
        'simulation-incomplete',
        interception
          ? `simulation has no address for the interception check (${target.host}:${target.port}): write the simulation again with this version of mse-watch simulate, or set probe.interceptionCheck: false`
          : `simulation has no address for ${target.host}:${target.port}`,
      );
    }
    const [host = '', port = ''] = mapped.split(':');
    return { ...target, host, port: Number(port), stands: { ip: target.host, port: target.port } };
  }),
  dialer: simulationDialer(dialer),
});
