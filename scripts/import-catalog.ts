// Regenerates shared/catalog/catalog.generated.json from the text of the documentation page.
// Usage: npm run catalog:import -- <page.txt> [--source-date YYYY-MM-DD] [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import dayjs from 'dayjs';
import { parsePage } from './catalog/parse-page.ts';

const target = fileURLToPath(new URL('../shared/catalog/catalog.generated.json', import.meta.url));

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'source-date': { type: 'string' }, check: { type: 'boolean', default: false } },
});
const page = positionals[0];
if (!page) {
  process.stderr.write('usage: import-catalog <page.txt> [--source-date YYYY-MM-DD] [--check]\n');
  process.exit(2);
}
const sourceDate = values['source-date'] ?? dayjs().format('YYYY-MM-DD');
const catalog = parsePage(readFileSync(page, 'utf8'), { sourceDate });
const json = `${JSON.stringify(catalog, null, 2)}\n`;
if (values.check) {
  const same = readFileSync(target, 'utf8') === json;
  process.stdout.write(
    same ? 'catalog is up to date\n' : 'catalog differs from the page: run without --check\n',
  );
  process.exit(same ? 0 : 1);
}
writeFileSync(target, json);
const count = catalog.regions.reduce((sum, region) => sum + region.endpoints.length, 0);
process.stdout.write(
  `wrote ${target}: version ${catalog.version}, ${catalog.regions.length} regions, ${count} rows\n`,
);
