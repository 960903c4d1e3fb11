import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertStore, processAlerts, STATE_FILE } from '../../shared/alerting/index.ts';
import { parseConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { CheckReport } from '../../shared/report/schema.ts';
import {
  type Receiver,
  replies,
  startDingTalkReceiver,
  startFeishuReceiver,
  startWebhookReceiver,
  startWeComReceiver,
} from '../support/receivers.ts';
import { at, report, row } from './helpers.ts';

const DINGTALK_SECRET = 'SECtest0123456789abcdef0123456789';
const FEISHU_SECRET = 'feishu-test-secret';
const WEBHOOK_SECRET = 'webhook-test-secret-0123456789';

let dir: string;
const receivers: Receiver[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-alert-'));
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await rm(dir, { recursive: true, force: true });
});

const track = <R extends Receiver>(receiver: R): R => {
  receivers.push(receiver);
  return receiver;
};

const configFor = (channels: unknown[], extra: Record<string, unknown> = {}): Config =>
  parseConfig(
    {
      region: 'cn-hangzhou',
      alerting: { channels, ...extra },
      state: { dir, lockWait: '1s' },
    },
    { env: { DINGTALK_SECRET } },
  );

const healthy = () =>
  report('cn-hangzhou', [
    row('100.100.0.1', 8848, 'ok'),
    row('100.100.0.2', 8848, 'ok'),
    row('100.100.0.3', 8848, 'ok'),
  ]);
const oneDown = () =>
  report('cn-hangzhou', [
    row('100.100.0.1', 8848, 'timeout'),
    row('100.100.0.2', 8848, 'ok'),
    row('100.100.0.3', 8848, 'ok'),
  ]);

/** Runs processAlerts over a script of reports, one a minute from T0. */
const runAll = async (config: Config, reports: Array<() => CheckReport>, start = 0) => {
  const outcomes = [];
  for (const [i, make] of reports.entries()) {
    outcomes.push(await processAlerts({ config, report: make(), now: at(start + i) }));
  }
  return outcomes;
};

