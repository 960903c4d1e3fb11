// The shapes of Nacos HTTP answers, as the server sources produce them (2.5.1, 3.1 develop, 3.2 main).

export type Answer = { status: number; body: string; type?: string; headers?: Record<string, string> };

export const text = (status: number, body: string, headers?: Record<string, string>): Answer => ({
  status,
  body,
  type: 'text/plain;charset=UTF-8',
  headers,
});

export const json = (status: number, value: unknown): Answer => ({
  status,
  body: JSON.stringify(value),
  type: 'application/json;charset=UTF-8',
});

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  410: 'Gone',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};

/**
 * Spring Boot's error body (BasicErrorController), which Nacos answers after `response.sendError(status, msg)`
 * and for unmapped paths; Nacos sets `server.error.include-message=ALWAYS`, so `message` is there.
 */
export const springError = (status: number, message: string, path: string): Answer =>
  json(status, {
    timestamp: new Date().toISOString(),
    status,
    error: REASONS[status] ?? 'Error',
    message,
    path,
  });

/** `{code, message, data}` (com.alibaba.nacos.api.model.v2.Result), HTTP 200 unless said otherwise. */
export const envelope = (data: unknown, code = 0, message = 'success', status = 200): Answer =>
  json(status, { code, message, data });

/**
 * A path no controller maps (3.x: the v1/v2 APIs 3.2 removed, the console APIs of the server port): Spring's
 * static resource handler answers 404 (NoResourceFoundException, Spring 6.1+) for every method.
 */
export const noResource = (fullPath: string, contextPath = '/nacos'): Answer =>
  springError(404, `No static resource ${fullPath.slice(contextPath.length).replace(/^\//, '')}.`, fullPath);

/**
 * Under /v1/ns/* the naming DistroFilter looks the method up first and answers 501 when there is none
 * (`no such api:METHOD:URI`), before any auth: on every generation for unknown paths, and on 3.2+ for all the
 * removed v1 naming APIs.
 */
export const noSuchApi = (method: string, fullPath: string): Answer =>
  springError(501, `no such api:${method}:${fullPath}`, fullPath);

export type CompatibilityType = 'admin' | 'client' | 'console';

/**
 * 3.0/3.1 ApiCompatibilityFilter: a deprecated API whose switch is off answers 410 through sendError, with the
 * Result JSON (JacksonUtils, NON_NULL) as the message. `alternatives` is the annotation text, printed as is,
 * `${contextPath:nacos}` placeholder included.
 */
export const gone = (fullPath: string, type: CompatibilityType, alternatives?: string): Answer => {
  const key = `nacos.core.api.compatibility.${type}.enabled`;
  const message = alternatives
    ? `Current API will be deprecated, please use API(s) \`${alternatives}\` instead, or set \`${key}=true\` in application.properties.`
    : `Current API will be deprecated, If wanted continue to use, please set \`${key}=true\` in application.properties.`;
  return springError(410, JSON.stringify({ code: 40000, message }), fullPath);
};

/** An @Compatibility `alternatives` text: the server prints its contextPath placeholder unresolved. */
export const alternative = (method: string, path: string): string => `${method} $\{contextPath:nacos}${path}`;

/** Spring's answer to a method a route does not take. */
export const methodNotAllowed = (method: string, fullPath: string): Answer =>
  springError(405, `Request method '${method}' not supported`, fullPath);
