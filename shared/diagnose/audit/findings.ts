import type { Catalog, Region } from '../../catalog/index.ts';
import type { Finding, Severity } from '../../report/schema.ts';
import { aliyunCommand, commandFor } from './fix.ts';
import type {
  EcsInstanceAudit,
  InstanceAudit,
  NetworkAclAudit,
  RouteDiversion,
  RouteTableAudit,
  SecurityGroupAudit,
  SecurityGroupFix,
} from './report.ts';

export type AuditFindingsInput = {
  catalog: Catalog;
  region: Region;
  /** Every endpoint evaluated (ip, port, category, required), to name what a diverted address carries. */
  targets: ReadonlyArray<{ ip: string; port: number; category: string; required: boolean }>;
  securityGroups: readonly SecurityGroupAudit[];
  /** ECS instances, each with its groups evaluated together. */
  ecsInstances: readonly EcsInstanceAudit[];
  fixes: readonly SecurityGroupFix[];
  routes: readonly RouteDiversion[];
  routeTables: readonly RouteTableAudit[];
  /** The network ACLs of the audited vSwitches. */
  networkAcls?: readonly NetworkAclAudit[];
  instances: readonly InstanceAudit[];
  /** The VPC the audited network is in, when known (--vpc, or the --vswitch's VPC). */
  vpcId?: string;
  /** Only one instance was asked for: "no instances" is then not news. */
  instanceAsked: boolean;
};

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** As `check` judges it: start-up categories stop the application, run-time and optional ones degrade it. */
const severityOf = (catalog: Catalog, category: string, required: boolean): Severity => {
  const known = catalog.categories.find((c) => c.id === category);
  return required && known?.phase === 'startup' ? 'critical' : 'warning';
};

const worst = (severities: Severity[]): Severity =>
  severities.sort((a, b) => SEVERITY_RANK[a] - SEVERITY_RANK[b])[0] ?? 'info';

const usageOf = (catalog: Catalog, category: string): string =>
  catalog.categories.find((c) => c.id === category)?.usage ?? category;

const groupBy = <T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> => {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(key(item), [...(map.get(key(item)) ?? []), item]);
  return map;
};

const typeLabel = (type: SecurityGroupAudit['type']): string =>
  type === 'enterprise' ? 'Enterprise (advanced) security group' : 'Basic security group';

const securityGroupFindings = (input: AuditFindingsInput, group: SecurityGroupAudit): Finding[] => {
  const findings: Finding[] = [];
  const fix = input.fixes.find((f) => f.securityGroupId === group.id && !f.ecsInstanceId);
  for (const [key, blocked] of groupBy(group.blocked, (b) => `${b.category}|${b.by}`)) {
    const [category = ''] = key.split('|');
    const first = blocked[0]!;
    const ports = [...new Set(blocked.map((b) => b.port))].sort((a, b) => a - b);
    const command = fix ? commandFor(fix, blocked) : undefined;
    const action = first.fixableByAccept
      ? `Add egress Accept rules for these endpoints to ${group.id}${command ? `: ${command}` : ''} (permissions JSON for all of them: "fixes" in mse-watch audit --json)`
      : `Rule ${first.by} drops them at priority 1 and Drop wins a tie, so no Accept rule can outrank it: narrow it so it no longer covers these addresses, or remove it (${aliyunCommand('ecs', 'RevokeSecurityGroupEgress', { RegionId: input.region.id, SecurityGroupId: group.id, SecurityGroupRuleId: [first.by] })}) and check what else it was meant to stop`;
    findings.push({
      severity: worst(blocked.map((b) => severityOf(input.catalog, b.category, b.required))),
      category,
      symptom: `${typeLabel(group.type)} ${group.id} blocks outbound TCP to ${blocked.length} ${category} endpoint${blocked.length === 1 ? '' : 's'} (port ${ports.join(', ')}): ${usageOf(input.catalog, category)} fails from instances in this group`,
      cause: `${first.detail[0]?.toUpperCase()}${first.detail.slice(1)}`,
      action,
      endpoints: blocked.map((b) => `${b.ip}:${b.port}`),
    });
  }
  if (group.notEvaluated.length > 0) {
    const reasons = [...new Set(group.notEvaluated.map((n) => n.reason))];
    const rules = [...new Set(group.notEvaluated.flatMap((n) => n.rules))];
    findings.push({
      severity: 'warning',
      category: 'audit',
      symptom: `Security group ${group.id}: ${group.notEvaluated.length} endpoint${group.notEvaluated.length === 1 ? '' : 's'} could not be evaluated`,
      cause: `Rule${rules.length === 1 ? '' : 's'} ${rules.join(', ')} ${rules.length === 1 ? 'refers' : 'refer'} to lists that could not be read (${reasons.join('; ')}); whether they let these endpoints out is unknown, and they are not counted as allowed`,
      action:
        'Give the auditing identity ecs:DescribePrefixListAttributes and ecs:DescribePortRangeListEntries, or check these rules by hand',
      endpoints: group.notEvaluated.map((n) => `${n.ip}:${n.port}`),
    });
  }
  return findings;
};

