import { type AttemptOptions, armTimers, settleOnce, timeoutAttempt } from './attempt.ts';
import { classifyError } from './classify.ts';
import type { ProbeDeps } from './deps.ts';
import type { Attempt, ProbeTarget, TcpSpec } from './types.ts';

/** A TCP handshake, nothing more: proves the path and the listener, never sends a byte. */
export const probeTcp = (
  target: ProbeTarget,
  _spec: TcpSpec,
  options: AttemptOptions,
  deps: ProbeDeps,
): Promise<Attempt> =>
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
