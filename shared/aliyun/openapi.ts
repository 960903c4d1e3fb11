import openapiImport, * as $OpenApi from '@alicloud/openapi-client';
import type { z } from 'zod';
import { MseWatchError } from '../util/errors.ts';
import { type CredentialSource, cjsDefault, credentialClient } from './credentials.ts';
import {
  failureError,
  failureOf,
  isThrottling,
  OpenApiError,
  type OpenApiFailure,
} from './openapi-errors.ts';
import {
  type ApiEndpoint,
  type Network,
  PRODUCT_INFO,
  type Product,
  productEndpoint,
} from './openapi-products.ts';

const OpenApiClient = cjsDefault<typeof openapiImport.default>(openapiImport);
type Client = InstanceType<typeof OpenApiClient>;

/** A request parameter: scalars, lists (`Name.1`, `Name.2`) and lists of objects (`Name.1.Key`). */
export type RpcValue =
  | string
  | number
  | boolean
  | undefined
  | readonly RpcValue[]
  | { [key: string]: RpcValue };

/**
 * RPC requests are flat key=value pairs; lists are spelled `Name.N` from 1 and objects `Name.Key`, as the
 * vendor's "repeat list" parameters and @alicloud/openapi-util `query()` do. Undefined values are left out.
 */
export const flattenParams = (params: Record<string, RpcValue>, prefix = ''): Record<string, string> => {
  const out: Record<string, string> = {};
  const add = (key: string, value: RpcValue) => {
    if (value === undefined) return;
    if (Array.isArray(value)) {
      (value as readonly RpcValue[]).forEach((item, i) => {
        add(`${key}.${i + 1}`, item);
      });
    } else if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, RpcValue>)) add(`${key}.${k}`, v);
    } else out[key] = String(value);
  };
  for (const [key, value] of Object.entries(params)) add(prefix ? `${prefix}.${key}` : key, value);
  return out;
};

/** Backoff after a throttled call: exponential with "equal jitter", so concurrent callers spread out. */
export const RETRY = { firstDelayMs: 300, factor: 2, maxDelayMs: 8000 } as const;

