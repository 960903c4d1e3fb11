import { getHeapSpaceStatistics } from 'node:v8';
import type { AlertOutcome } from '../alerting/outcome.ts';
import { credentialSourceFromKeys } from '../aliyun/credential-source.ts';
import type { Config } from '../config/schema.ts';
import type { ProbeRow } from '../report/schema.ts';
import type { CheckFn, RunDeps, RunOptions, RunOutcome } from '../run/index.ts';
import { type RecordDeps, type Recording, startRecording } from '../run/record.ts';
// records and sink, not the sinks index: that one also brings the SLS client into the bundle
import { closingRecords, probeRecord, warningRecord } from '../sinks/records.ts';
import type { LogSink } from '../sinks/sink.ts';
import type { SlsSinkDeps } from '../sinks/sls.ts';
import { createStdoutSink } from '../sinks/stdout.ts';
import { isMseWatchError, MseWatchError } from '../util/errors.ts';
import { type RunBudget, runBudget } from './budget.ts';
import { loadFunctionConfig } from './config-source.ts';
import { contextCredentials, contextSecrets, type FcContext, parseFcContext } from './context.ts';
import { type ParsedEvent, parseFcEvent } from './event.ts';
import { type InvocationLog, invocationLog } from './log.ts';
import { type CheckKind, type FunctionSummary, summarize } from './summary.ts';

export type HandlerDeps = {
  /** The function's environment (MSE_WATCH_CONFIG, secrets referenced as ${env:NAME}). */
  env: Record<string, string | undefined>;
  readFile: (path: string) => Promise<string>;
  /** One JSON line at a time to stdout, which FC ships to the logConfig logstore. */
  writeLine: (line: string) => void;
  /**
   * Whole JSON lines, several at once, to stdout. When given, the lines of one event-loop turn leave in one write
   * (a write per probe line cost about a sixth of a warm probe's CPU); else writeLine, a line at a time.
   */
  writeLines?: (text: string) => void;
  /** Wall clock, milliseconds. */
  now: () => number;
  /** Starts a run from a config (shared/run's checkConfig; tests hand in one that hangs or records). */
  check: CheckFn;
  /** Passed through to the run (dialer, clock, catalog, Nacos and alert deps); the real ones by default. */
  runDeps?: Partial<RunDeps>;
  /** Test seams of the SLS sink (name resolution); the real ones by default. */
  slsDeps?: Partial<SlsSinkDeps>;
  /** Extra sinks beside stdout. */
  sinks?: LogSink[];
  /** Test seams of the recording around the run (the history store, the heartbeat's fetch). */
  record?: Partial<RecordDeps>;
};

/** What each function runs once its config is known: the parts of a run it is for. */
type Execute = (config: Config, options: RunOptions, runDeps: Partial<RunDeps>) => Promise<RunOutcome>;

/** The event and config of an invocation, or why there are none. */
type Parsed = { event: ParsedEvent; config: Config } | { event?: ParsedEvent; failure: unknown };

const parse = async (
  rawEvent: unknown,
  deps: HandlerDeps,
  onWarning: (message: string) => void,
): Promise<Parsed> => {
  let event: ParsedEvent | undefined;
  try {
    event = parseFcEvent(rawEvent);
    return {
      event,
      config: await loadFunctionConfig(event.payload, { env: deps.env, readFile: deps.readFile, onWarning }),
    };
  } catch (failure) {
    return { ...(event ? { event } : {}), failure };
  }
};

/** `sls:` in a function's config: PutLogs as well, signed with the function role's STS keys, never config keys. */
const addSlsSink = async (config: Config, context: FcContext, deps: HandlerDeps, log: InvocationLog) => {
  const keys = contextCredentials(context);
  if (!config.sls || !keys) return;
  // loaded only when used: @alicloud/log parses its .proto at load time, a cold-start cost otherwise
  const { createSlsSink, defaultSlsSinkDeps } = await import('../sinks/sls.ts');
  log.add(
    createSlsSink(config.sls, {
      ...defaultSlsSinkDeps({
        accessKeyId: keys.accessKeyId,
        accessKeySecret: keys.accessKeySecret,
        ...(keys.securityToken ? { securityToken: keys.securityToken } : {}),
      }),
      ...deps.slsDeps,
    }),
  );
};

type Ran = { outcome?: RunOutcome; rows: ProbeRow[]; reason?: string; failure?: unknown };

