// The whole check against the simulator as Nacos 2.x, 3.1 and 3.2 (behaviour read from the server sources):
// every step ok, canaries gone, the generation detected from what the server answers, the right API per step.
import { afterEach, describe, expect, it } from 'vitest';
import {
  NACOS_STEPS,
  NacosConfig,
  type NacosConfigInput,
  NacosReport,
  runNacosCheck,
} from '../../shared/nacos/index.ts';
import {
  type NacosTestServer,
  type NacosTestServerOptions,
  startNacosTestServer,
} from '../../shared/simulate/nacos/index.ts';

const USER = { username: 'nacos', password: 'generation test/pw+&=' };

let servers: NacosTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

const start = async (options: NacosTestServerOptions) => {
  const server = await startNacosTestServer(options);
  servers.push(server);
  return server;
};

const check = (server: NacosTestServer, extra: Partial<NacosConfigInput> = {}, deps = {}) =>
  runNacosCheck(
    NacosConfig.parse({
      server: `127.0.0.1:${server.port}`,
      grpcPort: server.grpcPort,
      timeout: 1000,
      ...extra,
    }),
    deps,
  );

const statuses = (report: NacosReport) =>
  Object.fromEntries(report.steps.map((step) => [step.name, step.status]));
const allOk = (login: 'ok' | 'skipped' = 'ok') =>
  Object.fromEntries(NACOS_STEPS.map((name) => [name, name === 'login' ? login : 'ok']));
const step = (report: NacosReport, name: string) => report.steps.find((s) => s.name === name);

type Generation = {
  version: string;
  generation: string;
  reported: string;
  namespace: string;
  /** The API of each step, as the report says. */
  apis: Record<string, string>;
};

const GENERATIONS: Generation[] = [
  {
    version: '2.5.1',
    generation: '2.x',
    reported: '2.5.1',
    namespace: '',
    apis: { config: 'v1', naming: 'v1', cluster: 'v1', health: 'v1' },
  },
  {
    version: '3.1',
    generation: '3.0-3.1',
    reported: '3.1.2',
    namespace: 'public',
    // 3.0/3.1 keep the v1 client APIs; the round trips use them on purpose (see generation.ts)
    apis: { config: 'v1', naming: 'v1', cluster: 'v3', health: 'v3' },
  },
  {
    version: '3.2',
    generation: '3.2+',
    reported: '3.2.0',
    namespace: 'public',
    apis: { config: 'v3', naming: 'v3', cluster: 'v3', health: 'v3' },
  },
];

type AuthMode = {
  name: string;
  server: Pick<NacosTestServerOptions, 'auth' | 'clientAuth' | 'adminAuth'>;
  credentials: boolean;
};

const AUTH_MODES: AuthMode[] = [
  { name: 'auth on', server: { auth: USER }, credentials: true },
  // the 3.x default: client auth off, admin auth on; a login is needed for the admin APIs only
  { name: 'client auth off, admin auth on', server: { auth: USER, clientAuth: false }, credentials: true },
  { name: 'auth off, no credentials', server: {}, credentials: false },
];

describe.each(GENERATIONS)('Nacos $version', ({ version, generation, reported, namespace, apis }) => {
  it.each(AUTH_MODES)('$name: every step ok, canaries gone, generation detected', async (mode) => {
    const server = await start({ version, ...mode.server });
    const report = NacosReport.parse(await check(server, mode.credentials ? USER : {}));
    expect(statuses(report)).toEqual(allOk(mode.credentials ? 'ok' : 'skipped'));
    expect(report.ok).toBe(true);
    expect([report.generation, report.version, report.namespace]).toEqual([generation, reported, namespace]);
    expect(report.apis).toMatchObject({
      liveness: apis.health,
      readiness: apis.health,
      'config-roundtrip': apis.config,
      'naming-roundtrip': apis.naming,
      cluster: apis.cluster,
    });
    expect(server.state()).toEqual({ configs: 0, instances: 0 });
    expect(report.leftovers).toEqual([]);
    expect(JSON.stringify(report)).not.toContain(USER.password);
  });

  it('ephemeral canary with one heartbeat', async () => {
    const server = await start({ version, auth: USER });
    const report = await check(server, { ...USER, canary: { ephemeral: true } });
    expect(statuses(report)).toEqual(allOk());
    expect(step(report, 'naming-roundtrip')?.detail).toContain('ephemeral, with a beat');
    expect(server.state()).toEqual({ configs: 0, instances: 0 });
  });

  it('a named namespace is used as given', async () => {
    const server = await start({ version, auth: USER });
    const report = await check(server, { ...USER, namespace: 'mse-watch' });
    expect(statuses(report)).toEqual(allOk());
    expect(report.namespace).toBe('mse-watch');
  });
});

