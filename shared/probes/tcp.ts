import { armTimers, type Prober, settleOnce, timedFromConnect, timeoutAttempt } from './attempt.ts';
import { classifyError } from './classify.ts';
import type { Attempt, TcpSpec } from './types.ts';

/**
 * A TCP handshake, nothing more: proves the path and the listener, never sends a byte. Timed from the socket's
 * own events: its connect(2) to `connect` (see timedFromConnect), so a batch of attempts does not time its own
 * set-up.
 */
export const probeTcp: Prober<TcpSpec> = (target, _spec, options, deps, done) => {
  const { clock } = deps;
  let from = clock.now();
  const socket = deps.dialer.tcp({ host: target.host, port: target.port });
  let lookupMs: number | undefined;
  const finish = settleOnce<Attempt>(socket, (attempt) => {
    dispose();
    if (lookupMs !== undefined) attempt.phases.dnsMs = lookupMs;
    done(attempt);
  });
  const dispose = armTimers(options, () =>
    finish(timeoutAttempt(clock.now() - from, options.timeoutMs, 'TCP handshake')),
  );
  if (timedFromConnect(socket, target.host))
    socket.on('connectionAttempt', () => {
      from = clock.now();
    });
  else
    socket.on('lookup', () => {
      lookupMs = clock.now() - from;
    });
  socket.on('connect', () => {
    const connectMs = clock.now() - from;
    finish({ status: 'ok', latencyMs: connectMs, phases: { connectMs } });
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    const { reason, code } = classifyError(error);
    finish({
      status: reason,
      latencyMs: clock.now() - from,
      phases: {},
      error: { code, message: error.message },
    });
  });
};
