import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { compose, markdownBody, truncateBytes } from '../notice.ts';
import { channelCommon, MobileNumber, webhookUrl } from './common.ts';
import { hostOf, jsonPost, sendForErrcode } from './http.ts';
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

/** DingTalk answers HTTP 200 and tells success in `errcode`; these codes are worth naming. */
const ERRCODES: Record<number, string> = {
  130101: 'sent too fast: over 20 messages a minute, the robot is throttled for 10 minutes',
  310000: 'rejected by the robot security settings (signature, keyword or IP allowlist)',
  300001: 'the access_token is invalid',
};
/** After 130101 DingTalk throttles the robot for 10 minutes; retrying sooner only extends it. */
const THROTTLE_MS = 10 * 60_000;
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
    const mentions = [...channel.atMobiles, ...channel.atUserIds].map((who) => `@${who}`);
    if (channel.atAll) mentions.push('@all');
    const lines = markdownBody(composed, { heading: true });
    const tail = mentions.length ? `\n\n${mentions.join(' ')}` : '';
    const text = truncateBytes(lines.join('\n'), MAX_TEXT_BYTES - Buffer.byteLength(tail)) + tail;
    const body = {
      msgtype: 'markdown',
      markdown: { title: composed.title, text },
      at: { atMobiles: channel.atMobiles, atUserIds: channel.atUserIds, isAtAll: channel.atAll },
    };
    return jsonPost(url.toString(), body);
  },

  send: (request, deps) =>
    sendForErrcode(request, deps, {
      meanings: ERRCODES,
      throttled: { errcode: 130101, retryAfterMs: THROTTLE_MS },
    }),

  describe: (channel) => hostOf(channel.webhook),
  secrets: (channel) =>
    [
      ...(channel.secret ? [channel.secret] : []),
      new URL(channel.webhook).searchParams.get('access_token') ?? '',
    ].filter(Boolean),
  rateLimit: { max: 20, perMs: 60_000 },
};
