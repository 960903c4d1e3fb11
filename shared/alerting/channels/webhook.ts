import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { Notice } from '../model.ts';
import { compose } from '../notice.ts';
import { channelCommon, webhookUrl } from './common.ts';
import { hostOf, networkFailure, post, shortText, statusFailure } from './http.ts';
import type { ChannelDefinition } from './types.ts';

export const WebhookChannel = z.strictObject({
  kind: z.literal('webhook'),
  url: webhookUrl(),
  /** HMAC-SHA256 key for the X-MseWatch-Signature header. Without it requests are unsigned. */
  secret: z.string().min(16, 'use at least 16 characters for an HMAC key').optional(),
  /** Extra request headers (e.g. Authorization); values may use ${env:NAME}. */
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), z.string()).default({}),
  ...channelCommon,
});

/** The payload's schema id; a breaking change gets a new version, additions do not. */
export const WEBHOOK_PAYLOAD_VERSION = 'mse-watch.alert/v1';
export const SIGNATURE_HEADER = 'x-mse-watch-signature';
export const TIMESTAMP_HEADER = 'x-mse-watch-timestamp';
export const ID_HEADER = 'x-mse-watch-id';

/** "sha256=" + hex(HMAC-SHA256(key = secret, message = timestamp + "." + body)), timestamp in seconds. */
export const webhookSignature = (secret: string, timestampSeconds: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;

/** The documented payload (docs/alerting.md). Pure: the same notice gives the same bytes. */
export const webhookPayload = (notice: Notice) => {
  const composed = compose(notice);
  return {
    version: WEBHOOK_PAYLOAD_VERSION,
    id: notice.id,
    kind: notice.kind,
    status: composed.status,
    title: composed.title,
    source: notice.source,
    createdAt: notice.createdAt,
    summary: { firing: composed.firing, resolved: composed.resolved },
    /** The notices this message carries: a receiver that dedupes per notice can use these. */
    notices: notice.notices ?? [notice.id],
    ...(notice.vantage ? { vantage: notice.vantage } : {}),
    ...(notice.simulation ? { simulation: notice.simulation } : {}),
    ...(notice.droppedBefore ? { droppedBefore: notice.droppedBefore } : {}),
    events: notice.events,
    ...(notice.digest ? { digest: notice.digest } : {}),
  };
};

export const webhook: ChannelDefinition<typeof WebhookChannel> = {
  schema: WebhookChannel,
  render(notice, channel, context) {
    const body = JSON.stringify(webhookPayload(notice));
    const timestamp = String(Math.floor(context.now.getTime() / 1000));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(channel.headers)) headers[name.toLowerCase()] = value;
    Object.assign(headers, {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'mse-watch',
      [ID_HEADER]: notice.id,
      [TIMESTAMP_HEADER]: timestamp,
      ...(channel.secret ? { [SIGNATURE_HEADER]: webhookSignature(channel.secret, timestamp, body) } : {}),
    });
    return { method: 'POST', url: channel.url, headers, body };
  },

  async send(request, deps) {
    const answer = await post(request, deps);
    if (!answer.ok) return networkFailure(answer);
    const said = `HTTP ${answer.status}${answer.body ? ` ${shortText(answer.body)}` : ''}`;
    // the status line is the receiver's word: a 2xx whose body is cut short (too long, too slow) was still taken
    if (answer.status >= 200 && answer.status <= 299) return { accepted: true, answer: said };
    return statusFailure(answer, said);
  },

  describe: (channel) => hostOf(channel.url),
  secrets: (channel) =>
    [
      ...(channel.secret ? [channel.secret] : []),
      ...Object.values(channel.headers),
      ...[...new URL(channel.url).searchParams.values()],
      new URL(channel.url).password,
    ].filter((value) => value.length >= 4),
};
