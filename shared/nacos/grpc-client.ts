import * as grpc from '@grpc/grpc-js';
import type { GrpcChannelOptions, NacosGrpcClient, NacosGrpcFactory } from './context.ts';
import { StepFailure } from './http.ts';
import { fromPayload, RequestService, toPayload, type WirePayload } from './proto.ts';

type UnaryClient = grpc.Client & {
  request(
    payload: WirePayload,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: WirePayload) => void,
  ): grpc.ClientUnaryCall;
};

/** Maps a gRPC status (and the OS error inside its details) to a failure class; `tls` = the channel used TLS. */
export const classifyGrpcError = (
  error: grpc.ServiceError,
  signal: AbortSignal,
  tls = false,
): StepFailure => {
  // grpc-js appends an empty "Resolution note:" when name resolution had nothing to say
  const details = `${error.details ?? error.message}`.replace(/[.\s]*Resolution note:\s*$/, '');
  switch (error.code) {
    case grpc.status.DEADLINE_EXCEEDED:
      return new StepFailure('timeout', `gRPC deadline exceeded: ${details}`);
    case grpc.status.CANCELLED:
      return new StepFailure('timeout', signal.aborted ? 'run cut short before an answer came' : details);
    case grpc.status.UNIMPLEMENTED:
      return new StepFailure('protocol', `not a Nacos gRPC port (UNIMPLEMENTED): ${details}`);
    case grpc.status.UNAVAILABLE: {
      if (/ECONNREFUSED/.test(details)) return new StepFailure('refused', details);
      if (/ETIMEDOUT/.test(details)) return new StepFailure('timeout', details);
      if (/ENETUNREACH|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Name resolution failed|DNS/i.test(details)) {
        return new StepFailure('unreachable', details);
      }
      if (/SSL|TLS|certificate|handshake/i.test(details)) {
        const plaintext = /wrong version number/i.test(details)
          ? ' (the port speaks plaintext gRPC: set tls.enabled: false, or turn TLS on at the server)'
          : '';
        return new StepFailure('tls', `${details.trim()}${plaintext}`);
      }
      // TCP connected but no HTTP/2 session came up: a plaintext client at a TLS port looks exactly like this
      if (!tls && /Failed to connect|Connection dropped|Protocol error/i.test(details)) {
        return new StepFailure(
          'protocol',
          `${details} (the port accepted the connection but no gRPC session followed: if the server has TLS on, e.g. MSE TLSEnabled, set tls.enabled: true)`,
        );
      }
      return new StepFailure('unreachable', details);
    }
    default:
      return new StepFailure('protocol', `gRPC status ${error.code}: ${details}`);
  }
};

const channelCredentials = (options: GrpcChannelOptions): grpc.ChannelCredentials => {
  if (!options.tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(
    options.ca === undefined ? null : Buffer.from(options.ca),
    options.key === undefined ? null : Buffer.from(options.key),
    options.cert === undefined ? null : Buffer.from(options.cert),
    options.verify === false ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {},
  );
};

/** grpc-js over the Nacos proto: one channel per check, closed afterwards. */
export const grpcJsFactory: NacosGrpcFactory = (address, options): NacosGrpcClient => {
  const client = new RequestService(address, channelCredentials(options), {
    // one attempt: a monitor wants to see the failure, not hide it behind reconnects
    'grpc.enable_retries': 0,
    'grpc.initial_reconnect_backoff_ms': 1000,
    // the certificate name to check (and SNI) when the address is an IP or a VIP
    ...(options.tls && options.servername
      ? { 'grpc.ssl_target_name_override': options.servername, 'grpc.default_authority': options.servername }
      : {}),
  }) as unknown as UnaryClient;
  return {
    request: (message, { timeoutMs, signal }) =>
      new Promise((resolve, reject) => {
        const call = client.request(
          toPayload(message),
          new grpc.Metadata(),
          { deadline: Date.now() + timeoutMs },
          (error, response) => {
            signal.removeEventListener('abort', onAbort);
            if (error) return reject(classifyGrpcError(error, signal, options.tls));
            try {
              resolve(fromPayload(response ?? {}));
            } catch (parseError) {
              reject(new StepFailure('protocol', (parseError as Error).message));
            }
          },
        );
        const onAbort = () => call.cancel();
        if (signal.aborted) call.cancel();
        else signal.addEventListener('abort', onAbort, { once: true });
      }),
    close: () => client.close(),
  };
};
