import type { CheckReport } from '../report/schema.ts';
import { StateConfig } from '../state/config.ts';
import { createFileStore, defaultStateDir } from '../state/file-store.ts';
import type { StateStore } from '../state/store.ts';
import { AlertingConfig, channelName } from './config.ts';
import { evaluate } from './evaluate.ts';
import { AlertState, freshAlertState } from './model.ts';
import { buildNotice } from './notice.ts';
import { type NacosSteps, observe } from './observations.ts';
import { boundOutbox, deliverChannel, enqueue } from './outbox.ts';
import { AlertOutcome, type NoticeOutcome } from './outcome.ts';
import { redactor } from './redact.ts';

export type AlertLogger = {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
};

export type AlertDeps = {
  fetch: typeof globalThis.fetch;
  store: StateStore<AlertState>;
  /** Real time, for request signatures; the evaluation runs on `input.now`. */
  clock: () => Date;
  logger: AlertLogger;
};

/** The parts of the config alerting reads (any config with these sections will do). */
export type AlertRunConfig = { alerting?: AlertingConfig | undefined; state?: StateConfig | undefined };

export type AlertInput = {
  config: AlertRunConfig;
  report: CheckReport;
  nacos?: NacosSteps;
  now: Date;
};

export const STATE_FILE = 'alert-state.json';

/** Logs nowhere: the caller decides where words go (the CLI prints the outcome, FC logs it). */
export const silentLogger: AlertLogger = { info: () => undefined, warn: () => undefined };

export const alertStore = (config: AlertRunConfig, home?: string): StateStore<AlertState> => {
  const state = config.state ?? StateConfig.parse({});
  return createFileStore({
    dir: state.dir ?? defaultStateDir(home),
    file: STATE_FILE,
    schema: AlertState,
    fresh: freshAlertState,
    lockWaitMs: state.lockWait,
    lockStaleAfterMs: state.lockStaleAfter,
  });
};

export const defaultAlertDeps = (config: AlertRunConfig): AlertDeps => ({
  fetch: globalThis.fetch,
  store: alertStore(config),
  clock: () => new Date(),
  logger: silentLogger,
});

/**
 * One run of alerting: judge the report against the stored state, queue what changed as one notice per
 * channel, try every channel with pending notices, and persist. Holding the store's lock throughout keeps
 * an overlapping run from sending the same change twice.
 */
export const processAlerts = async (
  input: AlertInput,
  deps: Partial<AlertDeps> = {},
): Promise<AlertOutcome> => {
  const alerting = input.config.alerting ?? AlertingConfig.parse({});
  const stateConfig = input.config.state ?? StateConfig.parse({});
  const store = deps.store ?? alertStore(input.config);
  const logger = deps.logger ?? silentLogger;
  const redact = redactor(alerting.channels);
  const deliverDeps = {
    fetch: deps.fetch ?? globalThis.fetch,
    clock: deps.clock ?? (() => new Date()),
    redact,
  };
  const empty: AlertOutcome = {
    fired: [],
    resolved: [],
    flapping: [],
    reminded: [],
    suppressed: [],
    notices: [],
    outboxPending: 0,
  };

  let lock: Awaited<ReturnType<typeof store.lock>>;
  try {
    lock = await store.lock();
  } catch (error) {
    // An unusable state dir (read-only, NAS not mounted) must not cost the run its report.
    const stateNote = `cannot use the state at ${store.location}: ${redact((error as Error).message)}; alerting skipped this run (set state.dir to a writable directory)`;
    logger.warn(stateNote);
    return { ...empty, stateNote };
  }
  if (!lock) {
    const stateNote = `another run holds the lock on ${store.location}; this run neither evaluated nor notified (the next run will)`;
    logger.warn(stateNote);
    return { ...empty, stateNote };
  }
  try {
    const loaded = await store.load();
    if (loaded.note) logger.warn(loaded.note);
    const observations = observe(input.report, input.nacos, alerting);
    const evaluation = evaluate(loaded.state, observations, input.now, alerting, {
      forgetAfterMs: stateConfig.forgetAfter,
    });
    let state = evaluation.state;
    if (evaluation.events.length > 0 && alerting.channels.length > 0) {
      const notice = buildNotice(evaluation.events, {
        now: input.now,
        source: alerting.name,
        timezone: alerting.timezone,
      });
      state = enqueue(state, notice, alerting.channels);
    }
    const bounded = boundOutbox(state, alerting.channels, alerting.retry);
    state = bounded.state;
    for (const drop of bounded.dropped) logger.warn('dropped pending notices', { ...drop });
    // Persist the queue before sending: a crash mid-send then retries, it never forgets.
    await store.save(state);

    const notices: NoticeOutcome[] = [];
    for (const [index, channel] of alerting.channels.entries()) {
      const result = await deliverChannel(state, channel, index, input.now, alerting.retry, deliverDeps);
      if (!result.outcome) continue;
      notices.push(result.outcome);
      // saved at once after every try: an accepted notice must not be sent again even if a later channel
      // hangs the run past its budget (a deferred channel returns the state untouched: nothing to save)
      if (result.state !== state) {
        state = result.state;
        await store.save(state);
      }
      const fields = { channel: channelName(channel, index), title: result.outcome.title };
      if (result.outcome.delivered) logger.info('notice delivered', fields);
      else logger.warn('notice not delivered', { ...fields, error: result.outcome.error });
    }

    const byChange = (change: string) =>
      evaluation.events.filter((event) => event.change === change).map((event) => event.key);
    return AlertOutcome.parse({
      fired: byChange('firing'),
      resolved: byChange('resolved'),
      flapping: byChange('flapping'),
      reminded: byChange('reminder'),
      suppressed: evaluation.suppressed,
      notices,
      outboxPending: state.outbox.length,
      ...(loaded.note ? { stateNote: loaded.note } : {}),
    });
  } finally {
    await lock.release();
  }
};
