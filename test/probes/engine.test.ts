import { getEventListeners } from 'node:events';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeoutAttempt } from '../../shared/probes/attempt.ts';
import { type Dialer, defaultProbeDeps, probeOnce, probeTargets } from '../../shared/probes/index.ts';
import type { ProbeResult, ProbeTarget } from '../../shared/probes/types.ts';
import { serveBlackhole } from '../../shared/simulate/servers.ts';
import { httpListener, type Listening, tcpListener } from '../support/listeners.ts';

// The engine's round: what stops it, how it dials, what it keeps; and how a probe is timed. Real listeners on
// loopback. The timing checks compare against waits 100 times longer than a loopback handshake: they say which
// events a duration is measured between, not how fast anything is.

const target = (listening: Listening, kind: 'tcp' | 'http' = 'tcp'): ProbeTarget => ({
  host: listening.host,
  port: listening.port,
  spec: { kind },
  category: 'targets',
  required: true,
});

/** Busy-waits: the event loop is held, as a batch of dials or a garbage collection would hold it. */
const hold = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
};

const open: Listening[] = [];
let tcp: Listening[];
let http: Listening;
let blackhole: Listening;

beforeAll(async () => {
  tcp = await Promise.all(Array.from({ length: 40 }, () => tcpListener()));
  http = await httpListener((_, res) => res.end('ok'));
  blackhole = await serveBlackhole('127.0.0.1');
  open.push(...tcp, http, blackhole);
});
afterAll(async () => {
  await Promise.all(open.map((listener) => listener.close()));
});