/**
 * Runs inside the budget: probing is told to stop at `probeBudgetMs`; if the run has still not returned by
 * `hardDeadlineMs` the handler answers with what it has instead of letting FC kill it silently.
 */
const runWithin = async (
  budget: RunBudget,
  execute: Execute,
  config: Config,
  log: InvocationLog,
  runDeps: Partial<RunDeps>,
): Promise<Ran> => {
  const rows: ProbeRow[] = [];
  const controller = new AbortController();
  const soft = setTimeout(() => controller.abort(), budget.probeBudgetMs);
  let hardTimer: NodeJS.Timeout | undefined;
  const hard = new Promise<'deadline'>((resolve) => {
    hardTimer = setTimeout(() => resolve('deadline'), budget.hardDeadlineMs);
  });
  try {
    const run = execute(
      config,
      {
        budgetMs: budget.probeBudgetMs,
        signal: controller.signal,
        onProbe: (row) => {
          rows.push(row);
          log.write(probeRecord(log.base(), row));
        },
      },
      runDeps,
    );
    const winner = await Promise.race([run, hard]);
    if (winner !== 'deadline') {
      const reason = winner.report.complete
        ? undefined
        : `time budget: probing stopped after ${budget.probeBudgetMs} ms, ${budget.marginMs} ms before the ${budget.timeoutMs} ms function timeout`;
      return { outcome: winner, rows, ...(reason ? { reason } : {}) };
    }
    // the check did not wind down in time: answer with what is known before FC kills the instance
    run.catch(() => undefined);
    return {
      rows,
      reason: `time budget: still running ${budget.hardDeadlineMs} ms into a ${budget.timeoutMs} ms function timeout; ${rows.length} probes finished`,
    };
  } catch (failure) {
    return { rows, failure };
  } finally {
    clearTimeout(soft);
    clearTimeout(hardTimer);
  }
};

/** What the summary says about alerting when it could not run: the section is there, and says why. */
const alertsNotRun = async (problem: string): Promise<AlertOutcome> => {
  const { quietOutcome } = await import('../alerting/outcome.ts');
  return quietOutcome({ ok: false, problems: [problem] });
};

/** Time kept after alerting for the closing records, the answer, and the lock's release to land. */
const ALERT_RESERVE_MS = 300;

/**
 * Alerting after the check, inside what is left of the budget: processAlerts gets the time until the hard
 * deadline (less a reserve) and a signal that fires at the hard deadline, so every send, retry and lock wait has
 * ended, the state is saved and the lock released before the function answers. Should the state volume itself
 * hang past that, the handler answers anyway and says so.
 */
const alertWithin = async (
  budget: RunBudget,
  elapsedMs: () => number,
  config: Config,
  outcome: RunOutcome,
  context: FcContext,
  deps: HandlerDeps,
): Promise<AlertOutcome> => {
  const budgetMs = budget.hardDeadlineMs - elapsedMs() - ALERT_RESERVE_MS;
  if (budgetMs <= 0)
    return alertsNotRun(
      'alerting did not run: the check used the whole time budget; pending notices wait for the next run',
    );
  const controller = new AbortController();
  const stop = setTimeout(() => controller.abort(), budgetMs);
  let late: NodeJS.Timeout | undefined;
  try {
    const { processAlerts } = await import('../alerting/process.ts');
    const run = processAlerts(
      {
        config,
        report: outcome.report,
        ...(outcome.nacos ? { nacos: outcome.nacos } : {}),
        now: new Date(deps.now()),
        vantage: `function ${context.function.name}${context.region ? ` in ${context.region}` : ''}`,
        signal: controller.signal,
        budgetMs,
      },
      deps.runDeps?.alerts ?? {},
    );
    const deadline = new Promise<'late'>((resolve) => {
      late = setTimeout(() => resolve('late'), budgetMs + ALERT_RESERVE_MS);
    });
    const result = await Promise.race([run, deadline]);
    if (result !== 'late') return result;
    run.catch(() => undefined);
    return alertsNotRun(
      'alerting was still running at the time budget (the state volume did not answer); its lock is released when it ends',
    );
  } finally {
    clearTimeout(stop);
    clearTimeout(late);
  }
};

