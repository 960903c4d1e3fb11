import type { z } from 'zod';
import { driverFor } from './channels/index.ts';
import type { Delivery } from './channels/types.ts';
import type { ChannelConfig, RetryConfig } from './config.ts';
import type { AlertState } from './model.ts';
import { compose } from './notice.ts';
import {
  accepted,
  channelFingerprint,
  failed,
  fixMessage,
  freshChannelState,
  nextMessage,
  notBefore,
} from './outbox.ts';
import type { NoticeOutcome } from './outcome.ts';
import type { Redact } from './redact.ts';

type Retry = z.infer<typeof RetryConfig>;

/** The run's state as delivery sees it: read the latest, change it, and have the change saved before going on. */
export type StateHolder = {
  get(): AlertState;
  /** Applies a change at once and resolves when a save that includes it has finished (a failed save is recorded). */
  update(change: (state: AlertState) => AlertState): Promise<void>;
};

export type DeliveryDeps = {
  fetch: typeof globalThis.fetch;
  /** Real time, for request signatures. */
  clock: () => Date;
  redact: Redact;
  /** Monotonic milliseconds: in-run deadlines and backoffs never follow wall-clock jumps. */
  monotonic: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Random in [0, 1), for jitter. */
  random: () => number;
};

export type ChannelRun = {
  channel: ChannelConfig;
  name: string;
  /** The run's time (may be simulated): state stamps and backoffs across runs. */
  now: Date;
  retry: Retry;
  /** Monotonic ms by which every send of this run has ended (Infinity: only the channel timeouts bound it). */
  deadline: number;
  signal?: AbortSignal;
  holder: StateHolder;
};

/** A send shorter than this is not started: it could only time out. */
export const MIN_SEND_MS = 200;
/** A vendor's wait longer than this is not spent inside a run (DingTalk throttles for 10 minutes): the outbox waits. */
export const MAX_IN_RUN_WAIT_MS = 5000;

const stoppedBy = (run: ChannelRun, deps: DeliveryDeps): string | undefined => {
  if (run.signal?.aborted) return 'the run was stopped';
  if (run.deadline - deps.monotonic() < MIN_SEND_MS) return "the run's time budget was used up";
  return undefined;
};

/** How long to wait before trying again within this run, or undefined when this failure is not retried now. */
const inRunWait = (
  delivery: Delivery,
  tries: number,
  run: ChannelRun,
  deps: DeliveryDeps,
): number | undefined => {
  if (tries >= run.retry.attemptsPerRun) return undefined;
  const backoff = run.retry.runBackoff * 2 ** (tries - 1) * (0.8 + 0.4 * deps.random());
  switch (delivery.failure) {
    case 'transient':
      return backoff;
    case 'throttled': {
      const wait = delivery.retryAfterMs ?? backoff;
      return wait <= MAX_IN_RUN_WAIT_MS ? wait : undefined;
    }
    case 'refused':
    case 'permanent':
    case undefined:
      return undefined;
    default: {
      const never: never = delivery.failure;
      throw new Error(`unknown failure kind ${String(never)}`);
    }
  }
};

/**
 * Delivers a channel's pending messages, oldest first: each message is fixed and saved before its first try,
 * tried up to `attemptsPerRun` times with backoff while the failure is worth it and the run's time allows, and
 * every answer is saved at once (an accepted message must never go out again, whatever happens after).
 * Stops at the first message that is not accepted: the rest wait for the next run.
 */
