import { createHash, createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateSync } from 'node:zlib';
import protobuf from 'protobufjs';

// The LogGroup schema as the SLS "Data encoding" page documents it, not the SDK's copy of it.
const SLS_PROTO = `
syntax = "proto2";
package sls;
message Log {
  required uint32 Time = 1;
  message Content { required string Key = 1; required string Value = 2; }
  repeated Content Contents = 2;
  optional fixed32 Time_ns = 4;
}
message LogTag { required string Key = 1; required string Value = 2; }
message LogGroup {
  repeated Log Logs = 1;
  optional string Reserved = 2;
  optional string Topic = 3;
  optional string Source = 4;
  repeated LogTag LogTags = 6;
}`;
const LogGroup = protobuf.parse(SLS_PROTO, { keepCase: true }).root.lookupType('sls.LogGroup');

export type DecodedLog = { time: number; timeNs?: number; contents: Record<string, string> };
export type DecodedGroup = {
  project: string;
  logstore: string;
  topic?: string;
  source?: string;
  compression: string;
  logs: DecodedLog[];
};

/** LZ4 block format (what SLS means by lz4), decoded by the spec so the fake does not trust a library. */
export const lz4BlockDecode = (input: Buffer, rawSize: number): Buffer => {
  const out = Buffer.alloc(rawSize);
  let i = 0;
  let o = 0;
  while (i < input.length) {
    const token = input[i++]!;
    let literals = token >> 4;
    if (literals === 15) {
      let b: number;
      do {
        b = input[i++]!;
        literals += b;
      } while (b === 255);
    }
    input.copy(out, o, i, i + literals);
    i += literals;
    o += literals;
    if (i >= input.length) break;
    const offset = input[i]! | (input[i + 1]! << 8);
    i += 2;
    let match = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        b = input[i++]!;
        match += b;
      } while (b === 255);
    }
    for (let k = 0; k < match; k++, o++) out[o] = out[o - offset]!;
  }
  if (o !== rawSize) throw new Error(`lz4: decoded ${o} bytes, x-log-bodyrawsize says ${rawSize}`);
  return out;
};

/** SLS request signature (docs: "Request signatures"): LOG <AccessKeyId>:base64(hmac-sha1(secret, StringToSign)). */
export const slsStringToSign = (
  method: string,
  path: string,
  query: URLSearchParams,
  headers: IncomingMessage['headers'],
) => {
  const logHeaders = Object.keys(headers)
    .filter((key) => key.startsWith('x-log-') || key.startsWith('x-acs-'))
    .sort()
    .map((key) => `${key}:${String(headers[key]).trim()}\n`)
    .join('');
  const pairs = [...query.entries()].map(([k, v]) => `${k}=${v}`).sort();
  const resource = pairs.length > 0 ? `${path}?${pairs.join('&')}` : path;
  return `${method}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${headers.date ?? ''}\n${logHeaders}${resource}`;
};

export type FakeSlsOptions = {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  /** The endpoint host the client was configured with, e.g. cn-hangzhou.log.aliyuncs.com */
  endpointHost: string;
  now?: () => number;
};

export type FakeSls = {
  port: number;
  groups: DecodedGroup[];
  /** Every request, including rejected ones, with the reason it was rejected. */
  requests: { status: number; errorCode?: string; headers: IncomingMessage['headers'] }[];
  /** The next n requests get this SLS error after passing the checks. */
  failNext(n: number, status: number, errorCode: string): void;
  close(): Promise<void>;
};

