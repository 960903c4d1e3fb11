import { describe, expect, it } from 'vitest';
import { evaluate } from '../../shared/alerting/evaluate.ts';
import { NETWORK_KEY } from '../../shared/alerting/keys.ts';
import { freshAlertState } from '../../shared/alerting/model.ts';
import { observe } from '../../shared/alerting/observations.ts';
import { alertingConfig, at, MINUTE, obs, report, row, script } from './helpers.ts';

const A = 'cn-hangzhou/100.100.1.1:8848';
const B = 'cn-hangzhou/100.100.1.2:9848';

describe('thresholds and the M-of-N window', () => {
  // one string per run, one character per key: F = failed, . = ok, - = skipped
  it.each([
    { name: 'one failure does not fire', runs: ['F', '.', '.'], expected: [[], [], []] },
    { name: 'two consecutive failures fire', runs: ['F', 'F', 'F'], expected: [[], [`firing ${A}`], []] },
    {
      name: 'two successes resolve',
      runs: ['F', 'F', '.', '.', '.'],
      expected: [[], [`firing ${A}`], [], [`resolved ${A}`], []],
    },
    {
      name: 'one success between failures does not resolve',
      runs: ['F', 'F', '.', 'F', '.'],
      expected: [[], [`firing ${A}`], [], [], []],
    },
    {
      name: 'intermittent failures fire by the window (3 of 5)',
      runs: ['F', '.', 'F', '.', 'F'],
      expected: [[], [], [], [], [`firing ${A}`]],
    },
    {
      name: 'a window-fired key resolves only once the window clears',
      runs: ['F', '.', 'F', '.', 'F', '.', '.'],
      expected: [[], [], [], [], [`firing ${A}`], [], [`resolved ${A}`]],
    },
    { name: 'a skipped run is not a failure', runs: ['F', '-', '-', '.'], expected: [[], [], [], []] },
  ])('$name', ({ runs, expected }) => {
    expect(script([A], runs).events).toEqual(expected);
  });

  it('says why it fired', () => {
    const consecutive = script([A], ['F', 'F']).all[1]?.[0];
    expect(consecutive?.reason).toBe('2 consecutive failed runs');
    const window = script([A], ['F', '.', 'F', '.', 'F']).all[4]?.[0];
    expect(window?.reason).toBe('3 of the last 5 runs failed');
    expect(window?.detail).toBe('timeout: connect ETIMEDOUT');
  });

  it('honours configured thresholds and a disabled window', () => {
    const config = alertingConfig({ failureThreshold: 3, successThreshold: 1, window: null });
    expect(script([A], ['F', 'F', 'F', '.'], config).events).toEqual([
      [],
      [],
      [`firing ${A}`],
      [`resolved ${A}`],
    ]);
    expect(script([A], ['F', '.', 'F', '.', 'F', '.'], config).events.flat()).toEqual([]);
  });

  it('judges keys independently in one run', () => {
    expect(script([A, B], ['FF', 'F.', 'F.']).events).toEqual([[], [`firing ${A}`], []]);
  });
});

describe('flap detection', () => {
  it('reports a key that keeps changing once as flapping, then once when it settles', () => {
    const config = alertingConfig({ flap: { changes: 4, window: '1h', quiet: '30m' } });
    const flapping = ['F', 'F', '.', '.', 'F', 'F', '.', '.', 'F', 'F', '.', '.'];
    const settle = Array.from({ length: 31 }, () => '.');
    const { events, all } = script([A], [...flapping, ...settle], config);
    expect(events.slice(0, 12)).toEqual([
      [],
      [`firing ${A}`],
      [],
      [`resolved ${A}`],
      // the window (3 of the last 5) fires one run before the consecutive counter would
      [`firing ${A}`],
      [],
      [],
      [`flapping ${A}`],
      [],
      [],
      [],
      [],
    ]);
    const after = events.slice(12).flat();
    expect(after).toEqual([`resolved ${A}`]);
    const settled = all
      .flat()
      .find((event) => event.change === 'resolved' && event.reason.includes('flapping'));
    expect(settled?.reason).toBe('stopped flapping; passing steadily');
  });

  it('can be turned off', () => {
    const config = alertingConfig({ flap: { enabled: false } });
    const runs = ['F', 'F', '.', '.', 'F', 'F', '.', '.'];
    expect(script([A], runs, config).events.flat()).toEqual([
      `firing ${A}`,
      `resolved ${A}`,
      `firing ${A}`,
      `resolved ${A}`,
    ]);
  });
});

