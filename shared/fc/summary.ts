import { z } from 'zod';
import { AuditSummary } from '../diagnose/audit/summary.ts';
import type { NacosReport } from '../nacos/report.ts';
import { Finding, type ProbeRow } from '../report/schema.ts';
import { endpointOf } from '../util/format.ts';

export const CheckKind = z.enum(['endpoints', 'nacos']);
export type CheckKind = z.infer<typeof CheckKind>;

export const FailedProbe = z.strictObject({
  ip: z.string(),
  port: z.number().int(),
  category: z.string(),
  required: z.boolean(),
  status: z.string(),
  errorCode: z.string().optional(),
});
export type FailedProbe = z.infer<typeof FailedProbe>;

export const Delivery = z.strictObject({
  sent: z.number().int(),
  failed: z.number().int(),
  errors: z.array(z.string()),
});
export type Delivery = z.infer<typeof Delivery>;

/**
 * What a handler returns (and `mse-watch invoke` prints). Compact on purpose: the full report is in
 * the logstore, one line per probe; this is the verdict plus enough to compare with a local run.
 */
export const FunctionSummary = z.strictObject({
  ok: z.boolean(),
  /** False when the time budget (or an error) cut the run short; what is known is still here. */
  complete: z.boolean(),
  check: CheckKind,
  region: z.string().nullable(),
  runId: z.string(),
  function: z.string(),
  startedAt: z.string(),
  durationMs: z.number(),
  budgetMs: z.number(),
  reason: z.string().optional(),
  trigger: z.strictObject({ name: z.string(), time: z.string() }).optional(),
  counts: z.strictObject({
    probes: z.number().int(),
    ok: z.number().int(),
    failed: z.number().int(),
    findings: z.number().int(),
    critical: z.number().int(),
  }),
  findings: z.array(Finding),
  /** Probes that did not succeed, with their reason. */
  failed: z.array(FailedProbe),
  /** ip:port of every probe that succeeded: with `failed`, what the function saw of each endpoint. */
  reachable: z.array(z.string()),
  /** The Nacos check's steps (probe-nacos), as name → status. */
  nacos: z
    .strictObject({
      server: z.string(),
      /** The MSE instance `server` was resolved from (`nacos.instanceId`). */
      instanceId: z.string().optional(),
      /** The run fell in the instance's maintenance period: its alerts are held. */
      inMaintenance: z.boolean().optional(),
      ok: z.boolean(),
      steps: z.array(z.strictObject({ name: z.string(), status: z.string(), error: z.string().optional() })),
    })
    .optional(),
  /** What alerting did, as the alerting module reports it. */
  alerts: z.unknown().optional(),
  catalogVersion: z.string().optional(),
  /** The interception check's verdict: `intercepted` means green results from this vantage prove nothing. */
  interception: z.enum(['clear', 'intercepted', 'inconclusive']).optional(),
  /** Sinks beside stdout (`sls:` in the config): lines delivered, lines not, and why. */
  delivery: Delivery.optional(),
  /** What the config loader merged or ignored, one line each (a duplicate target merged). */
  warnings: z.array(z.string()).optional(),
  /** The cloud-side audit (`audit:` in the config): blocked counts, diversions, what could not be read. */
  audit: AuditSummary.optional(),
});
export type FunctionSummary = z.infer<typeof FunctionSummary>;

export type SummaryInput = {
  check: CheckKind;
  ok: boolean;
  complete: boolean;
  region: string | null;
  runId: string;
  function: string;
  startedAt: string;
  durationMs: number;
  budgetMs: number;
  reason?: string;
  trigger?: { name: string; time: string };
  /** The probes seen: the report's, or those that finished before the run was cut. */
  probes: ProbeRow[];
  findings: Finding[];
  nacos?: NacosReport;
  alerts?: unknown;
  catalogVersion?: string;
  interception?: FunctionSummary['interception'];
  delivery?: Delivery;
  warnings?: string[];
  audit?: AuditSummary;
};

/** The summary contract, built from what the run produced. Pure. */
export const summarize = (input: SummaryInput): FunctionSummary => {
  const { probes, findings } = input;
  const failed = probes.filter((row) => row.status !== 'ok');
  return {
    ok: input.ok,
    complete: input.complete,
    check: input.check,
    region: input.region,
    runId: input.runId,
    function: input.function,
    startedAt: input.startedAt,
    durationMs: input.durationMs,
    budgetMs: input.budgetMs,
    ...(input.reason === undefined ? {} : { reason: input.reason }),
    ...(input.trigger ? { trigger: input.trigger } : {}),
    counts: {
      probes: probes.length,
      ok: probes.length - failed.length,
      failed: failed.length,
      findings: findings.length,
      critical: findings.filter((finding) => finding.severity === 'critical').length,
    },
    findings,
    failed: failed.map((row) => ({
      ip: row.ip,
      port: row.port,
      category: row.category,
      required: row.required,
      status: row.status,
      ...(row.error ? { errorCode: row.error.code } : {}),
    })),
    reachable: probes.filter((row) => row.status === 'ok').map(endpointOf),
    ...(input.nacos
      ? {
          nacos: {
            server: input.nacos.server,
            ...(input.nacos.instance
              ? {
                  instanceId: input.nacos.instance.instanceId,
                  inMaintenance: input.nacos.instance.inMaintenance,
                }
              : {}),
            ok: input.nacos.ok,
            steps: input.nacos.steps.map((step) => ({
              name: step.name,
              status: step.status,
              ...(step.error ? { error: `${step.error.code}: ${step.error.message}` } : {}),
            })),
          },
        }
      : {}),
    ...(input.alerts === undefined ? {} : { alerts: input.alerts }),
    ...(input.catalogVersion ? { catalogVersion: input.catalogVersion } : {}),
    ...(input.interception ? { interception: input.interception } : {}),
    ...(input.delivery ? { delivery: input.delivery } : {}),
    ...(input.warnings && input.warnings.length > 0 ? { warnings: input.warnings } : {}),
    ...(input.audit ? { audit: input.audit } : {}),
  };
};
