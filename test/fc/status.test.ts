import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenApi } from '../../shared/aliyun/openapi.ts';
import { handleProbeEndpoints } from '../../shared/fc/handler.ts';
import {
  type FcHttpResponse,
  handleStatus,
  MIN_TOKEN_LENGTH,
  type PublishSummary,
  presentedToken,
  type StatusHandlerDeps,
  sameSecret,
} from '../../shared/fc/status.ts';
import { CURSOR_FILE } from '../../shared/metrics/cloudmonitor-publish.ts';
import { checkConfig } from '../../shared/run/index.ts';
import { parseExposition, promtoolCheck, samplesOf } from '../metrics/promtool.ts';
import { type FakeOpenApi, startFakeOpenApi } from '../support/fake-openapi.ts';
import { fakeContext, timerEvent } from '../support/fc-context.ts';
import { type Listening, tcpListener } from '../support/listeners.ts';

// The status function in the FC-style harness: HTTP trigger events as FC 3.0 documents them (a Buffer of the
// request struct, payload version v1), a fake context, the NAS state directory a probe-endpoints run wrote.

const TOKEN = 'c0ffee'.repeat(8);
let open: Listening;
let closedPort: number;
let dir: string;
const lines: string[] = [];

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
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-status-fn-'));
  lines.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A probe-endpoints run, through its own handler, writing its history to the "NAS" directory. */
const probeRun = async () => {
  const summary = await handleProbeEndpoints(
    timerEvent(
      JSON.stringify({
        targets: [
          { host: '127.0.0.1', port: open.port, name: 'open', mode: 'tcp' },
          { host: '127.0.0.1', port: closedPort, name: 'closed', mode: 'tcp' },
        ],
        probe: { timeout: '1s', attempts: 1, spacing: '0ms' },
        state: { dir },
      }),
    ),
    fakeContext(),
    {
      env: {},
      readFile: (path) => readFile(path, 'utf8'),
      writeLine: () => undefined,
      now: Date.now,
      check: checkConfig,
    },
  );
  expect(summary.counts).toMatchObject({ probes: 2, ok: 1, failed: 1 });
};

/** The request struct of an HTTP trigger (FC 3.0, built-in runtimes), as a Buffer like FC hands it over. */
const httpEvent = (method: string, path: string, headers: Record<string, string> = {}) =>
  Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: path,
      body: '',
      isBase64Encoded: false,
      headers: { Host: 'abc.cn-hangzhou.fcapp.run', 'User-Agent': 'curl/8.5.0', ...headers },
      queryParameters: {},
      requestContext: {
        accountId: '1234567890123456',
        domainName: 'abc.cn-hangzhou.fcapp.run',
        domainPrefix: 'abc',
        http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'curl/8.5.0' },
        requestId: '1-64f6cd87-0123456789abcdef',
        time: '2026-11-21T05:00:00Z',
        timeEpoch: '1795323600000',
      },
    }),
  );

const deps = (
  env: Record<string, string> = {},
  over: Partial<StatusHandlerDeps> = {},
): StatusHandlerDeps => ({
  env: { MSE_WATCH_STATE_DIR: dir, MSE_WATCH_STATUS_TOKEN: TOKEN, ...env },
  now: Date.now,
  build: { version: '0.1.0', catalogVersion: 'test' },
  writeLine: (line) => void lines.push(line),
  ...over,
});

const call = async (event: Buffer, env?: Record<string, string>) =>
  (await handleStatus(event, fakeContext({ name: 'mse-watch-status' }), deps(env))) as FcHttpResponse;

const bearer = { Authorization: `Bearer ${TOKEN}` };

