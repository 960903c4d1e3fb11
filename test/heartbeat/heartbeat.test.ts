import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { maskConfig } from '../../cli/secrets.ts';
import { parseConfig } from '../../shared/config/load.ts';
import {
  createHeartbeat,
  defaultHeartbeatDeps,
  HeartbeatConfig,
  type HeartbeatConfigInput,
  heartbeatRedactor,
  pingUrl,
  runSummary,
  sendPing,
} from '../../shared/heartbeat/index.ts';
import { failingNacos, makeRun, T0, targetsOf } from '../history/fixtures.ts';

/**
 * A loopback stand-in for a Healthchecks instance: it routes /ping/<uuid>[/start|/fail|/<0-255>] like the
 * real one (404 "not found" for an unknown check, 400 for an exit status over 255 or a malformed rid), answers
 * "OK" and records what it got. Tests script outages with `next`.
 */
type Ping = {
  method: string;
  kind: string;
  rid: string | null;
  query: URLSearchParams;
  body: string;
  headers: IncomingMessage['headers'];
};
type Script = 'hang' | 'close' | number;

const UUID = '5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278';
const RID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let server: Server;
let base: string;
const pings: Ping[] = [];
const next: Script[] = [];
const hanging: ServerResponse[] = [];

const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const match = /^\/ping\/([^/]+)(?:\/(start|fail|log|\d+))?\/?$/.exec(url.pathname);
  const script = next.shift();
  if (script === 'hang') {
    hanging.push(res);
    return;
  }
  if (script === 'close') {
    req.socket.destroy();
    return;
  }
  if (typeof script === 'number') {
    res.writeHead(script, { 'content-type': 'text/plain' }).end(`scripted ${script}`);
    return;
  }
  if (!match || match[1] !== UUID) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  const rid = url.searchParams.get('rid');
  if (match[2] && /^\d+$/.test(match[2]) && Number(match[2]) > 255) {
    res.writeHead(400).end('invalid url format');
    return;
  }
  if (rid !== null && !RID.test(rid)) {
    res.writeHead(400).end('invalid uuid format');
    return;
  }
  pings.push({
    method: req.method ?? '',
    kind: match[2] ?? 'success',
    rid,
    query: url.searchParams,
    body,
    headers: req.headers,
  });
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('OK');
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  pings.length = 0;
  next.length = 0;
  for (const res of hanging.splice(0)) res.destroy();
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const config = (input: Partial<HeartbeatConfigInput> = {}) =>
  HeartbeatConfig.parse({ url: `${base}/ping/${UUID}`, retryDelay: '10ms', timeout: '300ms', ...input });

const logs: string[] = [];
const deps = {
  ...defaultHeartbeatDeps,
  log: (line: string) => logs.push(line),
  userAgent: 'mse-watch/0.1.0',
};
afterEach(() => {
  logs.length = 0;
});

describe('heartbeat config', () => {
  it('defaults: run mode, /start on, 10 s timeout, 2 retries from 1 s, a body', () => {
    expect(HeartbeatConfig.parse({ url: `https://hc-ping.com/${UUID}` })).toStrictEqual({
      url: `https://hc-ping.com/${UUID}`,
      mode: 'run',
      start: true,
      timeout: 10_000,
      retries: 2,
      retryDelay: 1_000,
      body: true,
    });
  });

  it.each([
    [{ url: 'hc-ping.com/abc' }, 'url', 'not a URL'],
    [{ url: `http://hc-ping.com/${UUID}` }, 'url', 'must be an https:// URL'],
    [{ url: `https://hc-ping.com/${UUID}#x` }, 'url', 'must not have a #fragment'],
    [{ url: `https://hc-ping.com/${UUID}`, retries: 9 }, 'retries', ''],
    [{ url: `https://hc-ping.com/${UUID}`, timeout: '10 minutes' }, 'timeout', 'is not a duration'],
    [{ url: `https://hc-ping.com/${UUID}`, mode: 'always' }, 'mode', ''],
    [{ url: `https://hc-ping.com/${UUID}`, pingUrl: 'x' }, '', 'Unrecognized key'],
  ])('%j is refused at %s, without echoing the URL', (input, path, message) => {
    const result = HeartbeatConfig.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0]!;
    expect(issue.path.join('.')).toBe(path);
    expect(issue.message).toContain(message);
    expect(JSON.stringify(result.error!.issues)).not.toContain(UUID);
  });
});

