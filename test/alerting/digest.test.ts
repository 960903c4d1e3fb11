import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acknowledge } from '../../shared/alerting/ack.ts';
import { AlertingConfig } from '../../shared/alerting/config.ts';
import { buildDigest, digestBody, digestDue } from '../../shared/alerting/digest.ts';
import { evaluate } from '../../shared/alerting/evaluate.ts';
import { processAlerts } from '../../shared/alerting/index.ts';
import { freshAlertState, type Notice } from '../../shared/alerting/model.ts';
import { buildNotice, compose } from '../../shared/alerting/notice.ts';
import { enqueue, nextMessage } from '../../shared/alerting/outbox.ts';
import { parseConfig } from '../../shared/config/load.ts';
import { appendRun, freshHistory, type History } from '../../shared/history/index.ts';
import { DAY, HOUR, MINUTE, makeRun, targetsOf } from '../history/fixtures.ts';
import { type Receiver, startWebhookReceiver } from '../support/receivers.ts';
import { obs } from './helpers.ts';

/** 09:00 in Shanghai is 01:00 UTC. */
const NOW = new Date('2026-11-21T01:00:00.000Z');
const hangzhou = targetsOf('cn-hangzhou');
const basic = hangzhou.find((t) => t.category === 'basic-info')!;
const governance = hangzhou.filter((t) => t.category === 'governance-rules');

/** A day of runs every 5 minutes: a 30-minute outage of two governance IPs, and one basic-info IP down now. */
const dayOfRuns = (now = NOW.getTime()): History => {
  let history = freshHistory();
  for (let at = now - DAY + 5 * MINUTE; at <= now - MINUTE; at += 5 * MINUTE) {
    const failing: Record<string, 'timeout' | 'refused'> = {};
    const age = now - at;
    if (age <= 10 * HOUR && age > 9.5 * HOUR)
      for (const t of governance.slice(0, 2)) failing[`${t.ip}:${t.port}`] = 'timeout';
    if (age <= 11 * MINUTE) failing[`${basic.ip}:${basic.port}`] = 'refused';
    history = appendRun(history, makeRun('cn-hangzhou', at, hangzhou, { failing }), at + 2000);
  }
  return history;
};

describe('when a digest is due', () => {
  const at = (time: string) => new Date(time);
  it.each([
    ['08:59 local: not yet', '2026-11-21T00:59:00Z', undefined, false, '2026-11-21'],
    [
      '09:00 local: the first run at or after the time',
      '2026-11-21T01:00:00Z',
      undefined,
      true,
      '2026-11-21',
    ],
    ['later that day, already sent', '2026-11-21T05:00:00Z', '2026-11-21', false, '2026-11-21'],
    ['the next day after 09:00', '2026-11-22T01:30:00Z', '2026-11-21', true, '2026-11-22'],
    [
      'a clock that went back never sends a day twice',
      '2026-11-21T02:00:00Z',
      '2026-11-22',
      false,
      '2026-11-21',
    ],
    [
      '23:30 UTC is already the next day in Shanghai',
      '2026-11-21T23:30:00Z',
      '2026-11-21',
      false,
      '2026-11-22',
    ],
  ])('%s', (_, now, lastDay, due, day) => {
    const state = lastDay ? { digest: { lastDay, at: NOW.toISOString() } } : {};
    expect(digestDue(state, { at: '09:00' }, 'Asia/Shanghai', at(now))).toEqual({ due, day });
  });
});

