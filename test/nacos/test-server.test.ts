// The test server answers as docs/nacos.md (from the Nacos 2.5.1 / 3.0.3 sources) says Nacos does.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { grpcJsFactory } from '../../shared/nacos/grpc-client.ts';
import {
  type NacosFaults,
  type NacosTestServer,
  NO_FAULTS,
  startNacosTestServer,
} from '../../shared/simulate/nacos/index.ts';

let server: NacosTestServer;
beforeAll(async () => {
  server = await startNacosTestServer({ auth: { username: 'nacos', password: 'server-test-pw' } });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(async () => {
  await server.setFaults(NO_FAULTS);
});

const get = async (path: string, init?: RequestInit) => {
  const response = await fetch(`${server.url}${path}`, init);
  return { status: response.status, body: await response.text(), headers: response.headers };
};
const form = (params: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(params),
});

type Row = {
  name: string;
  faults?: Partial<NacosFaults>;
  /** Asked on the 3.x console port, where 3.x keeps the 1.x/2.x console APIs (the server port answers 404). */
  console?: boolean;
  path: string;
  status: number;
  body: string | RegExp;
};

const HEALTH: Row[] = [
  { name: 'v1 liveness', path: '/v1/console/health/liveness', status: 200, body: 'OK' },
  { name: 'v1 readiness', path: '/v1/console/health/readiness', status: 200, body: 'OK' },
  {
    name: 'v1 readiness, not ready: HTTP 500',
    faults: { notReady: true },
    path: '/v1/console/health/readiness',
    status: 500,
    body: 'naming and config not in readiness',
  },
  {
    name: 'v2 liveness',
    path: '/v2/console/health/liveness',
    status: 200,
    body: '{"code":0,"message":"success","data":"ok"}',
  },
  {
    name: 'v2 readiness, not ready: HTTP 200 code 30000',
    faults: { notReady: true },
    path: '/v2/console/health/readiness',
    status: 200,
    body: /"code":30000/,
  },
  { name: 'v3 path on 2.x: 404', path: '/v3/admin/core/state/liveness', status: 404, body: /Not Found/ },
  {
    name: '3.x: v1 health is 410',
    faults: { v3: true },
    console: true,
    path: '/v1/console/health/liveness',
    status: 410,
    body: /Gone/,
  },
  {
    name: '3.x: v2 health is 410',
    faults: { v3: true },
    console: true,
    path: '/v2/console/health/readiness',
    status: 410,
    body: /Gone/,
  },
  {
    name: '3.x liveness',
    faults: { v3: true },
    path: '/v3/admin/core/state/liveness',
    status: 200,
    body: '{"code":0,"message":"success","data":"ok"}',
  },
  {
    name: '3.x readiness, not ready: HTTP 200 code 30000',
    faults: { v3: true, notReady: true },
    path: '/v3/admin/core/state/readiness',
    status: 200,
    body: /"code":30000/,
  },
  {
    name: '3.x fingerprint on the client port',
    faults: { v3: true },
    path: '/',
    status: 200,
    body: 'Nacos Console default port is 8080, and the path is /.',
  },
  { name: 'server state', path: '/v1/console/server/state', status: 200, body: /"version":"2\.5\.1"/ },
];

describe('health and state endpoints', () => {
  it.each(HEALTH)('$name', async ({ faults, console, path, status, body }) => {
    await server.setFaults(faults ?? {});
    const answer = console
      ? await fetch(`${server.consoleUrl}${path}`).then(async (r) => ({
          status: r.status,
          body: await r.text(),
        }))
      : await get(path);
    expect(answer.status).toBe(status);
    if (typeof body === 'string') expect(answer.body).toBe(body);
    else expect(answer.body).toMatch(body);
  });
});

describe('auth', () => {
  it('login answers a token; bad credentials a plain 403 "user not found!"', async () => {
    const ok = await get('/v1/auth/login', form({ username: 'nacos', password: 'server-test-pw' }));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ tokenTtl: 18000, globalAdmin: true, username: 'nacos' });
    const bad = await get('/v1/auth/login', form({ username: 'nacos', password: 'nope' }));
    expect([bad.status, bad.body]).toEqual([403, 'user not found!']);
  });

  it('secured APIs take accessToken, Bearer, or username+password; otherwise 403 JSON', async () => {
    const { accessToken } = JSON.parse(
      (await get('/v1/auth/login', form({ username: 'nacos', password: 'server-test-pw' }))).body,
    ) as { accessToken: string };
    const path = '/v1/cs/configs?dataId=a&group=G';
    expect((await get(`${path}&accessToken=${accessToken}`)).status).toBe(404);
    expect((await get(path, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(404);
    expect((await get(`${path}&username=nacos&password=server-test-pw`)).status).toBe(404);
    const denied = await get(`${path}&accessToken=forged`);
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body)).toMatchObject({
      status: 403,
      error: 'Forbidden',
      message: 'token invalid!',
    });
    expect(JSON.parse((await get(path)).body)).toMatchObject({ message: 'user not found!' });
  });

  it('3.x login path, and the v1 users/login path that 3.x keeps', async () => {
    await server.setFaults({ v3: true });
    const v3 = await get('/v3/auth/user/login', form({ username: 'nacos', password: 'server-test-pw' }));
    // UserControllerV3.login returns its ObjectNode as is, no {code, data} envelope (3.1 and 3.2 sources)
    expect(JSON.parse(v3.body)).toMatchObject({ tokenTtl: 18000, globalAdmin: true, username: 'nacos' });
    const users = await get('/v1/auth/users/login', form({ username: 'nacos', password: 'server-test-pw' }));
    expect(users.status).toBe(200);
  });
});