describe('processAlerts with a signed DingTalk robot', () => {
  it('fires after the threshold, sends one message per run, resolves with "Resolved" in the title', async () => {
    const ding = track(await startDingTalkReceiver({ secret: DINGTALK_SECRET }));
    const config = configFor([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${env:NAME} syntax
      { kind: 'dingtalk', webhook: ding.url, secret: '${env:DINGTALK_SECRET}', atMobiles: ['13800000000'] },
    ]);
    const outcomes = await runAll(config, [healthy, oneDown, oneDown, oneDown, healthy, healthy, healthy]);
    expect(outcomes.map((o) => [o.fired, o.resolved])).toEqual([
      [[], []],
      [[], []],
      [['cn-hangzhou/100.100.0.1:8848'], []],
      [[], []],
      [[], []],
      [[], ['cn-hangzhou/100.100.0.1:8848']],
      [[], []],
    ]);
    expect(ding.messages.map((m) => m.title)).toEqual([
      '[FIRING] mse-watch cn-hangzhou: 1 failing',
      '[Resolved] mse-watch cn-hangzhou: 1 recovered',
    ]);
    expect(ding.messages[0]?.mentions).toEqual(['13800000000']);
    expect(ding.messages[0]?.text).toContain('timeout: connect timeout');
    expect(outcomes[2]?.notices).toEqual([
      {
        channel: 'dingtalk-1',
        kind: 'dingtalk',
        id: expect.stringMatching(/^20261121T040200-[0-9a-f]{12}$/),
        title: '[FIRING] mse-watch cn-hangzhou: 1 failing',
        delivered: true,
        attempts: 1,
        tries: 1,
        merged: 1,
      },
    ]);
    expect(outcomes.every((o) => o.ok && o.problems.length === 0)).toBe(true);
    expect(outcomes[0]?.stateNote).toMatch(/no state file .* started fresh/);
    expect(outcomes.slice(1).every((o) => o.stateNote === undefined)).toBe(true);
  });

  it('a wrong secret is refused by the robot (errcode 310000) and the notice stays queued', async () => {
    const ding = track(await startDingTalkReceiver({ secret: DINGTALK_SECRET }));
    const config = configFor([{ kind: 'dingtalk', webhook: ding.url, secret: 'SECwrong' }], {
      failureThreshold: 1,
    });
    const [outcome] = await runAll(config, [oneDown]);
    expect(outcome?.notices[0]?.delivered).toBe(false);
    expect(outcome?.notices[0]?.error).toMatch(
      /^errcode 310000 sign not match \(rejected by the robot security/,
    );
    expect(outcome?.outboxPending).toBe(1);
    expect(ding.messages).toEqual([]);
  });
});

describe('nothing lost, nothing twice', () => {
  const dingConfig = async (extra: Record<string, unknown> = {}) => {
    const ding = track(await startDingTalkReceiver({ secret: DINGTALK_SECRET }));
    const config = configFor([{ kind: 'dingtalk', webhook: ding.url, secret: DINGTALK_SECRET }], {
      failureThreshold: 1,
      ...extra,
    });
    return { ding, config };
  };

  it('receiver down: tried a few times within each run, then across runs with backoff; arrives exactly once', async () => {
    const { ding, config } = await dingConfig();
    await ding.down();
    const during = await runAll(config, [oneDown, oneDown, oneDown, oneDown], 0);
    // 3 tries at 0 (wait 1m), 3 at 1 (wait 2m), deferred at 2, 3 tries at 3 (wait 4m)
    expect(
      during.map((o) => [
        o.notices[0]?.delivered,
        o.notices[0]?.tries,
        o.notices[0]?.attempts,
        o.outboxPending,
      ]),
    ).toEqual([
      [false, 3, 3, 1],
      [false, 3, 6, 1],
      [false, 0, 6, 1],
      [false, 3, 9, 1],
    ]);
    expect(during[0]?.notices[0]).toMatchObject({ failure: 'transient', error: 'ECONNREFUSED' });
    expect(during[2]?.notices[0]?.error).toMatch(
      /^deferred until 2026-11-21T04:03:00.000Z \(last error: ECONNREFUSED\)/,
    );
    // a receiver that is down is not a broken channel: the run stays ok
    expect(during.every((o) => o.ok)).toBe(true);
    await ding.up();
    const after = await runAll(config, [oneDown, oneDown, oneDown, oneDown, oneDown], 4);
    expect(after.map((o) => o.notices[0]?.delivered ?? null)).toEqual([false, false, false, true, null]);
    expect(ding.messages.map((m) => m.title)).toEqual(['[FIRING] mse-watch cn-hangzhou: 1 failing']);
    expect(after.at(-1)?.outboxPending).toBe(0);
  });

  it('HTTP 500 once, then 200: retried within the same run, delivered in well under a second', async () => {
    const { ding, config } = await dingConfig({ retry: { runBackoff: '100ms' } });
    ding.respondNext(replies.http500);
    const started = performance.now();
    const [outcome] = await runAll(config, [oneDown]);
    const took = performance.now() - started;
    expect(outcome?.notices[0]).toMatchObject({ delivered: true, tries: 2, attempts: 2 });
    expect(ding.requests.map((r) => r.rejected ?? 'accepted')).toEqual(['scripted 500', 'accepted']);
    // the second try came after the in-run backoff (100 ms, jittered 80-120 ms), not a run later (60 s)
    const gap = ding.requests[1]!.receivedAt - ding.requests[0]!.receivedAt;
    expect(gap).toBeGreaterThanOrEqual(70);
    expect(gap).toBeLessThan(1000);
    expect(took).toBeLessThan(5000);
    expect(ding.messages.length).toBe(1);
    expect(outcome?.outboxPending).toBe(0);
  });

  it('a 5xx every time: a few tries within the run, then the outbox with backoff', async () => {
    const { ding, config } = await dingConfig({ retry: { runBackoff: '20ms', attemptsPerRun: 3 } });
    ding.respondNext(replies.http503, replies.http503, replies.http503);
    const [outcome] = await runAll(config, [oneDown]);
    expect(outcome?.notices[0]).toMatchObject({
      delivered: false,
      tries: 3,
      failure: 'transient',
      error: 'HTTP 503 service unavailable',
      nextAttemptAt: at(1).toISOString(),
    });
    expect(outcome?.ok).toBe(true);
    expect(ding.requests.length).toBe(3);
  });

  it('DingTalk -1 (busy) is retried within the run', async () => {
    const { ding, config } = await dingConfig({ retry: { runBackoff: '20ms' } });
    ding.respondNext(replies.dingtalkBusy);
    const [outcome] = await runAll(config, [oneDown]);
    expect(outcome?.notices[0]).toMatchObject({ delivered: true, tries: 2 });
  });

  it('DingTalk errcode 130101 (HTTP 200): not counted as sent; no retry for 10 minutes', async () => {
    const { ding, config } = await dingConfig();
    ding.respondNext(replies.dingtalkThrottled);
    const outcomes = await runAll(
      config,
      Array.from({ length: 12 }, () => oneDown),
    );
    expect(outcomes[0]?.notices[0]).toMatchObject({
      delivered: false,
      error: expect.stringMatching(/^errcode 130101 send too fast/),
      nextAttemptAt: at(10).toISOString(),
    });
    // runs 1..9 wait without touching the robot; run 10 delivers; run 11 has nothing to send
    expect(ding.requests.length).toBe(2);
    expect(outcomes.map((o) => o.notices[0]?.delivered ?? null)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
      null,
    ]);
    expect(ding.messages.length).toBe(1);
  });

  it('a backlog from a channel that was down (never connected) goes out as one message', async () => {
    const { ding, config } = await dingConfig({
      successThreshold: 1,
      flap: { enabled: false },
      retry: { runBackoff: '10ms' },
    });
    await ding.down();
    await runAll(config, [oneDown, healthy]);
    await ding.up();
    const [outcome] = await runAll(config, [healthy], 5);
    expect(outcome?.notices[0]).toMatchObject({ delivered: true, merged: 2 });
    expect(outcome?.notices[0]?.id).toMatch(/^20261121T040000-[0-9a-f]{12}\.\.20261121T040100-[0-9a-f]{12}$/);
    expect(ding.messages.length).toBe(1);
    expect(ding.messages[0]?.text).toContain('**FIRING** 100.100.0.1:8848');
    expect(ding.messages[0]?.text).toContain('**RESOLVED** 100.100.0.1:8848');
  });

  it('state file not JSON and no previous save: starts fresh, says so once, keeps the bad file', async () => {
    const { config } = await dingConfig();
    await writeFile(join(dir, STATE_FILE), '{"version":1,"keys":{"x":');
    const outcomes = await runAll(config, [healthy, healthy]);
    expect(outcomes[0]?.stateNote).toMatch(/was corrupt: not JSON .*; started fresh/);
    expect(outcomes[1]?.stateNote).toBeUndefined();
    expect((await readdir(dir)).some((name) => name.startsWith(`${STATE_FILE}.corrupt-`))).toBe(true);
    await writeFile(join(dir, STATE_FILE), '{"version":1,"keys":[]}');
    const [wrongShape] = await runAll(config, [healthy]);
    expect(wrongShape?.stateNote).toMatch(/its keys did not have the expected shape and were set aside/);
  });

  it('two runs at once: the lock lets only one of them send', async () => {
    const { ding, config } = await dingConfig();
    const both = await Promise.all([
      processAlerts({ config, report: oneDown(), now: at(0) }, { store: alertStore(config) }),
      processAlerts({ config, report: oneDown(), now: at(0) }, { store: alertStore(config) }),
    ]);
    expect(both.flatMap((o) => o.fired)).toEqual(['cn-hangzhou/100.100.0.1:8848']);
    expect(ding.messages.length).toBe(1);
    expect(await readdir(dir)).not.toContain(`${STATE_FILE}.lock`);
  });

  it('a run that finds the lock held gives up after lockWait and says so; a stale lock is taken over', async () => {
    const { ding, config } = await dingConfig();
    const lock = join(dir, `${STATE_FILE}.lock`);
    await writeFile(lock, '{"token":"someone-else"}');
    const [blocked] = await runAll(config, [oneDown]);
    expect(blocked?.stateNote).toMatch(/another run holds the lock/);
    expect(ding.requests.length).toBe(0);
    const old = new Date(Date.now() - 10 * 60_000);
    await utimes(lock, old, old);
    const [taken] = await runAll(config, [oneDown], 1);
    expect(taken?.fired).toEqual(['cn-hangzhou/100.100.0.1:8848']);
    expect(ding.messages.length).toBe(1);
  });
});

