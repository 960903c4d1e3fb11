import { z } from 'zod';

/** One key's judgement input for one run. "skip" = this run says nothing about the key (not a failure). */
export const Observation = z.strictObject({
  key: z.string(),
  /** First grouping level of a message: the region, "targets", "nacos <server>" or "monitor". */
  group: z.string(),
  /** Second level: the catalog category, the Nacos step, "region" or "network". */
  category: z.string(),
  /** What a reader sees for the key, e.g. "100.100.27.5:8848". */
  label: z.string(),
  outcome: z.enum(['ok', 'fail', 'skip']),
  /** The failure as observed: "timeout: connect ETIMEDOUT" etc. */
  detail: z.string().optional(),
  /** The category's verdict this run, e.g. "partial 3/4", for context in messages. */
  verdict: z.string().optional(),
  /** Keys whose trouble explains this one's (storm guard): while they fail, this key is not announced. */
  inhibitedBy: z.array(z.string()).default([]),
  /** Why, and what to do, from the run's diagnosis (the finding that names this endpoint). */
  cause: z.string().optional(),
  action: z.string().optional(),
});
export type Observation = z.infer<typeof Observation>;
export type ObservationInput = z.input<typeof Observation>;

export const Change = z.enum(['firing', 'resolved', 'flapping', 'reminder']);
export type Change = z.infer<typeof Change>;

// Everything below is also what the state file holds. Those schemas are loose on purpose: a state file written
// by a newer mse-watch may carry fields this one does not know; they are kept, never a reason to reject the file.

const Iso = z.iso.datetime();

/**
 * Someone is working on a firing key (`mse-watch ack`): its reminders stop until it resolves, or until `until`
 * when that is a time (whichever comes first). Every later event of the key says who acknowledged it.
 */
export const Ack = z.looseObject({
  at: Iso,
  by: z.string(),
  until: z.union([z.literal('resolved'), Iso]),
  comment: z.string().optional(),
});
export type Ack = z.infer<typeof Ack>;

export const AlertEvent = z.looseObject({
  key: z.string(),
  group: z.string(),
  category: z.string(),
  label: z.string(),
  change: Change,
  /** The run that produced the event. */
  at: z.iso.datetime(),
  /** When the key entered its current state. */
  since: z.iso.datetime(),
  /** Why it fired or changed: "2 consecutive failed runs", "3 of the last 5 runs failed", "stopped flapping". */
  reason: z.string(),
  detail: z.string().optional(),
  verdict: z.string().optional(),
  /** The diagnosis of a failing key: why it fails and what to do (absent for a recovery). */
  cause: z.string().optional(),
  action: z.string().optional(),
  /** Set while someone acknowledged the key (`mse-watch ack`); an unreadable one is dropped, not the event. */
  ack: Ack.optional().catch(undefined),
});
export type AlertEvent = z.infer<typeof AlertEvent>;

/** One incident line of a digest. */
export const DigestIncident = z.looseObject({
  category: z.string(),
  start: Iso,
  end: Iso.nullable(),
  durationMs: z.number(),
  cause: z.string(),
  endpoints: z.array(z.string()),
  /** Endpoints beyond those listed. */
  more: z.number().int(),
  failedRuns: z.number().int(),
});

/** The last day of one region, as a digest reports it (from the run history). */
export const DigestRegion = z.looseObject({
  region: z.string(),
  runs: z.number().int(),
  /** Runs that found everything fine, of those observed: the day's uptime as an exact count. */
  up: z.number().int(),
  observed: z.number().int(),
  lastRunAt: Iso.nullable(),
  ok: z.boolean().nullable(),
  simulation: z.string().optional(),
  categories: z.array(
    z.looseObject({
      category: z.string(),
      up: z.number().int(),
      observed: z.number().int(),
      incidents: z.number().int(),
    }),
  ),
  incidents: z.array(DigestIncident),
  /** Incidents beyond those listed. */
  moreIncidents: z.number().int(),
  ongoing: z.number().int(),
  resolved: z.number().int(),
  mttrMs: z.number().nullable(),
  longestMs: z.number().nullable(),
});

/** What a daily digest carries: the last day's uptime and incidents, and what is held back right now. */
export const DigestBody = z.looseObject({
  from: Iso,
  to: Iso,
  regions: z.array(DigestRegion),
  acks: z.array(Ack.extend({ key: z.string() })),
  silences: z.array(
    z.looseObject({
      id: z.string().optional(),
      match: z.array(z.string()),
      end: z.string(),
      comment: z.string().optional(),
    }),
  ),
  /** Said when there was nothing to report from (no history recorded). */
  note: z.string().optional(),
});
export type DigestBody = z.infer<typeof DigestBody>;

export const Notice = z.looseObject({
  /** Stable: derived from the run and its events, never from a send; receivers drop repeats by it. */
  id: z.string(),
  /** `digest`: the daily digest (`alerting.digest`), always a message of its own; it has no events. */
  kind: z.enum(['alert', 'test', 'digest']),
  /** The alerting `name`, shown in titles. */
  source: z.string(),
  createdAt: z.iso.datetime(),
  timezone: z.string(),
  events: z.array(AlertEvent),
  /** Said in the message when older notices had to be dropped from a full outbox. */
  droppedBefore: z.number().int().optional(),
  /** Where the fault was seen from: "host ops-1", or "function mse-watch-probe-endpoints in cn-hangzhou". */
  vantage: z.string().optional(),
  /** Set when the run probed a simulation (stand-ins for the real addresses): every message says SIMULATION. */
  simulation: z.string().optional(),
  /** A message that carries a backlog: the ids of the notices in it, oldest first. */
  notices: z.array(z.string()).optional(),
  /** The digest's content (kind `digest`). */
  digest: DigestBody.optional(),
});
export type Notice = z.infer<typeof Notice>;

