import type { Socket } from 'node:net';
import type { Attempt } from './types.ts';

/** What every prober gets for one attempt: its timeout (already clamped to the run's budget) and the run's signal. */
export type AttemptOptions = { timeoutMs: number; signal?: AbortSignal };

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
  error: { code: 'ETIMEDOUT', message: `no ${phase} within ${timeoutMs} ms` },
});

/** Watches the timeout and the run's deadline signal; returns a disposer. */
export const armTimers = (options: AttemptOptions, onTimeout: () => void): (() => void) => {
  const timer = setTimeout(onTimeout, options.timeoutMs);
  options.signal?.addEventListener('abort', onTimeout, { once: true });
  return () => {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onTimeout);
  };
};
