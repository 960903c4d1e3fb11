import type { z } from 'zod';
import { driverFor } from './channels/index.ts';
import { type ChannelConfig, channelName, type RetryConfig } from './config.ts';
import type { AlertState, ChannelState, Notice } from './model.ts';
import { compose, mergeNotices } from './notice.ts';
import type { NoticeOutcome } from './outcome.ts';
import type { Redact } from './redact.ts';

type Retry = z.infer<typeof RetryConfig>;

export const freshChannelState = (): ChannelState => ({ consecutiveFailures: 0, sentAt: [], dropped: 0 });

/** Queues one notice for every channel. Delivery happens separately, so a crash in between loses nothing. */
export const enqueue = (
  state: AlertState,
  notice: Notice,
  channels: readonly ChannelConfig[],
): AlertState => ({
  ...state,
  outbox: [
    ...state.outbox,
    ...channels.map((channel, index) => {
      const name = channelName(channel, index);
      return { id: `${notice.id}/${name}`, channel: name, notice, queuedAt: notice.createdAt, attempts: 0 };
    }),
  ],
});

/**
 * Bounds the outbox: entries for channels no longer configured cannot be delivered and go; beyond
 * `maxPending` per channel the oldest go, counted in the channel's `dropped` so the next message says so.
 */
export const boundOutbox = (
  state: AlertState,
  channels: readonly ChannelConfig[],
  retry: Retry,
): { state: AlertState; dropped: Array<{ channel: string; count: number; why: string }> } => {
  const names = new Set(channels.map(channelName));
  const dropped: Array<{ channel: string; count: number; why: string }> = [];
  const orphans = new Map<string, number>();
  for (const entry of state.outbox) {
    if (!names.has(entry.channel)) orphans.set(entry.channel, (orphans.get(entry.channel) ?? 0) + 1);
  }
  for (const [channel, count] of orphans)
    dropped.push({ channel, count, why: 'channel no longer configured' });
  let outbox = state.outbox.filter((entry) => names.has(entry.channel));
  const channelStates = { ...state.channels };
  for (const name of names) {
    const mine = outbox.filter((entry) => entry.channel === name);
    const excess = mine.length - retry.maxPending;
    if (excess <= 0) continue;
    const gone = new Set(mine.slice(0, excess).map((entry) => entry.id));
    outbox = outbox.filter((entry) => !gone.has(entry.id));
    const previous = channelStates[name] ?? freshChannelState();
    channelStates[name] = { ...previous, dropped: previous.dropped + excess };
    dropped.push({ channel: name, count: excess, why: `more than ${retry.maxPending} notices pending` });
  }
  for (const name of Object.keys(channelStates)) if (!names.has(name)) delete channelStates[name];
  return { state: { ...state, outbox, channels: channelStates }, dropped };
};

export const backoffMs = (failures: number, retry: Retry): number =>
  Math.min(retry.initialBackoff * 2 ** Math.max(failures - 1, 0), retry.maxBackoff);

export type DeliverDeps = {
  fetch: typeof globalThis.fetch;
  /** Real time, for signatures. */
  clock: () => Date;
  redact: Redact;
};

const DELIVERED_KEPT = 50;

/**
 * Tries the channel's pending notices as one message, if the channel is due (backoff, vendor rate limit).
 * Accepted: the notices leave the outbox, never to be sent again. Anything else: they stay, and the
 * channel waits longer before the next try. `now` is the run's time (it may be simulated in tests).
 */
export const deliverChannel = async (
  state: AlertState,
  channel: ChannelConfig,
  index: number,
  now: Date,
  retry: Retry,
  deps: DeliverDeps,
): Promise<{ state: AlertState; outcome?: NoticeOutcome }> => {
  const name = channelName(channel, index);
  const pending = state.outbox.filter((entry) => entry.channel === name);
  if (pending.length === 0) return { state };
  const driver = driverFor(channel);
  const channelState = state.channels[name] ?? freshChannelState();
  const merged = mergeNotices(pending.map((entry) => entry.notice));
  const notice: Notice =
    channelState.dropped > 0
      ? { ...merged, droppedBefore: (merged.droppedBefore ?? 0) + channelState.dropped }
      : merged;
  const title = compose(notice).title;
  const attempts = Math.max(...pending.map((entry) => entry.attempts));
  const base = { channel: name, kind: channel.kind, title, merged: pending.length } as const;

  const limit = driver.rateLimit;
  const recent = channelState.sentAt.filter((at) => now.getTime() - Date.parse(at) < (limit?.perMs ?? 0));
  let notBefore = channelState.nextAttemptAt ? Date.parse(channelState.nextAttemptAt) : 0;
  if (limit && recent.length >= limit.max)
    notBefore = Math.max(notBefore, Date.parse(recent[0]!) + limit.perMs);
  if (now.getTime() < notBefore) {
    const nextAttemptAt = new Date(notBefore).toISOString();
    return {
      state,
      outcome: {
        ...base,
        delivered: false,
        attempts,
        error: `deferred until ${nextAttemptAt}${channelState.lastError ? ` (last error: ${channelState.lastError})` : ''}`,
        nextAttemptAt,
      },
    };
  }

  const request = driver.render(notice, channel, { now: deps.clock() });
  const delivery = await driver.send(request, { fetch: deps.fetch, timeoutMs: channel.timeout });
  const answer = deps.redact(delivery.answer);
  const ids = new Set(pending.map((entry) => entry.id));
  if (delivery.accepted) {
    return {
      state: {
        ...state,
        outbox: state.outbox.filter((entry) => !ids.has(entry.id)),
        channels: {
          ...state.channels,
          [name]: { consecutiveFailures: 0, sentAt: [...recent, now.toISOString()], dropped: 0 },
        },
        delivered: [...state.delivered, { id: notice.id, channel: name, title, at: now.toISOString() }].slice(
          -DELIVERED_KEPT,
        ),
      },
      outcome: { ...base, delivered: true, attempts: attempts + 1 },
    };
  }
  const failures = channelState.consecutiveFailures + 1;
  const wait = Math.max(backoffMs(failures, retry), delivery.retryAfterMs ?? 0);
  const nextAttemptAt = new Date(now.getTime() + wait).toISOString();
  return {
    state: {
      ...state,
      outbox: state.outbox.map((entry) =>
        ids.has(entry.id) ? { ...entry, attempts: entry.attempts + 1, lastError: answer } : entry,
      ),
      channels: {
        ...state.channels,
        [name]: {
          ...channelState,
          consecutiveFailures: failures,
          nextAttemptAt,
          lastError: answer,
          sentAt: recent,
        },
      },
    },
    outcome: { ...base, delivered: false, attempts: attempts + 1, error: answer, nextAttemptAt },
  };
};
