import { inMaintenance } from '../alerting/silence.ts';
import type { AuditConfig } from '../aliyun/audit-config.ts';
import type { CredentialSource } from '../aliyun/credentials.ts';
import {
  describeEgressRules,
  describeInstances,
  describeNetworkInterfaces,
  describePortRangeList,
  describePrefixList,
  describeSecurityGroups,
  type EcsInstanceSummary,
  type NetworkInterfaceSummary,
  type Permission,
} from '../aliyun/ecs.ts';
import { type ClusterInfo, type ClusterSummary, listClusters, queryClusterInfo } from '../aliyun/mse.ts';
import type { OpenApi, OpenApiOptions } from '../aliyun/openapi.ts';
import { OpenApiError } from '../aliyun/openapi-errors.ts';
import { parseEndpointUrl, ramAction } from '../aliyun/openapi-products.ts';
import {
  describeNetworkAcl,
  describeRouteEntries,
  describeRouteTables,
  describeVSwitch,
  type VSwitchAttributes,
} from '../aliyun/vpc.ts';
import { type Catalog, type Region, regionTargets, type Target } from '../catalog/index.ts';
import {
  auditEcsInstance,
  auditNetworkInterface,
  unreadNetworkInterface,
} from '../diagnose/audit/ecs-instance.ts';
import { auditFindings } from '../diagnose/audit/findings.ts';
import {
  aliyunCommand,
  ecsInstanceFix,
  networkInterfaceFix,
  securityGroupFix,
} from '../diagnose/audit/fix.ts';
import {
  instanceCondition,
  type MaintenancePeriod,
  MSE_MAINTENANCE_TIMEZONE,
  type MseInstance,
  maintenanceWindowFor,
  nacosServerAddress,
  parseMaintenancePeriod,
  parsePorts,
} from '../diagnose/audit/instances.ts';
import {
  type AclEntry,
  auditNetworkAcl,
  type NetworkAclInput,
  networkAclFix,
} from '../diagnose/audit/network-acl.ts';
import type {
  AuditError,
  AuditReport,
  AuditSection,
  EcsInstanceAudit,
  InstanceAudit,
  NetworkAclAudit,
  RouteTableAudit,
  SecurityGroupAudit,
} from '../diagnose/audit/report.ts';
import { evaluateRoutes, type RouteTableInput } from '../diagnose/audit/routes.ts';
import {
  auditSecurityGroup,
  type EgressRule,
  type GroupType,
  type ReferencedLists,
} from '../diagnose/audit/security-group.ts';
import { MseWatchError } from '../util/errors.ts';

/** Whether MSE may be maintaining the instance at `now` (the window recurs every day). */
export const inMaintenancePeriod = (period: MaintenancePeriod, now: Date): boolean =>
  inMaintenance(
    {
      match: ['*'],
      days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
      start: period.start,
      end: period.end,
      timezone: period.timezone,
    },
    now,
  );

export type AuditParams = {
  catalog: Catalog;
  region: Region;
  includeArms: boolean;
  securityGroupIds: readonly string[];
  /** ECS instances whose groups are evaluated together (and whose vSwitches' routes, without vpcId/vSwitchId). */
  ecsInstanceIds?: readonly string[];
  vpcId?: string;
  vSwitchId?: string;
  /** Only this MSE instance; otherwise every instance of the region. */
  instanceId?: string;
  /** The zone MSE's "HH:mm" maintenance periods are read in. */
  maintenanceTimezone?: string;
};

export type AuditDeps = {
  /** An OpenAPI client for params.region (the CLI's credentials, or the function's role). */
  openapi: OpenApi;
  now: () => number;
};

/** A section's failure as an `errors` entry; a bug (anything not ours) still throws. */
const asError = (section: AuditSection, error: unknown): AuditError => {
  if (error instanceof MseWatchError) return { section, code: error.code, message: error.message };
  throw error;
};

