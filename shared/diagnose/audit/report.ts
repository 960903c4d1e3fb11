import { z } from 'zod';
import type { Target } from '../../catalog/index.ts';
import { Finding } from '../../report/schema.ts';

/** What every audit record is about: a catalog ip:port, its category, and whether applications need it. */
const endpoint = {
  ip: z.string(),
  port: z.number().int(),
  category: z.string(),
  required: z.boolean(),
};

/** The `endpoint` fields of a catalog target, in the records' order. */
export const endpointFields = (target: Target) => ({
  ip: target.ip,
  port: target.port,
  category: target.category,
  required: target.required,
});

/** An endpoint the security group does not let out, and what decides it. */
export const BlockedEndpoint = z.strictObject({
  ...endpoint,
  /** The rule id (sgr-…) or the group's default ("enterprise-default-deny"). */
  by: z.string(),
  /** The rule in words, or why the default applies. */
  detail: z.string(),
  /** Whether Accept rules at priority 1 let it out (not past a priority-1 Drop: Drop wins a tie). */
  fixableByAccept: z.boolean(),
});
export type BlockedEndpoint = z.infer<typeof BlockedEndpoint>;

/** An endpoint whose fate hangs on rules that could not be read (prefix or port lists): never taken as allowed. */
export const NotEvaluatedEndpoint = z.strictObject({
  ...endpoint,
  rules: z.array(z.string()),
  reason: z.string(),
});
export type NotEvaluatedEndpoint = z.infer<typeof NotEvaluatedEndpoint>;

export const SecurityGroupAudit = z.strictObject({
  id: z.string(),
  name: z.string().optional(),
  type: z.enum(['normal', 'enterprise']),
  vpcId: z.string().optional(),
  egressRules: z.number().int(),
  allowed: z.number().int(),
  blocked: z.array(BlockedEndpoint),
  notEvaluated: z.array(NotEvaluatedEndpoint),
});
export type SecurityGroupAudit = z.infer<typeof SecurityGroupAudit>;

/** An endpoint an ECS instance's security groups, taken together, do not let out. */
export const InstanceBlockedEndpoint = z.strictObject({
  ...endpoint,
  /** The deciding rule id (sgr-…) or the groups' default ("enterprise-default-deny"). */
  by: z.string(),
  /** The group the deciding rule belongs to; null when no rule matches and the groups' default decides. */
  groupId: z.string().nullable(),
  detail: z.string(),
  /** Whether an Accept rule at priority 1 in any of the instance's groups lets it out (not past a priority-1 Drop). */
  fixableByAccept: z.boolean(),
});
export type InstanceBlockedEndpoint = z.infer<typeof InstanceBlockedEndpoint>;

/** The groups' common type; `mixed` (which ECS forbids) or `unknown` when it cannot be told: then nothing is evaluated. */
const MergedGroupsType = z.enum(['normal', 'enterprise', 'mixed', 'unknown']);

/** Several security groups evaluated together (an instance's, an ENI's), as ECS applies them. */
const mergedGroupsEvaluation = {
  /** Whether the groups were evaluated together; when not, `reason` says why and no endpoint counts as allowed. */
  evaluated: z.boolean(),
  reason: z.string().optional(),
  /** Egress rules of all the groups together. */
  egressRules: z.number().int(),
  allowed: z.number().int(),
  blocked: z.array(InstanceBlockedEndpoint),
  notEvaluated: z.array(NotEvaluatedEndpoint),
};

/**
 * A secondary ENI of an ECS instance: traffic it sends is filtered by its own security groups (all of them
 * together, like an instance's), which DescribeNetworkInterfaces lists.
 */
export const NetworkInterfaceAudit = z.strictObject({
  networkInterfaceId: z.string(),
  securityGroupIds: z.array(z.string()),
  vSwitchId: z.string().nullable(),
  type: MergedGroupsType,
  ...mergedGroupsEvaluation,
});
export type NetworkInterfaceAudit = z.infer<typeof NetworkInterfaceAudit>;