describe('config API', () => {
  const auth = 'username=nacos&password=server-test-pw';
  it('publish, read with Content-MD5, listener answers the changed key, delete, 404 with the Nacos text', async () => {
    const publish = await get(
      `/v1/cs/configs?${auth}`,
      form({ dataId: 'app.yaml', group: 'G', content: 'a: 1' }),
    );
    expect(publish.body).toBe('true');
    const read = await get(`/v1/cs/configs?dataId=app.yaml&group=G&${auth}`);
    expect(read.body).toBe('a: 1');
    expect(read.headers.get('content-md5')).toBe(createHash('md5').update('a: 1').digest('hex'));
    const listener = await get(
      `/v1/cs/configs/listener?${auth}`,
      form({ 'Listening-Configs': 'app.yaml\u0002G\u0002stale-md5\u0001' }),
    );
    expect(listener.body).toBe(`${encodeURIComponent('app.yaml\u0002G\u0001')}\n`);
    expect((await get(`/v1/cs/configs?dataId=app.yaml&group=G&${auth}`, { method: 'DELETE' })).body).toBe(
      'true',
    );
    const gone = await get(`/v1/cs/configs?dataId=app.yaml&group=G&${auth}`);
    expect([gone.status, gone.body]).toEqual([404, 'config data not exist\n']);
  });

  it('rejects names Nacos rejects', async () => {
    const bad = await get(`/v1/cs/configs?dataId=${encodeURIComponent('a b')}&group=G&${auth}`);
    expect([bad.status, bad.body]).toEqual([400, 'caused: invalid dataId : a b;']);
  });
});

describe('naming API', () => {
  const auth = { username: 'nacos', password: 'server-test-pw' };
  it('register, list (grouped name), beat, deregister; missing ip is a 400', async () => {
    const register = await get(
      '/v1/ns/instance',
      form({ ...auth, serviceName: 'svc', groupName: 'G', ip: '192.0.2.5', port: '80', ephemeral: 'true' }),
    );
    expect(register.body).toBe('ok');
    const list = JSON.parse(
      (await get(`/v1/ns/instance/list?serviceName=G%40%40svc&username=nacos&password=server-test-pw`)).body,
    );
    expect(list).toMatchObject({
      name: 'G@@svc',
      groupName: 'G',
      valid: true,
      hosts: [{ ip: '192.0.2.5', port: 80 }],
    });
    const beat = await get('/v1/ns/instance/beat', {
      ...form({
        ...auth,
        serviceName: 'G@@svc',
        beat: JSON.stringify({ ip: '192.0.2.5', port: 80, serviceName: 'G@@svc' }),
      }),
      method: 'PUT',
    });
    expect(JSON.parse(beat.body)).toEqual({ clientBeatInterval: 5000, code: 10200, lightBeatEnabled: true });
    const missing = await get('/v1/ns/instance', form({ ...auth, serviceName: 'svc', port: '80' }));
    expect([missing.status, missing.body]).toEqual([400, "Param 'ip' is required."]);
    const remove = await get(
      `/v1/ns/instance?serviceName=svc&groupName=G&ip=192.0.2.5&port=80&username=nacos&password=server-test-pw`,
      { method: 'DELETE' },
    );
    expect(remove.body).toBe('ok');
    expect(server.state().instances).toBe(0);
  });
});

describe('gRPC', () => {
  const call = async (type: string) => {
    const client = grpcJsFactory(`127.0.0.1:${server.grpcPort}`, { tls: false });
    try {
      return await client.request(
        { type, headers: {}, body: { headers: {}, module: 'internal' } },
        { timeoutMs: 2000, signal: new AbortController().signal },
      );
    } finally {
      client.close();
    }
  };

  it('ServerCheck answers ServerCheckResponse with a connectionId; starting answers ErrorResponse 300', async () => {
    const ok = await call('ServerCheckRequest');
    expect(ok.type).toBe('ServerCheckResponse');
    expect(ok.body).toMatchObject({
      resultCode: 200,
      errorCode: 0,
      success: true,
      supportAbilityNegotiation: true,
    });
    expect(ok.body.connectionId).toMatch(/^\d+_127\.0\.0\.1_\d+$/);
    await server.setFaults({ grpcStarting: true });
    const starting = await call('ServerCheckRequest');
    expect(starting).toMatchObject({ type: 'ErrorResponse', body: { resultCode: 500, errorCode: 300 } });
  });

  it('requests before the bi-stream setup get errorCode 301 "Connection is unregistered."', async () => {
    const answer = await call('ConfigQueryRequest');
    expect(answer).toMatchObject({
      type: 'ErrorResponse',
      body: { errorCode: 301, message: 'Connection is unregistered.' },
    });
  });
});
