import type { Finding, ProbeRow } from '../../report/schema.ts';
import type { AuditReport } from './report.ts';

/** What in the cloud configuration accounts for one failing endpoint. */
export type CloudCause =
  | { kind: 'security-group-rule'; securityGroupId: string; ruleId: string; detail: string }
  | { kind: 'security-group-default'; securityGroupId: string; policy: string; detail: string }
  | {
      kind: 'route';
      routeTableId: string;
      routeEntryId?: string;
      destination: string;
      nextHopType: string;
      nextHopId: string;
    }
  | { kind: 'not-evaluated'; securityGroupId: string; rules: string[]; reason: string }
  /** An ECS instance's groups taken together: the deciding rule and the group it belongs to. */
  | {
      kind: 'instance-rule';
      /** Set when it is a secondary ENI of the instance, with its own groups. */
      networkInterfaceId?: string;
      instanceId: string;
      securityGroupIds: string[];
      securityGroupId: string;
      ruleId: string;
      detail: string;
    }
  | {
      kind: 'instance-default';
      /** Set when it is a secondary ENI of the instance, with its own groups. */
      networkInterfaceId?: string;
      instanceId: string;
      securityGroupIds: string[];
      policy: string;
      detail: string;
    }
  /** A network ACL of the audited vSwitches: outbound to the endpoint, or the replies from it. */
  | {
      kind: 'network-acl';
      networkAclId: string;
      vSwitchIds: string[];
      direction: 'egress' | 'ingress';
      entryId: string;
      detail: string;
    }
  | {
      kind: 'network-acl-not-evaluated';
      networkAclId: string;
      direction: 'egress' | 'ingress';
      entries: string[];
      reason: string;
    }
  | {
      kind: 'instance-not-evaluated';
      /** Set when it is a secondary ENI of the instance, with its own groups. */
      networkInterfaceId?: string;
      instanceId: string;
      securityGroupIds: string[];
      rules: string[];
      reason: string;
    };

export type EndpointExplanation = {
  /** "ip:port" as in findings */
  endpoint: string;
  causes: CloudCause[];
  /** One sentence for a finding's cause, an alert or a log line. */
  text: string;
};

const instanceWho = (cause: { instanceId: string; networkInterfaceId?: string }): string =>
  cause.networkInterfaceId
    ? `instance ${cause.instanceId}'s secondary ENI ${cause.networkInterfaceId}`
    : `instance ${cause.instanceId}`;

const causeText = (cause: CloudCause): string => {
  switch (cause.kind) {
    case 'security-group-rule':
      return `security group ${cause.securityGroupId} drops it by ${cause.detail}`;
    case 'security-group-default':
      return `security group ${cause.securityGroupId} blocks it: ${cause.detail}`;
    case 'route':
      return `route table ${cause.routeTableId} sends it to ${cause.nextHopType}${cause.nextHopId ? ` ${cause.nextHopId}` : ''} (route ${cause.destination}${cause.routeEntryId ? `, ${cause.routeEntryId}` : ''})`;
    case 'not-evaluated':
      return `security group ${cause.securityGroupId} may block it (rules ${cause.rules.join(', ')} not evaluated: ${cause.reason})`;
    case 'instance-rule':
      return `${instanceWho(cause)} (groups ${cause.securityGroupIds.join(', ')}) drops it by ${cause.detail}`;
    case 'instance-default':
      return `${instanceWho(cause)} (groups ${cause.securityGroupIds.join(', ')}) blocks it: ${cause.detail}`;
    case 'instance-not-evaluated':
      return cause.rules.length > 0
        ? `${instanceWho(cause)} (groups ${cause.securityGroupIds.join(', ')}) may block it (rules ${cause.rules.join(', ')} not evaluated: ${cause.reason})`
        : `${instanceWho(cause)} (groups ${cause.securityGroupIds.join(', ')}) may block it (not evaluated: ${cause.reason})`;
    case 'network-acl':
      return cause.direction === 'egress'
        ? `network ACL ${cause.networkAclId} (vSwitches ${cause.vSwitchIds.join(', ')}) drops it by ${cause.detail}`
        : `network ACL ${cause.networkAclId} (vSwitches ${cause.vSwitchIds.join(', ')}): ${cause.detail} (network ACLs are stateless: the replies need an inbound entry of their own)`;
    case 'network-acl-not-evaluated':
      return `network ACL ${cause.networkAclId} may block it (${cause.direction} entries ${cause.entries.join(', ')} not evaluated: ${cause.reason})`;
    default: {
      const never: never = cause;
      throw new Error(`unhandled cause ${JSON.stringify(never)}`);
    }
  }
};

