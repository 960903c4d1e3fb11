import type { IncomingMessage } from 'node:http';
import { type Answer, envelope, json, methodNotAllowed, noResource, text } from './answers.ts';
import {
  checkAuth,
  configTenant,
  isV3,
  namingNamespace,
  type Params,
  type ServerSettings,
} from './settings.ts';
import { clusterNodes, hostView } from './v1.ts';

// The 3.x HTTP APIs of the server port, as the 3.1/3.2 controllers answer:
// - ServerStateController (/v3/admin/core/state[/liveness|/readiness]): no auth.
// - ConfigOpenApiController (/v3/client/cs/config, GET only): client auth; not @NacosApi, so a validation error
//   is the config module's plain-text 400; a missing config is HTTP 200 with code 20004.
// - ConfigControllerV3 (/v3/admin/cs/config[/list]) and NacosClusterControllerV3: admin auth; @NacosApi, so
//   errors are `{code, message, data}` with the exception's HTTP status.
// - InstanceOpenApiController (/v3/client/ns/instance[/list]): client auth, @NacosApi.
// - UserControllerV3 login: a bare {accessToken, tokenTtl, globalAdmin, username}, no envelope.

const TOKEN_TTL_SECONDS = 18_000;
const DEFAULT_GROUP = 'DEFAULT_GROUP';
const VALID_NAME = /^[A-Za-z0-9_.:-]+$/;

// com.alibaba.nacos.api.model.v2.ErrorCode
const PARAMETER_MISSING = { code: 10000, message: 'parameter missing' };
const PARAMETER_VALIDATE_ERROR = { code: 20002, message: 'parameter validate error' };
const RESOURCE_NOT_FOUND = { code: 20004, message: 'resource not found' };
const INSTANCE_NOT_FOUND = { code: 21003, message: 'instance not found' };
const SERVER_ERROR = 30000;

/** NacosApiExceptionHandler: HTTP status from the exception, Result(detailCode, abstract, detail message). */
const apiError = (status: number, error: { code: number; message: string }, detail: string): Answer =>
  envelope(detail, error.code, error.message, status);

const missing = (params: Params, names: string[]): string | undefined =>
  names.find((name) => (params[name] ?? '').trim() === '');

const requiredMessage = (name: string, type = 'String') =>
  `Required parameter '${name}' type ${type} is not present`;

/** Logins, on every path that has one: 3.x answers an unknown user 500, a wrong password 403 (alibaba/nacos#15682). */
export const login = (settings: ServerSettings, params: Params): Answer => {
  const { auth, store } = settings;
  const username = params.username ?? '';
  const accepted =
    !settings.faults().rejectLogin &&
    (auth === undefined || (username === auth.username && params.password === auth.password));
  if (!accepted) {
    if (!isV3(settings)) return text(403, 'user not found!');
    if (auth !== undefined && username !== '' && username !== auth.username) {
      return text(500, `caused: User ${username} not found;`);
    }
    return text(403, 'User not found! Please check user exist or password is right!');
  }
  const accessToken = store.issueToken(username, TOKEN_TTL_SECONDS);
  return json(200, { accessToken, tokenTtl: TOKEN_TTL_SECONDS, globalAdmin: true, username });
};

const serverState = (settings: ServerSettings) => ({
  version: settings.version(),
  startup_mode: 'standalone',
  function_mode: null,
  auth_enabled: String(settings.clientAuth),
  auth_system_type: 'nacos',
  auth_admin_request: 'false',
  login_page_enabled: 'true',
  console_ui_enabled: 'true',
});

