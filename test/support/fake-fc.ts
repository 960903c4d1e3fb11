import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { acs3Signature, acs3StringToSign, decodePairs } from './acs-signature.ts';

/**
 * A loopback stand-in for the FC 3.0 data plane that checks InvokeFunction as the FC documentation
 * describes it: POST /2023-03-30/functions/{functionName}/invocations, signature V3
 * (ACS3-HMAC-SHA256 over the canonical request), x-fc-invocation-type / x-fc-log-type headers.
 * The signature is recomputed here from the bytes on the wire, independently of the SDK.
 */

export type CanonicalParts = { canonicalRequest: string; stringToSign: string; signature: string };

/** The V3 signature of a request as received (the query split at each pair's first "=", as the OpenAPI fake does). */
export const acs3SignatureOf = (
  method: string,
  rawUrl: string,
  headers: IncomingHttpHeaders,
  signedHeaders: string[],
  hashedPayload: string,
  secret: string,
): CanonicalParts => {
  const parts = acs3StringToSign(method, rawUrl, headers, signedHeaders, hashedPayload);
  return { ...parts, signature: acs3Signature(parts.stringToSign, secret) };
};

export type FakeFcCall = {
  functionName: string;
  qualifier?: string;
  invocationType: 'Sync' | 'Async';
  logType: string;
  body: Buffer;
  headers: IncomingHttpHeaders;
};

export type FakeFcOptions = {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  /** What GetCallerIdentity answers. */
  accountId?: string;
  functions: Record<
    string,
    (call: FakeFcCall) => Promise<{ body: string; logs?: string; errorType?: string }>
  >;
  now?: () => number;
};

export type FakeFc = {
  port: number;
  calls: FakeFcCall[];
  /** Every request with the status it got and why. */
  requests: { method: string; url: string; status: number; code?: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
};

export const startFakeFc = async (options: FakeFcOptions): Promise<FakeFc> => {
  const calls: FakeFcCall[] = [];
  const requests: FakeFc['requests'] = [];
  const nonces = new Set<string>();
  const now = options.now ?? Date.now;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const h = req.headers;
    const requestId = randomUUID();
    const fail = (status: number, code: string, message: string) => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', status, code, headers: h });
      res.writeHead(status, { 'content-type': 'application/json', 'x-fc-request-id': requestId });
      res.end(JSON.stringify({ Code: code, Message: message, RequestId: requestId }));
    };
    const url = req.url ?? '/';
    const match = /^\/2023-03-30\/functions\/([^/?]+)\/invocations(\?.*)?$/.exec(url);
    // STS GetCallerIdentity (RPC style, same V3 signature) so `invoke` can learn the account id
    const sts = req.method === 'POST' && url === '/' && h['x-acs-action'] === 'GetCallerIdentity';
    if (req.method !== 'POST' || (!match && !sts))
      return fail(404, 'PathNotSupported', `${req.method} ${url}`);

    const auth = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
      String(h.authorization ?? ''),
    );
    if (!auth)
      return fail(
        403,
        'InvalidAuthorization',
        'expected ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..',
      );
    const [, accessKeyId, signedList = '', signature] = auth;
    const signed = signedList.split(';');
    if (signedList !== [...signed].sort().join(';'))
      return fail(403, 'InvalidAuthorization', 'SignedHeaders must be sorted');
    // every x-acs-* header present, host and content-type must be signed
    for (const name of Object.keys(h)) {
      if ((name.startsWith('x-acs-') || name === 'host' || name === 'content-type') && !signed.includes(name))
        return fail(403, 'InvalidAuthorization', `header ${name} is not signed`);
    }
    for (const required of [
      'host',
      'x-acs-action',
      'x-acs-version',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-content-sha256',
    ]) {
      if (!h[required]) return fail(400, 'MissingHeader', `${required} is required`);
    }
    const [action, version] = sts ? ['GetCallerIdentity', '2015-04-01'] : ['InvokeFunction', '2023-03-30'];
    if (h['x-acs-action'] !== action || h['x-acs-version'] !== version)
      return fail(400, 'InvalidAction', `${h['x-acs-action']} ${h['x-acs-version']}`);
    const date = String(h['x-acs-date']);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(date) || Math.abs(now() - Date.parse(date)) > 15 * 60_000)
      return fail(403, 'InvalidTimeStamp.Expired', `x-acs-date ${date}`);
    const nonce = String(h['x-acs-signature-nonce']);
    if (nonces.has(nonce)) return fail(403, 'SignatureNonceUsed', 'nonce replayed');
    nonces.add(nonce);
    const payloadHash = createHash('sha256').update(body).digest('hex');
    if (h['x-acs-content-sha256'] !== payloadHash)
      return fail(400, 'ContentSHA256Mismatch', 'x-acs-content-sha256');
    if (accessKeyId !== options.accessKeyId)
      return fail(403, 'InvalidAccessKeyId.NotFound', 'unknown AccessKey id');
    if (options.securityToken !== undefined && h['x-acs-security-token'] !== options.securityToken)
      return fail(403, 'InvalidSecurityToken', 'security token mismatch');
    const expected = acs3SignatureOf('POST', url, h, signed, payloadHash, options.accessKeySecret);
    if (expected.signature !== signature)
      return fail(403, 'SignatureNotMatch', 'the request signature does not match');

    if (sts || !match) {
      requests.push({ method: 'POST', url, status: 200, headers: h });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ AccountId: options.accountId ?? '1234567890123456', RequestId: requestId }));
      return;
    }
    const functionName = decodeURIComponent(match[1]!);
    const fn = options.functions[functionName];
    if (!fn) return fail(404, 'FunctionNotFound', `function '${functionName}' does not exist`);
    const invocationType = h['x-fc-invocation-type'] === 'Async' ? 'Async' : 'Sync';
    const qualifier = decodePairs(match[2]?.slice(1) ?? '').find(([k]) => k === 'qualifier')?.[1];
    const call: FakeFcCall = {
      functionName,
      ...(qualifier ? { qualifier } : {}),
      invocationType,
      logType: String(h['x-fc-log-type'] ?? 'None'),
      body,
      headers: h,
    };
    calls.push(call);
    requests.push({ method: 'POST', url, status: invocationType === 'Async' ? 202 : 200, headers: h });
    if (invocationType === 'Async') {
      // queued only: an async call's event never runs here, so no test can start probes it does not await
      res.writeHead(202, { 'x-fc-request-id': requestId });
      res.end();
      return;
    }
    // a throwing function is what FC reports as UnhandledInvocationError, with status 200
    const result = await fn(call).catch((error: Error) => ({
      body: JSON.stringify({ errorMessage: error.message, errorType: error.name }),
      errorType: 'UnhandledInvocationError',
      logs: undefined,
    }));
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'x-fc-request-id': requestId,
    };
    // FC returns the last 4 KB of the invocation's log, base64, when asked with x-fc-log-type: Tail
    if (call.logType === 'Tail' && result.logs)
      headers['x-fc-log-result'] = Buffer.from(result.logs).subarray(-4096).toString('base64');
    if (result.errorType) headers['x-fc-error-type'] = result.errorType;
    res.writeHead(200, headers);
    res.end(result.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    calls,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