const toRule = (p: Permission, index: number): EgressRule => {
  const policy = p.Policy.toLowerCase() === 'drop' ? 'drop' : 'accept';
  const protocol = p.IpProtocol.toUpperCase();
  const rule: EgressRule = {
    id: '',
    policy,
    priority: p.Priority,
    protocol,
    ...(p.PortRange ? { portRange: p.PortRange } : {}),
    ...(p.PortRangeListId ? { portRangeListId: p.PortRangeListId } : {}),
    ...(p.DestCidrIp ? { destCidr: p.DestCidrIp } : {}),
    ...(p.Ipv6DestCidrIp ? { ipv6DestCidr: p.Ipv6DestCidrIp } : {}),
    ...(p.DestPrefixListId ? { destPrefixListId: p.DestPrefixListId } : {}),
    ...(p.DestGroupId ? { destGroupId: p.DestGroupId } : {}),
    ...(p.Description ? { description: p.Description } : {}),
  };
  // rules listed without an id (older groups) are named by position and content
  rule.id = p.SecurityGroupRuleId ?? `rule #${index + 1} (${policy} ${protocol} p${p.Priority})`;
  return rule;
};

/** Reads every prefix and port list the rules refer to; one that cannot be read keeps its reason. */
const readLists = async (
  api: OpenApi,
  rules: readonly EgressRule[],
  errors: AuditError[],
): Promise<ReferencedLists> => {
  const prefixLists: Record<string, { cidrs: string[] } | { unresolved: string }> = {};
  const portRangeLists: Record<string, { ranges: string[] } | { unresolved: string }> = {};
  const note = (error: unknown): string => {
    const entry = asError('securityGroups', error);
    if (entry.code !== 'permission-denied') return entry.message;
    // a denial is a permission error of the audit itself (listed once, with the statement to add); the rule
    // only says which action was denied
    if (!errors.some((e) => e.message === entry.message)) errors.push(entry);
    const denied =
      error instanceof OpenApiError
        ? (error.failure.accessDeniedDetail?.AuthAction ?? ramAction(error.product, error.action))
        : 'the read';
    return `RAM denied ${denied}`;
  };
  for (const id of new Set(rules.flatMap((r) => (r.destPrefixListId ? [r.destPrefixListId] : [])))) {
    prefixLists[id] = await describePrefixList(api, id).then(
      (cidrs) => ({ cidrs }),
      (error: unknown) => ({ unresolved: note(error) }),
    );
  }
  for (const id of new Set(rules.flatMap((r) => (r.portRangeListId ? [r.portRangeListId] : [])))) {
    portRangeLists[id] = await describePortRangeList(api, id).then(
      (ranges) => ({ ranges }),
      (error: unknown) => ({ unresolved: note(error) }),
    );
  }
  return { prefixLists, portRangeLists };
};

/** A group as read for the audit, or why it could not be. */
type ReadGroup =
  | {
      id: string;
      name?: string;
      type: GroupType;
      vpcId?: string;
      rules: EgressRule[];
    }
  | { id: string; unreadable: string };

/**
 * Reads every group named (on its own, or as an ECS instance's) once: its type, then its egress rules; then every
 * prefix and port list their rules refer to, once. A group that cannot be read says why, and is one `errors`
 * entry (the message names what asked for it).
 */
const readGroups = async (
  ids: readonly string[],
  api: OpenApi,
  region: Region,
  /** What to check when a group is not found (one sentence, after the colon). */
  askedBy: (id: string) => string,
  errors: AuditError[],
): Promise<{ groups: Map<string, ReadGroup>; lists: ReferencedLists }> => {
  const groups = new Map<string, ReadGroup>();
  const none = { groups, lists: { prefixLists: {}, portRangeLists: {} } };
  if (ids.length === 0) return none;
  let summaries: Awaited<ReturnType<typeof describeSecurityGroups>>;
  try {
    summaries = await describeSecurityGroups(api, ids);
  } catch (error) {
    const entry = asError('securityGroups', error);
    errors.push(entry);
    for (const id of ids) groups.set(id, { id, unreadable: entry.message });
    return none;
  }
  for (const id of ids) {
    const summary = summaries.find((s) => s.SecurityGroupId === id);
    if (!summary) {
      const message = `security group ${id} does not exist in ${region.id}: ${askedBy(id)}`;
      errors.push({ section: 'securityGroups', code: 'not-found', message });
      groups.set(id, { id, unreadable: 'it does not exist' });
      continue;
    }
    const type = summary.SecurityGroupType;
    if (type !== 'normal' && type !== 'enterprise') {
      errors.push({
        section: 'securityGroups',
        code: 'unknown-group-type',
        message: `security group ${id} has type "${type}", neither normal nor enterprise: its default policy is unknown, so it is not evaluated`,
      });
      groups.set(id, { id, unreadable: `its type "${type}" is neither normal nor enterprise` });
      continue;
    }
    try {
      const rules = (await describeEgressRules(api, id)).map(toRule);
      groups.set(id, {
        id,
        type,
        rules,
        ...(summary.SecurityGroupName ? { name: summary.SecurityGroupName } : {}),
        ...(summary.VpcId ? { vpcId: summary.VpcId } : {}),
      });
    } catch (error) {
      const entry = asError('securityGroups', error);
      errors.push(entry);
      groups.set(id, { id, unreadable: entry.message });
    }
  }
  const rules = [...groups.values()].flatMap((g) => ('rules' in g ? g.rules : []));
  return { groups, lists: await readLists(api, rules, errors) };
};

