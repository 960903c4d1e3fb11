import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { driverFor } from './channels/index.ts';
import type { Delivery } from './channels/types.ts';
import { type ChannelConfig, channelName, type RetryConfig } from './config.ts';
import type { AlertState, ChannelState, Notice, OutboxEntry } from './model.ts';
import { mergeNotices } from './notice.ts';

// The outbox as pure state transitions: what to send next, and what an answer does to the state. The in-run
// orchestration (tries, backoff, the run's deadline, saving) is in delivery.ts.

type Retry = z.infer<typeof RetryConfig>;

export const freshChannelState = (): ChannelState => ({ consecutiveFailures: 0, sentAt: [], dropped: 0 });

/** Queues one notice for every channel. Delivery happens separately, so a crash in between loses nothing. */
export const enqueue = (
  state: AlertState,
  notice: Notice,
  channels: ReadonlyArray<{ name: string }>,
): AlertState => ({
  ...state,
  outbox: [
    ...state.outbox,
    ...channels.map(({ name }) => ({
      id: `${notice.id}/${name}`,
      channel: name,
      notice,
      queuedAt: notice.createdAt,
      attempts: 0,
    })),
  ],
});

/** Every configured channel with its stable name. */
export const namedChannels = (channels: readonly ChannelConfig[]) =>
  channels.map((channel, index) => ({ channel, index, name: channelName(channel, index) }));

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

/** A short hash of a channel's config: a broken channel whose config changed is tried again at once. */
export const channelFingerprint = (channel: ChannelConfig): string =>
  createHash('sha256').update(JSON.stringify(channel)).digest('hex').slice(0, 16);

/** The next message for a channel: the oldest one already fixed, or every pending entry not yet in one. */
export type Message = {
  entries: OutboxEntry[];
  notice: Notice;
  /** Its id and content were fixed (and saved) before an earlier try: it goes out exactly as it did. */
  fixed: boolean;
};

/**
 * The entries of the next message, oldest first: a backlog of alerts goes out as one message, but a digest is
 * always a message of its own (it has its own layout), so alerts queued before it go first, then the digest.
 */
const unfixedMessage = (pending: readonly OutboxEntry[]): OutboxEntry[] => {
  const first = pending[0];
  if (!first || first.notice.kind === 'digest') return first ? [first] : [];
  const digestAt = pending.findIndex((entry) => entry.notice.kind === 'digest');
  return digestAt < 0 ? [...pending] : pending.slice(0, digestAt);
};

export const nextMessage = (state: AlertState, name: string): Message | undefined => {
  const pending = state.outbox.filter((entry) => entry.channel === name);
  if (pending.length === 0) return undefined;
  const batch = pending.find((entry) => entry.batch !== undefined)?.batch;
  const entries =
    batch === undefined
      ? unfixedMessage(pending.filter((entry) => entry.batch === undefined))
      : pending.filter((entry) => entry.batch === batch);
  return { entries, notice: mergeNotices(entries.map((entry) => entry.notice)), fixed: batch !== undefined };
};

/**
 * Fixes a message before its first try, and saves it: the entries it carries, its id and its content (the drop
 * count is written into its first notice). A crash after the receiver took it then sends the same id again.
 */
export const fixMessage = (state: AlertState, name: string, message: Message): AlertState => {
  const channel = state.channels[name] ?? freshChannelState();
  const id = message.notice.id;
  const first = message.entries[0]?.id;
  const ids = new Set(message.entries.map((entry) => entry.id));
  return {
    ...state,
    outbox: state.outbox.map((entry) => {
      if (!ids.has(entry.id)) return entry;
      const notice =
        entry.id === first && channel.dropped > 0
          ? { ...entry.notice, droppedBefore: (entry.notice.droppedBefore ?? 0) + channel.dropped }
          : entry.notice;
      return { ...entry, notice, batch: id };
    }),
    channels: { ...state.channels, [name]: { ...channel, dropped: 0 } },
  };
};

