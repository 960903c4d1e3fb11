import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Answer,
  alternative,
  envelope,
  gone,
  json,
  methodNotAllowed,
  noResource,
  noSuchApi,
  springError,
  text,
} from './answers.ts';
import { checkAuth, type Params, type ServerSettings } from './settings.ts';
import { clusterNodes, configApiV1, namingApiV1 } from './v1.ts';
import { login, routeV3 } from './v3.ts';

export type { ServerSettings } from './settings.ts';

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/** Nacos reads parameters with getParameter: query and form body together. */
export const readParams = async (request: IncomingMessage, url: URL): Promise<Params> => {
  const params: Params = Object.fromEntries(url.searchParams);
  const type = request.headers['content-type'] ?? '';
  const body = await readBody(request);
  if (body && (type.includes('x-www-form-urlencoded') || type === '')) {
    for (const [key, value] of new URLSearchParams(body)) params[key] = value;
  }
  return params;
};

const NOT_READY = 'naming and config not in readiness';
const serverError = (full: string) => springError(500, 'simulated server error', full);

// the v1 naming paths the simulator serves; any other /v1/ns/* path is DistroFilter's 501, before auth
const V1_NAMING = new Set([
  '/v1/ns/instance',
  '/v1/ns/instance/list',
  '/v1/ns/instance/beat',
  '/v1/ns/operator/metrics',
]);

/** The v1 client APIs (1.x/2.x, and 3.0/3.1 where they are still on): auth, then config or naming. */
const v1Apis = async (
  settings: ServerSettings,
  request: IncomingMessage,
  method: string,
  path: string,
  params: Params,
): Promise<Answer> => {
  const full = `/nacos${path}`;
  if (path.startsWith('/v1/ns/') && !V1_NAMING.has(path)) return noSuchApi(method, full);
  const authed = checkAuth(settings, request, params, path, 'client');
  if (!authed.ok) return authed.answer;
  if (settings.faults().serverErrors) return serverError(full);
  if (path.startsWith('/v1/cs/')) return configApiV1(settings, method, path, params, request);
  return namingApiV1(settings, method, path, params);
};

/** 1.x/2.x: everything under v1, plus the v2 health API (2.2+). */
const route2x = async (
  settings: ServerSettings,
  request: IncomingMessage,
  method: string,
  path: string,
  params: Params,
): Promise<Answer> => {
  const faults = settings.faults();
  const full = `/nacos${path}`;
  switch (path) {
    case '/':
    case '':
      return text(302, '', { Location: '/nacos/index.html' });
    case '/v1/console/health/liveness':
      return text(200, 'OK');
    case '/v1/console/health/readiness':
      return faults.notReady ? text(500, NOT_READY) : text(200, 'OK');
    case '/v2/console/health/liveness':
      return envelope('ok');
    case '/v2/console/health/readiness':
      return faults.notReady ? envelope(null, 30_000, NOT_READY) : envelope('ok');
    case '/v1/console/server/state':
      return json(200, {
        version: settings.version(),
        startup_mode: 'standalone',
        function_mode: null,
        auth_enabled: String(settings.clientAuth || settings.ram !== undefined),
        login_page_enabled: 'true',
      });
    case '/v1/auth/login':
    case '/v1/auth/users/login':
      if (method !== 'POST') return methodNotAllowed(method, full);
      if (faults.serverErrors) return serverError(full);
      return login(settings, params);
    case '/v1/core/cluster/nodes': {
      const authed = checkAuth(settings, request, params, path, 'client');
      if (!authed.ok) return authed.answer;
      if (faults.serverErrors) return serverError(full);
      return json(200, { code: 200, message: null, data: clusterNodes(settings) });
    }
    default:
      break;
  }
  if (path.startsWith('/v1/cs/') || path.startsWith('/v1/ns/'))
    return v1Apis(settings, request, method, path, params);
  // Spring Boot 2.x: an unmapped path
  return springError(404, 'No message available', full);
};

