import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedactor, MASK, type Redact } from '../util/redact.ts';
import type { HeartbeatConfig } from './config.ts';

/**
 * Pings in the healthchecks.io convention (docs: "Pinging API", "Signaling failures", run IDs):
 *   <url>/start          a run started
 *   <url>                it succeeded
 *   <url>/fail           it failed
 *   <url>/<exit status>  0 success, 1-255 failure
 * HEAD, GET or POST; a POST body (UTF-8) is stored beside the ping (healthchecks.io keeps 100 kB, self-hosted
 * instances 10 kB by default). `?rid=<uuid>` ties a start to its end. A 2xx answer is accepted.
 */
export type HeartbeatSignal = 'start' | 'success' | 'fail' | { exitCode: number };

export type PingOutcome = {
  signal: string;
  /** The address pinged, its secret part masked. */
  target: string;
  ok: boolean;
  attempts: number;
  status?: number;
  /** Why the last attempt failed, masked. */
  error?: string;
};

export type HeartbeatDeps = {
  fetch: typeof globalThis.fetch;
  sleep: (ms: number) => Promise<void>;
  randomUUID: () => string;
  /** One line per failed ping, secrets masked. */
  log: (line: string) => void;
  userAgent: string;
};

export const defaultHeartbeatDeps: HeartbeatDeps = {
  fetch: (...args) => globalThis.fetch(...args),
  sleep: (ms) => sleep(ms).then(() => undefined),
  randomUUID,
  log: () => undefined,
  userAgent: 'mse-watch',
};

/** Bodies stay under a self-hosted Healthchecks' default 10 kB. */
const MAX_BODY = 10_000;

/** Statuses worth another try: the service is overloaded or briefly down, not refusing this ping. */
const RETRY_STATUS = new Set([408 /* Request Timeout */, 425 /* Too Early */, 429 /* Too Many Requests */]);
const retryable = (status: number): boolean => status >= 500 || RETRY_STATUS.has(status);

export const signalName = (signal: HeartbeatSignal): string =>
  typeof signal === 'string' ? signal : `exit ${signal.exitCode}`;

/** The ping address of a signal: the suffix goes on the path, the query stays, the run id joins it. */
export const pingUrl = (base: string, signal: HeartbeatSignal, rid?: string): string => {
  const url = new URL(base);
  const path = url.pathname.replace(/\/+$/, '');
  const suffix =
    signal === 'success'
      ? ''
      : signal === 'start'
        ? '/start'
        : signal === 'fail'
          ? '/fail'
          : `/${Math.min(255, Math.max(0, Math.trunc(signal.exitCode)))}`;
  url.pathname = `${path}${suffix}`;
  if (rid) url.searchParams.set('rid', rid);
  return url.toString();
};

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/**
 * Everything of the URL that grants pinging: the whole address, its path, every long path segment (the
 * UUID, or the ping key), query values, user info; each also as decoded. Output shows `scheme://host/***`.
 */
export const heartbeatRedactor = (base: string): { redact: Redact; target: string } => {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return { redact: createRedactor([base]), target: MASK };
  }
  const path = url.pathname.replace(/^\/+/, '');
  const segments = path.split('/').filter((segment) => segment.length >= 8);
  const raw = [base, url.toString(), path, ...segments, url.username, url.password];
  const values = [...url.searchParams.values()].filter((value) => value.length >= 4);
  return {
    redact: createRedactor([...raw, ...raw.map(safeDecode), ...values]),
    target: `${url.protocol}//${url.host}/${MASK}`,
  };
};