/** The ECS instances asked for; an id ECS does not know is an input error naming the flag. */
const readEcsInstances = async (
  params: AuditParams,
  api: OpenApi,
  errors: AuditError[],
): Promise<EcsInstanceSummary[]> => {
  const ids = params.ecsInstanceIds ?? [];
  if (ids.length === 0) return [];
  let found: EcsInstanceSummary[];
  try {
    found = await describeInstances(api, ids);
  } catch (error) {
    errors.push(asError('ecsInstances', error));
    return [];
  }
  const instances: EcsInstanceSummary[] = [];
  for (const id of ids) {
    const instance = found.find((i) => i.InstanceId === id);
    if (instance) instances.push(instance);
    else
      errors.push({
        section: 'ecsInstances',
        code: 'not-found',
        message: `ECS instance ${id} does not exist in ${params.region.id}: check --ecs-instance and --region`,
      });
  }
  return instances;
};

/** The instance's secondary ENIs (DescribeInstances lists them, without their groups). */
const secondaryEnis = (instance: EcsInstanceSummary): string[] =>
  instance.NetworkInterfaces.NetworkInterface.filter((eni) => eni.Type === 'Secondary').map(
    (eni) => eni.NetworkInterfaceId ?? '?',
  );

/**
 * The groups named on their own (each evaluated alone, as before), and each ECS instance with all its groups
 * evaluated together, as ECS applies them. A group shared by both is read once.
 */
const auditSecurity = async (
  params: AuditParams,
  api: OpenApi,
  targets: readonly Target[],
  ecs: readonly EcsInstanceSummary[],
  errors: AuditError[],
): Promise<{ securityGroups: SecurityGroupAudit[]; ecsInstances: EcsInstanceAudit[] }> => {
  const named = new Set(params.securityGroupIds);
  const owners = new Map<string, string[]>();
  for (const instance of ecs)
    for (const id of instance.SecurityGroupIds.SecurityGroupId)
      owners.set(id, [...(owners.get(id) ?? []), instance.InstanceId]);
  // secondary ENIs: their own groups, which only DescribeNetworkInterfaces lists
  const secondaries = new Map(ecs.map((instance) => [instance.InstanceId, secondaryEnis(instance)]));
  const eniIds = [...new Set([...secondaries.values()].flat())];
  const enis = new Map<string, NetworkInterfaceSummary | { unreadable: string }>();
  if (eniIds.length > 0) {
    try {
      const found = await describeNetworkInterfaces(api, eniIds);
      for (const id of eniIds)
        enis.set(
          id,
          found.find((e) => e.NetworkInterfaceId === id) ?? {
            unreadable: `ENI ${id} was not found (DescribeNetworkInterfaces does not list it)`,
          },
        );
    } catch (error) {
      const entry = asError('ecsInstances', error);
      errors.push(entry);
      for (const id of eniIds)
        enis.set(id, { unreadable: `its security groups could not be read (${entry.message})` });
    }
  }
  const eniOwners = new Map<string, string[]>();
  for (const [id, eni] of enis)
    if ('SecurityGroupIds' in eni)
      for (const group of eni.SecurityGroupIds.SecurityGroupId)
        eniOwners.set(group, [...(eniOwners.get(group) ?? []), id]);
  const ids = [...new Set([...params.securityGroupIds, ...owners.keys(), ...eniOwners.keys()])];
  // what to check when a group is not found: the flag that named it, or the instance (or ENI) that lists it
  const askedBy = (id: string) =>
    named.has(id)
      ? 'check --security-group and --region'
      : owners.has(id)
        ? `ECS instance ${owners.get(id)?.join(', ')} lists it; check the instance's security groups in the ECS console`
        : `ENI ${eniOwners.get(id)?.join(', ')} lists it; check the ENI's security groups in the ECS console`;
  const { groups, lists } = await readGroups(ids, api, params.region, askedBy, errors);

  const securityGroups: SecurityGroupAudit[] = [];
  for (const id of params.securityGroupIds) {
    const group = groups.get(id);
    if (!group || 'unreadable' in group) continue;
    securityGroups.push(auditSecurityGroup(group, lists, targets));
  }
  const ecsInstances = ecs
    .map((instance) => {
      const groupIds = instance.SecurityGroupIds.SecurityGroupId;
      const vpcId = instance.VpcAttributes?.VpcId;
      const vSwitchId = instance.VpcAttributes?.VSwitchId;
      return auditEcsInstance(
        {
          instanceId: instance.InstanceId,
          ...(instance.InstanceName ? { name: instance.InstanceName } : {}),
          securityGroupIds: groupIds,
          ...(vpcId ? { vpcId } : {}),
          ...(vSwitchId ? { vSwitchId } : {}),
          secondaryNetworkInterfaceIds: secondaries.get(instance.InstanceId) ?? [],
          groups: groupIds.map((id) => groups.get(id) ?? { id, unreadable: 'it was not read' }),
        },
        lists,
        targets,
      );
    })
    .map((audit) => ({
      ...audit,
      networkInterfaces: audit.secondaryNetworkInterfaceIds.map((id) => {
        const eni = enis.get(id);
        if (!eni || 'unreadable' in eni)
          return unreadNetworkInterface(id, eni?.unreadable ?? 'it was not read');
        const groupIds = eni.SecurityGroupIds.SecurityGroupId;
        return auditNetworkInterface(
          {
            networkInterfaceId: id,
            securityGroupIds: groupIds,
            ...(eni.VSwitchId ? { vSwitchId: eni.VSwitchId } : {}),
            groups: groupIds.map((g) => groups.get(g) ?? { id: g, unreadable: 'it was not read' }),
          },
          lists,
          targets,
        );
      }),
    }));
  return { securityGroups, ecsInstances };
};

