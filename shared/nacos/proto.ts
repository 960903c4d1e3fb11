import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';

/**
 * Nacos 2.x/3.x `nacos_grpc_service.proto`, as a protobufjs JSON descriptor so the bundled CLI and
 * FC handlers need no .proto file at run time. No `package`: the method path is `/Request/request`.
 */
const NACOS_PROTO = {
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Any: {
              fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } },
            },
          },
        },
      },
    },
    Metadata: {
      fields: {
        type: { type: 'string', id: 3 },
        clientIp: { type: 'string', id: 8 },
        headers: { keyType: 'string', type: 'string', id: 7 },
      },
    },
    Payload: {
      fields: {
        metadata: { type: 'Metadata', id: 2 },
        body: { type: 'google.protobuf.Any', id: 3 },
      },
    },
    Request: {
      methods: { request: { requestType: 'Payload', responseType: 'Payload' } },
    },
    BiRequestStream: {
      methods: {
        requestBiStream: {
          requestType: 'Payload',
          responseType: 'Payload',
          requestStream: true,
          responseStream: true,
        },
      },
    },
  },
};

/** A Payload as grpc-js hands it over (field names as in the proto). */
export type WirePayload = {
  metadata?: { type?: string; clientIp?: string; headers?: Record<string, string> } | null;
  body?: { type_url?: string; value?: Uint8Array } | null;
};

/** A decoded Nacos message: its class name, headers and JSON body. */
export type NacosMessage = {
  type: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  clientIp?: string;
};

type ServiceCtor = grpc.ServiceClientConstructor;

const loaded = grpc.loadPackageDefinition(
  // the descriptor literal is wider than protobufjs' INamespace typing (map fields carry keyType)
  fromJSON(NACOS_PROTO as Parameters<typeof fromJSON>[0], { keepCase: true, defaults: true, longs: String }),
);
export const RequestService = loaded.Request as ServiceCtor;
export const BiRequestStreamService = loaded.BiRequestStream as ServiceCtor;

export const toPayload = (message: NacosMessage): WirePayload => ({
  metadata: { type: message.type, clientIp: message.clientIp ?? '', headers: message.headers },
  // Nacos sends an Any with an empty type_url; the class name travels in metadata.type
  body: { type_url: '', value: Buffer.from(JSON.stringify(message.body), 'utf8') },
});

/** Throws a plain Error on a body that is not JSON: the caller classifies it as `protocol`. */
export const fromPayload = (payload: WirePayload): NacosMessage => {
  const raw = payload.body?.value ? Buffer.from(payload.body.value).toString('utf8') : '';
  let body: unknown = {};
  if (raw !== '') body = JSON.parse(raw);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new Error(`payload body is not a JSON object: ${raw.slice(0, 120)}`);
  }
  return {
    type: payload.metadata?.type ?? '',
    headers: payload.metadata?.headers ?? {},
    body: body as Record<string, unknown>,
    clientIp: payload.metadata?.clientIp ?? '',
  };
};
