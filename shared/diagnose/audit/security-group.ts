import type { Target } from '../../catalog/index.ts';
import { cidrContains, parseCidr } from './ipv4.ts';
import {
  type BlockedEndpoint,
  endpointFields,
  type NotEvaluatedEndpoint,
  type SecurityGroupAudit,
} from './report.ts';

/** normal = basic security group (allows outbound unless a rule drops); enterprise = advanced (denies unless a rule accepts). */
export type GroupType = 'normal' | 'enterprise';

export type EgressRule = {
  /** SecurityGroupRuleId, or a description of the rule when the API gave none. */
  id: string;
  policy: 'accept' | 'drop';
  /** 1 is evaluated first, 100 last. */
  priority: number;
  /** TCP, UDP, ICMP, GRE, ALL ... (upper case) */
  protocol: string;
  portRange?: string;
  portRangeListId?: string;
  destCidr?: string;
  ipv6DestCidr?: string;
  destPrefixListId?: string;
  destGroupId?: string;
  description?: string;
};

/**
 * Prefix lists and port lists the rules refer to, as far as they could be read. A list that could not be
 * read has a reason instead, and a rule that needs it is "not evaluated" — never taken as matching or not.
 */
export type ReferencedLists = {
  prefixLists: Readonly<Record<string, { cidrs: readonly string[] } | { unresolved: string }>>;
  portRangeLists: Readonly<Record<string, { ranges: readonly string[] } | { unresolved: string }>>;
};

export type Decider =
  | { kind: 'rule'; rule: EgressRule }
  | { kind: 'default'; policy: 'accept' | 'drop'; groupType: GroupType };

export type EgressVerdict =
  | { verdict: 'allow' | 'deny'; by: Decider }
  /** The outcome hangs on rules that could not be evaluated; `by` is what decides if none of them matches. */
  | { verdict: 'unknown'; by: Decider; unresolved: Array<{ rule: EgressRule; reason: string }> };

type Match = { match: 'yes' } | { match: 'no' } | { match: 'unknown'; reason: string };
const YES: Match = { match: 'yes' };
const NO: Match = { match: 'no' };
const unknown = (reason: string): Match => ({ match: 'unknown', reason });

/** "8848/8848", "1/65535"; "-1/-1" is every port. Undefined when it cannot be read. */
export const portRangeContains = (range: string, port: number): boolean | undefined => {
  const match = /^\s*(-?\d+)\s*\/\s*(-?\d+)\s*$/.exec(range);
  if (!match) return undefined;
  const from = Number(match[1]);
  const to = Number(match[2]);
  if (from === -1 && to === -1) return true;
  if (from < 1 || to > 65535 || from > to) return undefined;
  return port >= from && port <= to;
};

const protocolMatch = (rule: EgressRule): Match =>
  rule.protocol === 'TCP' || rule.protocol === 'ALL' ? YES : NO;

const portMatch = (rule: EgressRule, port: number, lists: ReferencedLists): Match => {
  // "ALL" rules carry -1/-1; they cover every port whatever the field says
  if (rule.protocol === 'ALL') return YES;
  if (rule.portRangeListId) {
    const list = lists.portRangeLists[rule.portRangeListId];
    if (!list) return unknown(`port list ${rule.portRangeListId} was not read`);
    if ('unresolved' in list) return unknown(`port list ${rule.portRangeListId}: ${list.unresolved}`);
    const results = list.ranges.map((range) => portRangeContains(range, port));
    if (results.includes(true)) return YES;
    return results.includes(undefined)
      ? unknown(`port list ${rule.portRangeListId} has an unreadable range`)
      : NO;
  }
  if (!rule.portRange) return unknown('the rule has no port range');
  const inside = portRangeContains(rule.portRange, port);
  return inside === undefined ? unknown(`port range "${rule.portRange}" cannot be read`) : inside ? YES : NO;
};

const destinationMatch = (rule: EgressRule, ip: string, lists: ReferencedLists): Match => {
  if (rule.destPrefixListId) {
    const list = lists.prefixLists[rule.destPrefixListId];
    if (!list) return unknown(`prefix list ${rule.destPrefixListId} was not read`);
    if ('unresolved' in list) return unknown(`prefix list ${rule.destPrefixListId}: ${list.unresolved}`);
    // IPv6 entries of a list never cover an IPv4 endpoint
    const cidrs = list.cidrs.filter((text) => !text.includes(':')).map(parseCidr);
    if (cidrs.some((cidr) => cidr !== undefined && cidrContains(cidr, ip))) return YES;
    return cidrs.includes(undefined)
      ? unknown(`prefix list ${rule.destPrefixListId} has an unreadable entry`)
      : NO;
  }
  if (rule.destCidr) {
    const cidr = parseCidr(rule.destCidr);
    if (!cidr) return unknown(`destination "${rule.destCidr}" cannot be read`);
    return cidrContains(cidr, ip) ? YES : NO;
  }
  // an IPv6-only rule never matches an IPv4 endpoint
  if (rule.ipv6DestCidr) return NO;
  // a rule towards another security group matches that group's instances; MSE endpoints are not ECS instances
  if (rule.destGroupId) return NO;
  return unknown('the rule has no destination');
};

/** A rule applies only if protocol, port and destination all match; one definite "no" settles it. */
export const ruleMatches = (
  rule: EgressRule,
  target: Pick<Target, 'ip' | 'port'>,
  lists: ReferencedLists,
): Match => {
  const parts = [
    protocolMatch(rule),
    portMatch(rule, target.port, lists),
    destinationMatch(rule, target.ip, lists),
  ];
  if (parts.some((part) => part.match === 'no')) return NO;
  const reasons = parts.flatMap((part) => (part.match === 'unknown' ? [part.reason] : []));
  return reasons.length > 0 ? unknown(reasons.join('; ')) : YES;
};

