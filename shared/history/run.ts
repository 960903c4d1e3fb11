import { z } from 'zod';
import { NacosStepStatus, nacosStepFindings } from '../nacos/report.ts';
import { ProbeError, ProbeStatus } from '../probes/types.ts';

/**
 * One completed run, as history keeps it: what `appendRun` folds into the bounded series, and what a
 * region's `last` holds in full for the status page and /metrics. It is derived from a CheckReport
 * (shared/report/schema.ts) and a NacosReport by `runFromReport` / `runFromNacos`.
 *
 * The report's own types are restated here rather than imported: shared/report/status-page.ts depends on
 * history, so history depending on report would make the two modules a cycle. test/history checks at
 * compile time that a real CheckReport fits `ReportInput`.
 */

/** The key of runs that probed no catalog region (a config with only `targets:` or only `nacos:`). */
export const NO_REGION = 'none';

export const Verdict = z.enum(['ok', 'partial', 'down', 'skipped']);
export type Verdict = z.infer<typeof Verdict>;

export const RunEndpoint = z.strictObject({
  /** The host as probed (an extra target may be a name). */
  ip: z.string(),
  port: z.number().int(),
  category: z.string(),
  required: z.boolean(),
  name: z.string().optional(),
  status: ProbeStatus,
  latencyMs: z.number(),
  error: ProbeError.optional(),
});
export type RunEndpoint = z.infer<typeof RunEndpoint>;

export const RunCategory = z.strictObject({
  category: z.string(),
  verdict: Verdict,
  reachable: z.number().int(),
  total: z.number().int(),
});
export type RunCategory = z.infer<typeof RunCategory>;

export const RunFinding = z.strictObject({
  severity: z.enum(['critical', 'warning', 'info']),
  category: z.string(),
  symptom: z.string(),
  cause: z.string(),
  action: z.string(),
  endpoints: z.array(z.string()),
});
export type RunFinding = z.infer<typeof RunFinding>;

export const RunNacosStep = z.strictObject({
  name: z.string(),
  status: NacosStepStatus,
  latencyMs: z.number(),
  error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
});
export type RunNacosStep = z.infer<typeof RunNacosStep>;

export const RunNacos = z.strictObject({
  server: z.string(),
  ok: z.boolean(),
  durationMs: z.number(),
  steps: z.array(RunNacosStep),
});
export type RunNacos = z.infer<typeof RunNacos>;

export const Run = z.strictObject({
  /** A catalog region id, or NO_REGION. Everything in history is keyed by it. */
  region: z.string().min(1),
  startedAt: z.iso.datetime(),
  durationMs: z.number().nonnegative(),
  /** Everything checked was fine (the CLI's exit 0). */
  ok: z.boolean(),
  /** The endpoint check's own verdict (the report's `ok`), without Nacos; absent for a Nacos-only run. */
  probesOk: z.boolean().optional(),
  /** false when the time budget stopped the run before every probe finished. */
  complete: z.boolean(),
  catalogVersion: z.string().optional(),
  /** A simulation's note: pages and metrics must never pass a simulation off as the real network. */
  simulation: z.string().optional(),
  endpoints: z.array(RunEndpoint),
  categories: z.array(RunCategory),
  nacos: RunNacos.optional(),
  findings: z.array(RunFinding),
});
export type Run = z.infer<typeof Run>;

/** What runFromReport reads of a CheckReport; a CheckReport is assignable to it. */
export type ReportInput = {
  region: string | null;
  startedAt: string;
  durationMs: number;
  ok: boolean;
  complete: boolean;
  catalogVersion: string;
  simulation?: { note: string } | undefined;
  probes: ReadonlyArray<{
    ip: string;
    port: number;
    category: string;
    required: boolean;
    status: ProbeStatus;
    latencyMs: number;
    name?: string | undefined;
    error?: ProbeError | undefined;
  }>;
  categories: ReadonlyArray<RunCategory>;
  findings: ReadonlyArray<RunFinding>;
};

/** What runFromReport reads of a NacosReport (shared/nacos/report.ts). */
export type NacosInput = {
  server: string;
  ok: boolean;
  durationMs: number;
  steps: ReadonlyArray<{
    name: string;
    status: NacosStepStatus;
    latencyMs: number;
    error?: { code: string; message: string } | undefined;
  }>;
};

/** A failed or degraded Nacos step as a finding: the words every report of it uses (nacosStepFindings). */
const nacosFindings = (nacos: NacosInput): RunFinding[] => nacosStepFindings(nacos);

const nacosOf = (nacos: NacosInput): RunNacos => ({
  server: nacos.server,
  ok: nacos.ok,
  durationMs: nacos.durationMs,
  steps: nacos.steps.map((step) => ({
    name: step.name,
    status: step.status,
    latencyMs: step.latencyMs,
    ...(step.error ? { error: { code: step.error.code, message: step.error.message } } : {}),
  })),
});

/**
 * A check's report (and the Nacos check that ran beside it) as one history run. The run is ok only when
 * both were: the same rule as the CLI's exit code.
 */
export const runFromReport = (report: ReportInput, nacos?: NacosInput): Run =>
  Run.parse({
    region: report.region ?? NO_REGION,
    startedAt: new Date(report.startedAt).toISOString(),
    durationMs: report.durationMs,
    ok: report.ok && (nacos?.ok ?? true),
    probesOk: report.ok,
    complete: report.complete,
    catalogVersion: report.catalogVersion,
    ...(report.simulation ? { simulation: report.simulation.note } : {}),
    endpoints: report.probes.map((row) => ({
      ip: row.ip,
      port: row.port,
      category: row.category,
      required: row.required,
      ...(row.name ? { name: row.name } : {}),
      status: row.status,
      latencyMs: row.latencyMs,
      ...(row.error ? { error: { code: row.error.code, message: row.error.message } } : {}),
    })),
    categories: report.categories.map((c) => ({
      category: c.category,
      verdict: c.verdict,
      reachable: c.reachable,
      total: c.total,
    })),
    ...(nacos ? { nacos: nacosOf(nacos) } : {}),
    findings: [
      // the fields history keeps, by name: a finding grows fields (kind, reason) the history does not need
      ...report.findings.map((f) => ({
        severity: f.severity,
        category: f.category,
        symptom: f.symptom,
        cause: f.cause,
        action: f.action,
        endpoints: [...f.endpoints],
      })),
      // a run's report already carries its Nacos findings (shared/diagnose): derive only those it lacks
      ...(nacos
        ? nacosFindings(nacos).filter(
            (derived) =>
              !report.findings.some((f) => f.category === 'nacos' && f.symptom === derived.symptom),
          )
        : []),
    ],
  });

/**
 * A Nacos-only run (the `probe-nacos` function): keyed by the config's region, so the status page shows
 * Nacos beside the endpoints it serves. A NacosReport carries no start time, so the caller gives it.
 */
export const runFromNacos = (
  nacos: NacosInput,
  options: { region?: string | null | undefined; startedAt: Date | string },
): Run =>
  Run.parse({
    region: options.region ?? NO_REGION,
    startedAt: new Date(options.startedAt).toISOString(),
    durationMs: nacos.durationMs,
    ok: nacos.ok,
    complete: true,
    endpoints: [],
    categories: [],
    nacos: nacosOf(nacos),
    findings: nacosFindings(nacos),
  });
