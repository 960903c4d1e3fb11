import type { Config } from '../config/schema.ts';
import type { NacosReport } from '../nacos/report.ts';
import type { CheckReport, Finding, ProbeRow } from '../report/schema.ts';
import type { RunDeps, RunOptions, RunOutcome } from '../run.ts';
// records and sink, not the sinks index: that one also brings the SLS client into the bundle
import {
  findingRecord,
  probeRecord,
  type RecordBase,
  type RunRecord,
  reportCounts,
} from '../sinks/records.ts';
import type { LogSink } from '../sinks/sink.ts';
import type { SlsSinkDeps } from '../sinks/sls.ts';
import { createStdoutSink } from '../sinks/stdout.ts';
import { isMseWatchError, MseWatchError } from '../util/errors.ts';
import { runBudget } from './budget.ts';
import { loadFunctionConfig } from './config-source.ts';
import { contextCredentials, contextSecrets, type FcContext, parseFcContext } from './context.ts';
import { type ParsedEvent, parseFcEvent } from './event.ts';
import type { CheckKind, FailedProbe, FunctionSummary } from './summary.ts';

export type RunCheckFn = (
  config: Config,
  deps?: Partial<RunDeps>,
  options?: RunOptions,
) => Promise<RunOutcome>;

export type HandlerDeps = {
  /** The function's environment (MSE_WATCH_CONFIG, secrets referenced as ${env:NAME}). */
  env: Record<string, string | undefined>;
  readFile: (path: string) => Promise<string>;
  /** One JSON line at a time to stdout, which FC ships to the logConfig logstore. */
  writeLine: (line: string) => void;
  /** Wall clock, milliseconds. */
  now: () => number;
  runCheck: RunCheckFn;
  /** Passed through to runCheck (dialer, clock, catalog, Nacos and alert deps); the real ones by default. */
  runDeps?: Partial<RunDeps>;
  /** Test seams of the SLS sink (name resolution); the real ones by default. */
  slsDeps?: Partial<SlsSinkDeps>;
  /** Extra sinks beside stdout. */
  sinks?: LogSink[];
};

type Execution = {
  report?: CheckReport;
  nacos?: NacosReport;
  alerts?: unknown;
};

const endpointOf = (row: { ip: string; port: number }) => `${row.ip}:${row.port}`;

const failedOf = (rows: ProbeRow[]): FailedProbe[] =>
  rows
    .filter((row) => row.status !== 'ok')
    .map((row) => ({
      ip: row.ip,
      port: row.port,
      category: row.category,
      required: row.required,
      status: row.status,
      ...(row.error ? { errorCode: row.error.code } : {}),
    }));

/** A failed or degraded Nacos step becomes a finding, so both functions summarise the same way. */
const nacosFindings = (report: NacosReport): Finding[] =>
  report.steps
    .filter((step) => step.status === 'failed' || step.status === 'degraded')
    .map((step) => ({
      severity: step.status === 'failed' ? 'critical' : 'warning',
      category: 'nacos',
      symptom: `Nacos ${step.name} ${step.status}`,
      cause: step.error
        ? `${step.error.code}: ${step.error.message}`
        : `${step.name} slower than its threshold`,
      action: 'see docs/nacos.md for this step',
      endpoints: [report.server],
    }));

const timeoutAfter = (ms: number): { promise: Promise<'deadline'>; cancel: () => void } => {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
};

/**
 * The shell both functions share: event and context in, config merged, the check run inside the
 * time budget, every probe and the summary written as JSON lines, the summary returned.
 */
