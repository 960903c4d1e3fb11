import { z } from 'zod';
import { Finding } from '../report/schema.ts';

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
      ok: z.boolean(),
      steps: z.array(z.strictObject({ name: z.string(), status: z.string(), error: z.string().optional() })),
    })
    .optional(),
  /** What alerting did, as the alerting module reports it. */
  alerts: z.unknown().optional(),
  catalogVersion: z.string().optional(),
  /** Sinks beside stdout (`sls:` in the config): lines delivered, lines not, and why. */
  delivery: z
    .strictObject({ sent: z.number().int(), failed: z.number().int(), errors: z.array(z.string()) })
    .optional(),
});
export type FunctionSummary = z.infer<typeof FunctionSummary>;