describe('status function: authentication before anything is read', () => {
  it('refuses to serve at all without a token (or FC authentication declared), saying what to set', async () => {
    const answer = await call(httpEvent('GET', '/', bearer), { MSE_WATCH_STATUS_TOKEN: '' });
    expect(answer.statusCode).toBe(500);
    expect(answer.body).toBe(
      'mse-watch status is not configured: MSE_WATCH_STATUS_TOKEN is not set: the status page is never served anonymously (docs/deploy.md, "The status function")\n',
    );
    const short = await call(httpEvent('GET', '/', { Authorization: 'Bearer abc' }), {
      MSE_WATCH_STATUS_TOKEN: 'abc',
    });
    expect(short.statusCode).toBe(500);
    expect(short.body).toContain(`shorter than ${MIN_TOKEN_LENGTH} characters`);
  });

  it.each([
    ['no credential', {}],
    ['a wrong bearer token', { Authorization: `Bearer ${'f'.repeat(48)}` }],
    ['the token with one character more', { Authorization: `Bearer ${TOKEN}x` }],
    ['another scheme', { Authorization: `Token ${TOKEN}` }],
    ['Basic with a wrong password', { Authorization: `Basic ${Buffer.from('ops:nope').toString('base64')}` }],
  ])('%s: 401 with a Basic challenge (so a browser asks), and the same words whatever was wrong', async (_, headers) => {
    const answer = await call(httpEvent('GET', '/', headers));
    expect(answer.statusCode).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Basic realm="mse-watch status", charset="UTF-8"');
    expect(answer.body).toBe('authentication required: send Authorization: Bearer <token>\n');
  });

  it('takes the token as a bearer token or as the password of Basic (any user name), header names in any case', async () => {
    await probeRun();
    for (const headers of [
      bearer,
      { authorization: `bearer ${TOKEN}` },
      { Authorization: `Basic ${Buffer.from(`ops:${TOKEN}`).toString('base64')}` },
    ]) {
      const answer = await call(httpEvent('GET', '/', headers));
      expect(answer.statusCode).toBe(200);
      expect(answer.isBase64Encoded).toBe(false);
    }
    expect(presentedToken(`Basic ${Buffer.from(`a:b:${TOKEN}`).toString('base64')}`)).toBe(`b:${TOKEN}`);
    expect(sameSecret(TOKEN, TOKEN)).toBe(true);
    expect(sameSecret(TOKEN.slice(1), TOKEN)).toBe(false);
  });

  it("with FC's own authentication declared (authType function), no token is needed", async () => {
    const answer = await call(httpEvent('GET', '/'), {
      MSE_WATCH_STATUS_TOKEN: '',
      MSE_WATCH_STATUS_AUTH: 'function',
    });
    expect(answer.statusCode).toBe(200);
  });

  it('logs one line per request, never the credential', async () => {
    await call(httpEvent('GET', '/metrics', bearer));
    await call(httpEvent('GET', '/', { Authorization: 'Bearer wrong-token-of-someone' }));
    const records = lines.map((line) => JSON.parse(line));
    expect(records.map((r) => [r.kind, r.method, r.path, r.status])).toEqual([
      ['status-request', 'GET', '/metrics', 200],
      ['status-request', 'GET', '/', 401],
    ]);
    expect(records[1].sourceIp).toBe('203.0.113.7');
    expect(lines.join('')).not.toContain(TOKEN);
    expect(lines.join('')).not.toContain('wrong-token-of-someone');
  });
});

describe('status function: the page and /metrics from the history a probe-endpoints run wrote', () => {
  it('serves the same page as serve: the run, its findings, a strict policy', async () => {
    await probeRun();
    const answer = await call(httpEvent('GET', '/', bearer));
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['content-security-policy']).toContain("default-src 'none'");
    expect(answer.body).toContain('data-region="none" data-verdict="fail"');
    expect(answer.body).toContain(`closed (127.0.0.1:${closedPort})`);
  });

  it('serves /metrics that promtool accepts, 1 for the open target and 0 for the closed one', async () => {
    await probeRun();
    const answer = await call(httpEvent('GET', '/metrics', bearer));
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(promtoolCheck(answer.body)).toEqual({ status: 0, output: '' });
    const success = samplesOf(parseExposition(answer.body), 'mse_watch_probe_success');
    expect(success.map((s) => [Number(s.labels.port), s.value])).toEqual([
      [open.port, 1],
      [closedPort, 0],
    ]);
    const head = await call(httpEvent('HEAD', '/metrics', bearer));
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
  });

  it('before any run, or with the NAS not mounted, it says so instead of failing', async () => {
    const empty = await call(httpEvent('GET', '/', bearer));
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toContain('No runs yet');
    const unmounted = await call(httpEvent('GET', '/', bearer), {
      MSE_WATCH_STATE_DIR: join(dir, 'not', 'mounted'),
    });
    expect(unmounted.statusCode).toBe(200);
    expect((await call(httpEvent('GET', '/nope', bearer))).statusCode).toBe(404);
    expect((await call(httpEvent('PUT', '/', bearer))).statusCode).toBe(405);
  });

  it('an event that is no HTTP trigger request is a 400 in words', async () => {
    const answer = (await handleStatus(Buffer.from('{"hello":1}'), fakeContext(), deps())) as FcHttpResponse;
    expect(answer.statusCode).toBe(400);
    expect(answer.body).toMatch(/HTTP trigger requests/);
  });
});

