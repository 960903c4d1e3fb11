import data from './catalog.generated.json' with { type: 'json' };
import type { Catalog, CategoryId, Region } from './schema.ts';
import { parseCatalog } from './validate.ts';

export * from './lookup.ts';
export * from './schema.ts';
export { formatPath, parseCatalog } from './validate.ts';

let cached: Catalog | undefined;

/** The embedded catalog, checked once on first use so a bad regeneration fails loudly, not silently. */
export const loadCatalog = (): Catalog => {
  cached ??= parseCatalog(data);
  return cached;
};

/** One row per ip:port, the unit every probe, allowlist and finding works on. */
export type Target = {
  ip: string;
  port: number;
  category: CategoryId;
  required: boolean;
};

export const regionTargets = (region: Region, options: { includeArms: boolean }): Target[] =>
  region.endpoints
    .filter((endpoint) => endpoint.required || options.includeArms)
    .flatMap((endpoint) =>
      endpoint.ports.map((port) => ({
        ip: endpoint.ip,
        port,
        category: endpoint.category,
        required: endpoint.required,
      })),
    );
