import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/schema.ts';
import { type StatusSnapshot, statusResponse } from '../metrics/status-routes.ts';
import { type CheckFn, checkConfig, type RunDeps, type RunOutcome } from '../run/index.ts';
import { type RecordDeps, type RecordOutcome, recordRun } from '../run/record.ts';
import { MseWatchError } from '../util/errors.ts';
import { formatListen, type ListenAddress } from './listen.ts';
import { freshFor, nextDelay } from './schedule.ts';
import { cachedSnapshot } from './snapshot.ts';

// `mse-watch serve`: checks on a schedule (one at a time, with jitter), the status page at /, Prometheus metrics
// at /metrics and a health check at /healthz, and a clean stop on the signal it is given. The CLI command only
// parses flags and prints the events; everything else is here.

export type ServiceOptions = {
  everyMs: number;
  listen: ListenAddress;
  build: { version: string; catalogVersion: string };
  /** Stops the service: the run in progress is aborted through it, the server closed. */
  signal: AbortSignal;
};

/** What the service tells its shell, one event at a time (the CLI prints a line for each). */
export type ServiceEvent =
  | { kind: 'listening'; url: string; address: ListenAddress }
  | { kind: 'run'; outcome: RunOutcome; recorded: RecordOutcome; nextInMs: number }
  | { kind: 'run-failed'; error: unknown; recorded?: RecordOutcome; nextInMs: number }
  | { kind: 'stopping'; running: boolean }
  | { kind: 'stopped'; runs: number };

export type ServiceDeps = {
  check: CheckFn;
  runDeps: Partial<RunDeps>;
  record: Partial<RecordDeps>;
  /** The state files as the pages read them (default: cached by modification time). */
  snapshot: () => Promise<StatusSnapshot>;
  now: () => number;
  monotonic: () => number;
  random: () => number;
  log: (event: ServiceEvent) => void;
};

export type Service = {
  address: ListenAddress;
  url: string;
  /** Resolves when the service has stopped: no run in progress, the server closed, every lock released. */
  done: Promise<{ runs: number }>;
};

/** How long the recording of a run that completed as the stop came may still take (history, heartbeat end). */
export const STOP_GRACE_MS = 3000;

/** /healthz: fresh while the last completed run ended less than `freshFor(every)` ago. */
export type Health = {
  ok: boolean;
  lastRunAt: string | null;
  lastRunOk: boolean | null;
  freshForSeconds: number;
  runs: number;
  failedRuns: number;
  running: boolean;
};

const listenOn = async (server: Server, address: ListenAddress): Promise<ListenAddress> => {
  server.listen(address.port, address.host);
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]) => Promise.reject(error)),
    ]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? 'the port is in use by another program'
        : code === 'EADDRNOTAVAIL'
          ? 'this host has no such address'
          : code === 'EACCES'
            ? 'permission denied (ports below 1024 need privileges)'
            : (error as Error).message;
    throw new MseWatchError(
      'listen',
      `cannot listen on ${formatListen(address)}: ${why}${code ? ` (${code})` : ''}; give another --listen`,
    );
  }
  const bound = server.address() as AddressInfo;
  return { host: bound.address, port: bound.port };
};

const send = (
  res: ServerResponse,
  method: string,
  status: number,
  headers: Record<string, string>,
  body: string,
) => {
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(method === 'HEAD' ? undefined : body);
};

/**
 * Starts the service: binds the port first (a port in use is an error at once, before any check runs), then runs
 * a check at once and every `everyMs` after (never two at once), serving the pages meanwhile. On the signal the
 * run in progress is aborted (its partial result is not recorded: an interrupted run is no observation), the
 * heartbeat is not told an end, every lock is released, and the server closes its connections.
 */
