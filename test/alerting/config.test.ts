import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.ts';
import { MseWatchError } from '../../shared/util/errors.ts';

const problem = (alerting: unknown, state?: unknown): string => {
  try {
    parseConfig({ alerting, ...(state ? { state } : {}) });
  } catch (error) {
    if (error instanceof MseWatchError) return error.message;
    throw error;
  }
  return 'accepted';
};

const DING = 'https://oapi.dingtalk.com/robot/send?access_token=tok';

describe('alerting config: every bad input names the field and the fix', () => {
  it.each([
    {
      name: 'http webhook to a public host',
      alerting: {
        channels: [{ kind: 'dingtalk', webhook: 'http://oapi.dingtalk.com/robot/send?access_token=tok' }],
      },
      message:
        'alerting.channels[0].webhook: must be an https:// URL (http:// is accepted only for loopback hosts such as 127.0.0.1, for local tests)',
    },
    {
      name: 'DingTalk address without its token',
      alerting: { channels: [{ kind: 'dingtalk', webhook: 'https://oapi.dingtalk.com/robot/send' }] },
      message:
        'alerting.channels[0].webhook: has no "access_token" query parameter; copy the whole address, e.g. https://oapi.dingtalk.com/robot/send?access_token=...',
    },
    {
      name: 'Feishu address that is not a bot hook',
      alerting: { channels: [{ kind: 'feishu', webhook: 'https://open.feishu.cn/other' }] },
      message:
        'alerting.channels[0].webhook: is not a bot webhook address; expected e.g. https://open.feishu.cn/open-apis/bot/v2/hook/<id>',
    },
    {
      name: 'WeCom markdown with mobile mentions',
      alerting: {
        channels: [
          {
            kind: 'wecom',
            webhook: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k',
            mentionedMobiles: ['13800000000'],
          },
        ],
      },
      message:
        'alerting.channels[0].mentionedMobiles: WeCom markdown messages cannot mention by mobile number; set format: text, or use mentionedUserIds',
    },
    {
      name: 'unknown channel kind',
      alerting: { channels: [{ kind: 'slack', webhook: 'https://hooks.slack.com/x' }] },
      message: 'alerting.channels[0].kind',
    },
    {
      name: 'a short webhook HMAC key',
      alerting: { channels: [{ kind: 'webhook', url: 'https://example.com/h', secret: 'short' }] },
      message: 'alerting.channels[0].secret: use at least 16 characters for an HMAC key',
    },
    {
      name: 'two channels with one name',
      alerting: {
        channels: [
          { kind: 'dingtalk', webhook: DING },
          { kind: 'dingtalk', webhook: DING, name: 'dingtalk-1' },
        ],
      },
      message:
        'alerting.channels[1].name: channel name "dingtalk-1" is already used by channels[0]; give each channel its own name',
    },
    {
      name: 'a duration without unit',
      alerting: { reminderInterval: '4 hours' },
      message:
        'alerting.reminderInterval: "4 hours" is not a duration: write a number and a unit (ms, s, m, h, d), e.g. "10m" or "4h"',
    },
    {
      name: 'reminders every few seconds',
      alerting: { reminderInterval: '10s' },
      message: 'alerting.reminderInterval: use 0 (off) or at least "1m"',
    },
    {
      name: 'a window asking more failures than runs',
      alerting: { window: { failures: 6, runs: 5 } },
      message: 'alerting.window.failures: failures must not exceed runs',
    },
    {
      name: 'a silence that ends before it starts',
      alerting: { silences: [{ match: '*', start: '2026-11-21T04:00:00Z', end: '2026-11-21T03:00:00Z' }] },
      message: 'alerting.silences[0].end: end must be after start',
    },
    {
      name: 'a maintenance window in an unknown zone',
      alerting: {
        maintenanceWindows: [{ match: '*', start: '02:00', end: '03:00', timezone: 'Mars/Olympus' }],
      },
      message: 'alerting.maintenanceWindows[0].timezone: an IANA time zone, e.g. "Asia/Shanghai" or "UTC"',
    },
    {
      name: 'a misspelled key',
      alerting: { failureTreshold: 3 },
      message: 'alerting: Unrecognized key: "failureTreshold" (remove it, or check its spelling',
    },
  ])('$name', ({ alerting, message }) => {
    expect(problem(alerting)).toContain(message);
  });

  it('never echoes a webhook address (it carries the token)', () => {
    const text = problem({
      channels: [
        { kind: 'dingtalk', webhook: 'http://oapi.dingtalk.com/robot/send?access_token=SECRET-TOKEN' },
      ],
    });
    expect(text).not.toContain('SECRET-TOKEN');
  });

  it('accepts loopback http for local receivers, and the issue example as written', () => {
    expect(problem({ channels: [{ kind: 'webhook', url: 'http://127.0.0.1:9000/hook' }] })).toBe('accepted');
    expect(problem({ channels: [{ kind: 'webhook', url: 'http://localhost:9000/hook' }] })).toBe('accepted');
    const config = parseConfig(
      {
        region: 'cn-hangzhou',
        alerting: {
          failureThreshold: 2,
          successThreshold: 2,
          channels: [
            // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${env:NAME} syntax
            { kind: 'dingtalk', webhook: DING, secret: '${env:DINGTALK_SECRET}', atMobiles: ['13800000000'] },
          ],
        },
        state: { dir: '/mnt/state' },
      },
      { env: { DINGTALK_SECRET: 'SECabc' } },
    );
    expect(config.alerting?.channels[0]).toMatchObject({
      kind: 'dingtalk',
      secret: 'SECabc',
      atMobiles: ['13800000000'],
    });
    expect(config.alerting?.reminderInterval).toBe(4 * 3_600_000);
    expect(config.state).toMatchObject({ dir: '/mnt/state', lockWait: 10_000 });
  });
});