/** What the audit looked at, to say what it found fine. */
const audited = (audit: AuditReport): string => {
  const parts = [
    ...audit.securityGroups.map((g) => g.id),
    ...audit.ecsInstances.map((i) => `instance ${i.instanceId}`),
    ...audit.routeTables.map((t) => t.routeTableId),
    ...audit.networkAcls.map((a) => a.networkAclId),
  ];
  return parts.length > 0 ? parts.join(', ') : 'nothing (no security group or VPC in the audit)';
};

/**
 * For each failing probe row, the security group rule (or default) that blocks it and the route that diverts
 * it, as far as the audit saw them. An endpoint the audit finds allowed gets an explanation that says so, which
 * points away from the cloud configuration (the MSE side, a network ACL, the host itself). Pure.
 */
export const explainFailures = (rows: readonly ProbeRow[], audit: AuditReport): EndpointExplanation[] =>
  rows
    .filter((row) => row.status !== 'ok')
    .map((row) => {
      const causes: CloudCause[] = [];
      for (const group of audit.securityGroups) {
        const blocked = group.blocked.find((b) => b.ip === row.ip && b.port === row.port);
        if (blocked)
          causes.push(
            blocked.by.includes('-default-')
              ? {
                  kind: 'security-group-default',
                  securityGroupId: group.id,
                  policy: blocked.by,
                  detail: blocked.detail,
                }
              : {
                  kind: 'security-group-rule',
                  securityGroupId: group.id,
                  ruleId: blocked.by,
                  detail: blocked.detail,
                },
          );
        const unknown = group.notEvaluated.find((n) => n.ip === row.ip && n.port === row.port);
        if (unknown)
          causes.push({
            kind: 'not-evaluated',
            securityGroupId: group.id,
            rules: unknown.rules,
            reason: unknown.reason,
          });
      }
      // an instance's primary ENI, then each secondary ENI with its own groups
      const holders = audit.ecsInstances.flatMap((instance) => [
        instance,
        ...(instance.networkInterfaces ?? []).map((eni) => ({
          ...eni,
          instanceId: instance.instanceId,
          networkInterfaceId: eni.networkInterfaceId,
        })),
      ]);
      for (const instance of holders) {
        const groups = instance.securityGroupIds;
        const eni =
          'networkInterfaceId' in instance ? { networkInterfaceId: instance.networkInterfaceId } : {};
        const blocked = instance.blocked.find((b) => b.ip === row.ip && b.port === row.port);
        if (blocked)
          causes.push(
            blocked.groupId === null
              ? {
                  kind: 'instance-default',
                  instanceId: instance.instanceId,
                  ...eni,
                  securityGroupIds: groups,
                  policy: blocked.by,
                  detail: blocked.detail,
                }
              : {
                  kind: 'instance-rule',
                  instanceId: instance.instanceId,
                  ...eni,
                  securityGroupIds: groups,
                  securityGroupId: blocked.groupId,
                  ruleId: blocked.by,
                  detail: blocked.detail,
                },
          );
        const unknown = instance.notEvaluated.find((n) => n.ip === row.ip && n.port === row.port);
        if (unknown)
          causes.push({
            kind: 'instance-not-evaluated',
            instanceId: instance.instanceId,
            ...eni,
            securityGroupIds: groups,
            rules: unknown.rules,
            reason: unknown.reason,
          });
        // groups that could not be evaluated together leave every endpoint of the instance in doubt
        if (!instance.evaluated)
          causes.push({
            kind: 'instance-not-evaluated',
            instanceId: instance.instanceId,
            ...eni,
            securityGroupIds: groups,
            rules: [],
            reason: instance.reason ?? 'its groups could not be evaluated together',
          });
      }
      for (const route of audit.routes)
        if (route.diverts.includes(row.ip))
          causes.push({
            kind: 'route',
            routeTableId: route.routeTableId,
            ...(route.routeEntryId ? { routeEntryId: route.routeEntryId } : {}),
            destination: route.destination,
            nextHopType: route.nextHopType,
            nextHopId: route.nextHopId,
          });
      for (const acl of audit.networkAcls ?? []) {
        for (const b of acl.blocked)
          if (b.ip === row.ip && b.port === row.port)
            causes.push({
              kind: 'network-acl',
              networkAclId: acl.networkAclId,
              vSwitchIds: acl.vSwitchIds,
              direction: b.direction,
              entryId: b.by,
              detail: b.detail,
            });
        for (const n of acl.notEvaluated)
          if (n.ip === row.ip && n.port === row.port)
            causes.push({
              kind: 'network-acl-not-evaluated',
              networkAclId: acl.networkAclId,
              direction: n.direction,
              entries: n.entries,
              reason: n.reason,
            });
      }
      const endpoint = `${row.ip}:${row.port}`;
      const text =
        causes.length > 0
          ? `${endpoint}: ${causes.map(causeText).join('; ')}`
          : audit.networkAcls.length > 0
            ? `${endpoint}: the audited cloud configuration (${audited(audit)}) lets it out and its replies in; look at the MSE side or the host`
            : `${endpoint}: the audited cloud configuration (${audited(audit)}) lets it out; look at the MSE side, a network ACL, or the host`;
      return { endpoint, causes, text };
    });

