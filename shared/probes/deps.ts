import { type NetConnectOpts, connect as netConnect, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';

/** Monotonic milliseconds for durations; wall time only for timestamps in reports. */
export type Clock = {
  now(): number;
  wall(): Date;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
};

export const systemClock: Clock = {
  now: () => performance.now(),
  wall: () => new Date(),
  sleep: async (ms, signal) => {
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      // aborted: the caller checks its own deadline
    }
  },
};

/** What a prober asks a dialer for: a TCP connection to host:port (a wrapper may add its own options). */
export type TcpDial = { host: string; port: number } & Partial<NetConnectOpts>;

/** Opens sockets. Injected so a simulation, the FC handler and tests share one engine. */
export type Dialer = {
  tcp(options: TcpDial): Socket;
  tls(options: ConnectionOptions): TLSSocket;
};

/**
 * `new Socket().connect(port, host)` rather than `net.connect({ host, port })`: the options object costs the
 * Socket constructor and connect() a normalisation each, about a fifth of a bare probe (docs/BENCHMARKS.md). Any
 * option beyond host and port takes `net.connect`'s own path.
 */
const tcpDial = (options: TcpDial): Socket => {
  for (const key in options)
    if (key !== 'host' && key !== 'port') return netConnect(options as NetConnectOpts);
  return new Socket().connect(options.port, options.host);
};

export const systemDialer: Dialer = { tcp: tcpDial, tls: tlsConnect };

export type ProbeDeps = { clock: Clock; dialer: Dialer };

export const defaultProbeDeps: ProbeDeps = { clock: systemClock, dialer: systemDialer };