/**
 * An ECS instance's egress as ECS applies it: the rules of all its security groups sorted together by priority
 * (Drop winning a tie), the groups' common type deciding when none matches.
 */
export const EcsInstanceAudit = z.strictObject({
  instanceId: z.string(),
  name: z.string().optional(),
  /** The instance's (primary ENI's) groups, in the order ECS lists them. */
  securityGroupIds: z.array(z.string()),
  type: MergedGroupsType,
  vpcId: z.string().nullable(),
  vSwitchId: z.string().nullable(),
  ...mergedGroupsEvaluation,
  /** Secondary ENIs: they carry security groups of their own, which DescribeInstances does not list. */
  secondaryNetworkInterfaceIds: z.array(z.string()),
  /** Each secondary ENI with its own groups evaluated together (DescribeNetworkInterfaces). Additive. */
  networkInterfaces: z.array(NetworkInterfaceAudit),
});
export type EcsInstanceAudit = z.infer<typeof EcsInstanceAudit>;

export const RouteDiversion = z.strictObject({
  routeTableId: z.string(),
  routeEntryId: z.string().optional(),
  destination: z.string(),
  type: z.string(),
  nextHopType: z.string(),
  nextHopId: z.string(),
  overrides: z.string(),
  diverts: z.array(z.string()),
  vSwitchIds: z.array(z.string()),
});
export type RouteDiversion = z.infer<typeof RouteDiversion>;

export const RouteTableAudit = z.strictObject({
  routeTableId: z.string(),
  type: z.string(),
  vSwitchIds: z.array(z.string()),
  entries: z.number().int(),
  uncovered: z.array(z.string()),
});
export type RouteTableAudit = z.infer<typeof RouteTableAudit>;

export const MaintenancePeriodJson = z.strictObject({
  start: z.string(),
  end: z.string(),
  timezone: z.string(),
});

export const InstanceAudit = z.strictObject({
  instanceId: z.string(),
  name: z.string().optional(),
  clusterType: z.string().optional(),
  version: z.string().optional(),
  edition: z.string().optional(),
  health: z.string().optional(),
  initStatus: z.string().optional(),
  condition: z.enum(['ok', 'busy', 'trouble', 'unknown']),
  intranetDomain: z.string().optional(),
  internetDomain: z.string().optional(),
  ports: z.array(z.number().int()),
  vpcId: z.string().optional(),
  vSwitchId: z.string().optional(),
  maintenancePeriod: MaintenancePeriodJson.nullable(),
  inMaintenance: z.boolean(),
  /** What `nacos: {instanceId}` resolves to; null when the instance is not a Nacos engine or has no intranet domain. */
  nacosServer: z.string().nullable(),
});
export type InstanceAudit = z.infer<typeof InstanceAudit>;

/** The exact rules that let the blocked endpoints out of one security group. */
export const SecurityGroupFix = z.strictObject({
  securityGroupId: z.string(),
  /** Set when the fix is for an ECS instance (its groups taken together): the Accept rules go to its first group. */
  ecsInstanceId: z.string().optional(),
  /** Set when the fix is for a secondary ENI of `ecsInstanceId`: the Accept rules go to the ENI's first group. */
  networkInterfaceId: z.string().optional(),
  /** `mse-watch allowlist --format aliyun-sg` calls for just these endpoints and this group. */
  permissions: z.array(z.unknown()),
  /** The same calls as `aliyun` CLI command lines. */
  commands: z.array(z.string()),
  /** Priority-1 Drop rules no Accept can outrank: removing (or narrowing) them is the fix. */
  revoke: z.array(z.string()),
});
export type SecurityGroupFix = z.infer<typeof SecurityGroupFix>;

