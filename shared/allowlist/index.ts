import type { Region, Target } from '../catalog/index.ts';
import { regionTargets } from '../catalog/index.ts';

export const ALLOWLIST_FORMATS = ['csv', 'json', 'iptables', 'nftables', 'terraform', 'aliyun-sg'] as const;
export type AllowlistFormat = (typeof ALLOWLIST_FORMATS)[number];

export type AllowlistInput = { region: Region; includeArms: boolean; catalogVersion: string };

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

/** iptables-restore input. A dedicated chain, jumped to from OUTPUT, so the rules can be flushed as one unit. */
const iptables = (input: AllowlistInput, targets: Target[]): string => {
  const chain = 'MSE-WATCH-EGRESS';
  const lines = [
    header(input, '#'),
    '*filter',
    `:${chain} - [0:0]`,
    `-A OUTPUT -j ${chain}`,
    ...targets.map(
      (t) =>
        `-A ${chain} -d ${t.ip}/32 -p tcp -m tcp --dport ${t.port} -m comment --comment "mse ${t.category}${t.required ? '' : ' optional'}" -j ACCEPT`,
    ),
    'COMMIT',
  ];
  return `${lines.join('\n')}\n`;
};

/** `nft -f` input: its own table, so it never touches the user's ruleset; address sets per category and port. */
const nftables = (input: AllowlistInput, targets: Target[]): string => {
  const rules = byCategoryAndPort(targets).map(
    (g) => `    ip daddr { ${g.ips.join(', ')} } tcp dport ${g.port} accept comment "mse ${g.category}"`,
  );
  // declare-then-delete makes re-running the file replace the table in one transaction instead of adding a copy
  return `${header(input, '#')}
table inet mse_watch
delete table inet mse_watch
table inet mse_watch {
  chain egress {
    # priority 0 on output; combine with your own policy (this chain only accepts, it never drops)
    type filter hook output priority 0; policy accept;
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
