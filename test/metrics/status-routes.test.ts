import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acknowledge } from '../../shared/alerting/ack.ts';
import { AlertingConfig } from '../../shared/alerting/config.ts';
import { evaluate } from '../../shared/alerting/evaluate.ts';
import { freshAlertState } from '../../shared/alerting/model.ts';
import { addSilence } from '../../shared/alerting/stored-silences.ts';
import { appendRun, freshHistory, historyStore } from '../../shared/history/index.ts';
import {
  alertSummary,
  CONTENT_TYPE,
  loadStatusSnapshot,
  renderMetrics,
  statusResponse,
} from '../../shared/metrics/index.ts';
import { StateConfig } from '../../shared/state/config.ts';
import { obs } from '../alerting/helpers.ts';
import { MINUTE, makeRun, T0, targetsOf } from '../history/fixtures.ts';
import { parseExposition, promtoolCheck, samplesOf } from './promtool.ts';

const NOW = T0 + 10 * MINUTE;
const build = { version: '0.1.0', catalogVersion: 'test' };
const history = appendRun(freshHistory(), makeRun('cn-hangzhou', T0, targetsOf('cn-hangzhou')), T0 + MINUTE);
const snapshot = { history, notes: [] };

describe('statusResponse: what every status server answers', () => {
  it('GET / is the status page with a strict policy in the headers too', () => {
    const answer = statusResponse({ method: 'GET', path: '/' }, snapshot, { now: NOW, build });
    expect(answer.status).toBe(200);
    expect(answer.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    });
    expect(answer.body).toContain('data-region="cn-hangzhou"');
  });

  it('GET /metrics is the exposition, with its content type, and passes promtool', () => {
    const answer = statusResponse({ method: 'GET', path: '/metrics?x=1' }, snapshot, { now: NOW, build });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(CONTENT_TYPE);
    expect(promtoolCheck(answer.body)).toEqual({ status: 0, output: '' });
  });

  it.each([
    ['GET', '/nope', 404, /^not found: \/nope; try \/ \(the status page\) or \/metrics\n$/],
    ['POST', '/', 405, /^POST is not allowed here; use GET\n$/],
    ['DELETE', '/metrics', 405, /use GET/],
  ])('%s %s answers %i in words', (method, path, status, body) => {
    const answer = statusResponse({ method, path }, snapshot, { now: NOW, build });
    expect(answer.status).toBe(status);
    expect(answer.body).toMatch(body);
    if (status === 405) expect(answer.headers.allow).toBe('GET, HEAD');
  });
});

/** An alert state in which cn-hangzhou/a:1 and cn-hangzhou/b:1 fire (two failed runs, no flap detection). */
const twoFiring = () => {
  const config = AlertingConfig.parse({ flap: { enabled: false } });
  let state = freshAlertState();
  for (const minute of [0, 1])
    state = evaluate(
      state,
      [obs('cn-hangzhou/a:1', 'fail'), obs('cn-hangzhou/b:1', 'fail')],
      new Date(T0 + minute * MINUTE),
      config,
    ).state;
  return state;
};

describe('alert metrics: acknowledgements and silences', () => {
  it('counts firing keys someone acknowledged, and silences active now (stored and from the config)', () => {
    let state = twoFiring();
    state = acknowledge(state, {
      pattern: 'cn-hangzhou/a:1',
      by: 'alice',
      now: new Date(T0 + 2 * MINUTE),
      until: 'resolved',
    }).state;
    state = addSilence(state, {
      id: 's-1',
      match: ['x/*'],
      start: new Date(T0),
      end: new Date(T0 + 60 * MINUTE),
      now: new Date(T0),
    }).state;
    state = addSilence(state, {
      id: 's-2',
      match: ['y/*'],
      start: new Date(T0 + 30 * MINUTE),
      end: new Date(T0 + 60 * MINUTE),
      now: new Date(T0),
    }).state;
    const summary = alertSummary(state, {
      now: new Date(NOW),
      configSilences: [
        { start: new Date(T0).toISOString(), end: new Date(T0 + 5 * MINUTE).toISOString() },
        { start: new Date(T0).toISOString(), end: new Date(T0 + 50 * MINUTE).toISOString() },
      ],
    });
    expect(summary).toMatchObject({ firing: 2, acknowledged: 1, silencesActive: 2 });
    const text = renderMetrics({ history, now: NOW, build, alerts: summary });
    expect(promtoolCheck(text).status).toBe(0);
    const parsed = parseExposition(text);
    expect(samplesOf(parsed, 'mse_watch_alerts_acknowledged')[0]?.value).toBe(1);
    expect(samplesOf(parsed, 'mse_watch_silences_active')[0]?.value).toBe(2);
  });
});

