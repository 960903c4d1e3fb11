import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../shared/config/schema.ts';
import { runBudget } from '../../shared/fc/budget.ts';
import { parseFcEvent } from '../../shared/fc/event.ts';
import { type HandlerDeps, handleProbeEndpoints, handleProbeNacos } from '../../shared/fc/handler.ts';
import { FunctionSummary } from '../../shared/fc/summary.ts';
import { checkConfig } from '../../shared/run/index.ts';
import { startNacosTestServer } from '../../shared/simulate/nacos/index.ts';
import { type Serving, serveBlackhole } from '../../shared/simulate/servers.ts';
import { startFakeSls } from '../support/fake-sls.ts';
import { fakeContext, timerEvent } from '../support/fc-context.ts';
import { replies, startDingTalkReceiver, startWebhookReceiver } from '../support/receivers.ts';

const listen = async (server: Server) => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
};

let openPort = 0;
let closedPort = 0;
let blackhole: Serving;
const servers: Server[] = [];

beforeAll(async () => {
  // answers HTTP; accepts TCP
  const open = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
  });
  const closed = createServer();
  servers.push(open);
  openPort = await listen(open);
  // accepts nothing with a full queue: SYNs are dropped, a connect waits until the budget cuts it
  blackhole = await serveBlackhole('127.0.0.1');
  closedPort = await listen(closed);
  await new Promise((resolve) => closed.close(resolve));
});
afterAll(async () => {
  await blackhole.close();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

const makeDeps = (over: Partial<HandlerDeps> = {}) => {
  const lines: string[] = [];
  const deps: HandlerDeps = {
    env: {},
    readFile: (path) => readFile(path, 'utf8'),
    writeLine: (line) => void lines.push(line),
    now: Date.now,
    check: checkConfig,
    ...over,
  };
  return { deps, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
};

describe('event parsing: Buffer, string and object end up the same', () => {
  const payload = { region: 'cn-hangzhou' };
  it.each([
    ['timer Buffer', timerEvent(JSON.stringify(payload)), true],
    ['JSON string', JSON.stringify(payload), false],
    ['object', payload, false],
    ['Buffer of a direct invoke', Buffer.from(JSON.stringify(payload)), false],
  ])('%s', (_, raw, timer) => {
    const parsed = parseFcEvent(raw);
    expect(parsed.payload).toEqual(payload);
    expect(parsed.trigger !== undefined).toBe(timer);
  });

  it.each([
    ['not JSON', 'region=cn-hangzhou', /the event is not JSON/],
    ['an array', '[1,2]', /must be a JSON object/],
    ['a bad timer payload', timerEvent('cn-hangzhou'), /payload of timer trigger every-minute is not JSON/],
  ])('rejects %s with a message naming it', (_, raw, message) => {
    expect(() => parseFcEvent(raw)).toThrow(message);
  });

  it('takes an empty timer payload and an empty event as no overrides', () => {
    expect(parseFcEvent(timerEvent('')).payload).toEqual({});
    expect(parseFcEvent(Buffer.alloc(0)).payload).toEqual({});
  });
});

describe('budget from context.function.timeout', () => {
  it.each([
    [60, 9000, 51_000, 57_000],
    [10, 3000, 7000, 9000],
    [600, 30_000, 570_000, 590_000],
  ])('timeout %ss -> margin %s, probe budget %s, hard deadline %s', (timeout, margin, probe, hard) => {
    expect(runBudget(timeout)).toMatchObject({
      marginMs: margin,
      probeBudgetMs: probe,
      hardDeadlineMs: hard,
    });
  });
});

describe('probe-endpoints handler with real probes on loopback', () => {
  it('merges MSE_WATCH_CONFIG with the timer payload, probes, logs JSON lines and returns the summary', async () => {
    const { deps, lines, records } = makeDeps({
      env: {
        MSE_WATCH_CONFIG: 'probe:\n  timeout: 1s\n  attempts: 1\n  spacing: 0ms\n',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret-not-in-output',
      },
    });
    const payload = JSON.stringify({
      targets: [
        { host: '127.0.0.1', port: openPort, name: 'open', mode: 'tcp' },
        { host: '127.0.0.1', port: closedPort, name: 'closed', mode: 'tcp' },
      ],
    });
    const summary = FunctionSummary.parse(
      await handleProbeEndpoints(timerEvent(payload), fakeContext(), deps),
    );

    expect(summary).toMatchObject({
      ok: false,
      complete: true,
      check: 'endpoints',
      runId: fakeContext().requestId,
      function: 'probe-endpoints',
      trigger: { name: 'every-minute', time: '2026-11-21T05:00:00Z' },
      counts: { probes: 2, ok: 1, failed: 1 },
    });
    expect(summary.reachable).toEqual([`127.0.0.1:${openPort}`]);
    expect(summary.failed).toEqual([
      expect.objectContaining({ ip: '127.0.0.1', port: closedPort, status: 'refused' }),
    ]);
    expect(summary.findings.length).toBeGreaterThan(0);
    expect(summary.findings.flatMap((f) => f.endpoints)).toContain(`127.0.0.1:${closedPort}`);

    const kinds = records().map((r) => r.kind);
    expect(kinds.filter((k) => k === 'probe')).toHaveLength(2);
    expect(kinds.at(-1)).toBe('run');
    for (const record of records())
      expect(record).toMatchObject({ runId: summary.runId, origin: 'fc', monitor: 'probe-endpoints' });
    const run = records().at(-1)!;
    expect(run).toMatchObject({ ok: false, complete: true, probesTotal: 2, probesOk: 1, probesFailed: 1 });

    const output = lines.join('') + JSON.stringify(summary);
    for (const secret of [
      'sts-secret-must-never-be-logged-42',
      'CAIS-token-must-never-be-logged-xyz',
      'env-secret-not-in-output',
    ])
      expect(output).not.toContain(secret);
  });

  it('stops probing at the budget and reports the run as incomplete', async () => {
    const { deps, records } = makeDeps({
      env: { MSE_WATCH_CONFIG: JSON.stringify({ probe: { timeout: 8000, attempts: 2, spacing: 0 } }) },
    });
    const event = {
      targets: [
        { host: '127.0.0.1', port: openPort, name: 'open', mode: 'tcp' },
        { host: '127.0.0.1', port: blackhole.port, name: 'dropped', mode: 'tcp' },
      ],
    };
    // 4 s timeout: 3 s margin, so probing stops after 1 s although one attempt alone may take 8 s
    const summary = await handleProbeEndpoints(event, fakeContext({ timeout: 4 }), deps);
    expect(summary.complete, JSON.stringify(summary)).toBe(false);
    expect(summary.ok).toBe(false);
    expect(summary.budgetMs).toBe(1000);
    expect(summary.reason).toMatch(/time budget/);
    expect(summary.reachable).toEqual([`127.0.0.1:${openPort}`]);
    // the dropped endpoint is reported as not reached, not silently missing
    expect(summary.failed.map((f) => f.port)).toEqual([blackhole.port]);
    expect(records().at(-1)).toMatchObject({ kind: 'run', complete: false, ok: false });
  });

  it('answers before the FC timeout with what it has when the check does not wind down', async () => {
    let late: ((row: never) => void) | undefined;
    const hung = async (_config: Config, _deps: unknown, options?: { onProbe?: (row: never) => void }) => {
      late = options?.onProbe;
      options?.onProbe?.({
        ip: '127.0.0.1',
        port: openPort,
        category: 'targets',
        required: true,
        status: 'ok',
        latencyMs: 1,
        attempts: 1,
      } as never);
      return new Promise<never>(() => undefined);
    };
    const { deps, records } = makeDeps({ check: hung as HandlerDeps['check'] });
    const summary = await handleProbeEndpoints(
      '{"targets":[{"host":"127.0.0.1","port":1}]}',
      fakeContext({ timeout: 1.5 }),
      deps,
    );
    expect(summary).toMatchObject({ ok: false, complete: false, counts: { probes: 1, ok: 1 } });
    expect(summary.reason).toMatch(/still running/);
    expect(records().map((r) => r.kind)).toEqual(['probe', 'run']);
    // a probe finishing after the answer writes nothing after the run line
    late?.({
      ip: '127.0.0.1',
      port: 2,
      category: 'targets',
      required: true,
      status: 'ok',
      latencyMs: 1,
      attempts: 1,
    } as never);
    expect(records().map((r) => r.kind)).toEqual(['probe', 'run']);
  });

  it('with sls: in the config, also ships the lines with the STS keys from the context', async () => {
    const ctx = fakeContext();
    const sls = await startFakeSls({
      accessKeyId: ctx.credentials.accessKeyId,
      accessKeySecret: ctx.credentials.accessKeySecret,
      securityToken: ctx.credentials.securityToken,
      endpointHost: 'cn-hangzhou.log.aliyuncs.com',
    });
    try {
      const { deps, records } = makeDeps({
        env: {
          MSE_WATCH_CONFIG: [
            'probe: { attempts: 1 }',
            'sls:',
            '  project: mse-watch-logs',
            '  logstore: mse-watch',
            `  endpoint: cn-hangzhou.log.aliyuncs.com:${sls.port}`,
            '  protocol: http',
          ].join('\n'),
        },
        slsDeps: {
          lookup: ((_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) =>
            options?.all
              ? cb(null, [{ address: '127.0.0.1', family: 4 }])
              : cb(null, '127.0.0.1', 4)) as never,
        },
      });
      const summary = await handleProbeEndpoints(
        { targets: [{ host: '127.0.0.1', port: openPort, mode: 'tcp' }] },
        ctx,
        deps,
      );
      expect(summary.delivery).toEqual({ sent: 2, failed: 0, errors: [] });
      expect(sls.requests[0]?.headers['x-acs-security-token']).toBe(ctx.credentials.securityToken);
      const shipped = sls.groups[0]!.logs.map((log) => JSON.parse(log.contents.message!));
      expect(shipped).toEqual(records());
    } finally {
      await sls.close();
    }
  });

  it('reads MSE_WATCH_CONFIG from a file path and lets the payload override it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mse-watch-fc-'));
    try {
      const file = join(dir, 'config.yaml');
      await writeFile(file, 'region: cn-shanghai\nprobe:\n  timeout: 700ms\n  attempts: 3\n');
      let seen: Config | undefined;
      const capture = (async (config: Config) => {
        seen = config;
        return {
          report: {
            region: null,
            startedAt: new Date().toISOString(),
            durationMs: 0,
            ok: true,
            complete: true,
            catalogVersion: 'test',
            probes: [],
            categories: [],
            findings: [],
          },
        };
      }) as unknown as HandlerDeps['check'];
      const { deps } = makeDeps({ env: { MSE_WATCH_CONFIG: file }, check: capture });
      await handleProbeEndpoints(
        timerEvent('{"region":"cn-hangzhou","probe":{"attempts":1}}'),
        fakeContext(),
        deps,
      );
      expect(seen?.region).toBe('cn-hangzhou');
      expect(seen?.probe).toMatchObject({ timeout: 700, attempts: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['an unknown key', { MSE_WATCH_CONFIG: 'regoin: cn-hangzhou' }, '{}', /regoin/],
    ['a missing file', { MSE_WATCH_CONFIG: '/nonexistent/mse-watch.yaml' }, '{}', /cannot be read/],
    ['a payload that is not an object', {}, '[1]', /must be a JSON object/],
  ])('turns %s into a failed run naming the problem', async (_, env, event, reason) => {
    const { deps, records } = makeDeps({ env });
    const summary = await handleProbeEndpoints(event, fakeContext(), deps);
    expect(summary).toMatchObject({ ok: false, complete: false });
    expect(summary.reason).toMatch(reason);
    expect(records().at(-1)).toMatchObject({ kind: 'run', ok: false });
  });

  it('rejects a context that is not FC-shaped without echoing its values', async () => {
    const { deps } = makeDeps();
    const context = { ...fakeContext(), function: { name: 'x', timeout: 'soon' } };
    await expect(handleProbeEndpoints('{}', context, deps)).rejects.toThrow(/function\.timeout/);
    await expect(handleProbeEndpoints('{}', context, deps)).rejects.not.toThrow(/sts-secret/);
  });
});

describe('probe-nacos handler against the Nacos test server', () => {
  it('runs the Nacos check with the password from the environment and summarises its steps', async () => {
    const nacos = await startNacosTestServer({
      host: '127.0.0.1',
      auth: { username: 'nacos', password: 'pw-from-env-9f' },
    });
    try {
      const { deps, lines, records } = makeDeps({
        env: {
          MSE_WATCH_CONFIG: `nacos:\n  server: ${nacos.url}\n  username: nacos\n  password: \${env:NACOS_PASSWORD}\n`,
          NACOS_PASSWORD: 'pw-from-env-9f',
        },
      });
      const summary = await handleProbeNacos(Buffer.from(''), fakeContext({ name: 'probe-nacos' }), deps);
      expect(summary.nacos?.steps.map((step) => step.name)).toContain('login');
      expect(summary, JSON.stringify(summary.nacos)).toMatchObject({
        ok: true,
        complete: true,
        check: 'nacos',
      });
      expect(records().map((r) => r.kind)).toEqual(['nacos', 'run']);
      expect(lines.join('')).not.toContain('pw-from-env-9f');

      // a 21 s timeout gives a 17 850 ms budget: no fractional millisecond may reach a timer
      const odd = await handleProbeNacos('{}', fakeContext({ name: 'probe-nacos', timeout: 21 }), deps);
      expect(odd).toMatchObject({ ok: true, budgetMs: 17_850 });

      await nacos.setFaults({ notReady: true });
      const down = await handleProbeNacos('{}', fakeContext({ name: 'probe-nacos' }), deps);
      expect(down.ok).toBe(false);
      expect(down.findings.map((f) => f.symptom)).toContain('Nacos readiness failed');
    } finally {
      await nacos.close();
    }
  });

  it('says which section is missing', async () => {
    const { deps } = makeDeps();
    const summary = await handleProbeNacos('{}', fakeContext({ name: 'probe-nacos' }), deps);
    expect(summary).toMatchObject({ ok: false, check: 'nacos', function: 'probe-nacos' });
    expect(summary.reason).toMatch(/nacos:/);
  });
});

describe('alerting inside the function (fault 6): bounded by the budget, always summarized, lock released', () => {
  const withState = async (body: (dir: string) => Promise<void>) => {
    const dir = await mkdtemp(join(tmpdir(), 'mse-watch-fc-alerts-'));
    try {
      await body(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  const alertingConfig = (dir: string, channels: unknown[]) =>
    JSON.stringify({
      probe: { timeout: 500, attempts: 1, spacing: 0 },
      alerting: { failureThreshold: 1, channels },
      state: { dir },
    });
  const down = { targets: [{ host: '127.0.0.1', port: 1, mode: 'tcp', name: 'closed' }] };

  it('a receiver that never answers: delivery stops at the budget, the summary says so, the lock is gone', async () => {
    await withState(async (dir) => {
      const hook = await startWebhookReceiver();
      try {
        hook.respondNext(replies.hang, replies.hang, replies.hang);
        const { deps } = makeDeps({
          env: {
            MSE_WATCH_CONFIG: alertingConfig(dir, [{ kind: 'webhook', url: hook.url, timeout: '30s' }]),
          },
        });
        const started = performance.now();
        // 4 s: 3 s margin, hard deadline at 3 s; the check takes a few ms, delivery gets the rest
        const summary = FunctionSummary.parse(
          await handleProbeEndpoints(down, fakeContext({ timeout: 4 }), deps),
        );
        const took = performance.now() - started;
        expect(took).toBeLessThan(3500);
        expect(summary.ok).toBe(false);
        expect(summary.complete).toBe(true);
        expect(summary.reason).toMatch(
          /^time budget: alert delivery stopped 1000 ms before the 4000 ms function timeout; 1 message\(s\) wait in the outbox for the next run$/,
        );
        const alerts = summary.alerts as {
          ok: boolean;
          notices: Array<{ stoppedBy?: string }>;
          fired: string[];
        };
        expect(alerts.ok).toBe(false);
        expect(alerts.fired).toEqual(['targets/127.0.0.1:1']);
        expect(alerts.notices[0]?.stoppedBy).toBeDefined();
        expect(await readdir(dir)).not.toContain('alert-state.json.lock');
        const state = JSON.parse(await readFile(join(dir, 'alert-state.json'), 'utf8'));
        expect(state.outbox).toHaveLength(1);
      } finally {
        await hook.close();
      }
    });
  });

  it("a broken channel makes the function's run not ok, with the reason, and the notice says where it was seen from", async () => {
    await withState(async (dir) => {
      const ding = await startDingTalkReceiver();
      const hook = await startWebhookReceiver();
      try {
        ding.respondNext(replies.dingtalkBadToken);
        const { deps } = makeDeps({
          env: {
            MSE_WATCH_CONFIG: alertingConfig(dir, [
              { kind: 'dingtalk', webhook: ding.url },
              { kind: 'webhook', url: hook.url },
            ]),
          },
        });
        const summary = await handleProbeEndpoints(down, fakeContext(), deps);
        expect(summary.ok).toBe(false);
        expect(summary.reason).toMatch(
          /^alerting: alert channel dingtalk-1 .* refuses notices since .*300001/,
        );
        const payload = hook.messages[0]?.body as { vantage: string };
        expect(payload.vantage).toBe('function probe-endpoints in cn-hangzhou');
      } finally {
        await ding.close();
        await hook.close();
      }
    });
  });

  it('a check that never returns: the summary still has the alert section, saying alerting did not run', async () => {
    await withState(async (dir) => {
      const hung = (async () => new Promise<never>(() => undefined)) as unknown as HandlerDeps['check'];
      const { deps } = makeDeps({
        check: hung,
        env: { MSE_WATCH_CONFIG: alertingConfig(dir, []) },
      });
      const summary = await handleProbeEndpoints(down, fakeContext({ timeout: 1.5 }), deps);
      expect(summary.reason).toMatch(/still running/);
      expect(summary.alerts).toMatchObject({
        ok: false,
        problems: [
          expect.stringMatching(/^alerting did not run: the check was still running at the time budget/),
        ],
      });
    });
  });

  it('config warnings (a duplicate target) go to the log as warning lines and into the summary', async () => {
    const { deps, records } = makeDeps();
    const event = {
      probe: { attempts: 1, timeout: 500 },
      targets: [
        { host: '127.0.0.1', port: openPort, mode: 'tcp' },
        { host: '127.0.0.1', port: openPort, mode: 'tcp' },
      ],
    };
    const summary = await handleProbeEndpoints(event, fakeContext(), deps);
    expect(summary.counts.probes).toBe(1);
    expect(summary.warnings).toEqual([
      `trigger payload: targets[1] repeats targets[0] (127.0.0.1:${openPort}); merged into one, since a target is probed and alerted on once`,
    ]);
    const warning = records().find((r) => r.kind === 'warning');
    expect(warning).toMatchObject({ origin: 'fc', runId: summary.runId, message: summary.warnings?.[0] });
  });
});