export const startService = async (
  config: Config,
  options: ServiceOptions,
  overrides: Partial<ServiceDeps> = {},
): Promise<Service> => {
  const deps: ServiceDeps = {
    check: checkConfig,
    runDeps: {},
    record: {},
    snapshot: cachedSnapshot(config.state),
    now: Date.now,
    monotonic: () => performance.now(),
    random: Math.random,
    log: () => undefined,
    ...overrides,
  };
  const fresh = freshFor(options.everyMs);
  let runs = 0;
  let failedRuns = 0;
  let running = false;
  let last: { at: number; ok: boolean } | undefined;

  const health = (): Health => {
    const now = deps.now();
    return {
      ok: last !== undefined && now - last.at < fresh,
      lastRunAt: last ? new Date(last.at).toISOString() : null,
      lastRunOk: last?.ok ?? null,
      freshForSeconds: Math.round(fresh / 1000),
      runs,
      failedRuns,
      running,
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    // a request body is never read: drain it so the connection can be reused
    req.resume();
    try {
      if (path === '/healthz') {
        if (method !== 'GET' && method !== 'HEAD') {
          send(
            res,
            method,
            405,
            { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' },
            'use GET\n',
          );
          return;
        }
        const state = health();
        send(
          res,
          method,
          state.ok ? 200 : 503,
          { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
          `${JSON.stringify(state)}\n`,
        );
        return;
      }
      const snapshot = await deps.snapshot();
      // without `alerting:` the alert families stay out, as the metrics reference says
      const shown = config.alerting ? snapshot : { ...snapshot, alerts: undefined };
      const answer = statusResponse({ method, path }, shown, {
        now: deps.now(),
        build: options.build,
        staleAfterMs: fresh,
        refreshSeconds: Math.min(300, Math.max(10, Math.round(options.everyMs / 1000))),
        ...(config.alerting ? { configSilences: config.alerting.silences } : {}),
      });
      send(res, method, answer.status, answer.headers, answer.body);
    } catch (error) {
      // a state file that cannot be read right now is a 503 with the reason, never a dead server
      send(
        res,
        method,
        503,
        { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        `cannot read the state: ${(error as Error).message}\n`,
      );
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  // slow or idle clients cannot hold the service: answers are small and quick
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  const address = await listenOn(server, options.listen);
  const url = `http://${formatListen(address)}/`;
  deps.log({ kind: 'listening', url, address });

  /** One run and its recording; returns how long to wait before the next one. */
  const runOnce = async (): Promise<number> => {
    const started = deps.monotonic();
    const delay = () => nextDelay(options.everyMs, deps.monotonic() - started, deps.random);
    let cut = false;
    // the recording of a run that completed just before the stop may still finish, for a moment: its history
    // entry and its heartbeat end are what the stop would otherwise lose
    const recording = new AbortController();
    let grace: NodeJS.Timeout | undefined;
    const onStop = () => {
      grace = setTimeout(() => recording.abort(), STOP_GRACE_MS);
    };
    if (options.signal.aborted) onStop();
    else options.signal.addEventListener('abort', onStop, { once: true });
    running = true;
    try {
      const { outcome, recorded } = await recordRun(
        config,
        () =>
          deps.check(config, deps.runDeps, {
            signal: options.signal,
            // a run never outlasts its interval: the next one is due then
            budgetMs: options.everyMs,
          }),
        {
          shell: 'serve',
          signal: recording.signal,
          interrupted: () => {
            cut = options.signal.aborted;
            return cut;
          },
        },
        deps.record,
      );
      // a run the signal cut short is abandoned; one that completed just before the signal counts
      if (cut) return 0;
      runs++;
      last = { at: deps.now(), ok: outcome.ok };
      const nextInMs = delay();
      deps.log({ kind: 'run', outcome, recorded, nextInMs });
      return nextInMs;
    } catch (error) {
      if (options.signal.aborted) return 0;
      // a run that crashed is told and counted; the service goes on (/healthz goes stale if it keeps failing)
      failedRuns++;
      const nextInMs = delay();
      deps.log({ kind: 'run-failed', error, nextInMs });
      return nextInMs;
    } finally {
      running = false;
      options.signal.removeEventListener('abort', onStop);
      clearTimeout(grace);
    }
  };

  const loop = async (): Promise<{ runs: number }> => {
    while (!options.signal.aborted) {
      const nextInMs = await runOnce();
      if (options.signal.aborted) break;
      try {
        await sleep(nextInMs, undefined, { signal: options.signal });
      } catch {
        break;
      }
    }
    return { runs };
  };

  const done = (async () => {
    const stopping = (options.signal.aborted ? Promise.resolve() : once(options.signal, 'abort')).then(() =>
      deps.log({ kind: 'stopping', running }),
    );
    const result = await loop();
    await stopping;
    // connections kept alive by a browser or a scraper must not hold the process
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    deps.log({ kind: 'stopped', runs: result.runs });
    return result;
  })();
  return { address, url, done };
};
