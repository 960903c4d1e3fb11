import { NACOS_STEPS } from './config.ts';
import type { NacosReport } from './report.ts';

/**
 * The report of a check that could not start: `nacos.instanceId` did not resolve to an address (a RAM denial, an
 * unknown id, the OpenAPI out of reach). The first step fails with the reason and every other one is skipped, so
 * the run is not ok, the finding says why and an alert fires: a monitor that cannot find its target says so.
 * `server` is the instance id, the only name there is.
 */
export const unresolvedNacosReport = (
  instanceId: string,
  message: string,
  durationMs: number,
): NacosReport => ({
  server: instanceId,
  version: null,
  ok: false,
  durationMs,
  steps: NACOS_STEPS.map((name) =>
    name === 'liveness'
      ? {
          name,
          status: 'failed' as const,
          latencyMs: durationMs,
          // "unreachable": the name does not resolve, as for a server name DNS does not know
          error: { code: 'unreachable' as const, message },
        }
      : {
          name,
          status: 'skipped' as const,
          latencyMs: 0,
          detail: 'nacos.instanceId did not resolve to an address',
        },
  ),
  api: null,
  generation: null,
  instance: { instanceId, maintenancePeriod: null, inMaintenance: false },
});
