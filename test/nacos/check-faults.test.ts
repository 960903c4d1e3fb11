// runNacosCheck against the Nacos test server in every fault mode: the verdict and the failure class.
import { createServer } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  NACOS_STEPS,
  NacosConfig,
  type NacosConfigInput,
  NacosReport,
  type NacosStepName,
  runNacosCheck,
} from '../../shared/nacos/index.ts';
import {
  type NacosFaults,
  type NacosTestServer,
  NO_FAULTS,
  startNacosTestServer,
} from '../../shared/simulate/nacos/index.ts';
import { closedPort, type Listening, tcpListener } from '../support/listeners.ts';

// characters that URL encoding changes: a server echoing the encoded form must be scrubbed too
const USER = { username: 'nacos', password: 'fault test/pw+&=' };
const RAM = { accessKey: 'LTAI-fault-ak', secretKey: 'fault-test-secret' };

let server: NacosTestServer;
let ramServer: NacosTestServer;
let openServer: NacosTestServer;

beforeAll(async () => {
  server = await startNacosTestServer({ auth: USER });
  ramServer = await startNacosTestServer({ ram: RAM });
  openServer = await startNacosTestServer({});
});
afterAll(async () => {
  await server?.close();
  await ramServer?.close();
  await openServer?.close();
});
beforeEach(async () => {
  await server.setFaults(NO_FAULTS);
  await openServer.setFaults(NO_FAULTS);
});

const configFor = (target: { port: number; grpcPort: number }, extra: Partial<NacosConfigInput> = {}) =>
  NacosConfig.parse({
    server: `127.0.0.1:${target.port}`,
    grpcPort: target.grpcPort,
    timeout: 1000,
    ...extra,
  });

type Expect = Partial<Record<NacosStepName, string>>;

/** `ok`, `skipped`, `degraded`, or `failed:<class>` per step; steps not listed must be ok. */
const summarize = (report: NacosReport): Record<string, string> =>
  Object.fromEntries(
    report.steps.map((step) => [step.name, step.error ? `${step.status}:${step.error.code}` : step.status]),
  );
const expectSteps = (report: NacosReport, expected: Expect) => {
  const all = Object.fromEntries(NACOS_STEPS.map((name) => [name, expected[name] ?? 'ok']));
  expect(summarize(report)).toEqual(all);
  expect(report.ok).toBe(!Object.values(all).some((status) => status.startsWith('failed')));
};

type Row = {
  name: string;
  faults: Partial<NacosFaults>;
  config?: Partial<NacosConfigInput>;
  expected: Expect;
  /** The server with auth off, where no credentials are needed. */
  open?: boolean;
};