const clientConfig = (settings: ServerSettings, method: string, path: string, params: Params): Answer => {
  if (method !== 'GET') return methodNotAllowed(method, `/nacos${path}`);
  const absent = missing(params, ['groupName', 'dataId']);
  if (absent) return text(400, `caused: ${requiredMessage(absent)};`);
  const found = settings.store.getConfig(
    configTenant(settings, params.namespaceId),
    params.groupName as string,
    params.dataId as string,
  );
  if (!found) return envelope(null, RESOURCE_NOT_FOUND.code, RESOURCE_NOT_FOUND.message);
  return envelope({
    resultCode: 200,
    errorCode: 0,
    message: null,
    requestId: null,
    content: found.content,
    encryptedDataKey: null,
    contentType: found.type,
    md5: found.md5,
    lastModified: found.lastModified,
    tag: null,
    beta: false,
    success: true,
  });
};

/** `*` is the only wildcard of the blur search; an empty pattern matches everything. */
const blur = (pattern: string | undefined, value: string) =>
  !pattern ||
  new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

const adminConfig = (settings: ServerSettings, method: string, path: string, params: Params): Answer => {
  const { store } = settings;
  const tenant = configTenant(settings, params.namespaceId);
  if (path === '/v3/admin/cs/config/list') {
    if (method !== 'GET') return methodNotAllowed(method, `/nacos${path}`);
    const items = [...store.configs.values()].filter(
      (config) =>
        config.tenant === tenant &&
        blur(params.dataId, config.dataId) &&
        blur(params.groupName, config.group),
    );
    const pageSize = Math.max(1, Number(params.pageSize ?? 100));
    const pageNo = Math.max(1, Number(params.pageNo ?? 1));
    return envelope({
      totalCount: items.length,
      pageNumber: pageNo,
      pagesAvailable: Math.ceil(items.length / pageSize),
      pageItems: items.slice((pageNo - 1) * pageSize, pageNo * pageSize).map((config, index) => ({
        id: index + 1,
        namespaceId: config.tenant,
        groupName: config.group,
        dataId: config.dataId,
        md5: config.md5,
        type: config.type,
        appName: '',
        createTime: config.lastModified,
        modifyTime: config.lastModified,
      })),
    });
  }
  const absent = missing(
    params,
    method === 'POST' ? ['groupName', 'dataId', 'content'] : ['groupName', 'dataId'],
  );
  if (absent) return apiError(400, PARAMETER_MISSING, requiredMessage(absent));
  const dataId = params.dataId as string;
  const group = params.groupName as string;
  switch (method) {
    case 'GET': {
      const found = store.getConfig(tenant, group, dataId);
      if (!found) return apiError(404, RESOURCE_NOT_FOUND, 'Config not exist, please publish Config first.');
      return envelope({
        id: 1,
        namespaceId: tenant,
        groupName: group,
        dataId,
        md5: found.md5,
        type: found.type,
        appName: '',
        createTime: found.lastModified,
        modifyTime: found.lastModified,
        content: found.content,
        desc: null,
        encryptedDataKey: '',
        createUser: null,
        createIp: '',
        configTags: null,
      });
    }
    case 'POST': {
      for (const [field, value] of [
        ['dataId', dataId],
        ['group', group],
      ] as const) {
        if (!VALID_NAME.test(value)) return apiError(400, PARAMETER_VALIDATE_ERROR, `invalid ${field}`);
      }
      if (!settings.faults().loseConfigs) {
        store.putConfig(tenant, group, dataId, params.content as string, params.type || 'text');
      }
      return envelope(true);
    }
    case 'DELETE':
      store.removeConfig(tenant, group, dataId);
      return envelope(true);
    default:
      return methodNotAllowed(method, `/nacos${path}`);
  }
};