const capitalized = (text: string): string => `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;

/** A secondary ENI's groups, taken together, read in the instance's words. */
type EniSubject = { networkInterfaceId: string };

const ecsInstanceFindings = (
  input: AuditFindingsInput,
  instance: EcsInstanceAudit,
  eni?: EniSubject,
): Finding[] => {
  const findings: Finding[] = [];
  const who = eni
    ? `Instance ${instance.instanceId}'s secondary ENI ${eni.networkInterfaceId} (groups ${instance.securityGroupIds.join(', ') || 'none'})`
    : `Instance ${instance.instanceId} (groups ${instance.securityGroupIds.join(', ') || 'none'})`;
  const from = eni ? 'from this ENI' : 'from this instance';
  const holder = eni ? 'ENI' : 'instance';
  if (!instance.evaluated)
    findings.push({
      severity: 'warning',
      category: 'audit',
      symptom: `${who}: not evaluated`,
      cause: capitalized(instance.reason ?? 'its security groups could not be evaluated together'),
      action:
        instance.type === 'mixed'
          ? `Check the instance's security groups in the ECS console (an instance's groups must all be basic or all enterprise), then audit again`
          : `Fix what the cause names, then audit again; until then, no endpoint counts as allowed for ${eni?.networkInterfaceId ?? instance.instanceId}`,
      endpoints: [],
    });
  const fix = input.fixes.find(
    (f) => f.ecsInstanceId === instance.instanceId && f.networkInterfaceId === eni?.networkInterfaceId,
  );
  for (const [key, blocked] of groupBy(instance.blocked, (b) => `${b.category}|${b.by}|${b.groupId ?? ''}`)) {
    const [category = ''] = key.split('|');
    const first = blocked[0]!;
    const ports = [...new Set(blocked.map((b) => b.port))].sort((a, b) => a - b);
    const command = fix ? commandFor(fix, blocked) : undefined;
    const target = instance.securityGroupIds[0]!;
    const ruleGroup = first.groupId ?? target;
    const action = first.fixableByAccept
      ? `Add egress Accept rules for these endpoints to ${target}, the first of the ${holder}'s groups (a rule in any of them applies to the whole ${holder})${command ? `: ${command}` : ''} (permissions JSON for all of them: "fixes" in mse-watch audit --json)`
      : `Rule ${first.by} of ${ruleGroup} drops them at priority 1 and Drop wins a tie, so no Accept rule in any of the ${holder}'s groups can outrank it: narrow it so it no longer covers these addresses, or remove it (${aliyunCommand('ecs', 'RevokeSecurityGroupEgress', { RegionId: input.region.id, SecurityGroupId: ruleGroup, SecurityGroupRuleId: [first.by] })}) and check what else it was meant to stop`;
    findings.push({
      severity: worst(blocked.map((b) => severityOf(input.catalog, b.category, b.required))),
      category,
      symptom: `${who} blocks outbound TCP to ${blocked.length} ${category} endpoint${blocked.length === 1 ? '' : 's'} (port ${ports.join(', ')}): ${usageOf(input.catalog, category)} fails ${from}`,
      cause: capitalized(first.detail),
      action,
      endpoints: blocked.map((b) => `${b.ip}:${b.port}`),
    });
  }
  if (instance.notEvaluated.length > 0) {
    const reasons = [...new Set(instance.notEvaluated.map((n) => n.reason))];
    const rules = [...new Set(instance.notEvaluated.flatMap((n) => n.rules))];
    findings.push({
      severity: 'warning',
      category: 'audit',
      symptom: `${who}: ${instance.notEvaluated.length} endpoint${instance.notEvaluated.length === 1 ? '' : 's'} could not be evaluated`,
      cause: `Rule${rules.length === 1 ? '' : 's'} ${rules.join(', ')} ${rules.length === 1 ? 'refers' : 'refer'} to lists that could not be read (${reasons.join('; ')}); whether they let these endpoints out is unknown, and they are not counted as allowed`,
      action:
        'Give the auditing identity ecs:DescribePrefixListAttributes and ecs:DescribePortRangeListEntries, or check these rules by hand',
      endpoints: instance.notEvaluated.map((n) => `${n.ip}:${n.port}`),
    });
  }
  if (!eni)
    for (const secondary of instance.networkInterfaces)
      findings.push(
        ...ecsInstanceFindings(
          input,
          {
            ...instance,
            securityGroupIds: secondary.securityGroupIds,
            type: secondary.type,
            evaluated: secondary.evaluated,
            ...(secondary.reason ? { reason: secondary.reason } : { reason: undefined }),
            egressRules: secondary.egressRules,
            allowed: secondary.allowed,
            blocked: secondary.blocked,
            notEvaluated: secondary.notEvaluated,
            secondaryNetworkInterfaceIds: [],
            networkInterfaces: [],
          },
          { networkInterfaceId: secondary.networkInterfaceId },
        ),
      );
  // ENIs listed but not audited (an audit made without reading them): say so
  const unaudited = instance.secondaryNetworkInterfaceIds.filter(
    (id) => !instance.networkInterfaces.some((e) => e.networkInterfaceId === id),
  );
  if (!eni && unaudited.length > 0)
    findings.push({
      severity: 'info',
      category: 'audit',
      symptom: `${who} has secondary network interfaces (${unaudited.join(', ')}) whose security groups were not audited`,
      cause:
        "Traffic an instance sends from a secondary ENI is subject to that ENI's own security groups, which DescribeInstances does not list; the audit evaluated the groups of the primary ENI",
      action:
        'If the application sends from a secondary ENI, audit its groups with --security-group (aliyun ecs DescribeNetworkInterfaces lists them)',
      endpoints: [],
    });
  return findings;
};

