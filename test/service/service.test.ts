import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import { appendRun, historyStore } from '../../shared/history/index.ts';
import { type CheckFn, checkConfig } from '../../shared/run/index.ts';
import {
  formatListen,
  freshFor,
  jitterBound,
  nextDelay,
  parseListen,
  type Service,
  type ServiceEvent,
  startService,
} from '../../shared/service/index.ts';
import { makeRun, targetsOf } from '../history/fixtures.ts';
import { parseExposition, promtoolCheck, samplesOf } from '../metrics/promtool.ts';
import { type Listening, tcpListener } from '../support/listeners.ts';
import { type Healthchecks, startHealthchecks } from './healthchecks.ts';

describe('the schedule', () => {
  it.each([
    // every, elapsed, random -> delay
    [60_000, 2_000, 0.5, 58_000],
    [60_000, 2_000, 0, 52_000],
    [60_000, 2_000, 1, 64_000],
    [600_000, 0, 1, 630_000],
    [60_000, 70_000, 0.5, 6_000],
    [10_000, 9_500, 0.5, 1_000],
  ])('every %i ms, a run of %i ms, random %f: next start in %i ms', (every, elapsed, random, delay) => {
    expect(nextDelay(every, elapsed, () => random)).toBe(delay);
  });

  it('jitter is a tenth of the interval, at most 30 s; a run is fresh for three intervals, at least 2 minutes', () => {
    expect([jitterBound(60_000), jitterBound(3_600_000)]).toEqual([6_000, 30_000]);
    expect([freshFor(10_000), freshFor(60_000), freshFor(300_000)]).toEqual([120_000, 180_000, 900_000]);
  });
});

describe('--listen', () => {
  it.each([
    ['127.0.0.1:9860', { host: '127.0.0.1', port: 9860 }],
    ['0.0.0.0:9860', { host: '0.0.0.0', port: 9860 }],
    [':9860', { host: '0.0.0.0', port: 9860 }],
    ['9860', { host: '127.0.0.1', port: 9860 }],
    ['[::1]:9860', { host: '::1', port: 9860 }],
  ])('%s', (text, address) => {
    expect(parseListen(text)).toEqual(address);
    expect(parseListen(formatListen(address))).toEqual(address);
  });

  it.each([
    [
      'localhost:9860',
      '--listen "localhost:9860": the host "localhost" is not an IP address; write HOST:PORT',
    ],
    ['127.0.0.1:70000', 'the port is outside 0-65535'],
    ['127.0.0.1', '--listen "127.0.0.1": not an address'],
  ])('refuses %s', (text, why) => {
    expect(() => parseListen(text)).toThrow(why);
  });
});

let open: Listening;
let closedPort: number;
beforeAll(async () => {
  open = await tcpListener((socket) => socket.end());
  const closed = await tcpListener();
  closedPort = closed.port;
  await closed.close();
});
afterAll(async () => {
  await open.close();
});

