import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../shared/alerting/channels/http.ts';
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

const send = async (kind: keyof typeof receivers, reply?: Reply, timeoutMs = 5000) => {
  if (reply) receivers[kind].respondNext(reply);
  const channel = channelFor(kind);
  const driver = driverFor(channel);
  return driver.send(driver.render(notice, channel, { now: new Date() }), {
    fetch: globalThis.fetch,
    timeoutMs,
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
        failure: 'throttled',
        maybeTaken: false,
        retryAfterMs: 600_000,
      },
    },
    {
      kind: 'dingtalk',
      reply: replies.dingtalkSignMismatch,
      expected: {
        accepted: false,
        answer:
          'errcode 310000 sign not match (rejected by the robot security settings (signature, keyword or IP allowlist))',
        failure: 'permanent',
        maybeTaken: false,
        fix: expect.stringContaining('加签 secret'),
      },
    },
    {
      kind: 'dingtalk',
      reply: replies.dingtalkBadToken,
      expected: {
        accepted: false,
        answer: 'errcode 300001 token is not exist (the access_token is invalid)',
        failure: 'permanent',
        maybeTaken: false,
        fix: expect.stringContaining('copy the webhook address again'),
      },
    },
    {
      kind: 'dingtalk',
      reply: replies.dingtalkBusy,
      expected: {
        accepted: false,
        answer: 'errcode -1 system busy (DingTalk is busy)',
        failure: 'transient',
        maybeTaken: false,
      },
    },
    {
      kind: 'dingtalk',
      reply: { status: 200, body: { errcode: 123456, errmsg: 'something new' } },
      expected: {
        accepted: false,
        answer: 'errcode 123456 something new',
        failure: 'refused',
        maybeTaken: false,
      },
    },
    {
      kind: 'dingtalk',
      reply: { status: 200, body: 'not json' },
      expected: { accepted: false, answer: 'HTTP 200 not json', failure: 'refused', maybeTaken: true },
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
        failure: 'throttled',
        maybeTaken: false,
        retryAfterMs: 60_000,
      },
    },
    {
      kind: 'feishu',
      reply: replies.feishuKeyword,
      expected: {
        accepted: false,
        answer: 'code 19024 Key Words Not Found (rejected by the bot keyword setting)',
        failure: 'permanent',
        maybeTaken: false,
        fix: expect.stringContaining('alerting.name'),
      },
    },
    {
      kind: 'feishu',
      reply: { status: 400, body: { code: 9499, msg: 'Bad Request' } },
      expected: {
        accepted: false,
        answer: 'code 9499 Bad Request (bad request)',
        failure: 'permanent',
        maybeTaken: false,
        fix: expect.any(String),
      },
    },
    { kind: 'wecom', reply: undefined, expected: { accepted: true, answer: 'errcode 0 ok' } },
    {
      kind: 'wecom',
      reply: replies.wecomThrottled,
      expected: {
        accepted: false,
        answer: 'errcode 45009 api freq out of limit (sent too fast: over 20 messages a minute)',
        failure: 'throttled',
        maybeTaken: false,
        retryAfterMs: 60_000,
      },
    },
    {
      kind: 'wecom',
      reply: replies.wecomBadKey,
      expected: {
        accepted: false,
        answer: 'errcode 93000 invalid webhook url, hint: [1700000000] (the webhook key is invalid)',
        failure: 'permanent',
        maybeTaken: false,
        fix: expect.stringContaining('群机器人'),
      },
    },
    { kind: 'webhook', reply: undefined, expected: { accepted: true, answer: 'HTTP 200 ok' } },
    {
      kind: 'webhook',
      reply: replies.http500,
      expected: {
        accepted: false,
        answer: 'HTTP 500 internal error',
        failure: 'transient',
        maybeTaken: true,
      },
    },
    {
      kind: 'webhook',
      reply: { status: 429, body: 'slow down', headers: { 'retry-after': '120' } },
      expected: {
        accepted: false,
        answer: 'HTTP 429 slow down',
        failure: 'throttled',
        maybeTaken: false,
        retryAfterMs: 120_000,
      },
    },
    {
      kind: 'webhook',
      reply: replies.http404,
      expected: {
        accepted: false,
        answer: 'HTTP 404 not found',
        failure: 'permanent',
        maybeTaken: false,
        fix: expect.stringContaining('HTTP 404'),
      },
    },
    {
      kind: 'webhook',
      reply: { status: 408, body: 'request timeout' },
      expected: {
        accepted: false,
        answer: 'HTTP 408 request timeout',
        failure: 'transient',
        maybeTaken: false,
      },
    },
  ] as const)('$kind answering $reply.status $reply.body', async ({ kind, reply, expected }) => {
    expect(await send(kind, reply)).toEqual(expected);
  });

  it('a receiver that is down is a failed delivery, not an exception, and nothing can have been taken', async () => {
    const gone = await startWeComReceiver();
    const channel = ChannelConfig.parse({ kind: 'wecom', webhook: gone.url });
    await gone.close();
    const driver = driverFor(channel);
    const delivery = await driver.send(driver.render(notice, channel, { now: new Date() }), {
      fetch: globalThis.fetch,
      timeoutMs: 5000,
    });
    expect(delivery).toEqual({
      accepted: false,
      answer: 'ECONNREFUSED',
      failure: 'transient',
      maybeTaken: false,
    });
  });

  it('Retry-After as an HTTP date is honoured too, and capped at an hour', () => {
    const now = Date.parse('2026-11-21T04:00:00Z');
    const headers = (value: string) => new Headers({ 'retry-after': value });
    expect(retryAfterMs(headers('Sat, 21 Nov 2026 04:00:30 GMT'), now)).toBe(30_000);
    expect(retryAfterMs(headers('86400'), now)).toBe(3_600_000);
    expect(retryAfterMs(headers('soon'), now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
  });
});

