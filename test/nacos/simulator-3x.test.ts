// The simulator as Nacos 3.1 and 3.2 answers what the server sources say. Sources read (alibaba/nacos):
// - 3.1: develop at 486e1984 (3.1.0-SNAPSHOT, 2025-09): core/controller/compatibility/ApiCompatibilityFilter,
//   ApiCompatibilityConfig (client on, console and admin off), config/controller/ConfigController and
//   naming/controllers/InstanceController @Compatibility, server/NacosServerWebApplication (console package not
//   on the server port), core/controller/v3/ServerStateController (no @Secured), config ConfigOpenApiController,
//   ConfigControllerV3, naming InstanceOpenApiController, core/auth/AbstractWebAuthFilter + AuthAdminFilter,
//   plugin AuthResult.format ("Code: %d, Message: %s."), UserControllerV3.login (bare ObjectNode).
// - 3.2: main at 03ec6660 (after the removal): naming/web/NamingConfig (DistroFilter still on /v1/ns/*),
//   naming/web/DistroFilter (501 "no such api:METHOD:URI"), plugin controller/UserController ("login only"),
//   ConfigOpenApiController and InstanceOpenApiController unchanged; nacos-group/nacos-api-legacy-adapter holds
//   every other v1/v2 controller (OperatorController with /v1/ns/operator/metrics included).
// Where a body comes from Spring's error page, the shape is Spring Boot's (server.error.include-message=ALWAYS).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NacosTestServer, startNacosTestServer } from '../../shared/simulate/nacos/index.ts';

const USER = { username: 'nacos', password: 'sim-3x-pw' };

let v31: NacosTestServer;
let v32: NacosTestServer;
let open32: NacosTestServer;
beforeAll(async () => {
  v31 = await startNacosTestServer({ version: '3.1', auth: USER });
  v32 = await startNacosTestServer({ version: '3.2', auth: USER });
  // the 3.x default: client auth off, admin auth on
  open32 = await startNacosTestServer({ version: '3.2', auth: USER, clientAuth: false });
});
afterAll(async () => {
  await Promise.all([v31, v32, open32].map((server) => server?.close()));
});

const call = async (
  server: NacosTestServer,
  method: string,
  path: string,
  params: Record<string, string | undefined> = {},
) => {
  const defined = Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
  const query = new URLSearchParams(defined).toString();
  const inQuery = method === 'GET' || method === 'DELETE';
  const response = await fetch(`${server.url}${path}${inQuery && query ? `?${query}` : ''}`, {
    method,
    ...(inQuery ? {} : { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: query }),
  });
  const body = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body, json: parsed as Record<string, unknown> | undefined };
};

const token = async (server: NacosTestServer) => {
  const answer = await call(server, 'POST', '/v3/auth/user/login', USER);
  return (answer.json as { accessToken: string }).accessToken;
};

describe('3.2 removed the v1/v2 APIs (alibaba/nacos#14050)', () => {
  it.each([
    { method: 'GET', path: '/v1/cs/configs', params: { dataId: 'a', group: 'G' } },
    { method: 'POST', path: '/v1/cs/configs', params: { dataId: 'a', group: 'G', content: 'x' } },
    { method: 'DELETE', path: '/v1/cs/configs', params: { dataId: 'a', group: 'G' } },
    { method: 'POST', path: '/v1/cs/configs/listener', params: {} },
    { method: 'GET', path: '/v1/core/cluster/nodes', params: {} },
    { method: 'GET', path: '/v1/console/health/liveness', params: {} },
    { method: 'GET', path: '/v1/console/server/state', params: {} },
    { method: 'GET', path: '/v2/cs/config', params: { dataId: 'a', group: 'G' } },
    { method: 'GET', path: '/v2/console/health/liveness', params: {} },
  ])('$method $path: Spring 404, no controller maps it', async ({ method, path, params }) => {
    const answer = await call(v32, method, path, params);
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({
      status: 404,
      error: 'Not Found',
      message: `No static resource ${path.slice(1)}.`,
      path: `/nacos${path}`,
    });
    expect(answer.json).toHaveProperty('timestamp');
  });

  it.each([
    { method: 'POST', path: '/v1/ns/instance' },
    { method: 'DELETE', path: '/v1/ns/instance' },
    { method: 'GET', path: '/v1/ns/instance/list' },
    { method: 'PUT', path: '/v1/ns/instance/beat' },
    // the legacy adapter maps it; a second mapping in the server would not start, so 3.2 has none
    { method: 'GET', path: '/v1/ns/operator/metrics' },
  ])('$method $path: DistroFilter 501 "no such api", before any auth', async ({ method, path }) => {
    const answer = await call(v32, method, path, { serviceName: 'svc', ip: '192.0.2.1', port: '80' });
    expect(answer.status).toBe(501);
    expect(answer.json).toMatchObject({
      status: 501,
      error: 'Not Implemented',
      message: `no such api:${method}:/nacos${path}`,
      path: `/nacos${path}`,
    });
  });

  it('keeps the two v1 logins (default auth plugin UserController, "login only") and the v3 one', async () => {
    for (const path of ['/v1/auth/login', '/v1/auth/users/login', '/v3/auth/user/login']) {
      const answer = await call(v32, 'POST', path, USER);
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({
        accessToken: expect.any(String),
        tokenTtl: 18000,
        globalAdmin: true,
        username: 'nacos',
      });
    }
  });

  it('health and state on /v3/admin/core/state, without auth', async () => {
    expect((await call(v32, 'GET', '/v3/admin/core/state/liveness')).json).toEqual({
      code: 0,
      message: 'success',
      data: 'ok',
    });
    expect((await call(v32, 'GET', '/v3/admin/core/state/readiness')).json).toMatchObject({
      code: 0,
      data: 'ok',
    });
    expect((await call(v32, 'GET', '/v3/admin/core/state')).json).toMatchObject({
      code: 0,
      data: { version: '3.2.0' },
    });
  });
});

