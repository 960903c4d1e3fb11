import { type Catalog, type Region, regionTargets, resolveRegion } from '../catalog/index.ts';
import type { Config } from '../config/schema.ts';
import { INTERCEPTION_CATEGORY, INTERCEPTION_NAME, interceptionAddress } from '../diagnose/index.ts';
import type { ProbeSpec, ProbeTarget } from '../probes/types.ts';
import { MseWatchError } from '../util/errors.ts';

/** HTTP ports per the catalog (80, 8080): probed with a GET so the report has a status and a first byte. */
const HTTP_PORTS = new Set([80, 8080]);

/**
 * What one run does: the config it runs under, the region (null when only extra targets or Nacos are
 * checked) and every target to probe. `banner` marks a run whose targets stand in for others (a simulation):
 * every report then says so.
 */
export type RunPlan = {
  config: Config;
  region: Region | null;
  targets: ProbeTarget[];
  banner?: { note: string; mapping: Record<string, string> };
};

const catalogSpec = (config: Config, port: number): ProbeSpec =>
  config.probe.http && HTTP_PORTS.has(port) ? { kind: 'http' } : { kind: 'tcp' };

/**
 * An extra target's probe: its own mode; else HTTP when it lists the statuses it expects, or on the HTTP ports
 * (when `probe.http`); else TCP.
 */
const extraSpec = (config: Config, target: Config['targets'][number]): ProbeSpec => {
  const kind = target.mode ?? (target.expectStatus ? 'http' : catalogSpec(config, target.port).kind);
  switch (kind) {
    case 'tcp':
      return { kind };
    case 'http':
      return { kind, ...(target.expectStatus ? { expectStatus: target.expectStatus } : {}) };
    case 'tls':
      return { kind, ...(target.servername ? { servername: target.servername } : {}) };
    default: {
      const never: never = kind;
      throw new Error(`unknown probe mode ${String(never)}`);
    }
  }
};

/**
 * The interception check's target (docs/diagnosis.md): a catalog IP on a port MSE does not serve, probed once
 * per run with a TCP connect. Its reserved category keeps it out of the catalog rows; the run probes it apart.
 */
const interceptionTarget = (config: Config, region: Region | null): ProbeTarget[] => {
  const address = region && config.probe.interceptionCheck ? interceptionAddress(region) : undefined;
  return address
    ? [
        {
          host: address.ip,
          port: address.port,
          category: INTERCEPTION_CATEGORY,
          required: true,
          spec: { kind: 'tcp' },
          name: INTERCEPTION_NAME,
        },
      ]
    : [];
};

/**
 * What a config asks to probe: the region's catalog (every port of every IP), the interception check, then the
 * extra targets.
 */
export const planRun = (config: Config, catalog: Catalog): RunPlan => {
  if (!config.region && config.targets.length === 0 && !config.nacos) {
    throw new MseWatchError(
      'nothing-to-check',
      'nothing to check: give --region (or `region:` in the config), `targets:` or a `nacos:` section in the config',
    );
  }
  const reserved = config.targets.findIndex((t) => t.category === INTERCEPTION_CATEGORY);
  if (reserved >= 0) {
    throw new MseWatchError(
      'config-invalid',
      `targets[${reserved}].category: "${INTERCEPTION_CATEGORY}" is reserved for the interception check; choose another label`,
    );
  }
  const region = config.region ? resolveRegion(catalog, config.region) : null;
  const catalogTargets: ProbeTarget[] = region
    ? regionTargets(region, { includeArms: config.includeArms }).map((t) => ({
        host: t.ip,
        port: t.port,
        category: t.category,
        required: t.required,
        spec: catalogSpec(config, t.port),
      }))
    : [];
  const extra: ProbeTarget[] = config.targets.map((t) => ({
    host: t.host,
    port: t.port,
    category: t.category ?? 'targets',
    required: t.required,
    spec: extraSpec(config, t),
    ...(t.name ? { name: t.name } : {}),
  }));
  return { config, region, targets: [...catalogTargets, ...interceptionTarget(config, region), ...extra] };
};
