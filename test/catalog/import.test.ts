import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PageFormatError, parsePage } from '../../scripts/catalog/parse-page.ts';
import { loadCatalog } from '../../shared/catalog/index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixturePath = fileURLToPath(new URL('../fixtures/mse-endpoints-page.txt', import.meta.url));
const seedPath = fileURLToPath(new URL('../../../shared/seeds/000_91cdcf881fc20ecc.txt', import.meta.url));
const generatedPath = fileURLToPath(new URL('../../shared/catalog/catalog.generated.json', import.meta.url));

const page = readFileSync(fixturePath, 'utf8');
const committed = JSON.parse(readFileSync(generatedPath, 'utf8')) as ReturnType<typeof loadCatalog>;

/** The page's region headings, in page order, with the ids the issue fixes for them. */
const REGION_IDS: Array<[name: string, id: string]> = [
  ['China (Hangzhou)', 'cn-hangzhou'],
  ['China (Shanghai)', 'cn-shanghai'],
  ['China (Beijing)', 'cn-beijing'],
  ['China (Shenzhen)', 'cn-shenzhen'],
  ['China (Zhangjiakou)', 'cn-zhangjiakou'],
  ['China East 1 Finance', 'cn-hangzhou-finance'],
  ['China East 2 Finance', 'cn-shanghai-finance-1'],
  ['China South 1 Finance', 'cn-shenzhen-finance-1'],
  ['Alibaba Gov Cloud', 'cn-north-2-gov-1'],
];

type RawRow = { region: string; ip: string; ports: number[]; usage: string; required: boolean };

/**
 * A reading of the page that shares no code with the importer: every `| ip | ports | usage |` line, attributed to
 * the last region heading above it, optional once an "ARMS endpoints" heading was seen in that region.
 */
const rawRows = (text: string): RawRow[] => {
  const names = new Map(REGION_IDS);
  const rows: RawRow[] = [];
  let region = '';
  let required = true;
  for (const line of text.split('\n')) {
    const heading = names.get(line.trim());
    if (heading) {
      region = heading;
      required = true;
    }
    if (/^ARMS endpoints/.test(line)) required = false;
    const match = /^\|\s*(\d{1,3}(?:\.\d{1,3}){3})\s*\|\s*([\d,\s]+?)\s*\|\s*([^|]+?)\s*\|\s*$/.exec(line);
    if (match) {
      const [, ip = '', ports = '', usage = ''] = match;
      rows.push({ region, ip, ports: ports.split(',').map((p) => Number(p.trim())), usage, required });
    }
  }
  return rows;
};

