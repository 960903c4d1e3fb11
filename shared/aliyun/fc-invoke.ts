import { Readable } from 'node:stream';
import openapiImport, * as $OpenApi from '@alicloud/openapi-client';
import { z } from 'zod';
import { MseWatchError } from '../util/errors.ts';
import { type CredentialSource, cjsDefault, credentialClient, NoCredentialsError } from './credentials.ts';
import { stripQueries } from './openapi-errors.ts';

export { type CredentialSource, credentialSourceFromEnv } from './credentials.ts';

/** STS GetCallerIdentity's answer, as far as it is used (z.object: the answer has more fields). */
const CallerIdentityAnswer = z.object({ AccountId: z.string().min(1) });

const OpenApiClient = cjsDefault<typeof openapiImport.default>(openapiImport);
type Client = InstanceType<typeof OpenApiClient>;
/** RuntimeOptions (@alicloud/tea-util) is only read field by field; no automatic retry. */
const NO_RETRY = { autoretry: false } as Parameters<Client['callApi']>[2];

/** FC 3.0 data-plane endpoint for invocations (the fc3 component's "invokeEndpoint"). */
export const fcInvokeEndpoint = (accountId: string, region: string): string =>
  `${accountId}.${region}.fc.aliyuncs.com`;

export type InvokeRequest = {
  functionName: string;
  region: string;
  /** Names the default endpoint; not needed with `endpoint`. */
  accountId?: string;
  /** The event, sent as the request body unchanged. */
  payload: string;
  async?: boolean;
  qualifier?: string;
  /** Host[:port] instead of the region's FC endpoint. */
  endpoint?: string;
  protocol?: 'https' | 'http';
  /** How long to wait for a synchronous answer: at least the function's timeout. */
  readTimeoutMs?: number;
};

export type InvokeResult = {
  statusCode: number;
  requestId?: string;
  /** The function's return value as text (empty for an async invoke). */
  body: string;
  /** Last 4 KB of the function's log (sync only), decoded from x-fc-log-result. */
  logTail?: string;
  /** Set when the function itself failed (x-fc-error-type), e.g. UnhandledInvocationError. */
  functionError?: string;
};

const readAll = async (stream: unknown): Promise<Buffer> => {
  if (!stream) return Buffer.alloc(0);
  if (Buffer.isBuffer(stream)) return stream;
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
};

/**
 * POST /2023-03-30/functions/{name}/invocations, ROA style, through @alicloud/openapi-client's `callApi`: the
 * call @alicloud/fc20230330 makes (same params, headers and body), signed ACS3-HMAC-SHA256 by the same client
 * the control-plane audit uses, so one Tea stack serves both (docs/packages.md has the measurement). No
 * automatic retry: a retried sync invoke runs the check twice.
 */
