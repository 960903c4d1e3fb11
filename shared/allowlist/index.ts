import type { Region, Target } from '../catalog/index.ts';
import { regionTargets } from '../catalog/index.ts';

export const ALLOWLIST_FORMATS = ['csv', 'json', 'iptables', 'nftables', 'terraform', 'aliyun-sg'] as const;
export type AllowlistFormat = (typeof ALLOWLIST_FORMATS)[number];

export type AllowlistInput = {
  region: Region;
  includeArms: boolean;
  catalogVersion: string;
  /** Where the nftables output goes: the user's table whose output chain drops (default `inet filter`, `output`). */
  nft?: NftPlace;
};

/** The user's nftables table and the output chain in it that jumps to ours. */
export type NftPlace = { family: 'ip' | 'inet'; table: string; chain: string };
export const DEFAULT_NFT_PLACE: NftPlace = { family: 'inet', table: 'filter', chain: 'output' };

// nft's own identifier syntax, without the "/" and "\\" it also allows: the names go into a shell command line
const NFT_NAME = /^[A-Za-z_][A-Za-z0-9_.]{0,62}$/;

/**
 * Reads `--nft-table` as nft writes it ("inet filter", "ip fw"). Only ip and inet: the MSE endpoints are IPv4
 * addresses, which an ip6 table never sees, and bridge, arp and netdev tables do not filter what a host sends.
 */
export const parseNftTable = (text: string): Pick<NftPlace, 'family' | 'table'> => {
  const [family, table, ...rest] = text.trim().split(/\s+/);
  if (family === undefined || table === undefined || rest.length > 0)
    throw new Error(
      `--nft-table takes a family and a name as nft writes them, e.g. "inet filter"; got "${text}"`,
    );
  if (family !== 'ip' && family !== 'inet')
    throw new Error(
      `--nft-table: a table of family ${family} cannot hold these rules; name an ip or inet table (the MSE endpoints are IPv4 addresses)`,
    );
  return { family, table: nftName('--nft-table', table) };
};

/** A table or chain name nft accepts and a shell passes through unchanged. */
export const nftName = (flag: string, name: string): string => {
  if (!NFT_NAME.test(name))
    throw new Error(
      `${flag}: "${name}" is not an nft name (a letter or _, then letters, digits, _ or ., at most 63)`,
    );
  return name;
};

const header = (input: AllowlistInput, comment: string): string =>
  [
    `${comment} mse-watch allowlist: outbound rules for MSE region ${input.region.id} (${input.region.name})`,
    `${comment} catalog ${input.catalogVersion}; ARMS endpoints ${input.includeArms ? 'included' : 'left out (add --include-arms if you use ARMS)'}`,
  ].join('\n');

const slug = (text: string): string => text.replace(/[^a-zA-Z0-9]+/g, '_');

/** Groups ports per category so firewall rules stay readable: one rule per (category, port) with an address set. */
const byCategoryAndPort = (targets: Target[]): Array<{ category: string; port: number; ips: string[] }> => {
  const groups = new Map<string, { category: string; port: number; ips: string[] }>();
  for (const target of targets) {
    const key = `${target.category}/${target.port}`;
    const group = groups.get(key) ?? { category: target.category, port: target.port, ips: [] };
    if (!group.ips.includes(target.ip)) group.ips.push(target.ip);
    groups.set(key, group);
  }
  return [...groups.values()];
};

const csv = (targets: Target[]): string =>
  `ip,port,category,required\n${targets.map((t) => `${t.ip},${t.port},${t.category},${t.required}`).join('\n')}\n`;

const json = (input: AllowlistInput, targets: Target[]): string =>
  `${JSON.stringify(
    {
      region: input.region.id,
      catalogVersion: input.catalogVersion,
      includeArms: input.includeArms,
      rules: targets.map((t) => ({
        ip: t.ip,
        port: t.port,
        protocol: 'tcp',
        category: t.category,
        required: t.required,
      })),
    },
    null,
    2,
  )}\n`;

/** The chain the iptables output owns: only ACCEPT rules; a packet that matches none returns to OUTPUT. */
export const IPTABLES_CHAIN = 'MSE-WATCH-EGRESS';
/** The chain the nftables output owns, inside the user's table (a chain of another table cannot be jumped to). */
export const NFT_CHAIN = 'mse_watch_egress';

/** The one-time hook into OUTPUT, safe to run again: it checks before it inserts. */
export const iptablesHook = `iptables -C OUTPUT -j ${IPTABLES_CHAIN} 2>/dev/null || iptables -I OUTPUT 1 -j ${IPTABLES_CHAIN}`;
/** The one-time jump from the user's output chain, safe to run again: it checks before it inserts. */
export const nftHookFor = (place: NftPlace): string => {
  const table = `${place.family} ${place.table}`;
  return `nft list chain ${table} ${place.chain} | grep -q 'jump ${NFT_CHAIN}' || nft insert rule ${table} ${place.chain} jump ${NFT_CHAIN}`;
};
/** The hook for the default place, `inet filter` and its `output` chain (what /etc/nftables.conf declares). */
export const nftHook = nftHookFor(DEFAULT_NFT_PLACE);

/**
 * iptables-restore input that cannot hurt: it declares only its own chain (declaring a chain under --noflush
 * empties it, so loading again replaces the rules instead of adding a copy), holds only ACCEPT rules, and
 * names no built-in chain, so no policy and no rule of the user's changes. The jump from OUTPUT is one
 * command, run once, that checks first: a restore file cannot add a rule only if it is missing.
 */