describe('status function: a timer tick publishes to CloudMonitor what was recorded since the last', () => {
  let cms: FakeOpenApi;
  const context = fakeContext({ name: 'mse-watch-status' });
  beforeEach(async () => {
    cms = await startFakeOpenApi({
      accessKeyId: context.credentials.accessKeyId,
      accessKeySecret: context.credentials.accessKeySecret,
      securityToken: context.credentials.securityToken,
      region: 'cn-hangzhou',
    });
  });
  afterEach(async () => {
    await cms.close();
  });

  const tick = async (payload: unknown = { cloudMonitor: { endpoint: cms.url } }) =>
    JSON.parse(
      (await handleStatus(timerEvent(JSON.stringify(payload)), context, deps())) as string,
    ) as PublishSummary;

  it("signed with the function role's STS keys, each run once, in calls of at most 21", async () => {
    await probeRun();
    const first = await tick({ cloudMonitor: { endpoint: cms.url, groupId: '4242' } });
    expect(first).toMatchObject({ ok: true, check: 'cloudmonitor', target: 'cn-hangzhou', unchanged: 0 });
    expect(first.published).toEqual([
      expect.objectContaining({ region: 'none', kind: 'probes', metrics: 7 }),
    ]);
    expect(cms.calls('PutCustomMetric')).toHaveLength(1);
    expect(cms.metrics.map((m) => m.MetricName).sort()).toEqual([
      'mse_watch_category_up',
      'mse_watch_probe_duration_seconds',
      'mse_watch_probe_duration_seconds',
      'mse_watch_probe_success',
      'mse_watch_probe_success',
      'mse_watch_run_duration_seconds',
      'mse_watch_run_success',
    ]);
    expect(cms.metrics.every((m) => m.GroupId === '4242' && m.Type === '0')).toBe(true);
    const closed = cms.metrics.find(
      (m) =>
        m.MetricName === 'mse_watch_probe_success' &&
        JSON.parse(m.Dimensions ?? '{}').port === String(closedPort),
    );
    expect(JSON.parse(closed?.Values ?? '{}')).toEqual({ value: 0 });
    // the next tick has nothing new: nothing is sent twice
    const second = await tick();
    expect(second).toMatchObject({ ok: true, published: [], unchanged: 1 });
    expect(cms.calls('PutCustomMetric')).toHaveLength(1);
    // a new run: published at the next tick
    await probeRun();
    expect((await tick()).published).toHaveLength(1);
    expect(cms.calls('PutCustomMetric')).toHaveLength(2);
    expect(JSON.parse(await readFile(join(dir, CURSOR_FILE), 'utf8')).published['none/probes']).toBeDefined();
  });

  it('a role without cms:PutCustomMetric: said, and the run is tried again at the next tick', async () => {
    await cms.close();
    cms = await startFakeOpenApi({
      accessKeyId: context.credentials.accessKeyId,
      accessKeySecret: context.credentials.accessKeySecret,
      securityToken: context.credentials.securityToken,
      region: 'cn-hangzhou',
      deny: [{ action: 'PutCustomMetric' }],
    });
    await probeRun();
    const denied = await tick();
    expect(denied.ok).toBe(false);
    expect(denied.published).toEqual([]);
    expect(denied.reason).toMatch(
      /^cloudMonitor: 7 metrics of none\/probes .* not published in cn-hangzhou: .*; tried again next time$/,
    );
    expect(lines.some((line) => JSON.parse(line).kind === 'warning')).toBe(true);
    expect(JSON.stringify(denied)).not.toContain(context.credentials.accessKeySecret);
  });

  it('a payload it cannot use is said in the answer', async () => {
    expect(await tick({})).toMatchObject({
      ok: false,
      reason: 'timer trigger every-minute has no "cloudMonitor" in its payload',
    });
    expect(await tick({ cloudMonitor: { groupId: 'abc' } })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('cloudMonitor.groupId: an application group id'),
    });
    expect(cms.requests).toHaveLength(0);
    // the real client stays the default; here it is pointed at the fake only through the payload's endpoint
    expect(typeof createOpenApi).toBe('function');
  });
});
