import type { AttemptOptions, Prober, RoundStop } from './attempt.ts';
import { defaultProbeDeps, type ProbeDeps } from './deps.ts';
import { probeHttp } from './http.ts';
import { probeTcp } from './tcp.ts';
import { probeTls } from './tls.ts';
import type { Attempt, ProbeMode, ProbeResult, ProbeSpec, ProbeTarget } from './types.ts';

/** One file per probe kind behind one function type, in one typed map; each prober takes its own options. */
export const PROBES = { tcp: probeTcp, http: probeHttp, tls: probeTls } satisfies {
  [K in ProbeMode]: Prober<Extract<ProbeSpec, { kind: K }>>;
};

/** The prober of a target's kind (the map is typed per kind; the call is by spec). */
const proberOf = (target: ProbeTarget): Prober<ProbeSpec> => PROBES[target.spec.kind] as Prober<ProbeSpec>;

/** One attempt at a target by its own prober and options. */
export const probeOnce = (target: ProbeTarget, options: AttemptOptions, deps: ProbeDeps): Promise<Attempt> =>
  new Promise((resolve) => proberOf(target)(target, target.spec, options, deps, resolve));

export type EngineOptions = {
  timeoutMs: number;
  attempts: number;
  spacingMs: number;
  concurrency: number;
  /** The caller's whole budget for the round; every attempt's timeout is clamped to what is left of it. */
  budgetMs?: number;
  signal?: AbortSignal;
  /** Told of each target as it ends: `index` is its place in `targets`. */
  onResult?: (result: ProbeResult, done: number, total: number, index: number) => void;
  /**
   * false: each result goes only to onResult and the returned list is empty. A caller that keeps its own rows
   * need not hold the results too: with thousands of targets they outlive the young generation and are promoted,
   * which is most of what a function's memory grows by from one invocation to the next (docs/BENCHMARKS.md).
   */
  keepResults?: boolean;
};

/**
 * Connections dialled in one turn of the event loop at most. Their connect(2) calls and then their callbacks are
 * handled one after the other, so a batch adds its own processing to every connection's measured time: about
 * 40 µs a connection, 0.3 ms for 8 (docs/BENCHMARKS.md, the timing section); a round still dials thousands a second.
 */
const DIALS_PER_TURN = 8;

/** Shortest attempt worth starting: below this a timeout says nothing about the network. */
const MIN_ATTEMPT_MS = 20;

const notProbed = (target: ProbeTarget): ProbeResult => ({
  target,
  status: 'timeout',
  latencyMs: 0,
  phases: {},
  attempts: [],
  error: { code: 'DEADLINE', message: "not probed: the run's time budget ran out first" },
});

// Built field by field, not with spreads: a spread-built object costs a copy, and every later JSON.stringify of
// it takes a slower path (docs/BENCHMARKS.md).
const resultOf = (target: ProbeTarget, attempts: Attempt[]): ProbeResult => {
  let decisive: Attempt | undefined;
  for (const attempt of attempts)
    if (attempt.status === 'ok') {
      decisive = attempt;
      break;
    }
  decisive ??= attempts[attempts.length - 1];
  if (!decisive) return notProbed(target);
  const result: ProbeResult = {
    target,
    status: decisive.status,
    latencyMs: decisive.latencyMs,
    phases: decisive.phases,
    attempts,
  };
  if (decisive.httpStatus !== undefined) result.httpStatus = decisive.httpStatus;
  if (decisive.error !== undefined) result.error = decisive.error;
  return result;
};

/**
 * What can stop a round before its attempts end by themselves: the budget's deadline and the caller's signal, one
 * timer and one listener for the whole round, removed when it ends (a listener left on a caller's signal would
 * keep the round's attempts alive as long as the signal lives). Undefined when there is neither.
 */
type Round = RoundStop & {
  /** Ends the pauses between attempts with the round (made only once a retry pauses). */
  readonly pauses: AbortSignal;
  close(): void;
};

const openRound = (signal: AbortSignal | undefined, budgetMs: number | undefined): Round | undefined => {
  if (!signal && budgetMs === undefined) return undefined;
  const inFlight = new Set<() => void>();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    // each stop settles its attempt, which deletes it from the set: iterating a Set that shrinks is safe
    for (const stopAttempt of inFlight) stopAttempt();
    inFlight.clear();
    sleeping?.abort();
  };
  let sleeping: AbortController | undefined;
  const timer = budgetMs === undefined ? undefined : setTimeout(stop, Math.max(0, Math.ceil(budgetMs)));
  // like AbortSignal.timeout: the deadline alone does not keep the process alive
  timer?.unref();
  signal?.addEventListener('abort', stop, { once: true });
  if (signal?.aborted) stop();
  return {
    get stopped() {
      return stopped;
    },
    add: (stopAttempt) => void inFlight.add(stopAttempt),
    delete: (stopAttempt) => void inFlight.delete(stopAttempt),
    get pauses() {
      sleeping ??= new AbortController();
      if (stopped) sleeping.abort();
      return sleeping.signal;
    },
    close: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
    },
  };
};

