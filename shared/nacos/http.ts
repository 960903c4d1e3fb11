import { classifyError } from '../probes/classify.ts';
import { excerpt } from '../util/format.ts';
import type { HttpAnswer } from '../util/http.ts';
import type { NacosFailureClass } from './report.ts';
import { configSignHeaders, namingSignParams } from './spas.ts';

/** A step failure carried up to the step runner, which turns it into data. */
export class StepFailure extends Error {
  readonly code: NacosFailureClass;
  constructor(code: NacosFailureClass, message: string) {
    super(message);
    this.name = 'StepFailure';
    this.code = code;
  }
}

export type ServerAddress = { baseUrl: string; host: string; port: number; tls: boolean; label: string };

/** `host`, `host:port`, `[v6]:port`, or `http(s)://host[:port]`; the port defaults to 8848. */
export const parseServer = (server: string, contextPath: string): ServerAddress => {
  const withScheme = /^[a-z]+:\/\//i.test(server) ? server : `http://${server}`;
  const url = new URL(withScheme);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`server ${server}: only http:// and https:// are supported`);
  }
  const port = url.port ? Number(url.port) : 8848;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  return {
    baseUrl: `${url.protocol}//${hostForUrl}:${port}${contextPath === '/' ? '' : contextPath}`,
    host,
    port,
    tls: url.protocol === 'https:',
    label: `${hostForUrl}:${port}`,
  };
};

/** How a request proves who we are. */
export type Auth =
  | { kind: 'none' }
  | { kind: 'token'; accessToken: string }
  | { kind: 'ram'; accessKey: string; secretKey: string };

/** What a request signs under RAM auth: config APIs sign tenant+group, naming APIs the service name. */
export type SignScope =
  | { kind: 'config'; tenant: string; group: string }
  | { kind: 'naming'; groupedServiceName: string }
  | { kind: 'none' };

export type { HttpAnswer } from '../util/http.ts';

export type HttpContext = {
  fetch: typeof fetch;
  address: ServerAddress;
  timeoutMs: number;
  signal: AbortSignal;
  auth: Auth;
  wallNow: () => number;
};

/** A plaintext request that the server cuts off may have met a TLS port. */
const tlsHint = (address: ServerAddress) => (address.tls ? '' : ' (if the server has TLS on, use https://)');

const classifyFetchError = (
  error: unknown,
  signal: AbortSignal,
  timeoutMs: number,
  address: ServerAddress,
): StepFailure => {
  const err = error as Error & { cause?: NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
    return new StepFailure(
      'timeout',
      signal.aborted ? 'run cut short before an answer came' : `no answer within ${timeoutMs} ms`,
    );
  }
  const cause = err?.cause?.code ? err.cause : err?.cause?.cause?.code ? err.cause.cause : undefined;
  // undici: "other side closed" when the server drops the request, as a TLS port does with plaintext
  if (cause?.code === 'UND_ERR_SOCKET' || /other side closed/i.test(String(err?.cause?.message))) {
    return new StepFailure(
      'protocol',
      `connection closed without an answer (${cause?.code ?? 'socket'}: ${err?.cause?.message})${tlsHint(address)}`,
    );
  }
  if (cause) {
    const { reason, code } = classifyError(cause);
    switch (reason) {
      case 'refused':
      case 'timeout':
      case 'unreachable':
        return new StepFailure(reason, `${code}: ${cause.message}`);
      case 'tls':
        // "wrong version number": the TLS hello met a plaintext HTTP server
        return new StepFailure(
          reason,
          `${code}: ${excerpt(cause.message)}${
            /wrong version number/i.test(cause.message) ? ' (the port speaks plain HTTP: use http://)' : ''
          }`,
        );
      case 'dns':
        return new StepFailure('unreachable', `name does not resolve (${code}): ${cause.message}`);
      case 'reset':
        return new StepFailure('protocol', `connection reset (${code}): ${cause.message}${tlsHint(address)}`);
      case 'no-answer':
        return new StepFailure('timeout', `${code}: ${cause.message}`);
      case 'http-status':
      case 'error':
        return new StepFailure('unreachable', `${code}: ${cause.message}`);
      default: {
        const never: never = reason;
        return never;
      }
    }
  }
  return new StepFailure('unreachable', err?.message ?? String(error));
};

/**
 * One Nacos HTTP call. Parameters go in the query for GET/DELETE and in a form body otherwise,
 * as the official clients send them. Network failures come back as StepFailure with their class.
 */
export const nacosHttp = async (
  ctx: HttpContext,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  params: Record<string, string | undefined> = {},
  options: { sign?: SignScope; headers?: Record<string, string>; useAuth?: boolean } = {},
): Promise<HttpAnswer> => {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) query.set(key, value);
  const headers: Record<string, string> = { ...options.headers };
  const auth = options.useAuth === false ? ({ kind: 'none' } as const) : ctx.auth;
  switch (auth.kind) {
    case 'none':
      break;
    case 'token':
      query.set('accessToken', auth.accessToken);
      break;
    case 'ram': {
      const timestamp = String(ctx.wallNow());
      const sign = options.sign ?? { kind: 'none' };
      if (sign.kind === 'config') Object.assign(headers, configSignHeaders(auth, sign, timestamp));
      if (sign.kind === 'naming') {
        for (const [key, value] of Object.entries(namingSignParams(auth, sign.groupedServiceName, timestamp)))
          query.set(key, value);
      }
      break;
    }
    default: {
      const never: never = auth;
      throw new Error(`unknown auth ${JSON.stringify(never)}`);
    }
  }
  const inQuery = method === 'GET' || method === 'DELETE';
  const qs = query.toString();
  const url = `${ctx.address.baseUrl}${path}${inQuery && qs ? `?${qs}` : ''}`;
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.timeoutMs)]);
  try {
    const response = await ctx.fetch(url, {
      method,
      headers: inQuery ? headers : { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: inQuery ? undefined : qs,
      signal,
      redirect: 'manual',
    });
    const body = await response.text();
    return { status: response.status, body, headers: response.headers };
  } catch (error) {
    throw classifyFetchError(error, ctx.signal, ctx.timeoutMs, ctx.address);
  }
};

/** 403 is auth; anything else unexpected is http-status with the code and a body excerpt. */
export const unexpectedStatus = (what: string, answer: HttpAnswer): StepFailure => {
  if (answer.status === 403 || answer.status === 401) {
    return new StepFailure('auth', `${what}: HTTP ${answer.status} ${excerpt(answer.body)}`);
  }
  return new StepFailure('http-status', `${what}: HTTP ${answer.status} ${excerpt(answer.body)}`);
};

export const parseJson = (what: string, body: string): unknown => {
  try {
    return JSON.parse(body);
  } catch {
    throw new StepFailure('protocol', `${what}: expected JSON, got ${excerpt(body) || '(empty body)'}`);
  }
};
