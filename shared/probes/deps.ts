import { type NetConnectOpts, connect as netConnect, type Socket } from 'node:net';
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

/** Opens sockets. Injected so a simulation, the FC handler and tests share one engine. */
export type Dialer = {
  tcp(options: NetConnectOpts): Socket;
  tls(options: ConnectionOptions): TLSSocket;
};

export const systemDialer: Dialer = { tcp: netConnect, tls: tlsConnect };

export type ProbeDeps = { clock: Clock; dialer: Dialer };

export const defaultProbeDeps: ProbeDeps = { clock: systemClock, dialer: systemDialer };