describe('one deadline per send, body included; a bounded answer', () => {
  const rssMb = () => process.memoryUsage().rss / 1e6;

  it('a 200 whose body never ends, as fast as the socket goes: read up to 64 KiB, then cut; memory stays flat', async () => {
    const before = rssMb();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMb());
    }, 20);
    try {
      receivers.dingtalk.respondNext(replies.streamForever);
      const started = performance.now();
      const delivery = await send('dingtalk', undefined, 3000);
      const took = performance.now() - started;
      // DingTalk's answer is its errcode envelope: a body cut short is not a yes
      expect(delivery).toMatchObject({ accepted: false, failure: 'refused', maybeTaken: true });
      expect(delivery.answer).toMatch(/^HTTP 200 \(answer cut short: over 65536 bytes\) a+…$/);
      expect(took).toBeLessThan(3000);
      // without the cap the same second of reading buffers hundreds of megabytes (measured: ~340 MB/s)
      expect(peak - before).toBeLessThan(64);
    } finally {
      clearInterval(sampler);
    }
  });

  it('a 200 that trickles on for ever: the send ends at its deadline, not when the body ends', async () => {
    receivers.webhook.respondNext(replies.trickleForever);
    const started = performance.now();
    const delivery = await send('webhook', undefined, 1000);
    const took = performance.now() - started;
    // a webhook's status line is its answer: 200 was said, the endless body does not change that
    expect(delivery).toMatchObject({ accepted: true });
    expect(took).toBeGreaterThanOrEqual(990);
    expect(took).toBeLessThan(1500);
  });

  it('a receiver that never answers: the send ends at its deadline, and the message may have been taken', async () => {
    receivers.feishu.respondNext(replies.hang);
    const started = performance.now();
    const delivery = await send('feishu', undefined, 700);
    const took = performance.now() - started;
    expect(delivery).toEqual({
      accepted: false,
      answer: 'no complete answer within 700 ms',
      failure: 'transient',
      maybeTaken: true,
    });
    expect(took).toBeGreaterThanOrEqual(690);
    expect(took).toBeLessThan(1200);
  });

  it("the run's signal ends a send at once", async () => {
    receivers.wecom.respondNext(replies.hang);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const channel = channelFor('wecom');
    const driver = driverFor(channel);
    const delivery = await driver.send(driver.render(notice, channel, { now: new Date() }), {
      fetch: globalThis.fetch,
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(delivery).toMatchObject({ accepted: false, failure: 'transient', maybeTaken: true });
    expect(delivery.answer).toMatch(/^stopped/);
  });
});