/** "100.100.45.175:8848", or "100.100.45.175 (ports 8080, 8848, 9848)" for several ports of one address. */
const endpointsText = (endpoints: readonly string[]): string => {
  const ports = new Map<string, string[]>();
  for (const endpoint of endpoints) {
    const at = endpoint.lastIndexOf(':');
    const ip = endpoint.slice(0, at);
    ports.set(ip, [...(ports.get(ip) ?? []), endpoint.slice(at + 1)]);
  }
  return [...ports]
    .map(([ip, list]) => (list.length === 1 ? `${ip}:${list[0]}` : `${ip} (ports ${list.join(', ')})`))
    .join(', ');
};

/**
 * `check` findings with the cloud side added to their cause: the endpoints of each finding that the audit
 * explains get "Cloud side: …", endpoints with the same explanation said once ("100.100.45.175 (ports 8080,
 * 8848, 9848): security group sg-1 drops it by rule sgr-1 …"). Findings without an explained endpoint are
 * returned unchanged.
 */
export const withCloudCauses = (
  findings: readonly Finding[],
  explanations: readonly EndpointExplanation[],
): Finding[] =>
  findings.map((finding) => {
    const explained = explanations.filter(
      (e) => e.causes.length > 0 && finding.endpoints.includes(e.endpoint),
    );
    if (explained.length === 0) return finding;
    const byCause = new Map<string, string[]>();
    for (const e of explained) {
      const cause = e.causes.map(causeText).join('; ');
      byCause.set(cause, [...(byCause.get(cause) ?? []), e.endpoint]);
    }
    const cloud = [...byCause]
      .map(([cause, endpoints]) => `${endpointsText(endpoints)}: ${cause}`)
      .join('; ');
    // the finding's own cause may end its last sentence already
    return { ...finding, cause: `${finding.cause.replace(/\.+$/, '')}. Cloud side: ${cloud}` };
  });