export const KeyState = z.looseObject({
  group: z.string(),
  category: z.string(),
  label: z.string(),
  status: z.enum(['ok', 'firing']),
  since: Iso,
  reason: z.string().optional(),
  /** What fired it: a window-fired key also needs the window to clear before it resolves. */
  firedBy: z.enum(['consecutive', 'window']).optional(),
  consecutiveFailures: z.number().int(),
  consecutiveSuccesses: z.number().int(),
  /** true = failed; newest last; bounded by the M-of-N window. */
  history: z.array(z.boolean()),
  /** Times the status changed, within the flap window. */
  changes: z.array(Iso),
  flapping: z.boolean(),
  /** What the channels were last told; differs from status while silenced or inhibited. */
  announced: z.enum(['ok', 'firing', 'flapping']),
  announcedAt: Iso.optional(),
  lastSeen: Iso,
  detail: z.string().optional(),
  verdict: z.string().optional(),
  /** Someone acknowledged the key (`mse-watch ack`); an unreadable one is dropped, never the key. */
  ack: Ack.optional().catch(undefined),
});
export type KeyState = z.infer<typeof KeyState>;

export const OutboxEntry = z.looseObject({
  id: z.string(),
  channel: z.string(),
  notice: Notice,
  queuedAt: Iso,
  attempts: z.number().int(),
  lastError: z.string().optional(),
  /**
   * The id of the message this entry went out in, fixed (and saved) before the first try: until it is accepted
   * the same entries go out again under the same id, so a receiver that took it once can drop the repeat.
   * Cleared only when the answer proves the message was not taken (refused, or never connected).
   */
  batch: z.string().optional(),
});
export type OutboxEntry = z.infer<typeof OutboxEntry>;

/** A channel that answered with a permanent error: it stays broken until it accepts again or its config changes. */
export const BrokenChannel = z.looseObject({
  since: Iso,
  error: z.string(),
  fix: z.string().optional(),
  /** Hash of the channel's config when it broke: a changed config is tried at once. */
  config: z.string(),
  /** The other channels were told (once). */
  announced: z.boolean(),
});
export type BrokenChannel = z.infer<typeof BrokenChannel>;

export const ChannelState = z.looseObject({
  consecutiveFailures: z.number().int(),
  nextAttemptAt: Iso.optional(),
  lastError: z.string().optional(),
  /** Recent accepted sends, for vendor rate limits (DingTalk: 20 a minute). */
  sentAt: z.array(Iso),
  /** Notices dropped from a full outbox, to be reported in the next message. */
  dropped: z.number().int(),
  broken: BrokenChannel.optional(),
  /** It recovered from being broken; the other channels are still to be told. */
  recovered: z.boolean().optional(),
});
export type ChannelState = z.infer<typeof ChannelState>;

export const DeliveredRecord = z.looseObject({
  id: z.string(),
  channel: z.string(),
  title: z.string(),
  at: Iso,
});

/**
 * A silence added with `mse-watch silence add`, kept in the state beside the config's own and merged with them
 * when a run is judged. `id` is what `silence remove` takes.
 */
export const StoredSilence = z.looseObject({
  id: z.string().min(1),
  match: z.array(z.string().min(1)).min(1),
  start: Iso,
  end: Iso,
  comment: z.string().optional(),
  createdBy: z.string().optional(),
  createdAt: Iso,
});
export type StoredSilence = z.infer<typeof StoredSilence>;

/** The last daily digest: which local day it was for, and when it was queued. */
export const DigestState = z.looseObject({ lastDay: z.string(), at: Iso });
export type DigestState = z.infer<typeof DigestState>;

/**
 * 2: broken channels, message ids fixed before the first try (`batch`), cause/action/vantage in notices.
 * Also in 2, added later (all optional, so no new version): acknowledgements on keys and events, stored
 * silences, the digest's day, and `digest` notices.
 * Version 1 files read as they are (every addition is optional); see state-codec.ts for the rules.
 */
export const STATE_VERSION = 2;

export const AlertState = z.looseObject({
  version: z.number().int(),
  keys: z.record(z.string(), KeyState),
  outbox: z.array(OutboxEntry),
  channels: z.record(z.string(), ChannelState),
  /** The last deliveries, newest last (bounded), for `notify` output and post-mortems. */
  delivered: z.array(DeliveredRecord),
  /** Silences added from the CLI (`mse-watch silence add`), merged with the config's at evaluation time. */
  silences: z.array(StoredSilence).optional(),
  digest: DigestState.optional(),
});
export type AlertState = z.infer<typeof AlertState>;

export const freshAlertState = (): AlertState => ({
  version: STATE_VERSION,
  keys: {},
  outbox: [],
  channels: {},
  delivered: [],
});