export const startFakeSls = async (options: FakeSlsOptions): Promise<FakeSls> => {
  const groups: DecodedGroup[] = [];
  const requests: FakeSls['requests'] = [];
  let failures: { left: number; status: number; errorCode: string } = { left: 0, status: 0, errorCode: '' };
  const now = options.now ?? Date.now;

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const reply = (status: number, errorCode?: string, errorMessage?: string) => {
      requests.push({ status, ...(errorCode ? { errorCode } : {}), headers: req.headers });
      // a successful PutLogs has an empty body; errors are JSON {errorCode, errorMessage}
      res.writeHead(status, {
        ...(errorCode ? { 'content-type': 'application/json' } : {}),
        'x-log-requestid': `req-${requests.length}`,
      });
      res.end(errorCode ? JSON.stringify({ errorCode, errorMessage }) : '');
    };
    try {
      const h = req.headers;
      const url = new URL(req.url ?? '/', 'http://placeholder');
      const host = String(h.host ?? '').replace(/:\d+$/, '');
      const suffix = `.${options.endpointHost.replace(/:\d+$/, '')}`;
      if (!host.endsWith(suffix)) return reply(400, 'InvalidHost', `host ${host} is not <project>${suffix}`);
      const project = host.slice(0, -suffix.length);
      const match = /^\/logstores\/([^/]+)\/shards\/lb$/.exec(url.pathname);
      if (req.method !== 'POST' || !match) return reply(404, 'InvalidPath', `${req.method} ${url.pathname}`);
      if (h['x-log-apiversion'] !== '0.6.0')
        return reply(400, 'InvalidAPIVersion', 'x-log-apiversion must be 0.6.0');
      if (h['x-log-signaturemethod'] !== 'hmac-sha1')
        return reply(400, 'InvalidSignatureMethod', 'hmac-sha1 expected');
      if (h['content-type'] !== 'application/x-protobuf')
        return reply(400, 'InvalidContentType', String(h['content-type']));
      const date = Date.parse(String(h.date));
      if (!/GMT$/.test(String(h.date)) || !(Math.abs(now() - date) < 15 * 60_000))
        return reply(400, 'RequestTimeTooSkewed', `date ${h.date}`);
      if (Number(h['content-length']) !== body.length)
        return reply(400, 'InvalidContentLength', 'length mismatch');
      const md5 = createHash('md5').update(body).digest('hex').toUpperCase();
      if (h['content-md5'] !== md5)
        return reply(400, 'InvalidContentMD5', 'content-md5 is the uppercase hex md5');
      if (options.securityToken !== undefined && h['x-acs-security-token'] !== options.securityToken)
        return reply(401, 'Unauthorized', 'security token mismatch');
      const auth = /^LOG ([^:]+):(.+)$/.exec(String(h.authorization ?? ''));
      const expected = createHmac('sha1', options.accessKeySecret)
        .update(slsStringToSign('POST', url.pathname, url.searchParams, h))
        .digest('base64');
      if (!auth || auth[1] !== options.accessKeyId || auth[2] !== expected)
        return reply(401, 'SignatureNotMatch', 'signature mismatch');

      const rawSize = Number(h['x-log-bodyrawsize']);
      const compression = String(h['x-log-compresstype'] ?? 'none');
      const raw =
        compression === 'none'
          ? body
          : compression === 'deflate'
            ? inflateSync(body)
            : compression === 'lz4'
              ? lz4BlockDecode(body, rawSize)
              : undefined;
      if (raw === undefined) return reply(400, 'InvalidCompressType', compression);
      if (raw.length !== rawSize) return reply(400, 'InvalidBodyRawSize', `${raw.length} != ${rawSize}`);

      const decoded = LogGroup.toObject(LogGroup.decode(raw), { longs: Number }) as {
        Logs?: { Time: number; Time_ns?: number; Contents?: { Key: string; Value: string }[] }[];
        Topic?: string;
        Source?: string;
      };
      const logs = (decoded.Logs ?? []).map((log) => ({
        time: log.Time,
        ...(log.Time_ns === undefined ? {} : { timeNs: log.Time_ns }),
        contents: Object.fromEntries((log.Contents ?? []).map((c) => [c.Key, c.Value])),
      }));
      if (logs.length > 4096) return reply(400, 'InvalidLogSize', 'more than 4096 logs');
      if (failures.left > 0) {
        failures.left--;
        return reply(failures.status, failures.errorCode, 'injected failure');
      }
      groups.push({
        project,
        logstore: match[1]!,
        ...(decoded.Topic === undefined ? {} : { topic: decoded.Topic }),
        ...(decoded.Source === undefined ? {} : { source: decoded.Source }),
        compression,
        logs,
      });
      return reply(200);
    } catch (error) {
      return reply(400, 'PostBodyInvalid', (error as Error).message);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    groups,
    requests,
    failNext(n, status, errorCode) {
      failures = { left: n, status, errorCode };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