describe('importer: the page becomes the committed catalog', () => {
  it('parsePage on the fixture with the committed source date equals catalog.generated.json', () => {
    const parsed = parsePage(page, { sourceDate: committed.sourceDate });
    expect(parsed).toStrictEqual(committed);
    // and the JSON the CLI embeds is the same document
    expect(loadCatalog()).toStrictEqual(committed);
  });

  it('the version is <sourceDate>+<8 hex of the content hash>; the date alone does not change the hash', () => {
    expect(committed.version).toMatch(new RegExp(`^${committed.sourceDate}\\+[0-9a-f]{8}$`));
    const other = parsePage(page, { sourceDate: '2030-01-02' });
    expect(other.version).toBe(`2030-01-02+${committed.version.split('+')[1]}`);
    const edited = parsePage(page.replace('| 100.103.35.248 | 8080 |', '| 100.103.35.250 | 8080 |'), {
      sourceDate: committed.sourceDate,
    });
    expect(edited.version).not.toBe(committed.version);
  });

  it('has the 9 regions with the exact ids, in page order', () => {
    expect(committed.regions.map((r) => [r.name, r.id])).toStrictEqual(REGION_IDS);
  });

  it('every raw table row of the page is in the catalog, row for row (154 rows)', () => {
    const rows = rawRows(page);
    expect(rows).toHaveLength(154);
    const categoryByUsage = new Map(committed.categories.map((c) => [c.usage, c.id]));
    for (const [, id] of REGION_IDS) {
      const expected = rows
        .filter((row) => row.region === id)
        .map((row) => ({
          ip: row.ip,
          ports: row.ports,
          category: categoryByUsage.get(row.usage) ?? `unknown usage ${row.usage}`,
          required: row.required,
        }));
      const region = committed.regions.find((r) => r.id === id);
      expect(region?.endpoints, id).toStrictEqual(expected);
    }
    expect(committed.regions.reduce((sum, r) => sum + r.endpoints.length, 0)).toBe(rows.length);
  });

  it('the category table matches the page: usages, ports, and ARMS as the only optional ones', () => {
    const table = [
      ...page.matchAll(/^\| ((?:Obtain|Report)[^|]+?) \| ([\d, ]+) \| Outbound \| ([^|]+?) \|$/gm),
    ];
    expect(table).toHaveLength(7);
    expect(
      committed.categories.map((c) => [c.usage, c.ports.join(', '), c.required, c.requirement]),
    ).toStrictEqual(table.map(([, usage, ports, req]) => [usage, ports, req === 'Yes', req]));
    expect(committed.categories.filter((c) => !c.required).map((c) => c.id)).toStrictEqual([
      'arms-monitoring',
      'arms-info',
    ]);
  });

  it.skipIf(!existsSync(seedPath))(
    'the fixture is the shared seed page, byte for byte (skipped when ../shared/seeds is absent)',
    () => {
      expect(readFileSync(fixturePath).equals(readFileSync(seedPath))).toBe(true);
    },
  );

  it.each([
    {
      problem: 'a region the importer has no id for',
      edit: (text: string) => text.replace('China (Zhangjiakou)', 'China (Atlantis)'),
      message: /region "China \(Atlantis\)" has no id; add it to REGIONS in scripts\/catalog\/parse-page\.ts/,
    },
    {
      problem: 'a usage the importer has no category for',
      edit: (text: string) =>
        text.replace(
          '| 100.103.42.233 | 80 | Report metric data and events |',
          '| 100.103.42.233 | 80 | Teleport |',
        ),
      message: /unknown usage "Teleport"; add it to USAGES in scripts\/catalog\/parse-page\.ts/,
    },
    {
      problem: 'a port that is not a number',
      edit: (text: string) => text.replace('| 100.103.35.249 | 8080 |', '| 100.103.35.249 | 80a |'),
      message: /^page line \d+: bad port "80a"$/,
    },
  ])('refuses $problem with a message that says where to fix it', ({ edit, message }) => {
    const edited = edit(page);
    expect(edited).not.toBe(page);
    expect(() => parsePage(edited, { sourceDate: committed.sourceDate })).toThrow(PageFormatError);
    expect(() => parsePage(edited, { sourceDate: committed.sourceDate })).toThrow(message);
  });

  it('the error names the page line', () => {
    const edited = page.replace('| 100.103.35.249 | 8080 |', '| 100.103.35.249 | 0 |');
    const line = edited.split('\n').findIndex((l) => l.startsWith('| 100.103.35.249 | 0 |')) + 1;
    expect(() => parsePage(edited, { sourceDate: committed.sourceDate })).toThrow(
      `page line ${line}: bad port "0"`,
    );
  });
});

describe('import-catalog script', () => {
  const run = promisify(execFile);
  const script = (...args: string[]) =>
    // node --import tsx, not the tsx CLI: the CLI leaves its IPC directory (tsx-<uid>) in the temporary dir
    run(process.execPath, ['--import', 'tsx', 'scripts/import-catalog.ts', fixturePath, ...args], {
      cwd: root,
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: number; stdout?: string }) => ({ code: error.code, stdout: error.stdout ?? '' }),
    );

  it('--check with the committed source date exits 0: the committed catalog is what the page gives', async () => {
    expect(await script('--source-date', committed.sourceDate, '--check')).toStrictEqual({
      code: 0,
      stdout: 'catalog is up to date\n',
    });
  });

  it('--check exits 1 when the catalog would change (here: another source date), without writing', async () => {
    const before = readFileSync(generatedPath, 'utf8');
    expect(await script('--source-date', '2030-01-02', '--check')).toStrictEqual({
      code: 1,
      stdout: 'catalog differs from the page: run without --check\n',
    });
    expect(readFileSync(generatedPath, 'utf8')).toBe(before);
  });
});
