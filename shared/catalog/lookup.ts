import { MseWatchError } from '../util/errors.ts';
import type { Catalog, Region } from './schema.ts';

const normalize = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Levenshtein distance; both strings are short (the caller bounds the query), so the plain table is enough. */
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

/** How many edits a suggestion may be away: about a typo per four characters, at least one. */
const tolerance = (length: number): number => Math.max(1, Math.floor(length / 4));

/**
 * The region the user probably meant, or undefined when nothing is close: a typo ("hangzou") or an
 * abbreviation ("east 1 finan") is; a word that merely shares letters ("nowhere") is not. A query longer than
 * any spelling plus the tolerance cannot be close, so a 5 MB string costs nothing.
 */
export const closestRegion = (catalog: Catalog, query: string): Region | undefined => {
  const all = catalog.regions.flatMap((region) =>
    spellings(region).map((spelling) => ({ region, spelling })),
  );
  const longest = all.reduce((max, { spelling }) => Math.max(max, spelling.length), 0);
  // normalize only a bounded prefix: the length check below needs no more
  const wanted = normalize(query.slice(0, 4 * longest));
  if (wanted.length < 2 || wanted.length > longest + tolerance(longest)) return undefined;
  let best: { region: Region; score: number } | undefined;
  const contained = new Set<Region>();
  for (const { region, spelling } of all) {
    // an abbreviation of a spelling is a perfect match; a query that merely contains a spelling is not
    // ("shanghai-fin" contains "shanghai" but means cn-shanghai-finance-1), so it is scored by distance
    const score =
      wanted.length >= 3 && spelling.includes(wanted)
        ? 0
        : Math.abs(wanted.length - spelling.length) > tolerance(wanted.length)
          ? Number.POSITIVE_INFINITY
          : distance(wanted, spelling);
    if (score === 0) contained.add(region);
    if (!best || score < best.score) best = { region, score };
  }
  // "china" abbreviates every region's name: that is no suggestion
  if (contained.size > 1) return undefined;
  return best && best.score <= tolerance(wanted.length) ? best.region : undefined;
};

/** A query as shown in a message: never a whole pasted file. */
const shown = (query: string): string => (query.length > 60 ? `${query.slice(0, 60)}…` : query);

/** Like findRegion, but an unknown region is a usage error that lists the known ids and the closest match. */
export const resolveRegion = (catalog: Catalog, query: string): Region => {
  const region = findRegion(catalog, query);
  if (region) return region;
  if (normalize(query.slice(0, 1000)) === '')
    throw new MseWatchError(
      'unknown-region',
      'the region is empty: give a region id such as cn-hangzhou, or its name ("China (Hangzhou)")',
    );
  const closest = closestRegion(catalog, query);
  const known = catalog.regions.map((r) => r.id).join(', ');
  throw new MseWatchError(
    'unknown-region',
    `unknown region "${shown(query)}". Known regions: ${known}.${closest ? ` Did you mean ${closest.id} (${closest.name})?` : ''}`,
  );
};