/** DescribeVSwitchAttributes, once per vSwitch however many parts (routes, network ACLs) ask. */
type VSwitchReader = (vSwitchId: string) => Promise<VSwitchAttributes>;

const vSwitchReader = (api: OpenApi): VSwitchReader => {
  const read = new Map<string, Promise<VSwitchAttributes>>();
  return (id) => {
    let answer = read.get(id);
    if (!answer) {
      answer = describeVSwitch(api, id);
      read.set(id, answer);
    }
    return answer;
  };
};

type RouteTableRef = { RouteTableId: string; RouteTableType: string; VSwitchIds: { VSwitchId: string[] } };

/** The route table one vSwitch uses (its VPC from the vSwitch). */
const vSwitchTable = async (
  api: OpenApi,
  vSwitchId: string,
  vSwitches: VSwitchReader,
): Promise<{ vpcId: string; table: RouteTableRef }> => {
  const vsw = await vSwitches(vSwitchId);
  if (!vsw.RouteTable) throw new MseWatchError('no-route-table', `vSwitch ${vSwitchId} names no route table`);
  const [listed] = await describeRouteTables(api, { routeTableId: vsw.RouteTable.RouteTableId });
  return {
    vpcId: vsw.VpcId,
    table: listed ?? {
      RouteTableId: vsw.RouteTable.RouteTableId,
      RouteTableType: vsw.RouteTable.RouteTableType ?? 'System',
      VSwitchIds: { VSwitchId: [vSwitchId] },
    },
  };
};

/**
 * The route tables asked for: every table of `--vpc`, the one of `--vswitch`, or else the tables of the ECS
 * instances' vSwitches (each table once, however many instances use it).
 */
