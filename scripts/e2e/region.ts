import {
  loadCatalog,
  type Region,
  regionTargets,
  resolveRegion,
  type Target,
} from '../../shared/catalog/index.ts';
import type { Listener } from '../../shared/simulate/servers.ts';

/** Ports the product probes with an HTTP GET (ProbeConfig.http); the rest get a plain TCP connect. */
const HTTP_PORTS = new Set([80, 8080]);

export type RegionFixture = {
  region: Region;
  targets: Target[];
  /** Every distinct catalog IP of the region (what a correct VPC can reach). */
  addresses: string[];
  /** One listener per catalog ip:port, HTTP where the product sends HTTP. */
  listeners: Listener[];
};

export const regionFixture = (query: string, options: { includeArms?: boolean } = {}): RegionFixture => {
  const region = resolveRegion(loadCatalog(), query);
  const targets = regionTargets(region, { includeArms: options.includeArms ?? false });
  return {
    region,
    targets,
    addresses: [...new Set(targets.map((target) => target.ip))],
    listeners: targets.map((target) => ({
      host: target.ip,
      port: target.port,
      http: HTTP_PORTS.has(target.port),
    })),
  };
};

export const endpointKey = (target: { ip: string; port: number }): string => `${target.ip}:${target.port}`;