/** One ping with bounded retries. Never throws: a heartbeat that cannot be sent must not fail the run. */
export const sendPing = async (
  config: HeartbeatConfig,
  signal: HeartbeatSignal,
  options: {
    rid?: string;
    body?: string;
    /** Ends every attempt and every wait at once: the caller's time budget, or the service stopping. */
    signal?: AbortSignal;
  } = {},
  deps: HeartbeatDeps = defaultHeartbeatDeps,
): Promise<PingOutcome> => {
  const { redact, target } = heartbeatRedactor(config.url);
  const name = signalName(signal);
  let url: string;
  try {
    url = pingUrl(config.url, signal, options.rid);
  } catch (error) {
    return { signal: name, target, ok: false, attempts: 0, error: redact(String((error as Error).message)) };
  }
  const body = options.body === undefined ? undefined : redact(options.body).slice(0, MAX_BODY);
  const attempts = 1 + config.retries;
  let last: Omit<PingOutcome, 'signal' | 'target' | 'attempts'> = { ok: false };
  const stopped = (attempts: number): PingOutcome => {
    const outcome = {
      signal: name,
      target,
      ...last,
      ok: false,
      attempts,
      error: attempts === 0 ? "not sent: the run's time was up" : (last.error ?? "the run's time was up"),
    };
    deps.log(`heartbeat ${name} to ${target}: ${outcome.error}`);
    return outcome;
  };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (options.signal?.aborted) return stopped(attempt - 1);
    if (attempt > 1) await deps.sleep(config.retryDelay * 2 ** (attempt - 2));
    if (options.signal?.aborted) return stopped(attempt - 1);
    try {
      const response = await deps.fetch(url, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          'user-agent': deps.userAgent,
          ...(body === undefined ? {} : { 'content-type': 'text/plain; charset=utf-8' }),
        },
        ...(body === undefined ? {} : { body }),
        signal: options.signal
          ? AbortSignal.any([AbortSignal.timeout(config.timeout), options.signal])
          : AbortSignal.timeout(config.timeout),
        redirect: 'follow',
      });
      const text = await response.text().catch(() => '');
      if (response.ok) return { signal: name, target, ok: true, attempts: attempt, status: response.status };
      last = {
        ok: false,
        status: response.status,
        error: redact(`HTTP ${response.status}${text ? `: ${text.trim().slice(0, 200)}` : ''}`),
      };
      if (!retryable(response.status)) {
        deps.log(`heartbeat ${name} to ${target}: ${last.error} (not retried: fix the ping URL)`);
        return { signal: name, target, attempts: attempt, ...last };
      }
    } catch (error) {
      const err = error as Error & { cause?: { code?: string; message?: string } };
      const why = options.signal?.aborted
        ? "no answer before the run's time was up"
        : err.name === 'TimeoutError' || err.name === 'AbortError'
          ? `no answer in ${config.timeout} ms`
          : `${err.message}${err.cause?.code ? ` (${err.cause.code})` : err.cause?.message ? ` (${err.cause.message})` : ''}`;
      last = { ok: false, error: redact(why) };
    }
  }
  deps.log(
    `heartbeat ${name} to ${target} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${last.error}`,
  );
  return { signal: name, target, attempts, ...last };
};

/** How a run ended, in the CLI's exit codes: 0 fine, 1 found a problem, 2 could not run. */
export type RunEnd = { exitCode: 0 | 1 | 2; summary?: string };

export type Heartbeat = {
  /** The run id that ties this run's pings together (a canonical lower-case UUID). */
  readonly rid: string;
  /** `<url>/start`, unless the config turns it off. */
  start(signal?: AbortSignal): Promise<PingOutcome | undefined>;
  /** Success, `/fail` or `/<exit code>`, as the config's mode says. */
  finish(end: RunEnd, signal?: AbortSignal): Promise<PingOutcome>;
};

/** The signal a finished run sends in each mode. */
export const finishSignal = (config: Pick<HeartbeatConfig, 'mode'>, end: RunEnd): HeartbeatSignal => {
  switch (config.mode) {
    case 'run':
      return end.exitCode === 2 ? 'fail' : 'success';
    case 'exit-code':
      return { exitCode: end.exitCode };
    default: {
      const never: never = config.mode;
      throw new Error(`unknown heartbeat mode ${String(never)}`);
    }
  }
};

/** The heartbeat of one run: call start() before it and finish() after it. */
export const createHeartbeat = (config: HeartbeatConfig, deps: Partial<HeartbeatDeps> = {}): Heartbeat => {
  const all: HeartbeatDeps = { ...defaultHeartbeatDeps, ...deps };
  const rid = all.randomUUID().toLowerCase();
  return {
    rid,
    start: async (signal) =>
      config.start ? sendPing(config, 'start', { rid, ...(signal ? { signal } : {}) }, all) : undefined,
    finish: (end, signal) =>
      sendPing(
        config,
        finishSignal(config, end),
        {
          rid,
          ...(config.body && end.summary !== undefined ? { body: end.summary } : {}),
          ...(signal ? { signal } : {}),
        },
        all,
      ),
  };
};