const aclFindings = (input: AuditFindingsInput, acl: NetworkAclAudit): Finding[] => {
  const findings: Finding[] = [];
  const who = `Network ACL ${acl.networkAclId}${acl.name ? ` "${acl.name}"` : ''} (vSwitch${acl.vSwitchIds.length === 1 ? '' : 'es'} ${acl.vSwitchIds.join(', ')})`;
  const how = acl.fix
    ? `: ${acl.fix.command} (UpdateNetworkAclEntries replaces a direction's whole list, so the command passes the ACL's own custom entries after the new ones; the request as JSON: networkAcls[].fix in mse-watch audit --json)`
    : '';
  for (const [key, blocked] of groupBy(
    acl.blocked,
    (b) => `${b.category}|${b.direction}|${b.by}|${b.partial}`,
  )) {
    const [category = ''] = key.split('|');
    const first = blocked[0]!;
    const ports = [...new Set(blocked.map((b) => b.port))].sort((a, b) => a - b);
    const ips = [...new Set(blocked.map((b) => b.ip))];
    const n = `${blocked.length} ${category} endpoint${blocked.length === 1 ? '' : 's'} (port ${ports.join(', ')})`;
    const severity = worst(blocked.map((b) => severityOf(input.catalog, b.category, b.required)));
    if (first.direction === 'egress')
      findings.push({
        severity,
        category,
        symptom: `${who} blocks outbound TCP to ${n}: ${usageOf(input.catalog, category)} fails from instances in ${acl.vSwitchIds.length === 1 ? 'this vSwitch' : 'these vSwitches'}`,
        cause: capitalized(first.detail),
        action: `Add outbound Accept entries (TCP to each address/32 on its port) before ${first.by === 'network-acl-default-deny' ? 'the end of the list' : `entry ${first.by}`} in ${acl.networkAclId}, and make sure the replies may come back in (network ACLs are stateless)${how}`,
        endpoints: blocked.map((b) => `${b.ip}:${b.port}`),
      });
    else {
      const partly = first.partial;
      findings.push({
        // replies dropped only outside Linux's default ephemeral range fail clients with another range
        severity: partly && first.linuxPortsAllowed ? 'warning' : severity,
        category,
        symptom: partly
          ? `${who} drops part of the replies from ${n}: connections whose client port falls in ${first.droppedPorts?.join(', ')} hang (network ACLs are stateless)`
          : `${who} drops the replies from ${n}: connections to them hang although outbound traffic is allowed (network ACLs are stateless)`,
        cause: `${capitalized(first.detail)}. A network ACL keeps no connection state: the replies from ${ips.join(', ')} come back as inbound TCP to the client's ephemeral port (1024-65535), and need an inbound entry of their own${partly ? (first.linuxPortsAllowed ? "; Linux's default range 32768-60999 is accepted, so only clients with another range (Windows, a changed ip_local_port_range) fail" : '') : ''}`,
        action: `Replies dropped: network ACLs are stateless, add an ingress rule accepting TCP from ${ips.length === 1 ? `${ips[0]}/32` : 'each address/32'} to ports 1024/65535 (the ephemeral ports; the entry's port range is the destination port) before ${first.by === 'network-acl-default-deny' ? 'the end of the inbound list' : `inbound entry ${first.by}`} in ${acl.networkAclId}${how}`,
        endpoints: blocked.map((b) => `${b.ip}:${b.port}`),
      });
    }
  }
  if (acl.notEvaluated.length > 0) {
    const entries = [...new Set(acl.notEvaluated.flatMap((n) => n.entries))];
    findings.push({
      severity: 'warning',
      category: 'audit',
      symptom: `${who}: ${acl.notEvaluated.length} endpoint${acl.notEvaluated.length === 1 ? '' : 's'} could not be evaluated`,
      cause: `Entr${entries.length === 1 ? 'y' : 'ies'} ${entries.join(', ')}: ${[...new Set(acl.notEvaluated.map((n) => n.reason))].join('; ')}; whether they let these endpoints through is unknown, and they are not counted as allowed`,
      action: 'Check these entries by hand (a prefix list is not read by the audit)',
      endpoints: [...new Set(acl.notEvaluated.map((n) => `${n.ip}:${n.port}`))],
    });
  }
  return findings;
};

