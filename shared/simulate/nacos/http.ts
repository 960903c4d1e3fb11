import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { configSignResource, hmacSha1Base64 } from '../../nacos/spas.ts';
import { instanceView, type NacosFaults, type NacosStore, type StoredInstance } from './store.ts';

export type ServerSettings = {
  version: () => string;
  auth?: { username: string; password: string };
  ram?: { accessKey: string; secretKey: string };
  faults: () => NacosFaults;
  store: NacosStore;
  /** Long polls held open, released when the server closes. */
  holds: Set<() => void>;
  nodes: () => Array<{ ip: string; port: number }>;
};

type Params = Record<string, string>;
type Answer = { status: number; body: string; type?: string; headers?: Record<string, string> };

const text = (status: number, body: string, headers?: Record<string, string>): Answer => ({
  status,
  body,
  type: 'text/plain;charset=UTF-8',
  headers,
});
const json = (status: number, value: unknown): Answer => ({
  status,
  body: JSON.stringify(value),
  type: 'application/json;charset=UTF-8',
});
/** Spring's error body, as Nacos answers 403/404/410/500. */
const springError = (status: number, error: string, message: string, path: string) =>
  json(status, { timestamp: new Date().toISOString(), status, error, message, path });
const gone = (path: string) =>
  springError(410, 'Gone', 'Current API will be deprecated, please use 3.x API', path);
const envelope = (data: unknown, code = 0, message = 'success') => json(200, { code, message, data });

/** Spring's answer to a method a route does not take. */
const methodNotAllowed = (method: string, fullPath: string) =>
  springError(405, 'Method Not Allowed', `Request method '${method}' not supported`, fullPath);

// Nacos: letters, digits and `_-.:` only
const VALID_NAME = /^[A-Za-z0-9_.:-]+$/;
const DEFAULT_GROUP = 'DEFAULT_GROUP';
const TOKEN_TTL_SECONDS = 18_000;

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/** Nacos reads parameters with getParameter: query and form body together. */
const readParams = async (request: IncomingMessage, url: URL): Promise<Params> => {
  const params: Params = Object.fromEntries(url.searchParams);
  const type = request.headers['content-type'] ?? '';
  const body = await readBody(request);
  if (body && (type.includes('x-www-form-urlencoded') || type === '')) {
    for (const [key, value] of new URLSearchParams(body)) params[key] = value;
  }
  return params;
};

type Authed = { ok: true } | { ok: false; answer: Answer };

const checkAuth = (
  settings: ServerSettings,
  request: IncomingMessage,
  params: Params,
  path: string,
): Authed => {
  const { auth, ram, store } = settings;
  if (!auth && !ram) return { ok: true };
  const deny = (message: string): Authed => ({
    ok: false,
    answer: springError(403, 'Forbidden', message, `/nacos${path}`),
  });
  const header = request.headers.authorization;
  const token =
    params.accessToken ??
    (typeof request.headers.accesstoken === 'string' ? request.headers.accesstoken : undefined) ??
    (header?.startsWith('Bearer ') ? header.slice(7) : undefined);
  if (token) {
    if (settings.faults().expireTokens) return deny('token expired!');
    const state = store.checkToken(token);
    if (state === 'valid') return { ok: true };
    return deny(state === 'expired' ? 'token expired!' : 'token invalid!');
  }
  if (auth && params.username !== undefined) {
    return params.username === auth.username && params.password === auth.password
      ? { ok: true }
      : deny('user not found!');
  }
  if (ram) {
    const spasKey = request.headers['spas-accesskey'];
    if (typeof spasKey === 'string') {
      const ts = String(request.headers.timestamp ?? '');
      const signed = configSignResource(params.tenant ?? '', params.group ?? '');
      const expected = hmacSha1Base64(signed ? `${signed}+${ts}` : ts, ram.secretKey);
      return spasKey === ram.accessKey && request.headers['spas-signature'] === expected
        ? { ok: true }
        : deny('signature mismatch');
    }
    if (params.ak !== undefined) {
      return params.ak === ram.accessKey &&
        params.signature === hmacSha1Base64(params.data ?? '', ram.secretKey)
        ? { ok: true }
        : deny('signature mismatch');
    }
  }
  return deny('user not found!');
};

const splitGrouped = (serviceName: string, groupName: string | undefined) => {
  const at = serviceName.indexOf('@@');
  if (at >= 0) return { group: serviceName.slice(0, at), service: serviceName.slice(at + 2) };
  return { group: groupName || DEFAULT_GROUP, service: serviceName };
};

const hostView = (i: StoredInstance) => ({
  ...instanceView(i),
  instanceHeartBeatInterval: 5000,
  instanceHeartBeatTimeOut: 15_000,
  ipDeleteTimeout: 30_000,
});