const iptables = (input: AllowlistInput, targets: Target[]): string => {
  const lines = [
    header(input, '#'),
    '#',
    '# Load with --noflush; it then touches nothing but its own chain, and loading it again replaces that chain:',
    '#   iptables-restore --noflush < mse.rules',
    '# (without --noflush iptables-restore empties the whole filter table first: your rules would be gone)',
    `# Then hook the chain into OUTPUT once, ahead of your own DROP rules (safe to run again: it checks first):`,
    `#   ${iptablesHook}`,
    `# ${IPTABLES_CHAIN} only accepts; a packet it does not match returns to OUTPUT, to your rules and policy.`,
    '*filter',
    `:${IPTABLES_CHAIN} - [0:0]`,
    `-F ${IPTABLES_CHAIN}`,
    ...targets.map(
      (t) =>
        `-A ${IPTABLES_CHAIN} -d ${t.ip}/32 -p tcp -m tcp --dport ${t.port} -m comment --comment "mse ${t.category}${t.required ? '' : ' optional'}" -j ACCEPT`,
    ),
    'COMMIT',
  ];
  return `${lines.join('\n')}\n`;
};

/**
 * `nft -f` input that works beside a drop-policy chain. nftables runs every base chain on the output hook, and
 * an accept in one ends only that chain: a table of our own could never open what another table's chain drops,
 * whatever its priority. So the rules live in a regular chain of the user's own table, which the user's output
 * chain jumps to once. Declare-then-flush makes loading again replace the chain; nothing else in the table is
 * touched. The table is `inet filter` with an `output` chain (what /etc/nftables.conf declares) unless the
 * caller names the user's own (`--nft-table`, `--nft-chain`).
 */
const nftables = (input: AllowlistInput, targets: Target[]): string => {
  const place = input.nft ?? DEFAULT_NFT_PLACE;
  const table = `${place.family} ${place.table}`;
  const rules = byCategoryAndPort(targets).map(
    (g) => `    ip daddr { ${g.ips.join(', ')} } tcp dport ${g.port} accept comment "mse ${g.category}"`,
  );
  const named =
    input.nft === undefined ? ', as /etc/nftables.conf declares it; --nft-table names another' : '';
  return `${header(input, '#')}
#
# nftables runs every base chain on the output hook, and an accept in one table does not override a drop in
# another: these rules only help inside the table whose chain drops. They go into a chain of their own in that
# table (${table}${named}),
# and its ${place.chain} chain jumps to it, once, ahead of the drop (safe to run again: it checks first):
#   nft -f mse.nft
#   ${nftHookFor(place)}
# Loading again replaces only ${NFT_CHAIN}. It only accepts: what it does not match goes on through your chain.
table ${table} {
  chain ${NFT_CHAIN} {
  }
}
flush chain ${table} ${NFT_CHAIN}
table ${table} {
  chain ${NFT_CHAIN} {
${rules.join('\n')}
  }
}
`;
};

/** alicloud_security_group_rule egress resources, one per ip:port (the provider takes one CIDR per rule). */
const terraform = (input: AllowlistInput, targets: Target[]): string => {
  const resources = targets.map(
    (
      t,
    ) => `resource "alicloud_security_group_rule" "mse_${slug(input.region.id)}_${slug(t.category)}_${slug(t.ip)}_${t.port}" {
  type              = "egress"
  ip_protocol       = "tcp"
  nic_type          = "intranet"
  policy            = "accept"
  port_range        = "${t.port}/${t.port}"
  priority          = 1
  security_group_id = var.security_group_id
  cidr_ip           = "${t.ip}/32"
  description       = "mse-watch ${t.category}${t.required ? '' : ' (ARMS, optional)'}"
}`,
  );
  return `${header(input, '#')}
variable "security_group_id" {
  type        = string
  description = "The security group of the application instances that must reach MSE"
}

${resources.join('\n\n')}
`;
};

/** ECS AuthorizeSecurityGroupEgress accepts at most 100 permissions a call, so rules come in batches of 100. */
const AUTHORIZE_BATCH = 100;

const aliyunSg = (input: AllowlistInput, targets: Target[]): string => {
  const permissions = targets.map((t) => ({
    IpProtocol: 'TCP',
    PortRange: `${t.port}/${t.port}`,
    DestCidrIp: `${t.ip}/32`,
    Policy: 'accept',
    Priority: '1',
    Description: `mse-watch ${t.category}${t.required ? '' : ' (ARMS, optional)'}`,
  }));
  const calls = [];
  for (let i = 0; i < permissions.length; i += AUTHORIZE_BATCH) {
    calls.push({
      Action: 'AuthorizeSecurityGroupEgress',
      RegionId: input.region.id,
      SecurityGroupId: '<your security group id>',
      Permissions: permissions.slice(i, i + AUTHORIZE_BATCH),
    });
  }
  return `${JSON.stringify(calls, null, 2)}\n`;
};

export const renderAllowlist = (format: AllowlistFormat, input: AllowlistInput): string => {
  const targets = regionTargets(input.region, { includeArms: input.includeArms });
  switch (format) {
    case 'csv':
      return csv(targets);
    case 'json':
      return json(input, targets);
    case 'iptables':
      return iptables(input, targets);
    case 'nftables':
      return nftables(input, targets);
    case 'terraform':
      return terraform(input, targets);
    case 'aliyun-sg':
      return aliyunSg(input, targets);
    default: {
      const never: never = format;
      throw new Error(`unhandled format ${String(never)}`);
    }
  }
};
