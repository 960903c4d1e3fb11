import type { AlertDeps, AlertOutcome } from '../alerting/index.ts';
import type { CredentialSource } from '../aliyun/credential-source.ts';
import { type Catalog, loadCatalog } from '../catalog/index.ts';
import type { Config } from '../config/schema.ts';
import type { AuditSummary } from '../diagnose/audit/summary.ts';
import { diagnose, INTERCEPTION_CATEGORY } from '../diagnose/index.ts';
import type { NacosDeps } from '../nacos/context.ts';
import type { NacosReport } from '../nacos/report.ts';
import { defaultProbeDeps, type ProbeDeps } from '../probes/deps.ts';
import { probeTargets } from '../probes/engine.ts';
import type { ProbeResult } from '../probes/types.ts';
import type { CheckReport, ProbeRow } from '../report/schema.ts';
import { round1 } from '../util/format.ts';
import type { RunPlan } from './plan.ts';

export type RunDeps = ProbeDeps & {
  catalog: Catalog;
  nacos: Partial<NacosDeps>;
  alerts: Partial<AlertDeps>;
  /**
   * Alibaba Cloud credentials for what a run reads through the OpenAPI (the audit, an MSE instance by id): in a
   * function the role's STS keys from its context, elsewhere the user's chain.
   */
  credentials: CredentialSource;
  /** One OpenAPI base URL (the shell's MSE_WATCH_OPENAPI_ENDPOINT), when the config's `audit.endpoint` names none. */
  openApiEndpoint: string;
};

/** Which parts of a configured run to do; by default everything the config asks for. */
export type RunParts = { endpoints: boolean; nacos: boolean; alerts: boolean };

export type RunOptions = {
  parts?: Partial<RunParts>;
  /** The caller's time budget (FC: the function timeout less a margin). */
  budgetMs?: number;
  signal?: AbortSignal;
  onProbe?: (row: ProbeRow, done: number, total: number) => void;
};

export type RunOutcome = {
  /** Endpoints and Nacos both fine (the CLI's exit code and the handlers' `ok`). */
  ok: boolean;
  report: CheckReport;
  nacos?: NacosReport;
  alerts?: AlertOutcome;
  /** The cloud-side audit (an `audit:` section): what it found and could not read. */
  audit?: AuditSummary;
  /**
   * The config as the run applied it, when that differs from the one given (`nacos.instanceId` resolved, the
   * instance's maintenance period among `alerting.maintenanceWindows`): alerting after the run uses this one.
   */
  config?: Config;
};

// Built field by field, not with spreads: a row is made once per probe and written to every output (the
// report, the function's log line), and spread-built objects cost a copy and a slower JSON.stringify.
export const toRow = (result: ProbeResult): ProbeRow => {
  const { target, phases } = result;
  const row: ProbeRow = {
    ip: target.stands?.ip ?? target.host,
    port: target.stands?.port ?? target.port,
    category: target.category,
    required: target.required,
    status: result.status,
    latencyMs: round1(result.latencyMs),
    attempts: result.attempts.length,
  };
  if (result.error) row.error = result.error;
  if (target.name) row.name = target.name;
  if (result.httpStatus !== undefined) row.httpStatus = result.httpStatus;
  if (phases.connectMs !== undefined) row.connectMs = round1(phases.connectMs);
  if (phases.firstByteMs !== undefined) row.firstByteMs = round1(phases.firstByteMs);
  if (target.stands) row.probed = `${target.host}:${target.port}`;
  return row;
};

/**
 * One run: probe the plan's targets and run the Nacos check beside them (both inside one budget), judge what
 * was seen (shared/diagnose), then evaluate alerts and notify. The dialer comes in with the deps: the run does
 * not know whether its targets are real or stand-ins.
 */