const required = (params: Params, names: string[]): Answer | undefined => {
  for (const name of names) {
    if (params[name] === undefined || params[name] === '') return text(400, `Param '${name}' is required.`);
  }
  return undefined;
};

const invalidName = (params: Params, names: string[]): Answer | undefined => {
  for (const name of names) {
    const value = params[name];
    if (value !== undefined && !VALID_NAME.test(value))
      return text(400, `caused: invalid ${name} : ${value};`);
  }
  return undefined;
};

/** `*` is the only wildcard of the Nacos "blur" search. */
const blurMatch = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

const configApi = async (
  settings: ServerSettings,
  method: string,
  path: string,
  params: Params,
  request: IncomingMessage,
): Promise<Answer> => {
  const { store } = settings;
  const tenant = params.tenant ?? '';
  if (path === '/v1/cs/configs/listener' && method === 'POST') {
    const listening = params['Listening-Configs'] ?? '';
    const items = listening
      .split('\u0001')
      .filter(Boolean)
      .map((line) => {
        const [dataId = '', group = '', md5 = '', itemTenant = ''] = line.split('\u0002');
        return { dataId, group, md5, tenant: itemTenant };
      });
    const changed = () =>
      items.filter((item) => (store.getConfig(item.tenant, item.group, item.dataId)?.md5 ?? '') !== item.md5);
    const encode = (list: typeof items) =>
      encodeURIComponent(
        list
          .map(
            (item) => `${item.dataId}\u0002${item.group}${item.tenant ? `\u0002${item.tenant}` : ''}\u0001`,
          )
          .join(''),
      );
    const now = changed();
    const timeout = Number(request.headers['long-pulling-timeout'] ?? 0);
    if (now.length > 0 || !(timeout > 0)) return text(200, now.length > 0 ? `${encode(now)}\n` : '');
    // hold the poll until a watched config changes, or answer empty just before the client gives up
    const result = await new Promise<typeof items>((resolve) => {
      const release = () => {
        clearTimeout(timer);
        unwatch();
        settings.holds.delete(release);
        resolve(changed());
      };
      const timer = setTimeout(release, Math.max(10, Math.min(timeout - 500, 30_000)));
      const unwatch = store.onConfigChange((config) => {
        if (
          items.some(
            (i) => i.dataId === config.dataId && i.group === config.group && i.tenant === config.tenant,
          )
        ) {
          release();
        }
      });
      settings.holds.add(release);
    });
    return text(200, result.length > 0 ? `${encode(result)}\n` : '');
  }
  if (path !== '/v1/cs/configs')
    return springError(404, 'Not Found', 'No message available', `/nacos${path}`);
  if (method === 'GET' && params.search !== undefined) {
    const items = [...store.configs.values()].filter((config) => {
      if (config.tenant !== tenant) return false;
      const match = params.search === 'blur' ? blurMatch : (a: string, b: string) => a === b;
      if (params.dataId && !match(params.dataId, config.dataId)) return false;
      if (params.group && !match(params.group, config.group)) return false;
      return true;
    });
    const pageSize = Math.max(1, Number(params.pageSize ?? 100));
    const pageNo = Math.max(1, Number(params.pageNo ?? 1));
    return json(200, {
      totalCount: items.length,
      pageNumber: pageNo,
      pagesAvailable: Math.ceil(items.length / pageSize),
      pageItems: items.slice((pageNo - 1) * pageSize, pageNo * pageSize).map((config, index) => ({
        id: String(index + 1),
        dataId: config.dataId,
        group: config.group,
        content: config.content,
        md5: config.md5,
        tenant: config.tenant,
        type: config.type,
      })),
    });
  }
  const missing = required(params, ['dataId', 'group']) ?? invalidName(params, ['dataId', 'group']);
  if (missing) return missing;
  const dataId = params.dataId as string;
  const group = params.group as string;
  switch (method) {
    case 'GET': {
      const found = store.getConfig(tenant, group, dataId);
      if (!found) return text(404, 'config data not exist\n');
      return text(200, found.content, {
        'Content-MD5': found.md5,
        'Config-Type': found.type,
        'Last-Modified': new Date(found.lastModified).toUTCString(),
      });
    }
    case 'POST': {
      if (params.content === undefined || params.content === '')
        return text(400, "Param 'content' is required.");
      if (!settings.faults().loseConfigs)
        store.putConfig(tenant, group, dataId, params.content, params.type || 'text');
      return text(200, 'true');
    }
    case 'DELETE':
      store.removeConfig(tenant, group, dataId);
      return text(200, 'true');
    default:
      return methodNotAllowed(method, `/nacos${path}`);
  }
};

