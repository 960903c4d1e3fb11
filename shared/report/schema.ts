import { z } from 'zod';
import { ProbeError, ProbeStatus } from '../probes/types.ts';

export const Verdict = z.enum(['ok', 'partial', 'down', 'skipped']);
export type Verdict = z.infer<typeof Verdict>;

export const Severity = z.enum(['critical', 'warning', 'info']);
export type Severity = z.infer<typeof Severity>;

export const CategoryVerdict = z.strictObject({
  category: z.string(),
  verdict: Verdict,
  reachable: z.number().int(),
  total: z.number().int(),
});
export type CategoryVerdict = z.infer<typeof CategoryVerdict>;

export const Finding = z.strictObject({
  severity: Severity,
  category: z.string(),
  symptom: z.string(),
  cause: z.string(),
  action: z.string(),
  endpoints: z.array(z.string()),
});
export type Finding = z.infer<typeof Finding>;

/** One row of `check --json` "probes". `ip` holds the host as probed (an extra target may be a name). */
export const ProbeRow = z.strictObject({
  ip: z.string(),
  port: z.number().int(),
  category: z.string(),
  required: z.boolean(),
  status: ProbeStatus,
  latencyMs: z.number(),
  attempts: z.number().int(),
  error: ProbeError.optional(),
  name: z.string().optional(),
  httpStatus: z.number().int().optional(),
  connectMs: z.number().optional(),
  firstByteMs: z.number().optional(),
  /** When probing a simulation: the address actually probed in place of ip:port (or "absent"). */
  probed: z.string().optional(),
});
export type ProbeRow = z.infer<typeof ProbeRow>;

/** The `mse-watch check --json` document. Keys listed in the issue are the contract; extras are additive. */
export const CheckReport = z.strictObject({
  region: z.string().nullable(),
  startedAt: z.string(),
  durationMs: z.number(),
  ok: z.boolean(),
  complete: z.boolean(),
  catalogVersion: z.string(),
  simulation: z.strictObject({ note: z.string(), mapping: z.record(z.string(), z.string()) }).optional(),
  probes: z.array(ProbeRow),
  categories: z.array(CategoryVerdict),
  findings: z.array(Finding),
});
export type CheckReport = z.infer<typeof CheckReport>;
