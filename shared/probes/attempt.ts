import { isIP, type Socket } from 'node:net';
import { round1 } from '../util/format.ts';
import type { ProbeDeps } from './deps.ts';
import type { Attempt, ProbeSpec, ProbeTarget } from './types.ts';

/**
 * What stops every attempt of a round at once (the round's deadline, the caller's signal): the engine keeps one
 * of these per round and each attempt adds its own stop to it. One abort listener per attempt would cost
 * O(attempts in flight) each, since `EventTarget.addEventListener` walks the listeners already there to reject
 * a duplicate (docs/BENCHMARKS.md).
 */
export type RoundStop = {
  readonly stopped: boolean;
  add(stop: () => void): void;
  delete(stop: () => void): void;
};

/**
 * What every prober gets for one attempt: its timeout (already clamped to the run's budget), and what stops it
 * early: the engine's round, or a caller's own signal when an attempt is made outside a round.
 */
export type AttemptOptions = { timeoutMs: number; signal?: AbortSignal; round?: RoundStop };

/**
 * One attempt at a target by one kind of prober, with that prober's own options: it calls `done` once, later
 * (never before it returns), with what it saw; network failures are data, never exceptions. Callbacks rather
 * than a promise per attempt: the engine runs thousands a round, and the promise machinery was a measurable
 * part of a probe's cost (docs/BENCHMARKS.md). `probeOnce` (engine.ts) wraps one in a promise.
 */
export type Prober<S extends ProbeSpec> = (
  target: ProbeTarget,
  spec: S,
  options: AttemptOptions,
  deps: ProbeDeps,
  done: (attempt: Attempt) => void,
) => void;

/** Resolves once, whatever fires first; the socket is always destroyed. */
export const settleOnce = <T>(socket: Socket, finish: (value: T) => void) => {
  let done = false;
  return (value: T) => {
    if (done) return;
    done = true;
    socket.destroy();
    finish(value);
  };
};

export const timeoutAttempt = (latencyMs: number, timeoutMs: number, phase: string): Attempt => ({
  status: 'timeout',
  latencyMs,
  phases: {},
  error: { code: 'ETIMEDOUT', message: `no ${phase} within ${round1(timeoutMs).toFixed(1)} ms` },
});

/** Watches the timeout and what stops the round (or the caller's signal); returns a disposer. */
export const armTimers = (options: AttemptOptions, onTimeout: () => void): (() => void) => {
  const timer = setTimeout(onTimeout, options.timeoutMs);
  const { round, signal } = options;
  if (round) {
    round.add(onTimeout);
    return () => {
      clearTimeout(timer);
      round.delete(onTimeout);
    };
  }
  if (signal) {
    signal.addEventListener('abort', onTimeout, { once: true });
    return () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onTimeout);
    };
  }
  return () => clearTimeout(timer);
};

/**
 * Whether a connection's own time starts at its connect(2) rather than at the dial. Node defers the connect(2)
 * of an IP literal by a tick, so in a batch of attempts dialled together every SYN leaves only after all of the
 * sockets were created: timed from the dial, the first one would carry the whole batch's set-up. The socket says
 * when its connect(2) is made (`connectionAttempt`, Node ≥ 20.12; before that the dial stays the start). A socket
 * the dialer hands back not yet connecting (a simulated slow network connects it later) is timed from the dial,
 * since that wait is the network it stands for; so is a host name, whose resolution is part of reaching it (as
 * curl's time_connect counts it).
 */
export const timedFromConnect = (socket: Socket, host: string): boolean =>
  socket.connecting && isIP(host) !== 0;
