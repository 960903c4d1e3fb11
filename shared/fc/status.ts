import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { credentialSourceFromKeys } from '../aliyun/credential-source.ts';
import {
  CloudMonitorConfig,
  defaultPublishDeps,
  type PublishDeps,
  type PublishOutcome,
  publishLatest,
} from '../metrics/cloudmonitor-publish.ts';
import {
  loadStatusSnapshot,
  type StatusResponse,
  type StatusSnapshot,
  statusResponse,
} from '../metrics/status-routes.ts';
import { StateConfig } from '../state/config.ts';
import { FcContext } from './context.ts';
import { decodeEvent, TimerEvent } from './event.ts';

// The `status` function: an FC 3.0 HTTP trigger in front of the same status page and /metrics that `serve`
// answers, read from the NAS state directory the timer functions write. Never anonymous: a bearer token from the
// environment, checked in constant time, and/or FC's own signature authentication on the trigger.
// Optionally also a timer trigger whose payload is {"cloudMonitor": {...}}: each tick publishes the runs recorded
// since the last one as CloudMonitor custom metrics (shared/metrics/cloudmonitor-publish.ts says why there).

/**
 * What an HTTP trigger hands a built-in runtime (FC 3.0, "Use an HTTP trigger to invoke a function": the request
 * struct, payload version v1). Loose: FC adds fields over time; only these are read.
 */
export const FcHttpEvent = z.looseObject({
  version: z.string().optional(),
  rawPath: z.string(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  /** One value per name; repeated headers arrive joined by commas. */
  headers: z.record(z.string(), z.string()).optional(),
  queryParameters: z.record(z.string(), z.string()).optional(),
  requestContext: z.looseObject({
    requestId: z.string().optional(),
    http: z.looseObject({
      method: z.string(),
      path: z.string().optional(),
      sourceIp: z.string().optional(),
    }),
  }),
});
export type FcHttpEvent = z.infer<typeof FcHttpEvent>;

/** What the function returns: FC maps it to the HTTP response (statusCode, headers, body, isBase64Encoded). */
export type FcHttpResponse = {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
};

export const STATUS_TOKEN_ENV = 'MSE_WATCH_STATUS_TOKEN';
export const STATUS_AUTH_ENV = 'MSE_WATCH_STATUS_AUTH';
export const STATE_DIR_ENV = 'MSE_WATCH_STATE_DIR';
/** Where s.yaml mounts the NAS state directory in every function. */
export const DEFAULT_STATE_DIR = '/mnt/state';
/** A shorter token could be guessed; `openssl rand -hex 32` gives 64 characters. */
export const MIN_TOKEN_LENGTH = 32;

export type StatusHandlerDeps = {
  env: Record<string, string | undefined>;
  now: () => number;
  build: { version: string; catalogVersion: string };
  /** The state files (default: read from the state directory, without locks, without repairs). */
  snapshot?: (state: StateConfig) => Promise<StatusSnapshot>;
  /** One JSON line per request to stdout (FC ships it to the logstore); never a credential. */
  writeLine: (line: string) => void;
  /** CloudMonitor publishing (tests point the client at a loopback fake); the real client by default. */
  publish?: Partial<PublishDeps>;
};

/** What a timer tick answers (the invocation's result, as the other functions answer a summary). */
export type PublishSummary = PublishOutcome & { ok: boolean; check: 'cloudmonitor'; reason?: string };

/** How a request must prove itself, from the environment; a misconfiguration is a reason, never an open door. */
type AuthPolicy = { token?: string; fcAuth: boolean } | { problem: string };

export const authPolicy = (env: Record<string, string | undefined>): AuthPolicy => {
  const token = env[STATUS_TOKEN_ENV]?.trim() || undefined;
  const mode = env[STATUS_AUTH_ENV]?.trim().toLowerCase() || 'token';
  if (mode !== 'token' && mode !== 'function')
    return {
      problem: `${STATUS_AUTH_ENV} is "${mode.slice(0, 20)}": use "token" (default) or "function" (the trigger's authType is function)`,
    };
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH)
    return {
      problem: `${STATUS_TOKEN_ENV} is shorter than ${MIN_TOKEN_LENGTH} characters: generate one with openssl rand -hex 32`,
    };
  if (mode === 'token' && token === undefined)
    return {
      problem: `${STATUS_TOKEN_ENV} is not set: the status page is never served anonymously (docs/deploy.md, "The status function")`,
    };
  return { ...(token ? { token } : {}), fcAuth: mode === 'function' };
};

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(digest(given), digest(expected));

