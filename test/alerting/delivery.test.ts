// Issue 12, "nothing lost, nothing stuck": alert delivery under the faults real receivers have, against loopback
// receivers that verify each vendor's wire format and signature. One describe per fault.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AlertState, alertStore, processAlerts, STATE_FILE } from '../../shared/alerting/index.ts';
import { parseConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { StateStore } from '../../shared/state/store.ts';
import {
  type Receiver,
  replies,
  startDingTalkReceiver,
  startFeishuReceiver,
  startWebhookReceiver,
  startWeComReceiver,
} from '../support/receivers.ts';
import { at, report, row } from './helpers.ts';

const SECRET = 'SECdelivery0123456789abcdef0123';
const HOOK_SECRET = 'delivery-hook-secret-0123456789';

let dir: string;
const receivers: Receiver[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-delivery-'));
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
  parseConfig({
    region: 'cn-hangzhou',
    alerting: { failureThreshold: 1, retry: { runBackoff: '10ms' }, channels, ...extra },
    state: { dir, lockWait: '1s' },
  });

const oneDown = () =>
  report('cn-hangzhou', [
    row('100.100.0.1', 8848, 'timeout'),
    row('100.100.0.2', 8848, 'ok'),
    row('100.100.0.3', 8848, 'ok'),
  ]);
const twoDown = () =>
  report('cn-hangzhou', [
    row('100.100.0.1', 8848, 'timeout'),
    row('100.100.0.2', 8848, 'timeout'),
    row('100.100.0.3', 8848, 'ok'),
  ]);
const healthy = () =>
  report('cn-hangzhou', [
    row('100.100.0.1', 8848, 'ok'),
    row('100.100.0.2', 8848, 'ok'),
    row('100.100.0.3', 8848, 'ok'),
  ]);

const readState = async (): Promise<AlertState> =>
  JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as AlertState;

describe('permanent errors: the channel is broken, the run is not ok, the others are told (fault 4)', () => {
  it.each([
    ['DingTalk 310000 (bad signature)', replies.dingtalkSignMismatch, /errcode 310000 sign not match/],
    ['DingTalk 300001 (bad token)', replies.dingtalkBadToken, /errcode 300001 token is not exist/],
    ['HTTP 404', replies.http404, /HTTP 404/],
  ])('%s: one try, no retry, ok false, announced once on the webhook', async (_, reply, error) => {
    const ding = track(await startDingTalkReceiver({ secret: SECRET }));
    const hook = track(await startWebhookReceiver({ secret: HOOK_SECRET }));
    ding.respondNext(reply);
    const config = configFor([
      { kind: 'dingtalk', webhook: ding.url, secret: SECRET },
      { kind: 'webhook', name: 'pager', url: hook.url, secret: HOOK_SECRET },
    ]);
    const first = await processAlerts({ config, report: oneDown(), now: at(0) });
    expect(ding.requests.length).toBe(1);
    expect(first.ok).toBe(false);
    expect(first.brokenChannels).toEqual(['dingtalk-1']);
    expect(first.notices.find((n) => n.channel === 'dingtalk-1')).toMatchObject({
      delivered: false,
      tries: 1,
      failure: 'permanent',
      error: expect.stringMatching(error),
    });
    expect(first.problems).toEqual([
      expect.stringMatching(
        /^alert channel dingtalk-1 \(dingtalk, 127\.0\.0\.1:\d+\) refuses notices since 2026-11-21T04:00:00\.000Z: /,
      ),
    ]);
    // the webhook got the alert and, in a second message, the news that DingTalk is broken
    expect(hook.messages.map((m) => m.title)).toEqual([
      '[FIRING] mse-watch cn-hangzhou: 1 failing',
      expect.stringMatching(
        /^\[FIRING\] mse-watch: alert channel dingtalk-1 \(dingtalk, 127\.0\.0\.1:\d+\) refuses notices$/,
      ),
    ]);
    const news = hook.messages[1]!.body as { events: Array<{ key: string; detail: string; action: string }> };
    expect(news.events[0]).toMatchObject({
      key: 'channels/dingtalk-1',
      detail: expect.stringMatching(error),
    });

    // the next run neither retries the broken channel (backoff: maxBackoff) nor repeats the news, and is still not ok
    const second = await processAlerts({ config, report: oneDown(), now: at(1) });
    expect(ding.requests.length).toBe(1);
    expect(hook.messages.length).toBe(2);
    expect(second.ok).toBe(false);
    expect(second.notices.find((n) => n.channel === 'dingtalk-1')).toMatchObject({
      delivered: false,
      tries: 0,
      failure: 'permanent',
      nextAttemptAt: at(30).toISOString(),
    });
  });

  it('fixing the config makes the next run try at once; the backlog goes out and the others hear it works again', async () => {
    const ding = track(await startDingTalkReceiver({ secret: SECRET }));
    const hook = track(await startWebhookReceiver());
    const broken = configFor([
      { kind: 'dingtalk', webhook: ding.url, secret: 'SECwrong-secret' },
      { kind: 'webhook', name: 'pager', url: hook.url },
    ]);
    const first = await processAlerts({ config: broken, report: oneDown(), now: at(0) });
    expect(first.brokenChannels).toEqual(['dingtalk-1']);
    const fixed = configFor([
      { kind: 'dingtalk', webhook: ding.url, secret: SECRET },
      { kind: 'webhook', name: 'pager', url: hook.url },
    ]);
    const second = await processAlerts({ config: fixed, report: oneDown(), now: at(1) });
    expect(second.ok).toBe(true);
    expect(second.brokenChannels).toEqual([]);
    expect(ding.messages.map((m) => m.title)).toEqual(['[FIRING] mse-watch cn-hangzhou: 1 failing']);
    expect(hook.messages.map((m) => m.title)).toEqual([
      '[FIRING] mse-watch cn-hangzhou: 1 failing',
      expect.stringMatching(/alert channel dingtalk-1 .* refuses notices$/),
      expect.stringMatching(/^\[Resolved\] mse-watch: alert channel dingtalk-1 .* works again$/),
    ]);
  });

  it('Feishu 19024 and WeCom 93000 are permanent too; a lone broken channel still makes the run not ok', async () => {
    const feishu = track(await startFeishuReceiver());
    const wecom = track(await startWeComReceiver());
    feishu.respondNext(replies.feishuKeyword);
    wecom.respondNext(replies.wecomBadKey);
    const config = configFor([
      { kind: 'feishu', webhook: feishu.url },
      { kind: 'wecom', webhook: wecom.url },
    ]);
    const outcome = await processAlerts({ config, report: oneDown(), now: at(0) });
    expect(outcome.ok).toBe(false);
    expect(outcome.brokenChannels).toEqual(['feishu-1', 'wecom-2']);
    expect(outcome.problems).toHaveLength(2);
    expect(outcome.problems[0]).toMatch(/keyword in alerting\.name/);
    // neither is told about the other: both are broken
    expect(feishu.requests.length + wecom.requests.length).toBe(2);
  });

  it('an unknown vendor code is a refusal to try again later, not a broken channel', async () => {
    const ding = track(await startDingTalkReceiver());
    ding.respondNext({ status: 200, body: { errcode: 777777, errmsg: 'new rule' } });
    const config = configFor([{ kind: 'dingtalk', webhook: ding.url }]);
    const outcome = await processAlerts({ config, report: oneDown(), now: at(0) });
    expect(outcome.ok).toBe(true);
    expect(outcome.notices[0]).toMatchObject({ delivered: false, tries: 1, failure: 'refused' });
  });
});

describe('one stable id per notice across retries and merges (fault 9)', () => {
  it('a message whose answer never came goes out again with the same id, even after newer notices were queued', async () => {
    const hook = track(await startWebhookReceiver({ secret: HOOK_SECRET }));
    hook.respondNext(replies.takeThenHang);
    const config = configFor([{ kind: 'webhook', url: hook.url, secret: HOOK_SECRET, timeout: '500ms' }], {
      successThreshold: 1,
      flap: { enabled: false },
      retry: { attemptsPerRun: 1 },
    });
    const first = await processAlerts({ config, report: oneDown(), now: at(0) });
    expect(first.notices[0]).toMatchObject({ delivered: false, failure: 'transient' });
    const firstId = first.notices[0]!.id;
    // the receiver may have stored it: the id stays fixed in the saved state
    expect((await readState()).outbox.map((entry) => entry.batch)).toEqual([firstId]);
    // a new change is queued behind it; the fixed message goes first, alone, same id; then the new one
    const second = await processAlerts({ config, report: twoDown(), now: at(2) });
    expect(second.notices.map((n) => [n.id, n.delivered, n.merged])).toEqual([
      [firstId, true, 1],
      [expect.not.stringContaining(firstId), true, 1],
    ]);
    const ids = hook.requests.map((r) => r.headers['x-mse-watch-id']);
    expect(ids).toEqual([firstId, firstId, second.notices[1]!.id]);
    // the receiver that had it already drops the repeat by id, as docs/alerting.md tells it to
    expect(hook.duplicates).toBe(1);
    expect(hook.messages.length).toBe(2);
  });

  it('a crash between acceptance and the save does not make a new id: the next run repeats the same one', async () => {
    const hook = track(await startWebhookReceiver({ secret: HOOK_SECRET }));
    const config = configFor([{ kind: 'webhook', url: hook.url, secret: HOOK_SECRET }]);
    const real = alertStore(config);
    // the process "dies" right after the receiver accepted: the save that would record it never lands
    let saves = 0;
    const crashing: StateStore<AlertState> = {
      ...real,
      save: async (state) => {
        saves++;
        if (state.outbox.length === 0) throw Object.assign(new Error('killed'), { code: 'EKILLED' });
        return real.save(state);
      },
    };
    const crashed = await processAlerts({ config, report: oneDown(), now: at(0) }, { store: crashing });
    expect(crashed.notices[0]?.delivered).toBe(true);
    expect(saves).toBeGreaterThan(1);
    const onDisk = await readState();
    expect(onDisk.outbox).toHaveLength(1);
    const id = onDisk.outbox[0]!.batch;
    expect(id).toBe(crashed.notices[0]!.id);
    // the next run (still failing, one more notice queued) first sends the same message, same id
    const next = await processAlerts({ config, report: oneDown(), now: at(1) });
    expect(next.notices[0]).toMatchObject({ id, delivered: true });
    expect(hook.requests.map((r) => r.headers['x-mse-watch-id'])).toEqual([id, id]);
    expect(hook.duplicates).toBe(1);
  });

  it('an answer that proves the message was not taken releases its id: the backlog then goes out as one', async () => {
    const hook = track(await startWebhookReceiver());
    await hook.down();
    const config = configFor([{ kind: 'webhook', url: hook.url }], {
      successThreshold: 1,
      flap: { enabled: false },
      retry: { attemptsPerRun: 1 },
    });
    await processAlerts({ config, report: oneDown(), now: at(0) });
    expect((await readState()).outbox.map((entry) => entry.batch)).toEqual([undefined]);
    await processAlerts({ config, report: healthy(), now: at(5) });
    await hook.up();
    const [notice] = (await processAlerts({ config, report: healthy(), now: at(20) })).notices;
    expect(notice).toMatchObject({ delivered: true, merged: 2 });
    const body = hook.messages[0]!.body as { id: string; notices: string[] };
    expect(body.id).toBe(`${body.notices[0]}..${body.notices[1]}`);
  });
});

describe('time: in-run waits on a monotonic clock, future times in the state clamped (fault 10)', () => {
  it('a retry deferred while the clock was a day ahead is tried as soon as the clock is back', async () => {
    const ding = track(await startDingTalkReceiver());
    const config = configFor([{ kind: 'dingtalk', webhook: ding.url }], { retry: { attemptsPerRun: 1 } });
    await ding.down();
    // the run happens "a day ahead": its failed try defers the next one to a day and a minute from now
    await processAlerts({ config, report: oneDown(), now: at(24 * 60) });
    expect((await readState()).channels['dingtalk-1']?.nextAttemptAt).toBe(at(24 * 60 + 1).toISOString());
    await ding.up();
    const back = await processAlerts({ config, report: oneDown(), now: at(2) });
    expect(back.notices[0]).toMatchObject({ delivered: true });
    expect(back.stateNote).toMatch(/times up to 24 h ahead of this run's clock .* set to now/);
  });

  it('a flapping key whose changes were stamped in the future settles after flap.quiet, not hours later', async () => {
    const hook = track(await startWebhookReceiver());
    const config = configFor([{ kind: 'webhook', url: hook.url }], {
      successThreshold: 1,
      window: null,
      reminderInterval: 0,
      flap: { changes: 4, window: '1h', quiet: '10m' },
    });
    // flaps while the clock runs two hours ahead
    const ahead = 120;
    for (let i = 0; i < 5; i++)
      await processAlerts({ config, report: i % 2 === 0 ? oneDown() : healthy(), now: at(ahead + i) });
    expect(
      hook.messages.map((m) => (m.body as { events: Array<{ change: string }> }).events[0]?.change),
    ).toContain('flapping');
    const before = hook.messages.length;
    // the clock is corrected; the key stays down. 11 minutes later it is announced as settled (firing)
    const runs = [];
    for (let i = 0; i <= 11; i++)
      runs.push(await processAlerts({ config, report: oneDown(), now: at(10 + i) }));
    expect(runs[0]?.stateNote).toMatch(/ahead of this run's clock/);
    const settled = hook.messages
      .slice(before)
      .map((m) => (m.body as { events: Array<{ reason: string }> }).events[0]?.reason);
    expect(settled).toEqual(['stopped flapping; failing steadily']);
    expect(runs.findIndex((r) => r.fired.length > 0)).toBe(10);
  });
});

describe('duplicate targets in one report are one key (fault 8)', () => {
  it('the same target twice does not halve the failure threshold', async () => {
    const hook = track(await startWebhookReceiver());
    const config = configFor([{ kind: 'webhook', url: hook.url }], { failureThreshold: 2 });
    const twice = () =>
      report(null, [
        row('db.internal', 5432, 'refused', { category: 'targets' }),
        row('db.internal', 5432, 'refused', { category: 'targets' }),
        row('cache.internal', 6379, 'ok', { category: 'targets' }),
      ]);
    const first = await processAlerts({ config, report: twice(), now: at(0) });
    expect(first.fired).toEqual([]);
    const second = await processAlerts({ config, report: twice(), now: at(1) });
    expect(second.fired).toEqual(['targets/db.internal:5432']);
  });
});

describe('the run can be stopped, and has a budget; the lock is released on every way out', () => {
  it('an abort signal ends a send in flight, keeps the message with its id, and releases the lock', async () => {
    const hook = track(await startWebhookReceiver());
    hook.respondNext(replies.hang);
    const config = configFor([{ kind: 'webhook', url: hook.url, timeout: '30s' }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = performance.now();
    const outcome = await processAlerts({ config, report: oneDown(), now: at(0), signal: controller.signal });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(outcome.notices[0]).toMatchObject({ delivered: false });
    expect(outcome.ok).toBe(false);
    expect(await readdir(dir)).not.toContain(`${STATE_FILE}.lock`);
    const state = await readState();
    expect(state.outbox).toHaveLength(1);
    // stopping is not the channel's fault: no backoff, the next run tries at once, with the same id
    expect(state.channels['webhook-1']?.nextAttemptAt).toBeUndefined();
    const next = await processAlerts({ config, report: oneDown(), now: at(0.5) });
    expect(next.notices[0]).toMatchObject({ delivered: true, id: outcome.notices[0]!.id });
  });

  it('a state that cannot be read (EIO) costs the run its alerting, says why, and still releases the lock', async () => {
    const hook = track(await startWebhookReceiver());
    const config = configFor([{ kind: 'webhook', url: hook.url }]);
    const real = alertStore(config);
    const failing: StateStore<AlertState> = {
      ...real,
      load: async () => {
        throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
      },
    };
    const outcome = await processAlerts({ config, report: oneDown(), now: at(0) }, { store: failing });
    expect(outcome.ok).toBe(false);
    expect(outcome.problems).toEqual([
      expect.stringMatching(
        /^cannot read the state at .*: EIO: i\/o error, read; alerting skipped this run$/,
      ),
    ]);
    expect(await readdir(dir)).not.toContain(`${STATE_FILE}.lock`);
    expect(hook.requests).toEqual([]);
  });

  it('a signal that already fired: nothing is judged or sent, and the run says so', async () => {
    const hook = track(await startWebhookReceiver());
    const config = configFor([{ kind: 'webhook', url: hook.url }]);
    const controller = new AbortController();
    controller.abort();
    const outcome = await processAlerts({ config, report: oneDown(), now: at(0), signal: controller.signal });
    expect(outcome).toMatchObject({ ok: false, fired: [], notices: [] });
    expect(outcome.problems[0]).toMatch(/stopped before it could take the state lock/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('budgetMs bounds the whole of delivery, retries included', async () => {
    const ding = track(await startDingTalkReceiver());
    ding.respondNext(replies.hang, replies.hang, replies.hang);
    const config = configFor([{ kind: 'dingtalk', webhook: ding.url, timeout: '10s' }]);
    const started = performance.now();
    const outcome = await processAlerts({ config, report: oneDown(), now: at(0), budgetMs: 1500 });
    const took = performance.now() - started;
    expect(took).toBeLessThan(2500);
    expect(outcome.ok).toBe(false);
    expect(outcome.problems.join()).toMatch(/delivery stopped before it was done|time budget/);
    expect(await readdir(dir)).not.toContain(`${STATE_FILE}.lock`);
  });
});

describe('state files from other versions (fault 7)', () => {
  it('a newer version with unknown keys keeps its outbox: the pending Resolved goes out, the incident does not fire again', async () => {
    const hook = track(await startWebhookReceiver());
    const config = configFor([{ kind: 'webhook', url: hook.url }], { successThreshold: 1 });
    await hook.down();
    // fires (delivered? no: down), then resolves: both wait in the outbox
    await processAlerts({ config, report: oneDown(), now: at(0) });
    await processAlerts({ config, report: healthy(), now: at(1) });
    // a newer mse-watch rewrote the file: version 3, fields this version has never heard of
    const state = await readState();
    const newer = {
      ...state,
      version: 3,
      escalation: { policy: 'night', steps: [1, 2] },
      keys: Object.fromEntries(
        Object.entries(state.keys).map(([key, value]) => [key, { ...value, severityScore: 0.7 }]),
      ),
      outbox: state.outbox.map((entry) => ({ ...entry, priority: 'high' })),
    };
    await writeFile(join(dir, STATE_FILE), JSON.stringify(newer));
    await hook.up();
    const run = await processAlerts({ config, report: healthy(), now: at(10) });
    expect(run.stateNote).toMatch(/written by a newer mse-watch \(state version 3; this one writes 2\)/);
    expect(run.fired).toEqual([]);
    expect(run.notices[0]).toMatchObject({ delivered: true, merged: 2 });
    expect(hook.messages[0]?.title).toBe('[Resolved] mse-watch cn-hangzhou: 1 recovered');
    // what this version does not know is written back as it was
    const after = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8'));
    expect(after.escalation).toEqual({ policy: 'night', steps: [1, 2] });
    expect(Object.values(after.keys as Record<string, { severityScore?: number }>)[0]?.severityScore).toBe(
      0.7,
    );
  });

  it('a version 1 file as written before this change loads as it is', async () => {
    const hook = track(await startWebhookReceiver());
    const fixture = await readFile(new URL('../fixtures/state/alert-state-v1.json', import.meta.url), 'utf8');
    await writeFile(join(dir, STATE_FILE), fixture);
    const config = configFor([{ kind: 'webhook', name: 'pager', url: hook.url }]);
    const run = await processAlerts({ config, report: oneDown(), now: at(60) });
    expect(run.stateNote).toBeUndefined();
    // its pending notice (fired in the fixture) goes out first, merged with nothing new: the key is still firing
    expect(run.notices[0]).toMatchObject({ delivered: true });
    expect(hook.messages[0]?.title).toBe('[FIRING] mse-watch cn-hangzhou: 1 failing');
    expect((await readState()).version).toBe(2);
  });

  it('a damaged entry is dropped alone; the rest of the outbox is kept and delivered', async () => {
    const hook = track(await startWebhookReceiver());
    const config = configFor([{ kind: 'webhook', url: hook.url }], { successThreshold: 1 });
    await hook.down();
    await processAlerts({ config, report: oneDown(), now: at(0) });
    const state = await readState();
    const damaged = {
      ...state,
      keys: { ...state.keys, 'cn-hangzhou/1.2.3.4:80': { status: 'sideways' } },
      outbox: [...state.outbox, { id: 'half', channel: 'webhook-1' }],
    };
    await writeFile(join(dir, STATE_FILE), JSON.stringify(damaged));
    await hook.up();
    const run = await processAlerts({ config, report: oneDown(), now: at(10) });
    expect(run.stateNote).toMatch(
      /dropped 1 unreadable key, 1 unreadable outbox entry; everything else \(1 pending\) was kept/,
    );
    expect(run.notices[0]).toMatchObject({ delivered: true });
    expect((await readdir(dir)).some((name) => name.startsWith(`${STATE_FILE}.corrupt-`))).toBe(true);
  });

  it('a file that is not JSON any more is restored from the previous save', async () => {
    const hook = track(await startWebhookReceiver());
    const config = configFor([{ kind: 'webhook', url: hook.url }], { retry: { attemptsPerRun: 1 } });
    await hook.down();
    await processAlerts({ config, report: oneDown(), now: at(0) });
    await processAlerts({ config, report: oneDown(), now: at(2) });
    await writeFile(join(dir, STATE_FILE), '{"version":2,"keys":{"cn-han');
    await hook.up();
    const run = await processAlerts({ config, report: oneDown(), now: at(10) });
    expect(run.stateNote).toMatch(/was damaged: not JSON .*; restored the previous save/);
    expect(run.notices[0]).toMatchObject({ delivered: true });
    expect(run.fired).toEqual([]);
  });
});

describe('notices say SIMULATION when the run probed stand-ins (issue 11, point 10)', () => {
  it('in the title (the notification preview) and the body, on every channel', async () => {
    const ding = track(await startDingTalkReceiver());
    const hook = track(await startWebhookReceiver());
    const config = configFor([
      { kind: 'dingtalk', webhook: ding.url },
      { kind: 'webhook', url: hook.url },
    ]);
    const simulated = { ...oneDown(), simulation: { note: 'simulated cn-hangzhou (demo)', mapping: {} } };
    await processAlerts({ config, report: simulated, now: at(0), vantage: 'host demo-box' });
    expect(ding.messages[0]?.title).toBe('[FIRING] [SIMULATION] mse-watch cn-hangzhou: 1 failing');
    expect(ding.messages[0]?.text).toContain('**SIMULATION**: simulated cn-hangzhou (demo).');
    expect(ding.messages[0]?.text).toContain('Seen from host demo-box');
    expect(hook.messages[0]?.body).toMatchObject({
      title: '[FIRING] [SIMULATION] mse-watch cn-hangzhou: 1 failing',
      simulation: 'simulated cn-hangzhou (demo)',
      vantage: 'host demo-box',
    });
  });
});
