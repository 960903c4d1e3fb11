import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { compose, markdownBody, type Status, truncateBytes } from '../notice.ts';
import { channelCommon, webhookUrl } from './common.ts';
import { hostOf, jsonPost, sendForCode, type VendorCode } from './http.ts';
import type { ChannelDefinition } from './types.ts';

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

const NEW_HOOK =
  'copy the webhook address again from the bot settings into the config, then run mse-watch notify test';

/** The custom bot's documented answers (open.feishu.cn, 自定义机器人使用指南) and what each means for delivery. */
export const FEISHU_CODES: Record<number, VendorCode> = {
  11232: { meaning: 'sent too fast (frequency limited)', failure: 'throttled', retryAfterMs: 60_000 },
  19001: { meaning: 'the webhook token is invalid', failure: 'permanent', fix: NEW_HOOK },
  19021: {
    meaning: 'signature rejected, or the timestamp is more than an hour off',
    failure: 'permanent',
    fix: "put the bot's signature secret (签名校验) in the config (`secret`) and check that this host's clock is right",
  },
  19022: {
    meaning: 'rejected by the bot IP allowlist',
    failure: 'permanent',
    fix: "add this host's egress address to the bot's IP allowlist",
  },
  19024: {
    meaning: 'rejected by the bot keyword setting',
    failure: 'permanent',
    fix: "put the bot's custom keyword in alerting.name (it is in every title)",
  },
  9499: { meaning: 'bad request', failure: 'permanent', fix: 'report this as a mse-watch bug' },
};
const MAX_CONTENT_BYTES = 20_000;
const TEMPLATE = {
  firing: 'red',
  resolved: 'green',
  test: 'blue',
  digest: 'turquoise',
} as const satisfies Record<Status, string>;

/**
 * Feishu signs nothing of the message: sign = base64(HmacSHA256(key = timestamp + "\n" + secret, message = "")),
 * timestamp in seconds; both travel in the JSON body.
 */
export const feishuSign = (secret: string, timestampSeconds: string): string =>
  createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');

export const feishu: ChannelDefinition<typeof FeishuChannel> = {
  schema: FeishuChannel,
  render(notice, channel, context) {
    const composed = compose(notice);
    // a daily digest is for reading, not for waking people: nobody is mentioned
    const mention = notice.kind !== 'digest';
    const mentions = mention ? channel.atUserIds.map((id) => `<at id=${id}></at>`) : [];
    if (mention && channel.atAll) mentions.push('<at id=all></at>');
    const content =
      truncateBytes(markdownBody(composed, { heading: false, quote: false }).join('\n'), MAX_CONTENT_BYTES) +
      (mentions.length ? `\n${mentions.join(' ')}` : '');
    const timestamp = String(Math.floor(context.now.getTime() / 1000));
    const body = {
      ...(channel.secret ? { timestamp, sign: feishuSign(channel.secret, timestamp) } : {}),
      msg_type: 'interactive',
      card: {
        config: { wide_screen_mode: true },
        header: {
          title: { tag: 'plain_text', content: composed.title },
          template: TEMPLATE[composed.status],
        },
        elements: [{ tag: 'markdown', content }],
      },
    };
    return jsonPost(channel.webhook, body);
  },

  send: (request, deps) => sendForCode(request, deps, FEISHU_CODES),

  describe: (channel) => hostOf(channel.webhook),
  secrets: (channel) =>
    [
      ...(channel.secret ? [channel.secret] : []),
      new URL(channel.webhook).pathname.split('/').at(-1) ?? '',
    ].filter(Boolean),
  // custom bots: 100 a minute and 5 a second
  rateLimit: { max: 100, perMs: 60_000 },
};
