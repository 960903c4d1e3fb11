import { z } from 'zod';
import { FailureReason, ProbeError, ProbeStatus } from '../probes/types.ts';

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

/**
 * Which root cause a finding names (docs/diagnosis.md has an example of each). Stable ids, for notices, saved
 * searches and tests; the words of a finding may change, its kind does not.
 */
export const FINDING_KINDS = [
  'region-down', // every endpoint of the region fails: worded from the dominant failure reason
  'interception', // something on the path answered where MSE serves nothing: green results prove nothing
  'port-blocked', // one port fails on every IP of one or more categories, while those IPs or that port answer elsewhere
  'ip-missing', // IPs that answer on none of their ports: missing from the allowlist
  'ips-partial', // on a port, some IPs of a category answer and others do not
  'interference', // connections open, then something on the path resets them or swallows the request
  'target', // an extra target (targets: in the config) fails
  'nacos', // a Nacos step failed or is degraded
] as const;
export const FindingKind = z.enum(FINDING_KINDS);
export type FindingKind = z.infer<typeof FindingKind>;

export const Finding = z.strictObject({
  severity: Severity,
  /** The catalog category (or extra-target label) it concerns; several, comma-separated, for one port. */
  category: z.string(),
  symptom: z.string(),
  cause: z.string(),
  action: z.string(),
  endpoints: z.array(z.string()),
  /** Additive: the root cause's kind. */
  kind: FindingKind.optional(),
  /** Additive: the failure reason behind most of its endpoints (absent for Nacos and interception). */
  reason: FailureReason.optional(),
  /** Additive: every category it concerns, when it concerns catalog categories. */
  categories: z.array(z.string()).optional(),
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

/**
 * The interception check: one catalog IP probed on a port MSE does not serve there (docs/diagnosis.md). A
 * connection means something on the path answers for every address. Kept apart from `probes`: it is not a
 * catalog endpoint, and a refused or dropped answer is its healthy result.
 */
export const InterceptionCheck = z.strictObject({
  /** The probe as made; `status: "ok"` means it connected. */
  probe: ProbeRow,
  /** clear: nothing answered; intercepted: something did; inconclusive: not probed, or an unexpected error. */
  verdict: z.enum(['clear', 'intercepted', 'inconclusive']),
});
export type InterceptionCheck = z.infer<typeof InterceptionCheck>;

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
  /** Additive: the interception check, when the run made one (a region, `probe.interceptionCheck`). */
  interception: InterceptionCheck.optional(),
});
export type CheckReport = z.infer<typeof CheckReport>;
