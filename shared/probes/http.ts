import { round1 } from '../util/format.ts';
import { armTimers, type Prober, settleOnce, timedFromConnect, timeoutAttempt } from './attempt.ts';
import { classifyError } from './classify.ts';
import type { Attempt, HttpSpec } from './types.ts';

const STATUS_LINE = /^HTTP\/\d(?:\.\d)? (\d{3})/;

/**
 * GET / over a fresh socket. Written on the socket rather than with node:http so that connect and first byte
 * are timed separately and no agent reuses a connection: each attempt must cross the firewall itself.
 * Any HTTP answer proves reachability, whatever its status, unless the target lists the statuses it expects.
 * Timed from the socket's own events: `connectMs` from its connect(2) to `connect`, `firstByteMs` adds the wait
 * from the request written to the first byte, and leaves out the event loop's turns between the two (curl's
 * time_connect and time_starttransfer measure the same).
 */
export const probeHttp: Prober<HttpSpec> = (target, spec, options, deps, done) => {
  const { clock } = deps;
  let from = clock.now();
  const socket = deps.dialer.tcp({ host: target.host, port: target.port });
  let connectMs: number | undefined;
  let writtenAt = 0;
  const finish = settleOnce<Attempt>(socket, (attempt) => {
    dispose();
    done(attempt);
  });
  const dispose = armTimers(options, () => {
    const latencyMs = clock.now() - from;
    if (connectMs === undefined) finish(timeoutAttempt(latencyMs, options.timeoutMs, 'TCP handshake'));
    // connected but silent: an MSE HTTP endpoint always answers, so something on the path swallowed the
    // request (a proxy, an inspection device) and clients of this endpoint hang: a failure of its own
    else
      finish({
        status: 'no-answer',
        latencyMs,
        phases: { connectMs },
        error: {
          code: 'NO_HTTP_ANSWER',
          message: `connected, but no HTTP answer within ${round1(options.timeoutMs).toFixed(1)} ms`,
        },
      });
  });
  if (timedFromConnect(socket, target.host))
    socket.on('connectionAttempt', () => {
      from = clock.now();
    });
  socket.once('connect', () => {
    connectMs = clock.now() - from;
    socket.write(
      `GET / HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nUser-Agent: mse-watch\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
    );
    writtenAt = clock.now();
  });
  let buffered = '';
  let firstByteMs: number | undefined;
  socket.on('data', (chunk: Buffer) => {
    // the first chunk's time, even when the status line takes more than one
    firstByteMs ??= (connectMs ?? 0) + (clock.now() - writtenAt);
    buffered += chunk.toString('latin1');
    if (!buffered.includes('\r\n') && buffered.length < 64) return;
    const phases = { connectMs: connectMs ?? firstByteMs, firstByteMs };
    const status = STATUS_LINE.exec(buffered)?.[1];
    if (status === undefined) {
      finish({
        status: 'ok',
        latencyMs: firstByteMs,
        phases,
        error: { code: 'NOT_HTTP', message: 'connected, but the answer is not HTTP' },
      });
      return;
    }
    const httpStatus = Number(status);
    const accepted = !spec.expectStatus || spec.expectStatus.includes(httpStatus);
    finish({
      status: accepted ? 'ok' : 'http-status',
      latencyMs: firstByteMs,
      phases,
      httpStatus,
      ...(accepted
        ? {}
        : {
            error: {
              code: `HTTP_${httpStatus}`,
              message: `HTTP ${httpStatus}, expected ${spec.expectStatus?.join(' or ')}`,
            },
          }),
    });
  });
  socket.once('end', () => {
    if (connectMs !== undefined)
      finish({
        status: 'reset',
        latencyMs: clock.now() - from,
        phases: { connectMs },
        error: { code: 'EOF', message: 'the connection was closed before any HTTP answer' },
      });
  });
  socket.once('error', (error: NodeJS.ErrnoException) => {
    const { reason, code } = classifyError(error);
    const phases = connectMs === undefined ? {} : { connectMs };
    finish({
      status: reason,
      latencyMs: clock.now() - from,
      phases,
      error: { code, message: error.message },
    });
  });
};