describe('reminders', () => {
  it('reminds every reminderInterval while firing, never more often', () => {
    // a run every 30 minutes for 10 hours, failing throughout
    const runs = Array.from({ length: 21 }, () => 'F');
    const { all } = script([A], runs, alertingConfig({ reminderInterval: '4h' }), { every: 30 });
    const times = all.flatMap((events, i) => events.map((e) => `${i * 30}m ${e.change}`));
    expect(times).toEqual(['30m firing', '270m reminder', '510m reminder']);
  });

  it('sends none when turned off', () => {
    const runs = Array.from({ length: 21 }, () => 'F');
    const { events } = script([A], runs, alertingConfig({ reminderInterval: 0 }), { every: 30 });
    expect(events.flat()).toEqual([`firing ${A}`]);
  });
});

describe('silences and maintenance windows', () => {
  const silences = (start: number, end: number) => [
    {
      match: 'cn-hangzhou/*',
      start: at(start).toISOString(),
      end: at(end).toISOString(),
      comment: 'upgrade',
    },
  ];
  const silence = (start: number, end: number) => alertingConfig({ silences: silences(start, end) });

  it('holds a change during a silence and announces it when the silence ends', () => {
    const { events } = script([A], ['F', 'F', 'F', 'F', 'F'], silence(0, 3));
    expect(events).toEqual([[], [], [], [`firing ${A}`], []]);
  });

  it('never announces a key that failed and recovered within a silence', () => {
    const { events, state } = script([A], ['F', 'F', '.', '.', '.', '.'], silence(0, 4));
    expect(events.flat()).toEqual([]);
    expect(state.keys[A]?.announced).toBe('ok');
  });

  it('reports what it held back and why', () => {
    const result = evaluate(
      freshAlertState(),
      [obs(A, 'fail')],
      at(0),
      alertingConfig({ failureThreshold: 1, silences: silences(0, 5) }),
    );
    expect(result.events).toEqual([]);
    expect(result.suppressed).toEqual([{ key: A, by: `silence until ${at(5).toISOString()} (upgrade)` }]);
  });

  it.each([
    // 2026-11-21 is a Saturday; T0 is 04:00 UTC = 12:00 in Shanghai
    { window: { days: ['sat'], start: '04:00', end: '05:00' }, muted: true },
    { window: { days: ['sun'], start: '04:00', end: '05:00' }, muted: false },
    { window: { start: '12:00', end: '12:30', timezone: 'Asia/Shanghai' }, muted: true },
    { window: { start: '11:00', end: '11:59', timezone: 'Asia/Shanghai' }, muted: false },
    // crosses midnight: Friday 23:00 until Saturday 05:00 UTC
    { window: { days: ['fri'], start: '23:00', end: '05:00' }, muted: true },
    { window: { days: ['sat'], start: '23:00', end: '05:00' }, muted: false },
  ])('maintenance window $window -> muted $muted', ({ window, muted }) => {
    const config = alertingConfig({
      failureThreshold: 1,
      maintenanceWindows: [{ match: ['nacos/*', 'cn-hangzhou/*'], ...window } as never],
    });
    const result = evaluate(freshAlertState(), [obs(A, 'fail')], at(0), config);
    expect(result.events.length).toBe(muted ? 0 : 1);
    expect(result.suppressed.length).toBe(muted ? 1 : 0);
  });
});

