import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { History } from '../history/schema.ts';
import { historyStore } from '../history/store.ts';
import type { CheckReport } from '../report/schema.ts';
import { StateConfig } from '../state/config.ts';
import { createFileStore, defaultStateDir } from '../state/file-store.ts';
import type { StateLock, StateStore } from '../state/store.ts';
import { RETRY_AFTER_CAP_MS } from './channels/http.ts';
import { driverFor } from './channels/index.ts';
import { AlertingConfig } from './config.ts';
import { type DeliveryDeps, deliverChannel, type StateHolder } from './delivery.ts';
import { buildDigest, digestBody, digestDue } from './digest.ts';
import { evaluate } from './evaluate.ts';
import { channelKey } from './keys.ts';
import { type AlertEvent, AlertState, freshAlertState } from './model.ts';
import { buildNotice } from './notice.ts';
import { type NacosSteps, observe } from './observations.ts';
import { boundOutbox, enqueue, namedChannels } from './outbox.ts';
import { type AlertOutcome, type NoticeOutcome, quietOutcome } from './outcome.ts';
import { redactor } from './redact.ts';
import { clampFutureTimes, decodeAlertState } from './state-codec.ts';
import { effectiveSilences, pruneSilences } from './stored-silences.ts';

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
  /** Monotonic milliseconds, for the run's deadline and the waits between tries. */
  monotonic: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  /** The run history, read for the daily digest only (default: history.json beside the state). */
  history: () => Promise<History | undefined>;
};

/** The parts of the config alerting reads (any config with these sections will do). */
export type AlertRunConfig = { alerting?: AlertingConfig | undefined; state?: StateConfig | undefined };

export type AlertInput = {
  config: AlertRunConfig;
  report: CheckReport;
  nacos?: NacosSteps;
  /** The run's time: what the evaluation and the state's stamps use (it may be simulated). */
  now: Date;
  /** Where the run saw the fault from, for every notice: default "host <hostname>". */
  vantage?: string;
  /**
   * Stops alerting at once (SIGINT, SIGTERM): the lock wait ends, a send in flight is abandoned (its message stays
   * in the outbox with its id), what is known is saved and the lock released before processAlerts returns.
   */
  signal?: AbortSignal;
  /** Time alerting may take, lock wait and every send and retry included (FC: what the function's budget leaves). */
  budgetMs?: number;
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
    decode: decodeAlertState,
    fresh: freshAlertState,
    lockWaitMs: state.lockWait,
    lockStaleAfterMs: state.lockStaleAfter,
  });
};

const abortableSleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch {
    // stopped: the caller looks at the signal
  }
};

/** The history beside the alert state, read without its lock (writes are atomic renames); none when absent. */
const readHistory = (config: AlertRunConfig) => async (): Promise<History | undefined> => {
  const store = historyStore(config);
  const { state } = await store.load({ readOnly: true });
  return Object.keys(state.regions).length > 0 ? state : undefined;
};

export const defaultAlertDeps = (config: AlertRunConfig): AlertDeps => ({
  fetch: globalThis.fetch,
  store: alertStore(config),
  clock: () => new Date(),
  logger: silentLogger,
  monotonic: () => performance.now(),
  sleep: abortableSleep,
  random: Math.random,
  history: readHistory(config),
});

const describeError = (error: unknown): string => {
  const code = (error as NodeJS.ErrnoException)?.code;
  const message = (error as Error)?.message ?? String(error);
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
};

/** The run's state, saved after every change, one save at a time; a failed save is recorded, never thrown. */
const stateHolder = (
  initial: AlertState,
  store: StateStore<AlertState>,
  onError: (message: string) => void,
) => {
  let current = initial;
  let chain: Promise<void> = Promise.resolve();
  const holder: StateHolder = {
    get: () => current,
    update: (change) => {
      current = change(current);
      chain = chain.then(() => store.save(current).catch((error: unknown) => onError(describeError(error))));
      return chain;
    },
  };
  return holder;
};

/** Channels that broke (a permanent error) or recovered since the others were last told: one notice for those others. */
const channelNews = (
  state: AlertState,
  alerting: AlertingConfig,
  now: Date,
): { state: AlertState; recipients: string[]; events: AlertEvent[] } => {
  const named = namedChannels(alerting.channels);
  const at = now.toISOString();
  const events: AlertEvent[] = [];
  const channels = { ...state.channels };
  for (const { channel, name } of named) {
    const channelState = channels[name];
    if (!channelState) continue;
    const label = `${name} (${channel.kind}, ${driverFor(channel).describe(channel)})`;
    const base = {
      key: channelKey(name),
      group: 'alert channels',
      category: channel.kind,
      label,
      at,
    } as const;
    if (channelState.broken && !channelState.broken.announced) {
      events.push({
        ...base,
        change: 'firing',
        since: channelState.broken.since,
        reason: 'refuses notices with an error that only a person can fix; its notices wait in the outbox',
        detail: channelState.broken.error,
        cause: `${name} answered with a permanent error: ${channelState.broken.error}`,
        action:
          channelState.broken.fix ?? `fix the channel ${name} in the config, then run mse-watch notify test`,
      });
      channels[name] = { ...channelState, broken: { ...channelState.broken, announced: true } };
    } else if (channelState.recovered) {
      events.push({
        ...base,
        change: 'resolved',
        since: at,
        reason: 'accepts notices again; its backlog went out',
      });
      const { recovered: _recovered, ...rest } = channelState;
      channels[name] = rest;
    }
  }
  const subjects = new Set(events.map((event) => event.key));
  const recipients = named
    .filter(({ name }) => !channels[name]?.broken && !subjects.has(channelKey(name)))
    .map(({ name }) => name);
  return { state: { ...state, channels }, recipients, events };
};

