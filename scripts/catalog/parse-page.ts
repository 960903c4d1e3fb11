import { createHash } from 'node:crypto';
import type {
  Catalog,
  Category,
  CategoryId,
  Endpoint,
  Region,
  TroubleshootingRow,
} from '../../shared/catalog/schema.ts';
import { parseCatalog } from '../../shared/catalog/validate.ts';

/**
 * The page names regions and usages in prose; ids are ours. A region or usage the page adds later fails the
 * import with a message saying where to add it, rather than being guessed.
 */
const REGIONS: Record<string, { id: string; aliases: string[] }> = {
  'China (Hangzhou)': { id: 'cn-hangzhou', aliases: ['hangzhou'] },
  'China (Shanghai)': { id: 'cn-shanghai', aliases: ['shanghai'] },
  'China (Beijing)': { id: 'cn-beijing', aliases: ['beijing'] },
  'China (Shenzhen)': { id: 'cn-shenzhen', aliases: ['shenzhen'] },
  'China (Zhangjiakou)': { id: 'cn-zhangjiakou', aliases: ['zhangjiakou'] },
  'China East 1 Finance': { id: 'cn-hangzhou-finance', aliases: ['hangzhou-finance', 'east-1-finance'] },
  'China East 2 Finance': { id: 'cn-shanghai-finance-1', aliases: ['shanghai-finance', 'east-2-finance'] },
  'China South 1 Finance': { id: 'cn-shenzhen-finance-1', aliases: ['shenzhen-finance', 'south-1-finance'] },
  'Alibaba Gov Cloud': { id: 'cn-north-2-gov-1', aliases: ['gov-cloud', 'gov'] },
};

const USAGES: Record<string, { id: CategoryId; description: string }> = {
  'Obtain basic information': {
    id: 'basic-info',
    description: 'The agent pulls basic information about the MSE instance and application at start-up.',
  },
  'Obtain governance rule configurations': {
    id: 'governance-rules',
    description:
      'The agent pulls governance rules (routing, rate limiting, circuit breaking) from the MSE Nacos-based configuration service at start-up and keeps listening for changes.',
  },
  'Obtain agent metadata configurations': {
    id: 'agent-metadata',
    description: 'The agent reads its metadata configuration at start-up.',
  },
  'Report metric data and events': {
    id: 'metrics-events',
    description: 'The agent pushes metric data and events at run time.',
  },
  'Report diagnostic information': {
    id: 'diagnostics',
    description: 'The agent pushes diagnostic information at run time.',
  },
  'Report ARMS monitoring information': {
    id: 'arms-monitoring',
    description: 'The ARMS agent pushes monitoring data at run time (only with ARMS).',
  },
  'Report ARMS information': {
    id: 'arms-info',
    description: 'The ARMS agent pushes its information at run time (only with ARMS).',
  },
};

/** Which troubleshooting row explains which categories, read from the row's own "possible cause" words. */
const TROUBLESHOOTING: Array<{ match: RegExp; id: TroubleshootingRow['id']; categories: CategoryId[] }> = [
  {
    match: /basic information or governance rule/i,
    id: 'startup-timeout',
    categories: ['basic-info', 'governance-rules'],
  },
  {
    match: /metric, event, or diagnostic/i,
    id: 'governance-broken',
    categories: ['metrics-events', 'diagnostics'],
  },
  { match: /ARMS endpoints/i, id: 'arms-missing', categories: ['arms-monitoring', 'arms-info'] },
  { match: /not all IP addresses/i, id: 'intermittent', categories: [] },
];

export class PageFormatError extends Error {
  constructor(line: number, message: string) {
    super(`page line ${line}: ${message}`);
    this.name = 'PageFormatError';
  }
}

type Table = { line: number; header: string[]; rows: Array<{ line: number; cells: string[] }> };

const cellsOf = (line: string): string[] =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());

/** Splits the page into tables, each with the last prose line before it (its heading). */
const readTables = (text: string): Array<Table & { headings: string[] }> => {
  const lines = text.split(/\r?\n/);
  const tables: Array<Table & { headings: string[] }> = [];
  let prose: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const next = lines[i + 1] ?? '';
    if (line.trim().startsWith('|') && /^\s*\|[\s|:-]+\|\s*$/.test(next)) {
      const table: Table & { headings: string[] } = {
        line: i + 1,
        header: cellsOf(line),
        rows: [],
        headings: prose,
      };
      i += 2;
      while (i < lines.length && (lines[i] ?? '').trim().startsWith('|')) {
        table.rows.push({ line: i + 1, cells: cellsOf(lines[i] ?? '') });
        i++;
      }
      i--;
      tables.push(table);
      prose = [];
    } else if (line.trim() !== '') {
      prose.push(line.trim());
    }
  }
  return tables;
};

