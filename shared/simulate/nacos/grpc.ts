import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import {
  BiRequestStreamService,
  fromPayload,
  type NacosMessage,
  RequestService,
  toPayload,
  type WirePayload,
} from '../../nacos/proto.ts';
import { configTenant, namingNamespace, type ServerSettings } from './settings.ts';
import { instanceView } from './store.ts';

/** One client connection, keyed by its peer address: registered by ConnectionSetupRequest on the bi-stream. */
type Connection = {
  connectionId: string;
  stream?: grpc.ServerDuplexStream<WirePayload, WirePayload>;
  listening: Set<string>;
};

export type GrpcEvent = { type: string; peer: string; body: Record<string, unknown> };

const ok = (type: string, requestId: unknown, extra: Record<string, unknown> = {}): NacosMessage => ({
  type,
  headers: {},
  body: { resultCode: 200, errorCode: 0, message: null, requestId: requestId ?? '', success: true, ...extra },
});

const errorResponse = (errorCode: number, message: string, requestId: unknown): NacosMessage => ({
  type: 'ErrorResponse',
  headers: {},
  body: { resultCode: 500, errorCode, message, requestId: requestId ?? '', success: false },
});

const key3 = (tenant: string, group: unknown, dataId: unknown) => `${tenant}\u0002${group}\u0002${dataId}`;

/**
 * The client port (main + 1000) of a Nacos 2.x server: `/Request/request` answers ServerCheck, HealthCheck,
 * the config requests and the naming instance/query requests; `/BiRequestStream/requestBiStream` takes
 * ConnectionSetupRequest and carries ConfigChangeNotifyRequest pushes. Enough for the Rust SDK to connect,
 * do config CRUD and register, list and deregister instances.
 */
