import type { z } from 'zod';
import { MseWatchError } from '../util/errors.ts';
import { type Catalog, CatalogSchema } from './schema.ts';

type Path = ReadonlyArray<PropertyKey>;

/** `endpoints[3].ip` from ['endpoints', 3, 'ip']. */
export const formatPath = (path: Path): string =>
  path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');

const valueAt = (input: unknown, path: Path): unknown => {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
};

/** Names the region (by id when it has one) and the field inside it, so a bad row is found at once. */
const describeIssue = (input: unknown, issue: z.core.$ZodIssue): string => {
  const path = issue.path;
  const value = valueAt(input, path);
  const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
  if (path[0] === 'regions' && typeof path[1] === 'number') {
    const id = valueAt(input, ['regions', path[1], 'id']);
    const region = typeof id === 'string' ? id : `#${path[1]}`;
    const field = path.length > 2 ? formatPath(path.slice(2)) : '(region)';
    return `region ${region}: ${field}: ${issue.message}${shown}`;
  }
  return `${formatPath(path) || '(root)'}: ${issue.message}${shown}`;
};

/** Rules zod's shape cannot express: uniqueness and agreement with the category table. */
const crossCheck = (catalog: Catalog): string[] => {
  const problems: string[] = [];
  const categories = new Map(catalog.categories.map((category) => [category.id, category]));
  const regionIds = new Set<string>();
  for (const region of catalog.regions) {
    if (regionIds.has(region.id)) problems.push(`region ${region.id}: id: duplicate region id`);
    regionIds.add(region.id);
    const seen = new Map<string, number>();
    region.endpoints.forEach((endpoint, index) => {
      const category = categories.get(endpoint.category);
      if (!category) {
        problems.push(
          `region ${region.id}: endpoints[${index}].category: "${endpoint.category}" is not in the category table`,
        );
      } else {
        if (category.required !== endpoint.required) {
          problems.push(
            `region ${region.id}: endpoints[${index}].required: must be ${category.required} for category ${endpoint.category}`,
          );
        }
        for (const port of endpoint.ports) {
          if (!category.ports.includes(port)) {
            problems.push(
              `region ${region.id}: endpoints[${index}].ports: port ${port} is not a port of category ${endpoint.category} (${category.ports.join(', ')})`,
            );
          }
        }
      }
      for (const port of endpoint.ports) {
        const key = `${endpoint.ip}:${port}`;
        const first = seen.get(key);
        if (first !== undefined) {
          problems.push(
            `region ${region.id}: endpoints[${index}].ports: duplicate ${key} (already at endpoints[${first}])`,
          );
        } else {
          seen.set(key, index);
        }
      }
    });
  }
  return problems;
};

/** Parses and checks a catalog; every problem is listed at once, each naming its region and field. */
export const parseCatalog = (input: unknown): Catalog => {
  const result = CatalogSchema.safeParse(input);
  const problems = result.success
    ? crossCheck(result.data)
    : result.error.issues.map((issue) => describeIssue(input, issue));
  if (problems.length > 0) {
    throw new MseWatchError('catalog-invalid', `invalid catalog:\n  - ${problems.join('\n  - ')}`);
  }
  return result.data as Catalog;
};
