import { z } from 'zod';
import { Duration } from '../util/duration.ts';

// The `alerting:` section of the config file. Defaults live here; docs/alerting.md describes every key.

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

/** Loopback only: plain http there is safe (local receivers in tests); anywhere else a token would travel in clear. */
export const isLoopbackHost = (hostname: string): boolean =>
  LOOPBACK_HOSTS.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname);

/**
 * A webhook address. The value is never echoed in messages: it usually carries a token.
 * `check` names one query parameter the vendor needs (access_token, key) so a truncated paste is caught here.
 */
const webhookUrl = (check?: { param?: string; pathIncludes?: string; example: string }) =>
  z.string().superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `not a URL; expected e.g. ${check?.example ?? 'https://...'}`,
      });
      return;
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      ctx.addIssue({
        code: 'custom',
        message:
          'must be an https:// URL (http:// is accepted only for loopback hosts such as 127.0.0.1, for local tests)',
      });
      return;
    }
    if (check?.param && !url.searchParams.get(check.param)) {
      ctx.addIssue({
        code: 'custom',
        message: `has no "${check.param}" query parameter; copy the whole address, e.g. ${check.example}`,
      });
    }
    if (check?.pathIncludes && !url.pathname.includes(check.pathIncludes)) {
      ctx.addIssue({
        code: 'custom',
        message: `is not a bot webhook address; expected e.g. ${check.example}`,
      });
    }
  });

const ChannelName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
    'use letters, digits, ".", "_" or "-" (it names the channel in output and state)',
  );

const channelCommon = {
  /** Names the channel in output and in the outbox; defaults to "<kind>-<position>" (e.g. "dingtalk-1"). */
  name: ChannelName.optional(),
  /** Per request; a slow chat API must not eat the run's whole budget. */
  timeout: Duration.default(10_000),
};

export const DingTalkChannel = z.strictObject({
  kind: z.literal('dingtalk'),
  webhook: webhookUrl({
    param: 'access_token',
    example: 'https://oapi.dingtalk.com/robot/send?access_token=...',
  }),
  /** The robot's "加签" secret (starts with SEC). With it every request is signed. */
  secret: z.string().min(1).optional(),
  atMobiles: z.array(z.string().regex(/^\+?[0-9-]{5,20}$/, 'a mobile number, digits only')).default([]),
  atUserIds: z.array(z.string().min(1)).default([]),
  atAll: z.boolean().default(false),
  ...channelCommon,
});

export const WebhookChannel = z.strictObject({
  kind: z.literal('webhook'),
  url: webhookUrl(),
  /** HMAC-SHA256 key for the X-MseWatch-Signature header. Without it requests are unsigned. */
  secret: z.string().min(16, 'use at least 16 characters for an HMAC key').optional(),
  /** Extra request headers (e.g. Authorization); values may use ${env:NAME}. */
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), z.string()).default({}),
  ...channelCommon,
});

export const FeishuChannel = z.strictObject({
  kind: z.literal('feishu'),
  webhook: webhookUrl({
    pathIncludes: '/open-apis/bot/v2/hook/',
    example: 'https://open.feishu.cn/open-apis/bot/v2/hook/<id>',
  }),
  /** The bot's signature secret ("签名校验"). */
  secret: z.string().min(1).optional(),
  /** Feishu mentions by open_id (ou_...); "all" mentions everyone. */
  atUserIds: z.array(z.string().min(1)).default([]),
  atAll: z.boolean().default(false),
  ...channelCommon,
});

export const WeComChannel = z
  .strictObject({
    kind: z.literal('wecom'),
    webhook: webhookUrl({
      param: 'key',
      example: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...',
    }),
    /** markdown reads better; only text can mention by mobile number (a WeCom limitation). */
    format: z.enum(['markdown', 'text']).default('markdown'),
    mentionedUserIds: z.array(z.string().min(1)).default([]),
    mentionedMobiles: z
      .array(z.string().regex(/^\+?[0-9-]{5,20}$/, 'a mobile number, digits only'))
      .default([]),
    ...channelCommon,
  })
  .superRefine((channel, ctx) => {
    if (channel.format === 'markdown' && channel.mentionedMobiles.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['mentionedMobiles'],
        message:
          'WeCom markdown messages cannot mention by mobile number; set format: text, or use mentionedUserIds',
      });
    }
  });

export const ChannelConfig = z.discriminatedUnion('kind', [
  DingTalkChannel,
  WebhookChannel,
  FeishuChannel,
  WeComChannel,
]);
export type ChannelConfig = z.infer<typeof ChannelConfig>;
export type ChannelKind = ChannelConfig['kind'];
export const CHANNEL_KINDS = [
  'dingtalk',
  'webhook',
  'feishu',
  'wecom',
] as const satisfies readonly ChannelKind[];

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
  /** Wait after the first failed delivery to a channel; doubles per failure up to `maxBackoff`. */
  initialBackoff: Duration.default(60_000),
  maxBackoff: Duration.default(1_800_000),
  /** Pending notices kept per channel; beyond this the oldest are dropped and the drop is reported. */
  maxPending: z.number().int().min(10).default(500),
});

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
  });
export type AlertingConfig = z.infer<typeof AlertingConfig>;

/** The stable name of a channel: its own, or "<kind>-<1-based position>". */
export const channelName = (channel: ChannelConfig, index: number): string =>
  channel.name ?? `${channel.kind}-${index + 1}`;