/** ECS order: lower priority number first; at the same priority a Drop rule wins over an Accept rule. */
export const byPrecedence = (a: EgressRule, b: EgressRule): number =>
  a.priority - b.priority || (a.policy === b.policy ? 0 : a.policy === 'drop' ? -1 : 1);

export const defaultPolicy = (groupType: GroupType): 'accept' | 'drop' =>
  groupType === 'enterprise' ? 'drop' : 'accept';

/**
 * What ECS does with TCP from an instance in this group to ip:port: the first rule by precedence that matches
 * decides; none matching, the group type's default. A rule that cannot be evaluated and comes before the decider
 * with the opposite policy makes the outcome unknown.
 */
export const evaluateEgress = (
  group: { type: GroupType; rules: readonly EgressRule[] },
  lists: ReferencedLists,
  target: Pick<Target, 'ip' | 'port'>,
): EgressVerdict => {
  const pending: Array<{ rule: EgressRule; reason: string }> = [];
  let by: Decider = { kind: 'default', policy: defaultPolicy(group.type), groupType: group.type };
  for (const rule of [...group.rules].sort(byPrecedence)) {
    const match = ruleMatches(rule, target, lists);
    if (match.match === 'no') continue;
    if (match.match === 'unknown') {
      pending.push({ rule, reason: match.reason });
      continue;
    }
    by = { kind: 'rule', rule };
    break;
  }
  const policy = by.kind === 'rule' ? by.rule.policy : by.policy;
  const flipping = pending.filter((p) => p.rule.policy !== policy);
  if (flipping.length > 0) return { verdict: 'unknown', by, unresolved: flipping };
  return { verdict: policy === 'accept' ? 'allow' : 'deny', by };
};

/** "sgr-bp1…" or "enterprise-default-deny": what `by` says in the JSON. */
export const deciderId = (by: Decider): string =>
  by.kind === 'rule' ? by.rule.id : `${by.groupType}-default-${by.policy === 'accept' ? 'allow' : 'deny'}`;

export const describeRule = (rule: EgressRule): string => {
  const destination =
    rule.destCidr ??
    (rule.destPrefixListId ? `prefix list ${rule.destPrefixListId}` : undefined) ??
    rule.ipv6DestCidr ??
    (rule.destGroupId ? `group ${rule.destGroupId}` : 'no destination');
  const ports = rule.portRangeListId ? `port list ${rule.portRangeListId}` : `ports ${rule.portRange ?? '?'}`;
  return `priority ${rule.priority} ${rule.policy === 'drop' ? 'Drop' : 'Accept'} ${rule.protocol} to ${destination} ${ports}`;
};

/** One sentence on why this decider blocks or allows, for findings and text output. */
export const describeDecider = (by: Decider): string =>
  by.kind === 'rule'
    ? `rule ${by.rule.id} (${describeRule(by.rule)})`
    : by.groupType === 'enterprise'
      ? 'no rule accepts it, and an enterprise (advanced) security group denies outbound traffic that no rule accepts'
      : 'no rule matches, and a basic security group allows outbound traffic that no rule drops';

/**
 * Whether adding Accept rules at priority 1 (what `allowlist --format aliyun-sg` prints) lets the traffic out:
 * not when a Drop rule at priority 1 matches, since Drop wins a tie.
 */
export const fixableByAccept = (by: Decider): boolean => by.kind === 'default' || by.rule.priority > 1;

/**
 * Every target through one rule list (a group's, or an instance's groups merged): how many pass, what cannot be
 * evaluated, and what is blocked, each blocked endpoint recorded by the caller from its decider.
 */
export const evaluateTargets = <B>(
  group: { type: GroupType; rules: readonly EgressRule[] },
  lists: ReferencedLists,
  targets: readonly Target[],
  recordBlocked: (endpoint: ReturnType<typeof endpointFields>, by: Decider) => B,
): { allowed: number; blocked: B[]; notEvaluated: NotEvaluatedEndpoint[] } => {
  const blocked: B[] = [];
  const notEvaluated: NotEvaluatedEndpoint[] = [];
  let allowed = 0;
  for (const target of targets) {
    const verdict = evaluateEgress(group, lists, target);
    switch (verdict.verdict) {
      case 'allow':
        allowed++;
        break;
      case 'deny':
        blocked.push(recordBlocked(endpointFields(target), verdict.by));
        break;
      case 'unknown':
        notEvaluated.push({
          ...endpointFields(target),
          rules: verdict.unresolved.map((u) => u.rule.id),
          reason: [...new Set(verdict.unresolved.map((u) => u.reason))].join('; '),
        });
        break;
      default: {
        const never: never = verdict;
        throw new Error(`unhandled verdict ${JSON.stringify(never)}`);
      }
    }
  }
  return { allowed, blocked, notEvaluated };
};

/** Every target through one group: what is blocked (and by what), what cannot be evaluated, how many pass. */
export const auditSecurityGroup = (
  group: { id: string; name?: string; type: GroupType; vpcId?: string; rules: readonly EgressRule[] },
  lists: ReferencedLists,
  targets: readonly Target[],
): SecurityGroupAudit => {
  const { allowed, blocked, notEvaluated } = evaluateTargets(
    group,
    lists,
    targets,
    (endpoint, by): BlockedEndpoint => ({
      ...endpoint,
      by: deciderId(by),
      detail: describeDecider(by),
      fixableByAccept: fixableByAccept(by),
    }),
  );
  return {
    id: group.id,
    ...(group.name ? { name: group.name } : {}),
    type: group.type,
    ...(group.vpcId ? { vpcId: group.vpcId } : {}),
    egressRules: group.rules.length,
    allowed,
    blocked,
    notEvaluated,
  };
};