describe('why detection matters', () => {
  it('3.2 with the round trips forced onto v1 fails: the v1 paths are gone (404 config, 501 naming)', async () => {
    const server = await start({ version: '3.2', auth: USER });
    const report = await check(server, { ...USER, api: 'v1' });
    expect(report.ok).toBe(false);
    expect(step(report, 'config-roundtrip')).toMatchObject({
      status: 'failed',
      error: {
        code: 'http-status',
        message: expect.stringMatching(/HTTP 404 .*No static resource v1\/cs\/configs/),
      },
    });
    expect(step(report, 'naming-roundtrip')).toMatchObject({
      status: 'failed',
      error: {
        code: 'http-status',
        message: expect.stringContaining('no such api:POST:/nacos/v1/ns/instance'),
      },
    });
    // the same server, detected: passes
    expect((await check(server, USER)).ok).toBe(true);
    expect(server.state()).toEqual({ configs: 0, instances: 0 });
  });

  it('3.1 forced onto v3 passes too (the v3 path a 3.2 upgrade will take)', async () => {
    const server = await start({ version: '3.1', auth: USER });
    const report = await check(server, { ...USER, api: 'v3' });
    expect(statuses(report)).toEqual(allOk());
    expect(report.apis).toMatchObject({ 'config-roundtrip': 'v3', 'naming-roundtrip': 'v3' });
    expect(step(report, 'config-roundtrip')?.detail).toContain('via v3');
  });

  it('2.x has no v3 API: forced onto v3, the round trips fail', async () => {
    const server = await start({ auth: USER });
    const report = await check(server, { ...USER, api: 'v3' });
    expect(step(report, 'config-roundtrip')?.status).toBe('failed');
    expect(step(report, 'naming-roundtrip')?.status).toBe('failed');
  });

  it('3.2 without credentials: the admin config API needs a login, and the message says so', async () => {
    // the real 3.x default: client auth off, admin auth on
    const server = await start({ version: '3.2', auth: USER, clientAuth: false });
    const report = await check(server);
    expect(step(report, 'config-roundtrip')).toMatchObject({
      status: 'failed',
      error: { code: 'auth', message: expect.stringContaining('admin APIs need a login') },
    });
    expect(step(report, 'naming-roundtrip')?.status).toBe('ok');
    expect(step(report, 'cluster')).toMatchObject({
      status: 'skipped',
      detail: expect.stringContaining('admin APIs need a login'),
    });
    expect(server.state()).toEqual({ configs: 0, instances: 0 });
  });
});

describe('detection without a version', () => {
  /** Real fetch, except the state API answers 404 (a gateway that hides it): the removal probe decides. */
  const withoutState: typeof fetch = async (input, init) =>
    new URL(String(input)).pathname.endsWith('/v3/admin/core/state')
      ? new Response('Not Found', { status: 404 })
      : fetch(input, init);

  it.each([
    { version: '3.1', generation: '3.0-3.1' },
    { version: '3.2', generation: '3.2+' },
  ])('$version: the v1 client API probe tells $generation', async ({ version, generation }) => {
    const server = await start({ version, auth: USER });
    const report = await check(server, USER, { fetch: withoutState });
    expect(report.generation).toBe(generation);
    expect(report.version).toBe('3.x');
    expect(statuses(report)).toEqual(allOk());
  });

  it('3.0.0 has no console fingerprint and no v1 console health on 8848: its v3 health is enough', async () => {
    const server = await start({ version: '3.0.0', auth: USER });
    const report = await check(server, USER);
    expect(statuses(report)).toEqual(allOk());
    expect(report.generation).toBe('3.0-3.1');
  });
});

describe('3.0/3.1 with the v1 client APIs switched off', () => {
  /** Real fetch, except the v1 publish and register answer 410 as with compatibility.client.enabled=false. */
  const v1Off: typeof fetch = async (input, init) => {
    const path = new URL(String(input)).pathname;
    if (init?.method === 'POST' && /\/v1\/(cs\/configs|ns\/instance)$/.test(path)) {
      return new Response('{"status":410,"error":"Gone"}', { status: 410 });
    }
    return fetch(input, init);
  };

  it('the round trips move to v3 and say so', async () => {
    const server = await start({ version: '3.1', auth: USER });
    const report = await check(server, USER, { fetch: v1Off });
    expect(statuses(report)).toEqual(allOk());
    expect(report.apis).toMatchObject({ 'config-roundtrip': 'v3', 'naming-roundtrip': 'v3' });
    expect(step(report, 'config-roundtrip')?.detail).toContain('v1 answered 410 Gone, used v3');
    expect(server.state()).toEqual({ configs: 0, instances: 0 });
  });
});

describe('canaries on 3.x: swept and cleaned up through the v3 APIs', () => {
  it.each([
    '3.1',
    '3.2',
  ])('%s: an old leftover is swept with the v3 admin list; a young one is spared', async (version) => {
    const server = await start({ version, auth: USER });
    const login = await fetch(`${server.url}/v3/auth/user/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(USER),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const publish = (dataId: string) =>
      fetch(`${server.url}/v3/admin/cs/config`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ dataId, groupName: 'MSE_WATCH', content: 'x', accessToken }),
      }).then((r) => r.json());
    const old = `mse-watch-canary-${(Date.now() - 3_600_000).toString(36)}-abcdef`;
    const young = `mse-watch-canary-${Date.now().toString(36)}-123456`;
    expect(await publish(old)).toMatchObject({ code: 0, data: true });
    expect(await publish(young)).toMatchObject({ code: 0, data: true });
    const report = await check(server, USER);
    expect(statuses(report)).toEqual(allOk());
    expect(report.swept).toEqual([`config MSE_WATCH/${old}`]);
    expect(server.state()).toEqual({ configs: 1, instances: 0 });
  });

  it('3.2: a read-back that is lost after the publish still ends with the canary deleted (v3 admin delete)', async () => {
    const server = await start({ version: '3.2', auth: USER });
    let published = false;
    const flaky: typeof fetch = (input, init) => {
      const path = new URL(String(input)).pathname;
      if (init?.method === 'POST' && path.endsWith('/v3/admin/cs/config')) published = true;
      if (published && path.endsWith('/v3/client/cs/config')) {
        return Promise.reject(Object.assign(new Error('lost'), { name: 'TimeoutError' }));
      }
      return fetch(input, init);
    };
    const report = await check(server, USER, { fetch: flaky });
    expect(step(report, 'config-roundtrip')).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
    expect(report.leftovers).toEqual([]);
    expect(server.state()).toEqual({ configs: 0, instances: 0 });
  });
});
