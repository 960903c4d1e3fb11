import { z } from 'zod';
import { MseWatchError } from '../util/errors.ts';
import { PRODUCT_INFO, type Product, ramAction } from './openapi-products.ts';

/**
 * RAM's account of a denial, sent with `Forbidden.RAM` / `NoPermission` (an object, or the same as a JSON
 * string by some products). Only the fields used here; the rest is ignored.
 */
export const AccessDeniedDetail = z.object({
  AuthAction: z.string().optional(),
  NoPermissionType: z.string().optional(),
  PolicyType: z.string().optional(),
  AuthPrincipalType: z.string().optional(),
  AuthPrincipalDisplayName: z.string().optional(),
  EncodedDiagnosticMessage: z.string().optional(),
});
export type AccessDeniedDetail = z.infer<typeof AccessDeniedDetail>;

/** An OpenAPI error answer, reduced to what decisions and messages need. Never carries a credential. */
export type OpenApiFailure = {
  code: string;
  message: string;
  statusCode?: number;
  requestId?: string;
  recommend?: string;
  accessDeniedDetail?: AccessDeniedDetail;
};

/** Codes the vendor uses for flow control; each is retried with backoff inside the deadline. */
const THROTTLING_CODES = new Set([
  'Throttling' /* generic flow control */,
  'Throttling.User' /* "Request was denied due to user flow control." */,
  'Throttling.Api' /* the API's own rate limit */,
  'Throttling.System' /* the service is protecting itself */,
  'ServiceUnavailable' /* 503: the gateway asks to come back later */,
]);
/** HTTP statuses that mean "later" whatever the code says. */
const THROTTLING_STATUS = new Set([429 /* Too Many Requests */, 503 /* Service Unavailable */]);

/** Codes that mean RAM said no. `Forbidden.RAM` (ECS, VPC), `NoPermission` (MSE, CMS) and their kin. */
const DENIAL_CODES = new Set([
  'Forbidden.RAM',
  'NoPermission',
  'Forbidden.NoPermission',
  'Forbidden.AccessDenied',
  'Forbidden.Unauthorized',
]);

export const isThrottling = (failure: OpenApiFailure): boolean =>
  THROTTLING_CODES.has(failure.code) ||
  failure.code.startsWith('Throttling') ||
  (failure.statusCode !== undefined && THROTTLING_STATUS.has(failure.statusCode));

export const isDenial = (failure: OpenApiFailure): boolean =>
  DENIAL_CODES.has(failure.code) || failure.accessDeniedDetail?.AuthAction !== undefined;

/** `InvalidSecurityGroupId.NotFound`, `InvalidVSwitchId.NotFound`, MSE's `NotFound.Instance`... */
export const isNotFound = (failure: OpenApiFailure): boolean =>
  /(^|\.)NotFound($|\.)/.test(failure.code) || failure.statusCode === 404;

