import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import type { AttemptOptions } from './attempt.ts';
import { defaultProbeDeps, type ProbeDeps } from './deps.ts';
import { probeHttp } from './http.ts';
import { probeTcp } from './tcp.ts';
import { probeTls } from './tls.ts';
import type { Attempt, ProbeMode, ProbeResult, ProbeSpec, ProbeTarget } from './types.ts';

type ProbeFn<S extends ProbeSpec> = (
  target: ProbeTarget,
  spec: S,
  options: AttemptOptions,
  deps: ProbeDeps,
) => Promise<Attempt>;

/** One file per probe kind behind one function type, in one typed map; each prober takes its own options. */
export const PROBES = { tcp: probeTcp, http: probeHttp, tls: probeTls } satisfies {
  [K in ProbeMode]: ProbeFn<Extract<ProbeSpec, { kind: K }>>;
};

/** One attempt at a target by its own prober and options (the map is typed per kind; the call is by spec). */
export const probeOnce = (target: ProbeTarget, options: AttemptOptions, deps: ProbeDeps): Promise<Attempt> =>
  (PROBES[target.spec.kind] as ProbeFn<ProbeSpec>)(target, target.spec, options, deps);

export type EngineOptions = {
  timeoutMs: number;
  attempts: number;
  spacingMs: number;
  concurrency: number;
  /** The caller's whole budget for the round; every attempt's timeout is clamped to what is left of it. */
  budgetMs?: number;
  signal?: AbortSignal;
  onResult?: (result: ProbeResult, done: number, total: number) => void;
};

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

const resultOf = (target: ProbeTarget, attempts: Attempt[]): ProbeResult => {
  const decisive = attempts.find((attempt) => attempt.status === 'ok') ?? attempts[attempts.length - 1];
  if (!decisive) return notProbed(target);
  return {
    target,
    status: decisive.status,
    latencyMs: decisive.latencyMs,
    phases: decisive.phases,
    attempts,
    ...(decisive.httpStatus === undefined ? {} : { httpStatus: decisive.httpStatus }),
    ...(decisive.error === undefined ? {} : { error: decisive.error }),
  };
};

/**
 * Probes every target, all of them at once up to the concurrency limit, so a round costs about one timeout
 * (times the attempts) whatever the number of failing endpoints. Failures are data: this never throws for
 * the network. Results keep the order of `targets`.
 */
export const probeTargets = async (
  targets: ProbeTarget[],
  options: EngineOptions,
  deps: ProbeDeps = defaultProbeDeps,
): Promise<{ results: ProbeResult[]; complete: boolean }> => {
  const started = deps.clock.now();
  const deadline = options.budgetMs === undefined ? Number.POSITIVE_INFINITY : started + options.budgetMs;
  const deadlineSignal = AbortSignal.any([
    ...(options.signal ? [options.signal] : []),
    ...(Number.isFinite(deadline) ? [AbortSignal.timeout(Math.max(0, Math.ceil(deadline - started)))] : []),
  ]);
  // every in-flight attempt listens for the deadline: thousands of listeners are expected, not a leak
  setMaxListeners(0, deadlineSignal);
  const limit = pLimit(options.concurrency);
  let done = 0;
  let complete = true;

  const probeOne = async (target: ProbeTarget): Promise<ProbeResult> => {
    const attempts: Attempt[] = [];
    const first = deps.clock.now();
    for (let n = 0; n < options.attempts; n++) {
      if (n > 0) await deps.clock.sleep(options.spacingMs, deadlineSignal);
      const now = deps.clock.now();
      const left = deadline - now;
      if (deadlineSignal.aborted || left < MIN_ATTEMPT_MS) {
        complete = false;
        break;
      }
      // Attempt n ends by first + (n+1)·timeout + n·spacing at the latest: timer latency in one attempt or pause
      // shortens the next instead of adding up, so A attempts stay within A × timeout + the pauses.
      const scheduled = first + (n + 1) * options.timeoutMs + n * options.spacingMs - now;
      const attempt = await probeOnce(
        target,
        {
          timeoutMs: Math.max(MIN_ATTEMPT_MS, Math.min(options.timeoutMs, left, scheduled)),
          signal: deadlineSignal,
        },
        deps,
      );
      attempts.push(attempt);
      if (attempt.status === 'ok') break;
      // a refused or unreachable answer is the kernel's own verdict, but one retry still rules out a blip
    }
    // cut short by the deadline, not judged by the network: the run must say it is incomplete
    if (deadlineSignal.aborted && attempts.at(-1)?.status !== 'ok') complete = false;
    const result = resultOf(target, attempts);
    done++;
    options.onResult?.(result, done, targets.length);
    return result;
  };

  const results = await Promise.all(targets.map((target) => limit(() => probeOne(target))));
  return { results, complete };
};