export const deliverChannel = async (run: ChannelRun, deps: DeliveryDeps): Promise<NoticeOutcome[]> => {
  const { channel, name, now, retry, holder } = run;
  const driver = driverFor(channel);
  const fingerprint = channelFingerprint(channel);
  const outcomes: NoticeOutcome[] = [];
  for (;;) {
    let message = nextMessage(holder.get(), name);
    if (!message) break;
    const base = () => {
      const notice = message!.notice;
      return {
        channel: name,
        kind: channel.kind,
        id: notice.id,
        title: compose(notice).title,
        merged: message!.entries.length,
      } as const;
    };
    const attemptsSoFar = () => Math.max(...message!.entries.map((entry) => entry.attempts));
    const due = notBefore(holder.get(), channel, name, now);
    if (now.getTime() < due) {
      const channelState = holder.get().channels[name] ?? freshChannelState();
      const nextAttemptAt = new Date(due).toISOString();
      outcomes.push({
        ...base(),
        delivered: false,
        attempts: attemptsSoFar(),
        tries: 0,
        error: `deferred until ${nextAttemptAt}${channelState.lastError ? ` (last error: ${channelState.lastError})` : ''}`,
        nextAttemptAt,
        ...(channelState.broken ? { failure: 'permanent' as const } : {}),
      });
      break;
    }
    const stopped = stoppedBy(run, deps);
    if (stopped) {
      outcomes.push({
        ...base(),
        delivered: false,
        attempts: attemptsSoFar(),
        tries: 0,
        error: `not tried: ${stopped}`,
        stoppedBy: stopped,
      });
      break;
    }
    if (!message.fixed) {
      const unfixed = message;
      await holder.update((state) => fixMessage(state, name, unfixed));
      message = nextMessage(holder.get(), name);
      if (!message) break;
    }
    const title = compose(message.notice).title;
    let tries = 0;
    let done = false;
    for (;;) {
      const stop = stoppedBy(run, deps);
      if (stop) {
        outcomes.push({
          ...base(),
          delivered: false,
          attempts: attemptsSoFar(),
          tries,
          error: `not tried again: ${stop}${tries > 0 ? ` (last error: ${holder.get().channels[name]?.lastError ?? ''})` : ''}`,
          stoppedBy: stop,
        });
        return outcomes;
      }
      tries++;
      const remaining = run.deadline - deps.monotonic();
      const timeoutMs = Math.min(channel.timeout, remaining);
      const request = driver.render(message.notice, channel, { now: deps.clock() });
      const delivery = await driver.send(request, {
        fetch: deps.fetch,
        timeoutMs,
        ...(run.signal ? { signal: run.signal } : {}),
      });
      const answer = deps.redact(delivery.answer);
      const sent = message;
      if (delivery.accepted) {
        const window = driver.rateLimit?.perMs ?? 0;
        await holder.update((state) => accepted(state, name, sent, title, now, window));
        outcomes.push({ ...base(), delivered: true, attempts: attemptsSoFar() + 1, tries });
        done = true;
        break;
      }
      // a try that only ended because this run ran out of time (or was stopped) says nothing about the channel
      const cutByRun =
        run.signal?.aborted === true || (timeoutMs < channel.timeout && deps.monotonic() >= run.deadline - 5);
      const wait = cutByRun ? undefined : inRunWait(delivery, tries, run, deps);
      if (wait !== undefined && run.deadline - deps.monotonic() > wait + MIN_SEND_MS) {
        await holder.update((state) => ({
          ...state,
          outbox: state.outbox.map((entry) =>
            sent.entries.some((e) => e.id === entry.id)
              ? { ...entry, attempts: entry.attempts + 1, lastError: answer }
              : entry,
          ),
        }));
        message = nextMessage(holder.get(), name) ?? message;
        await deps.sleep(wait, run.signal);
        continue;
      }
      await holder.update((state) =>
        failed(state, name, sent, { ...delivery, answer }, { now, retry, fingerprint, cutByRun }),
      );
      const channelState = holder.get().channels[name];
      outcomes.push({
        ...base(),
        delivered: false,
        attempts: attemptsSoFar() + 1,
        tries,
        error: answer,
        ...(delivery.failure ? { failure: delivery.failure } : {}),
        ...(channelState?.nextAttemptAt && !cutByRun ? { nextAttemptAt: channelState.nextAttemptAt } : {}),
        ...(cutByRun ? { stoppedBy: stoppedBy(run, deps) ?? "the run's time budget was used up" } : {}),
      });
      break;
    }
    if (!done) break;
  }
  return outcomes;
};