describe('storm guard', () => {
  const config = alertingConfig();
  const run = (reports: ReturnType<typeof report>[]) => {
    let state = freshAlertState();
    return reports.map((r, i) => {
      const result = evaluate(state, observe(r, undefined, config), at(i), config);
      state = result.state;
      return result.events.map((e) => `${e.change} ${e.key}`);
    });
  };
  const region = (statuses: Array<'ok' | 'timeout'>, extra: Array<'ok' | 'refused'> = []) =>
    report('cn-hangzhou', [
      ...statuses.map((s, i) => row(`100.100.0.${i + 1}`, 8848, s)),
      ...extra.map((s, i) => row(`127.0.0.${i + 1}`, 8080, s, { category: 'targets', name: `extra-${i}` })),
    ]);

  it('sends one "monitor lost its network" notice when nothing answers, not one per endpoint', () => {
    const down = region(['timeout', 'timeout', 'timeout', 'timeout']);
    const up = region(['ok', 'ok', 'ok', 'ok']);
    expect(run([up, down, down, down, up, up])).toEqual([
      [],
      [],
      [`firing ${NETWORK_KEY}`],
      [],
      [],
      [`resolved ${NETWORK_KEY}`],
    ]);
  });

  it('an intercepted path fires one "<region>/interception" notice; the region endpoints say nothing that run', () => {
    const interception = (verdict: 'clear' | 'intercepted') => ({
      probe: row('100.100.0.1', 9, verdict === 'intercepted' ? 'ok' : 'refused'),
      verdict,
    });
    // the interceptor answers for every address, so the endpoints all look up, even one that is really down
    const behindProxy = { ...region(['ok', 'ok', 'ok']), interception: interception('intercepted') };
    const clearButOneDown = { ...region(['ok', 'timeout', 'ok']), interception: interception('clear') };
    expect(run([behindProxy, behindProxy, clearButOneDown, clearButOneDown])).toEqual([
      [],
      ['firing cn-hangzhou/interception'],
      [],
      ['resolved cn-hangzhou/interception', 'firing cn-hangzhou/100.100.0.2:8848'],
    ]);
  });

  it('inhibits endpoint alerts while the whole region is unreachable and something else answers', () => {
    const regionDown = region(['timeout', 'timeout', 'timeout'], ['ok']);
    expect(run([regionDown, regionDown, regionDown])).toEqual([[], ['firing cn-hangzhou/*'], []]);
  });

  it.each([
    { answer: { status: 'ok' as const }, lost: false },
    { answer: { status: 'failed' as const, error: { code: 'auth', message: '403' } }, lost: false },
    { answer: { status: 'failed' as const, error: { code: 'timeout', message: 'no answer' } }, lost: true },
  ])('a Nacos step $answer.status ($answer.error.code) -> network lost: $lost', ({ answer, lost }) => {
    const regionDown = region(['timeout', 'timeout', 'timeout']);
    const nacos = { server: '127.0.0.1:8848', steps: [{ name: 'liveness', ...answer }] };
    const keys = observe(regionDown, nacos, config)
      .filter((o) => o.outcome === 'fail')
      .map((o) => o.key);
    expect(keys.includes(NETWORK_KEY)).toBe(lost);
    expect(keys.includes('cn-hangzhou/*')).toBe(!lost);
  });

  it('alerts per endpoint when only part of the region fails', () => {
    const partial = region(['timeout', 'ok', 'timeout'], ['ok']);
    expect(run([partial, partial])).toEqual([
      [],
      ['firing cn-hangzhou/100.100.0.1:8848', 'firing cn-hangzhou/100.100.0.3:8848'],
    ]);
  });

  it('keeps extra targets in their own group', () => {
    const keys = observe(region(['ok', 'ok'], ['refused']), undefined, config).map((o) => o.key);
    expect(keys).toContain('targets/127.0.0.1:8080');
  });

  it('skips optional endpoints unless asked, and skipped categories', () => {
    const r = report('cn-hangzhou', [
      row('100.100.0.1', 8848, 'timeout'),
      row('100.100.0.2', 80, 'timeout', { category: 'arms-monitoring', required: false }),
    ]);
    expect(observe(r, undefined, config).map((o) => o.key)).not.toContain('cn-hangzhou/100.100.0.2:80');
    expect(observe(r, undefined, alertingConfig({ includeOptional: true })).map((o) => o.key)).toContain(
      'cn-hangzhou/100.100.0.2:80',
    );
    r.categories = r.categories.map((c) => ({ ...c, verdict: 'skipped' as const }));
    const skipped = observe(r, undefined, config).find((o) => o.key === 'cn-hangzhou/100.100.0.1:8848');
    expect(skipped?.outcome).toBe('skip');
  });

  it('turns Nacos steps into keys; skipped and degraded steps are not failures', () => {
    const observations = observe(
      report(null, [row('127.0.0.1', 8848, 'ok'), row('127.0.0.2', 8848, 'ok')]),
      {
        server: '127.0.0.1:8848',
        steps: [
          { name: 'login', status: 'failed', error: { code: 'auth', message: 'HTTP 403' } },
          { name: 'config', status: 'skipped' },
          { name: 'naming', status: 'degraded' },
        ],
      },
      config,
    );
    const nacos = observations.filter((o) => o.key.startsWith('nacos/'));
    expect(nacos.map((o) => [o.key, o.outcome, o.detail])).toEqual([
      ['nacos/127.0.0.1:8848/login', 'fail', 'auth: HTTP 403'],
      ['nacos/127.0.0.1:8848/config', 'skip', undefined],
      ['nacos/127.0.0.1:8848/naming', 'ok', undefined],
    ]);
  });
});

describe('bounded state', () => {
  it('forgets keys not seen for forgetAfter and keeps a bounded history', () => {
    const config = alertingConfig();
    const first = evaluate(freshAlertState(), [obs(A, 'fail'), obs(B, 'ok')], at(0), config);
    const later = evaluate(first.state, [obs(A, 'fail')], at(0 + 8 * 24 * 60), config, {
      forgetAfterMs: 7 * 24 * 60 * MINUTE,
    });
    expect(Object.keys(later.state.keys)).toEqual([A]);
    const { state } = script(
      [A],
      Array.from({ length: 50 }, () => 'F'),
    );
    expect(state.keys[A]?.history.length).toBe(5);
    expect(state.keys[A]?.changes.length).toBe(1);
  });
});
