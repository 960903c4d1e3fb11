import type { IncomingMessage } from 'node:http';
import { generationOfVersion, type NacosGeneration } from '../../nacos/generation.ts';
import { configSignResource, hmacSha1Base64 } from '../../nacos/spas.ts';
import { type Answer, springError } from './answers.ts';
import type { NacosFaults, NacosStore } from './store.ts';

export type Params = Record<string, string>;

export type ServerSettings = {
  /** The version the server reports; `faults.v3` on a 1.x/2.x version makes it 3.0.3. */
  version: () => string;
  generation: () => NacosGeneration;
  /** The one user; when absent, any login is accepted. */
  auth?: { username: string; password: string };
  /** nacos.core.auth.enabled: client (open) APIs need credentials. */
  clientAuth: boolean;
  /** 3.x nacos.core.auth.admin.enabled: admin APIs (/v3/admin/*) need credentials. */
  adminAuth: boolean;
  ram?: { accessKey: string; secretKey: string };
  faults: () => NacosFaults;
  store: NacosStore;
  /** Long polls held open, released when the server closes. */
  holds: Set<() => void>;
  nodes: () => Array<{ ip: string; port: number }>;
};

export const isV3 = (settings: ServerSettings): boolean => settings.generation().startsWith('3');

export const effectiveGeneration = (version: string): NacosGeneration =>
  generationOfVersion(version) ?? '2.x';

/**
 * The config namespace the server stores under: 1.x/2.x rewrite blank, `public` and `null` to "" (2.5.1
 * NamespaceUtil), 3.x rewrites blank to `public`.
 */
export const configTenant = (settings: ServerSettings, raw: string | undefined): string => {
  const value = (raw ?? '').trim();
  if (isV3(settings)) return value === '' ? 'public' : value;
  return value === '' || /^(public|null)$/i.test(value) ? '' : value;
};

/** Naming keeps `public` as the default namespace id on every generation. */
export const namingNamespace = (raw: string | undefined): string => (raw ?? '').trim() || 'public';

export type AuthScope = 'client' | 'admin';

type Authed = { ok: true } | { ok: false; answer: Answer };

// 3.x AuthFilter: sendError(403, AuthResult.format()) = "Code: %d, Message: %s."; 2.x sends the bare reason
const USER_NOT_FOUND_3X = 'User not found! Please check user exist or password is right!';

/**
 * Nacos AuthFilter (client APIs, when client auth is on) and, on 3.x, AuthAdminFilter (admin APIs, when admin
 * auth is on): a token (accessToken or Bearer), username+password parameters, or MSE Spas signatures.
 */
export const checkAuth = (
  settings: ServerSettings,
  request: IncomingMessage,
  params: Params,
  path: string,
  scope: AuthScope,
): Authed => {
  const { auth, ram, store } = settings;
  const v3 = isV3(settings);
  const required = scope === 'admin' ? settings.adminAuth : settings.clientAuth || ram !== undefined;
  if (!required) return { ok: true };
  const deny = (reason: string): Authed => ({
    ok: false,
    answer: springError(403, v3 ? `Code: 401, Message: ${reason}.` : reason, `/nacos${path}`),
  });
  const notFound = v3 ? USER_NOT_FOUND_3X : 'user not found!';
  const header = request.headers.authorization;
  const token =
    params.accessToken ??
    (typeof request.headers.accesstoken === 'string' ? request.headers.accesstoken : undefined) ??
    (header?.startsWith('Bearer ') ? header.slice(7) : undefined);
  if (token) {
    if (settings.faults().expireTokens) return deny('token expired!');
    const state = store.checkToken(token);
    if (state === 'valid') return { ok: true };
    return deny(state === 'expired' ? 'token expired!' : 'token invalid!');
  }
  if (auth && params.username !== undefined) {
    return params.username === auth.username && params.password === auth.password
      ? { ok: true }
      : deny(notFound);
  }
  if (ram) {
    const spasKey = request.headers['spas-accesskey'];
    if (typeof spasKey === 'string') {
      const ts = String(request.headers.timestamp ?? '');
      // v3 names them namespaceId and groupName; the signed resource is the same tenant+group
      const tenant = params.tenant ?? params.namespaceId ?? '';
      const group = params.group ?? params.groupName ?? '';
      const signed = configSignResource(tenant, group);
      const expected = hmacSha1Base64(signed ? `${signed}+${ts}` : ts, ram.secretKey);
      return spasKey === ram.accessKey && request.headers['spas-signature'] === expected
        ? { ok: true }
        : deny('signature mismatch');
    }
    if (params.ak !== undefined) {
      return params.ak === ram.accessKey &&
        params.signature === hmacSha1Base64(params.data ?? '', ram.secretKey)
        ? { ok: true }
        : deny('signature mismatch');
    }
  }
  return deny(notFound);
};