export const invokeFunction = async (
  request: InvokeRequest,
  credentials: CredentialSource,
): Promise<InvokeResult> => {
  if (!request.endpoint && !request.accountId)
    throw new MseWatchError(
      'usage',
      'the FC endpoint needs the account id: give --account-id or an --endpoint',
    );
  const client = new OpenApiClient(
    new $OpenApi.Config({
      credential: credentialClient(credentials),
      endpoint: request.endpoint ?? fcInvokeEndpoint(request.accountId ?? '', request.region),
      regionId: request.region,
      protocol: request.protocol ?? 'https',
      readTimeout: request.readTimeoutMs ?? 120_000,
      connectTimeout: 10_000,
      userAgent: 'mse-watch',
    }),
  );
  const params = new $OpenApi.Params({
    action: 'InvokeFunction',
    version: '2023-03-30',
    protocol: 'HTTPS',
    pathname: `/2023-03-30/functions/${encodeURIComponent(request.functionName)}/invocations`,
    method: 'POST',
    authType: 'AK',
    style: 'ROA',
    reqBodyType: 'json',
    bodyType: 'binary',
  });
  const invoke = new $OpenApi.OpenApiRequest({
    headers: {
      'x-fc-invocation-type': request.async ? 'Async' : 'Sync',
      // the log tail exists only for sync calls; the fc3 component asks for None on async ones too
      'x-fc-log-type': request.async ? 'None' : 'Tail',
    },
    query: request.qualifier ? { qualifier: request.qualifier } : {},
    // the event is the body unchanged (application/octet-stream, hashed into x-acs-content-sha256)
    stream: Readable.from([Buffer.from(request.payload, 'utf8')]),
  });
  let response: { body?: unknown; headers?: Record<string, string>; statusCode?: number };
  try {
    response = await client.callApi(params, invoke, NO_RETRY);
  } catch (error) {
    throw invokeError(request, error);
  }
  const responseHeaders = response.headers ?? {};
  const body = (await readAll(response.body)).toString('utf8');
  const logResult = responseHeaders['x-fc-log-result'];
  const requestId = responseHeaders['x-fc-request-id'];
  const functionError = responseHeaders['x-fc-error-type'];
  return {
    statusCode: response.statusCode ?? 0,
    ...(requestId ? { requestId } : {}),
    body,
    ...(logResult ? { logTail: Buffer.from(logResult, 'base64').toString('utf8') } : {}),
    ...(functionError ? { functionError } : {}),
  };
};

/** SDK errors name the code and HTTP status; the hint says what usually causes it. */
const invokeError = (request: InvokeRequest, error: unknown): MseWatchError => {
  if (error instanceof NoCredentialsError) return error;
  const e = error as { code?: string; statusCode?: number; message?: string; data?: { Code?: string } };
  const code = e.code ?? e.data?.Code ?? 'error';
  const hints: Record<string, string> = {
    FunctionNotFound: `deploy it first (npm run deploy), or check --region (${request.region}) and the name`,
    InvalidAccessKeyId: 'the AccessKey id is unknown: check ALIBABA_CLOUD_ACCESS_KEY_ID or your CLI profile',
    SignatureNotMatch: 'the AccessKey secret does not match its id',
    AccessDenied: 'the RAM user needs fc:InvokeFunction on this function (docs/deploy.md has the policy)',
  };
  const hint = hints[code] ?? Object.entries(hints).find(([key]) => code.startsWith(key))?.[1];
  return new MseWatchError(
    'invoke-failed',
    `invoking ${request.functionName} in ${request.region} failed: ${stripQueries(e.message ?? String(error))}${hint ? ` (${hint})` : ''}`,
    { exitCode: 2 },
  );
};

/**
 * The account id of whoever the credentials belong to (STS GetCallerIdentity, which needs no
 * permission), so `invoke` can build the FC endpoint without asking for it. A generic `callApi`
 * (RPC, V3 signature): no STS SDK for one action.
 */
export const callerAccountId = async (
  credentials: CredentialSource,
  options: { endpoint?: string; protocol?: 'https' | 'http' } = {},
): Promise<string> => {
  const client = new OpenApiClient(
    new $OpenApi.Config({
      credential: credentialClient(credentials),
      endpoint: options.endpoint ?? 'sts.aliyuncs.com',
      protocol: options.protocol ?? 'https',
      readTimeout: 10_000,
      connectTimeout: 5000,
      userAgent: 'mse-watch',
    }),
  );
  const params = new $OpenApi.Params({
    action: 'GetCallerIdentity',
    version: '2015-04-01',
    protocol: 'HTTPS',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  try {
    const response = await client.callApi(params, new $OpenApi.OpenApiRequest({}), NO_RETRY);
    const answer = CallerIdentityAnswer.safeParse(response.body);
    if (!answer.success) throw new Error('the answer has no AccountId');
    return answer.data.AccountId;
  } catch (error) {
    if (error instanceof NoCredentialsError) throw error;
    throw new MseWatchError(
      'account-unknown',
      `cannot tell the account id from the credentials (STS GetCallerIdentity: ${stripQueries((error as Error).message)}); give --account-id or set ALIBABA_CLOUD_ACCOUNT_ID`,
    );
  }
};
