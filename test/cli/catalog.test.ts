import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderAllowlist } from '../../shared/allowlist/index.ts';
import { loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import { runCliCapture } from '../support/cli.ts';

const catalog = loadCatalog();
const knownIds = catalog.regions.map((r) => r.id);
const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** The keys of every object in a JSON document, by path, so "exactly these keys" can be asserted. */
const shapeOf = (value: unknown, path = '$'): string[] => {
  if (Array.isArray(value)) return value.flatMap((item) => shapeOf(item, `${path}[]`));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return [
      `${path}: ${entries.map(([key]) => key).join(',')}`,
      ...entries.flatMap(([key, item]) => shapeOf(item, `${path}.${key}`)),
    ];
  }
  return [`${path}: ${typeof value}`];
};

const CATALOG_JSON_SHAPE = [
  '$: version,regions',
  '$.version: string',
  '$.regions[]: id,name,endpoints',
  '$.regions[].id: string',
  '$.regions[].name: string',
  '$.regions[].endpoints[]: ip,ports,category,required',
  '$.regions[].endpoints[].ip: string',
  '$.regions[].endpoints[].ports[]: number',
  '$.regions[].endpoints[].category: string',
  '$.regions[].endpoints[].required: boolean',
];

const expectCatalogJson = (stdout: string, regionIds: string[]) => {
  const document = JSON.parse(stdout) as unknown;
  expect([...new Set(shapeOf(document))]).toStrictEqual(CATALOG_JSON_SHAPE);
  expect(document).toStrictEqual({
    version: catalog.version,
    regions: regionIds.map((id) => {
      const region = resolveRegion(catalog, id);
      return { id: region.id, name: region.name, endpoints: region.endpoints };
    }),
  });
};