describe('every vendor, signatures verified by the receiver', () => {
  it('Feishu (signed), WeCom and a signed webhook each receive the same run once', async () => {
    const feishu = track(await startFeishuReceiver({ secret: FEISHU_SECRET }));
    const wecom = track(await startWeComReceiver());
    const hook = track(
      await startWebhookReceiver({ secret: WEBHOOK_SECRET, requireHeaders: { 'X-Team': 'sre' } }),
    );
    const config = configFor(
      [
        { kind: 'feishu', webhook: feishu.url, secret: FEISHU_SECRET, atUserIds: ['ou_abc'] },
        { kind: 'wecom', webhook: wecom.url, mentionedUserIds: ['lisi'] },
        {
          kind: 'webhook',
          name: 'pager',
          url: hook.url,
          secret: WEBHOOK_SECRET,
          headers: { 'X-Team': 'sre' },
        },
      ],
      { failureThreshold: 1 },
    );
    const [outcome] = await runAll(config, [oneDown]);
    expect(outcome?.notices.map((n) => [n.channel, n.delivered])).toEqual([
      ['feishu-1', true],
      ['wecom-2', true],
      ['pager', true],
    ]);
    expect(feishu.messages[0]?.title).toBe('[FIRING] mse-watch cn-hangzhou: 1 failing');
    expect(feishu.messages[0]?.mentions).toEqual(['ou_abc']);
    expect(wecom.messages[0]?.mentions).toEqual(['lisi']);
    const payload = hook.messages[0]?.body as {
      version: string;
      status: string;
      events: Array<{ key: string }>;
    };
    expect(payload.version).toBe('mse-watch.alert/v1');
    expect(payload.status).toBe('firing');
    expect(payload.events.map((e) => e.key)).toEqual(['cn-hangzhou/100.100.0.1:8848']);
  });

  it('a Feishu bot with another secret refuses (code 19021) and the notice stays queued', async () => {
    const feishu = track(await startFeishuReceiver({ secret: FEISHU_SECRET }));
    const config = configFor([{ kind: 'feishu', webhook: feishu.url, secret: 'other' }], {
      failureThreshold: 1,
    });
    const [outcome] = await runAll(config, [oneDown]);
    expect(outcome?.notices[0]?.error).toMatch(/^code 19021 /);
    expect(outcome?.outboxPending).toBe(1);
  });

  it('secrets appear nowhere: not in the outcome, not in the state file', async () => {
    const ding = track(
      await startDingTalkReceiver({ secret: DINGTALK_SECRET, accessToken: 'tok-very-secret-123' }),
    );
    const hook = track(await startWebhookReceiver({ secret: WEBHOOK_SECRET }));
    ding.respondNext({ status: 500, body: `echo ${ding.url} ${DINGTALK_SECRET}` });
    const config = configFor(
      [
        { kind: 'dingtalk', webhook: ding.url, secret: DINGTALK_SECRET },
        {
          kind: 'webhook',
          url: `${hook.url}?token=hook-token-456`,
          secret: 'a-different-secret-value',
          headers: { Authorization: 'Bearer bearer-789' },
        },
      ],
      { failureThreshold: 1, retry: { attemptsPerRun: 1 } },
    );
    const [outcome] = await runAll(config, [oneDown]);
    const state = await readFile(join(dir, STATE_FILE), 'utf8');
    for (const text of [JSON.stringify(outcome), state]) {
      for (const secret of [
        DINGTALK_SECRET,
        'tok-very-secret-123',
        'hook-token-456',
        'bearer-789',
        'a-different-secret-value',
      ]) {
        expect(text).not.toContain(secret);
      }
    }
    expect(outcome?.notices[0]?.error).toContain('***');
  });
});
