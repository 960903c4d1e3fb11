import { describe, expect, it } from 'vitest';
import { CHANNELS, driverFor } from '../../shared/alerting/channels/index.ts';
import type { HttpRequest } from '../../shared/alerting/channels/types.ts';
import { ChannelConfig } from '../../shared/alerting/config.ts';
import { buildDigest } from '../../shared/alerting/digest.ts';
import { NETWORK_KEY } from '../../shared/alerting/keys.ts';
import type { AlertEvent, Notice } from '../../shared/alerting/model.ts';
import { buildNotice, compose, mergeNotices } from '../../shared/alerting/notice.ts';

const NOW = new Date('2026-11-21T04:02:00.000Z');
const SIGNED_AT = new Date('2026-11-21T04:02:03.456Z');
const DIGEST_AT = new Date('2026-11-21T01:00:00.000Z');

const event = (key: string, change: AlertEvent['change'], extra: Partial<AlertEvent> = {}): AlertEvent => ({
  key,
  group: key.split('/')[0]!,
  category: 'basic-info',
  label: key.split('/')[1]!,
  change,
  at: NOW.toISOString(),
  since: '2026-11-21T04:01:00.000Z',
  reason: change === 'resolved' ? '2 consecutive successful runs' : '2 consecutive failed runs',
  ...(change === 'resolved' ? {} : { detail: 'timeout: connect ETIMEDOUT 100.100.27.5:8848' }),
  verdict: 'partial 2/4',
  ...extra,
});

const DIAGNOSIS = {
  cause:
    'Basic information endpoints are unreachable (2 of 4). Likely: timeout: dropped by a firewall or security group',
  action: 'Verify that port 8848 is open for these addresses: 100.100.27.5, 100.100.27.6',
};