/** URLs in transport errors carry the signed query (AccessKeyId, SecurityToken): keep scheme, host and path only. */
export const stripQueries = (text: string): string =>
  text
    .replace(/(https?:\/\/[^\s?#"']*)\?[^\s#"']*/g, '$1?…')
    // httpx glues "METHOD URL failed." to the system error without a space
    .replace(/([^\s])((?:GET|POST|PUT|DELETE|HEAD) https?:\/\/)/g, '$1; $2');

const detailOf = (raw: unknown): AccessDeniedDetail | undefined => {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const parsed = AccessDeniedDetail.safeParse(value);
  return parsed.success && Object.keys(parsed.data).length > 0 ? parsed.data : undefined;
};

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

/**
 * Reads what an @alicloud/openapi-client error says: `code`, `statusCode` and `data` (the answer body) for an
 * HTTP error; a plain Error for a transport failure or a body that is not JSON.
 */
export const failureOf = (error: unknown): OpenApiFailure => {
  const e = (error ?? {}) as {
    code?: unknown;
    statusCode?: unknown;
    message?: unknown;
    name?: unknown;
    data?: Record<string, unknown>;
    accessDeniedDetail?: unknown;
  };
  const data = e.data && typeof e.data === 'object' ? e.data : {};
  const statusCode =
    typeof e.statusCode === 'number'
      ? e.statusCode
      : typeof data.statusCode === 'number'
        ? data.statusCode
        : undefined;
  const code =
    text(data.Code) ?? text(data.code) ?? text(e.code) ?? (e.name === 'SyntaxError' ? 'BadAnswer' : 'Error');
  const message =
    text(data.Message) ??
    text(data.message) ??
    (e.name === 'SyntaxError'
      ? `the endpoint answered with something that is not OpenAPI JSON (${String(e.message)})`
      : String(e.message ?? error));
  const requestId = text(data.RequestId) ?? text(data.requestId);
  const recommend = text(data.Recommend);
  const accessDeniedDetail = detailOf(data.AccessDeniedDetail ?? e.accessDeniedDetail);
  return {
    code,
    message: stripQueries(message),
    ...(statusCode !== undefined ? { statusCode } : {}),
    ...(requestId ? { requestId } : {}),
    ...(recommend ? { recommend } : {}),
    ...(accessDeniedDetail ? { accessDeniedDetail } : {}),
  };
};

/** The statement to add to the caller's RAM policy so the actions are allowed (read-only ones need no resource scope). */
export const policyStatement = (actions: readonly string[]) => ({
  Effect: 'Allow',
  Action: [...new Set(actions)].sort(),
  Resource: '*',
});

/**
 * One line: who was denied what, why, and the exact statement to add. An explicit Deny is not fixed by adding
 * an Allow, so the line says to remove the Deny instead.
 */
export const explainDenial = (product: Product, action: string, failure: OpenApiFailure): string => {
  const detail = failure.accessDeniedDetail;
  const denied = detail?.AuthAction ?? ramAction(product, action);
  const who = detail?.AuthPrincipalDisplayName
    ? ` for ${detail.AuthPrincipalType ?? 'principal'} ${detail.AuthPrincipalDisplayName}`
    : '';
  const request = failure.requestId ? ` (request ${failure.requestId})` : '';
  if (detail?.NoPermissionType === 'ExplicitDeny')
    return `RAM explicitly denies ${denied}${who}${detail.PolicyType ? ` in a ${detail.PolicyType}` : ''}${request}: an Allow cannot override it; remove that Deny statement for ${denied}`;
  return `RAM denies ${denied}${who}${request}: add this statement to its RAM policy: ${JSON.stringify(policyStatement([denied]))}`;
};

/** A failed OpenAPI call, explained in its message; the failure stays available to decide what it means. */
export class OpenApiError extends MseWatchError {
  readonly product: Product;
  readonly action: string;
  readonly failure: OpenApiFailure;
  constructor(code: string, message: string, product: Product, action: string, failure: OpenApiFailure) {
    super(code, message, { exitCode: 2 });
    this.name = 'OpenApiError';
    this.product = product;
    this.action = action;
    this.failure = failure;
  }
}

/** Turns a failure into the project's error: exit 2 for denials, unknown ids and bad credentials. */
export const failureError = (product: Product, action: string, failure: OpenApiFailure): OpenApiError => {
  if (isDenial(failure))
    return new OpenApiError(
      'permission-denied',
      explainDenial(product, action, failure),
      product,
      action,
      failure,
    );
  const hint =
    HINTS[failure.code] ?? Object.entries(HINTS).find(([key]) => failure.code.startsWith(key))?.[1];
  const request = failure.requestId ? `, request ${failure.requestId}` : '';
  return new OpenApiError(
    isNotFound(failure) ? 'not-found' : 'openapi-failed',
    `${PRODUCT_INFO[product].name} ${action} failed: ${failure.code}${failure.statusCode ? ` (HTTP ${failure.statusCode})` : ''}: ${failure.message}${request}${hint ? ` (${hint})` : ''}`,
    product,
    action,
    failure,
  );
};

/** What usually causes the errors a user can fix. */
const HINTS: Record<string, string> = {
  'InvalidAccessKeyId.NotFound':
    'the AccessKey id is unknown: check ALIBABA_CLOUD_ACCESS_KEY_ID or your CLI profile',
  InvalidAccessKeyId:
    'the AccessKey id is unknown or disabled: check ALIBABA_CLOUD_ACCESS_KEY_ID or your CLI profile',
  SignatureDoesNotMatch: 'the AccessKey secret does not match its id',
  IncompleteSignature: 'the AccessKey secret does not match its id',
  InvalidSecurityToken: 'the STS token has expired or does not belong to this AccessKey: get a new one',
  'InvalidTimeStamp.Expired': "this machine's clock is off by more than 15 minutes",
  InvalidCredentials:
    'no credentials found: set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET or configure a CLI profile',
  CredentialsProviderError:
    'no credentials found: set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET or configure a CLI profile',
  BadAnswer: 'is --endpoint an Alibaba Cloud OpenAPI endpoint?',
  ECONNREFUSED: 'nothing answers at the endpoint: check --endpoint',
  ENOTFOUND:
    'the endpoint name does not resolve: check the DNS, or inside a VPC without internet use the VPC endpoints (network: vpc)',
  ETIMEDOUT:
    'the endpoint does not answer: inside a VPC without internet access use the VPC endpoints (network: vpc)',
  ReadTimeout: 'the endpoint took too long to answer',
  ConnectTimeout:
    'the endpoint does not answer: inside a VPC without internet access use the VPC endpoints (network: vpc)',
};
