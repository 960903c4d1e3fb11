import { isIP } from 'node:net';
import { armTimers, type Prober, settleOnce, timedFromConnect, timeoutAttempt } from './attempt.ts';
import { classifyError } from './classify.ts';
import type { Attempt, TlsSpec } from './types.ts';

/**
 * TCP, then a verified TLS handshake: for extra targets such as a public MSE endpoint behind TLS. Timed from the
 * socket's connect(2) (timedFromConnect): `connectMs` to `connect`, `tlsMs` to `secureConnect`.
 */
export const probeTls: Prober<TlsSpec> = (target, spec, options, deps, done) => {
  const { clock } = deps;
  let from = clock.now();
  const servername = spec.servername ?? (isIP(target.host) ? undefined : target.host);
  const socket = deps.dialer.tls({
    host: target.host,
    port: target.port,
    ...(servername ? { servername } : {}),
  });
  let connectMs: number | undefined;
  const finish = settleOnce<Attempt>(socket, (attempt) => {
    dispose();
    done(attempt);
  });
  const dispose = armTimers(options, () =>
    finish(
      timeoutAttempt(
        clock.now() - from,
        options.timeoutMs,
        connectMs === undefined ? 'TCP handshake' : 'TLS handshake',
      ),
    ),
  );
  if (timedFromConnect(socket, target.host))
    socket.on('connectionAttempt', () => {
      from = clock.now();
    });
  socket.once('connect', () => {
    connectMs = clock.now() - from;
  });
  socket.once('secureConnect', () => {
    const tlsMs = clock.now() - from;
    finish({ status: 'ok', latencyMs: tlsMs, phases: { connectMs: connectMs ?? tlsMs, tlsMs } });
  });
  socket.once('error', (error: NodeJS.ErrnoException) => {
    const classified = classifyError(error);
    // once TCP is up, any failure is the TLS layer's
    const reason = connectMs !== undefined && classified.reason === 'error' ? 'tls' : classified.reason;
    finish({
      status: reason,
      latencyMs: clock.now() - from,
      phases: connectMs === undefined ? {} : { connectMs },
      error: { code: classified.code, message: error.message },
    });
  });
};
