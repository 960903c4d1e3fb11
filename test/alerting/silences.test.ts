import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluate } from '../../shared/alerting/evaluate.ts';
import { alertStore, editAlertState, processAlerts } from '../../shared/alerting/index.ts';
import { freshAlertState } from '../../shared/alerting/model.ts';
import {
  addSilence,
  ENDED_SILENCE_KEPT_MS,
  effectiveSilences,
  MAX_STORED_SILENCES,
  removeSilences,
  silenceList,
} from '../../shared/alerting/stored-silences.ts';
import { parseConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import { type Receiver, startWebhookReceiver } from '../support/receivers.ts';
import { alertingConfig, at, MINUTE, obs, report, row } from './helpers.ts';

const request = (id: string, match: string[], from: number, to: number) => ({
  id,
  match,
  start: at(from),
  end: at(to),
  now: at(0),
  by: 'alice@ops-1',
  comment: 'planned change',
});

describe('stored silences (pure)', () => {
  it('adds, lists with status and matching keys, and removes by id', () => {
    let state = freshAlertState();
    state = addSilence(state, request('s-000001', ['cn-hangzhou/*'], 0, 60)).state;
    state = addSilence(state, request('s-000002', ['*:9848'], 30, 90)).state;
    // two keys the state has seen
    state = evaluate(
      state,
      [obs('cn-hangzhou/100.100.0.1:8848', 'ok'), obs('cn-shanghai/100.100.0.9:9848', 'ok')],
      at(0),
      alertingConfig(),
    ).state;
    const config = alertingConfig({
      silences: [{ match: 'nacos/*', start: at(-10).toISOString(), end: at(15).toISOString() }],
    });
    const list = silenceList(config, state, at(10));
    expect(list.map((s) => [s.id ?? 'config', s.source, s.status, s.matches])).toEqual([
      ['config', 'config', 'active', []],
      ['s-000001', 'state', 'active', ['cn-hangzhou/100.100.0.1:8848']],
      ['s-000002', 'state', 'pending', ['cn-shanghai/100.100.0.9:9848']],
    ]);
    expect(list[1]).toMatchObject({ createdBy: 'alice@ops-1', comment: 'planned change' });
    const { state: left, removed } = removeSilences(state, ['s-000001']);
    expect(removed.map((s) => s.id)).toEqual(['s-000001']);
    expect(left.silences?.map((s) => s.id)).toEqual(['s-000002']);
  });

  it.each([
    [{ match: [] }, 'give at least one key pattern'],
    [{ end: at(-1), start: at(-5) }, 'would end in the past'],
    [{ start: at(10), end: at(5) }, 'before it starts'],
  ])('refuses %j', (change, message) => {
    expect(() => addSilence(freshAlertState(), { ...request('s-1', ['x/*'], 0, 60), ...change })).toThrow(
      message,
    );
  });

  it('refuses an unknown id without removing anything, and a duplicate id', () => {
    const state = addSilence(freshAlertState(), request('s-1', ['a/*'], 0, 60)).state;
    expect(() => removeSilences(state, ['s-1', 's-2'])).toThrow(
      'no stored silence has the id s-2 (stored: s-1); silences of the config file are removed by editing it',
    );
    expect(() => addSilence(state, request('s-1', ['b/*'], 0, 60))).toThrow('exists already');
  });

  it('bounds the stored silences, and forgets ended ones after a week', () => {
    let state = freshAlertState();
    for (let i = 0; i < MAX_STORED_SILENCES; i++)
      state = addSilence(state, request(`s-${i}`, ['a/*'], 0, 60)).state;
    expect(() => addSilence(state, request('s-x', ['a/*'], 0, 60))).toThrow('already 200 stored silences');
    const later = new Date(at(60).getTime() + ENDED_SILENCE_KEPT_MS + MINUTE);
    expect(silenceList(alertingConfig(), state, later)).toEqual([]);
    expect(effectiveSilences(alertingConfig(), state, at(61))).toEqual([]);
    expect(effectiveSilences(alertingConfig(), state, at(59))).toHaveLength(MAX_STORED_SILENCES);
  });
});

describe('processAlerts merges stored silences with the config', () => {
  let dir: string;
  let hook: Receiver;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mse-watch-silences-'));
    hook = await startWebhookReceiver({ secret: 'webhook-test-secret-0123456789' });
  });
  afterEach(async () => {
    await hook.close();
    await rm(dir, { recursive: true, force: true });
  });

  const config = (): Config =>
    parseConfig({
      region: 'cn-hangzhou',
      alerting: {
        failureThreshold: 1,
        successThreshold: 1,
        channels: [{ kind: 'webhook', url: hook.url, secret: 'webhook-test-secret-0123456789' }],
      },
      state: { dir, lockWait: '1s' },
    });
  const down = () =>
    report('cn-hangzhou', [row('100.100.0.1', 8848, 'timeout'), row('100.100.0.2', 8848, 'ok')]);
  const up = () => report('cn-hangzhou', [row('100.100.0.1', 8848, 'ok'), row('100.100.0.2', 8848, 'ok')]);

  it('holds the announcement while the stored silence lasts, announces after, and prunes it', async () => {
    const store = alertStore(config());
    await editAlertState(store, (state) => {
      const { state: next, silence } = addSilence(state, {
        id: 's-abc123',
        match: ['cn-hangzhou/*'],
        start: at(0),
        end: at(3),
        now: at(0),
        comment: 'network change',
      });
      return { state: next, result: silence };
    });
    const held = await processAlerts({ config: config(), report: down(), now: at(1) });
    expect(held.suppressed).toEqual([
      {
        key: 'cn-hangzhou/100.100.0.1:8848',
        by: `silence s-abc123 until ${at(3).toISOString()} (network change)`,
      },
    ]);
    expect(hook.messages).toHaveLength(0);
    const after = await processAlerts({ config: config(), report: down(), now: at(4) });
    expect(after.fired).toEqual(['cn-hangzhou/100.100.0.1:8848']);
    expect(hook.messages).toHaveLength(1);
    // a week after it ended, the stored silence is gone from the state
    await processAlerts({
      config: config(),
      report: up(),
      now: new Date(at(3).getTime() + ENDED_SILENCE_KEPT_MS + MINUTE),
    });
    const saved = JSON.parse(await readFile(join(dir, 'alert-state.json'), 'utf8'));
    expect(saved.silences).toEqual([]);
  });

  it('an edit waits for a run that holds the lock, and fails cleanly when it cannot get it', async () => {
    const store = alertStore(config());
    const lock = await store.lock();
    const edit = editAlertState(
      store,
      (state) => ({ state: addSilence(state, request('s-1', ['a/*'], 0, 60)).state, result: 1 }),
      { waitMs: 100 },
    );
    await expect(edit).rejects.toThrow(
      /another run holds the lock on .*alert-state\.json \(waited 0 s\); nothing was changed/,
    );
    await lock?.release();
    const { result } = await editAlertState(store, (state) => ({
      state: addSilence(state, request('s-2', ['a/*'], 0, 60)).state,
      result: 2,
    }));
    expect(result).toBe(2);
    expect((await store.load()).state.silences?.map((s) => s.id)).toEqual(['s-2']);
  });
});