/** The reason a run's summary gives when alerting was cut short by the budget. */
const alertReason = (alerts: AlertOutcome | undefined, budget: RunBudget): string | undefined => {
  const stopped = alerts?.notices.filter((notice) => notice.stoppedBy !== undefined) ?? [];
  if (stopped.length > 0)
    return `time budget: alert delivery stopped ${Math.max(0, budget.timeoutMs - budget.hardDeadlineMs)} ms before the ${budget.timeoutMs} ms function timeout; ${stopped.length} message(s) wait in the outbox for the next run`;
  const first = alerts?.problems[0];
  return first && !alerts?.ok ? `alerting: ${first}` : undefined;
};

const failureReason = (failure: unknown): string =>
  isMseWatchError(failure)
    ? failure.message
    : `internal error: ${(failure as Error)?.message ?? String(failure)}`;

/** How much the old generation may grow across invocations before the handler asks for a full collection. */
const HEAP_HINT_BYTES = 2 * 1024 * 1024;
/** The old generation's size after the last full collection the handler asked for (at first: after the first run). */
let heapSettledAt = 0;

const oldGenerationBytes = (): number => {
  let bytes = 0;
  for (const space of getHeapSpaceStatistics())
    if (space.space_name === 'old_space' || space.space_name === 'large_object_space')
      bytes += space.space_used_size;
  return bytes;
};

/**
 * Keeps a warm instance's memory flat. What a run keeps until it ends (its rows and report) outlives V8's young
 * generation and is promoted; V8 collects the old generation only when it reaches a limit sized for the whole
 * heap, so from one invocation to the next the instance's RSS creeps up. When the function runs with
 * `--expose-gc` (NODE_OPTIONS in s.yaml), the handler asks for a full collection at the end of an invocation once
 * the old generation has grown by HEAP_HINT_BYTES since the last one: with a region's few dozen endpoints that is
 * rarely, with thousands of targets every few invocations (each costs about a run's worth of marking; the trade
 * is measured in docs/BENCHMARKS.md). Without `gc` exposed (the CLI, tests) this does nothing.
 */
const settleHeap = () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return;
  const used = oldGenerationBytes();
  // the first invocation only takes the measure: a cold start does not pay for a collection
  if (heapSettledAt === 0) heapSettledAt = used;
  if (used - heapSettledAt < HEAP_HINT_BYTES) return;
  gc();
  heapSettledAt = oldGenerationBytes();
};

/**
 * The shell both functions share: parse the event and config, run inside the time budget, emit every
 * record, summarize, flush the sinks, return the summary.
 */