const auditRoutes = async (
  params: AuditParams,
  api: OpenApi,
  targets: readonly Target[],
  instanceVSwitches: readonly string[],
  vSwitches: VSwitchReader,
  errors: AuditError[],
): Promise<{
  vpcId: string | null;
  /** The vSwitches whose tables were audited (none for --vpc). */
  vSwitchIds: string[];
  routes: AuditReport['routes'];
  routeTables: RouteTableAudit[];
}> => {
  const vSwitchIds = params.vpcId
    ? []
    : params.vSwitchId
      ? [params.vSwitchId]
      : [...new Set(instanceVSwitches)];
  const none = { vpcId: params.vpcId ?? null, vSwitchIds: [], routes: [], routeTables: [] };
  if (!params.vpcId && vSwitchIds.length === 0) return none;
  try {
    let vpcId = params.vpcId ?? null;
    let tables: RouteTableRef[] = [];
    if (vSwitchIds.length > 0) {
      const vpcs = new Set<string>();
      for (const vSwitchId of vSwitchIds) {
        const { vpcId: vpc, table } = await vSwitchTable(api, vSwitchId, vSwitches);
        vpcs.add(vpc);
        if (!tables.some((t) => t.RouteTableId === table.RouteTableId)) tables.push(table);
      }
      // instances in several VPCs: no one VPC is "the audited VPC"
      vpcId = vpcs.size === 1 ? [...vpcs][0]! : null;
    } else {
      tables = await describeRouteTables(api, { vpcId: params.vpcId! });
      if (tables.length === 0) {
        errors.push({
          section: 'routes',
          code: 'not-found',
          message: `VPC ${params.vpcId} has no route table in ${params.region.id}: check --vpc and --region`,
        });
        return none;
      }
    }
    const inputs: RouteTableInput[] = [];
    for (const table of tables) {
      const entries = await describeRouteEntries(api, table.RouteTableId);
      inputs.push({
        routeTableId: table.RouteTableId,
        type: table.RouteTableType,
        vSwitchIds: table.VSwitchIds.VSwitchId,
        entries: entries.map((e) => {
          const hops = e.NextHops.NextHop;
          return {
            ...(e.RouteEntryId ? { id: e.RouteEntryId } : {}),
            destination: e.DestinationCidrBlock,
            type: e.Type,
            // several next hops (ECMP) are listed together
            ...(hops.length > 0
              ? {
                  nextHopType: [...new Set(hops.map((h) => h.NextHopType ?? 'unknown'))].join(','),
                  nextHopId: hops
                    .map((h) => h.NextHopId ?? '')
                    .filter(Boolean)
                    .join(','),
                }
              : {}),
          };
        }),
      });
    }
    const { diversions, tables: verdicts } = evaluateRoutes(
      inputs,
      targets.map((t) => t.ip),
    );
    return { vpcId, vSwitchIds, routes: diversions, routeTables: verdicts };
  } catch (error) {
    errors.push(asError('routes', error));
    return none;
  }
};

const toAclEntries = (
  entries: ReadonlyArray<{
    NetworkAclEntryId?: string | undefined;
    NetworkAclEntryName?: string | undefined;
    Policy: string;
    Protocol: string;
    Port?: string | undefined;
    EntryType?: string | undefined;
    IpVersion?: string | undefined;
    Description?: string | undefined;
    cidr?: string | undefined;
  }>,
): AclEntry[] =>
  entries.map((e, index) => ({
    // the list's order is the priority: position 1 is evaluated first
    id: e.NetworkAclEntryId ?? e.NetworkAclEntryName ?? `entry #${index + 1}`,
    position: index + 1,
    entryType: (e.EntryType ?? 'custom').toLowerCase(),
    policy: e.Policy.toLowerCase() === 'accept' ? 'accept' : 'drop',
    protocol: e.Protocol.toLowerCase(),
    port: e.Port ?? '-1/-1',
    ...(e.cidr ? { cidr: e.cidr } : {}),
    ipVersion: e.IpVersion ?? 'IPv4',
    ...(e.NetworkAclEntryName ? { name: e.NetworkAclEntryName } : {}),
    ...(e.Description ? { description: e.Description } : {}),
  }));

/**
 * The network ACLs bound to the audited vSwitches (each ACL read once, however many vSwitches share it), every
 * endpoint evaluated both ways. A vSwitch with no ACL has nothing to report.
 */