describe('what a digest says', () => {
  const history = dayOfRuns();
  let state = freshAlertState();
  for (const minute of [0, 1])
    state = evaluate(
      state,
      [obs(`cn-hangzhou/${basic.ip}:${basic.port}`, 'fail')],
      new Date(NOW.getTime() - 10 * MINUTE + minute * MINUTE),
      AlertingConfig.parse({}),
    ).state;
  state = acknowledge(state, {
    pattern: 'cn-hangzhou/*',
    by: 'alice@ops-1',
    now: new Date(NOW.getTime() - 5 * MINUTE),
    until: 'resolved',
    comment: 'SG rule restored',
  }).state;
  const body = digestBody(
    history,
    state,
    [
      {
        id: 's-1a2b3c',
        match: ['*:9848'],
        start: new Date(NOW.getTime() - HOUR).toISOString(),
        end: new Date(NOW.getTime() + HOUR).toISOString(),
        comment: 'planned',
      },
    ],
    NOW,
  );

  it('counts the day exactly: runs, uptime, the incidents with their cause, the ongoing one', () => {
    expect(body.from).toBe('2026-11-20T01:00:00.000Z');
    const [region] = body.regions;
    expect(region).toMatchObject({ region: 'cn-hangzhou', runs: 287, observed: 287, ok: false });
    // the outage covered 6 runs, the ongoing one the last 2 (11 minutes, every 5)
    expect(region?.up).toBe(287 - 6 - 2);
    expect(region?.incidents.map((i) => [i.category, i.cause, i.end === null])).toEqual([
      ['basic-info', 'refused', true],
      ['governance-rules', 'timeout', false],
    ]);
    expect(region?.incidents[1]).toMatchObject({ durationMs: 30 * MINUTE, failedRuns: 6 });
    expect(region).toMatchObject({ ongoing: 1, resolved: 1, mttrMs: 30 * MINUTE });
    expect(region?.categories.find((c) => c.category === 'governance-rules')).toEqual({
      category: 'governance-rules',
      up: 281,
      observed: 287,
      incidents: 1,
    });
    expect(body.acks).toEqual([
      expect.objectContaining({ key: `cn-hangzhou/${basic.ip}:${basic.port}`, by: 'alice@ops-1' }),
    ]);
    expect(body.silences).toEqual([
      { id: 's-1a2b3c', match: ['*:9848'], end: '2026-11-21T02:00:00.000Z', comment: 'planned' },
    ]);
  });

  it('is a notice of its own kind whose title sums the day up', () => {
    const notice = buildDigest(body, { now: NOW, source: 'mse-watch prod', timezone: 'Asia/Shanghai' });
    expect(notice.kind).toBe('digest');
    expect(notice.events).toEqual([]);
    expect(notice.id).toBe('20261121T010000-digest');
    expect(compose(notice)).toMatchObject({
      status: 'digest',
      title: '[DIGEST] mse-watch prod: last 24h: 97.21 % of runs fine, 2 incidents (1 ongoing)',
    });
  });

  it('says so when there is no history to report from', () => {
    const empty = digestBody(undefined, freshAlertState(), [], NOW);
    expect(empty.regions).toEqual([]);
    expect(empty.note).toMatch(/^no run history was found/);
    expect(compose(buildDigest(empty, { now: NOW, source: 'mse-watch', timezone: 'UTC' })).title).toBe(
      '[DIGEST] mse-watch: last 24h: no runs recorded',
    );
  });

  it('goes out as a message of its own, after the alerts queued before it', () => {
    const alert = (minute: number): Notice =>
      buildNotice([], { now: new Date(NOW.getTime() + minute * MINUTE), source: 's', timezone: 'UTC' });
    const digest = buildDigest(body, { now: NOW, source: 's', timezone: 'UTC' });
    let queue = freshAlertState();
    for (const notice of [alert(0), alert(1), digest, alert(2)])
      queue = enqueue(queue, notice, [{ name: 'hook' }]);
    const first = nextMessage(queue, 'hook')!;
    expect(first.entries.map((e) => e.notice.kind)).toEqual(['alert', 'alert']);
    queue = { ...queue, outbox: queue.outbox.slice(2) };
    const second = nextMessage(queue, 'hook')!;
    expect(second.entries.map((e) => e.notice.kind)).toEqual(['digest']);
    expect(second.notice.digest).toEqual(body);
  });
});

describe('processAlerts sends the digest once a day', () => {
  let dir: string;
  let hook: Receiver;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mse-watch-digest-'));
    hook = await startWebhookReceiver({ secret: 'webhook-test-secret-0123456789' });
  });
  afterEach(async () => {
    await hook.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('at the first run after its time, in the alerting time zone, to the channels named', async () => {
    const config = parseConfig({
      region: 'cn-hangzhou',
      alerting: {
        timezone: 'Asia/Shanghai',
        digest: { at: '09:00', channels: ['hook'] },
        channels: [
          { kind: 'webhook', name: 'hook', url: hook.url, secret: 'webhook-test-secret-0123456789' },
          { kind: 'webhook', name: 'quiet', url: `${hook.url}/quiet` },
        ],
      },
      state: { dir, lockWait: '1s' },
    });
    const history = dayOfRuns();
    const healthy = {
      region: 'cn-hangzhou',
      startedAt: NOW.toISOString(),
      durationMs: 1,
      ok: true,
      complete: true,
      catalogVersion: 'x',
      probes: [],
      categories: [],
      findings: [],
    };
    const at = (offset: number) => new Date(NOW.getTime() + offset);
    const runs = [-MINUTE, MINUTE, 2 * MINUTE, DAY + MINUTE];
    const outcomes = [];
    for (const offset of runs)
      outcomes.push(
        await processAlerts({ config, report: healthy, now: at(offset) }, { history: async () => history }),
      );
    expect(outcomes.map((o) => o.notices.map((n) => n.channel))).toEqual([[], ['hook'], [], ['hook']]);
    expect(hook.messages.map((m) => m.body.kind)).toEqual(['digest', 'digest']);
    const first = hook.messages[0]!.body as { status: string; digest: { regions: Array<{ runs: number }> } };
    expect(first.status).toBe('digest');
    expect(first.digest.regions[0]?.runs).toBe(287);
    expect(hook.messages[0]!.title).toMatch(/^\[DIGEST\] mse-watch: last 24h: /);
  });

  it('a digest config naming an unknown channel is refused when the config is read', () => {
    expect(() =>
      parseConfig({
        alerting: { digest: { at: '9:00' }, channels: [] },
      }),
    ).toThrow(/alerting\.digest\.at/);
    expect(() =>
      parseConfig({
        alerting: {
          digest: { at: '09:00', channels: ['nope'] },
          channels: [{ kind: 'webhook', url: 'https://example.com/hook' }],
        },
      }),
    ).toThrow('no channel is named "nope"; the channels are: webhook-1');
  });
});