const notices: Record<string, Notice> = {
  firing: buildNotice(
    [
      event('cn-hangzhou/100.100.27.5:8848', 'firing', DIAGNOSIS),
      event('cn-hangzhou/100.100.27.6:8848', 'firing', {
        reason: '3 of the last 5 runs failed',
        ...DIAGNOSIS,
      }),
      event('cn-hangzhou/100.100.27.9:9848', 'resolved', { category: 'governance-rules', verdict: 'ok 2/2' }),
    ],
    { now: NOW, source: 'mse-watch prod', timezone: 'Asia/Shanghai', vantage: 'host ops-bastion-1' },
  ),
  simulated: buildNotice(
    [
      event('cn-hangzhou/100.100.27.5:8848', 'firing', {
        cause: 'Port 8848 is dropped on every governance IP (a firewall or security group drops it)',
        action: 'Allow outbound TCP 8848 to every governance IP: mse-watch allowlist --region cn-hangzhou',
      }),
    ],
    {
      now: NOW,
      source: 'mse-watch',
      timezone: 'UTC',
      vantage: 'function mse-watch-probe-endpoints in cn-hangzhou',
      simulation: 'simulated cn-hangzhou (demo): one governance IP missing from the allowlist',
    },
  ),
  resolved: buildNotice(
    [
      event('cn-hangzhou/100.100.27.5:8848', 'resolved', { verdict: 'ok 4/4' }),
      event('nacos/mse-1.nacos.aliyuncs.com/login', 'resolved', {
        group: 'nacos mse-1.nacos.aliyuncs.com',
        category: 'login',
        label: 'login on mse-1.nacos.aliyuncs.com',
        verdict: undefined,
      }),
    ],
    { now: NOW, source: 'mse-watch', timezone: 'UTC' },
  ),
  network: buildNotice(
    [
      event(NETWORK_KEY, 'firing', {
        group: 'monitor',
        category: 'network',
        label: 'this monitor',
        detail:
          'nothing answered: 0 of 24 probes reached their endpoint; the monitor has likely lost its network',
        verdict: undefined,
      }),
    ],
    { now: NOW, source: 'mse-watch', timezone: 'UTC' },
  ),
  test: buildNotice([], { now: NOW, source: 'mse-watch', timezone: 'Asia/Shanghai', kind: 'test' }),
};
// an acknowledged key: its recovery says who worked on it
notices.acked = buildNotice(
  [
    event('cn-hangzhou/100.100.27.5:8848', 'resolved', {
      verdict: 'ok 4/4',
      ack: {
        at: '2026-11-21T04:01:30.000Z',
        by: 'alice@ops-bastion-1',
        until: 'resolved',
        comment: 'security group rule restored',
      },
    }),
  ],
  { now: NOW, source: 'mse-watch prod', timezone: 'Asia/Shanghai', vantage: 'host ops-bastion-1' },
);
// the daily digest: a day with one resolved and one ongoing incident, an acknowledgement and a silence
notices.digest = buildDigest(
  {
    from: '2026-11-20T01:00:00.000Z',
    to: '2026-11-21T01:00:00.000Z',
    regions: [
      {
        region: 'cn-hangzhou',
        runs: 1440,
        up: 1401,
        observed: 1440,
        lastRunAt: '2026-11-21T00:59:00.000Z',
        ok: false,
        categories: [
          { category: 'basic-info', up: 1436, observed: 1440, incidents: 1 },
          { category: 'governance-rules', up: 1405, observed: 1440, incidents: 1 },
          { category: 'nacos', up: 1440, observed: 1440, incidents: 0 },
        ],
        incidents: [
          {
            category: 'basic-info',
            start: '2026-11-21T00:56:00.000Z',
            end: null,
            durationMs: 240_000,
            cause: 'refused',
            endpoints: ['100.100.27.5:8848'],
            more: 0,
            failedRuns: 4,
          },
          {
            category: 'governance-rules',
            start: '2026-11-20T15:00:00.000Z',
            end: '2026-11-20T15:35:00.000Z',
            durationMs: 2_100_000,
            cause: 'timeout',
            endpoints: ['100.100.27.9:9848', '100.100.27.10:9848'],
            more: 0,
            failedRuns: 35,
          },
        ],
        moreIncidents: 0,
        ongoing: 1,
        resolved: 1,
        mttrMs: 2_100_000,
        longestMs: 2_100_000,
      },
    ],
    acks: [
      {
        key: 'cn-hangzhou/100.100.27.5:8848',
        at: '2026-11-21T00:58:00.000Z',
        by: 'alice@ops-bastion-1',
        until: 'resolved',
        comment: 'security group rule restored',
      },
    ],
    silences: [
      { id: 's-1a2b3c', match: ['*:9848'], end: '2026-11-21T04:00:00.000Z', comment: 'planned change' },
    ],
  },
  { now: DIGEST_AT, source: 'mse-watch prod', timezone: 'Asia/Shanghai', vantage: 'host ops-bastion-1' },
);
notices.backlog = {
  ...mergeNotices([
    notices.firing!,
    buildNotice(
      [event('cn-hangzhou/100.100.27.5:8848', 'reminder', { reason: 'still failing (reminder every 4h)' })],
      {
        now: new Date('2026-11-21T08:02:00.000Z'),
        source: 'mse-watch prod',
        timezone: 'Asia/Shanghai',
      },
    ),
  ]),
  droppedBefore: 3,
};

const channels = {
  dingtalk: ChannelConfig.parse({
    kind: 'dingtalk',
    webhook: 'https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef',
    secret: 'SEC0123456789abcdef0123456789abcdef',
    atMobiles: ['13800000000'],
  }),
  'dingtalk-unsigned': ChannelConfig.parse({
    kind: 'dingtalk',
    webhook: 'https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef',
    atAll: true,
  }),
  feishu: ChannelConfig.parse({
    kind: 'feishu',
    webhook: 'https://open.feishu.cn/open-apis/bot/v2/hook/00000000-1111-2222-3333-444444444444',
    secret: 'feishu-secret',
    atUserIds: ['ou_0123456789'],
  }),
  wecom: ChannelConfig.parse({
    kind: 'wecom',
    webhook: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=00000000-aaaa-bbbb-cccc-dddddddddddd',
    mentionedUserIds: ['zhangsan'],
  }),
  'wecom-text': ChannelConfig.parse({
    kind: 'wecom',
    webhook: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=00000000-aaaa-bbbb-cccc-dddddddddddd',
    format: 'text',
    mentionedMobiles: ['13800000000'],
  }),
  webhook: ChannelConfig.parse({
    kind: 'webhook',
    url: 'https://alerts.example.com/mse-watch',
    secret: 'webhook-secret-0123456789',
    headers: { 'X-Team': 'platform' },
  }),
};

