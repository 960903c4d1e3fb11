import type { IncomingMessage } from 'node:http';
import { type Answer, json, methodNotAllowed, noResource, noSuchApi, springError, text } from './answers.ts';
import { configTenant, isV3, namingNamespace, type Params, type ServerSettings } from './settings.ts';
import { instanceView, type StoredInstance } from './store.ts';

// The v1 HTTP APIs: all there is on 1.x/2.x; on 3.0/3.1 the client ones (config CRUD, listener, instance
// register/deregister/list/beat, operator metrics) are still served by default, the admin and console ones
// answer 410. 3.2 has none of them (see http.ts).

// Nacos: letters, digits and `_-.:` only
const VALID_NAME = /^[A-Za-z0-9_.:-]+$/;
const DEFAULT_GROUP = 'DEFAULT_GROUP';

export const splitGrouped = (serviceName: string, groupName: string | undefined) => {
  const at = serviceName.indexOf('@@');
  if (at >= 0) return { group: serviceName.slice(0, at), service: serviceName.slice(at + 2) };
  return { group: groupName || DEFAULT_GROUP, service: serviceName };
};

export const hostView = (i: StoredInstance) => ({
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
export const blurMatch = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

export const configApiV1 = async (
  settings: ServerSettings,
  method: string,
  path: string,
  params: Params,
  request: IncomingMessage,
): Promise<Answer> => {
  const { store } = settings;
  const v3 = isV3(settings);
  const full = `/nacos${path}`;
  const tenant = configTenant(settings, params.tenant);
  if (path === '/v1/cs/configs/listener' && method === 'POST') {
    const listening = params['Listening-Configs'] ?? '';
    const items = listening
      .split('\u0001')
      .filter(Boolean)
      .map((line) => {
        const [dataId = '', group = '', md5 = '', itemTenant = ''] = line.split('\u0002');
        return { dataId, group, md5, tenant: configTenant(settings, itemTenant) };
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
  if (path !== '/v1/cs/configs') {
    return v3 ? noResource(full) : springError(404, 'No message available', full);
  }
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

export const namingApiV1 = (
  settings: ServerSettings,
  method: string,
  path: string,
  params: Params,
): Answer => {
  const { store } = settings;
  const full = `/nacos${path}`;
  const namespaceId = namingNamespace(params.namespaceId);
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
  // DistroFilter: an unmapped /v1/ns/* path is 501 "no such api"
  if (path !== '/v1/ns/instance') return noSuchApi(method, full);
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

export const clusterNodes = (settings: ServerSettings) => {
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
