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
    ['china', undefined],
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
    if (closest) expect(message).toContain(` Did you mean ${closest}?`);
    else expect(message).not.toContain('Did you mean');
  });

  it.each(['nowhere', 'xx', 'china', 'q'])('suggests nothing for %j: nothing is close', (query) => {
    expect(closestRegion(catalog, query)).toBeUndefined();
  });

  it('an empty region says so, without listing the catalog', () => {
    expect(() => resolveRegion(catalog, '  ')).toThrow(
      /^the region is empty: give a region id such as cn-hangzhou/,
    );
  });

  it('a 5 MB region string is answered at once and not echoed whole', () => {
    const huge = `hangzhou${'x'.repeat(5 * 1024 * 1024)}`;
    // bounded by construction (no distance is computed for a query longer than any spelling): a wrong
    // implementation would take tens of seconds here and time the test out
    expect(closestRegion(catalog, huge)).toBeUndefined();
    let message = '';
    try {
      resolveRegion(catalog, huge);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.length).toBeLessThan(400);
    expect(message).toContain('unknown region "hangzhouxxx');
  });
});
