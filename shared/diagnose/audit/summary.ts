import { z } from 'zod';
import type { Finding } from '../../report/schema.ts';
import type { EndpointExplanation } from './explain.ts';
import type { AuditReport } from './report.ts';

/**
 * The cloud-side audit of a `check` run (an `audit:` section), as `check --json` and the function summary carry
 * it: counts and names, not the whole audit document (`mse-watch audit --json` has that). Additive.
 */
export const AuditSummary = z.strictObject({
  /** Nothing the audit read blocks or diverts an endpoint, and no instance is in trouble. */
  ok: z.boolean(),
  /** Every part was read (no entry in `errors`) and the audit finished within the run's budget. */
  complete: z.boolean(),
  durationMs: z.number(),
  /** OpenAPI requests made, throttled retries included. */
  requests: z.number().int(),
  /** Distinct endpoints (ip:port) some audited security group, ECS instance's groups together, or network ACL block. */
  blocked: z.number().int(),
  securityGroups: z.array(
    z.strictObject({
      id: z.string(),
      type: z.enum(['normal', 'enterprise']),
      allowed: z.number().int(),
      blocked: z.number().int(),
      notEvaluated: z.number().int(),
    }),
  ),
  /** ECS instances (`audit.ecsInstances`), each with its groups evaluated together. Additive. */
  ecsInstances: z
    .array(
      z.strictObject({
        instanceId: z.string(),
        securityGroupIds: z.array(z.string()),
        type: z.enum(['normal', 'enterprise', 'mixed', 'unknown']),
        evaluated: z.boolean(),
        allowed: z.number().int(),
        blocked: z.number().int(),
        notEvaluated: z.number().int(),
      }),
    )
    .default([]),
  /** The network ACLs of the audited vSwitches, evaluated both ways (outbound, and the replies back in). Additive. */
  networkAcls: z
    .array(
      z.strictObject({
        networkAclId: z.string(),
        vSwitchIds: z.array(z.string()),
        allowed: z.number().int(),
        /** Endpoints whose connection (egress) or replies (ingress) the ACL drops. */
        blocked: z.number().int(),
        notEvaluated: z.number().int(),
      }),
    )
    .default([]),
  /** Routes that send MSE addresses away from the cloud-service route. */
  diversions: z.array(
    z.strictObject({
      routeTableId: z.string(),
      routeEntryId: z.string().optional(),
      destination: z.string(),
      nextHopType: z.string(),
      nextHopId: z.string(),
      /** How many catalog addresses it diverts. */
      diverts: z.number().int(),
    }),
  ),
  instances: z.array(
    z.strictObject({
      instanceId: z.string(),
      condition: z.enum(['ok', 'busy', 'trouble', 'unknown']),
      inMaintenance: z.boolean(),
    }),
  ),
  /** Failing endpoints (ip:port) whose finding names the rule or route that explains them. */
  explained: z.array(z.string()),
  /** What could not be read, one line each; `section: "run"` for the audit as a whole (no region, out of time). */
  errors: z.array(z.strictObject({ section: z.string(), code: z.string(), message: z.string() })),
});
export type AuditSummary = z.infer<typeof AuditSummary>;

/** The summary of an audit that ran, and which failing endpoints it explains. Pure. */
export const summarizeAudit = (
  audit: AuditReport,
  explanations: readonly EndpointExplanation[],
  extraErrors: AuditSummary['errors'] = [],
): AuditSummary => {
  const blocked = new Set(
    [
      ...audit.securityGroups,
      ...audit.ecsInstances,
      ...audit.ecsInstances.flatMap((i) => i.networkInterfaces),
      ...audit.networkAcls,
    ].flatMap((holder) => holder.blocked.map((b) => `${b.ip}:${b.port}`)),
  );
  return {
    ok: audit.ok,
    complete: audit.complete && extraErrors.length === 0,
    durationMs: audit.durationMs,
    requests: audit.requests,
    blocked: blocked.size,
    securityGroups: audit.securityGroups.map((group) => ({
      id: group.id,
      type: group.type,
      allowed: group.allowed,
      blocked: group.blocked.length,
      notEvaluated: group.notEvaluated.length,
    })),
    ecsInstances: audit.ecsInstances.map((instance) => ({
      instanceId: instance.instanceId,
      securityGroupIds: instance.securityGroupIds,
      type: instance.type,
      evaluated: instance.evaluated,
      allowed: instance.allowed,
      blocked: instance.blocked.length,
      notEvaluated: instance.notEvaluated.length,
    })),
    networkAcls: audit.networkAcls.map((acl) => ({
      networkAclId: acl.networkAclId,
      vSwitchIds: acl.vSwitchIds,
      allowed: acl.allowed,
      blocked: new Set(acl.blocked.map((b) => `${b.ip}:${b.port}`)).size,
      notEvaluated: new Set(acl.notEvaluated.map((n) => `${n.ip}:${n.port}`)).size,
    })),
    diversions: audit.routes.map((route) => ({
      routeTableId: route.routeTableId,
      ...(route.routeEntryId ? { routeEntryId: route.routeEntryId } : {}),
      destination: route.destination,
      nextHopType: route.nextHopType,
      nextHopId: route.nextHopId,
      diverts: route.diverts.length,
    })),
    instances: audit.instances.map((instance) => ({
      instanceId: instance.instanceId,
      condition: instance.condition,
      inMaintenance: instance.inMaintenance,
    })),
    explained: explanations.filter((e) => e.causes.length > 0).map((e) => e.endpoint),
    errors: [...audit.errors, ...extraErrors],
  };
};

/** An audit that could not run at all (no region, no client, out of time): only its errors. */
export const failedAuditSummary = (errors: AuditSummary['errors'], durationMs: number): AuditSummary => ({
  ok: false,
  complete: false,
  durationMs,
  requests: 0,
  blocked: 0,
  securityGroups: [],
  ecsInstances: [],
  networkAcls: [],
  diversions: [],
  instances: [],
  explained: [],
  errors,
});

/**
 * The audit's own trouble as a finding of the run: the endpoints' findings then lack the cloud side, and this
 * says why and what to do. The same message said by several sections (no credentials) is said once.
 */
export const auditErrorFinding = (summary: AuditSummary): Finding | undefined => {
  if (summary.errors.length === 0) return undefined;
  const messages = [...new Set(summary.errors.map((e) => e.message))];
  const denied = summary.errors.some((e) => e.code === 'permission-denied');
  return {
    severity: 'warning',
    category: 'audit',
    symptom: `The cloud-side audit (audit: in the config) could not read everything: failing endpoints may lack the rule or route that explains them`,
    cause: messages.join('; '),
    action: denied
      ? 'Give the identity the run uses (the function role, or your CLI user) the read-only actions listed in docs/audit.md'
      : 'Fix what the cause names, or remove the audit: section; the probes and their findings stand on their own',
    endpoints: [],
  };
};
