import { Socket } from 'node:net';
import type { Dialer } from '../probes/deps.ts';

/**
 * A simulated "absent" endpoint is mapped to this loopback address and port. The simulation dialer fails it
 * with ENETUNREACH before any packet is sent; were it ever dialed for real, it would only hit loopback.
 */
export const ABSENT = { host: '127.255.255.254', port: 9 } as const;

const isAbsent = (host: unknown, port: unknown): boolean =>
  host === ABSENT.host && Number(port) === ABSENT.port;

const unreachable = (): Socket => {
  const socket = new Socket();
  process.nextTick(() =>
    socket.destroy(
      Object.assign(
        new Error('connect ENETUNREACH (simulated: this address is absent from the simulated network)'),
        {
          code: 'ENETUNREACH',
        },
      ),
    ),
  );
  return socket;
};

/** Unprivileged stand-in for "no route" (a real one needs a network namespace; the e2e suite has that). */
export const simulationDialer = (inner: Dialer): Dialer => ({
  tcp: (options) =>
    'host' in options && isAbsent(options.host, options.port) ? unreachable() : inner.tcp(options),
  tls: (options) => inner.tls(options),
});