const auditNetworkAcls = async (
  params: AuditParams,
  api: OpenApi,
  targets: readonly Target[],
  vSwitchIds: readonly string[],
  vSwitches: VSwitchReader,
  errors: AuditError[],
): Promise<NetworkAclAudit[]> => {
  const bound = new Map<string, string[]>();
  for (const vSwitchId of vSwitchIds) {
    try {
      const aclId = (await vSwitches(vSwitchId)).NetworkAclId;
      if (aclId) bound.set(aclId, [...(bound.get(aclId) ?? []), vSwitchId]);
    } catch (error) {
      // the routes section reports the same vSwitch read once
      const entry = asError('networkAcls', error);
      if (!errors.some((e) => e.message === entry.message)) errors.push(entry);
    }
  }
  const audits: NetworkAclAudit[] = [];
  for (const [aclId, boundTo] of bound) {
    let acl: Awaited<ReturnType<typeof describeNetworkAcl>>;
    try {
      acl = await describeNetworkAcl(api, aclId);
    } catch (error) {
      const entry = asError('networkAcls', error);
      errors.push(
        entry.code === 'not-found'
          ? {
              ...entry,
              message: `network ACL ${aclId} (bound to ${boundTo.join(', ')}) does not exist in ${params.region.id}: the vSwitch names an ACL the VPC API cannot find; check it in the VPC console (${entry.message})`,
            }
          : entry,
      );
      continue;
    }
    const input: NetworkAclInput = {
      id: aclId,
      ...(acl.NetworkAclName ? { name: acl.NetworkAclName } : {}),
      vSwitchIds: boundTo,
      ingress: toAclEntries(
        acl.IngressAclEntries.IngressAclEntry.map((e) => ({ ...e, cidr: e.SourceCidrIp })),
      ),
      egress: toAclEntries(
        acl.EgressAclEntries.EgressAclEntry.map((e) => ({ ...e, cidr: e.DestinationCidrIp })),
      ),
    };
    const audit = auditNetworkAcl(input, targets);
    const request = networkAclFix(params.region.id, input, audit.blocked);
    audits.push(
      request
        ? {
            ...audit,
            fix: {
              action: 'UpdateNetworkAclEntries',
              request,
              command: aliyunCommand('vpc', 'UpdateNetworkAclEntries', request),
            },
          }
        : audit,
    );
  }
  return audits;
};

const toInstance = (
  listed: ClusterSummary | undefined,
  info: ClusterInfo | undefined,
  timezone: string,
): MseInstance => {
  const pick = <K extends keyof ClusterInfo & keyof ClusterSummary>(key: K) => info?.[key] ?? listed?.[key];
  const period = info?.MaintenancePeriod ?? listed?.MaintenancePeriod;
  const maintenancePeriod = parseMaintenancePeriod(period?.StartTime, period?.EndTime, timezone);
  const name = pick('ClusterAliasName') ?? pick('ClusterName');
  const clusterType = pick('ClusterType');
  const version = pick('AppVersion') ?? info?.ClusterVersion ?? listed?.VersionCode;
  const edition = pick('MseVersion');
  const health = info?.HealthStatus;
  const initStatus = pick('InitStatus');
  const intranetDomain = pick('IntranetDomain');
  const internetDomain = pick('InternetDomain');
  const vpcId = pick('VpcId');
  return {
    instanceId: (info?.InstanceId ?? listed?.InstanceId)!,
    ...(name ? { name } : {}),
    ...(clusterType ? { clusterType } : {}),
    ...(version ? { version } : {}),
    ...(edition ? { edition } : {}),
    ...(health ? { health } : {}),
    ...(initStatus ? { initStatus } : {}),
    ...(intranetDomain ? { intranetDomain } : {}),
    ...(internetDomain ? { internetDomain } : {}),
    ports: parsePorts(info?.IntranetPort),
    ...(vpcId ? { vpcId } : {}),
    ...(info?.VSwitchId ? { vSwitchId: info.VSwitchId } : {}),
    ...(maintenancePeriod ? { maintenancePeriod } : {}),
  };
};

const instanceAudit = (instance: MseInstance, now: Date): InstanceAudit => {
  let nacosServer: string | null = null;
  try {
    nacosServer = nacosServerAddress(instance);
  } catch {
    // not a Nacos engine, or no intranet domain yet: `nacosServer: null` says so
  }
  return {
    ...instance,
    condition: instanceCondition(instance),
    maintenancePeriod: instance.maintenancePeriod ?? null,
    inMaintenance: instance.maintenancePeriod ? inMaintenancePeriod(instance.maintenancePeriod, now) : false,
    nacosServer,
  };
};

/** The region's MSE instances (or the one asked for), with the details only QueryClusterInfo gives. */
export const readInstances = async (
  api: OpenApi,
  params: Pick<AuditParams, 'instanceId' | 'maintenanceTimezone'>,
  errors: AuditError[],
): Promise<MseInstance[]> => {
  const timezone = params.maintenanceTimezone ?? MSE_MAINTENANCE_TIMEZONE;
  if (params.instanceId) {
    try {
      return [toInstance(undefined, await queryClusterInfo(api, params.instanceId), timezone)];
    } catch (error) {
      const entry = asError('instances', error);
      errors.push(
        error instanceof OpenApiError && entry.code === 'not-found'
          ? {
              ...entry,
              message: `MSE instance ${params.instanceId} does not exist in ${api.region}: check --instance and --region (${entry.message})`,
            }
          : entry,
      );
      return [];
    }
  }
  let listed: ClusterSummary[];
  try {
    listed = await listClusters(api);
  } catch (error) {
    errors.push(asError('instances', error));
    return [];
  }
  const instances: MseInstance[] = [];
  for (const summary of listed) {
    let info: ClusterInfo | undefined;
    try {
      info = await queryClusterInfo(api, summary.InstanceId);
    } catch (error) {
      // the listing still says a lot; the details that are missing are reported
      const entry = asError('instances', error);
      if (!errors.some((e) => e.message === entry.message)) errors.push(entry);
    }
    instances.push(toInstance(summary, info, timezone));
  }
  return instances;
};