export const runCheck = async (
  plan: RunPlan,
  deps: Partial<RunDeps> = {},
  options: RunOptions = {},
): Promise<RunOutcome> => {
  const { config } = plan;
  const catalog = deps.catalog ?? loadCatalog();
  const clock = deps.clock ?? defaultProbeDeps.clock;
  const dialer = deps.dialer ?? defaultProbeDeps.dialer;
  const parts: RunParts = {
    endpoints: plan.targets.length > 0,
    nacos: config.nacos !== undefined,
    alerts: config.alerting !== undefined,
    ...options.parts,
  };
  const startedAt = clock.wall();
  const started = clock.now();
  const budget = {
    ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const targets = parts.endpoints ? plan.targets : [];
  const probeOptions = {
    timeoutMs: config.probe.timeout,
    spacingMs: config.probe.spacing,
    concurrency: config.probe.concurrency,
    ...budget,
  };
  // the cloud side (`audit:`): read through the OpenAPI while the probes run; its client loads only then
  const cloud =
    parts.endpoints && config.audit
      ? import('./cloud-side.ts').then(({ auditBeside }) => auditBeside(plan, catalog, deps, budget))
      : undefined;
  const endpointTargets = targets.filter((target) => target.category !== INTERCEPTION_CATEGORY);
  // each result becomes its row once, as it ends: the progress callback and the report share it
  const probes: ProbeRow[] = new Array(endpointTargets.length);
  const { onProbe } = options;
  const [probed, intercepted, nacosPart] = await Promise.all([
    probeTargets(
      endpointTargets,
      {
        ...probeOptions,
        attempts: config.probe.attempts,
        keepResults: false,
        onResult: (result, done, total, index) => {
          const row = toRow(result);
          probes[index] = row;
          onProbe?.(row, done, total);
        },
      },
      { clock, dialer },
    ),
    // the interception check: one attempt, since a connection is the signal and a timeout its healthy answer
    // (a retry would only add a timeout to every healthy run behind a dropping firewall)
    probeTargets(
      targets.filter((target) => target.category === INTERCEPTION_CATEGORY),
      { ...probeOptions, attempts: 1 },
      { clock, dialer },
    ),
    // loaded on demand: the gRPC stack costs start-up time and memory a plain endpoint check does not need
    // (see docs/BENCHMARKS.md); `nacos.instanceId` is resolved there first
    parts.nacos && config.nacos
      ? import('./nacos-part.ts').then(({ runNacosPart }) => runNacosPart(config, deps, budget))
      : undefined,
  ]);
  const nacos = nacosPart?.report;
  const applied = nacosPart?.config ?? config;
  const region = parts.endpoints ? plan.region : null;
  const interception = intercepted.results[0];
  const diagnosis = diagnose({
    catalog,
    region,
    includeArms: config.includeArms,
    probes,
    ...(interception ? { interception: toRow(interception) } : {}),
    ...(nacos ? { nacos } : {}),
  });
  const ok = diagnosis.ok && probed.complete;
  const judged: CheckReport = {
    region: region?.id ?? null,
    startedAt: startedAt.toISOString(),
    durationMs: round1(clock.now() - started),
    ok,
    complete: probed.complete,
    catalogVersion: catalog.version,
    ...(plan.banner ? { simulation: plan.banner } : {}),
    probes,
    categories: diagnosis.categories,
    findings: diagnosis.findings,
    ...(diagnosis.interception ? { interception: diagnosis.interception } : {}),
  };
  // each failing endpoint's finding names the security group rule or route that explains it
  const cloudSide = cloud ? (await cloud).explain(judged) : undefined;
  const report = cloudSide?.report ?? judged;
  const alerts = parts.alerts
    ? await (await import('../alerting/process.ts')).processAlerts(
        {
          config: applied,
          report,
          ...(nacos ? { nacos } : {}),
          now: clock.wall(),
          // an interrupted run (Ctrl-C, SIGTERM) judges nothing: its aborted probes are not observations
          ...(options.signal ? { signal: options.signal } : {}),
        },
        deps.alerts ?? {},
      )
    : undefined;
  // alerting that cannot deliver (a broken channel, a state that cannot be saved) makes the run not ok
  return {
    ok: ok && (alerts?.ok ?? true),
    report,
    ...(nacos ? { nacos } : {}),
    ...(alerts ? { alerts } : {}),
    ...(cloudSide ? { audit: cloudSide.audit } : {}),
    ...(applied === config ? {} : { config: applied }),
  };
};
