import { InvalidArgumentError, Option } from 'commander';
import {
  ALLOWLIST_FORMATS,
  type AllowlistFormat,
  DEFAULT_NFT_PLACE,
  type NftPlace,
  nftName,
  parseNftTable,
  renderAllowlist,
} from '../../shared/allowlist/index.ts';
import { loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import { MseWatchError } from '../../shared/util/errors.ts';
import type { Registrar } from '../command.ts';
import { EXIT } from '../exit.ts';
import { teach } from '../help.ts';
import { write } from '../io.ts';
import { regionOption } from '../options.ts';

/** A parse error from shared/ as commander's own, so it reads like every other bad flag. */
const commanderError =
  <T>(parse: (value: string) => T) =>
  (value: string): T => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };

export const registerAllowlist: Registrar = (program, io) => {
  const command = program
    .command('allowlist')
    .description('print the outbound firewall rules a network needs to reach MSE in a region')
    .addOption(regionOption().makeOptionMandatory())
    .option('--include-arms', 'include the optional ARMS endpoints')
    .addOption(new Option('-f, --format <format>', 'output format').choices(ALLOWLIST_FORMATS).default('csv'))
    .addOption(
      new Option(
        '--nft-table <family name>',
        'nftables: the table whose output chain drops, as nft names it (default "inet filter")',
      ).argParser(commanderError(parseNftTable)),
    )
    .addOption(
      new Option(
        '--nft-chain <name>',
        'nftables: the output chain in that table (default "output")',
      ).argParser(commanderError((name: string) => nftName('--nft-chain', name))),
    )
    .action(
      async (options: {
        region: string;
        includeArms?: boolean;
        format: AllowlistFormat;
        nftTable?: Pick<NftPlace, 'family' | 'table'>;
        nftChain?: string;
      }) => {
        const nftFlags = options.nftTable !== undefined || options.nftChain !== undefined;
        if (nftFlags && options.format !== 'nftables')
          throw new MseWatchError('usage', '--nft-table and --nft-chain apply to --format nftables');
        const catalog = loadCatalog();
        const region = resolveRegion(catalog, options.region);
        await write(
          io.stdout,
          renderAllowlist(options.format, {
            region,
            includeArms: options.includeArms ?? false,
            catalogVersion: catalog.version,
            ...(nftFlags
              ? {
                  nft: {
                    ...(options.nftTable ?? DEFAULT_NFT_PLACE),
                    chain: options.nftChain ?? DEFAULT_NFT_PLACE.chain,
                  },
                }
              : {}),
          }),
        );
      },
    );
  teach(
    command,
    [
      ['mse-watch allowlist --region cn-hangzhou', 'ip,port,category,required as CSV'],
      [
        'mse-watch allowlist --region cn-hangzhou --format terraform > mse-egress.tf',
        'alicloud_security_group_rule egress resources',
      ],
      ['mse-watch allowlist --region cn-shanghai --format nftables', 'rules for nft -f (table inet filter)'],
      [
        'mse-watch allowlist --region cn-shanghai --format nftables --nft-table "ip fw" --nft-chain out',
        'into your own table and output chain',
      ],
    ],
    [EXIT.ok, EXIT.usage],
  );
};