/** When the channel may be tried next (ms since the epoch): backoff, a vendor's wait, its rate limit. */
export const notBefore = (state: AlertState, channel: ChannelConfig, name: string, now: Date): number => {
  const channelState = state.channels[name] ?? freshChannelState();
  const changed = channelState.broken && channelState.broken.config !== channelFingerprint(channel);
  let at = channelState.nextAttemptAt && !changed ? Date.parse(channelState.nextAttemptAt) : 0;
  const limit = driverFor(channel).rateLimit;
  if (limit) {
    const recent = channelState.sentAt.filter((time) => now.getTime() - Date.parse(time) < limit.perMs);
    if (recent.length >= limit.max) at = Math.max(at, Date.parse(recent[0]!) + limit.perMs);
  }
  return at;
};

const DELIVERED_KEPT = 50;

/** Accepted: the entries leave the outbox, never to be sent again; a broken channel is whole again. */
export const accepted = (
  state: AlertState,
  name: string,
  message: Message,
  title: string,
  now: Date,
  limitWindowMs: number,
): AlertState => {
  const ids = new Set(message.entries.map((entry) => entry.id));
  const previous = state.channels[name] ?? freshChannelState();
  const recent = previous.sentAt.filter((at) => now.getTime() - Date.parse(at) < limitWindowMs);
  const { broken, nextAttemptAt: _next, lastError: _error, recovered: _recovered, ...rest } = previous;
  return {
    ...state,
    outbox: state.outbox.filter((entry) => !ids.has(entry.id)),
    channels: {
      ...state.channels,
      [name]: {
        ...rest,
        consecutiveFailures: 0,
        sentAt: [...recent, now.toISOString()],
        ...(broken ? { recovered: true } : {}),
      },
    },
    delivered: [
      ...state.delivered,
      {
        id: message.notice.id,
        channel: name,
        title,
        at: now.toISOString(),
        ...(message.notice.notices ? { notices: message.notice.notices } : {}),
      },
    ].slice(-DELIVERED_KEPT),
  };
};

/**
 * Not accepted. The entries count the try; the channel waits (backoff, or what the vendor asked for) unless
 * the run itself cut the try short. A permanent answer marks the channel broken: it is then tried only every
 * `maxBackoff`, or at once when its config changes. An answer that proves the message was not taken releases
 * its fixed id, so the next try may carry newer notices too.
 */
export const failed = (
  state: AlertState,
  name: string,
  message: Message,
  delivery: Delivery & { answer: string },
  options: { now: Date; retry: Retry; fingerprint: string; cutByRun: boolean },
): AlertState => {
  const { now, retry } = options;
  const ids = new Set(message.entries.map((entry) => entry.id));
  const release = delivery.maybeTaken === false;
  const outbox = state.outbox.map((entry) => {
    if (!ids.has(entry.id)) return entry;
    const { batch: _batch, ...unfixed } = entry;
    return { ...(release ? unfixed : entry), attempts: entry.attempts + 1, lastError: delivery.answer };
  });
  const previous = state.channels[name] ?? freshChannelState();
  if (options.cutByRun) {
    return {
      ...state,
      outbox,
      channels: { ...state.channels, [name]: { ...previous, lastError: delivery.answer } },
    };
  }
  const failures = previous.consecutiveFailures + 1;
  const permanent = delivery.failure === 'permanent';
  const wait = permanent
    ? retry.maxBackoff
    : Math.max(backoffMs(failures, retry), delivery.retryAfterMs ?? 0);
  const { recovered: _recovered, ...rest } = previous;
  return {
    ...state,
    outbox,
    channels: {
      ...state.channels,
      [name]: {
        ...rest,
        consecutiveFailures: failures,
        nextAttemptAt: new Date(now.getTime() + wait).toISOString(),
        lastError: delivery.answer,
        ...(permanent
          ? {
              broken: {
                since: previous.broken?.since ?? now.toISOString(),
                error: delivery.answer,
                ...(delivery.fix ? { fix: delivery.fix } : {}),
                config: options.fingerprint,
                // a changed config that fails again is a new breakage worth telling
                announced:
                  previous.broken?.config === options.fingerprint ? previous.broken.announced : false,
              },
            }
          : previous.broken
            ? { broken: previous.broken }
            : {}),
      },
    },
  };
};
