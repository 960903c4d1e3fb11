import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../shared/catalog/index.ts';
import { parseConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import { HISTORY_FILE, History } from '../../shared/history/index.ts';
import { checkConfig, type RunOutcome } from '../../shared/run/index.ts';
import { historyRun, recordRun, recordsHistory, startRecording } from '../../shared/run/record.ts';
import { type Listening, tcpListener } from '../support/listeners.ts';
import { type Healthchecks, startHealthchecks } from './healthchecks.ts';

let open: Listening;
let closedPort: number;
let hc: Healthchecks;
let dir: string;

beforeAll(async () => {
  open = await tcpListener((socket) => socket.end());
  const closed = await tcpListener();
  closedPort = closed.port;
  await closed.close();
});
afterAll(async () => {
  await open.close();
});
beforeEach(async () => {
  hc = await startHealthchecks();
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-record-'));
});
afterEach(async () => {
  await hc.close();
  await rm(dir, { recursive: true, force: true });
});

const configOf = (extra: Record<string, unknown> = {}): Config =>
  parseConfig({
    targets: [
      { host: '127.0.0.1', port: open.port, name: 'open', mode: 'tcp' },
      { host: '127.0.0.1', port: closedPort, name: 'closed', mode: 'tcp' },
    ],
    probe: { timeout: '1s', attempts: 1, spacing: '0ms' },
    heartbeat: { url: hc.pingUrl, retryDelay: '10ms', timeout: '2s' },
    state: { dir, lockWait: '1s' },
    ...extra,
  });

const readHistory = async () => History.parse(JSON.parse(await readFile(join(dir, HISTORY_FILE), 'utf8')));

describe('which shell records history by default', () => {
  it.each([
    ['serve', {}, true],
    ['serve', { history: { enabled: false } }, false],
    ['function', {}, false],
    ['function', { state: { dir: '/mnt/state' } }, true],
    ['cli', {}, false],
    ['cli', { state: { dir: '/var/lib/mse-watch' } }, true],
    ['cli', { history: {} }, true],
    ['cli', { history: { enabled: false }, state: { dir: '/x' } }, false],
  ] as const)('%s with %j: %s', (shell, config, expected) => {
    expect(recordsHistory(parseConfig({ region: 'cn-hangzhou', ...config }), shell)).toBe(expected);
  });
});

describe('recordRun around a real check on loopback', () => {
  it('pings /start before the run, records it, then pings its end with the same run id and a summary', async () => {
    const config = configOf();
    const { outcome, recorded } = await recordRun(
      config,
      async () => {
        // the run does not start its probes before the heartbeat heard of it
        await hc.waitFor(1);
        return checkConfig(config);
      },
      { shell: 'cli' },
    );
    expect(outcome.ok).toBe(false);
    expect(hc.pings.map((p) => p.kind)).toEqual(['start', 'success']);
    expect(hc.pings[0]?.rid).toBe(hc.pings[1]?.rid);
    expect(hc.pings[1]?.body).toBe(
      `none: NOT OK · 1/2 endpoints answered · targets partial 1/2 · ${(outcome.report.durationMs / 1000).toFixed(2)} s`,
    );
    expect(recorded).toMatchObject({
      history: { recorded: true, location: join(dir, HISTORY_FILE) },
      heartbeat: { start: { ok: true }, finish: { ok: true, signal: 'success' } },
      problems: [],
    });
    const history = await readHistory();
    const last = history.regions.none?.lastProbes;
    expect(last?.endpoints.map((e) => [e.port, e.status])).toEqual([
      [open.port, 'ok'],
      [closedPort, 'refused'],
    ]);
    // no lock left behind
    expect((await readdir(dir)).filter((name) => name.endsWith('.lock'))).toEqual([]);
  });

  it('in exit-code mode a problem found pings /1, and a run that throws pings /2 and is not recorded', async () => {
    const config = configOf({
      heartbeat: { url: hc.pingUrl, mode: 'exit-code', start: false, retryDelay: '10ms' },
    });
    await recordRun(config, () => checkConfig(config), { shell: 'cli' });
    await expect(
      recordRun(config, () => Promise.reject(new Error('the catalog is broken')), { shell: 'cli' }),
    ).rejects.toThrow('the catalog is broken');
    expect(hc.pings.map((p) => p.kind)).toEqual(['1', '2']);
    expect(hc.pings[1]?.body).toBe('could not run: the catalog is broken');
    expect(Object.keys((await readHistory()).regions)).toEqual(['none']);
    expect((await readHistory()).regions.none?.runs).toHaveLength(1);
  });

  it('an interrupted run is not recorded and its end is not pinged: only /start went out', async () => {
    const config = configOf();
    const controller = new AbortController();
    const { recorded } = await recordRun(
      config,
      async () => {
        controller.abort();
        return checkConfig(config, {}, { signal: controller.signal });
      },
      { shell: 'serve', signal: controller.signal, interrupted: () => controller.signal.aborted },
    );
    expect(recorded.history).toBeUndefined();
    expect(hc.pings.map((p) => p.kind).filter((kind) => kind !== 'start')).toEqual([]);
    expect(await readdir(dir)).not.toContain(HISTORY_FILE);
  });

  it('a heartbeat that refuses is a masked problem line; the history is recorded all the same', async () => {
    const config = configOf({
      heartbeat: { url: `${hc.url}/ping/00000000-0000-4000-8000-000000000000`, retryDelay: '10ms' },
    });
    const { recorded } = await recordRun(config, () => checkConfig(config), { shell: 'cli' });
    expect(recorded.history?.recorded).toBe(true);
    expect(recorded.problems).toEqual([
      `heartbeat start to http://127.0.0.1:${new URL(hc.url).port}/***: HTTP 404: not found (not retried: fix the ping URL)`,
      `heartbeat success to http://127.0.0.1:${new URL(hc.url).port}/***: HTTP 404: not found (not retried: fix the ping URL)`,
    ]);
    expect(JSON.stringify(recorded)).not.toContain('00000000-0000-4000-8000-000000000000');
  });

  it('a state directory that cannot be written is a problem line; the heartbeat still hears of the run', async () => {
    const blocked = join(dir, 'not-a-dir');
    await writeFile(blocked, 'a file where the state directory should be');
    const config = configOf({ state: { dir: blocked } });
    const { outcome, recorded } = await recordRun(config, () => checkConfig(config), { shell: 'cli' });
    expect(outcome.report.complete).toBe(true);
    expect(recorded.history?.recorded).toBe(false);
    expect(recorded.problems).toHaveLength(1);
    expect(recorded.problems[0]).toMatch(
      /^history: could not record the run in .*not-a-dir\/history\.json \((EEXIST|ENOTDIR)/,
    );
    expect(hc.pings.map((p) => p.kind)).toEqual(['start', 'success']);
  });

  it('finishes within its budget when the heartbeat hangs, and says so', async () => {
    hc.script.push('hang', 'hang', 'hang', 'hang');
    const config = configOf({ heartbeat: { url: hc.pingUrl, timeout: '10s', start: false } });
    const recording = startRecording(config, { shell: 'function' });
    const outcome = await checkConfig(config);
    const started = performance.now();
    const recorded = await recording.finish({ kind: 'completed', outcome }, { budgetMs: 300 });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(recorded.heartbeat?.finish).toMatchObject({ ok: false, attempts: 1 });
    expect(recorded.problems.join('\n')).toContain("no answer before the run's time was up");
    // the function records: its config has a state.dir
    expect(recorded.history?.recorded).toBe(true);
  });
});

describe('the history run of a function', () => {
  it('a Nacos-only run (probe-nacos) is keyed by the config region, resolved to its id', () => {
    const outcome: RunOutcome = {
      ok: true,
      report: {
        region: null,
        startedAt: '2026-11-21T05:00:30.000Z',
        durationMs: 120,
        ok: true,
        complete: true,
        catalogVersion: 'x',
        probes: [],
        categories: [],
        findings: [],
      },
      nacos: {
        server: 'mse-1-nacos-ans.mse.aliyuncs.com:8848',
        ok: true,
        durationMs: 120,
        steps: [{ name: 'login', status: 'ok', latencyMs: 12 }],
      } as never,
    };
    const run = historyRun(parseConfig({ region: 'China (Hangzhou)' }), outcome, loadCatalog);
    expect(run).toMatchObject({ region: 'cn-hangzhou', startedAt: '2026-11-21T05:00:30.000Z', ok: true });
    expect(run.nacos?.steps.map((s) => s.name)).toEqual(['login']);
  });
});
