import { renderAllowlist } from '../../allowlist/index.ts';
import type { Endpoint, Region } from '../../catalog/index.ts';
import type {
  EcsInstanceAudit,
  NetworkInterfaceAudit,
  SecurityGroupAudit,
  SecurityGroupFix,
} from './report.ts';

/** What a fix needs of a blocked endpoint (a group's or an instance's). */
type BlockedEndpoint = Pick<SecurityGroupAudit['blocked'][number], 'ip' | 'port' | 'category' | 'required'>;

/** A word for a POSIX shell: left bare when it is safe, otherwise single-quoted. */
export const shellWord = (text: string): string =>
  /^[A-Za-z0-9._\-/:=@+,]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;

/** The aliyun CLI spells an RPC call's parameters as flags, lists as `--Permissions.N.Field`. */
export const aliyunCommand = (product: string, action: string, params: Record<string, unknown>): string => {
  const flags: string[] = [];
  const add = (key: string, value: unknown) => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value))
      value.forEach((item, i) => {
        add(`${key}.${i + 1}`, item);
      });
    else if (typeof value === 'object')
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) add(`${key}.${k}`, v);
    else flags.push(`--${key} ${shellWord(String(value))}`);
  };
  for (const [key, value] of Object.entries(params)) add(key, value);
  return `aliyun ${product} ${action} ${flags.join(' ')}`;
};

/** The blocked endpoints as a region holding only them, so the allowlist renders exactly these rules. */
const onlyThese = (region: Region, endpoints: readonly BlockedEndpoint[]): Region => {
  const byIp = new Map<string, Endpoint>();
  for (const e of endpoints) {
    const key = `${e.ip}/${e.category}`;
    const found = byIp.get(key);
    if (found) found.ports.push(e.port);
    else
      byIp.set(key, {
        ip: e.ip,
        ports: [e.port],
        category: e.category as Endpoint['category'],
        required: e.required,
      });
  }
  return { ...region, endpoints: [...byIp.values()] };
};

/** The Accept calls (allowlist --format aliyun-sg) for these endpoints, into this group. */
const acceptCalls = (
  region: Region,
  catalogVersion: string,
  securityGroupId: string,
  endpoints: readonly BlockedEndpoint[],
): Array<Record<string, unknown>> =>
  endpoints.length === 0
    ? []
    : (
        JSON.parse(
          renderAllowlist('aliyun-sg', {
            region: onlyThese(region, endpoints),
            includeArms: true,
            catalogVersion,
          }),
        ) as Array<Record<string, unknown>>
      ).map((call): Record<string, unknown> => ({ ...call, SecurityGroupId: securityGroupId }));

const revokeCommand = (region: Region, securityGroupId: string, ruleId: string): string =>
  aliyunCommand('ecs', 'RevokeSecurityGroupEgress', {
    RegionId: region.id,
    SecurityGroupId: securityGroupId,
    SecurityGroupRuleId: [ruleId],
  });

/**
 * The rules that let a group's blocked endpoints out: the `allowlist --format aliyun-sg` calls (Accept at
 * priority 1, in batches of 100) for just those endpoints and this group, the same as `aliyun ecs
 * AuthorizeSecurityGroupEgress` command lines, and the revocation of priority-1 Drop rules no Accept outranks.
 */
export const securityGroupFix = (
  region: Region,
  catalogVersion: string,
  group: SecurityGroupAudit,
): SecurityGroupFix | undefined => {
  const acceptable = group.blocked.filter((b) => b.fixableByAccept);
  const droppers = [...new Set(group.blocked.filter((b) => !b.fixableByAccept).map((b) => b.by))];
  if (acceptable.length === 0 && droppers.length === 0) return undefined;
  const calls = acceptCalls(region, catalogVersion, group.id, acceptable);
  return {
    securityGroupId: group.id,
    permissions: calls,
    commands: calls.map(({ Action, ...params }) => aliyunCommand('ecs', String(Action), params)),
    revoke: droppers.map((ruleId) => revokeCommand(region, group.id, ruleId)),
  };
};

/**
 * The same for an ECS instance whose groups apply together: a rule in any of them governs the whole instance, so
 * the Accept rules go to its first group; a priority-1 Drop is revoked (or narrowed) in the group it belongs to.
 */
export const ecsInstanceFix = (
  region: Region,
  catalogVersion: string,
  instance: EcsInstanceAudit,
): SecurityGroupFix | undefined => {
  const first = instance.securityGroupIds[0];
  if (!instance.evaluated || first === undefined) return undefined;
  const acceptable = instance.blocked.filter((b) => b.fixableByAccept);
  const droppers = [
    ...new Map(
      instance.blocked
        .filter((b) => !b.fixableByAccept)
        .map((b) => [`${b.groupId}|${b.by}`, { groupId: b.groupId ?? first, ruleId: b.by }]),
    ).values(),
  ];
  if (acceptable.length === 0 && droppers.length === 0) return undefined;
  const calls = acceptCalls(region, catalogVersion, first, acceptable);
  return {
    securityGroupId: first,
    ecsInstanceId: instance.instanceId,
    permissions: calls,
    commands: calls.map(({ Action, ...params }) => aliyunCommand('ecs', String(Action), params)),
    revoke: droppers.map((d) => revokeCommand(region, d.groupId, d.ruleId)),
  };
};

/** The same for a secondary ENI of an instance: its own groups apply together, the Accept rules go to its first one. */
export const networkInterfaceFix = (
  region: Region,
  catalogVersion: string,
  instanceId: string,
  eni: NetworkInterfaceAudit,
): SecurityGroupFix | undefined => {
  const fix = ecsInstanceFix(region, catalogVersion, {
    instanceId,
    securityGroupIds: eni.securityGroupIds,
    type: eni.type,
    vpcId: null,
    vSwitchId: eni.vSwitchId,
    evaluated: eni.evaluated,
    egressRules: eni.egressRules,
    allowed: eni.allowed,
    blocked: eni.blocked,
    notEvaluated: eni.notEvaluated,
    secondaryNetworkInterfaceIds: [],
    networkInterfaces: [],
  });
  return fix ? { ...fix, networkInterfaceId: eni.networkInterfaceId } : undefined;
};

/** The AuthorizeSecurityGroupEgress command for some of a fix's endpoints only (one finding's share). */
export const commandFor = (
  fix: SecurityGroupFix,
  endpoints: ReadonlyArray<{ ip: string; port: number }>,
): string | undefined => {
  const wanted = new Set(endpoints.map((e) => `${e.ip}/32|${e.port}/${e.port}`));
  const calls = fix.permissions as Array<
    Record<string, unknown> & { Permissions?: Array<Record<string, unknown>> }
  >;
  const permissions = calls
    .flatMap((call) => call.Permissions ?? [])
    .filter((p) => wanted.has(`${String(p.DestCidrIp)}|${String(p.PortRange)}`));
  const first = calls[0];
  if (!first || permissions.length === 0) return undefined;
  return aliyunCommand('ecs', 'AuthorizeSecurityGroupEgress', {
    RegionId: first.RegionId,
    SecurityGroupId: fix.securityGroupId,
    Permissions: permissions,
  });
};