describe('mse-watch catalog / allowlist (in-process)', () => {
  it('catalog --json prints exactly {version, regions: [{id, name, endpoints: [{ip, ports, category, required}]}]}', async () => {
    const result = await runCliCapture(['catalog', '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expectCatalogJson(result.stdout, knownIds);
  });

  it('catalog --region "China (Shanghai)" --json prints that one region', async () => {
    const result = await runCliCapture(['catalog', '--region', 'China (Shanghai)', '--json']);
    expect(result.code).toBe(0);
    expectCatalogJson(result.stdout, ['cn-shanghai']);
  });

  it('catalog prints a table per region with every endpoint', async () => {
    const result = await runCliCapture(['catalog', '-r', 'hangzhou']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`MSE endpoint catalog ${catalog.version}`);
    expect(result.stdout).toContain('China (Hangzhou) (cn-hangzhou)');
    for (const endpoint of resolveRegion(catalog, 'cn-hangzhou').endpoints) {
      expect(result.stdout).toContain(endpoint.ip);
    }
  });

  it('catalog --region nowhere exits 2 and lists the known region ids on stderr', async () => {
    const result = await runCliCapture(['catalog', '--region', 'nowhere']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^mse-watch: unknown region "nowhere"\. Known regions: /);
    for (const id of knownIds) expect(result.stderr).toContain(id);
  });

  it('catalog --region "" is a usage error, not the whole catalog; nowhere gets no suggestion', async () => {
    const empty = await runCliCapture(['catalog', '--region', '']);
    expect(empty.code).toBe(2);
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toBe(
      'mse-watch: --region is empty: give a region id such as cn-hangzhou, or its name (see mse-watch catalog --help)\n',
    );
    const nowhere = await runCliCapture(['catalog', '--region', 'nowhere']);
    expect(nowhere.stderr).not.toContain('Did you mean');
    const typo = await runCliCapture(['catalog', '--region', 'hangzou']);
    expect(typo.stderr).toContain('Did you mean cn-hangzhou (China (Hangzhou))?');
  });

  it('allowlist without --region exits 2 and says the option is required', async () => {
    const result = await runCliCapture(['allowlist']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('mse-watch: --region is required (see mse-watch allowlist --help)\n');
  });

  it('allowlist with a bad --format exits 2 and lists the formats', async () => {
    const result = await runCliCapture(['allowlist', '--region', 'cn-hangzhou', '--format', 'pf']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'mse-watch: --format must be one of csv, json, iptables, nftables, terraform, aliyun-sg; got "pf" (see mse-watch allowlist --help)\n',
    );
  });

  it.each([
    [
      ['--nft-table', 'ip6 fw'],
      '--nft-table: a table of family ip6 cannot hold these rules; name an ip or inet table (the MSE endpoints are IPv4 addresses)',
    ],
    [
      ['--nft-table', 'filter'],
      '--nft-table takes a family and a name as nft writes them, e.g. "inet filter"; got "filter"',
    ],
    [
      ['--nft-table', 'inet fw;reboot'],
      '--nft-table: "fw;reboot" is not an nft name (a letter or _, then letters, digits, _ or ., at most 63)',
    ],
    [
      ['--nft-chain', '$(id)'],
      '--nft-chain: "$(id)" is not an nft name (a letter or _, then letters, digits, _ or ., at most 63)',
    ],
  ])('allowlist --format nftables %j exits 2 with one line', async (flags, message) => {
    const result = await runCliCapture(['allowlist', '-r', 'cn-shanghai', '-f', 'nftables', ...flags]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`mse-watch: ${message} (see mse-watch allowlist --help)\n`);
  });

  it('allowlist --nft-table without --format nftables is a usage error, not ignored', async () => {
    const result = await runCliCapture(['allowlist', '-r', 'cn-shanghai', '--nft-table', 'ip fw']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^mse-watch: --nft-table and --nft-chain apply to --format nftables/);
  });

  it('allowlist --nft-table "ip fw" --nft-chain out writes into that table and hooks that chain', async () => {
    const argv = [
      'allowlist',
      '-r',
      'cn-shanghai',
      '-f',
      'nftables',
      '--nft-table',
      ' ip  fw ',
      '--nft-chain',
      'out',
    ];
    const result = await runCliCapture(argv);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      renderAllowlist('nftables', {
        region: resolveRegion(catalog, 'cn-shanghai'),
        includeArms: false,
        catalogVersion: catalog.version,
        nft: { family: 'ip', table: 'fw', chain: 'out' },
      }),
    );
    expect(result.stdout).toContain('flush chain ip fw mse_watch_egress');
    expect(result.stdout).toContain('nft insert rule ip fw out jump mse_watch_egress');
    expect(result.stdout).not.toContain('inet filter');
  });

  it.each([
    ['csv', false],
    ['nftables', true],
    ['aliyun-sg', true],
  ] as const)('allowlist --format %s (include ARMS: %s) prints renderAllowlist output', async (format, includeArms) => {
    const argv = [
      'allowlist',
      '-r',
      'China East 1 Finance',
      '-f',
      format,
      ...(includeArms ? ['--include-arms'] : []),
    ];
    const result = await runCliCapture(argv);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      renderAllowlist(format, {
        region: resolveRegion(catalog, 'cn-hangzhou-finance'),
        includeArms,
        catalogVersion: catalog.version,
      }),
    );
  });

  it.each([
    ['--help'],
    ['catalog', '--help'],
    ['allowlist', '--help'],
  ])('%s exits 0 with usage on stdout', async (...argv) => {
    const result = await runCliCapture(argv);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: mse-watch/);
    expect(result.stderr).toBe('');
  });

  it('an unknown command exits 2', async () => {
    const result = await runCliCapture(['teleport']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('mse-watch: unknown command "teleport" (see mse-watch --help)\n');
  });
});

describe('the shipped entry point (bin/mse-watch.mjs over the esbuild bundle)', () => {
  beforeAll(async () => {
    await run(process.execPath, ['scripts/build.mjs', 'cli'], { cwd: root });
  }, 120_000);

  it('node bin/mse-watch.mjs catalog --json prints the catalog and exits 0', async () => {
    const { stdout } = await run(process.execPath, ['bin/mse-watch.mjs', 'catalog', '--json'], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    expectCatalogJson(stdout, knownIds);
  });

  it('node bin/mse-watch.mjs allowlist (no --region) exits 2', async () => {
    const failure = await run(process.execPath, ['bin/mse-watch.mjs', 'allowlist'], { cwd: root }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toBe('mse-watch: --region is required (see mse-watch allowlist --help)\n');
  });
});
