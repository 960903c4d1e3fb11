import { type Catalog, findRegion, loadCatalog } from '../catalog/index.ts';
import type { Config } from '../config/schema.ts';
import {
  createHeartbeat,
  type Heartbeat,
  type HeartbeatDeps,
  type PingOutcome,
  type RunEnd,
} from '../heartbeat/ping.ts';
import { runSummary } from '../heartbeat/summary.ts';
// the history's files one by one, not its index: the index also brings the text renderer (the table code) into
// the function bundles, which have no use for it
import { appendRun } from '../history/append.ts';
import { limitsOf } from '../history/config.ts';
import { NO_REGION, type Run, runFromNacos, runFromReport } from '../history/run.ts';
import type { History } from '../history/schema.ts';
import { historyStore } from '../history/store.ts';
import type { StateStore } from '../state/store.ts';
import type { RunOutcome } from './run.ts';

// What happens around every run, in one place for every shell (`check`, `serve`, both functions): the heartbeat
// pings `/start` before it; after it the run goes into the history beside the alert state and the heartbeat gets
// its success, `/fail` or exit code. None of it ever fails the run: what went wrong comes back as one line each,
// secrets masked, for the shell to show. (CloudMonitor is fed from the history by the status function: see
// shared/metrics/cloudmonitor-publish.ts for why it is not here.)

/** Which shell runs the check: they differ only in whether history is recorded by default. */
export type Shell = 'cli' | 'serve' | 'function';

export type RecordDeps = {
  /** The history store (default: history.json in the config's state.dir). */
  history: StateStore<History>;
  heartbeat: Partial<HeartbeatDeps>;
  catalog: () => Catalog;
  /** Wall clock, milliseconds: what history ages by. */
  now: () => number;
};

export type RecordOptions = {
  shell: Shell;
  /** Ends every ping, lock wait and call at once: a time budget, or the service being stopped. */
  signal?: AbortSignal;
};

/** How the run ended, as the recording needs to know it. */
export type RunEnding =
  /** It returned a report (complete, or cut short by the time budget: `complete: false`). */
  | { kind: 'completed'; outcome: RunOutcome }
  /** A signal stopped it (SIGTERM, Ctrl-C): nothing is recorded and no end is pinged. */
  | { kind: 'interrupted' }
  /** It could not run, or crashed: the heartbeat gets `/fail` (or exit code 2); history gets nothing. */
  | { kind: 'failed'; reason: string };

export type RecordOutcome = {
  history?: { recorded: boolean; location: string; note?: string };
  heartbeat?: { start?: PingOutcome; finish?: PingOutcome };
  /** What went wrong, one line each (secrets masked); the run itself is unaffected. */
  problems: string[];
};

export type Recording = {
  /** After the run: records it and pings its end. Resolves when all of it is done (or given up). */
  finish(end: RunEnding, options?: { budgetMs?: number }): Promise<RecordOutcome>;
};

/**
 * Whether a shell records runs into history.json (`history.enabled` decides when set):
 * - `serve` always: it is the monitor, and its state directory is its own;
 * - a function when the config has `state.dir` (the NAS mount): without it there is nowhere that outlives the
 *   instance, so nothing is written;
 * - `check` when the config says where state lives (`state.dir`) or has a `history:` section, so a one-off
 *   `mse-watch check --region ...` never writes into the home directory.
 */
export const recordsHistory = (config: Pick<Config, 'history' | 'state'>, shell: Shell): boolean => {
  if (config.history?.enabled !== undefined) return config.history.enabled;
  switch (shell) {
    case 'serve':
      return true;
    case 'function':
      return config.state?.dir !== undefined;
    case 'cli':
      return config.history !== undefined || config.state?.dir !== undefined;
    default: {
      const never: never = shell;
      throw new Error(`unknown shell ${String(never)}`);
    }
  }
};

const defaultDeps = (config: Config): RecordDeps => ({
  history: historyStore(config),
  heartbeat: {},
  catalog: loadCatalog,
  now: Date.now,
});

/** The history run of an outcome: a Nacos-only run (probe-nacos) is keyed by the config's region. */
export const historyRun = (
  config: Pick<Config, 'region'>,
  outcome: RunOutcome,
  catalog: () => Catalog,
): Run => {
  const { report, nacos } = outcome;
  if (nacos && report.region === null && report.probes.length === 0) {
    const region = config.region ? (findRegion(catalog(), config.region)?.id ?? config.region) : NO_REGION;
    return runFromNacos(nacos, { region, startedAt: report.startedAt });
  }
  return runFromReport(report, nacos);
};

/** The heartbeat's view of an ending: 0 fine, 1 found a problem, 2 could not run (or ran out of time). */
const runEnd = (end: Exclude<RunEnding, { kind: 'interrupted' }>, run: Run | undefined): RunEnd => {
  if (end.kind === 'failed') return { exitCode: 2, summary: `could not run: ${end.reason}` };
  const summary = run ? runSummary(run) : undefined;
  const exitCode = !end.outcome.report.complete ? 2 : end.outcome.ok ? 0 : 1;
  return { exitCode, ...(summary ? { summary } : {}) };
};