describe('the ping URL is a secret wherever a config is shown', () => {
  it('config check and --verbose print it as *** (the schema marks it secret)', () => {
    const config = parseConfig({ region: 'cn-hangzhou', heartbeat: { url: `https://hc-ping.com/${UUID}` } });
    const { masked, secrets } = maskConfig(config);
    expect(masked.heartbeat?.url).toBe('***');
    expect(secrets).toContain(`https://hc-ping.com/${UUID}`);
    expect(JSON.stringify(masked)).not.toContain(UUID);
  });
});

describe('ping addresses (healthchecks.io convention)', () => {
  it.each([
    ['start', `https://hc-ping.com/${UUID}/start`],
    ['success', `https://hc-ping.com/${UUID}`],
    ['fail', `https://hc-ping.com/${UUID}/fail`],
    [{ exitCode: 0 }, `https://hc-ping.com/${UUID}/0`],
    [{ exitCode: 2 }, `https://hc-ping.com/${UUID}/2`],
    [{ exitCode: 300 }, `https://hc-ping.com/${UUID}/255`],
  ] as const)('%j → %s', (signal, url) => {
    expect(pingUrl(`https://hc-ping.com/${UUID}`, signal)).toBe(url);
    expect(pingUrl(`https://hc-ping.com/${UUID}/`, signal)).toBe(url);
  });

  it("keeps a slug URL's query (auto-provisioning) and adds the run id", () => {
    expect(pingUrl('https://hc-ping.com/KEY123456789/db-backup?create=1', 'fail', UUID)).toBe(
      `https://hc-ping.com/KEY123456789/db-backup/fail?create=1&rid=${UUID}`,
    );
  });
});