describe('3.0/3.1: the v1 client APIs stay, v1 admin and console APIs answer 410', () => {
  it.each([
    {
      method: 'GET',
      path: '/v1/core/cluster/nodes',
      params: {},
      key: 'console',
      instead: `GET $\{contextPath:nacos}/v3/admin/core/cluster/node/list`,
    },
    {
      method: 'GET',
      path: '/v1/cs/configs',
      params: { search: 'blur', dataId: '*', group: 'G' },
      key: 'console',
      instead: `GET $\{contextPath:nacos}/v3/console/cs/config/list`,
    },
    {
      method: 'PUT',
      path: '/v1/ns/instance',
      params: { serviceName: 's', ip: '192.0.2.1', port: '1' },
      key: 'admin',
      instead: `PUT $\{contextPath:nacos}/v3/admin/ns/instance`,
    },
  ])('$method $path: 410, before auth, naming its alternative', async ({
    method,
    path,
    params,
    key,
    instead,
  }) => {
    const answer = await call(v31, method, path, params);
    expect(answer.status).toBe(410);
    expect(answer.json).toMatchObject({ status: 410, error: 'Gone', path: `/nacos${path}` });
    // the filter sends the Result JSON as the message, the annotation's placeholder unresolved
    expect(JSON.parse(String(answer.json?.message))).toEqual({
      code: 40000,
      message: `Current API will be deprecated, please use API(s) \`${instead}\` instead, or set \`nacos.core.api.compatibility.${key}.enabled=true\` in application.properties.`,
    });
  });

  it('v1 config and naming client APIs answer as on 2.x, with the 3.x auth message', async () => {
    const denied = await call(v31, 'GET', '/v1/cs/configs', { dataId: 'a', group: 'G' });
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({
      message: 'Code: 401, Message: User not found! Please check user exist or password is right!.',
    });
    const accessToken = await token(v31);
    expect(
      (await call(v31, 'POST', '/v1/cs/configs', { dataId: 'a', group: 'G', content: 'x', accessToken }))
        .body,
    ).toBe('true');
    // a blank tenant is `public` on 3.x: the v3 client API finds what v1 stored
    expect(
      (await call(v31, 'GET', '/v3/client/cs/config', { dataId: 'a', groupName: 'G', accessToken })).json,
    ).toMatchObject({
      code: 0,
      data: { content: 'x' },
    });
    expect((await call(v31, 'DELETE', '/v1/cs/configs', { dataId: 'a', group: 'G', accessToken })).body).toBe(
      'true',
    );
  });

  it('/v1/console/* is not on the server port (404); the console port keeps it behind a 410', async () => {
    expect((await call(v31, 'GET', '/v1/console/health/liveness')).status).toBe(404);
    const onConsolePort = await fetch(`${v31.consoleUrl}/v1/console/health/liveness`);
    expect(onConsolePort.status).toBe(410);
    expect(
      (await fetch(`${v31.consoleUrl}/v3/console/health/liveness`).then((r) => r.json())) as unknown,
    ).toEqual({
      code: 0,
      message: 'success',
      data: 'ok',
    });
  });
});