describe('the status page from the alert state', () => {
  it('shows the acknowledged key with who and until when, the unacknowledged one, and only the silences in force', () => {
    let state = twoFiring();
    state = acknowledge(state, {
      pattern: 'cn-hangzhou/a:1',
      by: 'alice',
      now: new Date(T0 + 2 * MINUTE),
      until: new Date(T0 + 90 * MINUTE),
      comment: 'restarting the gateway',
    }).state;
    state = addSilence(state, {
      id: 's-now',
      match: ['cn-hangzhou/b:*'],
      start: new Date(T0),
      end: new Date(T0 + 60 * MINUTE),
      now: new Date(T0),
      by: 'bob',
    }).state;
    state = addSilence(state, {
      id: 's-later',
      match: ['y/*'],
      start: new Date(T0 + 30 * MINUTE),
      end: new Date(T0 + 60 * MINUTE),
      now: new Date(T0),
    }).state;
    const answer = statusResponse(
      { method: 'GET', path: '/' },
      { history, alerts: state, notes: [] },
      {
        now: NOW,
        build,
        configSilences: [
          {
            match: ['monitor/*'],
            start: new Date(T0).toISOString(),
            end: new Date(T0 + 50 * MINUTE).toISOString(),
          },
          {
            match: ['old/*'],
            start: new Date(T0).toISOString(),
            end: new Date(T0 + 5 * MINUTE).toISOString(),
          },
        ],
      },
    );
    const section = answer.body.slice(
      answer.body.indexOf('<h2>Alerts</h2>'),
      answer.body.indexOf('<h2>Uptime</h2>'),
    );
    const alertItems = section.split('<li ').slice(1);
    expect(alertItems.map((item) => /data-acked="(\w+)"/.exec(item)?.[1] ?? 'silence')).toEqual([
      'true',
      'false',
      'silence',
      'silence',
    ]);
    expect(alertItems[0]).toContain('<code class="token">cn-hangzhou/a:1</code>');
    expect(alertItems[0]).toContain('by <strong>alice</strong>');
    expect(alertItems[0]).toContain(`until <time datetime="${new Date(T0 + 90 * MINUTE).toISOString()}">`);
    expect(alertItems[0]).toContain('<q>restarting the gateway</q>');
    expect(alertItems[1]).toContain('mse-watch ack cn-hangzhou/b:1');
    // the config's silence first, then the stored one; the ended and the pending ones are not in force
    expect(alertItems[2]).toContain('in the config');
    expect(alertItems[2]).toContain('<code class="token">monitor/*</code>');
    expect(alertItems[3]).toContain('by <strong>bob</strong> · <code>s-now</code>');
    expect(alertItems[3]).toContain('holds back 1 key');
    expect(section).not.toContain('old/*');
    expect(section).not.toContain('s-later');
    expect(answer.body).toContain('2 alerts firing, 1 acknowledged.');
    // no alert state, no section
    const without = statusResponse({ method: 'GET', path: '/' }, snapshot, { now: NOW, build });
    expect(without.body).not.toContain('<h2>Alerts</h2>');
  });
});

describe('loadStatusSnapshot: what the pages read from a state directory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mse-watch-snapshot-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an empty directory is an empty history and no alert state, without a note', async () => {
    const loaded = await loadStatusSnapshot(StateConfig.parse({ dir }));
    expect(loaded).toEqual({ history: freshHistory(), notes: [] });
  });

  it('reads both files, never repairs them, and says what was odd', async () => {
    await historyStore({ state: StateConfig.parse({ dir }) }).save(history);
    await writeFile(
      join(dir, 'alert-state.json'),
      JSON.stringify({ version: 2, keys: 'wrong', outbox: [], channels: {}, delivered: [] }),
    );
    const loaded = await loadStatusSnapshot(StateConfig.parse({ dir }));
    expect(loaded.history).toStrictEqual(history);
    expect(loaded.alerts?.keys).toEqual({});
    expect(loaded.notes.join(' ')).toMatch(/its keys did not have the expected shape/);
  });
});
