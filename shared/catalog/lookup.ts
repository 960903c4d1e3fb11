import { MseWatchError } from '../util/errors.ts';
import type { Catalog, Region } from './schema.ts';

const normalize = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Levenshtein distance; regions are few and short, so the plain table is enough. */
const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
};

const spellings = (region: Region): string[] => [region.id, region.name, ...region.aliases].map(normalize);

/** Finds a region by id, page name or alias, ignoring case and punctuation ("China (Hangzhou)" = "hangzhou"). */
export const findRegion = (catalog: Catalog, query: string): Region | undefined => {
  const wanted = normalize(query);
  if (wanted === '') return undefined;
  return catalog.regions.find((region) => spellings(region).includes(wanted));
};

export const closestRegion = (catalog: Catalog, query: string): Region | undefined => {
  const wanted = normalize(query);
  let best: { region: Region; score: number } | undefined;
  for (const region of catalog.regions) {
    for (const spelling of spellings(region)) {
      // an abbreviation of a spelling is a perfect match; a query that merely contains a spelling is not
      // ("shanghai-fin" contains "shanghai" but means cn-shanghai-finance-1), so it is scored by distance
      const score = spelling.includes(wanted) ? 0 : distance(wanted, spelling);
      if (!best || score < best.score) best = { region, score };
    }
  }
  return best?.region;
};

/** Like findRegion, but an unknown region is a usage error that lists the known ids and the closest match. */
export const resolveRegion = (catalog: Catalog, query: string): Region => {
  const region = findRegion(catalog, query);
  if (region) return region;
  const closest = closestRegion(catalog, query);
  const known = catalog.regions.map((r) => r.id).join(', ');
  throw new MseWatchError(
    'unknown-region',
    `unknown region "${query}". Known regions: ${known}.${closest ? ` Did you mean ${closest.id} (${closest.name})?` : ''}`,
  );
};
