import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCatalog, parseCatalog } from '../../shared/catalog/index.ts';
import { MseWatchError } from '../../shared/util/errors.ts';

const fixture = (problem: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/invalid-catalog-${problem}.json`, import.meta.url), 'utf8'));

const problemsOf = (input: unknown): { error: unknown; problems: string[] } => {
  try {
    parseCatalog(input);
  } catch (error) {
    const message = (error as Error).message;
    expect(message.startsWith('invalid catalog:\n  - ')).toBe(true);
    return { error, problems: message.slice('invalid catalog:\n  - '.length).split('\n  - ') };
  }
  throw new Error('parseCatalog accepted the input');
};

/** Each fixture is a two-region excerpt of the real catalog (cn-hangzhou, cn-shanghai) with exactly one problem. */
describe.each([
  {
    problem: 'duplicate-endpoint',
    messages: [
      'region cn-hangzhou: endpoints[3].ports: duplicate 100.100.45.175:8080 (already at endpoints[2])',
      'region cn-hangzhou: endpoints[3].ports: duplicate 100.100.45.175:8848 (already at endpoints[2])',
      'region cn-hangzhou: endpoints[3].ports: duplicate 100.100.45.175:9848 (already at endpoints[2])',
    ],
  },
  {
    problem: 'bad-ip',
    messages: ['region cn-hangzhou: endpoints[3].ip: Invalid IPv4 address (got "100.100.45.300")'],
  },
  {
    problem: 'bad-port',
    messages: [
      'region cn-shanghai: endpoints[4].ports[1]: Too big: expected number to be <=65535 (got 88480)',
    ],
  },
  {
    problem: 'unknown-category',
    messages: [
      'region cn-shanghai: endpoints[6].category: Invalid option: expected one of "basic-info"|"governance-rules"|"agent-metadata"|"metrics-events"|"diagnostics"|"arms-monitoring"|"arms-info" (got "teleport")',
    ],
  },
  {
    problem: 'category-not-in-table',
    messages: ['region cn-shanghai: endpoints[6].category: "diagnostics" is not in the category table'],
  },
  {
    problem: 'port-not-of-category',
    messages: [
      'region cn-hangzhou: endpoints[6].ports: port 8080 is not a port of category agent-metadata (80)',
    ],
  },
  {
    problem: 'required-mismatch',
    messages: ['region cn-hangzhou: endpoints[0].required: must be true for category basic-info'],
  },
  {
    problem: 'duplicate-region',
    messages: ['region cn-hangzhou: id: duplicate region id'],
  },
])('invalid-catalog-$problem.json', ({ problem, messages }) => {
  it('is refused with a usage error (exit 2) naming the region id and the field', () => {
    const { error, problems } = problemsOf(fixture(problem));
    expect(error).toBeInstanceOf(MseWatchError);
    expect((error as MseWatchError).exitCode).toBe(2);
    expect((error as MseWatchError).code).toBe('catalog-invalid');
    expect(problems).toStrictEqual(messages);
  });
});

describe('catalog validation', () => {
  it('accepts the committed catalog', () => {
    expect(() => parseCatalog(structuredClone(loadCatalog()))).not.toThrow();
  });

  it('lists every problem at once, not just the first', () => {
    const catalog = structuredClone(loadCatalog()) as {
      regions: Array<{ endpoints: Array<{ ip: string }> }>;
    };
    const beijing = catalog.regions[2]?.endpoints[5];
    const gov = catalog.regions[8]?.endpoints[0];
    if (!beijing || !gov) throw new Error('the catalog lost regions');
    beijing.ip = 'not-an-ip';
    gov.ip = '10.0.0';
    expect(problemsOf(catalog).problems).toStrictEqual([
      'region cn-beijing: endpoints[5].ip: Invalid IPv4 address (got "not-an-ip")',
      'region cn-north-2-gov-1: endpoints[0].ip: Invalid IPv4 address (got "10.0.0")',
    ]);
  });

  it('names a region without a usable id by its index', () => {
    const catalog = structuredClone(loadCatalog()) as { regions: Array<{ id: unknown }> };
    const region = catalog.regions[1];
    if (!region) throw new Error('the catalog lost regions');
    region.id = 42;
    expect(problemsOf(catalog).problems).toStrictEqual([
      'region #1: id: Invalid input: expected string, received number (got 42)',
    ]);
  });

  it('names top-level fields by their path', () => {
    const { version: _, ...catalog } = structuredClone(loadCatalog());
    expect(problemsOf(catalog).problems).toStrictEqual([
      'version: Invalid input: expected string, received undefined',
    ]);
  });
});
