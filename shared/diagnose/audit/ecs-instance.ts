import type { Target } from '../../catalog/index.ts';
import type { EcsInstanceAudit, InstanceBlockedEndpoint, NetworkInterfaceAudit } from './report.ts';
import {
  type Decider,
  deciderId,
  describeRule,
  type EgressRule,
  evaluateTargets,
  fixableByAccept,
  type GroupType,
  type ReferencedLists,
} from './security-group.ts';

// ECS applies every security group of an instance (of its ENI) together: the rules of all of them are sorted by
// priority as one list, Drop wins a tie, and when none matches the default of the groups' type applies (the
// groups of one instance are all basic or all enterprise). So an instance is evaluated here as one merged group,
// with the existing per-group evaluator, and each deciding rule keeps the group it came from.

export type InstanceGroup = { id: string; type: GroupType; rules: readonly EgressRule[] };

export type EcsInstanceInput = {
  instanceId: string;
  name?: string;
  /** The instance's groups in the order ECS lists them. */
  securityGroupIds: readonly string[];
  vpcId?: string;
  vSwitchId?: string;
  secondaryNetworkInterfaceIds: readonly string[];
  /** Each of `securityGroupIds` as read; one that could not be read (or has an odd type) says why instead. */
  groups: ReadonlyArray<InstanceGroup | { id: string; unreadable: string }>;
};

const typeWord = (type: GroupType): string => (type === 'enterprise' ? 'enterprise' : 'basic');

/** "sg-a, sg-b" */
export const groupList = (ids: readonly string[]): string => ids.join(', ');

/** Why the decider blocks, naming the rule's group, for findings and explanations. */
export const describeInstanceDecider = (by: Decider, groupId: string | null): string =>
  by.kind === 'rule'
    ? `rule ${by.rule.id} of ${groupId ?? 'one of its groups'} (${describeRule(by.rule)})`
    : by.groupType === 'enterprise'
      ? 'no rule of its security groups accepts it, and enterprise (advanced) security groups deny outbound traffic that no rule accepts'
      : 'no rule of its security groups matches, and basic security groups allow outbound traffic that no rule drops';

/** Nothing evaluated: the result says why, and counts nothing as allowed. */
const notEvaluated = (
  instance: EcsInstanceInput,
  type: EcsInstanceAudit['type'],
  reason: string,
  egressRules: number,
): EcsInstanceAudit => ({
  ...base(instance),
  type,
  evaluated: false,
  reason,
  egressRules,
  allowed: 0,
  blocked: [],
  notEvaluated: [],
});

const base = (instance: EcsInstanceInput) => ({
  instanceId: instance.instanceId,
  ...(instance.name ? { name: instance.name } : {}),
  securityGroupIds: [...instance.securityGroupIds],
  vpcId: instance.vpcId ?? null,
  vSwitchId: instance.vSwitchId ?? null,
  secondaryNetworkInterfaceIds: [...instance.secondaryNetworkInterfaceIds],
  networkInterfaces: [],
});

/**
 * Every target through all the instance's groups together. Groups of different types (which ECS forbids), or a
 * group that could not be read, leave the instance not evaluated: its outcome would be a guess. Pure.
 */
export const auditEcsInstance = (
  instance: EcsInstanceInput,
  lists: ReferencedLists,
  targets: readonly Target[],
): EcsInstanceAudit => {
  if (instance.groups.length === 0)
    return notEvaluated(instance, 'unknown', 'the instance lists no security group', 0);
  const readable = instance.groups.filter((g): g is InstanceGroup => !('unreadable' in g));
  const rulesCount = readable.reduce((sum, g) => sum + g.rules.length, 0);
  const unreadable = instance.groups.filter(
    (g): g is { id: string; unreadable: string } => 'unreadable' in g,
  );
  if (unreadable.length > 0)
    return notEvaluated(
      instance,
      'unknown',
      `${unreadable.map((g) => `security group ${g.id} could not be read (${g.unreadable})`).join('; ')}: the rules of all the instance's groups apply together, so none is evaluated without ${unreadable.length === 1 ? 'it' : 'them'}`,
      rulesCount,
    );
  const types = new Set(readable.map((g) => g.type));
  const [type] = types;
  if (types.size > 1 || type === undefined)
    return notEvaluated(
      instance,
      'mixed',
      `its security groups are of different types (${readable.map((g) => `${g.id} ${typeWord(g.type)}`).join(', ')}), which ECS does not allow for one instance: which default applies to traffic no rule matches is unknown`,
      rulesCount,
    );

  const owner = new Map<EgressRule, string>();
  for (const group of readable) for (const rule of group.rules) owner.set(rule, group.id);
  // one list in the instance's group order: at equal priority and policy the first group's rule is named
  const merged = { type, rules: readable.flatMap((g) => g.rules) };
  const {
    allowed,
    blocked,
    notEvaluated: unknown,
  } = evaluateTargets(merged, lists, targets, (endpoint, by): InstanceBlockedEndpoint => {
    const groupId = by.kind === 'rule' ? (owner.get(by.rule) ?? null) : null;
    return {
      ...endpoint,
      by: deciderId(by),
      groupId,
      detail: describeInstanceDecider(by, groupId),
      fixableByAccept: fixableByAccept(by),
    };
  });
  return {
    ...base(instance),
    type,
    evaluated: true,
    egressRules: rulesCount,
    allowed,
    blocked,
    notEvaluated: unknown,
  };
};

export type NetworkInterfaceInput = {
  networkInterfaceId: string;
  /** The ENI's groups in the order ECS lists them. */
  securityGroupIds: readonly string[];
  vSwitchId?: string;
  groups: EcsInstanceInput['groups'];
};

/** A secondary ENI's own groups, together, as ECS applies them to what it sends: as an instance's. Pure. */
export const auditNetworkInterface = (
  eni: NetworkInterfaceInput,
  lists: ReferencedLists,
  targets: readonly Target[],
): NetworkInterfaceAudit => {
  const audit = auditEcsInstance(
    {
      instanceId: eni.networkInterfaceId,
      securityGroupIds: eni.securityGroupIds,
      secondaryNetworkInterfaceIds: [],
      groups: eni.groups,
    },
    lists,
    targets,
  );
  return {
    networkInterfaceId: eni.networkInterfaceId,
    securityGroupIds: [...eni.securityGroupIds],
    vSwitchId: eni.vSwitchId ?? null,
    type: audit.type,
    evaluated: audit.evaluated,
    ...(audit.reason ? { reason: audit.reason.replace(/the instance(')?/g, 'the ENI$1') } : {}),
    egressRules: audit.egressRules,
    allowed: audit.allowed,
    blocked: audit.blocked,
    notEvaluated: audit.notEvaluated,
  };
};

/** A secondary ENI that could not be read (DescribeNetworkInterfaces denied, or it is gone): nothing counts as allowed. */
export const unreadNetworkInterface = (
  networkInterfaceId: string,
  reason: string,
): NetworkInterfaceAudit => ({
  networkInterfaceId,
  securityGroupIds: [],
  vSwitchId: null,
  type: 'unknown',
  evaluated: false,
  reason,
  egressRules: 0,
  allowed: 0,
  blocked: [],
  notEvaluated: [],
});
