import type { LookupFunction } from 'node:net';
import { hostname } from 'node:os';
import LogClient, { type LogClientConfig, type RequestOptions } from '@alicloud/log';
import { SLS_MAX_LINES, type SlsConfig } from './config.ts';
import { type LogRecord, toSlsContent } from './records.ts';
import type { LogSink, SinkFlushResult } from './sink.ts';

export type SlsCredentials = { accessKeyId: string; accessKeySecret: string; securityToken?: string };

/** Just what the sink needs from @alicloud/log, so tests can count calls without replacing the SDK. */
export type SlsClient = Pick<LogClient, 'postLogStoreLogs'>;

export type SlsSinkDeps = {
  /** Static keys, or a provider the SDK asks before every request (STS tokens expire). */
  credentials: SlsCredentials | (() => Promise<SlsCredentials>);
  createClient: (config: LogClientConfig) => SlsClient;
  /** Name resolution for the endpoint; the default is the system resolver. */
  lookup?: LookupFunction;
  sleep: (ms: number) => Promise<void>;
  hostname: () => string;
};

export const defaultSlsSinkDeps = (
  credentials: SlsSinkDeps['credentials'],
): Omit<SlsSinkDeps, 'lookup'> & { lookup?: LookupFunction } => ({
  credentials,
  createClient: (config) => new LogClient(config),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  hostname,
});

/** The endpoint host and scheme for a config: https unless the endpoint is an intranet one. */
export const slsEndpoint = (config: SlsConfig): { host: string; https: boolean } => {
  const host = config.endpoint ?? `${config.region}${config.intranet ? '-intranet' : ''}.log.aliyuncs.com`;
  const intranet = /-intranet\.log\.aliyuncs\.com(:\d+)?$/.test(host);
  const https = config.protocol === 'auto' ? !intranet : config.protocol === 'https';
  return { host, https };
};

/**
 * Error codes SLS answers with that a later attempt may not get (docs: "Error codes" of PutLogs).
 * Anything else with a code (Unauthorized, SignatureNotMatch, ProjectNotExist, ...) will fail
 * the same way again, so it is reported at once.
 */
const retryableCodes = new Set([
  'InternalServerError',
  'ServerBusy',
  'RequestTimeout',
  'WriteQuotaExceed', // project write quota
  'ShardWriteQuotaExceed', // per-shard 5 MB/s, 500 writes/s
  'ExceedQuota',
]);

const isRetryable = (error: unknown): boolean => {
  const code = (error as { code?: unknown })?.code;
  // no SLS error code: a network failure (ECONNRESET, timeout) or a non-JSON answer from a proxy
  if (typeof code !== 'string' || /^E[A-Z]+$/.test(code)) return true;
  return retryableCodes.has(code);
};

const describe = (error: unknown): string => {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? `${e.code}: ` : '';
  return `${code}${typeof e?.message === 'string' ? e.message : String(error)}`;
};

/** Protobuf bytes of one log, closely enough to keep a batch under the byte limit. */
const estimateBytes = (content: Record<string, string>): number => {
  let size = 16; // Time, TimeNs and the framing of the Log message
  for (const [key, value] of Object.entries(content))
    size += Buffer.byteLength(key) + Buffer.byteLength(value) + 8;
  return size;
};

type Pending = { timestamp: number; timestampNsPart: number; content: Record<string, string> };

const toPending = (record: LogRecord): Pending => {
  const ms = Date.parse(record.time);
  return {
    // SLS wants seconds; the sub-second part goes in TimeNs so records of one run keep their order
    timestamp: Math.floor(ms / 1000),
    timestampNsPart: (ms % 1000) * 1_000_000,
    content: toSlsContent(record),
  };
};

/** Splits into batches within the line and byte limits, keeping order. */
export const batchLogs = <T extends { content: Record<string, string> }>(
  logs: T[],
  limits: { lines: number; bytes: number },
): T[][] => {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const log of logs) {
    const size = estimateBytes(log.content);
    if (current.length > 0 && (current.length >= limits.lines || bytes + size > limits.bytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(log);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
};

/**
 * PutLogs through @alicloud/log. Records are buffered by `write` and sent by `flush`; a batch that
 * still fails after its attempts stays buffered for the next flush and is reported, never dropped silently.
 */
export const createSlsSink = (config: SlsConfig, deps: SlsSinkDeps): LogSink => {
  const { host, https } = slsEndpoint(config);
  const credentials = deps.credentials;
  const client = deps.createClient({
    endpoint: `${https ? 'https' : 'http'}://${host}`,
    ...(typeof credentials === 'function'
      ? {
          credentialsProvider: {
            // the SDK checks for a native async function
            getCredentials: async () => credentials(),
          },
        }
      : credentials),
    userAgent: 'mse-watch',
  });
  const lookup = deps.lookup;
  const requestOptions: RequestOptions = {
    timeout: config.timeout,
    ...(lookup === undefined ? {} : { beforeRequest: (options) => ({ ...options, lookup }) }),
  };
  const source = config.source ?? deps.hostname();
  let pending: Pending[] = [];

  const send = async (batch: Pending[]): Promise<string | undefined> => {
    let lastError = '';
    for (let attempt = 1; attempt <= config.attempts; attempt++) {
      try {
        await client.postLogStoreLogs(
          config.project,
          config.logstore,
          { logs: batch, topic: config.topic, source },
          requestOptions,
        );
        return undefined;
      } catch (error) {
        lastError = describe(error);
        if (!isRetryable(error) || attempt === config.attempts) break;
        await deps.sleep(config.backoff * 2 ** (attempt - 1));
      }
    }
    return lastError;
  };

  return {
    write(record) {
      pending.push(toPending(record));
    },
    async flush(): Promise<SinkFlushResult> {
      const batches = batchLogs(pending, {
        lines: Math.min(config.batchLines, SLS_MAX_LINES),
        bytes: config.batchBytes,
      });
      pending = [];
      const result: SinkFlushResult = { sent: 0, failed: 0, errors: [] };
      for (const batch of batches) {
        const error = await send(batch);
        if (error === undefined) {
          result.sent += batch.length;
        } else {
          result.failed += batch.length;
          result.errors.push(
            `PutLogs ${config.project}/${config.logstore} (${batch.length} lines): ${error}`,
          );
          pending.push(...batch);
        }
      }
      return result;
    },
  };
};