/**
 * One run of alerting: judge the report against the stored state, queue what changed as one notice per channel,
 * deliver every channel's pending messages at once (each with a few tries inside the run's budget), tell the
 * other channels about one that broke, and save after every step. The store's lock is held throughout, so an
 * overlapping run never sends the same change twice, and it is released on every way out (an error, the
 * signal, the budget).
 *
 * Never throws for the world's faults (a full disk, a dead receiver, a held lock): they are in the outcome,
 * `ok: false` with a line in `problems` when alerting itself is impaired.
 */
export const processAlerts = async (
  input: AlertInput,
  deps: Partial<AlertDeps> = {},
): Promise<AlertOutcome> => {
  const alerting = input.config.alerting ?? AlertingConfig.parse({});
  const stateConfig = input.config.state ?? StateConfig.parse({});
  const store = deps.store ?? alertStore(input.config);
  const logger = deps.logger ?? silentLogger;
  const monotonic = deps.monotonic ?? (() => performance.now());
  const redact = redactor(alerting.channels);
  const deliveryDeps: DeliveryDeps = {
    fetch: deps.fetch ?? globalThis.fetch,
    clock: deps.clock ?? (() => new Date()),
    redact,
    monotonic,
    sleep: deps.sleep ?? abortableSleep,
    random: deps.random ?? Math.random,
  };
  const deadline = input.budgetMs === undefined ? Number.POSITIVE_INFINITY : monotonic() + input.budgetMs;
  const vantage = input.vantage ?? `host ${hostname()}`;
  const problems: string[] = [];
  const notes: string[] = [];
  const problem = (line: string) => {
    if (problems.includes(line)) return;
    problems.push(line);
    logger.warn(line);
  };
  const outcome = (fields: Partial<AlertOutcome> = {}): AlertOutcome =>
    quietOutcome({
      ok: problems.length === 0,
      problems,
      ...(notes.length > 0 ? { stateNote: notes.join('; ') } : {}),
      ...fields,
    });

  let lock: StateLock | undefined;
  try {
    const waitMs = Math.max(0, Math.min(stateConfig.lockWait, deadline - monotonic()));
    lock = await store.lock({ waitMs, ...(input.signal ? { signal: input.signal } : {}) });
  } catch (error) {
    // an unusable state dir (read-only, full, NAS not mounted) must not cost the run its report
    problem(
      `cannot use the state at ${store.location}: ${redact(describeError(error))}; alerting skipped this run (set state.dir to a writable directory with free space)`,
    );
    return outcome();
  }
  if (!lock) {
    if (input.signal?.aborted) {
      problem(
        'alerting was stopped before it could take the state lock; nothing was judged or sent this run',
      );
      return outcome();
    }
    notes.push(
      `another run holds the lock on ${store.location}; this run neither evaluated nor notified (the next run will)`,
    );
    logger.warn(notes[0]!);
    return outcome();
  }
  try {
    if (lock.note) notes.push(lock.note);
    let loaded: Awaited<ReturnType<typeof store.load>>;
    try {
      loaded = await store.load();
    } catch (error) {
      problem(
        `cannot read the state at ${store.location}: ${redact(describeError(error))}; alerting skipped this run`,
      );
      return outcome();
    }
    if (loaded.note) notes.push(loaded.note);
    const clamped = clampFutureTimes(loaded.state, input.now, {
      maxDeferMs: Math.max(alerting.retry.maxBackoff, RETRY_AFTER_CAP_MS),
    });
    if (clamped.note) notes.push(clamped.note);
    for (const note of notes) logger.warn(note);

    const observations = observe(input.report, input.nacos, alerting);
    // the config's silences and those added with `mse-watch silence add`, judged alike
    const silences = effectiveSilences(alerting, clamped.state, input.now);
    const evaluation = evaluate(
      clamped.state,
      observations,
      input.now,
      { ...alerting, silences },
      { forgetAfterMs: stateConfig.forgetAfter },
    );
    const named = namedChannels(alerting.channels);
    let state = evaluation.state;
    if (state.silences !== undefined)
      state = { ...state, silences: pruneSilences(state.silences, input.now) };
    if (evaluation.events.length > 0 && named.length > 0) {
      const notice = buildNotice(evaluation.events, {
        now: input.now,
        source: alerting.name,
        timezone: alerting.timezone,
        vantage,
        ...(input.report.simulation ? { simulation: input.report.simulation.note } : {}),
      });
      state = enqueue(state, notice, named);
    }
    // the daily digest: queued once a day by the first run after its time, delivered like any notice
    const digest = alerting.digest;
    const digestChannels = named.filter(({ name }) => !digest?.channels || digest.channels.includes(name));
    const due = digest ? digestDue(state, digest, alerting.timezone, input.now) : undefined;
    if (due?.due && digestChannels.length > 0 && !input.signal?.aborted) {
      let history: History | undefined;
      try {
        history = await (deps.history ?? readHistory(input.config))();
      } catch (error) {
        // a digest without numbers still goes out, saying why; the run's alerting is not impaired by it
        notes.push(`could not read the run history for the digest: ${redact(describeError(error))}`);
        logger.warn(notes.at(-1)!);
      }
      const notice = buildDigest(digestBody(history, state, silences, input.now), {
        now: input.now,
        source: alerting.name,
        timezone: alerting.timezone,
        vantage,
      });
      state = enqueue(state, notice, digestChannels);
      state = { ...state, digest: { lastDay: due.day, at: input.now.toISOString() } };
    }
    const bounded = boundOutbox(state, alerting.channels, alerting.retry);
    for (const drop of bounded.dropped) logger.warn('dropped pending notices', { ...drop });

    const holder = stateHolder(bounded.state, store, (message) =>
      problem(
        `could not save the state at ${store.location} (${redact(message)}): what this run judged and delivered may be judged and sent again by the next run; free space on that volume or point state.dir elsewhere`,
      ),
    );
    // persist the queue before sending: a crash mid-send then retries, it never forgets
    await holder.update((current) => current);

    const deliverTo = async (names: ReadonlySet<string>): Promise<NoticeOutcome[]> => {
      const results = await Promise.all(
        named
          .filter(({ name }) => names.has(name))
          .map(({ channel, name }) =>
            deliverChannel(
              {
                channel,
                name,
                now: input.now,
                retry: alerting.retry,
                deadline,
                holder,
                ...(input.signal ? { signal: input.signal } : {}),
              },
              deliveryDeps,
            ).catch((error: unknown) => {
              // a fault of this program must not cost the other channels their delivery, nor the run its report
              problem(
                `delivery to ${name} failed unexpectedly: ${redact(describeError(error))}; its notices wait in the outbox`,
              );
              return [];
            }),
          ),
      );
      return results.flat();
    };
    const notices = await deliverTo(new Set(named.map(({ name }) => name)));

    // a channel that broke (or recovered) this run is news for the others, once
    const news = channelNews(holder.get(), alerting, input.now);
    if (news.events.length > 0) {
      const notice = buildNotice(news.events, {
        now: input.now,
        source: alerting.name,
        timezone: alerting.timezone,
        vantage,
      });
      await holder.update(() =>
        news.recipients.length > 0
          ? enqueue(
              news.state,
              notice,
              news.recipients.map((name) => ({ name })),
            )
          : news.state,
      );
      if (news.recipients.length > 0) notices.push(...(await deliverTo(new Set(news.recipients))));
    }

    for (const notice of notices) {
      const fields = { channel: notice.channel, id: notice.id, title: notice.title };
      if (notice.delivered) logger.info('notice delivered', fields);
      else logger.warn('notice not delivered', { ...fields, error: notice.error });
    }
    const final = holder.get();
    const broken = named.filter(({ name }) => final.channels[name]?.broken);
    for (const { channel, name } of broken) {
      const info = final.channels[name]!.broken!;
      problem(
        `alert channel ${name} (${channel.kind}, ${driverFor(channel).describe(channel)}) refuses notices since ${info.since}: ${info.error}; ${info.fix ?? 'fix it in the config'} (its ${final.outbox.filter((entry) => entry.channel === name).length} pending notice(s) wait in the outbox)`,
      );
    }
    const cut = notices.filter((notice) => notice.stoppedBy !== undefined);
    if (cut.length > 0) {
      problem(
        `delivery stopped before it was done (${cut[0]!.stoppedBy}): ${cut.length} message(s) wait in the outbox for the next run, with their ids`,
      );
    }
    const byChange = (change: string) =>
      evaluation.events.filter((event) => event.change === change).map((event) => event.key);
    return outcome({
      fired: byChange('firing'),
      resolved: byChange('resolved'),
      flapping: byChange('flapping'),
      reminded: byChange('reminder'),
      suppressed: evaluation.suppressed,
      notices,
      outboxPending: final.outbox.length,
      brokenChannels: broken.map(({ name }) => name),
    });
  } finally {
    await lock.release();
  }
};
