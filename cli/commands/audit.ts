import { InvalidArgumentError, Option } from 'commander';
import { parseEndpointUrl } from '../../shared/aliyun/openapi-products.ts';
import { loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import { renderAuditText } from '../../shared/diagnose/audit/render.ts';
import type { Registrar } from '../command.ts';
import { EXIT } from '../exit.ts';
import { teach } from '../help.ts';
import { write } from '../io.ts';
import { regionOption } from '../options.ts';
import { colorFor, jsonText } from '../render.ts';

type AuditFlags = {
  region: string;
  securityGroup?: string[];
  ecsInstance?: string[];
  vpc?: string;
  vswitch?: string;
  instance?: string;
  includeArms?: boolean;
  endpoint?: string;
  json?: boolean;
};

/** Alibaba Cloud ids: a prefix, then letters and digits (`sg-bp1…`, `vpc-…`, `vsw-…`). */
const resourceId =
  (flag: string, prefix: string) =>
  (value: string): string => {
    if (!new RegExp(`^${prefix}-[A-Za-z0-9-]+$`).test(value))
      throw new InvalidArgumentError(
        `${flag} takes ${/^[aeiou]/.test(prefix) ? 'an' : 'a'} ${prefix}-… id, got "${value}"`,
      );
    return value;
  };
const securityGroupId = resourceId('--security-group', 'sg');
const collectSecurityGroup = (value: string, previous: string[] = []): string[] => [
  ...previous,
  securityGroupId(value),
];

const ecsInstanceId = resourceId('--ecs-instance', 'i');
const collectEcsInstance = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ecsInstanceId(value),
];

const instanceId = (value: string): string => {
  if (!/^[A-Za-z0-9_-]+$/.test(value))
    throw new InvalidArgumentError(`--instance takes an MSE instance id such as mse-cn-…, got "${value}"`);
  return value;
};

export const registerAudit: Registrar = (program, io, setExit) => {
  const command = program
    .command('audit')
    .description(
      'read the cloud side through the Alibaba Cloud OpenAPI: which security group rule, network ACL entry or route blocks an MSE endpoint, and the MSE instances',
    )
    .addOption(regionOption().makeOptionMandatory())
    .addOption(
      new Option('--security-group <id>', 'a security group to evaluate (repeat for more)').argParser(
        collectSecurityGroup,
      ),
    )
    .addOption(
      new Option(
        '--ecs-instance <id>',
        "an ECS instance: all its security groups evaluated together, as ECS applies them, and its vSwitch's route table and network ACL (repeat for more)",
      ).argParser(collectEcsInstance),
    )
    .addOption(
      new Option('--vpc <id>', 'audit every route table of this VPC, and the network ACLs of its vSwitches')
        .argParser(resourceId('--vpc', 'vpc'))
        .conflicts('vswitch'),
    )
    .addOption(
      new Option('--vswitch <id>', 'audit the route table and the network ACL this vSwitch uses').argParser(
        resourceId('--vswitch', 'vsw'),
      ),
    )
    .addOption(
      new Option('--instance <id>', 'only this MSE instance (default: every one in the region)').argParser(
        instanceId,
      ),
    )
    .option('--include-arms', 'include the optional ARMS endpoints')
    .option(
      '--endpoint <url>',
      "one OpenAPI base URL for every product, e.g. a private gateway (default: $MSE_WATCH_OPENAPI_ENDPOINT, else each product's regional endpoint)",
    )
    .option('--json', 'print one JSON document')
    .action(async (flags: AuditFlags) => {
      const catalog = loadCatalog();
      const region = resolveRegion(catalog, flags.region);
      const endpointText = flags.endpoint ?? io.env.MSE_WATCH_OPENAPI_ENDPOINT;
      const endpoint = endpointText
        ? parseEndpointUrl(endpointText, flags.endpoint ? '--endpoint' : 'MSE_WATCH_OPENAPI_ENDPOINT')
        : undefined;
      // the OpenAPI SDK and the credentials chain load only when this command runs
      const { credentialSourceFromEnv } = await import('../../shared/aliyun/credentials.ts');
      const { createOpenApi } = await import('../../shared/aliyun/openapi.ts');
      const { runAudit } = await import('../../shared/run/audit.ts');
      const openapi = createOpenApi({
        region: region.id,
        credentials: credentialSourceFromEnv(io.env),
        ...(endpoint ? { endpoint } : {}),
      });
      const report = await runAudit(
        {
          catalog,
          region,
          includeArms: flags.includeArms ?? false,
          securityGroupIds: [...new Set(flags.securityGroup ?? [])],
          ecsInstanceIds: [...new Set(flags.ecsInstance ?? [])],
          ...(flags.vpc ? { vpcId: flags.vpc } : {}),
          ...(flags.vswitch ? { vSwitchId: flags.vswitch } : {}),
          ...(flags.instance ? { instanceId: flags.instance } : {}),
        },
        { openapi, now: Date.now },
      );
      await write(
        io.stdout,
        flags.json ? jsonText(report) : renderAuditText(report, { color: colorFor(io) }),
      );
      // each part that could not be audited, one line each (a RAM denial names the action and the statement to
      // add); what stopped several parts alike (no credentials) is said once
      for (const message of new Set(report.errors.map((error) => error.message)))
        await write(io.stderr, `mse-watch: ${message}\n`);
      setExit(report.errors.length > 0 ? EXIT.usage : report.ok ? EXIT.ok : EXIT.problem);
    });
  teach(
    command,
    [
      [
        'mse-watch audit --region cn-hangzhou --security-group sg-bp1abc --vswitch vsw-bp1def',
        'the egress rules and the route table that decide whether this vSwitch reaches MSE',
      ],
      [
        'mse-watch audit --region cn-hangzhou --ecs-instance i-bp1abc --ecs-instance i-bp1def',
        "two ECS instances, each with all its security groups together, and their vSwitches' route tables",
      ],
      ['mse-watch audit --region cn-hangzhou --instance mse-cn-abc123 --json', 'one MSE instance, as JSON'],
      [
        'mse-watch audit --region cn-shanghai --vpc vpc-uf6xyz --endpoint https://openapi.internal:8443',
        'every route table of a VPC, through a private OpenAPI gateway',
      ],
    ],
    [EXIT.ok, EXIT.problem, EXIT.usage],
  );
};
