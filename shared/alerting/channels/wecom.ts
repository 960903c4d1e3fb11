import { z } from 'zod';
import { compose, markdownBody, truncateBytes } from '../notice.ts';
import { channelCommon, MobileNumber, webhookUrl } from './common.ts';
import { hostOf, jsonPost, sendForErrcode, type VendorCode } from './http.ts';
import type { ChannelDefinition } from './types.ts';

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
    mentionedMobiles: z.array(MobileNumber).default([]),
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

const NEW_KEY =
  'copy the webhook address again from the group robot (群机器人) into the config, then run mse-watch notify test';

/** WeCom's global error codes (developer.work.weixin.qq.com/document/path/90313) that a group robot answers. */
export const WECOM_CODES: Record<number, VendorCode> = {
  [-1]: { meaning: 'WeCom is busy', failure: 'transient' },
  45009: { meaning: 'sent too fast: over 20 messages a minute', failure: 'throttled', retryAfterMs: 60_000 },
  93000: { meaning: 'the webhook key is invalid', failure: 'permanent', fix: NEW_KEY },
  40008: { meaning: 'invalid message type', failure: 'permanent', fix: 'report this as a mse-watch bug' },
  40058: {
    meaning: 'a field is missing or too long',
    failure: 'permanent',
    fix: 'report this as a mse-watch bug',
  },
  44004: { meaning: 'the text is empty', failure: 'permanent', fix: 'report this as a mse-watch bug' },
};
/** WeCom's documented limits: markdown content 4096 bytes, text content 2048 bytes (UTF-8). */
const MAX_BYTES = { markdown: 4096, text: 2048 } as const;

/** WeCom group robots have no signing: the key in the URL is the credential. */
export const wecom: ChannelDefinition<typeof WeComChannel> = {
  schema: WeComChannel,
  render(notice, channel) {
    const composed = compose(notice);
    const lines = markdownBody(composed, { heading: true, quote: true });
    // a daily digest is for reading, not for waking people: nobody is mentioned
    const mention = notice.kind !== 'digest';
    const userIds = mention ? channel.mentionedUserIds : [];
    const mobiles = mention ? channel.mentionedMobiles : [];
    let body: unknown;
    if (channel.format === 'markdown') {
      // markdown mentions by user id only, inline as <@id>
      const tail = userIds.length ? `\n${userIds.map((id) => `<@${id}>`).join(' ')}` : '';
      const content = truncateBytes(lines.join('\n'), MAX_BYTES.markdown - Buffer.byteLength(tail)) + tail;
      body = { msgtype: 'markdown', markdown: { content } };
    } else {
      const plain = lines.map((line) => line.replace(/^(### |> )/, '').replace(/\*\*/g, ''));
      body = {
        msgtype: 'text',
        text: {
          content: truncateBytes(plain.join('\n'), MAX_BYTES.text),
          mentioned_list: userIds,
          mentioned_mobile_list: mobiles,
        },
      };
    }
    return jsonPost(channel.webhook, body);
  },

  send: (request, deps) => sendForErrcode(request, deps, WECOM_CODES),

  describe: (channel) => hostOf(channel.webhook),
  secrets: (channel) => [new URL(channel.webhook).searchParams.get('key') ?? ''].filter(Boolean),
  rateLimit: { max: 20, perMs: 60_000 },
};