const routeFinding = (input: AuditFindingsInput, route: RouteDiversion): Finding => {
  const affected = input.targets.filter((t) => route.diverts.includes(t.ip));
  const categories = [...new Set(affected.map((t) => t.category))];
  const hop = `${route.nextHopType}${route.nextHopId ? ` ${route.nextHopId}` : ''}`;
  const remove = route.routeEntryId
    ? aliyunCommand('vpc', 'DeleteRouteEntry', {
        RegionId: input.region.id,
        RouteEntryId: route.routeEntryId,
      })
    : aliyunCommand('vpc', 'DeleteRouteEntry', {
        RegionId: input.region.id,
        RouteTableId: route.routeTableId,
        DestinationCidrBlock: route.destination,
        NextHopId: route.nextHopId || undefined,
      });
  return {
    severity: worst(affected.map((t) => severityOf(input.catalog, t.category, t.required))),
    category: categories.length === 1 ? categories[0]! : 'routes',
    symptom: `Route table ${route.routeTableId} sends ${route.destination} to ${hop}: ${route.diverts.length} MSE address${route.diverts.length === 1 ? '' : 'es'} (${categories.join(', ')}) leave the cloud-service route`,
    cause: `The ${route.type.toLowerCase()} route ${route.destination} is more specific than the system route ${route.overrides}, which carries Alibaba Cloud service addresses, so traffic to ${route.diverts.join(', ')} goes to ${hop} instead${route.vSwitchIds.length > 0 ? ` (vSwitches ${route.vSwitchIds.join(', ')})` : ''}`,
    action: `Remove the route or narrow it so it does not cover these addresses (${remove}), or make sure ${hop} forwards them back to the cloud-service network`,
    endpoints: affected.map((t) => `${t.ip}:${t.port}`),
  };
};