const describe = (error: unknown): string => {
  const code = (error as NodeJS.ErrnoException)?.code;
  const message = (error as Error)?.message ?? String(error);
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
};

const combined = (...signals: Array<AbortSignal | undefined>): AbortSignal | undefined => {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  return present.length === 0 ? undefined : present.length === 1 ? present[0] : AbortSignal.any(present);
};

/**
 * Starts the recording of one run: pings the heartbeat's `/start` now (without waiting for it), and returns
 * `finish` for after the run. Every shell calls this around its run; `recordRun` does both for the simple case.
 */
export const startRecording = (
  config: Config,
  options: RecordOptions,
  overrides: Partial<RecordDeps> = {},
): Recording => {
  const deps: RecordDeps = { ...defaultDeps(config), ...overrides };
  const problems: string[] = [];
  const heartbeat: Heartbeat | undefined = config.heartbeat
    ? createHeartbeat(config.heartbeat, { ...deps.heartbeat, log: (line) => problems.push(line) })
    : undefined;
  const started = heartbeat?.start(options.signal).catch(() => undefined);

  const appendToHistory = async (
    run: Run,
    signal: AbortSignal | undefined,
  ): Promise<RecordOutcome['history']> => {
    const store = deps.history;
    try {
      const lock = await store.lock({ ...(signal ? { signal } : {}) });
      if (!lock) {
        problems.push(
          `history: another run held the lock on ${store.location} past this run's time; this run is not in the history`,
        );
        return { recorded: false, location: store.location };
      }
      try {
        const loaded = await store.load();
        const history = appendRun(loaded.state, run, deps.now(), limitsOf(config.history));
        await store.save(history);
        const notes = [lock.note, loaded.note].filter(
          (note): note is string => note !== undefined && !note.startsWith('no state file'),
        );
        for (const note of notes) problems.push(`history: ${note}`);
        return {
          recorded: true,
          location: store.location,
          ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
        };
      } finally {
        await lock.release();
      }
    } catch (error) {
      problems.push(
        `history: could not record the run in ${store.location} (${describe(error)}); the run itself is unaffected`,
      );
      return { recorded: false, location: store.location };
    }
  };

  const finishRun: Recording['finish'] = async (end, finishOptions = {}) => {
    const budget =
      finishOptions.budgetMs === undefined
        ? undefined
        : AbortSignal.timeout(Math.max(0, Math.round(finishOptions.budgetMs)));
    const signal = combined(options.signal, budget);
    const start = await started;
    if (end.kind === 'interrupted') {
      return { ...(start ? { heartbeat: { start } } : {}), problems };
    }
    const history = recordsHistory(config, options.shell);
    // nothing to record and no one to tell: a plain run pays nothing here (the history run of a big report is
    // one more copy of every row)
    if (!history && !heartbeat) return { problems };
    let run: Run | undefined;
    try {
      run = end.kind === 'completed' ? historyRun(config, end.outcome, deps.catalog) : undefined;
    } catch (error) {
      // a report history cannot read is a bug of ours: said, and the heartbeat still told
      problems.push(`history: could not read this run's report (${describe(error)}); please report this`);
    }
    const [recorded, finish] = await Promise.all([
      run && history ? appendToHistory(run, signal) : undefined,
      heartbeat?.finish(runEnd(end, run), signal),
    ]);
    return {
      ...(recorded ? { history: recorded } : {}),
      ...(heartbeat ? { heartbeat: { ...(start ? { start } : {}), ...(finish ? { finish } : {}) } } : {}),
      problems,
    };
  };
  return {
    // never rejects: a fault of the recording is one more line, never the end of the run
    finish: (end, finishOptions) =>
      finishRun(end, finishOptions).catch((error: unknown) => {
        problems.push(`the run could not be recorded: ${describe(error)}`);
        return { problems };
      }),
  };
};

/**
 * One run with everything around it: `/start`, the run, then its recording. `interrupted` says whether a signal
 * stopped the run (then nothing is recorded and no end is pinged); a run that throws pings `/fail` and rethrows.
 */
export const recordRun = async <O extends RunOutcome>(
  config: Config,
  run: () => Promise<O>,
  options: RecordOptions & { interrupted?: () => boolean },
  deps: Partial<RecordDeps> = {},
): Promise<{ outcome: O; recorded: RecordOutcome }> => {
  const recording = startRecording(config, options, deps);
  let outcome: O;
  try {
    outcome = await run();
  } catch (error) {
    await recording.finish({ kind: 'failed', reason: describe(error) });
    throw error;
  }
  const recorded = await recording.finish(
    options.interrupted?.() ? { kind: 'interrupted' } : { kind: 'completed', outcome },
  );
  return { outcome, recorded };
};