/**
 * The cloud-side audit: every catalog ip:port of the region through the named security groups, the VPC's (or
 * vSwitch's) route tables, and the region's MSE instances, all read through the OpenAPI; nothing is sent to
 * a catalog address. Parts that cannot be read (a RAM denial, an unknown id) are listed in `errors` and the
 * rest is still audited.
 */
export const runAudit = async (params: AuditParams, deps: AuditDeps): Promise<AuditReport> => {
  const started = deps.now();
  const api = deps.openapi;
  const targets = regionTargets(params.region, { includeArms: params.includeArms });
  const errors: AuditError[] = [];
  // the ECS instances first: their groups are evaluated together, and their vSwitches' route tables audited when
  // no --vpc or --vswitch says otherwise; MSE runs beside
  const ecs = readEcsInstances(params, api, errors);
  const vSwitches = vSwitchReader(api);
  const instanceVSwitches = (found: readonly EcsInstanceSummary[]) =>
    found.flatMap((i) => (i.VpcAttributes?.VSwitchId ? [i.VpcAttributes.VSwitchId] : []));
  const routesDone = ecs.then((found) =>
    auditRoutes(params, api, targets, instanceVSwitches(found), vSwitches, errors),
  );
  const [security, routeAudit, networkAcls, instances] = await Promise.all([
    ecs.then((found) => auditSecurity(params, api, targets, found, errors)),
    routesDone,
    // the ACLs of every vSwitch the audit knows: --vswitch, the instances', and with --vpc those its tables list
    Promise.all([ecs, routesDone]).then(([found, routes]) =>
      auditNetworkAcls(
        params,
        api,
        targets,
        [
          ...new Set([
            ...(params.vSwitchId ? [params.vSwitchId] : []),
            ...instanceVSwitches(found),
            ...(params.vpcId ? routes.routeTables.flatMap((t) => t.vSwitchIds) : []),
          ]),
        ],
        vSwitches,
        errors,
      ),
    ),
    readInstances(api, params, errors),
  ]);
  const { securityGroups, ecsInstances } = security;
  const now = new Date(deps.now());
  const instanceAudits = instances.map((instance) => instanceAudit(instance, now));
  const fixes = [
    ...securityGroups.flatMap(
      (group) => securityGroupFix(params.region, params.catalog.version, group) ?? [],
    ),
    ...ecsInstances.flatMap(
      (instance) => ecsInstanceFix(params.region, params.catalog.version, instance) ?? [],
    ),
    ...ecsInstances.flatMap((instance) =>
      instance.networkInterfaces.flatMap(
        (eni) => networkInterfaceFix(params.region, params.catalog.version, instance.instanceId, eni) ?? [],
      ),
    ),
  ];
  const findings = auditFindings({
    catalog: params.catalog,
    region: params.region,
    targets,
    securityGroups,
    ecsInstances,
    fixes,
    routes: routeAudit.routes,
    routeTables: routeAudit.routeTables,
    networkAcls,
    instances: instanceAudits,
    ...(routeAudit.vpcId ? { vpcId: routeAudit.vpcId } : {}),
    instanceAsked: params.instanceId !== undefined,
  });
  // every endpoint evaluated was asked for: ARMS ones only with includeArms
  const ok =
    securityGroups.every((g) => g.blocked.length === 0 && g.notEvaluated.length === 0) &&
    ecsInstances.every(
      (i) =>
        i.evaluated &&
        i.blocked.length === 0 &&
        i.notEvaluated.length === 0 &&
        i.networkInterfaces.every(
          (e) => e.evaluated && e.blocked.length === 0 && e.notEvaluated.length === 0,
        ),
    ) &&
    routeAudit.routes.length === 0 &&
    networkAcls.every((a) => a.blocked.length === 0 && a.notEvaluated.length === 0) &&
    instanceAudits.every((i) => i.condition !== 'trouble');
  const order: Record<AuditSection, number> = {
    securityGroups: 0,
    ecsInstances: 1,
    routes: 2,
    networkAcls: 3,
    instances: 4,
  };
  return {
    region: params.region.id,
    catalogVersion: params.catalog.version,
    startedAt: new Date(started).toISOString(),
    durationMs: deps.now() - started,
    includeArms: params.includeArms,
    ok,
    complete: errors.length === 0,
    vpcId: routeAudit.vpcId,
    vSwitchId: params.vSwitchId ?? (routeAudit.vSwitchIds.length === 1 ? routeAudit.vSwitchIds[0]! : null),
    securityGroups,
    ecsInstances,
    routes: routeAudit.routes,
    routeTables: routeAudit.routeTables,
    networkAcls,
    instances: instanceAudits,
    findings,
    fixes,
    errors: errors.sort((a, b) => order[a.section] - order[b.section]),
    requests: api.calls.reduce((sum, call) => sum + call.attempts, 0),
  };
};

