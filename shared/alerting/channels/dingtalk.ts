import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { compose, markdownBody, truncateBytes } from '../notice.ts';
import { channelCommon, MobileNumber, webhookUrl } from './common.ts';
import { hostOf, jsonPost, sendForErrcode, type VendorCode } from './http.ts';
import type { ChannelDefinition } from './types.ts';

export const DingTalkChannel = z.strictObject({
  kind: z.literal('dingtalk'),
  webhook: webhookUrl({
    param: 'access_token',
    example: 'https://oapi.dingtalk.com/robot/send?access_token=...',
  }),
  /** The robot's "加签" secret (starts with SEC). With it every request is signed. */
  secret: z.string().min(1).optional(),
  atMobiles: z.array(MobileNumber).default([]),
  atUserIds: z.array(z.string().min(1)).default([]),
  atAll: z.boolean().default(false),
  ...channelCommon,
});

/** After 130101 DingTalk throttles the robot for 10 minutes; retrying sooner only extends it. */
const THROTTLE_MS = 10 * 60_000;
const COPY_WEBHOOK =
  'copy the webhook address again from the robot settings (群设置 > 智能群助手) into the config, then run mse-watch notify test';

/**
 * DingTalk answers HTTP 200 and tells success in `errcode`. The custom robot's documented codes (open.dingtalk.com,
 * 自定义机器人 error table, and the 310000 texts it answers with) and what each means for delivery.
 */
export const DINGTALK_CODES: Record<number, VendorCode> = {
  [-1]: { meaning: 'DingTalk is busy', failure: 'transient' },
  130101: {
    meaning: 'sent too fast: over 20 messages a minute, the robot is throttled for 10 minutes',
    failure: 'throttled',
    retryAfterMs: THROTTLE_MS,
  },
  410100: { meaning: 'sent too fast, throttled', failure: 'throttled', retryAfterMs: THROTTLE_MS },
  310000: {
    meaning: 'rejected by the robot security settings (signature, keyword or IP allowlist)',
    failure: 'permanent',
    fix: "check the robot security settings: the 加签 secret in the config (`secret`), a custom keyword (put it in alerting.name), the IP allowlist (this host's egress address), and that this host's clock is within an hour of the real time",
  },
  300001: { meaning: 'the access_token is invalid', failure: 'permanent', fix: COPY_WEBHOOK },
  400101: { meaning: 'the access_token does not exist', failure: 'permanent', fix: COPY_WEBHOOK },
  400106: { meaning: 'the robot does not exist', failure: 'permanent', fix: COPY_WEBHOOK },
  400102: {
    meaning: 'the robot is disabled',
    failure: 'permanent',
    fix: 'enable the robot again in the group settings (群设置 > 智能群助手)',
  },
  400013: {
    meaning: 'the group was dissolved',
    failure: 'permanent',
    fix: 'add a robot to a group that exists and put its webhook in the config',
  },
  400105: {
    meaning: 'unsupported message type',
    failure: 'permanent',
    fix: 'report this as a mse-watch bug',
  },
  40035: { meaning: 'missing or invalid JSON', failure: 'permanent', fix: 'report this as a mse-watch bug' },
  43004: { meaning: 'invalid content-type', failure: 'permanent', fix: 'report this as a mse-watch bug' },
  430101: {
    meaning: 'the message has an unsafe link',
    failure: 'permanent',
    fix: 'report this as a mse-watch bug',
  },
  430102: {
    meaning: 'the message text was refused',
    failure: 'permanent',
    fix: 'report this as a mse-watch bug',
  },
  430104: {
    meaning: 'the message content was refused',
    failure: 'permanent',
    fix: 'report this as a mse-watch bug',
  },
};
/** Markdown text budget: the documented limits are loose; 18 KB stays well inside what DingTalk renders. */
const MAX_TEXT_BYTES = 18_000;

/** sign = urlEncode(base64(HmacSHA256(key = secret, message = timestamp + "\n" + secret))), timestamp in ms. */
export const dingtalkSign = (secret: string, timestampMs: string): string =>
  createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');

export const dingtalk: ChannelDefinition<typeof DingTalkChannel> = {
  schema: DingTalkChannel,
  render(notice, channel, context) {
    const composed = compose(notice);
    const url = new URL(channel.webhook);
    if (channel.secret) {
      const timestamp = String(context.now.getTime());
      url.searchParams.set('timestamp', timestamp);
      // URLSearchParams form-encodes the base64 (+ / =), which is the urlEncode DingTalk asks for
      url.searchParams.set('sign', dingtalkSign(channel.secret, timestamp));
    }
    // A mention shows only when the @ text is in the body as well as in `at` (DingTalk markdown).
    // a daily digest is for reading, not for waking people: nobody is mentioned
    const mention = notice.kind !== 'digest';
    const atMobiles = mention ? channel.atMobiles : [];
    const atUserIds = mention ? channel.atUserIds : [];
    const atAll = mention && channel.atAll;
    const mentions = [...atMobiles, ...atUserIds].map((who) => `@${who}`);
    if (atAll) mentions.push('@all');
    const lines = markdownBody(composed, { heading: true, quote: true });
    const tail = mentions.length ? `\n\n${mentions.join(' ')}` : '';
    const text = truncateBytes(lines.join('\n'), MAX_TEXT_BYTES - Buffer.byteLength(tail)) + tail;
    const body = {
      msgtype: 'markdown',
      markdown: { title: composed.title, text },
      at: { atMobiles, atUserIds, isAtAll: atAll },
    };
    return jsonPost(url.toString(), body);
  },

  send: (request, deps) => sendForErrcode(request, deps, DINGTALK_CODES),

  describe: (channel) => hostOf(channel.webhook),
  secrets: (channel) =>
    [
      ...(channel.secret ? [channel.secret] : []),
      new URL(channel.webhook).searchParams.get('access_token') ?? '',
    ].filter(Boolean),
  rateLimit: { max: 20, perMs: 60_000 },
};