const handle = async (
  check: CheckKind,
  rawEvent: unknown,
  rawContext: unknown,
  deps: HandlerDeps,
  execute: Execute,
): Promise<FunctionSummary> => {
  const started = deps.now();
  const startedAt = performance.now();
  const elapsedMs = () => performance.now() - startedAt;
  const context = parseFcContext(rawContext);
  const budget = runBudget(context.function.timeout);
  const secrets = contextSecrets(context);
  const log = invocationLog(
    { runId: context.requestId, monitor: context.function.name },
    createStdoutSink(deps.writeLine, secrets, deps.writeLines),
    deps.now,
  );
  for (const sink of deps.sinks ?? []) log.add(sink);
  // config warnings (a duplicate target merged): one JSON line each on stdout (the logstore), and in the summary
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    log.write(warningRecord(log.base(), message));
  };

  // parse
  const parsed = await parse(rawEvent, deps, warn);
  const config = 'config' in parsed ? parsed.config : undefined;
  log.setRegion(config?.region ?? null);
  // run
  let ran: Ran = { rows: [] };
  let recording: Recording | undefined;
  if ('failure' in parsed) ran = { rows: [], failure: parsed.failure };
  else {
    await addSlsSink(parsed.config, context, deps, log);
    // what the run reads through the OpenAPI (the audit, an MSE instance by id) it reads with the function's role
    const runDeps = {
      ...deps.runDeps,
      credentials: credentialSourceFromKeys(contextCredentials(context)),
      ...(deps.env.MSE_WATCH_OPENAPI_ENDPOINT
        ? { openApiEndpoint: deps.env.MSE_WATCH_OPENAPI_ENDPOINT }
        : {}),
    };
    // around the run (shared/run/record.ts): the heartbeat's /start now, the recording after it
    recording = startRecording(
      parsed.config,
      { shell: 'function', signal: AbortSignal.timeout(Math.max(0, Math.round(budget.hardDeadlineMs))) },
      deps.record,
    );
    ran = await runWithin(budget, execute, parsed.config, log, runDeps);
  }
  const { outcome } = ran;
  const report = outcome?.report;
  if (report?.region) log.setRegion(report.region);
  // record beside alerting, inside the same budget: the history and the heartbeat's end; problems are warnings
  const recorded = recording?.finish(
    outcome
      ? { kind: 'completed', outcome }
      : {
          kind: 'failed',
          reason: ran.failure === undefined ? (ran.reason ?? 'time budget') : failureReason(ran.failure),
        },
    { budgetMs: budget.hardDeadlineMs - elapsedMs() },
  );
  // alert: the section is always there when the config has `alerting:`, and says why when it could not run
  let alerts: AlertOutcome | undefined;
  if (config?.alerting) {
    alerts = outcome
      ? // the config as the run applied it: an MSE instance's maintenance period holds its Nacos alerts
        await alertWithin(budget, elapsedMs, outcome.config ?? config, outcome, context, deps)
      : await alertsNotRun(
          ran.failure === undefined
            ? 'alerting did not run: the check was still running at the time budget; pending notices wait for the next run'
            : 'alerting did not run: the check failed (see reason); pending notices wait for the next run',
        );
  }
  for (const problem of (await recorded)?.problems ?? []) warn(problem);
  const reasons = [
    ran.failure === undefined ? ran.reason : failureReason(ran.failure),
    outcome ? alertReason(alerts, budget) : undefined,
  ].filter((reason): reason is string => reason !== undefined);
  const reason = reasons.length > 0 ? reasons.join('; ') : undefined;
  const complete = report?.complete === true;
  const ok = complete && outcome?.ok === true && (alerts?.ok ?? true);
  const durationMs = deps.now() - started;
  // emit
  log.close(
    closingRecords(log.base(), {
      check,
      ok,
      complete,
      durationMs,
      budgetMs: budget.probeBudgetMs,
      ...(reason === undefined ? {} : { reason }),
      ...(report ? { report } : {}),
      ...(outcome?.nacos ? { nacos: outcome.nacos } : {}),
    }),
  );
  // summarize, then flush: delivery gets what is left of the function's time, less half a second to return
  const summary = summarize({
    check,
    ok,
    complete,
    region: log.base().region,
    runId: context.requestId,
    function: context.function.name,
    startedAt: new Date(started).toISOString(),
    durationMs,
    budgetMs: budget.probeBudgetMs,
    ...(reason === undefined ? {} : { reason }),
    ...(parsed.event?.trigger ? { trigger: parsed.event.trigger } : {}),
    probes: report?.probes ?? ran.rows,
    findings: report?.findings ?? [],
    ...(outcome?.nacos ? { nacos: outcome.nacos } : {}),
    ...(alerts ? { alerts } : {}),
    ...(report && check === 'endpoints' ? { catalogVersion: report.catalogVersion } : {}),
    ...(report?.interception ? { interception: report.interception.verdict } : {}),
    ...(outcome?.audit ? { audit: outcome.audit } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  });
  const delivery = await log.flush(Math.max(0, budget.timeoutMs - elapsedMs() - 500));
  settleHeap();
  if (ran.failure !== undefined && !isMseWatchError(ran.failure)) throw ran.failure;
  return delivery ? { ...summary, delivery } : summary;
};

/** probe-endpoints: the region's catalog plus the config's extra targets, then alerting. */
export const handleProbeEndpoints = (
  event: unknown,
  context: unknown,
  deps: HandlerDeps,
): Promise<FunctionSummary> =>
  handle('endpoints', event, context, deps, (config, options, runDeps) =>
    // alerting is the handler's own step (alertWithin), inside the budget that is left after the check
    deps.check(config, runDeps, {
      ...options,
      parts: { endpoints: true, nacos: false, alerts: false },
    }),
  );

/** probe-nacos: the Nacos check of the config's `nacos:` section, then alerting. */
export const handleProbeNacos = (
  event: unknown,
  context: unknown,
  deps: HandlerDeps,
): Promise<FunctionSummary> =>
  handle('nacos', event, context, deps, async (config, options, runDeps) => {
    if (!config.nacos) {
      throw new MseWatchError(
        'config-invalid',
        'probe-nacos needs a `nacos:` section (server, credentials) in MSE_WATCH_CONFIG or the trigger payload',
      );
    }
    return deps.check(config, runDeps, {
      ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
      ...(options.signal ? { signal: options.signal } : {}),
      parts: { endpoints: false, nacos: true, alerts: false },
    });
  });