const clientInstance = (settings: ServerSettings, method: string, path: string, params: Params): Answer => {
  const { store } = settings;
  const namespaceId = namingNamespace(params.namespaceId);
  const group = (params.groupName ?? '').trim() || DEFAULT_GROUP;
  const clusterName = (params.clusterName ?? '').trim() || 'DEFAULT';
  if (path === '/v3/client/ns/instance/list') {
    if (method !== 'GET') return methodNotAllowed(method, `/nacos${path}`);
    if (missing(params, ['serviceName'])) {
      return apiError(400, PARAMETER_MISSING, requiredMessage('serviceName'));
    }
    const hosts = store
      .listInstances(namespaceId, group, params.serviceName as string)
      .filter((instance) => instance.clusterName === clusterName)
      .map((instance) => ({ ...hostView(instance), instanceIdGenerator: 'simple' }));
    return envelope(hosts);
  }
  const absent = missing(params, ['serviceName', 'ip']);
  if (absent) return apiError(400, PARAMETER_MISSING, requiredMessage(absent));
  if (missing(params, ['port'])) return apiError(400, PARAMETER_MISSING, requiredMessage('port', 'Integer'));
  const port = Number(params.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    return apiError(400, PARAMETER_VALIDATE_ERROR, `invalid port: ${params.port}`);
  }
  const key = {
    namespaceId,
    group,
    service: params.serviceName as string,
    ip: params.ip as string,
    port,
    clusterName,
  };
  switch (method) {
    case 'POST': {
      if (params.heartBeat === 'true') {
        const found = store.findInstance(key);
        if (!found) return envelope(null, INSTANCE_NOT_FOUND.code, INSTANCE_NOT_FOUND.message);
        found.lastBeat = Date.now();
        found.healthy = true;
        return envelope('ok');
      }
      let metadata: Record<string, string> = {};
      if (params.metadata) {
        try {
          metadata = JSON.parse(params.metadata);
        } catch {
          return apiError(400, PARAMETER_VALIDATE_ERROR, 'metadata format incorrect');
        }
      }
      store.putInstance({
        ...key,
        weight: params.weight ? Number(params.weight) : 1,
        healthy: params.healthy !== 'false',
        enabled: params.enabled !== 'false',
        ephemeral: params.ephemeral !== 'false',
        metadata,
      });
      return envelope('ok');
    }
    case 'DELETE':
      // deregistering an instance the server does not have is a success too
      store.removeInstance(key);
      return envelope('ok');
    default:
      return methodNotAllowed(method, `/nacos${path}`);
  }
};

/** Routes /v3/* on a 3.x server port; a path no v3 controller maps is Spring's 404. */
export const routeV3 = (
  settings: ServerSettings,
  request: IncomingMessage,
  method: string,
  path: string,
  params: Params,
): Answer => {
  const full = `/nacos${path}`;
  const faults = settings.faults();
  switch (path) {
    case '/v3/admin/core/state':
      return envelope(serverState(settings));
    case '/v3/admin/core/state/liveness':
      return envelope('ok');
    case '/v3/admin/core/state/readiness':
      return faults.notReady
        ? envelope(null, SERVER_ERROR, 'naming and config not in readiness')
        : envelope('ok');
    case '/v3/auth/user/login':
      if (method !== 'POST') return methodNotAllowed(method, full);
      if (faults.serverErrors) return envelope(null, SERVER_ERROR, 'simulated server error', 500);
      return login(settings, params);
    default:
      break;
  }
  const handlers: Array<[string, 'client' | 'admin', typeof clientConfig]> = [
    ['/v3/client/cs/config', 'client', clientConfig],
    ['/v3/admin/cs/config', 'admin', adminConfig],
    ['/v3/client/ns/instance', 'client', clientInstance],
    ['/v3/admin/core/cluster/node/list', 'admin', (s) => envelope(clusterNodes(s))],
  ];
  const match = handlers.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`));
  const known = ['/v3/admin/cs/config/list', '/v3/client/ns/instance/list'];
  if (!match || (match[0] !== path && !known.includes(path))) return noResource(full);
  const [, scope, handle] = match;
  const authed = checkAuth(settings, request, params, path, scope);
  if (!authed.ok) return authed.answer;
  if (faults.serverErrors) return envelope(null, SERVER_ERROR, 'simulated server error', 500);
  return handle(settings, method, path, params);
};
