import { describe, expect, it } from 'vitest';
import { ackActive, acknowledge, troubleList, unacknowledge } from '../../shared/alerting/ack.ts';
import { evaluate } from '../../shared/alerting/evaluate.ts';
import { type AlertState, freshAlertState } from '../../shared/alerting/model.ts';
import { buildNotice, describeEvent } from '../../shared/alerting/notice.ts';
import { decodeAlertState } from '../../shared/alerting/state-codec.ts';
import { alertingConfig, at, obs } from './helpers.ts';

const A = 'cn-hangzhou/100.100.1.1:8848';
const B = 'cn-hangzhou/100.100.1.2:9848';
const config = alertingConfig({ reminderInterval: '10m', flap: { enabled: false }, window: null });

/** Runs the evaluator from `state` over one observation per key per minute, from minute `start`. */
const run = (state: AlertState, outcomes: Record<string, 'ok' | 'fail'>, minute: number) =>
  evaluate(
    state,
    Object.entries(outcomes).map(([key, outcome]) => obs(key, outcome)),
    at(minute),
    config,
  );

/** A state where A and B fire since minute 1. */
const firing = (): AlertState => {
  let state = freshAlertState();
  for (const minute of [0, 1]) state = run(state, { [A]: 'fail', [B]: 'fail' }, minute).state;
  expect(troubleList(state, at(1)).map((k) => k.key)).toEqual([A, B]);
  return state;
};

describe('acknowledge (pure)', () => {
  it('acknowledges every firing key a pattern matches, with who, when and until', () => {
    const { state, acked } = acknowledge(firing(), {
      pattern: 'cn-hangzhou/*',
      by: 'alice@ops-1',
      now: at(2),
      until: 'resolved',
      comment: 'SG change rolled back',
    });
    expect(acked).toEqual([A, B]);
    expect(state.keys[A]?.ack).toStrictEqual({
      at: at(2).toISOString(),
      by: 'alice@ops-1',
      until: 'resolved',
      comment: 'SG change rolled back',
    });
    expect(troubleList(state, at(3)).every((k) => k.ack?.by === 'alice@ops-1')).toBe(true);
  });

  it('refuses a key that does not fire, naming what does', () => {
    expect(() =>
      acknowledge(firing(), { pattern: 'cn-shanghai/*', by: 'x', now: at(2), until: 'resolved' }),
    ).toThrow(`no firing key matches cn-shanghai/*: nothing to acknowledge (firing now: ${A}, ${B})`);
    expect(() =>
      acknowledge(freshAlertState(), { pattern: A, by: 'x', now: at(2), until: 'resolved' }),
    ).toThrow('nothing is firing now');
    const resolved = run(run(firing(), { [A]: 'ok' }, 2).state, { [A]: 'ok' }, 3).state;
    expect(() => acknowledge(resolved, { pattern: A, by: 'x', now: at(4), until: 'resolved' })).toThrow(
      `${A} is not firing`,
    );
  });

  it('a timed acknowledgement ends at its time; withdrawing one ends it at once', () => {
    const { state } = acknowledge(firing(), { pattern: A, by: 'bob', now: at(2), until: at(32) });
    expect(ackActive(state.keys[A]?.ack, at(31))).toBe(true);
    expect(ackActive(state.keys[A]?.ack, at(32))).toBe(false);
    const { state: back, removed } = unacknowledge(state, A);
    expect(removed).toEqual([A]);
    expect(back.keys[A]?.ack).toBeUndefined();
    expect(() => unacknowledge(back, A)).toThrow(`no acknowledged key matches ${A}`);
  });
});

describe('evaluate with acknowledgements', () => {
  it('stops the reminders of an acknowledged key, not of the others, and says why', () => {
    const { state } = acknowledge(firing(), { pattern: A, by: 'alice', now: at(2), until: 'resolved' });
    // the reminder interval is 10 minutes: at minute 11 both are due
    const result = run(state, { [A]: 'fail', [B]: 'fail' }, 11);
    expect(result.events.map((e) => `${e.change} ${e.key}`)).toEqual([`reminder ${B}`]);
    expect(result.suppressed).toEqual([{ key: A, by: 'acknowledged by alice until it resolves' }]);
  });

  it('announces the recovery with who acknowledged it, then forgets the acknowledgement', () => {
    let { state } = acknowledge(firing(), {
      pattern: A,
      by: 'alice',
      now: at(2),
      until: 'resolved',
      comment: 'on it',
    });
    state = run(state, { [A]: 'ok' }, 3).state;
    const resolved = run(state, { [A]: 'ok' }, 4);
    expect(resolved.events.map((e) => `${e.change} ${e.key}`)).toEqual([`resolved ${A}`]);
    expect(resolved.events[0]?.ack).toMatchObject({ by: 'alice', comment: 'on it' });
    expect(resolved.state.keys[A]?.ack).toBeUndefined();
    // the next incident of the key is a new one: announced, and reminded again
    let next = resolved.state;
    next = run(next, { [A]: 'fail' }, 5).state;
    const fired = run(next, { [A]: 'fail' }, 6);
    expect(fired.events.map((e) => `${e.change} ${e.key}`)).toEqual([`firing ${A}`]);
    expect(fired.events[0]?.ack).toBeUndefined();
    expect(run(fired.state, { [A]: 'fail' }, 16).events.map((e) => e.change)).toEqual(['reminder']);
  });

  it('reminds again once a timed acknowledgement has ended', () => {
    const { state } = acknowledge(firing(), { pattern: A, by: 'bob', now: at(2), until: at(20) });
    const quiet = run(state, { [A]: 'fail' }, 12);
    expect(quiet.events).toEqual([]);
    const back = run(quiet.state, { [A]: 'fail' }, 21);
    expect(back.events.map((e) => e.change)).toEqual(['reminder']);
    expect(back.events[0]?.ack).toBeUndefined();
    expect(back.state.keys[A]?.ack).toBeUndefined();
  });

  it('says it in the notice line of the key', () => {
    const { state } = acknowledge(firing(), {
      pattern: A,
      by: 'alice',
      now: at(2),
      until: 'resolved',
      comment: 'SG change rolled back',
    });
    const after = run(run(state, { [A]: 'ok' }, 3).state, { [A]: 'ok' }, 4);
    const notice = buildNotice(after.events, { now: at(4), source: 'mse-watch', timezone: 'Asia/Shanghai' });
    expect(describeEvent(notice.events[0]!, 'Asia/Shanghai')).toBe(
      'RESOLVED 100.100.1.1:8848: 2 consecutive successful runs (ok since 2026-11-21 12:04:00 Asia/Shanghai) · acknowledged by alice at 2026-11-21 12:02:00 Asia/Shanghai (until it resolves): SG change rolled back',
    );
  });

  it('an unreadable acknowledgement costs only itself when the state is read, never the key', () => {
    const raw = JSON.parse(JSON.stringify(firing())) as { keys: Record<string, Record<string, unknown>> };
    raw.keys[A]!.ack = { by: 42 };
    const decoded = decodeAlertState(raw);
    expect(decoded.state.keys[A]?.status).toBe('firing');
    expect(decoded.state.keys[A]?.ack).toBeUndefined();
    expect(decoded.state.keys[B]?.status).toBe('firing');
  });
});