/** An endpoint a network ACL blocks: outbound to it, or the replies from it (ACLs are stateless). */
export const AclBlockedEndpoint = z.strictObject({
  ...endpoint,
  /** egress: the connection to ip:port; ingress: the replies from ip back to the client's ephemeral ports. */
  direction: z.enum(['egress', 'ingress']),
  /** The entry id (nae-…, else its name or "entry #N") or the ACL's default ("network-acl-default-deny"). */
  by: z.string(),
  detail: z.string(),
  /** ingress only: some of the ephemeral ports 1024-65535 accepted, the rest (`droppedPorts`) dropped. */
  partial: z.boolean(),
  /** ingress only: the ephemeral port ranges whose replies are dropped ("1024/65535"). */
  droppedPorts: z.array(z.string()).optional(),
  /** partial only: whether Linux's default ephemeral range 32768-60999 is wholly accepted. */
  linuxPortsAllowed: z.boolean().optional(),
});
export type AclBlockedEndpoint = z.infer<typeof AclBlockedEndpoint>;

export const NotEvaluatedAclEndpoint = z.strictObject({
  ...endpoint,
  direction: z.enum(['egress', 'ingress']),
  entries: z.array(z.string()),
  reason: z.string(),
});
export type NotEvaluatedAclEndpoint = z.infer<typeof NotEvaluatedAclEndpoint>;

/** The network ACL bound to one or more of the audited vSwitches, evaluated both ways. */
export const NetworkAclAudit = z.strictObject({
  networkAclId: z.string(),
  name: z.string().optional(),
  /** The audited vSwitches it is bound to. */
  vSwitchIds: z.array(z.string()),
  ingressEntries: z.number().int(),
  egressEntries: z.number().int(),
  /** Endpoints open both ways. */
  allowed: z.number().int(),
  blocked: z.array(AclBlockedEndpoint),
  notEvaluated: z.array(NotEvaluatedAclEndpoint),
  /** The UpdateNetworkAclEntries request that opens the blocked endpoints (the ACL's own entries kept), and the same as an aliyun CLI command. */
  fix: z
    .strictObject({ action: z.literal('UpdateNetworkAclEntries'), request: z.unknown(), command: z.string() })
    .optional(),
});
export type NetworkAclAudit = z.infer<typeof NetworkAclAudit>;

export const AuditSection = z.enum(['securityGroups', 'ecsInstances', 'routes', 'networkAcls', 'instances']);
export type AuditSection = z.infer<typeof AuditSection>;

/** A part of the audit that could not be done: a RAM denial, an unknown id, throttling that did not end. */
export const AuditError = z.strictObject({
  section: AuditSection,
  code: z.string(),
  message: z.string(),
});
export type AuditError = z.infer<typeof AuditError>;

/** The `mse-watch audit --json` document. Keys named in the issue are the contract; the rest is additive. */
export const AuditReport = z.strictObject({
  region: z.string(),
  catalogVersion: z.string(),
  startedAt: z.string(),
  durationMs: z.number(),
  includeArms: z.boolean(),
  /** No required (or asked-for) endpoint blocked, diverted or left unevaluated, and no instance in trouble. */
  ok: z.boolean(),
  /** Every section asked for was audited (no entry in `errors`). */
  complete: z.boolean(),
  vpcId: z.string().nullable(),
  vSwitchId: z.string().nullable(),
  securityGroups: z.array(SecurityGroupAudit),
  /** `--ecs-instance`: each instance's groups evaluated together, as ECS applies them. Additive. */
  ecsInstances: z.array(EcsInstanceAudit),
  routes: z.array(RouteDiversion),
  routeTables: z.array(RouteTableAudit),
  /** The network ACLs of the audited vSwitches (none bound: not listed). Additive. */
  networkAcls: z.array(NetworkAclAudit),
  instances: z.array(InstanceAudit),
  findings: z.array(Finding),
  fixes: z.array(SecurityGroupFix),
  errors: z.array(AuditError),
  /** OpenAPI requests made, throttled retries included. */
  requests: z.number().int(),
});
export type AuditReport = z.infer<typeof AuditReport>;