const ROWS: Row[] = [
  { name: 'a healthy 2.x server', faults: {}, config: USER, expected: {} },
  {
    name: 'a healthy server with auth off, no credentials',
    faults: {},
    open: true,
    expected: { login: 'skipped' },
  },
  { name: 'a healthy 3.x server (410 on v1, 3.x paths)', faults: { v3: true }, config: USER, expected: {} },
  {
    name: 'readiness failing (v1: HTTP 500)',
    faults: { notReady: true },
    config: USER,
    expected: { readiness: 'failed:not-ready', 'config-roundtrip': 'skipped', 'naming-roundtrip': 'skipped' },
  },
  {
    name: 'readiness failing on 3.x (HTTP 200, code 30000)',
    faults: { notReady: true, v3: true },
    config: USER,
    expected: { readiness: 'failed:not-ready', 'config-roundtrip': 'skipped', 'naming-roundtrip': 'skipped' },
  },
  {
    name: 'a slow server: every success above its threshold is degraded',
    faults: { slowMs: 60 },
    config: {
      ...USER,
      thresholds: {
        liveness: 20,
        readiness: 20,
        login: 20,
        'config-roundtrip': 20,
        'naming-roundtrip': 20,
        'grpc-server-check': 20,
        cluster: 20,
      },
    },
    expected: Object.fromEntries(NACOS_STEPS.map((name) => [name, 'degraded'])),
  },
  {
    name: 'a server slower than the timeout',
    faults: { slowMs: 800 },
    config: { ...USER, timeout: 150 },
    expected: {
      liveness: 'failed:timeout',
      readiness: 'skipped',
      login: 'skipped',
      'config-roundtrip': 'skipped',
      'naming-roundtrip': 'skipped',
      'grpc-server-check': 'failed:timeout',
      cluster: 'skipped',
    },
  },
  {
    name: '500s from the APIs (login first)',
    faults: { serverErrors: true },
    config: USER,
    expected: {
      login: 'failed:http-status',
      'config-roundtrip': 'skipped',
      'naming-roundtrip': 'skipped',
      cluster: 'skipped',
    },
  },
  {
    name: '500s from the APIs of a server with auth off',
    faults: { serverErrors: true },
    open: true,
    expected: {
      login: 'skipped',
      'config-roundtrip': 'failed:http-status',
      'naming-roundtrip': 'failed:http-status',
      cluster: 'failed:http-status',
    },
  },
  {
    name: 'login refused',
    faults: { rejectLogin: true },
    config: USER,
    expected: {
      login: 'failed:auth',
      'config-roundtrip': 'skipped',
      'naming-roundtrip': 'skipped',
      cluster: 'skipped',
    },
  },
  {
    name: 'a wrong password',
    faults: {},
    config: { username: 'nacos', password: 'not-the-password' },
    expected: {
      login: 'failed:auth',
      'config-roundtrip': 'skipped',
      'naming-roundtrip': 'skipped',
      cluster: 'skipped',
    },
  },
  {
    name: 'no credentials against a server with auth on',
    faults: {},
    expected: {
      login: 'skipped',
      'config-roundtrip': 'failed:auth',
      'naming-roundtrip': 'failed:auth',
      cluster: 'skipped',
    },
  },
  {
    name: 'tokens that expire at once',
    faults: { expireTokens: true },
    config: USER,
    expected: { 'config-roundtrip': 'failed:auth', 'naming-roundtrip': 'failed:auth', cluster: 'skipped' },
  },
  {
    name: 'gRPC port down',
    faults: { grpcDown: true },
    config: USER,
    expected: { 'grpc-server-check': 'failed:refused' },
  },
  {
    name: 'gRPC still starting',
    faults: { grpcStarting: true },
    config: USER,
    expected: { 'grpc-server-check': 'failed:not-ready' },
  },
  {
    name: 'a cluster node DOWN',
    faults: { nodeDown: true },
    config: USER,
    expected: { cluster: 'degraded' },
  },
  {
    name: 'a server that loses config writes',
    faults: { loseConfigs: true },
    config: USER,
    expected: { 'config-roundtrip': 'failed:protocol' },
  },
];

describe('runNacosCheck against the test server, per fault mode', () => {
  it.each(ROWS)('$name', async ({ faults, config, expected, open }) => {
    const target = open ? openServer : server;
    await target.setFaults(faults);
    const report = await runNacosCheck(configFor(target, config));
    NacosReport.parse(report);
    expectSteps(report, expected);
    // canaries never survive a run, whatever failed
    expect(target.state()).toEqual({ configs: 0, instances: 0 });
    expect(report.leftovers).toEqual([]);
  });

  it('reports the version and API generation it detected', async () => {
    const v2 = await runNacosCheck(configFor(server, USER));
    expect([v2.version, v2.api]).toEqual(['2.5.1', 'v1']);
    await server.setFaults({ v3: true });
    const v3 = await runNacosCheck(configFor(server, USER));
    expect([v3.version, v3.api]).toEqual(['3.0.3', 'v3']);
    expect(v3.steps.find((s) => s.name === 'login')?.detail).toContain('/v3/auth/user/login');
    expect(v3.steps.find((s) => s.name === 'grpc-server-check')?.detail).toMatch(
      /connectionId \d+_127\.0\.0\.1_\d+/,
    );
  });

  it('registers an ephemeral canary with a beat when asked', async () => {
    const report = await runNacosCheck(configFor(server, { ...USER, canary: { ephemeral: true } }));
    expectSteps(report, {});
    expect(report.steps.find((s) => s.name === 'naming-roundtrip')?.detail).toContain(
      'ephemeral, with a beat',
    );
  });

  it('a server that echoes the password in an error body does not get it printed', async () => {
    const echoing: typeof fetch = async (input, init) => {
      if (new URL(String(input)).pathname.endsWith('/v1/auth/login')) {
        return new Response(`bad request: ${String(init?.body)}`, { status: 500 });
      }
      return fetch(input, init);
    };
    const report = await runNacosCheck(configFor(server, USER), { fetch: echoing });
    const login = report.steps.find((s) => s.name === 'login');
    expect(login?.error?.code).toBe('http-status');
    expect(login?.error?.message).toContain('password=***');
    expect(JSON.stringify(report)).not.toContain(USER.password);
  });

  it('the credentials show in no field of the report', async () => {
    await server.setFaults({ expireTokens: true });
    const report = await runNacosCheck(configFor(server, USER));
    expect(JSON.stringify(report)).not.toContain(USER.password);
  });
});