/** What an `audit:` config section asks for, for the region and ARMS choice of the check it belongs to. */
export const auditParamsFromConfig = (
  audit: AuditConfig,
  base: Pick<AuditParams, 'catalog' | 'region' | 'includeArms'>,
): AuditParams => ({
  ...base,
  securityGroupIds: audit.securityGroups,
  ...(audit.ecsInstances.length > 0 ? { ecsInstanceIds: audit.ecsInstances } : {}),
  ...(audit.vpcId ? { vpcId: audit.vpcId } : {}),
  ...(audit.vSwitchId ? { vSwitchId: audit.vSwitchId } : {}),
  ...(audit.instanceId ? { instanceId: audit.instanceId } : {}),
  maintenanceTimezone: audit.maintenanceTimezone,
});

/**
 * The OpenAPI client options for an `audit:` section (in FC: the function role's keys from the context). One
 * base URL for every product: the section's `endpoint`, else `fallbackEndpoint` (the shell's
 * MSE_WATCH_OPENAPI_ENDPOINT), else each product's regional endpoint. A run's other OpenAPI reads
 * (`nacos.instanceId`) go through the same settings, so `audit` may be absent.
 */
export const openApiOptionsFromConfig = (
  audit: AuditConfig | undefined,
  region: string,
  credentials: CredentialSource,
  fallbackEndpoint?: string,
): OpenApiOptions => ({
  region,
  credentials,
  network: audit?.network ?? 'public',
  ...(audit?.endpoint
    ? { endpoint: parseEndpointUrl(audit.endpoint, 'audit.endpoint') }
    : fallbackEndpoint
      ? { endpoint: parseEndpointUrl(fallbackEndpoint, 'MSE_WATCH_OPENAPI_ENDPOINT') }
      : {}),
});

/**
 * `nacos: {instanceId}`: the instance's Nacos address (intranet domain, 8848) and its maintenance period as an
 * alerting maintenance window over `match`, read with QueryClusterInfo. Throws a one-line error naming
 * `nacos.instanceId` when the instance does not exist, is not Nacos, has no intranet domain yet, or cannot be
 * read (a RAM denial, no credentials).
 */
export const resolveNacosInstance = async (
  api: OpenApi,
  instanceId: string,
  options: { timezone?: string; match?: readonly string[] } = {},
): Promise<{
  instance: MseInstance;
  server: string;
  maintenanceWindow?: ReturnType<typeof maintenanceWindowFor>;
}> => {
  let info: ClusterInfo;
  try {
    info = await queryClusterInfo(api, instanceId);
  } catch (error) {
    const entry = asError('instances', error);
    throw new MseWatchError(
      entry.code,
      entry.code === 'not-found'
        ? `nacos.instanceId: MSE instance ${instanceId} does not exist in ${api.region}: check the id and the region (${entry.message})`
        : `nacos.instanceId: cannot read MSE instance ${instanceId}: ${entry.message}`,
      { cause: error },
    );
  }
  const instance = toInstance(undefined, info, options.timezone ?? MSE_MAINTENANCE_TIMEZONE);
  const server = nacosServerAddress(instance);
  const maintenanceWindow = maintenanceWindowFor(instance, options.match ?? ['nacos/*']);
  return { instance, server, ...(maintenanceWindow ? { maintenanceWindow } : {}) };
};