const uncoveredFinding = (input: AuditFindingsInput, table: RouteTableAudit): Finding | undefined => {
  if (table.uncovered.length === 0) return undefined;
  const affected = input.targets.filter((t) => table.uncovered.includes(t.ip));
  return {
    severity: 'info',
    category: 'routes',
    symptom: `${table.uncovered.length} MSE address${table.uncovered.length === 1 ? ' is' : 'es are'} not under a system route of ${table.routeTableId}`,
    cause: `No system route (such as ${'100.64.0.0/10'}) covers ${table.uncovered.join(', ')}: they are reached through other routes (a NAT gateway or the internet for public addresses), which this audit does not judge`,
    action: 'If probes to these endpoints fail, check the route the VPC takes to them',
    endpoints: affected.map((t) => `${t.ip}:${t.port}`),
  };
};

const instanceFindings = (input: AuditFindingsInput): Finding[] => {
  const findings: Finding[] = [];
  if (input.instances.length === 0 && !input.instanceAsked)
    findings.push({
      severity: 'info',
      category: 'mse-instance',
      symptom: `No MSE registry instances in ${input.region.id}`,
      cause: 'ListClusters answered no instance for this region and account',
      action:
        'Nothing to do if the applications use MSE only for governance; otherwise check the region and the account',
      endpoints: [],
    });
  for (const instance of input.instances) {
    const where = instance.intranetDomain
      ? `${instance.intranetDomain}:${instance.ports.join(',')}`
      : 'no intranet domain';
    if (instance.condition === 'trouble')
      findings.push({
        severity: 'critical',
        category: 'mse-instance',
        symptom: `MSE instance ${instance.instanceId} (${instance.clusterType ?? 'unknown engine'}) reports ${[instance.health, instance.initStatus].filter(Boolean).join(' / ')}`,
        cause: 'The instance itself is unhealthy, whatever the network does',
        action: `Open the instance in the MSE console (${where}) and check its nodes and events`,
        endpoints: [],
      });
    else if (instance.condition === 'busy')
      findings.push({
        severity: 'info',
        category: 'mse-instance',
        symptom: `MSE instance ${instance.instanceId} is changing (${[instance.health, instance.initStatus].filter(Boolean).join(' / ')})`,
        cause: 'MSE is creating, restarting or scaling it; connections may fail meanwhile',
        action: 'Wait for the change to finish before judging probe failures against it',
        endpoints: [],
      });
    if (input.vpcId && instance.vpcId && instance.vpcId !== input.vpcId)
      findings.push({
        // it may serve other applications: it matters only if this VPC's applications use it
        severity: 'info',
        category: 'mse-instance',
        symptom: `MSE instance ${instance.instanceId} is in ${instance.vpcId}, not in the audited ${input.vpcId}`,
        cause: `Its intranet domain (${where}) is reachable from ${input.vpcId} only through CEN, VPC peering or a transit router`,
        action: `If applications in ${input.vpcId} use it, connect the VPCs or use an instance in ${input.vpcId}`,
        endpoints: [],
      });
  }
  return findings;
};

/** Findings in `check`'s shape, most severe first. Pure. */
export const auditFindings = (input: AuditFindingsInput): Finding[] =>
  [
    ...input.securityGroups.flatMap((group) => securityGroupFindings(input, group)),
    ...input.ecsInstances.flatMap((instance) => ecsInstanceFindings(input, instance)),
    ...input.routes.map((route) => routeFinding(input, route)),
    ...(input.networkAcls ?? []).flatMap((acl) => aclFindings(input, acl)),
    ...input.routeTables.flatMap((table) => uncoveredFinding(input, table) ?? []),
    ...instanceFindings(input),
  ].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
