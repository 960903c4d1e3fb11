import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverFor } from '../../shared/alerting/channels/index.ts';
import { ChannelConfig } from '../../shared/alerting/config.ts';
import { buildNotice } from '../../shared/alerting/notice.ts';
import {
  type Receiver,
  type Reply,
  replies,
  startDingTalkReceiver,
  startFeishuReceiver,
  startWebhookReceiver,
  startWeComReceiver,
} from '../support/receivers.ts';

// How each channel reads its vendor's answer: only a real acceptance counts as delivered.
let receivers: Record<'dingtalk' | 'feishu' | 'wecom' | 'webhook', Receiver>;
beforeAll(async () => {
  receivers = {
    dingtalk: await startDingTalkReceiver(),
    feishu: await startFeishuReceiver(),
    wecom: await startWeComReceiver(),
    webhook: await startWebhookReceiver(),
  };
});
afterAll(async () => {
  await Promise.all(Object.values(receivers).map((r) => r.close()));
});

const notice = buildNotice([], { now: new Date(), source: 'mse-watch', timezone: 'UTC', kind: 'test' });
const channelFor = (kind: keyof typeof receivers) =>
  ChannelConfig.parse(
    kind === 'webhook' ? { kind, url: receivers[kind].url } : { kind, webhook: receivers[kind].url },
  );

const send = async (kind: keyof typeof receivers, reply?: Reply) => {
  if (reply) receivers[kind].respondNext(reply);
  const channel = channelFor(kind);
  const driver = driverFor(channel);
  return driver.send(driver.render(notice, channel, { now: new Date() }), {
    fetch: globalThis.fetch,
    timeoutMs: 5000,
  });
};

describe('reading the vendor answer', () => {
  it.each([
    { kind: 'dingtalk', reply: undefined, expected: { accepted: true, answer: 'errcode 0 ok' } },
    {
      kind: 'dingtalk',
      reply: replies.dingtalkThrottled,
      expected: {
        accepted: false,
        answer:
          'errcode 130101 send too fast, exceed 20 times per minute (sent too fast: over 20 messages a minute, the robot is throttled for 10 minutes)',
        retryAfterMs: 600_000,
      },
    },
    {
      kind: 'dingtalk',
      reply: { status: 200, body: 'not json' },
      expected: { accepted: false, answer: 'HTTP 200 not json' },
    },
    { kind: 'feishu', reply: undefined, expected: { accepted: true, answer: 'code 0 success' } },
    {
      kind: 'feishu',
      reply: { status: 200, body: { StatusCode: 0, StatusMessage: 'success' } },
      expected: { accepted: true, answer: 'code 0 success' },
    },
    {
      kind: 'feishu',
      reply: replies.feishuThrottled,
      expected: {
        accepted: false,
        answer: 'code 11232 frequency limited psm (sent too fast (frequency limited))',
        retryAfterMs: 60_000,
      },
    },
    { kind: 'wecom', reply: undefined, expected: { accepted: true, answer: 'errcode 0 ok' } },
    {
      kind: 'wecom',
      reply: replies.wecomThrottled,
      expected: {
        accepted: false,
        answer: 'errcode 45009 api freq out of limit (sent too fast: over 20 messages a minute)',
        retryAfterMs: 60_000,
      },
    },
    { kind: 'webhook', reply: undefined, expected: { accepted: true, answer: 'HTTP 200 ok' } },
    {
      kind: 'webhook',
      reply: replies.http500,
      expected: { accepted: false, answer: 'HTTP 500 internal error' },
    },
    {
      kind: 'webhook',
      reply: { status: 429, body: 'slow down', headers: { 'retry-after': '120' } },
      expected: { accepted: false, answer: 'HTTP 429 slow down', retryAfterMs: 120_000 },
    },
  ] as const)('$kind answering $reply.status $reply.body', async ({ kind, reply, expected }) => {
    expect(await send(kind, reply)).toEqual(expected);
  });

  it('a receiver that is down is a failed delivery, not an exception', async () => {
    const gone = await startWeComReceiver();
    const channel = ChannelConfig.parse({ kind: 'wecom', webhook: gone.url });
    await gone.close();
    const driver = driverFor(channel);
    const delivery = await driver.send(driver.render(notice, channel, { now: new Date() }), {
      fetch: globalThis.fetch,
      timeoutMs: 5000,
    });
    expect(delivery).toEqual({ accepted: false, answer: 'ECONNREFUSED' });
  });
});