const handle = async (
  check: CheckKind,
  rawEvent: unknown,
  rawContext: unknown,
  deps: HandlerDeps,
  execute: (
    config: Config,
    options: { budgetMs: number; signal: AbortSignal; onProbe: (row: ProbeRow) => void },
    context: FcContext,
  ) => Promise<Execution>,
): Promise<FunctionSummary> => {
  const started = deps.now();
  const context = parseFcContext(rawContext);
  const sink = createStdoutSink(deps.writeLine, contextSecrets(context));
  const sinks: LogSink[] = [sink, ...(deps.sinks ?? [])];
  // after the run line nothing more is written: a check still winding down past the deadline stays silent
  let closed = false;
  const emit = (record: Parameters<LogSink['write']>[0]) => {
    if (closed) return;
    for (const s of sinks) s.write(record);
  };
  const budget = runBudget(context.function.timeout);
  let region: string | null = null;
  const base = (): Omit<RecordBase, 'kind'> => ({
    runId: context.requestId,
    time: new Date(deps.now()).toISOString(),
    origin: 'fc',
    monitor: context.function.name,
    region,
  });

  const rows: ProbeRow[] = [];
  let event: ParsedEvent | undefined;
  let execution: Execution | undefined;
  let reason: string | undefined;
  let failure: unknown;
  const controller = new AbortController();
  const softTimer = setTimeout(() => controller.abort(), budget.probeBudgetMs);
  const hard = timeoutAfter(budget.hardDeadlineMs);
  try {
    event = parseFcEvent(rawEvent);
    const config = await loadFunctionConfig(event.payload, { env: deps.env, readFile: deps.readFile });
    region = config.region ?? null;
    // `sls:` in a function's config: PutLogs as well (another project or region than logConfig),
    // signed with the function role's STS keys from the context, never with keys in the config
    const keys = contextCredentials(context);
    if (config.sls && keys) {
      // loaded only when used: @alicloud/log parses its .proto at load time, a cold-start cost otherwise
      const { createSlsSink, defaultSlsSinkDeps } = await import('../sinks/sls.ts');
      sinks.push(
        createSlsSink(config.sls, {
          ...defaultSlsSinkDeps({
            accessKeyId: keys.accessKeyId,
            accessKeySecret: keys.accessKeySecret,
            ...(keys.securityToken ? { securityToken: keys.securityToken } : {}),
          }),
          ...deps.slsDeps,
        }),
      );
    }
    const run = execute(
      config,
      {
        budgetMs: budget.probeBudgetMs,
        signal: controller.signal,
        onProbe: (row) => {
          rows.push(row);
          emit(probeRecord(base(), row));
        },
      },
      context,
    );
    const winner = await Promise.race([run, hard.promise]);
    if (winner === 'deadline') {
      // the check did not wind down in time: answer with what is known before FC kills the instance
      run.catch(() => undefined);
      reason = `time budget: still running ${budget.hardDeadlineMs} ms into a ${budget.timeoutMs} ms function timeout; ${rows.length} probes finished`;
    } else {
      execution = winner;
    }
  } catch (error) {
    failure = error;
    reason = isMseWatchError(error)
      ? error.message
      : `internal error: ${(error as Error)?.message ?? String(error)}`;
  } finally {
    clearTimeout(softTimer);
    hard.cancel();
  }

  const report = execution?.report;
  const probeRows = report?.probes ?? rows;
  if (report) region = report.region;
  const complete = execution !== undefined && (report?.complete ?? true);
  if (execution && report && !report.complete && reason === undefined) {
    reason = `time budget: probing stopped after ${budget.probeBudgetMs} ms, ${budget.marginMs} ms before the ${budget.timeoutMs} ms function timeout`;
  }
  const findings = [...(report?.findings ?? []), ...(execution?.nacos ? nacosFindings(execution.nacos) : [])];
  const counts = { ...reportCounts({ probes: probeRows, findings }) };
  const ok =
    execution !== undefined &&
    complete &&
    (report?.ok ?? true) &&
    (execution.nacos ? execution.nacos.ok : true);

  for (const finding of findings) emit(findingRecord(base(), finding));
  if (execution?.nacos) emit({ ...base(), kind: 'nacos', ok: execution.nacos.ok, report: execution.nacos });

  const durationMs = deps.now() - started;
  const runRecord: RunRecord = {
    ...base(),
    kind: 'run',
    check,
    ok,
    complete,
    ...(reason === undefined ? {} : { reason }),
    durationMs,
    budgetMs: budget.probeBudgetMs,
    ...counts,
    ...(report ? { catalogVersion: report.catalogVersion } : {}),
  };
  emit(runRecord);
  closed = true;
  // delivery gets what is left of the function's time, less half a second to return the summary
  const left = Math.max(0, budget.timeoutMs - (deps.now() - started) - 500);
  const flushTimer = timeoutAfter(left);
  const flushed = await Promise.race([Promise.all(sinks.map((s) => s.flush())), flushTimer.promise]);
  flushTimer.cancel();
  const delivery =
    sinks.length > 1
      ? flushed === 'deadline'
        ? {
            sent: 0,
            failed: 0,
            errors: [`log delivery still running at the function timeout (${left} ms left)`],
          }
        : flushed.slice(1).reduce(
            (sum, r) => ({
              sent: sum.sent + r.sent,
              failed: sum.failed + r.failed,
              errors: [...sum.errors, ...r.errors],
            }),
            { sent: 0, failed: 0, errors: [] as string[] },
          )
      : undefined;

  if (failure !== undefined && !isMseWatchError(failure)) throw failure;
  return {
    ok,
    complete,
    check,
    region,
    runId: context.requestId,
    function: context.function.name,
    startedAt: new Date(started).toISOString(),
    durationMs,
    budgetMs: budget.probeBudgetMs,
    ...(reason === undefined ? {} : { reason }),
    ...(event?.trigger ? { trigger: event.trigger } : {}),
    counts: {
      probes: counts.probesTotal,
      ok: counts.probesOk,
      failed: counts.probesFailed,
      findings: counts.findings,
      critical: counts.critical,
    },
    findings,
    failed: failedOf(probeRows),
    reachable: probeRows.filter((row) => row.status === 'ok').map(endpointOf),
    ...(execution?.nacos
      ? {
          nacos: {
            server: execution.nacos.server,
            ok: execution.nacos.ok,
            steps: execution.nacos.steps.map((step) => ({
              name: step.name,
              status: step.status,
              ...(step.error ? { error: `${step.error.code}: ${step.error.message}` } : {}),
            })),
          },
        }
      : {}),
    ...(execution?.alerts === undefined ? {} : { alerts: execution.alerts }),
    ...(report ? { catalogVersion: report.catalogVersion } : {}),
    ...(delivery ? { delivery } : {}),
  };
};