describe('channel addresses fetch would refuse are refused at config time (fault 16)', () => {
  const PASSWORD = 'hunter2-very-secret';
  it.each([
    ['a webhook with user:password@', `https://alice:${PASSWORD}@hooks.example.com/mse`],
    ['a webhook with only a user name', 'https://alice@hooks.example.com/mse'],
  ])('%s: one line, the fix, and never the password', (_, url) => {
    const message = problem({ channels: [{ kind: 'webhook', url }] });
    expect(message).toMatch(
      /alerting\.channels\[0\]\.url: has a user name or password before the host \(user:password@\); fetch refuses such addresses: remove it and send the credential as a header/,
    );
    expect(message).not.toContain(PASSWORD);
    expect(message).not.toContain('alice');
  });

  it.each([
    [6000, 'webhook'],
    [25, 'dingtalk'],
    [10080, 'feishu'],
  ] as const)('port %s, which fetch refuses (a %s channel)', (port, kind) => {
    const url =
      kind === 'webhook'
        ? `https://hooks.example.com:${port}/mse`
        : kind === 'dingtalk'
          ? `https://oapi.dingtalk.com:${port}/robot/send?access_token=tok`
          : `https://open.feishu.cn:${port}/open-apis/bot/v2/hook/abc`;
    const channel = kind === 'webhook' ? { kind, url } : { kind, webhook: url };
    expect(problem({ channels: [channel] })).toMatch(
      new RegExp(
        `uses port ${port}, which fetch refuses to connect to \\(a "bad port" of the fetch standard\\)`,
      ),
    );
  });

  it('what is refused here is exactly what fetch refuses: a port it takes is accepted', async () => {
    expect(problem({ channels: [{ kind: 'webhook', url: 'https://hooks.example.com:8443/mse' }] })).toBe(
      'accepted',
    );
    // and on loopback, fetch itself fails the refused ports before connecting
    await expect(fetch('http://127.0.0.1:6000/')).rejects.toMatchObject({ cause: { message: 'bad port' } });
    await expect(fetch(`http://u:${PASSWORD}@127.0.0.1:1/`)).rejects.toThrow(/credentials/);
  });

  it('notify test with such an address exits 2 and prints no password', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { runCliCapture } = await import('../support/cli.ts');
    const dir = await mkdtemp(join(tmpdir(), 'mse-watch-notify-'));
    try {
      const file = join(dir, 'mse-watch.yaml');
      await writeFile(
        file,
        `alerting:\n  channels:\n    - kind: webhook\n      url: "http://ops:${PASSWORD}@127.0.0.1:9/hook"\n`,
      );
      const run = await runCliCapture(['notify', 'test', '--config', file]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/user name or password/);
      expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
