import { describe, expect, it } from 'vitest';
import { closestRegion, findRegion, loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import { MseWatchError } from '../../shared/util/errors.ts';

const catalog = loadCatalog();
const knownIds = catalog.regions.map((r) => r.id);

describe('region lookup', () => {
  it.each([
    ['cn-hangzhou', 'cn-hangzhou'],
    ['China (Hangzhou)', 'cn-hangzhou'],
    ['hangzhou', 'cn-hangzhou'],
    ['HANGZHOU', 'cn-hangzhou'],
    ['  Hangzhou ', 'cn-hangzhou'],
    ['China East 1 Finance', 'cn-hangzhou-finance'],
    ['china east 2 finance', 'cn-shanghai-finance-1'],
    ['China South 1 Finance', 'cn-shenzhen-finance-1'],
    ['cn-shanghai', 'cn-shanghai'],
    ['China (Zhangjiakou)', 'cn-zhangjiakou'],
    ['Alibaba Gov Cloud', 'cn-north-2-gov-1'],
    ['gov', 'cn-north-2-gov-1'],
  ])('%j resolves to %s', (query, id) => {
    expect(findRegion(catalog, query)?.id).toBe(id);
    expect(resolveRegion(catalog, query).id).toBe(id);
  });

  it.each(['', '   ', 'china', 'cn'])('%j is not a region (no partial matches)', (query) => {
    expect(findRegion(catalog, query)).toBeUndefined();
  });

  it.each([
    ['hangzou', 'cn-hangzhou'],
    ['cn-shangai', 'cn-shanghai'],
    ['shanghai-fin', 'cn-shanghai-finance-1'],
    ['east 1 finan', 'cn-hangzhou-finance'],
    ['zhangjiakou-2', 'cn-zhangjiakou'],
    ['bejing', 'cn-beijing'],
  ])('the closest region to %j is %s', (query, id) => {
    expect(closestRegion(catalog, query)?.id).toBe(id);
  });

  it.each([
    ['nowhere', undefined],
    ['hangzou', 'cn-hangzhou (China (Hangzhou))'],
    ['shanghai-fin', 'cn-shanghai-finance-1 (China East 2 Finance)'],
  ])('an unknown region %j is a usage error listing every known id and the closest match', (query, closest) => {
    let error: unknown;
    try {
      resolveRegion(catalog, query);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MseWatchError);
    const { exitCode, code, message } = error as MseWatchError;
    expect(exitCode).toBe(2);
    expect(code).toBe('unknown-region');
    expect(message).toContain(`unknown region "${query}". Known regions: ${knownIds.join(', ')}.`);
    expect(knownIds).toHaveLength(9);
    expect(message).toMatch(closest ? ` Did you mean ${closest}?` : / Did you mean cn-[a-z0-9-]+ \(.+\)\?$/);
  });
});