const parsePorts = (text: string, line: number): number[] =>
  text.split(',').map((part) => {
    const port = Number(part.trim());
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new PageFormatError(line, `bad port "${part.trim()}"`);
    return port;
  });

const usageOf = (usage: string, line: number): (typeof USAGES)[string] => {
  const found = USAGES[usage];
  if (!found) {
    throw new PageFormatError(
      line,
      `unknown usage "${usage}"; add it to USAGES in scripts/catalog/parse-page.ts with a category id`,
    );
  }
  return found;
};

const sameHeader = (table: Table, expected: string[]): boolean =>
  table.header.length === expected.length &&
  table.header.every((cell, i) => cell.toLowerCase() === expected[i]);

/** The content hash makes the version change whenever the page's tables change, and only then. */
const versionOf = (sourceDate: string, body: unknown): string =>
  `${sourceDate}+${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 8)}`;

export type ParseOptions = { sourceDate: string; source?: string };

/** Reads the text of the "MSE endpoints by region" page (the format of the seed file) into a checked catalog. */
export const parsePage = (text: string, options: ParseOptions): Catalog => {
  const tables = readTables(text);
  const categories: Category[] = [];
  const troubleshooting: TroubleshootingRow[] = [];
  const regions: Region[] = [];
  let region: Region | undefined;

  for (const table of tables) {
    if (sameHeader(table, ['category', 'ports', 'direction', 'required'])) {
      for (const { line, cells } of table.rows) {
        const [usage = '', ports = '', direction = '', required = ''] = cells;
        const known = usageOf(usage, line);
        const isRequired = /^yes$/i.test(required);
        categories.push({
          id: known.id,
          usage,
          description: known.description,
          direction: /inbound/i.test(direction) ? 'inbound' : 'outbound',
          ports: parsePorts(ports, line),
          required: isRequired,
          phase: /^obtain/i.test(usage) ? 'startup' : 'runtime',
          requirement: required,
        });
      }
    } else if (sameHeader(table, ['symptom', 'possible cause', 'action'])) {
      for (const { line, cells } of table.rows) {
        const [symptom = '', cause = '', action = ''] = cells;
        const known = TROUBLESHOOTING.find((row) => row.match.test(cause));
        if (!known) {
          throw new PageFormatError(
            line,
            `troubleshooting cause "${cause}" matches no entry of TROUBLESHOOTING in scripts/catalog/parse-page.ts`,
          );
        }
        troubleshooting.push({ id: known.id, symptom, cause, action, categories: known.categories });
      }
    } else if (sameHeader(table, ['ip address', 'port', 'usage'])) {
      const mandatory = table.headings.some((heading) => /^mandatory endpoints$/i.test(heading));
      const optional = table.headings.some((heading) => /^arms endpoints/i.test(heading));
      if (mandatory) {
        const name = table.headings[table.headings.indexOf('Mandatory endpoints') - 1];
        const known = name === undefined ? undefined : REGIONS[name];
        if (!name || !known) {
          throw new PageFormatError(
            table.line,
            `region "${name ?? '?'}" has no id; add it to REGIONS in scripts/catalog/parse-page.ts`,
          );
        }
        region = { id: known.id, name, aliases: known.aliases, endpoints: [] };
        regions.push(region);
      } else if (!optional || !region) {
        throw new PageFormatError(table.line, 'an endpoint table outside a region section');
      }
      for (const { line, cells } of table.rows) {
        const [ip = '', ports = '', usage = ''] = cells;
        const endpoint: Endpoint = {
          ip,
          ports: parsePorts(ports, line),
          category: usageOf(usage, line).id,
          required: mandatory,
        };
        region.endpoints.push(endpoint);
      }
    }
  }

  const body = { categories, troubleshooting, regions };
  return parseCatalog({
    version: versionOf(options.sourceDate, body),
    sourceDate: options.sourceDate,
    source:
      options.source ??
      'Alibaba Cloud MSE documentation: endpoints that applications outside a VPC must reach',
    ...body,
  });
};
