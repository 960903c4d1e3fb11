import { MseWatchError } from '../util/errors.ts';

/** No listing here has anywhere near this many pages; more means the server loops, and we stop. */
const MAX_PAGES = 1000;

const loop = (what: string): MseWatchError =>
  new MseWatchError(
    'openapi-paging',
    `${what}: the paging does not end (more than ${MAX_PAGES} pages, or a token repeats)`,
  );

/** ECS and VPC style: ask with the previous answer's NextToken until it comes back empty. */
export const followNextToken = async <T>(
  what: string,
  fetch: (nextToken: string | undefined) => Promise<{ items: T[]; nextToken?: string | undefined }>,
): Promise<T[]> => {
  const items: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await fetch(token);
    items.push(...answer.items);
    if (!answer.nextToken) return items;
    if (seen.has(answer.nextToken)) throw loop(what);
    seen.add(answer.nextToken);
    token = answer.nextToken;
  }
  throw loop(what);
};

/**
 * Page-number style (VPC DescribeRouteTableList `PageNumber`, MSE ListClusters `PageNum`): pages from 1 until
 * `TotalCount` items are in, or a page comes back short (some answers leave TotalCount out).
 */
export const followPages = async <T>(
  what: string,
  pageSize: number,
  fetch: (page: number) => Promise<{ items: T[]; totalCount?: number | undefined }>,
): Promise<T[]> => {
  const items: T[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const answer = await fetch(page);
    items.push(...answer.items);
    const total = answer.totalCount;
    if (answer.items.length === 0) return items;
    if (total !== undefined ? items.length >= total : answer.items.length < pageSize) return items;
  }
  throw loop(what);
};
