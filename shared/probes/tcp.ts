import type { Socket } from 'node:net';
import { classifyError } from './classify.ts';
import type { ProbeDeps } from './deps.ts';
import type { Attempt, ProbeTarget } from './types.ts';

export type AttemptOptions = { timeoutMs: number; signal?: AbortSignal; expectStatus?: number[] };

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

/** A TCP handshake, nothing more: proves the path and the listener, never sends a byte. */
export const probeTcp = (target: ProbeTarget, options: AttemptOptions, deps: ProbeDeps): Promise<Attempt> =>
  new Promise((resolve) => {
    const start = deps.clock.now();
    const socket = deps.dialer.tcp({ host: target.host, port: target.port });
    let lookupMs: number | undefined;
    const finish = settleOnce<Attempt>(socket, (attempt) => {
      dispose();
      resolve(
        lookupMs === undefined ? attempt : { ...attempt, phases: { ...attempt.phases, dnsMs: lookupMs } },
      );
    });
    const dispose = armTimers(options, () =>
      finish(timeoutAttempt(deps.clock.now() - start, options.timeoutMs, 'TCP handshake')),
    );
    socket.once('lookup', () => {
      lookupMs = deps.clock.now() - start;
    });
    socket.once('connect', () => {
      const connectMs = deps.clock.now() - start;
      finish({ status: 'ok', latencyMs: connectMs, phases: { connectMs } });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const { reason, code } = classifyError(error);
      finish({
        status: reason,
        latencyMs: deps.clock.now() - start,
        phases: {},
        error: { code, message: error.message },
      });
    });
  });
