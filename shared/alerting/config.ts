import { z } from 'zod';
import { Duration, duration } from '../util/duration.ts';
import { ChannelConfig } from './channels/index.ts';

// The `alerting:` section of the config file. Defaults live here; docs/alerting.md describes every key.

export { CHANNEL_KINDS, ChannelConfig, type ChannelKind } from './channels/index.ts';

/** Glob on alert keys: "*" matches anything, including "/". E.g. "cn-hangzhou/*", "nacos/*", "*:9848". */
const KeyPattern = z.string().min(1);
const Match = z
  .union([KeyPattern, z.array(KeyPattern).min(1)])
  .transform((m) => (Array.isArray(m) ? m : [m]));

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};
const TimeZone = z.string().refine(isTimeZone, 'an IANA time zone, e.g. "Asia/Shanghai" or "UTC"');

export const Silence = z
  .strictObject({
    match: Match,
    start: z.iso.datetime({ offset: true }),
    end: z.iso.datetime({ offset: true }),
    comment: z.string().optional(),
  })
  .refine((s) => Date.parse(s.end) > Date.parse(s.start), {
    message: 'end must be after start',
    path: ['end'],
  });
export type Silence = z.infer<typeof Silence>;

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:mm, e.g. "02:00"');

/** A recurring window, in its own time zone; an end before the start crosses midnight. */
export const MaintenanceWindow = z
  .strictObject({
    match: Match,
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .default([...WEEKDAYS]),
    start: ClockTime,
    end: ClockTime,
    timezone: TimeZone.default('UTC'),
    comment: z.string().optional(),
  })
  .refine((w) => w.start !== w.end, { message: 'start and end must differ', path: ['end'] });
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

export const WindowConfig = z
  .strictObject({
    failures: z.number().int().min(1),
    runs: z.number().int().min(2).max(100),
  })
  .refine((w) => w.failures <= w.runs, { message: 'failures must not exceed runs', path: ['failures'] });

export const FlapConfig = z.strictObject({
  enabled: z.boolean().default(true),
  /** This many changes between firing and resolved within `window` make a key "flapping". */
  changes: z.number().int().min(2).default(4),
  window: Duration.default(3_600_000),
  /** A flapping key is settled again after this long without a change. */
  quiet: Duration.default(1_800_000),
});

export const RetryConfig = z.strictObject({
  /**
   * Tries per message within one run, for failures worth trying again at once (no connection, a 5xx, a timeout,
   * a 429 with a short Retry-After); 1 = no retry within the run. All of them stay inside the run's time budget.
   */
  attemptsPerRun: z.number().int().min(1).max(10).default(3),
  /** Wait before the first retry within a run; doubles per retry, with jitter. */
  runBackoff: duration({ min: 10, max: 60_000 }).default(500),
  /** Wait after a run that could not deliver to a channel; doubles per such run up to `maxBackoff`. */
  initialBackoff: Duration.default(60_000),
  maxBackoff: Duration.default(1_800_000),
  /** Pending notices kept per channel; beyond this the oldest are dropped and the drop is reported. */
  maxPending: z.number().int().min(10).default(500),
});

/**
 * The daily digest: the last day's uptime and incidents (from the run history), queued once a day for each of
 * `channels` (default: all) by the first run after `at`, in `alerting.timezone`, and delivered like any notice.
 */
export const DigestConfig = z.strictObject({
  at: ClockTime,
  channels: z.array(z.string().min(1)).min(1).optional(),
});
export type DigestConfig = z.infer<typeof DigestConfig>;

export const StormGuardConfig = z.strictObject({
  /** "Nothing reachable" and "region unreachable" need at least this many probes to be told from one bad target. */
  minProbes: z.number().int().min(1).default(2),
});

export const AlertingConfig = z
  .strictObject({
    /** Shown in every title; a DingTalk robot with a keyword setting needs that keyword here. */
    name: z.string().min(1).default('mse-watch'),
    failureThreshold: z.number().int().min(1).max(100).default(2),
    successThreshold: z.number().int().min(1).max(100).default(2),
    /** M failures in the last N runs also fire (intermittent faults); null turns it off. */
    window: WindowConfig.nullable().default({ failures: 3, runs: 5 }),
    flap: FlapConfig.default(FlapConfig.parse({})),
    /** Repeat a still-firing alert this often; 0 turns reminders off. */
    reminderInterval: Duration.default(14_400_000).refine((ms) => ms === 0 || ms >= 60_000, {
      message: 'use 0 (off) or at least "1m"',
    }),
    /** Endpoints marked optional in the catalog (ARMS) alert only when this is true. */
    includeOptional: z.boolean().default(false),
    /** Time zone for times shown in messages. */
    timezone: TimeZone.default('UTC'),
    silences: z.array(Silence).default([]),
    maintenanceWindows: z.array(MaintenanceWindow).default([]),
    stormGuard: StormGuardConfig.default(StormGuardConfig.parse({})),
    retry: RetryConfig.default(RetryConfig.parse({})),
    channels: z.array(ChannelConfig).default([]),
    digest: DigestConfig.optional(),
  })
  .superRefine((alerting, ctx) => {
    const seen = new Map<string, number>();
    alerting.channels.forEach((channel, index) => {
      const name = channelName(channel, index);
      const first = seen.get(name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['channels', index, 'name'],
          message: `channel name "${name}" is already used by channels[${first}]; give each channel its own name`,
        });
      } else seen.set(name, index);
    });
    (alerting.digest?.channels ?? []).forEach((name, index) => {
      if (!seen.has(name))
        ctx.addIssue({
          code: 'custom',
          path: ['digest', 'channels', index],
          message: `no channel is named "${name}"; the channels are: ${[...seen.keys()].join(', ') || 'none'}`,
        });
    });
  });
export type AlertingConfig = z.infer<typeof AlertingConfig>;

/** The stable name of a channel: its own, or "<kind>-<1-based position>". */
export const channelName = (channel: ChannelConfig, index: number): string =>
  channel.name ?? `${channel.kind}-${index + 1}`;
