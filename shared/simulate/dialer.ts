import { Socket } from 'node:net';
import type { Dialer } from '../probes/deps.ts';

/**
 * A simulated "absent" endpoint is mapped to this loopback address and port. The simulation dialer fails it
 * with ENETUNREACH before any packet is sent; were it ever dialed for real, it would only hit loopback.
 */
export const ABSENT = { host: '127.255.255.254', port: 9 } as const;

const isAbsent = (host: unknown, port: unknown): boolean =>
  host === ABSENT.host && Number(port) === ABSENT.port;

/**
 * A "slow" endpoint probed by a TCP handshake: without root the kernel cannot be told to answer a SYN late
 * (no tc netem here), so the simulation dialer holds the connect for the delay. The stand-in listens on
 * 127.78.x.y, where x·256 + y is the delay in units of 10 ms: the address carries the fault to a check in
 * another process (`simulate` then `check --config`), and it is still a real loopback listener.
 */
const SLOW_NET = [127, 78];
const SLOW_UNIT_MS = 10;

export const slowHost = (delayMs: number): string => {
  const units = Math.min(0xffff, Math.max(1, Math.ceil(delayMs / SLOW_UNIT_MS)));
  return `${SLOW_NET.join('.')}.${units >> 8}.${units & 0xff}`;
};

/** The delay a stand-in address stands for, or undefined for an ordinary one. */
export const slowDelayOf = (host: unknown): number | undefined => {
  if (typeof host !== 'string') return undefined;
  const match = /^127\.78\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!match) return undefined;
  return (Number(match[1]) * 256 + Number(match[2])) * SLOW_UNIT_MS;
};

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

/** A socket whose connect starts `delayMs` late; destroyed before then (a timeout), it never connects. */
const delayed = (connect: (socket: Socket) => void, delayMs: number): Socket => {
  const socket = new Socket();
  const timer = setTimeout(() => {
    if (!socket.destroyed) connect(socket);
  }, delayMs);
  socket.once('close', () => clearTimeout(timer));
  return socket;
};

/** Unprivileged stand-in for "no route" and for a slow handshake (a namespace does it for real: the e2e suite). */
export const simulationDialer = (inner: Dialer): Dialer => ({
  tcp: (options) => {
    if (!('host' in options)) return inner.tcp(options);
    if (isAbsent(options.host, options.port)) return unreachable();
    const delay = slowDelayOf(options.host);
    return delay === undefined ? inner.tcp(options) : delayed((socket) => socket.connect(options), delay);
  },
  tls: (options) => inner.tls(options),
});