describe('sendPing against a loopback Healthchecks', () => {
  it('start, then success with the same run id and the summary as a POST body', async () => {
    const heartbeat = createHeartbeat(config(), deps);
    expect(heartbeat.rid).toMatch(RID);
    expect(await heartbeat.start()).toMatchObject({ ok: true, signal: 'start', attempts: 1, status: 200 });
    expect(await heartbeat.finish({ exitCode: 1, summary: 'cn-hangzhou: NOT OK · 33/34' })).toMatchObject({
      ok: true,
      signal: 'success',
    });
    expect(pings.map((p) => [p.method, p.kind, p.rid])).toStrictEqual([
      ['GET', 'start', heartbeat.rid],
      ['POST', 'success', heartbeat.rid],
    ]);
    expect(pings[1]!.body).toBe('cn-hangzhou: NOT OK · 33/34');
    expect(pings[1]!.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(pings[0]!.headers['user-agent']).toBe('mse-watch/0.1.0');
    expect(logs).toStrictEqual([]);
  });

  it('run mode: a run that could not run (exit 2) sends /fail; a problem found (exit 1) is still a success', async () => {
    await createHeartbeat(config({ start: false }), deps).finish({ exitCode: 2, summary: 'config invalid' });
    await createHeartbeat(config({ start: false }), deps).finish({ exitCode: 0 });
    expect(pings.map((p) => p.kind)).toStrictEqual(['fail', 'success']);
  });

  it('exit-code mode sends /<exit code>', async () => {
    for (const exitCode of [0, 1, 2] as const) {
      await createHeartbeat(config({ mode: 'exit-code', start: false, body: false }), deps).finish({
        exitCode,
      });
    }
    expect(pings.map((p) => [p.method, p.kind])).toStrictEqual([
      ['GET', '0'],
      ['GET', '1'],
      ['GET', '2'],
    ]);
  });

  it('retries 5xx and 429 with growing waits, then succeeds', async () => {
    next.push(503, 429);
    const waits: number[] = [];
    const outcome = await sendPing(
      config({ retryDelay: '20ms' }),
      'success',
      {},
      {
        ...deps,
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
    );
    expect(outcome).toMatchObject({ ok: true, attempts: 3, status: 200 });
    expect(waits).toStrictEqual([20, 40]);
    expect(pings).toHaveLength(1);
  });

  it('gives up after the retries, never throwing, and says why once', async () => {
    next.push(500, 500, 500);
    const outcome = await sendPing(config(), 'success', {}, deps);
    expect(outcome).toMatchObject({ ok: false, attempts: 3, status: 500, error: 'HTTP 500: scripted 500' });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('failed after 3 attempts: HTTP 500');
  });

  it('does not retry a 4xx that will not change (an unknown check): one request, a clear line', async () => {
    const outcome = await sendPing(
      config({ url: `${base}/ping/00000000-0000-4000-8000-000000000000` }),
      'success',
      {},
      deps,
    );
    expect(outcome).toMatchObject({ ok: false, attempts: 1, status: 404 });
    expect(logs[0]).toContain('HTTP 404: not found (not retried: fix the ping URL)');
  });

  it('times out a receiver that never answers, per attempt, and retries', async () => {
    next.push('hang', 'hang');
    const started = performance.now();
    const outcome = await sendPing(config({ timeout: '150ms', retries: 1 }), 'start', {}, deps);
    expect(outcome).toMatchObject({ ok: false, attempts: 2, error: 'no answer in 150 ms' });
    // two 150 ms timers; a timer may fire a fraction of a millisecond early by performance.now()
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("stops at the caller's signal (the run's budget, the service stopping): no more tries, no more waits", async () => {
    next.push('hang', 'hang', 'hang');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const outcome = await sendPing(
      config({ timeout: '5s', retries: 2, retryDelay: '5s' }),
      'success',
      { signal: controller.signal },
      deps,
    );
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
    expect(outcome.error).toBe("no answer before the run's time was up");
    expect(performance.now() - started).toBeLessThan(2000);
    // already stopped: not even one request
    const before = pings.length;
    const none = await sendPing(config(), 'start', { signal: AbortSignal.abort() }, deps);
    expect(none).toMatchObject({ ok: false, attempts: 0, error: "not sent: the run's time was up" });
    expect(pings.length).toBe(before);
  });

  it('survives a connection cut mid-request and a port nobody listens on', async () => {
    next.push('close');
    expect(await sendPing(config({ retries: 1 }), 'success', {}, deps)).toMatchObject({
      ok: true,
      attempts: 2,
    });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await sendPing(
      config({ url: `http://127.0.0.1:${port}/ping/${UUID}`, retries: 0 }),
      'success',
      {},
      deps,
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toContain('ECONNREFUSED');
  });

  it("never prints the ping URL's secret: not in outcomes, logs, errors or bodies", async () => {
    const secretUrl = `${base}/ping/${UUID}`;
    next.push(500, 500, 500);
    const outcomes = [
      await sendPing(config(), 'fail', { body: `this run pinged ${secretUrl}` }, deps),
      await sendPing(config({ url: `${base}/ping/${UUID}/x?token=s3cr3t-token` }), 'success', {}, deps),
    ];
    const everything = JSON.stringify({ outcomes, logs, pings: pings.map((p) => p.body) });
    expect(everything).not.toContain(UUID);
    expect(everything).not.toContain('s3cr3t-token');
    expect(outcomes[0]!.target).toBe(`http://127.0.0.1:${new URL(base).port}/***`);
  });

  it('masks the secret parts of a URL, raw and decoded', () => {
    const url = 'https://user:pa%24sw0rd@hc.example/ping/KEY-abcdefgh/slug?k=tok%20en12';
    const { redact, target } = heartbeatRedactor(url);
    expect(target).toBe('https://hc.example/***');
    expect(redact(`${url} pa$sw0rd KEY-abcdefgh tok en12 tok%20en12`)).toBe('*** *** *** *** ***');
  });
});

describe('runSummary', () => {
  it('says the region, the verdict, what failed and how long it took, in one line', () => {
    const targets = targetsOf('cn-hangzhou');
    const down = targets.find((t) => t.category === 'governance-rules')!;
    const run = makeRun('cn-hangzhou', T0, targets, {
      failing: { [`${down.ip}:${down.port}`]: 'timeout' },
      nacos: failingNacos(),
      durationMs: 3012,
    });
    const governance = targets.filter((t) => t.category === 'governance-rules').length;
    expect(runSummary(run)).toBe(
      `cn-hangzhou: NOT OK · ${targets.length - 1}/${targets.length} endpoints answered · governance-rules partial ${governance - 1}/${governance} · Nacos naming-roundtrip failed · 3.01 s`,
    );
    expect(runSummary(makeRun('cn-hangzhou', T0, targets, { simulation: 'demo' }))).toBe(
      `cn-hangzhou: OK (SIMULATION) · ${targets.length}/${targets.length} endpoints answered · 1.50 s`,
    );
  });
});