/**
 * Probes every target, as many at once as the concurrency allows (dialled at most DIALS_PER_TURN a turn), so a
 * round costs about one timeout (times the attempts) whatever the number of failing endpoints. Failures are
 * data: this never throws for the network. Results keep the order of `targets`.
 *
 * Driven by the probers' callbacks: `concurrency` targets in flight, each starting the next as it ends, with no
 * promise or async function per target or attempt (the promise machinery was a measurable part of a probe's
 * cost; docs/BENCHMARKS.md). Only the pause before a retry is a promise.
 */
export const probeTargets = (
  targets: ProbeTarget[],
  options: EngineOptions,
  deps: ProbeDeps = defaultProbeDeps,
): Promise<{ results: ProbeResult[]; complete: boolean }> =>
  new Promise((resolve, reject) => {
    const { clock } = deps;
    const started = clock.now();
    const deadline = options.budgetMs === undefined ? Number.POSITIVE_INFINITY : started + options.budgetMs;
    const round = openRound(options.signal, options.budgetMs);
    const total = targets.length;
    const keep = options.keepResults !== false;
    const results: ProbeResult[] = keep ? new Array(total) : [];
    let next = 0;
    let running = 0;
    let done = 0;
    let complete = true;
    let failed = false;

    const settle = (error?: unknown) => {
      round?.close();
      if (error === undefined) resolve({ results, complete });
      else {
        failed = true;
        reject(error);
      }
    };

    /** A target's attempts, one after the other, on a fixed schedule. */
    const probeOne = (index: number) => {
      const target = targets[index] as ProbeTarget;
      const probe = proberOf(target);
      const attempts: Attempt[] = [];
      const first = clock.now();

      const end = () => {
        // cut short by the deadline, not judged by the network: the run must say it is incomplete
        if (round?.stopped && attempts[attempts.length - 1]?.status !== 'ok') complete = false;
        const result = resultOf(target, attempts);
        if (keep) results[index] = result;
        done++;
        running--;
        options.onResult?.(result, done, total, index);
        schedule();
      };

      const attempt = () => {
        const n = attempts.length;
        const now = clock.now();
        const left = deadline - now;
        if (round?.stopped || left < MIN_ATTEMPT_MS) {
          complete = false;
          end();
          return;
        }
        // Attempt n ends by first + (n+1)·timeout + n·spacing at the latest: timer latency in one attempt or pause
        // shortens the next instead of adding up, so A attempts stay within A × timeout + the pauses.
        const scheduled = first + (n + 1) * options.timeoutMs + n * options.spacingMs - now;
        const attemptOptions: AttemptOptions = {
          timeoutMs: Math.max(MIN_ATTEMPT_MS, Math.min(options.timeoutMs, left, scheduled)),
        };
        if (round) attemptOptions.round = round;
        probe(target, target.spec, attemptOptions, deps, (seen) => {
          if (failed) return;
          try {
            attempts.push(seen);
            // a refused or unreachable answer is the kernel's own verdict, but one retry still rules out a blip
            if (seen.status === 'ok' || attempts.length >= options.attempts) end();
            else clock.sleep(options.spacingMs, round?.pauses).then(attempt).catch(settle);
          } catch (error) {
            settle(error);
          }
        });
      };
      attempt();
    };

    /**
     * Starts targets until `concurrency` are in flight, at most DIALS_PER_TURN in one turn of the event loop; the
     * round ends when none is left. Dials happen in their own turn (setImmediate), never inside the callback of a
     * probe that just ended: a connection's time runs from its connect(2) until the loop hears it connected, and
     * every dial and callback the loop does in between is queueing that would be counted as network time.
     */
    let scheduled = false;
    const pump = () => {
      scheduled = false;
      try {
        for (let dialled = 0; running < options.concurrency && next < total; dialled++) {
          if (dialled === DIALS_PER_TURN) {
            schedule();
            return;
          }
          running++;
          probeOne(next++);
        }
        if (running === 0 && next >= total) settle();
      } catch (error) {
        settle(error);
      }
    };
    const schedule = () => {
      if (scheduled || failed) return;
      scheduled = true;
      setImmediate(pump);
    };
    // the first dials in a turn of their own too: what the caller still does synchronously (and any garbage
    // collection its start-up left due) happens before any connection's clock starts
    schedule();
  });