/** probe-endpoints: the region's catalog plus the config's extra targets, then alerting. */
export const handleProbeEndpoints = (
  event: unknown,
  context: unknown,
  deps: HandlerDeps,
): Promise<FunctionSummary> =>
  handle('endpoints', event, context, deps, async (config, options) => {
    const outcome = await deps.runCheck(config, deps.runDeps ?? {}, {
      ...options,
      parts: { endpoints: true, nacos: false },
    });
    return { report: outcome.report, ...(outcome.alerts ? { alerts: outcome.alerts } : {}) };
  });

/** probe-nacos: the Nacos check of the config's `nacos:` section, then alerting. */
export const handleProbeNacos = (
  event: unknown,
  context: unknown,
  deps: HandlerDeps,
): Promise<FunctionSummary> =>
  handle('nacos', event, context, deps, async (config, options) => {
    if (!config.nacos) {
      throw new MseWatchError(
        'config-invalid',
        'probe-nacos needs a `nacos:` section (server, credentials) in MSE_WATCH_CONFIG or the trigger payload',
      );
    }
    const outcome = await deps.runCheck(config, deps.runDeps ?? {}, {
      budgetMs: options.budgetMs,
      signal: options.signal,
      parts: { endpoints: false, nacos: true },
    });
    return {
      ...(outcome.nacos ? { nacos: outcome.nacos } : {}),
      ...(outcome.alerts ? { alerts: outcome.alerts } : {}),
    };
  });