describe('startService on loopback', () => {
  let dir: string;
  let hc: Healthchecks;
  let service: Service | undefined;
  let controller: AbortController;
  const events: ServiceEvent[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mse-watch-service-'));
    hc = await startHealthchecks();
    controller = new AbortController();
    events.length = 0;
  });
  afterEach(async () => {
    controller.abort();
    await service?.done;
    service = undefined;
    await hc.close();
    await rm(dir, { recursive: true, force: true });
  });

  const config = (): Config =>
    parseConfig({
      targets: [
        { host: '127.0.0.1', port: open.port, name: 'open', mode: 'tcp', category: 'listening' },
        { host: '127.0.0.1', port: closedPort, name: 'closed', mode: 'tcp', category: 'closed' },
      ],
      probe: { timeout: '1s', attempts: 1, spacing: '0ms' },
      heartbeat: { url: hc.pingUrl, retryDelay: '10ms' },
      state: { dir, lockWait: '1s' },
    });

  const start = async (check: CheckFn = checkConfig, everyMs = 1000) => {
    service = await startService(
      config(),
      {
        everyMs,
        listen: { host: '127.0.0.1', port: 0 },
        build: { version: '0.1.0', catalogVersion: 'test' },
        signal: controller.signal,
      },
      { check, log: (event) => events.push(event) },
    );
    return service;
  };
  const get = (path: string, init: RequestInit = {}) => fetch(new URL(path, service!.url), init);
  const until = async (test: () => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() > deadline) throw new Error('timed out waiting');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('answers /healthz 503 until a run completed, then serves the run: /, /metrics, /healthz 200', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await start(async (...args) => {
      await gate;
      return checkConfig(...args);
    });
    expect(events[0]).toMatchObject({ kind: 'listening', url: service!.url });
    const before = await get('/healthz');
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({ ok: false, lastRunAt: null, running: true, runs: 0 });
    release();
    await until(() => events.some((event) => event.kind === 'run'));

    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, lastRunOk: false, runs: 1, freshForSeconds: 120 });

    const metrics = await get('/metrics');
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await metrics.text();
    expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
    const success = samplesOf(parseExposition(text), 'mse_watch_probe_success');
    expect(success.map((s) => [Number(s.labels.port), s.value])).toEqual([
      [open.port, 1],
      [closedPort, 0],
    ]);
    // no `alerting:` in the config: no alert families
    expect(text).not.toContain('mse_watch_alerts_firing');

    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    // each target in its own category: a verdict and an uptime row each, and the closed one in the findings
    expect(html).toContain('data-category="listening" data-verdict="ok"');
    expect(html).toContain('data-category="closed" data-verdict="down"');
    expect(html).toMatch(/data-subject="listening">.*?<span class="bar-value">100 %<\/span>/);
    expect(html).toMatch(/data-subject="closed">.*?<span class="bar-value">0\.00 %<\/span>/);
    expect(html).toContain(`<code class="token">closed (127.0.0.1:${closedPort})</code>`);
    expect(html).toContain('<meta http-equiv="refresh" content="10">');

    const head = await get('/metrics', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await get('/favicon.ico')).status).toBe(404);
    expect((await get('/', { method: 'POST', body: 'x' })).status).toBe(405);
    expect(hc.pings.map((p) => p.kind).slice(0, 2)).toEqual(['start', 'success']);
  });

  it('never runs two at once, and keeps the schedule with jitter', async () => {
    let running = 0;
    let most = 0;
    const starts: number[] = [];
    await start(async (...args) => {
      running++;
      most = Math.max(most, running);
      starts.push(performance.now());
      try {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return await checkConfig(...args);
      } finally {
        running--;
      }
    });
    await until(() => starts.length >= 3, 15_000);
    expect(most).toBe(1);
    // every 1 s: the pause after a run is at least a tenth of the interval floor (1 s), never back to back
    // (990: a timer may fire a fraction of a millisecond early by performance.now())
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(990);
    const runs = events.filter((event) => event.kind === 'run');
    expect(runs.length).toBeGreaterThanOrEqual(2);
  });

  it('stops within moments on the signal: the run in progress is abandoned, nothing recorded, the port closed', async () => {
    let aborted = false;
    await start(async (config, deps, options) => {
      // a run that would take a minute unless its signal stops it
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 60_000);
        options?.signal?.addEventListener('abort', () => {
          aborted = true;
          clearTimeout(timer);
          resolve();
        });
      });
      return checkConfig(config, deps, options);
    });
    await hc.waitFor(1);
    const { port } = service!.address;
    // a client that keeps its connection open must not hold the stop
    const idle = connect(port, '127.0.0.1');
    await once(idle, 'connect');
    const started = performance.now();
    controller.abort();
    const result = await service!.done;
    expect(performance.now() - started).toBeLessThan(5000);
    expect(aborted).toBe(true);
    expect(result.runs).toBe(0);
    expect(events.map((event) => event.kind)).toEqual(['listening', 'stopping', 'stopped']);
    expect(events[1]).toEqual({ kind: 'stopping', running: true });
    // the heartbeat heard the start, never an end
    expect(hc.pings.map((p) => p.kind)).toEqual(['start']);
    expect(await readdir(dir)).not.toContain('history.json');
    const refused = connect(port, '127.0.0.1');
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
    idle.destroy();
  });

  it('the pages follow another writer of the same state dir (read again only when the files change)', async () => {
    await start();
    await until(() => events.some((event) => event.kind === 'run'));
    const first = await (await get('/metrics')).text();
    expect(first).not.toContain('region="cn-hangzhou"');
    const store = historyStore(config());
    const loaded = await store.load();
    const now = Date.now();
    await store.save(appendRun(loaded.state, makeRun('cn-hangzhou', now, targetsOf('cn-hangzhou')), now));
    const second = await (await get('/metrics')).text();
    expect(second).toContain('mse_watch_run_success{region="cn-hangzhou"} 1');
  });

  it('a port in use is an error at once, in words, before any check runs', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as { port: number }).port;
    let checks = 0;
    await expect(
      startService(
        config(),
        {
          everyMs: 1000,
          listen: { host: '127.0.0.1', port },
          build: { version: '0.1.0', catalogVersion: 'test' },
          signal: controller.signal,
        },
        {
          check: async (...args) => {
            checks++;
            return checkConfig(...args);
          },
        },
      ),
    ).rejects.toThrow(
      `cannot listen on 127.0.0.1:${port}: the port is in use by another program (EADDRINUSE); give another --listen`,
    );
    expect(checks).toBe(0);
    await new Promise((resolve) => taken.close(resolve));
  });
});