describe('what stops a round', () => {
  it('hangs one listener on the caller signal for the whole round, and takes it off when the round ends', async () => {
    const controller = new AbortController();
    const counts: number[] = [];
    const counting: Dialer = {
      ...defaultProbeDeps.dialer,
      tcp: (options) => {
        counts.push(getEventListeners(controller.signal, 'abort').length);
        return defaultProbeDeps.dialer.tcp(options);
      },
    };
    const { results } = await probeTargets(
      tcp.map((listening) => target(listening)),
      {
        timeoutMs: 1000,
        attempts: 1,
        spacingMs: 0,
        concurrency: 16,
        signal: controller.signal,
        budgetMs: 5000,
      },
      { ...defaultProbeDeps, dialer: counting },
    );
    expect(results.every((r) => r.status === 'ok')).toBe(true);
    // 40 attempts, up to 16 at once: one listener throughout, not one per attempt in flight
    expect(counts).toHaveLength(40);
    expect(new Set(counts)).toEqual(new Set([1]));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it("the caller's signal stops every attempt in flight at once, and the round says it is incomplete", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const started = performance.now();
    const { results, complete } = await probeTargets(
      Array.from({ length: 6 }, () => target(blackhole)),
      { timeoutMs: 10_000, attempts: 3, spacingMs: 0, concurrency: 6, signal: controller.signal },
    );
    expect(performance.now() - started).toBeLessThan(5000);
    expect(complete).toBe(false);
    expect(results.map((r) => r.status)).toEqual(Array(6).fill('timeout'));
    expect(results.every((r) => r.attempts.length === 1)).toBe(true);
  });

  it('a signal that fired before the round starts probes nothing', async () => {
    const { results, complete } = await probeTargets([target(tcp[0]!)], {
      timeoutMs: 1000,
      attempts: 2,
      spacingMs: 0,
      concurrency: 4,
      signal: AbortSignal.abort(),
    });
    expect(complete).toBe(false);
    expect(results[0]?.error?.code).toBe('DEADLINE');
  });
});

describe('how a round dials', () => {
  it('dials at most 8 connections in one turn of the event loop, and none before the caller has returned', async () => {
    const perTurn: number[] = [];
    let inTurn = 0;
    let callerReturned = false;
    let dialledBeforeReturn = false;
    const counting: Dialer = {
      ...defaultProbeDeps.dialer,
      tcp: (options) => {
        if (!callerReturned) dialledBeforeReturn = true;
        if (inTurn === 0)
          setImmediate(() => {
            perTurn.push(inTurn);
            inTurn = 0;
          });
        inTurn++;
        return defaultProbeDeps.dialer.tcp(options);
      },
    };
    const round = probeTargets(
      tcp.map((listening) => target(listening)),
      { timeoutMs: 1000, attempts: 1, spacingMs: 0, concurrency: 256 },
      { ...defaultProbeDeps, dialer: counting },
    );
    callerReturned = true;
    const { results } = await round;
    expect(dialledBeforeReturn).toBe(false);
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(40);
    expect(perTurn.reduce((a, b) => a + b, 0)).toBe(40);
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(8);
  });

  it('a dialer that throws fails the round (a bug, not a network failure), without an unhandled error', async () => {
    const broken: Dialer = {
      ...defaultProbeDeps.dialer,
      tcp: () => {
        throw new Error('dialer bug');
      },
    };
    await expect(
      probeTargets(
        [target(tcp[0]!)],
        { timeoutMs: 1000, attempts: 1, spacingMs: 0, concurrency: 4 },
        {
          ...defaultProbeDeps,
          dialer: broken,
        },
      ),
    ).rejects.toThrow('dialer bug');
  });

  it('keepResults: false hands each result to onResult with its index and keeps none', async () => {
    const seen: Array<[number, ProbeResult]> = [];
    const targets = tcp.slice(0, 5).map((listening) => target(listening));
    const { results, complete } = await probeTargets(targets, {
      timeoutMs: 1000,
      attempts: 1,
      spacingMs: 0,
      concurrency: 2,
      keepResults: false,
      onResult: (result, _done, _total, index) => seen.push([index, result]),
    });
    expect(complete).toBe(true);
    expect(results).toEqual([]);
    expect(seen.map(([index]) => index).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const [index, result] of seen) expect(result.target).toBe(targets[index]);
  });
});

describe('timing from the socket’s own events', () => {
  it('what the dialer does after the dial is not connect time: the clock starts at the connect(2)', async () => {
    // the socket is connecting when handed back, but its connect(2) waits for this turn to end (Node defers it)
    const slowAfterDial: Dialer = {
      ...defaultProbeDeps.dialer,
      tcp: (options) => {
        const socket = defaultProbeDeps.dialer.tcp(options);
        hold(200);
        return socket;
      },
    };
    const attempt = await probeOnce(
      target(tcp[0]!),
      { timeoutMs: 2000 },
      {
        ...defaultProbeDeps,
        dialer: slowAfterDial,
      },
    );
    expect(attempt.status).toBe('ok');
    expect(attempt.phases.connectMs).toBeLessThan(100);
  });

  it('a socket the dialer connects later (a simulated slow network) is timed from the dial', async () => {
    // The bound is the delay the dialer really imposed, read from the same clock: a 150 ms timer
    // may fire a fraction of a millisecond early by performance.now(), so 150 itself is not a bound.
    let dialedAt = 0;
    let connectCalledAt = 0;
    const lateConnect: Dialer = {
      ...defaultProbeDeps.dialer,
      tcp: (options) => {
        dialedAt = performance.now();
        const socket = new Socket();
        setTimeout(() => {
          connectCalledAt = performance.now();
          socket.connect(options.port, options.host);
        }, 150);
        return socket;
      },
    };
    const attempt = await probeOnce(
      target(tcp[0]!),
      { timeoutMs: 2000 },
      {
        ...defaultProbeDeps,
        dialer: lateConnect,
      },
    );
    expect(attempt.status).toBe('ok');
    expect(connectCalledAt - dialedAt).toBeGreaterThan(100);
    expect(attempt.phases.connectMs).toBeGreaterThanOrEqual(connectCalledAt - dialedAt);
  });

  it('in a batch, each connection is timed alone: the others’ dials are not counted', async () => {
    // every dial holds the loop 5 ms: 40 of them take 200 ms, which a clock started at the dial would count
    const slowDials: Dialer = {
      ...defaultProbeDeps.dialer,
      tcp: (options) => {
        hold(5);
        return defaultProbeDeps.dialer.tcp(options);
      },
    };
    const { results } = await probeTargets(
      tcp.map((listening) => target(listening)),
      { timeoutMs: 2000, attempts: 1, spacingMs: 0, concurrency: 256 },
      { ...defaultProbeDeps, dialer: slowDials },
    );
    expect(results.every((r) => r.status === 'ok')).toBe(true);
    expect(Math.max(...results.map((r) => r.phases.connectMs ?? Number.POSITIVE_INFINITY))).toBeLessThan(100);
  });

  it('http: first byte is connect plus request written → first byte, not the turns in between', async () => {
    const attempt = await probeOnce(target(http, 'http'), { timeoutMs: 2000 }, defaultProbeDeps);
    expect(attempt.status).toBe('ok');
    expect(attempt.phases.firstByteMs).toBeGreaterThanOrEqual(attempt.phases.connectMs ?? Number.NaN);
    expect(attempt.latencyMs).toBe(attempt.phases.firstByteMs);
  });
});

describe('durations in messages', () => {
  it('a timeout says its limit at 0.1 ms', () => {
    expect(timeoutAttempt(1500.2, 1499.795729, 'TCP handshake').error?.message).toBe(
      'no TCP handshake within 1499.8 ms',
    );
  });

  it('a timeout clamped to the budget says it at 0.1 ms too', async () => {
    const { results } = await probeTargets([target(blackhole)], {
      timeoutMs: 10_000,
      attempts: 1,
      spacingMs: 0,
      concurrency: 1,
      budgetMs: 250.123456,
    });
    expect(results[0]?.status).toBe('timeout');
    expect(results[0]?.error?.message).toMatch(/^no TCP handshake within \d+\.\d ms$/);
  });
});
