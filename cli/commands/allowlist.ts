import { Option } from 'commander';
import { ALLOWLIST_FORMATS, type AllowlistFormat, renderAllowlist } from '../../shared/allowlist/index.ts';
import { loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import type { Registrar } from '../command.ts';
import { EXIT } from '../exit.ts';
import { teach } from '../help.ts';
import { write } from '../io.ts';
import { regionOption } from '../options.ts';

export const registerAllowlist: Registrar = (program, io) => {
  const command = program
    .command('allowlist')
    .description('print the outbound firewall rules a network needs to reach MSE in a region')
    .addOption(regionOption().makeOptionMandatory())
    .option('--include-arms', 'include the optional ARMS endpoints')
    .addOption(new Option('-f, --format <format>', 'output format').choices(ALLOWLIST_FORMATS).default('csv'))
    .action(async (options: { region: string; includeArms?: boolean; format: AllowlistFormat }) => {
      const catalog = loadCatalog();
      const region = resolveRegion(catalog, options.region);
      await write(
        io.stdout,
        renderAllowlist(options.format, {
          region,
          includeArms: options.includeArms ?? false,
          catalogVersion: catalog.version,
        }),
      );
    });
  teach(
    command,
    [
      ['mse-watch allowlist --region cn-hangzhou', 'ip,port,category,required as CSV'],
      [
        'mse-watch allowlist --region cn-hangzhou --format terraform > mse-egress.tf',
        'alicloud_security_group_rule egress resources',
      ],
      ['mse-watch allowlist --region cn-shanghai --format nftables', 'rules for nft -f'],
    ],
    [EXIT.ok, EXIT.usage],
  );
};