describe('v3 APIs: envelopes, codes and auth scopes', () => {
  it('config: admin publish and delete, client read; a missing config is HTTP 200 with code 20004', async () => {
    const accessToken = await token(v32);
    const key = { dataId: 'app.yaml', groupName: 'G', accessToken };
    expect((await call(v32, 'POST', '/v3/admin/cs/config', { ...key, content: 'a: 1' })).json).toEqual({
      code: 0,
      message: 'success',
      data: true,
    });
    expect((await call(v32, 'GET', '/v3/client/cs/config', key)).json).toMatchObject({
      code: 0,
      data: { content: 'a: 1', md5: createHash('md5').update('a: 1').digest('hex'), contentType: 'text' },
    });
    expect(
      (await call(v32, 'GET', '/v3/admin/cs/config/list', { dataId: 'app*', groupName: 'G', accessToken }))
        .json,
    ).toMatchObject({
      code: 0,
      data: { totalCount: 1, pageItems: [{ dataId: 'app.yaml', namespaceId: 'public' }] },
    });
    expect((await call(v32, 'DELETE', '/v3/admin/cs/config', key)).json).toMatchObject({
      code: 0,
      data: true,
    });
    const missing = await call(v32, 'GET', '/v3/client/cs/config', key);
    expect([missing.status, missing.json]).toEqual([
      200,
      { code: 20004, message: 'resource not found', data: null },
    ]);
    // the admin read of a missing config is an HTTP 404 (NacosApiException NOT_FOUND)
    expect((await call(v32, 'GET', '/v3/admin/cs/config', key)).status).toBe(404);
  });

  it('validation: @NacosApi controllers answer 400 {code 10000}; the config client API a plain-text 400', async () => {
    const accessToken = await token(v32);
    const noIp = await call(v32, 'POST', '/v3/client/ns/instance', {
      serviceName: 's',
      port: '1',
      accessToken,
    });
    expect([noIp.status, noIp.json]).toEqual([
      400,
      {
        code: 10000,
        message: 'parameter missing',
        data: "Required parameter 'ip' type String is not present",
      },
    ]);
    const noGroup = await call(v32, 'GET', '/v3/client/cs/config', { dataId: 'a', accessToken });
    expect([noGroup.status, noGroup.body]).toEqual([
      400,
      "caused: Required parameter 'groupName' type String is not present;",
    ]);
  });

  it('naming: register, heartbeat, list, deregister; a heartbeat for an unknown instance is code 21003', async () => {
    const instance = { serviceName: 'svc', groupName: 'G', ip: '192.0.2.9', port: '80', ephemeral: 'true' };
    expect((await call(open32, 'POST', '/v3/client/ns/instance', instance)).json).toEqual({
      code: 0,
      message: 'success',
      data: 'ok',
    });
    expect(
      (await call(open32, 'POST', '/v3/client/ns/instance', { ...instance, heartBeat: 'true' })).json,
    ).toMatchObject({
      code: 0,
    });
    const list = await call(open32, 'GET', '/v3/client/ns/instance/list', {
      serviceName: 'svc',
      groupName: 'G',
    });
    expect(list.json).toMatchObject({
      code: 0,
      data: [{ ip: '192.0.2.9', port: 80, clusterName: 'DEFAULT', serviceName: 'G@@svc', ephemeral: true }],
    });
    expect((await call(open32, 'DELETE', '/v3/client/ns/instance', instance)).json).toMatchObject({
      code: 0,
    });
    const lost = await call(open32, 'POST', '/v3/client/ns/instance', { ...instance, heartBeat: 'true' });
    expect([lost.status, lost.json]).toEqual([
      200,
      { code: 21003, message: 'instance not found', data: null },
    ]);
  });

  it('client auth off, admin auth on: client APIs open, admin APIs 403 "Code: 401, ..." until a login', async () => {
    expect(
      (await call(open32, 'GET', '/v3/client/cs/config', { dataId: 'a', groupName: 'G' })).json,
    ).toMatchObject({
      code: 20004,
    });
    const denied = await call(open32, 'POST', '/v3/admin/cs/config', {
      dataId: 'a',
      groupName: 'G',
      content: 'x',
    });
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({
      status: 403,
      error: 'Forbidden',
      message: 'Code: 401, Message: User not found! Please check user exist or password is right!.',
      path: '/nacos/v3/admin/cs/config',
    });
    expect((await call(open32, 'GET', '/v3/admin/core/cluster/node/list')).status).toBe(403);
    const accessToken = await token(open32);
    expect(
      (await call(open32, 'GET', '/v3/admin/core/cluster/node/list', { accessToken })).json,
    ).toMatchObject({
      code: 0,
      data: [{ state: 'UP' }],
    });
    const forged = await call(open32, 'GET', '/v3/admin/core/cluster/node/list', { accessToken: 'forged' });
    expect(forged.json).toMatchObject({ message: 'Code: 401, Message: token invalid!.' });
  });

  it('3.x login refusals: wrong password 403, unknown user 500 (alibaba/nacos#15682)', async () => {
    const wrong = await call(v32, 'POST', '/v3/auth/user/login', { username: 'nacos', password: 'nope' });
    expect([wrong.status, wrong.body]).toEqual([
      403,
      'User not found! Please check user exist or password is right!',
    ]);
    const unknown = await call(v32, 'POST', '/v1/auth/login', { username: 'ghost', password: 'nope' });
    expect([unknown.status, unknown.body]).toEqual([500, 'caused: User ghost not found;']);
  });
});