const namingApi = (settings: ServerSettings, method: string, path: string, params: Params): Answer => {
  const { store } = settings;
  const faults = settings.faults();
  const namespaceId = params.namespaceId || 'public';
  if (path === '/v1/ns/operator/metrics') return json(200, { status: 'UP', serviceCount: 0, load: 0 });
  if (path === '/v1/ns/instance/list' && method === 'GET') {
    const missing = required(params, ['serviceName']);
    if (missing) return missing;
    const { group, service } = splitGrouped(params.serviceName as string, params.groupName);
    const healthyOnly = params.healthyOnly === 'true';
    const hosts = store
      .listInstances(namespaceId, group, service)
      .filter((instance) => !healthyOnly || instance.healthy)
      .map(hostView);
    return json(200, {
      name: `${group}@@${service}`,
      groupName: group,
      clusters: params.clusters ?? '',
      cacheMillis: 10_000,
      hosts,
      lastRefTime: Date.now(),
      checksum: '',
      allIPs: false,
      reachProtectionThreshold: false,
      valid: true,
    });
  }
  if (path === '/v1/ns/instance/beat' && method === 'PUT') {
    let beat: {
      ip?: string;
      port?: number;
      cluster?: string;
      serviceName?: string;
      metadata?: Record<string, string>;
    } = {};
    try {
      beat = params.beat ? JSON.parse(params.beat) : {};
    } catch {
      return text(400, 'caused: beat is not JSON;');
    }
    const { group, service } = splitGrouped(beat.serviceName ?? params.serviceName ?? '', params.groupName);
    const key = {
      namespaceId,
      group,
      service,
      ip: beat.ip ?? params.ip ?? '',
      port: Number(beat.port ?? params.port),
      clusterName: beat.cluster ?? params.clusterName ?? 'DEFAULT',
    };
    const found = store.findInstance(key);
    if (found) {
      found.lastBeat = Date.now();
      found.healthy = true;
    } else if (beat.ip) {
      // Nacos re-registers an instance it lost when the beat carries the instance
      store.putInstance({
        ...key,
        weight: 1,
        healthy: true,
        enabled: true,
        ephemeral: true,
        metadata: beat.metadata ?? {},
      });
    } else {
      return json(200, { clientBeatInterval: 5000, code: 20404, lightBeatEnabled: true });
    }
    return json(200, { clientBeatInterval: 5000, code: 10200, lightBeatEnabled: true });
  }
  if (path !== '/v1/ns/instance')
    return springError(404, 'Not Found', 'No message available', `/nacos${path}`);
  if (method === 'PUT' && faults.v3) return gone(`/nacos${path}`);
  const missing = required(params, ['serviceName', 'ip', 'port']);
  if (missing) return missing;
  const { group, service } = splitGrouped(params.serviceName as string, params.groupName);
  const badName = invalidName({ service, group }, ['service', 'group']);
  if (badName) return badName;
  const port = Number(params.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    return text(400, `caused: invalid port : ${params.port};`);
  const key = {
    namespaceId,
    group,
    service,
    ip: params.ip as string,
    port,
    clusterName: params.clusterName || 'DEFAULT',
  };
  switch (method) {
    case 'POST':
    case 'PUT': {
      let metadata: Record<string, string> = {};
      if (params.metadata) {
        try {
          metadata = JSON.parse(params.metadata);
        } catch {
          return text(400, 'caused: metadata is not JSON;');
        }
      }
      const existing = store.findInstance(key);
      store.putInstance({
        ...key,
        weight: params.weight ? Number(params.weight) : (existing?.weight ?? 1),
        healthy: params.healthy ? params.healthy !== 'false' : (existing?.healthy ?? true),
        enabled: (params.enabled ?? params.enable) !== 'false',
        ephemeral: params.ephemeral ? params.ephemeral !== 'false' : (existing?.ephemeral ?? true),
        metadata,
      });
      return text(200, 'ok');
    }
    case 'DELETE':
      store.removeInstance(key);
      return text(200, 'ok');
    default:
      return methodNotAllowed(method, `/nacos${path}`);
  }
};

const clusterNodes = (settings: ServerSettings) => {
  const nodes = settings.nodes().map((node) => ({
    ip: node.ip,
    port: node.port,
    state: 'UP',
    address: `${node.ip}:${node.port}`,
    extendInfo: { version: settings.version(), raftPort: String(node.port - 1000) },
    failAccessCnt: 0,
  }));
  if (settings.faults().nodeDown) {
    nodes.push({
      ip: '192.0.2.2',
      port: 8848,
      state: 'DOWN',
      address: '192.0.2.2:8848',
      extendInfo: { version: settings.version(), raftPort: '7848' },
      failAccessCnt: 3,
    });
  }
  return nodes;
};

const login = (settings: ServerSettings, params: Params, path: string): Answer => {
  const { auth, store } = settings;
  const username = params.username ?? '';
  const accepted =
    !settings.faults().rejectLogin &&
    (auth === undefined || (username === auth.username && params.password === auth.password));
  if (!accepted) return text(403, 'user not found!');
  const accessToken = store.issueToken(username, TOKEN_TTL_SECONDS);
  const body = { accessToken, tokenTtl: TOKEN_TTL_SECONDS, globalAdmin: true, username };
  return path.startsWith('/v3/') ? envelope(body) : json(200, body);
};

/** Routes one request. Paths are below the `/nacos` context path. */
const route = async (
  settings: ServerSettings,
  request: IncomingMessage,
  method: string,
  path: string,
  params: Params,
): Promise<Answer> => {
  const faults = settings.faults();
  const v3 = faults.v3;
  const full = `/nacos${path}`;
  const notFound = () => springError(404, 'Not Found', 'No message available', full);
  const notReadyText = 'naming and config not in readiness';

  // health: never behind auth, unaffected by serverErrors
  switch (path) {
    case '/':
    case '':
      return v3
        ? text(200, 'Nacos Console default port is 8080, and the path is /.')
        : text(302, '', { Location: '/nacos/index.html' });
    case '/v1/console/health/liveness':
      return v3 ? gone(full) : text(200, 'OK');
    case '/v1/console/health/readiness':
      if (v3) return gone(full);
      return faults.notReady ? text(500, notReadyText) : text(200, 'OK');
    case '/v2/console/health/liveness':
      return v3 ? gone(full) : envelope('ok');
    case '/v2/console/health/readiness':
      if (v3) return gone(full);
      return faults.notReady ? envelope(null, 30_000, notReadyText) : envelope('ok');
    case '/v3/admin/core/state/liveness':
      return v3 ? envelope('ok') : notFound();
    case '/v3/admin/core/state/readiness':
      if (!v3) return notFound();
      return faults.notReady ? envelope(null, 30_000, notReadyText) : envelope('ok');
    case '/v1/console/server/state':
      if (v3) return gone(full);
      return json(200, {
        version: settings.version(),
        startup_mode: 'standalone',
        function_mode: null,
        auth_enabled: String(settings.auth !== undefined || settings.ram !== undefined),
        login_page_enabled: 'true',
      });
    default:
      break;
  }

  const isLogin =
    (path === '/v1/auth/login' && !v3) ||
    path === '/v1/auth/users/login' ||
    (path === '/v3/auth/user/login' && v3);
  if (isLogin) {
    if (method !== 'POST') return methodNotAllowed(method, full);
    if (faults.serverErrors) return springError(500, 'Internal Server Error', 'simulated server error', full);
    return login(settings, params, path);
  }

  const secured =
    path.startsWith('/v1/cs/') ||
    path.startsWith('/v1/ns/') ||
    path === '/v1/core/cluster/nodes' ||
    (v3 && path.startsWith('/v3/admin/'));
  if (!secured) return v3 && path.startsWith('/v1/console/') ? gone(full) : notFound();
  if (path === '/v1/core/cluster/nodes' && v3) return gone(full);
  const authed = checkAuth(settings, request, params, path);
  if (!authed.ok) return authed.answer;
  if (faults.serverErrors) return springError(500, 'Internal Server Error', 'simulated server error', full);
  if (path.startsWith('/v1/cs/')) return configApi(settings, method, path, params, request);
  if (path.startsWith('/v1/ns/')) return namingApi(settings, method, path, params);
  if (path === '/v1/core/cluster/nodes')
    return json(200, { code: 200, message: null, data: clusterNodes(settings) });
  if (path === '/v3/admin/core/cluster/node/list') return envelope(clusterNodes(settings));
  if (path === '/v3/admin/core/state') {
    return envelope({ version: settings.version(), startup_mode: 'standalone', auth_enabled: 'true' });
  }
  return notFound();
};

export const createHttpHandler =
  (settings: ServerSettings) =>
  async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    try {
      const url = new URL(request.url ?? '/', 'http://nacos.invalid');
      const params = await readParams(request, url);
      const slow = settings.faults().slowMs;
      if (slow > 0) await sleep(slow);
      const answer = url.pathname.startsWith('/nacos')
        ? await route(settings, request, request.method ?? 'GET', url.pathname.slice('/nacos'.length), params)
        : springError(404, 'Not Found', 'No message available', url.pathname);
      if (response.destroyed) return;
      response.writeHead(answer.status, {
        ...(answer.type ? { 'content-type': answer.type } : {}),
        ...answer.headers,
      });
      response.end(answer.body);
    } catch (error) {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`test server error: ${(error as Error).message}`);
    }
  };
