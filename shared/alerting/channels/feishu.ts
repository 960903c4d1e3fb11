import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { compose, markdownBody, truncateBytes } from '../notice.ts';
import { channelCommon, webhookUrl } from './common.ts';
import { hostOf, jsonBody, jsonPost, post, shortText } from './http.ts';
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

const ERRCODES: Record<number, string> = {
  19021: 'signature rejected, or the timestamp is more than an hour off',
  19024: 'rejected by the bot IP allowlist',
  9499: 'bad request',
  11232: 'sent too fast (frequency limited)',
};
const MAX_CONTENT_BYTES = 20_000;
const TEMPLATE = { firing: 'red', resolved: 'green', test: 'blue' } as const;

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
    const mentions = channel.atUserIds.map((id) => `<at id=${id}></at>`);
    if (channel.atAll) mentions.push('<at id=all></at>');
    const content =
      truncateBytes(markdownBody(composed, { heading: false }).join('\n'), MAX_CONTENT_BYTES) +
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

  async send(request, deps) {
    const answer = await post(request, deps);
    if (!answer.ok) return { accepted: false, answer: answer.error };
    const body = jsonBody(answer.text);
    // current bots answer {code, msg}; older ones {StatusCode, StatusMessage}
    const code =
      typeof body?.code === 'number'
        ? body.code
        : typeof body?.StatusCode === 'number'
          ? body.StatusCode
          : undefined;
    if (answer.status < 200 || answer.status > 299 || code === undefined) {
      return { accepted: false, answer: `HTTP ${answer.status} ${shortText(answer.text)}`.trim() };
    }
    const msg = String(body?.msg ?? body?.StatusMessage ?? '');
    const said = `code ${code} ${msg}`.trim();
    if (code === 0) return { accepted: true, answer: said };
    const meaning = ERRCODES[code];
    return {
      accepted: false,
      answer: meaning ? `${said} (${meaning})` : said,
      ...(code === 11232 ? { retryAfterMs: 60_000 } : {}),
    };
  },

  describe: (channel) => hostOf(channel.webhook),
  secrets: (channel) =>
    [
      ...(channel.secret ? [channel.secret] : []),
      new URL(channel.webhook).pathname.split('/').at(-1) ?? '',
    ].filter(Boolean),
  // custom bots: 100 a minute and 5 a second
  rateLimit: { max: 100, perMs: 60_000 },
};