const header = (event: FcHttpEvent, name: string): string | undefined => {
  for (const [key, value] of Object.entries(event.headers ?? {}))
    if (key.toLowerCase() === name) return value;
  return undefined;
};

/**
 * The credential a request carries: `Authorization: Bearer <token>` (curl, Prometheus' `authorization`), or
 * `Basic` with the token as the password and any user name (what a browser sends after its login prompt).
 */
export const presentedToken = (authorization: string | undefined): string | undefined => {
  if (!authorization) return undefined;
  const [scheme, ...rest] = authorization.trim().split(/\s+/);
  const value = rest.join(' ');
  if (/^bearer$/i.test(scheme ?? '')) return value;
  if (/^basic$/i.test(scheme ?? '')) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
};

const plain = (statusCode: number, text: string, extra: Record<string, string> = {}): FcHttpResponse => ({
  statusCode,
  headers: {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...extra,
  },
  body: `${text}\n`,
  isBase64Encoded: false,
});

const asFc = (answer: StatusResponse, method: string): FcHttpResponse => ({
  statusCode: answer.status,
  headers: answer.headers,
  body: method === 'HEAD' ? '' : answer.body,
  isBase64Encoded: false,
});

/** The event's JSON value (FC hands it over as bytes, a string or an object), or undefined when it is not JSON. */
const eventValue = (raw: unknown): unknown => {
  const value = decodeEvent(raw);
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
};

const parseEvent = (raw: unknown): FcHttpEvent | undefined => {
  const parsed = FcHttpEvent.safeParse(eventValue(raw));
  return parsed.success ? parsed.data : undefined;
};

/** A timer trigger's event (FC: triggerTime, triggerName, payload): its payload, or undefined for anything else. */
const timerPayload = (raw: unknown): { name: string; payload: string } | undefined => {
  const parsed = TimerEvent.safeParse(eventValue(raw));
  return parsed.success ? { name: parsed.data.triggerName, payload: parsed.data.payload } : undefined;
};

const TickPayload = z.strictObject({ cloudMonitor: CloudMonitorConfig.optional() });

/**
 * A timer tick: publish to CloudMonitor what was recorded since the last tick. Bad settings are said in the
 * answer (and the log), never thrown: a timer has nobody to tell but the log.
 */