/** The whole request as text: the golden file is compared byte for byte. */
const asHttp = (request: HttpRequest): string =>
  `${request.method} ${request.url}\n${Object.entries(request.headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n')}\n\n${request.body}\n`;

describe('channel renders (golden, byte for byte)', () => {
  const cases = Object.entries(channels).flatMap(([channelName, channel]) =>
    Object.keys(notices).map((noticeName) => ({ channelName, channel, noticeName })),
  );
  it.each(cases)('$channelName / $noticeName', async ({ channelName, channel, noticeName }) => {
    const request = driverFor(channel).render(notices[noticeName]!, channel, { now: SIGNED_AT });
    await expect(asHttp(request)).toMatchFileSnapshot(`golden/${channelName}-${noticeName}.http`);
  });

  it('is pure: the same notice and time give the same bytes', () => {
    for (const channel of Object.values(channels)) {
      const render = () => driverFor(channel).render(notices.firing!, channel, { now: SIGNED_AT });
      expect(render()).toEqual(render());
    }
  });
});

describe('message content', () => {
  it('says Resolved in the title of a resolved notice, and groups by region then category', () => {
    expect(compose(notices.resolved!).title).toBe(
      '[Resolved] mse-watch cn-hangzhou, nacos mse-1.nacos.aliyuncs.com: 2 recovered',
    );
    const firing = compose(notices.firing!);
    expect(firing.title).toBe('[FIRING] mse-watch prod cn-hangzhou: 2 failing, 1 resolved');
    expect(firing.groups.map((g) => [g.name, g.categories.map((c) => c.name)])).toEqual([
      ['cn-hangzhou', ['basic-info', 'governance-rules']],
    ]);
    expect(compose(notices.network!).title).toBe('[FIRING] mse-watch: monitor lost its network');
  });

  it('DingTalk: the mention is both in `at` and in the text, so it really shows', () => {
    const body = JSON.parse(
      driverFor(channels.dingtalk).render(notices.firing!, channels.dingtalk, { now: SIGNED_AT }).body,
    );
    expect(body.at.atMobiles).toEqual(['13800000000']);
    expect(body.markdown.text).toContain('@13800000000');
    expect(body.msgtype).toBe('markdown');
  });

  it('WeCom: stays within the documented byte limits', () => {
    const many = buildNotice(
      Array.from({ length: 400 }, (_, i) =>
        event(`cn-hangzhou/100.100.${Math.floor(i / 200)}.${i % 200}:8848`, 'firing'),
      ),
      { now: NOW, source: '监控', timezone: 'Asia/Shanghai' },
    );
    const markdown = JSON.parse(
      driverFor(channels.wecom).render(many, channels.wecom, { now: SIGNED_AT }).body,
    );
    expect(Buffer.byteLength(markdown.markdown.content)).toBeLessThanOrEqual(4096);
    expect(markdown.markdown.content).toContain('(truncated)');
    expect(markdown.markdown.content).toContain('<@zhangsan>');
    const text = JSON.parse(
      driverFor(channels['wecom-text']).render(many, channels['wecom-text'], { now: SIGNED_AT }).body,
    );
    expect(Buffer.byteLength(text.text.content)).toBeLessThanOrEqual(2048);
  });

  it('every kind is registered', () => {
    expect(Object.keys(CHANNELS).sort()).toEqual(['dingtalk', 'feishu', 'webhook', 'wecom']);
  });
});
