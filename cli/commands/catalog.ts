import { type Catalog, loadCatalog, type Region, resolveRegion } from '../../shared/catalog/index.ts';
import { textTable } from '../../shared/util/table.ts';
import type { Registrar } from '../command.ts';
import { EXIT } from '../exit.ts';
import { teach } from '../help.ts';
import { widthFor, write } from '../io.ts';
import { regionOption } from '../options.ts';

/** The `catalog --json` contract: exactly these keys. */
export const catalogJson = (catalog: Catalog, regions: Region[]) => ({
  version: catalog.version,
  regions: regions.map((region) => ({
    id: region.id,
    name: region.name,
    endpoints: region.endpoints.map((e) => ({
      ip: e.ip,
      ports: e.ports,
      category: e.category,
      required: e.required,
    })),
  })),
});

const renderTable = (catalog: Catalog, regions: Region[], width: number | undefined): string => {
  const parts = [`MSE endpoint catalog ${catalog.version} (source dated ${catalog.sourceDate})`];
  for (const region of regions) {
    const table = textTable(
      ['IP', 'Ports', 'Category', 'Required'],
      region.endpoints.map((e) => [e.ip, e.ports.join(', '), e.category, e.required ? 'yes' : 'ARMS only']),
      width === undefined ? {} : { width },
    );
    parts.push(`\n${region.name} (${region.id})\n${table}`);
  }
  return `${parts.join('\n')}\n`;
};

export const registerCatalog: Registrar = (program, io) => {
  const command = program
    .command('catalog')
    .description('show the endpoints of every region (or one) that applications outside a VPC must reach')
    .addOption(regionOption())
    .option('--json', 'print the catalog as JSON')
    .action(async (options: { region?: string; json?: boolean }) => {
      const catalog = loadCatalog();
      const regions =
        options.region === undefined ? catalog.regions : [resolveRegion(catalog, options.region)];
      await write(
        io.stdout,
        options.json
          ? `${JSON.stringify(catalogJson(catalog, regions), null, 2)}\n`
          : renderTable(catalog, regions, widthFor(io)),
      );
    });
  teach(
    command,
    [
      [
        'mse-watch catalog --region cn-hangzhou',
        'the endpoints of one region (ids, page names and short names work)',
      ],
      ['mse-watch catalog --json', 'every region as one JSON document'],
    ],
    [EXIT.ok, EXIT.usage],
  );
};