describe('3.x detection paths', () => {
  /** Real fetch to the 3.x-mode server, except one path answers 404 as a server without it would. */
  const without =
    (suffix: string): typeof fetch =>
    async (input, init) => {
      if (new URL(String(input)).pathname.endsWith(suffix)) return new Response('Not Found', { status: 404 });
      return fetch(input, init);
    };

  it('v1 liveness missing (404): the console fingerprint on / switches to 3.x paths', async () => {
    // a 3.x server port answers the v1 console health 404 by itself (the console moved to its own port); the
    // fingerprint is the fallback when its /v3 state API does not come through either, e.g. behind a gateway
    await server.setFaults({ v3: true });
    const report = await runNacosCheck(configFor(server, USER), {
      fetch: without('/v3/admin/core/state/liveness'),
    });
    expectSteps(report, {});
    expect(report.api).toBe('v3');
    expect(report.steps.find((s) => s.name === 'liveness')?.detail).toContain('fingerprint');
  });

  it('3.x login path missing (404): falls back to /v1/auth/users/login, as the 3.x Java client does', async () => {
    await server.setFaults({ v3: true });
    const report = await runNacosCheck(configFor(server, USER), { fetch: without('/v3/auth/user/login') });
    expectSteps(report, {});
    expect(report.steps.find((s) => s.name === 'login')?.detail).toContain('/v1/auth/users/login');
  });
});

describe('MSE RAM authentication (Spas signatures)', () => {
  it('passes every step with the right AccessKey; cluster nodes are not for RAM users', async () => {
    const report = await runNacosCheck(configFor(ramServer, RAM));
    expectSteps(report, { cluster: 'skipped' });
    expect(report.steps.find((s) => s.name === 'login')?.detail).toContain('RAM');
    expect(ramServer.state()).toEqual({ configs: 0, instances: 0 });
  });

  it('fails login with class auth when the secret is wrong, and never prints it', async () => {
    const report = await runNacosCheck(configFor(ramServer, { ...RAM, secretKey: 'a-wrong-secret' }));
    expectSteps(report, {
      login: 'failed:auth',
      'config-roundtrip': 'skipped',
      'naming-roundtrip': 'skipped',
      cluster: 'skipped',
    });
    expect(JSON.stringify(report)).not.toContain('a-wrong-secret');
  });
});

describe('network failure classes', () => {
  let silent: Listening;
  let plain: Listening;
  beforeAll(async () => {
    // accepts TCP and never answers: a gRPC call can only run into its deadline
    silent = await tcpListener(() => {});
    const http = createServer((_, res) => res.end('plain http'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as { port: number }).port;
    plain = {
      host: '127.0.0.1',
      port,
      close: () =>
        new Promise((resolve) => {
          http.closeAllConnections();
          http.close(() => resolve());
        }),
    };
  });
  afterAll(async () => {
    await silent?.close();
    await plain?.close();
  });

  it('refused: nothing listens on either port', async () => {
    const port = await closedPort();
    const grpcPort = await closedPort();
    const report = await runNacosCheck(configFor({ port, grpcPort }, USER));
    expectSteps(report, {
      liveness: 'failed:refused',
      readiness: 'skipped',
      login: 'skipped',
      'config-roundtrip': 'skipped',
      'naming-roundtrip': 'skipped',
      'grpc-server-check': 'failed:refused',
      cluster: 'skipped',
    });
    expect(report.steps.find((s) => s.name === 'readiness')?.detail).toBe('liveness failed (refused)');
  });

  it('timeout: a gRPC port that accepts and stays silent', async () => {
    const report = await runNacosCheck(
      NacosConfig.parse({
        server: `127.0.0.1:${server.port}`,
        grpcPort: silent.port,
        timeout: 300,
        ...USER,
      }),
    );
    expectSteps(report, { 'grpc-server-check': 'failed:timeout' });
  });

  it('tls: https:// against a plain HTTP port', async () => {
    const report = await runNacosCheck(
      NacosConfig.parse({ server: `https://127.0.0.1:${plain.port}`, grpcPort: silent.port, timeout: 300 }),
    );
    expect(summarize(report).liveness).toBe('failed:tls');
  });

  it('unreachable: the OS reports no route (injected, since no route is needed on loopback)', async () => {
    const noRoute = async () => {
      const cause = Object.assign(new Error('connect ENETUNREACH 100.100.1.1:8848'), { code: 'ENETUNREACH' });
      throw new TypeError('fetch failed', { cause });
    };
    const report = await runNacosCheck(configFor(server, USER), { fetch: noRoute as typeof fetch });
    expect(summarize(report).liveness).toBe('failed:unreachable');
    expect(report.steps.find((s) => s.name === 'liveness')?.error?.message).toContain('ENETUNREACH');
  });
});