export const createGrpcServer = (
  settings: ServerSettings,
  onEvent: (event: GrpcEvent) => void = () => {},
): { server: grpc.Server; connections: Map<string, Connection> } => {
  const connections = new Map<string, Connection>();
  const serverCheckIds = new Map<string, string>();
  const { store } = settings;
  // the namespace as the server stores it: "" on 1.x/2.x, `public` on 3.x for a blank one
  const tenantOf = (raw: unknown) => configTenant(settings, raw == null ? '' : String(raw));

  const authorized = (message: NacosMessage): boolean => {
    if (!settings.auth && !settings.ram) return true;
    const token = message.headers.accessToken;
    if (token && !settings.faults().expireTokens) return store.checkToken(token) === 'valid';
    // RAM-signed gRPC requests are not verified here: the HTTP side checks Spas signatures
    return settings.ram !== undefined && message.headers['Spas-AccessKey'] !== undefined;
  };

  const handle = (message: NacosMessage, peer: string): NacosMessage => {
    const body = message.body;
    const requestId = body.requestId;
    switch (message.type) {
      case 'ServerCheckRequest': {
        if (settings.faults().grpcStarting)
          return errorResponse(300, 'Server is starting,please try later.', requestId);
        const [host = '', port = ''] = splitPeer(peer);
        const connectionId = serverCheckIds.get(peer) ?? `${Date.now()}_${host}_${port}`;
        serverCheckIds.set(peer, connectionId);
        return ok('ServerCheckResponse', requestId, { connectionId, supportAbilityNegotiation: true });
      }
      case 'HealthCheckRequest':
        return connections.has(peer)
          ? ok('HealthCheckResponse', requestId)
          : errorResponse(301, 'Connection is unregistered.', requestId);
      default:
        break;
    }
    if (!connections.has(peer)) return errorResponse(301, 'Connection is unregistered.', requestId);
    const configType = message.type.replace(/Request$/, 'Response');
    if (message.type.startsWith('Config') && !authorized(message)) {
      return {
        type: configType,
        headers: {},
        body: { ...errorResponse(403, 'token invalid!', requestId).body },
      };
    }
    switch (message.type) {
      case 'ConfigQueryRequest': {
        const found = store.getConfig(tenantOf(body.tenant), String(body.group), String(body.dataId));
        if (!found) {
          return {
            type: 'ConfigQueryResponse',
            headers: {},
            body: {
              ...errorResponse(300, 'config data not exist', requestId).body,
              content: null,
              lastModified: 0,
              beta: false,
            },
          };
        }
        return ok('ConfigQueryResponse', requestId, {
          content: found.content,
          md5: found.md5,
          contentType: found.type,
          encryptedDataKey: '',
          tag: null,
          lastModified: found.lastModified,
          beta: false,
        });
      }
      case 'ConfigPublishRequest': {
        if (!settings.faults().loseConfigs) {
          store.putConfig(
            tenantOf(body.tenant),
            String(body.group),
            String(body.dataId),
            String(body.content ?? ''),
          );
        }
        return ok('ConfigPublishResponse', requestId);
      }
      case 'ConfigRemoveRequest':
        store.removeConfig(tenantOf(body.tenant), String(body.group), String(body.dataId));
        return ok('ConfigRemoveResponse', requestId);
      case 'InstanceRequest':
      case 'PersistentInstanceRequest': {
        const instance = (body.instance ?? {}) as Record<string, unknown>;
        const key = {
          namespaceId: namingNamespace(String(body.namespace ?? '')),
          group: String(body.groupName || 'DEFAULT_GROUP'),
          service: String(body.serviceName ?? ''),
          ip: String(instance.ip ?? ''),
          port: Number(instance.port),
          clusterName: String(instance.clusterName || 'DEFAULT'),
        };
        const ephemeral = message.type === 'InstanceRequest';
        if (body.type === 'deregisterInstance') store.removeInstance(key);
        else {
          store.putInstance({
            ...key,
            weight: typeof instance.weight === 'number' ? instance.weight : 1,
            healthy: instance.healthy !== false,
            enabled: instance.enabled !== false,
            ephemeral,
            metadata: (instance.metadata ?? {}) as Record<string, string>,
            ...(ephemeral ? { connection: peer } : {}),
          });
        }
        return ok('InstanceResponse', requestId, { type: body.type });
      }
      case 'ServiceQueryRequest':
      case 'SubscribeServiceRequest': {
        const namespaceId = namingNamespace(String(body.namespace ?? ''));
        const group = String(body.groupName || 'DEFAULT_GROUP');
        const service = String(body.serviceName ?? '');
        const healthyOnly = body.healthyOnly === true;
        const hosts = store
          .listInstances(namespaceId, group, service)
          .filter((i) => !healthyOnly || i.healthy)
          .map(instanceView);
        const serviceInfo = {
          name: service,
          groupName: group,
          clusters: String(body.clusters ?? body.cluster ?? ''),
          cacheMillis: 10_000,
          lastRefTime: Date.now(),
          checksum: '',
          allIPs: false,
          reachProtectionThreshold: false,
          valid: true,
          hosts,
        };
        const type =
          message.type === 'ServiceQueryRequest' ? 'QueryServiceResponse' : 'SubscribeServiceResponse';
        return ok(type, requestId, { serviceInfo });
      }
      case 'ConfigBatchListenRequest': {
        const contexts = Array.isArray(body.configListenContexts)
          ? (body.configListenContexts as Array<Record<string, unknown>>)
          : [];
        const connection = connections.get(peer);
        const changed = [];
        for (const context of contexts) {
          const k = key3(tenantOf(context.tenant), context.group, context.dataId);
          if (body.listen) connection?.listening.add(k);
          else connection?.listening.delete(k);
          const md5 = store.getConfig(
            tenantOf(context.tenant),
            String(context.group),
            String(context.dataId),
          )?.md5;
          if ((md5 ?? '') !== (context.md5 ?? '')) {
            changed.push({ dataId: context.dataId, group: context.group, tenant: context.tenant ?? '' });
          }
        }
        return ok('ConfigChangeBatchListenResponse', requestId, { changedConfigs: changed });
      }
      default:
        return errorResponse(302, `RequestHandler Not Found: ${message.type}`, requestId);
    }
  };

  // push changes to listening connections, as Nacos does over the bi-stream
  store.onConfigChange((config) => {
    const k = key3(config.tenant, config.group, config.dataId);
    for (const connection of connections.values()) {
      if (!connection.stream || !connection.listening.has(k)) continue;
      connection.stream.write(
        toPayload({
          type: 'ConfigChangeNotifyRequest',
          headers: {},
          body: {
            headers: {},
            requestId: String(Date.now()),
            module: 'config',
            dataId: config.dataId,
            group: config.group,
            tenant: config.tenant,
          },
        }),
      );
    }
  });

  const server = new grpc.Server();
  server.addService(RequestService.service, {
    request: async (
      call: grpc.ServerUnaryCall<WirePayload, WirePayload>,
      callback: grpc.sendUnaryData<WirePayload>,
    ) => {
      const slow = settings.faults().slowMs;
      if (slow > 0) await sleep(slow);
      let message: NacosMessage;
      try {
        message = fromPayload(call.request);
      } catch (error) {
        return callback(null, toPayload(errorResponse(400, (error as Error).message, '')));
      }
      onEvent({ type: message.type, peer: call.getPeer(), body: message.body });
      callback(null, toPayload(handle(message, call.getPeer())));
    },
  });
  server.addService(BiRequestStreamService.service, {
    requestBiStream: (stream: grpc.ServerDuplexStream<WirePayload, WirePayload>) => {
      const peer = stream.getPeer();
      stream.on('data', (payload: WirePayload) => {
        let message: NacosMessage;
        try {
          message = fromPayload(payload);
        } catch {
          return;
        }
        onEvent({ type: message.type, peer, body: message.body });
        if (message.type === 'ConnectionSetupRequest') {
          const connectionId = serverCheckIds.get(peer) ?? `${Date.now()}_${splitPeer(peer).join('_')}`;
          connections.set(peer, { connectionId, stream, listening: new Set() });
        }
        // anything else on the stream is a client's answer to a push: nothing to do
      });
      const drop = () => {
        connections.delete(peer);
        serverCheckIds.delete(peer);
        store.dropConnection(peer);
      };
      stream.on('end', () => {
        drop();
        stream.end();
      });
      stream.on('error', drop);
      stream.on('cancelled', drop);
    },
  });
  return { server, connections };
};

/** grpc-js peers look like `127.0.0.1:5000` or `[::1]:5000` (older versions prefix `ipv4:`). */
const splitPeer = (peer: string): [string, string] => {
  const bare = peer.replace(/^ipv[46]:/, '');
  const at = bare.lastIndexOf(':');
  return [bare.slice(0, at).replace(/^\[|\]$/g, ''), bare.slice(at + 1)];
};