export const backoffDelay = (attempt: number, random: () => number): number => {
  const ceiling = Math.min(RETRY.maxDelayMs, RETRY.firstDelayMs * RETRY.factor ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
};

export type OpenApiOptions = {
  region: string;
  credentials: CredentialSource;
  /** One base URL for every product (a private gateway, a test double); default: each product's regional endpoint. */
  endpoint?: ApiEndpoint;
  network?: Network;
  /** How long one call may take, throttling retries included. */
  deadlineMs?: number;
  readTimeoutMs?: number;
  connectTimeoutMs?: number;
};

export type OpenApiDeps = {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
};

export const defaultOpenApiDeps: OpenApiDeps = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** One request as made: which action, how it ended, after how many attempts. */
export type OpenApiCallRecord = {
  product: Product;
  action: string;
  attempts: number;
  outcome: 'ok' | 'failed';
  code?: string;
};

export type OpenApi = {
  readonly region: string;
  /** Calls the action and parses the answer with the schema; a failure is a MseWatchError (exit 2). */
  call<S extends z.ZodType>(
    product: Product,
    action: string,
    params: Record<string, RpcValue>,
    schema: S,
  ): Promise<z.infer<S>>;
  readonly calls: readonly OpenApiCallRecord[];
};

/** Some products (MSE, CloudMonitor) answer HTTP 200 with `Success: false` or a non-200 `Code` in the body. */
const bodyFailure = (product: Product, body: Record<string, unknown>): OpenApiFailure | undefined => {
  const codeField = body.ErrorCode ?? body.Code;
  const failed =
    body.Success === false || (product === 'cms' && codeField !== undefined && String(codeField) !== '200');
  if (!failed) return undefined;
  const status = Number(body.HttpCode ?? body.HttpStatusCode ?? body.Code);
  return failureOf({
    data: {
      Code: String(codeField ?? 'Failed'),
      Message: body.Message ?? body.ErrMessage ?? 'the answer says the request failed',
      RequestId: body.RequestId,
      AccessDeniedDetail: body.AccessDeniedDetail,
      ...(Number.isInteger(status) && status >= 400 ? { statusCode: status } : {}),
    },
  });
};

const shapeError = (product: Product, action: string, error: z.ZodError): MseWatchError => {
  const issue = error.issues[0];
  const path = issue?.path.join('.') || '(answer)';
  return new MseWatchError(
    'openapi-shape',
    `${PRODUCT_INFO[product].name} ${action} answered in an unexpected shape at ${path}: ${issue?.message ?? 'invalid'}`,
    { exitCode: 2 },
  );
};

/**
 * The control-plane client: @alicloud/openapi-client's generic `callApi`, RPC style, one client per product
 * (each has its endpoint and signature version), credentials from the same chain as `invoke`. Throttling is
 * retried with backoff until the deadline; every other failure is thrown at once, explained; every answer is
 * parsed by the caller's zod schema.
 */
export const createOpenApi = (options: OpenApiOptions, deps: OpenApiDeps = defaultOpenApiDeps): OpenApi => {
  const credential = credentialClient(options.credentials);
  const clients = new Map<Product, Client>();
  const calls: OpenApiCallRecord[] = [];
  const deadlineMs = options.deadlineMs ?? 60_000;

  const clientFor = (product: Product): Client => {
    const existing = clients.get(product);
    if (existing) return existing;
    const where = options.endpoint ?? productEndpoint(product, options.region, options.network);
    const client = new OpenApiClient(
      new $OpenApi.Config({
        credential,
        endpoint: where.host,
        protocol: where.protocol,
        regionId: options.region,
        readTimeout: options.readTimeoutMs ?? 20_000,
        connectTimeout: options.connectTimeoutMs ?? 5000,
        userAgent: 'mse-watch',
        // RPC signature 1.0 (HMAC-SHA1) where the product's SDK uses it; otherwise the default V3
        ...(PRODUCT_INFO[product].signature === 'v2' ? { signatureAlgorithm: 'v2' } : {}),
      }),
    );
    clients.set(product, client);
    return client;
  };

  const call: OpenApi['call'] = async (product, action, params, schema) => {
    const info = PRODUCT_INFO[product];
    const apiParams = new $OpenApi.Params({
      action,
      version: info.version,
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const started = deps.now();
    for (let attempt = 1; ; attempt++) {
      let failure: OpenApiFailure;
      try {
        const response = await clientFor(product).callApi(
          apiParams,
          new $OpenApi.OpenApiRequest({ query: flattenParams(params) }),
          // RuntimeOptions (@alicloud/tea-util) is only read field by field; our own loop does the retries
          { autoretry: false } as Parameters<Client['callApi']>[2],
        );
        const body = (response.body ?? {}) as Record<string, unknown>;
        const inBody = bodyFailure(product, body);
        if (!inBody) {
          const parsed = schema.safeParse(body);
          calls.push({ product, action, attempts: attempt, outcome: 'ok' });
          if (!parsed.success) throw shapeError(product, action, parsed.error);
          return parsed.data;
        }
        failure = inBody;
      } catch (error) {
        if (error instanceof MseWatchError) throw error;
        failure = failureOf(error);
      }
      if (isThrottling(failure)) {
        const delay = backoffDelay(attempt, deps.random);
        const elapsed = deps.now() - started;
        if (elapsed + delay <= deadlineMs) {
          await deps.sleep(delay);
          continue;
        }
        calls.push({ product, action, attempts: attempt, outcome: 'failed', code: failure.code });
        throw new OpenApiError(
          'throttled',
          `${info.name} ${action} was still throttled (${failure.code}) after ${attempt} attempts in ${Math.round(elapsed / 1000)} s: try again later, or raise the API rate limit in Quota Center`,
          product,
          action,
          failure,
        );
      }
      calls.push({ product, action, attempts: attempt, outcome: 'failed', code: failure.code });
      throw failureError(product, action, failure);
    }
  };

  return { region: options.region, call, calls };
};