/**
 * 3.0/3.1, before any auth (ApiCompatibilityFilter, order 5, runs before AuthFilter, order 6): the v1 APIs that
 * are admin or console APIs answer 410 with their v3 alternative.
 */
const deprecatedOn31 = (method: string, path: string, params: Params): Answer | undefined => {
  const full = `/nacos${path}`;
  if (path === '/v1/core/cluster/nodes') {
    return gone(full, 'console', alternative('GET', '/v3/admin/core/cluster/node/list'));
  }
  if (path === '/v1/cs/configs' && method === 'GET' && params.search !== undefined) {
    return gone(full, 'console', alternative('GET', '/v3/console/cs/config/list'));
  }
  if (path === '/v1/cs/configs/listener' && method === 'GET') {
    return gone(full, 'console', alternative('GET', '/v3/console/cs/config/listener'));
  }
  if (path === '/v1/ns/instance' && method === 'PUT') {
    return gone(full, 'admin', alternative('PUT', '/v3/admin/ns/instance'));
  }
  if (path === '/v1/ns/instance' && method === 'GET') {
    return gone(full, 'admin', alternative('GET', '/v3/admin/ns/instance'));
  }
  return undefined;
};

/** 3.0.3+ answers the context root with where the console went (NacosConsolePathTipFilter). */
const hasFingerprint = (version: string): boolean => {
  const [major = 0, minor = 0, patch = 0] = version
    .split(/[.-]/)
    .map((part) => Number.parseInt(part, 10) || 0);
  return major > 3 || (major === 3 && (minor > 0 || patch >= 3));
};

/**
 * 3.x server port: v3 APIs, the two v1 logins, and on 3.0/3.1 the v1 client APIs. The console (and with it
 * /v1/console/*) lives on its own port. 3.2 removed the rest of v1 and v2: under /v1/ns/* the naming filter
 * answers 501 "no such api", elsewhere Spring answers 404.
 */
const route3x = async (
  settings: ServerSettings,
  request: IncomingMessage,
  method: string,
  path: string,
  params: Params,
): Promise<Answer> => {
  const faults = settings.faults();
  const full = `/nacos${path}`;
  if (path === '/' || path === '' || path === '/index.html') {
    return hasFingerprint(settings.version())
      ? text(200, 'Nacos Console default port is 8080, and the path is /.')
      : noResource(full);
  }
  if (path.startsWith('/v3/')) return routeV3(settings, request, method, path, params);
  if (path === '/v1/auth/login' || path === '/v1/auth/users/login') {
    if (method !== 'POST') return methodNotAllowed(method, full);
    if (faults.serverErrors) return serverError(full);
    return login(settings, params);
  }
  if (settings.generation() === '3.2+') {
    return path.startsWith('/v1/ns/') ? noSuchApi(method, full) : noResource(full);
  }
  const deprecated = deprecatedOn31(method, path, params);
  if (deprecated) return deprecated;
  if (path.startsWith('/v1/cs/') || path.startsWith('/v1/ns/'))
    return v1Apis(settings, request, method, path, params);
  return noResource(full);
};

export const createHttpHandler =
  (settings: ServerSettings) =>
  async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    try {
      const url = new URL(request.url ?? '/', 'http://nacos.invalid');
      const params = await readParams(request, url);
      const slow = settings.faults().slowMs;
      if (slow > 0) await sleep(slow);
      const route = settings.generation().startsWith('3') ? route3x : route2x;
      const answer = url.pathname.startsWith('/nacos')
        ? await route(settings, request, request.method ?? 'GET', url.pathname.slice('/nacos'.length), params)
        : springError(404, 'No message available', url.pathname);
      writeAnswer(response, answer);
    } catch (error) {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`test server error: ${(error as Error).message}`);
    }
  };

export const writeAnswer = (response: ServerResponse, answer: Answer): void => {
  if (response.destroyed) return;
  response.writeHead(answer.status, {
    ...(answer.type ? { 'content-type': answer.type } : {}),
    ...answer.headers,
  });
  response.end(answer.body);
};