const publishTick = async (
  timer: { name: string; payload: string },
  rawContext: unknown,
  deps: StatusHandlerDeps,
): Promise<PublishSummary> => {
  const fail = (reason: string): PublishSummary => ({
    ok: false,
    check: 'cloudmonitor',
    reason,
    published: [],
    unchanged: 0,
    problems: [reason],
  });
  const context = FcContext.safeParse(rawContext);
  let payload: z.infer<typeof TickPayload>;
  try {
    const parsed = TickPayload.safeParse(timer.payload.trim() === '' ? {} : JSON.parse(timer.payload));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return fail(
        `the payload of timer trigger ${timer.name}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
      );
    }
    payload = parsed.data;
  } catch (error) {
    return fail(`the payload of timer trigger ${timer.name} is not JSON (${(error as Error).message})`);
  }
  if (!payload.cloudMonitor) return fail(`timer trigger ${timer.name} has no "cloudMonitor" in its payload`);
  const state = StateConfig.parse({ dir: deps.env[STATE_DIR_ENV]?.trim() || DEFAULT_STATE_DIR });
  const timeoutS = context.success ? context.data.function.timeout : 60;
  const signal = AbortSignal.timeout(Math.max(1000, timeoutS * 1000 - 3000));
  let outcome: PublishOutcome;
  try {
    const snapshot = await (deps.snapshot ?? loadStatusSnapshot)(state);
    const credentials = credentialSourceFromKeys(context.success ? context.data.credentials : undefined);
    const publishDeps: PublishDeps = {
      ...(await defaultPublishDeps(state, credentials)),
      ...deps.publish,
    };
    outcome = await publishLatest(
      snapshot.history,
      payload.cloudMonitor,
      {
        ...(context.success && context.data.region ? { region: context.data.region } : {}),
        signal,
        timeoutMs: Math.max(1000, Math.min(20_000, timeoutS * 1000 - 5000)),
      },
      publishDeps,
    );
  } catch (error) {
    return fail(`cloudMonitor: ${(error as Error).message}`);
  }
  for (const problem of outcome.problems)
    deps.writeLine(
      `${JSON.stringify({ time: new Date(deps.now()).toISOString(), kind: 'warning', check: 'cloudmonitor', message: problem })}\n`,
    );
  return {
    ok: outcome.problems.length === 0,
    check: 'cloudmonitor',
    ...outcome,
    ...(outcome.problems[0] ? { reason: outcome.problems[0] } : {}),
  };
};

/**
 * The status function: an HTTP request in, the status page or /metrics out. Every request is authenticated
 * before anything is read; a wrong or missing credential gets 401 with a Basic challenge (so a browser asks),
 * and the same answer whatever was wrong with it.
 */
export const handleStatus = async (
  rawEvent: unknown,
  rawContext: unknown,
  deps: StatusHandlerDeps,
): Promise<FcHttpResponse | string> => {
  const requestId =
    rawContext !== null && typeof rawContext === 'object' && 'requestId' in rawContext
      ? String((rawContext as { requestId: unknown }).requestId)
      : undefined;
  const timer = timerPayload(rawEvent);
  if (timer) return JSON.stringify(await publishTick(timer, rawContext, deps));
  const event = parseEvent(rawEvent);
  const log = (fields: Record<string, unknown>) =>
    deps.writeLine(
      `${JSON.stringify({ time: new Date(deps.now()).toISOString(), kind: 'status-request', ...(requestId ? { requestId } : {}), ...fields })}\n`,
    );
  if (!event) {
    log({ status: 400 });
    return plain(400, 'this function answers HTTP trigger requests (FC 3.0 HTTP trigger event, version v1)');
  }
  const method = event.requestContext.http.method.toUpperCase();
  const path = event.requestContext.http.path ?? event.rawPath;
  const where = { method: method.slice(0, 10), path: path.slice(0, 200) };
  const policy = authPolicy(deps.env);
  if ('problem' in policy) {
    log({ ...where, status: 500, problem: policy.problem });
    return plain(500, `mse-watch status is not configured: ${policy.problem}`);
  }
  if (policy.token !== undefined) {
    const given = presentedToken(header(event, 'authorization'));
    if (given === undefined || !sameSecret(given, policy.token)) {
      log({ ...where, status: 401, sourceIp: event.requestContext.http.sourceIp });
      return plain(401, 'authentication required: send Authorization: Bearer <token>', {
        'www-authenticate': 'Basic realm="mse-watch status", charset="UTF-8"',
      });
    }
  }
  const state = StateConfig.parse({ dir: deps.env[STATE_DIR_ENV]?.trim() || DEFAULT_STATE_DIR });
  let snapshot: StatusSnapshot;
  try {
    snapshot = await (deps.snapshot ?? loadStatusSnapshot)(state);
  } catch (error) {
    const reason = `cannot read the state in ${state.dir}: ${(error as Error).message}`;
    log({ ...where, status: 503, problem: reason });
    return plain(503, `${reason} (is the NAS mounted at ${state.dir}?)`);
  }
  const answer = statusResponse({ method, path }, snapshot, { now: deps.now(), build: deps.build });
  log({ ...where, status: answer.status, ...(snapshot.notes.length > 0 ? { notes: snapshot.notes } : {}) });
  return asFc(answer, method);
};
